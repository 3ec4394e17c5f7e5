#!/usr/bin/env python3
"""A seeded generated shop with planted structure, for the recommendation harness
(bench/evaluate_recommendations.py --shop SEED): about 3,000 customers, 300 products in 15
categories, 30,000 orders over two years (days 0-729).

Planted, and written to the truth (--out FILE.json):
- popularity: Zipf weights over the catalogue (exploration picks by them);
- categories: each customer prefers 1-3 categories and explores mostly inside them;
- re-order cycles: 60 % of the products are consumables with a typical cycle (30-240 days);
  each customer re-orders 1-3 of them at their own cycle (the typical one x 0.85-1.7) with
  their own quantity, +-10 % jitter per order, items due within three weeks share an order;
- bundle partners: 40 products each have a partner that joins the basket half of the time;
- adoption: an explored consumable becomes a re-order item of the customer 20 % of the time;
- lifecycle: customers start in the first 400 days, 15 % stop at a random day.

    .venv/bin/python bench/generate_shop.py --seed 1 --out /tmp/shop1.json

Into a database (before the addon is installed, as bench/run.sh does for the benchmark data;
customers, products, stock and pricelists by bench/generate.py's own steps, then the shop's
orders; day 0 is 2025-01-01, one company, quantities in Units):

    source scripts/db.sh && fresh_db rc_shop
    .venv/bin/python bench/generate_shop.py --seed 1 --load rc_shop
    source scripts/db.sh && install_addon rc_shop
"""
import argparse
import datetime
import json

import numpy as np

UNITS = ('Units', 'kg', 'Liters', 'Boxes')
CYCLES = (30, 45, 60, 90, 120, 180, 240)
DAYS = 730


def generate(seed=1, customers=3000, products=300, categories=15, bundles=40):
    """{'lines': dict of arrays (customer, product, order, day, qty), 'products': [dict],
    'truth': dict} of the shop."""
    rng = np.random.default_rng(seed)
    category = np.repeat(np.arange(categories), products // categories)
    popularity = 1.0 / (1.0 + rng.permutation(products)) ** 0.9
    consumable = rng.random(products) < 0.6
    typical_cycle = np.where(consumable, rng.choice(CYCLES, products), 0)
    unit = rng.integers(0, len(UNITS), products)
    partner = np.full(products, -1)
    with_partner = rng.choice(products, bundles, replace=False)
    partner[with_partner] = [rng.choice([p for p in range(products) if p != a]) for a in with_partner]
    by_category = [np.flatnonzero(category == c) for c in range(categories)]
    consumables_by_category = [members[consumable[members]] for members in by_category]

    rows, truth_cycles, order_id = [], [], 0
    for customer in range(customers):
        preferred = rng.choice(categories, rng.integers(1, 4), replace=False)
        start = int(rng.integers(0, 400))
        stop = int(rng.integers(start + 60, DAYS + 200)) if rng.random() < 0.15 else DAYS
        stop = min(stop, DAYS)
        pool = np.concatenate([consumables_by_category[c] for c in preferred])
        weights = popularity[pool] / popularity[pool].sum()
        repeat = {}
        for product in rng.choice(pool, min(len(pool), int(rng.integers(1, 4))), replace=False, p=weights):
            repeat[int(product)] = (typical_cycle[product] * rng.uniform(0.85, 1.7), float(rng.integers(1, 20)),
                                    start + rng.uniform(0, typical_cycle[product]))
        explore_pool = np.concatenate([by_category[c] for c in preferred])
        explore_weights = popularity[explore_pool] / popularity[explore_pool].sum()
        day = start
        while True:
            due = {product: next_day for product, (_cycle, _qty, next_day) in repeat.items()}
            day = min(due.values()) if due else day + rng.uniform(30, 120)
            day = max(day, start)
            if day >= stop:
                break
            basket = {}
            for product, next_day in due.items():
                if next_day <= day + 21:
                    cycle, qty, _next = repeat[product]
                    basket[product] = qty * rng.uniform(0.8, 1.2)
                    repeat[product] = (cycle, qty, day + cycle * rng.uniform(0.9, 1.1))
            if rng.random() < 0.45:  # exploration: mostly the preferred categories, else anything popular
                if rng.random() < 0.8:
                    product = int(rng.choice(explore_pool, p=explore_weights))
                else:
                    product = int(rng.choice(products, p=popularity / popularity.sum()))
                basket.setdefault(product, float(rng.integers(1, 10)))
                if consumable[product] and product not in repeat and rng.random() < 0.2:
                    repeat[product] = (typical_cycle[product] * rng.uniform(0.85, 1.7), float(rng.integers(1, 20)),
                                       day + typical_cycle[product])
            for product in list(basket):
                if partner[product] >= 0 and rng.random() < 0.5:
                    basket.setdefault(int(partner[product]), float(rng.integers(1, 10)))
            for product, qty in basket.items():
                rows.append((customer, product, order_id, int(day), round(qty, 2)))
            order_id += 1
        truth_cycles.extend((customer, product, round(cycle, 1)) for product, (cycle, _qty, _next) in repeat.items())
    lines = np.array(rows, dtype=np.float64)
    return {
        'lines': {'customer': lines[:, 0].astype(np.int64), 'product': lines[:, 1].astype(np.int64),
                  'order': lines[:, 2].astype(np.int64), 'day': lines[:, 3].astype(np.int64), 'qty': lines[:, 4]},
        'products': [{'id': p, 'name': 'Shop product %03d' % p, 'category': 'Category %02d' % category[p],
                      'unit': UNITS[unit[p]], 'typical_cycle': int(typical_cycle[p])} for p in range(products)],
        'truth': {'bundles': [[int(a), int(partner[a])] for a in with_partner], 'cycles': truth_cycles},
        'days': DAYS,
    }


FIRST_DAY = datetime.date(2025, 1, 1)


def load(db, shop):
    """The shop's customers, products (names, categories) and confirmed orders into db."""
    import generate
    lines = shop['lines']
    customers, products = int(lines['customer'].max()) + 1, len(shop['products'])
    loader = generate.Generator(db, 'T')
    loader.n = dict(loader.n, customers=customers, products=products, bundles=1, short=1)
    loader.setup()
    loader.currencies()
    loader.partners()
    loader.products()
    loader.stock()
    cr = loader.cr
    # the shop's names and categories (new root categories: their nested-set bounds after the others')
    categories = sorted({product['category'] for product in shop['products']})
    cr.execute("SELECT COALESCE(MAX(parent_right), 0) FROM product_category")
    bound = cr.fetchone()[0]
    category_ids = {}
    for index, name in enumerate(categories):
        cr.execute("""INSERT INTO product_category (name, complete_name, parent_left, parent_right,
                                                    create_uid, create_date, write_uid, write_date)
                      VALUES (%s, %s, %s, %s, 1, NOW(), 1, NOW()) RETURNING id""",
                   [name, name, bound + 2 * index + 1, bound + 2 * index + 2])
        category_ids[name] = cr.fetchone()[0]
    cr.execute("CREATE TEMPORARY TABLE shop_product (idx int, name varchar, categ_id int)")
    cr.execute("INSERT INTO shop_product SELECT * FROM unnest(%s::int[], %s::varchar[], %s::int[])",
               [[product['id'] + 1 for product in shop['products']], [product['name'] for product in shop['products']],
                [category_ids[product['category']] for product in shop['products']]])
    cr.execute("""UPDATE product_template t SET name = s.name, categ_id = s.categ_id
                    FROM bench_product p JOIN shop_product s ON s.idx = p.idx WHERE t.id = p.tmpl_id""")
    # orders: the shop's customer c is bench customer c + 1, product p bench product p + 1
    cr.execute("""CREATE TABLE bench_order AS
                  SELECT o.order_id AS idx, 0::bigint AS order_id, c.partner_id, c.user_id, 'done'::varchar AS state,
                         %(company)s AS company_id, %(pricelist)s AS pricelist_id, %(currency)s AS currency_id,
                         %(first_day)s::timestamp + make_interval(days => o.day, hours => 10) AS date_order
                    FROM (SELECT DISTINCT * FROM unnest(%(orders)s::int[], %(customers)s::int[], %(days)s::int[])
                                 AS x(order_id, customer, day)) o
                    JOIN bench_customer c ON c.idx = o.customer + 1""",
               {'company': loader.company_a, 'pricelist': loader.params['pl_usd'], 'currency': loader.params['usd'],
                'first_day': FIRST_DAY, 'orders': lines['order'].tolist(), 'customers': lines['customer'].tolist(),
                'days': lines['day'].tolist()})
    first = loader.reserve_ids('sale_order', len(np.unique(lines['order'])))
    cr.execute("UPDATE bench_order SET order_id = %s + idx", [first])
    cr.execute("""CREATE TABLE bench_line AS
                  SELECT row_number() OVER (ORDER BY o.order_id, p.product_id) AS rn, o.order_id, p.product_id,
                         p.price AS price_unit, l.qty::numeric AS qty, o.user_id, o.currency_id, o.company_id,
                         o.partner_id, o.state, 0 AS customer_lead, o.date_order
                    FROM unnest(%(orders)s::int[], %(products)s::int[], %(qty)s::float8[]) AS l(order_idx, product, qty)
                    JOIN bench_order o ON o.idx = l.order_idx
                    JOIN bench_product p ON p.idx = l.product + 1""",
               {'orders': lines['order'].tolist(), 'products': lines['product'].tolist(), 'qty': lines['qty'].tolist()})
    loader.cnx.commit()
    loader.insert_orders('sale_order (shop history)', 'bench_order', confirmed=True)
    loader.finish()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--out', help='write the truth and the counts to this JSON file')
    parser.add_argument('--load', metavar='DB', help='insert the shop into this database (before the addon install)')
    args = parser.parse_args()
    shop = generate(args.seed)
    lines = shop['lines']
    summary = {'seed': args.seed, 'customers': int(len(np.unique(lines['customer']))),
               'products': len(shop['products']), 'orders': int(len(np.unique(lines['order']))),
               'lines': int(len(lines['order']))}
    print(json.dumps(summary))
    if args.out:
        with open(args.out, 'w') as out:
            json.dump(dict(summary, truth=shop['truth'], products=shop['products']), out)
    if args.load:
        load(args.load, shop)


if __name__ == '__main__':
    main()
