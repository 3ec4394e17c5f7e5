"""Service requests (crm.erp.service.request): the escalations due, claimed in one statement,
and the open and overdue requests per customer (Customer 360, stage rule, cross-sell),
the ratings of solved requests and of deliveries (satisfaction figures, the rating report, the
stage rule service_low_rating), the customers cross-sell leaves out, and the claim of a
delivery's rating request."""
from ..rules import CROSS_SELL_BLOCKING_REASONS, LOW_RATING_DAYS, RATING_SATISFIED, stage_rule_condition

# Whether a request r (joined to its stage st) is overdue at the timestamp expression {at}:
# not solved, and its response deadline passed without a response or its solution deadline
# passed. The one definition of "overdue" for SQL (the model's is_overdue says the same).
_OVERDUE_SQL = """(r.active AND NOT COALESCE(st.is_solved, FALSE)
    AND ((r.date_first_response IS NULL AND r.date_response_deadline < {at})
         OR r.date_resolution_deadline < {at}))"""


def overdue_sql(at):
    """_OVERDUE_SQL over the SQL expression at (a timestamp; from the code, never input), for
    a request aliased r joined to its stage aliased st."""
    return _OVERDUE_SQL.format(at=at)


# The escalations due at %(now)s, claimed (the request's level written) in the same statement:
# per deadline, level owner once the deadline passed unanswered, level leader once its grace
# hours passed too. The UPDATE's WHERE repeats the levels read: a run that meets another run's
# claim (waiting for its row lock) claims nothing under READ COMMITTED, and fails with a
# serialization error under Odoo's REPEATABLE READ (the call is retried and then sees the
# claim). So each person is told once, whatever runs at the same moment.
_CLAIM_ESCALATIONS_SQL = """
WITH due AS (
    SELECT r.id, r.response_escalation AS old_response, r.resolution_escalation AS old_resolution,
           CASE WHEN r.date_first_response IS NULL AND r.date_response_deadline <= %(now)s THEN
                CASE WHEN r.response_escalation = 'none' THEN 'owner'
                     WHEN r.response_escalation = 'owner'
                      AND r.date_response_deadline + r.escalation_grace_hours * INTERVAL '1 hour' <= %(now)s
                     THEN 'leader' END END AS response_level,
           CASE WHEN r.date_resolution_deadline <= %(now)s THEN
                CASE WHEN r.resolution_escalation = 'none' THEN 'owner'
                     WHEN r.resolution_escalation = 'owner'
                      AND r.date_resolution_deadline + r.escalation_grace_hours * INTERVAL '1 hour' <= %(now)s
                     THEN 'leader' END END AS resolution_level
      FROM crm_erp_service_request r
      JOIN crm_erp_service_stage st ON st.id = r.stage_id
     WHERE r.active AND NOT COALESCE(st.is_solved, FALSE)
       AND (%(request_ids)s::integer[] IS NULL OR r.id = ANY(%(request_ids)s::integer[]))
       AND (r.response_escalation <> 'leader' OR r.resolution_escalation <> 'leader')
       AND (r.date_response_deadline <= %(now)s OR r.date_resolution_deadline <= %(now)s)
), claimed AS (
    UPDATE crm_erp_service_request r
       SET response_escalation = COALESCE(d.response_level, r.response_escalation),
           resolution_escalation = COALESCE(d.resolution_level, r.resolution_escalation),
           write_date = NOW() AT TIME ZONE 'UTC'
      FROM due d
     WHERE r.id = d.id AND (d.response_level IS NOT NULL OR d.resolution_level IS NOT NULL)
       AND r.response_escalation = d.old_response AND r.resolution_escalation = d.old_resolution
 RETURNING r.id, d.response_level, d.resolution_level
)
SELECT id, 'response', response_level FROM claimed WHERE response_level IS NOT NULL
 UNION ALL
SELECT id, 'resolution', resolution_level FROM claimed WHERE resolution_level IS NOT NULL
 ORDER BY 1, 2 DESC
"""


def claim_escalations(cr, now, request_ids=None):
    """[(request id, 'response' or 'resolution', 'owner' or 'leader')]: the escalations due at
    now (a 'YYYY-MM-DD HH:MM:SS' UTC timestamp) of the open requests request_ids (None: of
    every company), each marked
    as done in the same statement (set-based; see _CLAIM_ESCALATIONS_SQL for two runs at once).
    A level skipped (leader due at the first run) is claimed at the next run, owner first."""
    cr.execute(_CLAIM_ESCALATIONS_SQL, {'now': now, 'request_ids': None if request_ids is None else list(request_ids)})
    return cr.fetchall()


_REQUEST_COUNTS_SQL = """
SELECT r.commercial_partner_id,
       COUNT(*) FILTER (WHERE NOT COALESCE(st.is_solved, FALSE)),
       COUNT(*) FILTER (WHERE """ + overdue_sql('%(now)s') + """)
  FROM crm_erp_service_request r
  LEFT JOIN crm_erp_service_stage st ON st.id = r.stage_id
 WHERE r.active AND r.company_id = %(company_id)s AND r.commercial_partner_id = ANY(%(partner_ids)s)
 GROUP BY r.commercial_partner_id
"""


def request_counts(cr, partner_ids, company_id, now):
    """{commercial partner id: (open requests, overdue requests at now)} of those among
    partner_ids (commercial partners) with requests in the company; now a UTC timestamp."""
    cr.execute(_REQUEST_COUNTS_SQL, {'partner_ids': list(partner_ids), 'company_id': company_id, 'now': now})
    return {partner_id: (open_count, overdue_count) for partner_id, open_count, overdue_count in cr.fetchall()}


def customers_with_overdue_requests(cr, partner_ids, company_id, now):
    """{commercial partner id} of those among partner_ids with an overdue request in the
    company at now: the cross-sell run leaves them out until their requests are solved."""
    return {partner_id for partner_id, (_open, overdue) in request_counts(cr, partner_ids, company_id, now).items()
            if overdue}


# Every rating a customer gave (rating.rating filled in: consumed, score 1-10), one row per rating:
# of a service request (channel 'service') or of a delivery (channel 'delivery', a stock.picking
# rated after it was done), with its company, customer (commercial entity), sale order, team,
# owner (requests only) and salesperson. A request's team and owner are its own; a delivery's
# customer is its address's commercial entity, its order sale_stock's sale_id, its team the
# order's (else the customer's). The salesperson is the order's, else the customer's.
# Satisfied and highly dissatisfied: rules.RATING_SATISFIED and RATING_HIGHLY_DISSATISFIED. The
# customer's figures, the stage rule service_low_rating and the satisfaction report read these.
CUSTOMER_RATINGS_SQL = """
SELECT rr.id, rr.rating, rr.write_date AS date, 'service'::varchar AS channel, r.company_id,
       r.commercial_partner_id, r.id AS request_id, NULL::integer AS picking_id, r.sale_order_id,
       r.team_id, r.user_id, COALESCE(so.user_id, cp.user_id) AS salesperson_id
  FROM rating_rating rr
  JOIN crm_erp_service_request r ON r.id = rr.res_id
  LEFT JOIN sale_order so ON so.id = r.sale_order_id
  LEFT JOIN res_partner cp ON cp.id = r.commercial_partner_id
 WHERE rr.res_model = 'crm.erp.service.request' AND rr.consumed AND rr.rating >= 1
 UNION ALL
SELECT rr.id, rr.rating, rr.write_date, 'delivery', sp.company_id,
       dp.commercial_partner_id, NULL, sp.id, sp.sale_id,
       COALESCE(so.team_id, cp.team_id), NULL, COALESCE(so.user_id, cp.user_id)
  FROM rating_rating rr
  JOIN stock_picking sp ON sp.id = rr.res_id
  JOIN res_partner dp ON dp.id = sp.partner_id
  LEFT JOIN res_partner cp ON cp.id = dp.commercial_partner_id
  LEFT JOIN sale_order so ON so.id = sp.sale_id
 WHERE rr.res_model = 'stock.picking' AND rr.consumed AND rr.rating >= 1
"""

_RATING_FIGURES_SQL = """
WITH ratings AS (
    SELECT * FROM (""" + CUSTOMER_RATINGS_SQL + """) rt
     WHERE company_id = %(company_id)s AND commercial_partner_id = ANY(%(partner_ids)s) AND date <= %(now)s
)
SELECT commercial_partner_id,
       (ARRAY_AGG(rating ORDER BY date DESC, id DESC))[1],
       MAX(date),
       COUNT(*) FILTER (WHERE date > %(now)s::timestamp - INTERVAL '12 months'),
       COUNT(*) FILTER (WHERE date > %(now)s::timestamp - INTERVAL '12 months' AND rating >= %(satisfied)s)
  FROM ratings
 GROUP BY commercial_partner_id
"""


def rating_figures(cr, partner_ids, company_id, now):
    """{commercial partner id: (last score, its date, ratings in the 12 months up to now, of
    which satisfied)} of those among partner_ids (commercial partners) who rated a request or a
    delivery of the company up to now (a UTC timestamp)."""
    cr.execute(_RATING_FIGURES_SQL, {'partner_ids': list(partner_ids), 'company_id': company_id, 'now': now,
                                     'satisfied': RATING_SATISFIED})
    return {row[0]: tuple(row[1:]) for row in cr.fetchall()}


# The score of each customer's last rating (of a service request or a delivery) given up to {at}
# if it was given within LOW_RATING_DAYS days before {at}, else NULL, per company and commercial
# partner, of the companies %(company_ids)s: recent_rating of the stage rule service_low_rating
# (rules.py).
_RECENT_RATING_SQL = """
SELECT company_id, partner_id,
       CASE WHEN date > {at} - INTERVAL '""" + str(int(LOW_RATING_DAYS)) + """ days' THEN rating END AS recent_rating
  FROM (SELECT DISTINCT ON (rt.company_id, rt.commercial_partner_id)
               rt.company_id, rt.commercial_partner_id AS partner_id, rt.rating, rt.date
          FROM (""" + CUSTOMER_RATINGS_SQL + """) rt
         WHERE rt.company_id = ANY(%(company_ids)s) AND rt.commercial_partner_id IS NOT NULL
           AND rt.date <= {at}
         ORDER BY rt.company_id, rt.commercial_partner_id, rt.date DESC, rt.id DESC) last_rating
"""


def recent_rating_sql(at):
    """_RECENT_RATING_SQL over the SQL timestamp expression at (from the code, never input):
    rows (company_id, partner_id, recent_rating) for the Customer 360 scoring statement."""
    return _RECENT_RATING_SQL.format(at=at)


# Which customers the cross-sell run leaves out: those for whom a stage rule of
# rules.CROSS_SELL_BLOCKING_REASONS holds now, its condition as written in rules.STAGE_RULES (one
# home), over the same figures as the scoring statement: n (orders, from the Customer 360 row),
# overdue_request_count (at now) and recent_rating (the last rating, if within LOW_RATING_DAYS of now).
_CROSS_SELL_BLOCKED_SQL = """
WITH customers AS (
    SELECT c.partner_id, COALESCE(s.sale_order_count, 0) AS n
      FROM unnest(%(partner_ids)s::integer[]) AS c(partner_id)
      LEFT JOIN crm_erp_partner_stats s ON s.company_id = %(company_id)s AND s.partner_id = c.partner_id
), service AS (
    SELECT r.commercial_partner_id AS partner_id, COUNT(*) AS overdue_request_count
      FROM crm_erp_service_request r
      LEFT JOIN crm_erp_service_stage st ON st.id = r.stage_id
     WHERE r.company_id = %(company_id)s AND r.commercial_partner_id = ANY(%(partner_ids)s)
       AND """ + overdue_sql('%(now)s::timestamp') + """
     GROUP BY r.commercial_partner_id
), rated AS (
    """ + recent_rating_sql('%(now)s::timestamp') + """
)
SELECT partner_id FROM (
    SELECT c.partner_id, c.n, COALESCE(svc.overdue_request_count, 0) AS overdue_request_count, rt.recent_rating
      FROM customers c
      LEFT JOIN service svc ON svc.partner_id = c.partner_id
      LEFT JOIN rated rt ON rt.partner_id = c.partner_id
) figures
 WHERE {conditions}
"""


def customers_blocked_for_cross_sell(cr, partner_ids, company_id, now):
    """{commercial partner id} of those among partner_ids for whom a stage rule that blocks
    cross-sell (rules.CROSS_SELL_BLOCKING_REASONS: an overdue complaint or request, a recent
    highly dissatisfied last rating) holds in the company at now (a UTC timestamp): the
    cross-sell run leaves them out until it no longer holds (solved, or a better rating)."""
    conditions = ' OR '.join('(%s)' % stage_rule_condition(reason) for reason in CROSS_SELL_BLOCKING_REASONS)
    cr.execute(_CROSS_SELL_BLOCKED_SQL.format(conditions=conditions),
               {'partner_ids': list(partner_ids), 'company_id': company_id, 'company_ids': [company_id], 'now': now})
    return {row[0] for row in cr.fetchall()}


# A delivery's rating request, claimed: the request date written only where none is, in one
# statement. A validation that meets another one of the same delivery waits for its row lock and
# then claims nothing (READ COMMITTED) or fails with a serialization error that Odoo retries
# (REPEATABLE READ), where it sees the date: the customer is asked once.
_CLAIM_DELIVERY_RATING_SQL = """
UPDATE stock_picking SET rating_request_date = NOW() AT TIME ZONE 'UTC'
 WHERE id = ANY(%(picking_ids)s) AND rating_request_date IS NULL
RETURNING id
"""


def claim_delivery_rating_requests(cr, picking_ids):
    """[picking id] of picking_ids whose rating request was not claimed yet, now claimed (the
    rating request date set), in id order."""
    cr.execute(_CLAIM_DELIVERY_RATING_SQL, {'picking_ids': list(picking_ids)})
    return sorted(row[0] for row in cr.fetchall())
