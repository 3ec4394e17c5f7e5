#!/usr/bin/env python3
"""The CDNOW definitions against the literature (issue 16): run in the bench-only venv
(bench/clv_venv.sh), which has the `lifetimes` package and the CDNOW files it ships.

1. Fader, Hardie & Lee's (2005) 2,357-customer sample: its published summary
   (cdnow_customers_summary.csv: x, t_x, T in weeks, calibration to the end of week 39) is
   compared with the engine's summary of the sample's transactions (CDNOW_sample.txt) as of
   1997-09-30, same-day orders once (the addon's rule) and every transaction counted: which
   counting is the literature's.
2. On that sample and on the full file (CDNOW_master.txt, 23,570 customers), BG/NBD, MBG/NBD
   and Pareto/NBD (lifetimes) are fitted on the calibration part and their expected holdout
   repeat purchase days (1997-10-01 .. 1998-06-30) are compared with the actual ones, in total
   and per calibration frequency.
3. When: on the full file, repeat purchase days per calendar month (calibration and holdout)
   and, per 28-day block of the holdout, actual against each model's conditional forecast.

    .local/clv-bench-venv/bin/python bench/clv_cdnow_sample.py
    .local/clv-bench-venv/bin/python bench/clv_cdnow_sample.py --cutoff 1997-06-30 --end 1997-09-30

With --cutoff/--end (a validation split inside the calibration period, for the choice of model
before the holdout is looked at): only the full file's part 2 and 3 on that split.
"""
import argparse
import datetime
import importlib.util
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location('clv_engine', os.path.join(ROOT, 'crm_erp_bridge', 'engines', 'clv.py'))
clv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(clv)

ORIGIN = datetime.date(1997, 1, 1)
CUTOFF = (datetime.date(1997, 9, 30) - ORIGIN).days  # the literature's split; --cutoff, --end change them
END = (datetime.date(1998, 6, 30) - ORIGIN).days
GROUPS = ((0, 0), (1, 1), (2, 2), (3, 4), (5, 9), (10, 10 ** 6))


def read(name, columns):
    """(customer, day number since 1997-01-01, amount) of a whitespace-separated CDNOW file."""
    import lifetimes
    path = os.path.join(os.path.dirname(lifetimes.__file__), 'datasets', name)
    customer, day, amount = [], [], []
    with open(path) as source:
        for line in source:
            fields = line.split()
            if not fields or not fields[0].isdigit():
                continue
            date = fields[columns['date']]
            customer.append(int(fields[columns['customer']]))
            day.append((datetime.date(int(date[:4]), int(date[4:6]), int(date[6:])) - ORIGIN).days)
            amount.append(float(fields[columns['amount']]))
    return np.array(customer), np.array(day), np.array(amount), path


def holdout_days(customer, day, customers):
    """Distinct purchase days per customer in (CUTOFF, END]."""
    keep = (day > CUTOFF) & (day <= END)
    pairs = np.unique(np.column_stack([customer[keep], day[keep]]), axis=0)
    counts = dict(zip(*np.unique(pairs[:, 0], return_counts=True)))
    return np.array([counts.get(c, 0) for c in customers], dtype=float)


def fitted_models(x, t_x, T):
    from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
    return [(name, fitter().fit(x, t_x, T)) for name, fitter in (
        ('BG/NBD', BetaGeoFitter), ('MBG/NBD', ModifiedBetaGeoFitter), ('Pareto/NBD', ParetoNBDFitter))]


def over_time(customer, day, models, x, t_x, T):
    """Repeat purchase days per month, and per 28-day block of the holdout against the models."""
    pairs = np.unique(np.column_stack([customer[day <= END], day[day <= END]]), axis=0)
    repeat = np.ones(len(pairs), dtype=bool)
    repeat[np.unique(pairs[:, 0], return_index=True)[1]] = False  # each customer's first day
    months = []
    for number in range(18):
        start = datetime.date(1997 + number // 12, number % 12 + 1, 1)
        stop = datetime.date(1997 + (number + 1) // 12, (number + 1) % 12 + 1, 1)
        inside = (pairs[:, 1] >= (start - ORIGIN).days) & (pairs[:, 1] < (stop - ORIGIN).days)
        months.append('%s %d' % (start.strftime('%Y-%m'), (inside & repeat).sum()))
    print('\nrepeat purchase days per month: ' + ', '.join(months))
    bounds = list(range(0, END - CUTOFF, 28)) + [END - CUTOFF]
    names = ' | '.join(name for name, _model in models)
    print('\n| holdout days (after %s) | actual | %s |' % (ORIGIN + datetime.timedelta(CUTOFF), names))
    print('|---|---|' + '---|' * len(models))
    cumulative = [[np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
        bound / 7.0, x, t_x, T)).sum() for bound in bounds] for _name, model in models]
    offset = pairs[:, 1] - CUTOFF
    for index in range(1, len(bounds)):
        low, high = bounds[index - 1], bounds[index]
        actual = ((offset > low) & (offset <= high)).sum()
        print('| %d-%d | %d | %s |' % (low + 1, high, actual, ' | '.join(
            '%.0f (%+.0f %%)' % (path[index] - path[index - 1], 100 * ((path[index] - path[index - 1]) / actual - 1))
            for path in cumulative)))


def compare_models(label, x, t_x, T, actual):
    """lifetimes' three models fitted on (x, t_x, T) in weeks; holdout of 39 weeks."""
    print('\n%s: %d customers, %d with a repeat purchase; actual holdout repeat purchase days %d'
          % (label, len(x), np.count_nonzero(x), actual.sum()))
    header = ('| model | parameters (weeks) | conditional forecast (per customer) | vs actual | '
              'unconditional forecast (cohort curve) | vs actual | ') + ' | '.join(
        'x=%d%s' % (low, '' if high == low else ('+' if high > 100 else '-%d' % high)) for low, high in GROUPS) + ' |'
    print(header)
    print('|' + '---|' * (header.count('|') - 1))
    cells = ['actual', '', '%d' % actual.sum(), '', '', '']
    for low, high in GROUPS:
        group = (x >= low) & (x <= high)
        cells.append('%d / %d cust.' % (actual[group].sum(), group.sum()))
    print('| ' + ' | '.join(cells) + ' |')
    models = fitted_models(x, t_x, T)
    for name, model in models:
        weeks = (END - CUTOFF) / 7.0
        predicted = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(weeks, x, t_x, T))
        # the cohort curve: E[X(T + 39)] - E[X(T)] from each customer's first purchase, ignoring
        # the customer's own history (the forecast of the literature's tracking plots)
        curve = np.asarray(model.expected_number_of_purchases_up_to_time(T + weeks)) - np.asarray(
            model.expected_number_of_purchases_up_to_time(T))
        cells = [name, ', '.join('%s=%.4g' % item for item in model.params_.items()),
                 '%.0f' % predicted.sum(), '%+.1f %%' % (100 * (predicted.sum() / actual.sum() - 1)),
                 '%.0f' % curve.sum(), '%+.1f %%' % (100 * (curve.sum() / actual.sum() - 1))]
        for low, high in GROUPS:
            group = (x >= low) & (x <= high)
            share = predicted[group].sum() / actual[group].sum() - 1
            cells.append('%.0f (%+.0f %%)' % (predicted[group].sum(), 100 * share))
        print('| ' + ' | '.join(cells) + ' |')
    return models


# The BTYD package's walkthrough (McCarthy & Wadsworth, "Buy 'Til You Die - A Walkthrough",
# BTYD 2.4.2, inst/doc/BTYD-walkthrough.pdf, the output of pnbd/bgnbd.PlotFreqVsConditional-
# ExpectedFrequency): on the same 2,357-customer sample, mean holdout (39 weeks) repeat
# transactions per calibration frequency bin (0, 1, ..., 6, 7+), actual and each model's
# conditional expectation, and the bin sizes.
PUBLISHED_BINS = (1411, 439, 214, 100, 62, 38, 29, 64)
PUBLISHED_ACTUAL = (0.2367116, 0.6970387, 1.392523, 1.560000, 2.532258, 2.947368, 3.862069, 6.359375)
PUBLISHED = {
    'BG/NBD (0.243, 4.414, 0.793, 2.426)': (0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789,
                                            3.503957, 6.157036),
    'Pareto/NBD (0.553, 10.58, 0.606, 11.656)': (0.138, 0.600, 1.196, 1.714, 2.399, 2.907, 3.819, 6.403),
}


def bg_nbd_conditional(params, t, x, t_x, T):
    """BG/NBD E[Y(t) | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10)."""
    from scipy import special
    r, alpha, a, b = params
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    return head / (1 + (x > 0) * a / (b + x - 1 + (x == 0)) * ((alpha + T) / (alpha + t_x)) ** (r + x))


def published_figures(x, t_x, T, actual):
    """The walkthrough's published holdout totals, and the engine (Pareto/NBD) and FHL's eq. 10
    (BG/NBD) at the published parameters on the published summary, per bin."""
    censored = np.minimum(x, 7)
    print('\nBTYD walkthrough, holdout repeat transactions (39 weeks) per calibration frequency bin: '
          'published actual %.0f (this file: %d purchase days)' % (
              np.dot(PUBLISHED_BINS, PUBLISHED_ACTUAL), actual.sum()))
    print('| model | published total | vs published actual | bins 0..7+ published mean | this engine / eq. 10 |')
    print('|---|---|---|---|---|')
    ours = {
        'BG/NBD (0.243, 4.414, 0.793, 2.426)': bg_nbd_conditional((0.243, 4.414, 0.793, 2.426), 39.0, x, t_x, T),
        'Pareto/NBD (0.553, 10.58, 0.606, 11.656)': clv.PurchaseModel(
            'pareto_nbd', {'r': 0.5534, 'alpha': 10.5802, 's': 0.6061, 'beta': 11.6562}).expected_orders(
                39.0, x, t_x, T),
    }
    actual_total = np.dot(PUBLISHED_BINS, PUBLISHED_ACTUAL)
    for label, means in PUBLISHED.items():
        total = np.dot(PUBLISHED_BINS, means)
        mine = [ours[label][censored == k].mean() for k in range(8)]
        print('| %s | %.0f | %+.1f %% | %s | %s (total %.0f) |' % (
            label, total, 100 * (total / actual_total - 1), ' '.join('%.3f' % v for v in means),
            ' '.join('%.3f' % v for v in mine), ours[label].sum()))


def main():
    global CUTOFF, END
    import pandas
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cutoff', help='last calibration day (default 1997-09-30)')
    parser.add_argument('--end', help='last holdout day (default 1998-06-30)')
    args = parser.parse_args()
    split = args.cutoff or args.end
    if split:
        CUTOFF = (datetime.date.fromisoformat(args.cutoff or '1997-09-30') - ORIGIN).days
        END = (datetime.date.fromisoformat(args.end or '1998-06-30') - ORIGIN).days
        print('split: calibration to %s, holdout to %s' % (
            ORIGIN + datetime.timedelta(CUTOFF), ORIGIN + datetime.timedelta(END)))
    # 1. the published sample summary against the engine's summary of the sample's transactions
    customer, day, amount, path = read('CDNOW_sample.txt', {'customer': 1, 'date': 2, 'amount': 4})
    if split:
        return full_file()
    published = pandas.read_csv(os.path.join(os.path.dirname(path), 'cdnow_customers_summary.csv'))
    print('published sample summary: %d rows, columns %s' % (len(published), list(published.columns)))
    ids, x, t_x, T, _m, _revenue = clv.summarize(customer, day, amount, CUTOFF)
    order = np.argsort(published['ID'].values)
    px, ptx, pT = (published[c].values[order] for c in ('frequency', 'recency', 'T'))
    print('engine summary (same-day once), days/7 vs published (weeks): x equal %d/%d, |t_x diff| max %.3f, '
          '|T diff| max %.3f; sum x %d vs %d' % ((x == px).sum(), len(x), np.abs(t_x / 7 - ptx).max(),
                                                 np.abs(T / 7 - pT).max(), x.sum(), px.sum()))
    keep = day <= CUTOFF
    every = np.bincount(customer[keep])[ids] - 1
    print('every transaction counted: x equal %d/%d, sum x %d' % ((every == px).sum(), len(x), every.sum()))
    t0 = (T / 7)
    print('T offsets (published T - engine T/7) distinct: %s' % np.unique(np.round(pT - t0, 3))[:5])
    actual = holdout_days(customer, day, ids)
    print('sample holdout: %d transactions, %d distinct customer-days' % (
        ((day > CUTOFF) & (day <= END)).sum(), actual.sum()))
    published_figures(px, ptx, pT, actual)
    compare_models('FHL 2,357-customer sample, published summary', px, ptx, pT, actual)
    # (the engine's summary of the sample equals the published one, above: one table is enough)
    full_file()


def full_file():
    customer, day, amount, _path = read('CDNOW_master.txt', {'customer': 0, 'date': 1, 'amount': 3})
    ids, x, t_x, T, _m, _revenue = clv.summarize(customer, day, amount, CUTOFF)
    models = compare_models('CDNOW master, 23,570 customers', x, t_x / 7, T / 7, holdout_days(customer, day, ids))
    over_time(customer, day, models, x, t_x / 7, T / 7)


if __name__ == '__main__':
    main()
