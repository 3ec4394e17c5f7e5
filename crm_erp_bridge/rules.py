"""Rules that are tables, as Python data: the Customer 360 selections, the RFM segment map and
the lifecycle stage rules. The queries generate their SQL from these tables (queries/customer_360.py);
tests/test_rules.py checks each table once against PostgreSQL. Pure Python: no Odoo import."""

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

# Funnel position of each stage for the manager's dashboard: a stage change "moves forward" when
# the new stage ranks higher (leaving At risk or Lost for any buying stage is a win-back).
FUNNEL_RANKS = {
    'lost': -1, 'at_risk': 0, 'prospect': 1, 'lead': 2, 'opportunity': 3, 'new': 4, 'repeat': 5, 'loyal': 6,
}

# Why a stage was set: the rule that fired (see readme/USAGE.rst, "Lifecycle stage").
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
    ('alive_below_at_risk', 'Chance to buy again below the At risk threshold'),
    ('alive_below_lost', 'Chance to buy again below the Lost threshold'),
    ('service_overdue', 'Overdue complaint or service request'),
    ('service_low_rating', 'Last rating highly dissatisfied (within 90 days)'),
    ('manual', 'Set by hand'),
]

# Ratings of solved service requests and of deliveries (Odoo 11's rating faces: 10, 5 and 1,
# docs/service-requests.md, "Satisfaction"): a score of RATING_SATISFIED or more is satisfied, 1 to
# RATING_HIGHLY_DISSATISFIED highly dissatisfied, in between not satisfied (as rating.rating's
# rating_text). CSAT is the share of satisfied ratings.
RATING_SATISFIED = 7
RATING_HIGHLY_DISSATISFIED = 3
RATING_TEXTS = [
    ('satisfied', 'Satisfied'),
    ('not_satisfied', 'Not satisfied'),
    ('highly_dissatisfied', 'Highly dissatisfied'),
]
# A highly dissatisfied last rating moves its customer towards At risk for this many days.
LOW_RATING_DAYS = 90

# RFM segment from the recency score r (1-5) and fm = (frequency + monetary + 1) / 2 in integer
# division (1-5): the first row whose ranges (inclusive) hold both. No scores, no segment.
RFM_SEGMENT_RULES = [
    # r from, r to, fm from, fm to, segment
    (1, 1, 1, 2, 'lost'),
    (2, 2, 1, 2, 'hibernating'),
    (1, 2, 1, 4, 'at_risk'),
    (1, 2, 1, 5, 'cant_lose'),
    (3, 3, 1, 2, 'about_to_sleep'),
    (3, 3, 3, 3, 'need_attention'),
    (1, 4, 4, 5, 'loyal'),
    (4, 4, 1, 1, 'promising'),
    (5, 5, 1, 1, 'new'),
    (1, 5, 1, 3, 'potential_loyalist'),
    (1, 5, 1, 5, 'champions'),
]

# Lifecycle stage of a Customer 360 row: the first rule whose condition holds gives the stage
# and the reason logged in the history; a locked row keeps its stage. A condition is an SQL
# predicate over the figures the scoring statement computes per row: n (orders), gap (days since
# the last order), p_alive (the lifetime value model's probability that the customer still buys,
# 0-1, NULL without orders), segment (RFM), the lead counts, and the company's thresholds
# at_risk_alive and lost_alive (0-1), and overdue_request_count (the customer's open complaints and
# service requests in the company whose response or solution deadline passed, queries/service.py),
# and recent_rating (the score, 1-10, of the customer's last rating of a service request or a
# delivery in the company if it was given within LOW_RATING_DAYS days, else NULL; queries/service.py).
# A customer with orders and an overdue request is At risk until the request is answered or
# solved (unless P(alive) already says Lost); so is a customer with orders whose last rating,
# given within LOW_RATING_DAYS, is highly dissatisfied, until a better rating or the days pass.
# At risk and Lost follow P(alive), which weighs the silence against the customer's own rhythm
# (docs/clv.md), not fixed day gaps; never on the day of an order (gap = 0): P(alive) right
# after an order only says how many customers never come back, nothing yet about this one. The
# stage and segment combinations these rules allow: readme/USAGE.rst, "Stages and segments"
# (STAGE_SEGMENTS below, tested on the demo data).
# The reasons overdue, lost_horizon and rfm_at_risk belong to earlier rules (kept for the history).
STAGE_RULES = [
    # condition, stage, reason
    ('n = 0 AND (opportunity_open_count > 0 OR lead_won_count > 0)', 'opportunity', 'open_opportunity'),
    ('n = 0 AND lead_open_count > 0', 'lead', 'open_lead'),
    ('n = 0 AND lead_lost_count > 0', 'lost', 'leads_lost'),
    ('n = 0', 'prospect', 'no_activity'),
    ('gap > 0 AND p_alive < lost_alive', 'lost', 'alive_below_lost'),
    ('n > 0 AND overdue_request_count > 0', 'at_risk', 'service_overdue'),
    ('n > 0 AND recent_rating BETWEEN 1 AND %d' % RATING_HIGHLY_DISSATISFIED, 'at_risk', 'service_low_rating'),
    ('gap > 0 AND p_alive < at_risk_alive', 'at_risk', 'alive_below_at_risk'),
    ("segment IN ('champions', 'loyal')", 'loyal', 'rfm_loyal'),
    ('n >= 2', 'repeat', 'repeat_orders'),
    ('TRUE', 'new', 'first_order'),
]

# The stage rules that also stop cross-sell suggestions (the cross-sell run, its button, API and
# nightly job) for the customer while their condition holds: an overdue complaint or service
# request until it is answered or solved, a highly dissatisfied last rating until a better one or
# LOW_RATING_DAYS pass. The run evaluates these rules' conditions as written in STAGE_RULES, now,
# on the figures their conditions name (n, overdue_request_count, recent_rating;
# queries/service.customers_blocked_for_cross_sell): this table is their one home.
CROSS_SELL_BLOCKING_REASONS = ('service_overdue', 'service_low_rating')


def stage_rule_condition(reason):
    """The SQL condition of the stage rule of STAGE_RULES with that reason."""
    return next(condition for condition, _stage, rule_reason in STAGE_RULES if rule_reason == reason)


def rating_text(score):
    """The RATING_TEXTS key of a score (1-10); None for no score (0 or None)."""
    if not score or score < 1:
        return None
    if score >= RATING_SATISFIED:
        return 'satisfied'
    return 'not_satisfied' if score > RATING_HIGHLY_DISSATISFIED else 'highly_dissatisfied'


# Which RFM segments (None: no segment) each stage can go with under STAGE_RULES, and why
# (readme/USAGE.rst, "Stages and segments"): without orders there are no scores; At risk and
# Lost follow P(alive) whatever the segment (RFM ranks customers against each other, P(alive)
# judges each against their own rhythm); Loyal is the stage of the segments Champions and
# Loyal while the customer is likely to buy again; New and Repeat are every other segment.
_ALL_SEGMENTS = {key for key, _label in RFM_SEGMENTS} | {None}
STAGE_SEGMENTS = {
    'prospect': {None}, 'lead': {None}, 'opportunity': {None},
    'lost': _ALL_SEGMENTS, 'at_risk': _ALL_SEGMENTS,
    'loyal': {'champions', 'loyal'},
    'repeat': _ALL_SEGMENTS - {'champions', 'loyal'},
    'new': _ALL_SEGMENTS - {'champions', 'loyal'},
}


def rfm_segment(r, fm):
    """The segment of RFM_SEGMENT_RULES for the scores (None without scores)."""
    if r is None:
        return None
    return next(segment for r_from, r_to, fm_from, fm_to, segment in RFM_SEGMENT_RULES
                if r_from <= r <= r_to and fm_from <= fm <= fm_to)


def rfm_segment_sql(r, fm):
    """SQL CASE expression of RFM_SEGMENT_RULES over the SQL expressions r and fm (NULL when r
    is NULL). Expressions and segments come from the code, never from input."""
    return 'CASE %s END' % ' '.join(
        "WHEN {r} BETWEEN {r_from} AND {r_to} AND {fm} BETWEEN {fm_from} AND {fm_to} THEN '{segment}'".format(
            r=r, fm=fm, r_from=r_from, r_to=r_to, fm_from=fm_from, fm_to=fm_to, segment=segment)
        for r_from, r_to, fm_from, fm_to, segment in RFM_SEGMENT_RULES)


def stage_rule_sql(locked, old_stage):
    """SQL CASE expression of STAGE_RULES: ARRAY[stage, reason] of the first rule that holds;
    ARRAY[old_stage, NULL] when `locked` (SQL expressions, as the conditions' names, of the row
    the expression is evaluated on)."""
    return 'CASE WHEN {locked} THEN ARRAY[{old_stage}, NULL] {rules} END'.format(
        locked=locked, old_stage=old_stage, rules=' '.join(
            "WHEN {condition} THEN ARRAY['{stage}', '{reason}']".format(
                condition=condition, stage=stage, reason=reason)
            for condition, stage, reason in STAGE_RULES))


# The lead score's reasons (docs/lead-score-forecast.md, "Plain-word reasons"): the wording
# rule of each feature of engines/lead_score.DEFAULT_FEATURES; the sentences of each rule, in
# both directions, are in crm.erp.lead.score.model._reason_text (translated there). A feature
# not listed reads as a category ("<value> leads win more often").
LEAD_SCORE_REASON_KINDS = {
    'customer_orders': 'orders', 'customer_revenue': 'revenue', 'days_since_activity': 'activity_days',
    'age_days': 'age', 'stage': 'stage', 'expected_revenue': 'deal', 'activities': 'activities',
    'emails': 'emails', 'products': 'products', 'customer_stage': 'customer_stage',
    'customer_segment': 'customer_segment',
    'source': 'category', 'medium': 'category', 'campaign': 'category', 'team': 'category',
    'salesperson': 'category', 'country': 'category',
}


# Duplicate customers (docs/duplicates.md): the confidence that two partners are the same customer,
# per kind of evidence. Several kinds combine as independent signals ("noisy or"): confidence =
# 1 - product of (1 - confidence of each kind), capped at DUPLICATE_MAX_CONFIDENCE. VAT and email
# together: 0.9995 -> 0.999; email + similar name: 0.98; phone + similar name: 0.92.
DUPLICATE_EVIDENCE = [
    # key, confidence, label
    ('vat', 0.99, 'Same VAT number'),
    ('email', 0.95, 'Same email'),
    ('phone', 0.8, 'Same phone'),
    ('name', 0.6, 'Similar name'),
    ('typo', 0.5, 'Name with one typing error'),
]
# Names with the same words but one (in any order) are "similar" from this pg_trgm similarity up
# (0 to 1); below it, they are a "typing error" when that one word differs by one letter.
DUPLICATE_NAME_SIMILARITY = 0.8
# A letter substituted, or two swapped, counts as a typing error in words of this many letters
# or more only ("Ivo" / "Iva", "Rui" / "Rua" are other names); a letter added or dropped in any.
DUPLICATE_TYPO_MIN_LENGTH = 4
# A key (VAT, email, phone, name key) shared by more customers than this is no evidence.
DUPLICATE_MAX_GROUP = 20
DUPLICATE_MAX_CONFIDENCE = 0.999


def duplicate_confidence(keys):
    """The confidence of a pair matched on the evidence keys (of DUPLICATE_EVIDENCE)."""
    doubt = 1.0
    for key, confidence, _label in DUPLICATE_EVIDENCE:
        if key in keys:
            doubt *= 1.0 - confidence
    return round(min(1.0 - doubt, DUPLICATE_MAX_CONFIDENCE), 4) if doubt < 1.0 else 0.0
