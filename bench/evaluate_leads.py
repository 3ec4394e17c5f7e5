#!/usr/bin/env python3
"""Time-holdout evaluation of the lead score and the sales forecast engines (issue 19, phase 1:
crm_erp_bridge/engines/lead_score.py and sales_forecast.py; docs/lead-score-forecast.md).

Every method and baseline is computed in the same run on the same cut-offs.

Generated data (bench/generate_leads.py: GENERATED leads and orders with a planted, documented
dependence on the features; not the L database):
- lead score: at each cut-off, the model is fitted on the month-end snapshots of the leads that
  closed before it (features as of each snapshot) and scores the leads open at the cut-off
  (features as of the cut-off), whose outcome comes later; against Odoo's stage probability
  and the team's historical win rate (the engine's fallback, fitted on the same leads). AUC and
  Brier per cut-off and pooled, with a paired bootstrap interval of the AUC differences; fit
  and scoring times;
- forecast: at each monthly cut-off, per product (and per category) and month, 1 and 3 months
  ahead: the engine (direct run rate + pipeline weighted by the lead score fitted at the
  cut-off + uncovered opportunity run rate), the same weighted by the stage probability, the
  run rate alone, the seasonal-naive forecast and the plain weighted pipeline (stage
  probability). WAPE and MAPE pooled over the cut-offs.
Real data (--cdnow, the CDNOW master file shipped in the `lifetimes` wheel: 23,570 customers,
January 1997 - June 1998, no products): the run-rate part alone, monthly revenue in total and
per first-purchase month, against seasonal-naive and naive (last month), and the customer
model's expected repeat revenue (MBG/NBD x Gamma-Gamma of engines/clv.py: what the Customer 360
model predicts for the recurring customers).

    .venv/bin/python bench/evaluate_leads.py --size S
    .venv/bin/python bench/evaluate_leads.py --size L --cdnow .local/clv/CDNOW_master.txt --json bench/out/leads.json
"""
import argparse
import datetime
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_leads  # noqa: E402 (the bench folder is not a package)
from evaluate_clv import load_addon_module  # noqa: E402

lead_score = load_addon_module('engines', 'lead_score')
sales_forecast = load_addon_module('engines', 'sales_forecast')
clv = load_addon_module('engines', 'clv')

LEAD_CUTOFFS = [datetime.date(2025, 1, 1), datetime.date(2025, 4, 1), datetime.date(2025, 7, 1),
                datetime.date(2025, 9, 1)]
FORECAST_CUTOFFS = [datetime.date(2025, month, 1) for month in range(1, 11)]
HORIZONS = (1, 3)
FEATURES_WITHOUT_STAGE = tuple(f for f in lead_score.DEFAULT_FEATURES if f.name != 'stage')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', default='S', choices=sorted(generate_leads.SIZES))
    parser.add_argument('--seed', type=int, default=19)
    parser.add_argument('--weak', action='store_true', help='a world where the activity on a lead says much less')
    parser.add_argument('--cdnow', help="CDNOW_master.txt (customer, YYYYMMDD, CDs, dollars)")
    parser.add_argument('--bootstrap', type=int, default=500)
    parser.add_argument('--json', help='all figures as JSON')
    return parser.parse_args()


def fit_at(world, cutoff_day, features=lead_score.DEFAULT_FEATURES):
    """The lead score fitted at a cut-off on the snapshots of the leads closed before it."""
    leads, days = world.training(cutoff_day)
    columns = world.features(leads, days)
    started, cpu = time.time(), time.process_time()
    model = lead_score.fit(columns, world.won[leads], days, features,
                           fitted_on=generate_leads.START + datetime.timedelta(days=int(cutoff_day)))
    model.report['cpu_seconds'] = round(time.process_time() - cpu, 2)
    return model, time.time() - started


def team_win_rate(world, cutoff_day):
    closed = np.flatnonzero(world.closed < cutoff_day)
    return lead_score.WinRateModel.train({'team': ['team %d' % t for t in world.team[closed]]}, world.won[closed])


def paired_bootstrap(rng, outcomes, first, second, rounds):
    """(low, high) 95 % interval of AUC(first) - AUC(second) over resampled leads."""
    n, differences = len(outcomes), []
    for _round in range(rounds):
        pick = rng.integers(0, n, n)
        differences.append(lead_score.auc(first[pick], outcomes[pick]) - lead_score.auc(second[pick], outcomes[pick]))
    return [round(float(v), 4) for v in np.nanpercentile(differences, [2.5, 97.5])]


def evaluate_lead_score(world, rounds):
    methods = ('lead score', 'lead score without stage', 'Odoo stage probability', 'team win rate')
    pooled = {name: [] for name in methods + ('won',)}
    per_cutoff, timing = [], {}
    for cutoff in LEAD_CUTOFFS:
        day = generate_leads.day_of(cutoff)
        model, fit_seconds = fit_at(world, day)
        without_stage, _seconds = fit_at(world, day, FEATURES_WITHOUT_STAGE)
        holdout = world.open_at(day)
        holdout = holdout[world.closed[holdout] < generate_leads.DAYS]  # outcome known by the end
        columns = world.features(holdout, day)
        won = world.won[holdout]
        scores = {'lead score': model.probabilities(columns),
                  'lead score without stage': without_stage.probabilities(columns),
                  'Odoo stage probability': columns['stage_probability'],
                  'team win rate': team_win_rate(world, day).probabilities(columns)}
        row = {'cutoff': str(cutoff), 'training_rows': model.report['size'], 'holdout_leads': len(holdout),
               'won_share': round(float(won.mean()), 3), 'fit_seconds': round(fit_seconds, 2),
               'fit_report': model.report}
        for name in methods:
            row[name] = {'auc': round(lead_score.auc(scores[name], won), 4),
                         'brier': round(lead_score.brier(scores[name], won), 4)}
            pooled[name].append(scores[name])
        pooled['won'].append(won)
        per_cutoff.append(row)
        timing = {'fit_seconds': round(fit_seconds, 2), 'fit_cpu_seconds': model.report['cpu_seconds'],
                  'training_rows': model.report['size']}
    # scoring speed: the last model on 20,000 open leads (the L database's open opportunities)
    tile = np.resize(np.arange(len(holdout)), 20000)
    many = {name: [values[i] for i in tile] for name, values in columns.items()}
    started, cpu = time.time(), time.process_time()
    scored = model.score(many)
    timing['score_20000_seconds'] = round(time.time() - started, 2)
    timing['score_20000_cpu_seconds'] = round(time.process_time() - cpu, 2)
    timing['example_reasons'] = scored[0]
    won = np.concatenate(pooled['won'])
    rng = np.random.default_rng(0)
    summary = {}
    for name in methods:
        values = np.concatenate(pooled[name])
        summary[name] = {'auc': round(lead_score.auc(values, won), 4), 'brier': round(lead_score.brier(values, won), 4),
                         'mean': round(float(np.mean(values)), 4), 'won_share': round(float(won.mean()), 4)}
    for baseline in ('Odoo stage probability', 'team win rate'):
        summary['lead score - ' + baseline] = {
            'auc': round(summary['lead score']['auc'] - summary[baseline]['auc'], 4),
            'auc_95': paired_bootstrap(rng, won, np.concatenate(pooled['lead score']),
                                       np.concatenate(pooled[baseline]), rounds)}
    return {'per_cutoff': per_cutoff, 'pooled': summary, 'holdout_leads': int(len(won)), 'timing': timing}


def world_history(world, before_day, key_of_product):
    sold = world.order_day < before_day
    return {'key': key_of_product[world.order_product[sold]],
            'month': generate_leads.month_of_day(world.order_day[sold]),
            'qty': world.order_qty[sold], 'opportunity': world.order_from_lead[sold]}


def collect(cells, level, forecasts, actual):
    """Adds each method's forecast and the actual sales of every horizon to cells[(level, h, method)]."""
    for h in HORIZONS:
        for name, values in forecasts.items():
            cells[(level, h, name)][0].append(values[:, h - 1])
            cells[(level, h, name)][1].append(actual[:, h - 1])


def error_figures(cells):
    """{level: {'h1': {method: {'wape', 'mape'}}}} over the pooled cells."""
    figures = {}
    for (level, h, name), (predicted, actual) in cells.items():
        predicted, actual = np.concatenate(predicted), np.concatenate(actual)
        figures.setdefault(level, {}).setdefault('h%d' % h, {})[name] = {
            'wape': round(sales_forecast.wape(predicted, actual), 4), 'mape': round(sales_forecast.mape(predicted, actual), 4)}
    return figures


def evaluate_forecast(world):
    methods = ('forecast (lead score)', 'forecast (stage probability)', 'forecast (lead score, no slips)',
               'run rate alone', 'seasonal naive', 'weighted pipeline (stage probability)',
               'weighted pipeline (lead score)')
    levels = {'product': np.arange(world.n['products']), 'category': world.product_category}
    cells = {(level, h, name): ([], []) for level in levels for h in HORIZONS for name in methods}
    timing, first = [], sales_forecast.month_index(generate_leads.START)
    for cutoff in FORECAST_CUTOFFS:
        day = generate_leads.day_of(cutoff)
        as_of = sales_forecast.month_index(cutoff)
        model, _seconds = fit_at(world, day)
        open_leads = world.open_at(day)
        line = np.isin(world.line_lead, open_leads)
        line_lead = world.line_lead[line]
        columns = world.features(open_leads, day)
        position = np.searchsorted(open_leads, line_lead)
        score = model.probabilities(columns)[position]
        stage = columns['stage_probability'][position]
        won_before = np.flatnonzero(world.won & (world.closed < day))
        coverage = sales_forecast.pipeline_coverage(
            generate_leads.month_of_day(world.created[won_before]), generate_leads.month_of_day(world.closed[won_before]),
            world.expected_revenue[won_before], as_of, max(HORIZONS))
        recent = won_before[world.closed[won_before] >= day - 365]
        slips = generate_leads.month_of_day(world.closed[recent]) - generate_leads.month_of_day(world.deadline[recent])
        for level, key_of_product in levels.items():
            keys = np.unique(key_of_product)
            history = world_history(world, day, key_of_product)
            pipeline = {'key': key_of_product[world.line_product[line]],
                        'month': generate_leads.month_of_day(world.deadline[line_lead]), 'qty': world.line_qty[line]}
            started = time.time()
            by_score = sales_forecast.forecast(history, dict(pipeline, probability=score), as_of, max(HORIZONS),
                                               coverage, keys=keys, first_month=first, slips=slips)
            if level == 'product':
                timing.append(time.time() - started)
            by_stage = sales_forecast.forecast(history, dict(pipeline, probability=stage), as_of, max(HORIZONS),
                                               coverage, keys=keys, first_month=first, slips=slips)
            no_slips = sales_forecast.forecast(history, dict(pipeline, probability=score), as_of, max(HORIZONS),
                                               coverage, keys=keys, first_month=first)
            plain = sales_forecast.forecast(history, dict(pipeline, probability=stage), as_of, max(HORIZONS),
                                            keys=keys, run_rates=False)
            run_rate = sales_forecast.forecast(dict(history, opportunity=np.zeros(len(history['key']), dtype=bool)),
                                               dict(pipeline, probability=stage), as_of, max(HORIZONS), keys=keys,
                                               first_month=first)
            forecasts = {'forecast (lead score)': by_score.total, 'forecast (stage probability)': by_stage.total,
                         'forecast (lead score, no slips)': no_slips.total,
                         'run rate alone': run_rate.direct + run_rate.uncovered,
                         'seasonal naive': sales_forecast.seasonal_naive(keys, history, as_of, max(HORIZONS)),
                         'weighted pipeline (stage probability)': plain.pipeline,
                         'weighted pipeline (lead score)': by_score.pipeline}
            actual_rows = (world.order_day >= day)
            actual = sales_forecast.monthly_matrix(keys, key_of_product[world.order_product[actual_rows]],
                                                   generate_leads.month_of_day(world.order_day[actual_rows]),
                                                   world.order_qty[actual_rows], as_of, as_of + max(HORIZONS) - 1)
            collect(cells, level, forecasts, actual)
    figures = error_figures(cells)
    return {'cutoffs': [str(c) for c in FORECAST_CUTOFFS], 'figures': figures,
            'forecast_seconds_per_cutoff': round(float(np.mean(timing)), 3), 'coverage_last_cutoff': coverage.round(3).tolist()}


def read_cdnow(path):
    customers, days, amounts = [], [], []
    with open(path) as source:
        for line in source:
            fields = line.split()
            if fields and fields[0].isdigit():
                customers.append(int(fields[0]))
                days.append(datetime.date(int(fields[1][:4]), int(fields[1][4:6]), int(fields[1][6:])))
                amounts.append(float(fields[3]))
    return np.array(customers), days, np.array(amounts)


def evaluate_cdnow(path):
    """Monthly revenue forecasts on CDNOW at cut-offs January-April 1998 (1 and 3 months)."""
    customers, dates, amounts = read_cdnow(path)
    months = np.array([sales_forecast.month_index(d) for d in dates])
    start = datetime.date(1997, 1, 1)
    day = np.array([(d - start).days for d in dates])
    first_month = {}
    for customer, month in zip(customers.tolist(), months.tolist()):
        first_month.setdefault(customer, month)
    cohort = np.array([first_month[c] - months.min() for c in customers.tolist()])  # 0, 1, 2: Jan-Mar 1997
    methods = ('run rate (6 months)', 'run rate (3 months)', 'seasonal naive', 'naive (last month)',
               'customer model (MBG/NBD x Gamma-Gamma)')
    cells = {(level, h, name): ([], []) for level in ('total', 'cohort') for h in HORIZONS for name in methods}
    for cutoff in [datetime.date(1998, m, 1) for m in (1, 2, 3, 4)]:
        as_of = sales_forecast.month_index(cutoff)
        before = months < as_of
        cutoff_day = (cutoff - start).days - 1
        ids, x, t_x, T, monetary, _revenue = clv.summarize(customers[before], day[before], amounts[before], cutoff_day)
        purchase = clv.fit_purchase_model(x, t_x, T)
        value = clv.fit_value_model(x, monetary).expected_order_value(x, monetary)
        bounds = [(datetime.date(1998 + (cutoff.month - 1 + k) // 12, (cutoff.month - 1 + k) % 12 + 1, 1) - cutoff).days
                  for k in range(max(HORIZONS) + 1)]
        cumulative = purchase.expected_orders_at(bounds, x, t_x, T)
        expected = (np.diff(cumulative, axis=0) * value).T  # customers x months
        id_cohort = np.array([first_month[c] - months.min() for c in ids.tolist()])
        for level, key in (('total', np.zeros(len(customers), dtype=np.int64)), ('cohort', cohort)):
            keys = np.unique(key)
            history = {'key': key[before], 'month': months[before], 'qty': amounts[before]}
            group = np.zeros(len(ids), dtype=np.int64) if level == 'total' else id_cohort
            model_rows = np.zeros((len(keys), max(HORIZONS)))
            np.add.at(model_rows, np.searchsorted(keys, group), expected)
            empty = {'key': [], 'month': [], 'qty': [], 'probability': []}
            forecasts = {
                'run rate (6 months)': sales_forecast.forecast(history, empty, as_of, max(HORIZONS), keys=keys).total,
                'run rate (3 months)': sales_forecast.forecast(history, empty, as_of, max(HORIZONS), keys=keys,
                                                               level_months=3).total,
                'seasonal naive': sales_forecast.seasonal_naive(keys, history, as_of, max(HORIZONS)),
                'naive (last month)': np.repeat(sales_forecast.monthly_matrix(
                    keys, history['key'], history['month'], history['qty'], as_of - 1, as_of - 1), max(HORIZONS), axis=1),
                'customer model (MBG/NBD x Gamma-Gamma)': sales_forecast.forecast(
                    history, empty, as_of, max(HORIZONS), keys=keys, direct=model_rows).total}
            actual = sales_forecast.monthly_matrix(keys, key[~before], months[~before], amounts[~before], as_of,
                                                   as_of + max(HORIZONS) - 1)
            collect(cells, level, forecasts, actual)
    figures = error_figures(cells)
    return {'cutoffs': ['1998-01-01', '1998-02-01', '1998-03-01', '1998-04-01'], 'figures': figures}


def print_table(title, figures, metrics):
    print('\n' + title)
    for level, by_horizon in figures.items():
        for horizon, methods in by_horizon.items():
            print('  %s, %s:' % (level, horizon))
            for name, values in methods.items():
                print('    %-45s %s' % (name, '  '.join('%s %.3f' % (m, values[m]) for m in metrics)))


def main():
    args = parse_args()
    started = time.time()
    world = generate_leads.World(args.size, args.seed, args.weak)
    results = {'size': args.size, 'seed': args.seed, 'weak': args.weak, 'leads': len(world.won), 'won_share': round(float(world.won.mean()), 3),
               'order_lines': len(world.order_day),
               'opportunity_share_of_quantity': round(float(world.order_qty[world.order_from_lead].sum()
                                                            / world.order_qty.sum()), 3)}
    print('generated world %s%s: %d leads (%.1f %% won), %d order lines (%.1f %% of the quantity from won leads)' % (
        args.size, ' (weak)' if args.weak else '', results['leads'], 100 * results['won_share'], results['order_lines'],
        100 * results['opportunity_share_of_quantity']))
    results['lead_score'] = evaluate_lead_score(world, args.bootstrap)
    for row in results['lead_score']['per_cutoff']:
        print('cut-off %s: %d training snapshots, %d open leads scored (%.1f %% won), fit %.1f s; %s' % (
            row['cutoff'], row['training_rows'], row['holdout_leads'], 100 * row['won_share'], row['fit_seconds'],
            ', '.join('%s AUC %.3f Brier %.3f' % (name, row[name]['auc'], row[name]['brier'])
                      for name in ('lead score', 'Odoo stage probability', 'team win rate'))))
    print('\nlead score, pooled over %d open leads:' % results['lead_score']['holdout_leads'])
    for name, values in results['lead_score']['pooled'].items():
        print('  %-45s %s' % (name, json.dumps(values)))
    print('  timing: %s' % json.dumps(results['lead_score']['timing'], default=str))
    results['forecast'] = evaluate_forecast(world)
    print_table('forecast on the generated world, cut-offs %s .. %s (per key and month, pooled):' % (
        results['forecast']['cutoffs'][0], results['forecast']['cutoffs'][-1]), results['forecast']['figures'],
        ('wape', 'mape'))
    print('  forecast of every product: %.3f s per cut-off; coverage at the last cut-off %s' % (
        results['forecast']['forecast_seconds_per_cutoff'], results['forecast']['coverage_last_cutoff']))
    if args.cdnow:
        results['cdnow'] = evaluate_cdnow(args.cdnow)
        print_table('CDNOW monthly revenue, cut-offs 1998-01 .. 1998-04:', results['cdnow']['figures'], ('wape', 'mape'))
    results['seconds'] = round(time.time() - started, 1)
    print('\n%.0f s' % results['seconds'])
    if args.json:
        with open(args.json, 'w') as target:
            json.dump(results, target, indent=1, default=str)


if __name__ == '__main__':
    main()
