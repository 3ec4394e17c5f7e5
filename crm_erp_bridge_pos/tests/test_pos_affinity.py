from collections import Counter
from itertools import combinations

from .common import PosTicketsCase

COUNTED = ('paid', 'done', 'invoiced')


class TestPosAffinity(PosTicketsCase):
    """Point of sale tickets in the product affinity ("bought together"), through Odoo's own
    flow (tickets synced as the till does, the session closed): tickets with and without a
    customer are baskets, their returned and zero-quantity lines are not; the counts the sync
    leaves equal a recomputation from the raw ticket and sale order lines and the full
    recompute; another company's tickets stay in that company's pairs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env['product.product']
        cls.products = Product.browse([
            Product.create({'name': 'POS affinity %d' % index, 'type': 'consu', 'taxes_id': [(5, 0, 0)],
                            'company_id': False}).id
            for index in range(4)])
        cls.p0, cls.p1, cls.p2, cls.p3 = cls.products
        cls.customer = cls.env['res.partner'].create({'name': 'POS affinity customer', 'customer': True,
                                                      'company_id': False})
        cls.Affinity = cls.env['crm.erp.product.affinity']
        # pairs from 2 baskets (the demo company keeps 3): small baskets count
        cls.company.affinity_min_count = 2

    def _lines(self, *products, qty=1.0):
        return [(product, qty, 10.0, 0.0) for product in products]

    def _raw_counts(self, company):
        """({product: baskets}, {(a, b): baskets}) of the test products in the company, from the
        raw documents through the ORM: one basket per paid, posted or invoiced ticket (with or
        without a customer) and per confirmed sale order (the basket window is 0), of its lines
        with a positive quantity."""
        baskets = [{line.product_id.id for line in ticket.lines if line.qty > 0 and line.product_id in self.products}
                   for ticket in self.env['pos.order'].search([
                       ('company_id', '=', company.id), ('state', 'in', COUNTED),
                       ('lines.product_id', 'in', self.products.ids)])]
        baskets += [{line.product_id.id for line in order.order_line
                     if line.product_uom_qty > 0 and line.product_id in self.products}
                    for order in self.env['sale.order'].search([
                        ('company_id', '=', company.id), ('state', 'in', ('sale', 'done')),
                        ('order_line.product_id', 'in', self.products.ids)])]
        products = Counter(product for basket in baskets for product in basket)
        pairs = Counter(pair for basket in baskets for pair in combinations(sorted(basket), 2))
        return dict(products), dict(pairs)

    def _state(self, company):
        """The affinity counts of the test products as readers see them (stored + pending):
        ({product: baskets}, {(a, b): baskets}), and the company's basket total."""
        baskets, products, pairs = self.Affinity._affinity_state(company.ids)
        ids = set(self.products.ids)
        return ({product: count for (_company, product), count in products.items() if product in ids},
                {(a, b): count for (_company, a, b), count in pairs.items() if a in ids and b in ids},
                baskets.get(company.id, 0))

    def _assert_equals_raw_and_full(self, company):
        """After the fold: the counts equal the raw documents' (pairs at the minimum count or
        more) and a full recompute's, basket totals included."""
        self.Affinity._fold_affinity()
        incremental = self._state(company)
        products, pairs = self._raw_counts(company)
        self.assertEqual(incremental[0], products)
        self.assertEqual(incremental[1], {pair: count for pair, count in pairs.items()
                                          if count >= company.affinity_min_count})
        self.Affinity._recompute_affinity(company.ids)
        self.assertEqual(self._state(company), incremental, 'incremental = full recompute')
        return incremental

    def test_tickets_are_baskets(self):
        """Tickets with and without a customer feed the pairs at the sync; a returned line, a
        zero-quantity line and a refund ticket do not; the counts equal the raw lines' and the
        full recompute's, and the session's closing (paid -> posted) leaves them so; an anonymous
        ticket counts in no product's customers."""
        self.Affinity._recompute_affinity(self.company.ids)
        baskets_before = self._state(self.company)[2]
        self._sale_order(self.customer, '2025-03-01', [(self.p0, 1.0, 10.0), (self.p2, 1.0, 10.0)])
        self._sync([
            self._ticket(self.customer, '2025-03-02 10:00:00', self._lines(self.p0) + self._lines(self.p1, qty=2.0)),
            self._ticket(None, '2025-03-02 11:00:00', self._lines(self.p0, self.p1, self.p2)),
            self._ticket(None, '2025-03-03 11:00:00', self._lines(self.p1, self.p2) + self._lines(self.p3, qty=-1.0)),
            self._ticket(None, '2025-03-03 12:00:00', self._lines(self.p0, qty=0.0) + self._lines(self.p2)),
            self._ticket(None, '2025-03-04 12:00:00', self._lines(self.p0, self.p1, qty=-1.0)),
        ])
        products, pairs, baskets = self._assert_equals_raw_and_full(self.company)
        # baskets {p0, p1} (customer), {p0, p1, p2}, {p1, p2}, {p2}, the sale order {p0, p2}
        self.assertEqual(products, {self.p0.id: 3, self.p1.id: 3, self.p2.id: 4})
        self.assertEqual(pairs, {(self.p0.id, self.p1.id): 2, (self.p0.id, self.p2.id): 2,
                                 (self.p1.id, self.p2.id): 2})
        self.assertEqual(baskets, baskets_before + 5)
        shown = {(row['product_id'][0], row['related_product_id'][0]): row['pair_count']
                 for row in self.Affinity.search_read([('company_id', '=', self.company.id),
                                                       ('product_id', '=', self.p1.id)],
                                                      ['product_id', 'related_product_id', 'pair_count'])}
        self.assertEqual(shown, {(self.p1.id, self.p0.id): 2, (self.p1.id, self.p2.id): 2})
        # customers (full recompute): p1's only customer is the one of the first ticket
        self.env.cr.execute("SELECT product_id, customer_count, repeat_customer_count FROM crm_erp_affinity_product "
                            "WHERE company_id = %s AND product_id = ANY(%s)", [self.company.id, self.products.ids])
        self.assertEqual(sorted(self.env.cr.fetchall()), [(self.p0.id, 1, 1), (self.p1.id, 1, 0), (self.p2.id, 1, 0)])
        self.session.action_pos_session_closing_control()
        if self.session.state != 'closed':
            self.session.action_pos_session_close()
        self.assertEqual(set(self.session.order_ids.mapped('state')), {'done'})
        self.assertEqual(self._assert_equals_raw_and_full(self.company)[:2], (products, pairs))

    def test_window_baskets(self):
        """With a basket window, a customer's ticket joins the customer's sale order of the days
        before in one basket, and a sale order confirmed after the tickets joins it too;
        anonymous tickets stay baskets of their own; incremental = full recompute."""
        self.company.affinity_basket_days = 7
        self._sale_order(self.customer, '2025-05-01', [(self.p0, 1.0, 10.0)])
        self._sync([self._ticket(self.customer, '2025-05-03 10:00:00', self._lines(self.p1)),
                    self._ticket(None, '2025-05-03 11:00:00', self._lines(self.p2)),
                    self._ticket(None, '2025-05-03 12:00:00', self._lines(self.p0, self.p2))])
        self.Affinity._fold_affinity()
        products, pairs, _baskets = self._state(self.company)
        self.assertEqual(products, {self.p0.id: 2, self.p1.id: 1, self.p2.id: 2})
        self.assertEqual(pairs, {})  # (p0, p1) and (p0, p2) once each: below the minimum of 2
        self._sync([self._ticket(self.customer, '2025-05-04 10:00:00', self._lines(self.p2)),
                    self._ticket(None, '2025-05-04 11:00:00', self._lines(self.p0, self.p1))])
        # a sale order confirmed after the tickets joins the same basket (its window reads them)
        self._sale_order(self.customer, '2025-05-06', [(self.p3, 1.0, 10.0), (self.p2, 1.0, 10.0)])
        self.Affinity._fold_affinity()
        incremental = self._state(self.company)
        # the customer's basket {p0, p1, p2, p3}, then {p2}, {p0, p2}, {p0, p1}
        self.assertEqual(incremental[:2], ({self.p0.id: 3, self.p1.id: 2, self.p2.id: 3, self.p3.id: 1},
                                           {(self.p0.id, self.p1.id): 2, (self.p0.id, self.p2.id): 2}))
        self.Affinity._recompute_affinity(self.company.ids)
        self.assertEqual(self._state(self.company), incremental)

    def test_other_company_tickets(self):
        """Tickets moved to company B leave A's counts and pairs for B's (both updated by the
        change); B's pairs equal B's raw tickets, A's never hold them."""
        company_b = self.env['res.company'].create({'name': 'POS affinity B',
                                                    'currency_id': self.company.currency_id.id})
        self.Affinity._recompute_affinity((self.company | company_b).ids)
        tickets = self._sync([self._ticket(None, '2025-06-01 10:00:00', self._lines(self.p0, self.p3)),
                              self._ticket(self.customer, '2025-06-01 11:00:00', self._lines(self.p0, self.p3))])
        self.Affinity._fold_affinity()
        self.assertEqual(self._state(self.company)[1], {(self.p0.id, self.p3.id): 2})
        tickets.write({'company_id': company_b.id})
        for company, expected in ((self.company, ({}, {})),
                                  (company_b, ({self.p0.id: 2, self.p3.id: 2}, {(self.p0.id, self.p3.id): 2}))):
            self.assertEqual(self._assert_equals_raw_and_full(company)[:2], expected, company.name)
        self.assertFalse(self.Affinity.search([('company_id', '=', self.company.id),
                                               ('product_id', 'in', self.products.ids)]))
        self.assertEqual(self.Affinity.search([('company_id', '=', company_b.id),
                                               ('product_id', '=', self.p3.id)]).mapped('pair_count'), [2])
