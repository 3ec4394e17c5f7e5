import numpy as np

from odoo.tests.common import TransactionCase

from ..sql import copy_int_rows, execute_prepared, fetch_int_columns, stream_int_columns

_QUERY = """
    SELECT id, name FROM res_partner
     WHERE id = ANY(%(ids)s) AND name NOT LIKE '%%' || %(suffix)s AND %(ids)s IS NOT NULL
  ORDER BY id
"""


class TestExecutePrepared(TransactionCase):
    """execute_prepared runs a psycopg2-style query as a reused prepared statement and returns
    what the query returns."""

    def _prepared_count(self):
        self.cr.execute("SELECT COUNT(*) FROM pg_prepared_statements WHERE name LIKE 'crm_erp_%%'")
        return self.cr.fetchone()[0]

    def test_same_rows_as_the_query(self):
        partners = self.env['res.partner'].search([], limit=3, order='id')
        params = {'ids': partners.ids, 'suffix': 'no such suffix'}
        self.cr.execute(_QUERY, params)
        expected = self.cr.fetchall()
        self.assertEqual(len(expected), 3)
        execute_prepared(self.cr, _QUERY, params)
        self.assertEqual(self.cr.fetchall(), expected)
        # an excluding suffix: the % of the LIKE pattern survived the placeholder rewrite
        execute_prepared(self.cr, _QUERY, dict(params, suffix=partners[0].name))
        self.assertNotIn(partners[0].id, [row[0] for row in self.cr.fetchall()])

    def test_prepared_once_per_query(self):
        before = self._prepared_count()
        partner_ids = self.env['res.partner'].search([], limit=2).ids
        for partner_id in partner_ids:
            execute_prepared(self.cr, _QUERY, {'ids': [partner_id], 'suffix': 'x'})
            self.assertEqual([row[0] for row in self.cr.fetchall()], [partner_id])
        after_one_query = self._prepared_count()
        self.assertLessEqual(after_one_query - before, 1)
        execute_prepared(self.cr, _QUERY + ' LIMIT 1', {'ids': partner_ids, 'suffix': 'x'})
        self.assertEqual(len(self.cr.fetchall()), 1)
        self.assertEqual(self._prepared_count(), after_one_query + 1)


class TestBinaryCopy(TransactionCase):
    """fetch_int_columns, stream_int_columns and copy_int_rows move integer columns through
    binary COPY."""

    def test_round_trip(self):
        self.cr.execute("CREATE TEMP TABLE crm_erp_copy_test (a integer, b integer, c varchar)")
        copy_int_rows(self.cr, 'crm_erp_copy_test', ('a', 'b'), (np.array([3, 1, 2 ** 31 - 1]), np.array([-4, 0, 7])))
        self.cr.execute("SELECT a, b, c FROM crm_erp_copy_test ORDER BY a")
        self.assertEqual(self.cr.fetchall(), [(1, 0, None), (3, -4, None), (2 ** 31 - 1, 7, None)])
        a, b = fetch_int_columns(self.cr, "SELECT a, b FROM crm_erp_copy_test WHERE a > %s ORDER BY a", [1], 2)
        self.assertEqual((a.tolist(), b.tolist()), ([3, 2 ** 31 - 1], [-4, 7]))
        [none] = fetch_int_columns(self.cr, "SELECT a FROM crm_erp_copy_test WHERE a < 0", [], 1)
        self.assertEqual(none.tolist(), [])
        copy_int_rows(self.cr, 'crm_erp_copy_test', ('a', 'b'), (np.array([], dtype=np.int64),) * 2)

    def test_stream_in_batches(self):
        query = "SELECT g, -g FROM generate_series(1, %s) g ORDER BY g"
        for rows, batch in ((0, 3), (1, 3), (7, 3), (9, 3), (10, 100)):
            batches = []
            stream_int_columns(self.cr, query, [rows], 2, lambda a, b: batches.append((a.tolist(), b.tolist())),
                               rows_per_batch=batch)
            self.assertTrue(all(0 < len(a) <= batch for a, _b in batches))
            self.assertEqual([value for a, _b in batches for value in a], list(range(1, rows + 1)))
            self.assertEqual([value for _a, b in batches for value in b], [-value for value in range(1, rows + 1)])

    def test_refuses_what_is_not_int4(self):
        for query in ("SELECT 1::bigint, 2", "SELECT 1, NULL::integer", "SELECT 1, 2, 3"):
            with self.assertRaises(ValueError):
                fetch_int_columns(self.cr, query, [], 2)
            with self.assertRaises(ValueError):
                stream_int_columns(self.cr, query, [], 2, lambda *columns: None)
