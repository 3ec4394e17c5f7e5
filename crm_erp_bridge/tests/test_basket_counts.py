import random
import unittest
from collections import Counter
from itertools import combinations

import numpy as np

from ..engines.basket_counts import (PRODUCT_ID_END, ChunkedCounts, CustomerChunks, basket_rows, compare_pairs,
                                     compare_rows, count_baskets, count_products, distinct_lines)


def _array(values):
    return np.array(values, dtype=np.int64)


class TestBasketCounts(unittest.TestCase):
    """The numpy counting of the full affinity recompute against a plain Python count of the
    same random histories (orders of a few customers over a few weeks, lines repeating
    products, some orders and products not counted), in both basket modes; with signed ids
    too (a glue addon's documents in their own id space, negative, some without a customer:
    their own id as customer key)."""

    def _history(self, rng, signed=False):
        orders = []  # (order id, customer, day)
        for order_id in rng.sample(range(1, 400), rng.randint(0, 40)):
            if signed and rng.random() < 0.5:
                order_id = -order_id
            customer = order_id if order_id < 0 and rng.random() < 0.5 else rng.randint(1, 5)
            orders.append((order_id, customer, rng.randint(0, 60)))
        lines = [(order_id, rng.randint(1, 12)) for order_id, _customer, _day in orders
                 for _line in range(rng.randint(0, 5))]
        lines += [(rng.randint(400, 450), rng.randint(1, 12)) for _line in range(rng.randint(0, 5))]  # other orders
        counted_orders = [order for order in orders if rng.random() < 0.9]
        counted_products = sorted(rng.sample(range(1, 13), rng.randint(0, 12)))
        return lines, counted_orders, counted_products

    def _expected_baskets(self, lines, orders, products, window_days):
        """{basket id: (customer, {products})} as _WINDOW_BASKETS_SQL / an order defines it."""
        order_by_id = {order[0]: order for order in orders}
        products_of = {}
        for order_id, product_id in lines:
            if order_id in order_by_id and product_id in products:
                products_of.setdefault(order_id, set()).add(product_id)
        basket_of = {order_id: order_id for order_id in products_of}
        if window_days:
            previous = None
            for order_id, customer, day in sorted((order_by_id[order_id] for order_id in products_of),
                                                  key=lambda order: (order[1], order[2], order[0])):
                if previous and previous[1] == customer and day - previous[2] <= window_days:
                    basket_of[order_id] = basket_of[previous[0]]
                previous = (order_id, customer, day)
        baskets = {}
        for order_id, products_bought in products_of.items():
            baskets.setdefault(basket_of[order_id], (order_by_id[order_id][1], set()))[1].update(products_bought)
        return baskets

    def test_random_histories(self):
        self._random_histories(random.Random(11), signed=False, cases=300)

    def test_random_histories_signed_ids(self):
        self._random_histories(random.Random(12), signed=True, cases=150)

    def _random_histories(self, rng, signed, cases):
        for _case in range(cases):
            lines, orders, products = self._history(rng, signed)
            window_days = rng.choice([0, 0, 3, 10])
            min_count = rng.randint(1, 3)
            line_orders, line_products = distinct_lines(_array([line[0] for line in lines]),
                                                        _array([line[1] for line in lines]))
            basket_ids, partner_ids, product_ids = basket_rows(
                line_orders, line_products, _array([order[0] for order in orders]),
                _array([order[1] for order in orders]), _array([order[2] for order in orders]),
                _array(products), window_days)
            expected = self._expected_baskets(lines, orders, products, window_days)
            rows = sorted((basket, customer, product) for basket, (customer, bought) in expected.items()
                          for product in bought)
            self.assertEqual(list(zip(basket_ids.tolist(), partner_ids.tolist(), product_ids.tolist())), rows)
            self.assertEqual(count_baskets(basket_ids), len(expected))

            figures = count_products(basket_ids, partner_ids, product_ids)
            baskets_of = Counter(product for _basket, _customer, product in rows)
            per_customer = Counter((product, customer) for _basket, customer, product in rows if customer >= 0)
            self.assertEqual(figures['product_ids'].tolist(), sorted(baskets_of))
            self.assertEqual(figures['basket_counts'].tolist(), [baskets_of[p] for p in sorted(baskets_of)])
            self.assertEqual(figures['customer_counts'].tolist(),  # a negative customer: no customer
                             [sum(1 for (q, _c) in per_customer if q == p) for p in sorted(baskets_of)])
            self.assertEqual(figures['repeat_customer_counts'].tolist(),
                             [sum(1 for (q, _c), n in per_customer.items() if q == p and n >= 2)
                              for p in sorted(baskets_of)])

            pairs = Counter(pair for _customer, bought in expected.values() for pair in combinations(sorted(bought), 2))
            expected_pairs = sorted((a, b, n) for (a, b), n in pairs.items()
                                    if n >= min_count and baskets_of[a] >= min_count and baskets_of[b] >= min_count)
            self._check_streamed(rng, lines, orders, products, window_days, min_count, figures, len(expected),
                                 expected_pairs)

    def _check_streamed(self, rng, lines, orders, products, window_days, min_count, figures, baskets, expected_pairs):
        """The same counts as the full recompute reads them: the orders (and a second
        company's) and the lines in any order, each in batches cutting anywhere, customers
        spread over a few chunks, pairs counted in parts of a few pairs (each part's bounds
        following the previous one's, from 0 to PRODUCT_ID_END, its pairs inside them)."""
        def shift(key):  # the second company's ids, of the same sign
            return key + 1000 if key > 0 else key - 1000
        other = [(shift(order_id), customer if customer > 0 else shift(customer), day)
                 for order_id, customer, day in orders]
        order_rows = ([(1, customer, order_id, day) for order_id, customer, day in orders]
                      + [(2, customer, order_id, day) for order_id, customer, day in other])
        rng.shuffle(order_rows)
        line_rows = lines + [(shift(order_id), product_id) for order_id, product_id in lines]
        rng.shuffle(line_rows)
        chunks = CustomerChunks([1, 2], chunks_per_company=rng.choice([1, 2, 3, 7]))
        for rows, add in ((order_rows, chunks.add_orders), (line_rows, chunks.add_lines)):
            batch = rng.randint(1, 8)
            for start in range(0, len(rows), batch):
                add(*(_array(column) for column in zip(*rows[start:start + batch])))
        counts = {company: ChunkedCounts(_array(products), window_days, pairs_per_part=rng.choice([1, 3, 10**6]))
                  for company in (1, 2)}
        seen = {1: set(), 2: set()}
        for company, chunk in chunks:
            customers = set(chunk[3].tolist())
            self.assertFalse(customers & seen[company], 'a customer split over two chunks')
            seen[company] |= customers
            counts[company].add_chunk(*chunk)
        self.assertTrue(chunks.orders.closed and chunks.lines.closed)
        for company in (1, 2):
            streamed, parts, streamed_baskets = counts[company].result(min_count)
            for name in ('product_ids', 'basket_counts', 'customer_counts', 'repeat_customer_counts'):
                self.assertEqual(streamed[name].tolist(), figures[name].tolist(), name)
            self.assertEqual(streamed_baskets, baskets)
            pairs, end = [], 0
            for (first, end_), (a, b, n) in parts:
                self.assertEqual(first, end)
                self.assertTrue(all(first <= value < end_ for value in a.tolist()))
                pairs += zip(a.tolist(), b.tolist(), n.tolist())
                end = end_
            self.assertEqual(end, PRODUCT_ID_END)
            self.assertEqual(pairs, expected_pairs)
            self.assertTrue(counts[company].spill.closed)

    def test_compare_pairs(self):
        stored = (_array([1, 1, 2, 3]), _array([2, 5, 3, 4]), _array([2, 7, 4, 2]))
        computed = (_array([1, 1, 2, 4]), _array([2, 3, 3, 9]), _array([2, 5, 6, 3]))
        gone, changed, added = compare_pairs(stored, computed)
        self.assertEqual([column.tolist() for column in gone], [[1, 3], [5, 4]])
        self.assertEqual([column.tolist() for column in changed], [[2], [3], [6]])
        self.assertEqual([column.tolist() for column in added], [[1, 4], [3, 9], [5, 3]])
        empty = (_array([]), _array([]), _array([]))
        self.assertEqual([len(column) for part in compare_pairs(empty, computed) for column in part],
                         [0, 0, 0, 0, 0, 4, 4, 4])
        self.assertEqual([len(column) for part in compare_pairs(stored, empty) for column in part],
                         [4, 4, 0, 0, 0, 0, 0, 0])
        self.assertEqual([len(column) for part in compare_pairs(stored, stored) for column in part], [0] * 8)

    def test_compare_rows(self):
        stored = (_array([5, 1, 3, 9]), _array([1, 2, 3, 4]), _array([0, 0, 0, 0]))
        computed = (_array([1, 2, 3, 5]), _array([2, 2, 4, 1]), _array([0, 0, 0, 1]))
        gone, changed, added = compare_rows(stored, computed)
        self.assertEqual(gone.tolist(), [9])
        self.assertEqual([column.tolist() for column in changed], [[5, 3], [1, 4], [1, 0]])
        self.assertEqual([column.tolist() for column in added], [[2], [2], [0]])
        empty = (_array([]), _array([]), _array([]))
        gone, changed, added = compare_rows(empty, computed)
        self.assertEqual([len(gone)] + [len(column) for column in changed + added], [0, 0, 0, 0, 4, 4, 4])
        gone, changed, added = compare_rows(stored, empty)
        self.assertEqual((gone.tolist(), [len(column) for column in changed + added]), ([5, 1, 3, 9], [0] * 6))
        gone, changed, added = compare_rows(computed, computed)
        self.assertEqual([len(gone)] + [len(column) for column in changed + added], [0] * 7)
