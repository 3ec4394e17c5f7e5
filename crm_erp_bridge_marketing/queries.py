"""SQL of the marketing glue (docs/marketing.md): who must never get a marketing email, the
Customer 360 figures as a mailing filter, the NPS answers of a customer."""

# An email field's address as Odoo 11's mass mailing finds it in SQL (its blacklist and seen
# list): the first run of characters around an @, without spaces, commas, semicolons or angle
# brackets; lower-cased by the callers. emails.normalised_email is the same rule in Python.
EMAIL_PATTERN = '([^ ,;<@]+@[^> ,;]+)'

# Everyone a marketing email must not reach, as a closure over a graph whose nodes are partners
# ('p' || id) and normalised addresses ('e' || address):
# - the seeds: partners who opted out (res.partner.opt_out, archived ones included) and the
#   addresses of mailing list contacts who opted out;
# - the links: a partner and its address (both ways), and the two partners of a duplicate pair
#   (crm.erp.duplicate.pair) to review in any company that no company marked "not duplicates".
# Whatever a seed reaches is blocked: the same address on another partner, that partner's
# duplicates, their addresses, and so on.
_BLOCKED_SQL = """
WITH RECURSIVE
keys AS (
    SELECT id, lower(substring(email, %(pattern)s)) AS key
      FROM res_partner
     WHERE substring(email, %(pattern)s) IS NOT NULL
),
pairs AS (
    SELECT d.partner_a_id AS a, d.partner_b_id AS b
      FROM crm_erp_duplicate_pair d
     WHERE d.state = 'review' AND d.partner_a_id IS NOT NULL AND d.partner_b_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM crm_erp_duplicate_pair n
                        WHERE n.state = 'not_duplicate' AND n.partner_a_id = d.partner_a_id
                          AND n.partner_b_id = d.partner_b_id)
),
links (src, dst) AS (
    SELECT 'p' || a, 'p' || b FROM pairs
    UNION ALL SELECT 'p' || b, 'p' || a FROM pairs
    UNION ALL SELECT 'p' || id, 'e' || key FROM keys
    UNION ALL SELECT 'e' || key, 'p' || id FROM keys
),
seeds (node) AS (
    SELECT 'p' || id FROM res_partner WHERE opt_out
    UNION
    SELECT 'e' || lower(substring(email, %(pattern)s))
      FROM mail_mass_mailing_contact
     WHERE opt_out AND substring(email, %(pattern)s) IS NOT NULL
),
reach (node) AS (
    SELECT node FROM seeds
    UNION
    SELECT l.dst FROM reach r JOIN links l ON l.src = r.node
)
SELECT node FROM reach
"""


def blocked_recipients(cr):
    """(partner ids, normalised addresses) that no marketing email may reach: see _BLOCKED_SQL."""
    cr.execute(_BLOCKED_SQL, {'pattern': EMAIL_PATTERN})
    partner_ids, addresses = set(), set()
    for node, in cr.fetchall():
        if node[0] == 'p':
            partner_ids.add(int(node[1:]))
        else:
            addresses.add(node[1:])
    return partner_ids, addresses


# Comparison operators of a Customer 360 figure filter, as SQL (only these texts are used).
FIGURE_OPERATORS = {'=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>='}


def partners_by_figure(cr, company_id, column, operator, value, matching):
    """Partner ids of the company's Customer 360 rows (crm_erp_partner_stats) whose column (a
    column name from the code; no value = 0) compares to value by operator (a key of
    FIGURE_OPERATORS) when matching, does not otherwise."""
    query = ('SELECT partner_id FROM crm_erp_partner_stats WHERE company_id = %s'
             ' AND (COALESCE(' + column + ', 0) ' + FIGURE_OPERATORS[operator] + ' %s) = %s')
    cr.execute(query, (company_id, value, matching))  # pylint: disable=sql-injection
    return [partner_id for partner_id, in cr.fetchall()]


def last_nps_answers(cr, company_id, commercial_ids):
    """{commercial partner id: (score 0-10, answered on)}: the latest NPS answer (the report's
    rows) of each commercial entity in the company (surveys of the company or of none)."""
    cr.execute("""
        SELECT DISTINCT ON (partner_id) partner_id, score, date
          FROM crm_erp_nps_report
         WHERE partner_id = ANY(%s) AND (company_id = %s OR company_id IS NULL)
         ORDER BY partner_id, date DESC, id DESC
    """, (list(commercial_ids), company_id))
    return {partner_id: (score, date) for partner_id, score, date in cr.fetchall()}
