"""Co-purchase counting over (basket, customer, product) rows, in numpy.

The full affinity recompute reads the counted lines, orders and products from PostgreSQL (the
SQL decides what counts), assigns the baskets and counts them here: sorting a few million
integers is an order of magnitude faster than PostgreSQL's hash aggregation of the same pairs
(README, "Recommendations"). The lines come in batches by customer and the basket rows of
each batch go to a temporary file, so memory stays bounded whatever the history
(ChunkedCounts). No Odoo import: plain functions over integer arrays."""
import tempfile

import numpy as np

# Pair occurrences generated at once: bounds the working memory (about 40 bytes each, 10 MB)
# whatever the size of the company's history.
PAIRS_PER_PART = 250000


def _runs(sorted_values):
    """Start index of every run of equal values in a sorted array."""
    if not len(sorted_values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))


def runs(sorted_values):
    """(start, end) of every run of equal values in a sorted array."""
    starts = _runs(sorted_values)
    return zip(starts.tolist(), np.append(starts[1:], len(sorted_values)).tolist())


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


def _ranks(frequent_product_ids, product_ids):
    """Rank of every product id among frequent_product_ids (sorted), -1 for the others."""
    size = int(max(product_ids.max(initial=0), frequent_product_ids.max(initial=0))) + 1
    rank_of = np.full(size, -1, dtype=np.int64)
    rank_of[frequent_product_ids] = np.arange(len(frequent_product_ids))
    return rank_of


def _later(basket_ids):
    """For rows sorted by basket: the number of rows after each one in its basket."""
    rows = len(basket_ids)
    basket_starts = _runs(basket_ids)
    sizes = np.diff(np.append(basket_starts, rows))
    return np.repeat(sizes, sizes) - (np.arange(rows) - np.repeat(basket_starts, sizes)) - 1


def _pair_slices(basket_ids, product_ids, rank_of, first_rank, last_rank, pairs_per_slice):
    """(pair keys, counts) of the pairs a < b of products with a rank (rank_of, -1: left out),
    whose a has a rank in [first_rank, last_rank), all counts, slice by slice of products
    making at most pairs_per_slice pairs each."""
    keep = rank_of[product_ids] >= 0
    products = product_ids[keep]
    # each row pairs with the rows after it in its basket (a < b)
    later = _later(basket_ids[keep])
    rank = rank_of[products]
    cumulative = np.cumsum(np.bincount(rank, weights=later, minlength=last_rank).astype(np.int64))
    first = first_rank
    while first < last_rank:
        done = cumulative[first - 1] if first else 0
        last = min(max(int(np.searchsorted(cumulative, done + pairs_per_slice, side='right')), first + 1), last_rank)
        yield _count_slice(products, later, np.flatnonzero((rank >= first) & (rank < last) & (later > 0)))
        first = last


class ChunkedCounts:
    """The counts of one company's baskets, fed the counted lines batch by batch in order of
    their commercial customer, in memory bounded by the batch and pairs_per_part whatever the
    size of the history: whole customers are counted at a time (every basket of a customer
    together, whatever the basket window); product figures add up over them in arrays by
    product id; the basket rows go to spill (a binary file) and the pairs are counted from
    there part by part (first products of the pairs by ranges making at most pairs_per_part
    pairs), each part merged over the chunks before its pairs below the minimum are dropped.
    product_ids: the counted products; window_days: the company's basket window."""

    def __init__(self, product_ids, window_days, pairs_per_part=PAIRS_PER_PART):
        # unlinked at once: nothing stays on disk, whatever happens to the process
        self.spill = tempfile.TemporaryFile(prefix='crm_erp_affinity_')
        self.pairs_per_part = pairs_per_part
        self.product_ids, self.window_days = product_ids, window_days
        self.chunks = []  # (offset, rows) in spill
        self.baskets = 0
        self.pending = None  # lines of the last customer of the last batch: it may go on
        self.figures = {name: np.zeros(0, dtype=np.int64) for name in (
            'basket_counts', 'customer_counts', 'repeat_customer_counts', 'pairs_led')}

    def add_lines(self, partner_ids, order_ids, days, product_ids):
        """One batch of counted lines (commercial customer, order, day, product), sorted by
        customer and following the previous batch."""
        lines = (partner_ids, order_ids, days, product_ids)
        if self.pending is not None:
            lines = tuple(np.concatenate(pair) for pair in zip(self.pending, lines))
        cut = int(np.searchsorted(lines[0], lines[0][-1])) if len(lines[0]) else 0
        self.pending = tuple(column[cut:] for column in lines)
        self._add_customers(*(column[:cut] for column in lines))

    def result(self, min_count):
        """After the last batch: (products as count_products returns them, pairs as pairs()
        returns them, number of baskets); the spill file is closed."""
        if self.pending is not None:
            self._add_customers(*self.pending)
            self.pending = None
        try:
            return self.products(), self.pairs(min_count), self.baskets
        finally:
            self.spill.close()

    def _add_customers(self, partner_ids, order_ids, days, product_ids):
        if not len(order_ids):
            return
        by_order = np.argsort(order_ids, kind='stable')
        starts = _runs(order_ids[by_order])
        first_lines = by_order[starts]  # an order's customer and day are those of each of its lines
        line_order_ids, line_product_ids = distinct_lines(order_ids, product_ids)
        self.add(*basket_rows(line_order_ids, line_product_ids, order_ids[first_lines], partner_ids[first_lines],
                              days[first_lines], self.product_ids, self.window_days))

    def _add_by_product(self, name, product_ids, values):
        figure = self.figures[name]
        if len(product_ids) and product_ids.max() >= len(figure):
            figure = self.figures[name] = np.concatenate((figure, np.zeros(int(product_ids.max()) + 1 - len(figure),
                                                                           dtype=np.int64)))
        np.add.at(figure, product_ids, values)

    def add(self, basket_ids, partner_ids, product_ids):
        """The basket rows of whole customers, as basket_rows returns them."""
        self.baskets += count_baskets(basket_ids)
        products = count_products(basket_ids, partner_ids, product_ids)
        for name in ('basket_counts', 'customer_counts', 'repeat_customer_counts'):
            self._add_by_product(name, products['product_ids'], products[name])
        # pairs each product leads (as a of a < b), with any product: sizes the parts
        self._add_by_product('pairs_led', product_ids, _later(basket_ids))
        self.spill.seek(0, 2)
        self.chunks.append((self.spill.tell(), len(basket_ids)))
        basket_ids.astype(np.int32).tofile(self.spill)
        product_ids.astype(np.int32).tofile(self.spill)

    def products(self):
        """As count_products, over every chunk."""
        counts = self.figures['basket_counts']
        product_ids = np.flatnonzero(counts > 0)
        return dict({name: self.figures[name][product_ids] for name in (
            'basket_counts', 'customer_counts', 'repeat_customer_counts')}, product_ids=product_ids)

    def _chunk_rows(self, offset, rows):
        self.spill.seek(offset)
        basket_ids = np.fromfile(self.spill, dtype=np.int32, count=rows)
        return basket_ids, np.fromfile(self.spill, dtype=np.int32, count=rows)

    def pairs(self, min_count):
        """Baskets holding both products of every pair a < b that is in at least min_count
        baskets: (a, b, count) arrays, ordered by (a, b). A pair can never be more frequent than
        its rarer product: products below the minimum are left out first."""
        frequent = np.flatnonzero(self.figures['basket_counts'] >= min_count)
        cumulative = np.cumsum(self.figures['pairs_led'][frequent])
        found, first = [], 0
        while first < len(frequent):
            done = cumulative[first - 1] if first else 0
            last = max(int(np.searchsorted(cumulative, done + self.pairs_per_part, side='right')), first + 1)
            parts = []
            for offset, rows in self.chunks:
                basket_ids, product_ids = self._chunk_rows(offset, rows)
                rank_of = _ranks(frequent, product_ids)
                parts += _pair_slices(basket_ids, product_ids, rank_of, first, min(last, len(frequent)),
                                      self.pairs_per_part)
            keys, counts = _merge_counts(parts)
            found.append((keys[counts >= min_count], counts[counts >= min_count]))
            first = last
        keys = np.concatenate([keys for keys, _counts in found] or [np.zeros(0, dtype=np.int64)])
        counts = np.concatenate([counts for _keys_, counts in found] or [np.zeros(0, dtype=np.int64)])
        return keys >> 32, keys & 0xFFFFFFFF, counts


def _merge_counts(parts):
    """One (sorted distinct keys, summed counts) of several (keys, counts) arrays."""
    keys = np.concatenate([keys for keys, _counts in parts] or [np.zeros(0, dtype=np.int64)])
    counts = np.concatenate([counts for _keys, counts in parts] or [np.zeros(0, dtype=np.int64)])
    del parts[:]
    order = np.argsort(keys, kind='stable')  # runs of sorted keys: a merge
    keys, counts = keys[order], counts[order]
    del order
    starts = _runs(keys)
    return keys[starts], np.add.reduceat(counts, starts) if len(starts) else counts


def _count_slice(products, later, rows):
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
    return keys[starts], np.diff(np.append(starts, total))


def compare_pairs(stored, computed):
    """What turns the stored pair counts into the computed ones, both (a, b, count) arrays
    (computed ordered by (a, b), as ChunkedCounts.pairs returns them): the (a, b) arrays of the pairs
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
