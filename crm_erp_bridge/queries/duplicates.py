"""Duplicate customers (crm.erp.duplicate.pair, docs/duplicates.md): the pairs of active
customers of a company that are likely the same, found on normalised keys: VAT, email, phone and,
where PostgreSQL's pg_trgm extension is available, keys of the names' words (the words but one,
the words with one letter removed) whose candidate pairs pg_trgm's similarity then judges."""
import logging

from ..rules import DUPLICATE_MAX_GROUP, DUPLICATE_NAME_SIMILARITY, DUPLICATE_TYPO_MIN_LENGTH
from .common import disable_jit, drop_index, set_local_work_mem

_logger = logging.getLogger(__name__)

# The GIN trigram index on res_partner.name of the first version (one probe per customer, minutes
# at 10,000 customers): the names are now compared by keys, the index is dropped at update.
NAME_INDEX = 'res_partner_crm_erp_name_trgm_index'

# The candidates: active customers that are commercial entities (companies and individuals, not
# the contacts of a company), of the company or shared, with their normalised keys:
# - VAT: upper case, without spaces, dots and dashes ('pt 123.456-789' -> 'PT123456789');
# - email: lower case, trimmed;
# - phone and mobile: the digits only (a leading 00 or + and every separator dropped), the last
#   9 compared, numbers of fewer than 7 digits ignored: '+351 912 345 678', '00351912345678' and
#   '912-345-678' give the same key;
# - the name's words: lower case, split on anything but letters and digits, sorted (so the order
#   of the words does not count).
_SCOPE_SQL = """
scope AS (
    SELECT p.id, p.name,
           NULLIF(regexp_replace(upper(p.vat), '[[:space:].-]', '', 'g'), '') AS vat_key,
           NULLIF(lower(btrim(p.email)), '') AS email_key,
           p.phone, p.mobile,
           ARRAY(SELECT w FROM regexp_split_to_table(lower(p.name), '[^[:alnum:]]+') AS w
                  WHERE w <> '' ORDER BY w) AS words
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
)"""

_KEYED_SQL = """,
keyed AS (
    SELECT id, 'vat' AS kind, hashtextextended(vat_key, 0) AS key FROM scope WHERE vat_key IS NOT NULL
    UNION ALL
    SELECT id, 'email', hashtextextended(email_key, 0) FROM scope WHERE email_key IS NOT NULL
    UNION ALL
    SELECT id, 'phone', hashtextextended(phone_key, 0) FROM phones
"""

# The names' keys (blocking: two names are compared only when they share one of them), for each
# word of the name (j = -1, 0, 1, ...):
# - 'rest' (j = -1): the other words, sorted (names of two words or more): two names that share
#   one have the same words but one (one word differs, or one has a word more: the other words of
#   one are all the words of the other, also a key); judged by pg_trgm's similarity of the names
#   (evidence 'name' from min_similarity up);
# - 'typo': the other sorted words, '|', and the word as it is (j = 0) or, in a word of
#   typo_min_length letters or more, without its j-th letter: two names that share one have the
#   same words but one, and that one the same once a letter is removed from it on one side or on
#   both (a letter substituted, dropped, added, two letters swapped): evidence 'typo'.
# The keys are grouped as 64-bit hashes (about 25 keys a customer: a collision among millions of
# keys has a chance below one in a million).
_NAME_KEYS_SQL = """
    UNION ALL
    SELECT id, 'rest', hashtextextended(array_to_string(words, ' '), 0) FROM scope WHERE cardinality(words) > 1
    UNION ALL
    SELECT w.id, CASE WHEN j < 0 THEN 'rest' ELSE 'typo' END,
           hashtextextended(CASE WHEN j < 0 THEN w.rest
                                 WHEN j = 0 THEN w.rest || '|' || w.word
                                 ELSE w.rest || '|' || overlay(w.word PLACING '' FROM j FOR 1) END, 0)
      FROM (SELECT s.id, cardinality(s.words) AS n, s.words[i] AS word,
                   array_to_string(s.words[1:i - 1] || s.words[i + 1:cardinality(s.words)], ' ') AS rest
              FROM scope s, generate_subscripts(s.words, 1) AS i) w,
           generate_series(CASE WHEN w.n > 1 THEN -1 ELSE 0 END,
                           CASE WHEN length(w.word) >= %(typo_min_length)s THEN length(w.word) ELSE 0 END) AS j
     -- of a run of the same letter, the first removed only (the others give the same key)
     WHERE j <= 1 OR substr(w.word, j, 1) <> substr(w.word, j - 1, 1)
"""

# a key shared by more than max_group partners (a shop's generic address, a switchboard, a very
# common name) is no evidence: left out
_GROUPS_SQL = """
),
shared AS (
    SELECT kind, key
      FROM keyed
     GROUP BY kind, key
    HAVING count(*) BETWEEN 2 AND %(max_group)s
),
grouped AS (
    SELECT k.* FROM keyed k JOIN shared USING (kind, key)
),
found AS (
    SELECT a.id AS a_id, b.id AS b_id, array_agg(DISTINCT a.kind ORDER BY a.kind) AS kinds
      FROM grouped a JOIN grouped b ON b.kind = a.kind AND b.key = a.key AND b.id > a.id
     GROUP BY a.id, b.id
)"""

_PAIRS_SQL = """
SELECT a_id, b_id, kinds, NULL::float FROM found ORDER BY a_id, b_id
"""

# the pairs with their evidence: the exact keys; 'name' when the names' similarity reaches
# min_similarity (names sharing a 'rest' or 'typo' key); else 'typo' when they share a 'typo' key;
# pairs of a 'rest' key only, of less similar names, left out. The similarity is given with the
# evidence 'name' or 'typo'.
_NAME_PAIRS_SQL = """,
judged AS (
    SELECT f.a_id, f.b_id, array_remove(array_remove(f.kinds, 'rest'), 'typo') AS kinds,
           CASE WHEN s.similarity >= %(min_similarity)s THEN 'name'
                WHEN 'typo' = ANY(f.kinds) THEN 'typo' END AS name_kind,
           s.similarity
      FROM found f
      JOIN res_partner a ON a.id = f.a_id
      JOIN res_partner b ON b.id = f.b_id
     CROSS JOIN LATERAL (
           SELECT CASE WHEN f.kinds && ARRAY['rest', 'typo'] THEN similarity(a.name, b.name) END
                  AS similarity) s
)
SELECT a_id, b_id, CASE WHEN name_kind IS NULL THEN kinds ELSE kinds || name_kind END,
       CASE WHEN name_kind IS NOT NULL THEN similarity END
  FROM judged
 WHERE name_kind IS NOT NULL OR cardinality(kinds) > 0
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


def drop_name_index(cr):
    """Drop the trigram index of the first version (NAME_INDEX): nothing searches it any more."""
    drop_index(cr, NAME_INDEX)


def duplicate_pairs_sql(use_names=True):
    """The statement of duplicate_pairs (parameters company_id, max_group and, with use_names,
    min_similarity and typo_min_length), also for EXPLAIN in bench/evaluate_duplicates.py."""
    if use_names:
        return 'WITH ' + _SCOPE_SQL + _KEYED_SQL + _NAME_KEYS_SQL + _GROUPS_SQL + _NAME_PAIRS_SQL
    return 'WITH ' + _SCOPE_SQL + _KEYED_SQL + _GROUPS_SQL + _PAIRS_SQL


def duplicate_pairs(cr, company_id, use_names=True, min_similarity=DUPLICATE_NAME_SIMILARITY,
                    typo_min_length=DUPLICATE_TYPO_MIN_LENGTH, max_group=DUPLICATE_MAX_GROUP):
    """The pairs of likely duplicate customers of company_id (both of the company or shared):
    [(partner a id, partner b id, [kinds of evidence], name similarity or None)], a < b, ordered,
    kinds among 'email', 'name', 'phone', 'typo', 'vat' (sorted; 'name' and 'typo' exclusive).
    use_names: also the names (requires pg_trgm, see trigram_available): 'name' when they have the
    same words but one and a similarity from min_similarity (0 to 1) up, else 'typo' when they
    have the same words but one typing error in a word (of typo_min_length letters or more for
    a letter substituted or two swapped). max_group: a key shared by more partners than that is
    ignored."""
    params = {'company_id': company_id, 'min_similarity': min_similarity, 'typo_min_length': typo_min_length,
              'max_group': max_group}
    disable_jit(cr)  # PostgreSQL prices the keys of the names far above their cost: seconds of compiling
    # the names' keys grouped in memory (about 25 a customer, bench/RESULTS.md)
    set_local_work_mem(cr, '256MB')
    # the parts of the statement come from the code, every value is a parameter
    cr.execute(duplicate_pairs_sql(use_names), params)  # pylint: disable=sql-injection
    return [(a_id, b_id, sorted(kinds), similarity) for a_id, b_id, kinds, similarity in cr.fetchall()]


def store_pairs(cr, company_id, pairs, uid):
    """Bring company_id's pairs of crm_erp_duplicate_pair up to date with pairs, [(a id, b id,
    vat, email, phone, typo (booleans), name similarity or None, confidence)], in one statement: new
    pairs are added to review, the evidence of pairs still to review is updated, pairs to review no
    longer found are deleted; pairs merged or marked "not duplicates" are kept as they are (never
    proposed again). Returns the number of pairs to review."""
    columns = list(zip(*pairs)) if pairs else [[]] * 8
    cr.execute("""
        WITH found AS (
            SELECT * FROM unnest(%(a)s::integer[], %(b)s::integer[], %(vat)s::boolean[],
                                 %(email)s::boolean[], %(phone)s::boolean[], %(typo)s::boolean[],
                                 %(similarity)s::float[], %(confidence)s::float[])
                       AS f(a_id, b_id, vat, email, phone, typo, similarity, confidence)
        ), upserted AS (
            INSERT INTO crm_erp_duplicate_pair
                   (company_id, partner_a_id, partner_b_id, match_vat, match_email, match_phone,
                    match_typo, name_similarity, confidence, state, create_uid, create_date, write_uid, write_date)
            SELECT %(company_id)s, a_id, b_id, vat, email, phone, typo, similarity, confidence, 'review',
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM found
                ON CONFLICT (company_id, partner_a_id, partner_b_id) DO UPDATE
               SET match_vat = EXCLUDED.match_vat, match_email = EXCLUDED.match_email,
                   match_phone = EXCLUDED.match_phone, match_typo = EXCLUDED.match_typo,
                   name_similarity = EXCLUDED.name_similarity,
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
          'typo': list(columns[5]), 'similarity': list(columns[6]), 'confidence': list(columns[7])})
    return cr.fetchone()[0]
