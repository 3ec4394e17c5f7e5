import datetime

import numpy as np

from odoo import fields

from ..queries import sales_forecast as forecast_queries
from .supply_common import SupplyCase


def _month_start(months_ahead):
    today = datetime.date.today()
    index = today.year * 12 + today.month - 1 + months_ahead
    return '%04d-%02d-01' % (index // 12, index % 12 + 1)


class TestForecastDemand(SupplyCase):
    """The sales forecast's demand in the pipeline demand report and the shortfall RFQs, on the
    constructed pipeline of SupplyCase (weighted demand of P: 35 in WH1 = 24 + 6 + 10 x 50 %,
    2 in WH2 = 5 x 40 %; 17 units short in WH1, 2 in WH2):

    - P: 400 forecast next month and the month after (240 + 160), delivered 10 from WH1 and
      30 from WH2 in the last 12 months: 100 for WH1 (65 beyond its 35 counted), 300 for WH2
      (298 beyond its 2);
    - Z (vendor V2, units, no pipeline demand, never delivered): 50 forecast, all for the
      company's first warehouse."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_z = cls._product('Bridge Z', sellers=[
            {'name': cls.vendor2.id, 'price': 7.0, 'min_qty': 0.0, 'delay': 1}])
        customers = cls.env.ref('stock.stock_location_customers')
        for warehouse, qty in ((cls.wh1, 10.0), (cls.wh2, 30.0)):
            move = cls.env['stock.move'].create({
                'name': 'delivered', 'product_id': cls.product.id, 'product_uom': cls.unit.id, 'product_uom_qty': qty,
                'location_id': warehouse.lot_stock_id.id, 'location_dest_id': customers.id,
                'company_id': cls.company.id})
            # a delivery of last month, as done: the quants are not the point here
            cls.env.cr.execute("UPDATE stock_move SET state = 'done', date = NOW() - INTERVAL '30 days' WHERE id = %s",
                               [move.id])
        cls.first_warehouse = cls.env['stock.warehouse'].search([('company_id', '=', cls.company.id)],
                                                                order='id', limit=1)
        cls._set_forecast([(cls.product, 240.0, 1), (cls.product, 160.0, 2), (cls.product_z, 50.0, 1)])
        cls.env['crm.erp.sales.forecast'].invalidate_cache()
        cls.products = cls.product | cls.product_z

    @classmethod
    def _set_forecast(cls, cells):
        """The company's stored forecast: cells (product, quantity, months ahead), no team."""
        rows = [(_month_start(months_ahead), 0, product.id, product.categ_id.id, qty, qty * 10, qty, 0.0, 0.0, 0.0,
                 True, qty) for product, qty, months_ahead in cells]
        columns = {name: [row[index] for row in rows] for index, name in enumerate(forecast_queries.FORECAST_COLUMNS)}
        columns['month'] = np.array(columns['month'], dtype='datetime64[D]')
        forecast_queries.replace_forecast(cls.env.cr, cls.company.id, columns, cls.env.uid, fields.Datetime.now())

    def _forecast_demand(self, product):
        rows = self.env['crm.erp.pipeline.demand.report'].search_read(
            [('product_id', '=', product.id)], ['warehouse_id', 'week', 'forecast_demand_qty', 'projected_qty',
                                                'projected_forecast_qty', 'shortfall_qty'], order='week')
        demand = {}
        for row in rows:
            warehouse_id = row['warehouse_id'][0]
            demand[warehouse_id] = round(demand.get(warehouse_id, 0.0) + row['forecast_demand_qty'], 6)
        return demand, rows

    def _ordered(self, include_forecast):
        result = self.env['product.product'].create_shortfall_rfqs_report(self.products.ids, include_forecast)
        orders = self.env['purchase.order'].browse(result['purchase_order_ids'])
        return {(line.order_id.picking_type_id.warehouse_id, line.product_id): (line.product_qty, line.product_uom)
                for line in orders.mapped('order_line')}

    def test_report_shows_the_forecast_beyond_the_pipeline(self):
        demand, rows = self._forecast_demand(self.product)
        self.assertEqual(demand, {self.wh1.id: 65.0, self.wh2.id: 298.0})
        for row in rows:
            first = row['week'] == min(r['week'] for r in rows if r['warehouse_id'] == row['warehouse_id'])
            self.assertAlmostEqual(row['projected_forecast_qty'],
                                   row['projected_qty'] - demand[row['warehouse_id'][0]], places=6)
            if not first:
                self.assertEqual(row['forecast_demand_qty'], 0.0)
        # the shortfall stays the pipeline's: 17 in WH1, 2 in WH2
        shortfall = {}
        for row in rows:
            shortfall[row['warehouse_id'][0]] = shortfall.get(row['warehouse_id'][0], 0.0) + row['shortfall_qty']
        self.assertEqual({key: round(value, 6) for key, value in shortfall.items()},
                         {self.wh1.id: 17.0, self.wh2.id: 2.0})

    def test_get_pipeline_demand_gives_the_forecast_demand(self):
        [wh1] = self.env['product.product'].get_pipeline_demand([self.product.id], self.wh1.id)
        self.assertEqual((wh1['forecast_demand_qty'], wh1['shortfall_qty']), (65.0, 17.0))
        [everywhere] = self.env['product.product'].get_pipeline_demand([self.product.id])
        self.assertEqual(everywhere['forecast_demand_qty'], 363.0)
        self.assertEqual(everywhere['weeks'][0]['projected_forecast_qty'],
                         everywhere['weeks'][0]['projected_qty'] - everywhere['weeks'][0]['forecast_demand_qty'])

    def test_product_with_only_forecast_demand(self):
        demand, rows = self._forecast_demand(self.product_z)
        self.assertEqual(demand, {self.first_warehouse.id: 50.0})
        self.assertEqual([row['shortfall_qty'] for row in rows], [0.0])
        self.assertEqual(rows[0]['projected_forecast_qty'], -50.0)

    def test_default_run_orders_what_it_ordered_before(self):
        """Confirmed and quoted demand only: P as in TestShortfallRfq (17 units short in WH1 and 2 in
        WH2, each raised to the 3 dozen minimum), nothing of Z."""
        self.assertEqual(self._ordered(False), {
            (self.wh1, self.product): (3.0, self.dozen),
            (self.wh2, self.product): (3.0, self.dozen),
        })

    def test_run_with_forecast_demand_orders_the_forecast_shortfall(self):
        """P in WH1: 17 + 65 = 82 units = 6.833 dozen, rounded up to the dozen's 0.01: 6.84; in
        WH2: 2 + 298 = 300 units, 25 dozen;
        Z: 50 units in the first warehouse."""
        self.assertEqual(self._ordered(True), {
            (self.wh1, self.product): (6.84, self.dozen),
            (self.wh2, self.product): (25.0, self.dozen),
            (self.first_warehouse, self.product_z): (50.0, self.unit),
        })
        # a second run finds it all on the RFQs: nothing more
        again = self.env['product.product'].create_shortfall_rfqs_report(self.products.ids, True)
        self.assertEqual(again['ordered'], [])

    def test_refresh_of_the_forecast_updates_the_report(self):
        self.assertEqual(self._forecast_demand(self.product_z)[0], {self.first_warehouse.id: 50.0})
        self._set_forecast([(self.product_z, 80.0, 1)])
        self.assertEqual(self._forecast_demand(self.product_z)[0], {self.first_warehouse.id: 80.0})
        self.assertEqual(self._forecast_demand(self.product)[0], {self.wh1.id: 0.0, self.wh2.id: 0.0})
