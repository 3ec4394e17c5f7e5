"""Co-purchase counting over (basket, customer, product) rows, in numpy.

The full affinity recompute reads the counted lines, orders and products from PostgreSQL (the
SQL decides what counts), assigns the baskets and counts them here: sorting a few million
integers is an order of magnitude faster than PostgreSQL's hash aggregation of the same pairs
(docs/design-performance.md, "Recommendations"). The lines come in batches by customer and the basket rows of
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
    position_of_order = _positions(order_ids)
    size = int(max(line_product_ids.max(initial=0), product_ids.max(initial=0))) + 1
    counted_product = np.zeros(size, dtype=bool)
    counted_product[product_ids] = True
    position = position_of_order(line_order_ids)
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
    return basket_ids, order_partner_ids[position_of_order(basket_ids)], keys & 0xFFFFFFFF


def _positions(ids):
    """A function giving the position in ids of each of the values it is given, -1 when
    absent (a binary search: no array as large as the largest id)."""
    by_id = np.argsort(ids)  # ids are distinct: no need of a stable sort
    sorted_ids = ids[by_id]

    def positions(values):
        if not len(sorted_ids):
            return np.full(len(values), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_ids, values), len(sorted_ids) - 1)
        return np.where(sorted_ids[at] == values, by_id[at], -1)
    return positions


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
    two or more such baskets. Rows must be distinct (basket, customer, product). A row of a
    negative customer (a document without a customer: its own signed id, a basket of its own)
    counts in the baskets only."""
    if len(partner_ids) and partner_ids.min() < 0:
        return _count_products_with_anonymous(basket_ids, partner_ids, product_ids)
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


def _count_products_with_anonymous(basket_ids, partner_ids, product_ids):
    """count_products of rows some of which have no customer (negative customer key): those
    add to the basket counts of their products only."""
    known = partner_ids >= 0
    figures = count_products(basket_ids[known], partner_ids[known], product_ids[known])
    anonymous = product_ids[~known].astype(np.int64)
    ids = np.union1d(figures['product_ids'], anonymous)
    at = np.searchsorted(ids, figures['product_ids'])
    result = {'product_ids': ids}
    for name in ('basket_counts', 'customer_counts', 'repeat_customer_counts'):
        result[name] = np.zeros(len(ids), dtype=np.int64)
        result[name][at] = figures[name]
    np.add.at(result['basket_counts'], np.searchsorted(ids, anonymous), 1)
    return result


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


def _pair_slices(products, later, rank, first_rank, last_rank, pairs_per_slice):
    """(pair keys, counts) of the pairs a < b of ranked rows (products, rows after each in its
    basket, rank of the product) whose a has a rank in [first_rank, last_rank), all counts,
    slice by slice of products making at most pairs_per_slice pairs each."""
    cumulative = np.cumsum(np.bincount(rank, weights=later, minlength=last_rank).astype(np.int64))
    first = first_rank
    while first < last_rank:
        done = cumulative[first - 1] if first else 0
        last = min(max(int(np.searchsorted(cumulative, done + pairs_per_slice, side='right')), first + 1), last_rank)
        yield _count_slice(products, later, np.flatnonzero((rank >= first) & (rank < last) & (later > 0)))
        first = last


# Orders per chunk of customers: with 3-4 lines an order, about 15 MB of numpy work a chunk.
ORDERS_PER_CHUNK = 100000

# The end of the last part of the pairs: above every product id (int4).
PRODUCT_ID_END = 2 ** 31 - 1


class CustomerChunks:
    """The counted orders and their lines regrouped on disk by chunks of whole customers: the
    customers of each company are spread over chunks_per_company chunks by their id (customer
    modulo the number of chunks), so a customer is never split and both streams can come in
    any order (PostgreSQL sorts nothing). Give chunks_per_company about the orders of the
    largest company / ORDERS_PER_CHUNK. Memory: one batch, and the chunk of every order id
    (4 bytes an order id). Order ids may be negative (a glue addon's documents in their own id
    space, queries.affinity.BasketSource): their chunks are kept by -id apart, and a batch
    without them takes the path of the sale orders alone."""

    _ORDER = np.dtype([('order_id', np.int32), ('partner_id', np.int32), ('day', np.int32)])
    _LINE = np.dtype([('order_id', np.int32), ('product_id', np.int32)])

    def __init__(self, company_ids, chunks_per_company=1):
        self.company_ids = [int(company_id) for company_id in company_ids]
        self.per_company = max(1, int(chunks_per_company))
        self.slot_of_company = np.full(max(self.company_ids, default=0) + 1, -1, dtype=np.int64)
        self.slot_of_company[self.company_ids] = np.arange(len(self.company_ids))
        # unlinked at once: nothing stays on disk, whatever happens to the process
        self.orders = tempfile.TemporaryFile(prefix='crm_erp_orders_')
        self.lines = tempfile.TemporaryFile(prefix='crm_erp_lines_')
        self.chunk_of_order = np.zeros(0, dtype=np.int32)  # by order id: chunk index + 1, 0: none
        self.chunk_of_negative = np.zeros(0, dtype=np.int32)  # the same, by -id of negative ids
        chunks = len(self.company_ids) * self.per_company
        self.order_parts, self.line_parts = [[] for _ in range(chunks)], [[] for _ in range(chunks)]  # (offset, rows)

    def add_orders(self, company_ids, partner_ids, order_ids, days):
        """A batch of counted orders (company, commercial customer, id, day), in any order;
        every company must be one of company_ids."""
        if not len(order_ids):
            return
        chunk = self.slot_of_company[company_ids] * self.per_company + partner_ids % self.per_company
        if order_ids.min() < 0:
            negative = order_ids < 0
            self.chunk_of_negative = _marked(self.chunk_of_negative, -order_ids[negative], chunk[negative] + 1)
            self.chunk_of_order = _marked(self.chunk_of_order, order_ids[~negative], chunk[~negative] + 1)
        else:
            self.chunk_of_order = _marked(self.chunk_of_order, order_ids, chunk + 1)
        rows = np.empty(len(order_ids), self._ORDER)
        rows['order_id'], rows['partner_id'], rows['day'] = order_ids, partner_ids, days
        self._append(self.orders, self.order_parts, chunk, rows)

    def add_lines(self, order_ids, product_ids):
        """A batch of lines (order, product), in any order; lines of other orders are left out."""
        if len(order_ids) and order_ids.min() < 0:
            chunk = np.full(len(order_ids), -1, dtype=np.int64)
            for sign, by_id in ((1, self.chunk_of_order), (-1, self.chunk_of_negative)):
                mine = np.flatnonzero(sign * order_ids > 0)
                ids = sign * order_ids[mine]
                inside = ids < len(by_id)
                chunk[mine[inside]] = by_id[ids[inside]].astype(np.int64) - 1
        else:
            inside = order_ids < len(self.chunk_of_order)
            order_ids, product_ids = order_ids[inside], product_ids[inside]
            chunk = self.chunk_of_order[order_ids].astype(np.int64) - 1
        counted = chunk >= 0
        rows = np.empty(int(counted.sum()), self._LINE)
        rows['order_id'], rows['product_id'] = order_ids[counted], product_ids[counted]
        self._append(self.lines, self.line_parts, chunk[counted], rows)

    @staticmethod
    def _append(spool, parts, chunk, rows):
        """rows to the end of spool grouped by chunk, and where each group went to parts."""
        # chunk indexes are small: as int16, numpy's stable sort is a radix sort (5x faster)
        by_chunk = np.argsort(chunk.astype(np.int16) if len(parts) < 2 ** 15 else chunk, kind='stable')
        rows, chunk = rows[by_chunk], chunk[by_chunk]
        spool.seek(0, 2)
        offset = spool.tell() // rows.dtype.itemsize
        for start, end in runs(chunk):
            parts[chunk[start]].append((offset + start, end - start))
        rows.tofile(spool)

    @staticmethod
    def _read(spool, dtype, parts):
        rows = []
        for offset, count in parts:
            spool.seek(offset * dtype.itemsize)
            rows.append(np.fromfile(spool, dtype, count))
        return np.concatenate(rows or [np.zeros(0, dtype)])

    def __iter__(self):
        """(company id, (line order ids, line product ids, order ids, customers, days)) of
        each chunk with orders; the files are closed after the last one."""
        try:
            for index, order_parts in enumerate(self.order_parts):
                if not order_parts:
                    continue
                orders = self._read(self.orders, self._ORDER, order_parts)
                lines = self._read(self.lines, self._LINE, self.line_parts[index])
                yield self.company_ids[index // self.per_company], (
                    lines['order_id'], lines['product_id'], orders['order_id'], orders['partner_id'], orders['day'])
        finally:
            self.orders.close()
            self.lines.close()


def _marked(by_id, ids, values):
    """by_id (an array indexed by id, grown to hold ids) with by_id[ids] = values."""
    size = int(ids.max(initial=-1)) + 1
    if size > len(by_id):
        by_id = np.concatenate((by_id, np.zeros(size - len(by_id), dtype=by_id.dtype)))
    by_id[ids] = values
    return by_id


class ChunkedCounts:
    """The counts of one company's baskets, fed chunk by chunk of whole customers
    (CustomerChunks: every basket of a customer in one chunk, whatever the basket window), in
    memory bounded by the chunk and pairs_per_part whatever the size of the history: product
    figures add up over the chunks in arrays by product id; the basket rows go to spill (a
    binary file) and the pairs are counted from there part by part (first products of the
    pairs by ranges making at most pairs_per_part pairs), each part merged over the chunks
    before its pairs below the minimum are dropped.
    product_ids: the counted products; window_days: the company's basket window."""

    def __init__(self, product_ids, window_days, pairs_per_part=PAIRS_PER_PART):
        # unlinked at once: nothing stays on disk, whatever happens to the process
        self.spill = tempfile.TemporaryFile(prefix='crm_erp_affinity_')
        self.pairs_per_part = pairs_per_part
        self.product_ids, self.window_days = product_ids, window_days
        self.chunks = []  # (offset, rows) in spill
        self.baskets = 0
        self.figures = {name: np.zeros(0, dtype=np.int64) for name in (
            'basket_counts', 'customer_counts', 'repeat_customer_counts', 'pairs_led')}

    def add_chunk(self, line_order_ids, line_product_ids, order_ids, partner_ids, days):
        """The lines (order, product) and orders (id, customer, day) of whole customers."""
        self.add(*basket_rows(*distinct_lines(line_order_ids, line_product_ids), order_ids, partner_ids, days,
                              self.product_ids, self.window_days))

    def result(self, min_count):
        """(products as count_products returns them, the pairs part by part as pair_parts
        yields them, number of baskets); the spill file is closed after the last part."""
        return self.products(), self.pair_parts(min_count), self.baskets

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

    def pair_parts(self, min_count):
        """The baskets holding both products of every pair a < b that is in at least
        min_count baskets, part by part: ((first, end), (a, b, count) arrays ordered by
        (a, b)) of the pairs whose a is in [first, end); the parts follow each other and
        tile every product id (0 to PRODUCT_ID_END). A pair can never be more frequent than
        its rarer product: products below the minimum are left out first. Each chunk's pairs
        are counted once, slice by slice, and their counts spilled by part; a part then
        merges its pieces: the work grows as the pairs, the memory is one slice or one part.
        The spill file is closed after the last part."""
        try:
            frequent = np.flatnonzero(self.figures['basket_counts'] >= min_count)
            firsts = self._part_firsts(frequent)
            starts = np.append(frequent, PRODUCT_ID_END)[firsts]  # first product id of each part
            pieces = [[] for _first in firsts]  # (offset, pairs) in the spill, per part
            for offset, rows in list(self.chunks):
                basket_ids, product_ids = self._chunk_rows(offset, rows)
                rank_of = _ranks(frequent, product_ids)
                keep = rank_of[product_ids] >= 0
                products = product_ids[keep].astype(np.int64)
                for keys, counts in _pair_slices(products, _later(basket_ids[keep]), rank_of[products], 0,
                                                 len(frequent), self.pairs_per_part):
                    part = np.searchsorted(starts, keys >> 32, side='right') - 1
                    self.spill.seek(0, 2)
                    for start, end in runs(part):
                        pieces[part[start]].append((self.spill.tell(), end - start))
                        keys[start:end].tofile(self.spill)
                        counts[start:end].astype(np.int64).tofile(self.spill)
            for index, first in enumerate(starts.tolist()):
                keys, counts = _merge_counts([self._piece(offset, count) for offset, count in pieces[index]])
                keys, counts = keys[counts >= min_count], counts[counts >= min_count]
                end = int(starts[index + 1]) if index + 1 < len(starts) else PRODUCT_ID_END
                yield (int(first) if index else 0, end), (keys >> 32, keys & 0xFFFFFFFF, counts)
        finally:
            self.spill.close()

    def _part_firsts(self, frequent):
        """Rank (among frequent) of the first product of each part: parts of at most
        pairs_per_part pair occurrences, or of one product; at least one part."""
        cumulative = np.cumsum(self.figures['pairs_led'][frequent])
        firsts, first = [0], 0
        while True:
            done = cumulative[first - 1] if first else 0
            first = max(int(np.searchsorted(cumulative, done + self.pairs_per_part, side='right')), first + 1)
            if first >= len(frequent):
                return np.array(firsts, dtype=np.int64)
            firsts.append(first)

    def _piece(self, offset, count):
        self.spill.seek(offset)
        first = np.fromfile(self.spill, dtype=np.int64, count=count)
        return first, np.fromfile(self.spill, dtype=np.int64, count=count)

    def pairs(self, min_count):
        """Every part of pair_parts in one (a, b, count) arrays (small histories, tests)."""
        parts = [pairs for _bounds, pairs in self.pair_parts(min_count)]
        return tuple(np.concatenate([part[column] for part in parts]) for column in range(3))


def _merge_counts(parts):
    """One (sorted distinct keys, summed counts) of several (keys, counts) arrays."""
    keys = np.concatenate([keys for keys, _counts in parts] or [np.zeros(0, dtype=np.int64)])
    counts = np.concatenate([counts for _keys, counts in parts] or [np.zeros(0, dtype=np.int64)])
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


def compare_rows(stored, computed):
    """What turns the stored rows into the computed ones, each a tuple of arrays: a key column
    of distinct values, then value columns (computed ordered by key): the keys of the rows to
    delete, the rows (every column) whose values changed, the rows to add."""
    stored_keys, computed_keys = stored[0], computed[0]
    at = np.searchsorted(computed_keys, stored_keys)
    found = np.zeros(len(stored_keys), dtype=bool)
    inside = at < len(computed_keys)
    found[inside] = computed_keys[at[inside]] == stored_keys[inside]
    differs = np.zeros(int(found.sum()), dtype=bool)
    for stored_values, computed_values in zip(stored[1:], computed[1:]):
        differs |= computed_values[at[found]] != stored_values[found]
    added = np.ones(len(computed_keys), dtype=bool)
    added[at[found]] = False
    return (stored_keys[~found], tuple(column[at[found][differs]] for column in computed),
            tuple(column[added] for column in computed))
