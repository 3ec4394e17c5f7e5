"""Monthly sales forecast per key (a product, a product category, a team x product ...) for the
next 1-6 months, from the order history and the open pipeline (no Odoo import; design and
figures: docs/lead-score-forecast.md).

Months are integers (`month_index`: year x 12 + month - 1); a key is an integer or a text. The
history holds what was sold (quantity or amount) per key and month, each row marked as coming
from an opportunity (a won lead's order) or not (repeat and direct orders); the pipeline holds
the open leads' lines with their expected closing month and win probability.

The forecast of key k for month m = as_of + h - 1 (horizon h = 1 .. H) adds three parts:
- the direct sales (orders that did not come from an opportunity): either the direct run rate,
  the mean of the key's direct sales over the last `level_months` months (months without a
  sale count as 0), deseasonalised, times the seasonal index of m; or, when the caller passes
  the customer model's expectation (`customers`, from `customer_sales`: each customer who
  bought before as_of, its expected purchase days in m x its own sales of the key per purchase
  day), that expectation times the seasonal index of m, plus the run rate of the new
  customers' direct sales (customers whose first purchase was at most h - 1 months before the
  sale: those who will first buy from as_of on); on CDNOW the customer model beats the run
  rate (docs/lead-score-forecast.md);
- the weighted pipeline: the sum of quantity x win probability of the open lines closing in m:
  each line spread over its expected closing month + the slips (closing month - expected
  month) of the recent won leads that leave it open at as_of, in their proportions (expected
  dates are optimistic, and an overdue lead does not all close this month); without slips,
  in its expected month, overdue lines in the first month (the plain weighted pipeline);
- the opportunity sales not yet in the pipeline: (1 - coverage_h) x the opportunity run rate
  (same formula on the sales from opportunities), where coverage_h is the share of a month's
  opportunity sales whose lead was already open h months before (`pipeline_coverage`, measured
  on the won leads): at one month most of what will close is already in the pipeline, at six
  months little is, and the run rate fills the rest instead of counting it twice.
Trend and seasons are used when the history spans at least two full years before as_of, both
computed on the key's `group` (its category; default one group for all keys, as one product's
months are too noisy): the growth is the last 12 months' sales over the 12 before (clipped to
[0.7, 1.5]), the history is brought to its last month's scale with it, the seasonal index of a
month of the year is the mean over the full years of the month's sales over that year's
monthly mean, normalised to a mean of 1 and clipped to [0.2, 5]; the forecast grows from the
last month by the growth.

Baselines of the benchmark (same inputs): `seasonal_naive` (the key's sales of the same month a
year before; with less than a year of history, of the last month) and the plain weighted
pipeline (`forecast(..., run_rate=False)` with Odoo's stage probabilities)."""
import numpy as np

SEASONAL_CLIP = (0.2, 5.0)
GROWTH_CLIP = (0.7, 1.5)


def month_index(day):
    """The month number of a date (year x 12 + month - 1)."""
    return day.year * 12 + day.month - 1


def _keys_of(*arrays):
    values = np.concatenate([np.asarray(a) for a in arrays if len(a)]) if any(len(a) for a in arrays) else []
    return np.unique(values)


def _position(keys, values):
    """Row of each value in the sorted keys (every value must be a key)."""
    return np.searchsorted(keys, np.asarray(values))


def monthly_matrix(keys, key, month, qty, first, last):
    """(keys x months first..last) sums of qty; rows outside the keys or months are left out."""
    month, qty = np.asarray(month, dtype=np.int64), np.asarray(qty, dtype=np.float64)
    inside = (month >= first) & (month <= last) & np.isin(np.asarray(key), keys)
    width = last - first + 1
    # bincount adds in the rows' order, as np.add.at does (the same sums), without its per-item cost
    cells = _position(keys, np.asarray(key)[inside]) * width + month[inside] - first
    return np.bincount(cells, weights=qty[inside], minlength=len(keys) * width).reshape(len(keys), width)


def seasonal_indexes(sales, first_month, years):
    """(rows x 12) index per month of the year (0 = January) of each row of a (rows x months)
    matrix whose columns start at first_month: over the last `years` full years, the month's
    sales over the year's monthly mean, averaged, normalised to mean 1; 1 for a row without sales."""
    rows, width = sales.shape
    ratios = np.zeros((rows, 12))
    for year in range(years):
        window = sales[:, width - 12 * (year + 1):width - 12 * year]
        mean = window.mean(axis=1, keepdims=True)
        with np.errstate(invalid='ignore', divide='ignore'):
            ratio = np.where(mean > 0, window / mean, 1.0)
        start = (first_month + width - 12 * (year + 1)) % 12
        ratios += np.roll(ratio, start, axis=1)  # column j of the window is month of year start + j
    index = np.clip(ratios / years, *SEASONAL_CLIP)
    return index / index.mean(axis=1, keepdims=True)


def seasons_and_trend(sales, first_month, groups=None):
    """(index, growth) of a (keys x months from first_month) matrix: the (keys x 12) seasonal index
    per month of the year (0 = January) and the yearly growth per key, both of the key's group
    (groups: an integer per key; default one group); with less than two full years of history,
    ones (no seasons, no trend). The growth g is the group's last 12 months' sales over the 12
    before (clipped to [0.7, 1.5]); the seasons are taken on the history brought to its last
    month's scale (x g^(months to the last month / 12))."""
    keys, width = sales.shape
    groups = np.zeros(keys, dtype=np.int64) if groups is None else np.asarray(groups)
    years = width // 12
    if years < 2:
        return np.ones((keys, 12)), np.ones(keys)
    group_ids, row_group = np.unique(groups, return_inverse=True)
    group_sales = np.zeros((len(group_ids), width))
    np.add.at(group_sales, row_group, sales)
    last, before = group_sales[:, -12:].sum(axis=1), group_sales[:, -24:-12].sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        group_growth = np.clip(np.where(before > 0, last / before, 1.0), *GROWTH_CLIP)
    to_last = (width - 1 - np.arange(width)) / 12.0
    group_scaled = group_sales * group_growth[:, np.newaxis] ** to_last
    return seasonal_indexes(group_scaled, first_month, years)[row_group], group_growth[row_group]


def run_rate(sales, first_month, as_of, horizon, level_months=6, groups=None, season_sales=None):
    """(keys x horizon) run-rate forecast of a (keys x months first_month..as_of-1) matrix:
    the deseasonalised mean of the last level_months months times the month's seasonal index.
    With two full years of history, the seasons and the trend of seasons_and_trend (per group
    of keys; of season_sales, a matrix of the same shape, when given: the new customers' sales
    follow the seasons of all direct sales): the history is brought to the last month's scale
    (x g^(months to the last month / 12)) before the level is taken, and the forecast h months
    after the last month grows by g^(h / 12)."""
    keys, width = sales.shape
    index, growth = seasons_and_trend(sales if season_sales is None else season_sales, first_month, groups)
    to_last = (width - 1 - np.arange(width)) / 12.0
    scaled = sales * growth[:, np.newaxis] ** to_last
    recent = np.arange(max(0, width - level_months), width)
    level = (scaled[:, recent] / index[:, (first_month + recent) % 12]).mean(axis=1) if len(recent) else np.zeros(keys)
    ahead = as_of + np.arange(horizon)
    trend = growth[:, np.newaxis] ** ((ahead - (first_month + width - 1))[np.newaxis, :] / 12.0)
    return level[:, np.newaxis] * index[:, ahead % 12] * trend


def customer_sales(keys, customers, expected_orders, mix_customer, mix_key, mix_value, mix_days):
    """(keys x horizon) sales the existing customers are expected to make: per customer and
    month, the purchase days the customer model expects (expected_orders: customers x horizon,
    customers sorted) x the customer's own sales of the key per purchase day (the mix rows:
    customer, key, value = what the customer bought of the key over a recent window, days = the
    customer's purchase days in that window). A customer without a mix row (nothing bought in
    the window) takes the average purchase day's: the sales of the key over every mix row / the
    purchase days of their customers. Rows of a key not in keys or without purchase days are
    left out."""
    customers = np.asarray(customers)
    expected = np.atleast_2d(np.asarray(expected_orders, dtype=np.float64))
    result = np.zeros((len(keys), expected.shape[1]))
    mix_customer, mix_key = np.asarray(mix_customer), np.asarray(mix_key)
    days = np.asarray(mix_days, dtype=np.float64)
    value = np.asarray(mix_value, dtype=np.float64)
    bought = days > 0
    if not bought.any() or not len(customers):
        return result
    at = np.minimum(np.searchsorted(customers, mix_customer), len(customers) - 1)
    listed = bought & np.isin(mix_key, keys)
    known = listed & (customers[at] == mix_customer)
    position, per_day = _position(keys, mix_key[known]), value[known] / days[known]
    # per month, bincount adds in the rows' order as np.add.at did (the same sums)
    for month in range(expected.shape[1]):
        result[:, month] = np.bincount(position, weights=expected[at[known], month] * per_day, minlength=len(keys))
    # the customers without a mix: the average purchase day of the customers with one
    first_rows = np.unique(mix_customer[bought], return_index=True)[1]
    average = np.bincount(_position(keys, mix_key[listed]), weights=value[listed], minlength=len(keys))
    average /= days[bought][first_rows].sum()
    without = ~np.isin(customers, mix_customer[bought])
    result += average[:, np.newaxis] * expected[without].sum(axis=0)[np.newaxis, :]
    return result


def weighted_pipeline(keys, key, month, qty, probability, as_of, horizon, slips=None):
    """(keys x horizon) quantity x probability of the open lines by closing month, lines beyond
    the horizon left out. Without slips: in their expected closing month, overdue lines (expected
    before as_of) in the first month. With slips (the months won leads closed after their
    expected month: 0, 1, -1 ...): each line spread over expected month + slip, for the slips
    that leave it open at as_of, in their proportions (none left: the first month)."""
    month = np.asarray(month, dtype=np.int64)
    weighted = np.asarray(qty, dtype=np.float64) * np.asarray(probability, dtype=np.float64)
    if slips is None or not len(slips) or not len(month):
        return monthly_matrix(keys, key, np.maximum(month, as_of), weighted, as_of, as_of + horizon - 1)
    values, counts = np.unique(np.asarray(slips, dtype=np.int64), return_counts=True)
    closing = month[:, np.newaxis] + values[np.newaxis, :]
    share = np.where(closing >= as_of, counts[np.newaxis, :].astype(np.float64), 0.0)
    total = share.sum(axis=1, keepdims=True)
    share = np.where(total > 0, share / np.where(total > 0, total, 1.0), 0.0)
    share[total[:, 0] == 0, 0] = 1.0
    closing[total[:, 0] == 0, 0] = as_of
    rows = np.repeat(np.asarray(key), len(values))
    return monthly_matrix(keys, rows, closing.ravel(), (weighted[:, np.newaxis] * share).ravel(), as_of,
                          as_of + horizon - 1)


def pipeline_coverage(created_month, closed_month, amount, as_of, horizon, lookback=12):
    """Per horizon h (1..horizon): the share of the won leads' amount closed in a month m that
    came from leads created before m - h + 1 (already open h months before), over the months m
    of the last `lookback` months before as_of; NaN for a horizon without won amount."""
    created, closed = np.asarray(created_month), np.asarray(closed_month)
    amount = np.asarray(amount, dtype=np.float64)
    coverage = np.full(horizon, np.nan)
    recent = (closed >= as_of - lookback) & (closed < as_of)
    for h in range(1, horizon + 1):
        total = amount[recent].sum()
        if total > 0:
            coverage[h - 1] = amount[recent & (created < closed - h + 1)].sum() / total
    return coverage


class Forecast(object):
    """keys (sorted), months (as_of .. as_of + horizon - 1) and (keys x horizon) arrays: total,
    and its parts direct (run rate of direct sales, or the existing customers' expected sales +
    the new customers' run rate), pipeline (weighted open lines) and uncovered (opportunity
    sales expected beyond the pipeline); with the customer model, existing and new (the two
    halves of direct), else None."""

    def __init__(self, keys, months, direct, pipeline, uncovered, existing=None, new=None):
        self.keys, self.months = keys, months
        self.direct, self.pipeline, self.uncovered = direct, pipeline, uncovered
        self.existing, self.new = existing, new
        self.total = direct + pipeline + uncovered

    def by_group(self, groups):
        """(group keys, group x horizon totals) for a group per key (a category, a team)."""
        group_keys, row_group = np.unique(np.asarray(groups), return_inverse=True)
        totals = np.zeros((len(group_keys), self.total.shape[1]))
        np.add.at(totals, row_group, self.total)
        return group_keys, totals


def forecast(history, pipeline, as_of, horizon=6, coverage=None, level_months=6, groups=None, run_rates=True,
             first_month=None, keys=None, direct=None, slips=None, customers=None):
    """The Forecast (module docstring) of every key of the history and the pipeline.

    history: {'key', 'month', 'qty', and optionally 'opportunity' (True: the row comes from a
    won lead) and 'customer_age' (months from the customer's first purchase month to the row's
    month, capped at horizon or more; needed with customers)} arrays of the sales before as_of;
    pipeline: {'key', 'month' (expected closing), 'qty', 'probability' (0-1)} arrays of the
    open lines; coverage: per horizon (default: 0, the
    opportunity run rate counted in full, as when there is no pipeline); groups: {key: group}
    for the seasonal index; run_rates=False: the weighted pipeline alone; first_month: the
    first month of the history (default: its earliest row); keys: the keys to forecast
    (default: every key of the history and the pipeline); direct: (keys x horizon) expected
    direct sales used instead of the direct run rate as they are (the benchmark's CDNOW
    figures); customers: (keys x horizon) the direct sales the customer model expects from the
    customers who bought before as_of (customer_sales), without seasons: the direct part is
    then these x the key's seasonal index of the month + the new customers' run rate: at
    horizon h, the run rate of the direct sales of customers whose first purchase was at most
    h - 1 months before (history's customer_age), with the seasons of all direct sales (the
    customers who will first buy from as_of on); slips: the closing delays in months of recent
    won leads (`weighted_pipeline`)."""
    if keys is None:
        keys = _keys_of(history['key'], pipeline['key'])
    months = as_of + np.arange(horizon)
    opportunity = np.asarray(history.get('opportunity', np.zeros(len(history['key']), dtype=bool)), dtype=bool)
    hist_month = np.asarray(history['month'], dtype=np.int64)
    if first_month is None:
        first_month = int(hist_month.min()) if len(hist_month) else as_of
    weighted = weighted_pipeline(keys, pipeline['key'], pipeline['month'], pipeline['qty'], pipeline['probability'],
                                 as_of, horizon, slips)
    zero = np.zeros((len(keys), horizon))
    if not run_rates or as_of <= first_month:
        return Forecast(keys, months, zero, weighted, zero.copy())
    group_of = None if groups is None else [groups.get(k, None) for k in keys.tolist()]
    group_ids = None if group_of is None else np.unique([str(g) for g in group_of], return_inverse=True)[1]
    hist_key, qty = np.asarray(history['key']), np.asarray(history['qty'], dtype=np.float64)
    direct_sales = monthly_matrix(keys, hist_key[~opportunity], hist_month[~opportunity], qty[~opportunity],
                                  first_month, as_of - 1)
    opportunity_sales = monthly_matrix(keys, hist_key[opportunity], hist_month[opportunity], qty[opportunity],
                                       first_month, as_of - 1)
    share = np.zeros(horizon) if coverage is None else np.nan_to_num(np.asarray(coverage, dtype=np.float64))
    uncovered = run_rate(opportunity_sales, first_month, as_of, horizon, level_months, group_ids) * (1 - share)
    if direct is not None:
        return Forecast(keys, months, np.asarray(direct, dtype=np.float64), weighted, uncovered)
    if customers is None:
        return Forecast(keys, months, run_rate(direct_sales, first_month, as_of, horizon, level_months, group_ids),
                        weighted, uncovered)
    index, _growth = seasons_and_trend(direct_sales, first_month, group_ids)
    existing = np.asarray(customers, dtype=np.float64) * index[:, months % 12]
    age = np.asarray(history['customer_age'], dtype=np.int64)
    new = np.zeros((len(keys), horizon))
    for h in range(horizon):
        rows = ~opportunity & (age <= h)
        sales = monthly_matrix(keys, hist_key[rows], hist_month[rows], qty[rows], first_month, as_of - 1)
        new[:, h] = run_rate(sales, first_month, as_of, h + 1, level_months, group_ids, direct_sales)[:, h]
    return Forecast(keys, months, existing + new, weighted, uncovered, existing, new)


def seasonal_naive(keys, history, as_of, horizon):
    """(keys x horizon): the key's sales of the same month a year before (with less than a year
    of history before as_of, of the last month before as_of)."""
    month = np.asarray(history['month'], dtype=np.int64)
    first = int(month.min()) if len(month) else as_of
    lag = 12 if as_of - first >= 12 else None
    sales = monthly_matrix(keys, np.asarray(history['key']), month, history['qty'], as_of - 12, as_of - 1)
    if lag:
        return np.concatenate([sales] * (horizon // 12 + 1), axis=1)[:, :horizon]
    return np.repeat(sales[:, -1:], horizon, axis=1)


def wape(forecast_values, actual):
    """Weighted absolute percentage error: sum |F - A| / sum A (NaN without actual sales)."""
    actual = np.asarray(actual, dtype=np.float64)
    total = actual.sum()
    return float(np.abs(np.asarray(forecast_values) - actual).sum() / total) if total > 0 else float('nan')


def mape(forecast_values, actual):
    """Mean absolute percentage error over the cells with actual sales (NaN without any)."""
    actual = np.asarray(actual, dtype=np.float64)
    sold = actual > 0
    if not sold.any():
        return float('nan')
    return float(np.mean(np.abs(np.asarray(forecast_values)[sold] - actual[sold]) / actual[sold]))
