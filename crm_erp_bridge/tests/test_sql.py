import numpy as np

from odoo import sql_db
from odoo.tests.common import TransactionCase

from ..sql import (ParallelColumns, ParallelIntColumns, array_literal, copy_int_rows, copy_rows, execute_prepared,
                   fetch_columns, fetch_int_columns, stream_int_columns)
from .concurrency_common import ConcurrentCase

_QUERY = """
    SELECT id, name FROM res_partner
     WHERE id = ANY(%(ids)s) AND name NOT LIKE '%%' || %(suffix)s AND %(ids)s IS NOT NULL
  ORDER BY id
"""


class TestArrayLiteral(TransactionCase):
    """array_literal: numbers as one PostgreSQL array literal, read back exactly by a cast."""

    def test_same_values_as_a_list(self):
        # compared in PostgreSQL: Odoo's connections print floats with 15 digits
        floats, ints = [0.1, 1 / 3.0, -2.5e-300, 1e300, 0.0], [7, -1, 2 ** 31 - 1]
        self.cr.execute("SELECT %s::float[] = %s::float[], %s::integer[], %s::float[]",
                        [array_literal(floats), floats, array_literal(ints), array_literal([])])
        self.assertEqual(self.cr.fetchone(), (True, ints, []))


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

    def test_typed_columns_round_trip(self):
        """fetch_columns reads what copy_rows wrote, each column as its numpy type."""
        self.cr.execute("CREATE TEMP TABLE crm_erp_copy_typed (a integer, b float8, c boolean, d date)")
        values = (np.array([7, -2]), np.array([0.1, -1e300]), np.array([True, False]),
                  np.array(['2025-05-01', '1999-12-31'], dtype='datetime64[D]'))
        copy_rows(self.cr, 'crm_erp_copy_typed', ('a', 'b', 'c', 'd'), values, ('int4', 'float8', 'bool', 'date'))
        a, b, c, d = fetch_columns(self.cr, "SELECT a, b, c, d FROM crm_erp_copy_typed WHERE a > %s ORDER BY a DESC",
                                   [-5], ('int4', 'float8', 'bool', 'date'))
        self.assertEqual((a.tolist(), b.tolist(), c.tolist()), ([7, -2], [0.1, -1e300], [True, False]))
        self.assertEqual((a.dtype, b.dtype, c.dtype), (np.int32, np.float64, np.bool_))
        np.testing.assert_array_equal(d, values[3])
        for query in ("SELECT 1.5::float4, 2", "SELECT 1.5::float8, NULL::integer", "SELECT 1::float8"):
            with self.assertRaises(ValueError):
                fetch_columns(self.cr, query, [], ('float8', 'int4'))

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


class TestParallelIntColumns(ConcurrentCase):
    """ParallelIntColumns reads a query by a second connection in the caller's snapshot, and in
    the caller's transaction once that one wrote (its own rows are in no exported snapshot).
    Real transactions on a table of the test's own, dropped at the end."""

    QUERY = "SELECT a, b FROM test_parallel_int_columns ORDER BY a"

    def setUp(self):
        super().setUp()
        self.commit(lambda env: env.cr.execute(
            "CREATE TABLE test_parallel_int_columns (a integer NOT NULL, b integer NOT NULL);"
            "INSERT INTO test_parallel_int_columns VALUES (1, 2), (3, 4)"))
        self.addCleanup(self.commit, lambda env: env.cr.execute("DROP TABLE test_parallel_int_columns"))

    def _read(self, cr):
        batches = []
        with ParallelIntColumns(cr, lambda: sql_db.db_connect(cr.dbname).cursor(), self.QUERY, {}, 2) as stream:
            in_thread = stream.thread is not None
            stream.consume(lambda a, b: batches.append((a.tolist(), b.tolist())), rows_per_batch=1)
        return in_thread, batches

    def test_second_connection_reads_the_callers_snapshot(self):
        with self.rolled_back() as env:
            env.cr.execute(self.QUERY)  # the snapshot of this transaction is taken
            self.assertEqual(env.cr.fetchall(), [(1, 2), (3, 4)])
            self.commit(lambda other: other.cr.execute("INSERT INTO test_parallel_int_columns VALUES (5, 6)"))
            self.assertEqual(self._read(env.cr), (True, [([1], [2]), ([3], [4])]),
                             'the row committed after the snapshot is not read')

    def test_second_connection_takes_the_callers_jit_setting(self):
        with self.rolled_back() as env:
            env.cr.execute("SELECT current_setting('jit', true)")
            if env.cr.fetchone()[0] is None:
                self.skipTest('PostgreSQL before 11: no JIT')
            env.cr.execute("SET LOCAL jit = off")
            query = "SELECT (current_setting('jit') = 'off')::integer, 0"
            with ParallelIntColumns(env.cr, lambda: sql_db.db_connect(env.cr.dbname).cursor(), query, {}, 2) as stream:
                self.assertIsNotNone(stream.thread)
                rows = []
                stream.consume(lambda a, b: rows.extend(a.tolist()))
            self.assertEqual(rows, [1])

    def test_columns_of_other_types(self):
        """ParallelColumns: float8 and bool columns too, all the rows at once (columns())."""
        with self.rolled_back() as env:
            query = "SELECT a, b / 4.0::float8, a > 1 FROM test_parallel_int_columns ORDER BY a"
            with ParallelColumns(env.cr, lambda: sql_db.db_connect(env.cr.dbname).cursor(), query, {},
                                 ('int4', 'float8', 'bool')) as stream:
                self.assertIsNotNone(stream.thread)
                columns = [values.tolist() for values in stream.columns()]
            self.assertEqual(columns, [[1, 3], [0.5, 1.0], [False, True]])

    def test_after_a_write_the_callers_transaction_reads(self):
        with self.rolled_back() as env:
            env.cr.execute("INSERT INTO test_parallel_int_columns VALUES (7, 8)")
            self.assertEqual(self._read(env.cr), (False, [([1], [2]), ([3], [4]), ([7], [8])]))
