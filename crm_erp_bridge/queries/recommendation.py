"""Recommendations: the customers' histories scored by the co-purchase affinity, the peer
best sellers (precomputed tables) and typical quantities (model crm.erp.recommendation,
res.partner's cross-sell opportunities; their own lookups: cross_sell.py)."""
from ..sql import fetch_int_columns
from .affinity import affinity_delta_sql, basket_params, lines_sql
from .common import COUNTED_LINE_SQL, COUNTED_ORDER_SQL, analyze, drop_tables, product_uom_joins, sellable_sql

_SELLABLE_SQL = sellable_sql()

# A repeat-purchase item (readme/CONFIGURE.rst, settings): ap is its crm_erp_affinity_product row.
_REPEAT_ITEM_SQL = "ap.customer_count >= 2 AND ap.repeat_customer_count >= %(repeat_share)s * ap.customer_count"

# Counted lines of a company's confirmed orders (as in the affinity baskets) of the requested
# commercial customers, up to an optional date; quantities in the product unit; sellable: the
# product may be shown (active, sale_ok, of the company or of none).
_HISTORY_SQL = """
    SELECT rp.commercial_partner_id AS partner_id, l.product_id,
           SUM(l.product_uom_qty / line_uom.factor * product_uom.factor) AS qty,
           MAX(so.date_order) AS last_date,
           BOOL_OR(""" + _SELLABLE_SQL + """) AS sellable
      FROM sale_order so
      JOIN res_partner rp ON rp.id = so.partner_id
      JOIN sale_order_line l ON l.order_id = so.id
      """ + product_uom_joins('l', 'product_uom') + """
      JOIN res_company cmp ON cmp.id = so.company_id
     WHERE so.company_id = %(company_id)s
       AND rp.commercial_partner_id = ANY(%(partner_ids)s::integer[])
       AND """ + COUNTED_LINE_SQL + """
       AND so.date_order < %(now)s::timestamp
  GROUP BY rp.commercial_partner_id, l.product_id
"""

# The input of the recommendation engines (engines/purchases.py): every counted line of a
# company's orders placed before a time, as integers: commercial customer, product, order, order
# day (days since 2000-01-01, of the stored UTC time), quantity in thousandths of the product's
# unit (at most 2^31 - 1), the product's category. QTY_SCALE: the thousandths.
QTY_SCALE = 1000.0
_COUNTED_LINES_SQL = """
    SELECT rp.commercial_partner_id, l.product_id, so.id,
           (so.date_order::date - DATE '2000-01-01')::integer,
           LEAST(ROUND(l.product_uom_qty / line_uom.factor * product_uom.factor * 1000), 2147483647)::integer,
           pt.categ_id
      FROM sale_order so
      JOIN res_partner rp ON rp.id = so.partner_id
      JOIN sale_order_line l ON l.order_id = so.id
      """ + product_uom_joins('l', 'product_uom') + """
      JOIN res_company cmp ON cmp.id = so.company_id
     WHERE so.company_id = %(company_id)s
       AND """ + COUNTED_LINE_SQL + """
       AND so.date_order < %(before)s::timestamp
"""
_OF_CUSTOMERS_SQL = """
       AND rp.commercial_partner_id = ANY(%(partner_ids)s::integer[])
"""

# the pending deltas of a stored pair s of the company
_STORED_PAIR_DELTA_SQL = affinity_delta_sql('%(company_id)s', 's.product_a', 's.product_b')

# Affinity recommendations of a batch of customers in one query (readme/USAGE.rst, "Recommendations"):
# weight of a bought product A = 0.5 ^ (days since last bought / half-life) x (1 + ln(1 + qty));
# score of B = sum over A of weight(A) x confidence(A -> B), over the visible affinities; the
# strongest contribution explains it. Products bought within the exclusion window are left out
# unless they are repeat-purchase items; products already on the document are left out.
# The affinities are read from the raw counts, not from the crm_erp_product_affinity view
# (same figures and visibility: pair count >= min count, lift >= min lift, both products
# sellable): the stored pairs of A in both directions (index-only), strongest first, until
# per_product visible ones are found. Through the view every pair of A was joined first.
# Counts are the stored ones plus the pending deltas (crm_erp_affinity_delta, folded every
# minute); the strongest pairs are taken in the stored order (the index's).
_AFFINITY_SQL = """
    WITH history AS (""" + _HISTORY_SQL + """),
    weights AS (
        SELECT h.partner_id, h.product_id,
               pa.basket_count + """ + affinity_delta_sql('%(company_id)s', 'h.product_id') + """ AS basket_count,
               -- in double precision: numeric POWER is slow
               POWER(0.5, GREATEST(EXTRACT(EPOCH FROM %(now)s::timestamp - h.last_date)::float8 / 86400.0, 0)
                          / %(half_life)s)
               * (1 + LN(1 + GREATEST(h.qty, 0)::float8)) AS weight
          FROM history h
          JOIN crm_erp_affinity_product pa ON pa.company_id = %(company_id)s AND pa.product_id = h.product_id
         WHERE h.sellable
    ), contributions AS (
        SELECT w.partner_id, a.related_product_id AS product_id, w.product_id AS from_product_id,
               a.pair_count, a.confidence, a.lift, w.weight * a.confidence AS contribution
          FROM weights w
         CROSS JOIN LATERAL (
            -- The visibility of each pair is checked by subqueries above the sorted pairs (the
            -- OFFSET 0 fence keeps them there): a product's 50 strongest visible pairs cost
            -- about 50 checks, not one per stored pair (thousands for popular products).
            -- (NULLIF: before a fold, the pending deltas may bring a product's count to 0)
            SELECT x.related_product_id, x.pair_count, x.pair_count::float8 / w.basket_count AS confidence, x.lift
              FROM (SELECT d.related_product_id, d.stored_count, d.pair_count,
                           d.pair_count::float8 * %(basket_count)s / NULLIF(w.basket_count::float8 * (
                               SELECT pb.basket_count + """ + affinity_delta_sql('pb.company_id', 'pb.product_id') + """
                                 FROM crm_erp_affinity_product pb
                                WHERE pb.company_id = %(company_id)s
                                  AND pb.product_id = d.related_product_id), 0) AS lift
                      FROM (SELECT s.related_product_id, s.pair_count AS stored_count,
                                   s.pair_count + """ + _STORED_PAIR_DELTA_SQL + """
                                       AS pair_count
                              FROM (SELECT product_a, product_b, product_b AS related_product_id, pair_count
                                      FROM crm_erp_affinity_pair
                                     WHERE company_id = %(company_id)s AND product_a = w.product_id
                                       AND pair_count >= %(min_count)s
                                    UNION ALL
                                    SELECT product_a, product_b, product_a, pair_count FROM crm_erp_affinity_pair
                                     WHERE company_id = %(company_id)s AND product_b = w.product_id
                                       AND pair_count >= %(min_count)s
                                  ORDER BY pair_count DESC, related_product_id OFFSET 0) s) d
                  ORDER BY d.stored_count DESC, d.related_product_id OFFSET 0) x
             WHERE x.pair_count >= %(min_count)s AND x.lift >= %(min_lift)s
               AND (SELECT """ + _SELLABLE_SQL + """
                      FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     WHERE pp.id = x.related_product_id)
          ORDER BY x.stored_count DESC, x.related_product_id
             LIMIT %(per_product)s) a
    ), scored AS (
        -- score: every contribution; explanation: the strongest one
        SELECT c.*, SUM(c.contribution) OVER candidate AS score,
               ROW_NUMBER() OVER (candidate ORDER BY c.contribution DESC, c.from_product_id) AS strongest
          FROM contributions c
        WINDOW candidate AS (PARTITION BY c.partner_id, c.product_id)
    ), kept AS (
        -- (NOT IN: one hashed lookup of the recent purchases, not a scan of them per candidate)
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.partner_id ORDER BY s.score DESC, s.product_id) AS rank
          FROM scored s
          LEFT JOIN crm_erp_affinity_product ap ON ap.company_id = %(company_id)s AND ap.product_id = s.product_id
         WHERE s.strongest = 1 AND s.product_id <> ALL(%(exclude_product_ids)s::integer[])
           AND ((s.partner_id, s.product_id) NOT IN (
                    SELECT partner_id, product_id FROM history
                     WHERE last_date >= %(now)s::timestamp - make_interval(days => %(exclude_days)s))
                OR (""" + _REPEAT_ITEM_SQL + """))
    )
    SELECT partner_id, product_id, score, from_product_id, pair_count, lift, confidence
      FROM kept WHERE rank <= %(fetch)s
  ORDER BY partner_id, rank
"""

# Peer best sellers, precomputed by the full affinity recompute (readme/USAGE.rst, "Recommendations"):
# - crm_erp_best_seller_company: the reference date of each company's figures (the year
#   before it counts);
# - crm_erp_best_seller: per company, peer group and product, the distinct commercial
#   customers who bought the product in that year. Groups: level 1 an industry, 2 a country,
#   3 an RFM segment (peer_key: its id or code), 4 every customer (peer_key '').
_BEST_SELLER_TABLES_SQL = """
    CREATE TABLE IF NOT EXISTS crm_erp_best_seller_company (
        company_id integer PRIMARY KEY REFERENCES res_company(id) ON DELETE CASCADE,
        date_to timestamp NOT NULL
    );
    CREATE TABLE IF NOT EXISTS crm_erp_best_seller (
        company_id integer NOT NULL,
        level smallint NOT NULL,
        peer_key varchar NOT NULL,
        product_id integer NOT NULL,
        buyers integer NOT NULL
    );
    -- the best sellers of a group, best first (recommendations read the top ones); one row
    -- per group and product by construction: no primary key to maintain (it doubled the
    -- time of the insert at L)
    CREATE INDEX IF NOT EXISTS crm_erp_best_seller_rank_idx
        ON crm_erp_best_seller (company_id, level, peer_key, buyers DESC, product_id);
"""

# The counted lines of the year before date_to of every basket source of the affinity (the
# confirmed sale orders; with crm_erp_bridge_pos the paid tickets: queries.affinity.lines_sql,
# scope 'period'), of sellable products, as distinct (company, customer key, product), counted
# per company and peer group in one pass (GROUPING SETS). A document without a customer (an
# anonymous ticket) is a buyer of its own (its signed id): in no peer group but everybody's.
_BEST_SELLERS_RECOMPUTE_SQL = """
    WITH sales AS (
        SELECT DISTINCT lines.company_id, lines.partner_id AS buyer_id, cp.industry_id, cp.country_id,
               st.rfm_segment, lines.product_id
          FROM ({lines}) lines
          LEFT JOIN res_partner cp ON cp.id = lines.partner_id
          LEFT JOIN crm_erp_partner_stats st ON st.partner_id = cp.id AND st.company_id = lines.company_id
          JOIN product_product pp ON pp.id = lines.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE """ + sellable_sql('lines.company_id') + """
    ), groups AS (
        SELECT company_id,
               CASE WHEN GROUPING(industry_id) = 0 THEN 1 WHEN GROUPING(country_id) = 0 THEN 2
                    WHEN GROUPING(rfm_segment) = 0 THEN 3 ELSE 4 END AS level,
               CASE WHEN GROUPING(industry_id) = 0 THEN industry_id::varchar
                    WHEN GROUPING(country_id) = 0 THEN country_id::varchar
                    WHEN GROUPING(rfm_segment) = 0 THEN rfm_segment::varchar ELSE '' END AS peer_key,
               product_id, COUNT(*) AS buyers
          FROM sales
      GROUP BY GROUPING SETS ((company_id, industry_id, product_id), (company_id, country_id, product_id),
                              (company_id, rfm_segment, product_id), (company_id, product_id))
    )
    INSERT INTO crm_erp_best_seller (company_id, level, peer_key, product_id, buyers)
    SELECT company_id, level, peer_key, product_id, buyers FROM groups WHERE peer_key IS NOT NULL
"""

# Best sellers among the customer's peers (levels 1-4, in this order), from the precomputed
# figures: a customer's own purchases of the figures' year are not counted (one buyer less);
# their purchases are the counted lines of every basket source ({lines}: scope 'partners').
# Each level reads only its top rows: enough to fill `fetch` items after the products left
# out (bought by the customer, on the document, taken by an earlier level). The checks of
# each row are subqueries on primary keys: a plan that does not depend on estimates.
_BEST_SELLERS_SQL = """
    WITH snapshot AS (
        SELECT date_to, date_to - INTERVAL '365 days' AS date_from
          FROM crm_erp_best_seller_company WHERE company_id = %(company_id)s
    ), bought AS (
        -- recent: within the exclusion window; counted: in the figures' year
        SELECT lines.partner_id, lines.product_id,
               BOOL_OR(lines.date_order >= %(now)s::timestamp - make_interval(days => %(exclude_days)s)
                       AND lines.date_order < %(now)s::timestamp) AS recent,
               BOOL_OR(lines.date_order >= snapshot.date_from AND lines.date_order < snapshot.date_to) AS counted
          FROM snapshot
         CROSS JOIN ({lines}) lines
         WHERE lines.date_order < GREATEST(%(now)s::timestamp, snapshot.date_to)
      GROUP BY lines.partner_id, lines.product_id
    ), customer AS (
        SELECT p.id AS partner_id, p.industry_id, p.country_id, st.rfm_segment,
               (SELECT COUNT(*) FROM bought b WHERE b.partner_id = p.id)
               + cardinality(%(exclude_product_ids)s::integer[]) AS left_out
          FROM res_partner p
          LEFT JOIN crm_erp_partner_stats st ON st.partner_id = p.id AND st.company_id = %(company_id)s
         WHERE p.id = ANY(%(partner_ids)s::integer[])
    ), peer_group AS (
        SELECT partner_id, 1 AS level, industry_id::varchar AS peer_key, left_out FROM customer
        UNION ALL
        SELECT partner_id, 2, country_id::varchar, left_out FROM customer
        UNION ALL
        SELECT partner_id, 3, rfm_segment::varchar, left_out FROM customer
        UNION ALL
        SELECT partner_id, 4, '', left_out FROM customer
    ), levels AS (
        -- fetch items taken by earlier levels + fetch for this one + those left out
        SELECT g.partner_id, g.level, g.peer_key, b.product_id,
               b.buyers - CASE WHEN own.counted THEN 1 ELSE 0 END AS buyers,
               COALESCE(own.recent, FALSE) AS recent
          FROM peer_group g
         CROSS JOIN LATERAL (
            SELECT product_id, buyers FROM crm_erp_best_seller
             WHERE company_id = %(company_id)s AND level = g.level AND peer_key = g.peer_key
          ORDER BY buyers DESC, product_id
             LIMIT 2 * %(fetch)s + g.left_out) b
          LEFT JOIN bought own ON own.partner_id = g.partner_id AND own.product_id = b.product_id
    ), best AS (
        SELECT DISTINCT ON (partner_id, product_id) partner_id, product_id, level, peer_key, buyers
          FROM levels l
         WHERE buyers > 0 AND product_id <> ALL(%(exclude_product_ids)s::integer[])
           AND (SELECT """ + _SELLABLE_SQL + """
                  FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE pp.id = l.product_id)
           -- bought within the exclusion window and not a repeat-purchase item: left out
           AND NOT (l.recent AND NOT COALESCE((
                    SELECT """ + _REPEAT_ITEM_SQL + """ FROM crm_erp_affinity_product ap
                     WHERE ap.company_id = %(company_id)s AND ap.product_id = l.product_id), FALSE))
      ORDER BY partner_id, product_id, level, buyers DESC
    ), ranked AS (
        SELECT b.*, ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY level, buyers DESC, product_id) AS rank
          FROM best b
    )
    SELECT partner_id, product_id, level, peer_key, buyers FROM ranked WHERE rank <= %(fetch)s
  ORDER BY partner_id, rank
"""


BEST_SELLER_TABLE_NAMES = ('crm_erp_best_seller', 'crm_erp_best_seller_company')


def create_best_seller_tables(cr):
    """The peer best-seller tables and their index, if missing."""
    cr.execute(_BEST_SELLER_TABLES_SQL)


def drop_best_seller_tables(cr):
    """Uninstall: the peer best-seller tables."""
    drop_tables(cr, BEST_SELLER_TABLE_NAMES)


def _year_before(cr, date_to):
    """The start of the figures' year before date_to: date_to - 365 days (PostgreSQL's
    timestamp arithmetic, as the snapshot's date_from in _BEST_SELLERS_SQL)."""
    cr.execute("SELECT %s::timestamp - INTERVAL '365 days'", [date_to])
    return cr.fetchone()[0]


def recompute_best_sellers(cr, company_ids, date_to, sources=None, exclude_delivery=False):
    """Replace the peer best sellers of the companies by those of the year before date_to, of
    the counted lines of the affinity's basket sources (queries.affinity.BasketSource; None:
    the sale orders; exclude_delivery: the affinity's delivery rule)."""
    params = basket_params(None, date_to, company_ids=list(company_ids),
                           date_from=_year_before(cr, date_to))
    cr.execute("DELETE FROM crm_erp_best_seller WHERE company_id = ANY(%(company_ids)s)", params)
    cr.execute("DELETE FROM crm_erp_best_seller_company WHERE company_id = ANY(%(company_ids)s)", params)
    cr.execute("INSERT INTO crm_erp_best_seller_company (company_id, date_to) "
               "SELECT unnest(%(company_ids)s::integer[]), %(date_to)s", params)
    # all companies in one pass over the year's lines
    cr.execute(_BEST_SELLERS_RECOMPUTE_SQL.format(lines=lines_sql('period', exclude_delivery, sources)), params)
    analyze(cr, 'crm_erp_best_seller')


def forget_best_sellers_of_products(cr, product_ids):
    """Delete the peer best-seller rows of the products (archived or deleted)."""
    cr.execute("DELETE FROM crm_erp_best_seller WHERE product_id = ANY(%s)", [list(product_ids)])


def counted_lines(cr, company_id, before, partner_ids=None):
    """The company's counted lines of orders placed before `before` (a timestamp), of the
    commercial customers partner_ids only when given: six numpy int32 arrays of one value per
    line (unordered): commercial customer id, product id, order id, order day (days since
    2000-01-01), quantity in thousandths of the product's unit (QTY_SCALE), product category id."""
    query = _COUNTED_LINES_SQL + (_OF_CUSTOMERS_SQL if partner_ids is not None else '')
    params = {'company_id': company_id, 'before': before,
              'partner_ids': list(partner_ids) if partner_ids is not None else None}
    return fetch_int_columns(cr, query, params, 6)


def sellable_product_ids(cr, company_id, product_ids):
    """The ids among product_ids of products the company may sell (active, sale_ok, of the
    company or of none)."""
    cr.execute("""
        SELECT pp.id FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE pp.id = ANY(%(product_ids)s::integer[]) AND """ + _SELLABLE_SQL,
               {'company_id': company_id, 'product_ids': list(product_ids)})
    return {row[0] for row in cr.fetchall()}


def ensure_tuning_rows(cr, company_ids, uid):
    """Create the empty crm_erp_recommendation_tuning row of each company that has none. When
    another transaction is creating the same row at that moment, this one fails with a
    serialization error (Odoo runs the call again; the row is then found), never with a
    duplicate."""
    cr.execute("""
        INSERT INTO crm_erp_recommendation_tuning (company_id, create_uid, create_date, write_uid, write_date)
        SELECT company_id, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM unnest(%(company_ids)s::integer[]) AS company_id
            ON CONFLICT (company_id) DO NOTHING
    """, {'company_ids': list(company_ids), 'uid': uid})


def affinity_candidates(cr, params):
    """[(partner_id, product_id, score, from_product_id, pair_count, lift, confidence)], the
    best `fetch` affinity candidates of each customer, best first. params: company_id,
    partner_ids, now, half_life, exclude_days, repeat_share, exclude_product_ids, fetch,
    per_product, basket_count, min_count, min_lift."""
    cr.execute(_AFFINITY_SQL, params)
    return cr.fetchall()


def peer_best_sellers(cr, params, sources=None, exclude_delivery=False):
    """[(partner_id, product_id, level, peer_key, buyers)], the best `fetch` peer best sellers
    of each customer, best first (params: as affinity_candidates; the customers' purchases: the
    counted lines of sources, as recompute_best_sellers)."""
    cr.execute(_BEST_SELLERS_SQL.format(lines=lines_sql('partners', exclude_delivery, sources)),
               dict(basket_params(params['company_id'], None), **params))
    return cr.fetchall()


# Every buyer of the company's products: the distinct customer keys x products of the counted
# lines of every basket source before %(date_to)s, with the last day each was bought.
_BUYER_PAIRS_SQL = """
    SELECT lines.partner_id, lines.product_id, MAX(lines.day) - DATE '2000-01-01'
      FROM ({lines}) lines
  GROUP BY lines.partner_id, lines.product_id
"""


def buyer_pairs(cr, company_id, before, sources=None, exclude_delivery=False):
    """The buyers of the company's products before `before` (a timestamp) in the counted lines
    of sources (as recompute_best_sellers): three numpy int32 arrays of one value per distinct
    customer key x product: the customer key (commercial customer, or the signed id of a
    document without one: an anonymous ticket), the product, the last day it was bought (days
    since 2000-01-01, of the stored UTC time, as counted_lines)."""
    params = basket_params(None, before, company_ids=[company_id], date_from=None)
    return fetch_int_columns(cr, _BUYER_PAIRS_SQL.format(lines=lines_sql('period', exclude_delivery, sources)),
                             params, 3)


def typical_quantities(cr, company_id, requests):
    """{(commercial partner id, product id): quantity} for each requested pair: the median
    quantity (product unit) of the customer's confirmed lines of the product, else the median
    of all customers' lines of it in the company, else 1."""
    cr.execute("""
        WITH request AS (
            SELECT * FROM unnest(%(partner_ids)s::integer[], %(product_ids)s::integer[]) AS r(partner_id, product_id)
        ), lines AS (
            SELECT rp.commercial_partner_id AS partner_id, l.product_id,
                   l.product_uom_qty / line_uom.factor * product_uom.factor AS qty
              FROM sale_order_line l
              JOIN sale_order so ON so.id = l.order_id
              JOIN res_partner rp ON rp.id = so.partner_id
              """ + product_uom_joins('l', 'product_uom') + """
             WHERE so.company_id = %(company_id)s AND """ + COUNTED_ORDER_SQL + """ AND l.product_uom_qty > 0
               AND l.product_id IN (SELECT product_id FROM request)
        ), own AS (
            SELECT partner_id, product_id, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY qty) AS qty
              FROM lines GROUP BY partner_id, product_id
        ), overall AS (
            SELECT product_id, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY qty) AS qty
              FROM lines GROUP BY product_id
        )
        SELECT r.partner_id, r.product_id, COALESCE(own.qty, overall.qty, 1.0)
          FROM request r
          LEFT JOIN own ON own.partner_id = r.partner_id AND own.product_id = r.product_id
          LEFT JOIN overall ON overall.product_id = r.product_id
    """, {'company_id': company_id, 'partner_ids': [partner_id for partner_id, _product in requests],
          'product_ids': [product_id for _partner, product_id in requests]})
    return {(partner_id, product_id): qty for partner_id, product_id, qty in cr.fetchall()}
