from odoo.exceptions import AccessError

from .service_request_common import ServiceRequestCase


class TestServiceRights(ServiceRequestCase):
    """Groups Service user / Service manager (docs/rights.md), the company record rules, and
    customers (portal) who never see internal notes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._user('svc_rights_salesman', cls.company_a, 'sales_team.group_sale_salesman')
        cls.owner_b = cls._user('svc_owner_b', cls.company_b, 'crm_erp_bridge.group_crm_erp_service_user')

    def test_groups(self):
        def has(user, group):
            return user.has_group('crm_erp_bridge.group_crm_erp_' + group)
        self.assertTrue(has(self.owner, 'bridge_user'))  # a service user sees the Customer 360
        self.assertFalse(has(self.owner, 'service_manager'))
        self.assertTrue(has(self.leader, 'service_user'))
        self.assertFalse(has(self.salesman, 'service_user'))
        sales_manager = self._user('svc_sales_manager', self.company_a, 'sales_team.group_sale_manager')
        self.assertTrue(has(sales_manager, 'service_manager'))

    def test_who_does_what(self):
        request = self._request()
        # a salesman reads the requests of their companies, does not handle them
        self.assertEqual(request.sudo(self.salesman).name, 'Broken desk')
        with self.assertRaises(AccessError):
            request.sudo(self.salesman).write({'priority': '2'})
        with self.assertRaises(AccessError):
            self.Request.sudo(self.salesman).create({'name': 'x', 'company_id': self.company_a.id})
        # a service user handles them, does not delete them nor change the service level
        request.sudo(self.owner).write({'priority': '2', 'stage_id': self.stage['in_progress'].id})
        created = self.Request.sudo(self.owner).create({'name': 'Call back', 'partner_id': self.customer.id})
        self.assertEqual(created.company_id, self.company_a)
        with self.assertRaises(AccessError):
            created.sudo(self.owner).unlink()
        deadline = self.env['crm.erp.service.deadline'].search([('company_id', '=', self.company_a.id)])
        with self.assertRaises(AccessError):
            deadline.sudo(self.owner).write({'response_hours': 1.0})
        # a service manager does
        deadline.sudo(self.leader).write({'response_hours': 1.0})
        created.sudo(self.leader).unlink()

    def test_cross_company(self):
        request_a = self._request()
        request_b = self._request(company_id=self.company_b.id, user_id=self.owner_b.id, team_id=False)
        Request_b = self.Request.sudo(self.owner_b)
        self.assertEqual(Request_b.search([('id', 'in', (request_a | request_b).ids)]), request_b)
        with self.assertRaises(AccessError):
            request_a.sudo(self.owner_b).read(['name'])
        with self.assertRaises(AccessError):
            request_a.sudo(self.owner_b).write({'priority': '3'})
        with self.assertRaises(AccessError):
            Request_b.create({'name': 'Into A', 'company_id': self.company_a.id})
        with self.assertRaises(AccessError):
            request_b.sudo(self.owner_b).write({'company_id': self.company_a.id})
        with self.assertRaises(AccessError):
            request_a.sudo(self.owner_b).action_escalate()
        # the counts of a company are its own requests'
        partner = self.customer.with_context(crm_erp_service_now='2025-12-02 00:00:00')
        self.assertEqual(partner.sudo(self.owner_b).service_request_open_count, 1)
        self.assertEqual(partner.sudo(self.owner).service_request_open_count, 1)
        self.assertEqual(len(self.Request.sudo(self.owner).read_group(
            [], ['company_id'], ['company_id'])), 1)
        # company B's user reads the deadline rows of B (none) and the default ones, not A's
        rows = self.env['crm.erp.service.deadline'].sudo(self.owner_b).search([])
        self.assertNotIn(self.company_a, rows.mapped('company_id'))
        self.assertTrue(rows)

    def test_customers_never_see_internal_notes(self):
        request = self._request()
        portal = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Portal buyer', 'login': 'svc_portal_buyer', 'partner_id': self.customer.id,
            'groups_id': [(6, 0, [self.env.ref('base.group_portal').id])]})
        note = request.sudo(self.owner).message_post(body='Customer is difficult', subtype='mail.mt_note',
                                                     message_type='comment')
        reply = request.sudo(self.owner).message_post(body='A new desk is on its way', subtype='mail.mt_comment',
                                                      message_type='comment')
        # the customer follows the request: notified of the reply, not of the note
        self.assertIn(self.customer, request.message_partner_ids)
        self.assertIn(self.customer, reply.notification_ids.mapped('res_partner_id'))
        self.assertNotIn(self.customer, note.notification_ids.mapped('res_partner_id'))
        # and, logged in to the portal, reads neither the request nor its notes
        with self.assertRaises(AccessError):
            request.sudo(portal).read(['name'])
        with self.assertRaises(AccessError):
            note.sudo(portal).read(['body'])
        self.assertFalse(self.env['mail.message'].sudo(portal).search([('id', '=', note.id)]))
