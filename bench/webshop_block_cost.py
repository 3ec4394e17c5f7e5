"""What the "customers who bought this also bought" block adds to one view of a product page on
the server, without HTTP and without the rest of the page (issue 21: a page view adds <= 20 ms
at p95 at size L). The side-by-side page benchmark (bench/webshop_page.py) measures whole pages,
whose own spread on a shared machine is larger than the block; this one times only the block's
work in `scripts/odoo shell` on DB, per view:

- its cached figures (product.template._crm_erp_also_bought: the ORM cache's rows of the
  product, pricelist and company in the current 10-minute slot, the shown templates' names and
  the explanation);
- the view row it appends (_crm_erp_record: one INSERT);
- the rendering of its items (QWeb crm_erp_bridge_website.product_recommendation_items, as the
  product page calls it: links, images, prices in the pricelist's currency, reasons).

The pages are bench/webshop_page.py's (the same seeded sample of published templates of the
website's company with affinity, same --seed); the first view of each (cache miss: the affinity
query, stock figures, prices) is reported apart. Everything runs in one transaction that is
rolled back: the database keeps no view row.

    nice -n 10 .venv/bin/python bench/webshop_block_cost.py DB [--products 20] [--views 20] [--seed 21]
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SHELL = r'''
import random
import statistics
import time
from odoo.addons.http_routing.models.ir_http import slug
website = env['website'].search([], order='id', limit=1)
company = website.company_id
public = env.ref('base.public_user')
pricelist = website.sudo(public).with_context(website_id=website.id).get_current_pricelist()
env.cr.execute("""
    SELECT pp.product_tmpl_id
      FROM (SELECT product_a AS product_id FROM crm_erp_affinity_pair WHERE company_id = %(company)s
            UNION ALL SELECT product_b FROM crm_erp_affinity_pair WHERE company_id = %(company)s) p
      JOIN product_product pp ON pp.id = p.product_id
      JOIN product_template t ON t.id = pp.product_tmpl_id
     WHERE t.website_published AND t.active AND t.sale_ok
  GROUP BY pp.product_tmpl_id HAVING COUNT(*) >= 4 ORDER BY pp.product_tmpl_id""", {'company': company.id})
candidates = [row[0] for row in env.cr.fetchall()]
templates = env['product.template'].browse(random.Random(SEED).sample(candidates, PRODUCTS))
Template = env['product.template'].sudo(public).with_context(website_id=website.id, lang='en_US')
QWeb = env['ir.qweb'].sudo(public).with_context(website_id=website.id, lang='en_US')


def view(template):
    start = time.perf_counter()
    items = Template._crm_erp_also_bought(Template.browse(template.id), pricelist, company)
    if items:
        Template._crm_erp_record('view', 'also_bought', website)
    html = QWeb.render('crm_erp_bridge_website.product_recommendation_items',
                       {'items': items, 'block': 'also_bought', 'slug': slug})
    return time.perf_counter() - start, len(items), html


first, shown = [], 0
for template in templates:
    seconds, count, _html = view(template)
    first.append(seconds)
    shown += bool(count)
cached = []
for _round in range(VIEWS):
    for template in templates:
        cached.append(view(template)[0])


def line(label, values):
    ms = sorted(1000 * value for value in values)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return 'block %-28s n=%5d  p50 %7.2f ms  p95 %7.2f ms  mean %7.2f ms  max %7.2f ms' % (
        label, len(ms), statistics.median(ms), p95, statistics.mean(ms), ms[-1])


print('block database %s, company %d, pricelist %s, %d product pages (seed %d), %d show the block' % (
    env.cr.dbname, company.id, pricelist.display_name, len(templates), SEED, shown))
print(line('cached (a page view)', cached))
print(line('first view (cache miss)', first))
env.cr.rollback()
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('db')
    parser.add_argument('--products', type=int, default=20)
    parser.add_argument('--views', type=int, default=20, help='cached views of each page')
    parser.add_argument('--seed', type=int, default=21)
    args = parser.parse_args()
    script = 'PRODUCTS = %d\nVIEWS = %d\nSEED = %d\n' % (args.products, args.views, args.seed) + SHELL
    load_before = os.getloadavg()
    result = subprocess.run([os.path.join(ROOT, 'scripts', 'odoo'), 'shell', '-d', args.db, '--no-http',
                             '--log-level=warn'], input=script, capture_output=True, text=True, check=False)
    lines = [line[6:] for line in result.stdout.splitlines() if line.startswith('block ')]
    if result.returncode or len(lines) != 3:
        sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
    print('\n'.join(lines))
    print('load average before %.2f %.2f %.2f, after %.2f %.2f %.2f' % (load_before + os.getloadavg()))


if __name__ == '__main__':
    main()
