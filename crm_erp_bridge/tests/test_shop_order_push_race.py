from .concurrency_common import ConcurrentCase


class TestShopOrderPushRace(ConcurrentCase):
    """The same outside-shop order pushed by two real parallel transactions (XML-RPC's entry,
    a cursor each, real commits) gives one order, which both calls return: the second waits for
    the first's advisory lock, then its stale snapshot meets the unique (company, reference)
    and Odoo runs it again, where it finds the order."""

    CONTEXT = {'tracking_disable': True}
    REFERENCE = 'RACE-SHOP-1'

    def _setup(self, env):
        product = env['product.product'].create({'name': 'Race push product', 'type': 'service',
                                                 'default_code': 'RACE-PUSH', 'taxes_id': [(5, 0, 0)]})
        self.product_id = product.id

    def _cleanup(self, env):
        orders = env['sale.order'].search([('crm_erp_shop_reference', 'like', self.REFERENCE + '%')])
        partners = orders.mapped('partner_id')
        orders.action_cancel()
        orders.unlink()
        partners.unlink()
        env['product.product'].browse(self.product_id).unlink()

    def test_same_order_twice_at_once(self):
        self.commit(self._setup)
        self.addCleanup(self.commit, self._cleanup)
        self.addCleanup(self.delete_run_locks, 'crm_erp_push_customer:%:race@shop.example')
        order = {'reference': self.REFERENCE, 'confirm': True,
                 'customer': {'email': 'race@shop.example', 'name': 'Race shop customer'},
                 'lines': [{'product': 'RACE-PUSH', 'quantity': 3, 'price_unit': 5.0}]}
        outcomes = self.race(*[lambda: self.execute('sale.order', 'crm_erp_push_order', order)] * 2)
        self.assertNoError(outcomes)
        results = [result for result, _error in outcomes]
        self.assertEqual(len({result['order_id'] for result in results}), 1)
        self.assertEqual(sorted(result['created'] for result in results), [False, True])
        with self.rolled_back() as env:
            orders = env['sale.order'].search([('crm_erp_shop_reference', '=', self.REFERENCE)])
            self.assertEqual(len(orders), 1)
            self.assertEqual(len(env['res.partner'].search([('email', '=', 'race@shop.example')])), 1)
            self.assertEqual((orders.state, orders.amount_untaxed), ('sale', 15.0))

    def test_two_orders_of_one_new_customer_at_once(self):
        """Two different orders of the same new customer pushed at the same moment: two
        orders, one customer (the customer's run lock, crm_erp_run_lock)."""
        self.commit(self._setup)
        self.addCleanup(self.commit, self._cleanup)
        self.addCleanup(self.delete_run_locks, 'crm_erp_push_customer:%:race-new@shop.example')

        def order(suffix):
            return {'reference': self.REFERENCE + suffix,
                    'customer': {'email': 'race-new@shop.example', 'name': 'Race new customer'},
                    'lines': [{'product': 'RACE-PUSH', 'quantity': 1}]}
        outcomes = self.race(lambda: self.execute('sale.order', 'crm_erp_push_order', order('-A')),
                             lambda: self.execute('sale.order', 'crm_erp_push_order', order('-B')))
        self.assertNoError(outcomes)
        self.assertEqual([result['created'] for result, _error in outcomes], [True, True])
        self.assertEqual(len({result['partner_id'] for result, _error in outcomes}), 1)
        with self.rolled_back() as env:
            self.assertEqual(len(env['res.partner'].search([('email', '=', 'race-new@shop.example')])), 1)
