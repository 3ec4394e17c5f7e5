from .service_request_common import ServiceRequestCase


class TestServiceCustomer360(ServiceRequestCase):
    """Requests in the Customer 360: open and overdue counts on the partner and in
    get_customer_360, the stage rule service_overdue (At risk while a request is overdue), and
    the request form's summary of the customer. Figures as of 2025-12-31; the customer orders
    on 12-01 and 12-30 (Repeat)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._order(cls.customer, '2025-12-01', [(cls.product_1, 1.0, 100.0)])
        cls._order(cls.customer, '2025-12-30', [(cls.product_2, 2.0, 50.0)])
        cls._order(cls.customer, '2025-12-30', [(cls.product_2, 1.0, 70.0)], confirm=False)
        cls._refresh()

    def _partner(self, now='2025-12-31 10:00:00'):
        return self.customer.with_context(crm_erp_service_now=now, force_company=self.company_a.id)

    def test_counts_on_the_partner_and_in_get_customer_360(self):
        self.assertEqual((self._partner().service_request_open_count,
                          self._partner().service_request_overdue_count), (0, 0))
        self._request(received='2025-12-31 08:00:00')  # due 12:00
        self._request(received='2025-12-30 08:00:00')  # overdue since 12-30 12:00
        self._request(received='2025-12-30 08:00:00', stage_id=self.stage['solved'].id)
        self._request(received='2025-12-30 08:00:00', company_id=self.company_b.id, user_id=False,
                      team_id=False)  # another company
        partner = self._partner()
        self.assertEqual((partner.service_request_open_count, partner.service_request_overdue_count), (2, 1))
        contact = self.env['res.partner'].create({'name': 'Buyer contact', 'parent_id': self.customer.id})
        profile, = contact.with_context(crm_erp_service_now='2025-12-31 10:00:00').get_customer_360([contact.id])
        self.assertEqual((profile['service_request_open_count'], profile['service_request_overdue_count']), (2, 1))

    def test_overdue_request_makes_the_customer_at_risk_until_solved(self):
        row = self._row(self.customer)
        self.assertEqual(row.customer_stage, 'repeat')
        request = self._request(received='2025-12-30 08:00:00')  # overdue on 12-31
        self.assertEqual(row.customer_stage, 'at_risk')
        change = self.env['crm.erp.partner.stage.history'].search(
            [('partner_id', '=', self.customer.id), ('company_id', '=', self.company_a.id)], limit=1)
        self.assertEqual((change.from_stage, change.to_stage, change.reason), ('repeat', 'at_risk', 'service_overdue'))
        request.stage_id = self.stage['solved']
        self.assertEqual(row.customer_stage, 'repeat')

    def test_an_answer_ends_the_response_overdue(self):
        # at the end of 12-31 the response deadline (12:00) has passed unanswered
        request = self._request(received='2025-12-31 08:00:00')
        self.assertEqual(self._row(self.customer).customer_stage, 'at_risk')
        # answered at 11:00; the solution deadline is 01-01 08:00
        request.write({'date_first_response': '2025-12-31 11:00:00'})
        self.assertEqual(self._row(self.customer).customer_stage, 'repeat')
        self._request(received='2025-12-31 08:00:00', date_first_response='2025-12-31 09:00:00')
        self.assertEqual(self._row(self.customer).customer_stage, 'repeat')

    def test_summary_of_the_customer_on_the_request(self):
        request = self._request(received='2025-12-31 08:00:00', date_first_response='2025-12-31 09:00:00')
        request = request.sudo(self.owner)
        self.assertEqual(request.customer_stage, 'repeat')
        self.assertEqual(request.customer_order_count, 2)
        self.assertEqual(request.customer_revenue, 200.0)
        self.assertEqual(request.customer_last_order_date, '2025-12-30')
        html = request.customer_orders_html
        self.assertIn('Last orders', html)
        self.assertIn('Open quotations', html)
        orders = self.env['sale.order'].search([('partner_id', '=', self.customer.id)], order='id')
        for order in orders:
            self.assertIn(order.name, html)
