from odoo.tests.common import TransactionCase

from ..orm import create_in_bulk, display_names, prefetch_dependencies, write_in_bulk

# What the ORM stores on its own, not in the values: compared apart (ids, dates of the write).
_METADATA = {'id', 'create_date', 'write_date', 'create_uid', 'write_uid', 'order_id', '__last_update', 'display_name'}


class TestCreateInBulk(TransactionCase):
    """create_in_bulk stores what create() stores: purchase lines created both ways on two
    twin RFQs (taxes, a foreign currency, units) have the same stored values, and the RFQs
    the same totals."""

    def setUp(self):
        super().setUp()
        company = self.env.user.company_id
        vendor = self.env['res.partner'].create({'name': 'Bulk Vendor', 'supplier': True})
        tax = self.env['account.tax'].create({'name': 'Bulk 15 %', 'amount': 15.0, 'type_tax_use': 'purchase',
                                              'company_id': company.id})
        currency = self.env.ref('base.EUR') if company.currency_id != self.env.ref('base.EUR') \
            else self.env.ref('base.USD')
        products = [self.env['product.product'].create({'name': 'Bulk %d' % index, 'type': 'product'})
                    for index in range(3)]
        dozen = self.env.ref('product.product_uom_dozen')
        self.vals_list = [
            {'name': 'Bulk 0\nwith a description', 'product_id': products[0].id, 'product_qty': 3.333,
             'product_uom': products[0].uom_po_id.id, 'price_unit': 12.345, 'date_planned': '2099-01-05 10:00:00',
             'taxes_id': [(6, 0, tax.ids)]},
            {'name': 'Bulk 1', 'product_id': products[1].id, 'product_qty': 2.0, 'product_uom': dozen.id,
             'price_unit': 100.0, 'date_planned': '2099-01-06 10:00:00'},
            {'name': 'Bulk 2', 'product_id': products[2].id, 'product_qty': 1.0,
             'product_uom': products[2].uom_po_id.id, 'price_unit': 0.1, 'date_planned': '2099-01-07 10:00:00',
             'taxes_id': [(6, 0, tax.ids)]},
        ]
        self.orders = [self.env['purchase.order'].create({
            'partner_id': vendor.id, 'currency_id': currency.id, 'company_id': company.id}) for _twin in range(2)]

    def test_same_records_as_create(self):
        Line = self.env['purchase.order.line']
        by_orm, by_bulk = self.orders
        for vals in self.vals_list:
            Line.create(dict(vals, order_id=by_orm.id))
        created = create_in_bulk(Line, [dict(vals, order_id=by_bulk.id) for vals in self.vals_list])
        Line.recompute()  # the RFQs' totals, as the caller does
        self.env.cache.invalidate()  # read back from the database
        self.assertEqual(created, by_bulk.order_line)
        names = [name for name, field in Line._fields.items() if field.store and name not in _METADATA]
        self.assertEqual(by_bulk.order_line.read(names), [
            dict(row, id=bulk_id) for row, bulk_id in zip(by_orm.order_line.read(names), created.ids)])
        totals = ['amount_untaxed', 'amount_tax', 'amount_total']
        self.assertEqual([by_bulk[name] for name in totals], [by_orm[name] for name in totals])
        # 3.333 x 12.35 (the unit price at 2 digits) = 41.16, 2 dozen x 100, 1 x 0.10; tax 15 % of 41.26
        self.assertEqual([round(by_bulk[name], 2) for name in totals], [241.26, 6.19, 247.45])

    def test_refuses_what_it_cannot_store(self):
        with self.assertRaises(ValueError):  # a copy of the RFQ's field
            create_in_bulk(self.env['purchase.order.line'], [dict(self.vals_list[0], order_id=self.orders[0].id,
                                                                  company_id=self.env.user.company_id.id)])
        with self.assertRaises(ValueError):
            create_in_bulk(self.env['purchase.order.line'], [dict(self.vals_list[0], order_id=self.orders[0].id,
                                                                  price_subtotal=1.0)])
        with self.assertRaises(ValueError):
            create_in_bulk(self.env['purchase.order.line'], [dict(self.vals_list[1], order_id=self.orders[0].id,
                                                                  taxes_id=[(4, 1)])])

    def test_write_same_records_as_write(self):
        """New quantities and prices written with write() on one RFQ's lines and with
        write_in_bulk on its twin's: the same stored values and totals."""
        Line = self.env['purchase.order.line']
        by_orm, by_bulk = (create_in_bulk(Line, [dict(vals, order_id=order.id) for vals in self.vals_list])
                           for order in self.orders)
        Line.recompute()
        changes = [{'product_qty': 5.5, 'price_unit': 2.345}, {'product_qty': 1.0, 'price_unit': 100.0},
                   {'product_qty': 10.0, 'price_unit': 0.25}]
        for line, vals in zip(by_orm, changes):
            line.write(vals)
        write_in_bulk(by_bulk, changes)
        Line.recompute()
        self.env.cache.invalidate()
        names = [name for name, field in Line._fields.items() if field.store and name not in _METADATA]
        self.assertEqual(by_bulk.read(names),
                         [dict(row, id=bulk_id) for row, bulk_id in zip(by_orm.read(names), by_bulk.ids)])
        totals = ['amount_untaxed', 'amount_tax', 'amount_total']
        orm_order, bulk_order = self.orders
        self.assertEqual([bulk_order[name] for name in totals], [orm_order[name] for name in totals])
        # 5.5 x 2.35 = 12.93 (12.925 rounded) + 1 dozen x 100 + 10 x 0.25; taxes 1.94 + 0.38
        self.assertEqual([round(bulk_order[name], 2) for name in totals], [115.43, 2.32, 117.75])
        with self.assertRaises(ValueError):
            write_in_bulk(by_bulk, [{'price_subtotal': 1.0}] * 3)
        with self.assertRaises(ValueError):
            write_in_bulk(by_bulk, changes[:2])

    def test_prefetch_dependencies_reads_every_order_at_once(self):
        """Before the RFQs' totals and counts are recomputed, what they depend on is in cache
        for the lines of both RFQs, in the environment each compute runs in."""
        Line = self.env['purchase.order.line']
        for order in self.orders:
            create_in_bulk(Line, [dict(vals, order_id=order.id) for vals in self.vals_list])
        orders = self.orders[0] | self.orders[1]
        self.env.cache.invalidate()
        prefetch_dependencies(orders)
        lines = orders.mapped('order_line')
        self.assertEqual(len(lines), 6)
        cache = self.env.cache
        for name in ('price_total', 'invoice_lines', 'qty_received'):
            self.assertTrue(all(cache.contains(line, Line._fields[name]) for line in lines), name)
        # the receptions are computed as superuser
        self.assertTrue(all(cache.contains(line, Line._fields['move_ids']) for line in lines.sudo()))
        Line.recompute()
        self.assertEqual([round(order.amount_total, 2) for order in orders], [247.45, 247.45])


class TestDisplayNames(TransactionCase):

    def test_names_as_name_get(self):
        partners = self.env['res.partner'].search([], limit=5)
        self.assertEqual(display_names(partners), dict(partners.name_get()))
