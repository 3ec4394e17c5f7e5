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
"""
import argparse
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--out', help='write the truth and the counts to this JSON file')
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


if __name__ == '__main__':
    main()
