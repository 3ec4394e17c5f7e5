from .service_request_common import ServiceRequestCase

NEW_EMAIL = """Return-Path: <buyer@customer.example>
To: Customer service <service@company.example>
From: A Buyer <Buyer@Customer.example>
Subject: The desk arrived broken
Message-ID: <svc-new-1@customer.example>
Date: Mon, 01 Dec 2025 08:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

The desk of my last order arrived with a broken leg.
"""

REPLY_EMAIL = """Return-Path: <buyer@customer.example>
To: Customer service <service@company.example>
From: A Buyer <buyer@customer.example>
Subject: Re: The desk arrived broken
Message-ID: <svc-reply-1@customer.example>
In-Reply-To: <svc-new-1@customer.example>
References: <svc-new-1@customer.example>
Date: Mon, 01 Dec 2025 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Here is a photo of the leg.
"""

UNKNOWN_SENDER_EMAIL = NEW_EMAIL.replace('Buyer@Customer.example', 'someone@nowhere.example').replace(
    'svc-new-1', 'svc-new-2')


class TestServiceRequestMail(ServiceRequestCase):
    """The mail gateway: an email to the service alias (data record, default sales team)
    creates a request for the customer of that address; a reply updates it."""

    def setUp(self):
        super().setUp()
        self.default_team = self.env.ref('sales_team.team_sales_department')
        self.MailThread = self.env['mail.thread']

    def test_alias_in_data(self):
        alias = self.env.ref('crm_erp_bridge.crm_erp_service_request_alias')
        self.assertEqual(alias.alias_name, 'service')
        self.assertEqual(alias.alias_model_id.model, 'crm.erp.service.request')

    def test_email_creates_a_request_for_the_customer_then_a_reply_updates_it(self):
        request_id = self.MailThread.message_process(None, NEW_EMAIL)
        request = self.Request.browse(request_id)
        self.assertEqual(request.name, 'The desk arrived broken')
        self.assertEqual(request.partner_id, self.customer)  # matched by email, whatever the case
        self.assertEqual(request.team_id, self.default_team)
        # the team's company, else the company of the gateway's user
        self.assertEqual(request.company_id, self.default_team.company_id or self.env.user.company_id)
        self.assertEqual(request.stage_id, self.stage['new'])
        self.assertFalse(request.user_id)
        self.assertIn('broken leg', request.description)
        self.assertIn(self.customer, request.message_partner_ids)
        self.assertTrue(request.message_ids.filtered(
            lambda message: message.message_type == 'email' and message.author_id == self.customer))
        # an email is no response of the staff
        self.assertFalse(request.date_first_response)

        # the request waits for the customer; their reply moves it back to in progress
        request.stage_id = self.stage['waiting']
        self.assertEqual(self.MailThread.message_process(None, REPLY_EMAIL), request.id)
        self.assertEqual(self.Request.search([('name', 'ilike', 'desk arrived broken')]), request)
        self.assertEqual(request.stage_id, self.stage['in_progress'])
        self.assertEqual(len(request.message_ids.filtered(lambda message: message.message_type == 'email')), 2)

    def test_email_of_an_unknown_sender(self):
        request = self.Request.browse(self.MailThread.message_process(None, UNKNOWN_SENDER_EMAIL))
        self.assertFalse(request.partner_id)
        self.assertIn('someone@nowhere.example', request.email_from)
        # its form reads (no Customer 360 summary without a customer)
        form = self.Request.fields_view_get(view_type='form')
        values = request.sudo(self.owner).read(list(form['fields']))[0]
        self.assertEqual((values['customer_stage'], values['customer_orders_html']), (False, False))
