from collections import Counter

from odoo.exceptions import AccessError

from .lead_score_common import LeadScoreCase


class TestLeadConversionReport(LeadScoreCase):
    """crm.erp.lead.conversion.report: leads per creation month x source x medium x team x the
    furthest stage reached, won / lost / open and the conversion rate, equal to the same count
    made with the ORM; each company's managers see their own companies' rows only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env['crm.erp.lead.conversion.report']
        web, fair, mail = cls.source_web.id, cls.source_fair.id, cls.medium_mail.id
        # won from Proposal
        cls.won = cls._lead('LC won', '2025-01-05', source_id=web)
        cls._change(cls.won, '2025-01-10', {'stage_id': cls.stage_prop.id})
        cls._win(cls.won, '2025-02-01')
        # lost in Proposal
        cls.lost = cls._lead('LC lost', '2025-01-20', source_id=web)
        cls._change(cls.lost, '2025-01-25', {'stage_id': cls.stage_prop.id})
        cls._lose(cls.lost, '2025-02-10')
        # lost in New, by mail
        cls.lost_new = cls._lead('LC lost new', '2025-01-07', source_id=web, medium_id=mail)
        cls._lose(cls.lost_new, '2025-01-30')
        # open in New, team B
        cls.open_new = cls._lead('LC open', '2025-02-03', source_id=fair, team_id=cls.team_b.id)
        # open, back from Proposal to New: Proposal is the furthest stage it reached
        cls.open_back = cls._lead('LC back', '2025-02-10', source_id=fair, team_id=cls.team_b.id)
        cls._change(cls.open_back, '2025-02-12', {'stage_id': cls.stage_prop.id})
        cls._change(cls.open_back, '2025-02-20', {'stage_id': cls.stage_new.id})
        # another company's lead
        cls.other = cls._lead('LC other company', '2025-01-05', company=cls.company_b, source_id=web, team_id=False)
        cls.manager_b = cls._user('lc_manager_b', cls.company_b, 'sales_team.group_sale_manager')
        cls.salesman_a = cls._user('lc_salesman_a', cls.company_a, 'sales_team.group_sale_salesman_all_leads')

    def _orm_rows(self, company):
        """The report's rows recounted with the ORM: each lead of the company (archived ones too)
        and the stages of its tracked stage changes."""
        Lead = self.env['crm.lead'].with_context(active_test=False)
        rows = Counter()
        for lead in Lead.search([('company_id', '=', company.id)]):
            values = self.env['mail.tracking.value'].search([
                ('mail_message_id.model', '=', 'crm.lead'), ('mail_message_id.res_id', '=', lead.id),
                ('field', '=', 'stage_id')])
            stage_ids = set(values.mapped('old_value_integer') + values.mapped('new_value_integer')) | {
                lead.stage_id.id}
            stages = self.env['crm.stage'].browse([i for i in stage_ids if i]).sorted(lambda s: (s.sequence, s.id))
            key = (lead.create_date[:7] + '-01', lead.source_id.id, lead.medium_id.id, lead.team_id.id,
                   stages[-1:].id)
            won = lead.active and lead.probability >= 100
            lost = not lead.active and lead.probability == 0
            rows[key + ('leads',)] += 1
            rows[key + ('won',)] += won
            rows[key + ('lost',)] += lost
            rows[key + ('open',)] += lead.active and lead.probability < 100
        return +rows

    def _report_rows(self, company, user=None):
        Report = self.Report.sudo(user) if user else self.Report
        rows = Counter()
        for row in Report.search_read([('company_id', '=', company.id)]):
            key = (row['month'], row['source_id'] and row['source_id'][0], row['medium_id'] and row['medium_id'][0],
                   row['team_id'] and row['team_id'][0], row['stage_id'] and row['stage_id'][0])
            for name, count in (('leads', 'lead_count'), ('won', 'won_count'), ('lost', 'lost_count'),
                                ('open', 'open_count')):
                rows[key + (name,)] += row[count]
            self.assertAlmostEqual(row['conversion_rate'], 100.0 * row['won_count'] / row['lead_count'])
        return +rows

    def test_figures_equal_the_orm_recount(self):
        rows = self._report_rows(self.company_a)
        self.assertEqual(rows, self._orm_rows(self.company_a))
        # by hand: January's web leads of team A
        a, web = self.team_a.id, self.source_web.id
        prop, won_stage, new = self.stage_prop.id, self.stage_won.id, self.stage_new.id
        self.assertEqual(rows[('2025-01-01', web, False, a, won_stage, 'won')], 1)
        self.assertEqual(rows[('2025-01-01', web, False, a, prop, 'lost')], 1)
        self.assertEqual(rows[('2025-01-01', web, self.medium_mail.id, a, new, 'lost')], 1)
        self.assertEqual(rows[('2025-02-01', self.source_fair.id, False, self.team_b.id, prop, 'open')], 1)
        self.assertEqual(rows[('2025-02-01', self.source_fair.id, False, self.team_b.id, new, 'open')], 1)
        self.assertEqual(sum(count for key, count in rows.items() if key[-1] == 'leads'), 5)

    def test_group_rates_are_won_over_leads(self):
        groups = self.Report.read_group([('company_id', '=', self.company_a.id)],
                                        ['source_id', 'conversion_rate', 'lead_count'], ['source_id'])
        rates = {group['source_id'][0]: (group['lead_count'], group['conversion_rate']) for group in groups}
        self.assertEqual(rates[self.source_web.id][0], 3)
        self.assertAlmostEqual(rates[self.source_web.id][1], 100.0 / 3)
        self.assertEqual(rates[self.source_fair.id], (2, 0.0))
        by_month = self.Report.read_group([('company_id', '=', self.company_a.id)],
                                          ['month', 'conversion_rate', 'lead_count', 'won_count'], ['month:month'])
        self.assertEqual([(group['lead_count'], group['won_count']) for group in by_month], [(3, 1), (2, 0)])

    def test_companies_and_rights(self):
        # a sales manager of B sees B's rows only
        own = self.Report.sudo(self.manager_b).search([])
        self.assertTrue(own)
        self.assertEqual(own.mapped('company_id'), self.company_b)
        self.assertEqual(self._report_rows(self.company_b, self.manager_b), self._orm_rows(self.company_b))
        self.assertFalse(self._report_rows(self.company_a, self.manager_b))
        # salespeople do not read it; the menu is in CRM's reporting for sales managers
        with self.assertRaises(AccessError):
            self.Report.sudo(self.salesman_a).search_read([], ['lead_count'])
        menu = self.env.ref('crm_erp_bridge.crm_erp_lead_conversion_report_menu')
        self.assertEqual(menu.parent_id, self.env.ref('crm.crm_menu_report'))
        Menu = self.env['ir.ui.menu']
        self.assertIn(menu.id, Menu.sudo(self.manager_b)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.sudo(self.salesman_a)._visible_menu_ids())

    def test_views(self):
        for view_type in ('pivot', 'graph', 'search'):
            arch = self.Report.fields_view_get(view_type=view_type)['arch']
            self.assertIn('conversion_rate' if view_type != 'search' else 'group_source', arch)
