import json

import polib

from odoo.exceptions import AccessError
from odoo.modules.module import get_module_resource
from odoo.tools.translate import trans_load

from .concurrency_common import ConcurrentCase
from .lead_score_common import LeadScoreCase


class TestLeadScoreModel(LeadScoreCase):
    """crm.erp.lead.score.model: the per-company fit on planted leads, the scores and reasons
    written on the open leads, the fallback, rights and companies, the pipeline setting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Model = cls.env['crm.erp.lead.score.model']
        cls.manager_b = cls._user('ls_manager_b', cls.company_b, 'crm_erp_bridge.group_crm_erp_bridge_manager')
        cls.salesman_a = cls._user('ls_salesman_a', cls.company_a, 'sales_team.group_sale_salesman_all_leads')

    def _model(self, company):
        return self.Model.search([('company_id', '=', company.id)])

    def test_fit_on_planted_leads_scores_the_winning_source_higher(self):
        self._plant()
        self.Model._fit(self.company_a.ids, today='2025-12-31')
        model = self._model(self.company_a)
        self.assertEqual(len(model), 1)
        self.assertEqual((model.kind, model.fallback_reason), ('learned', False))
        self.assertEqual((model.lead_count, model.size, model.won_count), (240, 240, 120))
        self.assertEqual(model.holdout_size, 48)
        self.assertGreater(model.holdout_auc, 0.7)
        self.assertAlmostEqual(model.stage_auc, 0.5, places=3, msg='one stage for all: the stage says nothing')
        self.assertEqual(model.scored_count, 2)
        self.assertEqual(json.loads(model.parameters)['kind'], 'logistic')
        web, fair = self.open_web, self.open_fair
        self.assertGreater(web.crm_erp_win_chance, fair.crm_erp_win_chance + 30)
        self.assertEqual(web.crm_erp_win_chance_date, '2025-12-31')
        self.assertIn('LS Web leads win more often', web.crm_erp_win_reasons.split('\n'))
        self.assertIn('LS Fair leads win less often', fair.crm_erp_win_reasons.split('\n'))
        self.assertEqual(len(web.crm_erp_win_reasons.split('\n')), 3)
        # salespeople sort and filter by the score
        Lead = self.env['crm.lead'].sudo(self.salesman_a)
        domain = [('id', 'in', (web | fair).ids)]
        self.assertEqual(Lead.search(domain, order='crm_erp_win_chance desc').ids, [web.id, fair.id])
        self.assertEqual(Lead.search(domain + [('crm_erp_win_chance', '>=', 50)]).ids, [web.id])
        # Odoo's stage probability is left alone; the weighted pipeline follows the setting
        self.assertEqual(web.probability, self.stage_new.probability)
        self.assertAlmostEqual(web.crm_erp_weighted_revenue, 1000.0 * web.probability / 100)
        self.company_a.crm_erp_lead_score_pipeline = 'win_chance'
        self.assertAlmostEqual(web.crm_erp_weighted_revenue, 1000.0 * web.crm_erp_win_chance / 100)
        # fitting again (as the nightly job does) keeps one record, and the same scores
        chance = web.crm_erp_win_chance
        self.Model._fit(self.company_a.ids, today='2025-12-31')
        self.assertEqual(self._model(self.company_a), model)
        self.env['crm.lead'].invalidate_cache()
        self.assertAlmostEqual(web.crm_erp_win_chance, chance)
        self.assertAlmostEqual(web.crm_erp_weighted_revenue, 1000.0 * chance / 100, places=2,
                               msg='written in SQL as the ORM computes it')

    def test_reasons_in_the_users_language(self):
        self._plant()
        self.Model._fit(self.company_a.ids, today='2025-12-31')
        self.env['res.lang'].load_lang('zh_CN')
        po_path = get_module_resource('crm_erp_bridge', 'i18n', 'zh_CN.po')
        trans_load(self.env.cr, po_path, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        expected = polib.pofile(po_path).find('%s leads win more often').msgstr % 'LS Web'
        self.assertNotIn('%s leads win more often' % 'LS Web', [expected])
        web = self.open_web.with_context(lang='zh_CN')
        self.assertIn(expected, web.crm_erp_win_reasons.split('\n'))
        self.assertIn('LS Web leads win more often', self.open_web.with_context(lang='en_US').crm_erp_win_reasons)

    def test_fallback_with_few_closed_leads(self):
        self._plant(count=40)
        self.Model._fit(self.company_a.ids, today='2025-12-31')
        model = self._model(self.company_a)
        self.assertEqual(model.kind, 'win_rate')
        self.assertIn('Only 40 closed-lead snapshots (20 won, 20 lost)', model.fallback_reason)
        # the team's win rate: every lead is of team A, so both open leads get the company's rate
        self.assertEqual(self.open_web.crm_erp_win_chance, self.open_fair.crm_erp_win_chance)
        self.assertAlmostEqual(self.open_web.crm_erp_win_chance, 50.0, places=1)
        self.assertIn('LS Team A leads win', self.open_web.crm_erp_win_reasons)
        # a company without a closed lead: no score, the stage probability stays
        lead_b = self._lead('LS open B', '2025-12-01', company=self.company_b, team_id=False)
        self.Model._fit(self.company_b.ids, today='2025-12-31')
        self.assertEqual(self._model(self.company_b).kind, 'none')
        self.assertFalse(lead_b.crm_erp_win_chance_date)
        self.assertFalse(lead_b.crm_erp_win_reasons)

    def test_rights_and_companies(self):
        self._plant(count=40)
        self.Model._fit((self.company_a | self.company_b).ids, today='2025-12-31')
        model_a = self._model(self.company_a)
        as_manager_b = self.Model.sudo(self.manager_b)
        self.assertEqual(as_manager_b.search([]).mapped('company_id'), self.company_b)
        with self.assertRaises(AccessError):
            model_a.sudo(self.manager_b).read(['holdout_auc'])
        with self.assertRaises(AccessError):
            model_a.sudo(self.manager_b).action_fit()
        # a salesman neither reads nor fits
        with self.assertRaises(AccessError):
            model_a.sudo(self.salesman_a).read(['holdout_auc'])
        with self.assertRaises(AccessError):
            self.Model.sudo(self.salesman_a).action_fit_my_companies()
        # but reads the score of the leads of their company
        self.assertTrue(self.open_web.sudo(self.salesman_a).read(['crm_erp_win_chance', 'crm_erp_win_reasons']))
        # the manager of B fits B only
        before = model_a.fit_date
        as_manager_b.action_fit_my_companies()
        self.assertEqual(model_a.fit_date, before)

    def test_views_sort_and_filter_by_win_chance(self):
        Lead = self.env['crm.lead'].sudo(self.salesman_a)
        for view_type, needle in (('tree', 'crm_erp_win_chance'), ('kanban', 'crm_erp_win_chance'),
                                  ('search', 'win_chance_high'), ('form', 'crm_erp_win_reasons')):
            arch = Lead.with_context(default_type='opportunity').fields_view_get(view_type=view_type)['arch']
            self.assertIn(needle, arch, view_type)
        opportunity_form = self.env.ref('crm.crm_case_form_view_oppor').id
        self.assertIn('crm_erp_win_reasons', Lead.fields_view_get(view_id=opportunity_form, view_type='form')['arch'])
        # the model's menu is for managers only
        menu = self.env.ref('crm_erp_bridge.crm_erp_lead_score_model_menu')
        self.assertNotIn(menu.id, self.env['ir.ui.menu'].sudo(self.salesman_a)._visible_menu_ids())
        manager_a = self._user('ls_manager_a', self.company_a, 'crm_erp_bridge.group_crm_erp_bridge_manager')
        self.assertIn(menu.id, self.env['ir.ui.menu'].sudo(manager_a)._visible_menu_ids())

    def test_nightly_cron_fits_every_company(self):
        self._plant(count=40)
        self.Model._cron_fit_all()
        self.assertTrue(self._model(self.company_a))
        self.assertTrue(self._model(self.company_b))
        self.assertTrue(self.open_web.crm_erp_win_chance_date)


class TestLeadScoreModelConcurrency(ConcurrentCase):
    """Two managers fit the same company's lead score at the same moment (real transactions)."""

    def test_two_fits_at_once_make_one_record(self):
        self.assert_two_fits_make_one_record_per_company('crm.erp.lead.score.model')
