from odoo.exceptions import UserError, ValidationError

from .marketing_common import MarketingCase


class TestNps(MarketingCase):
    """A survey question marked NPS (0-10), the Net Promoter Score per company, team and month
    (crm.erp.nps.report: mean of +100 / 0 / -100 = % promoters - % detractors), the customer's
    last answer in the Customer 360, and the survey invitations' marketing rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.env['survey.survey'].create({'title': 'How are we doing?'})
        cls.page = cls.env['survey.page'].create({'title': 'Page 1', 'survey_id': cls.survey.id})
        cls.question = cls._nps_question(cls.page)
        cls.team_1 = cls.env['crm.team'].create({'name': 'NPS team 1', 'company_id': cls.company.id})
        cls.team_2 = cls.env['crm.team'].create({'name': 'NPS team 2', 'company_id': cls.company.id})
        (cls.ana | cls.bob | cls.bob_again).write({'team_id': cls.team_1.id})
        (cls.carl | cls.eve).write({'team_id': cls.team_2.id})

    @classmethod
    def _nps_question(cls, page):
        return cls.env['survey.question'].create({
            'page_id': page.id, 'question': 'How likely are you to recommend us?', 'type': 'numerical_box',
            'crm_erp_is_nps': True, 'validation_required': True, 'validation_min_float_value': 0,
            'validation_max_float_value': 10})

    def _answer(self, partner, score, date, survey=None, question=None, state='done'):
        survey = survey or self.survey
        answer = self.env['survey.user_input'].create({'survey_id': survey.id, 'partner_id': partner.id,
                                                       'state': state, 'type': 'link'})
        self.env['survey.user_input_line'].create({
            'user_input_id': answer.id, 'question_id': (question or self.question).id, 'answer_type': 'number',
            'value_number': score, 'date_create': date})
        return answer

    def _nps(self, groupby, domain=None, user=None):
        Report = self.env['crm.erp.nps.report'].sudo(user) if user else self.env['crm.erp.nps.report']
        rows = Report.read_group(domain or [], ['nps', 'answer_count', 'promoter_count', 'detractor_count',
                                                groupby.split(':')[0]], [groupby], lazy=False)
        return {row[groupby][1] if isinstance(row[groupby], tuple) else row[groupby]:
                (round(row['nps'], 1), row['answer_count'], row['promoter_count'], row['detractor_count'])
                for row in rows}

    def test_nps_per_team_and_month(self):
        self._answer(self.ana, 10, '2026-10-05 10:00:00')
        self._answer(self.bob, 9, '2026-10-06 10:00:00')
        self._answer(self.bob_again, 3, '2026-11-02 10:00:00')
        self._answer(self.carl, 7, '2026-11-03 10:00:00')
        self._answer(self.eve, 0, '2026-11-04 10:00:00')
        # not counted: an unfinished answer
        self._answer(self.eve, 10, '2026-11-05 10:00:00', state='skip')
        domain = [('survey_id', '=', self.survey.id)]
        # team 1: 2 promoters, 1 detractor of 3 = 33.3; team 2: a passive and a detractor = -50
        self.assertEqual(self._nps('team_id', domain), {'NPS team 1': (33.3, 3, 2, 1), 'NPS team 2': (-50.0, 2, 0, 1)})
        self.assertEqual(self._nps('date:month', domain), {'October 2026': (100.0, 2, 2, 0),
                                                           'November 2026': (-66.7, 3, 0, 2)})
        self.assertEqual(self._nps('company_id', domain), {self.company.name: (0.0, 5, 2, 2)})
        # the Customer 360: the last answer of the customer
        self.assertEqual((self.bob.crm_erp_nps_last, self.bob.crm_erp_nps_last_date), (9, '2026-10-06 10:00:00'))
        self.assertEqual((self.eve.crm_erp_nps_last, self.eve.crm_erp_nps_last_date), (0, '2026-11-04 10:00:00'))
        self.assertFalse(self.dana.crm_erp_nps_last_date)

    def test_nps_of_another_company_is_not_shown(self):
        company_b = self.env['res.company'].create({'name': 'NPS company B'})
        survey_b = self.env['survey.survey'].create({'title': 'B survey', 'crm_erp_company_id': company_b.id})
        question_b = self._nps_question(self.env['survey.page'].create({'title': 'B', 'survey_id': survey_b.id}))
        self._answer(self.ana, 10, '2026-10-05 10:00:00')
        self._answer(self.bob, 2, '2026-10-05 10:00:00', survey=survey_b, question=question_b)
        manager_a = self.env['res.users'].create({
            'name': 'NPS manager A', 'login': 'nps_manager_a', 'company_id': self.company.id,
            'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager').id])]})
        domain = [('survey_id', 'in', (self.survey | survey_b).ids)]
        self.assertEqual(self._nps('company_id', domain, user=manager_a), {self.company.name: (100.0, 1, 1, 0)})
        self.assertEqual(self._nps('company_id', domain), {self.company.name: (100.0, 1, 1, 0),
                                                           'NPS company B': (-100.0, 1, 0, 1)})
        # nor in the Customer 360 of company A
        self.assertFalse(self.bob.sudo(manager_a).crm_erp_nps_last_date)

    def test_an_nps_question_is_a_number_from_0_to_10(self):
        with self.assertRaises(ValidationError):
            self.env['survey.question'].create({'page_id': self.page.id, 'question': 'Comments', 'type': 'free_text',
                                                'crm_erp_is_nps': True})
        with self.assertRaises(ValidationError):
            self.question.validation_max_float_value = 5

    def _invite(self, partners, emails=False):
        wizard = self.env['survey.mail.compose.message'].with_context(
            default_model='survey.survey', default_res_id=self.survey.id).create({
                'survey_id': self.survey.id, 'public': 'email_private', 'subject': 'Your opinion',
                'body': '<p>__URL__</p>', 'partner_ids': [(6, 0, partners.ids)], 'multi_email': emails})
        return wizard.send_mail()

    def test_invitations_honour_the_marketing_rules(self):
        self._invite(self.everyone, 'EVE@example.com\nnew@example.com\ncarl@example.com\nNew@Example.com')
        invited = self.env['survey.user_input'].search([('survey_id', '=', self.survey.id)])
        # ana: her duplicate opted out; carl: his address opted out on a list; bob and eve once
        self.assertEqual(sorted((answer.partner_id.name or '', answer.email.strip()) for answer in invited),
                         [('', 'new@example.com'), ('Bob Silva', 'bob@example.com'),
                          ('Dana Costa', 'dana@example.com'), ('Eve Lima', 'eve@example.com')])
        # nobody left: an error, nothing sent
        with self.assertRaises(UserError):
            self._invite(self.ana | self.carl)
        self.assertEqual(self.env['survey.user_input'].search([('survey_id', '=', self.survey.id)]), invited)
