from ..hooks import post_init_hook
from .common import PosTicketsCase


class TestPosCustomer360(PosTicketsCase):
    """Point of sale tickets in the Customer 360, through Odoo's own point of sale flow (a session
    of the demo shop opened, tickets synced as the till does with create_from_ui, paid, the
    session closed): the channel figures equal a recomputation from the raw orders, a ticket
    counts as a sale order of the same day and amount would, anonymous tickets count for no
    customer, a paid ticket refreshes only its customer, another company's ticket stays there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a foreign currency: 2 per company currency unit from 2025-01-01, 4 from 2025-04-01
        cls.xpb = cls.env['res.currency'].create({'name': 'XPB', 'symbol': 'P$', 'rounding': 0.01})
        for day, rate in (('2025-01-01', 2.0), ('2025-04-01', 4.0)):
            cls.env['res.currency.rate'].create({'name': day, 'rate': rate, 'currency_id': cls.xpb.id,
                                                 'company_id': cls.company.id})
        cls.pricelist_xpb = cls.env['product.pricelist'].create({'name': 'XPB prices', 'currency_id': cls.xpb.id})
        Product = cls.env['product.product']
        cls.product_1 = Product.create({'name': 'POS 360 Service 1', 'type': 'service', 'taxes_id': [(5, 0, 0)]})
        cls.product_2 = Product.create({'name': 'POS 360 Service 2', 'type': 'service', 'taxes_id': [(5, 0, 0)]})
        Partner = cls.env['res.partner']
        cls.customer = Partner.create({'name': 'POS 360 customer', 'customer': True, 'company_id': False})
        cls.contact = Partner.create({'name': 'POS 360 contact', 'parent_id': cls.customer.id})
        cls.bystander = Partner.create({'name': 'POS 360 bystander', 'customer': True, 'company_id': False})
        # the customer: two sale orders, three tickets (one of its contact, one in XPB)
        cls._sale_order(cls.customer, '2025-01-10', [(cls.product_1, 2.0, 50.0)])
        cls._sale_order(cls.customer, '2025-02-10', [(cls.product_2, 1.0, 30.0)])
        cls._sync([cls._ticket(cls.customer, '2025-03-10 10:00:00', [(cls.product_1, 1.0, 40.0, 0.0)]),
                   cls._ticket(cls.contact, '2025-03-20 11:00:00', [(cls.product_1, 2.0, 10.0, 50.0),
                                                                    (cls.product_2, 1.0, 7.5, 0.0)]),
                   cls._ticket(cls.customer, '2025-04-15 09:00:00', [(cls.product_2, 3.0, 20.0, 0.0)],
                               pricelist=cls.pricelist_xpb)])
        cls._sale_order(cls.bystander, '2025-02-01', [(cls.product_1, 1.0, 10.0)])

    def _profile(self, partner):
        return self.env['res.partner'].get_customer_360(partner.ids)[0]

    def _recomputed(self, partner, company=None):
        """{channel: (orders, revenue)} from the raw documents through the ORM: confirmed sale
        orders and paid, posted or invoiced tickets of the customer and its contacts in the
        company, untaxed amounts converted by Odoo's res.currency at the document's day."""
        company = company or self.company
        figures = {}
        documents = [(order.crm_erp_channel, order.pricelist_id.currency_id, order.date_order, order.amount_untaxed)
                     for order in self.env['sale.order'].search([
                         ('partner_id', 'child_of', partner.id), ('company_id', '=', company.id),
                         ('state', 'in', ('sale', 'done')), ('date_order', '>=', '2025-01-01')])]
        documents += [('pos', ticket.pricelist_id.currency_id, ticket.date_order,
                       ticket.amount_total - ticket.amount_tax)
                      for ticket in self.env['pos.order'].search([
                          ('partner_id', 'child_of', partner.id), ('company_id', '=', company.id),
                          ('state', 'in', ('paid', 'done', 'invoiced'))])]
        for channel, currency, date_order, amount in documents:
            amount = currency.with_context(date=date_order[:10], company_id=company.id).compute(
                amount, company.currency_id, round=False)
            count, revenue = figures.get(channel, (0, 0.0))
            figures[channel] = (count + 1, revenue + amount)
        return figures

    def test_channels_equal_raw_orders(self):
        """The channel breakdown of get_customer_360 and the customer's totals equal the raw
        documents; the point of sale is labelled; the Customer 360 tab shows it."""
        expected = self._recomputed(self.customer)
        # tickets untaxed: 40; 2 x 10 at 50 % off + 7.5 = 17.5; 60 XPB at 4 per company currency
        # unit's rate on 2025-04-15
        rate = self.company.currency_id.with_context(date='2025-04-15', company_id=self.company.id).rate
        self.assertEqual(set(expected), {'back_office', 'pos'})
        self.assertEqual(expected['pos'][0], 3)
        self.assertAlmostEqual(expected['pos'][1], 40.0 + 17.5 + 60.0 * rate / 4.0, places=6)
        profile = self._profile(self.customer)
        got = {item['channel']: (item['order_count'], item['revenue']) for item in profile['channels']}
        self.assertEqual(set(got), set(expected))
        for channel, (count, revenue) in expected.items():
            self.assertEqual(got[channel][0], count, channel)
            self.assertAlmostEqual(got[channel][1], revenue, places=6, msg=channel)
        self.assertEqual(profile['sale_order_count'], 5)
        self.assertAlmostEqual(profile['sale_revenue'], sum(revenue for _count, revenue in expected.values()), places=2)
        self.assertEqual((profile['first_order_date'], profile['last_order_date']), ('2025-01-10', '2025-04-15'))
        self.assertEqual(profile['product_count'], 2)
        self.assertIn('Point of sale', [item['label'] for item in profile['channels']])
        # the product history (top products) counts the ticket lines: product 1, 2 units at 50 in
        # a sale order, 1 at 40 and 2 at 10 - 50 % in tickets; product 2, 1 at 30 in a sale
        # order, 1 at 7.5 and 3 at 20 XPB in tickets
        top = {item['product_id']: (item['qty'], item['revenue'], item['order_count'])
               for item in profile['top_products']}
        self.assertEqual(top[self.product_1.id], (5.0, 150.0, 3))
        self.assertEqual(top[self.product_2.id][::2], (5.0, 3))
        self.assertAlmostEqual(top[self.product_2.id][1], 30.0 + 7.5 + 60.0 * rate / 4.0, places=2)
        self.assertIn('data-channel="pos"', self.customer.with_context(force_company=self.company.id)
                      .customer_channel_html)

    def test_ticket_counts_as_a_sale_order(self):
        """A customer with tickets and a customer with sale orders of the same days and untaxed
        amounts get the same history, RFM scores and segment, lifetime value and stage."""
        twin = self.env['res.partner'].create({'name': 'POS 360 twin', 'customer': True, 'company_id': False})
        self._sale_order(twin, '2025-01-10', [(self.product_1, 2.0, 50.0)])
        self._sale_order(twin, '2025-02-10', [(self.product_2, 1.0, 30.0)])
        self._sale_order(twin, '2025-03-10', [(self.product_1, 1.0, 40.0)])
        self._sale_order(twin, '2025-03-20', [(self.product_1, 2.0, 5.0), (self.product_2, 1.0, 7.5)])
        self._sale_order(twin, '2025-04-15', [(self.product_2, 3.0, 20.0)], pricelist=self.pricelist_xpb)
        Stats = self.env['crm.erp.partner.stats']
        Stats._refresh(self.company.ids, recompute_boundaries=True)
        names = ['sale_order_count', 'sale_revenue', 'first_order_date', 'last_order_date', 'product_count',
                 'average_order_interval', 'rfm_recency_score', 'rfm_frequency_score', 'rfm_monetary_score',
                 'rfm_segment', 'clv_historical', 'clv_predicted_12m', 'clv_probability_alive',
                 'clv_predicted_value', 'customer_stage']
        rows = [Stats.search([('partner_id', '=', partner.id), ('company_id', '=', self.company.id)])
                .read(names)[0] for partner in (self.customer, twin)]
        for name in names:
            if isinstance(rows[0][name], float):
                self.assertAlmostEqual(rows[0][name], rows[1][name], places=4, msg=name)
            else:
                self.assertEqual(rows[0][name], rows[1][name], name)
        self.assertEqual(rows[0]['sale_order_count'], 5)

    def test_anonymous_ticket_counts_for_no_customer(self):
        """A ticket without a customer is paid and stored, and changes no Customer 360 row."""
        cr = self.env.cr
        self._refresh_company()
        cr.execute("SELECT COUNT(*), SUM(sale_order_count) FROM crm_erp_partner_stats WHERE company_id = %s",
                   self.company.ids)
        before = cr.fetchone()
        ticket = self._sync([self._ticket(None, '2025-05-01 10:00:00', [(self.product_1, 1.0, 99.0, 0.0),
                                                                        (self.product_2, 1.0, 1.0, 0.0)])])
        self.assertEqual(ticket.state, 'paid')
        self.assertEqual(ticket.crm_erp_amount_untaxed, 100.0)
        self._refresh_company()
        cr.execute("SELECT COUNT(*), SUM(sale_order_count) FROM crm_erp_partner_stats WHERE company_id = %s",
                   self.company.ids)
        self.assertEqual(cr.fetchone(), before)

    def _refresh_company(self):
        self.env['crm.erp.partner.stats']._refresh(self.company.ids)

    def test_paid_ticket_and_session_close_refresh_only_their_customer(self):
        """A synced (paid) ticket refreshes its customer's row at once and no other row (the
        bystander's row, made stale by hand, stays stale); the session's closing posts the tickets
        (paid -> posted) and leaves the figures as they are."""
        cr = self.env.cr
        cr.execute("UPDATE crm_erp_partner_stats SET sale_order_count = 99 WHERE partner_id = %s AND company_id = %s",
                   [self.bystander.id, self.company.id])
        self._sync([self._ticket(self.contact, '2025-06-01 10:00:00', [(self.product_1, 1.0, 5.0, 0.0)])])
        self.env['crm.erp.partner.stats'].invalidate_cache()
        self.assertEqual(self._profile(self.customer)['sale_order_count'], 6)
        self.assertEqual(self._profile(self.customer)['last_order_date'], '2025-06-01')
        self.assertEqual(self._profile(self.bystander)['sale_order_count'], 99, 'not refreshed')
        expected = self._recomputed(self.customer)
        self.session.action_pos_session_closing_control()
        if self.session.state != 'closed':
            self.session.action_pos_session_close()
        self.assertEqual(self.session.state, 'closed')
        self.assertEqual(set(self.session.order_ids.mapped('state')), {'done'})
        self.env['crm.erp.partner.stats'].invalidate_cache()
        got = {item['channel']: (item['order_count'], item['revenue'])
               for item in self._profile(self.customer)['channels']}
        self.assertEqual({channel: count for channel, (count, _revenue) in got.items()},
                         {channel: count for channel, (count, _revenue) in expected.items()})
        self.assertAlmostEqual(got['pos'][1], expected['pos'][1], places=6)

    def test_other_company_ticket(self):
        """A ticket moved to company B counts in B's figures and no longer in A's (both
        refreshed by the change)."""
        company_b = self.env['res.company'].create({'name': 'POS 360 B', 'currency_id': self.company.currency_id.id})
        ticket = self._sync([self._ticket(self.bystander, '2025-07-01 10:00:00', [(self.product_1, 1.0, 25.0, 0.0)])])
        self.env['crm.erp.partner.stats'].invalidate_cache()
        self.assertEqual(self._profile(self.bystander)['sale_order_count'], 2)
        ticket.write({'company_id': company_b.id})
        Stats = self.env['crm.erp.partner.stats']
        Stats.invalidate_cache()
        self.assertEqual(self._profile(self.bystander)['sale_order_count'], 1)
        self.assertEqual([item['channel'] for item in self._profile(self.bystander)['channels']], ['back_office'])
        row_b = Stats.search([('partner_id', '=', self.bystander.id), ('company_id', '=', company_b.id)])
        self.assertEqual((row_b.sale_order_count, row_b.sale_revenue), (1, 25.0))
        self.assertEqual(self._recomputed(self.bystander, company_b), {'pos': (1, 25.0)})

    def test_install_refreshes_the_ticket_customers(self):
        """The install hook recomputes the customers of the tickets paid before it (here a row
        made stale by hand), and only them (the bystander's stale row stays)."""
        cr = self.env.cr
        cr.execute("UPDATE crm_erp_partner_stats SET sale_order_count = 99 WHERE partner_id IN %s AND company_id = %s",
                   [(self.customer.id, self.bystander.id), self.company.id])
        post_init_hook(cr, self.env.registry)
        self.env['crm.erp.partner.stats'].invalidate_cache()
        self.assertEqual(self._profile(self.customer)['sale_order_count'], 5)
        self.assertEqual(self._profile(self.bystander)['sale_order_count'], 99)

    def test_ticket_paid_in_the_back_office(self):
        """A ticket entered in the back office counts once it is paid there (Odoo's payment
        wizard: draft -> paid), for its customer only."""
        ticket = self.env['pos.order'].create({
            'session_id': self.session.id, 'partner_id': self.bystander.id, 'date_order': '2025-08-01 10:00:00',
            'lines': [(0, 0, {'product_id': self.product_2.id, 'qty': 2.0, 'price_unit': 12.5,
                              'tax_ids': [(6, 0, [])]})]})
        Stats = self.env['crm.erp.partner.stats']
        Stats.invalidate_cache()
        self.assertEqual(self._profile(self.bystander)['sale_order_count'], 1, 'a draft ticket does not count')
        payment = self.env['pos.make.payment'].with_context(active_id=ticket.id).create({
            'session_id': self.session.id, 'journal_id': self.config.journal_ids[0].id, 'amount': 25.0})
        payment.check()
        self.assertEqual(ticket.state, 'paid')
        Stats.invalidate_cache()
        profile = self._profile(self.bystander)
        self.assertEqual((profile['sale_order_count'], profile['last_order_date']), (2, '2025-08-01'))
        self.assertEqual([(item['channel'], item['order_count'], item['revenue']) for item in profile['channels']
                          if item['channel'] == 'pos'], [('pos', 1, 25.0)])
