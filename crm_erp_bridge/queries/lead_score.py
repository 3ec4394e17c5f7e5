"""SQL of the lead score (issue 19, docs/lead-score-forecast.md): the features of a company's
leads as of a day, for the leads open now (`lead_features`) and for the training snapshots of
its closed leads (`training_snapshots`). Functions take a cursor and plain values; no Odoo
import.

One statement serves both: it takes (lead, day) pairs and reads every feature as of the end of
that day. A tracked field's value on a day is the old value of its first change after the day,
else its current value (Odoo 11 tracks crm.lead's stage_id, user_id, team_id and
planned_revenue in mail_tracking_value); for an open lead on today that is its current value.
The customer's lifecycle stage on a day is the last stage change of the Customer 360 history
on or before it, else the stage it left at its first later change, else its stored stage. The
RFM segment has no history: the open leads get the stored one, the snapshots none (today's
segment of an old snapshot would leak the outcome; with no training value it weighs 0).

Lead definitions (Odoo 11): won = active with probability 100; lost = archived with
probability 0 (crm.lead.action_set_lost); both get date_closed when they close. A lead is open
on a day when it was created on or before it and not closed by its end. planned_revenue is in
the company's currency (crm.lead has no currency of its own in Odoo 11)."""
from ..sql import execute_prepared
from .common import counted_orders_select, disable_jit, ensure_index, with_company_currency_factor

# The columns of a row, in order: the lead, the day, then the engine's DEFAULT_FEATURES.
FEATURE_COLUMNS = (
    'lead_id', 'day', 'source', 'medium', 'campaign', 'team', 'salesperson', 'country', 'stage',
    'customer_stage', 'customer_segment', 'customer_orders', 'customer_revenue', 'expected_revenue',
    'age_days', 'days_since_activity', 'activities', 'emails', 'products')

# Features of the (lead, day) pairs of the CTE `pairs` (lead_id, day, with_segment, won,
# commercial_partner_id), then the stage's probability and won.
_FEATURES_SQL = """, tracked AS (
    SELECT DISTINCT ON (p.lead_id, p.day, v.field)
           p.lead_id, p.day, v.field, v.old_value_integer, v.old_value_float
      FROM pairs p
      JOIN mail_message m ON m.model = 'crm.lead' AND m.res_id = p.lead_id AND m.date >= p.day + 1
      JOIN mail_tracking_value v ON v.mail_message_id = m.id
     WHERE v.field IN ('stage_id', 'user_id', 'team_id', 'planned_revenue')
     ORDER BY p.lead_id, p.day, v.field, m.date, m.id, v.id
), as_of AS (
    SELECT p.lead_id, p.day, p.with_segment, p.won, l.company_id,
           COALESCE(p.commercial_partner_id, 0) AS partner_id,
           CASE WHEN ts.lead_id IS NULL THEN l.stage_id ELSE NULLIF(ts.old_value_integer, 0) END AS stage_id,
           CASE WHEN tu.lead_id IS NULL THEN l.user_id ELSE NULLIF(tu.old_value_integer, 0) END AS user_id,
           CASE WHEN tt.lead_id IS NULL THEN l.team_id ELSE NULLIF(tt.old_value_integer, 0) END AS team_id,
           CASE WHEN tr.lead_id IS NULL THEN l.planned_revenue ELSE tr.old_value_float END AS planned_revenue
      FROM pairs p
      JOIN crm_lead l ON l.id = p.lead_id
      LEFT JOIN tracked ts ON ts.lead_id = p.lead_id AND ts.day = p.day AND ts.field = 'stage_id'
      LEFT JOIN tracked tu ON tu.lead_id = p.lead_id AND tu.day = p.day AND tu.field = 'user_id'
      LEFT JOIN tracked tt ON tt.lead_id = p.lead_id AND tt.day = p.day AND tt.field = 'team_id'
      LEFT JOIN tracked tr ON tr.lead_id = p.lead_id AND tr.day = p.day AND tr.field = 'planned_revenue'
), customers AS (
    -- each customer once per day: leads of one customer share its figures
    SELECT DISTINCT partner_id, day FROM as_of WHERE partner_id <> 0
),""" + with_company_currency_factor('orders', counted_orders_select(
    'p.commercial_partner_id IN (SELECT partner_id FROM customers)')) + """, customer AS (
    -- orders on distinct days and revenue of the customer before the day (the day excluded: a
    -- lead won on a snapshot day may have its order that day)
    SELECT c.partner_id, c.day, COUNT(DISTINCT o.day) AS orders,
           COALESCE(SUM(o.factor * o.amount_untaxed), 0) AS revenue
      FROM customers c
      JOIN orders o ON o.partner_id = c.partner_id AND o.day < c.day
     GROUP BY c.partner_id, c.day
), messages AS (
    -- notes and logged messages (comment) and emails (email) on the lead up to the day;
    -- tracking and automatic notifications are not activity
    SELECT p.lead_id, p.day,
           COUNT(*) FILTER (WHERE m.message_type = 'comment') AS activities,
           COUNT(*) FILTER (WHERE m.message_type = 'email') AS emails,
           MAX(m.date)::date AS last_day
      FROM pairs p
      JOIN mail_message m ON m.model = 'crm.lead' AND m.res_id = p.lead_id AND m.date < p.day + 1
     WHERE m.message_type IN ('comment', 'email')
     GROUP BY p.lead_id, p.day
), products AS (
    SELECT p.lead_id, p.day, ARRAY_AGG(DISTINCT categ.name ORDER BY categ.name) AS categories
      FROM pairs p
      JOIN crm_lead_line line ON line.lead_id = p.lead_id AND line.create_date < p.day + 1
      JOIN product_product pp ON pp.id = line.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN product_category categ ON categ.id = pt.categ_id
     GROUP BY p.lead_id, p.day
)
SELECT a.lead_id, a.day, src.name, med.name, camp.name, team.name, user_partner.name,
       country.name, stage.name,
       COALESCE((SELECT h.to_stage FROM crm_erp_partner_stage_history h
                  WHERE h.company_id = a.company_id AND h.partner_id = a.partner_id AND h.date <= a.day
                  ORDER BY h.date DESC, h.id DESC LIMIT 1),
                (SELECT h.from_stage FROM crm_erp_partner_stage_history h
                  WHERE h.company_id = a.company_id AND h.partner_id = a.partner_id AND h.date > a.day
                  ORDER BY h.date, h.id LIMIT 1),
                stats.customer_stage),
       CASE WHEN a.with_segment THEN stats.rfm_segment END,
       COALESCE(c.orders, 0), COALESCE(c.revenue, 0), a.planned_revenue,
       a.day - (l.create_date::date), a.day - GREATEST(m.last_day, l.create_date::date),
       COALESCE(m.activities, 0), COALESCE(m.emails, 0), COALESCE(pr.categories, '{}'),
       stage.probability, a.won
  FROM as_of a
  JOIN crm_lead l ON l.id = a.lead_id
  LEFT JOIN utm_source src ON src.id = l.source_id
  LEFT JOIN utm_medium med ON med.id = l.medium_id
  LEFT JOIN utm_campaign camp ON camp.id = l.campaign_id
  LEFT JOIN crm_team team ON team.id = a.team_id
  LEFT JOIN res_users u ON u.id = a.user_id
  LEFT JOIN res_partner user_partner ON user_partner.id = u.partner_id
  LEFT JOIN res_partner lp ON lp.id = l.partner_id
  LEFT JOIN res_country country ON country.id = COALESCE(l.country_id, lp.country_id)
  LEFT JOIN crm_stage stage ON stage.id = a.stage_id
  LEFT JOIN crm_erp_partner_stats stats ON stats.company_id = a.company_id AND stats.partner_id = a.partner_id
  LEFT JOIN customer c ON c.partner_id = a.partner_id AND c.day = a.day
  LEFT JOIN messages m ON m.lead_id = a.lead_id AND m.day = a.day
  LEFT JOIN products pr ON pr.lead_id = a.lead_id AND pr.day = a.day
 ORDER BY a.day, a.lead_id
"""

# The open leads and opportunities of the company, today; {leads}: every one (TRUE), or those of
# lead_ids. Two texts rather than one `IS NULL OR` filter, so that each is planned for what it
# reads: a few leads through the indexes of their customers' orders, or all of them.
_OPEN_PAIRS_SQL = """
WITH pairs AS (
    SELECT l.id AS lead_id, %(today)s::date AS day, TRUE AS with_segment, NULL::boolean AS won,
           p.commercial_partner_id
      FROM crm_lead l
      LEFT JOIN res_partner p ON p.id = l.partner_id
     WHERE l.company_id = %(company_id)s AND l.active AND l.probability < 100 AND {leads}
)"""
_ALL_OPEN_PAIRS_SQL = _OPEN_PAIRS_SQL.format(leads='TRUE')
_LEAD_IDS_PAIRS_SQL = _OPEN_PAIRS_SQL.format(leads='l.id = ANY(%(lead_ids)s::integer[])')

# Each month end of the last `months` months before today, and the closed leads of the company
# open at its end (created on or before it, closed after it).
_SNAPSHOT_PAIRS_SQL = """
WITH month_ends AS (
    SELECT (date_trunc('month', %(today)s::date) - make_interval(months => n) - interval '1 day')::date AS day
      FROM generate_series(0, %(months)s - 1) AS n
), closed AS (
    SELECT l.id, l.create_date, l.date_closed, l.partner_id, l.active AND l.probability >= 100 AS won
      FROM crm_lead l
     WHERE l.company_id = %(company_id)s AND l.date_closed IS NOT NULL
       AND ((l.active AND l.probability >= 100) OR (NOT l.active AND l.probability = 0))
), pairs AS (
    SELECT c.id AS lead_id, e.day, FALSE AS with_segment, c.won, p.commercial_partner_id
      FROM closed c
      JOIN month_ends e ON c.create_date < e.day + 1 AND c.date_closed >= e.day + 1
      LEFT JOIN res_partner p ON p.id = c.partner_id
)"""


def ensure_indexes(cr):
    """The index the snapshots read the leads' messages by (model, res_id, date)."""
    ensure_index(cr, 'mail_message_crm_erp_model_res_id_date_index', 'mail_message', ['model', 'res_id', 'date'])


def _columns(rows, extra=()):
    names = FEATURE_COLUMNS + tuple(extra)
    # transposed by zip: a loop over every value took 0.1-0.3 s at 14,500 leads
    columns = {name: list(values) for name, values in zip(names, zip(*rows))} if rows else {name: [] for name in names}
    for name in ('customer_revenue', 'expected_revenue', 'stage_probability'):
        columns[name] = [None if value is None else float(value) for value in columns[name]]
    return columns


def lead_features(cr, company_id, today, lead_ids=None):
    """{column: list} (FEATURE_COLUMNS, one entry per lead, by lead id) of the company's open
    leads and opportunities (active, probability < 100), or of those among lead_ids, as of today
    (a date or 'YYYY-MM-DD'), and stage_probability (the stage's, in %)."""
    params = {'company_id': company_id, 'today': today}
    if lead_ids is None:
        disable_jit(cr)  # compiling this wide statement took longer than running it (bench/RESULTS.md)
        cr.execute(_ALL_OPEN_PAIRS_SQL + _FEATURES_SQL, params)
    else:
        # a few leads (a write rescores them): PostgreSQL spends longer planning this wide
        # statement than running it, so it is planned once per connection
        execute_prepared(cr, _LEAD_IDS_PAIRS_SQL + _FEATURES_SQL, dict(params, lead_ids=list(lead_ids)))
    columns = _columns(cr.fetchall(), extra=('stage_probability', 'won'))
    del columns['won']
    return columns


def training_snapshots(cr, company_id, today, months=18):
    """{column: list} (FEATURE_COLUMNS and `won`, 0/1) of the training snapshots: at each month
    end of the last `months` months before today, every lead of the company open that day that
    is won or lost today, with its features as of that day, the probability of its stage that
    day (stage_probability, %); by day, then lead."""
    disable_jit(cr)  # at size L: 9 s of compiling for 4.5 s of execution (bench/RESULTS.md)
    cr.execute(_SNAPSHOT_PAIRS_SQL + _FEATURES_SQL, {'company_id': company_id, 'today': today, 'months': months})
    columns = _columns(cr.fetchall(), extra=('stage_probability', 'won'))
    columns['won'] = [int(bool(value)) for value in columns['won']]
    return columns


# The new score of each lead (unnest of ids, chances, reasons and, {qualify}, qualifications),
# written only where a stored figure differs: the stored rows end as if every lead were written,
# without rewriting the rows whose figures did not change. The qualification is written in the
# same UPDATE: a second UPDATE of rows this transaction has just written makes PostgreSQL check
# every foreign key of each row again (8.8 s for 14,489 leads at L, bench/RESULTS.md). The
# weighted revenue follows the company's setting (the win chance when the company's weighted
# pipeline uses it and the lead has one, else the stage probability; as crm.lead computes it).
_WRITE_SCORES_SQL = """
    UPDATE crm_lead l
       SET crm_erp_win_chance = v.chance, crm_erp_win_reason_data = v.reasons, crm_erp_win_chance_date = {day},
           crm_erp_weighted_revenue = {weighted}{set_qualification}
      FROM unnest(%(ids)s::integer[], %(chances)s::numeric[], %(reasons)s::text[],
                  %(qualifications)s::varchar[]) AS v(id, chance, reasons, qualification),
           res_company c
     WHERE l.id = v.id AND c.id = l.company_id
       AND (l.crm_erp_win_chance, l.crm_erp_win_reason_data, l.crm_erp_win_chance_date, l.crm_erp_weighted_revenue{old})
           IS DISTINCT FROM (v.chance, v.reasons, {day}, {weighted}{new})
 RETURNING l.id
"""
_DAY = "CASE WHEN v.chance IS NULL THEN NULL ELSE %(day)s::date END"
_WEIGHTED = """
           COALESCE(l.planned_revenue, 0) * CASE
               WHEN c.crm_erp_lead_score_pipeline = 'win_chance' AND v.chance IS NOT NULL THEN v.chance
               ELSE COALESCE(l.probability, 0) END / 100.0"""
_WRITE_SCORES = {
    False: _WRITE_SCORES_SQL.format(day=_DAY, weighted=_WEIGHTED, set_qualification='', old='', new=''),
    True: _WRITE_SCORES_SQL.format(day=_DAY, weighted=_WEIGHTED,
                                   set_qualification=', crm_erp_qualification = v.qualification',
                                   old=', l.crm_erp_qualification', new=', v.qualification'),
}


def write_scores(cr, lead_ids, chances, reasons, day, prepared=False, qualifications=None):
    """Store the score of each lead in one statement: win chance (%, None: not scored, Odoo's
    stage probability stays the only figure), its reasons (JSON text) and day, the weighted
    revenue, and the qualification when given (a value or None per lead); only the leads where
    one of them changes are written. Returns their ids, sorted.
    prepared: a few leads (a write rescores them), the statement planned once per connection."""
    params = {'ids': list(lead_ids), 'chances': list(chances), 'reasons': list(reasons), 'day': day,
              'qualifications': list(qualifications) if qualifications is not None else [None] * len(lead_ids)}
    query = _WRITE_SCORES[qualifications is not None]
    if not prepared:
        cr.execute(query, params)
    else:
        # the chances and qualifications as array literals, typed by the prepared statement (a
        # list of None alone would be sent as text[])
        params['chances'] = '{%s}' % ','.join('NULL' if chance is None else repr(float(chance)) for chance in chances)
        params['qualifications'] = '{%s}' % ','.join('NULL' if value is None else '"%s"' % value
                                                     for value in params['qualifications'])
        execute_prepared(cr, query, params)
    return sorted(row[0] for row in cr.fetchall())


def fitted_models(cr, company_ids):
    """[(model id, company id, digest)] of the lead score models of these companies that hold a
    fitted model (parameters), by company; digest: the md5 of the parameters (the JSON text), by
    which a caller keeps the model it loaded from them (a write rescoring a lead neither reads
    nor parses them again)."""
    cr.execute("""SELECT id, company_id, md5(parameters) FROM crm_erp_lead_score_model
                   WHERE company_id = ANY(%s) AND parameters IS NOT NULL ORDER BY company_id""",
               [list(company_ids)])
    return cr.fetchall()


def write_qualifications(cr, lead_ids, values):
    """Store the qualification of each lead (to_qualify / qualified / to_drop, None: none) in
    one statement."""
    cr.execute("""UPDATE crm_lead l SET crm_erp_qualification = v.value
                    FROM unnest(%s::integer[], %s::varchar[]) AS v(id, value)
                   WHERE l.id = v.id""", [list(lead_ids), list(values)])
