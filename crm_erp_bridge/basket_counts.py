"""Co-purchase counting over (basket, customer, product) rows, in numpy.

The full affinity recompute reads the counted lines, orders and products from PostgreSQL (the
SQL decides what counts), assigns the baskets and counts them here: sorting a few million
integers is an order of magnitude faster than PostgreSQL's hash aggregation of the same pairs
(README, "Recommendations"). No Odoo import: plain functions over integer arrays."""
import numpy as np

# Pairs generated at once: bounds the working memory (about 32 bytes a pair, 32 MB) whatever
# the size of the company's history.
PAIRS_PER_SLICE = 1000000


def _runs(sorted_values):
    """Start index of every run of equal values in a sorted array."""
    if not len(sorted_values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))


def _distinct(values):
    """Sorted distinct values, by sorting values in place (numpy 2's unique takes a hash path
    for integers, many times slower here)."""
    values.sort()
    return values[_runs(values)]


def _keys(high, low):
    """One int64 per (high, low) pair of non-negative int32 values, ordered as the pairs."""
    keys = high.astype(np.int64)
    keys <<= 32
    keys |= low  # in place: no temporary arrays of the whole length
    return keys


def distinct_lines(order_ids, product_ids):
    """Distinct (order, product) of lines, sorted by order then product."""
    keys = _distinct(_keys(order_ids, product_ids))
    return (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32)


def basket_rows(line_order_ids, line_product_ids, order_ids, order_partner_ids, order_days, product_ids,
                window_days):
    """Distinct (basket, customer, product) rows of the counted lines, sorted by (basket,
    product): the lines (order, product; as distinct_lines returns them) of the given orders
    (id, commercial customer, day) whose product is in product_ids. A basket is an order
    (window_days 0), else consecutive orders of one customer with counted lines at most
    window_days apart, named after the first one (as _WINDOW_BASKETS_SQL)."""
    size = int(max(line_order_ids.max(initial=0), order_ids.max(initial=0))) + 1
    position_of_order = np.full(size, -1, dtype=np.int64)
    position_of_order[order_ids] = np.arange(len(order_ids))
    size = int(max(line_product_ids.max(initial=0), product_ids.max(initial=0))) + 1
    counted_product = np.zeros(size, dtype=bool)
    counted_product[product_ids] = True
    position = position_of_order[line_order_ids]
    counted = (position >= 0) & counted_product[line_product_ids]
    position, products = position[counted], line_product_ids[counted]
    if window_days <= 0:
        return order_ids[position], order_partner_ids[position], products
    with_lines = _distinct(position.copy())
    basket_of_order = np.zeros(len(order_ids), dtype=np.int64)
    basket_of_order[with_lines] = order_baskets(order_ids[with_lines], order_partner_ids[with_lines],
                                                order_days[with_lines], window_days)
    keys = _distinct(_keys(basket_of_order[position], products))
    basket_ids = keys >> 32
    # the customer of a basket is the customer of the order it is named after
    return basket_ids, order_partner_ids[position_of_order[basket_ids]], keys & 0xFFFFFFFF


def order_baskets(order_ids, partner_ids, days, window_days):
    """Basket of each order (window_days > 0): the first order of its run (by customer, day,
    id) of orders each at most window_days after the previous one."""
    order = np.lexsort((order_ids, days, partner_ids))
    partners, order_days = partner_ids[order], days[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (partners[1:] != partners[:-1]) | (order_days[1:] - order_days[:-1] > window_days)
    baskets = np.empty_like(order_ids)
    baskets[order] = order_ids[order][starts][np.cumsum(starts) - 1]
    return baskets


def count_baskets(basket_ids):
    """Number of baskets of rows sorted by basket."""
    return len(_runs(basket_ids))


def count_products(basket_ids, partner_ids, product_ids):
    """Per product (ascending ids): baskets holding it, its customers, and its customers with
    two or more such baskets. Rows must be distinct (basket, customer, product)."""
    if not len(product_ids):
        empty = np.zeros(0, dtype=np.int64)
        return {'product_ids': empty, 'basket_counts': empty, 'customer_counts': empty,
                'repeat_customer_counts': empty}
    keys = _keys(product_ids, partner_ids)
    keys.sort()
    starts = _runs(keys)
    baskets_per_customer = np.diff(np.append(starts, len(keys)))
    products = keys[starts] >> 32
    product_starts = _runs(products)
    return {
        'product_ids': products[product_starts],
        'basket_counts': np.add.reduceat(baskets_per_customer, product_starts),
        'customer_counts': np.diff(np.append(product_starts, len(products))),
        'repeat_customer_counts': np.add.reduceat((baskets_per_customer >= 2).astype(np.int64), product_starts),
    }


def count_pairs(basket_ids, product_ids, min_count, frequent_product_ids, pairs_per_slice=PAIRS_PER_SLICE):
    """Baskets holding both products of every pair a < b of frequent_product_ids (sorted) that
    is in at least min_count baskets: (a, b, count) arrays, ordered by (a, b). Rows must be
    distinct and sorted by (basket, product), as basket_rows returns them."""
    size = int(max(product_ids.max(initial=0), frequent_product_ids.max(initial=0))) + 1
    rank_of = np.full(size, -1, dtype=np.int64)
    rank_of[frequent_product_ids] = np.arange(len(frequent_product_ids))
    keep = rank_of[product_ids] >= 0
    products = product_ids[keep]
    rows = len(products)
    basket_starts = _runs(basket_ids[keep])
    sizes = np.diff(np.append(basket_starts, rows))
    # each row pairs with the rows after it in its basket (a < b)
    later = np.repeat(sizes, sizes) - (np.arange(rows) - np.repeat(basket_starts, sizes)) - 1
    # slices of products (by rank) that each make at most pairs_per_slice pairs
    rank = rank_of[products]
    cumulative = np.cumsum(np.bincount(rank, weights=later, minlength=len(frequent_product_ids)).astype(np.int64))
    found = []
    first = 0
    while first < len(frequent_product_ids):
        done = cumulative[first - 1] if first else 0
        last = max(int(np.searchsorted(cumulative, done + pairs_per_slice, side='right')), first + 1)
        found.append(_count_slice(products, later, np.flatnonzero((rank >= first) & (rank < last) & (later > 0)),
                                  min_count))
        first = last
    keys = np.concatenate([keys for keys, _counts in found] or [np.zeros(0, dtype=np.int64)])
    counts = np.concatenate([counts for _keys_, counts in found] or [np.zeros(0, dtype=np.int64)])
    return keys >> 32, keys & 0xFFFFFFFF, counts


def _count_slice(products, later, rows, min_count):
    """(pair keys, counts) of the pairs of rows with the rows after them in their basket."""
    per_row = later[rows]
    total = int(per_row.sum())
    left = np.repeat(rows, per_row)
    # position of each pair within its row's run: 0, 1, ... per_row - 1
    step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    keys = _keys(products[left], products[left + 1 + step])
    del left, step
    keys.sort()
    starts = _runs(keys)
    counts = np.diff(np.append(starts, total))
    frequent = counts >= min_count
    return keys[starts[frequent]], counts[frequent]


def compare_pairs(stored, computed):
    """What turns the stored pair counts into the computed ones, both (a, b, count) arrays
    (computed ordered by (a, b), as count_pairs returns them): the (a, b) arrays of the pairs
    to delete, the (a, b, count) arrays of the pairs whose count changed, of those to add."""
    stored_keys, computed_keys = _keys(stored[0], stored[1]), _keys(computed[0], computed[1])
    at = np.searchsorted(computed_keys, stored_keys)
    found = np.zeros(len(stored_keys), dtype=bool)
    inside = at < len(computed_keys)
    found[inside] = computed_keys[at[inside]] == stored_keys[inside]
    changed = np.zeros(len(stored_keys), dtype=bool)
    changed[found] = computed[2][at[found]] != stored[2][found]
    added = np.ones(len(computed_keys), dtype=bool)
    added[at[found]] = False
    return ((stored[0][~found], stored[1][~found]),
            (stored[0][changed], stored[1][changed], computed[2][at[changed]]),
            tuple(column[added] for column in computed))
