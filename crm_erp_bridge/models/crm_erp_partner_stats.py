from odoo import _, api, fields, models

from ..sql import execute_prepared
from .mail_message import note_body
from .record_ids import MANAGER_GROUP, check_date_text, check_group

CUSTOMER_STAGES = [
    ('prospect', 'Prospect'),
    ('lead', 'Lead'),
    ('opportunity', 'Opportunity'),
    ('new', 'New customer'),
    ('repeat', 'Repeat'),
    ('loyal', 'Loyal'),
    ('at_risk', 'At risk'),
    ('lost', 'Lost'),
]

RFM_SEGMENTS = [
    ('champions', 'Champions'),
    ('loyal', 'Loyal'),
    ('potential_loyalist', 'Potential loyalist'),
    ('new', 'New'),
    ('promising', 'Promising'),
    ('need_attention', 'Need attention'),
    ('about_to_sleep', 'About to sleep'),
    ('at_risk', 'At risk'),
    ('cant_lose', "Can't lose them"),
    ('hibernating', 'Hibernating'),
    ('lost', 'Lost'),
]

# Why a stage was set: the rule that fired (see README, "Lifecycle stage").
STAGE_REASONS = [
    ('no_activity', 'No lead and no order'),
    ('open_lead', 'Open lead'),
    ('open_opportunity', 'Open or won opportunity'),
    ('leads_lost', 'All leads lost, no order'),
    ('first_order', 'One order'),
    ('repeat_orders', 'Two or more orders'),
    ('rfm_loyal', 'RFM segment Champions/Loyal'),
    ('rfm_at_risk', "RFM segment At risk/Can't lose them"),
    ('overdue', 'No order for longer than k x own average interval'),
    ('lost_horizon', 'No order within the lost horizon'),
    ('manual', 'Set by hand'),
]

# RFM score of a value against a company's ordered quintile boundaries (up to 4): 1 + the
# number of boundaries strictly below the value. Inlined by PostgreSQL (no FROM clause).
RFM_SCORE_FUNCTION_SQL = """
    CREATE OR REPLACE FUNCTION crm_erp_bridge_rfm_score(value anyelement, bounds anyarray)
    RETURNS integer LANGUAGE sql IMMUTABLE AS $$
        SELECT 1 + COALESCE((bounds[1] < value)::integer, 0) + COALESCE((bounds[2] < value)::integer, 0)
                 + COALESCE((bounds[3] < value)::integer, 0) + COALESCE((bounds[4] < value)::integer, 0)
    $$
"""

# Amount in a foreign currency -> company currency at a date: the latest rate on or before the
# date, a company-specific rate winning over a global one of the same day; a missing rate
# counts as 1 (as in res.currency). Only called for orders in another currency than the company's.
CURRENCY_FACTOR_FUNCTION_SQL = """
    CREATE OR REPLACE FUNCTION crm_erp_bridge_currency_factor(
        from_currency integer, to_currency integer, company integer, day date)
    RETURNS numeric LANGUAGE sql STABLE AS $$
        SELECT COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = to_currency AND r.name <= day
                            AND (r.company_id IS NULL OR r.company_id = company)
                       ORDER BY r.name DESC, r.company_id NULLS LAST LIMIT 1), 1.0)
             / COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = from_currency AND r.name <= day
                            AND (r.company_id IS NULL OR r.company_id = company)
                       ORDER BY r.name DESC, r.company_id NULLS LAST LIMIT 1), 1.0)
    $$
"""


def _with_company_currency_factor(name, documents_sql):
    """CTEs `<name>_docs` (documents_sql, which selects currency_id, company_currency_id,
    company_id and day among its columns) and `<name>` (the same rows with `factor`, to the
    company currency at that day). The rate is looked up once per foreign currency, company and
    day, not once per document: orders of a day share it. Takes SQL text, never values."""
    return """
{name}_docs AS ({documents}
), {name}_rates AS (
    SELECT currency_id, company_id, day,
           crm_erp_bridge_currency_factor(currency_id, company_currency_id, company_id, day) AS factor
      FROM (SELECT DISTINCT currency_id, company_currency_id, company_id, day
              FROM {name}_docs WHERE currency_id <> company_currency_id) foreign_days
), {name} AS (
    SELECT docs.*, COALESCE(rates.factor, 1.0) AS factor
      FROM {name}_docs docs
      LEFT JOIN {name}_rates rates ON rates.currency_id = docs.currency_id
           AND rates.company_id = docs.company_id AND rates.day = docs.day
)""".format(name=name, documents=documents_sql)


# Lead figures of a group of leads l (open leads, open opportunities, won, lost).
_LEAD_COUNTS = """COUNT(l.id) FILTER (WHERE l.active AND l.probability < 100 AND l.type = 'lead') AS open_leads,
           COUNT(l.id) FILTER (WHERE l.active AND l.probability < 100 AND l.type = 'opportunity') AS open_opportunities,
           COUNT(l.id) FILTER (WHERE l.active AND l.probability >= 100) AS won_leads,
           COUNT(l.id) FILTER (WHERE NOT l.active) AS lost_leads"""

# Step 1: raw figures per (company, commercial partner) with any order, lead or purchase in
# that company, upserted in one statement (a partner without a row is a prospect). Rows of the
# scope that lost all activity (last order cancelled) are reset to zero, not deleted, so the
# stage history and a manual lock survive. Unchanged rows are not rewritten. {margin} is a column name chosen in Python
# (sale_margin's margin when installed, else the untaxed amount), never a value; {scope[column]}
# the filter of the refreshed partners (_PartnerScope).
_UPSERT_FIGURES_SQL = """
WITH companies AS (
    SELECT cmp.id, cmp.currency_id FROM res_company cmp WHERE cmp.id = ANY(%(company_ids)s)
),""" + _with_company_currency_factor('orders', """
    SELECT doc.id, doc.company_id, p.commercial_partner_id AS partner_id,
           doc.date_order::date AS day, pl.currency_id, cmp.currency_id AS company_currency_id,
           doc.amount_untaxed, doc.{margin} AS margin
      FROM sale_order doc
      JOIN res_partner p ON p.id = doc.partner_id
      JOIN companies cmp ON cmp.id = doc.company_id
      JOIN product_pricelist pl ON pl.id = doc.pricelist_id
     WHERE doc.state IN ('sale', 'done')
       AND {scope[p.commercial_partner_id]}""") + """, sales AS (
    SELECT company_id, partner_id, COUNT(*) AS order_count, SUM(factor * amount_untaxed) AS revenue,
           SUM(factor * margin) AS margin, MIN(day) AS first_date, MAX(day) AS last_date
      FROM orders GROUP BY company_id, partner_id
), product_pairs AS (
    -- lines reached through their orders (indexed order_id), never by a scan of every line
    SELECT DISTINCT o.company_id, o.partner_id, line.product_id
      FROM orders o
      JOIN sale_order_line line ON line.order_id = o.id
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
),""" + _with_company_currency_factor('purchases', """
    SELECT doc.id, doc.company_id, p.commercial_partner_id AS partner_id, doc.date_order,
           doc.date_planned, doc.date_order::date AS day, doc.currency_id,
           cmp.currency_id AS company_currency_id, doc.amount_untaxed
      FROM purchase_order doc
      JOIN res_partner p ON p.id = doc.partner_id
      JOIN companies cmp ON cmp.id = doc.company_id
     WHERE doc.state IN ('purchase', 'done')
       AND {scope[p.commercial_partner_id]}""") + """, purchase_figures AS (
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
# for the chatter. Segment map and stage rules: README, "Customer 360".
_SCORE_AND_STAGE_SQL = """
WITH bounds AS (
    SELECT company_id, ARRAY_AGG(recency_date ORDER BY score) AS recency,
           ARRAY_AGG(frequency ORDER BY score) AS frequency,
           ARRAY_AGG(monetary ORDER BY score) AS monetary
      FROM crm_erp_rfm_boundary WHERE company_id = ANY(%(company_ids)s) GROUP BY company_id
), scored AS (
    SELECT s.id, s.company_id, s.partner_id, s.customer_stage AS old_stage,
           s.customer_stage_date AS old_stage_date, s.customer_stage_locked AS locked,
           s.sale_order_count AS n, s.sale_revenue, s.sale_margin, s.first_order_date,
           s.last_order_date, s.lead_open_count, s.opportunity_open_count, s.lead_won_count,
           s.lead_lost_count, %(date_ref)s::date - s.last_order_date AS gap,
           CASE WHEN s.sale_order_count > 1
                THEN (s.last_order_date - s.first_order_date)::float / (s.sale_order_count - 1) END
               AS avg_interval,
           -- no score (and no segment) before the company's first quintile cut
           CASE WHEN s.sale_order_count > 0 AND b.company_id IS NOT NULL
                THEN crm_erp_bridge_rfm_score(s.last_order_date, b.recency) END AS r,
           CASE WHEN s.sale_order_count > 0 AND b.company_id IS NOT NULL
                THEN crm_erp_bridge_rfm_score(s.sale_order_count, b.frequency) END AS f,
           CASE WHEN s.sale_order_count > 0 AND b.company_id IS NOT NULL
                THEN crm_erp_bridge_rfm_score(s.sale_revenue, b.monetary) END AS m,
           GREATEST(%(date_ref)s::date - s.first_order_date, 365) AS observed_days,
           cmp.customer_360_at_risk_factor AS at_risk_factor,
           cmp.customer_360_lost_days AS lost_days
      FROM crm_erp_partner_stats s
      JOIN res_company cmp ON cmp.id = s.company_id
      LEFT JOIN bounds b ON b.company_id = s.company_id
     WHERE s.company_id = ANY(%(company_ids)s)
       AND {scope[s.partner_id]}
), segmented AS (
    SELECT sc.*,
           CASE WHEN sc.r IS NULL THEN NULL
                WHEN sc.r = 1 AND fm <= 2 THEN 'lost'
                WHEN sc.r = 2 AND fm <= 2 THEN 'hibernating'
                WHEN sc.r <= 2 AND fm <= 4 THEN 'at_risk'
                WHEN sc.r <= 2 THEN 'cant_lose'
                WHEN sc.r = 3 AND fm <= 2 THEN 'about_to_sleep'
                WHEN sc.r = 3 AND fm = 3 THEN 'need_attention'
                WHEN sc.r <= 4 AND fm >= 4 THEN 'loyal'
                WHEN sc.r = 4 AND fm = 1 THEN 'promising'
                WHEN sc.r = 5 AND fm = 1 THEN 'new'
                WHEN fm <= 3 THEN 'potential_loyalist'
                ELSE 'champions' END AS segment,
           CASE WHEN sc.n > 0 THEN sc.n * 365.0 / sc.observed_days ELSE 0 END AS annual_frequency,
           CASE WHEN sc.n > 0
                THEN EXP(-LEAST(GREATEST(sc.gap - x.expected_interval, 0) / x.expected_interval, 700))
                ELSE 0 END AS survival
      FROM scored sc
     CROSS JOIN LATERAL (SELECT (sc.f + sc.m + 1) / 2 AS fm,
                                CASE WHEN sc.avg_interval IS NULL THEN 365
                                     ELSE GREATEST(sc.avg_interval, 1) END AS expected_interval) x
), staged AS (
    SELECT sg.*, rule.stage, rule.reason
      FROM segmented sg CROSS JOIN LATERAL (
        SELECT CASE WHEN sg.locked THEN ARRAY[sg.old_stage, NULL]
                    WHEN sg.n = 0 AND (sg.opportunity_open_count > 0 OR sg.lead_won_count > 0)
                         THEN ARRAY['opportunity', 'open_opportunity']
                    WHEN sg.n = 0 AND sg.lead_open_count > 0 THEN ARRAY['lead', 'open_lead']
                    WHEN sg.n = 0 AND sg.lead_lost_count > 0 THEN ARRAY['lost', 'leads_lost']
                    WHEN sg.n = 0 THEN ARRAY['prospect', 'no_activity']
                    WHEN sg.gap > sg.lost_days THEN ARRAY['lost', 'lost_horizon']
                    WHEN sg.avg_interval IS NOT NULL AND sg.gap > sg.at_risk_factor * sg.avg_interval
                         THEN ARRAY['at_risk', 'overdue']
                    WHEN sg.segment IN ('at_risk', 'cant_lose') THEN ARRAY['at_risk', 'rfm_at_risk']
                    WHEN sg.segment IN ('champions', 'loyal') THEN ARRAY['loyal', 'rfm_loyal']
                    WHEN sg.n >= 2 THEN ARRAY['repeat', 'repeat_orders']
                    ELSE ARRAY['new', 'first_order'] END AS rule_values
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
           customer_stage = st.stage,
           customer_stage_date = CASE WHEN st.stage IS DISTINCT FROM st.old_stage
                                      THEN %(date_ref)s ELSE s.customer_stage_date END,
           write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
      FROM staged st
     WHERE s.id = st.id
       AND (s.rfm_recency_score, s.rfm_frequency_score, s.rfm_monetary_score, s.rfm_segment,
            s.average_order_interval, s.clv_annual_frequency, s.clv_survival_probability,
            s.customer_stage, s.sale_average_order_value, s.clv_historical)
           IS DISTINCT FROM
           (st.r, st.f, st.m, st.segment, st.avg_interval, st.annual_frequency, st.survival, st.stage,
            CASE WHEN st.n > 0 THEN st.sale_revenue / st.n ELSE 0 END,
            CASE WHEN %(use_margin)s THEN st.sale_margin ELSE st.sale_revenue END)
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

# What the incremental refresh looks up by partner, beyond Odoo's own indexes (purchase does not
# index purchase_order.partner_id).
_INDEXES = [
    ('purchase_order_partner_id_idx', 'CREATE INDEX purchase_order_partner_id_idx ON purchase_order (partner_id)'),
]


class _PartnerScope(object):
    """Renders `{scope[column]}` in the refresh statements: `column = ANY(%(partner_ids)s)` for
    an incremental refresh, TRUE for a full one. Two texts rather than one `IS NULL OR` filter,
    so that each plans for what it does (and the incremental one can be prepared once)."""

    def __init__(self, incremental):
        self.incremental = incremental

    def __getitem__(self, column):
        return '%s = ANY(%%(partner_ids)s)' % column if self.incremental else 'TRUE'


class CrmErpPartnerStats(models.Model):
    """Customer 360 figures of one commercial partner in one company.

    Multi-company: every figure is per (company, commercial partner) row, never summed across
    companies; res.partner shows the row of the user's current company. Rows are written by
    set-based SQL only (refresh below); users only change the stage by hand (lock)."""
    _name = 'crm.erp.partner.stats'
    _description = 'Customer 360 figures per company'
    _order = 'sale_revenue desc, id'
    _rec_name = 'partner_id'

    # (company_id, partner_id) is unique: its index serves company lookups
    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, readonly=True,
                                 index=True, ondelete='cascade')
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    user_id = fields.Many2one('res.users', string='Salesperson', related='partner_id.user_id',
                              store=True, readonly=True)
    country_id = fields.Many2one('res.country', related='partner_id.country_id', store=True, readonly=True)
    # Sales, confirmed orders, untaxed, company currency
    sale_order_count = fields.Integer('Orders', readonly=True)
    sale_revenue = fields.Monetary('Revenue', readonly=True)
    sale_margin = fields.Monetary('Margin', readonly=True)
    sale_average_order_value = fields.Monetary('Average order value', readonly=True)
    first_order_date = fields.Date('First order', readonly=True)
    last_order_date = fields.Date('Last order', readonly=True)
    average_order_interval = fields.Float('Average days between orders', readonly=True)
    days_since_last_order = fields.Integer('Days since last order', compute='_compute_days_since_last_order')
    product_count = fields.Integer('Distinct products', readonly=True)
    # CRM
    lead_open_count = fields.Integer('Open leads', readonly=True)
    opportunity_open_count = fields.Integer('Open opportunities', readonly=True)
    lead_won_count = fields.Integer('Won opportunities', readonly=True)
    lead_lost_count = fields.Integer('Lost leads', readonly=True)
    # RFM and lifetime value
    rfm_recency_score = fields.Integer('Recency score', readonly=True)
    rfm_frequency_score = fields.Integer('Frequency score', readonly=True)
    rfm_monetary_score = fields.Integer('Monetary score', readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string='RFM segment', readonly=True)
    # a margin: managers only (docs/rights.md)
    clv_historical = fields.Monetary('Historical value', readonly=True, groups=MANAGER_GROUP,
                                     help='Total margin of the confirmed orders (revenue when sale_margin is not installed).')
    clv_annual_frequency = fields.Float('Orders per year', readonly=True)
    clv_survival_probability = fields.Float('Survival probability', readonly=True)
    clv_predicted_12m = fields.Monetary('Predicted 12-month value', readonly=True,
                                        help='Orders per year x average order value x survival probability.')
    # Lifecycle stage
    customer_stage = fields.Selection(CUSTOMER_STAGES, string='Stage',
                                      group_expand='_group_expand_customer_stage')
    customer_stage_locked = fields.Boolean('Stage locked', readonly=True,
                                           help='Set by hand: refreshes keep this stage.')
    customer_stage_date = fields.Date('In stage since', readonly=True)
    # Vendor side, confirmed purchase orders, company currency
    purchase_order_count = fields.Integer('Purchase orders', readonly=True)
    purchase_spend = fields.Monetary('Spend', readonly=True)
    last_purchase_date = fields.Date('Last purchase', readonly=True)
    purchase_lead_time_days = fields.Float('Average lead time (days)', readonly=True)
    purchase_on_time_rate = fields.Float('On-time receipts (%)', readonly=True)

    _sql_constraints = [
        ('company_partner_uniq', 'unique(company_id, partner_id)',
         'Customer 360 figures exist once per company and partner.'),
    ]

    @api.model_cr
    def init(self):
        self.env.cr.execute(CURRENCY_FACTOR_FUNCTION_SQL)
        self.env.cr.execute(RFM_SCORE_FUNCTION_SQL)
        for name, statement in _INDEXES:
            self.env.cr.execute('SELECT 1 FROM pg_indexes WHERE indexname = %s', [name])
            if not self.env.cr.fetchone():
                self.env.cr.execute(statement)

    @api.model
    def _customer_360_today(self):
        """Reference date of the figures: the context's customer_360_date (an "as of" date),
        else the user's today."""
        today = self.env.context.get('customer_360_date')
        return check_date_text(self, today, 'customer_360_date') if today else fields.Date.context_today(self)

    @api.depends('last_order_date')
    def _compute_days_since_last_order(self):
        today = fields.Date.from_string(self._customer_360_today())
        for stats in self.filtered('last_order_date'):
            stats.days_since_last_order = (today - fields.Date.from_string(stats.last_order_date)).days

    @api.model
    def _group_expand_customer_stage(self, stages, domain, order):
        return [key for key, _label in CUSTOMER_STAGES]

    @api.multi
    def write(self, vals):
        """A stage written by a user (form, kanban drag) is a manual stage: it is locked."""
        if 'customer_stage' in vals:
            self._check_manager()
            changed = self.filtered(lambda stats: stats.customer_stage != vals['customer_stage'])
            previous = {stats.id: (stats.customer_stage, stats.customer_stage_date) for stats in changed}
            today = self._customer_360_today()
            super().write(dict(vals, customer_stage_locked=True))
            if changed:
                super(CrmErpPartnerStats, changed).write({'customer_stage_date': today})
                changed._log_manual_stage_change(previous, today)
        else:
            super().write(vals)
        self._invalidate_partner_figures()
        return True

    def _check_manager(self):
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can set or lock a lifecycle stage.'))

    def _log_manual_stage_change(self, previous, today):
        # sudo: the history is read-only for users; this logs the change the manager just made
        history = self.env['crm.erp.partner.stage.history'].sudo()
        changes = []
        for stats in self:
            old_stage, old_date = previous[stats.id]
            old_stage = old_stage or 'prospect'
            history.create({
                'company_id': stats.company_id.id, 'partner_id': stats.partner_id.id,
                'from_stage': old_stage, 'to_stage': stats.customer_stage, 'date': today,
                'reason': 'manual',
                'days_in_from_stage': old_date and (fields.Date.from_string(today)
                                                    - fields.Date.from_string(old_date)).days,
            })
            changes.append((stats.company_id.id, stats.partner_id.id, old_stage, stats.customer_stage, 'manual'))
        self._post_stage_messages(changes)

    # Refresh engine ---------------------------------------------------------------------

    @api.model
    def _refresh(self, company_ids, partner_ids=None, date_ref=None, recompute_boundaries=False,
                 notify=True, leads_only=False):
        """Recompute the Customer 360 rows of the given companies, for the given commercial
        partners (None: all), as of date_ref (default: the context's customer_360_date, else
        today), in three SQL statements.
        recompute_boundaries re-cuts the RFM quintiles first (full refresh only: incremental
        updates score against the stored boundaries). leads_only (incremental, after a lead
        change): only the lead figures of the partners' rows are recomputed before scoring.
        Returns the stage changes."""
        cr = self.env.cr
        params = {
            'company_ids': list(company_ids),
            'partner_ids': list(partner_ids) if partner_ids is not None else None,
            'date_ref': date_ref or self._customer_360_today(),
            'uid': self.env.uid,
            'use_margin': self._margin_available(),
        }
        if params['partner_ids'] == [] or not params['company_ids']:
            return []
        incremental = params['partner_ids'] is not None
        texts = {'margin': 'margin' if params['use_margin'] else 'amount_untaxed',
                 'scope': _PartnerScope(incremental)}
        upsert, score = _UPSERT_FIGURES_SQL.format(**texts), _SCORE_AND_STAGE_SQL.format(**texts)
        # PostgreSQL's JIT compiles these wide statements for seconds and gains nothing back:
        # off for this transaction (SET LOCAL ends with it).
        if cr._cnx.server_version >= 110000:
            cr.execute("SET LOCAL jit = off")
        if incremental:
            # one customer after an order or lead change: planning these statements costs
            # more than running them, plan them once per connection
            upsert_ids = params['partner_ids']  # customers whose whole row is recomputed
            if leads_only:
                execute_prepared(cr, _UPDATE_LEAD_FIGURES_SQL, params)
                upsert_ids = sorted(set(params['partner_ids']) - {row[0] for row in cr.fetchall()})
            if upsert_ids:
                execute_prepared(cr, upsert, dict(params, partner_ids=upsert_ids))
            execute_prepared(cr, score, params)
        else:
            # the statement hashes and aggregates every confirmed line: in memory, not in
            # batches spilled to disk
            cr.execute("SET LOCAL work_mem = '256MB'")
            self._forget_archived_partners()
            cr.execute(upsert, params)
            # when it wrote most rows (install: the table was empty), plan the next steps on
            # fresh statistics
            if cr.rowcount > self._estimated_row_count() / 2:
                cr.execute("ANALYZE crm_erp_partner_stats")
            if recompute_boundaries:
                cr.execute(_BOUNDARIES_SQL, params)
            cr.execute(score, params)
        changes = cr.fetchall()
        # these rows only (without fnames Odoo would clear the whole cache of the transaction)
        self.invalidate_cache(fnames=list(self._fields))
        self._invalidate_partner_figures()
        if notify:
            self._post_stage_messages(changes)
        return changes

    @api.model
    def _forget_archived_partners(self, partner_ids=None):
        """Delete the Customer 360 rows and stage history of archived partners (of partner_ids,
        or every archived one): an archived customer keeps no figures in the addon's tables, and
        the refreshes skip archived partners, so nothing comes back until it is unarchived
        (then the next refresh computes its figures again, from its documents)."""
        for table in ('crm_erp_partner_stage_history', 'crm_erp_partner_stats'):
            # table: one of two fixed names; the ids are a parameter
            self.env.cr.execute(
                "DELETE FROM " + table + " t USING res_partner p WHERE p.id = t.partner_id AND NOT p.active"
                " AND (%(ids)s::integer[] IS NULL OR p.id = ANY(%(ids)s::integer[]))",
                {'ids': list(partner_ids) if partner_ids is not None else None})
        self.invalidate_cache(fnames=list(self._fields))
        self.env['crm.erp.partner.stage.history'].invalidate_cache()
        self._invalidate_partner_figures()

    @api.model
    def _invalidate_partner_figures(self):
        """res.partner shows these rows through non-stored computed fields: forget those, keep
        the partners' stored values cached (the user's own partner among them)."""
        partners = self.env['res.partner']
        partners.invalidate_cache(fnames=[name for name, field in partners._fields.items()
                                          if field.compute and not field.store])

    @api.model
    def _estimated_row_count(self):
        """Rows of the table as PostgreSQL's statistics last counted them (0: never)."""
        self.env.cr.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [self._table])
        return self.env.cr.fetchone()[0]

    @api.model
    def _customer_360_pairs(self, documents):
        """{(company id, commercial partner id)} of documents with partner_id and company_id
        (sale orders, leads) as stored; a document without company counts in every company.
        In SQL: called around every write of an order or lead, where reading the partners
        through the ORM would cost more than the refresh itself."""
        if not documents.ids:
            return set()
        self.env.cr.execute(
            'SELECT DISTINCT doc.company_id, partner.commercial_partner_id FROM "{table}" doc '
            'JOIN res_partner partner ON partner.id = doc.partner_id WHERE doc.id = ANY(%s)'.format(
                table=documents._table), [documents.ids])
        return self._customer_360_pairs_of(self.env.cr.fetchall())

    @api.model
    def _customer_360_pairs_of(self, rows):
        """{(company id, commercial partner id)} of (company id, commercial partner id) rows of
        documents; a document without company counts in every company."""
        all_companies = None
        pairs = set()
        for company_id, partner_id in rows:
            if company_id is None:
                # sudo: ids only; a document without company counts in every company
                all_companies = all_companies or self.env['res.company'].sudo().search([]).ids
                pairs.update((company, partner_id) for company in all_companies)
            else:
                pairs.add((company_id, partner_id))
        return pairs

    @api.model
    def _refresh_pairs(self, pairs, leads_only=False):
        """Incremental refresh after a change of orders or leads: only the given
        (company id, commercial partner id) pairs, against the stored RFM boundaries
        (leads_only: after a change of leads only, see _refresh)."""
        if not pairs:
            return
        # The refresh reads stored amounts: flush pending recomputations first, also inside a
        # norecompute block (lines written through their order's one2many).
        self.recompute()
        by_company = {}
        for company_id, partner_id in pairs:
            by_company.setdefault(company_id, []).append(partner_id)
        for company_id, partner_ids in by_company.items():
            # sudo: recomputes (from the stored documents) the rows of the documents just changed
            self.sudo()._refresh([company_id], partner_ids, leads_only=leads_only)

    @api.model
    def _margin_available(self):
        """sale_margin stores `margin` on sale.order: use it as historical value when present."""
        field = self.env['sale.order']._fields.get('margin')
        return bool(field and field.store)

    @api.model
    def _post_stage_messages(self, changes):
        """One chatter note per stage change, inserted in one statement, on the customers whose
        chatter only the users of the stage's company can read (see _private_to_company).
        changes: [(company_id, partner_id, from_stage, to_stage, reason)]."""
        changes = self._private_to_company(changes)
        if not changes:
            return
        stages = dict(self._fields['customer_stage']._description_selection(self.env))
        reasons = dict(self.env['crm.erp.partner.stage.history']._fields['reason']._description_selection(self.env))
        # translated here: _() inside the comprehension would not find the user's language
        template = _('Lifecycle stage: %s → %s (%s)')
        bodies = [note_body(template % (stages.get(from_stage, ''), stages[to_stage], reasons.get(reason, '')))
                  for _company, _partner, from_stage, to_stage, reason in changes]
        self.env['mail.message']._insert_notes('res.partner', [change[1] for change in changes], bodies)

    @api.model
    def _private_to_company(self, changes):
        """The stage changes of customers that belong to the change's company, or that are
        shared in a database of one company. A customer shared by several companies shows its
        chatter to all of them, and one company's stages are not the others' business: its
        stage history (record rules) and Customer 360 tab still tell the change."""
        if not changes:
            return []
        self.env.cr.execute("""
            SELECT p.id, COALESCE(p.company_id, CASE WHEN (SELECT COUNT(*) FROM res_company) = 1
                                                      THEN (SELECT MIN(id) FROM res_company) END)
              FROM res_partner p WHERE p.id = ANY(%s)
        """, [list({change[1] for change in changes})])
        owner = dict(self.env.cr.fetchall())
        return [change for change in changes if owner.get(change[1]) == change[0]]
