"""Pipeline demand: the view of the open demand (quotations, opportunities), the snapshot of
the report crm.erp.pipeline.demand.report (a table kept up to date by triggers and refreshes,
model crm.erp.pipeline.demand.snapshot), and what the product figures read from the report.
The report view itself is the reporting model's (report/pipeline_demand_report.py)."""
from .common import drop_tables, ensure_index, product_uom_joins, try_advisory_xact_lock
from .stock import NOT_OPEN_MOVE_STATES_SQL

# One row per open demand: a quotation line or a line of an open opportunity that has no
# quotation yet, in the product unit, dated and not before today. Only stockable products.
# Weighted by the chance of the deal: an opportunity line by the opportunity's probability, a
# quotation made from an opportunity by that opportunity's probability (a lost one: 0), any
# other quotation at 100 %.
_DEMAND_SOURCE_VIEW_SQL = """
CREATE OR REPLACE VIEW crm_erp_pipeline_demand_source AS (
    SELECT 'sale.order'::varchar AS source_model,
           so.id AS source_id,
           so.company_id,
           so.warehouse_id,
           sol.product_id,
           so.user_id,
           sol.product_uom_qty / line_uom.factor * product_uom.factor AS demand_qty,
           sol.product_uom_qty / line_uom.factor * product_uom.factor
               * COALESCE(opportunity.probability, 100.0) / 100.0 AS weighted_qty,
           GREATEST((so.date_order + sol.customer_lead * INTERVAL '1 day')::date, CURRENT_DATE) AS date
      FROM sale_order_line sol
      JOIN sale_order so ON so.id = sol.order_id
      LEFT JOIN crm_lead opportunity ON opportunity.id = so.opportunity_id
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
-- the ids of the snapshot's rows: one per product x warehouse x week, kept across refreshes and
-- updates (a row keeps its id), numbered from 1 so that they fit XML-RPC's 32-bit integers
CREATE TABLE IF NOT EXISTS crm_erp_pipeline_demand_row_id (
    id serial PRIMARY KEY,
    product_id integer NOT NULL,
    warehouse_id integer NOT NULL,
    week date NOT NULL,
    UNIQUE (product_id, warehouse_id, week)
);
CREATE TABLE IF NOT EXISTS crm_erp_pipeline_demand_refreshed (day date NOT NULL);
DELETE FROM crm_erp_pipeline_demand_refreshed;
"""

# Transaction-scoped advisory lock (by name) of the one transaction refreshing the snapshot.
_SNAPSHOT_LOCK = 'crm_erp_bridge.pipeline_demand_snapshot'

SNAPSHOT_TABLE_NAMES = ('crm_erp_pipeline_demand_snapshot', 'crm_erp_pipeline_demand_dirty',
                        'crm_erp_pipeline_demand_refreshed', 'crm_erp_pipeline_demand_row_id')

# (table, events, WHEN condition or None, products to mark: SQL with OLD/NEW, NULL for all).
# Only the columns the view reads count; lines and moves only while they are (or were) open.
_QUOTATION = "('draft', 'sent')"
_NOT_OPEN_MOVE = NOT_OPEN_MOVE_STATES_SQL
_RFQ = "('draft', 'sent', 'to approve')"
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
     'SELECT product_id FROM crm_lead_line WHERE lead_id = NEW.id '
     # its quotations are weighted by its probability
     'UNION SELECT sol.product_id FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id '
     'WHERE so.opportunity_id = NEW.id'),
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
    # RFQs not confirmed yet (their lines' state is their RFQ's)
    ('purchase_order_line', 'INSERT', 'NEW.state IN %s' % _RFQ, 'SELECT NEW.product_id'),
    ('purchase_order_line', 'DELETE', 'OLD.state IN %s' % _RFQ, 'SELECT OLD.product_id'),
    ('purchase_order_line', 'UPDATE',
     '(OLD.state IN {r} OR NEW.state IN {r}) AND (OLD.state, OLD.product_id, OLD.product_qty, OLD.product_uom, '
     'OLD.order_id) IS DISTINCT FROM (NEW.state, NEW.product_id, NEW.product_qty, NEW.product_uom, '
     'NEW.order_id)'.format(r=_RFQ),
     'SELECT OLD.product_id UNION SELECT NEW.product_id'),
    ('purchase_order', 'UPDATE',
     'NEW.state IN {r} AND (OLD.picking_type_id, OLD.company_id) IS DISTINCT FROM '
     '(NEW.picking_type_id, NEW.company_id)'.format(r=_RFQ),
     'SELECT product_id FROM purchase_order_line WHERE order_id = NEW.id'),
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
    # the coverage is over the company's horizon
    ('res_company', 'UPDATE', 'OLD.pipeline_horizon_weeks IS DISTINCT FROM NEW.pipeline_horizon_weeks',
     'SELECT NULL::integer'),
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


# What the views filter and join on, beyond Odoo's own indexes: (name, table, columns, where).
_INDEXES = [
    ('sale_order_line_open_quotation_product_idx', 'sale_order_line', ['product_id'],
     "state IN ('draft', 'sent')"),
    ('stock_move_open_product_idx', 'stock_move', ['product_id'], 'state NOT IN %s' % NOT_OPEN_MOVE_STATES_SQL),
    # free stock of a few products (recommendations, availability): Odoo 11 has no such index
    ('stock_quant_product_idx', 'stock_quant', ['product_id'], None),
    ('sale_order_opportunity_id_idx', 'sale_order', ['opportunity_id'], 'opportunity_id IS NOT NULL'),
    ('purchase_order_line_rfq_product_idx', 'purchase_order_line', ['product_id'],
     "state IN ('draft', 'sent', 'to approve')"),
]


def create_demand_source_view(cr):
    """(Re)create the view crm_erp_pipeline_demand_source (the report's view depends on it: drop
    that first) and the indexes both views read through."""
    cr.execute(_DEMAND_SOURCE_VIEW_SQL)
    for name, table, columns, where in _INDEXES:
        ensure_index(cr, name, table, columns, where)


def create_snapshot(cr):
    """The snapshot table, made anew from the report view (empty: the first read fills it),
    the dirty and refreshed tables, and the triggers that note the changed products."""
    cr.execute(_SNAPSHOT_TABLES)
    for table, event, when, products in _TRIGGERS:
        name = _trigger_name(table, event)
        # identifiers and SQL written above, no values
        trigger_sql = """
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO crm_erp_pipeline_demand_dirty (product_id) {products};
                RETURN NULL;
            END $$;
            DROP TRIGGER IF EXISTS {name} ON {table};
            CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} EXECUTE PROCEDURE {name}();
        """.format(name=name, table=table, event=event, products=products,
                   when='WHEN (%s)' % when if when else '')
        cr.execute(trigger_sql)  # pylint: disable=sql-injection


def drop_snapshot(cr):
    """Uninstall: the triggers on Odoo's tables (they must not outlive the addon) and the
    snapshot tables."""
    for function in snapshot_trigger_functions():
        # names of the addon's own trigger functions
        cr.execute("DROP FUNCTION IF EXISTS %s() CASCADE" % function)  # pylint: disable=sql-injection
    drop_tables(cr, SNAPSHOT_TABLE_NAMES)


def try_lock_snapshot(cr):
    """Take the lock of the one transaction refreshing the snapshot, if free: whether taken."""
    return try_advisory_xact_lock(cr, _SNAPSHOT_LOCK)


def snapshot_is_current(cr):
    """Whether the snapshot was fully refreshed today."""
    cr.execute("SELECT 1 FROM crm_erp_pipeline_demand_refreshed WHERE day = CURRENT_DATE")
    return bool(cr.fetchone())


def take_dirty_products(cr):
    """Delete the products noted by the triggers; return them ({None} included: every
    product). Not logged when it fails (a concurrent refresh, see the snapshot model)."""
    cr.execute("DELETE FROM crm_erp_pipeline_demand_dirty RETURNING product_id", log_exceptions=False)
    return {row[0] for row in cr.fetchall()}


# The view's rows (of some products, or all), each with its stable id: the ids of the rows new to
# crm_erp_pipeline_demand_row_id come from its INSERT's RETURNING, the others from the table.
# {columns}: the snapshot's columns but id (the view's, an extending addon's included).
_INSERT_SNAPSHOT_SQL = """
    WITH fresh AS (
        SELECT * FROM crm_erp_pipeline_demand_report WHERE {where}
    ), new_ids AS (
        INSERT INTO crm_erp_pipeline_demand_row_id (product_id, warehouse_id, week)
        SELECT product_id, warehouse_id, week FROM fresh
        ON CONFLICT DO NOTHING
        RETURNING id, product_id, warehouse_id, week
    )
    INSERT INTO crm_erp_pipeline_demand_snapshot (id, {columns})
    SELECT COALESCE(new_ids.id, known.id), {fresh_columns}
      FROM fresh
      LEFT JOIN new_ids ON new_ids.product_id = fresh.product_id AND new_ids.warehouse_id = fresh.warehouse_id
           AND new_ids.week = fresh.week
      LEFT JOIN crm_erp_pipeline_demand_row_id known ON known.product_id = fresh.product_id
           AND known.warehouse_id = fresh.warehouse_id AND known.week = fresh.week
"""


def _insert_snapshot_rows(cr, where, params):
    """Insert the view's rows that match where (SQL from the code; values in params)."""
    cr.execute("""
        SELECT attname FROM pg_attribute
         WHERE attrelid = 'crm_erp_pipeline_demand_snapshot'::regclass AND attnum > 0 AND NOT attisdropped
           AND attname <> 'id'
      ORDER BY attnum
    """)
    columns = ['"%s"' % row[0] for row in cr.fetchall()]
    cr.execute(_INSERT_SNAPSHOT_SQL.format(where=where, columns=', '.join(columns),
                                           fresh_columns=', '.join('fresh.' + column for column in columns)),
               params, log_exceptions=False)


def refresh_snapshot_products(cr, product_ids):
    """The snapshot rows of the products, recomputed from the report view."""
    cr.execute("DELETE FROM crm_erp_pipeline_demand_snapshot WHERE product_id = ANY(%s)",
               [list(product_ids)], log_exceptions=False)
    _insert_snapshot_rows(cr, 'product_id = ANY(%s)', [list(product_ids)])


def refresh_snapshot_all(cr):
    """Every snapshot row, recomputed from the report view; noted as refreshed today. The ids
    of past weeks' rows go (past dates count as this week: those rows never come back)."""
    cr.execute("DELETE FROM crm_erp_pipeline_demand_snapshot", log_exceptions=False)
    cr.execute("DELETE FROM crm_erp_pipeline_demand_row_id WHERE week < date_trunc('week', CURRENT_DATE)::date",
               log_exceptions=False)
    _insert_snapshot_rows(cr, 'TRUE', [])
    cr.execute("DELETE FROM crm_erp_pipeline_demand_refreshed", log_exceptions=False)
    cr.execute("INSERT INTO crm_erp_pipeline_demand_refreshed (day) VALUES (CURRENT_DATE)",
               log_exceptions=False)


def salespeople(cr, product_ids):
    """{(warehouse id, product id): [user ids]} of the salespeople whose quotations or
    opportunities make the demand of the products."""
    cr.execute("""
        SELECT warehouse_id, product_id, array_agg(DISTINCT user_id)
          FROM crm_erp_pipeline_demand_source
         WHERE product_id = ANY(%s) AND user_id IS NOT NULL
      GROUP BY warehouse_id, product_id
    """, [list(product_ids)])
    return {(warehouse_id, product_id): user_ids for warehouse_id, product_id, user_ids in cr.fetchall()}


def products_of_salespeople(cr, user_ids):
    """Ids of the products whose demand the users' quotations or opportunities make."""
    cr.execute("""
        SELECT DISTINCT product_id FROM crm_erp_pipeline_demand_source WHERE user_id = ANY(%s)
    """, [list(user_ids)])
    return [row[0] for row in cr.fetchall()]


def product_totals(cr, product_ids, company_id, horizon_weeks):
    """{product id: (demand, weighted demand, shortfall)} of the company within horizon_weeks
    weeks from this one, read from the report view (exact in this transaction)."""
    cr.execute("""
        SELECT product_id, SUM(demand_qty), SUM(weighted_qty), SUM(shortfall_qty)
          FROM crm_erp_pipeline_demand_report
         WHERE product_id = ANY(%s) AND company_id = %s
           AND week < date_trunc('week', CURRENT_DATE)::date + 7 * %s
      GROUP BY product_id
    """, [list(product_ids), company_id, horizon_weeks])
    return {row[0]: row[1:] for row in cr.fetchall()}


def product_weeks(cr, product_ids, company_id, warehouse_id=None, horizon_weeks=None):
    """The report view's rows (dicts) of the products in the company, of one warehouse when
    given, within horizon_weeks weeks from this one when given, by product, warehouse, week."""
    cr.execute("""
        SELECT product_id, warehouse_id, week, uom_id, demand_qty, weighted_qty, onhand_qty, free_qty,
               incoming_qty, outgoing_qty, forecast_qty, rfq_qty, projected_qty, shortfall_qty, coverage_days,
               vendor_id, forecast_demand_qty, projected_forecast_qty
          FROM crm_erp_pipeline_demand_report
         WHERE product_id = ANY(%(product_ids)s) AND company_id = %(company_id)s
           AND (%(warehouse_id)s IS NULL OR warehouse_id = %(warehouse_id)s)
           AND (%(horizon)s IS NULL
                OR week < date_trunc('week', CURRENT_DATE)::date + 7 * %(horizon)s)
      ORDER BY product_id, warehouse_id, week
    """, {'product_ids': list(product_ids), 'company_id': company_id,
          'warehouse_id': warehouse_id, 'horizon': horizon_weeks})
    return cr.dictfetchall()
