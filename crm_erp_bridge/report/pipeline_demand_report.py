from collections import Counter

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..models.record_ids import public_records
from ..queries import pipeline as pipeline_queries
from ..queries import sales_forecast as forecast_queries
from ..queries.stock import (FREE_QTY_SQL, FREE_QUANT_SQL, WAREHOUSE_INCOMING_MOVE_SQL, WAREHOUSE_OUTGOING_MOVE_SQL,
                             WAREHOUSE_QUANT_SQL)
from ..queries.supply import UNCONFIRMED_RFQ_LINES_SQL


class PipelineDemandReport(models.Model):
    """Pipeline demand vs stock, per product x warehouse x week."""
    _name = 'crm.erp.pipeline.demand.report'
    _inherit = 'crm.erp.sql.report'  # its _select/_from/_group_by and _table_query; its own init (a snapshot)
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
    uom_id = fields.Many2one(
        'product.uom', string='Unit', readonly=True,
        help='The product\'s unit: every quantity of the row is in it. Totals over products of '
             'different units are left empty.')
    week = fields.Date(string='Week', readonly=True)
    week_label = fields.Char(
        string='Week of', readonly=True,
        help='ISO week and the date of its Monday, e.g. 2026-W49 (11-30). Demand dated before this '
             'week counts in this week.')
    demand_qty = fields.Float(
        string='Demand', readonly=True,
        help='Full quantities of the open quotations and of the lines of open opportunities that '
             'have no quotation yet, dated in the week (customer lead time, expected date).')
    weighted_qty = fields.Float(
        string='Weighted Demand', readonly=True,
        help='Demand times its chance: an opportunity line times the opportunity\'s probability; a '
             'quotation made from an opportunity times that opportunity\'s probability, any other '
             'quotation at 100 %.')
    onhand_qty = fields.Float(
        string='On Hand', readonly=True,
        help='Quantity in the warehouse now (Odoo\'s On Hand), on the first week of the product.')
    free_qty = fields.Float(
        string='Free', readonly=True,
        help='On hand minus what is reserved for deliveries, on the first week of the product.')
    incoming_qty = fields.Float(
        string='Incoming', readonly=True,
        help='Confirmed receipts not received yet (Odoo\'s Incoming), in the week they are expected.')
    outgoing_qty = fields.Float(
        string='Outgoing', readonly=True,
        help='Confirmed deliveries not done yet (Odoo\'s Outgoing: confirmed sales orders, transfers '
             'out), in the week they are expected.')
    forecast_qty = fields.Float(
        string='Forecasted', readonly=True, group_operator='min',
        help='Odoo\'s Forecasted quantity of the warehouse at the end of the week: on hand + incoming '
             '- outgoing expected up to then (the lowest, when grouped).')
    rfq_qty = fields.Float(
        string='On Order, not Confirmed', readonly=True,
        help='Quantity on RFQs not confirmed yet (draft, sent, to approve) for this warehouse, on '
             'the first week of the product. Not in Odoo\'s Forecasted quantity; counted against '
             'the shortfall as if it arrives in time.')
    projected_qty = fields.Float(
        string='Projected Balance', readonly=True, group_operator='min',
        help='Forecasted + on order, not confirmed - weighted demand up to the end of the week '
             '(the lowest, when grouped).')
    shortfall_qty = fields.Float(
        string='Shortfall', readonly=True,
        help='What must still be ordered for the projected balance never to go below zero up to '
             'this week: summed over the weeks, weighted demand - (Forecasted + on order, not '
             'confirmed), when positive. Create RFQs for shortfall orders it.')
    forecast_demand_qty = fields.Float(
        string='Forecast Demand', readonly=True,
        help='What the sales forecast expects to sell of the product from today to the end of the '
             'company\'s pipeline horizon, beyond the quotations and weighted opportunities the report '
             'counts already, for this warehouse (its share of the product\'s deliveries of the last 12 '
             'months), on the first week of the product. Not in the shortfall: Create RFQs counts it '
             'only when asked to.')
    projected_forecast_qty = fields.Float(
        string='Projected Balance with Forecast', readonly=True, group_operator='min',
        help='Projected balance minus the forecast demand (counted from this week): below zero, the '
             'forecast will run short (the lowest, when grouped).')
    coverage_days = fields.Integer(
        string='Coverage (Days)', readonly=True, group_operator='min',
        help='Days of demand the stock covers: (Forecasted of the last week + on order, not '
             'confirmed) divided by the weighted demand per day over the company\'s pipeline '
             'horizon (Settings, in weeks, from this week\'s Monday). Empty when there is no '
             'demand within the horizon; 0 when there is no stock for it.')
    salesperson_ids = fields.Many2many(
        'res.users', string='Salespeople', compute='_compute_salesperson_ids',
        search='_search_salesperson_ids',
        help='Salespeople whose quotations or opportunities make the demand of this product.')

    # The view, built as sale.report is: _select, _from and _group_by can be extended.
    # Per product x warehouse x ISO week (weeks before this one count as this one): demand,
    # Odoo's stock flows and the running balance. Odoo's forecast of the warehouse at the end of
    # the week (virtual_available: on hand + incoming - outgoing, the open moves dated up to that
    # week) + what RFQs not confirmed yet hold (counted from the first week: their dates are
    # not firm) - the weighted demand up to that week is the projected balance. The shortfall of
    # a week is how much the deepest dip of the balance so far grew that week, so the shortfall
    # summed over the weeks up to W is what must be ordered now for the balance never to go
    # below zero until W (on the last week: weighted demand - forecast - unconfirmed RFQs, when
    # positive). Stock levels (on hand, free, on unconfirmed RFQs) are on the first week of each
    # product x warehouse only, so that summing over weeks gives them once. The view has no id:
    # the snapshot (the model's table) numbers its rows, one stable 32-bit id per product x
    # warehouse x week (see queries/pipeline.py); a window numbering the rows here would also
    # stop PostgreSQL from pushing a product filter down to the indexed order lines.
    # Every window is partitioned by warehouse x product and ordered by week, so the rows are
    # sorted once: the dip before this week is a window frame, not a LAG over a second window level.
    def _select(self):
        return """
    SELECT NULL::integer AS id,
           wh.company_id,
           balance.warehouse_id,
           balance.product_id,
           pt.categ_id,
           pt.uom_id,
           seller.id AS supplierinfo_id,
           seller.name AS vendor_id,
           balance.week,
           to_char(balance.week, 'IYYY-"W"IW') || ' (' || to_char(balance.week, 'MM-DD') || ')' AS week_label,
           balance.demand_qty,
           balance.weighted_qty,
           CASE WHEN balance.week_rank = 1 THEN balance.onhand_total ELSE 0 END AS onhand_qty,
           CASE WHEN balance.week_rank = 1 THEN balance.free_total ELSE 0 END AS free_qty,
           balance.incoming_qty,
           balance.outgoing_qty,
           balance.forecast_qty,
           CASE WHEN balance.week_rank = 1 THEN balance.rfq_total ELSE 0 END AS rfq_qty,
           balance.projected_qty,
           CASE WHEN balance.pair_demand > 0 THEN balance.deepest_short - balance.deepest_short_before ELSE 0 END
               AS shortfall_qty,
           CASE WHEN balance.week_rank = 1 THEN balance.forecast_demand_total ELSE 0 END AS forecast_demand_qty,
           balance.projected_qty - balance.forecast_demand_total AS projected_forecast_qty,
           CASE WHEN balance.horizon_weighted > 0
                THEN LEAST(FLOOR(GREATEST(balance.final_forecast + balance.rfq_total, 0)
                                 * 7 * balance.horizon_weeks / balance.horizon_weighted), 2147483647)::integer
           END AS coverage_days
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
               flows.onhand_total + SUM(flows.incoming_qty - flows.outgoing_qty) OVER pair_all AS final_forecast,
               SUM(CASE WHEN flows.week < date_trunc('week', CURRENT_DATE)::date + 7 * flows.horizon_weeks
                        THEN flows.weighted_qty ELSE 0 END) OVER pair_all AS horizon_weighted,
               ROW_NUMBER() OVER pair_to_date AS week_rank,
               -- the sales forecast beyond what the report counts already (quotations, weighted
               -- opportunities) within the horizon: forecast demand, needed from this week
               GREATEST(flows.pair_sales_forecast
                        - SUM(CASE WHEN flows.week < date_trunc('week', CURRENT_DATE)::date + 7 * flows.horizon_weeks
                                   THEN flows.weighted_qty ELSE 0 END) OVER pair_all, 0) AS forecast_demand_total
          FROM (
            SELECT weekly.*,
                   company.pipeline_horizon_weeks AS horizon_weeks,
                   COALESCE(stock.onhand_total, 0) AS onhand_total,
                   COALESCE(stock.free_total, 0) AS free_total,
                   COALESCE(rfq.rfq_total, 0) AS rfq_total,
                   COALESCE(stock.onhand_total, 0)
                       + SUM(weekly.incoming_qty - weekly.outgoing_qty) OVER pair_weeks AS forecast_qty,
                   COALESCE(stock.onhand_total, 0) + COALESCE(rfq.rfq_total, 0)
                       + SUM(weekly.incoming_qty - weekly.outgoing_qty - weekly.weighted_qty) OVER pair_weeks
                       AS projected_qty,
                   SUM(weekly.demand_qty) OVER (PARTITION BY weekly.warehouse_id, weekly.product_id)
                       AS pair_demand,
                   SUM(weekly.sales_forecast_qty) OVER (PARTITION BY weekly.warehouse_id, weekly.product_id)
                       AS pair_sales_forecast
              FROM (
                SELECT warehouse_id, product_id, week,
                       SUM(demand_qty) AS demand_qty, SUM(weighted_qty) AS weighted_qty,
                       SUM(incoming_qty) AS incoming_qty, SUM(outgoing_qty) AS outgoing_qty,
                       SUM(sales_forecast_qty) AS sales_forecast_qty, SUM(flow_rows) AS flow_rows
                  FROM (
                    SELECT warehouse_id, product_id, date_trunc('week', date)::date AS week,
                           demand_qty, weighted_qty, 0.0 AS incoming_qty, 0.0 AS outgoing_qty,
                           0.0 AS sales_forecast_qty, 1 AS flow_rows
                      FROM crm_erp_pipeline_demand_source
                    UNION ALL
                    SELECT warehouse_id, product_id, date_trunc('week', CURRENT_DATE)::date, 0.0, 0.0, 0.0, 0.0,
                           forecast_qty, 0
                      FROM crm_erp_sales_forecast_demand
                    UNION ALL
                    SELECT wh.id, move.product_id,
                           date_trunc('week', GREATEST(move.date_expected::date, CURRENT_DATE))::date,
                           0.0, 0.0, move.product_qty, 0.0, 0.0, 1
                      FROM stock_move move
                      JOIN stock_location dest ON dest.id = move.location_dest_id
                      JOIN stock_location src ON src.id = move.location_id
                      JOIN stock_warehouse wh ON wh.company_id = move.company_id
                      JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
                     WHERE """ + WAREHOUSE_INCOMING_MOVE_SQL + """
                    UNION ALL
                    SELECT wh.id, move.product_id,
                           date_trunc('week', GREATEST(move.date_expected::date, CURRENT_DATE))::date,
                           0.0, 0.0, 0.0, move.product_qty, 0.0, 1
                      FROM stock_move move
                      JOIN stock_location dest ON dest.id = move.location_dest_id
                      JOIN stock_location src ON src.id = move.location_id
                      JOIN stock_warehouse wh ON wh.company_id = move.company_id
                      JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
                     WHERE """ + WAREHOUSE_OUTGOING_MOVE_SQL + """
                  ) AS flow
              GROUP BY warehouse_id, product_id, week
              ) AS weekly
              JOIN stock_warehouse weekly_wh ON weekly_wh.id = weekly.warehouse_id
              JOIN res_company company ON company.id = weekly_wh.company_id
              LEFT JOIN (
                SELECT wh.id AS warehouse_id, quant.product_id,
                       SUM(quant.quantity) AS onhand_total,
                       SUM(CASE WHEN """ + FREE_QUANT_SQL + """ THEN """ + FREE_QTY_SQL + """ ELSE 0 END)
                           AS free_total
                  FROM stock_quant quant
                  JOIN stock_location loc ON loc.id = quant.location_id
                  JOIN stock_warehouse wh ON wh.company_id = loc.company_id
                  JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
                 WHERE """ + WAREHOUSE_QUANT_SQL + """
              GROUP BY wh.id, quant.product_id
              ) AS stock ON stock.warehouse_id = weekly.warehouse_id AND stock.product_id = weekly.product_id
              LEFT JOIN (
                SELECT rfq_line.warehouse_id, rfq_line.product_id, SUM(rfq_line.rfq_qty) AS rfq_total
                  FROM (""" + UNCONFIRMED_RFQ_LINES_SQL + """) AS rfq_line
              GROUP BY rfq_line.warehouse_id, rfq_line.product_id
              ) AS rfq ON rfq.warehouse_id = weekly.warehouse_id AND rfq.product_id = weekly.product_id
            WINDOW pair_weeks AS (PARTITION BY weekly.warehouse_id, weekly.product_id ORDER BY weekly.week)
          ) AS flows
         -- the pairs with pipeline demand, as they were without the forecast (its row of this week
         -- only where a flow is that week too), and the pairs with only forecast demand
         WHERE (flows.pair_demand > 0 AND flows.flow_rows > 0)
            OR (flows.pair_demand = 0 AND flows.pair_sales_forecast > 0)
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

    @api.model_cr
    def init(self):
        cr = self.env.cr
        tools.drop_view_if_exists(cr, 'crm_erp_pipeline_demand_source')  # cascades to the report
        pipeline_queries.create_demand_source_view(cr)
        forecast_queries.create_forecast_demand_view(cr)
        cr.execute('CREATE OR REPLACE VIEW crm_erp_pipeline_demand_report AS (%s)' % self._table_query())
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

    # Quantities in the product's unit: never added across units (12 units + 3 kg is no figure)
    _QUANTITY_FIELDS = ('demand_qty', 'weighted_qty', 'onhand_qty', 'free_qty', 'incoming_qty', 'outgoing_qty',
                        'forecast_qty', 'rfq_qty', 'projected_qty', 'shortfall_qty', 'forecast_demand_qty',
                        'projected_forecast_qty')

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """As Odoo's, with the quantities of a group left empty (False) when its rows are in more
        than one unit: a second read_group by the same fields and the unit tells which groups mix."""
        result = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby,
                                    lazy=lazy)
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
        groupby = groupby[:1] if lazy else groupby
        measures = [name for name in {spec.split(':')[0] for spec in fields or []} if name in self._QUANTITY_FIELDS]
        if not result or not measures or 'uom_id' in groupby:
            return result

        def key(row):
            return tuple(row[spec][0] if isinstance(row[spec], tuple) else row[spec] for spec in groupby)
        by_unit = super().read_group(domain, list({spec.split(':')[0] for spec in groupby} | {'uom_id'}),
                                     groupby + ['uom_id'], lazy=False)
        units = Counter(key(row) for row in by_unit)
        for group in result:
            if units[key(group)] > 1:
                group.update(dict.fromkeys(measures, False))
        return result

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

    @public_records
    def action_create_shortfall_rfqs_with_forecast(self):
        """Create RFQs for the shortfall counting the forecast demand too (an explicit choice: the
        plain action orders for confirmed and quoted demand only)."""
        results = self.env['crm.erp.shortfall.rfq.result']
        return results._create_for_products(self.mapped('product_id'), include_forecast=True)
