from .customer_360_common import Customer360Case


class TestCustomer360Vendor(Customer360Case):
    """Purchase side: confirmed purchase orders in company currency, receipts against date_planned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warehouse = cls.env['stock.warehouse'].search([('company_id', '=', cls.company_a.id)])
        cls.vendor = cls.env['res.partner'].create({'name': 'Vera Supplies', 'supplier': True, 'is_company': True})
        cls.vendor_contact = cls.env['res.partner'].create({'name': 'Victor', 'parent_id': cls.vendor.id})
        cls.goods = cls.env['product.product'].create({'name': 'C360 Goods', 'type': 'consu'})

        def purchase(partner, date_order, date_planned, currency, qty, price, date_done):
            order = cls.env['purchase.order'].create({
                'partner_id': partner.id, 'company_id': cls.company_a.id, 'currency_id': currency.id,
                'date_order': date_order, 'picking_type_id': warehouse.in_type_id.id,
                'order_line': [(0, 0, {'product_id': cls.goods.id, 'name': 'goods', 'product_qty': qty,
                                       'price_unit': price, 'product_uom': cls.goods.uom_id.id,
                                       'date_planned': date_planned, 'taxes_id': [(5, 0, 0)]})],
            })
            order.button_confirm()
            for move in order.picking_ids.move_lines:
                move.quantity_done = move.product_uom_qty
            order.picking_ids.action_done()
            order.picking_ids.write({'date_done': date_done})
            return order
        # XCB at 2025-04-10 for company A: 5.0 -> 100 XCB = 20 XCA; received 8 days later, on time
        purchase(cls.vendor, '2025-04-10 10:00:00', '2025-04-20 10:00:00', cls.xcb, 2, 50.0, '2025-04-18 10:00:00')
        # 30 XCA through the contact; received 9 days later, 5 days after the planned date
        purchase(cls.vendor_contact, '2025-06-01 10:00:00', '2025-06-05 10:00:00', cls.xca, 3, 10.0,
                 '2025-06-10 10:00:00')
        cancelled = purchase(cls.vendor, '2025-07-01 10:00:00', '2025-07-05 10:00:00', cls.xca, 1, 999.0,
                             '2025-07-02 10:00:00')
        cancelled.write({'state': 'cancel'})
        cls.vendor.action_refresh_customer_360()

    def test_vendor_figures(self):
        for partner in (self.vendor, self.vendor_contact):
            self.assertEqual(partner.vendor_purchase_order_count, 2)
            self.assertAlmostEqual(partner.vendor_spend, 50.0)
            self.assertEqual(partner.vendor_last_purchase_date, '2025-06-01')
            self.assertAlmostEqual(partner.vendor_lead_time_days, 8.5)
            self.assertAlmostEqual(partner.vendor_on_time_rate, 50.0)
        self.vendor.invalidate_cache()  # non-stored figures are cached per record, not per company
        other_company = self.vendor.with_context(force_company=self.company_b.id)
        self.assertEqual(other_company.vendor_purchase_order_count, 0)
