import psycopg2
from psycopg2 import errorcodes

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..models.record_ids import public_records


def product_uom_joins(line_alias, uom_column):
    """SQL joins giving line_uom (the line's unit) and product_uom (its product's) for
    converting a line quantity: qty / line_uom.factor * product_uom.factor (same category).
    Takes identifiers only, never values."""
    return """
      JOIN product_product pp ON pp.id = {line}.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN product_uom line_uom ON line_uom.id = {line}.{uom}
      JOIN product_uom product_uom ON product_uom.id = pt.uom_id
    """.format(line=line_alias, uom=uom_column)


# One row per open demand: a quotation line (full quantity) or a line of an open opportunity
# that has no quotation yet (weighted by its probability), in the product unit, dated and
# not before today. Only stockable products.
_DEMAND_SOURCE_VIEW = """
CREATE OR REPLACE VIEW crm_erp_pipeline_demand_source AS (
    SELECT 'sale.order'::varchar AS source_model,
           so.id AS source_id,
           so.company_id,
           so.warehouse_id,
           sol.product_id,
           so.user_id,
           sol.product_uom_qty / line_uom.factor * product_uom.factor AS demand_qty,
           sol.product_uom_qty / line_uom.factor * product_uom.factor AS weighted_qty,
           GREATEST((so.date_order + sol.customer_lead * INTERVAL '1 day')::date, CURRENT_DATE) AS date
      FROM sale_order_line sol
      JOIN sale_order so ON so.id = sol.order_id
      """ + product_uom_joins('sol', 'product_uom') + """
     WHERE sol.state IN ('draft', 'sent') AND pt.type = 'product'
    UNION ALL
    SELECT 'crm.lead'::varchar,
           lead.id,
           lead.company_id,
           COALESCE(lead.warehouse_id,
                    (SELECT MIN(wh.id) FROM stock_warehouse wh WHERE wh.company_id = lead.company_id)),
           line.product_id,
           lead.user_id,
           line.product_qty / line_uom.factor * product_uom.factor,
           line.product_qty / line_uom.factor * product_uom.factor * lead.probability / 100.0,
           GREATEST(COALESCE(line.date_expected, lead.date_deadline, CURRENT_DATE), CURRENT_DATE)
      FROM crm_lead_line line
      JOIN crm_lead lead ON lead.id = line.lead_id
      """ + product_uom_joins('line', 'product_uom_id') + """
     WHERE lead.active AND lead.type = 'opportunity' AND lead.probability < 100
       AND pt.type = 'product'
       AND NOT EXISTS (SELECT 1 FROM sale_order so
                        WHERE so.opportunity_id = lead.id AND so.state <> 'cancel')
)
"""

# Per product x warehouse x ISO week (weeks before this one count as this one): demand,
# incoming, and the running balance free + incoming - weighted demand. The shortfall of a
# week is how much the deepest dip of the balance so far grew that week, so the shortfall
# summed over the weeks up to W is what must come in now for the balance never to go
# below zero until W. Free stock is on the first week of each product x warehouse only, so
# that summing over weeks gives it once. The id is computed from product, warehouse and week
# (unique below 1000 warehouses and until 2190, exact in JavaScript for product ids below
# 900 million), not numbered by a window: a window over all rows would stop PostgreSQL from
# pushing a product filter down to the indexed order lines.
# Every window is partitioned by warehouse x product and ordered by week, so the rows are
# sorted once: the dip before this week is a window frame, not a LAG over a second window level.
_REPORT_VIEW = """
CREATE OR REPLACE VIEW crm_erp_pipeline_demand_report AS (
    SELECT (balance.product_id::bigint * 1000 + balance.warehouse_id) * 10000
               + (balance.week - DATE '2000-01-03') / 7 AS id,
           wh.company_id,
           balance.warehouse_id,
           balance.product_id,
           pt.categ_id,
           seller.id AS supplierinfo_id,
           seller.name AS vendor_id,
           balance.week,
           balance.demand_qty,
           balance.weighted_qty,
           CASE WHEN balance.week_rank = 1 THEN balance.free_total ELSE 0 END AS free_qty,
           balance.incoming_qty,
           balance.projected_qty,
           balance.deepest_short - balance.deepest_short_before AS shortfall_qty,
           CASE WHEN balance.stockout_week IS NOT NULL
                THEN GREATEST(balance.stockout_week - CURRENT_DATE, 0) END AS coverage_days
      FROM (
        SELECT flows.*,
               GREATEST(-MIN(flows.projected_qty) OVER pair_to_date, 0) AS deepest_short,
               -- GREATEST ignores the NULL minimum of the empty frame of the first week: 0
               GREATEST(-MIN(flows.projected_qty) OVER (pair_to_date ROWS BETWEEN UNBOUNDED PRECEDING
                                                                       AND 1 PRECEDING), 0)
                   AS deepest_short_before,
               MIN(CASE WHEN flows.projected_qty < 0 THEN flows.week END) OVER pair_all AS stockout_week,
               ROW_NUMBER() OVER pair_to_date AS week_rank
          FROM (
            SELECT weekly.*,
                   COALESCE(free.free_total, 0) AS free_total,
                   COALESCE(free.free_total, 0)
                       + SUM(weekly.incoming_qty - weekly.weighted_qty)
                         OVER (PARTITION BY weekly.warehouse_id, weekly.product_id ORDER BY weekly.week)
                       AS projected_qty,
                   SUM(weekly.demand_qty) OVER (PARTITION BY weekly.warehouse_id, weekly.product_id)
                       AS pair_demand
              FROM (
                SELECT warehouse_id, product_id, week,
                       SUM(demand_qty) AS demand_qty, SUM(weighted_qty) AS weighted_qty,
                       SUM(incoming_qty) AS incoming_qty
                  FROM (
                    SELECT warehouse_id, product_id, date_trunc('week', date)::date AS week,
                           demand_qty, weighted_qty, 0.0 AS incoming_qty
                      FROM crm_erp_pipeline_demand_source
                    UNION ALL
                    SELECT wh.id, move.product_id,
                           date_trunc('week', GREATEST(move.date_expected::date, CURRENT_DATE))::date,
                           0.0, 0.0, move.product_qty
                      FROM stock_move move
                      JOIN stock_location dest ON dest.id = move.location_dest_id
                      JOIN stock_location src ON src.id = move.location_id
                      JOIN stock_warehouse wh ON wh.company_id = move.company_id
                      JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
                     WHERE move.state NOT IN ('draft', 'cancel', 'done')
                       AND dest.usage = 'internal' AND src.usage <> 'internal'
                       AND dest.parent_left BETWEEN view_loc.parent_left AND view_loc.parent_right
                  ) AS flow
              GROUP BY warehouse_id, product_id, week
              ) AS weekly
              LEFT JOIN (
                SELECT wh.id AS warehouse_id, quant.product_id,
                       SUM(quant.quantity - quant.reserved_quantity) AS free_total
                  FROM stock_quant quant
                  JOIN stock_location loc ON loc.id = quant.location_id
                  JOIN stock_warehouse wh ON wh.company_id = loc.company_id
                  JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
                 WHERE loc.usage = 'internal'
                   AND loc.parent_left BETWEEN view_loc.parent_left AND view_loc.parent_right
              GROUP BY wh.id, quant.product_id
              ) AS free ON free.warehouse_id = weekly.warehouse_id AND free.product_id = weekly.product_id
          ) AS flows
         WHERE flows.pair_demand > 0
        WINDOW pair_to_date AS (PARTITION BY flows.warehouse_id, flows.product_id ORDER BY flows.week),
               pair_all AS (PARTITION BY flows.warehouse_id, flows.product_id)
      ) AS balance
      JOIN stock_warehouse wh ON wh.id = balance.warehouse_id
      JOIN product_product pp ON pp.id = balance.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN LATERAL (
        SELECT si.id, si.name
          FROM product_supplierinfo si
         WHERE si.product_tmpl_id = pt.id
           AND (si.product_id IS NULL OR si.product_id = pp.id)
           AND (si.company_id IS NULL OR si.company_id = wh.company_id)
           AND (si.date_start IS NULL OR si.date_start <= CURRENT_DATE)
           AND (si.date_end IS NULL OR si.date_end >= CURRENT_DATE)
      ORDER BY si.sequence, si.min_qty DESC, si.price, si.id
         LIMIT 1
      ) AS seller ON TRUE
)
"""

# What the views filter and join on, beyond Odoo's own indexes.
_INDEXES = [
    ('sale_order_line_open_quotation_product_idx',
     'CREATE INDEX sale_order_line_open_quotation_product_idx ON sale_order_line (product_id) '
     "WHERE state IN ('draft', 'sent')"),
    ('stock_move_open_product_idx',
     'CREATE INDEX stock_move_open_product_idx ON stock_move (product_id) '
     "WHERE state NOT IN ('draft', 'cancel', 'done')"),
    # free stock of a few products (recommendations, availability): Odoo 11 has no such index
    ('stock_quant_product_idx', 'CREATE INDEX stock_quant_product_idx ON stock_quant (product_id)'),
    ('sale_order_opportunity_id_idx',
     'CREATE INDEX sale_order_opportunity_id_idx ON sale_order (opportunity_id) '
     'WHERE opportunity_id IS NOT NULL'),
]

# The report users open reads a snapshot of the view, the table crm_erp_pipeline_demand_snapshot
# (the view costs seconds on millions of order lines, and a pivot asks it four times). Triggers
# on the tables the view reads note the products whose rows may have changed in
# crm_erp_pipeline_demand_dirty (NULL: every product, after a change of units, locations or
# warehouses; INSERT only, so writers never collide on it); a search or read_group of the report
# first recomputes those products from the view (a product filter reaches the indexed lines),
# and everything when the snapshot is from an earlier day (the view counts past dates as
# today) - when no other transaction is refreshing (see _refresh_snapshot); the cron does it
# every few minutes too. Code that needs exact figures inside its own transaction (product
# figures, RFQs) reads the view itself.
_SNAPSHOT_TABLES = """
DROP TABLE IF EXISTS crm_erp_pipeline_demand_snapshot;
CREATE TABLE crm_erp_pipeline_demand_snapshot AS
    SELECT * FROM crm_erp_pipeline_demand_report WITH NO DATA;
ALTER TABLE crm_erp_pipeline_demand_snapshot ADD PRIMARY KEY (id);
CREATE INDEX crm_erp_pipeline_demand_snapshot_product_idx ON crm_erp_pipeline_demand_snapshot (product_id);
CREATE TABLE IF NOT EXISTS crm_erp_pipeline_demand_dirty (product_id integer);
CREATE TABLE IF NOT EXISTS crm_erp_pipeline_demand_refreshed (day date NOT NULL);
DELETE FROM crm_erp_pipeline_demand_refreshed;
"""

# Transaction-scoped advisory lock (by name) of the one transaction refreshing the snapshot.
_SNAPSHOT_LOCK = 'crm_erp_bridge.pipeline_demand_snapshot'

SNAPSHOT_TABLE_NAMES = ('crm_erp_pipeline_demand_snapshot', 'crm_erp_pipeline_demand_dirty',
                         'crm_erp_pipeline_demand_refreshed')

# (table, events, WHEN condition or None, products to mark: SQL with OLD/NEW, NULL for all).
# Only the columns the view reads count; lines and moves only while they are (or were) open.
_QUOTATION = "('draft', 'sent')"
_NOT_OPEN_MOVE = "('draft', 'cancel', 'done')"
_TRIGGERS = [
    ('sale_order_line', 'INSERT', 'NEW.state IN %s' % _QUOTATION, 'SELECT NEW.product_id'),
    ('sale_order_line', 'DELETE', 'OLD.state IN %s' % _QUOTATION, 'SELECT OLD.product_id'),
    ('sale_order_line', 'UPDATE',
     '(OLD.state IN {q} OR NEW.state IN {q}) AND (OLD.state, OLD.product_id, OLD.product_uom_qty, '
     'OLD.product_uom, OLD.customer_lead, OLD.order_id) IS DISTINCT FROM (NEW.state, NEW.product_id, '
     'NEW.product_uom_qty, NEW.product_uom, NEW.customer_lead, NEW.order_id)'.format(q=_QUOTATION),
     'SELECT OLD.product_id UNION SELECT NEW.product_id'),
    # an order's dates, warehouse, salesperson, state; its opportunity's lines stop or start counting
    ('sale_order', 'INSERT', 'NEW.opportunity_id IS NOT NULL',
     'SELECT product_id FROM crm_lead_line WHERE lead_id = NEW.opportunity_id'),
    ('sale_order', 'DELETE', 'OLD.opportunity_id IS NOT NULL',
     'SELECT product_id FROM crm_lead_line WHERE lead_id = OLD.opportunity_id'),
    ('sale_order', 'UPDATE',
     '(OLD.state, OLD.date_order, OLD.warehouse_id, OLD.company_id, OLD.user_id, OLD.opportunity_id) '
     'IS DISTINCT FROM (NEW.state, NEW.date_order, NEW.warehouse_id, NEW.company_id, NEW.user_id, '
     'NEW.opportunity_id)',
     'SELECT product_id FROM sale_order_line WHERE order_id = NEW.id '
     'UNION SELECT product_id FROM crm_lead_line WHERE lead_id IN (OLD.opportunity_id, NEW.opportunity_id)'),
    ('crm_lead', 'UPDATE',
     '(OLD.active, OLD.type, OLD.probability, OLD.warehouse_id, OLD.company_id, OLD.date_deadline, '
     'OLD.user_id) IS DISTINCT FROM (NEW.active, NEW.type, NEW.probability, NEW.warehouse_id, '
     'NEW.company_id, NEW.date_deadline, NEW.user_id)',
     'SELECT product_id FROM crm_lead_line WHERE lead_id = NEW.id'),
    ('crm_lead_line', 'INSERT', None, 'SELECT NEW.product_id'),
    ('crm_lead_line', 'DELETE', None, 'SELECT OLD.product_id'),
    ('crm_lead_line', 'UPDATE',
     '(OLD.product_id, OLD.product_qty, OLD.product_uom_id, OLD.date_expected, OLD.lead_id) '
     'IS DISTINCT FROM (NEW.product_id, NEW.product_qty, NEW.product_uom_id, NEW.date_expected, NEW.lead_id)',
     'SELECT OLD.product_id UNION SELECT NEW.product_id'),
    ('stock_move', 'INSERT', 'NEW.state NOT IN %s' % _NOT_OPEN_MOVE, 'SELECT NEW.product_id'),
    ('stock_move', 'DELETE', 'OLD.state NOT IN %s' % _NOT_OPEN_MOVE, 'SELECT OLD.product_id'),
    ('stock_move', 'UPDATE',
     '(OLD.state NOT IN {m} OR NEW.state NOT IN {m}) AND (OLD.state, OLD.product_id, OLD.product_qty, '
     'OLD.date_expected, OLD.location_id, OLD.location_dest_id, OLD.company_id) IS DISTINCT FROM '
     '(NEW.state, NEW.product_id, NEW.product_qty, NEW.date_expected, NEW.location_id, '
     'NEW.location_dest_id, NEW.company_id)'.format(m=_NOT_OPEN_MOVE),
     'SELECT OLD.product_id UNION SELECT NEW.product_id'),
    ('stock_quant', 'INSERT', None, 'SELECT NEW.product_id'),
    ('stock_quant', 'DELETE', None, 'SELECT OLD.product_id'),
    ('stock_quant', 'UPDATE',
     '(OLD.product_id, OLD.location_id, OLD.quantity, OLD.reserved_quantity) IS DISTINCT FROM '
     '(NEW.product_id, NEW.location_id, NEW.quantity, NEW.reserved_quantity)',
     'SELECT OLD.product_id UNION SELECT NEW.product_id'),
    ('product_supplierinfo', 'INSERT', None,
     'SELECT id FROM product_product WHERE product_tmpl_id = NEW.product_tmpl_id'),
    ('product_supplierinfo', 'DELETE', None,
     'SELECT id FROM product_product WHERE product_tmpl_id = OLD.product_tmpl_id'),
    ('product_supplierinfo', 'UPDATE', None,
     'SELECT id FROM product_product WHERE product_tmpl_id IN (OLD.product_tmpl_id, NEW.product_tmpl_id)'),
    ('product_template', 'UPDATE',
     '(OLD.type, OLD.categ_id, OLD.uom_id) IS DISTINCT FROM (NEW.type, NEW.categ_id, NEW.uom_id)',
     'SELECT id FROM product_product WHERE product_tmpl_id = NEW.id'),
    ('product_product', 'UPDATE', 'OLD.product_tmpl_id IS DISTINCT FROM NEW.product_tmpl_id',
     'SELECT NEW.id'),
    ('product_uom', 'UPDATE', 'OLD.factor IS DISTINCT FROM NEW.factor', 'SELECT NULL::integer'),
    ('stock_location', 'INSERT', None, 'SELECT NULL::integer'),
    ('stock_location', 'DELETE', None, 'SELECT NULL::integer'),
    ('stock_location', 'UPDATE',
     '(OLD.parent_left, OLD.parent_right, OLD.usage, OLD.company_id) IS DISTINCT FROM '
     '(NEW.parent_left, NEW.parent_right, NEW.usage, NEW.company_id)', 'SELECT NULL::integer'),
    ('stock_warehouse', 'INSERT', None, 'SELECT NULL::integer'),
    ('stock_warehouse', 'DELETE', None, 'SELECT NULL::integer'),
    ('stock_warehouse', 'UPDATE',
     '(OLD.company_id, OLD.view_location_id) IS DISTINCT FROM (NEW.company_id, NEW.view_location_id)',
     'SELECT NULL::integer'),
]


def _trigger_name(table, event):
    return 'crm_erp_pipeline_demand_%s_%s' % (table, event.lower())


def snapshot_trigger_functions():
    """Names of the trigger functions, for the uninstall hook (dropping them drops the triggers)."""
    return [_trigger_name(table, event) for table, event, _when, _products in _TRIGGERS]


class PipelineDemandReport(models.Model):
    """Pipeline demand vs stock, per product x warehouse x week."""
    _name = 'crm.erp.pipeline.demand.report'
    _description = 'Pipeline Demand vs Stock'
    _auto = False
    _table = 'crm_erp_pipeline_demand_snapshot'
    _order = 'week, product_id, warehouse_id'
    _rec_name = 'product_id'

    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    warehouse_id = fields.Many2one('stock.warehouse', string='Warehouse', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    categ_id = fields.Many2one('product.category', string='Product Category', readonly=True)
    supplierinfo_id = fields.Many2one('product.supplierinfo', string='Main Vendor Price', readonly=True)
    vendor_id = fields.Many2one('res.partner', string='Main Vendor', readonly=True)
    week = fields.Date(string='Week', readonly=True)
    demand_qty = fields.Float(string='Demand', readonly=True)
    weighted_qty = fields.Float(string='Weighted Demand', readonly=True)
    free_qty = fields.Float(string='Free', readonly=True)
    incoming_qty = fields.Float(string='Incoming', readonly=True)
    projected_qty = fields.Float(
        string='Projected Balance', readonly=True, group_operator='min',
        help='Free + incoming - weighted demand up to the end of the week (the lowest, when grouped).')
    shortfall_qty = fields.Float(string='Shortfall', readonly=True)
    coverage_days = fields.Integer(
        string='Coverage (Days)', readonly=True, group_operator='min',
        help='Days until the projected balance first goes below zero; empty when it never does.')
    salesperson_ids = fields.Many2many(
        'res.users', string='Salespeople', compute='_compute_salesperson_ids',
        search='_search_salesperson_ids',
        help='Salespeople whose quotations or opportunities make the demand of this product.')

    @api.model_cr
    def init(self):
        cr = self.env.cr
        tools.drop_view_if_exists(cr, 'crm_erp_pipeline_demand_source')  # cascades to the report
        cr.execute(_DEMAND_SOURCE_VIEW)
        cr.execute(_REPORT_VIEW)
        for name, statement in _INDEXES:
            cr.execute('SELECT 1 FROM pg_indexes WHERE indexname = %s', [name])
            if not cr.fetchone():
                cr.execute(statement)
        cr.execute(_SNAPSHOT_TABLES)  # made anew from the view, empty: the first read fills it
        for table, event, when, products in _TRIGGERS:
            name = _trigger_name(table, event)
            # identifiers and SQL written above, no values
            cr.execute("""
                CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO crm_erp_pipeline_demand_dirty (product_id) {products};
                    RETURN NULL;
                END $$;
                DROP TRIGGER IF EXISTS {name} ON {table};
                CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} EXECUTE PROCEDURE {name}();
            """.format(name=name, table=table, event=event, products=products,
                       when='WHEN (%s)' % when if when else ''))

    @api.model
    def _refresh_snapshot(self):
        """Bring the snapshot up to date, when no other transaction is doing it: readers
        never wait for each other nor write rows another reader writes (the pivot runs its
        read_groups in parallel). The one that holds the lock refreshes; the others read the
        snapshot as it is (at most the products changed in the last moments are behind).
        A refresh committed after this transaction's snapshot was taken makes its writes a
        serialization failure (REPEATABLE READ): then this one reads the snapshot as well.
        Returns whether this transaction refreshed."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_SNAPSHOT_LOCK])
        if not cr.fetchone()[0]:
            return False
        try:
            with cr.savepoint():
                self._refresh_snapshot_locked()
        except (psycopg2.extensions.TransactionRollbackError, psycopg2.IntegrityError) as error:
            if error.pgcode not in (errorcodes.SERIALIZATION_FAILURE, errorcodes.UNIQUE_VIOLATION):
                raise
            return False
        return True

    @api.model
    def _refresh_snapshot_locked(self):
        """Every row when the snapshot is from an earlier day or a change touched every
        product, else the rows of the products noted by the triggers. Its writes are not
        logged when they fail (see _refresh_snapshot)."""
        cr = self.env.cr
        cr.execute("SELECT 1 FROM crm_erp_pipeline_demand_refreshed WHERE day = CURRENT_DATE")
        current = bool(cr.fetchone())
        cr.execute("DELETE FROM crm_erp_pipeline_demand_dirty RETURNING product_id", log_exceptions=False)
        product_ids = {row[0] for row in cr.fetchall()}
        if current and not product_ids:
            return
        if current and None not in product_ids:
            cr.execute("DELETE FROM crm_erp_pipeline_demand_snapshot WHERE product_id = ANY(%s)",
                       [list(product_ids)], log_exceptions=False)
            cr.execute("""
                INSERT INTO crm_erp_pipeline_demand_snapshot
                SELECT * FROM crm_erp_pipeline_demand_report WHERE product_id = ANY(%s)
            """, [list(product_ids)], log_exceptions=False)
        else:
            cr.execute("DELETE FROM crm_erp_pipeline_demand_snapshot", log_exceptions=False)
            cr.execute("INSERT INTO crm_erp_pipeline_demand_snapshot SELECT * FROM crm_erp_pipeline_demand_report",
                       log_exceptions=False)
            cr.execute("DELETE FROM crm_erp_pipeline_demand_refreshed", log_exceptions=False)
            cr.execute("INSERT INTO crm_erp_pipeline_demand_refreshed (day) VALUES (CURRENT_DATE)",
                       log_exceptions=False)
        self.invalidate_cache(fnames=list(self._fields))

    @api.model
    def _where_calc(self, domain, active_test=True):
        # every search, count and read_group of the report starts here
        self._refresh_snapshot()
        return super()._where_calc(domain, active_test=active_test)

    @api.model
    def _cron_refresh_snapshot(self):
        """Every few minutes: readers seldom find products to refresh, and the day's first
        user does not wait for the full refresh."""
        self._refresh_snapshot()

    def _compute_salesperson_ids(self):
        self.env.cr.execute("""
            SELECT warehouse_id, product_id, array_agg(DISTINCT user_id)
              FROM crm_erp_pipeline_demand_source
             WHERE product_id = ANY(%s) AND user_id IS NOT NULL
          GROUP BY warehouse_id, product_id
        """, [self.mapped('product_id').ids])
        users = {(warehouse_id, product_id): user_ids for warehouse_id, product_id, user_ids in self.env.cr.fetchall()}
        for row in self:
            row.salesperson_ids = [(6, 0, users.get((row.warehouse_id.id, row.product_id.id), []))]

    def _search_salesperson_ids(self, operator, value):
        if operator not in ('in', '=', 'ilike'):
            raise UserError(_('Salespeople can be searched by name or id only.'))
        if isinstance(value, str):
            user_ids = self.env['res.users'].search([('name', 'ilike', value)]).ids
        else:
            user_ids = value if isinstance(value, (list, tuple)) else [value]
        self.env.cr.execute("""
            SELECT DISTINCT product_id FROM crm_erp_pipeline_demand_source WHERE user_id = ANY(%s)
        """, [list(user_ids)])
        return [('product_id', 'in', [row[0] for row in self.env.cr.fetchall()])]

    @public_records
    def action_create_shortfall_rfqs(self):
        return self.env['crm.erp.shortfall.rfq.result']._create_for_products(self.mapped('product_id'))
