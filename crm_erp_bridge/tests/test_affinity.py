import random

from odoo.exceptions import AccessError

from .affinity_common import AffinityCase


class TestAffinity(AffinityCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 6 baskets: P1 in 3, P2 in 4, P3 in 3, P4 in 2; pairs P1-P2 3, P1-P3 1, P2-P3 2, P3-P4 1
        cls._order(cls.customer_x, '2025-01-10', [cls.p1, cls.p2, cls.p3])
        cls._order(cls.customer_x, '2025-02-10', [cls.p1, cls.p2])
        cls._order(cls.customer_y, '2025-03-10', [cls.p1, cls.p2, (cls.p5, 0.0)])  # zero quantity
        cls._order(cls.customer_y, '2025-04-10', [cls.p2, cls.p3])
        cls._order(cls.customer_x, '2025-05-10', [cls.p4])
        cls._order(cls.customer_y, '2025-06-10', [cls.p3, cls.p4])
        # not counted: a cancelled order, a quotation
        cls._order(cls.customer_x, '2025-07-10', [cls.p1, cls.p3]).action_cancel()
        cls._order(cls.customer_y, '2025-07-11', [cls.p1, cls.p3], confirm=False)
        cls.Affinity._fold_affinity()  # the cron: the pairs reaching the minimum are stored

    def test_planted_metrics(self):
        self.Affinity._recompute_affinity(self.company.ids)
        pairs = self._pairs()
        p1, p2, p3 = self.p1.id, self.p2.id, self.p3.id
        self.assertEqual(pairs, {
            (p1, p2): (3, 0.5, 1.0, 1.5),
            (p2, p1): (3, 0.5, 0.75, 1.5),
            (p2, p3): (2, round(2 / 6, 6), 0.5, 1.0),
            (p3, p2): (2, round(2 / 6, 6), round(2 / 3, 6), 1.0),
        })
        row = self.Affinity.search([('company_id', '=', self.company.id), ('product_id', '=', p1)])
        self.assertEqual((row.product_basket_count, row.related_basket_count), (3, 4))
        self.assertTrue(row.computed_at)

    def test_incremental_matches_planted(self):
        # the orders were counted one by one on confirmation; a full recompute changes nothing
        before = self._pairs()
        self._assert_incremental_equals_full()
        self.assertEqual(self._pairs(), before)
        self.assertEqual(len(before), 4)

    def test_order_changes_append_deltas(self):
        """A confirmation only appends deltas; readers see them at once, the fold moves them
        into the counts without changing a figure."""
        def counts():
            self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_affinity_company WHERE company_id = %s "
                                "AND basket_count = 6", self.company.ids)
            return self.env.cr.fetchone()[0]
        self.assertEqual(counts(), 1)
        self._order(self.customer_y, '2025-08-01', [self.p1, self.p2])
        self.env.cr.execute("SELECT product_a, product_b, delta FROM crm_erp_affinity_delta WHERE company_id = %s",
                            self.company.ids)
        p1, p2 = self.p1.id, self.p2.id
        self.assertEqual(sorted(self.env.cr.fetchall()), sorted([(0, 0, 1), (p1, 0, 1), (p2, 0, 1), (p1, p2, 1)]))
        self.assertEqual(counts(), 1, 'the stored count is not updated by the confirmation')
        # 7 baskets, P1 in 4, P2 in 5, both in 4
        pending = self._pairs()
        self.assertEqual(pending[(p1, p2)], (4, round(4 / 7, 6), 1.0, 1.4))
        self.assertEqual(pending[(p2, p1)], (4, round(4 / 7, 6), 0.8, 1.4))
        self._fold()
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_affinity_delta WHERE company_id = %s", self.company.ids)
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self._pairs(), pending)
        self._assert_incremental_equals_full()

    def test_recompute_writes_only_what_changed(self):
        """A recompute of unchanged counts rewrites no product or pair row (their row versions
        stay); a changed count moves its rows only."""
        def versions(table):
            self.env.cr.execute("SELECT ctid::text, * FROM %s WHERE company_id = %%s" % table, self.company.ids)
            return {row[1:]: row[0] for row in self.env.cr.fetchall()}
        self.Affinity._recompute_affinity(self.company.ids)
        products, pairs = versions('crm_erp_affinity_product'), versions('crm_erp_affinity_pair')
        self.Affinity._recompute_affinity(self.company.ids)
        self.assertEqual(versions('crm_erp_affinity_product'), products)
        self.assertEqual(versions('crm_erp_affinity_pair'), pairs)
        self._order(self.customer_x, '2025-08-01', [self.p4])
        self.Affinity._recompute_affinity(self.company.ids)
        changed = versions('crm_erp_affinity_product')
        self.assertEqual({row[1] for row, _version in set(changed.items()) ^ set(products.items())}, {self.p4.id})
        self.assertEqual(versions('crm_erp_affinity_pair'), pairs)

    def test_recompute_takes_the_deltas(self):
        self._order(self.customer_y, '2025-08-01', [self.p1, self.p2])
        pending = self._pairs()
        self.Affinity._recompute_affinity(self.company.ids)
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_affinity_delta WHERE company_id = %s", self.company.ids)
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self._pairs(), pending)

    def test_product_gone_before_the_fold(self):
        """Every basket of P1 cancelled: until the fold, its stored pairs have a pending count
        of 0 and P1 a count of 0; readers hide them without dividing by zero."""
        orders = self.env['sale.order'].search([('company_id', '=', self.company.id), ('state', '=', 'sale'),
                                                ('order_line.product_id', '=', self.p1.id)])
        self.assertEqual(len(orders), 3)
        orders.action_cancel()
        # P2-P3 is left in one basket (below the minimum)
        self.assertEqual(self._pairs(), {})
        self.env['crm.erp.recommendation']._recommend(self.customer_x, self.company)
        self._assert_incremental_equals_full()

    def test_thresholds_apply_at_read(self):
        self.company.affinity_min_lift = 1.2
        self.assertEqual(set(self._pairs()), {(self.p1.id, self.p2.id), (self.p2.id, self.p1.id)})
        self.company.write({'affinity_min_lift': 0.0, 'affinity_min_count': 1})
        # min count 1 stores the single co-purchases too (the write recomputed)
        self.assertEqual(self._pairs()[(self.p3.id, self.p4.id)], (1, round(1 / 6, 6), round(1 / 3, 6), 1.0))
        self.assertEqual(self._pairs()[(self.p1.id, self.p3.id)][0], 1)

    def test_inactive_and_unsellable_products_hidden(self):
        self.p1.active = False
        self.assertEqual(set(self._pairs()), {(self.p2.id, self.p3.id), (self.p3.id, self.p2.id)})
        self.p1.active = True
        self.p3.sale_ok = False
        self.assertEqual(set(self._pairs()), {(self.p1.id, self.p2.id), (self.p2.id, self.p1.id)})

    def test_services_excluded_by_setting(self):
        self.company.affinity_exclude_services = True  # all products here are services
        self.assertEqual(self._pairs(), {})
        self.assertEqual(self.Affinity._affinity_state(self.company.ids), ({}, {}, {}))
        self.company.affinity_exclude_services = False
        self.assertEqual(len(self._pairs()), 4)

    def test_product_type_change_recomputes(self):
        self.company.affinity_exclude_services = True
        (self.p1 | self.p2).write({'type': 'consu'})  # they enter the baskets
        self.assertEqual(set(self._pairs()), {(self.p1.id, self.p2.id), (self.p2.id, self.p1.id)})
        # 4 baskets hold P1 or P2: P1 in 3, P2 in 4, both in 3
        self.assertEqual(self._pairs()[(self.p1.id, self.p2.id)], (3, 0.75, 1.0, 1.0))

    def test_cancel_and_reconfirm(self):
        self.company.affinity_min_lift = 0.0  # P1-P3 sells together less than chance
        order = self._order(self.customer_x, '2025-08-01', [self.p1, self.p3])
        # P1-P3 reaches the minimum count: counted exactly from the orders by the fold
        self.assertNotIn((self.p1.id, self.p3.id), self._pairs())
        self._fold()
        self.assertEqual(self._pairs()[(self.p1.id, self.p3.id)][0], 2)
        order.action_cancel()
        self.assertNotIn((self.p1.id, self.p3.id), self._pairs())  # below the minimum at once
        self._assert_incremental_equals_full()
        order.action_draft()
        order.action_confirm()
        self._fold()
        self.assertEqual(self._pairs()[(self.p3.id, self.p1.id)][0], 2)
        self._assert_incremental_equals_full()

    def test_line_changes_on_confirmed_order(self):
        self.company.affinity_min_lift = 0.0
        order = self._order(self.customer_y, '2025-08-01', [self.p1, self.p4])
        order.order_line.filtered(lambda line: line.product_id == self.p4).product_uom_qty = 0
        self._assert_incremental_equals_full()
        order.write({'order_line': [(0, 0, {'product_id': self.p3.id, 'product_uom_qty': 2,
                                            'product_uom': self.p3.uom_id.id, 'price_unit': 1.0,
                                            'name': 'P3'})]})
        self._fold()
        self.assertEqual(self._pairs()[(self.p1.id, self.p3.id)][0], 2)
        self._assert_incremental_equals_full()

    def test_window_baskets(self):
        # orders of one customer at most 40 days apart merge into one basket
        self.company.affinity_basket_days = 40
        companies, products, pairs = self.Affinity._affinity_state(self.company.ids)
        # X: 01-10, 02-10 (31 days) merge, 05-10 alone; Y: 03-10 alone, 04-10 (31) merges
        # with 03-10, 06-10 (61) alone
        self.assertEqual(companies[self.company.id], 4)
        self.assertEqual(products[(self.company.id, self.p2.id)], 2)
        self.assertEqual(products[(self.company.id, self.p3.id)], 3)
        self.assertEqual(pairs, {(self.company.id, self.p1.id, self.p2.id): 2,
                                 (self.company.id, self.p1.id, self.p3.id): 2,
                                 (self.company.id, self.p2.id, self.p3.id): 2})
        # an order between two baskets bridges them
        self._order(self.customer_y, '2025-05-15', [self.p5])
        companies, products, pairs = self._assert_incremental_equals_full()
        self.assertEqual(companies[self.company.id], 3)

    def test_multi_company_isolation(self):
        other = self.main_company
        other.write({'affinity_exclude_services': False, 'affinity_min_count': 2})  # the demo asks for 3
        self._order(self.customer_x, '2025-08-01', [self.p5, self.p6], company=other)
        self._order(self.customer_x, '2025-08-02', [self.p5, self.p6], company=other)
        self._fold()
        self.assertNotIn((self.p5.id, self.p6.id), self._pairs())
        self.assertEqual(self._pairs(other, self.p5)[(self.p5.id, self.p6.id)][0], 2)
        self.Affinity._recompute_affinity(self.company.ids)
        self.assertEqual(self._pairs(other, self.p5)[(self.p5.id, self.p6.id)][0], 2)
        self.assertEqual(len(self._pairs()), 4)
        # a product of this company is not sold in the other one
        self.p5.company_id = self.company
        self.assertEqual(self._pairs(other, self.p5), {})

    def test_recompute_rights(self):
        salesman = self.env['res.users'].create({
            'name': 'Affinity Salesman', 'login': 'affinity_salesman',
            'company_id': self.company.id, 'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        with self.assertRaises(AccessError):
            self.Affinity.sudo(salesman).action_recompute_affinity()
        # salesmen read the affinity of their company
        self.assertEqual(self.Affinity.sudo(salesman).search_count([]), 4)
        manager = self.env['res.users'].create({
            'name': 'Affinity Manager', 'login': 'affinity_manager',
            'company_id': self.company.id, 'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_manager').id])]})
        self.assertTrue(self.Affinity.sudo(manager).action_recompute_affinity())


class TestAffinityProperty(AffinityCase):
    """Random sequences of confirmations, cancellations, re-confirmations and line changes:
    after each step the incrementally kept counts equal a full recompute."""

    def _run_sequence(self, seed, steps):
        rng = random.Random(seed)
        customers = [self.customer_x, self.customer_y, self._customer('Affinity Z %d' % seed)]
        orders = []
        for step in range(steps):
            action = rng.random()
            if action < 0.45 or not orders:
                day = '2025-%02d-%02d' % (rng.randint(1, 12), rng.randint(1, 28))
                products = rng.sample(self.products, rng.randint(1, 4))
                orders.append(self._order(rng.choice(customers), day, products, confirm=rng.random() < 0.8))
            else:
                order = rng.choice(orders)
                if order.state == 'sale' and action < 0.65:
                    order.action_cancel()
                elif order.state == 'cancel':
                    order.action_draft()
                elif order.state == 'draft':
                    order.action_confirm()
                elif action < 0.8 and order.order_line:
                    line = rng.choice(order.order_line)
                    line.product_uom_qty = rng.choice([0.0, 1.0, 3.0])
                elif action < 0.9:
                    product = rng.choice(self.products)
                    order.write({'order_line': [(0, 0, {
                        'product_id': product.id, 'product_uom_qty': 1.0, 'product_uom': product.uom_id.id,
                        'price_unit': 1.0, 'name': product.name})]})
                else:
                    order.write({'partner_id': rng.choice(customers).id})
            self._assert_incremental_equals_full()
        return self.Affinity._affinity_state(self.company.ids)

    def test_random_sequences_order_baskets(self):
        for seed in (1, 2, 3):
            state = self._run_sequence(seed, 25)
        self.assertTrue(state[2], 'the sequences produce stored pairs')

    def test_random_sequences_window_baskets(self):
        self.company.affinity_basket_days = 30
        for seed in (4, 5):
            state = self._run_sequence(seed, 25)
        self.assertTrue(state[2])
