import json
import math
import unittest

import numpy as np
from scipy import optimize

from ..engines import lead_score
from ..models.crm_erp_lead_score_model import _chances_and_reasons, _json_value

FEATURES = (lead_score.Feature('source', lead_score.CATEGORY),
            lead_score.Feature('customer_orders', lead_score.NUMBER, log=True),
            lead_score.Feature('days_since_activity', lead_score.BINS, edges=(7, 30, 90)),
            lead_score.Feature('products', lead_score.TOKENS))
TRUE_SOURCE = {'web': 0.0, 'referral': 1.0, 'cold call': -1.0}
TRUE_IDLE = (0.8, 0.4, -0.3, -1.2)  # <= 7, 8-30, 31-90, > 90 days without activity


def simulated_leads(n, seed=7):
    """Leads whose log-odds of winning are -1 + source + 0.6 ln(1 + orders) + idle bin
    + 0.5 if product P2 is on the lead (the model's own form, so it must find it)."""
    rng = np.random.default_rng(seed)
    source = rng.choice(sorted(TRUE_SOURCE), n)
    orders = rng.poisson(1.0, n)
    idle = rng.exponential(35, n)
    products = [sorted(set(rng.choice(['P1', 'P2', 'P3'], 1 + i % 2))) for i in range(n)]
    logit = (-1 + np.array([TRUE_SOURCE[s] for s in source]) + 0.6 * np.log1p(orders)
             + np.array(TRUE_IDLE)[np.searchsorted([7, 30, 90], idle)]
             + 0.5 * np.array(['P2' in p for p in products]))
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    columns = {'source': source.tolist(), 'customer_orders': orders.tolist(),
               'days_since_activity': idle.tolist(), 'products': products}
    return columns, won, 1 / (1 + np.exp(-logit))


class TestLeadScoreEngine(unittest.TestCase):
    """The lead score engine on hand-computed figures and on leads simulated from a known model."""

    def test_auc_and_brier_by_hand(self):
        # pairs (won, lost): (0.35, 0.1) right, (0.35, 0.4) wrong, (0.8, *) right: 3 of 4
        self.assertEqual(lead_score.auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75)
        self.assertEqual(lead_score.auc([0.5, 0.5], [0, 1]), 0.5)  # a tie counts half
        self.assertTrue(math.isnan(lead_score.auc([0.2, 0.3], [1, 1])))
        self.assertAlmostEqual(lead_score.brier([0.2, 0.9], [0, 1]), (0.04 + 0.01) / 2)

    def test_encoder_levels_bins_and_standardising(self):
        columns = {'source': ['web', 'web', 'fair', None], 'customer_orders': [0, 3, None, 1],
                   'days_since_activity': [3, 7, 8, 200], 'products': [['P1'], ['P1', 'P1', 'P2'], [], None]}
        encoder = lead_score.Encoder(FEATURES).learn(columns, min_count=2)
        # 'fair' once (< 2), None never a level; P2 once; each bin once
        self.assertEqual(encoder.column_names(), [('source', 'web'), ('customer_orders', None),
                                                  ('customer_orders', '(missing)'),
                                                  ('days_since_activity', '<= 7'), ('products', 'P1')])
        self.assertEqual(lead_score.Feature('x', lead_score.BINS, edges=(7, 30)).bin_labels(),
                         ['<= 7', '8-30', '> 30'])
        X = encoder.matrix(columns).toarray()
        logs = np.log1p([0, 3, 1])
        z = (logs - logs.mean()) / logs.std()
        np.testing.assert_allclose(X[:, 1], [z[0], z[1], 0.0, z[2]])  # the missing value: the mean
        np.testing.assert_array_equal(X[:, 2], [0, 0, 1, 0])
        np.testing.assert_array_equal(X[:, 3], [1, 1, 0, 0])  # 3 and 7 days: '<= 7'
        np.testing.assert_array_equal(X[:, 4], [1, 1, 0, 0])  # a token counts once per lead
        unseen = encoder.matrix({'source': ['phone'], 'customer_orders': [1], 'days_since_activity': [None],
                                 'products': [['P9']]}).toarray()
        np.testing.assert_allclose(unseen[0], [0, z[2], 0, 0, 0])

    def test_gradient_is_exact(self):
        columns, won, _p = simulated_leads(300)
        X = lead_score.Encoder(FEATURES).learn(columns, 5).matrix(columns)
        y = won.astype(float)
        theta = np.random.default_rng(1).normal(0, 0.3, X.shape[1] + 1)
        error = optimize.check_grad(lambda t: lead_score._objective(t, X, y, 2.0, np.ones(len(y)))[0],
                                    lambda t: lead_score._objective(t, X, y, 2.0, np.ones(len(y)))[1], theta)
        self.assertLess(error, 1e-4)

    def test_fit_finds_the_planted_effects(self):
        columns, won, truth = simulated_leads(20000)
        model = lead_score.fit(columns, won, np.arange(20000) // 10, FEATURES, fitted_on='2026-12-01')
        self.assertEqual(model.kind, 'logistic')
        weights = model.weights()
        # one-hot levels are identified up to a shift (the intercept): compare differences
        self.assertAlmostEqual(weights[('source', 'referral')] - weights[('source', 'web')], 1.0, delta=0.15)
        self.assertAlmostEqual(weights[('source', 'cold call')] - weights[('source', 'web')], -1.0, delta=0.15)
        self.assertAlmostEqual(weights[('days_since_activity', '<= 7')] - weights[('days_since_activity', '> 90')],
                               2.0, delta=0.25)
        self.assertAlmostEqual(weights[('products', 'P2')], 0.5, delta=0.12)
        report = model.report
        self.assertEqual((report['fitted_on'], report['size'], report['won']), ('2026-12-01', 20000, int(won.sum())))
        self.assertEqual(report['holdout_size'], 4000)  # the newest 20 %, days not split
        holdout = np.arange(16000, 20000)
        best = lead_score.auc(truth[holdout], won[holdout])  # what the true model reaches
        self.assertGreater(report['holdout_auc'], best - 0.02)
        self.assertLessEqual(report['holdout_auc'], best + 0.02)

    def test_reasons_add_up_to_the_score(self):
        columns, won, _p = simulated_leads(3000)
        model = lead_score.fit(columns, won, np.arange(3000), FEATURES)
        lead = {name: values[:5] for name, values in columns.items()}
        scored = model.score(lead, top=len(FEATURES))
        average_lead = model.theta[0] + model.baseline.sum()
        for (probability, reasons), expected in zip(scored, model.probabilities(lead)):
            self.assertAlmostEqual(probability, expected, places=12)
            logit = average_lead + sum(contribution for _f, _v, contribution in reasons)
            self.assertAlmostEqual(1 / (1 + math.exp(-logit)), probability, places=10)
            sizes = [abs(c) for _f, _v, c in reasons]
            self.assertEqual(sizes, sorted(sizes, reverse=True))
        top = model.score(lead)[0][1]
        self.assertEqual(len(top), 3)
        self.assertEqual([(f, v) for f, v, _c in top],
                         [(f, v) for f, v, _c in scored[0][1][:3]])
        self.assertEqual(dict((f, v) for f, v, _c in scored[0][1]),
                         {name: values[0] for name, values in lead.items()})

    def test_few_leads_score_as_many(self):
        """Up to DENSE_LEADS leads are scored on a dense matrix (a write rescores one lead): the
        same probabilities, reasons and contributions as among many leads (sparse)."""
        columns, won, _p = simulated_leads(1000)
        model = lead_score.fit(columns, won, np.arange(1000), FEATURES, l2=1.0)
        many = model.score(columns)
        for lead in (0, 1, 2, 500, 999):
            (probability, reasons), = model.score({name: values[lead:lead + 1] for name, values in columns.items()})
            self.assertAlmostEqual(probability, many[lead][0], places=12)
            self.assertEqual([(f, v) for f, v, _c in reasons], [(f, v) for f, v, _c in many[lead][1]])
            np.testing.assert_allclose([c for _f, _v, c in reasons], [c for _f, _v, c in many[lead][1]],
                                       rtol=1e-12, atol=1e-12)

    def test_reasons_json_as_json_dumps_writes_it(self):
        """The addon stores the chances and reasons of many leads from score_arrays(): the same
        texts as json.dumps of score()'s lists (quotes, non-ASCII, None, numbers, lists), for the
        learned model and the team win rate."""
        columns, won, _p = simulated_leads(600)
        columns['source'] = [{'web': 'web "direct"', 'referral': '推荐', 'cold call': None}[value]
                             for value in columns['source']]
        columns['customer_orders'][:3] = [None, 2.5, 10 ** 12]
        model = lead_score.fit(columns, won, np.arange(600), FEATURES, l2=1.0)
        columns['team'] = ['A', 'B', None] * 200
        win_rate = lead_score.fit(columns, won, np.arange(600), min_closed=10 ** 6)
        empty = lead_score.fit({'team': ['A', 'B']}, [0, 0], [1, 2])
        for engine, leads in ((model, columns), (win_rate, columns), (empty, {'team': ['A', 'B']})):
            expected = ([None if p is None else round(100.0 * p, 1) for p, _top in engine.score(leads)],
                        [None if p is None else json.dumps([[f, _json_value(v), round(c, 4)] for f, v, c in top])
                         for p, top in engine.score(leads)])
            self.assertEqual(_chances_and_reasons(leads, *engine.score_arrays(leads)), expected, engine.kind)
        # a non-ASCII source as json.dumps escapes it
        self.assertIn('"\\u63a8\\u8350"', ''.join(_chances_and_reasons(columns, *model.score_arrays(columns))[1]))

    def test_stored_model_scores_the_same(self):
        columns, won, _p = simulated_leads(1000)
        model = lead_score.fit(columns, won, np.arange(1000), FEATURES, l2=1.0)
        again = lead_score.load(json.loads(json.dumps(model.to_dict())))
        np.testing.assert_allclose(again.probabilities(columns), model.probabilities(columns), rtol=1e-12)
        self.assertEqual(again.report, model.report)

    def test_fallback_is_the_team_win_rate(self):
        columns = {'team': ['A'] * 4 + ['B'] * 6}
        won = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
        model = lead_score.fit(columns, won, list(range(10)), min_closed=200)
        self.assertEqual(model.kind, 'win_rate')
        self.assertIn('too few closed leads: 10 (4 won)', model.report['fallback'])
        # company 4/10; team A: (3 + 10 x 0.4) / (4 + 10), unknown team: the company's rate
        probabilities = model.probabilities({'team': ['A', 'B', 'C']})
        np.testing.assert_allclose(probabilities, [7 / 14, 5 / 16, 0.4])
        probability, reasons = model.score({'team': ['A']})[0]
        self.assertEqual(reasons, [('team', 'A', math.log(0.5 / 0.5) - math.log(0.4 / 0.6))])
        again = lead_score.load(json.loads(json.dumps(model.to_dict())))
        np.testing.assert_allclose(again.probabilities({'team': ['A', 'B', 'C']}), probabilities)

    def test_one_outcome_only_scores_nothing(self):
        model = lead_score.fit({'team': ['A', 'B']}, [0, 0], [1, 2])
        self.assertEqual(model.kind, 'win_rate')
        self.assertTrue(np.isnan(model.probabilities({'team': ['A']})).all())
        self.assertEqual(model.score({'team': ['A']}), [(None, [])])
