"""The webshop's product page with and without the bridge's recommendations, side by side in
one run (issue 21: p95 with the block <= 1.2 x p95 without it, at size L; a page view adds
<= 20 ms at p95).

    nice -n 10 .venv/bin/python bench/webshop_page.py DB [--products 20] [--rounds 10] [--publish] [--control]

DB has crm_erp_bridge_website installed. The script starts scripts/odoo on DB (threaded, as
the browser tests do) with CRM_ERP_WEBSHOP_BENCHMARK=1 in its environment, which lets a request
with ?crm_erp_blocks=off be served without the blocks (controllers/main.py, blocks_off: the
page as website_sale renders it, with the glue's templates idle). It picks --products product
templates of the website's company that have co-purchase affinity (a seeded sample), and for
each round requests every one of those pages twice as an anonymous visitor, with and without
the block, in a random order per pair, and prints per side the median, p95, mean and the ratio
of the p95s, and the p95 of the paired differences (what the block adds to a view). Before
the rounds, one view of each page each way, not counted: the first view with the block
computes it (cache miss), reported apart.

--control adds to each pair a second view without the block (the three in a random order) and
prints the p95 of the paired difference between the two views without it (same page, back to
back): the spread of the paired difference that the machine alone gives, to read the block's
against.

--publish (a benchmark copy only) publishes every active sellable product template in the
webshop first (UPDATE product_template SET website_published = TRUE), as a shop of the whole
catalogue: generated databases have no published product."""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from browser import OdooServer  # noqa: E402 (the tests' server helper)


def psql(db, sql):
    out = subprocess.run([os.path.join(ROOT, 'scripts', 'pg.sh'), 'psql', '-d', db, '-qtAX', '-F', '\t', '-c', sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split('\t') for line in out.splitlines() if line]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(label, seconds):
    ms = [value * 1000 for value in seconds]
    return '%-22s n=%4d  p50 %7.1f ms  p95 %7.1f ms  mean %7.1f ms  max %7.1f ms' % (
        label, len(ms), statistics.median(ms), percentile(ms, 0.95), statistics.mean(ms), max(ms))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('db')
    parser.add_argument('--products', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--seed', type=int, default=21)
    parser.add_argument('--publish', action='store_true')
    parser.add_argument('--control', action='store_true',
                        help='a second view without the block per pair: the paired difference of the machine alone')
    args = parser.parse_args()
    if args.publish:
        psql(args.db, "UPDATE product_template SET website_published = TRUE WHERE active AND sale_ok "
                      "AND website_published IS NOT TRUE")
    company_id = int(psql(args.db, "SELECT company_id FROM website ORDER BY id LIMIT 1")[0][0])
    # templates with at least 4 co-purchase pairs (crm_erp_affinity_pair, the table under the
    # crm_erp_product_affinity view: the view over a whole company takes minutes at size L)
    candidates = [int(row[0]) for row in psql(args.db, """
        SELECT pp.product_tmpl_id
          FROM (SELECT product_a AS product_id FROM crm_erp_affinity_pair WHERE company_id = %d
                UNION ALL SELECT product_b FROM crm_erp_affinity_pair WHERE company_id = %d) p
          JOIN product_product pp ON pp.id = p.product_id
          JOIN product_template t ON t.id = pp.product_tmpl_id
         WHERE t.website_published AND t.active AND t.sale_ok
      GROUP BY pp.product_tmpl_id HAVING COUNT(*) >= 4 ORDER BY pp.product_tmpl_id""" % (company_id, company_id))]
    if len(candidates) < args.products:
        sys.exit('only %d published product templates with affinity in company %d (--publish?)'
                 % (len(candidates), company_id))
    rng = random.Random(args.seed)
    templates = rng.sample(candidates, args.products)
    load_before = os.getloadavg()
    os.environ['CRM_ERP_WEBSHOP_BENCHMARK'] = '1'
    server = OdooServer(args.db)
    try:
        visitor = requests.Session()

        def view(template_id, with_block):
            url = '%s/shop/product/%d%s' % (server.url, template_id, '' if with_block else '?crm_erp_blocks=off')
            start = time.perf_counter()
            response = visitor.get(url, timeout=300)
            seconds = time.perf_counter() - start
            assert response.status_code == 200, (url, response.status_code)
            return seconds, 'o_crm_erp_also_bought' in response.text
        visitor.get(server.url + '/shop', timeout=300)
        first_with, first_without, shown = [], [], 0
        for template_id in templates:
            seconds, has_block = view(template_id, True)
            first_with.append(seconds)
            shown += has_block
            first_without.append(view(template_id, False)[0])
        with_block, without_block, differences, control = [], [], [], []
        sides = ['with', 'without'] + (['control'] if args.control else [])
        for _round in range(args.rounds):
            for template_id in templates:
                pair = {}
                for side in rng.sample(sides, len(sides)):
                    seconds, has_block = view(template_id, side == 'with')
                    assert not has_block or side == 'with'
                    pair[side] = seconds
                with_block.append(pair['with'])
                without_block.append(pair['without'])
                differences.append(pair['with'] - pair['without'])
                if args.control:
                    control.append(pair['control'] - pair['without'])
        load_after = os.getloadavg()
    finally:
        server.stop()
    p95_with, p95_without = percentile(with_block, 0.95), percentile(without_block, 0.95)
    print('database %s, company %d, %d product pages (seed %d) of which %d show the block, %d rounds'
          % (args.db, company_id, len(templates), args.seed, shown, args.rounds))
    print(summary('with the block', with_block))
    print(summary('without the block', without_block))
    print('p95 ratio with / without: %.3f (target <= 1.2); p95 of the paired difference: %.1f ms '
          '(median %.1f ms; target <= 20 ms)' % (p95_with / p95_without, percentile(differences, 0.95) * 1000,
                                                 statistics.median(differences) * 1000))
    if control:
        print('control (without - without, same page, back to back): p95 of the paired difference %.1f ms '
              '(median %.1f ms, p5 %.1f ms)' % (percentile(control, 0.95) * 1000, statistics.median(control) * 1000,
                                                percentile(control, 0.05) * 1000))
    print(summary('first view, with', first_with))
    print(summary('first view, without', first_without))
    print('load average before %.2f %.2f %.2f, after %.2f %.2f %.2f' % (load_before + load_after))


if __name__ == '__main__':
    main()
