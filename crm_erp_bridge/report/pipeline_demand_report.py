from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError


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
           balance.deepest_short - COALESCE(LAG(balance.deepest_short) OVER pair, 0) AS shortfall_qty,
           CASE WHEN balance.stockout_week IS NOT NULL
                THEN GREATEST(balance.stockout_week - CURRENT_DATE, 0) END AS coverage_days
      FROM (
        SELECT flows.*,
               GREATEST(-MIN(flows.projected_qty) OVER pair_to_date, 0) AS deepest_short,
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
    WINDOW pair AS (PARTITION BY balance.warehouse_id, balance.product_id ORDER BY balance.week)
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


class PipelineDemandReport(models.Model):
    """Pipeline demand vs stock, per product x warehouse x week."""
    _name = 'crm.erp.pipeline.demand.report'
    _description = 'Pipeline Demand vs Stock'
    _auto = False
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
        tools.drop_view_if_exists(self.env.cr, 'crm_erp_pipeline_demand_source')  # cascades to the report
        self.env.cr.execute(_DEMAND_SOURCE_VIEW)
        self.env.cr.execute(_REPORT_VIEW)
        for name, statement in _INDEXES:
            self.env.cr.execute('SELECT 1 FROM pg_indexes WHERE indexname = %s', [name])
            if not self.env.cr.fetchone():
                self.env.cr.execute(statement)

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

    @api.multi
    def action_create_shortfall_rfqs(self):
        return self.env['crm.erp.shortfall.rfq.result'].create_for_products(self.mapped('product_id'))
