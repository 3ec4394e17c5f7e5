"""Due to re-order: each customer's own repeat products whose cycle is due (no Odoo import).

Per (customer, product): the order days (several orders on one day count once), the customer's
own cycle = median of the intervals between them, the expected quantity = median quantity per
order day (product unit). A pair with fewer than `min_intervals` intervals takes the product's
typical cycle (median of its customers' own cycles) when the product is a repeat item (at least
`min_repeat_share` of its buyers bought it on two days or more); otherwise it has no cycle.

At a reference day `now`, a pair with a cycle is on time when its next expected day (last +
cycle) is at most `lead_days` ahead and it has not lapsed (at most `lapse_cycles` cycles since
the last order); it is due (the Due to re-order list) when on time on the customer's own cycle,
or on the product's typical one unless `typical_due` is false (such a pair keeps its timing in
the blend's rates, as a Buy again item). Score (ranks the re-order candidates; the blend turns ranks into measured
probabilities): (1 + ln(order days)) x timing, timing = 1 when due, exp(-cycles until due)
before, exp(-cycles past the lapse) after; pairs without a cycle score 0.05 x (1 + ln(order
days)) (buy again's order, after every pair with a rhythm)."""
import numpy as np

from .purchases import group_median, run_starts

DEFAULT_KNOBS = {'min_intervals': 2, 'lead_days': 28, 'lapse_cycles': 3.0, 'min_repeat_share': 0.3,
                 'typical_due': True}
NO_RHYTHM_WEIGHT = 0.05


class RepeatPairs:
    """The (customer, product) pairs of a purchase history with their rhythm figures."""

    def __init__(self, purchases, product_figures=None):
        """product_figures: the products' typical cycles and repeat shares of the whole history
        ({'product', 'cycle', 'repeat_share'} arrays, from product_figures() of a fit on it)
        when purchases holds only some customers' lines (a request); default: from purchases."""
        p = purchases
        events = run_starts(p.customer, p.product, p.day)
        customer, product, day = p.customer[events], p.product[events], p.day[events]
        qty = np.add.reduceat(p.qty, events) if len(events) else np.zeros(0)
        starts = run_starts(customer, product)
        self.size = len(starts)
        counts = np.diff(np.append(starts, len(customer)))
        pair_of_event = np.repeat(np.arange(self.size), counts)
        self.customer, self.product = customer[starts], product[starts]
        self.orders = counts
        self.last = day[np.append(starts[1:], len(day)) - 1] if self.size else np.zeros(0, dtype=np.int64)
        same = pair_of_event[1:] == pair_of_event[:-1]
        self.own_cycle = group_median(pair_of_event[1:][same], np.diff(day).astype(np.float64)[same], self.size)
        self.qty = group_median(pair_of_event, qty, self.size)
        self.intervals = counts - 1
        self.event_pair, self.event_day = pair_of_event, day  # the order days of each pair
        if product_figures is None:
            product_figures = self.product_figures()
        known = np.append(np.asarray(product_figures['product'], dtype=np.int64), -1)  # -1: not found
        cycles = np.append(np.asarray(product_figures['cycle'], dtype=np.float64), np.nan)
        shares = np.append(np.asarray(product_figures['repeat_share'], dtype=np.float64), 0.0)
        at = np.searchsorted(known[:-1], self.product)
        at[known[np.minimum(at, len(known) - 1)] != self.product] = len(known) - 1
        self.product_cycle, self.repeat_share = cycles[at], shares[at]

    def product_figures(self):
        """{'product', 'cycle', 'repeat_share'}: per product (sorted ids), the median of its
        customers' own cycles (NaN: none) and the share of its buyers with two order days or more."""
        products, pair_product = np.unique(self.product, return_inverse=True)
        has_cycle = ~np.isnan(self.own_cycle)
        buyers = np.bincount(pair_product, minlength=len(products))
        repeaters = np.bincount(pair_product, weights=(self.orders >= 2), minlength=len(products))
        return {'product': products,
                'cycle': group_median(pair_product[has_cycle], self.own_cycle[has_cycle], len(products)),
                'repeat_share': repeaters / np.maximum(buyers, 1)}

    def rebuy_rate(self, now, horizon_days):
        """Per pair: its customer's re-buy rate at day now, the share of the products they bought
        in [now - 2 horizon, now - horizon) that they bought again in [now - horizon, now) (NaN:
        nothing bought in the earlier period)."""
        if not self.size:
            return np.zeros(0)
        day = self.event_day
        earlier, later = np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=bool)
        earlier[self.event_pair[(day >= now - 2 * horizon_days) & (day < now - horizon_days)]] = True
        later[self.event_pair[(day >= now - horizon_days) & (day < now)]] = True
        starts = run_starts(self.customer)
        counts = np.diff(np.append(starts, self.size))
        bought = np.add.reduceat(earlier.astype(np.int64), starts)
        again = np.add.reduceat((earlier & later).astype(np.int64), starts)
        with np.errstate(invalid='ignore', divide='ignore'):
            rate = np.where(bought > 0, again / np.maximum(bought, 1), np.nan)
        return np.repeat(rate, counts)

    def customer_slice(self, customer):
        """The index range of a customer's pairs (pairs are sorted by customer)."""
        return slice(np.searchsorted(self.customer, customer, 'left'),
                     np.searchsorted(self.customer, customer, 'right'))

    def rhythm(self, now, knobs):
        """Arrays over the pairs at day now: cycle (NaN: none), own (the cycle is the customer's
        own), due_day, on_time (the cycle in use, own or typical, has come and not lapsed: the
        blend's timing), due (on time and listed as Due to re-order: on the customer's own cycle,
        or on the product's typical one unless the knob typical_due is false), score."""
        own = self.intervals >= knobs['min_intervals']
        typical = (~own) & (self.repeat_share >= knobs['min_repeat_share'])
        cycle = np.where(own, self.own_cycle, np.where(typical, self.product_cycle, np.nan))
        cycle = np.maximum(cycle, 1.0)  # orders on consecutive days: a cycle of one day at least
        due_day = self.last + cycle
        elapsed = now - self.last
        with np.errstate(invalid='ignore'):
            ahead = np.maximum((due_day - now - knobs['lead_days']) / cycle, 0.0)
            lapsed = np.maximum((elapsed - knobs['lapse_cycles'] * cycle) / cycle, 0.0)
            on_time = (ahead == 0) & (lapsed == 0)
        frequency = 1.0 + np.log(self.orders)
        rhythmic = ~np.isnan(cycle)
        timing = np.exp(-np.where(rhythmic, ahead + lapsed, 0.0))
        score = np.where(rhythmic, frequency * timing, NO_RHYTHM_WEIGHT * frequency)
        own &= rhythmic
        on_time &= rhythmic
        due = on_time & (own | knobs.get('typical_due', True))
        return {'cycle': cycle, 'own': own, 'due_day': due_day, 'on_time': on_time, 'due': due, 'score': score}


# Re-order calibration bins: the pair's timing at the reference day x its order days
# (ORDER_DAYS: 1, 2, 3, 4-5, 6-9, 10-19, 20 or more) x its product's popularity rank
# (POPULARITY_RANKS: among the company's 10, 100 most bought products of the last year, or not)
# x its customer's re-buy level (REBUY_LEVELS: the share of what they bought in the horizon
# before the last one that they bought again in the last one: unknown, below a tenth, below a
# quarter, a quarter or more); the blend measures each bin's purchase rate on the tuning holdout.
TIMINGS = ('due', 'due_in_horizon', 'later', 'lapsed', 'no_rhythm')
ORDER_DAYS = (1, 2, 3, 4, 6, 10, 20)
ORDER_BUCKETS = len(ORDER_DAYS)
POPULARITY_RANKS = (10, 100)
REBUY_LEVELS = (0.1, 0.25)
BIN_SHAPE = (len(TIMINGS), ORDER_BUCKETS, len(POPULARITY_RANKS) + 1, len(REBUY_LEVELS) + 2)
BINS = int(np.prod(BIN_SHAPE))


def bins(pairs, rhythm, now, horizon_days, popularity_rank=None, rebuy_rate=None):
    """Calibration bin of each pair: the flat index of (TIMINGS index, order-days bucket,
    popularity bucket, re-buy level) in BIN_SHAPE (popularity_rank: per pair, 0 = the most
    bought product, default: beyond every bucket; rebuy_rate: per pair, its customer's, NaN or
    default: unknown)."""
    with np.errstate(invalid='ignore'):
        rhythmic = ~np.isnan(rhythm['cycle'])
        lapsed = rhythmic & ~rhythm['on_time'] & (rhythm['due_day'] <= now)
        in_horizon = rhythmic & ~rhythm['on_time'] & ~lapsed & (rhythm['due_day'] < now + horizon_days)
    timing = np.select([rhythm['on_time'], in_horizon, lapsed, ~rhythmic], [0, 1, 3, 4], default=2)
    orders = np.searchsorted(np.asarray(ORDER_DAYS), pairs.orders, side='right') - 1
    rank = np.full(pairs.size, POPULARITY_RANKS[-1]) if popularity_rank is None else popularity_rank
    popularity = np.searchsorted(np.asarray(POPULARITY_RANKS), rank, side='right')
    rate = np.full(pairs.size, np.nan) if rebuy_rate is None else np.asarray(rebuy_rate, dtype=np.float64)
    known = ~np.isnan(rate)
    level = np.where(known, np.searchsorted(np.asarray(REBUY_LEVELS), np.where(known, rate, 0.0), side='right') + 1, 0)
    return np.ravel_multi_index((timing, orders, popularity, level), BIN_SHAPE)


def due_cycles(pairs, now, ahead_days=30, lapse_intervals=2):
    """Mask over the pairs: the repeat cycles due at day now by the customer's own intervals
    alone (no knob): at least 3 order days, the next expected day (last + own cycle) before
    now + ahead_days, the last order at most lapse_intervals own cycles ago. The harness
    (bench/evaluate_recommendations.py) measures the Due list's coverage of them; the tuning
    keeps the coverage of its holdout's."""
    with np.errstate(invalid='ignore'):
        return ((pairs.intervals >= 2) & (pairs.last + pairs.own_cycle < now + ahead_days)
                & (now - pairs.last <= lapse_intervals * pairs.own_cycle))


def reason(orders, cycle, own, last, now):
    """The re-order explanation as (kind, figures): 'own' ("orders every ~5 weeks, last 6 weeks
    ago"), 'typical' (the product's cycle) or 'history' (no cycle: "bought in 3 orders, last 6
    weeks ago"); durations in days."""
    ago = int(now - last)
    if np.isnan(cycle):
        return 'history', {'orders': int(orders), 'ago_days': ago}
    return ('own' if own else 'typical'), {'cycle_days': int(round(cycle)), 'ago_days': ago, 'orders': int(orders)}
