"""The peer best sellers and Discover's popularity of this checkout against those of another
revision's code (git show REV:...), on one database, alternating, in one transaction rolled
back: the figures (equal or not) and the times.

    .venv/bin/python bench/best_sellers_side_by_side.py DB [--base main] [--reps 3] [--customers 50]

- the peer best-seller recompute of every company with orders (the nightly step), and the
  table it leaves;
- the peer best sellers of one customer per call (the recommendations' read), for customers
  with orders and for customers without (cold start), and of all of them in one call;
- the Discover index of each company (its counted lines, the other sources' buyers, the index):
  products, popularity, ranks and the share's denominator."""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
import bench  # noqa: E402  (this checkout's harness: its .local/odoo.conf, hence its addon)


def base_module(rev, path, folder):
    """The module at path in revision rev, loaded beside this checkout's (its relative imports
    are this checkout's modules)."""
    text = subprocess.run(['git', '-C', ROOT, 'show', '%s:%s' % (rev, path)], check=True,
                          capture_output=True).stdout
    handle = tempfile.NamedTemporaryFile(suffix='.py', dir=folder, delete=False)
    handle.write(text)
    handle.close()
    package = 'odoo.addons.crm_erp_bridge.' + path.split('/')[1]
    spec = importlib.util.spec_from_file_location(package + '._base_' + os.path.basename(path)[:-3], handle.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_ms(times):
    return '%.1f ms (%.1f - %.1f, n=%d)' % (
        statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000, len(times))


def ratio(new, old):
    return statistics.median(new) / statistics.median(old)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('db')
    parser.add_argument('--base', default='main')
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--customers', type=int, default=50)
    args = parser.parse_args()
    odoo = bench.load_odoo()
    from odoo import SUPERUSER_ID, api, fields
    from odoo.addons.crm_erp_bridge.engines import discover
    from odoo.addons.crm_erp_bridge.engines.purchases import Purchases
    from odoo.addons.crm_erp_bridge.models.crm_erp_recommendation import engine_day
    from odoo.addons.crm_erp_bridge.queries import recommendation
    from odoo.addons.crm_erp_bridge.queries.affinity import SALE_ORDER_BASKETS
    folder = tempfile.mkdtemp(prefix='best_sellers_side_by_side_')
    base = base_module(args.base, 'crm_erp_bridge/queries/recommendation.py', folder)
    base_discover = base_module(args.base, 'crm_erp_bridge/engines/discover.py', folder)
    with api.Environment.manage(), odoo.registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        sources, delivery = env['crm.erp.recommendation']._sales_sources()
        others = [source for source in sources if source is not SALE_ORDER_BASKETS]
        print('%s: basket sources %s; base: %s' % (args.db, [source.kind for source in sources], args.base))
        cr.execute("SELECT DISTINCT company_id FROM sale_order WHERE state IN ('sale', 'done') ORDER BY 1")
        company_ids = [row[0] for row in cr.fetchall()]
        now = fields.Datetime.now()

        def table():
            cr.execute("SELECT company_id, level, peer_key, product_id, buyers FROM crm_erp_best_seller "
                       "ORDER BY 1, 2, 3, 4")
            return cr.fetchall()
        old, new = [], []
        for _rep in range(args.reps):
            old.append(timed(lambda: base.recompute_best_sellers(cr, company_ids, now))[0])
            old_rows = table()
            new.append(timed(lambda: recommendation.recompute_best_sellers(cr, company_ids, now, sources, delivery))[0])
            new_rows = table()
        print('best-seller recompute: base %s, this %s, %.2fx; %d rows, equal: %s' % (
            median_ms(old), median_ms(new), ratio(new, old), len(new_rows), old_rows == new_rows))
        for company_id in company_ids:
            company = env['res.company'].browse(company_id)
            params = {'company_id': company_id, 'now': now, 'limit': 10, 'fetch': 40,
                      'exclude_days': company.recommendation_exclude_days,
                      'repeat_share': company.recommendation_repeat_share, 'exclude_product_ids': []}
            cr.execute("SELECT DISTINCT rp.commercial_partner_id FROM sale_order so "
                       "JOIN res_partner rp ON rp.id = so.partner_id "
                       "WHERE so.company_id = %s AND so.state IN ('sale', 'done') ORDER BY 1 LIMIT %s",
                       [company_id, args.customers])
            buyers = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT p.id FROM res_partner p WHERE p.id = p.commercial_partner_id AND NOT EXISTS ("
                       "SELECT 1 FROM sale_order so WHERE so.partner_id = p.id) ORDER BY p.id LIMIT %s",
                       [args.customers])
            cold = [row[0] for row in cr.fetchall()]
            for label, partner_ids in (('with orders', buyers), ('cold start', cold)):
                old, new, equal = [], [], True
                for _rep in range(args.reps):
                    for partner_id in partner_ids:
                        one = dict(params, partner_ids=[partner_id])
                        seconds, before = timed(lambda: base.peer_best_sellers(cr, one))
                        old.append(seconds)
                        seconds, after = timed(lambda: recommendation.peer_best_sellers(cr, one, sources, delivery))
                        new.append(seconds)
                        equal = equal and before == after
                every = dict(params, partner_ids=partner_ids)
                print('company %d peer best sellers, one customer a call (%d customers %s): base %s, this %s, '
                      '%.2fx; equal: %s, all in one call equal: %s' % (
                          company_id, len(partner_ids), label, median_ms(old), median_ms(new), ratio(new, old), equal,
                          base.peer_best_sellers(cr, every) == recommendation.peer_best_sellers(
                              cr, every, sources, delivery)))
            day = engine_day(now)

            def lines():
                customer, product, order, days, qty, category = recommendation.counted_lines(cr, company_id, now)
                return (Purchases(customer, product, order, days, qty / recommendation.QTY_SCALE),
                        dict(zip(product.tolist(), category.tolist())))

            def base_index():
                purchases, category = lines()
                return base_discover.DiscoverIndex(purchases, day, category)

            def this_index():
                purchases, category = lines()
                buyers = recommendation.buyer_pairs(cr, company_id, now, others, delivery) if others else None
                return discover.DiscoverIndex(purchases, day, category, buyers=buyers)
            old, new = [], []
            for _rep in range(args.reps):
                seconds, before = timed(base_index)
                old.append(seconds)
                seconds, after = timed(this_index)
                new.append(seconds)
            equal = (before.products.tolist() == after.products.tolist()
                     and before.popularity.tolist() == after.popularity.tolist()
                     and before.popularity_rank.tolist() == after.popularity_rank.tolist()
                     and after.buyer_total == len(before.customers))
            print('company %d Discover index (counted lines, other sources\' buyers, index): base %s, this %s, '
                  '%.2fx; %d products; products, popularity, ranks and share denominator equal: %s' % (
                      company_id, median_ms(old), median_ms(new), ratio(new, old), len(after.products), equal))
        cr.rollback()


if __name__ == '__main__':
    main()
