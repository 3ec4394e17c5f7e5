"""Product affinity: the raw co-purchase counts (tables below), the view
crm_erp_product_affinity over them, the baskets of the counted lines, and what the full
recompute, the incremental updates and the fold read and write (model crm.erp.product.affinity,
counting engine engines/basket_counts.py)."""
import numpy as np

from ..sql import ParallelIntColumns, copy_int_rows, fetch_int_columns, stream_int_columns
from .common import (COUNTED_LINE_ONLY_SQL, COUNTED_LINE_SQL, COUNTED_ORDER_SQL, COUNTED_PRODUCT_SQL,
                     advisory_xact_lock, drop_index, drop_tables, drop_view, ensure_index, try_advisory_xact_lock)

# Raw co-purchase counts, per company (see docs/design-performance.md, "Recommendations", and
# docs/design-concurrency.md):
# - crm_erp_affinity_company: number of baskets, and when the full recompute last ran;
# - crm_erp_affinity_product: baskets holding each product (every product with a basket), and
#   its customers / customers with two or more baskets (repeat purchases, full recompute only);
# - crm_erp_affinity_pair: baskets holding both products of a canonical pair (a < b), for the
#   pairs with at least the company's minimum count. A pair can never be more frequent than its
#   rarer product, so products below the minimum are left out before the pairs are counted.
# - crm_erp_affinity_delta: what order changes added to these counts since the last fold,
#   append-only (product_a = product_b = 0: baskets of the company; product_b = 0: baskets of
#   product_a; else the pair a < b). An order change only INSERTs here: no row is shared by
#   all of a company's transactions (under REPEATABLE READ two updates of one row collide).
#   Readers add the deltas to the counts; the fold (cron, one writer) and the full recompute
#   move them into the three tables.
# crm.erp.product.affinity (the view below) mirrors each pair both ways and derives support,
# confidence and lift from the counts, so an order changes only counts.
_TABLES_SQL = """
    CREATE TABLE IF NOT EXISTS crm_erp_affinity_company (
        company_id integer PRIMARY KEY REFERENCES res_company(id) ON DELETE CASCADE,
        basket_count integer NOT NULL DEFAULT 0,
        computed_at timestamp
    );
    CREATE TABLE IF NOT EXISTS crm_erp_affinity_product (
        company_id integer NOT NULL,
        product_id integer NOT NULL,
        basket_count integer NOT NULL,
        customer_count integer NOT NULL DEFAULT 0,
        repeat_customer_count integer NOT NULL DEFAULT 0,
        PRIMARY KEY (company_id, product_id)
    );
    CREATE TABLE IF NOT EXISTS crm_erp_affinity_pair (
        id serial NOT NULL,
        company_id integer NOT NULL,
        product_a integer NOT NULL,
        product_b integer NOT NULL,
        pair_count integer NOT NULL,
        PRIMARY KEY (company_id, product_a, product_b)
    );
    -- no key: two transactions never collide on a delta row
    CREATE TABLE IF NOT EXISTS crm_erp_affinity_delta (
        company_id integer NOT NULL,
        product_a integer NOT NULL,
        product_b integer NOT NULL,
        delta integer NOT NULL
    );
"""


# Transaction-scoped advisory lock (by name) of the writers of the counts: the fold and the
# full recompute.
_COUNTS_LOCK = 'crm_erp_bridge.affinity_counts'


def affinity_delta_sql(company, product_a='0', product_b='0'):
    """SQL expression: the pending deltas of a company total (products 0, 0), a product count
    (product, 0) or a pair count (a < b), to add to the stored count. Takes SQL expressions
    (columns, parameter placeholders), never values."""
    return """COALESCE((SELECT SUM(x.delta) FROM crm_erp_affinity_delta x
                  WHERE x.company_id = {company} AND x.product_a = {a} AND x.product_b = {b}), 0)""".format(
        company=company, a=product_a, b=product_b)


# The pending deltas of the pairs, the products and the company, added to the stored counts.
_PAIR_COUNT_SQL = 'p.pair_count + ' + affinity_delta_sql('p.company_id', 'p.product_a', 'p.product_b')
_COMPANY_BASKETS_SQL = '(t.basket_count + ' + affinity_delta_sql('t.company_id') + ')'
_PRODUCT_A_BASKETS_SQL = '(pa.basket_count + ' + affinity_delta_sql('pa.company_id', 'pa.product_id') + ')'
_PRODUCT_B_BASKETS_SQL = '(pb.basket_count + ' + affinity_delta_sql('pb.company_id', 'pb.product_id') + ')'


# Each stored pair twice (A -> B and B -> A); only pairs of sellable products (active,
# sale_ok, of the pair's company or of none) that pass the company's thresholds are visible.
_VIEW_SQL = """
    CREATE VIEW crm_erp_product_affinity AS
    SELECT c.id, c.company_id, c.product_id, c.related_product_id, c.pair_count,
           c.pair_count::float / NULLIF(c.basket_count, 0) AS support,
           c.pair_count::float / NULLIF(c.product_basket_count, 0) AS confidence,
           c.pair_count::float * c.basket_count / NULLIF(c.product_basket_count::float * c.related_basket_count, 0)
               AS lift,
           c.product_basket_count, c.related_basket_count, c.computed_at
      FROM (
        SELECT d.id, d.company_id, d.product_id, d.related_product_id, d.pair_count,
               """ + _COMPANY_BASKETS_SQL + """ AS basket_count,
               """ + _PRODUCT_A_BASKETS_SQL + """ AS product_basket_count,
               """ + _PRODUCT_B_BASKETS_SQL + """ AS related_basket_count,
               t.computed_at, cmp.affinity_min_count AS min_count, cmp.affinity_min_lift AS min_lift
          FROM (SELECT p.id * 2 AS id, p.company_id, p.product_a AS product_id, p.product_b AS related_product_id,
                       """ + _PAIR_COUNT_SQL + """ AS pair_count
                  FROM crm_erp_affinity_pair p
                 UNION ALL
                SELECT p.id * 2 + 1, p.company_id, p.product_b, p.product_a, """ + _PAIR_COUNT_SQL + """
                  FROM crm_erp_affinity_pair p) d
          JOIN crm_erp_affinity_company t ON t.company_id = d.company_id
          JOIN res_company cmp ON cmp.id = d.company_id
          JOIN crm_erp_affinity_product pa ON pa.company_id = d.company_id AND pa.product_id = d.product_id
          JOIN crm_erp_affinity_product pb ON pb.company_id = d.company_id AND pb.product_id = d.related_product_id
          JOIN product_product ppa ON ppa.id = d.product_id
          JOIN product_template pta ON pta.id = ppa.product_tmpl_id
          JOIN product_product ppb ON ppb.id = d.related_product_id
          JOIN product_template ptb ON ptb.id = ppb.product_tmpl_id
         WHERE ppa.active AND pta.active AND pta.sale_ok AND ppb.active AND ptb.active AND ptb.sale_ok
           AND (pta.company_id IS NULL OR pta.company_id = d.company_id)
           AND (ptb.company_id IS NULL OR ptb.company_id = d.company_id)) c
     WHERE c.pair_count >= c.min_count
       -- (NULLIF: before a fold, the pending deltas may bring a product's count to 0)
       AND c.pair_count::float * c.basket_count / NULLIF(c.product_basket_count::float * c.related_basket_count, 0)
           >= COALESCE(c.min_lift, 0)
"""

# Distinct (company, basket, product) of the counted lines; {window} and {scope} are fixed SQL
# fragments chosen in Python, every value is a parameter. Counted: lines of confirmed orders
# (sale, done) with a positive quantity, not down payments{delivery}, services only when the
# company counts them. A basket is an order (company basket window 0), else consecutive orders
# of one commercial customer at most N days apart (days of date_order), named after its first
# order's id. The same lines are the sales of the peer best sellers and of the popularity of
# the recommendations (queries/recommendation.py).
_LINES_SQL = """
    SELECT so.company_id, so.id AS order_id, rp.commercial_partner_id AS partner_id,
           so.date_order::date AS day, l.product_id, cmp.affinity_basket_days AS days, so.date_order
      FROM sale_order_line l
      JOIN sale_order so ON so.id = l.order_id
      JOIN res_company cmp ON cmp.id = so.company_id
      JOIN res_partner rp ON rp.id = so.partner_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
     WHERE """ + COUNTED_LINE_SQL + """{delivery}
       AND (%(date_to)s::timestamp IS NULL OR so.date_order < %(date_to)s::timestamp)
       AND so.id <> ALL(%(exclude_order_ids)s::integer[])
       AND l.id <> ALL(%(exclude_line_ids)s::integer[])
       AND {scope}
"""

_ORDER_BASKETS_SQL = """
    SELECT DISTINCT company_id, order_id AS basket_id, partner_id, product_id FROM ({lines}) lines
"""

_WINDOW_BASKETS_SQL = """
    WITH lines AS ({lines}),
    orders AS (
        SELECT DISTINCT company_id, partner_id, order_id, day, days FROM lines
    ), flagged AS (
        SELECT o.*, CASE WHEN o.day - LAG(o.day) OVER w <= o.days THEN 0 ELSE 1 END AS starts
          FROM orders o
        WINDOW w AS (PARTITION BY o.company_id, o.partner_id ORDER BY o.day, o.order_id)
    ), numbered AS (
        SELECT f.*, SUM(f.starts) OVER (PARTITION BY f.company_id, f.partner_id ORDER BY f.day, f.order_id
                                        ROWS UNBOUNDED PRECEDING) AS session
          FROM flagged f
    ), sessions AS (
        SELECT n.order_id,
               FIRST_VALUE(n.order_id) OVER (PARTITION BY n.company_id, n.partner_id, n.session
                                             ORDER BY n.day, n.order_id) AS basket_id
          FROM numbered n
    )
    SELECT DISTINCT l.company_id, s.basket_id, l.partner_id, l.product_id
      FROM lines l JOIN sessions s ON s.order_id = l.order_id
"""

# Scopes of the basket query (one company at a time), on the sale orders. The scope's ids are
# signed basket-space ids (BasketSource below): a sale order's are its ids, positive.
# {buyers}: the customers with a line of the scope's products, in every source (BUYERS below).
_SCOPES = {
    'orders': "so.company_id = %(company_id)s AND so.id = ANY(%(order_ids)s::integer[])",
    'partners': "so.company_id = %(company_id)s AND rp.commercial_partner_id = ANY(%(partner_ids)s::integer[])",
    # baskets that may hold one of the products: their orders, or (window baskets) their customers
    'product_orders': """so.company_id = %(company_id)s AND so.id IN (
        SELECT order_id FROM sale_order_line WHERE product_id = ANY(%(scope_product_ids)s::integer[]))""",
    'product_partners': """so.company_id = %(company_id)s AND rp.commercial_partner_id IN ({buyers})""",
    # the companies' orders placed from date_from (None: any time): best sellers, popularity
    'period': """so.company_id = ANY(%(company_ids)s::integer[])
        AND (%(date_from)s::timestamp IS NULL OR so.date_order >= %(date_from)s::timestamp)""",
}

_BUYERS_SQL = """
        SELECT buyer.commercial_partner_id
          FROM sale_order_line bl
          JOIN sale_order bo ON bo.id = bl.order_id
          JOIN res_partner buyer ON buyer.id = bo.partner_id
         WHERE bl.product_id = ANY(%(scope_product_ids)s::integer[]) AND bo.company_id = %(company_id)s"""

# Full recompute: the counted orders (company, commercial customer, id, day as a number) in
# order of company and customer, and the lines (order, product) in one scan each, both
# streamed through binary COPY, regrouped on disk by chunks of whole customers and counted in
# numpy chunk by chunk (basket_counts: memory bounded whatever the history).
_FULL_ORDERS_SQL = """
    SELECT so.company_id, COALESCE(rp.commercial_partner_id, rp.id), so.id, so.date_order::date - DATE '2000-01-01'
      FROM sale_order so
      JOIN res_partner rp ON rp.id = so.partner_id
     WHERE so.company_id = ANY(%(company_ids)s) AND """ + COUNTED_ORDER_SQL + """
       AND (%(date_to)s::timestamp IS NULL OR so.date_order < %(date_to)s::timestamp)
"""

_FULL_LINES_SQL = """
    SELECT l.order_id, l.product_id FROM sale_order_line l
     WHERE l.product_id IS NOT NULL AND """ + COUNTED_LINE_ONLY_SQL + """{delivery}
"""

_FULL_PRODUCTS_SQL = """
    SELECT pp.id
      FROM product_product pp
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN res_company cmp ON cmp.id = %(company_id)s
     WHERE """ + COUNTED_PRODUCT_SQL + """
"""

# Exact number of baskets holding both products of each requested pair, reading only the
# baskets that may hold the rarer product of the pair.
_RECOUNT_PAIRS_SQL = """
    WITH baskets AS ({baskets}),
    request AS (SELECT * FROM unnest(%(pair_a)s::integer[], %(pair_b)s::integer[]) AS r(a, b))
    SELECT request.a, request.b, COUNT(*)
      FROM request
      JOIN baskets x ON x.product_id = request.a
      JOIN baskets y ON y.basket_id = x.basket_id AND y.product_id = request.b
  GROUP BY request.a, request.b
"""


# Delivery lines are not counted (when the delivery module stores is_delivery).
_NOT_DELIVERY_SQL = '\n       AND NOT COALESCE(l.is_delivery, FALSE)'


class BasketSource(object):
    """One kind of document whose lines form the co-purchase baskets of the product affinity,
    the one home of its basket rule. crm.erp.product.affinity._affinity_basket_sources() lists
    them: the confirmed sale orders in the core (SALE_ORDER_BASKETS); crm_erp_bridge_pos adds
    the paid point of sale tickets (docs/pos.md). Every basket query reads the UNION ALL of the
    sources' SQL (the sale orders' alone in the core: the statements of before the extension
    point). The engine and the incremental updates index baskets by order id: each source keeps
    its own id space through `sign` (its documents' ids in the baskets are sign * id: sale
    orders positive, tickets negative), and a document without a customer takes its own signed
    id as its customer key (a basket of its own in window baskets, left out of the products'
    customer counts). SQL texts from the code, never values:

    - `lines`: SELECT company_id, order_id (signed), partner_id (commercial customer, or the
      document's signed id without one), day, product_id, days (the company's basket window),
      date_order (the document's time) of the counted lines, with the parameters of
      basket_params (exclude_order_ids signed), the placeholders `{scope}` (one of `scopes`)
      and `{delivery}` (may be left out); also the sales of the peer best sellers and of the
      recommendations' popularity (queries/recommendation.py);
    - `scopes`: the condition of each scope ('orders', 'partners' with signed ids,
      'product_orders', 'product_partners' with `{buyers}`: the customers of every source,
      'period': the documents of %(company_ids)s placed from %(date_from)s, None: any time);
    - `buyers`: SELECT of the customer keys of the company's documents with a line of the
      scope's products (%(company_id)s, %(scope_product_ids)s);
    - `orders`: SELECT company, customer key, signed id, day (days since 2000-01-01) of the
      counted documents of %(company_ids)s before %(date_to)s (full recompute);
    - `full_lines`: SELECT signed order id, product id of the counted lines (line rules only),
      `{delivery}` (may be left out);
    - `table`: the documents' table (the planner's count sizes the chunks; claims)."""

    def __init__(self, kind, table, sign, lines, scopes, buyers, orders, full_lines):
        self.kind, self.table, self.sign = kind, table, sign
        self.lines, self.scopes, self.buyers = lines, scopes, buyers
        self.orders, self.full_lines = orders, full_lines

    def claimed_rows(self, kind, ids):
        """[(table, ids)] of the rows a change of the scope (kind, signed ids) claims for this
        source (crm.erp.product.affinity._affinity_claim): its documents (order baskets), the
        commercial customers and its documents without one (window baskets)."""
        own = [self.sign * key for key in ids if self.sign * key > 0]
        if kind == 'orders':
            return [(self.table, own)]
        return [('res_partner', [key for key in ids if key > 0])] + ([(self.table, own)] if self.sign < 0 else [])


# The core's baskets: the counted lines of confirmed sale orders (COUNTED_LINE_SQL).
SALE_ORDER_BASKETS = BasketSource('sale.order', 'sale_order', 1, _LINES_SQL, _SCOPES, _BUYERS_SQL,
                                  _FULL_ORDERS_SQL, _FULL_LINES_SQL)


def _sources(sources):
    return (SALE_ORDER_BASKETS,) if sources is None else tuple(sources)


def _union(texts):
    return '\n     UNION ALL\n'.join(texts)


TABLE_NAMES = ('crm_erp_affinity_pair', 'crm_erp_affinity_product', 'crm_erp_affinity_company',
               'crm_erp_affinity_delta')

# Covering partial indexes of the full recompute's two streams (_FULL_LINES_SQL, _FULL_ORDERS_SQL):
# PostgreSQL reads them by index-only scans instead of scanning the tables (at L 45 MB of index
# for the counted lines against 518 MB of sale_order_line; 19 MB and 7 MB against 169 MB of
# sale_order and 100 MB of res_partner). Their conditions are the rules of the streams' SQL
# (COUNTED_LINE_ONLY_SQL, COUNTED_ORDER_SQL) without the table alias, so that PostgreSQL sees the
# query's condition imply the index's: (name, table, columns, condition).
STREAM_INDEXES = (
    ('crm_erp_affinity_counted_line_idx', 'sale_order_line', ['order_id', 'product_id'],
     'product_id IS NOT NULL AND ' + COUNTED_LINE_ONLY_SQL.replace('l.', '')),
    ('crm_erp_affinity_counted_order_idx', 'sale_order', ['company_id', 'partner_id', 'id', 'date_order'],
     COUNTED_ORDER_SQL.replace('so.', '')),
    ('crm_erp_affinity_partner_commercial_idx', 'res_partner', ['id', 'commercial_partner_id'], None),
)


def create_tables_and_view(cr):
    """The count tables and their indexes (kept), the view crm_erp_product_affinity (made anew)."""
    cr.execute(_TABLES_SQL)
    # both directions of a product's pairs, strongest first (recommendations read the top ones)
    drop_index(cr, 'crm_erp_affinity_pair_b_idx')
    ensure_index(cr, 'crm_erp_affinity_pair_a_count_idx', 'crm_erp_affinity_pair',
                 ['company_id', 'product_a', 'pair_count DESC', 'product_b'])
    ensure_index(cr, 'crm_erp_affinity_pair_b_count_idx', 'crm_erp_affinity_pair',
                 ['company_id', 'product_b', 'pair_count DESC', 'product_a'])
    ensure_index(cr, 'crm_erp_affinity_sale_line_product_idx', 'sale_order_line', ['product_id'])
    ensure_index(cr, 'crm_erp_affinity_delta_key_idx', 'crm_erp_affinity_delta',
                 ['company_id', 'product_a', 'product_b'])
    for name, table, columns, where in STREAM_INDEXES:
        ensure_index(cr, name, table, columns, where)
    drop_view(cr, 'crm_erp_product_affinity')
    cr.execute(_VIEW_SQL)


def drop_tables_and_view(cr):
    """Uninstall: the view, the count tables and the indexes on sale lines, orders and partners."""
    drop_view(cr, 'crm_erp_product_affinity')
    drop_tables(cr, TABLE_NAMES)
    drop_index(cr, 'crm_erp_affinity_sale_line_product_idx')
    for name, _table, _columns, _where in STREAM_INDEXES:
        drop_index(cr, name)


def lines_sql(scope, exclude_delivery, sources=None):
    """SQL text of the counted lines (BasketSource.lines' columns) in scope (a key of the
    sources' scopes) of every source (BasketSource; None: the sale orders); its parameters: see
    basket_params."""
    sources = _sources(sources)
    delivery = _NOT_DELIVERY_SQL if exclude_delivery else ''
    buyers = _union(source.buyers for source in sources)
    return _union(source.lines.format(delivery=delivery, scope=source.scopes[scope].format(buyers=buyers))
                  for source in sources)


def baskets_sql(scope, window, exclude_delivery, sources=None):
    """SQL text of the distinct (company_id, basket_id, partner_id, product_id) of the counted
    lines in scope (a key of the sources' scopes), order baskets or window baskets (window: the
    company's basket window is positive), of every source (BasketSource; None: the sale
    orders); its parameters: see basket_params."""
    lines = lines_sql(scope, exclude_delivery, sources)
    return (_WINDOW_BASKETS_SQL if window else _ORDER_BASKETS_SQL).format(lines=lines)


def basket_params(company_id, date_to, **values):
    """Parameters of baskets_sql and lines_sql: the company, the date before which orders count
    (None: all), no orders nor lines excluded unless values say so (exclude_order_ids,
    exclude_line_ids), and the scope's ids (order_ids, partner_ids or scope_product_ids; for
    'period', company_ids and date_from)."""
    params = {'company_id': company_id, 'date_to': date_to, 'exclude_order_ids': [], 'exclude_line_ids': []}
    params.update(values)
    return params


def basket_products(cr, scope, window, exclude_delivery, params, sources=None):
    """{basket id: frozenset(product ids)} of baskets_sql(scope, ...) with params."""
    cr.execute(baskets_sql(scope, window, exclude_delivery, sources), params)
    baskets = {}
    for _company, basket_id, _partner, product_id in cr.fetchall():
        baskets.setdefault(basket_id, set()).add(product_id)
    return {basket_id: frozenset(products) for basket_id, products in baskets.items()}


def recount_pairs(cr, scope, window, exclude_delivery, params, sources=None):
    """[(a, b, baskets holding both)] of the requested pairs (params pair_a, pair_b and the
    baskets' parameters), reading only the baskets of scope (of every source)."""
    cr.execute(_RECOUNT_PAIRS_SQL.format(baskets=baskets_sql(scope, window, exclude_delivery, sources)), params)
    return cr.fetchall()


# Full recompute ---------------------------------------------------------------------------

def lock_counts(cr):
    """Wait for the counts lock: one writer of the counts at a time (full recompute, fold)."""
    advisory_xact_lock(cr, _COUNTS_LOCK)


def try_lock_counts(cr):
    """Take the counts lock if free (the fold): whether taken."""
    return try_advisory_xact_lock(cr, _COUNTS_LOCK)


def counted_product_ids(cr, company_id):
    """numpy int32 array of the products whose lines the company counts."""
    [product_ids] = fetch_int_columns(cr, _FULL_PRODUCTS_SQL, {'company_id': company_id}, 1)
    return product_ids


def stream_counted_orders(cr, company_ids, date_to, consume, sources=None):
    """consume(companies, customers, order ids, days since 2000-01-01) batch by batch, for the
    counted orders of the companies before date_to (None: all), in no particular order (the
    engine spreads the customers over its chunks by id: PostgreSQL sorts nothing), of every
    source (BasketSource; None: the sale orders), ids signed."""
    stream_int_columns(cr, _union(source.orders for source in _sources(sources)),
                       {'company_ids': company_ids, 'date_to': date_to}, 4, consume)


def counted_lines_beside(cr, connect, exclude_delivery, sources=None):
    """Every counted line (order id, product id; line rules only: the order and product rules
    are applied by the orders and products read apart), read by a second connection (connect() -> a
    cursor) in cr's snapshot while cr does other work (sql.ParallelIntColumns: in cr itself
    when its transaction wrote already); its consume(function) gives them batch by batch."""
    return ParallelIntColumns(cr, connect, _counted_lines_sql(exclude_delivery, sources), {}, 2)


def _counted_lines_sql(exclude_delivery, sources=None):
    delivery = _NOT_DELIVERY_SQL if exclude_delivery else ''
    return _union(source.full_lines.format(delivery=delivery) for source in _sources(sources))


def delete_deltas(cr, company_ids):
    """Delete the pending deltas of the companies that this transaction's snapshot sees."""
    cr.execute("DELETE FROM crm_erp_affinity_delta WHERE company_id = ANY(%s)", [list(company_ids)])


def set_company_baskets(cr, company_id, baskets):
    """The company's basket total, computed now (its row made if it has none)."""
    cr.execute("""
        INSERT INTO crm_erp_affinity_company AS t (company_id, basket_count, computed_at)
        VALUES (%s, %s, NOW() AT TIME ZONE 'UTC')
        ON CONFLICT (company_id) DO UPDATE SET basket_count = EXCLUDED.basket_count, computed_at = EXCLUDED.computed_at
    """, [company_id, baskets])


# The product counts of crm_erp_affinity_product, in the order of the arrays below.
PRODUCT_COUNT_COLUMNS = ('basket_count', 'customer_count', 'repeat_customer_count')


def stored_products(cr, company_id):
    """(product ids, basket counts, customer counts, repeat customer counts) numpy int32 arrays
    of the company's product rows."""
    return fetch_int_columns(cr, "SELECT product_id, basket_count, customer_count, repeat_customer_count "
                                 "FROM crm_erp_affinity_product WHERE company_id = %s", [company_id], 4)


def delete_products(cr, company_id, product_ids):
    """Delete the company's product rows of product_ids."""
    cr.execute("DELETE FROM crm_erp_affinity_product WHERE company_id = %s AND product_id = ANY(%s)",
               [company_id, list(product_ids)])


def set_product_counts(cr, company_id, product_ids, basket_counts, customer_counts, repeat_customer_counts):
    """Set the counts of the company's stored product rows (product_ids[i]) to the i-th counts."""
    cr.execute("""
        UPDATE crm_erp_affinity_product t
           SET basket_count = d.baskets, customer_count = d.customers, repeat_customer_count = d.repeats
          FROM unnest(%s::integer[], %s::integer[], %s::integer[], %s::integer[])
               AS d(product_id, baskets, customers, repeats)
         WHERE t.company_id = %s AND t.product_id = d.product_id
    """, [list(product_ids), list(basket_counts), list(customer_counts), list(repeat_customer_counts), company_id])


def copy_products(cr, company_id, product_ids, basket_counts, customer_counts, repeat_customer_counts):
    """Insert the company's new product rows (numpy arrays) in one binary COPY."""
    copy_int_rows(cr, 'crm_erp_affinity_product', ('company_id', 'product_id') + PRODUCT_COUNT_COLUMNS, (
        np.full(len(product_ids), company_id), product_ids, basket_counts, customer_counts, repeat_customer_counts))


def stored_pairs(cr, company_id, first=0, end=2 ** 31 - 1):
    """(a, b, count) numpy int32 arrays of the company's stored pairs whose first product a is
    in [first, end) (default: all)."""
    return fetch_int_columns(cr, "SELECT product_a, product_b, pair_count FROM crm_erp_affinity_pair "
                                 "WHERE company_id = %s AND product_a >= %s AND product_a < %s",
                             [company_id, first, end], 3)


def delete_pairs(cr, company_id, pair_a, pair_b, below=None):
    """Delete the company's stored pairs (pair_a[i], pair_b[i]); only those counted below
    `below` when given."""
    cr.execute("""
        DELETE FROM crm_erp_affinity_pair t USING unnest(%s::integer[], %s::integer[]) AS d(a, b)
         WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b
           AND (%s::integer IS NULL OR t.pair_count < %s::integer)
    """, [list(pair_a), list(pair_b), company_id, below, below])


def set_pair_counts(cr, company_id, pair_a, pair_b, counts):
    """Set the counts of the company's stored pairs (pair_a[i], pair_b[i]) to counts[i]."""
    cr.execute("""
        UPDATE crm_erp_affinity_pair t SET pair_count = d.n
          FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS d(a, b, n)
         WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b
    """, [list(pair_a), list(pair_b), list(counts), company_id])


def copy_pairs(cr, company_id, pair_a, pair_b, counts):
    """Insert the company's new pairs (numpy arrays) in one binary COPY."""
    copy_int_rows(cr, 'crm_erp_affinity_pair', ('company_id', 'product_a', 'product_b', 'pair_count'),
                  (np.full(len(pair_a), company_id), pair_a, pair_b, counts))


def insert_pairs(cr, company_id, pairs):
    """Insert the company's new pairs [(a, b, count)] (a few, from a fold)."""
    cr.execute("""
        INSERT INTO crm_erp_affinity_pair (company_id, product_a, product_b, pair_count)
        SELECT %s, a, b, n FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS r(a, b, n)
    """, [company_id, [r[0] for r in pairs], [r[1] for r in pairs], [r[2] for r in pairs]])


# Incremental updates and fold -------------------------------------------------------------

def append_deltas(cr, company_id, keys):
    """Append (a, b, delta) rows (see crm_erp_affinity_delta above) to the company's pending
    deltas: INSERT only, nothing shared with the other transactions of the company."""
    cr.execute("""
        INSERT INTO crm_erp_affinity_delta (company_id, product_a, product_b, delta)
        SELECT %s, a, b, n FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS d(a, b, n)
    """, [company_id, [key[0] for key in keys], [key[1] for key in keys], [key[2] for key in keys]])


def take_deltas(cr):
    """Delete every pending delta this transaction sees; return them summed per key:
    [(company_id, a, b, sum of deltas, number of rows)]."""
    cr.execute("""
        WITH folded AS (DELETE FROM crm_erp_affinity_delta RETURNING *)
        SELECT company_id, product_a, product_b, SUM(delta), COUNT(*) FROM folded
      GROUP BY company_id, product_a, product_b
    """)
    return cr.fetchall()


def add_company_baskets(cr, company_id, delta):
    """Add delta to the company's basket total (a row is made if it has none)."""
    cr.execute("""
        INSERT INTO crm_erp_affinity_company AS t (company_id, basket_count) VALUES (%s, %s)
        ON CONFLICT (company_id) DO UPDATE SET basket_count = t.basket_count + EXCLUDED.basket_count
    """, [company_id, delta])


def add_product_baskets(cr, company_id, product_delta):
    """Add {product id: delta} to the company's product counts; rows at zero or below go."""
    products = list(product_delta)
    cr.execute("""
        INSERT INTO crm_erp_affinity_product AS t (company_id, product_id, basket_count)
        SELECT %s, product_id, delta FROM unnest(%s::integer[], %s::integer[]) AS d(product_id, delta)
        ON CONFLICT (company_id, product_id) DO UPDATE SET basket_count = t.basket_count + EXCLUDED.basket_count
    """, [company_id, products, [product_delta[product] for product in products]])
    cr.execute("DELETE FROM crm_erp_affinity_product WHERE company_id = %s AND product_id = ANY(%s) "
               "AND basket_count <= 0", [company_id, products])


def add_to_stored_pairs(cr, company_id, pair_delta):
    """Add {(a, b): delta} to the company's stored pairs; returns {(a, b)} of those stored."""
    pairs = list(pair_delta)
    cr.execute("""
        UPDATE crm_erp_affinity_pair t SET pair_count = t.pair_count + d.delta
          FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS d(a, b, delta)
         WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b
     RETURNING t.product_a, t.product_b
    """, [[a for a, b in pairs], [b for a, b in pairs], [pair_delta[pair] for pair in pairs], company_id])
    return set(cr.fetchall())


def product_basket_counts(cr, company_id, product_ids):
    """{product id: stored basket count} of the company's products among product_ids."""
    cr.execute("SELECT product_id, basket_count FROM crm_erp_affinity_product "
               "WHERE company_id = %s AND product_id = ANY(%s)", [company_id, list(product_ids)])
    return dict(cr.fetchall())


def company_basket_count(cr, company_id):
    """The company's number of baskets, its pending deltas added."""
    cr.execute("SELECT COALESCE((SELECT basket_count FROM crm_erp_affinity_company WHERE company_id = %(c)s), 0) + "
               + affinity_delta_sql('%(c)s'), {'c': company_id})
    return cr.fetchone()[0]


def counts_as_read(cr, company_ids):
    """The counts of the companies as readers see them, the pending deltas added: (baskets per
    company, {(company, product): baskets}, {(company, a, b): count} of the stored pairs)."""
    cr.execute("""
        SELECT company_id, SUM(basket_count) FROM (
            SELECT company_id, basket_count FROM crm_erp_affinity_company
             UNION ALL
            SELECT company_id, delta FROM crm_erp_affinity_delta WHERE product_a = 0) c
         WHERE company_id = ANY(%s) GROUP BY company_id
    """, [list(company_ids)])
    companies = {company_id: count for company_id, count in cr.fetchall() if count}
    cr.execute("""
        SELECT company_id, product_id, SUM(basket_count) FROM (
            SELECT company_id, product_id, basket_count FROM crm_erp_affinity_product
             UNION ALL
            SELECT company_id, product_a, delta FROM crm_erp_affinity_delta WHERE product_a <> 0 AND product_b = 0) p
         WHERE company_id = ANY(%s) GROUP BY company_id, product_id HAVING SUM(basket_count) <> 0
    """, [list(company_ids)])
    products = {(c, p): n for c, p, n in cr.fetchall()}
    cr.execute("SELECT p.company_id, p.product_a, p.product_b, " + _PAIR_COUNT_SQL + " FROM crm_erp_affinity_pair p "
               "WHERE p.company_id = ANY(%s)", [list(company_ids)])
    pairs = {(c, a, b): n for c, a, b, n in cr.fetchall()}
    return companies, products, pairs


# Products ---------------------------------------------------------------------------------

def companies_selling(cr, product_ids):
    """Ids of the companies with order lines or counts of the products."""
    cr.execute("""
        SELECT DISTINCT so.company_id FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
         WHERE l.product_id = ANY(%(ids)s)
         UNION SELECT company_id FROM crm_erp_affinity_product WHERE product_id = ANY(%(ids)s)
    """, {'ids': list(product_ids)})
    return [row[0] for row in cr.fetchall()]


def forget_products(cr, product_ids):
    """Delete the counts of deleted products, and their pending deltas (the basket totals'
    deltas stay)."""
    cr.execute("DELETE FROM crm_erp_affinity_pair WHERE product_a = ANY(%(ids)s) OR product_b = ANY(%(ids)s)",
               {'ids': list(product_ids)})
    cr.execute("DELETE FROM crm_erp_affinity_product WHERE product_id = ANY(%s)", [list(product_ids)])
    cr.execute("DELETE FROM crm_erp_affinity_delta WHERE product_a = ANY(%(ids)s) OR product_b = ANY(%(ids)s)",
               {'ids': list(product_ids)})


def frequently_bought_together(cr, company_id, product_ids, limit):
    """[(product_id, related_product_id, pair_count, support, confidence, lift)]: the `limit`
    strongest visible affinities of each product in the company, by product then rank."""
    cr.execute("""
        SELECT product_id, related_product_id, pair_count, support, confidence, lift
          FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.product_id
                                               ORDER BY a.confidence DESC, a.lift DESC, a.related_product_id) AS rank
                  FROM crm_erp_product_affinity a
                 WHERE a.company_id = %s AND a.product_id = ANY(%s)) ranked
         WHERE rank <= %s
      ORDER BY product_id, rank
    """, [company_id, list(product_ids), limit])
    return cr.fetchall()
