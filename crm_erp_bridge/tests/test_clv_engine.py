import math
import os
import unittest

import numpy as np
from scipy import optimize, special

from ..engines import clv

CDNOW_SAMPLE = os.path.join(os.path.dirname(__file__), 'data', 'cdnow_sample_summary.csv')


def _cdnow_sample():
    """The CDNOW sample of Fader & Hardie (2,357 customers, 39 weeks): x, t_x and T in weeks,
    zbar the mean repeat purchase value (shipped in the lifetimes package, MIT)."""
    data = np.genfromtxt(CDNOW_SAMPLE, delimiter=',', names=True)
    return data['x'], data['t_x'], data['T'], data['zbar']


class TestClvEngine(unittest.TestCase):
    """The CLV engine against published figures, hand computations and simulated customers."""

    def test_summary_counts_same_day_orders_once(self):
        # customer 7: two orders on day 3 (10 + 5), one on day 10 (20), one after the as-of day
        # customer 9: a single order on day 8
        customers, frequency, recency, age, monetary, revenue = clv.summarize(
            [7, 7, 7, 9, 7], [3, 3, 10, 8, 30], [10.0, 5.0, 20.0, 40.0, 99.0], as_of_day=20)
        self.assertEqual(customers.tolist(), [7, 9])
        self.assertEqual(frequency.tolist(), [1.0, 0.0])
        self.assertEqual(recency.tolist(), [7.0, 0.0])
        self.assertEqual(age.tolist(), [17.0, 12.0])
        self.assertEqual(monetary.tolist(), [20.0, 0.0])  # the repeat day only
        self.assertEqual(revenue.tolist(), [35.0, 40.0])

    def test_pareto_nbd_matches_fader_hardie_on_cdnow(self):
        """Fader & Hardie (2005), "A note on deriving the Pareto/NBD model": LL -9594.98 at
        r = 0.5534, alpha = 10.5802, s = 0.6061, beta = 11.6562 (weeks)."""
        x, t_x, T, _zbar = _cdnow_sample()
        ll = clv.pareto_nbd_log_likelihood((0.5534, 10.5802, 0.6061, 11.6562), x, t_x, T).sum()
        self.assertAlmostEqual(ll, -9594.98, delta=0.01)
        model = clv.fit_purchase_model(x, t_x, T, 'pareto_nbd')
        self.assertFalse(model.fallback)
        for key, published in (('r', 0.5534), ('alpha', 10.5802), ('s', 0.6061), ('beta', 11.6562)):
            self.assertAlmostEqual(model.params[key] / published, 1, delta=0.005, msg=key)
        self.assertGreaterEqual(model.log_likelihood, -9594.98)
        # the published conditional figures of the BTYD package's walkthrough (version 2.4.2, its
        # own fit of these data: LL -9594.976, the parameters above to 3 decimals): customer
        # 1516 (x = 26, t_x = 30.86, T = 31 weeks) expects 25.45647 transactions in 52 weeks,
        # P(alive) 0.997874; with t_x = 20 and T = 39, x = 10, 15, 20, 25 expect 0.7062289,
        # 0.1442396, 0.02250658, 0.00309267 (the "increasing frequency paradox")
        published = clv.PurchaseModel('pareto_nbd', {'r': 0.5534, 'alpha': 10.5802, 's': 0.6061, 'beta': 11.6562})
        np.testing.assert_allclose(published.expected_orders(52, [26], [30.857143], [31.0]), [25.45647], rtol=1e-3)
        np.testing.assert_allclose(published.probability_alive([26], [30.857143], [31.0]), [0.997874], rtol=1e-5)
        np.testing.assert_allclose(published.expected_orders(52, [10, 15, 20, 25], [20] * 4, [39] * 4),
                                   [0.7062289, 0.1442396, 0.02250658, 0.00309267], rtol=5e-3)

    def test_pareto_nbd_likelihood_by_quadrature(self):
        """L = Gamma(r+x) alpha^r beta^s / Gamma(r) [(alpha+T)^-(r+x) (beta+T)^-s
        + s int_{t_x}^T (alpha+y)^-(r+x) (beta+y)^-(s+1) dy] (the drop-out time integrated
        out), by numerical quadrature, against the engine's tails, with alpha above and below
        beta, t_x = T, x = 0 and a frequent buyer."""
        from scipy import integrate
        x, t_x, T = np.array([0, 0, 3, 3, 40]), np.array([0, 0, 50, 120, 110]), np.array([0, 200, 120, 120, 120])
        for params in ((0.6, 80.0, 0.5, 60.0), (0.6, 30.0, 1.7, 400.0)):
            r, alpha, s, beta = params
            engine = clv.pareto_nbd_log_likelihood(params, x, t_x, T)
            model = clv.PurchaseModel('pareto_nbd', dict(zip(('r', 'alpha', 's', 'beta'), params)))
            alive = model.probability_alive(x, t_x, T)
            for index in range(len(x)):
                n, recency, age = x[index], t_x[index], T[index]
                alive_part = (alpha + age) ** -(r + n) * (beta + age) ** -s
                gone_part = s * integrate.quad(lambda y: (alpha + y) ** -(r + n) * (beta + y) ** -(s + 1),
                                               recency, age, epsabs=0, epsrel=1e-12)[0]
                constant = math.lgamma(r + n) - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
                self.assertAlmostEqual(engine[index], constant + math.log(alive_part + gone_part), places=9)
                self.assertAlmostEqual(alive[index], alive_part / (alive_part + gone_part), places=10)

    def test_pareto_nbd_gradient_is_exact(self):
        x, t_x, T, _zbar = _cdnow_sample()
        cx, ctx, cT, weights = clv.compress(x, t_x, T)
        tables = clv._pareto_tables(cx, ctx, cT)
        for point in (np.log([0.55, 10.6, 0.61, 11.7]), np.log([0.4, 5.0, 1.5, 40.0])):  # alpha < or > beta
            def objective(p):
                return clv._pareto_nbd_objective(p, tables, weights)[0]
            numeric = optimize.approx_fprime(point, objective, 1e-7)
            np.testing.assert_allclose(clv._pareto_nbd_objective(point, tables, weights)[1], numeric,
                                       rtol=1e-4, atol=1e-7)
        # the series 2F1(1, a; c; z) and its z-derivative a/c 2F1(2, a+1; c+1; z) against scipy
        # (z = 0.9: a few hundred terms; 0.9995: scipy's own)
        a, c, z = np.array([0.6, 30.0, 1.5, 0.7]), np.array([2.1, 31.6, 2.2, 2.5]), np.array([0.3, 0.5, 0.9, 0.9995])
        value, _d_a, _d_c, d_z = clv._series(a, c, z)
        np.testing.assert_allclose(value, special.hyp2f1(1.0, a, c, z), rtol=1e-10)
        np.testing.assert_allclose(d_z, a / c * special.hyp2f1(2.0, a + 1, c + 1, z), rtol=1e-6)

    def test_gamma_gamma_matches_fader_hardie_on_cdnow(self):
        """Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25,
        q = 3.74, gamma = 15.44 on the same customers (946 with a repeat purchase)."""
        x, _t_x, _T, zbar = _cdnow_sample()
        model = clv.fit_value_model(x, zbar)
        self.assertFalse(model.fallback)
        self.assertEqual(model.customers, 946)
        for key, published in (('p', 6.25), ('q', 3.74), ('v', 15.44)):
            self.assertAlmostEqual(model.params[key] / published, 1, delta=0.01, msg=key)
        # eq. 5: a customer with 2 repeat purchases of mean 20
        p, q, v = model.params['p'], model.params['q'], model.params['v']
        self.assertAlmostEqual(model.expected_order_value([2], [20.0])[0], (v + 2 * 20.0) * p / (2 * p + q - 1))

    def test_mbg_nbd_likelihood_by_hand(self):
        """One customer, x = 2, t_x = 30, T = 50, at r = 0.5, alpha = 10, a = 0.8, b = 2.5:
        L = B(a, b+x+1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
            x [1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)]  (Batislam et al. 2007)."""
        r, alpha, a, b, x, t_x, T = 0.5, 10.0, 0.8, 2.5, 2, 30.0, 50.0

        def beta(p, q):
            return math.gamma(p) * math.gamma(q) / math.gamma(p + q)
        by_hand = (beta(a, b + x + 1) / beta(a, b) * math.gamma(r + x) * alpha ** r
                   / (math.gamma(r) * (alpha + T) ** (r + x))
                   * (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x)))
        ll = clv.mbg_nbd_log_likelihood((r, alpha, a, b), [x], [t_x], [T])[0]
        self.assertAlmostEqual(ll, math.log(by_hand), places=10)
        # P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
        model = clv.PurchaseModel('mbg_nbd', {'r': r, 'alpha': alpha, 'a': a, 'b': b})
        self.assertAlmostEqual(model.probability_alive([x], [t_x], [T])[0],
                               1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x)), places=12)

    def test_mbg_nbd_gradient_is_exact(self):
        x, t_x, T, _zbar = _cdnow_sample()
        cx, ctx, cT, weights = clv.compress(x, t_x, T)
        values, inverse = np.unique(cx, return_inverse=True)
        counts = (values, np.bincount(inverse, weights=weights), inverse)
        point = np.log([0.4, 5.0, 0.9, 1.8])

        def objective(p):
            return clv._mbg_nbd_objective(p, cx, ctx, cT, weights, counts)[0]
        numeric = optimize.approx_fprime(point, objective, 1e-7)
        np.testing.assert_allclose(clv._mbg_nbd_objective(point, cx, ctx, cT, weights, counts)[1], numeric,
                                   rtol=1e-4, atol=1e-7)
        # the weighted sum over compressed rows is the sum over customers
        self.assertAlmostEqual(objective(point) * -len(x),
                               clv.mbg_nbd_log_likelihood(np.exp(point), x, t_x, T).sum(), places=6)

    def test_mbg_nbd_recovers_simulated_parameters(self):
        rng = np.random.default_rng(16)
        truth = (0.6, 50.0, 0.9, 1.5)
        T = rng.uniform(30, 700, 20000)
        x, t_x = clv.simulate_mbg_nbd(truth, T, rng)
        model = clv.fit_purchase_model(x, t_x, T, 'mbg_nbd')
        self.assertFalse(model.fallback)
        for key, true_value in zip(('r', 'alpha', 'a', 'b'), truth):
            self.assertAlmostEqual(model.params[key] / true_value, 1, delta=0.15, msg=key)
        # the fit's likelihood beats the true parameters' (it is the maximum) and a constant rate
        self.assertGreaterEqual(model.log_likelihood, clv.mbg_nbd_log_likelihood(truth, x, t_x, T).sum())
        self.assertGreater(model.log_likelihood, clv.poisson_log_likelihood(x, T).sum())
        # the expected repeat purchases over the customers' own ages add up to what happened
        expected = sum(model.expected_orders(age, 0, 0, 0) for age in T[:500])
        self.assertAlmostEqual(expected.sum() / x[:500].sum(), 1, delta=0.15)

    def test_one_order_customers_can_have_left(self):
        model = clv.PurchaseModel('mbg_nbd', {'r': 0.6, 'alpha': 50.0, 'a': 0.9, 'b': 1.5})
        alive = model.probability_alive([0, 0, 0, 3], [0, 0, 0, 300], [0, 100, 400, 400])
        # ordered today: b / (a + b); then it falls with the silence
        self.assertAlmostEqual(alive[0], 1.5 / 2.4)
        self.assertGreater(alive[0], alive[1])
        self.assertGreater(alive[1], alive[2])
        self.assertGreater(alive[3], alive[2])  # three repeat orders, the last 100 days ago
        pareto = clv.PurchaseModel('pareto_nbd', {'r': 0.6, 'alpha': 80.0, 's': 0.5, 'beta': 60.0})
        pareto_alive = pareto.probability_alive([0, 0, 0], [0, 0, 0], [0, 100, 400])
        self.assertAlmostEqual(pareto_alive[0], 1.0)  # ordered today: nobody leaves in no time
        self.assertTrue(1 > pareto_alive[1] > pareto_alive[2] > 0)

    def test_predictions(self):
        model = clv.PurchaseModel('mbg_nbd', {'r': 0.6, 'alpha': 50.0, 'a': 0.9, 'b': 1.5})
        value = clv.ValueModel({'p': 6.0, 'q': 3.7, 'v': 15.0})
        x, t_x, T, m = [0, 5, 5], [0, 200, 390], [0, 400, 400], [0, 30.0, 30.0]
        figures = clv.predict(model, value, x, t_x, T, m, horizon_days=365)
        for days in (30, 90, 365):
            self.assertTrue(np.all(figures['expected_orders_%d' % days] > 0))
        self.assertTrue(np.all(figures['expected_orders_30'] < figures['expected_orders_90']))
        self.assertTrue(np.all(figures['expected_orders_90'] < figures['expected_orders_365']))
        # the recent buyer is worth more than the one silent for 200 days
        self.assertGreater(figures['clv'][2], figures['clv'][1])
        # without discount the value is expected orders x expected order value
        np.testing.assert_allclose(figures['clv'], figures['expected_orders_365'] * figures['expected_order_value'])
        discounted = clv.predict(model, value, x, t_x, T, m, horizon_days=365, annual_discount_rate=0.1)
        self.assertTrue(np.all(discounted['clv'] < figures['clv']))
        self.assertTrue(np.all(discounted['clv'] > figures['clv'] / 1.1))
        self.assertTrue(np.all(clv.predict(model, value, x, t_x, T, m, horizon_days=0)['clv'] == 0))
        with self.assertRaises(ValueError):
            clv.predict(model, value, x, t_x, T, m, annual_discount_rate=-0.1)

    def test_probability_of_order_and_shared_rows(self):
        model = clv.PurchaseModel('mbg_nbd', {'r': 0.6, 'alpha': 50.0, 'a': 0.9, 'b': 1.5})
        x, t_x, T = [2, 2, 0], [100, 300, 0], [400, 400, 400]
        alive = model.probability_alive(x, t_x, T)
        # alive, and the first purchase of a Gamma(r + x, alpha + T) rate within 90 days
        np.testing.assert_allclose(model.probability_of_order(90, x, t_x, T),
                                   alive * (1 - (450.0 / 540.0) ** np.array([2.6, 2.6, 0.6])))
        # the part shared by customers of one (x, T) is computed once: same figures one by one
        together = model.expected_orders_at([30, 365], x, t_x, T)
        for index in range(3):
            alone = model.expected_orders_at([30, 365], x[index], t_x[index], T[index])
            np.testing.assert_allclose(together[:, index], alone[:, 0])
        self.assertGreater(together[1, 1], together[1, 0])  # same x and T, the more recent buyer
        with self.assertRaises(ValueError):
            clv.PurchaseModel('pareto_nbd', {'r': 0.6, 'alpha': 80.0, 's': 0.5, 'beta': 60.0}).probability_of_order(
                90, x, t_x, T)

    def test_fallback_with_few_repeat_customers(self):
        # a fresh company: 10 customers, 3 with a repeat order
        x = np.array([0, 0, 0, 0, 0, 0, 0, 1, 2, 1], dtype=float)
        t_x = np.array([0, 0, 0, 0, 0, 0, 0, 20, 40, 5], dtype=float)
        T = np.array([0, 1, 5, 10, 30, 60, 90, 60, 90, 10], dtype=float)
        m = np.array([0, 0, 0, 0, 0, 0, 0, 50, 70, 30], dtype=float)
        model = clv.fit_purchase_model(x, t_x, T)
        self.assertTrue(model.fallback)
        self.assertEqual(model.params['r'], clv.FALLBACK_SHAPE['r'])
        # pooled rate: (4 repeat days + 1) / (356 customer-days + 365)
        self.assertAlmostEqual(model.params['r'] / model.params['alpha'], 5 / 721)
        value = clv.fit_value_model(x, m, average_order_value=[20, 20, 20, 20, 20, 20, 20, 40, 60, 25])
        self.assertTrue(value.fallback)
        figures = clv.predict(model, value, x, t_x, T, m, average_order_value=[20, 0, 20, 20, 20, 20, 20, 40, 60, 25])
        self.assertTrue(np.all((figures['probability_alive'] > 0) & (figures['probability_alive'] <= 1)))
        self.assertTrue(np.all(figures['clv'] > 0))
        self.assertAlmostEqual(figures['expected_order_value'][1], 26.5)  # no own value: the company's
        # no customer at all
        empty = clv.fit_purchase_model([], [], [])
        self.assertTrue(empty.fallback)
        self.assertEqual(clv.predict(empty, clv.fit_value_model([], []), [], [], [], [])['clv'].shape, (0,))

    def test_bad_summary(self):
        with self.assertRaises(ValueError):
            clv.fit_purchase_model([1], [5], [3])  # recency beyond age
        with self.assertRaises(ValueError):
            clv.fit_purchase_model([1, 2], [0, 1], [1, 2], name='bg_nbd')
