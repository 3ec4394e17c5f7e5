#!/usr/bin/env python3
"""Holdout evaluation of the CLV model (issue 16, crm_erp_bridge/engines/clv.py).

Two sources, one report:
- a transaction CSV (customer, date, amount; or the CDNOW master file as shipped in the
  `lifetimes` wheel, --cdnow) and a cutoff: the calibration part (orders up to the cutoff day)
  is inserted with SQL into a throwaway company of the bench database (partners and confirmed
  order headers cloned from a demo row: the summary reads only order headers), and the whole
  transaction is rolled back at the end;
- or a company of an existing database (--company, e.g. a generated bench database): only
  read, in a read-only transaction without Odoo; orders after the cutoff are the holdout.

The calibration summary goes through the addon's own code path (queries/clv.customer_summary,
the SQL the addon fits on); then the engine fits and predicts the holdout window (cutoff,
end]. Compared in the same run, per customer with an order before the cutoff: the engine
(Pareto/NBD, the addon's default, and MBG/NBD, each with Gamma-Gamma), the reference implementation of the same
model from the `lifetimes` library (bench-only venv, bench/clv_venv.sh; parameters must match
within 1 %), the addon's Customer 360 refresh as of the cutoff (CSV mode only, rolled back): its stored
figures (P(alive), predicted value over the whole months nearest the window, scaled to it) and
its former formula (predicted 12-month value scaled to the window, survival probability), the
past revenue ranking and the historical run rate (revenue per day since the first order x
window days). Figures: total error %, MAE, RMSE, Spearman, top-20 % revenue capture, AUC of
P(alive) for "orders again in the window", P(alive) calibration by decile, a PNG by decile.

    bench/clv_venv.sh
    .venv/bin/python bench/evaluate_clv.py -d cl_bench --cdnow .local/clv/CDNOW_master.txt \
        --cutoff 1997-09-30 --end 1998-06-30 --png bench/clv_cdnow.png
"""
import argparse
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_PYTHON = os.path.join(ROOT, '.local', 'clv-bench-venv', 'bin', 'python')


def load_addon_module(package, name):
    """crm_erp_bridge/<package>/<name>.py without importing the addon (its __init__ imports
    Odoo): the folder is loaded as a package of its own, so relative imports inside it work."""
    import importlib
    import importlib.util
    folder = os.path.join(ROOT, 'crm_erp_bridge', package)
    alias = 'crm_erp_bridge_bench_' + package
    if alias not in sys.modules:
        spec = importlib.util.spec_from_file_location(alias, os.path.join(folder, '__init__.py'),
                                                      submodule_search_locations=[folder])
        sys.modules[alias] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[alias])
    return importlib.import_module('%s.%s' % (alias, name))


clv = load_addon_module('engines', 'clv')
clv_queries = load_addon_module('queries', 'clv')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('-d', '--database', required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--csv', help='CSV with a header: customer, date (YYYY-MM-DD), amount')
    source.add_argument('--cdnow', help="CDNOW_master.txt (customer, YYYYMMDD, CDs, dollars)")
    source.add_argument('--company', type=int, help='read the orders of this company of the database')
    parser.add_argument('--cutoff', required=True, help='last day of the calibration period')
    parser.add_argument('--end', help='last day of the holdout (default: the last order day)')
    parser.add_argument('--pareto', action='store_true',
                        help='accepted for older commands: both engine models (Pareto/NBD, the addon default, '
                             'and MBG/NBD) are always fitted')
    parser.add_argument('--reference-models', action='store_true',
                        help="also the reference's BG/NBD and Pareto/NBD (lifetimes), for the choice of model (slow: "
                             "about a minute for CDNOW's 23,570 customers)")
    parser.add_argument('--png', help='plot of predicted vs actual by decile')
    parser.add_argument('--json', help='all figures as JSON')
    parser.add_argument('--config', default=os.path.join(ROOT, '.local', 'odoo.conf'))
    return parser.parse_args()


def read_transactions(args):
    """(customer keys, days as dates, amounts) of a CSV or CDNOW file."""
    customers, days, amounts = [], [], []
    if args.cdnow:
        with open(args.cdnow) as source:
            for line in source:
                fields = line.split()
                if fields and fields[0].isdigit():
                    customers.append(fields[0])
                    days.append(datetime.date(int(fields[1][:4]), int(fields[1][4:6]), int(fields[1][6:])))
                    amounts.append(float(fields[3]))
    else:
        with open(args.csv) as source:
            for row in csv.DictReader(source):
                customers.append(row['customer'])
                days.append(datetime.date.fromisoformat(row['date'][:10]))
                amounts.append(float(row['amount']))
    return customers, days, amounts


def clone_sql(cr, table, source_where, overrides, from_sql):
    """INSERT INTO table SELECT <a source row's columns, overridden> FROM from_sql."""
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
               "AND table_schema = 'public' ORDER BY ordinal_position", [table])
    columns = [row[0] for row in cr.fetchall()]
    overrides = dict(overrides, id="nextval('%s_id_seq')" % table)
    exprs = [overrides.get(column, 'src.%s' % column) for column in columns]
    cr.execute('INSERT INTO {table} ({columns}) SELECT {exprs} FROM (SELECT * FROM {table} WHERE {where} '
               'LIMIT 1) src CROSS JOIN {source}'.format(table=table, columns=', '.join(columns),
                                                         exprs=', '.join(exprs), where=source_where,
                                                         source=from_sql))


def load_calibration(env, customers, days, amounts, cutoff):
    """A new company with one partner per customer and one confirmed order per calibration
    transaction (in SQL); returns (company, {partner id: customer key})."""
    cr = env.cr
    company = env['res.company'].create({'name': 'CLV benchmark %s' % time.time(),
                                         'currency_id': env.ref('base.USD').id})
    pricelist = env['product.pricelist'].create({'name': 'CLV benchmark', 'company_id': company.id,
                                                 'currency_id': company.currency_id.id})
    warehouse = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
    cr.execute("CREATE TEMPORARY TABLE clv_transaction (customer varchar, day date, amount numeric) ON COMMIT DROP")
    rows = io.StringIO()
    for customer, day, amount in zip(customers, days, amounts):
        if day <= cutoff:
            rows.write('%s\t%s\t%r\n' % (customer, day.isoformat(), amount))
    rows.seek(0)
    cr.copy_expert("COPY clv_transaction FROM STDIN", rows)
    clone_sql(cr, 'res_partner', "customer AND is_company AND active AND parent_id IS NULL", {
        'name': "'CLV ' || t.customer", 'display_name': "'CLV ' || t.customer", 'ref': 't.customer',
        'company_id': str(company.id), 'commercial_partner_id': 'NULL', 'email': 'NULL', 'user_id': 'NULL',
        'create_date': 'NOW()', 'write_date': 'NOW()',
    }, "(SELECT DISTINCT customer FROM clv_transaction) t")
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE company_id = %s RETURNING id, ref",
               [company.id])
    partner_of = {ref: partner_id for partner_id, ref in cr.fetchall() if ref is not None}
    cr.execute("CREATE TEMPORARY TABLE clv_partner (customer varchar, partner_id integer) ON COMMIT DROP")
    cr.execute("INSERT INTO clv_partner SELECT * FROM unnest(%s::varchar[], %s::integer[])",
               [list(partner_of), list(partner_of.values())])
    clone_sql(cr, 'sale_order', "state IN ('sale', 'done')", {
        'name': "'CLV' || row_number() OVER ()", 'partner_id': 'p.partner_id', 'partner_invoice_id': 'p.partner_id',
        'partner_shipping_id': 'p.partner_id', 'company_id': str(company.id), 'pricelist_id': str(pricelist.id),
        'warehouse_id': str(warehouse.id), 'state': "'sale'", 'date_order': "t.day + TIME '12:00'",
        'confirmation_date': "t.day + TIME '12:00'", 'amount_untaxed': 't.amount', 'amount_total': 't.amount',
        'amount_tax': '0', 'procurement_group_id': 'NULL', 'origin': 'NULL', 'client_order_ref': 'NULL',
        'opportunity_id': 'NULL', 'campaign_id': 'NULL', 'source_id': 'NULL', 'medium_id': 'NULL',
        'analytic_account_id': 'NULL', 'fiscal_position_id': 'NULL', 'payment_term_id': 'NULL',
        'create_date': 'NOW()', 'write_date': 'NOW()',
    }, "clv_transaction t JOIN clv_partner p ON p.customer = t.customer")
    return company, {partner_id: ref for ref, partner_id in partner_of.items()}


def company_transactions(cr, company_id):
    """(customer keys, days, amounts) of a company's confirmed orders (company currency)."""
    cr.execute("""
        SELECT p.commercial_partner_id::varchar, doc.date_order::date, doc.amount_untaxed
                   * CASE WHEN pl.currency_id = cmp.currency_id THEN 1.0
                          ELSE crm_erp_bridge_currency_factor(pl.currency_id, cmp.currency_id, cmp.id,
                                                              doc.date_order::date) END
          FROM sale_order doc JOIN res_partner p ON p.id = doc.partner_id
          JOIN res_company cmp ON cmp.id = doc.company_id JOIN product_pricelist pl ON pl.id = doc.pricelist_id
         WHERE doc.company_id = %s AND doc.state IN ('sale', 'done')""", [company_id])
    rows = cr.fetchall()
    return [row[0] for row in rows], [row[1] for row in rows], [float(row[2]) for row in rows]


def check_summary(summary, keys, customers, days, amounts, cutoff):
    """The SQL summary (the addon's) equals the engine's numpy summary of the same transactions."""
    index = {key: position for position, key in enumerate(keys)}
    known = [customer in index for customer in customers]
    origin = min(days)
    _ids, frequency, recency, age, monetary, revenue = clv.summarize(
        np.array([index[c] for c, k in zip(customers, known) if k]),
        np.array([(d - origin).days for d, k in zip(days, known) if k]),
        np.array([a for a, k in zip(amounts, known) if k]), (cutoff - origin).days)
    for name, values in (('frequency', frequency), ('recency', recency), ('age', age),
                         ('monetary', monetary), ('revenue', revenue)):
        np.testing.assert_allclose(summary[name], values, rtol=1e-9, atol=1e-6, err_msg=name)


def holdout_actuals(keys, customers, days, amounts, cutoff, end):
    """Per summary customer (keys): revenue and purchase days in (cutoff, end]."""
    index = {key: position for position, key in enumerate(keys)}
    revenue, purchase_days = np.zeros(len(keys)), [set() for _key in keys]
    for customer, day, amount in zip(customers, days, amounts):
        position = index.get(customer)
        if position is not None and cutoff < day <= end:
            revenue[position] += amount
            purchase_days[position].add(day)
    return revenue, np.array([len(seen) for seen in purchase_days], dtype=float)


def transaction_summary(keys, customers, days, amounts, cutoff, end):
    """Per summary customer (keys), counting every transaction (order) instead of purchase days:
    repeat transactions up to the cutoff, the mean value of the repeat transactions (every
    transaction but the first listed of the first day) and the transactions in (cutoff, end]."""
    index = {key: position for position, key in enumerate(keys)}
    count, total, first, holdout = (np.zeros(len(keys)) for _step in range(4))
    first_day = [None] * len(keys)
    for customer, day, amount in zip(customers, days, amounts):
        position = index.get(customer)
        if position is None:
            continue
        if day > cutoff:
            holdout[position] += cutoff < day <= end
            continue
        count[position] += 1
        total[position] += amount
        if first_day[position] is None or day < first_day[position]:
            first_day[position], first[position] = day, amount
    repeat = count - 1
    return repeat, np.divide(total - first, repeat, out=np.zeros(len(keys)), where=repeat > 0), holdout


def pareto_probability_of_order(purchase, t, x, t_x, T, nodes=48):
    """P(at least one purchase day in the next t days) under Pareto/NBD (the engine derives it
    for MBG/NBD only): P(alive) x E[l / (l + m) (1 - exp(-(l + m) t))] over the rates of a
    customer alive at T, l ~ Gamma(r + x, alpha + T) and m ~ Gamma(s, beta + T), independent
    (Fader & Hardie 2005), by Gauss-Laguerre quadrature in both; once per distinct (x, T)."""
    from scipy import special
    r, alpha, s, beta = (purchase.params[key] for key in ('r', 'alpha', 's', 'beta'))
    first, inverse, _counts = clv._distinct_rows(x, T)
    mu_nodes, mu_weights = special.roots_genlaguerre(nodes, s - 1)
    mu_weights = mu_weights / special.gamma(s)
    chance = []
    for frequency, age in zip(x[first], T[first]):
        lam_nodes, lam_weights = special.roots_genlaguerre(nodes, r + frequency - 1)
        lam_weights = lam_weights / np.exp(special.gammaln(r + frequency))
        lam, mu = lam_nodes[:, None] / (alpha + age), mu_nodes[None, :] / (beta + age)
        weights = lam_weights[:, None] * mu_weights[None, :]
        chance.append((weights * lam / (lam + mu) * -np.expm1(-(lam + mu) * t)).sum())
    return purchase.probability_alive(x, t_x, T) * np.array(chance)[inverse]


# Calibration frequency groups of the decomposition (one-order customers first)
FREQUENCY_GROUPS = ((0, 0), (1, 1), (2, 2), (3, 4), (5, 9), (10, None))


def decomposition(x, orders, value, actual, actual_days):
    """Where a total error comes from, per calibration frequency group and in total (last row):
    predicted vs actual purchase days in the window, predicted vs actual value per purchase
    day, and the value error at the actual orders (sum of actual days x predicted value per
    order against actual revenue: the order-value model alone). Share of gap: the group's
    predicted - actual revenue over the total actual revenue (adds up to the total error)."""
    rows = []
    for low, high in FREQUENCY_GROUPS + ((0, None),):
        group = (x >= low) & (x <= high if high is not None else True)
        label = ('all' if (low, high) == (0, None) else 'x = %d' % low if low == high
                 else 'x >= %d' % low if high is None else 'x = %d-%d' % (low, high))
        predicted_days, days = float(orders[group].sum()), float(actual_days[group].sum())
        predicted, revenue = float((orders * value)[group].sum()), float(actual[group].sum())
        rows.append({'group': label, 'customers': int(group.sum()), 'predicted_days': predicted_days,
                     'actual_days': days,
                     'predicted_value_per_day': predicted / predicted_days if predicted_days else 0,
                     'actual_value_per_day': revenue / days if days else 0, 'predicted_revenue': predicted,
                     'actual_revenue': revenue,
                     'value_error_at_actual_orders': float((actual_days * value)[group].sum()) / revenue - 1
                     if revenue else 0, 'share_of_gap': (predicted - revenue) / float(actual.sum())})
    return rows


# The stages' P(alive) bands at the default thresholds, and the calibration groups they are
# compared within (docs/clv.md, "Lost orders again more often than At risk")
STAGE_BANDS = (('Lost (< 0.2)', 0.0, 0.2), ('At risk (0.2-0.5)', 0.2, 0.5), ('>= 0.5', 0.5, 2.0))


def bands_by_frequency(x, t_x, alive, chance, bought):
    """Per calibration group and P(alive) band: customers, the share who ordered in the window
    and the model's mean P(an order in the window) (None for an empty cell)."""
    groups = (('x = 0', x == 0), ('x = 1', x == 1), ('x >= 2', x >= 2),
              ('x >= 1, every repeat day within 30 days of the first', (x >= 1) & (t_x <= 30)),
              ('x >= 1, a repeat day later', (x >= 1) & (t_x > 30)), ('all', np.ones(len(x), dtype=bool)))
    rows = []
    for label, group in groups:
        cells = []
        for _band, low, high in STAGE_BANDS:
            member = group & (alive >= low) & (alive < high)
            cells.append((int(member.sum()), float(bought[member].mean()) if member.any() else None,
                          float(chance[member].mean()) if member.any() else None))
        rows.append((label, cells))
    return rows


def total_alternatives(name, summary, horizon, actual, actual_days, transactions):
    """The total error of purchase model `name` under other honest definitions of what is
    counted and valued (docs/clv.md, "Why the total misses"): rows of (label, predicted count,
    actual count, value per counted unit, predicted revenue)."""
    x, t_x, T, m = summary['frequency'], summary['recency'], summary['age'], summary['monetary']
    average = summary['average_order_value']
    days = clv.fit_purchase_model(x, t_x, T, name).expected_orders(horizon, x, t_x, T)
    value = clv.fit_value_model(x, m, average).expected_order_value(x, m, average)
    rows = [('purchase days, Gamma-Gamma on the repeat days (the addon)', days, actual_days, value)]
    # Gamma-Gamma on every purchase day, the first included: x + 1 values of mean revenue / (x + 1)
    spends, mean = x + 1, summary['revenue'] / (x + 1)
    every = clv.fit_value_model(spends, mean)
    rows.append(('purchase days, Gamma-Gamma on every purchase day (first included)', days, actual_days,
                 every.expected_order_value(spends, mean)))
    repeat, repeat_mean, holdout = transactions
    orders = clv.fit_purchase_model(repeat, t_x, T, name).expected_orders(horizon, repeat, t_x, T)
    rows.append(('transactions (same-day orders each counted), Gamma-Gamma on the repeat transactions', orders,
                 holdout, clv.fit_value_model(repeat, repeat_mean).expected_order_value(repeat, repeat_mean)))
    return [dict(label=label, predicted_count=float(count.sum()), actual_count=float(real.sum()),
                 value_error_at_actual_count=float((real * unit).sum() / actual.sum() - 1),
                 **value_figures(count * unit, actual))
            for label, count, real, unit in rows]


def auc(score, label):
    """Probability that a random positive scores above a random negative (ties: half)."""
    ranks = stats.rankdata(score)
    positives = label.sum()
    negatives = len(label) - positives
    if not positives or not negatives:
        return float('nan')
    return (ranks[label].sum() - positives * (positives + 1) / 2.0) / (positives * negatives)


def value_figures(predicted, actual, absolute=True):
    order = np.argsort(-predicted, kind='stable')
    top = order[:int(round(0.2 * len(order)))]
    figures = {'spearman': stats.spearmanr(predicted, actual).correlation,
               'top20_capture': actual[top].sum() / actual.sum()}
    if absolute:
        figures.update({'total_error': predicted.sum() / actual.sum() - 1,
                        'mae': np.abs(predicted - actual).mean(),
                        'rmse': np.sqrt(((predicted - actual) ** 2).mean())})
    return figures


def deciles(predicted, actual):
    """Mean predicted and actual per decile of the predicted value (1 = lowest)."""
    order = np.argsort(predicted, kind='stable')
    groups = np.array_split(order, 10)
    return [float(predicted[group].mean()) for group in groups], [float(actual[group].mean()) for group in groups]


def addon_figures(env, company, cutoff, horizon_days):
    """The addon's Customer 360 refresh as of the cutoff, with the company's value horizon set to
    the whole months nearest the window: {partner: (formula 12-month value, formula survival,
    stored P(alive), stored predicted value, its horizon in days)}. The stored lifetime value
    figures come from the company's model, which the refresh fits on the calibration orders."""
    months = min(max(int(round(horizon_days * 12 / 365.0)), 1), 120)
    company.customer_360_clv_horizon_months = months
    stats_model = env['crm.erp.partner.stats'].with_context(customer_360_date=cutoff.isoformat())
    stats_model._refresh(company.ids, recompute_boundaries=True, notify=False)
    env.cr.execute("SELECT partner_id, clv_predicted_12m, clv_survival_probability, clv_probability_alive,"
                   " clv_predicted_value, customer_stage FROM crm_erp_partner_stats WHERE company_id = %s",
                   [company.id])
    return {partner: (value, survival, float(alive or 0), float(predicted or 0), months * 365.0 / 12, stage)
            for partner, value, survival, alive, predicted, stage in env.cr.fetchall()}


def read_only_connection(args):
    import configparser
    import psycopg2
    config = configparser.ConfigParser()
    config.read(args.config)
    options = config['options']
    cnx = psycopg2.connect(dbname=args.database, host=options.get('db_host'), port=options.get('db_port'),
                           user=options.get('db_user'),
                           password=None if options.get('db_password') in (None, 'False') else options['db_password'])
    cnx.set_session(readonly=True)
    return cnx


def load_and_summarize(args, customers, days, amounts, cutoff, timings, horizon_days):
    """CSV mode: the calibration part in a throwaway company, its summary through the addon's
    SQL and today's addon figures as of the cutoff; everything rolled back."""
    sys.path.insert(0, ROOT)
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', args.config, '--log-level=warn'])
    registry = odoo.registry(args.database)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.time()
        company, key_of = load_calibration(env, customers, days, amounts, cutoff)
        timings['load'] = time.time() - start
        start = time.time()
        summary = clv_queries.customer_summary(cr, company.id, cutoff)
        timings['summary_sql'] = time.time() - start
        start = time.time()
        old = addon_figures(env, company, cutoff, horizon_days)
        timings['addon_refresh'] = time.time() - start
        cr.rollback()  # nothing of the benchmark stays in the database
    return summary, [key_of[partner] for partner in summary['partner_id']], old


def main():
    args = parse_args()
    cutoff = datetime.date.fromisoformat(args.cutoff)
    timings = {}
    if args.company:
        # a database that is not ours (e.g. another bench database): plain SQL in a read-only
        # transaction, no Odoo registry (loading one may write)
        cnx = read_only_connection(args)
        try:
            cr = cnx.cursor()
            start = time.time()
            customers, days, amounts = company_transactions(cr, args.company)
            timings['read_orders'] = time.time() - start
            start = time.time()
            summary = clv_queries.customer_summary(cr, args.company, cutoff)
            timings['summary_sql'] = time.time() - start
        finally:
            cnx.rollback()
            cnx.close()
        keys, old = [str(partner) for partner in summary['partner_id']], None
    else:
        customers, days, amounts = read_transactions(args)
        end = datetime.date.fromisoformat(args.end) if args.end else max(days)
        summary, keys, old = load_and_summarize(args, customers, days, amounts, cutoff, timings, (end - cutoff).days)
    check_summary(summary, keys, customers, days, amounts, cutoff)
    end = datetime.date.fromisoformat(args.end) if args.end else max(days)
    horizon = (end - cutoff).days
    x, t_x, T, m = summary['frequency'], summary['recency'], summary['age'], summary['monetary']
    actual, actual_days = holdout_actuals(keys, customers, days, amounts, cutoff, end)
    bought = actual_days > 0
    report = {'database': args.database, 'source': args.cdnow or args.csv or 'company %s' % args.company,
              'cutoff': args.cutoff, 'end': end.isoformat(), 'holdout_days': horizon, 'customers': len(x),
              'repeat_customers': int(np.count_nonzero(x)), 'holdout_revenue': float(actual.sum()),
              'holdout_buyers': int(bought.sum()), 'methods': {}, 'timings': timings}

    models = {}
    for name in ('pareto_nbd', 'mbg_nbd'):
        start = time.time()
        purchase = clv.fit_purchase_model(x, t_x, T, name)
        value = clv.fit_value_model(x, m, summary['average_order_value'])
        timings['fit_' + name] = time.time() - start
        start = time.time()
        figures = clv.predict(purchase, value, x, t_x, T, m, horizon_days=horizon,
                              average_order_value=summary['average_order_value'])
        timings['predict_' + name] = time.time() - start
        models[name] = (purchase, value, figures)

    methods = report['methods']
    predictions, expected_orders, alive_of = {}, {}, {}
    for name, (purchase, value, figures) in models.items():
        label = 'engine %s + Gamma-Gamma%s' % ({'mbg_nbd': 'MBG/NBD', 'pareto_nbd': 'Pareto/NBD'}[name],
                                               ' (addon default)' if name == clv.DEFAULT_MODEL else '')
        predictions[label] = figures['clv']
        expected_orders[label] = purchase.expected_orders(horizon, x, t_x, T)
        alive_of[label] = figures['probability_alive']
        methods[label] = dict(value_figures(figures['clv'], actual), auc=auc(figures['probability_alive'], bought),
                              params=dict(purchase.params, **(value.params or {})),
                              log_likelihood=purchase.log_likelihood, fallback=purchase.fallback)
    mbg_purchase, mbg_value, mbg = models['mbg_nbd']

    reference = run_reference(x, t_x, T, m, horizon, args.reference_models)
    if reference:
        label = 'reference lifetimes MBG/NBD + Gamma-Gamma'
        predictions[label] = np.array(reference['value'])
        methods[label] = dict(value_figures(predictions[label], actual),
                              auc=auc(np.array(reference['probability_alive']), bought),
                              params=dict(reference['purchase_params'], **reference['value_params']),
                              fit_seconds=reference['fit_seconds'])
        # the reference's other purchase models, with the same Gamma-Gamma order values
        order_value = np.array(reference['order_value'])
        for name, other in sorted(reference.get('others', {}).items()):
            other_label = 'reference lifetimes %s + Gamma-Gamma' % {'bg_nbd': 'BG/NBD',
                                                                    'pareto_nbd': 'Pareto/NBD'}[name]
            predictions[other_label] = np.array(other['expected_orders']) * order_value
            methods[other_label] = dict(value_figures(predictions[other_label], actual),
                                        auc=auc(np.array(other['probability_alive']), bought),
                                        params=other['params'], fit_seconds=other['fit_seconds'])
            expected_orders[other_label] = np.array(other['expected_orders'])
            alive_of[other_label] = np.array(other['probability_alive'])
        ours = dict(mbg_purchase.params, **(mbg_value.params or {}))
        report['parameter_gap'] = {key: ours[key] / value - 1 for key, value in methods[label]['params'].items()}
        if 'pareto_nbd' in reference.get('others', {}):
            theirs = reference['others']['pareto_nbd']['params']
            report['parameter_gap_pareto'] = {key: models['pareto_nbd'][0].params[key] / value - 1
                                              for key, value in theirs.items()}
    if old is not None:
        rows = [old.get(partner, (0.0, 0.0, 0.0, 0.0, 1.0, None)) for partner in summary['partner_id']]
        label = "addon's former formula (12-month value x %d/365, survival)" % horizon
        value_12m, survival = np.array([row[0] for row in rows]), np.array([row[1] for row in rows])
        predictions[label] = value_12m * horizon / 365.0
        methods[label] = dict(value_figures(predictions[label], actual), auc=auc(survival, bought))
        # the stored Customer 360 figures (the company's model through the refresh)
        stored_days = rows[0][4] if rows else horizon
        label = 'addon Customer 360 stored (predicted value x %d/%.0f, P(alive))' % (horizon, stored_days)
        alive = np.array([row[2] for row in rows])
        predictions[label] = np.array([row[3] for row in rows]) * horizon / stored_days
        methods[label] = dict(value_figures(predictions[label], actual), auc=auc(alive, bought))
        # the stages the refresh set: who ordered again in the window, per stage
        stages = np.array([row[5] or '' for row in rows])
        report['stages'] = [(stage, int((stages == stage).sum()), float(bought[stages == stage].mean()),
                             float(alive[stages == stage].mean()))
                            for stage in sorted(set(stages.tolist()))]
    methods['past revenue ranking'] = value_figures(summary['revenue'], actual, absolute=False)
    run_rate = summary['revenue'] / (T + 1) * horizon
    methods['historical run rate (revenue per day x window)'] = value_figures(run_rate, actual)
    predictions['historical run rate'] = run_rate

    # where each model's total error comes from: purchase days or value per purchase day, and
    # which customers (one value model for all: the engine's Gamma-Gamma)
    order_value = mbg_value.expected_order_value(x, m, summary['average_order_value'])
    report['decomposition'] = {label: decomposition(x, orders, order_value, actual, actual_days)
                               for label, orders in expected_orders.items()}
    # the stages' P(alive) bands at the default thresholds (Lost < 20 % <= At risk < 50 %), per
    # model: customers and the share who ordered in the window (a stage lower down should order less)
    report['alive_bands'] = {label: [(band, int(group.sum()), float(bought[group].mean()) if group.any() else 0.0)
                                     for band, group in (('< 0.2', values < 0.2),
                                                         ('0.2-0.5', (values >= 0.2) & (values < 0.5)),
                                                         ('>= 0.5', values >= 0.5))]
                             for label, values in alive_of.items()}

    # the default model's bands within calibration groups, with its own P(an order in the window)
    default_label = next(label for label in alive_of if label.endswith('(addon default)'))
    default_purchase = models[clv.DEFAULT_MODEL][0]
    if default_purchase.name == 'pareto_nbd':
        chance = pareto_probability_of_order(default_purchase, horizon, x, t_x, T)
    else:
        chance = default_purchase.probability_of_order(horizon, x, t_x, T)
    report['bands_by_frequency'] = {'model': default_label,
                                    'rows': bands_by_frequency(x, t_x, alive_of[default_label], chance, bought)}
    report['total_alternatives'] = {'model': default_label, 'rows': total_alternatives(
        clv.DEFAULT_MODEL, summary, horizon, actual, actual_days,
        transaction_summary(keys, customers, days, amounts, cutoff, end))}

    # P(alive) and P(orders again in the window) by decile of P(alive), engine MBG/NBD
    order_again = mbg_purchase.probability_of_order(horizon, x, t_x, T)
    table = []
    for group in np.array_split(np.argsort(mbg['probability_alive'], kind='stable'), 10):
        table.append((float(mbg['probability_alive'][group].mean()), float(order_again[group].mean()),
                      float(bought[group].mean()), len(group)))
    report['calibration_by_decile'] = table
    report['auc_probability_of_order'] = auc(order_again, bought)

    if args.png:
        panels = []
        for label, values in predictions.items():
            predicted_means, actual_means = deciles(values, actual)
            panels.append({'label': label, 'predicted': predicted_means, 'actual': actual_means})
        title = '%s: cutoff %s, holdout %d days' % (os.path.basename(report['source']), args.cutoff, horizon)
        plot_png({'title': title, 'panels': panels}, args.png)
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(report, out, indent=1, default=float)
    print_report(report)


def run_reference(x, t_x, T, m, horizon, others=False):
    if not os.path.exists(REFERENCE_PYTHON):
        print('reference skipped: run bench/clv_venv.sh first', file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as folder:
        source, target = os.path.join(folder, 'in.npz'), os.path.join(folder, 'out.json')
        np.savez(source, x=x, t_x=t_x, T=T, m=m, horizon=horizon, others=int(others))
        start = time.time()
        subprocess.run([REFERENCE_PYTHON, os.path.join(ROOT, 'bench', 'clv_reference.py'), 'fit', source, target],
                       check=True)
        seconds = time.time() - start
        with open(target) as result:
            reference = json.load(result)
    reference['fit_seconds'] = seconds
    return reference


def plot_png(plot, target):
    if not os.path.exists(REFERENCE_PYTHON):
        return
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as data:
        json.dump(plot, data)
    subprocess.run([REFERENCE_PYTHON, os.path.join(ROOT, 'bench', 'clv_reference.py'), 'plot', data.name, target],
                   check=True)
    os.unlink(data.name)


def print_report(report):
    print('%(source)s, database %(database)s: cutoff %(cutoff)s, holdout to %(end)s (%(holdout_days)d days); '
          '%(customers)d customers (%(repeat_customers)d with a repeat purchase day); holdout revenue '
          '%(holdout_revenue).0f from %(holdout_buyers)d buyers' % report)
    print('The summary from the addon SQL (queries/clv.py) equals the engine summary of the same transactions.')
    print()
    print('| method | total vs actual | MAE | RMSE | Spearman | top-20 % capture | P(alive) AUC |')
    print('|---|---|---|---|---|---|---|')
    for label, figures in report['methods'].items():
        cells = ['%+.1f %%' % (100 * figures['total_error']) if 'total_error' in figures else '—',
                 '%.2f' % figures['mae'] if 'mae' in figures else '—',
                 '%.2f' % figures['rmse'] if 'rmse' in figures else '—',
                 '%.3f' % figures['spearman'], '%.1f %%' % (100 * figures['top20_capture']),
                 '%.3f' % figures['auc'] if 'auc' in figures else '—']
        print('| %s | %s |' % (label, ' | '.join(cells)))
    print()
    for label, figures in report['methods'].items():
        if 'params' in figures:
            print('%s: %s' % (label, ', '.join('%s=%.4g' % item for item in sorted(figures['params'].items()))))
    if 'parameter_gap' in report:
        print('engine vs reference parameters: %s (max |gap| %.3f %%)' % (
            ', '.join('%s %+.3f %%' % (key, 100 * gap) for key, gap in sorted(report['parameter_gap'].items())),
            100 * max(abs(gap) for gap in report['parameter_gap'].values())))
    if 'parameter_gap_pareto' in report:
        print('engine vs reference Pareto/NBD parameters: %s (max |gap| %.3f %%)' % (
            ', '.join('%s %+.3f %%' % (key, 100 * gap) for key, gap in sorted(report['parameter_gap_pareto'].items())),
            100 * max(abs(gap) for gap in report['parameter_gap_pareto'].values())))
    print('AUC of P(orders again in the window) (engine MBG/NBD): %.3f' % report['auc_probability_of_order'])
    print()
    if report.get('alive_bands'):
        print('| model | P(alive) < 0.2 (Lost): customers, share who ordered | 0.2-0.5 (At risk) | >= 0.5 |')
        print('|---|---|---|---|')
        for label, bands in report['alive_bands'].items():
            print('| %s | %s |' % (label, ' | '.join('%d, %.3f' % (count, share) for _band, count, share in bands)))
        print()
    if report.get('bands_by_frequency'):
        print('P(alive) bands of %s within calibration groups: customers, share who ordered in the window, '
              "the model's mean P(an order in the window):" % report['bands_by_frequency']['model'])
        print()
        print('| calibration group | %s |' % ' | '.join(band for band, _low, _high in STAGE_BANDS))
        print('|---|---|---|---|')
        for label, cells in report['bands_by_frequency']['rows']:
            text = ['%d, %.3f, %.3f' % cell if cell[0] else '0' for cell in cells]
            print('| %s | %s |' % (label, ' | '.join(text)))
        print()
    if report.get('total_alternatives'):
        print('The total of %s under other definitions of what is counted and valued:' % (
            report['total_alternatives']['model']))
        print()
        print('| counted, valued | count predicted / actual | value error at the actual count | total vs actual '
              '| RMSE | Spearman |')
        print('|---|---|---|---|---|---|')
        for row in report['total_alternatives']['rows']:
            print('| %s | %.0f / %.0f (%+.1f %%) | %+.1f %% | %+.1f %% | %.2f | %.3f |' % (
                row['label'], row['predicted_count'], row['actual_count'],
                100 * (row['predicted_count'] / row['actual_count'] - 1), 100 * row['value_error_at_actual_count'],
                100 * row['total_error'], row['rmse'], row['spearman']))
        print()
    for label, rows in report.get('decomposition', {}).items():
        print('Decomposition, %s (value per order: the engine\'s Gamma-Gamma):' % label)
        print()
        print('| calibration frequency | customers | purchase days predicted / actual | value per purchase day '
              'predicted / actual | value error at the actual orders | revenue predicted / actual | '
              'share of the total error |')
        print('|---|---|---|---|---|---|---|')
        line = ('| %s | %d | %.0f / %.0f (%+.1f %%) | %.2f / %.2f | %+.1f %% | %.0f / %.0f (%+.1f %%) '
                '| %+.1f pt |')
        for row in rows:
            print(line % (row['group'], row['customers'], row['predicted_days'], row['actual_days'],
                          100 * (row['predicted_days'] / row['actual_days'] - 1) if row['actual_days'] else 0,
                          row['predicted_value_per_day'], row['actual_value_per_day'],
                          100 * row['value_error_at_actual_orders'], row['predicted_revenue'],
                          row['actual_revenue'],
                          100 * (row['predicted_revenue'] / row['actual_revenue'] - 1) if row['actual_revenue'] else 0,
                          100 * row['share_of_gap']))
        print()
    if report.get('stages'):
        print('| addon stage as of the cutoff | customers | share who ordered in the window | mean P(alive) |')
        print('|---|---|---|---|')
        for stage, count, share, alive in report['stages']:
            print('| %s | %d | %.3f | %.3f |' % (stage, count, share, alive))
        print()
    print('| decile of P(alive) | mean P(alive) | mean P(orders in window) | share who ordered | customers |')
    print('|---|---|---|---|---|')
    for number, (alive, again, share, count) in enumerate(report['calibration_by_decile'], 1):
        print('| %d | %.3f | %.3f | %.3f | %d |' % (number, alive, again, share, count))
    print()
    print('timings (s): %s' % ', '.join('%s %.2f' % item for item in report['timings'].items()))


if __name__ == '__main__':
    main()
