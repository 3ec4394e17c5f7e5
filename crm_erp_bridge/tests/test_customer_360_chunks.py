import threading

import psycopg2

from ..chunked_job import run_chunks, split_range
from ..queries import customer_360
from .concurrency_common import ConcurrentCase

# Salespeople confirming and cancelling orders of their customers while the full refresh runs.
SELLERS = 4
ROUNDS = 4
# the refresh's tables, copied before a test and put back after it (the refresh commits)
SAVED_TABLES = ('crm_erp_partner_stats', 'crm_erp_rfm_boundary')


class TestCustomer360Chunks(ConcurrentCase):
    """The full Customer 360 refresh in short transactions (crm.erp.partner.stats._refresh_all,
    the nightly job and the manager's "Refresh Customer 360"), with real parallel transactions:
    threads, a cursor each, real commits. Its chunks commit: the test runs it in threads of its
    own (not under the test runner's `testing` flag, where the chunks stay in the caller's
    transaction), then puts back the rows it changed and removes what it added."""

    def setUp(self):
        super().setUp()
        with self.committed() as env:
            for table in SAVED_TABLES:
                env.cr.execute('DROP TABLE IF EXISTS "test_saved_%s"' % table)
                env.cr.execute('CREATE TABLE "test_saved_{0}" AS SELECT * FROM "{0}"'.format(table))
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_erp_partner_stage_history")
            self.last_history = env.cr.fetchone()[0]
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
            self.last_message = env.cr.fetchone()[0]
            self.company_ids = env['res.company'].search([]).ids

    def tearDown(self):
        with self.committed() as env:
            for table in SAVED_TABLES:
                env.cr.execute('DELETE FROM "{0}"; INSERT INTO "{0}" SELECT * FROM "test_saved_{0}"; '
                               'DROP TABLE "test_saved_{0}"'.format(table))
            env.cr.execute("DELETE FROM crm_erp_partner_stage_history WHERE id > %s", [self.last_history])
            env.cr.execute("DELETE FROM mail_message WHERE id > %s", [self.last_message])
        super().tearDown()

    def _rows(self, env):
        """Every Customer 360 row of the companies (figures, scores, stage; not who wrote it
        when) and the RFM boundaries."""
        env.cr.execute("SELECT * FROM crm_erp_partner_stats WHERE company_id = ANY(%s) ORDER BY company_id, partner_id",
                       [self.company_ids])
        columns = [column[0] for column in env.cr.description]
        kept = [index for index, name in enumerate(columns)
                if name not in ('id', 'create_uid', 'create_date', 'write_uid', 'write_date')]
        rows = [tuple(row[index] for index in kept) for row in env.cr.fetchall()]
        env.cr.execute("SELECT company_id, score, recency_date, frequency, monetary FROM crm_erp_rfm_boundary "
                       "WHERE company_id = ANY(%s) ORDER BY company_id, score", [self.company_ids])
        return rows, env.cr.fetchall()

    def _committed_rows(self):
        with self.committed() as env:
            return self._rows(env)

    def _one_shot(self, boundaries):
        """The rows as one full refresh in one transaction leaves them now (rolled back)."""
        with self.rolled_back() as env:
            env['crm.erp.partner.stats']._refresh(self.company_ids, recompute_boundaries=boundaries, notify=False)
            return self._rows(env)

    def _refresh_all(self, customers_per_chunk):
        with self.committed() as env:
            return env['crm.erp.partner.stats']._refresh_all(self.company_ids, customers_per_chunk)

    def test_chunks_equal_one_shot(self):
        """Chunks of two customers leave every row and boundary as one refresh in one
        transaction does."""
        with self.committed() as env:
            self.assertGreater(len(customer_360.customer_ranges(env.cr, 2)), 5)
            # some rows out of date: the refresh has something to write
            env.cr.execute("UPDATE crm_erp_partner_stats SET sale_order_count = sale_order_count + 1, "
                           "rfm_segment = NULL WHERE id IN (SELECT id FROM crm_erp_partner_stats ORDER BY id LIMIT 5)")
        expected = self._one_shot(boundaries=True)
        self.assertNoError(self.race(lambda: self._refresh_all(2)))
        self.assertEqual(self._committed_rows(), expected)

    def test_a_chunk_meeting_a_concurrent_change_starts_over(self):
        """A chunk whose snapshot predates a committed change of one of its rows fails to
        serialize on that row: it is rolled back and started over on a new snapshot (split in
        halves), and the row ends with the figures of the documents."""
        with self.committed() as env:
            env['crm.erp.partner.stats']._refresh(self.company_ids, recompute_boundaries=True, notify=False)
            env.cr.execute("SELECT partner_id FROM crm_erp_partner_stats WHERE sale_order_count > 0 "
                           "ORDER BY partner_id LIMIT 1")
            partner_id = env.cr.fetchone()[0]
        expected = self._committed_rows()
        attempts = []

        def figures(env, chunk):
            env.cr.execute("SELECT 1")  # the chunk's snapshot is taken
            attempts.append(chunk)
            if len(attempts) == 1:
                with self.committed() as other:  # committed after that snapshot
                    other.cr.execute("UPDATE crm_erp_partner_stats SET sale_order_count = sale_order_count + 100 "
                                     "WHERE partner_id = %s", [partner_id])
            Stats = env['crm.erp.partner.stats']
            return Stats._refresh_chunk(self.company_ids, chunk, Stats._customer_360_today(), 'figures')

        def run():
            with self.committed() as env:
                run_chunks(env, [(0, 2 ** 31 - 1)], figures, split=split_range)
        self.assertNoError(self.race(run))
        self.assertEqual(attempts[:3], [(0, 2 ** 31 - 1), (0, 2 ** 30 - 1), (2 ** 30 - 1, 2 ** 31 - 1)])
        self.assertEqual(self._committed_rows(), expected)

    def test_scores_on_outdated_boundaries_fail_to_serialize(self):
        """An incremental refresh whose snapshot predates a committed re-cut of the RFM
        boundaries cannot score against the old ones: it fails to serialize (Odoo retries the
        call, which then reads the new boundaries)."""
        with self.committed() as env:
            env.cr.execute("SELECT partner_id FROM crm_erp_partner_stats WHERE sale_order_count > 0 "
                           "ORDER BY partner_id LIMIT 1")
            partner_id = env.cr.fetchone()[0]
        with self.rolled_back() as env, self.committed() as other:
            env.cr.execute("SELECT 1")  # the refresh's snapshot is taken
            customer_360.recompute_boundaries(other.cr, {'company_ids': self.company_ids, 'uid': other.uid})
            other.cr.commit()
            with self.assertRaises(psycopg2.extensions.TransactionRollbackError):
                env['crm.erp.partner.stats']._refresh(self.company_ids, [partner_id])

    def test_refresh_completes_under_concurrent_changes(self):
        """Salespeople confirm and cancel orders of their customers (XML-RPC calls, with Odoo's
        retry) while the full refresh runs again and again in chunks of one customer: every
        refresh completes, and the rows end as one refresh in one transaction against the
        same boundaries leaves them."""
        with self.committed() as env:
            product = env['product.product'].create({'name': 'Chunks product', 'type': 'service', 'list_price': 10.0,
                                                     'taxes_id': [(5, 0, 0)], 'company_id': False})
            customers = [env['res.partner'].create({'name': 'Chunks customer %d' % index, 'customer': True})
                         for index in range(SELLERS)]
            orders = [[env['sale.order'].create({
                'partner_id': customer.id, 'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 1.0})],
            }).id for _round in range(ROUNDS)] for customer in customers]
            product_id, customer_ids = product.id, [customer.id for customer in customers]
        done = threading.Event()
        refreshes = []

        def seller(index):
            def work():
                for round_ in range(ROUNDS):
                    self.execute('sale.order', 'action_confirm', [orders[index][round_]])
                    if round_:
                        self.execute('sale.order', 'action_cancel', [orders[index][round_ - 1]])
            return work

        def refresher():
            try:
                while not done.is_set() or not refreshes:
                    refreshes.append(self._refresh_all(1))
            finally:
                done.set()

        def sellers():
            try:
                self.assertNoError(self.race(*[seller(index) for index in range(SELLERS)]))
            finally:
                done.set()
        try:
            self.assertNoError(self.race(refresher, sellers))
            self.assertGreater(len(refreshes), 0)
            self.assertEqual(self._committed_rows(), self._one_shot(boundaries=False))
            with self.committed() as env:
                states = env['sale.order'].browse(sum(orders, [])).mapped('state')
            self.assertEqual((states.count('sale'), states.count('cancel')), (SELLERS, SELLERS * (ROUNDS - 1)))
        finally:
            with self.committed() as env:
                records = env['sale.order'].browse(sum(orders, []))
                records.action_cancel()
                records.unlink()
                env['res.partner'].browse(customer_ids).unlink()
                env['product.product'].browse(product_id).unlink()
