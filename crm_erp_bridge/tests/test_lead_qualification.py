from odoo.exceptions import ValidationError

from ..queries import lead_score as lead_score_queries
from .lead_score_common import LeadScoreCase


class TestLeadQualification(LeadScoreCase):
    """crm.lead.crm_erp_qualification: the company's rules (minimum win chance to qualify,
    the win chance under which a lead is to drop, required fields) on its open leads; followed
    when the score, a required field or the rules change; one company's rules never touch
    another's leads; bad rules are refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Model = cls.env['crm.erp.lead.score.model']
        cls.fields_of_lead = cls.env['ir.model.fields'].search([('model', '=', 'crm.lead')])

    def _required(self, company, *names):
        company.crm_erp_qualify_field_ids = [(6, 0, self.fields_of_lead.filtered(lambda f: f.name in names).ids)]

    def _score(self, leads_and_chances):
        """Store scores as the fit does (one UPDATE), then what the fit does after it."""
        leads = self.env['crm.lead'].browse([lead.id for lead, _chance in leads_and_chances])
        lead_score_queries.write_scores(self.env.cr, leads.ids, [chance for _lead, chance in leads_and_chances],
                                        ['[]'] * len(leads), '2025-12-31')
        leads.invalidate_cache()
        leads._crm_erp_qualification_refresh()

    def _label(self, name):
        return self.env['crm.lead']._fields[name].string

    def test_score_and_rules_classify_the_open_leads(self):
        self.company_a.write({'crm_erp_qualify_min_chance': 50.0, 'crm_erp_drop_max_chance': 30.0})
        self._plant()
        self.Model._fit(self.company_a.ids, today='2025-12-31')
        web, fair = self.open_web, self.open_fair
        self.assertGreater(web.crm_erp_win_chance, 50)
        self.assertLess(fair.crm_erp_win_chance, 30)
        self.assertEqual((web.crm_erp_qualification, fair.crm_erp_qualification), ('qualified', 'to_drop'))
        # a salesperson's change rescores the lead, and the qualification follows the score
        fair.write({'source_id': self.source_web.id})
        self.assertEqual(fair.crm_erp_qualification, 'qualified')
        # the manager's stricter rules reclassify the open leads at once
        self.company_a.crm_erp_qualify_min_chance = 99.0
        self.assertEqual((web | fair).mapped('crm_erp_qualification'), ['to_qualify'] * 2)
        self.company_a.crm_erp_drop_max_chance = 99.0
        self.assertEqual((web | fair).mapped('crm_erp_qualification'), ['to_drop'] * 2)
        self.env.cr.execute("SELECT COUNT(*) FROM crm_lead WHERE company_id = %s AND crm_erp_qualification = 'to_drop'",
                            [self.company_a.id])
        self.assertEqual(self.env.cr.fetchone()[0], 2, 'stored: the search filters find them')
        Lead = self.env['crm.lead']
        self.assertEqual(Lead.search([('id', 'in', (web | fair).ids), ('crm_erp_qualification', '=', 'to_drop')]),
                         web | fair)
        # won and lost leads are not classified
        web.write({'probability': 100, 'stage_id': self.stage_won.id})
        fair.action_set_lost()
        self.assertEqual(web.crm_erp_qualification, False)
        self.assertEqual(fair.with_context(active_test=False).crm_erp_qualification, False)

    def test_required_fields_listed_in_plain_words(self):
        self.company_a.write({'crm_erp_qualify_min_chance': 40.0, 'crm_erp_drop_max_chance': 10.0})
        lead = self._lead('LQ lead', '2025-12-01')
        self._score([(lead, 60.0)])
        self.assertEqual((lead.crm_erp_qualification, lead.crm_erp_qualification_missing), ('qualified', ''))
        self._required(self.company_a, 'email_from', 'partner_id')
        self.assertEqual(lead.crm_erp_qualification, 'to_qualify')
        self.assertEqual(set(lead.crm_erp_qualification_missing.split(', ')),
                         {self._label('email_from'), self._label('partner_id')})
        lead.write({'email_from': 'buyer@example.com'})
        self.assertEqual((lead.crm_erp_qualification, lead.crm_erp_qualification_missing),
                         ('to_qualify', self._label('partner_id')))
        lead.write({'partner_id': self._customer('LQ customer').id})
        self.assertEqual((lead.crm_erp_qualification, lead.crm_erp_qualification_missing), ('qualified', ''))
        # a required field emptied again
        lead.write({'email_from': False})
        self.assertEqual(lead.crm_erp_qualification, 'to_qualify')
        # under the drop limit a lead is to drop, filled or not
        self._score([(lead, 5.0)])
        self.assertEqual(lead.crm_erp_qualification, 'to_drop')

    def test_lead_without_a_score(self):
        self.company_a.write({'crm_erp_qualify_min_chance': 50.0, 'crm_erp_drop_max_chance': 30.0})
        lead = self._lead('LQ no score', '2025-12-01')
        self.assertFalse(lead.crm_erp_win_chance_date)
        self.assertEqual(lead.crm_erp_qualification, 'to_qualify', 'not to drop: nothing says it will not buy')
        self.company_a.write({'crm_erp_qualify_min_chance': 0.0, 'crm_erp_drop_max_chance': 0.0})
        self.assertEqual(lead.crm_erp_qualification, 'qualified')

    def test_company_rules_apply_to_their_own_leads(self):
        self.company_a.write({'crm_erp_qualify_min_chance': 50.0, 'crm_erp_drop_max_chance': 10.0})
        self.company_b.write({'crm_erp_qualify_min_chance': 50.0, 'crm_erp_drop_max_chance': 10.0})
        lead_a = self._lead('LQ A', '2025-12-01')
        lead_b = self._lead('LQ B', '2025-12-01', company=self.company_b, team_id=False)
        self._score([(lead_a, 60.0), (lead_b, 60.0)])
        self.assertEqual((lead_a | lead_b).mapped('crm_erp_qualification'), ['qualified'] * 2)
        self.company_b.write({'crm_erp_qualify_min_chance': 95.0, 'crm_erp_drop_max_chance': 70.0})
        self._required(self.company_b, 'email_from')
        self.env['crm.lead'].invalidate_cache()
        self.assertEqual((lead_a.crm_erp_qualification, lead_b.crm_erp_qualification), ('qualified', 'to_drop'))
        self.assertEqual(lead_a.crm_erp_qualification_missing, '')
        self.assertEqual(lead_b.crm_erp_qualification_missing, self._label('email_from'))
        # a field B requires, written on A's lead, changes nothing of A's
        lead_a.write({'email_from': False})
        self.assertEqual(lead_a.crm_erp_qualification, 'qualified')

    def test_bad_rules_are_refused(self):
        for vals in ({'crm_erp_qualify_min_chance': -1.0}, {'crm_erp_qualify_min_chance': 101.0},
                     {'crm_erp_drop_max_chance': -5.0}, {'crm_erp_drop_max_chance': 150.0},
                     {'crm_erp_qualify_min_chance': 20.0, 'crm_erp_drop_max_chance': 40.0}):
            with self.assertRaises(ValidationError, msg=vals):
                with self.env.cr.savepoint():
                    self.company_a.write(vals)
            with self.assertRaises(ValidationError, msg=vals):
                with self.env.cr.savepoint():
                    self.env['res.config.settings'].create(dict(vals, company_id=self.company_a.id)).execute()
        partner_field = self.env['ir.model.fields'].search([('model', '=', 'res.partner'), ('name', '=', 'email')])
        with self.assertRaises(ValidationError):
            with self.env.cr.savepoint():
                self.company_a.crm_erp_qualify_field_ids = [(6, 0, partner_field.ids)]

    def test_views(self):
        Lead = self.env['crm.lead']
        for view_type, needle in (('search', 'qualification_to_qualify'), ('search', 'qualification_to_drop'),
                                  ('tree', 'crm_erp_qualification'), ('form', 'crm_erp_qualification_missing')):
            arch = Lead.with_context(default_type='opportunity').fields_view_get(view_type=view_type)['arch']
            self.assertIn(needle, arch, view_type)
        arch = self.env['res.config.settings'].fields_view_get(view_type='form')['arch']
        self.assertIn('crm_erp_qualify_field_ids', arch)
