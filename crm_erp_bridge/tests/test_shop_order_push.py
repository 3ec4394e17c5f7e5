from odoo.exceptions import AccessError, UserError
from odoo.tests.common import SavepointCase


class TestShopOrderPush(SavepointCase):
    """sale.order.crm_erp_push_order: an outside shop's order becomes one order of channel
    outside shop, its customer found by email then VAT or created, its products found by
    internal reference or barcode; the same reference twice gives the same order; bad input a
    clear UserError; the order counts in the Customer 360 and the pipeline demand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.user.company_id
        Product = cls.env['product.product']
        cls.chair = Product.create({'name': 'Push chair', 'type': 'product', 'default_code': 'PUSH-CHAIR',
                                    'barcode': '4000000000017', 'list_price': 30.0, 'taxes_id': [(5, 0, 0)]})
        cls.lamp = Product.create({'name': 'Push lamp', 'type': 'product', 'default_code': 'PUSH-LAMP',
                                   'barcode': '4000000000024', 'list_price': 12.0, 'taxes_id': [(5, 0, 0)]})
        cls.known = cls.env['res.partner'].create({'name': 'Push known', 'email': 'Known@Shop.example',
                                                   'customer': True})
        cls.by_vat = cls.env['res.partner'].create({'name': 'Push VAT', 'vat': 'BE0477472701', 'customer': True})
        cls.Order = cls.env['sale.order']

    def _push(self, reference='SHOP-1', customer=None, lines=None, **more):
        order = dict({'reference': reference,
                      'customer': customer or {'email': 'new@shop.example', 'name': 'Push new customer'},
                      'lines': lines or [{'product': 'PUSH-CHAIR', 'quantity': 2, 'price_unit': 25.0},
                                         {'product': '4000000000024', 'quantity': 1.5}]}, **more)
        return self.Order.crm_erp_push_order(order)

    def test_push_creates_one_order(self):
        result = self._push(confirm=True)
        order = self.Order.browse(result['order_id'])
        self.assertEqual((result['created'], result['name'], result['state']), (True, order.name, 'sale'))
        self.assertEqual((order.crm_erp_channel, order.crm_erp_shop_reference, order.client_order_ref),
                         ('outside_shop', 'SHOP-1', 'SHOP-1'))
        self.assertEqual([(line.product_id, line.product_uom_qty, line.price_unit) for line in order.order_line],
                         [(self.chair, 2.0, 25.0), (self.lamp, 1.5, 12.0)])
        self.assertEqual((order.partner_id.name, order.partner_id.email, order.partner_id.company_id),
                         ('Push new customer', 'new@shop.example', self.company))
        self.assertEqual(order.company_id, self.company)
        # the same order again: the same order back, nothing created
        partners = self.env['res.partner'].search_count([])
        again = self._push(confirm=True)
        self.assertEqual(again, dict(result, created=False))
        self.assertEqual(self.Order.search_count([('crm_erp_shop_reference', '=', 'SHOP-1')]), 1)
        self.assertEqual(self.env['res.partner'].search_count([]), partners)
        # another reference: another order, the same (now known) customer
        other = self._push('SHOP-2')
        self.assertNotEqual(other['order_id'], result['order_id'])
        self.assertEqual((other['partner_id'], other['state']), (result['partner_id'], 'draft'))

    def test_customer_matching(self):
        """Email first (any case), then VAT (spaces and case ignored); the email wins over a VAT."""
        self.assertEqual(self._push('M1', {'email': ' known@SHOP.example '})['partner_id'], self.known.id)
        self.assertEqual(self._push('M2', {'vat': 'be 0477 472 701'})['partner_id'], self.by_vat.id)
        self.assertEqual(self._push('M3', {'email': 'known@shop.example', 'vat': 'BE0477472701'})['partner_id'],
                         self.known.id)
        # % and _ are plain characters, not wildcards
        self.assertNotEqual(self._push('M4', {'email': 'k_own@shop.example', 'name': 'Wildcard'})['partner_id'],
                            self.known.id)
        self.assertNotEqual(self._push('M5', {'email': '%@shop.example', 'name': 'Wildcard'})['partner_id'],
                            self.known.id)
        with self.assertRaisesRegex(UserError, 'is not a country code'):
            self._push('M6', {'email': 'wild@shop.example', 'name': 'Wildcard', 'country_code': 'B_'})
        new = self.env['res.partner'].browse(self._push('M7', {
            'email': 'be@shop.example', 'name': 'Belgian', 'country_code': 'be', 'city': 'Gent', 'zip': '9000',
            'street': 'Veldstraat 1', 'phone': '+32 9 000 00 00'})['partner_id'])
        self.assertEqual((new.country_id.code, new.city, new.zip, new.street, new.phone, new.customer),
                         ('BE', 'Gent', '9000', 'Veldstraat 1', '+32 9 000 00 00', True))

    def test_unique_constraint(self):
        """The database refuses a second order of the same company and shop reference."""
        self._push('UNIQUE-1')
        with self.assertRaises(Exception), self.env.cr.savepoint():
            self.Order.create({'partner_id': self.known.id, 'crm_erp_shop_reference': 'UNIQUE-1',
                               'company_id': self.company.id})

    def test_clear_errors(self):
        good = {'email': 'x@shop.example', 'name': 'X'}
        cases = [
            ({'reference': '', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]},
             'order reference is missing'),
            ({'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]}, 'order reference is missing'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'NOPE', 'quantity': 1}]},
             "Unknown product 'NOPE'"),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 0}]},
             'line 1: quantity must be a number above 0'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': -2}]},
             'line 1: quantity must be a number above 0'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': True}]},
             'line 1: quantity must be a number above 0'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': float('nan')}]},
             'line 1: quantity must be a number above 0'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': '3'}]},
             'line 1: quantity must be a number above 0'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 1,
                                                             'price_unit': -1}]},
             'line 1: price_unit must be a number from 0'),
            ({'reference': 'E', 'customer': good, 'lines': []}, 'lines must be a list of 1 to 1000'),
            ({'reference': 'E', 'customer': {'name': 'X'}, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]},
             'an email or a VAT number is needed'),
            ({'reference': 'E', 'customer': {'email': 'unknown@shop.example'},
              'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]}, 'send its name to create it'),
            ({'reference': 'E', 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}], 'bogus': 1},
             "order: unknown key 'bogus'"),
            ({'reference': 'x' * 65, 'customer': good, 'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]},
             'order reference must be a text of at most 64'),
            ('SHOP-1', 'order must be a struct'),
        ]
        orders = self.Order.search_count([])
        for order, message in cases:
            with self.assertRaises(UserError) as raised:
                self.Order.crm_erp_push_order(order)
            self.assertIn(message, raised.exception.name, order)
        self.assertEqual(self.Order.search_count([]), orders)

    def test_ambiguous_reference(self):
        self.env['product.product'].create({'name': 'Push chair twin', 'default_code': 'PUSH-CHAIR'})
        with self.assertRaisesRegex(UserError, 'Several products have the internal reference'):
            self._push('AMBIGUOUS')
        # the barcode is unique
        self.assertTrue(self._push('BARCODE', lines=[{'product': '4000000000017', 'quantity': 1}])['created'])

    def test_rights(self):
        """A salesman of the bridge pushes; a user outside the bridge's groups may not."""
        salesman = self.env['res.users'].create({
            'name': 'Push salesman', 'login': 'push_salesman', 'company_id': self.company.id,
            'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        self.assertTrue(self.Order.sudo(salesman).crm_erp_push_order({
            'reference': 'RIGHTS-1', 'customer': {'email': 'rights@shop.example', 'name': 'Rights'},
            'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]})['created'])
        employee = self.env['res.users'].create({
            'name': 'Push employee', 'login': 'push_employee', 'company_id': self.company.id,
            'company_ids': [(6, 0, self.company.ids)], 'groups_id': [(6, 0, [self.env.ref('base.group_user').id])]})
        with self.assertRaises(AccessError):
            self.Order.sudo(employee).crm_erp_push_order({
                'reference': 'RIGHTS-2', 'customer': {'email': 'rights@shop.example'},
                'lines': [{'product': 'PUSH-LAMP', 'quantity': 1}]})

    def test_in_customer_360_and_demand(self):
        """A confirmed pushed order counts in its customer's Customer 360 (channel outside
        shop); a pushed quotation in the pipeline demand of its products."""
        result = self._push('C360-1', {'email': 'known@shop.example'}, confirm=True)
        profile = self.env['res.partner'].get_customer_360([self.known.id])[0]
        self.assertEqual(profile['sale_order_count'], 1)
        self.assertEqual(profile['sale_revenue'], 2 * 25.0 + 1.5 * 12.0)
        self.assertEqual([(item['channel'], item['order_count'], item['revenue']) for item in profile['channels']],
                         [('outside_shop', 1, 68.0)])
        self.assertIn(result['order_id'], self.Order.search([('partner_id', '=', self.known.id)]).ids)
        before = self.env['product.product'].get_pipeline_demand([self.lamp.id])[0]['demand_qty']
        self._push('DEMAND-1', {'email': 'known@shop.example'}, lines=[{'product': 'PUSH-LAMP', 'quantity': 7}])
        self.assertEqual(self.env['product.product'].get_pipeline_demand([self.lamp.id])[0]['demand_qty'],
                         before + 7.0)

    def test_other_company(self):
        """With force_company, the order, and a new customer, belong to that company: the
        customers and products of the other company are never used, and the same reference
        is another order there."""
        company_b = self.env['res.company'].create({'name': 'Push company B'})
        self.env.user.write({'company_ids': [(4, company_b.id)]})
        Order_b = self.Order.with_context(force_company=company_b.id)
        self.env['product.product'].create({'name': 'Push shared', 'default_code': 'PUSH-SHARED',
                                            'company_id': False})
        order = {'reference': 'SHOP-1', 'customer': {'email': 'known@shop.example', 'name': 'Known in B'},
                 'lines': [{'product': 'PUSH-SHARED', 'quantity': 1}]}
        result_a = self.Order.crm_erp_push_order(order)
        result_b = Order_b.crm_erp_push_order(order)
        self.assertNotEqual(result_a['order_id'], result_b['order_id'])
        self.assertEqual(self.Order.browse(result_a['order_id']).partner_id, self.known)
        order_b = self.Order.browse(result_b['order_id'])
        self.assertEqual((order_b.company_id, order_b.partner_id.company_id, order_b.partner_id.name),
                         (company_b, company_b, 'Known in B'))
        self.assertEqual(Order_b.crm_erp_push_order(order), dict(result_b, created=False))
        self.env['product.product'].create({'name': 'Push A only', 'default_code': 'PUSH-A-ONLY',
                                            'company_id': self.company.id})
        with self.assertRaisesRegex(UserError, "Unknown product 'PUSH-A-ONLY'"):
            Order_b.crm_erp_push_order(dict(order, reference='SHOP-B2',
                                            lines=[{'product': 'PUSH-A-ONLY', 'quantity': 1}]))
