from datetime import date

from ..queries import pipeline, supply
from .supply_common import SupplyCase


class TestQueriesSupply(SupplyCase):
    """queries/supply.py on the constructed pipeline (supply_common)."""

    def setUp(self):
        super().setUp()
        pipeline.refresh_snapshot_all(self.env.cr)
        self.params = {'product_ids': [self.product.id], 'company_id': self.company.id,
                       'horizon_end': '2099-01-26'}

    def test_shortfalls(self):
        """WH1 short 14 + 3, WH2 short 2; vendor V1's terms (100 a dozen, min 3, 5 days); the
        weeks and their balances before RFQs not confirmed yet."""
        def row(warehouse, qty, weeks, balances):
            return (warehouse.id, self.product.id, qty, self.unit.id, self.dozen.id, self.vendor1.id, 100.0,
                    self.company.currency_id.id, 3.0, 5, [date(2099, 1, day) for day in weeks], balances)
        rows = supply.shortfalls(self.env.cr, self.params)
        self.assertEqual(sorted(rows), sorted([row(self.wh1, 17.0, (5, 12, 19), [-14.0, -11.0, -17.0]),
                                               row(self.wh2, 2.0, (5,), [-2.0])]))
        self.assertEqual(sorted(supply.shortfalls(self.env.cr, dict(self.params, horizon_end='2099-01-12'))),
                         sorted([row(self.wh1, 14.0, (5,), [-14.0]), row(self.wh2, 2.0, (5,), [-2.0])]))
        # an RFQ not confirmed yet is left out: the run nets it itself
        self.env['purchase.order'].create({
            'partner_id': self.vendor1.id, 'picking_type_id': self.wh1.in_type_id.id,
            'order_line': [(0, 0, {'product_id': self.product.id, 'name': 'P', 'product_qty': 1.0,
                                   'product_uom': self.dozen.id, 'price_unit': 1.0,
                                   'date_planned': '2099-01-01 00:00:00'})]})
        pipeline.refresh_snapshot_all(self.env.cr)
        self.assertEqual(sorted(supply.shortfalls(self.env.cr, self.params))[0][2], 17.0)

    def test_covering_orders(self):
        """RFQs not confirmed yet and confirmed orders not received bring the product."""
        self.assertEqual(supply.covering_orders(self.env.cr, self.params), [])
        orders = self.env['purchase.order']
        for state in ('draft', 'purchase', 'cancel'):
            order = orders.create({
                'partner_id': self.vendor1.id, 'picking_type_id': self.wh1.in_type_id.id,
                'order_line': [(0, 0, {'product_id': self.product.id, 'name': 'P', 'product_qty': 1.0,
                                       'product_uom': self.unit.id, 'price_unit': 1.0,
                                       'date_planned': '2099-01-01 00:00:00'})]})
            if state == 'purchase':
                order.button_confirm()
            elif state == 'cancel':
                order.button_cancel()
            orders |= order
        self.assertEqual(supply.covering_orders(self.env.cr, self.params), orders[:2].ids)

    def test_quantities_on_rfqs(self):
        """Draft and sent RFQs count, in the product unit; confirmed orders do not."""
        def purchase(qty, uom):
            return self.env['purchase.order'].create({
                'partner_id': self.vendor1.id, 'picking_type_id': self.wh1.in_type_id.id,
                'order_line': [(0, 0, {'product_id': self.product.id, 'name': 'P', 'product_qty': qty,
                                       'product_uom': uom.id, 'price_unit': 1.0,
                                       'date_planned': '2099-01-01 00:00:00'})]})
        dozens = purchase(2.0, self.dozen)
        sent = purchase(3.0, self.unit)
        sent.state = 'sent'
        purchase(50.0, self.unit).button_confirm()
        self.assertEqual(supply.quantities_on_rfqs(self.env.cr, self.params), {(self.wh1.id, self.product.id): 27.0})
        self.assertEqual(supply.quantities_on_rfqs_by_order(self.env.cr, self.params), [
            (self.wh1.id, self.product.id, dozens.id, 24.0), (self.wh1.id, self.product.id, sent.id, 3.0)])

    def test_demand_sources(self):
        self.assertEqual(supply.demand_sources(self.env.cr, self.params), {
            (self.wh1.id, self.product.id): {'sale.order': sorted((self.q1 | self.q2).ids), 'crm.lead': self.o1.ids},
            (self.wh2.id, self.product.id): {'crm.lead': self.o3.ids},
        })

    def test_vendor_taxes_and_names(self):
        tax = self.env['account.tax'].create({'name': 'Bridge purchase tax', 'amount': 5.0,
                                              'type_tax_use': 'purchase', 'company_id': self.company.id})
        self.product.supplier_taxes_id = tax
        self.assertEqual(supply.vendor_taxes(self.env.cr, [self.product.id], self.company.id),
                         {self.product.id: [tax.id]})
        self.assertEqual(supply.vendor_product_names(self.env.cr, [self.product.id]), set())
        self.product.seller_ids.product_code = 'V1-P'
        self.assertEqual(supply.vendor_product_names(self.env.cr, [self.product.id]),
                         {(self.vendor1.id, self.product.id)})

    def test_line_deals(self):
        orders, _without_vendor = self.env['purchase.order']._create_shortfall_rfqs(self.product)
        rows = supply.line_deals(self.env.cr, orders.ids)
        deals = {(model, deal_id) for _order, _line, model, deal_id in rows}
        self.assertEqual(deals, {('sale.order', self.q1.id), ('sale.order', self.q2.id), ('crm.lead', self.o1.id),
                                 ('crm.lead', self.o3.id)})
        self.assertEqual({order_id for order_id, *_rest in rows}, set(orders.ids))
