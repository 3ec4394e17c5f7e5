"""Customer lifetime value from a company's order history (issue 16): how many more orders a
customer will place (Pareto/NBD, or MBG/NBD), how much each is worth (Gamma-Gamma), and the
probability that the customer is still active (P(alive)).

Pure numpy/scipy; imports nothing from Odoo. Every model is fitted by maximum likelihood on
one row per customer (summary arrays only, so memory grows with customers, never with orders):

- frequency x: repeat purchase days (distinct order days - 1: same-day orders count once),
- recency t_x: days between the first and the last order day,
- age T: days between the first order day and the as-of date,
- monetary m: mean value of the repeat purchase days (0 when x = 0; Gamma-Gamma only uses x > 0).

Why Pareto/NBD is the default (DEFAULT_MODEL; figures in bench/RESULTS.md and docs/clv.md):
on a validation split inside the CDNOW calibration period it beat MBG/NBD on the revenue
total, Spearman, RMSE and P(alive) AUC; unlike BG/NBD it lets a one-order customer be gone.
Both are fitted with an exact gradient by L-BFGS-B on distinct summary rows; Pareto/NBD's
likelihood is written as two positive tail integrals summed by one series (section below),
so it is as fast as MBG/NBD's closed form (well under 2 s per 100k customers).

References: Fader, Hardie & Lee (2005) "Counting your customers the easy way"; Batislam,
Denizel & Filiztekin (2007) (MBG/NBD); Fader & Hardie (2005) "A note on deriving the
Pareto/NBD model"; Fader & Hardie (2013) "The Gamma-Gamma model of monetary value".
"""
import numpy as np
from scipy import optimize, special

# Below this many customers with a repeat purchase the data say too little about the rates:
# the fallback below is used instead of a fit.
MIN_REPEAT_CUSTOMERS = 30

# Fallback (too few repeat customers, or a fit that does not converge): the MBG/NBD shape
# parameters fitted on CDNOW (r, a, b: how purchase rates and drop-out spread among customers),
# with the rate scale alpha set so that the mean purchase rate r / alpha is the company's own
# pooled repeat rate, (repeat days + 1) / (observed customer-days + 365): one pseudo repeat
# purchase per customer-year keeps it finite for a company that has no repeat customer yet.
FALLBACK_SHAPE = {'r': 0.637, 'a': 0.807, 'b': 1.228}

MODELS = ('mbg_nbd', 'pareto_nbd')
# The addon's model (docs/clv.md, "Which model, and why"): Pareto/NBD, chosen on a validation
# split inside the calibration period; MBG/NBD stays selectable and is the fallback's model.
DEFAULT_MODEL = 'pareto_nbd'


def _dot(weights, values):
    """Weighted sum without BLAS: OpenBLAS threads spin against each other on a busy machine
    (a dot product of 100k floats took 10x longer than this plain sum)."""
    return np.multiply(weights, values).sum()


def _as_float(*arrays):
    return [np.asarray(array, dtype=float) for array in arrays]


def summarize(customer, day, amount, as_of_day):
    """Per-customer summary of transactions (numpy arrays: customer id, day number, amount),
    counting only days <= as_of_day; same-day orders are one purchase. Returns (customers,
    frequency, recency, age, monetary, revenue), sorted by customer. Used by the tests and the
    benchmark harness; the addon computes the same summary in SQL (queries/clv.py)."""
    customer, day, amount = np.asarray(customer), np.asarray(day), np.asarray(amount, dtype=float)
    keep = day <= as_of_day
    customer, day, amount = customer[keep], day[keep], amount[keep]
    # one row per (customer, day), amounts added
    order = np.lexsort((day, customer))
    customer, day, amount = customer[order], day[order], amount[order]
    new_day = np.ones(len(day), dtype=bool)
    new_day[1:] = (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(new_day)
    customer, day, amount = customer[starts], day[starts], np.add.reduceat(amount, starts) if len(starts) else amount
    first_of_customer = np.ones(len(customer), dtype=bool)
    first_of_customer[1:] = customer[1:] != customer[:-1]
    starts = np.flatnonzero(first_of_customer)
    customers = customer[starts]
    days_count = np.diff(np.append(starts, len(customer)))
    first_day = day[starts]
    last_day = day[np.append(starts[1:], len(customer)) - 1]
    revenue = np.add.reduceat(amount, starts) if len(starts) else amount
    frequency = (days_count - 1).astype(float)
    repeat_revenue = revenue - amount[starts]
    monetary = np.divide(repeat_revenue, frequency, out=np.zeros_like(repeat_revenue), where=frequency > 0)
    return customers, frequency, (last_day - first_day).astype(float), (as_of_day - first_day).astype(float), \
        monetary, revenue


def compress(*columns):
    """Identical summary rows (many one-order customers share an age) as unique rows + counts:
    the likelihood of a group is its count times the likelihood of one row."""
    columns = _as_float(*columns)
    first, inverse, counts = _distinct_rows(*columns)
    return [column[first] for column in columns] + [counts.astype(float)]


def _distinct_rows(*columns):
    """(index of a first row of each distinct row, the distinct row of every row, counts).
    Whole non-negative numbers (days, counts) are packed into one integer key: one sort of
    integers instead of a sort of rows."""
    columns = _as_float(*columns)
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    sizes = [column.max() + 1 for column in columns]
    whole = all(np.all(column >= 0) and np.all(column == np.floor(column)) for column in columns)
    if whole and np.prod(sizes) < 2.0 ** 62:
        key = np.zeros(n, dtype=np.int64)
        for column, size in zip(columns, sizes):
            key = key * np.int64(size) + column.astype(np.int64)
        _values, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    else:
        _values, first, inverse, counts = np.unique(np.column_stack(columns), axis=0, return_index=True,
                                                    return_inverse=True, return_counts=True)
    return first, inverse.ravel(), counts


# Purchase-count models ----------------------------------------------------------------------

def mbg_nbd_log_likelihood(params, x, t_x, T):
    """Per-customer log-likelihood of MBG/NBD (Batislam et al. 2007) at params (r, alpha, a, b);
    alpha in the time unit of t_x and T."""
    r, alpha, a, b = params
    x, t_x, T = _as_float(x, t_x, T)
    log_alpha_T, log_alpha_tx = np.log(alpha + T), np.log(alpha + t_x)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (log_alpha_T - log_alpha_tx)
    return (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            + special.betaln(a, b + x + 1) - special.betaln(a, b)
            - (r + x) * log_alpha_T + np.logaddexp(a4, 0.0))


def _mbg_nbd_objective(log_params, x, t_x, T, weights, frequency_counts):
    """Negative mean log-likelihood and its exact gradient in log-parameters. Terms that depend
    on x only are computed once per distinct frequency (frequency_counts: (values, counts,
    index of each row's value))."""
    r, alpha, a, b = np.exp(log_params)
    total = weights.sum()
    xs, ns, of_row = frequency_counts
    log_alpha_T, log_alpha_tx = np.log(alpha + T), np.log(alpha + t_x)
    gap = log_alpha_T - log_alpha_tx
    a4 = np.log(a) - np.log(b + xs)[of_row] + (r + x) * gap
    # softplus(a4) = log(1 + e^a4) and its derivative sigmoid(a4), from one exponential
    e = np.exp(-np.abs(a4))
    softplus = np.maximum(a4, 0.0) + np.log1p(e)
    sigma = np.where(a4 >= 0, 1.0, e) / (1.0 + e)
    ll = (_dot(ns, special.gammaln(r + xs) + special.betaln(a, b + xs + 1))
          + total * (r * np.log(alpha) - special.gammaln(r) - special.betaln(a, b))
          + _dot(weights, softplus - (r + x) * log_alpha_T))
    psi_ab = special.digamma(a + b)
    d_r = (_dot(ns, special.digamma(r + xs)) + total * (np.log(alpha) - special.digamma(r))
           + _dot(weights, sigma * gap - log_alpha_T))
    inverse_T, inverse_tx = 1 / (alpha + T), 1 / (alpha + t_x)
    d_alpha = total * r / alpha + _dot(weights, (r + x) * (sigma * (inverse_T - inverse_tx) - inverse_T))
    # d/da betaln(a, b+x+1) - betaln(a, b) = psi(a+b) - psi(a+b+x+1); d/db: + psi(b+x+1) - psi(b)
    d_a = -_dot(ns, special.digamma(a + b + xs + 1)) + total * psi_ab + _dot(weights, sigma) / a
    d_b = (_dot(ns, special.digamma(b + xs + 1) - special.digamma(a + b + xs + 1))
           + total * (psi_ab - special.digamma(b)) - _dot(weights * sigma, (1 / (b + xs))[of_row]))
    gradient = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -ll / total, -gradient / total


# Pareto/NBD without cancellation: tail integrals and one series ----------------------------
#
# With the purchase rate lambda ~ Gamma(r, alpha) and the drop-out rate mu ~ Gamma(s, beta), a
# customer's likelihood (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model", with
# the drop-out time integrated out) is
#   L = Gamma(r+x) alpha^r beta^s / Gamma(r) [E(T) + s (J(t_x) - J(T))],
#   E(t) = (alpha+t)^-(r+x) (beta+t)^-s,   J(t) = int_t^inf (alpha+y)^-(r+x) (beta+y)^-(s+1) dy.
# Integrating E' from T to infinity, E(T) = (r+x) K(T) + s J(T) with
# K(t) = int_t^inf (alpha+y)^-(r+x+1) (beta+y)^-s dy, so the bracket is (r+x) K(T) + s J(t_x):
# two positive terms, no difference of nearly equal hypergeometric terms when t_x is close to T;
# K depends on (x, T) only and J on (x, t_x) only, so each is computed once per distinct pair
# (whole days: a few thousand pairs however many customers). P(alive) = E(T) / bracket.
# Both are tails G = int_t^inf (h+y)^-p (l+y)^-q dy with h >= l (the larger of alpha and beta
# first); with u = (h+t)/(h+y) and Euler's transformation of the hypergeometric function,
#   G = (h+t)^-p (l+t)^(1-q) S(p, p+q; z) / (p+q-1),   z = (h-l)/(h+t) in [0, 1),
#   S(a, c; z) = 2F1(1, a; c; z) = sum_n (a)_n/(c)_n z^n   (terms positive, at most z^n),
# summed with its derivatives in a, c and z: the exact gradient of the fit.

# Above this z the series needs many terms (about 800 at 0.95): scipy's hyp2f1 instead, with
# derivatives by central differences (parameters where one rate scale is 20x the other).
SERIES_MAX_Z = 0.95


def _series(a, c, z):
    """(S, dS/da, dS/dc, dS/dz) of S = 2F1(1, a; c; z) = sum_n (a)_n/(c)_n z^n, for arrays of
    one shape with 0 <= z < 1 and c > a > 0. Term n is below z^n, so each row needs about
    log(1e-17 (1 - z)) / log(z) terms (with the n-fold derivative sums): rows sorted by z, the
    largest first, step n works on the prefix of rows that still need it (the larger t, the
    smaller z, the fewer terms). Rows with z above SERIES_MAX_Z are evaluated by scipy."""
    count = len(z)
    value, d_a, d_c, d_z = np.ones(count), np.zeros(count), np.zeros(count), np.zeros(count)
    far = z > SERIES_MAX_Z
    near = np.flatnonzero(~far)
    order = near[np.argsort(-z[near], kind='stable')]
    ta, tc, tz = a[order], c[order], z[order]
    with np.errstate(divide='ignore'):
        log_z = np.log(tz)
        needed = np.log(1e-17 * (1.0 - tz)) / log_z
        needed = np.where(tz > 0, np.ceil(needed + np.log(np.maximum(needed, 1.0)) / -log_z), 0.0)
    # rows still summing at step n: those with needed > n, a prefix (needed falls along the rows)
    steps = np.arange(int(needed.max()) if len(needed) else 0)
    active = len(order) - np.searchsorted(needed[::-1], steps, side='right')
    term, sum_a, sum_c = np.ones(len(order)), np.zeros(len(order)), np.zeros(len(order))
    acc, acc_a, acc_c, acc_z = np.ones(len(order)), np.zeros(len(order)), np.zeros(len(order)), np.zeros(len(order))
    for n, m in enumerate(active):
        # term_{n+1} = term_n (a+n)/(c+n) z;  d log term_{n+1} / da = sum_{j<=n} 1/(a+j)
        a_n = ta[:m] + n
        inverse_c = 1.0 / (tc[:m] + n)
        sum_a[:m] += 1.0 / a_n
        sum_c[:m] += inverse_c
        step = term[:m]
        step *= a_n * inverse_c * tz[:m]
        acc[:m] += step
        acc_a[:m] += step * sum_a[:m]
        acc_c[:m] -= step * sum_c[:m]
        acc_z[:m] += (n + 1) * step
    value[order], d_a[order], d_c[order] = acc, acc_a, acc_c
    # dS/dz = sum_n n term_n / z; at z = 0 the first coefficient a / c
    d_z[order] = np.where(tz > 0, acc_z / np.where(tz > 0, tz, 1.0), ta / tc)
    if far.any():
        fa, fc, fz = a[far], c[far], z[far]

        def hyp(da=0.0, dc=0.0, dz=0.0):
            return special.hyp2f1(1.0, fa + da, fc + dc, fz + dz)
        value[far] = hyp()
        ha, hc, hz = 1e-6 * fa, 1e-6 * fc, 1e-6 * (1 - fz)
        d_a[far] = (hyp(da=ha) - hyp(da=-ha)) / (2 * ha)
        d_c[far] = (hyp(dc=hc) - hyp(dc=-hc)) / (2 * hc)
        d_z[far] = (hyp(dz=hz) - hyp(dz=-hz)) / (2 * hz)
    return value, d_a, d_c, d_z


def _log_tail(p, q, alpha, beta, t, gradient=True):
    """log G, G = int_t^inf (alpha+y)^-p (beta+y)^-q dy (p, q > 0, p + q > 1; arrays of one
    shape, alpha and beta scalars), and with gradient its partial derivatives in (p, q,
    alpha, beta)."""
    t = np.asarray(t, dtype=float)
    p, q = (np.broadcast_to(np.asarray(value, dtype=float), t.shape).copy() for value in (p, q))
    if alpha >= beta:
        value, parts = _log_tail_high(p, q, alpha, beta, t, gradient)
        return value, parts
    value, parts = _log_tail_high(q, p, beta, alpha, t, gradient)
    if parts is not None:
        d_q, d_p, d_beta, d_alpha = parts
        parts = (d_p, d_q, d_alpha, d_beta)
    return value, parts


def _log_tail_high(p, q, high, low, t, gradient):
    k = p + q - 1.0
    z = (high - low) / (high + t)
    s_value, s_a, s_c, s_z = _series(p, p + q, z)
    log_high, log_low = np.log(high + t), np.log(low + t)
    value = -p * log_high + (1.0 - q) * log_low + np.log(s_value) - np.log(k)
    if not gradient:
        return value, None
    by_z = s_z / s_value
    d_c = s_c / s_value - 1.0 / k
    return value, (-log_high + s_a / s_value + d_c, -log_low + d_c,
                   -p / (high + t) + by_z * (low + t) / (high + t) ** 2,
                   (1.0 - q) / (low + t) - by_z / (high + t))


def _pareto_tables(x, t_x, T):
    """The distinct (x, T) pairs (K), the distinct (x, t_x) pairs (J) and the distinct x of
    summary rows, with each row's index into each: computed once per fit (whole days pair up
    fast)."""
    first_k, of_k, _counts = _distinct_rows(x, T)
    first_j, of_j, _counts = _distinct_rows(x, t_x)
    xs, of_x = np.unique(x, return_inverse=True)
    return x[first_k], T[first_k], of_k, x[first_j], t_x[first_j], of_j, xs, of_x.ravel()


def _pareto_nbd_brackets(params, tables, gradient):
    """Per row: the log of the two terms of the bracket, (r+x) K(T) and s J(t_x), and the tails'
    log-values and partial derivatives (per pair)."""
    r, alpha, s, beta = params
    xk, tk, of_k, xj, tj, of_j, xs, of_x = tables
    log_k, d_k = _log_tail(r + xk + 1.0, s, alpha, beta, tk, gradient)
    log_j, d_j = _log_tail(r + xj, s + 1.0, alpha, beta, tj, gradient)
    first = np.log(r + xs)[of_x] + log_k[of_k]
    second = np.log(s) + log_j[of_j]
    return first, second, d_k, d_j


def _pareto_nbd_parts(params, tables):
    """Per row: log-likelihood and log E(T) - log P(alive) (the log of the bracket)."""
    r, alpha, s, beta = params
    xs, of_x = tables[6], tables[7]
    first, second, _d_k, _d_j = _pareto_nbd_brackets(params, tables, gradient=False)
    log_bracket = np.logaddexp(first, second)
    constant = special.gammaln(r + xs) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return constant[of_x] + log_bracket, log_bracket


def pareto_nbd_log_likelihood(params, x, t_x, T):
    """Per-customer log-likelihood of Pareto/NBD (Fader & Hardie 2005) at params (r, alpha, s,
    beta), through the tail integrals above."""
    x, t_x, T = _as_float(x, t_x, T)
    return _pareto_nbd_parts(params, _pareto_tables(x, t_x, T))[0]


def _pareto_nbd_objective(log_params, tables, weights):
    """Negative mean log-likelihood of Pareto/NBD and its exact gradient in log-parameters. The
    rows' weights are summed per distinct x and per tail pair (bincount) before they meet the
    per-x and per-pair derivatives."""
    params = np.exp(log_params)
    r, alpha, s, beta = params
    xk, _tk, of_k, xj, _tj, of_j, xs, of_x = tables
    total = weights.sum()
    first, second, (kp, kq, ka, kb), (jp, jq, ja, jb) = _pareto_nbd_brackets(params, tables, gradient=True)
    log_bracket = np.logaddexp(first, second)
    per_x = np.bincount(of_x, weights=weights, minlength=len(xs))
    ll = (_dot(per_x, special.gammaln(r + xs)) + total * (r * np.log(alpha) + s * np.log(beta) - special.gammaln(r))
          + _dot(weights, log_bracket))
    # each row's share of its bracket from K, weighted; the rest from J
    on_k = weights * np.exp(first - log_bracket)
    on_j = weights - on_k
    k_weight = np.bincount(of_k, weights=on_k, minlength=len(xk))
    j_weight = np.bincount(of_j, weights=on_j, minlength=len(xj))
    d_r = (_dot(per_x, special.digamma(r + xs)) + total * (np.log(alpha) - special.digamma(r))
           + _dot(np.bincount(of_x, weights=on_k, minlength=len(xs)), 1.0 / (r + xs))
           + _dot(k_weight, kp) + _dot(j_weight, jp))
    d_alpha = total * r / alpha + _dot(k_weight, ka) + _dot(j_weight, ja)
    d_s = total * np.log(beta) + _dot(k_weight, kq) + _dot(j_weight, jq) + on_j.sum() / s
    d_beta = total * s / beta + _dot(k_weight, kb) + _dot(j_weight, jb)
    return -ll / total, -np.array([d_r, d_alpha, d_s, d_beta]) * params / total


# The fit of Pareto/NBD keeps beta / alpha within this factor (z <= 0.95 above: a short
# series); a company whose likelihood wants more is fitted with MBG/NBD (fit_purchase_model).
PARETO_MAX_SCALE_RATIO = 20.0


def _pareto_nbd_ratio_objective(theta, tables, weights):
    """_pareto_nbd_objective in (log r, log alpha, log s, log beta - log alpha)."""
    value, gradient = _pareto_nbd_objective(np.array([theta[0], theta[1], theta[2], theta[1] + theta[3]]),
                                            tables, weights)
    return value, np.array([gradient[0], gradient[1] + gradient[3], gradient[2], gradient[3]])


class PurchaseModel(object):
    """A fitted purchase-count model: name ('mbg_nbd', 'pareto_nbd'), params (dict, alpha and
    beta in days), log_likelihood (sum over customers), customers, repeat_customers, fallback
    (True when the parameters are the documented fallback, not a fit)."""

    def __init__(self, name, params, log_likelihood=None, customers=0, repeat_customers=0,
                 fallback=False, iterations=0):
        self.name, self.params = name, dict(params)
        self.log_likelihood, self.customers, self.repeat_customers = log_likelihood, customers, repeat_customers
        self.fallback, self.iterations = fallback, iterations

    def __repr__(self):
        return 'PurchaseModel(%s, %s, ll=%s, fallback=%s)' % (self.name, self.params, self.log_likelihood,
                                                              self.fallback)

    def _values(self):
        if self.name == 'mbg_nbd':
            return [self.params[key] for key in ('r', 'alpha', 'a', 'b')]
        return [self.params[key] for key in ('r', 'alpha', 's', 'beta')]

    def probability_alive(self, x, t_x, T):
        """P(the customer has not dropped out by T | x, t_x, T)."""
        x, t_x, T = _as_float(x, t_x, T)
        if self.name == 'mbg_nbd':
            r, alpha, a, b = self._values()
            log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            return special.expit(-log_odds)
        # E(T) / ((r+x) K(T) + s J(t_x)) (the Pareto/NBD section above)
        r, alpha, s, beta = self._values()
        shape = np.broadcast(x, t_x, T).shape
        x, t_x, T = (np.broadcast_to(column, shape).ravel() for column in (x, t_x, T))
        _ll, log_bracket = _pareto_nbd_parts(self._values(), _pareto_tables(x, t_x, T))
        return np.exp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T) - log_bracket).reshape(shape)

    def expected_orders(self, t, x, t_x, T):
        """Expected number of purchase days in the next t days (t scalar >= 0) per customer."""
        return self.expected_orders_at([t], x, t_x, T)[0]

    def expected_orders_at(self, times, x, t_x, T):
        """expected_orders for several horizons (days), one row per horizon. The part that does
        not depend on t_x is computed once per distinct (x, T): one-order customers of one age,
        and every customer when there are more of them than days, share it."""
        x, t_x, T = np.broadcast_arrays(*np.atleast_1d(*_as_float(x, t_x, T)))
        alive = self.probability_alive(x, t_x, T)
        first, inverse, _counts = _distinct_rows(x, T)
        xu, Tu = x[first], T[first]
        rows = []
        for t in times:
            if t <= 0:
                rows.append(np.zeros(len(x)))
                continue
            rows.append(self._orders_if_alive(t, xu, Tu)[inverse] * alive)
        return np.array(rows).reshape(len(times), len(x))

    def expected_orders_between(self, bounds, x, t_x, T):
        """(customers x periods) expected purchase days in each period between two consecutive
        bounds (days after the as-of day, increasing; the first is usually 0): the months of a
        sales forecast."""
        return np.diff(self.expected_orders_at(list(bounds), x, t_x, T), axis=0).T

    def probability_of_order(self, t, x, t_x, T):
        """P(at least one purchase in the next t days) (MBG/NBD): alive now, and the first
        purchase of a Gamma(r + x, alpha + T) rate comes within t (no drop-out without a
        purchase in MBG/NBD)."""
        if self.name != 'mbg_nbd':
            raise ValueError('probability_of_order is derived for MBG/NBD only.')
        x, t_x, T = _as_float(x, t_x, T)
        r, alpha = self.params['r'], self.params['alpha']
        return self.probability_alive(x, t_x, T) * -np.expm1((r + x) * np.log((alpha + T) / (alpha + T + t)))

    def _orders_if_alive(self, t, x, T):
        """E[purchases in (T, T + t] | x, T, alive at T]."""
        if self.name == 'mbg_nbd':
            r, alpha, a, b = self._values()
            # continuous in a, but 0/0 at a = 1 exactly: evaluated just beside it
            a = a if abs(a - 1) > 1e-7 else 1 + 1e-7
            # (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))]
            # (Batislam et al. 2007, times P(alive))
            z = t / (alpha + T + t)
            log_hyp = np.log(special.hyp2f1(r + x, b + x + 1, a + b + x, z))
            return (a + b + x) / (a - 1) * -np.expm1(log_hyp + (r + x) * np.log1p(-z))
        r, alpha, s, beta = self._values()
        # (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]; s -> 1: log
        ratio = np.log((beta + T) / (beta + T + t))
        growth = -np.expm1((s - 1) * ratio) / (s - 1) if abs(s - 1) > 1e-9 else -ratio
        return (r + x) * (beta + T) / (alpha + T) * growth


def fit_purchase_model(x, t_x, T, name=DEFAULT_MODEL, initial=None):
    """Maximum-likelihood fit of `name` on summary arrays (days). Too few repeat customers, or
    no convergence: the documented fallback (FALLBACK_SHAPE), flagged fallback=True."""
    if name not in MODELS:
        raise ValueError('Unknown purchase model %r (one of %s).' % (name, ', '.join(MODELS)))
    x, t_x, T = _as_float(x, t_x, T)
    if not (x.shape == t_x.shape == T.shape) or np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T):
        raise ValueError('Summary arrays must have one shape and 0 <= recency <= age, frequency >= 0.')
    customers, repeat_customers = len(x), int(np.count_nonzero(x))
    if repeat_customers < MIN_REPEAT_CUSTOMERS:
        return fallback_purchase_model(x, T, name)
    # time in units where the oldest customer is 10 units old: parameters of order 1
    scale = 10.0 / max(T.max(), 1.0)
    cx, days_tx, days_T, weights = compress(x, t_x, T)  # before scaling: whole days compress fast
    ctx, cT = days_tx * scale, days_T * scale
    if name == 'mbg_nbd':
        xs, inverse = np.unique(cx, return_inverse=True)
        frequency_counts = (xs, np.bincount(inverse, weights=weights), inverse)
        start = np.log(initial if initial is not None else [1.0, 1.0, 1.0, 1.0])
        result = optimize.minimize(_mbg_nbd_objective, start, jac=True, method='L-BFGS-B',
                                   args=(cx, ctx, cT, weights, frequency_counts),
                                   bounds=[(-10, 10)] * 4, options={'maxiter': 500, 'gtol': 1e-9, 'ftol': 1e-13})
        keys = ('r', 'alpha', 'a', 'b')
    else:
        # distinct (x, T) and (x, t_x) pairs in whole days, then scaled
        xk, tk, of_k, xj, tj, of_j, xs, of_x = _pareto_tables(cx, days_tx, days_T)
        tables = (xk, tk * scale, of_k, xj, tj * scale, of_j, xs, of_x)
        # searched in (log r, log alpha, log s, log beta/alpha), the two scales within
        # PARETO_MAX_SCALE_RATIO of each other: z <= 0.95, the series stays short (no scipy)
        start = np.log(initial if initial is not None else [1.0, 1.0, 1.0, 1.0])
        start[3] -= start[1]
        bound = np.log(PARETO_MAX_SCALE_RATIO)
        result = optimize.minimize(_pareto_nbd_ratio_objective, start, jac=True, method='L-BFGS-B',
                                   args=(tables, weights), bounds=[(-10, 10)] * 3 + [(-bound, bound)],
                                   options={'maxiter': 500, 'gtol': 1e-9, 'ftol': 1e-13})
        if abs(result.x[3]) > bound - 1e-6:
            # the likelihood wants one scale more than PARETO_MAX_SCALE_RATIO times the other
            # (e.g. customers who never leave): MBG/NBD instead, which has no such limit
            return fit_purchase_model(x, t_x, T, 'mbg_nbd', None)
        result.x[3] += result.x[1]
        keys = ('r', 'alpha', 's', 'beta')
    # L-BFGS-B may stop on a line search at the optimum (round-off): converged if the gradient is ~0
    converged = result.success or np.max(np.abs(result.jac)) < 1e-6
    if not converged or not np.all(np.isfinite(result.x)):
        return fallback_purchase_model(x, T, name)
    params = dict(zip(keys, np.exp(result.x)))
    params['alpha'] /= scale
    if 'beta' in params:
        params['beta'] /= scale
    model = PurchaseModel(name, params, customers=customers, repeat_customers=repeat_customers,
                          iterations=int(result.nit))
    # over the distinct rows (days), each weighted by its count
    model.log_likelihood = float(_dot(weights, model_log_likelihood(model, cx, days_tx, days_T)))
    return model


def fallback_purchase_model(x, T, name='mbg_nbd'):
    """MBG/NBD with FALLBACK_SHAPE and the company's pooled repeat rate (module docstring)."""
    x, T = _as_float(x, T)
    rate = (x.sum() + 1.0) / (T.sum() + 365.0)  # repeat purchase days per customer-day
    params = dict(FALLBACK_SHAPE, alpha=FALLBACK_SHAPE['r'] / rate)
    return PurchaseModel('mbg_nbd', params, customers=len(x), repeat_customers=int(np.count_nonzero(x)),
                         fallback=True)


def model_log_likelihood(model, x, t_x, T):
    """Per-customer log-likelihood of a fitted model (days)."""
    if model.name == 'mbg_nbd':
        return mbg_nbd_log_likelihood(model._values(), x, t_x, T)
    return pareto_nbd_log_likelihood(model._values(), x, t_x, T)


def poisson_log_likelihood(x, T):
    """Log-likelihood of the no-model baseline: one purchase rate for everybody (its MLE),
    nobody drops out. Same density as the models' (purchase times given T)."""
    x, T = _as_float(x, T)
    rate = x.sum() / T.sum() if T.sum() > 0 else 0.0
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(x > 0, x * np.log(rate), 0.0) - rate * T


# Order value ------------------------------------------------------------------------------

def gamma_gamma_log_likelihood(params, x, m):
    """Per-customer log-likelihood of the Gamma-Gamma model (Fader & Hardie 2013, eq. 1a) at
    params (p, q, v) for customers with x >= 1 repeat purchases of mean value m > 0."""
    p, q, v = params
    x, m = _as_float(x, m)
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(px / p * m + v))


def _gamma_gamma_objective(log_params, x, m, weights, frequency_counts):
    """Negative mean log-likelihood of Gamma-Gamma and its exact gradient in log-parameters;
    terms of x only once per distinct frequency (frequency_counts: values, counts, index)."""
    p, q, v = np.exp(log_params)
    xs, ns, of_row = frequency_counts
    total = weights.sum()
    xm = x * m
    log_xm_v = np.log(xm + v)
    pxs = p * xs
    log_m, log_x = np.log(m), np.log(x)
    ll = (_dot(ns, special.gammaln(pxs + q) - special.gammaln(pxs))
          + total * (q * np.log(v) - special.gammaln(q))
          + _dot(weights, (p * x - 1) * log_m + p * x * log_x - (p * x + q) * log_xm_v))
    psi_pxq = special.digamma(pxs + q)
    d_p = _dot(ns, xs * (psi_pxq - special.digamma(pxs))) + _dot(weights, x * (log_m + log_x - log_xm_v))
    d_q = _dot(ns, psi_pxq) + total * (np.log(v) - special.digamma(q)) - _dot(weights, log_xm_v)
    d_v = total * q / v - _dot(weights, (p * x + q) / (xm + v))
    return -ll / total, -np.array([d_p * p, d_q * q, d_v * v]) / total


class ValueModel(object):
    """Fitted Gamma-Gamma (params p, q, v), or the fallback (params None): the customer's own
    average order value, else the company's."""

    def __init__(self, params=None, log_likelihood=None, customers=0, company_average=0.0):
        self.params, self.log_likelihood, self.customers = params, log_likelihood, customers
        self.company_average = company_average

    @property
    def fallback(self):
        return self.params is None

    def expected_order_value(self, x, m, average_order_value=None):
        """E[value of a future order | x repeat purchases of mean m] (Fader & Hardie 2013,
        eq. 5): a weighted mean of the customer's own and the population mean."""
        x, m = _as_float(x, m)
        if self.params is None:
            own = average_order_value if average_order_value is not None else np.where(x > 0, m, 0.0)
            own = np.asarray(own, dtype=float)
            return np.where(own > 0, own, self.company_average)
        p, q, v = self.params['p'], self.params['q'], self.params['v']
        return (v + x * m) * p / (p * x + q - 1)


def fit_value_model(x, m, average_order_value=None):
    """Gamma-Gamma on the customers with a repeat purchase of positive mean value. Too few of
    them, or a fit without a finite mean (q <= 1): the fallback of ValueModel."""
    x, m = _as_float(x, m)
    repeat = (x > 0) & (m > 0)
    values = average_order_value if average_order_value is not None else m[repeat]
    values = np.asarray(values, dtype=float)
    company_average = float(values[values > 0].mean()) if np.any(values > 0) else 0.0
    if np.count_nonzero(repeat) < MIN_REPEAT_CUSTOMERS:
        return ValueModel(company_average=company_average)
    # mean values are seldom equal: no compression, one row per customer
    cx, cm = x[repeat], m[repeat]
    weights = np.ones(len(cx))
    scale = 1.0 / np.median(m[repeat])  # values of order 1 for the optimiser
    xs, inverse = np.unique(cx, return_inverse=True)
    frequency_counts = (xs, np.bincount(inverse, weights=weights), inverse)
    result = optimize.minimize(_gamma_gamma_objective, np.log([1.0, 2.0, 1.0]), jac=True, method='L-BFGS-B',
                               args=(cx, cm * scale, weights, frequency_counts), bounds=[(-10, 10)] * 3,
                               options={'maxiter': 500, 'gtol': 1e-9, 'ftol': 1e-13})
    p, q, v = np.exp(result.x)
    if not result.success or q <= 1:
        return ValueModel(company_average=company_average)
    params = {'p': p, 'q': q, 'v': v / scale}
    ll = float(np.sum(gamma_gamma_log_likelihood((params['p'], params['q'], params['v']), x[repeat], m[repeat])))
    return ValueModel(params, ll, int(np.count_nonzero(repeat)), company_average)


# Predictions ------------------------------------------------------------------------------

def predict(purchase_model, value_model, x, t_x, T, m, horizon_days=365, annual_discount_rate=0.0,
            average_order_value=None, step_days=30):
    """Per-customer figures as a dict of arrays: probability_alive, expected_orders_30/_90/_365,
    expected_order_value and clv = expected order value x expected orders over horizon_days,
    each step of step_days discounted at annual_discount_rate (compounded yearly, e.g. 0.1)."""
    if horizon_days < 0 or annual_discount_rate < 0:
        raise ValueError('The horizon and the discount rate cannot be negative.')
    x, t_x, T, m = _as_float(x, t_x, T, m)
    value = value_model.expected_order_value(x, m, average_order_value)
    bounds = np.append(np.arange(0, horizon_days, step_days), horizon_days).astype(float)[1:]
    times = [30, 90, 365] + [end for end in bounds if end not in (30, 90, 365)]
    cumulative = dict(zip(times, purchase_model.expected_orders_at(times, x, t_x, T)))
    figures = {'probability_alive': purchase_model.probability_alive(x, t_x, T),
               'expected_order_value': value}
    for days in (30, 90, 365):
        figures['expected_orders_%d' % days] = cumulative[days]
    clv, previous = np.zeros_like(x), np.zeros_like(x)
    for end in bounds:
        # orders of the step, discounted from its end
        clv += (cumulative[end] - previous) * (1 + annual_discount_rate) ** (-end / 365.0)
        previous = cumulative[end]
    figures['clv'] = clv * value
    return figures


def simulate_mbg_nbd(params, T, rng):
    """Summary arrays (frequency, recency) of customers of ages T (days) drawn from MBG/NBD
    at params (r, alpha, a, b): purchase rate ~ Gamma(r, 1/alpha), drop-out probability
    ~ Beta(a, b) after every purchase, the first one included. For tests and benchmarks."""
    r, alpha, a, b = params
    T = np.asarray(T, dtype=float)
    rate = rng.gamma(r, 1.0 / alpha, len(T))
    dropout = rng.beta(a, b, len(T))
    frequency, recency = np.zeros(len(T)), np.zeros(len(T))
    alive = rng.random(len(T)) >= dropout  # after the first purchase
    clock = np.zeros(len(T))
    while alive.any():
        clock[alive] += rng.exponential(1.0, alive.sum()) / rate[alive]
        purchased = alive & (clock <= T)
        frequency[purchased] += 1
        recency[purchased] = clock[purchased]
        alive = purchased & (rng.random(len(T)) >= dropout)
    return frequency, recency
