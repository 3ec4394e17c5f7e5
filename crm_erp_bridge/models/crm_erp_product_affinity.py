from collections import Counter
from itertools import combinations

import numpy as np

from odoo import _, api, fields, models

from ..engines.basket_counts import ChunkedCounts, CustomerChunks, compare_pairs
from .record_ids import MANAGER_GROUP, check_date_text, check_group, public_method
from ..sql import copy_int_rows, fetch_int_columns, stream_int_columns

# Raw co-purchase counts, per company (see README, "Recommendations", and
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
    -- both directions of a product's pairs, strongest first (recommendations read the top ones)
    DROP INDEX IF EXISTS crm_erp_affinity_pair_b_idx;
    CREATE INDEX IF NOT EXISTS crm_erp_affinity_pair_a_count_idx
        ON crm_erp_affinity_pair (company_id, product_a, pair_count DESC, product_b);
    CREATE INDEX IF NOT EXISTS crm_erp_affinity_pair_b_count_idx
        ON crm_erp_affinity_pair (company_id, product_b, pair_count DESC, product_a);
    CREATE INDEX IF NOT EXISTS crm_erp_affinity_sale_line_product_idx ON sale_order_line (product_id);
    -- no key: two transactions never collide on a delta row
    CREATE TABLE IF NOT EXISTS crm_erp_affinity_delta (
        company_id integer NOT NULL,
        product_a integer NOT NULL,
        product_b integer NOT NULL,
        delta integer NOT NULL
    );
    CREATE INDEX IF NOT EXISTS crm_erp_affinity_delta_key_idx
        ON crm_erp_affinity_delta (company_id, product_a, product_b);
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

# A counted sale line l of order so (company cmp, product pp of template pt), wherever sales
# are counted (affinity baskets, customers' histories, best sellers): confirmed order, positive
# quantity, not a down payment, an active product (an archived one leaves the counts: see
# product.product's write), a service only when the company counts services. The full
# affinity recompute applies the order, line and product parts in three separate queries.
COUNTED_ORDER_SQL = "so.state IN ('sale', 'done')"
COUNTED_LINE_ONLY_SQL = "l.product_uom_qty > 0 AND NOT COALESCE(l.is_downpayment, FALSE)"
COUNTED_PRODUCT_SQL = "pp.active AND pt.active AND (pt.type <> 'service' OR NOT cmp.affinity_exclude_services)"
COUNTED_LINE_SQL = '\n       AND '.join((COUNTED_ORDER_SQL, COUNTED_LINE_ONLY_SQL, COUNTED_PRODUCT_SQL))

# Distinct (company, basket, product) of the counted lines; {window} and {scope} are fixed SQL
# fragments chosen in Python, every value is a parameter. Counted: lines of confirmed orders
# (sale, done) with a positive quantity, not down payments{delivery}, services only when the
# company counts them. A basket is an order (company basket window 0), else consecutive orders
# of one commercial customer at most N days apart (days of date_order), named after its first
# order's id.
_LINES_SQL = """
    SELECT so.company_id, so.id AS order_id, rp.commercial_partner_id AS partner_id,
           so.date_order::date AS day, l.product_id, cmp.affinity_basket_days AS days
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

# Scopes of the basket query (one company at a time).
_SCOPES = {
    'orders': "so.company_id = %(company_id)s AND so.id = ANY(%(order_ids)s::integer[])",
    'partners': "so.company_id = %(company_id)s AND rp.commercial_partner_id = ANY(%(partner_ids)s::integer[])",
    # baskets that may hold one of the products: their orders, or (window baskets) their customers
    'product_orders': """so.company_id = %(company_id)s AND so.id IN (
        SELECT order_id FROM sale_order_line WHERE product_id = ANY(%(scope_product_ids)s::integer[]))""",
    'product_partners': """so.company_id = %(company_id)s AND rp.commercial_partner_id IN (
        SELECT buyer.commercial_partner_id
          FROM sale_order_line bl
          JOIN sale_order bo ON bo.id = bl.order_id
          JOIN res_partner buyer ON buyer.id = bo.partner_id
         WHERE bl.product_id = ANY(%(scope_product_ids)s::integer[]) AND bo.company_id = %(company_id)s)""",
}

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
  ORDER BY 1, 2
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


class CrmErpProductAffinity(models.Model):
    """Co-purchase affinity A -> B of one company: baskets with both (pair_count), support =
    pair_count / baskets, confidence = pair_count / baskets with A, lift = confidence / (baskets
    with B / baskets). Read-only SQL view over the raw counts; the engine below keeps the
    counts (full recompute and exact incremental updates on order changes)."""
    _name = 'crm.erp.product.affinity'
    _description = 'Product co-purchase affinity'
    _auto = False
    _order = 'confidence desc, lift desc, related_product_id'
    _rec_name = 'related_product_id'

    company_id = fields.Many2one('res.company', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    related_product_id = fields.Many2one('product.product', string='Bought With', readonly=True)
    pair_count = fields.Integer('Orders With Both', readonly=True, group_operator='max')
    support = fields.Float('Support', readonly=True, digits=(16, 4), group_operator='max',
                           help='Baskets with both products / all baskets of the company.')
    confidence = fields.Float('Confidence', readonly=True, digits=(16, 4), group_operator='max',
                              help='Baskets with both / baskets with the product.')
    lift = fields.Float('Lift', readonly=True, digits=(16, 2), group_operator='max',
                        help='Confidence / share of baskets with the related product; above 1 they '
                             'sell together more often than chance.')
    product_basket_count = fields.Integer('Orders With Product', readonly=True, group_operator='max')
    related_basket_count = fields.Integer('Orders With Related Product', readonly=True, group_operator='max')
    computed_at = fields.Datetime('Computed At', readonly=True)

    @api.model_cr
    def init(self):
        self.env.cr.execute(_TABLES_SQL)
        self.env.cr.execute("DROP VIEW IF EXISTS crm_erp_product_affinity")
        self.env.cr.execute(_VIEW_SQL)

    # Basket query -----------------------------------------------------------------------

    @api.model
    def _affinity_delivery_sql(self):
        """Delivery lines are not counted (when the delivery module stores is_delivery)."""
        field = self.env['sale.order.line']._fields.get('is_delivery')
        return '\n       AND NOT COALESCE(l.is_delivery, FALSE)' if field and field.store else ''

    @api.model
    def _affinity_baskets_sql(self, company, scope):
        lines = _LINES_SQL.format(delivery=self._affinity_delivery_sql(), scope=_SCOPES[scope])
        template = _WINDOW_BASKETS_SQL if company.affinity_basket_days > 0 else _ORDER_BASKETS_SQL
        return template.format(lines=lines)

    @api.model
    def _affinity_params(self, company, **values):
        params = {'company_id': company.id, 'date_to': self._affinity_date_to(),
                  'exclude_order_ids': [], 'exclude_line_ids': []}
        params.update(values)
        return params

    @api.model
    def _affinity_date_to(self):
        """The context's crm_erp_affinity_date_to (a datetime string: orders before it count),
        checked, or None."""
        date_to = self.env.context.get('crm_erp_affinity_date_to')
        return check_date_text(self, date_to, 'crm_erp_affinity_date_to', datetime=True) if date_to else None

    # Full recompute ---------------------------------------------------------------------

    @api.model
    def _recompute_affinity(self, company_ids=None):
        """Recompute every count of the given companies (all: None) from their confirmed
        orders: their orders (by customer) and lines streamed through one binary COPY each,
        regrouped on disk by chunks of whole customers and counted in numpy chunk by chunk
        (basket_counts: memory bounded whatever the history). The stored pairs move to the
        result by their differences only (the incremental updates keep them exact, so a
        nightly recompute writes little). The context key crm_erp_affinity_date_to (a
        datetime string) limits the orders to those before it."""
        # sudo: the companies' basket settings; internal counts, nothing is returned to a caller
        companies = self.env['res.company'].sudo().browse(company_ids) if company_ids is not None \
            else self.env['res.company'].sudo().search([])
        cr = self.env.cr
        # one writer of the counts at a time (the fold); see _fold_affinity for the snapshot
        cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_COUNTS_LOCK])
        if cr._cnx.server_version >= 110000:
            cr.execute("SET LOCAL jit = off")  # compiling costs more than it saves on these scans
        counts = self._affinity_count_lines(companies)
        # The counts below are those of this transaction's snapshot (REPEATABLE READ), which
        # holds exactly the deltas of the transactions it sees, and this DELETE removes
        # exactly those (a DELETE never reaches rows its snapshot does not see): the deltas
        # of later transactions stay, to be added to these counts.
        cr.execute("DELETE FROM crm_erp_affinity_delta WHERE company_id = ANY(%s)", [companies.ids])
        pairs_written = pairs_kept = 0
        for company in companies:
            products, pairs, baskets = counts.pop(company.id).result(company.affinity_min_count)
            cr.execute("DELETE FROM crm_erp_affinity_company WHERE company_id = %s", [company.id])
            cr.execute("INSERT INTO crm_erp_affinity_company (company_id, basket_count, computed_at) "
                       "VALUES (%s, %s, NOW() AT TIME ZONE 'UTC')", [company.id, baskets])
            cr.execute("DELETE FROM crm_erp_affinity_product WHERE company_id = %s", [company.id])
            copy_int_rows(cr, 'crm_erp_affinity_product', (
                'company_id', 'product_id', 'basket_count', 'customer_count', 'repeat_customer_count'), (
                np.full(len(products['product_ids']), company.id), products['product_ids'],
                products['basket_counts'], products['customer_counts'], products['repeat_customer_counts']))
            written = self._affinity_write_pairs(company, pairs)
            pairs_written += written
            pairs_kept += len(pairs[0]) - written
        cr.execute("ANALYZE crm_erp_affinity_product")
        if pairs_written > pairs_kept:
            cr.execute("ANALYZE crm_erp_affinity_pair")
        self.invalidate_cache()
        return True

    @api.model
    def _affinity_count_lines(self, companies):
        """{company id: its ChunkedCounts fed every counted line}, in one scan of the orders
        and one of the lines."""
        cr = self.env.cr
        counts = {}
        for company in companies:
            [product_ids] = fetch_int_columns(cr, _FULL_PRODUCTS_SQL, {'company_id': company.id}, 1)
            counts[company.id] = ChunkedCounts(product_ids, company.affinity_basket_days)
        chunks = CustomerChunks()
        stream_int_columns(cr, _FULL_ORDERS_SQL, {
            'company_ids': companies.ids, 'date_to': self._affinity_date_to()}, 4,
            chunks.add_orders)
        stream_int_columns(cr, _FULL_LINES_SQL.format(delivery=self._affinity_delivery_sql()), {}, 2, chunks.add_lines)
        for company_id, chunk in chunks:
            counts[company_id].add_chunk(*chunk)
        return counts

    @api.model
    def _affinity_write_pairs(self, company, pairs):
        """Make the stored pairs of the company the computed (a, b, count) arrays, by their
        differences; returns the number of rows deleted, updated or added."""
        cr = self.env.cr
        stored = fetch_int_columns(cr, "SELECT product_a, product_b, pair_count FROM crm_erp_affinity_pair "
                                       "WHERE company_id = %s", [company.id], 3)
        (gone_a, gone_b), (changed_a, changed_b, changed_count), added = compare_pairs(stored, pairs)
        if len(gone_a):
            cr.execute("""
                DELETE FROM crm_erp_affinity_pair t USING unnest(%s::integer[], %s::integer[]) AS d(a, b)
                 WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b
            """, [gone_a.tolist(), gone_b.tolist(), company.id])
        if len(changed_a):
            cr.execute("""
                UPDATE crm_erp_affinity_pair t SET pair_count = d.n
                  FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS d(a, b, n)
                 WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b
            """, [changed_a.tolist(), changed_b.tolist(), changed_count.tolist(), company.id])
        copy_int_rows(cr, 'crm_erp_affinity_pair', ('company_id', 'product_a', 'product_b', 'pair_count'),
                      (np.full(len(added[0]), company.id),) + added)
        return len(gone_a) + len(changed_a) + len(added[0])

    @api.model
    @public_method
    def action_recompute_affinity(self):
        """Manager action: full recompute of the affinity and the peer best sellers of the
        user's companies."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can recompute the product affinity.'))
        # sudo: recounts (raw SQL) of the manager's own companies only, from their orders
        self.sudo()._recompute_all(self.env.user.company_ids)
        return True

    @api.model
    def _cron_recompute_affinity(self):
        # sudo: the nightly job recounts every company; it returns nothing
        self.sudo()._recompute_all(self.env['res.company'].sudo().search([]))

    @api.model
    def _recompute_all(self, companies):
        """The affinity and the peer best sellers (recommendations) of the companies: the
        nightly refresh and the manager action."""
        self._recompute_affinity(companies.ids)
        self.env['crm.erp.recommendation']._recompute_best_sellers(companies)

    # Incremental updates ----------------------------------------------------------------

    @api.model
    def _affinity_scope(self, orders, vals=None):
        """What a change of orders may touch, per company: {company: ('orders', ids)} for
        order baskets, {company: ('partners', commercial ids)} for window baskets (the
        sessions of the customer may merge or split). vals: values about to be written, whose
        company / customer count too."""
        vals = vals or {}
        # sudo: only the ids of the orders' companies and customers, to scope the recount
        companies = orders.mapped('company_id').sudo()
        if vals.get('company_id'):
            companies |= self.env['res.company'].sudo().browse(vals['company_id'])
        partners = orders.mapped('partner_id.commercial_partner_id')
        if vals.get('partner_id'):
            partners |= self.env['res.partner'].sudo().browse(vals['partner_id']).commercial_partner_id
        scope = {}
        for company in companies:
            if company.affinity_basket_days > 0:
                scope[company] = ('partners', tuple(sorted(partners.ids)))
            else:
                scope[company] = ('orders', tuple(sorted(orders.ids)))
        return scope

    @api.model
    def _affinity_snapshot(self, scope, exclude_order_ids=(), exclude_line_ids=()):
        """{company: {basket id: frozenset(product ids)}} of the scope as the database holds it
        now (minus the excluded orders / lines: the state before they were created)."""
        snapshot = {}
        for company, (kind, ids) in scope.items():
            key = 'order_ids' if kind == 'orders' else 'partner_ids'
            params = self._affinity_params(company, exclude_order_ids=list(exclude_order_ids),
                                           exclude_line_ids=list(exclude_line_ids), **{key: list(ids)})
            self.env.cr.execute(self._affinity_baskets_sql(company, kind), params)
            baskets = {}
            for _company, basket_id, _partner, product_id in self.env.cr.fetchall():
                baskets.setdefault(basket_id, set()).add(product_id)
            snapshot[company] = {basket_id: frozenset(products) for basket_id, products in baskets.items()}
        return snapshot

    @api.model
    def _affinity_before(self, scope, exclude_order_ids=(), exclude_line_ids=()):
        """The snapshot of the scope before a change (see _affinity_snapshot), the scope
        claimed for this transaction (_affinity_claim)."""
        self._affinity_claim(scope)
        return self._affinity_snapshot(scope, exclude_order_ids, exclude_line_ids)

    @api.model
    def _affinity_apply(self, before, after):
        """Move the stored counts from the `before` to the `after` snapshot of the same scope:
        only the baskets that differ, their products and their product pairs change."""
        for company in set(before) | set(after):
            old, new = before.get(company, {}), after.get(company, {})
            basket_delta = 0
            product_delta, pair_delta = Counter(), Counter()
            for baskets, sign in ((old, -1), (new, 1)):
                other = new if sign < 0 else old
                for basket_id, products in baskets.items():
                    if other.get(basket_id) == products:
                        continue
                    if basket_id not in other:
                        basket_delta += sign
                    for product_id in products:
                        product_delta[product_id] += sign
                    for pair in combinations(sorted(products), 2):
                        pair_delta[pair] += sign
            product_delta = {key: value for key, value in product_delta.items() if value}
            pair_delta = {key: value for key, value in pair_delta.items() if value}
            if basket_delta or product_delta or pair_delta:
                self._affinity_write_delta(company, basket_delta, product_delta, pair_delta)

    @api.model
    def _affinity_write_delta(self, company, basket_delta, product_delta, pair_delta):
        """Append the change to crm_erp_affinity_delta: INSERT only, nothing shared with the
        other transactions of the company (the fold moves it into the counts)."""
        keys = [(0, 0, basket_delta)] if basket_delta else []
        keys += [(product, 0, delta) for product, delta in product_delta.items()]
        keys += [(a, b, delta) for (a, b), delta in pair_delta.items()]
        self.env.cr.execute("""
            INSERT INTO crm_erp_affinity_delta (company_id, product_a, product_b, delta)
            SELECT %s, a, b, n FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS d(a, b, n)
        """, [company.id, [key[0] for key in keys], [key[1] for key in keys], [key[2] for key in keys]])

    @api.model
    def _affinity_claim(self, scope):
        """Make two transactions that change the same baskets collide, so that Odoo retries
        the second one on a snapshot that holds the first: each computes its delta from the
        baskets it sees, and two deltas computed from the same baskets would not add up (two
        lines of one order, or two orders merging into one window basket). The orders
        (order baskets) or the commercial customers (window baskets) get a no-op update: a
        concurrent update of the same row is a serialization failure under REPEATABLE READ,
        a mere row lock is not. Per order or customer: different orders never collide."""
        for company, (kind, ids) in scope.items():
            table = 'sale_order' if kind == 'orders' else 'res_partner'
            # table name chosen above, ids as a parameter; sorted ids: always the same lock order
            self.env.cr.execute('UPDATE "{table}" SET write_date = write_date WHERE id = ANY(%s)'.format(
                table=table), [sorted(ids)])

    @api.model
    def _fold_affinity(self):
        """Move the pending deltas into the counts (the frequent cron): with the counts lock
        only, never waiting for it (the holder folds, or the next run will). The transaction
        sees exactly the deltas its DELETE removes (REPEATABLE READ; the deltas of later
        transactions stay for the next fold). Returns the number of delta rows folded, None
        when another transaction holds the lock."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_COUNTS_LOCK])
        if not cr.fetchone()[0]:
            return None
        cr.execute("""
            WITH folded AS (DELETE FROM crm_erp_affinity_delta RETURNING *)
            SELECT company_id, product_a, product_b, SUM(delta), COUNT(*) FROM folded
          GROUP BY company_id, product_a, product_b
        """)
        rows = cr.fetchall()
        by_company = {}
        for company_id, a, b, delta, _count in rows:
            deltas = by_company.setdefault(company_id, [0, {}, {}])
            if not delta:
                continue
            if not a:
                deltas[0] += delta
            elif not b:
                deltas[1][a] = delta
            else:
                deltas[2][(a, b)] = delta
        # sudo: the companies' affinity settings only, for counts of every company (cron)
        for company in self.env['res.company'].sudo().browse(sorted(by_company)).exists():
            self._fold_company(company, *by_company[company.id])
        return sum(row[4] for row in rows)

    @api.model
    def _fold_company(self, company, basket_delta, product_delta, pair_delta):
        """Add the summed deltas of a company to its counts: the total, the products (rows at
        zero deleted), the stored pairs (deleted below the minimum); pairs not stored were
        below the minimum, those that grew may reach it now: counted exactly from the orders
        this transaction sees (the ones the deltas came from)."""
        cr = self.env.cr
        cr.execute("""
            INSERT INTO crm_erp_affinity_company AS t (company_id, basket_count) VALUES (%s, %s)
            ON CONFLICT (company_id) DO UPDATE SET basket_count = t.basket_count + EXCLUDED.basket_count
        """, [company.id, basket_delta])
        products = list(product_delta)
        cr.execute("""
            INSERT INTO crm_erp_affinity_product AS t (company_id, product_id, basket_count)
            SELECT %s, product_id, delta FROM unnest(%s::integer[], %s::integer[]) AS d(product_id, delta)
            ON CONFLICT (company_id, product_id) DO UPDATE SET basket_count = t.basket_count + EXCLUDED.basket_count
        """, [company.id, products, [product_delta[product] for product in products]])
        cr.execute("DELETE FROM crm_erp_affinity_product WHERE company_id = %s AND product_id = ANY(%s) "
                   "AND basket_count <= 0", [company.id, products])
        if not pair_delta:
            return
        min_count = company.affinity_min_count
        pairs = list(pair_delta)
        pair_a, pair_b = [a for a, b in pairs], [b for a, b in pairs]
        cr.execute("""
            UPDATE crm_erp_affinity_pair t SET pair_count = t.pair_count + d.delta
              FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS d(a, b, delta)
             WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b
         RETURNING t.product_a, t.product_b
        """, [pair_a, pair_b, [pair_delta[pair] for pair in pairs], company.id])
        stored = set(cr.fetchall())
        cr.execute("""
            DELETE FROM crm_erp_affinity_pair t
             USING unnest(%s::integer[], %s::integer[]) AS d(a, b)
             WHERE t.company_id = %s AND t.product_a = d.a AND t.product_b = d.b AND t.pair_count < %s
        """, [pair_a, pair_b, company.id, min_count])
        # basket counts of every product of the pairs (a product may be in a changed pair
        # while its own count did not change)
        cr.execute("SELECT product_id, basket_count FROM crm_erp_affinity_product "
                   "WHERE company_id = %s AND product_id = ANY(%s)", [company.id, list(set(pair_a) | set(pair_b))])
        counts = dict(cr.fetchall())
        # only when both products reach the minimum themselves
        candidates = [(a, b) for (a, b) in pairs
                      if (a, b) not in stored and pair_delta[(a, b)] > 0
                      and counts.get(a, 0) >= min_count and counts.get(b, 0) >= min_count]
        if not candidates:
            return
        # the rarer product of each pair goes first: it chooses the baskets read
        ordered = [(a, b) if counts[a] <= counts[b] else (b, a) for a, b in candidates]
        kind = 'product_partners' if company.affinity_basket_days > 0 else 'product_orders'
        params = self._affinity_params(company, scope_product_ids=sorted({a for a, b in ordered}),
                                       pair_a=[a for a, b in ordered], pair_b=[b for a, b in ordered])
        cr.execute(_RECOUNT_PAIRS_SQL.format(baskets=self._affinity_baskets_sql(company, kind)), params)
        reached = [(min(a, b), max(a, b), count) for a, b, count in cr.fetchall() if count >= min_count]
        if reached:
            cr.execute("""
                INSERT INTO crm_erp_affinity_pair (company_id, product_a, product_b, pair_count)
                SELECT %s, a, b, n FROM unnest(%s::integer[], %s::integer[], %s::integer[]) AS r(a, b, n)
            """, [company.id, [r[0] for r in reached], [r[1] for r in reached], [r[2] for r in reached]])

    @api.model
    def _cron_fold_affinity(self):
        # sudo: the cron moves every company's pending counts; it reads and returns nothing
        self.sudo()._fold_affinity()

    @api.model
    def _affinity_state(self, company_ids):
        """The counts of the companies as readers see them, the pending deltas added (tests
        compare the incremental state with a full recompute): (baskets per company,
        {(company, product): baskets}, {(company, a, b): count} of the stored pairs)."""
        cr = self.env.cr
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
