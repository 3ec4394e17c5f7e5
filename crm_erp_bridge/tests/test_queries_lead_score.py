import datetime
import hashlib

from odoo import fields

from ..queries import lead_score
from .lead_score_common import LeadScoreCase


class TestQueriesLeadScore(LeadScoreCase):
    """queries/lead_score: the open leads' features and the training snapshots, compared with
    the same figures recomputed through the ORM, and exact values on a few of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls._customer('LS Buyer', country_id=cls.env.ref('base.be').id)
        cls._order(cls.buyer, '2025-02-10', [(cls.product_1, 1.0, 100.0)])
        cls._order(cls.buyer, '2025-05-10', [(cls.product_1, 1.0, 50.0)])
        cls._order(cls.buyer, '2025-05-10', [(cls.product_1, 1.0, 10.0)])  # same day: one order day
        cls._order(cls.buyer, '2025-08-10', [(cls.product_1, 1.0, 999.0)], confirm=False)
        cls.newcomer = cls._customer('LS Newcomer')
        # won: created in March at 1000, moved to Proposal and 2000 in May, won in July
        cls.won = cls._lead('LS won', '2025-03-15', partner_id=cls.buyer.id, source_id=cls.source_web.id,
                            medium_id=cls.medium_mail.id, planned_revenue=1000.0,
                            line_ids=[(0, 0, {'product_id': cls.product_tool.id, 'product_qty': 1,
                                              'product_uom_id': cls.product_tool.uom_id.id, 'price_unit': 5})])
        cls._message(cls.won, '2025-04-20')
        cls._message(cls.won, '2025-05-02', 'email')
        cls._change(cls.won, '2025-05-20', {'stage_id': cls.stage_prop.id, 'planned_revenue': 2000.0,
                                            'team_id': cls.team_b.id})
        cls._win(cls.won, '2025-07-03')
        # lost: created end of April, lost in June; never a message
        cls.lost = cls._lead('LS lost', '2025-04-30', partner_id=cls.newcomer.id, source_id=cls.source_fair.id,
                             planned_revenue=300.0)
        cls._lose(cls.lost, '2025-06-15')
        # still open
        cls.open = cls._lead('LS open', '2025-11-01', partner_id=cls.buyer.id, planned_revenue=500.0)
        cls._message(cls.open, '2025-11-20')
        # another company's lead: never read for company A
        cls._lead('LS other company', '2025-03-01', company=cls.company_b, team_id=False)

    def _orm_features(self, lead, day):
        """The features of lead as of the end of day, recomputed through the ORM."""
        day = self._day(day) if isinstance(day, str) else day
        end = fields.Datetime.to_string(datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                                  datetime.time()))
        lead = lead.with_context(active_test=False)
        messages = self.env['mail.message'].search([('model', '=', 'crm.lead'), ('res_id', '=', lead.id)])
        later = messages.filtered(lambda m: m.date >= end).sorted(lambda m: (m.date, m.id))

        def as_of(name, current):
            for message in later:
                for value in message.tracking_value_ids.sorted('id'):
                    if value.field == name:
                        return value.old_value_float if name == 'planned_revenue' else value.old_value_integer
            return current

        stage = self.env['crm.stage'].browse(as_of('stage_id', lead.stage_id.id))
        team = self.env['crm.team'].browse(as_of('team_id', lead.team_id.id))
        user = self.env['res.users'].browse(as_of('user_id', lead.user_id.id))
        partner = lead.partner_id.commercial_partner_id
        orders = self.env['sale.order'].search([
            ('partner_id', 'child_of', partner.id), ('company_id', '=', lead.company_id.id),
            ('state', 'in', ('sale', 'done'))]).filtered(lambda o: o.date_order[:10] < str(day)) if partner else []
        history = self.env['crm.erp.partner.stage.history'].search([
            ('partner_id', '=', partner.id), ('company_id', '=', lead.company_id.id)]) if partner else []
        before = [h for h in history if h.date <= str(day)]
        after = [h for h in history if h.date > str(day)]
        stats = self.Stats.search([('partner_id', '=', partner.id), ('company_id', '=', lead.company_id.id)]) \
            if partner else self.Stats
        customer_stage = (max(before, key=lambda h: (h.date, h.id)).to_stage if before
                          else min(after, key=lambda h: (h.date, h.id)).from_stage if after
                          else stats.customer_stage or None)
        active = messages.filtered(lambda m: m.message_type in ('comment', 'email') and m.date < end)
        created = self._day(lead.create_date[:10])
        last = max([self._day(m.date[:10]) for m in active] + [created])
        return {
            'source': lead.source_id.name or None, 'medium': lead.medium_id.name or None,
            'campaign': lead.campaign_id.name or None, 'team': team.name or None,
            'salesperson': user.partner_id.name or None,
            'country': (lead.country_id or lead.partner_id.country_id).name or None,
            'stage': stage.name or None, 'customer_stage': customer_stage,
            'customer_orders': len({o.date_order[:10] for o in orders}),
            'customer_revenue': sum(o.amount_untaxed for o in orders),
            'expected_revenue': as_of('planned_revenue', lead.planned_revenue),
            'age_days': (day - created).days, 'days_since_activity': (day - last).days,
            'activities': len(active.filtered(lambda m: m.message_type == 'comment')),
            'emails': len(active.filtered(lambda m: m.message_type == 'email')),
            'products': sorted({line.product_id.categ_id.name for line in lead.line_ids
                                if line.create_date < end}),
        }

    def _rows(self, columns):
        names = [name for name in lead_score.FEATURE_COLUMNS if name not in ('lead_id', 'day')]
        return [dict({name: columns[name][i] for name in names}, lead_id=columns['lead_id'][i], day=columns['day'][i])
                for i in range(len(columns['lead_id']))]

    def test_training_snapshots_match_the_orm(self):
        columns = lead_score.training_snapshots(self.env.cr, self.company_a.id, '2025-12-31', months=18)
        rows = self._rows(columns)
        pairs = [(row['lead_id'], str(row['day'])) for row in rows]
        # won lead open at the ends of March .. June, lost at the ends of April and May
        self.assertEqual(pairs, [(self.won.id, '2025-03-31'), (self.won.id, '2025-04-30'), (self.lost.id, '2025-04-30'),
                                 (self.won.id, '2025-05-31'), (self.lost.id, '2025-05-31'),
                                 (self.won.id, '2025-06-30')])
        self.assertEqual(columns['won'], [1, 1, 0, 1, 0, 1])
        lead = self.env['crm.lead'].with_context(active_test=False)
        for row in rows:
            expected = self._orm_features(lead.browse(row['lead_id']), row['day'])
            got = {name: value for name, value in row.items() if name not in ('lead_id', 'day', 'customer_segment')}
            got['products'] = sorted(got['products'])
            self.assertEqual(got, expected, row['day'])
            self.assertIsNone(row['customer_segment'], 'no segment history: none in the snapshots')
        first, may = rows[0], rows[3]
        # as of March 31: stage New, 1000, team A; one order day before (Feb 10: 100)
        self.assertEqual((first['stage'], first['expected_revenue'], first['team']), ('LS New', 1000.0, 'LS Team A'))
        self.assertEqual((first['customer_orders'], first['customer_revenue']), (1, 100.0))
        self.assertEqual((first['age_days'], first['days_since_activity'], first['products']), (16, 16, ['LS Tools']))
        # as of May 31: Proposal, 2000, team B, two order days (160), a note and an email
        self.assertEqual((may['stage'], may['expected_revenue'], may['team']), ('LS Proposal', 2000.0, 'LS Team B'))
        self.assertEqual((may['customer_orders'], may['customer_revenue']), (2, 160.0))
        self.assertEqual((may['activities'], may['emails'], may['days_since_activity']), (1, 1, 29))
        self.assertEqual((may['source'], may['medium'], may['country']), ('LS Web', 'LS Mail', 'Belgium'))

    def test_open_lead_features_match_the_orm(self):
        self._refresh(date_ref='2025-12-31')
        columns = lead_score.lead_features(self.env.cr, self.company_a.id, '2025-12-31')
        rows = self._rows(columns)
        self.assertEqual([row['lead_id'] for row in rows], [self.open.id])
        row = rows[0]
        expected = self._orm_features(self.open, '2025-12-31')
        got = {name: value for name, value in row.items() if name not in ('lead_id', 'day', 'customer_segment')}
        self.assertEqual(got, expected)
        self.assertEqual((row['age_days'], row['days_since_activity'], row['customer_orders']), (60, 41, 2))
        self.assertEqual(row['customer_segment'], self._row(self.buyer).rfm_segment)
        self.assertTrue(row['customer_stage'])
        # one lead by id; an id of another company or a closed lead gives nothing
        self.assertEqual(lead_score.lead_features(self.env.cr, self.company_a.id, '2025-12-31',
                                                  lead_ids=[self.open.id, self.won.id])['lead_id'], [self.open.id])

    def test_leads_of_one_customer_share_its_figures(self):
        """The customers' orders are summed once per customer and day (the leads of one customer,
        also through a contact person, share them); every lead's features still match the ORM's,
        the same through the statement of a few leads as through the one of every open lead."""
        contact = self.env['res.partner'].create({'name': 'LS Buyer, Jo', 'parent_id': self.buyer.id})
        self._order(self.buyer, '2025-12-31', [(self.product_1, 1.0, 70.0)])  # on the day: not yet counted
        second = self._lead('LS open 2', '2025-12-20', partner_id=contact.id, planned_revenue=100.0)
        nobody = self._lead('LS open nobody', '2025-12-21', planned_revenue=100.0)
        self._refresh(date_ref='2025-12-31')
        every = self._rows(lead_score.lead_features(self.env.cr, self.company_a.id, '2025-12-31'))
        self.assertEqual([row['lead_id'] for row in every], [self.open.id, second.id, nobody.id])
        few = self._rows(lead_score.lead_features(self.env.cr, self.company_a.id, '2025-12-31',
                                                  lead_ids=[nobody.id, second.id, self.open.id]))
        self.assertEqual(few, every)
        for row, lead in zip(every, (self.open, second, nobody)):
            got = {name: value for name, value in row.items() if name not in ('lead_id', 'day', 'customer_segment')}
            self.assertEqual(got, self._orm_features(lead, '2025-12-31'), lead.name)
        self.assertEqual([(row['customer_orders'], row['customer_revenue']) for row in every],
                         [(2, 160.0), (2, 160.0), (0, 0.0)])

    def test_statements_run_without_jit(self):
        """At size L PostgreSQL's JIT compiled the snapshots' statement for 9 s of its 13.6 s
        (bench/RESULTS.md): both functions turn it off for the transaction."""
        cr = self.env.cr
        if cr._cnx.server_version < 110000:
            self.skipTest('PostgreSQL before 11 has no JIT')
        for call in (lambda: lead_score.training_snapshots(cr, self.company_a.id, '2025-12-31'),
                     lambda: lead_score.lead_features(cr, self.company_a.id, '2025-12-31')):
            cr.execute("SET LOCAL jit = on")
            call()
            cr.execute("SHOW jit")
            self.assertEqual(cr.fetchone()[0], 'off')

    def test_write_scores_prepared_as_plain(self):
        """The prepared statement (a write rescoring a few leads) stores what the plain one does,
        also for leads without a score (no typed value in the array)."""
        self.company_a.crm_erp_lead_score_pipeline = 'win_chance'
        self.open.write({'planned_revenue': 1000.0})
        stored = []
        for prepared in (False, True):
            for chance, reasons in ((62.5, '[["source", "LS Web", 0.8]]'), (None, None)):
                lead_score.write_scores(self.env.cr, [self.open.id], [chance], [reasons], '2025-12-31',
                                        prepared=prepared)
                self.env.cr.execute("""SELECT crm_erp_win_chance, crm_erp_win_reason_data,
                                              crm_erp_win_chance_date::text, crm_erp_weighted_revenue
                                         FROM crm_lead WHERE id = %s""", [self.open.id])
                stored.append(self.env.cr.fetchone())
        self.assertEqual(stored[0], (62.5, '[["source", "LS Web", 0.8]]', '2025-12-31', 625.0))
        self.assertEqual(stored[1], (None, None, None, 1000.0 * self.open.probability / 100))
        self.assertEqual(stored[2:], stored[:2])

    def test_write_scores_writes_only_what_changes(self):
        """A lead whose stored score, reasons, day and weighted revenue are already the new ones
        is not written again (its row version stays); the others are, and are returned."""
        leads = [self.open.id, self.won.id]
        self.assertIn(self.open.id, lead_score.write_scores(self.env.cr, leads, [40.0, None], ['["a"]', None],
                                                            '2025-12-31'))

        def rows():
            self.env.cr.execute("""SELECT id, ctid::text, crm_erp_win_chance, crm_erp_win_reason_data,
                                          crm_erp_win_chance_date::text, crm_erp_weighted_revenue
                                     FROM crm_lead WHERE id = ANY(%s) ORDER BY id""", [leads])
            return self.env.cr.fetchall()
        before = rows()
        for prepared in (False, True):
            self.assertEqual(lead_score.write_scores(self.env.cr, leads, [40.0, None], ['["a"]', None], '2025-12-31',
                                                     prepared=prepared), [])
            self.assertEqual(rows(), before, 'nothing written')
        # another day, another chance: written
        self.assertEqual(lead_score.write_scores(self.env.cr, leads, [40.0, None], ['["a"]', None], '2026-01-01',
                                                 prepared=True), [self.open.id])
        self.assertEqual(lead_score.write_scores(self.env.cr, leads, [41.0, None], ['["a"]', None], '2026-01-01'),
                         [self.open.id])
        # with the qualifications: written with the score, also alone
        for prepared in (False, True):
            for value in ('to_drop', None):
                self.assertEqual(lead_score.write_scores(self.env.cr, leads, [41.0, None], ['["a"]', None],
                                                         '2026-01-01', prepared=prepared,
                                                         qualifications=[value, None]), [self.open.id])
                self.env.cr.execute("SELECT crm_erp_qualification FROM crm_lead WHERE id = %s", [self.open.id])
                self.assertEqual(self.env.cr.fetchone()[0], value)
        after = dict((row[0], row[1:]) for row in rows())
        self.assertEqual(after[self.open.id][1:4], (41.0, '["a"]', '2026-01-01'))
        self.assertEqual(after[self.won.id], dict((row[0], row[1:]) for row in before)[self.won.id])

    def test_fitted_models(self):
        Model = self.env['crm.erp.lead.score.model']
        model_a = Model.create({'company_id': self.company_a.id, 'parameters': '{}'})
        Model.create({'company_id': self.company_b.id})
        self.assertEqual(lead_score.fitted_models(self.env.cr, [self.company_a.id, self.company_b.id]),
                         [(model_a.id, self.company_a.id, hashlib.md5(b'{}').hexdigest())])
        self.assertEqual(lead_score.fitted_models(self.env.cr, []), [])

    def test_write_qualifications(self):
        lead_score.write_qualifications(self.env.cr, [self.open.id, self.won.id], ['to_drop', None])
        self.env.cr.execute("SELECT id, crm_erp_qualification FROM crm_lead WHERE id IN %s ORDER BY id",
                            [(self.open.id, self.won.id)])
        self.assertEqual(dict(self.env.cr.fetchall()), {self.open.id: 'to_drop', self.won.id: None})
