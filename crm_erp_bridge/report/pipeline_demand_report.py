from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..models.record_ids import public_records
from ..queries import pipeline as pipeline_queries
from ..queries.stock import FREE_QTY_SQL, FREE_QUANT_SQL, INCOMING_MOVE_SQL


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

    # The view, built as sale.report is: _select, _from and _group_by can be extended.
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
    def _select(self):
        return """
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
        """

    def _from(self):
        return """
      (
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
                     WHERE """ + INCOMING_MOVE_SQL + """
                       AND dest.parent_left BETWEEN view_loc.parent_left AND view_loc.parent_right
                  ) AS flow
              GROUP BY warehouse_id, product_id, week
              ) AS weekly
              LEFT JOIN (
                SELECT wh.id AS warehouse_id, quant.product_id,
                       SUM(""" + FREE_QTY_SQL + """) AS free_total
                  FROM stock_quant quant
                  JOIN stock_location loc ON loc.id = quant.location_id
                  JOIN stock_warehouse wh ON wh.company_id = loc.company_id
                  JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
                 WHERE """ + FREE_QUANT_SQL + """
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
        """

    def _group_by(self):
        return ''

    @api.model_cr
    def init(self):
        cr = self.env.cr
        tools.drop_view_if_exists(cr, 'crm_erp_pipeline_demand_source')  # cascades to the report
        pipeline_queries.create_demand_source_view(cr)
        cr.execute('CREATE OR REPLACE VIEW crm_erp_pipeline_demand_report AS (%s FROM %s %s)' % (
            self._select(), self._from(), self._group_by()))
        # the snapshot the report reads is made from the view: after it
        self.env['crm.erp.pipeline.demand.snapshot']._create()

    @api.model
    def _refresh_snapshot(self):
        """See crm.erp.pipeline.demand.snapshot._refresh (readers, RFQs and tests call it here)."""
        return self.env['crm.erp.pipeline.demand.snapshot']._refresh()

    @api.model
    def _where_calc(self, domain, active_test=True):
        # every search, count and read_group of the report starts here
        self._refresh_snapshot()
        return super()._where_calc(domain, active_test=active_test)

    @api.model
    def _cron_refresh_snapshot(self):
        """The cron (data/pipeline_demand_data.xml): see crm.erp.pipeline.demand.snapshot."""
        self.env['crm.erp.pipeline.demand.snapshot']._refresh()

    def _compute_salesperson_ids(self):
        users = pipeline_queries.salespeople(self.env.cr, self.mapped('product_id').ids)
        for row in self:
            row.salesperson_ids = [(6, 0, users.get((row.warehouse_id.id, row.product_id.id), []))]

    def _search_salesperson_ids(self, operator, value):
        if operator not in ('in', '=', 'ilike'):
            raise UserError(_('Salespeople can be searched by name or id only.'))
        if isinstance(value, str):
            user_ids = self.env['res.users'].search([('name', 'ilike', value)]).ids
        else:
            user_ids = value if isinstance(value, (list, tuple)) else [value]
        return [('product_id', 'in', pipeline_queries.products_of_salespeople(self.env.cr, user_ids))]

    @public_records
    def action_create_shortfall_rfqs(self):
        return self.env['crm.erp.shortfall.rfq.result']._create_for_products(self.mapped('product_id'))
