from odoo.exceptions import AccessError, UserError

from .customer_360_common import Customer360Case


class TestCustomer360Figures(Customer360Case):
    """Purchase history per commercial entity and company, in company currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acme = cls._customer('Acme', is_company=True)
        cls.ann = cls._customer('Ann', parent_id=cls.acme.id)
        cls.bob = cls._customer('Bob')
        cls._order(cls.acme, '2025-01-10', [(cls.product_1, 2, 100.0)])
        # XCB at 2025-04-10: company A's own rate of 2025-04-01 (5.0) wins over the global one
        # of the same day (4.0) and over its older 2.5: 50 / 5 = 10 XCA
        cls._order(cls.ann, '2025-04-10', [(cls.product_2, 1, 50.0)], pricelist=cls.pricelist_xcb)
        cls._order(cls.acme, '2025-07-10', [(cls.product_1, 1, 100.0)])
        cls.cancelled = cls._order(cls.acme, '2025-08-01', [(cls.product_2, 3, 30.0)])
        cls.cancelled.action_cancel()
        cls._order(cls.acme, '2025-09-01', [(cls.product_2, 9, 9.0)], confirm=False)
        cls._order(cls.bob, '2025-12-01', [(cls.product_1, 1, 40.0)])
        # company B: global rate 4.0 at 2025-05-01 -> 80 / 4 = 20 XCA
        cls._order(cls.ann, '2025-05-01', [(cls.product_1, 1, 80.0)], pricelist=cls.pricelist_xcb,
                   company=cls.company_b)
        cls._refresh(cls.company_a | cls.company_b)

    def test_company_with_contacts_converted_and_without_cancelled(self):
        for partner in (self.acme, self.ann):
            self.assertEqual(partner.customer_order_count, 3)
            self.assertAlmostEqual(partner.customer_revenue, 310.0)
            self.assertAlmostEqual(partner.customer_average_order_value, 103.33)  # rounded to XCA cents
            self.assertEqual(partner.customer_first_order_date, '2025-01-10')
            self.assertEqual(partner.customer_last_order_date, '2025-07-10')
            self.assertAlmostEqual(partner.customer_order_interval, 90.5)  # 181 days / 2 gaps
            self.assertEqual(partner.customer_days_since_last_order, 174)
            self.assertEqual(partner.customer_product_count, 2)
            self.assertAlmostEqual(partner.clv_historical, 310.0)  # no sale_margin: revenue
        self.assertFalse(self.Stats._margin_available())
        self.assertEqual(self.bob.customer_order_count, 1)
        self.assertAlmostEqual(self.bob.customer_revenue, 40.0)
        self.assertFalse(self.bob.customer_order_interval)

    def test_companies_never_mix(self):
        self.acme.invalidate_cache()  # non-stored figures are cached per record, not per company
        acme_b = self.acme.with_context(force_company=self.company_b.id)
        self.assertEqual(acme_b.customer_order_count, 1)
        self.assertAlmostEqual(acme_b.customer_revenue, 20.0)
        self.assertEqual(acme_b.customer_first_order_date, '2025-05-01')
        self.assertFalse(self._row(self.bob, self.company_b).sale_order_count)
        self.assertEqual(self._row(self.acme).sale_order_count, 3)

    def test_product_history(self):
        history = self.env['crm.erp.partner.product.history'].search(
            [('partner_id', '=', self.acme.id), ('company_id', '=', self.company_a.id)])
        rows = {row.product_id: (row.product_qty, row.revenue, row.order_count, row.first_order_date,
                                 row.last_order_date) for row in history}
        self.assertEqual(set(rows), {self.product_1, self.product_2})
        self.assertEqual(rows[self.product_1][0], 3.0)
        self.assertAlmostEqual(rows[self.product_1][1], 300.0)
        self.assertEqual(rows[self.product_1][2:], (2, '2025-01-10', '2025-07-10'))
        self.assertEqual(rows[self.product_2][0], 1.0)
        self.assertAlmostEqual(rows[self.product_2][1], 10.0)
        self.assertEqual(rows[self.product_2][2:], (1, '2025-04-10', '2025-04-10'))
        # the form's top products: by revenue, same figures on the contact
        self.assertEqual(self.ann.customer_top_product_ids.mapped('product_id'), self.product_1 | self.product_2)
        self.assertEqual(self.ann.customer_top_product_ids[0].product_id, self.product_1)
        action = self.ann.action_open_customer_product_history()
        self.assertEqual(self.env[action['res_model']].search(action['domain']), history)

    def test_cancelling_a_confirmed_order_removes_it(self):
        order = self._order(self.bob, '2025-12-10', [(self.product_2, 2, 25.0)])
        self.assertEqual(self.bob.customer_order_count, 2)
        self.assertAlmostEqual(self.bob.customer_revenue, 90.0)
        self.assertEqual(self.bob.customer_product_count, 2)
        order.action_cancel()
        self.assertEqual(self.bob.customer_order_count, 1)
        self.assertAlmostEqual(self.bob.customer_revenue, 40.0)
        self.assertEqual(self.bob.customer_last_order_date, '2025-12-01')
        self.assertEqual(self.bob.customer_product_count, 1)

    def test_amount_change_of_a_confirmed_order(self):
        order = self._order(self.bob, '2025-12-10', [(self.product_2, 2, 25.0)])
        order.order_line.write({'product_uom_qty': 4})
        self.assertAlmostEqual(self.bob.customer_revenue, 140.0)
        order.write({'order_line': [(0, 0, {'product_id': self.product_1.id, 'product_uom_qty': 1,
                                            'price_unit': 5.0, 'product_uom': self.product_1.uom_id.id,
                                            'name': 'extra', 'tax_id': [(5, 0, 0)]})]})
        self.assertAlmostEqual(self.bob.customer_revenue, 145.0)

    def test_get_customer_360(self):
        profiles = self.env['res.partner'].get_customer_360([self.ann.id, self.bob.id])
        self.assertEqual([profile['id'] for profile in profiles], [self.ann.id, self.bob.id])
        ann = profiles[0]
        self.assertEqual(ann['commercial_partner_id'], self.acme.id)
        self.assertEqual(ann['currency'], 'XCA')
        self.assertEqual(ann['sale_order_count'], 3)
        self.assertAlmostEqual(ann['sale_revenue'], 310.0)
        self.assertEqual(ann['last_order_date'], '2025-07-10')
        self.assertEqual(ann['customer_stage'], self.acme.customer_stage)
        self.assertEqual(ann['rfm_segment'], self.acme.rfm_segment)
        self.assertEqual([(line['product_id'], line['qty']) for line in ann['top_products']],
                         [(self.product_1.id, 3.0), (self.product_2.id, 1.0)])
        prospect = self._customer('Nobody')
        self.assertEqual(self.env['res.partner'].get_customer_360([prospect.id])[0]['customer_stage'], 'prospect')

    def test_get_customer_360_bad_input(self):
        Partner = self.env['res.partner']
        for bad in ('12', [self.bob.id, 'x'], [True], [1.5], None, {'id': self.bob.id}):
            with self.assertRaisesRegex(UserError, 'partner_ids must be a list of ids'):
                Partner.get_customer_360(bad)
        with self.assertRaisesRegex(UserError, 'no record with id 987654321'):
            Partner.get_customer_360([self.bob.id, 987654321])
        other = self._customer('Other company', company_id=self.company_b.id)
        with self.assertRaisesRegex(AccessError, r'partner_ids: record\(s\) %d belong to another company' % other.id):
            Partner.get_customer_360([self.bob.id, other.id])
        # the same partner, asked in its own company
        self.assertEqual(Partner.with_context(force_company=self.company_b.id).get_customer_360(
            [other.id])[0]['company_id'], self.company_b.id)
        foreign_company = self.env['res.company'].create({'name': 'C360 not mine'})
        with self.assertRaisesRegex(AccessError, 'force_company: company %d is not one of your companies'
                                    % foreign_company.id):
            Partner.with_context(force_company=foreign_company.id).get_customer_360([self.bob.id])
        with self.assertRaisesRegex(UserError, 'force_company: a company id'):
            Partner.with_context(force_company='x').get_customer_360([self.bob.id])
        self.assertEqual(Partner.get_customer_360([]), [])

    def test_orders_button_lists_the_figures_orders(self):
        action = self.ann.action_open_customer_orders()
        orders = self.env['sale.order'].search(action['domain'])
        self.assertEqual(len(orders), self.ann.customer_order_count)
        self.assertEqual(orders.mapped('partner_id'), self.acme | self.ann)
        self.assertAlmostEqual(sum(orders.filtered(lambda o: o.pricelist_id == self.pricelist_xca)
                                   .mapped('amount_untaxed')), 300.0)


class TestCustomer360Access(Customer360Case):
    """Salesmen see the figures; only managers lock stages and refresh everything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer('Carl')
        cls._order(cls.customer, '2025-11-01', [(cls.product_1, 1, 70.0)])

        def user(login, group):
            return cls.env['res.users'].create({
                'name': login, 'login': login, 'company_id': cls.company_a.id,
                'company_ids': [(6, 0, cls.company_a.ids)],
                'groups_id': [(6, 0, [cls.env.ref(group).id])],
            })
        cls.salesman = user('c360_salesman', 'sales_team.group_sale_salesman')
        cls.manager = user('c360_manager', 'sales_team.group_sale_manager')

    def test_salesman_reads_but_cannot_lock_or_refresh_all(self):
        as_salesman = self.customer.sudo(self.salesman)
        self.assertAlmostEqual(as_salesman.customer_revenue, 70.0)
        self.assertEqual(as_salesman.customer_stage, 'new')
        self.assertEqual(self.env['res.partner'].sudo(self.salesman).get_customer_360(
            [self.customer.id])[0]['sale_order_count'], 1)
        with self.assertRaises(AccessError):
            as_salesman.write({'customer_stage': 'loyal'})
        with self.assertRaises(AccessError):
            as_salesman.write({'customer_stage_locked': True})
        with self.assertRaises(AccessError):
            self._row(self.customer).sudo(self.salesman).write({'customer_stage': 'loyal'})
        with self.assertRaises(AccessError):
            self.env['res.partner'].sudo(self.salesman).refresh_customer_360_all()
        # a partner of another company: a clear error, not a record-rule failure
        other = self._customer('C360 company B customer', company_id=self.company_b.id)
        with self.assertRaisesRegex(AccessError, 'belong to another company'):
            self.env['res.partner'].sudo(self.salesman).get_customer_360([other.id])
        # refreshing selected partners is allowed
        self.assertTrue(as_salesman.action_refresh_customer_360())
        self.assertEqual(self._row(self.customer).customer_stage, 'new')

    def test_form_values_of_a_new_partner_lock_nothing(self):
        # the web client sends every field of the form when it creates a record
        for user in (self.manager, self.salesman):
            partner = self.env['res.partner'].sudo(user).create({
                'name': 'C360 new from form %s' % user.login, 'customer_stage': 'prospect',
                'customer_stage_locked': False})
            self.assertEqual((partner.customer_stage, partner.customer_stage_locked), ('prospect', False))
            self.assertFalse(self._row(partner))
        # writing the stage a customer already has changes nothing either
        self.customer.sudo(self.manager).write({'customer_stage': 'new', 'customer_stage_locked': False})
        self.assertEqual((self._row(self.customer).customer_stage, self._row(self.customer).customer_stage_locked),
                         ('new', False))

    def test_manager_locks_and_refreshes_all(self):
        as_manager = self.customer.sudo(self.manager)
        as_manager.write({'customer_stage': 'loyal'})
        self.assertEqual(as_manager.customer_stage, 'loyal')
        self.assertTrue(as_manager.customer_stage_locked)
        self.assertTrue(self.env['res.partner'].sudo(self.manager).refresh_customer_360_all())
        self.assertEqual(self._row(self.customer).customer_stage, 'loyal')
