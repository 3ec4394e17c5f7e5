from datetime import datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import AccessError

from .concurrency_common import ConcurrentCase
from .service_request_common import ServiceRequestCase


class TestServiceEscalation(ServiceRequestCase):
    """The escalation cron: a missed deadline tells the owner once, then after the grace hours
    the team leader once (company A, Normal: respond within 4 h, solve within 24 h, leader 2 h
    later; received 2025-12-01 08:00, so the response deadline is 12:00)."""

    def _run(self, at):
        self.Request.with_context(crm_erp_service_now=at)._cron_escalate()

    def _activities(self, request, user):
        return self.env['mail.activity'].search([('res_model', '=', request._name), ('res_id', '=', request.id),
                                                 ('user_id', '=', user.id)])

    def _notes_to(self, request, user):
        return request.message_ids.filtered(lambda message: user.partner_id in message.partner_ids)

    def test_cron_runs_every_15_minutes(self):
        cron = self.env.ref('crm_erp_bridge.crm_erp_service_request_escalation_cron')
        self.assertEqual((cron.interval_number, cron.interval_type, cron.numbercall), (15, 'minutes', -1))
        self.assertTrue(cron.active)

    def test_unanswered_request_escalated_within_one_cron_period(self):
        request = self._request()
        self._run('2025-12-01 11:59:00')  # before the deadline: nothing
        self.assertEqual(request.response_escalation, 'none')
        self.assertFalse(self._activities(request, self.owner))
        # the first run after the deadline (at most one period, 15 minutes, later) tells the owner
        self._run('2025-12-01 12:14:59')
        self.assertEqual(request.response_escalation, 'owner')
        self.assertEqual(len(self._activities(request, self.owner)), 1)
        self.assertEqual(len(self._notes_to(request, self.owner)), 1)
        self.assertFalse(self._activities(request, self.leader))
        # once: the next runs before the grace hours tell nobody
        self._run('2025-12-01 12:30:00')
        self._run('2025-12-01 13:59:00')
        self.assertEqual(len(self._activities(request, self.owner)), 1)
        self.assertFalse(self._activities(request, self.leader))
        # 2 hours after the deadline: the team leader, once
        self._run('2025-12-01 14:00:00')
        self._run('2025-12-01 14:15:00')
        self.assertEqual(request.response_escalation, 'leader')
        self.assertEqual(len(self._activities(request, self.leader)), 1)
        self.assertEqual(len(self._notes_to(request, self.leader)), 1)
        self.assertEqual(len(self._activities(request, self.owner)), 1)
        # the solution deadline (2025-12-02 08:00) is a second deadline: the owner again, once
        self._run('2025-12-02 08:10:00')
        self._run('2025-12-02 08:20:00')
        self.assertEqual(request.resolution_escalation, 'owner')
        self.assertEqual(len(self._activities(request, self.owner)), 2)

    def test_answered_or_solved_requests_are_not_escalated(self):
        answered = self._request()
        answered.sudo(self.owner).message_post(body='We are on it', subtype='mail.mt_comment',
                                               message_type='comment')
        solved = self._request(stage_id=self.stage['solved'].id)
        self._run('2025-12-01 16:00:00')
        self.assertEqual((answered.response_escalation, solved.response_escalation), ('none', 'none'))
        self.assertFalse(self._activities(answered, self.owner) | self._activities(solved, self.owner))

    def test_no_owner_tells_the_team_leader(self):
        request = self._request(user_id=False)
        self._run('2025-12-01 12:15:00')
        self.assertEqual(request.response_escalation, 'owner')
        self.assertEqual(len(self._activities(request, self.leader)), 1)

    def test_escalate_now_rights(self):
        request = self._request()
        salesman = self._user('svc_salesman', self.company_a, 'sales_team.group_sale_salesman')
        with self.assertRaises(AccessError):
            request.sudo(salesman).action_escalate()
        count = request.sudo(self.owner).with_context(crm_erp_service_now='2025-12-01 12:01:00').action_escalate()
        self.assertEqual(count, 1)


class TestServiceEscalationConcurrency(ConcurrentCase):
    """Two escalations of the same overdue request at the same moment, in two real transactions
    (a cron worker and a user's button): the owner is told once."""

    def _overdue_request(self):
        """A committed request whose response deadline passed an hour ago (removed at the end)."""
        received = datetime.utcnow() - timedelta(hours=25)  # default Normal: response within 24 h

        def create(env):
            return env['crm.erp.service.request'].create({
                'name': 'Escalation race', 'partner_id': env.ref('base.res_partner_2').id,
                'company_id': env.ref('base.main_company').id, 'user_id': SUPERUSER_ID,
                'date_received': fields.Datetime.to_string(received)}).id
        request_id = self.commit(create)
        self.addCleanup(self.commit, lambda env: env['crm.erp.service.request'].browse(request_id).unlink())
        return request_id

    def _activities(self, request_id):
        with self.rolled_back() as env:
            return len(env['mail.activity'].search([('res_model', '=', 'crm.erp.service.request'),
                                                    ('res_id', '=', request_id)]))

    def test_two_cursors_claim_once(self):
        """The statement itself, in two transactions without Odoo's retry: one claims, the
        other claims nothing or fails with a serialization error (and is rolled back)."""
        request_id = self._overdue_request()
        now = fields.Datetime.now()

        def escalate():
            with self.committed() as env:
                return len(env['crm.erp.service.request']._escalate(now, [request_id]))
        outcomes = self.race(escalate, escalate)
        self.assertEqual(sum(result or 0 for result, _error in outcomes), 1)
        self.assertEqual([error for _result, error in outcomes
                          if error and not isinstance(error, psycopg2.extensions.TransactionRollbackError)], [])
        self.assertEqual(self._activities(request_id), 1)

    def test_two_runs_at_once_tell_the_owner_once(self):
        request_id = self._overdue_request()
        outcomes = self.race(*[lambda: self.execute('crm.erp.service.request', 'action_escalate', [request_id])] * 2)
        self.assertNoError(outcomes)
        self.assertEqual(sorted(result for result, _error in outcomes), [0, 1])
        with self.rolled_back() as env:
            request = env['crm.erp.service.request'].browse(request_id)
            self.assertEqual((request.response_escalation, request.resolution_escalation), ('owner', 'none'))
            activities = env['mail.activity'].search([('res_model', '=', request._name), ('res_id', '=', request_id)])
            self.assertEqual(len(activities), 1)
