from odoo.exceptions import ValidationError

from .service_request_common import ServiceRequestCase


class TestServiceRequest(ServiceRequestCase):
    """crm.erp.service.request: deadlines from the company's table, stages and their dates, the
    first response, and the validation of the linked documents."""

    def test_deadlines_from_the_company_row_else_the_default(self):
        request = self._request()
        self.assertEqual(request.stage_id, self.stage['new'])
        self.assertEqual(request.date_response_deadline, '2025-12-01 12:00:00')
        self.assertEqual(request.date_resolution_deadline, '2025-12-02 08:00:00')
        self.assertEqual(request.escalation_grace_hours, 2.0)
        # Urgent: company A has no row of its own, the default row (2 h, 24 h, 1 h) applies
        request.priority = '3'
        self.assertEqual(request.date_response_deadline, '2025-12-01 10:00:00')
        self.assertEqual(request.date_resolution_deadline, '2025-12-02 08:00:00')
        self.assertEqual(request.escalation_grace_hours, 1.0)
        # a new company row for Urgent replaces the default, for new requests
        self.env['crm.erp.service.deadline'].create({
            'company_id': self.company_a.id, 'priority': '3', 'response_hours': 1.0, 'resolution_hours': 6.0})
        self.assertEqual(self._request(priority='3').date_resolution_deadline, '2025-12-01 14:00:00')

    def test_deadline_rows_are_positive_and_unique(self):
        Deadline = self.env['crm.erp.service.deadline']
        with self.assertRaises(ValidationError):
            Deadline.create({'company_id': self.company_b.id, 'priority': '2', 'response_hours': 0.0,
                             'resolution_hours': 4.0})
        with self.assertRaises(ValidationError):
            Deadline.create({'company_id': self.company_b.id, 'priority': '2', 'response_hours': 2.0,
                             'resolution_hours': -1.0})
        with self.assertRaises(ValidationError):
            Deadline.create({'company_id': self.company_a.id, 'priority': '1', 'response_hours': 2.0,
                             'resolution_hours': 4.0})

    def test_solved_date_follows_the_stage(self):
        request = self._request()
        self.assertFalse(request.date_solved)
        request.with_context(crm_erp_service_now='2025-12-01 15:00:00').stage_id = self.stage['solved']
        self.assertEqual(request.date_solved, '2025-12-01 15:00:00')
        # closing a solved request keeps the day it was solved
        request.with_context(crm_erp_service_now='2025-12-05 10:00:00').stage_id = self.stage['closed']
        self.assertEqual(request.date_solved, '2025-12-01 15:00:00')
        request.stage_id = self.stage['in_progress']
        self.assertFalse(request.date_solved)

    def test_first_response_is_a_reply_to_the_customer_not_a_note(self):
        request = self._request().sudo(self.owner)
        request.message_post(body='Looking into it', subtype='mail.mt_note', message_type='comment')
        self.assertFalse(request.date_first_response)
        # the customer writing does not count either
        request.sudo().message_post(body='Any news?', subtype='mail.mt_comment', message_type='email',
                                    author_id=self.customer.id)
        self.assertFalse(request.date_first_response)
        message = request.message_post(body='We send a new desk', subtype='mail.mt_comment',
                                       message_type='comment')
        self.assertEqual(request.date_first_response, message.date)
        request.message_post(body='Shipped', subtype='mail.mt_comment', message_type='comment')
        self.assertEqual(request.date_first_response, message.date)

    def test_overdue(self):
        request = self._request()
        at = self.Request.with_context
        self.assertFalse(request.with_context(crm_erp_service_now='2025-12-01 11:59:59').is_overdue)
        self.assertTrue(request.with_context(crm_erp_service_now='2025-12-01 12:00:01').is_overdue)
        self.assertIn(request, at(crm_erp_service_now='2025-12-01 12:00:01').search([('is_overdue', '=', True)]))
        self.assertNotIn(request, at(crm_erp_service_now='2025-12-01 12:00:01').search([('is_overdue', '=', False)]))
        request.write({'date_first_response': '2025-12-01 12:30:00'})
        self.assertFalse(request.with_context(crm_erp_service_now='2025-12-01 13:00:00').is_overdue)
        self.assertTrue(request.with_context(crm_erp_service_now='2025-12-02 08:00:01').is_overdue)
        request.stage_id = self.stage['solved']
        self.assertFalse(request.with_context(crm_erp_service_now='2025-12-03 00:00:00').is_overdue)

    def test_sale_order_of_another_customer_or_company(self):
        other = self._customer('Another customer')
        own_order = self._order(self.customer, '2025-11-01', [(self.product_1, 1.0, 10.0)])
        self.assertEqual(self._request(sale_order_id=own_order.id).sale_order_id, own_order)
        other_order = self._order(other, '2025-11-01', [(self.product_1, 1.0, 10.0)])
        with self.assertRaises(ValidationError):
            self._request(sale_order_id=other_order.id)
        order_b = self._order(self.customer, '2025-11-01', [(self.product_1, 1.0, 10.0)], company=self.company_b)
        with self.assertRaises(ValidationError):
            self._request(sale_order_id=order_b.id)
        # changing the customer of a request with an order is checked too
        request = self._request(sale_order_id=own_order.id)
        with self.assertRaises(ValidationError):
            request.partner_id = other

    def test_customer_follows_and_gets_the_email_address(self):
        request = self._request()
        self.assertEqual(request.email_from, 'buyer@customer.example')
        self.assertIn(self.customer, request.message_partner_ids)

    def test_demo_requests_in_every_stage(self):
        demo = self.Request.search([('name', 'in', (
            'Office chair squeaks after two weeks', 'Standing desk motor stops half-way',
            'Invoice address of the last order', 'Desk lamps delivered without bulbs',
            'How to mount the monitor arm on a glass desk'))])
        self.assertEqual(demo.mapped('stage_id'), self.env['crm.erp.service.stage'].search([]))
        self.assertEqual(set(demo.mapped('kind')), {'request', 'complaint'})
        self.assertTrue(all(demo.filtered('is_solved').mapped('date_solved')))
