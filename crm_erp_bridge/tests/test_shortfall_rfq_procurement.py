from datetime import timedelta

from odoo import fields

from .supply_common import SupplyCase


class TestShortfallRfqVersusProcurement(SupplyCase):
    """The shortfall RFQs (purchase.order._create_shortfall_rfqs, the addon's own buy path)
    against Odoo's procurement (procurement.group.run -> purchase's _run_buy) on the same needs.

    They agree on vendor, price, quantity, unit and dates when the need is in whole purchase
    units above the vendor's minimum, wanted as soon as the vendor can deliver. They differ,
    by design, where Odoo 11 would order what cannot be bought: a fraction of the purchase
    unit, below the vendor's minimum, and then at price 0 (its _select_seller finds no vendor
    for the quantity). That is why the addon keeps its own buy path (README, "Pipeline demand
    and purchasing")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_a = cls._product('Bridge A', sellers=[
            {'name': cls.vendor2.id, 'price': 7.0, 'min_qty': 0.0, 'delay': 10}])
        cls._quotation(cls.wh1, [(cls.product_a, 5.0, cls.unit, 0)])
        cls.buy_route = cls.env.ref('purchase.route_warehouse0_buy')

    def _ours(self, product):
        """The line our run makes for product in WH1, as values; the RFQs are removed after."""
        orders, _without_vendor = self.env['purchase.order']._create_shortfall_rfqs(product)
        line = orders.mapped('order_line').filtered(
            lambda line: line.order_id.picking_type_id == self.wh1.in_type_id)
        values = self._values(line)
        orders.button_cancel()
        orders.unlink()
        return values

    def _odoo(self, product, qty, date_planned):
        """The line Odoo's procurement makes for qty (product unit) of product in WH1's stock
        wanted at date_planned, through the buy route."""
        self.env['procurement.group'].run(product, qty, product.uom_id, self.wh1.lot_stock_id, product.name,
                                          'Procurement comparison', {
                                              'company_id': self.company, 'warehouse_id': self.wh1,
                                              'date_planned': date_planned, 'route_ids': self.buy_route})
        line = self.env['purchase.order.line'].search([('product_id', '=', product.id),
                                                       ('order_id.origin', '=', 'Procurement comparison')])
        return self._values(line)

    def _values(self, line):
        line.ensure_one()
        return {'vendor': line.order_id.partner_id, 'picking_type': line.order_id.picking_type_id,
                'price_unit': line.price_unit, 'product_qty': line.product_qty, 'product_uom': line.product_uom,
                'taxes': line.taxes_id, 'date_planned': line.date_planned, 'date_order': line.order_id.date_order}

    def test_same_need_same_order(self):
        """5 units short of A (vendor V2: 7 each, no minimum, 10 days), wanted as soon as V2
        can deliver: the same line, ordered now for in 10 days."""
        ours = self._ours(self.product_a)
        odoo = self._odoo(self.product_a, 5.0, ours['date_planned'])
        self.assertEqual({key: value for key, value in ours.items() if key != 'date_order'},
                         {key: value for key, value in odoo.items() if key != 'date_order'})
        self.assertEqual((ours['vendor'], ours['price_unit'], ours['product_qty'], ours['product_uom']),
                         (self.vendor2, 7.0, 5.0, self.unit))
        # Odoo orders delay days before the date wanted: now, as the run does
        order_date = fields.Datetime.from_string(ours['date_planned']) - timedelta(days=10)
        self.assertEqual(odoo['date_order'], fields.Datetime.to_string(order_date))
        self.assertLessEqual(abs(fields.Datetime.from_string(ours['date_order']) - order_date), timedelta(seconds=5))

    def test_purchase_unit_and_minimum(self):
        """17 units short of P in WH1 (vendor V1: by the dozen, 3 dozen at least, 100 a dozen,
        5 days). The run orders 3 dozen at 100; Odoo 11's procurement 17/12 dozen at 0 (no
        vendor price for less than the minimum), planned at once (no vendor delay)."""
        ours = self._ours(self.product)
        self.assertEqual((ours['vendor'], ours['price_unit'], ours['product_qty'], ours['product_uom']),
                         (self.vendor1, 100.0, 3.0, self.dozen))
        odoo = self._odoo(self.product, 17.0, ours['date_planned'])
        self.assertEqual((odoo['vendor'], odoo['picking_type'], odoo['product_uom']),
                         (ours['vendor'], ours['picking_type'], ours['product_uom']))
        # 17 units in dozens as purchase converts them (rounded up to the dozen's rounding)
        self.assertEqual((odoo['price_unit'], odoo['product_qty']),
                         (0.0, self.unit._compute_quantity(17.0, self.dozen)))
        self.assertLess(odoo['product_qty'], 3.0)
        self.assertEqual(odoo['date_planned'], odoo['date_order'])
