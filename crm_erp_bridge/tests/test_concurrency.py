import threading
import unittest

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests.common import get_db_name

# Salespeople confirming orders at the same moment (one customer each, products shared), the
# pivot of the demand report read in parallel, and the affinity fold running meanwhile.
SELLERS = 6
READERS = 2
ROUNDS = 2


class TestConcurrency(unittest.TestCase):
    """Real parallel transactions (threads, a cursor each, real commits): order confirmations,
    cancellations, demand report reads and the affinity fold of one company collide on no row
    (no serialization failure), and the counts kept by deltas equal a full recompute after the
    storm. Everything the test commits is removed at the end; the company's services setting
    is put back (a full recompute, from the same orders as before)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = odoo.registry(get_db_name())

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})

    def _committed(self, function):
        """Run function(env) in a transaction of its own and commit it."""
        with api.Environment.manage(), self.registry.cursor() as cr:
            return function(self._env(cr))

    def _setup(self, env):
        company = env.ref('base.main_company')
        self.services_setting = company.affinity_exclude_services
        company.affinity_exclude_services = False  # the test's products are services (no stock moves)
        Product = env['product.product']
        products = [Product.create({'name': 'Concurrency P%d' % i, 'type': 'service', 'list_price': 10.0,
                                    'taxes_id': [(5, 0, 0)], 'company_id': False}) for i in range(5)]
        customers = [env['res.partner'].create({'name': 'Concurrency customer %d' % i, 'customer': True})
                     for i in range(SELLERS)]
        orders = {}
        for index, customer in enumerate(customers):
            orders[index] = [env['sale.order'].create({
                'partner_id': customer.id, 'company_id': company.id,
                'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 1.0})
                               for product in products[(index + n) % 2:][:4]],
            }).id for n in range(ROUNDS)]
        self.company_id = company.id
        self.product_ids = [product.id for product in products]
        self.customer_ids = [customer.id for customer in customers]
        self.orders = orders

    def _cleanup(self, env):
        orders = env['sale.order'].browse([i for ids in self.orders.values() for i in ids]).exists()
        orders.action_cancel()
        orders.unlink()
        env['res.partner'].browse(self.customer_ids).exists().unlink()
        env['product.product'].browse(self.product_ids).exists().unlink()
        env['crm.erp.product.affinity']._recompute_affinity([self.company_id])
        env['res.company'].browse(self.company_id).affinity_exclude_services = self.services_setting
        env['crm.erp.pipeline.demand.report']._refresh_snapshot()

    def _run_threads(self, workers):
        """Run every worker(round) ROUNDS times, all workers starting each round at once, a
        transaction each; returns the serialization failures and other errors they met."""
        barrier = threading.Barrier(len(workers))
        failures, errors = [], []

        def run(worker):
            with api.Environment.manage():
                for round_ in range(ROUNDS):
                    barrier.wait(60)
                    try:
                        with self.registry.cursor() as cr:
                            worker(self._env(cr), round_)
                    except psycopg2.extensions.TransactionRollbackError as error:
                        failures.append(error)
                    except Exception as error:  # reported by the assertion below
                        errors.append(error)
        threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(any(thread.is_alive() for thread in threads), 'a worker hangs')
        return failures, errors

    def _seller(self, index):
        def work(env, round_):
            orders = env['sale.order'].browse(self.orders[index])
            orders[round_].action_confirm()
            if round_:  # and cancel the previous one
                orders[round_ - 1].action_cancel()
        return work

    @staticmethod
    def _reader(env, _round):
        Report = env['crm.erp.pipeline.demand.report']
        for groupby in ('product_id', 'warehouse_id', 'week'):
            Report.read_group([], [groupby, 'demand_qty', 'shortfall_qty'], [groupby])

    @staticmethod
    def _folder(env, _round):
        env['crm.erp.product.affinity']._fold_affinity()

    def test_parallel_confirmations_and_reads(self):
        self._committed(self._setup)
        try:
            # the report's snapshot is current: the readers refresh only what the orders change
            self._committed(lambda env: env['crm.erp.pipeline.demand.report']._refresh_snapshot())
            workers = [self._seller(index) for index in range(SELLERS)]
            workers += [self._reader] * READERS + [self._folder]
            failures, errors = self._run_threads(workers)
            self.assertEqual(errors, [])
            self.assertEqual(len(failures), 0, 'serialization failures: %s' % failures)

            def check(env):
                Affinity = env['crm.erp.product.affinity']
                state = env['sale.order'].browse([i for ids in self.orders.values() for i in ids]).mapped('state')
                self.assertEqual(state.count('sale'), SELLERS)
                self.assertEqual(state.count('cancel'), SELLERS * (ROUNDS - 1))
                pending = Affinity._affinity_state([self.company_id])
                self.assertIsNotNone(Affinity._fold_affinity())
                folded = Affinity._affinity_state([self.company_id])
                self.assertEqual(pending[:2], folded[:2])
                Affinity._recompute_affinity([self.company_id])
                self.assertEqual(folded, Affinity._affinity_state([self.company_id]))
                # the shared products: in every confirmed basket
                products = folded[1]
                self.assertEqual(products[(self.company_id, self.product_ids[1])], SELLERS)
                env.cr.rollback()
            with api.Environment.manage(), self.registry.cursor() as cr:
                check(self._env(cr))
        finally:
            self._committed(self._cleanup)

    def test_demand_report_one_refresher(self):
        """A reader does not wait for, nor write after, another refresh: while one transaction
        refreshes, another reads the snapshot as it is; one whose snapshot predates a
        committed refresh reads it too (its refresh is rolled back to a savepoint)."""
        product_id = self._committed(lambda env: env['product.product'].search([('type', '=', 'product')], limit=1).id)

        def note_dirty(env):
            env.cr.execute("INSERT INTO crm_erp_pipeline_demand_dirty (product_id) VALUES (%s)", [product_id])
        self._committed(lambda env: env['crm.erp.pipeline.demand.report']._refresh_snapshot())
        self._committed(note_dirty)
        with api.Environment.manage(), self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            Report1 = self._env(cr1)['crm.erp.pipeline.demand.report']
            Report2 = self._env(cr2)['crm.erp.pipeline.demand.report']
            self.assertTrue(Report1._refresh_snapshot())
            self.assertFalse(Report2._refresh_snapshot())  # at once, no lock wait
            cr2.rollback()
            cr2.execute("SELECT COUNT(*) FROM crm_erp_pipeline_demand_dirty")  # snapshot taken
            cr1.commit()
            self.assertFalse(Report2._refresh_snapshot())
            self.assertGreaterEqual(Report2.search_count([('product_id', '=', product_id)]), 0)
            cr2.execute("SELECT COUNT(*) FROM crm_erp_pipeline_demand_dirty WHERE product_id = %s", [product_id])
            self.assertEqual(cr2.fetchone()[0], 1, 'the rolled back refresh deleted nothing')
            cr2.rollback()

    def test_fold_on_an_outdated_snapshot_fails(self):
        """A fold whose snapshot predates another fold's commit cannot fold the same deltas
        twice: its DELETE is a serialization failure (the next run folds)."""
        def delta(env):
            env.cr.execute("INSERT INTO crm_erp_affinity_delta (company_id, product_a, product_b, delta) "
                           "VALUES (%s, 0, 0, 0)", [env.ref('base.main_company').id])
        self._committed(delta)
        with api.Environment.manage(), self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            cr2.execute("SELECT COUNT(*) FROM crm_erp_affinity_delta")  # snapshot taken
            self.assertIsNotNone(self._env(cr1)['crm.erp.product.affinity']._fold_affinity())
            cr1.commit()
            with self.assertRaises(psycopg2.extensions.TransactionRollbackError):
                self._env(cr2)['crm.erp.product.affinity']._fold_affinity()
            cr2.rollback()
