"""Customer 360: the figures per (company, commercial partner), RFM boundaries and scores,
segments, lifetime value and lifecycle stages (model crm.erp.partner.stats), in three set-based
statements; plus the lookups around them."""
from ..rules import rfm_segment_sql, stage_rule_sql
from ..sql import array_literal, execute_prepared
from .common import (SALE_ORDER_DOCUMENTS, PartnerScope, counted_document_lines_sql, counted_documents_sql,
                     counted_orders_select, create_currency_factor_function, ensure_index,
                     with_company_currency_factor, with_hash_joins)
from .service import overdue_sql, recent_rating_sql

# RFM score of a value against a company's ordered quintile boundaries (up to 4): 1 + the
# number of boundaries strictly below the value. Inlined by PostgreSQL (no FROM clause).
_RFM_SCORE_FUNCTION_SQL = """
    CREATE OR REPLACE FUNCTION crm_erp_bridge_rfm_score(value anyelement, bounds anyarray)
    RETURNS integer LANGUAGE sql IMMUTABLE AS $$
        SELECT 1 + COALESCE((bounds[1] < value)::integer, 0) + COALESCE((bounds[2] < value)::integer, 0)
                 + COALESCE((bounds[3] < value)::integer, 0) + COALESCE((bounds[4] < value)::integer, 0)
    $$
"""

# Lead figures of a group of leads l (open leads, open opportunities, won, lost).
_LEAD_COUNTS = """COUNT(l.id) FILTER (WHERE l.active AND l.probability < 100 AND l.type = 'lead') AS open_leads,
           COUNT(l.id) FILTER (WHERE l.active AND l.probability < 100 AND l.type = 'opportunity') AS open_opportunities,
           COUNT(l.id) FILTER (WHERE l.active AND l.probability >= 100) AS won_leads,
           COUNT(l.id) FILTER (WHERE NOT l.active) AS lost_leads"""

# Step 1: raw figures per (company, commercial partner) with any order, lead or purchase in
# that company (orders and purchases up to orders_until when it is given: leads as they are),
# upserted in one statement (a partner without a row is a prospect). Rows of the scope that
# lost all activity (last order cancelled) are reset to zero, not deleted, so the
# stage history and a manual lock survive. Unchanged rows are not rewritten. {documents} is the
# counted documents' SQL (common.counted_documents_sql: sale orders, and what glue addons add,
# with the margin column chosen in Python: sale_margin's margin when installed, else the untaxed
# amount) and {lines} their lines' (common.counted_document_lines_sql), never values;
# {scope[column]} the filter of the refreshed partners (PartnerScope).
_UPSERT_FIGURES_SQL = """
WITH companies AS (
    SELECT cmp.id, cmp.currency_id FROM res_company cmp WHERE cmp.id = ANY(%(company_ids)s)
),""" + with_company_currency_factor('orders', """
    SELECT doc.kind, doc.id, doc.company_id, p.commercial_partner_id AS partner_id,
           doc.date_order::date AS day, pl.currency_id, cmp.currency_id AS company_currency_id,
           doc.amount_untaxed, doc.margin
      FROM ({documents}) doc
      JOIN res_partner p ON p.id = doc.partner_id
      JOIN companies cmp ON cmp.id = doc.company_id
      JOIN product_pricelist pl ON pl.id = doc.pricelist_id
     WHERE doc.date_order < COALESCE(%(orders_until)s::date + 1, 'infinity'::date)
       AND {scope[p.commercial_partner_id]}""", known_rates=True) + """, sales AS (
    SELECT company_id, partner_id, COUNT(*) AS order_count, SUM(factor * amount_untaxed) AS revenue,
           SUM(factor * margin) AS margin, MIN(day) AS first_date, MAX(day) AS last_date
      FROM orders GROUP BY company_id, partner_id
), product_pairs AS (
    -- lines reached through their orders (indexed order_id), never by a scan of every line
    SELECT DISTINCT o.company_id, o.partner_id, line.product_id
      FROM orders o
      JOIN ({lines}) line ON line.kind = o.kind AND line.order_id = o.id
), products AS (
    SELECT company_id, partner_id, COUNT(*) AS product_count FROM product_pairs GROUP BY company_id, partner_id
), leads AS (
    -- a lead without company counts in every company
    SELECT cmp.id AS company_id, p.commercial_partner_id AS partner_id,
           """ + _LEAD_COUNTS + """
      FROM crm_lead l
      JOIN res_partner p ON p.id = l.partner_id
      JOIN companies cmp ON l.company_id IS NULL OR l.company_id = cmp.id
     WHERE {scope[p.commercial_partner_id]}
  GROUP BY cmp.id, p.commercial_partner_id
),""" + with_company_currency_factor('purchases', """
    SELECT doc.id, doc.company_id, p.commercial_partner_id AS partner_id, doc.date_order,
           doc.date_planned, doc.date_order::date AS day, doc.currency_id,
           cmp.currency_id AS company_currency_id, doc.amount_untaxed
      FROM purchase_order doc
      JOIN res_partner p ON p.id = doc.partner_id
      JOIN companies cmp ON cmp.id = doc.company_id
     WHERE doc.state IN ('purchase', 'done')
       AND doc.date_order < COALESCE(%(orders_until)s::date + 1, 'infinity'::date)
       AND {scope[p.commercial_partner_id]}""", known_rates=True) + """, purchase_figures AS (
    SELECT company_id, partner_id, COUNT(*) AS order_count, SUM(factor * amount_untaxed) AS spend,
           MAX(day) AS last_date
      FROM purchases GROUP BY company_id, partner_id
), receipts AS (
    -- one row per done receipt of a purchase order
    SELECT DISTINCT po.company_id, po.partner_id, pick.id,
           EXTRACT(EPOCH FROM pick.date_done - po.date_order) / 86400.0 AS lead_days,
           pick.date_done <= po.date_planned AS on_time
      FROM purchases po
      JOIN purchase_order_line pol ON pol.order_id = po.id
      JOIN stock_move move ON move.purchase_line_id = pol.id
      JOIN stock_picking pick ON pick.id = move.picking_id
      JOIN stock_picking_type ptype ON ptype.id = pick.picking_type_id
     WHERE pick.state = 'done' AND ptype.code = 'incoming'
), receipt_figures AS (
    SELECT company_id, partner_id, AVG(lead_days) AS lead_days,
           100.0 * COUNT(*) FILTER (WHERE on_time) / COUNT(*) AS on_time_rate
      FROM receipts GROUP BY company_id, partner_id
), scope AS (
    SELECT company_id, partner_id FROM sales
     UNION SELECT company_id, partner_id FROM leads
     UNION SELECT company_id, partner_id FROM purchase_figures
     UNION SELECT company_id, partner_id FROM crm_erp_partner_stats
            WHERE company_id = ANY(%(company_ids)s)
              AND {scope[partner_id]}
)
INSERT INTO crm_erp_partner_stats AS stats (
    company_id, partner_id, user_id, country_id,
    sale_order_count, sale_revenue, sale_margin, first_order_date, last_order_date, product_count,
    lead_open_count, opportunity_open_count, lead_won_count, lead_lost_count,
    purchase_order_count, purchase_spend, last_purchase_date, purchase_lead_time_days,
    purchase_on_time_rate, customer_stage_locked,
    create_uid, create_date, write_uid, write_date)
SELECT scope.company_id, scope.partner_id, p.user_id, p.country_id,
       COALESCE(s.order_count, 0), COALESCE(s.revenue, 0), COALESCE(s.margin, 0),
       s.first_date, s.last_date, COALESCE(pr.product_count, 0),
       COALESCE(l.open_leads, 0), COALESCE(l.open_opportunities, 0),
       COALESCE(l.won_leads, 0), COALESCE(l.lost_leads, 0),
       COALESCE(pf.order_count, 0), COALESCE(pf.spend, 0), pf.last_date,
       rf.lead_days, rf.on_time_rate, FALSE,
       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
  FROM scope
  JOIN res_partner p ON p.id = scope.partner_id AND p.active  -- archived: forgotten (_forget_archived_partners)
  LEFT JOIN sales s ON s.company_id = scope.company_id AND s.partner_id = scope.partner_id
  LEFT JOIN products pr ON pr.company_id = scope.company_id AND pr.partner_id = scope.partner_id
  LEFT JOIN leads l ON l.company_id = scope.company_id AND l.partner_id = scope.partner_id
  LEFT JOIN purchase_figures pf ON pf.company_id = scope.company_id AND pf.partner_id = scope.partner_id
  LEFT JOIN receipt_figures rf ON rf.company_id = scope.company_id AND rf.partner_id = scope.partner_id
ON CONFLICT (company_id, partner_id) DO UPDATE SET
    sale_order_count = EXCLUDED.sale_order_count, sale_revenue = EXCLUDED.sale_revenue,
    sale_margin = EXCLUDED.sale_margin, first_order_date = EXCLUDED.first_order_date,
    last_order_date = EXCLUDED.last_order_date, product_count = EXCLUDED.product_count,
    lead_open_count = EXCLUDED.lead_open_count, opportunity_open_count = EXCLUDED.opportunity_open_count,
    lead_won_count = EXCLUDED.lead_won_count, lead_lost_count = EXCLUDED.lead_lost_count,
    purchase_order_count = EXCLUDED.purchase_order_count, purchase_spend = EXCLUDED.purchase_spend,
    last_purchase_date = EXCLUDED.last_purchase_date,
    purchase_lead_time_days = EXCLUDED.purchase_lead_time_days,
    purchase_on_time_rate = EXCLUDED.purchase_on_time_rate,
    write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
 WHERE (stats.sale_order_count, stats.sale_revenue, stats.sale_margin, stats.first_order_date,
        stats.last_order_date, stats.product_count, stats.lead_open_count,
        stats.opportunity_open_count, stats.lead_won_count, stats.lead_lost_count,
        stats.purchase_order_count, stats.purchase_spend, stats.last_purchase_date,
        stats.purchase_lead_time_days, stats.purchase_on_time_rate)
       IS DISTINCT FROM
       (EXCLUDED.sale_order_count, EXCLUDED.sale_revenue, EXCLUDED.sale_margin, EXCLUDED.first_order_date,
        EXCLUDED.last_order_date, EXCLUDED.product_count, EXCLUDED.lead_open_count,
        EXCLUDED.opportunity_open_count, EXCLUDED.lead_won_count, EXCLUDED.lead_lost_count,
        EXCLUDED.purchase_order_count, EXCLUDED.purchase_spend, EXCLUDED.last_purchase_date,
        EXCLUDED.purchase_lead_time_days, EXCLUDED.purchase_on_time_rate)
"""

# Step 1 after a lead change, for customers that have a row: only their lead figures (a lead
# changes nothing else; a customer without a row goes through step 1, the statement returns
# the customers that have one).
_UPDATE_LEAD_FIGURES_SQL = """
WITH figures AS (
    SELECT s.id, s.partner_id, """ + _LEAD_COUNTS + """
      FROM crm_erp_partner_stats s
      JOIN res_partner p ON p.commercial_partner_id = s.partner_id
      LEFT JOIN crm_lead l ON l.partner_id = p.id AND (l.company_id IS NULL OR l.company_id = s.company_id)
     WHERE s.company_id = ANY(%(company_ids)s) AND s.partner_id = ANY(%(partner_ids)s)
  GROUP BY s.id
), updated AS (
    UPDATE crm_erp_partner_stats s
       SET lead_open_count = f.open_leads, opportunity_open_count = f.open_opportunities,
           lead_won_count = f.won_leads, lead_lost_count = f.lost_leads,
           write_uid = %(uid)s::integer, write_date = NOW() AT TIME ZONE 'UTC'
      FROM figures f
     WHERE s.id = f.id
       AND (s.lead_open_count, s.opportunity_open_count, s.lead_won_count, s.lead_lost_count)
           IS DISTINCT FROM (f.open_leads, f.open_opportunities, f.won_leads, f.lost_leads)
)
SELECT DISTINCT partner_id FROM figures
"""

# Step 2 (full refresh only): RFM quintile boundaries per company, over its customers with at
# least one order. Row `score` s holds the largest value of quintile s (s = 1..4); a customer
# scores 1 + the number of boundaries strictly below their value, so equal values share a score.
_BOUNDARIES_SQL = """
WITH customers AS (
    SELECT company_id,
           last_order_date, NTILE(5) OVER (PARTITION BY company_id ORDER BY last_order_date) AS r,
           sale_order_count, NTILE(5) OVER (PARTITION BY company_id ORDER BY sale_order_count) AS f,
           sale_revenue, NTILE(5) OVER (PARTITION BY company_id ORDER BY sale_revenue) AS m
      FROM crm_erp_partner_stats
     WHERE company_id = ANY(%(company_ids)s) AND sale_order_count > 0
), recency AS (
    SELECT company_id, r AS score, MAX(last_order_date) AS bound FROM customers GROUP BY 1, 2
), frequency AS (
    SELECT company_id, f AS score, MAX(sale_order_count) AS bound FROM customers GROUP BY 1, 2
), monetary AS (
    SELECT company_id, m AS score, MAX(sale_revenue) AS bound FROM customers GROUP BY 1, 2
), cleared AS (
    DELETE FROM crm_erp_rfm_boundary WHERE company_id = ANY(%(company_ids)s)
)
INSERT INTO crm_erp_rfm_boundary (company_id, score, recency_date, frequency, monetary,
                                  create_uid, create_date, write_uid, write_date)
SELECT r.company_id, r.score, r.bound, f.bound, m.bound,
       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
  FROM recency r
  JOIN frequency f ON f.company_id = r.company_id AND f.score = r.score
  JOIN monetary m ON m.company_id = r.company_id AND m.score = r.score
 WHERE r.score < 5
"""

# Step 3: scores, segment, CLV and stage from the figures, the stored boundaries and the
# company thresholds; stage changes go to the history in the same statement and are returned
# for the chatter. Segment map and stage rules: rules.py (readme/USAGE.rst, "Customer 360").
_SCORE_AND_STAGE_SQL = """
WITH bounds AS (
    SELECT company_id, ARRAY_AGG(recency_date ORDER BY score) AS recency,
           ARRAY_AGG(frequency ORDER BY score) AS frequency,
           ARRAY_AGG(monetary ORDER BY score) AS monetary
      FROM crm_erp_rfm_boundary WHERE company_id = ANY(%(company_ids)s) GROUP BY company_id
), clv AS (
    -- the lifetime value model's figures of the scope's customers, computed in Python; as
    -- numeric, the columns' type, so that an unchanged figure compares equal to the stored one
    SELECT company_id, partner_id, alive::numeric, orders_30::numeric, orders_90::numeric,
           orders_365::numeric, order_value::numeric, value::numeric
      FROM unnest(%(clv_company_ids)s::integer[], %(clv_partner_ids)s::integer[],
                         %(clv_alive)s::float[], %(clv_orders_30)s::float[], %(clv_orders_90)s::float[],
                         %(clv_orders_365)s::float[], %(clv_order_value)s::float[], %(clv_value)s::float[])
                  AS c(company_id, partner_id, alive, orders_30, orders_90, orders_365, order_value, value)
), service AS (
    -- overdue complaints and service requests per customer, at the end of the reference day
    -- or now, whichever is earlier (their stage as it is now): the stage rule service_overdue
    SELECT r.company_id, r.commercial_partner_id AS partner_id, COUNT(*) AS overdue_request_count
      FROM crm_erp_service_request r
      LEFT JOIN crm_erp_service_stage st ON st.id = r.stage_id
     WHERE r.company_id = ANY(%(company_ids)s) AND r.commercial_partner_id IS NOT NULL
       AND """ + overdue_sql("LEAST(NOW() AT TIME ZONE 'UTC', %(date_ref)s::date + 1)") + """
  GROUP BY r.company_id, r.commercial_partner_id
), rated AS (
    -- the customer's last rating of a service request, if recent: the stage rule service_low_rating
    """ + recent_rating_sql("LEAST(NOW() AT TIME ZONE 'UTC', %(date_ref)s::date + 1)") + """
), scored AS MATERIALIZED (
    -- materialized: inlined, each score's expression was copied into every segment and stage
    -- rule that reads it, and into the UPDATE's comparison (about 10 s of 24 s at L)
    SELECT s.id, s.company_id, s.partner_id, s.customer_stage AS old_stage,
           s.customer_stage_date AS old_stage_date, s.customer_stage_locked AS locked,
           s.sale_order_count AS n, s.sale_revenue, s.sale_margin, s.first_order_date,
           s.last_order_date, s.lead_open_count, s.opportunity_open_count, s.lead_won_count,
           s.lead_lost_count, %(date_ref)s::date - s.last_order_date AS gap,
           CASE WHEN s.sale_order_count > 1
                THEN (s.last_order_date - s.first_order_date)::float / (s.sale_order_count - 1) END
               AS avg_interval,
           -- no score (and no segment) before the company's first quintile cut
           -- a customer who ordered on the reference day is as recent as can be: R 5 (in a new
           -- company every last order ties on one day, and the tie would score 1)
           CASE WHEN s.sale_order_count > 0 AND b.company_id IS NOT NULL
                THEN CASE WHEN s.last_order_date >= %(date_ref)s::date THEN 5
                          ELSE crm_erp_bridge_rfm_score(s.last_order_date, b.recency) END END AS r,
           CASE WHEN s.sale_order_count > 0 AND b.company_id IS NOT NULL
                THEN crm_erp_bridge_rfm_score(s.sale_order_count, b.frequency) END AS f,
           CASE WHEN s.sale_order_count > 0 AND b.company_id IS NOT NULL
                THEN crm_erp_bridge_rfm_score(s.sale_revenue, b.monetary) END AS m,
           GREATEST(%(date_ref)s::date - s.first_order_date, 365) AS observed_days,
           cmp.customer_360_at_risk_alive / 100.0 AS at_risk_alive,
           cmp.customer_360_lost_alive / 100.0 AS lost_alive,
           CASE WHEN s.sale_order_count > 0 THEN c.alive END AS p_alive,
           COALESCE(c.orders_30, 0) AS orders_30, COALESCE(c.orders_90, 0) AS orders_90,
           COALESCE(c.orders_365, 0) AS orders_365, COALESCE(c.order_value, 0) AS order_value,
           COALESCE(c.value, 0) AS predicted_value,
           COALESCE(svc.overdue_request_count, 0) AS overdue_request_count, rt.recent_rating
      FROM crm_erp_partner_stats s
      JOIN res_company cmp ON cmp.id = s.company_id
      LEFT JOIN bounds b ON b.company_id = s.company_id
      LEFT JOIN clv c ON c.company_id = s.company_id AND c.partner_id = s.partner_id
      LEFT JOIN service svc ON svc.company_id = s.company_id AND svc.partner_id = s.partner_id
      LEFT JOIN rated rt ON rt.company_id = s.company_id AND rt.partner_id = s.partner_id
     WHERE s.company_id = ANY(%(company_ids)s)
       AND {scope[s.partner_id]}
), segmented AS (
    SELECT sc.*,
           """ + rfm_segment_sql('sc.r', 'fm') + """ AS segment,
           CASE WHEN sc.n > 0 THEN sc.n * 365.0 / sc.observed_days ELSE 0 END AS annual_frequency,
           CASE WHEN sc.n > 0
                THEN EXP(-LEAST(GREATEST(sc.gap - x.expected_interval, 0) / x.expected_interval, 700))
                ELSE 0 END AS survival
      FROM scored sc
     CROSS JOIN LATERAL (SELECT (sc.f + sc.m + 1) / 2 AS fm,
                                CASE WHEN sc.avg_interval IS NULL THEN 365
                                     ELSE GREATEST(sc.avg_interval, 1) END AS expected_interval) x
), staged AS MATERIALIZED (
    SELECT sg.*, rule.stage, rule.reason
      FROM segmented sg CROSS JOIN LATERAL (
        SELECT """ + stage_rule_sql('sg.locked', 'sg.old_stage') + """ AS rule_values
      ) x CROSS JOIN LATERAL (SELECT x.rule_values[1] AS stage, x.rule_values[2] AS reason) rule
), updated AS (
    UPDATE crm_erp_partner_stats s
       SET rfm_recency_score = st.r, rfm_frequency_score = st.f, rfm_monetary_score = st.m,
           rfm_segment = st.segment,
           average_order_interval = st.avg_interval,
           sale_average_order_value = CASE WHEN st.n > 0 THEN st.sale_revenue / st.n ELSE 0 END,
           clv_historical = CASE WHEN %(use_margin)s THEN st.sale_margin ELSE st.sale_revenue END,
           clv_annual_frequency = st.annual_frequency,
           clv_survival_probability = st.survival,
           clv_predicted_12m = CASE WHEN st.n > 0
                                    THEN st.annual_frequency * st.sale_revenue / st.n * st.survival
                                    ELSE 0 END,
           clv_probability_alive = st.p_alive, clv_expected_orders_30 = st.orders_30,
           clv_expected_orders_90 = st.orders_90, clv_expected_orders_365 = st.orders_365,
           clv_expected_order_value = st.order_value, clv_predicted_value = st.predicted_value,
           customer_stage = st.stage,
           customer_stage_date = CASE WHEN st.stage IS DISTINCT FROM st.old_stage
                                      THEN %(date_ref)s ELSE s.customer_stage_date END,
           write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
      FROM staged st
     WHERE s.id = st.id
       AND (s.rfm_recency_score, s.rfm_frequency_score, s.rfm_monetary_score, s.rfm_segment,
            s.average_order_interval, s.clv_annual_frequency, s.clv_survival_probability,
            s.customer_stage, s.sale_average_order_value, s.clv_historical, s.clv_probability_alive,
            s.clv_expected_orders_30, s.clv_expected_orders_90, s.clv_expected_orders_365,
            s.clv_expected_order_value, s.clv_predicted_value)
           IS DISTINCT FROM
           (st.r, st.f, st.m, st.segment, st.avg_interval, st.annual_frequency, st.survival, st.stage,
            CASE WHEN st.n > 0 THEN st.sale_revenue / st.n ELSE 0 END,
            CASE WHEN %(use_margin)s THEN st.sale_margin ELSE st.sale_revenue END, st.p_alive,
            st.orders_30, st.orders_90, st.orders_365, st.order_value, st.predicted_value)
 RETURNING s.company_id, s.partner_id, st.old_stage, st.old_stage_date, st.stage, st.reason
)
INSERT INTO crm_erp_partner_stage_history (company_id, partner_id, from_stage, to_stage, date, reason,
                                           days_in_from_stage, create_uid, create_date, write_uid, write_date)
SELECT company_id, partner_id, COALESCE(old_stage, 'prospect'), stage, %(date_ref)s, reason,
       %(date_ref)s::date - old_stage_date, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
  FROM updated
 WHERE stage IS DISTINCT FROM COALESCE(old_stage, 'prospect')
RETURNING company_id, partner_id, from_stage, to_stage, reason
"""


def create_functions_and_indexes(cr):
    """The SQL functions of the refresh (currency factor, RFM score) and the index it looks
    up by partner, beyond Odoo's own (purchase does not index purchase_order.partner_id)."""
    create_currency_factor_function(cr)
    cr.execute(_RFM_SCORE_FUNCTION_SQL)
    ensure_index(cr, 'purchase_order_partner_id_idx', 'purchase_order', ['partner_id'])


def upsert_figures(cr, params, incremental, use_margin, documents=(SALE_ORDER_DOCUMENTS,)):
    """Step 1: the raw figures of the scope (params: company_ids, uid, orders_until (optional: only
    the orders and purchases of that day and before, for a dry run as of a past day), and partner_ids when
    incremental is True, partner_from and partner_to when it is 'range': see PartnerScope),
    prepared once per connection when incremental is True; the factors of known_currency_factors
    when params holds them; documents: the counted documents (common.CountedDocuments, the
    model's _counted_documents()); returns the rows written."""
    query = _UPSERT_FIGURES_SQL.format(documents=counted_documents_sql(documents, use_margin),
                                       lines=counted_document_lines_sql(documents),
                                       scope=PartnerScope(incremental))
    params = dict(NO_KNOWN_FACTORS, **dict({'orders_until': None}, **params))
    if incremental is True:
        execute_prepared(cr, query, params)
    elif incremental:
        # a range's collision with a concurrent change is expected (the chunk starts over):
        # not logged as a bad query
        cr.execute(query, params, log_exceptions=False)
    else:
        # every order: the lines' kind = 'sale.order' (a constant) makes PostgreSQL expect 1 in
        # 200 orders and probe the lines' index once per order, and it sorts the orders to join
        # their rates; hashing both is about 4 s faster at L
        with_hash_joins(cr, lambda: cr.execute(query, params))
    return cr.rowcount


# Known currency factors of the companies' foreign documents (the days of step 1's orders
# and purchases in another currency than the company's), for a refresh in chunks.
_KNOWN_FACTORS_SQL = """
WITH foreign_days AS (
    SELECT DISTINCT pl.currency_id, doc.company_id, cmp.currency_id AS company_currency_id, doc.date_order::date AS day
      FROM sale_order doc
      JOIN res_company cmp ON cmp.id = doc.company_id
      JOIN product_pricelist pl ON pl.id = doc.pricelist_id
     WHERE doc.state IN ('sale', 'done') AND doc.company_id = ANY(%(company_ids)s) AND pl.currency_id <> cmp.currency_id
     UNION
    SELECT DISTINCT doc.currency_id, doc.company_id, cmp.currency_id, doc.date_order::date
      FROM purchase_order doc
      JOIN res_company cmp ON cmp.id = doc.company_id
     WHERE doc.state IN ('purchase', 'done') AND doc.company_id = ANY(%(company_ids)s)
       AND doc.currency_id <> cmp.currency_id
)
-- as array literals (text): a few characters a factor in every chunk's statement
SELECT COALESCE(ARRAY_AGG(currency_id)::text, '{}'), COALESCE(ARRAY_AGG(company_id)::text, '{}'),
       COALESCE(ARRAY_AGG(day)::text, '{}'),
       COALESCE(ARRAY_AGG(crm_erp_bridge_currency_factor(currency_id, company_currency_id, company_id,
                                                         day))::text, '{}')
  FROM foreign_days
"""
# No factor known: step 1 looks up every rate it needs.
NO_KNOWN_FACTORS = {'known_currency_ids': '{}', 'known_company_ids': '{}', 'known_days': '{}', 'known_factors': '{}'}


def known_currency_factors(cr, company_ids):
    """The currency factors step 1 needs for the companies' documents as this transaction sees
    them, looked up once (a refresh in chunks passes them to every chunk, which looks up only
    the days of documents added since): the parameters known_currency_ids, known_company_ids,
    known_days, known_factors of upsert_figures (PostgreSQL array literals)."""
    cr.execute(_KNOWN_FACTORS_SQL, {'company_ids': list(company_ids)})
    return dict(zip(NO_KNOWN_FACTORS, cr.fetchone()))


def update_lead_figures(cr, params):
    """Step 1 after a lead change (params: company_ids, partner_ids, uid): the lead figures of
    the partners that have a row; returns the ids of those partners."""
    execute_prepared(cr, _UPDATE_LEAD_FIGURES_SQL, params)
    return {row[0] for row in cr.fetchall()}


def recompute_boundaries(cr, params):
    """Step 2 (params: company_ids, uid): the RFM quintile boundaries of the companies."""
    cr.execute(_BOUNDARIES_SQL, params)


# The lifetime value figures score_and_stage takes (parallel lists: the columns of its clv CTE).
CLV_COLUMNS = ('clv_company_ids', 'clv_partner_ids', 'clv_alive', 'clv_orders_30', 'clv_orders_90',
               'clv_orders_365', 'clv_order_value', 'clv_value')
# None given: the figures are 0 and P(alive) empty (no At risk or Lost from it)
NO_CLV_FIGURES = {name: [] for name in CLV_COLUMNS}


def score_and_stage(cr, params, incremental):
    """Step 3 (params: company_ids, date_ref, uid, use_margin, the scope's as for
    upsert_figures, and the lifetime value model's figures per customer as parallel lists
    CLV_COLUMNS: company, commercial partner, P(alive), expected orders in 30 / 90 / 365 days,
    expected order value, predicted value; none: NO_CLV_FIGURES): scores, segment, CLV and
    stage of the scope's rows, stage changes logged in the history; returns them
    [(company_id, partner_id, from_stage, to_stage, reason)].
    The companies' RFM boundaries are key-share locked first: a refresh whose snapshot
    predates a re-cut of the boundaries fails to serialize (retried, it reads the new ones),
    and a re-cut waits for the refreshes in progress; key-share locks do not conflict with
    each other (docs/design-concurrency.md)."""
    cr.execute("SELECT 1 FROM crm_erp_rfm_boundary WHERE company_id = ANY(%s) FOR KEY SHARE",
               [params['company_ids']], log_exceptions=False)
    query = _SCORE_AND_STAGE_SQL.format(scope=PartnerScope(incremental))
    params = dict(NO_CLV_FIGURES, **params)
    # as literals: lists of every customer's figures as ARRAY[...] took about half of the
    # statement's time at L (bench/RESULTS.md, issue 16, branch s30-clv)
    params.update({name: array_literal(params[name]) for name in CLV_COLUMNS})
    if incremental is True:
        execute_prepared(cr, query, params)
    else:
        cr.execute(query, params, log_exceptions=incremental != 'range')  # (as upsert_figures)
    return cr.fetchall()


def customer_ranges(cr, customers_per_range):
    """[first, end) ranges of partner ids, in order, that tile every id (0 to 2**31 - 1), each
    holding about customers_per_range commercial partners (the chunks of the full refresh)."""
    cr.execute("""
        SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n
                          FROM res_partner WHERE id = commercial_partner_id) p
         WHERE n %% %s = 0 ORDER BY id
    """, [customers_per_range])
    starts = [0] + [row[0] for row in cr.fetchall()] + [2 ** 31 - 1]
    return list(zip(starts[:-1], starts[1:]))


def forget_archived_partners(cr, partner_ids=None):
    """Delete the Customer 360 rows and stage history of the archived partners among partner_ids
    (None: every archived partner)."""
    for table in ('crm_erp_partner_stage_history', 'crm_erp_partner_stats'):
        # table: one of two fixed names; the ids are a parameter
        cr.execute(
            "DELETE FROM " + table + " t USING res_partner p WHERE p.id = t.partner_id AND NOT p.active"
            " AND (%(ids)s::integer[] IS NULL OR p.id = ANY(%(ids)s::integer[]))",
            {'ids': list(partner_ids) if partner_ids is not None else None})


def partner_owners(cr, partner_ids):
    """{partner id: the company it belongs to}: its own, else the only company of a database of
    one company, else None (shared by several companies)."""
    cr.execute("""
        SELECT p.id, COALESCE(p.company_id, CASE WHEN (SELECT COUNT(*) FROM res_company) = 1
                                                  THEN (SELECT MIN(id) FROM res_company) END)
          FROM res_partner p WHERE p.id = ANY(%s)
    """, [list(partner_ids)])
    return dict(cr.fetchall())


def partners_by_selection(cr, company_id, field_name, values, matching):
    """Partner ids of the company's rows whose field_name (a selection column name from the
    code) is among values ('' for no value) when matching, is not among them otherwise."""
    cr.execute(
        "SELECT partner_id FROM crm_erp_partner_stats WHERE company_id = %s"
        " AND (COALESCE(" + field_name + ", '') = ANY(%s)) != %s",
        (company_id, list(values), not matching))
    return [partner_id for partner_id, in cr.fetchall()]


# Counted orders and revenue per sales channel (sale_order.crm_erp_channel, a glue addon's
# channel for its documents) of commercial partners in a company: the documents the Customer 360
# counts ({documents}: common.counted_documents_sql, up to orders_until when given), their
# untaxed amounts in the company currency at the order's day, as in step 1; the channels of a
# partner sum to its sale_order_count and sale_revenue.
_CHANNEL_ORDERS_SQL = counted_orders_select("""
           p.commercial_partner_id = ANY(%(partner_ids)s)
       AND so.date_order < COALESCE(%(orders_until)s::date + 1, 'infinity'::date)""",
                                            extra_columns=', so.channel', documents='{documents}')
_CHANNEL_BREAKDOWN_SQL = "WITH" + with_company_currency_factor('orders', _CHANNEL_ORDERS_SQL) + """
SELECT partner_id, channel, COUNT(*), SUM(factor * amount_untaxed)::float
  FROM orders
 GROUP BY partner_id, channel
 ORDER BY partner_id, 4 DESC, channel
"""


def channel_breakdown(cr, company_id, partner_ids, orders_until=None, documents=(SALE_ORDER_DOCUMENTS,)):
    """{commercial partner id: [(channel, order count, revenue in the company currency)], the
    largest revenue first} of the partners partner_ids (commercial entities) in the company,
    counting their confirmed orders (documents: the counted documents, common.CountedDocuments)
    up to orders_until ('YYYY-MM-DD', None: all); partners without an order are absent."""
    query = _CHANNEL_BREAKDOWN_SQL.format(documents=counted_documents_sql(documents))
    cr.execute(query, {'company_id': company_id, 'partner_ids': list(partner_ids), 'orders_until': orders_until})
    result = {}
    for partner_id, channel, count, revenue in cr.fetchall():
        result.setdefault(partner_id, []).append((channel, count, revenue))
    return result
