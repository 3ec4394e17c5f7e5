import datetime
import unittest

import numpy as np

from ..engines import sales_forecast as sf

JAN_2024 = sf.month_index(datetime.date(2024, 1, 15))


def history_of(rows):
    """{'key', 'month', 'qty', 'opportunity'} arrays of (key, month, qty, from an opportunity) rows."""
    key, month, qty, opportunity = zip(*rows)
    return {'key': np.array(key), 'month': np.array(month), 'qty': np.array(qty, dtype=float),
            'opportunity': np.array(opportunity)}


NO_PIPELINE = {'key': [], 'month': [], 'qty': [], 'probability': []}


class TestSalesForecastEngine(unittest.TestCase):
    """The forecast engine on histories and pipelines whose forecast is computed by hand."""

    def test_month_index(self):
        self.assertEqual(JAN_2024, 2024 * 12)
        self.assertEqual(sf.month_index(datetime.date(2024, 12, 1)) - JAN_2024, 11)

    def test_run_rate_is_the_recent_mean_without_two_years(self):
        sales = np.array([[10.0, 20, 30, 0, 10, 20], [0, 0, 0, 0, 0, 6]])
        np.testing.assert_allclose(sf.run_rate(sales, JAN_2024, JAN_2024 + 6, 2), [[15, 15], [1, 1]])
        np.testing.assert_allclose(sf.run_rate(sales, JAN_2024, JAN_2024 + 6, 1, level_months=3), [[10], [2]])

    def test_run_rate_follows_the_seasons_with_two_years(self):
        pattern = np.ones(12)
        pattern[11] = 2.0  # December sells twice a normal month
        index = pattern / pattern.mean()
        # 30 months from July 2021: 100 x index of the month, level unchanged
        first = JAN_2024 - 30
        months = first + np.arange(30)
        sales = 100 * index[months % 12][np.newaxis, :]
        forecast = sf.run_rate(sales, first, JAN_2024, 12)
        np.testing.assert_allclose(forecast[0], 100 * index)
        # a product with the same history and half the sales of the group: half the forecast
        both = np.vstack([sales, sales / 2])
        np.testing.assert_allclose(sf.run_rate(both, first, JAN_2024, 12)[1], 50 * index)

    def test_run_rate_follows_the_trend_with_two_years(self):
        # 10 % a year, month by month, for 26 months: the forecast carries on the same curve
        first = JAN_2024 - 26
        sales = 100 * 1.1 ** (np.arange(26) / 12.0)
        forecast = sf.run_rate(sales[np.newaxis, :], first, JAN_2024, 3)
        np.testing.assert_allclose(forecast[0], 100 * 1.1 ** (np.arange(26, 29) / 12.0))
        # without two years, no trend: the mean of the last 6 months
        short = sf.run_rate(sales[np.newaxis, -20:], JAN_2024 - 20, JAN_2024, 1)
        np.testing.assert_allclose(short[0], sales[-6:].mean())

    def test_weighted_pipeline_moves_overdue_lines_to_the_first_month(self):
        keys = np.array([1, 2])
        expected_months = [JAN_2024 - 2, JAN_2024 + 1, JAN_2024 + 1, JAN_2024 + 5, JAN_2024]
        weighted = sf.weighted_pipeline(keys, [1, 1, 2, 2, 3], expected_months, [10, 4, 8, 100, 50],
                                        [0.5, 0.25, 0.5, 0.9, 1.0], JAN_2024, 3)
        # key 1: overdue 10 x 0.5 in January, 4 x 0.25 in February; key 2: 8 x 0.5 in February,
        # June beyond the 3 months; key 3 is not asked for
        np.testing.assert_allclose(weighted, [[5, 1, 0], [0, 4, 0]])

    def test_weighted_pipeline_spread_by_the_slips_of_won_leads(self):
        # won leads closed in their expected month twice, one and two months late once each
        slips = [0, 0, 1, 2]
        weighted = sf.weighted_pipeline(np.array([1]), [1, 1, 1], [JAN_2024, JAN_2024 - 1, JAN_2024 - 5],
                                        [10, 8, 2], [0.5, 1.0, 1.0], JAN_2024, 3, slips)
        # expected in January: 5 x (1/2, 1/4, 1/4); expected in December, still open: the slips 1
        # and 2 only, 8 x (1/2, 1/2) in January and February; five months late: beyond every
        # slip, all in January
        np.testing.assert_allclose(weighted, [[2.5 + 4 + 2, 1.25 + 4, 1.25]])

    def test_pipeline_coverage_by_hand(self):
        # won leads closed in the 12 months before January 2024: (created, closed, amount)
        leads = [(JAN_2024 - 3, JAN_2024 - 1, 100.0),   # open 2 months before closing
                 (JAN_2024 - 1, JAN_2024 - 1, 300.0),   # created in its closing month
                 (JAN_2024 - 9, JAN_2024 - 2, 600.0),   # open 7 months before
                 (JAN_2024 - 30, JAN_2024 - 20, 999.0)]  # outside the last 12 months
        created, closed, amount = zip(*leads)
        coverage = sf.pipeline_coverage(created, closed, amount, JAN_2024, 3)
        np.testing.assert_allclose(coverage, [700 / 1000, 700 / 1000, 600 / 1000])
        self.assertTrue(np.isnan(sf.pipeline_coverage([], [], [], JAN_2024, 2)).all())

    def test_forecast_adds_direct_pipeline_and_uncovered_opportunity_sales(self):
        # key 7: direct sales 30 a month, opportunity sales 20 a month over the last 3 months;
        # an open line of 10 at 60 % in February; coverage 0.75 (1 month), 0.5 (2 months)
        rows = [(7, JAN_2024 - m, 30.0, False) for m in (1, 2, 3)] + [(7, JAN_2024 - m, 20.0, True) for m in (1, 2, 3)]
        rows.append((8, JAN_2024 - 1, 9.0, False))
        pipeline = {'key': [7], 'month': [JAN_2024 + 1], 'qty': [10.0], 'probability': [0.6]}
        result = sf.forecast(history_of(rows), pipeline, JAN_2024, horizon=2, coverage=[0.75, 0.5], level_months=3)
        self.assertEqual(result.keys.tolist(), [7, 8])
        self.assertEqual(result.months.tolist(), [JAN_2024, JAN_2024 + 1])
        np.testing.assert_allclose(result.direct, [[30, 30], [3, 3]])  # key 8: 9 over 3 months
        np.testing.assert_allclose(result.pipeline, [[0, 6], [0, 0]])
        np.testing.assert_allclose(result.uncovered, [[5, 10], [0, 0]])
        np.testing.assert_allclose(result.total, [[35, 46], [3, 3]])
        modelled = sf.forecast(history_of(rows), pipeline, JAN_2024, horizon=2, coverage=[0.75, 0.5], level_months=3,
                               direct=[[28, 33], [2, 4]])
        np.testing.assert_allclose(modelled.total, [[33, 49], [2, 4]])
        plain = sf.forecast(history_of(rows), pipeline, JAN_2024, horizon=2, run_rates=False)
        np.testing.assert_allclose(plain.total, [[0, 6], [0, 0]])
        group_keys, totals = result.by_group(['tools', 'tools'])
        self.assertEqual(group_keys.tolist(), ['tools'])
        np.testing.assert_allclose(totals, [[38, 49]])

    def test_customer_sales_spread_expected_orders_over_each_customers_products(self):
        keys = np.array([1, 2])
        # customer 10 expects 1 then 2 purchase days, customer 20 half a day each month
        expected = [[1.0, 2.0], [0.5, 0.5]]
        # customer 10 bought 10 of key 1 and 4 of key 2 over 2 purchase days; customer 20 6 of key
        # 1 over 3 days and 5 of key 3 (not asked for)
        mix = [(10, 1, 10.0, 2), (10, 2, 4.0, 2), (20, 1, 6.0, 3), (20, 3, 5.0, 3)]
        customer, key, value, days = zip(*mix)
        sales = sf.customer_sales(keys, [10, 20], expected, customer, key, value, days)
        # key 1: 5 a purchase day x (1, 2) + 2 a day x (0.5, 0.5); key 2: 2 a day x (1, 2)
        np.testing.assert_allclose(sales, [[5 + 1, 10 + 1], [2, 4]])
        np.testing.assert_allclose(sf.customer_sales(keys, [], np.zeros((0, 2)), customer, key, value, days),
                                   np.zeros((2, 2)))
        # customer 15 bought nothing in the window and expects 1 purchase day a month: the average
        # purchase day of customers 10 and 20 (5 days): 16 / 5 of key 1, 4 / 5 of key 2
        with_15 = sf.customer_sales(keys, [10, 15, 20], [[1.0, 2.0], [1.0, 1.0], [0.5, 0.5]], customer, key, value,
                                    days)
        np.testing.assert_allclose(with_15, [[6 + 3.2, 11 + 3.2], [2 + 0.8, 4 + 0.8]])

    def test_forecast_with_the_customer_model_and_the_new_customers_run_rate(self):
        # key 1: old customers (age 6) buy 10 a month; customers in their first month (age 0) 2 a
        # month; a customer in its second month (age 1) 3 once, in the last month
        rows = [(1, JAN_2024 - m, 10.0, False) for m in range(1, 7)]
        rows += [(1, JAN_2024 - m, 2.0, False) for m in range(1, 7)]
        rows.append((1, JAN_2024 - 1, 3.0, False))
        rows.append((1, JAN_2024 - 2, 50.0, True))  # an opportunity's order: not a direct sale
        history = history_of(rows)
        history['customer_age'] = np.array([6] * 6 + [0] * 6 + [1, 0])
        result = sf.forecast(history, NO_PIPELINE, JAN_2024, horizon=3, customers=[[5.0, 5.0, 5.0]])
        np.testing.assert_allclose(result.existing, [[5, 5, 5]])
        # the new customers at 1 month: those in their first month, 2 a month; from 2 months on
        # also those in their second month: + 3 over the 6 months
        np.testing.assert_allclose(result.new, [[2, 2.5, 2.5]])
        np.testing.assert_allclose(result.direct, [[7, 7.5, 7.5]])
        np.testing.assert_allclose(result.total - result.uncovered, [[7, 7.5, 7.5]])
        # without the customer model: the run rate of every direct sale (10 + 2 + 3 / 6)
        np.testing.assert_allclose(sf.forecast(history, NO_PIPELINE, JAN_2024, horizon=1).direct, [[12.5]])

    def test_customer_model_follows_the_seasons_of_the_direct_sales(self):
        pattern = np.ones(12)
        pattern[11] = 2.0  # December sells twice a normal month
        index = pattern / pattern.mean()
        first = JAN_2024 - 24
        months = first + np.arange(24)
        history = {'key': np.ones(24, dtype=np.int64), 'month': months, 'qty': 100 * index[months % 12],
                   'opportunity': np.zeros(24, dtype=bool), 'customer_age': np.full(24, 12)}
        result = sf.forecast(history, NO_PIPELINE, JAN_2024, horizon=12, customers=[[10.0] * 12])
        np.testing.assert_allclose(result.existing[0], 10 * index)
        np.testing.assert_allclose(result.new[0], np.zeros(12))

    def test_seasonal_naive(self):
        rows = [(1, JAN_2024 - 12, 5.0, False), (1, JAN_2024 - 11, 7.0, False), (1, JAN_2024 - 1, 9.0, False)]
        keys = np.array([1, 2])
        np.testing.assert_allclose(sf.seasonal_naive(keys, history_of(rows), JAN_2024, 3), [[5, 7, 0], [0, 0, 0]])
        short = history_of(rows[2:] + [(2, JAN_2024 - 3, 4.0, False)])
        np.testing.assert_allclose(sf.seasonal_naive(keys, short, JAN_2024, 2), [[9, 9], [0, 0]])

    def test_wape_and_mape(self):
        self.assertAlmostEqual(sf.wape([8, 0, 5], [10, 2, 0]), (2 + 2 + 5) / 12)
        self.assertAlmostEqual(sf.mape([8, 0, 5], [10, 2, 0]), (0.2 + 1.0) / 2)
        self.assertTrue(np.isnan(sf.wape([1], [0])))
        self.assertTrue(np.isnan(sf.mape([1], [0])))
