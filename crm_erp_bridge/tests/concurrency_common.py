import threading
import unittest
from contextlib import contextmanager

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api
from odoo.service import model as service_model
from odoo.tests.common import get_db_name


class ConcurrentCase(unittest.TestCase):
    """Real parallel transactions: each thread has its own cursor and commits, as two users'
    requests do. Calls go through odoo.service.model.execute, Odoo's XML-RPC entry with its
    retry (a concurrency error rolls the call back and runs it again, up to 5 times). The
    records a test commits are removed by its cleanups, in reverse order: the shared test
    database stays as it was."""

    # the context of the environments below
    CONTEXT = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = odoo.registry(get_db_name())

    def setUp(self):
        super().setUp()
        # the last cleanup: orders a test confirmed, cancelled and removed leave affinity deltas
        # that sum to zero (a basket +1 then -1), which only the fold removes
        self.addCleanup(self.commit, lambda env: env['crm.erp.product.affinity']._fold_affinity())

    @contextmanager
    def committed(self):
        """An environment (superuser) whose transaction is committed at the end."""
        with api.Environment.manage(), self.registry.cursor() as cr:
            yield self.env_of(cr)

    def commit(self, function):
        """function(env) in a transaction of its own, committed; returns its result."""
        with self.committed() as env:
            return function(env)

    @contextmanager
    def rolled_back(self):
        """An environment (superuser) whose transaction is rolled back at the end."""
        with api.Environment.manage():
            cr = self.registry.cursor()
            try:
                yield self.env_of(cr)
            finally:
                cr.rollback()
                cr.close()

    def env_of(self, cr):
        """An environment of the superuser on cr."""
        return api.Environment(cr, SUPERUSER_ID, dict(self.CONTEXT))

    def execute(self, model, method, *args, **kwargs):
        """model.method(*args, **kwargs) as an XML-RPC call of the superuser runs it."""
        return service_model.execute(self.registry.db_name, SUPERUSER_ID, model, method, *args, **kwargs)

    def race(self, *calls):
        """Run each call in its own thread, all released at once by a barrier, each thread
        with its own environments as an HTTP request has; [(result or None, error or None)]."""
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)

        def run(index, call):
            with api.Environment.manage():
                barrier.wait()
                try:
                    outcomes[index] = (call(), None)
                except Exception as error:  # reported by the test's assertion on the outcomes
                    outcomes[index] = (None, error)
        self._in_threads([lambda index=index, call=call: run(index, call) for index, call in enumerate(calls)], 300)
        return outcomes

    def run_rounds(self, workers, rounds):
        """Run every worker(env, round) `rounds` times, all workers starting each round at once,
        each round of each worker in a transaction of its own, committed; returns the
        serialization failures and the other errors they met."""
        barrier = threading.Barrier(len(workers))
        failures, errors = [], []

        def run(worker):
            with api.Environment.manage():
                for round_ in range(rounds):
                    barrier.wait(60)
                    try:
                        with self.registry.cursor() as cr:
                            worker(self.env_of(cr), round_)
                    except psycopg2.extensions.TransactionRollbackError as error:
                        failures.append(error)
                    except Exception as error:  # reported by the caller's assertion
                        errors.append(error)
        self._in_threads([lambda worker=worker: run(worker) for worker in workers], 120)
        return failures, errors

    def _in_threads(self, targets, timeout):
        """Run each target in a thread of its own and wait for all (timeout seconds each)."""
        threads = [threading.Thread(target=target) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        self.assertFalse([thread for thread in threads if thread.is_alive()], 'a thread did not end')

    def assertNoError(self, outcomes):
        self.assertEqual([repr(error) for _result, error in outcomes if error], [])

    def assert_two_fits_make_one_record_per_company(self, model):
        """Two action_fit_my_companies of model (a per-company fitted model) at the same moment
        leave one fitted record per company of the user; the records they made are removed."""
        with self.committed() as env:
            company_ids = env.user.company_ids.ids
            before = env[model].search([]).ids

        def remove_new_records():
            with self.committed() as env:
                env[model].search([('id', 'not in', before)]).unlink()
        self.addCleanup(remove_new_records)
        self.assertNoError(self.race(*[lambda: self.execute(model, 'action_fit_my_companies')] * 2))
        with self.rolled_back() as env:
            records = env[model].search([('company_id', 'in', company_ids)])
            self.assertEqual(sorted(records.mapped('company_id').ids), sorted(company_ids))
            self.assertTrue(all(records.mapped('fit_date')))

    def delete_run_locks(self, pattern):
        """The run lock rows (crm_erp_run_lock) of the test's records, named like pattern."""
        with self.committed() as env:
            env.cr.execute("DELETE FROM crm_erp_run_lock WHERE name LIKE %s", [pattern])
