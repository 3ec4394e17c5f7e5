import numpy as np

from ..engines import clv
from .customer_360_common import Customer360Case

# the lifetime value figures of a Customer 360 row
CLV_FIELDS = ('clv_probability_alive', 'clv_expected_orders_30', 'clv_expected_orders_90', 'clv_expected_orders_365',
              'clv_expected_order_value', 'clv_predicted_value')
ENGINE_KEYS = ('probability_alive', 'expected_orders_30', 'expected_orders_90', 'expected_orders_365',
               'expected_order_value', 'clv')


class TestCustomer360Clv(Customer360Case):
    """The lifetime value figures per customer (issue 16): the company's fitted model
    (crm.erp.clv.model) applied to the customer's history in the refresh, equal to the engine's
    formulas; the fallback of a company with few repeat customers; incremental = full."""

    # company A: MBG/NBD r, alpha (days), a, b and Gamma-Gamma p, q, v fixed by the test
    MODEL = {'r': 0.8, 'alpha': 40.0, 'a': 0.7, 'b': 2.0}
    VALUE = {'p': 6.0, 'q': 4.0, 'v': 15.0}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_clv_model(cls.company_a, **dict(cls.MODEL, **cls.VALUE))

    def _engine(self, x, t_x, T, m, horizon_days=365, rate=0.0):
        purchase = clv.PurchaseModel('mbg_nbd', self.MODEL)
        return clv.predict(purchase, clv.ValueModel(dict(self.VALUE)), [x], [t_x], [T], [m],
                           horizon_days=horizon_days, annual_discount_rate=rate)

    def _assert_figures(self, row, expected):
        for field, key in zip(CLV_FIELDS, ENGINE_KEYS):
            self.assertAlmostEqual(row[field], float(expected[key][0]), places=2 if 'value' in field else 4,
                                   msg=field)

    def test_figures_equal_the_engine(self):
        ivy = self._customer('Ivy')
        self._order(ivy, '2025-01-10', [(self.product_1, 1, 100.0)])
        self._order(ivy, '2025-03-10', [(self.product_1, 1, 50.0)])
        self._order(ivy, '2025-03-10', [(self.product_2, 1, 30.0)])  # same day: one purchase of 80
        self._order(ivy, '2025-06-01', [(self.product_1, 1, 120.0)])
        row = self._row(ivy)
        # as of 2025-12-31: 2 repeat purchase days, 142 days from the first to the last, age 355,
        # mean repeat value (80 + 120) / 2
        x, t_x, T, m = 2, 142, 355, 100.0
        expected = self._engine(x, t_x, T, m)
        self._assert_figures(row, expected)
        # P(alive) by hand (Batislam et al. 2007)
        r, alpha, a, b = (self.MODEL[key] for key in ('r', 'alpha', 'a', 'b'))
        by_hand = 1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x))
        self.assertAlmostEqual(row.clv_probability_alive, by_hand, places=4)
        # expected order value by hand (Fader & Hardie 2013): (v + x m) p / (p x + q - 1)
        p, q, v = self.VALUE['p'], self.VALUE['q'], self.VALUE['v']
        self.assertAlmostEqual(row.clv_expected_order_value, (v + x * m) * p / (p * x + q - 1), places=2)
        self.assertLess(row.clv_expected_orders_30, row.clv_expected_orders_90)
        self.assertLess(row.clv_expected_orders_90, row.clv_expected_orders_365)
        # the company's horizon and discount rate
        self.company_a.write({'customer_360_clv_horizon_months': 6, 'customer_360_clv_discount_rate': 10.0})
        self.Stats._refresh(self.company_a.ids, [ivy.id])
        self._assert_figures(self._row(ivy), self._engine(x, t_x, T, m, horizon_days=182.5, rate=0.1))
        self.assertLess(self._row(ivy).clv_predicted_value, expected['clv'][0])
        # the partner's tab and the API, in plain words and units
        self.assertEqual(ivy.customer_buy_again_percent, round(100 * by_hand))
        self.assertEqual(ivy.customer_360_horizon_months, 6)
        self.assertAlmostEqual(ivy.customer_predicted_value, self._row(ivy).clv_predicted_value, places=2)
        profile, = self.env['res.partner'].get_customer_360([ivy.id])
        for field in CLV_FIELDS:
            self.assertAlmostEqual(profile[field], self._row(ivy)[field], places=4)

    def test_one_order_long_ago_and_fallback(self):
        # Company B has no fitted model: its first refresh fits it, the fallback (few repeat customers)
        old = self._customer('Olga')
        self._order(old, '2023-01-15', [(self.product_1, 1, 40.0)], company=self.company_b)
        model = self.env['crm.erp.clv.model'].search([('company_id', '=', self.company_b.id)])
        self.assertTrue(model.fallback)
        row = self._row(old, self.company_b)
        self.assertLess(row.clv_probability_alive, 0.5)  # BG/NBD would say 1
        fallback = clv.PurchaseModel('mbg_nbd', {'r': model.rate_shape, 'alpha': model.rate_scale_days,
                                                 'a': model.dropout_a, 'b': model.dropout_b})
        self.assertAlmostEqual(row.clv_probability_alive, float(fallback.probability_alive(0, 0, 1081)), places=4)
        self.assertAlmostEqual(row.clv_expected_order_value, 40.0, places=2)  # own average order
        self.assertIn(row.customer_stage, ('at_risk', 'lost'))

    def test_customers_who_ordered_today_in_a_new_company(self):
        # a new company, every customer's first order on the reference day: not At risk, not RFM Lost
        customers = [self._customer('Today %d' % i) for i in range(5)]
        for i, customer in enumerate(customers):
            self._order(customer, self.DATE_REF, [(self.product_1, 1 + i, 10.0)], company=self.company_b)
        self._refresh(self.company_b)
        shape = clv.FALLBACK_SHAPE
        for customer in customers:
            row = self._row(customer, self.company_b)
            self.assertEqual(row.customer_stage, 'new')
            self.assertEqual(row.rfm_recency_score, 5)
            self.assertNotIn(row.rfm_segment, ('lost', 'hibernating', 'at_risk', 'cant_lose'))
            self.assertAlmostEqual(row.clv_probability_alive, shape['b'] / (shape['a'] + shape['b']), places=4)

    def test_incremental_refresh_equals_full_refresh(self):
        customers = [self._customer('Inc %d' % i) for i in range(6)]
        for i, customer in enumerate(customers):
            for k in range(i + 1):
                self._order(customer, '2025-%02d-%02d' % (1 + 2 * k, 1 + 3 * i), [(self.product_1, 1, 20.0 + 7 * i)])
        self._refresh()  # boundaries cut once
        self._order(customers[2], '2025-12-01', [(self.product_2, 2, 35.0)])  # incremental for one customer

        def figures():
            self.Stats.invalidate_cache()
            rows = self.Stats.search([('company_id', '=', self.company_a.id)], order='partner_id')
            return [(row.partner_id.id, row.customer_stage, row.rfm_segment)
                    + tuple(round(row[f], 6) for f in CLV_FIELDS) for row in rows]

        incremental = figures()
        # the full refresh in chunks of two customers (one transaction under the test runner)
        self.Stats._refresh_all(self.company_a.ids, customers_per_chunk=2)
        full = figures()
        # the lifetime value figures are the same; the full refresh re-cuts the RFM boundaries
        # (the incremental one scores against the stored ones), so segments and stages may move
        self.assertEqual([row[3:] for row in full], [row[3:] for row in incremental])
        self.assertTrue(all(np.isfinite(value) for row in full for value in row[3:]))
        # against the same boundaries, an incremental refresh of every customer changes nothing
        self.Stats._refresh_pairs({(self.company_a.id, customer.id) for customer in customers})
        self.assertEqual(figures(), full)

    def test_as_of_dry_run_sees_only_the_past_and_writes_nothing(self):
        jon = self._customer('Jon')
        self._order(jon, '2025-02-01', [(self.product_1, 1, 100.0)])
        self._order(jon, '2025-04-01', [(self.product_1, 1, 60.0)])
        self._order(jon, '2025-11-01', [(self.product_1, 1, 500.0)])  # after the as-of day
        kim = self._customer('Kim')
        self._order(kim, '2025-11-02', [(self.product_1, 1, 70.0)])  # only after it
        cr = self.env.cr

        def stored():
            cr.execute("SELECT * FROM crm_erp_partner_stats WHERE company_id = %s ORDER BY id", self.company_a.ids)
            rows = cr.fetchall()
            cr.execute("SELECT * FROM crm_erp_clv_model WHERE company_id = %s", self.company_a.ids)
            model = cr.fetchall()
            cr.execute("SELECT (SELECT COUNT(*) FROM crm_erp_partner_stage_history),"
                       " (SELECT COUNT(*) FROM mail_message), (SELECT COUNT(*) FROM crm_erp_partner_stats)")
            return rows, model, cr.fetchone()

        before = stored()
        as_of = '2025-06-30'
        jon_profile, kim_profile = self.env['res.partner'].with_context(customer_360_date=as_of).get_customer_360(
            [jon.id, kim.id])
        self.assertEqual(stored(), before)  # nothing written: rows, model, history, chatter, row count
        # Jon as of 2025-06-30: two orders (the one of November unseen), 90 days since the last
        self.assertEqual((jon_profile['sale_order_count'], jon_profile['sale_revenue'], jon_profile['last_order_date'],
                          jon_profile['days_since_last_order']), (2, 160.0, '2025-04-01', 90))
        self.assertEqual((kim_profile['sale_order_count'], kim_profile['customer_stage']), (0, 'prospect'))
        # the model refitted on the orders up to that day (the stored one saw later orders):
        # here the fallback on Jon alone, x = 1, t_x = 59, T = 149
        purchase = clv.fit_purchase_model([1], [59], [149])
        value = clv.fit_value_model([1], [60.0], [80.0])
        expected = clv.predict(purchase, value, [1], [59], [149], [60.0], average_order_value=[80.0])
        for field, key in zip(CLV_FIELDS, ENGINE_KEYS):
            self.assertAlmostEqual(jon_profile[field], float(expected[key][0]), places=2, msg=field)
        # without the date: today's stored figures, all three orders
        today, = self.env['res.partner'].with_context(customer_360_date=False).get_customer_360([jon.id])
        self.assertEqual(today['sale_order_count'], 3)
