import itertools
import json

from odoo.exceptions import AccessError, UserError

from ..chunked_job import CpuBudget
from ..engines import recommendation_blend
from .recommendation_common import RecommendationCase


class TestRecommendationTuning(RecommendationCase):
    """Six customers order 4 units of P5 around the 5th of every month of 2025, and P6 with it
    in January: tuned as of 2025-12-31, the holdout starts on 2025-10-01 (91 days), each of them
    is due to re-order P5 then and buys it in the holdout."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.regulars = [cls._customer('Regular %d' % index) for index in range(6)]
        for index, regular in enumerate(cls.regulars):
            for month in range(1, 13):
                lines = [(cls.p5, 4.0)] + ([cls.p6] if month == 1 else [])
                cls._order(regular, '2025-%02d-%02d' % (month, 3 + index), lines)
        cls.Tuning = cls.env['crm.erp.recommendation.tuning']
        cls.manager_b = cls.env['res.users'].create({
            'name': 'Tuning manager B', 'login': 'tuning_manager_b', 'company_id': cls.main_company.id,
            'company_ids': [(6, 0, cls.main_company.ids)],
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_manager').id])]})
        cls.salesman = cls.env['res.users'].create({
            'name': 'Tuning salesman', 'login': 'tuning_salesman', 'company_id': cls.company.id,
            'company_ids': [(6, 0, cls.company.ids)],
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman_all_leads').id])]})

    def test_defaults_before_any_tuning(self):
        self.assertFalse(self.Tuning.search([('company_id', '=', self.company.id)]))
        self.assertEqual(self.env['crm.erp.recommendation']._engine_settings(self.company), (None, None, False))

    def test_tuning_stored_per_company(self):
        self.Tuning._tune(self.company.ids)
        tuning = self.Tuning.search([('company_id', '=', self.company.id)])
        self.assertEqual(len(tuning), 1)
        self.assertTrue(tuning.fit_date)
        self.assertEqual((tuning.holdout_start, tuning.customer_count), ('2025-10-01', 6))
        # every regular was due to re-order P5 at the holdout start and bought it in the holdout
        self.assertEqual((tuning.due_precision, tuning.due_recall), (1.0, 1.0))
        self.assertEqual(tuning.blend_hit10, 1.0)
        self.assertGreaterEqual(tuning.blend_precision5, tuning.buy_again_precision5)
        knobs, calibration = json.loads(tuning.knobs), json.loads(tuning.calibration)
        self.assertEqual(sorted(knobs), ['discover', 'reorder'])
        self.assertEqual(calibration['horizon_days'], 91)
        # the request path uses them, and the regulars' P5 is due on the reference day's month
        settings = self.env['crm.erp.recommendation']._engine_settings(self.company)
        self.assertEqual(settings, (knobs, calibration, tuning.fit_date))
        item = self._items(self.regulars[0])[0]
        self.assertEqual((item['product_id'], item['intent'], item['due'], item['expected_qty']),
                         (self.p5.id, 'reorder', True, 4.0))
        # tuning again (the nightly job, Tune now) keeps one row per company
        tuning.action_tune()
        self.Tuning._cron_tune_all()
        self.assertEqual(self.Tuning.search_count([('company_id', '=', self.company.id)]), 1)
        self.assertEqual(self.Tuning.search_count([('company_id', '=', self.main_company.id)]), 1)

    def test_new_rates_apply_at_once(self):
        """A tuning whose rates put discoveries first: the cached figures follow the new tuning."""
        regular = self.regulars[0]
        self.assertEqual(self._items(regular)[0]['intent'], 'reorder')
        self.Tuning._tune(self.company.ids)
        tuning = self.Tuning.search([('company_id', '=', self.company.id)])
        calibration = json.loads(tuning.calibration)
        self.assertEqual(self._items(regular)[0]['probability'], 1.0)  # every due P5 was bought
        calibration['discover'] = [1.0] * len(calibration['discover'])
        calibration['reorder'] = [0.5] * len(calibration['reorder'])
        tuning.write({'calibration': json.dumps(calibration), 'fit_date': '2025-12-31 01:00:00'})
        items = self._items(regular)
        self.assertEqual([item['intent'] for item in items[:2]], ['discover', 'discover'])
        self.assertEqual(items[0]['probability'], 1.0)
        listed = [(item['product_id'], item['intent'], item['probability']) for item in items]
        self.assertIn((self.p5.id, 'reorder', 0.5), listed)

    def test_other_company_cannot_see_it(self):
        self.Tuning._tune(self.company.ids)
        tuning = self.Tuning.search([('company_id', '=', self.company.id)])
        as_b = self.Tuning.sudo(self.manager_b)
        self.assertFalse(as_b.search([('company_id', '=', self.company.id)]))
        with self.assertRaises(AccessError):
            tuning.sudo(self.manager_b).read(['fit_date'])
        with self.assertRaises(AccessError):
            tuning.sudo(self.manager_b).action_tune()
        # salesmen neither read the figures nor tune
        with self.assertRaises(AccessError):
            self.Tuning.sudo(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.Tuning.sudo(self.salesman).action_tune_my_companies()
        # B's manager tunes B only
        as_b.action_tune_my_companies()
        self.assertEqual(as_b.search([]).mapped('company_id'), self.main_company)
        self.assertEqual(self.Tuning.search_count([('company_id', '=', self.company.id)]), 1)

    def test_nightly_tuning_is_paced(self):
        """The nightly job's CPU budget pauses between the steps of the search: once after the
        re-order knobs, once per discover setting."""
        pauses = []
        budget = CpuBudget(50, sleep=pauses.append, clock=itertools.count().__next__)
        self.Tuning._tune(self.company.ids, budget=budget)
        settings = (len(list(itertools.product(*recommendation_blend.DISCOVER_GRID.values())))
                    * len(list(itertools.product(*recommendation_blend.WEIGHT_GRID.values()))))
        self.assertEqual(len(pauses), 1 + settings)
        self.assertEqual(self.Tuning.search([('company_id', '=', self.company.id)]).customer_count, 6)

    def test_bad_input(self):
        for value in ('2025-13-45 00:00:00', 'yesterday', 7):
            with self.assertRaises(UserError):
                self.Tuning.with_context(crm_erp_recommendation_date=value).action_tune_my_companies()
        self.assertFalse(self.Tuning.search([('company_id', '=', self.company.id)]))
