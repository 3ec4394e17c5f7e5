from odoo.exceptions import AccessError

from .service_request_common import ServiceRequestCase


class TestServiceSatisfaction(ServiceRequestCase):
    """Satisfaction figures (docs/service-requests.md, "Satisfaction"): the last rating and CSAT
    (% satisfied, last 12 months) on the partner and in get_customer_360, the ratings report per
    team and owner with its company rule, and the stage rule service_low_rating. Figures as of
    2025-12-31; the customer orders on 12-01 and 12-30 (Repeat); ratings dated by hand."""

    NOW = '2025-12-31 10:00:00'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._order(cls.customer, '2025-12-01', [(cls.product_1, 1.0, 100.0)])
        cls._order(cls.customer, '2025-12-30', [(cls.product_2, 2.0, 50.0)])
        cls._refresh()

    def _rate(self, score, date, **vals):
        """A request solved and rated score (a click on a face) on date (UTC)."""
        request = self._request(received='2025-01-01 08:00:00', date_first_response='2025-01-01 09:00:00', **vals)
        request.write({'stage_id': self.stage['solved'].id})
        rating = request.rating_ids
        rating.sudo().write({'rating': score, 'consumed': True})
        self.env.cr.execute('UPDATE rating_rating SET write_date = %s WHERE id = %s', [date, rating.id])
        rating.invalidate_cache()
        return request

    def _partner(self, now=NOW):
        return self.customer.with_context(crm_erp_service_now=now, force_company=self.company_a.id)

    def test_last_rating_and_csat_on_the_partner_and_in_get_customer_360(self):
        partner = self._partner()
        self.assertEqual((partner.service_rating_last, partner.service_rating_count, partner.service_csat),
                         (False, 0, 0.0))
        self._rate(10, '2024-12-01 10:00:00')  # more than 12 months before: last rating only
        self._rate(10, '2025-03-01 10:00:00')
        self._rate(5, '2025-06-01 10:00:00')
        self._rate(10, '2025-11-01 10:00:00')
        self._rate(1, '2025-12-20 10:00:00')
        self._rate(1, '2026-01-05 10:00:00')  # after now: not yet
        self._rate(1, '2025-12-01 10:00:00', company_id=self.company_b.id, user_id=False, team_id=False)
        partner = self._partner()
        self.assertEqual((partner.service_rating_last, partner.service_rating_last_date,
                          partner.service_rating_count, partner.service_csat),
                         ('highly_dissatisfied', '2025-12-20 10:00:00', 4, 50.0))
        profile, = partner.get_customer_360([self.customer.id])
        self.assertEqual((profile['service_rating_last'], profile['service_rating_last_date'],
                          profile['service_rating_count'], profile['service_csat']),
                         ('highly_dissatisfied', '2025-12-20 10:00:00', 4, 50.0))
        # a year later: ratings of the last 12 months up to 2026-12-15, the one of 2026-01-05
        partner = self._partner('2026-12-15 10:00:00')
        self.assertEqual((partner.service_rating_last, partner.service_rating_count, partner.service_csat),
                         ('highly_dissatisfied', 2, 0.0))

    def test_report_per_team_and_owner(self):
        other_team = self.env['crm.team'].create({'name': 'Service A2', 'company_id': self.company_a.id})
        self._rate(10, '2025-11-01 10:00:00')
        self._rate(5, '2025-11-02 10:00:00')
        self._rate(10, '2025-12-01 10:00:00', team_id=other_team.id)
        Report = self.env['crm.erp.service.rating.report']
        groups = Report.read_group([('partner_id', '=', self.customer.id)],
                                   ['team_id', 'csat', 'rating', 'rating_count'], ['team_id'], orderby='team_id')
        self.assertEqual(sorted((group['team_id'][0], round(group['csat'], 1), group['rating'],
                                 group['rating_count']) for group in groups),
                         sorted([(self.team.id, 50.0, 7.5, 2), (other_team.id, 100.0, 10.0, 1)]))
        groups = Report.read_group([('partner_id', '=', self.customer.id)], ['date', 'csat', 'rating_count'],
                                   ['date:month'], orderby='date:month')
        self.assertEqual([(group['rating_count'], round(group['csat'], 1)) for group in groups],
                         [(2, 50.0), (1, 100.0)])
        row = Report.search([('partner_id', '=', self.customer.id), ('team_id', '=', self.team.id)],
                            order='date desc', limit=1)
        self.assertEqual((row.user_id, row.rating_text, row.kind), (self.owner, 'not_satisfied', 'complaint'))
        # per salesperson: the customer's
        self.customer.user_id = self.leader
        groups = Report.read_group([('partner_id', '=', self.customer.id)], ['salesperson_id', 'csat', 'rating_count'],
                                   ['salesperson_id'])
        self.assertEqual([(group['salesperson_id'][0], round(group['csat'], 1), group['salesperson_id_count'])
                          for group in groups], [(self.leader.id, 66.7, 3)])

    def test_report_rows_of_the_own_company_only(self):
        self._rate(10, '2025-11-01 10:00:00')
        self._rate(1, '2025-11-01 10:00:00', company_id=self.company_b.id, user_id=False, team_id=False)
        manager_b = self._user('svc_manager_b', self.company_b, 'crm_erp_bridge.group_crm_erp_service_manager')
        Report = self.env['crm.erp.service.rating.report']
        rows_a = Report.sudo(self.leader).search([('partner_id', '=', self.customer.id)])
        rows_b = Report.sudo(manager_b).search([('partner_id', '=', self.customer.id)])
        self.assertEqual((rows_a.mapped('company_id'), rows_a.mapped('rating')), (self.company_a, [10.0]))
        self.assertEqual((rows_b.mapped('company_id'), rows_b.mapped('rating')), (self.company_b, [1.0]))
        # the partner's figures: those of the user's company
        partner_b = self.customer.sudo(manager_b).with_context(crm_erp_service_now=self.NOW)
        self.assertEqual((partner_b.service_rating_last, partner_b.service_csat), ('highly_dissatisfied', 0.0))
        # a service user (not a manager) has no report
        with self.assertRaises(AccessError):
            Report.sudo(self.owner).search([])

    def test_a_recent_highly_dissatisfied_last_rating_makes_the_customer_at_risk(self):
        row = self._row(self.customer)
        self.assertEqual(row.customer_stage, 'repeat')
        self._rate(1, '2025-12-20 10:00:00')
        self._refresh()
        self.assertEqual(row.customer_stage, 'at_risk')
        change = self.env['crm.erp.partner.stage.history'].search(
            [('partner_id', '=', self.customer.id), ('company_id', '=', self.company_a.id)], limit=1)
        self.assertEqual((change.from_stage, change.to_stage, change.reason),
                         ('repeat', 'at_risk', 'service_low_rating'))
        # a later satisfied rating: the last rating is no longer low
        self._rate(10, '2025-12-28 10:00:00')
        self._refresh()
        self.assertEqual(row.customer_stage, 'repeat')

    def test_a_low_rating_older_than_90_days_or_not_the_last_does_not_count(self):
        row = self._row(self.customer)
        self._rate(1, '2025-09-01 10:00:00')  # 121 days before the reference day
        self._refresh()
        self.assertEqual(row.customer_stage, 'repeat')
        self._rate(5, '2025-12-20 10:00:00')  # not satisfied is not highly dissatisfied
        self._refresh()
        self.assertEqual(row.customer_stage, 'repeat')

    def test_a_prospect_with_a_low_rating_stays_a_prospect(self):
        prospect = self._customer('Prospect with a complaint', email='p@customer.example')
        self._rate(1, '2025-12-20 10:00:00', partner_id=prospect.id)
        self._refresh()
        self.assertEqual(self._row(prospect).customer_stage or 'prospect', 'prospect')
