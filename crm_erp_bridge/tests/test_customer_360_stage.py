from ..rules import CUSTOMER_STAGES
from .customer_360_common import Customer360Case


class TestCustomer360Stage(Customer360Case):
    """Lifecycle stage rules and their thresholds, manual lock, history and chatter. Company A
    has no RFM boundaries here (only incremental refreshes): no customer has a score or a
    segment, so no segment rule fires and each test sees one rule at a time. Its lifetime value
    model has fixed parameters (MBG/NBD r = 1, alpha = 30 days, a = 0.5, b = 1): a one-order
    customer silent for T days has P(alive) = 1 / (1 + 0.5 (30 + T) / 30)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_clv_model(cls.company_a, r=1.0, alpha=30.0, a=0.5, b=1.0)

    def _stage(self, partner, date_ref):
        self.Stats._refresh(self.company_a.ids, [partner.commercial_partner_id.id], date_ref=date_ref)
        row = self._row(partner)
        return row.customer_stage, self._history(partner)[-1:].reason

    def _history(self, partner):
        return self.env['crm.erp.partner.stage.history'].search(
            [('partner_id', '=', partner.id), ('company_id', '=', self.company_a.id)], order='id')

    def test_funnel_from_prospect_to_lost_leads(self):
        dora = self._customer('Dora', company_id=self.company_a.id)
        self.assertEqual(dora.customer_stage, 'prospect')
        lead = self.env['crm.lead'].create({'name': 'Dora lead', 'partner_id': dora.id, 'type': 'lead',
                                            'company_id': self.company_a.id})
        self.assertEqual(dora.customer_stage, 'lead')
        lead.write({'type': 'opportunity'})
        self.assertEqual(dora.customer_stage, 'opportunity')
        lead.action_set_lost()
        self.assertEqual(dora.customer_stage, 'lost')
        history = self._history(dora)
        self.assertEqual([(h.from_stage, h.to_stage, h.reason, h.date) for h in history], [
            ('prospect', 'lead', 'open_lead', self.DATE_REF),
            ('lead', 'opportunity', 'open_opportunity', self.DATE_REF),
            ('opportunity', 'lost', 'leads_lost', self.DATE_REF),
        ])
        self.assertEqual(history.mapped('days_in_from_stage'), [0, 0, 0])
        notes = self.env['mail.message'].search([('model', '=', 'res.partner'), ('res_id', '=', dora.id),
                                                 ('body', 'like', 'Lifecycle stage')], order='id')
        self.assertEqual(len(notes), 3)
        self.assertIn('Opportunity → Lost', notes[-1].body)
        # a reopened lead brings the customer back
        lead.action_set_active()
        self.assertEqual(dora.customer_stage, 'opportunity')

    def test_no_chatter_note_on_a_customer_other_companies_share(self):
        # The users of company B read the chatter of a shared customer: company A's stage changes
        # go to A's stage history only.
        gina = self._customer('Gina')
        self.env['crm.lead'].create({'name': 'Gina lead', 'partner_id': gina.id, 'type': 'lead',
                                     'company_id': self.company_a.id})
        self.assertEqual(gina.customer_stage, 'lead')
        self.assertEqual(self._history(gina).mapped('to_stage'), ['lead'])
        self.assertFalse(self.env['mail.message'].search([('model', '=', 'res.partner'), ('res_id', '=', gina.id),
                                                          ('body', 'like', 'Lifecycle stage')]))

    def test_new_at_risk_and_lost_from_p_alive(self):
        # Stages changed with issue 16: P(alive) thresholds (default 50 % and 20 %) instead of
        # "k x own interval" and "365 days": P(alive) = 1 / (1 + (30 + T) / 60) falls below 0.5
        # after T = 30 days and below 0.2 after T = 210 days.
        erin = self._customer('Erin')
        self._order(erin, '2024-01-01', [(self.product_1, 1, 10.0)])
        self.assertEqual(self._stage(erin, '2024-01-01'), ('new', 'first_order'))  # ordered today
        self.assertEqual(self._stage(erin, '2024-01-30'), ('new', 'first_order'))  # T = 29
        self.assertEqual(self._stage(erin, '2024-02-02'), ('at_risk', 'alive_below_at_risk'))  # T = 32
        self.assertEqual(self._stage(erin, '2024-07-27'), ('at_risk', 'alive_below_at_risk'))  # T = 208
        self.assertEqual(self._stage(erin, '2024-07-31'), ('lost', 'alive_below_lost'))  # T = 212: Lost is reachable
        self.assertLess(self._row(erin).clv_probability_alive, 0.2)
        self.company_a.customer_360_lost_alive = 10.0
        self.assertEqual(self._stage(erin, '2024-07-31'), ('at_risk', 'alive_below_at_risk'))
        history = self._history(erin)
        self.assertEqual([(h.from_stage, h.to_stage, h.date, h.days_in_from_stage) for h in history[-2:]], [
            ('at_risk', 'lost', '2024-07-31', 180), ('lost', 'at_risk', '2024-07-31', 0)])

    def test_repeat_customer_at_risk_from_own_rhythm(self):
        # Stages changed with issue 16 (was: k = 2 x the 59-day average interval): a customer who
        # bought on two days falls below 50 % much sooner than a one-order customer, P(alive) =
        # 1 / (1 + 0.5 / 2 ((30 + T) / (30 + 59))^2), T days since the first order.
        fred = self._customer('Fred')
        self._order(fred, '2025-01-01', [(self.product_1, 1, 10.0)])
        self._order(fred, '2025-03-01', [(self.product_1, 1, 10.0)])
        # below 0.5 when (30 + T) / 89 > 2, T > 148: 2025-05-29 is T = 148
        self.assertEqual(self._stage(fred, '2025-05-28'), ('repeat', 'repeat_orders'))
        self.assertEqual(self._stage(fred, '2025-05-30'), ('at_risk', 'alive_below_at_risk'))
        self.company_a.customer_360_at_risk_alive = 40.0
        self.assertEqual(self._stage(fred, '2025-05-30'), ('repeat', 'repeat_orders'))

    def test_rfm_segments_drive_loyal(self):
        # Stored boundaries, reused by incremental refreshes (no re-cut here).
        for score, day in enumerate(['2025-01-31', '2025-03-31', '2025-05-31', '2025-07-31'], start=1):
            self.env['crm.erp.rfm.boundary'].create({
                'company_id': self.company_a.id, 'score': score, 'recency_date': day,
                'frequency': score, 'monetary': 100.0 * score})
        # keep the P(alive) rules out of the way (issue 16: segments At risk and Can't lose them no
        # longer set the stage At risk; P(alive) does, test_new_at_risk_and_lost_from_p_alive)
        self.company_a.write({'customer_360_at_risk_alive': 0.0, 'customer_360_lost_alive': 0.0})
        loyal = self._customer('Gina')
        for day in ['2025-08-01', '2025-08-15', '2025-09-01', '2025-09-15', '2025-10-01']:
            self._order(loyal, day, [(self.product_1, 1, 100.0)])
        risky = self._customer('Hugo')
        for day in ['2025-01-05', '2025-01-10', '2025-01-15', '2025-01-20', '2025-01-25']:
            self._order(risky, day, [(self.product_1, 1, 100.0)])
        self.assertEqual(self._stage(loyal, '2025-10-20'), ('loyal', 'rfm_loyal'))
        self.assertEqual(self._stage(risky, '2025-10-20'), ('repeat', 'repeat_orders'))
        self.assertEqual((loyal.rfm_recency_score, loyal.rfm_frequency_score, loyal.rfm_monetary_score,
                          loyal.rfm_segment), (5, 5, 5, 'champions'))
        self.assertEqual((risky.rfm_recency_score, risky.rfm_frequency_score, risky.rfm_monetary_score,
                          risky.rfm_segment), (1, 5, 5, 'cant_lose'))
        # R 2 (after the first boundary), F 3 and M 3 (above two boundaries): FM 3, segment At risk
        fading = self._customer('Hanna')
        for day in ['2025-02-01', '2025-02-10', '2025-02-20']:
            self._order(fading, day, [(self.product_1, 1, 100.0)])
        self.assertEqual(self._stage(fading, '2025-10-20'), ('repeat', 'repeat_orders'))
        self.assertEqual((fading.rfm_recency_score, fading.rfm_frequency_score, fading.rfm_monetary_score,
                          fading.rfm_segment), (2, 3, 3, 'at_risk'))
        # one order less: F 2, M 2, FM 2 -> Hibernating, which no stage rule reads: Repeat
        sleeper = self._customer('Hilde')
        for day in ['2025-02-01', '2025-02-20']:
            self._order(sleeper, day, [(self.product_1, 1, 100.0)])
        self.assertEqual(self._stage(sleeper, '2025-10-20'), ('repeat', 'repeat_orders'))
        self.assertEqual(sleeper.rfm_segment, 'hibernating')

    def test_won_opportunity_without_order(self):
        won = self._customer('Wendy')
        lead = self.env['crm.lead'].create({'name': 'Wendy deal', 'partner_id': won.id, 'type': 'opportunity',
                                            'company_id': self.company_a.id})
        lead.action_set_won()
        self.assertEqual(self._row(won).lead_won_count, 1)
        self.assertEqual(self._stage(won, self.DATE_REF), ('opportunity', 'open_opportunity'))
        # the order of the deal makes a customer
        self._order(won, '2025-12-20', [(self.product_1, 1, 10.0)])
        self.assertEqual(self._stage(won, self.DATE_REF), ('new', 'first_order'))

    def test_manual_lock_is_kept_and_released(self):
        ivan = self._customer('Ivan')
        self._order(ivan, '2025-12-01', [(self.product_1, 1, 10.0)])
        self.assertEqual(ivan.customer_stage, 'new')
        ivan.write({'customer_stage': 'loyal'})
        self.assertTrue(ivan.customer_stage_locked)
        self.assertEqual([(h.from_stage, h.to_stage, h.reason) for h in self._history(ivan)[-1:]],
                         [('new', 'loyal', 'manual')])
        self._order(ivan, '2025-12-15', [(self.product_1, 1, 10.0)])
        self._refresh()
        self.assertEqual(ivan.customer_order_count, 2)
        self.assertEqual((ivan.customer_stage, ivan.customer_stage_locked), ('loyal', True))
        ivan.write({'customer_stage_locked': False})
        self.assertEqual((ivan.customer_stage, ivan.customer_stage_locked), ('repeat', False))
        self.assertEqual([(h.from_stage, h.to_stage) for h in self._history(ivan)[-1:]], [('loyal', 'repeat')])

    def test_kanban_drag_sets_a_locked_stage(self):
        jane = self._customer('Jane')
        self.env['crm.lead'].create({'name': 'Jane lead', 'partner_id': jane.id, 'type': 'lead',
                                     'company_id': self.company_a.id})
        row = self._row(jane)
        row.write({'customer_stage': 'opportunity'})
        self.assertEqual((jane.customer_stage, jane.customer_stage_locked), ('opportunity', True))
        self.assertEqual(self._history(jane)[-1].reason, 'manual')
        # every buying stage is a kanban column, even when empty, in funnel order; Prospect only
        # when a row is in it (prospects have no row)
        groups = self.Stats.read_group([('partner_id', '=', jane.id)], ['customer_stage'], ['customer_stage'])
        buying = [stage for stage, _label in CUSTOMER_STAGES if stage != 'prospect']
        self.assertEqual([group['customer_stage'] for group in groups], buying)
        row.write({'customer_stage': 'prospect'})
        groups = self.Stats.read_group([('partner_id', '=', jane.id)], ['customer_stage'], ['customer_stage'])
        self.assertEqual([group['customer_stage'] for group in groups], [stage for stage, _label in CUSTOMER_STAGES])

    def test_search_on_stage(self):
        kurt = self._customer('Kurt')
        kurt_contact = self._customer('Kurt contact', parent_id=kurt.id)
        self._order(kurt, '2025-12-01', [(self.product_1, 1, 10.0)])
        prospect = self._customer('Lena')
        Partner = self.env['res.partner']
        self.assertEqual((kurt.rfm_recency_score, kurt.rfm_segment), (0, False))  # no quintiles cut yet
        # boundaries of an earlier cut: 1 recent order of 10 scores R 5, F 1, M 1: New
        for score, day in enumerate(['2025-01-31', '2025-03-31', '2025-05-31', '2025-07-31'], start=1):
            self.env['crm.erp.rfm.boundary'].create({
                'company_id': self.company_a.id, 'score': score, 'recency_date': day,
                'frequency': score, 'monetary': 100.0 * score})
        kurt.action_refresh_customer_360()
        self.assertEqual(
            Partner.search([('customer_stage', '=', 'new'), ('id', 'in', (kurt | kurt_contact | prospect).ids)]),
            kurt | kurt_contact)
        self.assertEqual(Partner.search([('customer_stage', '!=', 'new'), ('id', 'in', (kurt | prospect).ids)]),
                         prospect)
        self.assertEqual(Partner.search([('customer_stage', '=', 'prospect'), ('id', 'in', (kurt | prospect).ids)]),
                         prospect)
        self.assertEqual(Partner.search([('rfm_segment', '=', 'new'), ('id', 'in', (kurt | prospect).ids)]), kurt)
        self.assertEqual(Partner.search([('rfm_segment', '=', False), ('id', 'in', (kurt | prospect).ids)]), prospect)

    def test_incremental_refresh_touches_only_the_affected_partner(self):
        mia = self._customer('Mia')
        nils = self._customer('Nils')
        self._order(mia, '2025-11-01', [(self.product_1, 1, 10.0)])
        self._order(nils, '2025-11-01', [(self.product_1, 1, 20.0)])

        def snapshot(partner):
            # ctid changes whenever PostgreSQL rewrites the row
            self.env.cr.execute("SELECT ctid::text, sale_revenue, customer_stage FROM crm_erp_partner_stats"
                                " WHERE partner_id = %s AND company_id = %s", (partner.id, self.company_a.id))
            stats_row = self.env.cr.fetchone()
            self.env.cr.execute("SELECT ctid::text, write_date FROM res_partner WHERE id = %s", (partner.id,))
            return stats_row, self.env.cr.fetchone()
        nils_before, mia_partner_before = snapshot(nils)[0], snapshot(mia)[1]
        self._order(mia, '2025-12-01', [(self.product_1, 1, 30.0)])
        self.assertEqual(self._row(mia).sale_order_count, 2)
        self.assertEqual(snapshot(nils)[0], nils_before)
        self.assertEqual(snapshot(mia)[1], mia_partner_before)  # figures are not written on res.partner

    def test_full_refresh_twice_changes_nothing(self):
        olga = self._customer('Olga')
        self._order(olga, '2025-11-01', [(self.product_1, 1, 10.0)])
        self._refresh()
        self.env.cr.execute("SELECT COUNT(*), MAX(ctid::text) FROM crm_erp_partner_stats WHERE company_id = %s",
                            (self.company_a.id,))
        before = self.env.cr.fetchone()
        history_count = self.env['crm.erp.partner.stage.history'].search_count([])
        self.assertEqual(self._refresh(), [])
        self.env.cr.execute("SELECT COUNT(*), MAX(ctid::text) FROM crm_erp_partner_stats WHERE company_id = %s",
                            (self.company_a.id,))
        self.assertEqual(self.env.cr.fetchone(), before)
        self.assertEqual(self.env['crm.erp.partner.stage.history'].search_count([]), history_count)

    def test_lead_changes_equal_a_full_refresh(self):
        """Lead changes only recompute lead figures (rows that exist) or whole rows (new
        customers): the result is the one a full refresh gives."""
        fields = ['lead_open_count', 'opportunity_open_count', 'lead_won_count', 'lead_lost_count',
                  'sale_order_count', 'customer_stage']
        company = self._customer('Leads Co', is_company=True)
        contact = self._customer('Leads Co Contact', parent_id=company.id)
        other = self._customer('Other Leads Co', is_company=True)
        self._order(other, '2025-06-01', [(self.product_1, 1, 10.0)])
        Lead = self.env['crm.lead']
        first = Lead.create({'name': 'First', 'partner_id': contact.id, 'type': 'lead',
                             'company_id': self.company_a.id})
        second = Lead.create({'name': 'Second', 'partner_id': company.id, 'type': 'opportunity', 'company_id': False})
        first.write({'type': 'opportunity'})
        second.write({'partner_id': other.id})
        first.action_set_won()
        third = Lead.create({'name': 'Third', 'partner_id': other.id, 'type': 'lead', 'company_id': self.company_b.id})
        third.action_set_lost()
        second.unlink()
        partners = company | other
        companies = self.company_a | self.company_b
        rows = self.Stats.search([('partner_id', 'in', partners.ids), ('company_id', 'in', companies.ids)])
        incremental = {(row.company_id.id, row.partner_id.id): row.read(fields)[0] for row in rows}
        self.assertEqual(incremental[self.company_a.id, company.id]['lead_won_count'], 1)
        self.assertEqual(incremental[self.company_b.id, other.id]['lead_lost_count'], 1)
        self.Stats._refresh(companies.ids)
        for key, values in incremental.items():
            row = self.Stats.search([('company_id', '=', key[0]), ('partner_id', '=', key[1])])
            self.assertEqual(row.read(fields)[0], values, key)
