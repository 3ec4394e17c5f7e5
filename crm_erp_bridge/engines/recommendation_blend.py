"""One top 10 from the two intents, and the tuning of every knob on a time holdout of the
company's own history (no Odoo import).

Blend: every candidate gets the purchase rate measured for its kind on the tuning holdout
(the share bought in the holdout window), and the list takes the highest rates:
- a re-order item (a product the customer bought): the rate of its bin, timing (due, due
  within the horizon, later, lapsed, no rhythm: reorder.bins) x order days (1, 2, 3, 4-5, 6-9,
  10-19, 20+) x the product's popularity rank (among the 10, the 100 most bought products of
  the last year, or not) x the customer's re-buy level (the share of the products they bought
  in the horizon before the last one that they bought again in the last one: below 10 %, below
  25 %, 25 % or more, unknown); a bin with fewer than MIN_SHOWN pairs on the holdout takes the
  rate of the coarser bin (pooled_rates);
- a discover item: the rate of its rank k in the discover list (non-increasing in k).
Ties: re-order first, then the engine's score. So an item comes before another exactly when
items like it were bought more often in the company's own recent history.

Tuning (`tune`, the nightly job): fit on the lines before now - horizon, score on the lines of
the horizon, for a seeded sample of the customers with orders on both sides:
1. re-order knobs: among the grid, those whose due lists name at least DUE_COVERAGE of the
   cycles due at the holdout start (reorder.due_cycles: the customers' own rhythms); of those the
   most precise (share of the listed items bought in the window), then the one that lists the
   most of the window's repeat purchases. Without any such cycle in the sample: among the
   settings at least as precise as buy again (the customer's 10 most-bought products), the one
   that lists the most repeat purchases, then the most precise;
2. discover knobs and signal weights: the grid's best hit@10 on products new to the customer
   (then precision@5 on them);
3. the blend's rates (re-order bins, discover ranks) with the tuned knobs."""
import itertools
import random

import numpy as np

from . import discover, reorder

RANKS = 10
REORDER_GRID = {'min_intervals': (1, 2, 3), 'lead_days': (7, 14, 28, 42), 'lapse_cycles': (2.0, 3.0, 4.0),
                'min_repeat_share': (0.2, 0.4), 'typical_due': (True, False)}
DISCOVER_GRID = {'half_life_days': (90.0, 365.0), 'beta': (0.0, 0.5)}
WEIGHT_GRID = {'co_purchase': (0.0, 0.25, 0.5, 1.0), 'similar_customers': (0.0, 0.25, 0.5, 1.0),
               'category': (0.0, 0.25, 0.5), 'popularity': (0.01, 0.1, 0.3)}
DEFAULT_KNOBS = {'reorder': dict(reorder.DEFAULT_KNOBS), 'discover': dict(discover.DEFAULT_KNOBS)}
# before any tuning: due items first, then the customer's other past products (more order
# days first), then discoveries
DEFAULT_CALIBRATION = {
    'horizon_days': 91,
    'reorder': [(0.9 if timing == 0 else 0.3) + 0.01 * orders
                for timing, orders, _popularity, _rebuy in np.ndindex(*reorder.BIN_SHAPE)],
    'discover': [0.1] * RANKS,
}
# a bin's rate is measured on its own pairs when the tuning holdout shows at least MIN_SHOWN of
# them; otherwise on the pairs of the coarser bin without the customer's re-buy level, then also
# without the popularity rank, then with the timing alone
MIN_SHOWN = 30
# the tuning keeps the re-order knobs whose Due lists name at least this share of the cycles due
# at the holdout start (reorder.due_cycles), and of those the most precise
DUE_COVERAGE = 0.9


def ranking_metrics(lists, truth, hit_k=10, precision_k=5, recall_k=10):
    """(hit@hit_k, precision@precision_k, recall@recall_k) of {customer: ranked products}
    against {customer: set of products bought}, averaged over the customers whose set is not
    empty."""
    customers = [customer for customer, bought in truth.items() if bought]
    if not customers:
        return 0.0, 0.0, 0.0
    hit = precision = recall = 0.0
    for customer in customers:
        ranked, bought = lists.get(customer, []), truth[customer]
        hit += bool(set(ranked[:hit_k]) & bought)
        precision += len(set(ranked[:precision_k]) & bought) / float(precision_k)
        recall += len(set(ranked[:recall_k]) & bought) / float(len(bought))
    return hit / len(customers), precision / len(customers), recall / len(customers)


def listed_precision(lists, truth):
    """(bought among all listed items, items listed): the micro precision of variable lists."""
    listed = sum(len(items) for items in lists.values())
    bought = sum(len(set(items) & truth.get(customer, set())) for customer, items in lists.items())
    return (bought / float(listed) if listed else 0.0), listed


def buy_again(pairs, customers, limit=RANKS):
    """{customer: their `limit` most-bought products} (order days, then the latest first)."""
    result = {}
    for customer in customers:
        span = pairs.customer_slice(customer)
        order = np.lexsort((-pairs.last[span], -pairs.orders[span]))[:limit]
        result[customer] = pairs.product[span][order].tolist()
    return result


class Recommender:
    """The two engines at day now, with knobs and calibration: pairs (reorder.RepeatPairs) of
    the customers to recommend for, index (discover.DiscoverIndex) of the company's history.
    A request passes the customers' fresh pairs and a cached index; `fit` builds both from
    one history (the harness, the tuning)."""

    def __init__(self, pairs, index, now, knobs=None, calibration=None):
        self.now, self.pairs, self.index = now, pairs, index
        self.knobs = knobs or DEFAULT_KNOBS
        self.calibration = calibration or DEFAULT_CALIBRATION
        self.refit()

    @classmethod
    def fit(cls, purchases, now, knobs=None, calibration=None, category=None):
        return cls(reorder.RepeatPairs(purchases), discover.DiscoverIndex(purchases, now, category), now,
                   knobs, calibration)

    def history(self, customer):
        """The customer's (product ids, last days), from the pairs (fresher than the index)."""
        span = self.pairs.customer_slice(customer)
        return self.pairs.product[span], self.pairs.last[span]

    def refit(self, knobs=None, calibration=None):
        """Apply other knobs or rates (the rhythm and the bins depend on them)."""
        self.knobs = knobs or self.knobs
        self.calibration = calibration or self.calibration
        if len(self.calibration['reorder']) != reorder.BINS:  # a tuning of other bins (before an update)
            self.calibration = dict(self.calibration, reorder=DEFAULT_CALIBRATION['reorder'])
        self.rhythm = self.pairs.rhythm(self.now, self.knobs['reorder'])
        self.reorder_rate = np.asarray(self.calibration['reorder'])[self.bins()]

    def bins(self, horizon=None):
        """The calibration bin of each pair (reorder.bins) at day now (horizon: of the rates'
        holdout, default the calibration's)."""
        horizon = horizon or self.calibration['horizon_days']
        return reorder.bins(self.pairs, self.rhythm, self.now, horizon, self.popularity_rank(),
                            self.pairs.rebuy_rate(self.now, horizon))

    def popularity_rank(self):
        """Per pair: its product's rank among the index's products by buyers in the last year
        (0: the most bought; products the index does not know: after every product)."""
        known, _last = self.index.known_history(self.pairs.product, np.zeros(self.pairs.size))
        rank = np.full(self.pairs.size, len(self.index.products), dtype=np.int64)
        rank[np.isin(self.pairs.product, self.index.products[known])] = self.index.popularity_rank[known]
        return rank

    def reorder_list(self, customer, due=None, limit=RANKS, exclude=()):
        """Pair indexes of the customer's re-order items (only the due ones, or only those not
        due, when due is given), by measured rate then score."""
        span = self.pairs.customer_slice(customer)
        indexes = np.arange(span.start, span.stop)
        keep = ~np.isin(self.pairs.product[indexes], list(exclude))
        if due is not None:
            keep &= self.rhythm['due'][indexes] == due
        indexes = indexes[keep]
        order = np.lexsort((self.pairs.product[indexes], -self.rhythm['score'][indexes], -self.reorder_rate[indexes]))
        return indexes[order][:limit]

    def discover_list(self, customer, limit=RANKS, basket=(), exclude=(), knobs=None, signals=None):
        """(dense product indexes, scores, strongest signal names) of discoveries, best first."""
        knobs = knobs or self.knobs['discover']
        candidates, values = signals or self.index.signals(customer, knobs, basket, self.history(customer))
        weights = knobs['weights']
        score = sum(weights[name] * values[name] for name in discover.SIGNALS) if len(candidates) else np.zeros(0)
        keep = ~np.isin(self.index.products[candidates], list(exclude))
        candidates, score = candidates[keep], score[keep]
        order = np.lexsort((candidates, -score))[:limit]
        kept = {name: values[name][keep] for name in discover.SIGNALS}
        strongest = [max(discover.SIGNALS, key=lambda name: weights[name] * kept[name][i]) for i in order]
        return candidates[order], score[order], strongest

    def recommend(self, customer, limit=RANKS, basket=(), exclude=()):
        """The blended list: dicts with product_id, intent ('reorder'/'discover'), due (bool),
        probability (the measured purchase rate of items like it), score (the engine's),
        reason (kind, figures) and for re-order items expected_qty, due_day, cycle_days."""
        exclude = set(exclude) | set(basket)
        entries = []  # (rate, intent order, item, reason: computed for the kept items only)
        for pair in self.reorder_list(customer, None, limit, exclude):
            cycle = self.rhythm['cycle'][pair]
            entries.append((float(self.reorder_rate[pair]), 0, {
                'product_id': int(self.pairs.product[pair]), 'intent': 'reorder', 'due': bool(self.rhythm['due'][pair]),
                'score': float(self.rhythm['score'][pair]), 'expected_qty': float(self.pairs.qty[pair]),
                'due_day': None if np.isnan(cycle) else float(self.rhythm['due_day'][pair]),
                'cycle_days': None if np.isnan(cycle) else float(cycle),
            }, (reorder.reason, self.pairs.orders[pair], cycle, self.rhythm['own'][pair], self.pairs.last[pair],
                self.now)))
        products, scores, strongest = self.discover_list(customer, limit, basket, exclude)
        rates = self.calibration['discover']
        history, terms = self.history(customer), {}  # the same for every discovery of the list
        for rank, (product, score, signal) in enumerate(zip(products.tolist(), scores.tolist(), strongest)):
            entries.append((rates[min(rank, len(rates) - 1)], 1, {
                'product_id': int(self.index.products[product]), 'intent': 'discover', 'due': False, 'score': score,
            }, (self.index.reason, customer, product, signal, self.knobs['discover'], basket, history, terms)))
        entries.sort(key=lambda entry: (-entry[0], entry[1], -entry[2]['score']))
        result = []
        for probability, _intent, item, (explain, *figures) in entries[:limit]:
            item.update(probability=probability, reason=explain(*figures))
            result.append(item)
        return result


def _sample(customers, sample, seed):
    customers = sorted(customers)
    random.Random(seed).shuffle(customers)
    return sorted(customers[:sample])


def holdout(purchases, cut, end, sample, seed):
    """(training purchases, {customer: products bought in [cut, end)}, sampled customers with
    orders on both sides)."""
    train, test = purchases.before(cut), purchases.between(cut, end)
    truth = test.bought()
    known = set(np.unique(train.customer).tolist())
    return train, truth, _sample([customer for customer in truth if customer in known], sample, seed)


def _tune_reorder(pairs, customers, truth, now):
    """The re-order knobs of the grid (see the module's docstring) and their figures."""
    in_sample = np.isin(pairs.customer, customers)
    bought_keys = {(customer, product) for customer in customers for product in truth.get(customer, ())}
    bought = np.array([(c, p) in bought_keys for c, p in zip(pairs.customer.tolist(), pairs.product.tolist())],
                      dtype=bool)
    reference, _listed = listed_precision(buy_again(pairs, customers), truth)
    repeat_purchases = int((bought & in_sample).sum())
    cycles = in_sample & reorder.due_cycles(pairs, now)
    best = None
    for values in itertools.product(*REORDER_GRID.values()):
        knobs = dict(zip(REORDER_GRID, values))
        rhythm = pairs.rhythm(now, knobs)
        kept = in_sample & rhythm['due']  # the Due to re-order list: every due item
        hits = int((kept & bought).sum())
        precision = hits / float(kept.sum()) if kept.sum() else 0.0
        recall = hits / float(repeat_purchases) if repeat_purchases else 0.0
        coverage = float((kept & cycles).sum()) / cycles.sum() if cycles.sum() else 0.0
        if cycles.any():  # enough due cycles named, then the most precise, then the most re-buys
            key = (coverage >= DUE_COVERAGE, precision if coverage >= DUE_COVERAGE else coverage, recall)
        else:  # no due cycle to name: the most re-buys at buy again's precision or better
            key = (precision >= reference, recall if precision >= reference else precision, precision)
        if best is None or key > best[0]:
            best = (key, knobs, {'due_precision': precision, 'due_recall': recall, 'due_coverage': coverage,
                                 'buy_again_precision': reference})
    return best[1], best[2]


def _tune_discover(recommender, customers, truth_new, pace=None):
    """The discover knobs and weights of the grids with the best hit@10 on new products
    (pace: called between two steps, e.g. a nightly job's CPU budget)."""
    best = None
    for values in itertools.product(*DISCOVER_GRID.values()):
        knobs = dict(zip(DISCOVER_GRID, values))
        signals = {customer: recommender.index.signals(customer, knobs, history=recommender.history(customer))
                   for customer in customers}
        for weights in itertools.product(*WEIGHT_GRID.values()):
            knobs_weights = dict(knobs, weights=dict(zip(WEIGHT_GRID, weights), basket=discover.BASKET_WEIGHT))
            lists = {}
            for customer in customers:
                candidates, values_ = signals[customer]
                score = sum(knobs_weights['weights'][name] * values_[name] for name in discover.SIGNALS)
                order = np.lexsort((candidates, -score))[:RANKS] if len(candidates) else []
                lists[customer] = recommender.index.products[candidates[order]].tolist() if len(candidates) else []
            hit, precision, recall = ranking_metrics(lists, truth_new)
            if pace:
                pace()
            if best is None or (hit, precision) > best[0]:
                best = ((hit, precision), knobs_weights, {
                    'discover_hit10_new': hit, 'discover_precision5_new': precision, 'discover_recall10_new': recall})
    return best[1], best[2]


def pooled_rates(bins, bought):
    """The rate of each re-order bin: the share bought of its pairs (bins: the pairs' bins,
    bought: whether each was bought in the holdout), pooled over coarser bins while it has fewer
    than MIN_SHOWN pairs (MIN_SHOWN); 0 for a timing without any pair."""
    rates, done = np.zeros(reorder.BINS), np.zeros(reorder.BINS, dtype=bool)
    every = np.arange(reorder.BINS)
    # flat bin // divisor: the bin without its last axes (re-buy level, popularity, order days)
    divisors = [int(np.prod(reorder.BIN_SHAPE[axis:])) for axis in range(len(reorder.BIN_SHAPE), 0, -1)]
    for step, divisor in enumerate(divisors):
        coarse = every // divisor
        shown = np.bincount(bins // divisor, minlength=coarse[-1] + 1)[coarse]
        hits = np.bincount(bins // divisor, weights=bought, minlength=coarse[-1] + 1)[coarse]
        take = ~done & ((shown >= MIN_SHOWN) | (step == len(divisors) - 1))
        rates[take] = hits[take] / np.maximum(shown[take], 1)
        done |= take
    return rates


def _calibrate(recommender, customers, truth, horizon_days):
    """The blend's rates on the tuning holdout: per re-order bin, the share of the sampled
    customers' pairs in it that were bought (pooled_rates); per discover rank, the share bought
    (non-increasing in the rank)."""
    pairs = recommender.pairs
    in_sample = np.isin(pairs.customer, customers)
    bought = np.array([product in truth.get(customer, ()) for customer, product
                       in zip(pairs.customer.tolist(), pairs.product.tolist())], dtype=bool)
    rates = pooled_rates(recommender.bins(horizon_days)[in_sample], bought[in_sample])
    hits_discover, shown_discover = np.zeros(RANKS), np.zeros(RANKS)
    for customer in customers:
        products, _scores, _signals = recommender.discover_list(customer)
        for rank, product in enumerate(recommender.index.products[products].tolist()):
            shown_discover[rank] += 1
            hits_discover[rank] += product in truth.get(customer, ())
    discover_rates = np.where(shown_discover > 0, hits_discover / np.maximum(shown_discover, 1), 0.0)
    return {'horizon_days': horizon_days, 'reorder': rates.round(4).tolist(),
            'discover': np.minimum.accumulate(discover_rates).round(4).tolist()}


def tune(purchases, now, horizon_days=91, category=None, sample=1000, seed=0, pace=None):
    """Knobs and calibration for recommendations at day now, chosen on the holdout
    [now - horizon_days, now) (see the module's docstring), with the holdout's figures.
    pace: called between the steps of the search (a nightly job's CPU budget), or None."""
    cut = now - horizon_days
    train, truth, customers = holdout(purchases, cut, now, sample, seed)
    if not customers:
        return {'knobs': DEFAULT_KNOBS, 'calibration': DEFAULT_CALIBRATION, 'figures': {'customers': 0}, 'cut': cut}
    recommender = Recommender.fit(train, cut, category=category)
    owned = train.bought()
    truth = {customer: truth[customer] for customer in customers}
    truth_new = {customer: truth[customer] - owned.get(customer, set()) for customer in customers}
    reorder_knobs, figures = _tune_reorder(recommender.pairs, customers, truth, cut)
    if pace:
        pace()
    discover_knobs, discover_figures = _tune_discover(recommender, customers, truth_new, pace)
    figures.update(discover_figures)
    knobs = {'reorder': reorder_knobs, 'discover': discover_knobs}
    recommender.refit(knobs)
    recommender.refit(calibration=_calibrate(recommender, customers, truth, horizon_days))
    blended = {customer: [item['product_id'] for item in recommender.recommend(customer)] for customer in customers}
    hit, precision, recall = ranking_metrics(blended, truth)
    figures.update({'customers': len(customers), 'blend_hit10': hit, 'blend_precision5': precision,
                    'blend_recall10': recall})
    buy_again_hit, buy_again_precision, _recall = ranking_metrics(buy_again(recommender.pairs, customers), truth)
    figures.update({'buy_again_hit10': buy_again_hit, 'buy_again_precision5': buy_again_precision})
    return {'knobs': knobs, 'calibration': recommender.calibration, 'figures': figures, 'cut': cut}
