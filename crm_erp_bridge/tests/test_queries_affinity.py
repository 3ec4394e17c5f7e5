from ..queries import affinity
from .affinity_common import AffinityCase


class TestQueriesAffinity(AffinityCase):
    """queries/affinity.py on a fresh company (affinity_common): 3 baskets, P1 in 3, P2 in 2,
    P3 in 1; pairs P1-P2 2, P1-P3 1 (below the minimum 2: not stored)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_1 = cls._order(cls.customer_x, '2025-01-10', [cls.p1, cls.p2])
        cls.order_2 = cls._order(cls.customer_x, '2025-01-12', [cls.p1, cls.p2, cls.p3])
        cls.order_3 = cls._order(cls.customer_y, '2025-02-10', [cls.p1])
        cls.Affinity._recompute_affinity(cls.company.ids)

    def _state(self):
        return affinity.counts_as_read(self.env.cr, self.company.ids)

    def test_counts_as_read(self):
        c, p1, p2, p3 = self.company.id, self.p1.id, self.p2.id, self.p3.id
        self.assertEqual(self._state(), ({c: 3}, {(c, p1): 3, (c, p2): 2, (c, p3): 1}, {(c, p1, p2): 2}))
        self.assertEqual(affinity.company_basket_count(self.env.cr, c), 3)
        self.assertEqual(affinity.product_basket_counts(self.env.cr, c, [p1, p3, self.p4.id]), {p1: 3, p3: 1})

    def test_baskets(self):
        """Order baskets, and window baskets (orders of a customer at most 5 days apart)."""
        cr, c = self.env.cr, self.company.id
        params = affinity.basket_params(c, None, order_ids=(self.order_1 | self.order_2).ids)
        p1, p2, p3 = self.p1.id, self.p2.id, self.p3.id
        self.assertEqual(affinity.basket_products(cr, 'orders', False, False, params),
                         {self.order_1.id: frozenset([p1, p2]), self.order_2.id: frozenset([p1, p2, p3])})
        self.company.affinity_basket_days = 5
        params = affinity.basket_params(c, None, partner_ids=self.customer_x.ids)
        self.assertEqual(affinity.basket_products(cr, 'partners', True, False, dict(params)),
                         {self.order_1.id: frozenset([p1, p2, p3])}, 'one window basket, named after its first order')
        params = affinity.basket_params(c, '2025-01-11 00:00:00', partner_ids=self.customer_x.ids,
                                        exclude_line_ids=self.order_1.order_line[:1].ids)
        self.assertEqual(affinity.basket_products(cr, 'partners', True, False, params),
                         {self.order_1.id: frozenset([p2])}, 'orders before date_to, lines excluded')
        params = affinity.basket_params(c, None, scope_product_ids=[p3], pair_a=[p3, p3], pair_b=[p1, p2])
        self.assertEqual(sorted(affinity.recount_pairs(cr, 'product_orders', False, False, params)),
                         [(p3, p1, 1), (p3, p2, 1)])

    def test_deltas_and_fold_writes(self):
        cr, c, p1, p2, p3 = self.env.cr, self.company.id, self.p1.id, self.p2.id, self.p3.id
        affinity.append_deltas(cr, c, [(0, 0, 1), (p3, 0, 1), (p1, p3, 1)])
        self.assertEqual(self._state(), ({c: 4}, {(c, p1): 3, (c, p2): 2, (c, p3): 2}, {(c, p1, p2): 2}))
        self.assertTrue(affinity.try_lock_counts(cr))
        # every company's pending deltas are taken (other tests may have left some of theirs)
        self.assertEqual(sorted(row for row in affinity.take_deltas(cr) if row[0] == c),
                         [(c, 0, 0, 1, 1), (c, p1, p3, 1, 1), (c, p3, 0, 1, 1)])
        self.assertEqual(affinity.take_deltas(cr), [])
        affinity.add_company_baskets(cr, c, 2)
        affinity.add_product_baskets(cr, c, {p2: -2, p3: 1})
        self.assertEqual(affinity.add_to_stored_pairs(cr, c, {(p1, p2): 1, (p1, p3): 5}), {(p1, p2)})
        affinity.insert_pairs(cr, c, [(p1, p3, 2)])
        affinity.delete_pairs(cr, c, [p1, p1], [p2, p3], below=3)
        self.assertEqual(self._state(), ({c: 5}, {(c, p1): 3, (c, p3): 2}, {(c, p1, p2): 3}))
        affinity.set_pair_counts(cr, c, [p1], [p2], [7])
        self.assertEqual(affinity.stored_pairs(cr, c)[2].tolist(), [7])
        self.assertEqual(affinity.stored_pairs(cr, c, p1, p1 + 1)[2].tolist(), [7], 'the pairs led by p1')
        self.assertEqual(len(affinity.stored_pairs(cr, c, p1 + 1)[0]), 0, 'none led by a later product')
        affinity.delete_pairs(cr, c, [p1], [p2])
        self.assertEqual(self._state()[2], {})

    def test_products(self):
        cr, c, p1, p2, p3 = self.env.cr, self.company.id, self.p1.id, self.p2.id, self.p3.id
        self.assertEqual(affinity.companies_selling(cr, [p3]), [c])
        self.assertEqual(affinity.companies_selling(cr, [self.p6.id]), [])
        rows = affinity.frequently_bought_together(cr, c, [p1, p2], 10)
        # pair count, support 2/3, confidence 2/3 (P1) and 1 (P2), lift 1
        self.assertEqual([row[:3] + tuple(round(value, 9) for value in row[3:]) for row in rows],
                         [(p1, p2, 2, 0.666666667, 0.666666667, 1.0), (p2, p1, 2, 0.666666667, 1.0, 1.0)])
        affinity.forget_products(cr, [p2])
        self.assertEqual(self._state(), ({c: 3}, {(c, p1): 3, (c, p3): 1}, {}))

    def test_basket_sources_extension(self):
        """The baskets are an extension point (affinity.BasketSource): a further kind of document
        in its own id space (here the quotations, ids -sale_order.id) forms baskets beside the
        confirmed orders, in order baskets and merged into its customer's window baskets, and its
        pairs are recounted; without it, the sale orders only; claims touch each source's rows."""
        cr, c = self.env.cr, self.company.id
        p1, p2, p3 = self.p1.id, self.p2.id, self.p3.id
        quote = self._order(self.customer_x, '2025-01-11', [self.p3, self.p1], confirm=False)
        quotations = affinity.BasketSource('quotation', 'sale_order', -1, """
            SELECT so.company_id, -so.id AS order_id, rp.commercial_partner_id AS partner_id,
                   so.date_order::date AS day, l.product_id, cmp.affinity_basket_days AS days, so.date_order
              FROM sale_order_line l
              JOIN sale_order so ON so.id = l.order_id
              JOIN res_company cmp ON cmp.id = so.company_id
              JOIN res_partner rp ON rp.id = so.partner_id
             WHERE so.state = 'draft' AND -so.id <> ALL(%(exclude_order_ids)s::integer[]) AND {scope}""", {
            'orders': "so.company_id = %(company_id)s AND -so.id = ANY(%(order_ids)s::integer[])",
            'partners': "so.company_id = %(company_id)s AND rp.commercial_partner_id = ANY(%(partner_ids)s::integer[])",
            'product_orders': """so.company_id = %(company_id)s AND so.id IN (
                SELECT order_id FROM sale_order_line WHERE product_id = ANY(%(scope_product_ids)s::integer[]))""",
            'product_partners': "so.company_id = %(company_id)s AND rp.commercial_partner_id IN ({buyers})",
        }, "SELECT NULL::integer", "", "")
        sources = [affinity.SALE_ORDER_BASKETS, quotations]
        params = affinity.basket_params(c, None, order_ids=[self.order_1.id, -quote.id])
        self.assertEqual(affinity.basket_products(cr, 'orders', False, False, params, sources),
                         {self.order_1.id: frozenset([p1, p2]), -quote.id: frozenset([p1, p3])})
        self.assertEqual(affinity.basket_products(cr, 'orders', False, False, params),
                         {self.order_1.id: frozenset([p1, p2])})
        params = affinity.basket_params(c, None, scope_product_ids=[p3], pair_a=[p3], pair_b=[p1])
        self.assertEqual(affinity.recount_pairs(cr, 'product_orders', False, False, params, sources), [(p3, p1, 2)])
        self.company.affinity_basket_days = 5
        params = affinity.basket_params(c, None, partner_ids=self.customer_x.ids)
        self.assertEqual(affinity.basket_products(cr, 'partners', True, False, params, sources),
                         {self.order_1.id: frozenset([p1, p2, p3])}, 'the quotation joins the window basket')
        self.assertEqual(quotations.claimed_rows('orders', [self.order_1.id, -quote.id]), [('sale_order', [quote.id])])
        self.assertEqual(affinity.SALE_ORDER_BASKETS.claimed_rows('partners', [7, -quote.id]), [('res_partner', [7])])
        self.assertEqual(self.Affinity._affinity_basket_sources()[0], affinity.SALE_ORDER_BASKETS)
