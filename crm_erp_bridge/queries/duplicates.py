"""Duplicate customers (crm.erp.duplicate.pair, docs/duplicates.md): the pairs of active
customers of a company that are likely the same, found on normalised keys and, where PostgreSQL's
pg_trgm extension is available, on similar names (a GIN trigram index on res_partner.name)."""
import logging

from .common import ensure_index

_logger = logging.getLogger(__name__)

NAME_INDEX = 'res_partner_crm_erp_name_trgm_index'

# The candidates: active customers that are commercial entities (companies and individuals, not
# the contacts of a company), of the company or shared, with their normalised keys:
# - VAT: upper case, without spaces, dots and dashes ('pt 123.456-789' -> 'PT123456789');
# - email: lower case, trimmed;
# - phone and mobile: the digits only (a leading 00 or + and every separator dropped), the last
#   9 compared, numbers of fewer than 7 digits ignored: '+351 912 345 678', '00351912345678' and
#   '912-345-678' give the same key.
_SCOPE_SQL = """
scope AS (
    SELECT p.id, p.name,
           NULLIF(regexp_replace(upper(p.vat), '[[:space:].-]', '', 'g'), '') AS vat_key,
           NULLIF(lower(btrim(p.email)), '') AS email_key,
           p.phone, p.mobile
      FROM res_partner p
     WHERE p.active AND p.customer AND p.id = p.commercial_partner_id
       AND (p.company_id = %(company_id)s OR p.company_id IS NULL)
),
phones AS (
    SELECT DISTINCT id, right(digits, 9) AS phone_key
      FROM (SELECT s.id, regexp_replace(number, '[^0-9]', '', 'g') AS digits
              FROM scope s, unnest(ARRAY[s.phone, s.mobile]) AS number
             WHERE number IS NOT NULL) d
     WHERE length(digits) >= 7
),
keyed AS (
    SELECT id, 'vat' AS kind, vat_key AS key FROM scope WHERE vat_key IS NOT NULL
    UNION ALL
    SELECT id, 'email', email_key FROM scope WHERE email_key IS NOT NULL
    UNION ALL
    SELECT id, 'phone', phone_key FROM phones
),
-- a key shared by more than max_group partners (a shop's generic address, a switchboard) is
-- no evidence: left out
groups AS (
    SELECT kind, array_agg(DISTINCT id) AS ids
      FROM keyed
     GROUP BY kind, key
    HAVING count(DISTINCT id) BETWEEN 2 AND %(max_group)s
),
found AS (
    SELECT a.id AS a_id, b.id AS b_id, g.kind, NULL::float AS similarity
      FROM groups g, unnest(g.ids) AS a(id), unnest(g.ids) AS b(id)
     WHERE a.id < b.id
"""

# Similar names: pg_trgm's similarity of the names (lower case, punctuation ignored, each word's
# trigrams: "Pereira Ana" and "Ana Pereira" have similarity 1) from min_similarity up, through
# the `%%` operator and the GIN index NAME_INDEX (the threshold set for the transaction).
_NAME_PAIRS_SQL = """
    UNION ALL
    SELECT a.id, b.id, 'name', similarity(a.name, b.name)
      FROM scope a
     CROSS JOIN LATERAL (
           -- one probe of the GIN index per customer (OFFSET 0: planned apart, as a bitmap
           -- scan; the other conditions outside, so that no other index competes)
           SELECT b.id, b.name, b.commercial_partner_id, b.company_id
             FROM res_partner b
            WHERE b.name %% a.name AND b.active AND b.customer
           OFFSET 0) b
     WHERE b.id > a.id AND b.id = b.commercial_partner_id
       AND (b.company_id = %(company_id)s OR b.company_id IS NULL)
       AND similarity(a.name, b.name) >= %(min_similarity)s
"""

_PAIRS_SQL = """
SELECT a_id, b_id, array_agg(DISTINCT kind ORDER BY kind), max(similarity)
  FROM found
 GROUP BY a_id, b_id
 ORDER BY a_id, b_id
"""


def create_trigram_extension(cr):
    """CREATE EXTENSION pg_trgm unless it exists; True when it is there. A database user who may
    not create it (not superuser nor, from PostgreSQL 13, owner of a database that trusts it)
    gets False and a warning: the detection then uses the exact keys only (docs/duplicates.md)."""
    if trigram_available(cr):
        return True
    try:
        with cr.savepoint():
            cr.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except Exception as error:  # noqa: B902 - any refusal (privilege, missing contrib) falls back
        _logger.warning('pg_trgm could not be created (%s): duplicate customers are found on VAT, '
                        'email and phone only, not on similar names (docs/duplicates.md)', error)
        return False
    return True


def trigram_available(cr):
    """Whether the pg_trgm extension is installed in the database."""
    cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return bool(cr.fetchone())


def ensure_name_index(cr):
    """The GIN trigram index on the names of active customers that similar names search
    (requires pg_trgm)."""
    ensure_index(cr, NAME_INDEX, 'res_partner USING gin', ['name gin_trgm_ops'], where='active AND customer')


def duplicate_pairs(cr, company_id, use_names=True, min_similarity=0.8, max_group=20):
    """The pairs of likely duplicate customers of company_id (both of the company or shared):
    [(partner a id, partner b id, [matched kinds], name similarity or None)], a < b, ordered, kinds
    among 'email', 'name', 'phone', 'vat' (sorted). use_names: also similar names (requires
    pg_trgm, see trigram_available) from min_similarity (0 to 1) up. max_group: a key shared by more
    partners than that is ignored."""
    params = {'company_id': company_id, 'min_similarity': min_similarity, 'max_group': max_group}
    if use_names:
        # the `%` operator's threshold, for this transaction only
        cr.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(min_similarity)])
    # the parts of the statement come from the code, every value is a parameter
    query = 'WITH ' + _SCOPE_SQL + (_NAME_PAIRS_SQL if use_names else '') + ')\n' + _PAIRS_SQL
    if use_names:
        # the planner prices a probe of the trigram index above a scan of a small table and then
        # compares every pair of names (minutes at 10,000 customers): index probes only
        cr.execute('SET LOCAL enable_seqscan = off')
    try:
        cr.execute(query, params)  # pylint: disable=sql-injection
        rows = cr.fetchall()
    finally:
        if use_names:
            cr.execute('SET LOCAL enable_seqscan TO DEFAULT')
    return [(a_id, b_id, list(kinds), similarity) for a_id, b_id, kinds, similarity in rows]


def store_pairs(cr, company_id, pairs, uid):
    """Bring company_id's pairs of crm_erp_duplicate_pair up to date with pairs, [(a id, b id,
    vat, email, phone (booleans), name similarity or None, confidence)], in one statement: new
    pairs are added to review, the evidence of pairs still to review is updated, pairs to review no
    longer found are deleted; pairs merged or marked "not duplicates" are kept as they are (never
    proposed again). Returns the number of pairs to review."""
    columns = list(zip(*pairs)) if pairs else [[]] * 7
    cr.execute("""
        WITH found AS (
            SELECT * FROM unnest(%(a)s::integer[], %(b)s::integer[], %(vat)s::boolean[],
                                 %(email)s::boolean[], %(phone)s::boolean[], %(similarity)s::float[],
                                 %(confidence)s::float[])
                       AS f(a_id, b_id, vat, email, phone, similarity, confidence)
        ), upserted AS (
            INSERT INTO crm_erp_duplicate_pair
                   (company_id, partner_a_id, partner_b_id, match_vat, match_email, match_phone,
                    name_similarity, confidence, state, create_uid, create_date, write_uid, write_date)
            SELECT %(company_id)s, a_id, b_id, vat, email, phone, similarity, confidence, 'review',
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM found
                ON CONFLICT (company_id, partner_a_id, partner_b_id) DO UPDATE
               SET match_vat = EXCLUDED.match_vat, match_email = EXCLUDED.match_email,
                   match_phone = EXCLUDED.match_phone, name_similarity = EXCLUDED.name_similarity,
                   confidence = EXCLUDED.confidence, write_uid = EXCLUDED.write_uid,
                   write_date = EXCLUDED.write_date
             WHERE crm_erp_duplicate_pair.state = 'review'
            RETURNING id
        ), deleted AS (
            DELETE FROM crm_erp_duplicate_pair d
             WHERE d.company_id = %(company_id)s AND d.state = 'review'
               AND NOT EXISTS (SELECT 1 FROM found f WHERE f.a_id = d.partner_a_id AND f.b_id = d.partner_b_id)
            RETURNING id
        )
        SELECT (SELECT count(*) FROM upserted) + 0 * (SELECT count(*) FROM deleted)
    """, {'company_id': company_id, 'uid': uid, 'a': list(columns[0]), 'b': list(columns[1]),
          'vat': list(columns[2]), 'email': list(columns[3]), 'phone': list(columns[4]),
          'similarity': list(columns[5]), 'confidence': list(columns[6])})
    return cr.fetchone()[0]
