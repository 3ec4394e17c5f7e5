"""Two users running a document-creating action at the same moment, or a run retried by
Odoo, give exactly the outcome of one run: real parallel transactions (see ConcurrentCase)."""
import threading
import uuid

from odoo import SUPERUSER_ID, api
from odoo.service import model as service_model

from .concurrency_common import ConcurrentCase

ROUNDS = 3


class TestConcurrentShortfallRfqs(ConcurrentCase):
    """A new vendor's product short by 10 units (a quotation of 10, no stock) in the main
    warehouse, the report up to date; two runs of Create RFQs for shortfall through each entry
    point, the vendor having no draft RFQ, a draft RFQ with 4 of the product, or a draft RFQ
    of another of its products."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with self.committed() as env:
            unit = env.ref('product.product_uom_unit')
            self.vendor = env['res.partner'].create({'name': 'Race Vendor %s' % tag, 'supplier': True}).id
            customer = env['res.partner'].create({'name': 'Race Customer %s' % tag, 'customer': True})
            product, other = (env['product.product'].create({
                'name': 'Race %s %s' % (name, tag), 'type': 'product', 'uom_id': unit.id, 'uom_po_id': unit.id,
                'seller_ids': [(0, 0, {'name': self.vendor, 'price': 5.0, 'delay': 1})]}) for name in ('P', 'O'))
            warehouse = env['stock.warehouse'].search([('company_id', '=', env.user.company_id.id)], limit=1)
            quotation = env['sale.order'].create({
                'partner_id': customer.id, 'warehouse_id': warehouse.id,
                'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 10.0, 'price_unit': 1.0})]})
            self.product, self.other, self.unit = product.id, other.id, unit.id
            self.receipts, self.company = warehouse.in_type_id.id, env.user.company_id.id
            self.action = env.ref('crm_erp_bridge.product_product_action_create_shortfall_rfqs').id
        self.addCleanup(self._remove, quotation.id, customer.id)
        with self.committed() as env:
            # the report is up to date before the runs: they have nothing else to collide on
            env['crm.erp.pipeline.demand.report']._refresh_snapshot()

    def _remove(self, quotation_id, customer_id):
        self._remove_rfqs()
        with self.committed() as env:
            env['sale.order'].browse(quotation_id).unlink()
            env['product.product'].browse([self.product, self.other]).unlink()
            env['res.partner'].browse([self.vendor, customer_id]).unlink()
        self.delete_run_locks('shortfall_rfq:%d:%d:%%' % (self.company, self.vendor))

    def _remove_rfqs(self):
        with self.committed() as env:
            orders = env['purchase.order'].search([('partner_id', '=', self.vendor)])
            orders.button_cancel()
            orders.unlink()

    def _draft_rfq(self, draft):
        """The vendor's draft RFQ, with 4 of the product ('same') or 1 of the other one ('other')."""
        product, qty = (self.product, 4.0) if draft == 'same' else (self.other, 1.0)
        with self.committed() as env:
            return env['purchase.order'].create({
                'partner_id': self.vendor, 'picking_type_id': self.receipts,
                'order_line': [(0, 0, {'product_id': product, 'name': 'Race', 'product_qty': qty,
                                       'product_uom': self.unit, 'price_unit': 5.0,
                                       'date_planned': '2030-01-01 00:00:00'})]}).id

    def _open_rfqs(self):
        """[quantity of the product] per RFQ of the vendor not confirmed yet."""
        with self.committed() as env:
            env.cr.execute("""
                SELECT COALESCE(SUM(line.product_qty) FILTER (WHERE line.product_id = %s), 0)
                  FROM purchase_order po LEFT JOIN purchase_order_line line ON line.order_id = po.id
                 WHERE po.partner_id = %s AND po.company_id = %s AND po.picking_type_id = %s
                   AND po.state IN ('draft', 'sent', 'to approve')
              GROUP BY po.id
            """, [self.product, self.vendor, self.company, self.receipts])
            return [row[0] for row in env.cr.fetchall()]

    def _rounds(self, call):
        """Without, then with each kind of draft RFQ, ROUNDS times: two calls at once give one
        RFQ ordering the 10 units; [outcomes] of the rounds without a draft RFQ."""
        no_draft_outcomes = []
        for draft in (None, 'same', 'other'):
            for _round in range(ROUNDS):
                if draft:
                    self._draft_rfq(draft)
                outcomes = self.race(call, call)
                self.assertNoError(outcomes)
                self.assertEqual(self._open_rfqs(), [10.0], draft)
                self._remove_rfqs()
                if not draft:
                    no_draft_outcomes.append(outcomes)
        return no_draft_outcomes

    def test_rpc(self):
        for outcomes in self._rounds(lambda: self.execute('product.product', 'create_shortfall_rfqs', [self.product])):
            # the second run, started over, found the first one's RFQ: nothing left to order
            self.assertEqual(sorted(len(result) for result, _error in outcomes), [0, 1])

    def test_server_action(self):
        for outcomes in self._rounds(lambda: self.execute('ir.actions.server', 'run', [self.action], context={
                'active_model': 'product.product', 'active_id': self.product, 'active_ids': [self.product]})):
            self.assertEqual([result['res_model'] for result, _error in outcomes], ['crm.erp.shortfall.rfq.result'] * 2)

    def test_report_button(self):
        with self.committed() as env:
            rows = env['crm.erp.pipeline.demand.report'].search([('product_id', '=', self.product)]).ids
        self.assertTrue(rows)
        self._rounds(lambda: self.execute('crm.erp.pipeline.demand.report', 'action_create_shortfall_rfqs', rows))

    def _late_run(self, call, meanwhile):
        """call(env) through Odoo's retry (odoo.service.model.check, as XML-RPC runs a call),
        its first attempt's snapshot taken before meanwhile() ran and committed in another
        thread; (outcomes of both, number of attempts)."""
        snapshot_taken, other_committed = threading.Event(), threading.Event()
        attempts = []

        @service_model.check
        def late_run(dbname):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env['res.users'].browse(SUPERUSER_ID).name  # the snapshot of this transaction
                attempts.append(cr)
                if len(attempts) == 1:
                    snapshot_taken.set()
                    other_committed.wait(120)
                return call(env)

        def other():
            snapshot_taken.wait(120)
            meanwhile()
            other_committed.set()
        return self.race(lambda: late_run(self.registry.db_name), other), len(attempts)

    def test_run_whose_snapshot_predates_another_run(self):
        """When a run reaches its lock, another run may have committed after this one's
        snapshot: the lock is free but the RFQ unseen. Started over, it orders nothing."""
        outcomes, attempts = self._late_run(
            lambda env: env['product.product'].create_shortfall_rfqs([self.product]),
            lambda: self.execute('product.product', 'create_shortfall_rfqs', [self.product]))
        self.assertNoError(outcomes)
        self.assertEqual((outcomes[0][0], attempts, self._open_rfqs()), ([], 2, [10.0]))

    def test_retried_after_the_rfq_was_edited(self):
        """A buyer edits the draft RFQ while the server action puts a line on it: the run fails
        on the RFQ's totals and is retried; the retry does not trip on what the failed attempt
        left to recompute (closed cursor)."""
        rfq = self._draft_rfq('other')

        def edit():
            with self.committed() as env:
                env['purchase.order'].browse(rfq).notes = 'Edited'

        def run_action(env):
            return env['ir.actions.server'].browse(self.action).with_context(
                active_model='product.product', active_id=self.product, active_ids=[self.product]).run()
        outcomes, attempts = self._late_run(run_action, edit)
        self.assertNoError(outcomes)
        self.assertEqual((attempts, self._open_rfqs()), (2, [10.0]))


class TestConcurrentCrossSell(ConcurrentCase):
    """Cross-sell opportunities for demo customers that have recommendations."""

    def setUp(self):
        super().setUp()
        with self.committed() as env:
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_lead")
            self.last_lead = env.cr.fetchone()[0]
            self.company = env.user.company_id.id
            self.customers = env['crm.erp.partner.stats'].search(
                [('company_id', '=', self.company), ('sale_order_count', '>', 0)]).mapped('partner_id').ids
        # what one run creates, found in transactions rolled back
        with self.rolled_back() as env:
            env['res.partner'].create_cross_sell_opportunities(self.customers)
            self.expected = self._created(env)
        with self.rolled_back() as env:
            env['res.partner']._cron_create_cross_sell_opportunities()
            self.expected_by_cron = self._created(env)
        self.assertTrue(self.expected, 'the demo data gives no cross-sell opportunity')
        self.addCleanup(self._remove)

    def _remove(self):
        with self.committed() as env:
            env['crm.lead'].search([('id', '>', self.last_lead), ('active', 'in', [True, False])]).unlink()
        self.delete_run_locks('cross_sell:%d:%%' % self.company)

    def _created(self, env=None):
        """[(customer, product)] of the lines of the cross-sell opportunities created by the test."""
        if env is None:
            with self.committed() as env:
                return self._created(env)
        env.cr.execute("""SELECT l.partner_id, ll.product_id FROM crm_lead l JOIN crm_lead_line ll ON ll.lead_id = l.id
                           WHERE l.id > %s AND l.is_cross_sell ORDER BY 1, 2""", [self.last_lead])
        return env.cr.fetchall()

    def _created_leads(self):
        """Number of cross-sell opportunities created by the test (one per customer)."""
        with self.committed() as env:
            env.cr.execute("SELECT COUNT(*), COUNT(DISTINCT partner_id) FROM crm_lead WHERE id > %s AND is_cross_sell",
                           [self.last_lead])
            leads, customers = env.cr.fetchone()
        self.assertEqual(leads, customers, 'one cross-sell opportunity per customer')
        return leads

    def test_two_runs_at_once(self):
        def call():
            return self.execute('res.partner', 'create_cross_sell_opportunities', self.customers)
        for _round in range(ROUNDS):
            outcomes = self.race(call, call)
            self.assertNoError(outcomes)
            self.assertEqual(self._created(), self.expected)
            self.assertEqual(sorted(len(result) for result, _error in outcomes), [0, self._created_leads()])
            self._remove()

    def test_two_runs_on_other_customers_share_the_salespeople_cap(self):
        """Each salesperson may hold one open cross-sell opportunity; two runs at once on two
        halves of the customers still give each salesperson one, not one per run."""
        def set_cap(env, cap):
            company = env['res.company'].browse(self.company)
            previous = company.cross_sell_max_per_salesperson
            company.cross_sell_max_per_salesperson = cap
            return previous
        previous = self.commit(lambda env: set_cap(env, 1))
        self.addCleanup(self.commit, lambda env: set_cap(env, previous))

        def owners(env):
            env.cr.execute("SELECT user_id, COUNT(*) FROM crm_lead WHERE id > %s AND is_cross_sell GROUP BY 1",
                           [self.last_lead])
            return dict(env.cr.fetchall())
        with self.rolled_back() as env:
            env['res.partner'].create_cross_sell_opportunities(self.customers)
            expected = owners(env)
        self.assertTrue(expected and set(expected.values()) == {1}, expected)
        halves = self.customers[::2], self.customers[1::2]
        for _round in range(ROUNDS):
            outcomes = self.race(*[lambda half=half: self.execute('res.partner', 'create_cross_sell_opportunities',
                                                                  half) for half in halves])
            self.assertNoError(outcomes)
            self.assertEqual(self.commit(owners), expected)
            self._remove()

    def test_cron_and_a_manager_at_once(self):
        def cron():
            with self.committed() as env:
                env['res.partner']._cron_create_cross_sell_opportunities()
        outcomes = self.race(cron, lambda: self.execute('res.partner', 'create_cross_sell_opportunities',
                                                        self.customers))
        self.assertNoError(outcomes)
        self.assertEqual(self._created(), self.expected_by_cron)
        self._created_leads()


class TestConcurrentReserve(ConcurrentCase):
    """Two confirmed orders of 6 units of a new product, 10 units in stock that arrived after
    they were confirmed; Check & Reserve on both, twice at once."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with self.committed() as env:
            customer = env['res.partner'].create({'name': 'Race Customer %s' % tag, 'customer': True})
            product = env['product.product'].create({'name': 'Race Stock %s' % tag, 'type': 'product'})
            warehouse = env['stock.warehouse'].search([('company_id', '=', env.user.company_id.id)], limit=1)
            orders = env['sale.order']
            for _order in range(2):
                orders |= env['sale.order'].create({
                    'partner_id': customer.id, 'warehouse_id': warehouse.id,
                    'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 6.0, 'price_unit': 1.0})]})
            for order in orders:
                order.action_confirm()
            env['stock.quant']._update_available_quantity(product, warehouse.lot_stock_id, 10.0)
            self.orders, self.product, self.customer = orders.ids, product.id, customer.id
        self.addCleanup(self._remove)

    def _remove(self):
        with self.committed() as env:
            orders = env['sale.order'].browse(self.orders)
            orders.action_cancel()
            pickings = orders.mapped('picking_ids')
            groups = orders.mapped('procurement_group_id')
            orders.unlink()
            pickings.unlink()
            groups.unlink()
            env['stock.quant'].search([('product_id', '=', self.product)]).sudo().unlink()
            env['product.product'].browse(self.product).unlink()
            env['res.partner'].browse(self.customer).unlink()

    def _reserved(self):
        """(reserved per order, reserved on the quants) of the product."""
        with self.committed() as env:
            env.cr.execute("""SELECT sale_line.order_id, SUM(reservation.product_qty)
                                FROM stock_move_line reservation
                                JOIN stock_move move ON move.id = reservation.move_id
                                JOIN sale_order_line sale_line ON sale_line.id = move.sale_line_id
                               WHERE sale_line.order_id = ANY(%s) GROUP BY 1""", [self.orders])
            per_order = dict(env.cr.fetchall())
            env.cr.execute("SELECT SUM(reserved_quantity), SUM(quantity) FROM stock_quant WHERE product_id = %s",
                           [self.product])
            return per_order, env.cr.fetchone()

    def test_two_checks_at_once(self):
        def call():
            return self.execute('sale.order', 'check_availability', self.orders)
        outcomes = self.race(call, call)
        self.assertNoError(outcomes)
        per_order, (reserved, on_hand) = self._reserved()
        self.assertEqual((sorted(per_order.values()), reserved, on_hand), ([4.0, 6.0], 10.0, 10.0))
        for result, _error in outcomes:
            self.assertEqual(sorted(line['reserved_qty'] for line in result), [4.0, 6.0])

    def test_check_and_reserve_actions_at_once(self):
        with self.committed() as env:
            action = env.ref('crm_erp_bridge.sale_order_action_check_availability').id

        def call():
            return self.execute('ir.actions.server', 'run', [action], context={
                'active_model': 'sale.order', 'active_id': self.orders[0], 'active_ids': self.orders})
        outcomes = self.race(call, call, lambda: self.execute('sale.order', 'check_availability', self.orders[1:]))
        self.assertNoError(outcomes)
        per_order, (reserved, on_hand) = self._reserved()
        self.assertEqual((sorted(per_order.values()), reserved, on_hand), ([4.0, 6.0], 10.0, 10.0))


class TestConcurrentQuotationFromCustomer(ConcurrentCase):
    """Two suggestions Added at once from the same customer's suggestions (two browser tabs of
    one salesperson): one draft quotation gets both lines."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with self.committed() as env:
            customer = env['res.partner'].create({'name': 'Race Quoted %s' % tag, 'customer': True})
            products = env['product.product'].create({'name': 'Race Suggested A %s' % tag}) | env[
                'product.product'].create({'name': 'Race Suggested B %s' % tag})
            self.wizard_lines = [env['crm.erp.recommendation.wizard'].create({
                'partner_id': customer.id, 'from_customer': True,
                'line_ids': [(0, 0, {'product_id': product.id, 'intent': 'discover', 'add_qty': 2.0})],
            }).line_ids.id for product in products]
            self.customer, self.products = customer.id, products.ids
        self.addCleanup(self._remove)

    def _remove(self):
        with self.committed() as env:
            env['sale.order'].search([('partner_id', '=', self.customer)]).unlink()
            env['product.product'].browse(self.products).unlink()
            env['res.partner'].browse(self.customer).unlink()
        self.delete_run_locks('customer_quotation:%%:%d:%%' % self.customer)

    def test_two_adds_at_once(self):
        outcomes = self.race(*[
            lambda line=line: self.execute('crm.erp.recommendation.wizard.line', 'action_add', [line])
            for line in self.wizard_lines])
        self.assertNoError(outcomes)
        with self.rolled_back() as env:
            quotations = env['sale.order'].search([('partner_id', '=', self.customer)])
            self.assertEqual(len(quotations), 1)
            self.assertEqual(sorted(quotations.order_line.mapped('product_id').ids), sorted(self.products))
            self.assertEqual(quotations.order_line.mapped('product_uom_qty'), [2.0, 2.0])
