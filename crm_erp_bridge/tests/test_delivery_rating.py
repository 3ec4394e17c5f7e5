from odoo.exceptions import AccessError

from .service_request_common import ServiceRequestCase


class TestDeliveryRating(ServiceRequestCase):
    """Satisfaction after a delivery (docs/service-requests.md, "Rating after a delivery"): the
    rating email once per done delivery to a customer (company setting, opt-out), the rating
    on the delivery's chatter and in the customer's figures and stage, and the satisfaction
    report per channel, product, salesperson and month, of the user's companies only. Figures
    as of 2025-12-31; the customer orders on 12-01 and 12-30 (Repeat); ratings dated by hand."""

    NOW = '2025-12-31 10:00:00'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env['product.product']
        cls.chair = Product.create({'name': 'Rated chair', 'type': 'consu'})
        cls.lamp = Product.create({'name': 'Rated lamp', 'type': 'consu'})
        cls.salesman = cls._user('rated_salesman', cls.company_a, 'sales_team.group_sale_salesman')
        cls.company_a.delivery_rating_request = True
        cls.company_b.delivery_rating_request = True
        cls.warehouse = {company: cls.env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
                         for company in (cls.company_a, cls.company_b)}
        cls._order(cls.customer, '2025-12-01', [(cls.product_1, 1.0, 100.0)])
        cls._order(cls.customer, '2025-12-30', [(cls.product_2, 2.0, 50.0)])
        cls._refresh()

    def _deliver(self, partner=None, company=None, products=None):
        """A done delivery of a sale order of partner (the customer) in company (A), sold by the
        salesman, of products (the chair), one unit each, ordered on 2025-12-15."""
        company = company or self.company_a
        order = self.env['sale.order'].create({
            'partner_id': (partner or self.customer).id, 'company_id': company.id,
            'warehouse_id': self.warehouse[company].id, 'pricelist_id': self.pricelist_xca.id,
            'date_order': '2025-12-15 10:00:00',
            'user_id': self.salesman.id if company == self.company_a else False,
            'team_id': self.team.id if company == self.company_a else False,
            'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 1.0, 'price_unit': 10.0,
                                   'product_uom': product.uom_id.id, 'name': product.name, 'tax_id': [(5, 0, 0)]})
                           for product in products or [self.chair]]})
        order.action_confirm()
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        for move in picking.move_lines:
            move.quantity_done = move.product_uom_qty
        picking.action_done()
        self.assertEqual(picking.state, 'done')
        return picking

    def _rating_mails(self, record):
        return self.env['mail.mail'].search([('model', '=', record._name), ('res_id', '=', record.id),
                                             ('body_html', 'ilike', '/rating/')])

    def _rate(self, record, score, date):
        """The customer clicks face score of record's rating email (as Odoo's page writes it) on date."""
        rating = record.rating_ids
        rating.sudo().write({'rating': score, 'consumed': True})
        self.env.cr.execute('UPDATE rating_rating SET write_date = %s WHERE id = %s', [date, rating.id])
        rating.invalidate_cache()
        return rating

    def test_a_done_delivery_emails_the_rating_links_once(self):
        picking = self._deliver(products=[self.chair, self.lamp])
        mail = self._rating_mails(picking)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.subject, 'How was your delivery? %s' % picking.name)
        rating = picking.rating_ids
        self.assertEqual((len(rating), rating.partner_id, rating.consumed), (1, self.customer, False))
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url')
        for score in (10, 5, 1):
            self.assertIn('%s/rating/%s/%s' % (base_url, rating.access_token, score), mail.body_html)
        self.assertTrue(picking.rating_request_date)
        # validated again (a retried call): no second request, no second token
        picking.action_done()
        picking._request_delivery_rating()
        self.assertEqual((len(self._rating_mails(picking)), len(picking.rating_ids)), (1, 1))

    def test_no_rating_email_when_off_or_opted_out(self):
        self.company_a.delivery_rating_request = False
        picking = self._deliver()
        self.assertEqual((self._rating_mails(picking), picking.rating_request_date), (self.env['mail.mail'], False))
        self.company_a.delivery_rating_request = True
        opted_out = self._customer('Opted out customer', email='no@customer.example', opt_out=True)
        contact = self.env['res.partner'].create({'name': 'Buyer of an opted-out company', 'parent_id': opted_out.id,
                                                  'email': 'buyer@opted.example'})
        # a contact of a company that opted out (the contact's own opt-out: the request below)
        picking = self._deliver(contact)
        self.assertFalse(self._rating_mails(picking))
        self.assertFalse(picking.rating_ids)
        # the same rule for the rating email of a solved request
        request = self._request(partner_id=opted_out.id)
        request.write({'stage_id': self.stage['solved'].id})
        self.assertFalse(self._rating_mails(request))

    def test_a_low_rating_is_posted_and_makes_the_customer_at_risk(self):
        row = self._row(self.customer)
        picking = self._deliver()
        self._refresh()
        self.assertNotEqual(row.customer_stage, 'at_risk')
        self._rate(picking, 1, '2025-12-20 10:00:00')
        note = picking.message_ids[0]
        self.assertEqual(note.body, '<p>The customer rated the delivery: Highly dissatisfied.</p>')
        self.assertEqual((note.author_id, note.subtype_id), (self.customer, self.env.ref('mail.mt_note')))
        partner = self.customer.with_context(crm_erp_service_now=self.NOW, force_company=self.company_a.id)
        self.assertEqual((partner.service_rating_last, partner.service_rating_last_date,
                          partner.service_rating_count, partner.service_csat),
                         ('highly_dissatisfied', '2025-12-20 10:00:00', 1, 0.0))
        profile, = partner.get_customer_360([self.customer.id])
        self.assertEqual((profile['service_rating_last'], profile['service_csat']), ('highly_dissatisfied', 0.0))
        self._refresh()
        self.assertEqual(row.customer_stage, 'at_risk')
        change = self.env['crm.erp.partner.stage.history'].search(
            [('partner_id', '=', self.customer.id), ('company_id', '=', self.company_a.id)], limit=1)
        self.assertEqual((change.to_stage, change.reason), ('at_risk', 'service_low_rating'))

    def test_report_per_channel_product_salesperson_and_month(self):
        self.customer.user_id = self.leader
        picking = self._deliver(products=[self.chair, self.lamp])
        self._rate(picking, 10, '2025-11-05 10:00:00')
        request = self._request(product_ids=[(6, 0, self.chair.ids)])
        request.write({'stage_id': self.stage['solved'].id})
        self._rate(request, 1, '2025-12-02 10:00:00')
        Report = self.env['crm.erp.service.rating.report']
        domain = [('partner_id', '=', self.customer.id)]

        def figures(groupby):
            groups = Report.read_group(domain, [groupby.split(':')[0], 'csat', 'rating_count'], [groupby],
                                       orderby=groupby)
            return {(group[groupby][0] if isinstance(group[groupby], tuple) else group[groupby]):
                    (round(group['csat'], 1), group['rating_count']) for group in groups}
        # each rating once per channel, salesperson (the order's, else the customer's) and month
        self.assertEqual(figures('channel'), {'delivery': (100.0, 1), 'service': (0.0, 1)})
        self.assertEqual(figures('salesperson_id'), {self.salesman.id: (100.0, 1), self.leader.id: (0.0, 1)})
        self.assertEqual(figures('team_id'), {self.team.id: (50.0, 2)})
        self.assertEqual(sorted(figures('date:month').values()), [(0.0, 1), (100.0, 1)])
        # per product: the delivery counts for both its products, the request for its chair
        self.assertEqual(figures('product_id'), {self.chair.id: (50.0, 2), self.lamp.id: (100.0, 1)})
        groups = Report.read_group(domain + [('product_id', '=', self.lamp.id)], ['channel', 'csat', 'rating_count'],
                                   ['channel'])
        self.assertEqual([(group['channel'], group['rating_count']) for group in groups], [('delivery', 1)])
        row = Report.search(domain + [('channel', '=', 'delivery')], limit=1)
        self.assertEqual((row.picking_id, row.sale_order_id, row.team_id, row.rating_text),
                         (picking, picking.sale_id, self.team, 'satisfied'))

    def test_ratings_of_the_own_company_only(self):
        request = self._request()
        request.write({'stage_id': self.stage['solved'].id})
        self._rate(request, 10, '2025-12-10 10:00:00')
        picking_b = self._deliver(company=self.company_b)
        self.assertEqual(picking_b.company_id, self.company_b)
        self._rate(picking_b, 1, '2025-12-20 10:00:00')
        manager_b = self._user('svc_manager_b', self.company_b, 'crm_erp_bridge.group_crm_erp_service_manager')
        Report = self.env['crm.erp.service.rating.report']
        rows_a = Report.sudo(self.leader).search([('partner_id', '=', self.customer.id)])
        rows_b = Report.sudo(manager_b).search([('partner_id', '=', self.customer.id)])
        self.assertEqual((rows_a.mapped('company_id'), rows_a.mapped('rating')), (self.company_a, [10.0]))
        self.assertEqual((rows_b.mapped('company_id'), rows_b.mapped('rating')), (self.company_b, [1.0]))
        with self.assertRaises(AccessError):
            Report.sudo(manager_b).browse(rows_a.ids).read(['rating'])
        # company A's figures and stage ignore company B's low rating
        partner = self.customer.with_context(crm_erp_service_now=self.NOW, force_company=self.company_a.id)
        self.assertEqual((partner.service_rating_last, partner.service_csat), ('satisfied', 100.0))
        self._refresh()
        self.assertNotEqual(self._row(self.customer).customer_stage, 'at_risk')
