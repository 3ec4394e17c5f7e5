import math
import unittest

import numpy as np

from ..engines import discover, recommendation_blend as blend, reorder
from ..engines.purchases import Purchases, group_median

REORDER_KNOBS = {'min_intervals': 2, 'lead_days': 7, 'lapse_cycles': 3.0, 'min_repeat_share': 0.3}


def _purchases(lines):
    """Purchases from (customer, product, order, day, qty) tuples."""
    return Purchases(*zip(*lines))


class TestReorderEngine(unittest.TestCase):
    """Customer 1 orders product 10 every 30 days (days 0-90; two orders on day 60 count once,
    quantities 2, 4, 4+1, 6) and product 11 on days 0 and 50; customer 2 orders product 11 every
    20 days (10, 30, 50); customer 3 bought product 11 on day 5; product 12 once (customer 1).
    Reference day 115."""

    NOW = 115

    def setUp(self):
        super().setUp()
        lines = [(1, 10, 1, 0, 2.0), (1, 11, 1, 0, 1.0), (1, 10, 2, 30, 4.0), (1, 10, 3, 60, 4.0), (1, 10, 4, 60, 1.0),
                 (1, 10, 5, 90, 6.0), (1, 11, 5, 50, 3.0), (1, 12, 6, 100, 1.0),
                 (2, 11, 7, 10, 1.0), (2, 11, 8, 30, 1.0), (2, 11, 9, 50, 1.0), (3, 11, 10, 5, 2.0)]
        self.pairs = reorder.RepeatPairs(_purchases(lines))
        self.rhythm = self.pairs.rhythm(self.NOW, REORDER_KNOBS)

    def _pair(self, customer, product):
        return int(np.flatnonzero((self.pairs.customer == customer) & (self.pairs.product == product))[0])

    def test_own_cycle_quantity_and_due(self):
        pair = self._pair(1, 10)
        self.assertEqual(self.pairs.orders[pair], 4)  # the two orders of day 60: one order day
        self.assertEqual(self.pairs.own_cycle[pair], 30.0)
        self.assertEqual(self.pairs.qty[pair], 4.5)  # median of 2, 4, 5, 6
        self.assertEqual(self.rhythm['cycle'][pair], 30.0)
        self.assertTrue(self.rhythm['own'][pair])
        self.assertEqual(self.rhythm['due_day'][pair], 120.0)  # 5 days ahead, within the 7-day lead
        self.assertTrue(self.rhythm['due'][pair])
        self.assertAlmostEqual(self.rhythm['score'][pair], 1 + math.log(4))
        self.assertEqual(reorder.reason(self.pairs.orders[pair], 30.0, True, self.pairs.last[pair], self.NOW),
                         ('own', {'cycle_days': 30, 'ago_days': 25, 'orders': 4}))

    def test_too_few_intervals_take_the_product_cycle(self):
        # product 11: own cycles 50 (customer 1) and 20 (customer 2): typical 35; 2 of 3 buyers repeat
        pair = self._pair(1, 11)
        self.assertEqual(self.pairs.product_cycle[pair], 35.0)
        self.assertAlmostEqual(self.pairs.repeat_share[pair], 2 / 3.0)
        self.assertEqual(self.rhythm['cycle'][pair], 35.0)
        self.assertFalse(self.rhythm['own'][pair])
        self.assertEqual(self.rhythm['due_day'][pair], 85.0)
        self.assertTrue(self.rhythm['due'][pair])  # 65 days since, not past 3 cycles (105)

    def test_lapsed_pairs_are_not_due(self):
        # customer 2: cycle 20, 65 days since the last order: 0.25 cycle past the lapse (60)
        pair = self._pair(2, 11)
        self.assertFalse(self.rhythm['due'][pair])
        self.assertAlmostEqual(self.rhythm['score'][pair], (1 + math.log(3)) * math.exp(-0.25))
        # customer 3: one order, the typical 35 days; 110 days since: 5/35 past the lapse (105)
        pair = self._pair(3, 11)
        self.assertFalse(self.rhythm['due'][pair])
        self.assertAlmostEqual(self.rhythm['score'][pair], math.exp(-5 / 35.0))

    def test_no_rhythm(self):
        pair = self._pair(1, 12)  # only buyer, never again: no cycle, buy again's order
        self.assertTrue(np.isnan(self.rhythm['cycle'][pair]))
        self.assertFalse(self.rhythm['due'][pair])
        self.assertAlmostEqual(self.rhythm['score'][pair], reorder.NO_RHYTHM_WEIGHT)
        self.assertEqual(reorder.reason(1, float('nan'), False, 100, self.NOW),
                         ('history', {'orders': 1, 'ago_days': 15}))

    def test_bins(self):
        rank = np.full(self.pairs.size, 500)
        rank[self._pair(2, 11)] = 9
        rank[self._pair(1, 12)] = 10
        rebuy = self.pairs.rebuy_rate(self.NOW, 50)
        bins = reorder.bins(self.pairs, self.rhythm, self.NOW, 91, rank, rebuy)
        self.assertEqual(reorder.BIN_SHAPE, (5, 7, 3, 4))
        self.assertEqual(reorder.BINS, 5 * 7 * 3 * 4)

        def axes(customer, product):
            return tuple(int(axis) for axis in np.unravel_index(bins[self._pair(customer, product)], reorder.BIN_SHAPE))
        # (timing, order days, popularity, re-buy level)
        self.assertEqual(axes(1, 10), (0, 3, 2, 3))  # due, 4-5 order days, rare, customer 1 re-buys 1 of 2
        self.assertEqual(axes(2, 11), (3, 2, 0, 1))  # lapsed, 3 order days, top 10, re-bought nothing
        self.assertEqual(axes(1, 12), (4, 0, 1, 3))  # no rhythm, 1 order day, top 100
        self.assertEqual(axes(3, 11), (3, 0, 2, 0))  # lapsed on the typical cycle, unknown re-buy level
        # without popularity ranks and re-buy rates: rare products, unknown level
        self.assertEqual(np.unravel_index(reorder.bins(self.pairs, self.rhythm, self.NOW, 91)[self._pair(1, 10)],
                                          reorder.BIN_SHAPE), (0, 3, 2, 0))

    def test_customer_rebuy_rate(self):
        # at day 115, horizon 50: customer 1 bought products 10, 11 in [15, 65) (days 30, 50,
        # 60) and 10 again in [65, 115) (day 90): 1 of 2; customer 2 bought 11 on days 30, 50
        # and not since: 0; customer 3 bought nothing in [15, 65): unknown
        rate = self.pairs.rebuy_rate(self.NOW, 50)
        self.assertEqual(rate[self._pair(1, 10)], 0.5)
        self.assertEqual(rate[self._pair(1, 12)], 0.5)  # every pair of the customer
        self.assertEqual(rate[self._pair(2, 11)], 0.0)
        self.assertTrue(np.isnan(rate[self._pair(3, 11)]))

    def test_typical_cycle_not_due(self):
        # customer 1's product 11 is on time on the product's typical cycle (35 days): due by
        # default, only on time (a Buy again item with the timing of a due one) without typical_due
        rhythm = self.pairs.rhythm(self.NOW, dict(REORDER_KNOBS, typical_due=False))
        pair = self._pair(1, 11)
        self.assertEqual((bool(rhythm['on_time'][pair]), bool(rhythm['due'][pair])), (True, False))
        self.assertTrue(self.rhythm['due'][pair])
        own = self._pair(1, 10)
        self.assertEqual((bool(rhythm['on_time'][own]), bool(rhythm['due'][own])), (True, True))

    def test_due_cycles(self):
        # customer 1's product 10 (4 order days, cycle 30, last day 90: next 120 < 115 + 30, 25
        # days ago) is due; customer 2's product 11 (cycle 20, last day 50: 65 days > 2 x 20)
        # has lapsed; customer 1's product 11 has 2 order days only
        due = reorder.due_cycles(self.pairs, self.NOW)
        self.assertEqual(list(zip(self.pairs.customer[due].tolist(), self.pairs.product[due].tolist())), [(1, 10)])

    def test_group_median(self):
        medians = group_median(np.array([2, 0, 0, 2, 2]), np.array([5.0, 1.0, 3.0, 1.0, 9.0]), 3)
        self.assertEqual(medians[0], 2.0)
        self.assertTrue(np.isnan(medians[1]))
        self.assertEqual(medians[2], 5.0)


class TestDiscoverEngine(unittest.TestCase):
    """Baskets: customer 1 buys products 1, 2 (day 10); 2 buys 1, 2, 3 (day 20); 3 buys 1, 3
    (day 30); 4 buys 2, 4 (day 40). Categories: 1, 2 in X; 3, 4 in Y. Figures for customer 3 at
    day 40: n(1) = 3, n(2) = 3, n(3) = 2, n(4) = 1 of 4 baskets; n(12) = 2, n(13) = 2, n(23) = 1,
    n(24) = 1."""

    KNOBS = {'half_life_days': 10.0, 'beta': 0.0, 'weights': {}}
    LINES = [(1, 1, 1, 10, 1.0), (1, 2, 1, 10, 1.0), (2, 1, 2, 20, 1.0), (2, 2, 2, 20, 1.0), (2, 3, 2, 20, 1.0),
             (3, 1, 3, 30, 1.0), (3, 3, 3, 30, 1.0), (4, 2, 4, 40, 1.0), (4, 4, 4, 40, 1.0)]
    CATEGORIES = {1: 'X', 2: 'X', 3: 'Y', 4: 'Y'}

    def setUp(self):
        super().setUp()
        self.index = discover.DiscoverIndex(_purchases(self.LINES), 40, self.CATEGORIES)

    def test_signals(self):
        candidates, values = self.index.signals(3, self.KNOBS)
        self.assertEqual(self.index.products[candidates].tolist(), [2, 4])
        # co-purchase: 0.5 x n(12)/n(1) + 0.5 x n(32)/n(3) = 7/12 for 2, nothing for 4
        raw = self.index._co_purchase(*self.index.history(3), self.KNOBS)
        self.assertAlmostEqual(raw[1], 7 / 12.0)
        self.assertEqual(values['co_purchase'].tolist(), [1.0, 0.0])
        # similar customers: 1 and 2 bought product 2, nobody similar bought 4
        self.assertEqual(values['similar_customers'].tolist(), [1.0, 0.0])
        # category: half of customer 3's products in X and in Y; 2 has X's most buyers (3),
        # 4 has 1 buyer where Y's best has 2
        self.assertEqual(values['category'].tolist(), [1.0, 0.5])
        self.assertEqual(values['popularity'].tolist(), [1.0, 1 / 3.0])
        # buyers 3, 3, 2, 1: ranks by buyers, then product id
        self.assertEqual(self.index.popularity_rank.tolist(), [0, 1, 2, 3])

    def test_lift_damping(self):
        knobs = dict(self.KNOBS, beta=0.5)
        raw = self.index._co_purchase(*self.index.history(3), knobs)
        self.assertAlmostEqual(raw[1], 7 / 12.0 / math.sqrt(3 / 4.0))

    def test_similarity(self):
        raw = self.index._similar_customers(3, self.index.history(3)[0])
        idf_1, idf_3 = 1 / math.log(4), 1 / math.log(3)
        self.assertAlmostEqual(raw[1], idf_1 / math.sqrt(2 * 2) + (idf_1 + idf_3) / math.sqrt(3 * 2))

    def test_current_basket(self):
        # customer 4 (products 2, 4) with product 1 on the current document: 1's partner 3
        candidates, values = self.index.signals(4, self.KNOBS, basket=[1])
        self.assertEqual(self.index.products[candidates].tolist(), [3])
        raw = self.index._co_purchase(self.index.product_index([1]), [40], self.KNOBS)
        self.assertAlmostEqual(raw[2], 2 / 3.0)  # n(13) / n(1), weight 1 (bought today)
        self.assertEqual(values['basket'].tolist(), [1.0])
        self.assertEqual(self.index.reason(4, 2, 'basket', self.KNOBS, basket=[1]),
                         ('co_purchase', {'share': 2 / 3.0, 'from_product_id': 1, 'product_id': 3}))

    def test_reason(self):
        kind, figures = self.index.reason(3, 1, 'co_purchase', self.KNOBS)
        # strongest source: product 1 (0.5 x 2/3 against 0.5 x 1/2); 2 of 1's 3 buyers bought 2
        self.assertEqual(kind, 'co_purchase')
        self.assertEqual(figures, {'share': 2 / 3.0, 'from_product_id': 1, 'product_id': 2})
        self.assertEqual(self.index.reason(3, 3, 'category', self.KNOBS),
                         ('category', {'category': 'Y', 'product_id': 4}))
        self.assertEqual(self.index.reason(3, 3, 'popularity', self.KNOBS),
                         ('popularity', {'share': 0.25, 'product_id': 4}))

    def test_buyers_of_every_channel(self):
        """The popularity counts the buyers of other sales channels given with the purchases':
        the purchases' own pairs again change nothing; customer 4 buying product 1 at the till
        (day 39, and customer 1 again) is one more buyer of it; anonymous tickets -1 and -2 (day
        35) and -3 (before the year) buying product 5, which no order has, make it known with
        popularity 2 and no other signal; the share's denominator is every buyer (7)."""
        purchases = _purchases(self.LINES)
        own = ([1, 1, 2, 2, 2, 3, 3, 4, 4], [1, 2, 1, 2, 3, 1, 3, 2, 4], [10, 10, 20, 20, 20, 30, 30, 40, 40])
        same = discover.DiscoverIndex(purchases, 40, self.CATEGORIES, buyers=own)
        for name in ('products', 'popularity', 'popularity_rank', 'buyers', 'product_baskets'):
            self.assertEqual(getattr(same, name).tolist(), getattr(self.index, name).tolist(), name)
        self.assertEqual((same.buyer_total, self.index.buyer_total), (4, 4))
        index = discover.DiscoverIndex(purchases, 40, self.CATEGORIES, buyers=(
            [4, 1, -1, -2, -3], [1, 1, 5, 5, 5], [39, 39, 35, 35, -400]))
        self.assertEqual(index.products.tolist(), [1, 2, 3, 4, 5])
        self.assertEqual(index.popularity.tolist(), [4, 3, 2, 1, 2])
        self.assertEqual(index.popularity_rank.tolist(), [0, 1, 2, 4, 3])
        self.assertEqual(index.buyers.tolist(), self.index.buyers.tolist() + [0], 'the other signals: orders only')
        candidates, values = index.signals(3, self.KNOBS)
        self.assertEqual(index.products[candidates].tolist(), [2, 4, 5])
        self.assertEqual(values['popularity'].tolist(), [1.0, 1 / 3.0, 2 / 3.0])
        self.assertEqual([values[name][2] for name in ('co_purchase', 'similar_customers', 'category')], [0, 0, 0])
        self.assertEqual(index.reason(3, 4, 'popularity', self.KNOBS),
                         ('popularity', {'share': 2 / 7.0, 'product_id': 5}))


class TestRecommendationBlend(unittest.TestCase):

    def test_metrics(self):
        lists = {1: [5, 6, 7, 8, 9, 10], 2: [1, 2]}
        truth = {1: {6, 11}, 2: {3}, 3: set()}
        hit, precision, recall = blend.ranking_metrics(lists, truth)
        self.assertEqual((hit, precision, recall), (0.5, 0.1, 0.25))
        self.assertEqual(blend.listed_precision(lists, truth), (1 / 8.0, 8))

    def test_blend_by_measured_rates(self):
        lines = [(1, 1, 1, 10, 1.0), (1, 2, 1, 10, 1.0), (2, 1, 2, 20, 1.0), (2, 2, 2, 20, 1.0), (2, 3, 2, 20, 1.0),
                 (3, 1, 3, 30, 1.0), (3, 3, 3, 30, 1.0), (4, 2, 4, 40, 1.0), (4, 4, 4, 40, 1.0),
                 (3, 1, 5, 34, 2.0)]
        calibration = dict(blend.DEFAULT_CALIBRATION, discover=[0.5, 0.1] + [0.0] * 8)
        model = blend.Recommender.fit(_purchases(lines), 40, calibration=calibration)
        items = model.recommend(3, limit=3)
        # product 1: one interval (4 days), product 1 a repeat item (1 of its 3 buyers): its
        # typical cycle 4, due on day 38: due, 2 order days (0.9 + 0.01); then discover rank 0
        # (0.5); product 3 has no rhythm (0.3); discover rank 1 (0.1) is cut
        self.assertEqual([(item['product_id'], item['intent'], item['probability']) for item in items],
                         [(1, 'reorder', 0.91), (2, 'discover', 0.5), (3, 'reorder', 0.3)])
        self.assertEqual((items[0]['expected_qty'], items[0]['due_day'], items[0]['due']), (1.5, 38.0, True))
        self.assertEqual(items[0]['reason'], ('typical', {'cycle_days': 4, 'ago_days': 6, 'orders': 2}))
        self.assertEqual(items[1]['reason'], ('co_purchase', {'share': 2 / 3.0, 'from_product_id': 1, 'product_id': 2}))
        self.assertEqual(model.recommend(3, limit=3, exclude=[1])[0]['product_id'], 2)

    def test_pooled_rates(self):
        shape = reorder.BIN_SHAPE
        fine = np.ravel_multi_index((0, 4, 2, 3), shape)  # due, 8-15 order days, rare, re-buys half or more
        other_level = np.ravel_multi_index((0, 4, 2, 1), shape)
        lapsed = np.ravel_multi_index((3, 0, 0, 0), shape)
        bins = np.array([fine] * 40 + [other_level] * 5 + [lapsed] * 3)
        bought = np.array([1] * 10 + [0] * 30 + [1] * 5 + [1, 0, 0], dtype=bool)
        rates = blend.pooled_rates(bins, bought)
        self.assertEqual(rates[fine], 0.25)  # 40 pairs of its own (MIN_SHOWN 30)
        self.assertAlmostEqual(rates[other_level], 15 / 45.0)  # 5: pooled over the re-buy levels
        self.assertAlmostEqual(rates[np.ravel_multi_index((0, 4, 2, 0), shape)], 15 / 45.0)
        self.assertAlmostEqual(rates[lapsed], 1 / 3.0)  # its timing alone: 3 pairs, as they are
        self.assertEqual(rates[np.ravel_multi_index((1, 0, 0, 0), shape)], 0.0)  # no pair of that timing

    def test_tuning_of_another_bin_layout_is_not_applied(self):
        lines = [(1, 1, 1, 10, 1.0), (1, 1, 2, 20, 1.0), (2, 2, 3, 20, 1.0)]
        stale = dict(blend.DEFAULT_CALIBRATION, reorder=[0.5] * 60)  # the 60 bins before re-buy levels
        model = blend.Recommender.fit(_purchases(lines), 30, calibration=stale)
        self.assertEqual(model.calibration['reorder'], blend.DEFAULT_CALIBRATION['reorder'])
        self.assertEqual([item['product_id'] for item in model.recommend(1)], [1, 2])

    def test_tune_keeps_the_most_precise_due_list_that_names_the_due_cycles(self):
        # 40 customers re-order their own product every 10 days (40 cycles due at the holdout
        # start, day 90); product 300: customers 1-10 bought it on days 10 and 20, customers
        # 11-40 once on day 85 and 11-20 again in the holdout. Where the once-buyers are due on
        # 300's typical cycle (min_repeat_share 0.2: 10 of its 40 buyers repeat; typical_due),
        # 50 of 70 due items are bought (every re-buy listed); otherwise 40 of 40 (0.8 of the
        # re-buys). Both name every due cycle and are more precise than buy again (50 of 80):
        # the tuning takes the more precise, where the former rule took the one naming more.
        lines = [(c, c, c * 1000 + day, day, 1.0) for c in range(1, 41) for day in range(0, 120, 10)]
        lines += [(c, 300, c * 1000 + day, day, 1.0) for c in range(1, 11) for day in (10, 20)]
        lines += [(c, 300, c * 1000 + 85, 85, 1.0) for c in range(11, 41)]
        lines += [(c, 300, c * 1000 + 95, 95, 1.0) for c in range(11, 21)]
        tuned = blend.tune(_purchases(lines), 120, horizon_days=30, sample=100)
        knobs = tuned['knobs']['reorder']
        self.assertTrue(knobs['min_repeat_share'] == 0.4 or not knobs['typical_due'])
        figures = tuned['figures']
        self.assertEqual((figures['due_coverage'], figures['due_precision'], figures['due_recall']), (1.0, 1.0, 0.8))
        self.assertEqual(figures['buy_again_precision'], 50 / 80.0)
        # on the holdout start, the once-buyers' 300 keeps the timing of a due item in the blend
        model = blend.Recommender.fit(_purchases(lines).before(90), 90, tuned['knobs'], tuned['calibration'])
        pair = int(np.flatnonzero((model.pairs.customer == 11) & (model.pairs.product == 300))[0])
        self.assertEqual((bool(model.rhythm['on_time'][pair]), bool(model.rhythm['due'][pair])),
                         (knobs['min_repeat_share'] == 0.2, False))

    def test_tune_chooses_from_the_grids(self):
        # customer c re-orders product c every 10 days and tries product 100 + c % 3 once;
        # the holdout is the last 30 days
        lines = [(c, c, c * 1000 + day, day, 1.0) for c in range(1, 21) for day in range(0, 120, 10)]
        lines += [(c, 100 + c % 3, c * 1000 + 50, 50, 1.0) for c in range(1, 21)]
        tuned = blend.tune(_purchases(lines), 120, horizon_days=30, sample=20)
        self.assertEqual(tuned['cut'], 90)
        self.assertEqual(tuned['figures']['customers'], 20)
        self.assertEqual(tuned['figures']['due_recall'], 1.0)  # every re-order of the window was listed
        self.assertEqual(tuned['figures']['due_precision'], 1.0)
        for name, values in blend.REORDER_GRID.items():
            self.assertIn(tuned['knobs']['reorder'][name], values)
        self.assertEqual(tuned['figures']['blend_hit10'], 1.0)


class TestRequestInputs(unittest.TestCase):
    """A request fits the re-order engine on one customer's lines with the products' figures of
    the whole history, and scores discoveries with the customer's fresh history."""

    def test_reorder_with_whole_history_product_figures(self):
        lines = [(1, 11, 1, 0, 1.0), (1, 11, 2, 50, 1.0), (2, 11, 3, 10, 1.0), (2, 11, 4, 30, 1.0), (2, 11, 5, 50, 1.0),
                 (3, 11, 6, 5, 1.0)]
        figures = reorder.RepeatPairs(_purchases(lines)).product_figures()
        self.assertEqual(figures['product'].tolist(), [11])
        self.assertEqual(figures['cycle'].tolist(), [35.0])
        alone = reorder.RepeatPairs(_purchases([line for line in lines if line[0] == 1]), figures)
        self.assertEqual((alone.product_cycle.tolist(), alone.repeat_share.tolist()), ([35.0], [2 / 3.0]))
        unknown = reorder.RepeatPairs(_purchases([(1, 99, 1, 0, 1.0)]), figures)
        self.assertTrue(np.isnan(unknown.product_cycle[0]))
        self.assertEqual(unknown.repeat_share.tolist(), [0.0])

    def test_discover_with_fresh_history(self):
        lines = [(1, 1, 1, 10, 1.0), (1, 2, 1, 10, 1.0), (2, 1, 2, 20, 1.0), (2, 2, 2, 20, 1.0), (2, 3, 2, 20, 1.0),
                 (3, 1, 3, 30, 1.0), (3, 3, 3, 30, 1.0), (4, 2, 4, 40, 1.0), (4, 4, 4, 40, 1.0)]
        index = discover.DiscoverIndex(_purchases(lines), 40, {})
        # customer 3 bought product 2 since the index was built (and a product it does not know)
        candidates, _values = index.signals(3, TestDiscoverEngine.KNOBS, history=([1, 2, 3, 77], [30, 39, 30, 39]))
        self.assertEqual(index.products[candidates].tolist(), [4])
        # a customer the index does not know, with a history
        candidates, values = index.signals(9, TestDiscoverEngine.KNOBS, history=([3], [35]))
        self.assertEqual(index.products[candidates].tolist(), [1, 2, 4])
        self.assertEqual(values['co_purchase'].tolist(), [1.0, 0.5, 0.0])  # n(31)/n(3) = 1, n(32)/n(3) = 1/2
