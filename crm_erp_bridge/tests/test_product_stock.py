from odoo.tests.common import SavepointCase


class TestFreeAndIncomingQty(SavepointCase):
    """product.product._get_free_and_incoming_qty: the stock figures every feature shows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref('base.main_company')
        cls.warehouse = cls.env['stock.warehouse'].search([('company_id', '=', cls.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.supplier_location = cls.env.ref('stock.stock_location_suppliers')
        cls.customer_location = cls.env.ref('stock.stock_location_customers')
        cls.product = cls.env['product.product'].create({'name': 'Bridge Widget', 'type': 'product'})
        cls.other = cls.env['product.product'].create({'name': 'Bridge Gadget', 'type': 'product'})
        cls.env['stock.quant']._update_available_quantity(cls.product, cls.stock, 10.0)

    def _move(self, source, destination, qty, date):
        move = self.env['stock.move'].create({
            'name': 'test', 'product_id': self.product.id, 'product_uom': self.product.uom_id.id,
            'product_uom_qty': qty, 'location_id': source.id, 'location_dest_id': destination.id,
            'date_expected': date,
        })
        move._action_confirm()
        return move

    def test_free_is_on_hand_minus_reserved(self):
        self._move(self.stock, self.customer_location, 4.0, '2030-01-01 00:00:00')._action_assign()
        result = self.env['product.product']._get_free_and_incoming_qty(
            [self.product.id, self.other.id], self.company.id)
        self.assertEqual(result, {self.product.id: (6.0, 0.0), self.other.id: (0.0, 0.0)})

    def test_incoming_respects_date_and_warehouse(self):
        self._move(self.supplier_location, self.stock, 5.0, '2030-01-10 00:00:00')
        self._move(self.supplier_location, self.stock, 7.0, '2030-03-10 00:00:00')
        products = self.env['product.product']
        self.assertEqual(products._get_free_and_incoming_qty(
            [self.product.id], self.company.id)[self.product.id], (10.0, 12.0))
        self.assertEqual(products._get_free_and_incoming_qty(
            [self.product.id], self.company.id, to_date='2030-02-01 00:00:00')[self.product.id], (10.0, 5.0))
        self.assertEqual(products._get_free_and_incoming_qty(
            [self.product.id], self.company.id, warehouse_id=self.warehouse.id)[self.product.id], (10.0, 12.0))
        other_warehouse = self.env['stock.warehouse'].create({'name': 'Second', 'code': 'SEC'})
        self.assertEqual(products._get_free_and_incoming_qty(
            [self.product.id], self.company.id, warehouse_id=other_warehouse.id)[self.product.id], (0.0, 0.0))
