"""Customer lifetime value from a company's order history (issue 16): how many more orders a
customer will place (MBG/NBD, or Pareto/NBD for comparison), how much each is worth
(Gamma-Gamma), and the probability that the customer is still active (P(alive)).

Pure numpy/scipy; imports nothing from Odoo. Every model is fitted by maximum likelihood on
one row per customer (summary arrays only, so memory grows with customers, never with orders):

- frequency x: repeat purchase days (distinct order days - 1: same-day orders count once),
- recency t_x: days between the first and the last order day,
- age T: days between the first order day and the as-of date,
- monetary m: mean value of the repeat purchase days (0 when x = 0; Gamma-Gamma only uses x > 0).

Why MBG/NBD is the default (figures of both in bench/RESULTS.md and docs/clv.md): unlike
BG/NBD it lets a one-order customer be gone (BG/NBD gives P(alive) = 1 to every one-order
customer); on the CDNOW holdout it ranks customers about as well as Pareto/NBD (which is a
little closer on the total); and its likelihood is closed-form, so it is fitted with an exact
gradient in well under 2 s per 100k customers, where Pareto/NBD needs a Gauss hypergeometric
function per customer per evaluation and a derivative-free search (about 30x slower).

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


def _log_hyp2f1_c_is_a_plus_1(a, b, z):
    """log 2F1(a, b; a + 1; z) for 0 <= z < 1, through Euler's transformation
    2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z): the second factor lies
    between 1 and 1 / (1 - z), so nothing overflows for large a (frequent buyers)."""
    return (1 - b) * np.log1p(-z) + np.log(special.hyp2f1(1.0, a + 1 - b, a + 1, z))


def pareto_nbd_log_likelihood(params, x, t_x, T):
    """Per-customer log-likelihood of Pareto/NBD (Fader & Hardie 2005, eq. 18-20) at params
    (r, alpha, s, beta)."""
    r, alpha, s, beta = params
    x, t_x, T = _as_float(x, t_x, T)
    log_a0 = _pareto_log_a0(params, x, t_x, T)
    return (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.logaddexp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T),
                           np.log(s) - np.log(r + s + x) + log_a0))


def _pareto_log_a0(params, x, t_x, T):
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        high, low, second = alpha, beta, s + 1.0
    else:
        high, low, second = beta, alpha, r + x
    log_1 = _log_hyp2f1_c_is_a_plus_1(rsx, second, (high - low) / (high + t_x)) - rsx * np.log(high + t_x)
    log_2 = _log_hyp2f1_c_is_a_plus_1(rsx, second, (high - low) / (high + T)) - rsx * np.log(high + T)
    # log(e^log_1 - e^log_2), log_1 >= log_2 (t_x <= T); 0 when t_x = T
    with np.errstate(divide='ignore'):
        return log_1 + np.log(-np.expm1(np.minimum(log_2 - log_1, 0.0)))


def _pareto_nbd_objective(log_params, x, t_x, T, weights):
    # the search tries parameters where the hypergeometric function overflows: +inf there
    with np.errstate(all='ignore'):
        ll = pareto_nbd_log_likelihood(np.exp(log_params), x, t_x, T)
    value = -_dot(weights, ll) / weights.sum()
    return value if np.isfinite(value) else np.inf


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
        r, alpha, s, beta = self._values()
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                    + _pareto_log_a0(self._values(), x, t_x, T))
        return special.expit(-log_odds)

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


def fit_purchase_model(x, t_x, T, name='mbg_nbd', initial=None):
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
    cx, ctx, cT, weights = compress(x, t_x, T)  # before scaling: whole days compress fast
    ctx, cT = ctx * scale, cT * scale
    if name == 'mbg_nbd':
        xs, inverse = np.unique(cx, return_inverse=True)
        frequency_counts = (xs, np.bincount(inverse, weights=weights), inverse)
        start = np.log(initial if initial is not None else [1.0, 1.0, 1.0, 1.0])
        result = optimize.minimize(_mbg_nbd_objective, start, jac=True, method='L-BFGS-B',
                                   args=(cx, ctx, cT, weights, frequency_counts),
                                   bounds=[(-10, 10)] * 4, options={'maxiter': 500, 'gtol': 1e-9, 'ftol': 1e-13})
        keys = ('r', 'alpha', 'a', 'b')
    else:
        start = np.log(initial if initial is not None else [1.0, 1.0, 1.0, 1.0])
        result = optimize.minimize(_pareto_nbd_objective, start, method='Nelder-Mead',
                                   args=(cx, ctx, cT, weights),
                                   options={'maxiter': 4000, 'xatol': 1e-7, 'fatol': 1e-10})
        keys = ('r', 'alpha', 's', 'beta')
    if not result.success or not np.all(np.isfinite(result.x)):
        return fallback_purchase_model(x, T, name)
    params = dict(zip(keys, np.exp(result.x)))
    params['alpha'] /= scale
    if 'beta' in params:
        params['beta'] /= scale
    model = PurchaseModel(name, params, customers=customers, repeat_customers=repeat_customers,
                          iterations=int(result.nit))
    # over the distinct rows (days), each weighted by its count
    model.log_likelihood = float(_dot(weights, model_log_likelihood(model, cx, ctx / scale, cT / scale)))
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
