from ..queries import clv, common, customer_360
from .customer_360_common import Customer360Case


class TestQueriesCustomer360(Customer360Case):
    """queries/customer_360.py beyond the three refresh statements (whose figures the
    test_customer_360* cases check through crm.erp.partner.stats._refresh)."""

    def test_refresh_statements(self):
        """Step 1, 2 and 3 on one customer with two orders in company A: the rows written, the
        RFM boundaries, the stage change returned."""
        cr = self.env.cr
        customer = self._customer('Q360 customer')
        self._order(customer, '2025-12-01', [(self.product_1, 1.0, 100.0)])
        self._order(customer, '2025-12-21', [(self.product_1, 1.0, 50.0)])
        params = {'company_ids': self.company_a.ids, 'partner_ids': customer.ids, 'uid': self.env.uid,
                  'date_ref': self.DATE_REF, 'use_margin': False}
        cr.execute("DELETE FROM crm_erp_partner_stats WHERE partner_id = %s", customer.ids)
        self.assertEqual(customer_360.upsert_figures(cr, params, True, False), 1)
        self.assertEqual(customer_360.upsert_figures(cr, params, True, False), 0,
                         'unchanged rows are not rewritten')
        cr.execute("SELECT sale_order_count, sale_revenue, first_order_date, last_order_date "
                   "FROM crm_erp_partner_stats WHERE partner_id = %s AND company_id = %s",
                   [customer.id, self.company_a.id])
        self.assertEqual(cr.fetchall(), [(2, 150.0, '2025-12-01', '2025-12-21')])
        self.assertEqual(customer_360.update_lead_figures(cr, params), {customer.id})
        changes = customer_360.score_and_stage(cr, params, True)
        self.assertEqual(changes, [(self.company_a.id, customer.id, 'prospect', 'repeat', 'repeat_orders')])
        self.assertEqual(customer_360.score_and_stage(cr, params, True), [], 'no change the second time')

    def test_with_hash_joins(self):
        """common.with_hash_joins (the full step 1's): the statement runs with nested-loop and
        merge joins off, and both settings are left as they were found (on, or off when set
        off before)."""
        cr = self.env.cr

        def settings():
            cr.execute("SELECT current_setting('enable_nestloop'), current_setting('enable_mergejoin')")
            return cr.fetchone()
        for before in ('on', 'off'):
            cr.execute("SET LOCAL enable_nestloop = %s" % before)
            cr.execute("SET LOCAL enable_mergejoin = %s" % before)
            self.assertEqual(common.with_hash_joins(cr, settings), ('off', 'off'))
            self.assertEqual(settings(), (before, before))

    def test_customer_ranges_and_range_scope(self):
        """The chunks of the full refresh: ranges of partner ids that tile every id, each with
        at most the asked number of commercial partners; the statements of a range write
        what they write for its customers by id."""
        cr = self.env.cr
        ranges = customer_360.customer_ranges(cr, 3)
        self.assertEqual((ranges[0][0], ranges[-1][1]), (0, 2 ** 31 - 1))
        self.assertTrue(all(ranges[index][1] == ranges[index + 1][0] for index in range(len(ranges) - 1)))
        cr.execute("SELECT id FROM res_partner WHERE id = commercial_partner_id")
        ids = [row[0] for row in cr.fetchall()]
        per_range = [sum(first <= partner < end for partner in ids) for first, end in ranges]
        self.assertEqual((sum(per_range), max(per_range)), (len(ids), 3))
        customer = self._customer('Q360 range customer')
        self._order(customer, '2025-12-01', [(self.product_1, 1.0, 100.0)])
        params = {'company_ids': self.company_a.ids, 'partner_from': customer.id, 'partner_to': customer.id + 1,
                  'uid': self.env.uid, 'date_ref': self.DATE_REF, 'use_margin': False}
        cr.execute("DELETE FROM crm_erp_partner_stats WHERE partner_id = %s", customer.ids)
        self.assertEqual(customer_360.upsert_figures(cr, params, 'range', False), 1)
        changes = customer_360.score_and_stage(cr, params, 'range')
        self.assertEqual([change[:3] for change in changes], [(self.company_a.id, customer.id, 'prospect')])
        self.assertEqual(customer_360.upsert_figures(cr, dict(params, partner_ids=customer.ids), True, False), 0)

    def test_partner_owners(self):
        own = self._customer('Q360 own', company_id=self.company_b.id)
        shared = self._customer('Q360 shared')
        self.assertEqual(customer_360.partner_owners(self.env.cr, [own.id, shared.id]),
                         {own.id: self.company_b.id, shared.id: None})

    def test_partners_by_selection(self):
        gold, silver, plain = (self._customer('Q360 %s' % name) for name in ('gold', 'silver', 'plain'))
        for partner, segment in ((gold, 'champions'), (silver, 'loyal'), (plain, None)):
            self.env.cr.execute(
                "INSERT INTO crm_erp_partner_stats (company_id, partner_id, rfm_segment) VALUES (%s, %s, %s)",
                [self.company_a.id, partner.id, segment])
        cr, company = self.env.cr, self.company_a.id
        mine = {gold.id, silver.id, plain.id}
        self.assertEqual(set(customer_360.partners_by_selection(cr, company, 'rfm_segment', ['champions'], True))
                         & mine, {gold.id})
        self.assertEqual(set(customer_360.partners_by_selection(cr, company, 'rfm_segment', ['champions', ''], False))
                         & mine, {silver.id})

    def test_forget_archived_partners(self):
        customer = self._customer('Q360 archived')
        self._order(customer, '2025-06-01', [(self.product_1, 1.0, 100.0)])
        # archived behind the ORM's back (res.partner's write forgets the rows itself)
        self.env.cr.execute("UPDATE res_partner SET active = FALSE WHERE id = %s", customer.ids)
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_partner_stats WHERE partner_id = %s", customer.ids)
        rows = self.env.cr.fetchone()[0]
        customer_360.forget_archived_partners(self.env.cr, [customer.id])
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_partner_stats WHERE partner_id = %s", customer.ids)
        self.assertEqual((rows, self.env.cr.fetchone()[0]), (1, 0))
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_partner_stage_history WHERE partner_id = %s", customer.ids)
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_known_currency_factors(self):
        """The factors of the companies' foreign days, looked up once (a refresh in chunks),
        are used by step 1 as given; a day that is not among them is looked up as before."""
        cr = self.env.cr
        customer = self._customer('Q360 foreign customer')
        # XCB at 2025-04-10: company A's rate of 2025-04-01, 5.0: 50 / 5 = 10 XCA
        self._order(customer, '2025-04-10', [(self.product_1, 1.0, 50.0)], pricelist=self.pricelist_xcb)
        known = customer_360.known_currency_factors(cr, self.company_a.ids)
        factor = known.pop('known_factors')
        self.assertEqual(known, {'known_currency_ids': '{%d}' % self.xcb.id,
                                 'known_company_ids': '{%d}' % self.company_a.id, 'known_days': '{2025-04-10}'})
        self.assertEqual(float(factor.strip('{}')), 0.2)
        known['known_factors'] = factor
        params = {'company_ids': self.company_a.ids, 'partner_from': customer.id, 'partner_to': customer.id + 1,
                  'uid': self.env.uid, 'date_ref': self.DATE_REF, 'use_margin': False}

        def revenue():
            cr.execute("SELECT sale_revenue FROM crm_erp_partner_stats WHERE partner_id = %s AND company_id = %s",
                       [customer.id, self.company_a.id])
            return cr.fetchone()[0]
        customer_360.upsert_figures(cr, dict(params, **known), 'range', False)
        self.assertEqual(revenue(), 10.0)
        # a given factor is used as given (here a wrong one: the proof that nothing looks it up)
        customer_360.upsert_figures(cr, dict(params, **dict(known, known_factors='{0.5}')), 'range', False)
        self.assertEqual(revenue(), 25.0)
        # an order of a day the refresh did not know yet (confirmed meanwhile): looked up
        self._order(customer, '2025-01-10', [(self.product_1, 1.0, 20.0)], pricelist=self.pricelist_xcb)
        customer_360.upsert_figures(cr, dict(params, **known), 'range', False)
        self.assertEqual(revenue(), 20.0, '10 XCA + 20 XCB at the global rate 2.0 of 2025-01-01')
        self.assertEqual(customer_360.known_currency_factors(cr, self.company_b.ids),
                         dict.fromkeys(known, '{}'))

    def test_channel_breakdown(self):
        """Counted orders and revenue per channel, in the company currency at the order's day
        (XCB at 2.5 on 2025-03-15 in company A), up to orders_until; quotations and cancelled
        orders are not counted."""
        cr = self.env.cr
        customer = self._customer('Q360 channels')
        contact = self._customer('Q360 channels contact', parent_id=customer.id)
        self._order(customer, '2025-02-01', [(self.product_1, 1.0, 100.0)])
        self._order(contact, '2025-03-15', [(self.product_1, 2.0, 50.0)], pricelist=self.pricelist_xcb).write(
            {'crm_erp_channel': 'webshop'})
        self._order(customer, '2025-06-01', [(self.product_1, 1.0, 30.0)]).write({'crm_erp_channel': 'webshop'})
        self._order(customer, '2025-06-02', [(self.product_1, 1.0, 999.0)], confirm=False)
        self._order(customer, '2025-06-03', [(self.product_1, 1.0, 999.0)]).action_cancel()
        self.assertEqual(customer_360.channel_breakdown(cr, self.company_a.id, customer.ids), {
            customer.id: [('back_office', 1, 100.0), ('webshop', 2, 70.0)]})
        self.assertEqual(customer_360.channel_breakdown(cr, self.company_a.id, customer.ids, '2025-05-31'), {
            customer.id: [('back_office', 1, 100.0), ('webshop', 1, 40.0)]})
        self.assertEqual(customer_360.channel_breakdown(cr, self.company_b.id, customer.ids), {})

    def test_counted_documents_extension(self):
        """The counted documents are an extension point (common.CountedDocuments): a further
        kind of document (here the quotations, as channel 'quote') is counted by step 1 (orders,
        revenue, last order, distinct products through its lines), the channel breakdown and the
        CLV summary, beside the sale orders; without it, only the sale orders."""
        cr = self.env.cr
        customer = self._customer('Q360 documents')
        self._order(customer, '2025-02-01', [(self.product_1, 1.0, 100.0)])
        self._order(customer, '2025-03-01', [(self.product_2, 2.0, 10.0)], confirm=False)
        quotations = common.CountedDocuments('quotation', """
            SELECT 'quotation'::text AS kind, q.id, q.company_id, q.partner_id, q.date_order, q.pricelist_id,
                   q.amount_untaxed, q.amount_untaxed AS margin, 'quote'::text AS channel
              FROM sale_order q WHERE q.state = 'draft'""", """
            SELECT 'quotation'::text AS kind, l.order_id, l.product_id FROM sale_order_line l""")
        documents = [common.SALE_ORDER_DOCUMENTS, quotations]
        params = {'company_ids': self.company_a.ids, 'partner_ids': customer.ids, 'uid': self.env.uid,
                  'date_ref': self.DATE_REF, 'use_margin': False}

        def figures():
            cr.execute("SELECT sale_order_count, sale_revenue, last_order_date, product_count "
                       "FROM crm_erp_partner_stats WHERE partner_id = %s AND company_id = %s",
                       [customer.id, self.company_a.id])
            return cr.fetchall()
        customer_360.upsert_figures(cr, params, True, False, documents)
        self.assertEqual(figures(), [(2, 120.0, '2025-03-01', 2)])
        self.assertEqual(customer_360.channel_breakdown(cr, self.company_a.id, customer.ids, documents=documents),
                         {customer.id: [('back_office', 1, 100.0), ('quote', 1, 20.0)]})
        summary = clv.customer_summary(cr, self.company_a.id, self.DATE_REF, True, customer.ids, documents=documents)
        self.assertEqual(summary['revenue'].tolist(), [120.0])
        customer_360.upsert_figures(cr, params, True, False)
        self.assertEqual(figures(), [(1, 100.0, '2025-02-01', 1)])
        self.assertEqual(customer_360.channel_breakdown(cr, self.company_a.id, customer.ids),
                         {customer.id: [('back_office', 1, 100.0)]})
        self.assertEqual(self.env['crm.erp.partner.stats']._counted_documents()[0], common.SALE_ORDER_DOCUMENTS)
