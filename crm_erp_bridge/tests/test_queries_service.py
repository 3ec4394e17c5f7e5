from ..queries import service
from .service_request_common import ServiceRequestCase


class TestQueriesService(ServiceRequestCase):
    """queries/service.py on requests of company A (Normal: respond within 4 h, solve within
    24 h, team leader 2 h after a missed deadline) received on 2025-12-01."""

    def test_claim_escalations_is_set_based_and_once(self):
        first, second = self._request(), self._request(received='2025-12-01 09:00:00')
        answered = self._request(date_first_response='2025-12-01 08:30:00')
        solved = self._request(stage_id=self.stage['solved'].id)
        ids = (first | second | answered | solved).ids
        self.assertEqual(service.claim_escalations(self.env.cr, '2025-12-01 11:59:59', ids), [])
        claimed = service.claim_escalations(self.env.cr, '2025-12-01 13:30:00', ids)
        self.assertEqual(sorted(claimed), [(first.id, 'response', 'owner'), (second.id, 'response', 'owner')])
        self.assertEqual(service.claim_escalations(self.env.cr, '2025-12-01 13:30:00', ids), [])
        # 14:00: the first's grace ends (12:00 + 2 h), not the second's (13:00 + 2 h)
        self.assertEqual(service.claim_escalations(self.env.cr, '2025-12-01 14:00:00', ids),
                         [(first.id, 'response', 'leader')])
        # a day later: the solution deadlines of the three open ones, and the second's leader
        self.assertEqual(sorted(service.claim_escalations(self.env.cr, '2025-12-02 09:30:00', ids)), sorted([
            (first.id, 'resolution', 'owner'), (second.id, 'response', 'leader'),
            (second.id, 'resolution', 'owner'), (answered.id, 'resolution', 'owner')]))
        # the levels are stored: what the ORM reads
        first.invalidate_cache()
        self.assertEqual((first.response_escalation, first.resolution_escalation), ('leader', 'owner'))
        self.assertEqual((solved.response_escalation, solved.resolution_escalation), ('none', 'none'))

    def test_request_counts(self):
        other = self._customer('Other service customer')
        contact = self.env['res.partner'].create({'name': 'Buyer contact', 'parent_id': self.customer.id})
        self._request()  # overdue from 12:00
        self._request(partner_id=contact.id, date_first_response='2025-12-01 09:00:00')  # open, answered
        self._request(stage_id=self.stage['closed'].id)
        self._request(active=False)
        self._request(company_id=self.company_b.id, user_id=False, team_id=False)
        ids = [self.customer.id, other.id]
        self.assertEqual(service.request_counts(self.env.cr, ids, self.company_a.id, '2025-12-01 13:00:00'),
                         {self.customer.id: (2, 1)})
        self.assertEqual(service.request_counts(self.env.cr, ids, self.company_a.id, '2025-12-01 11:00:00'),
                         {self.customer.id: (2, 0)})
        # company B has no row of its own: the default Normal row gives 24 h to respond
        self.assertEqual(service.request_counts(self.env.cr, ids, self.company_b.id, '2025-12-01 13:00:00'),
                         {self.customer.id: (1, 0)})
        self.assertEqual(service.customers_with_overdue_requests(self.env.cr, ids, self.company_a.id,
                                                                 '2025-12-01 13:00:00'), {self.customer.id})
        self.assertEqual(service.customers_with_overdue_requests(self.env.cr, ids, self.company_a.id,
                                                                 '2025-12-01 11:00:00'), set())

    def test_overdue_sql_agrees_with_the_model(self):
        requests = (self._request() | self._request(date_first_response='2025-12-01 09:00:00')
                    | self._request(stage_id=self.stage['solved'].id) | self._request(received='2025-11-01 08:00:00'))
        at = '2025-12-01 13:00:00'
        self.env.cr.execute(
            "SELECT r.id FROM crm_erp_service_request r LEFT JOIN crm_erp_service_stage st ON st.id = r.stage_id"
            " WHERE r.id = ANY(%(ids)s) AND " + service.overdue_sql('%(at)s::timestamp') + " ORDER BY r.id",
            {'ids': requests.ids, 'at': at})
        self.assertEqual([row[0] for row in self.env.cr.fetchall()],
                         sorted(requests.with_context(crm_erp_service_now=at).filtered('is_overdue').ids))
