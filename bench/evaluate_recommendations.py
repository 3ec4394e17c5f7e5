#!/usr/bin/env python3
"""Offline evaluation of the crm_erp_bridge recommendations (README, "Recommendations").

Trains on the confirmed orders before a cut date and tests on the orders from that date on:
for every commercial customer with orders on both sides (or a seeded sample of them), the
addon's top 10 (affinity recomputed on the training orders only, recency as of the cut date)
is compared with two baselines: global popularity (products in the most training baskets)
and the customer's own past frequency (their products by number of training orders, what
OCA's sale recommendation wizard lists). Reported: hit rate@10 (share of customers with at
least one of the top 10 bought in the test period) and precision@5 (bought among the top 5,
averaged), once for every product bought in the test period and once for products new to the
customer. Nothing is written: the transaction is rolled back.

    .venv/bin/python bench/evaluate_recommendations.py -d crm_erp_bridge --cut 2026-08-01
"""
import argparse
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('-d', '--database', required=True, help='database with crm_erp_bridge installed')
    parser.add_argument('--cut', required=True, help='cut date YYYY-MM-DD: train before, test from it')
    parser.add_argument('--company', type=int, help='company id (default: the one with most orders)')
    parser.add_argument('--max-customers', type=int, default=2000, help='seeded sample size (default 2000)')
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--config', default=os.path.join(ROOT, '.local', 'odoo.conf'),
                        help='Odoo config (default .local/odoo.conf, written by scripts/odoo)')
    return parser.parse_args()


# Eligible lines as the addon counts them (confirmed orders, positive quantity, no down
# payments, services only when the company counts them), with their side of the cut.
_LINES_SQL = """
    SELECT rp.commercial_partner_id, l.product_id, so.id, so.date_order < %(cut)s::timestamp
      FROM sale_order so
      JOIN sale_order_line l ON l.order_id = so.id
      JOIN res_partner rp ON rp.id = so.partner_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN res_company cmp ON cmp.id = so.company_id
     WHERE so.company_id = %(company_id)s AND so.state IN ('sale', 'done') AND l.product_uom_qty > 0
       AND NOT COALESCE(l.is_downpayment, FALSE)
       AND (pt.type <> 'service' OR NOT cmp.affinity_exclude_services)
"""


def metrics(recommended, truth):
    """(hit rate@10, precision@5) of {customer: ranked product ids} against {customer: set}."""
    customers = [customer for customer in truth if truth[customer]]
    if not customers:
        return 0.0, 0.0
    hits = sum(1 for c in customers if set(recommended.get(c, [])[:10]) & truth[c])
    precision = sum(len(set(recommended.get(c, [])[:5]) & truth[c]) / 5.0 for c in customers)
    return hits / len(customers), precision / len(customers)


def main():
    args = parse_args()
    sys.path.insert(0, ROOT)
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', args.config, '--log-level=warn'])
    registry = odoo.registry(args.database)
    cut = args.cut + ' 00:00:00'
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {
            'crm_erp_affinity_date_to': cut, 'crm_erp_recommendation_date': cut, 'active_test': True})
        if args.company:
            company = env['res.company'].browse(args.company)
        else:
            cr.execute("SELECT company_id FROM sale_order WHERE state IN ('sale', 'done') "
                       "GROUP BY company_id ORDER BY COUNT(*) DESC LIMIT 1")
            company = env['res.company'].browse(cr.fetchone()[0])
        company.write({'recommendation_stock_mode': 'show'})  # quality, not stock, is measured
        cr.execute(_LINES_SQL, {'cut': cut, 'company_id': company.id})
        train_orders, train_products, test_products, baskets = {}, {}, {}, {}
        for customer, product, order, before in cr.fetchall():
            if before:
                train_orders.setdefault(customer, {}).setdefault(product, set()).add(order)
                train_products.setdefault(customer, set()).add(product)
                baskets.setdefault(product, set()).add(order)
            else:
                test_products.setdefault(customer, set()).add(product)
        customers = sorted(c for c in test_products if c in train_products)
        random.Random(args.seed).shuffle(customers)
        customers = sorted(customers[:args.max_customers])
        truth_all = {c: test_products[c] for c in customers}
        truth_new = {c: test_products[c] - train_products[c] for c in customers}

        start = time.time()
        env['crm.erp.product.affinity']._recompute_affinity(company.ids)
        train_seconds = time.time() - start
        engine = env['crm.erp.recommendation']
        addon, start = {}, time.time()
        partners = env['res.partner'].browse(customers)
        for index in range(0, len(customers), 200):
            batch = engine._recommend(partners[index:index + 200], company, limit=10)
            addon.update({c: [item['product_id'] for item in items] for c, items in batch.items()})
        recommend_seconds = time.time() - start
        popular = [p for p, _o in sorted(baskets.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]]
        popularity = {c: popular for c in customers}
        own = {c: [p for p, _o in sorted(train_orders[c].items(), key=lambda kv: (-len(kv[1]), kv[0]))][:10]
               for c in customers}
        cr.rollback()

    print('database %s, company %s, cut %s: %d customers with orders before and after the cut'
          % (args.database, company.id, args.cut, len(customers)))
    print('affinity recompute on the training orders: %.2f s; recommendations: %.1f ms per customer'
          % (train_seconds, 1000.0 * recommend_seconds / max(len(customers), 1)))
    print('%-32s %12s %12s %12s %12s' % ('', 'hit@10 all', 'prec@5 all', 'hit@10 new', 'prec@5 new'))
    for name, recommended in [('crm_erp_bridge recommendations', addon),
                              ('baseline: global popularity', popularity),
                              ("baseline: customer's own past", own)]:
        hit_all, precision_all = metrics(recommended, truth_all)
        hit_new, precision_new = metrics(recommended, truth_new)
        print('%-32s %12.3f %12.3f %12.3f %12.3f' % (name, hit_all, precision_all, hit_new, precision_new))


if __name__ == '__main__':
    main()
