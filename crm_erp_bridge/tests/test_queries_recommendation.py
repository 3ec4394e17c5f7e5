from odoo import fields
from odoo.tests.common import SavepointCase

from ..engines.discover import DiscoverIndex
from ..engines.purchases import Purchases
from ..models.crm_erp_recommendation import engine_day
from ..queries import recommendation
from .recommendation_common import NOW, RecommendationCase, weight


class TestQueriesRecommendation(RecommendationCase):
    """queries/recommendation.py on the baskets of recommendation_common (as of 2025-12-31)."""

    def _params(self, partners, **values):
        company = self.company
        return dict({
            'company_id': company.id, 'partner_ids': partners.ids, 'now': NOW,
            'half_life': float(company.recommendation_half_life_days),
            'exclude_days': company.recommendation_exclude_days,
            'repeat_share': company.recommendation_repeat_share, 'exclude_product_ids': [], 'fetch': 10,
            'per_product': 50, 'basket_count': 6, 'min_count': 2, 'min_lift': 1.0,
        }, **values)

    def test_affinity_candidates(self):
        """X bought P1: P2 (with P1 in 3 of P1's 4 baskets, lift 1.5) is its only candidate."""
        rows = recommendation.affinity_candidates(self.env.cr, self._params(self.customer_x))
        self.assertEqual([row[:2] + row[3:] for row in rows],
                         [(self.customer_x.id, self.p2.id, self.p1.id, 3, 1.5, 0.75)])
        self.assertAlmostEqual(rows[0][2], weight('2025-12-01', 1.0) * 0.75, places=9)
        self.assertEqual(recommendation.affinity_candidates(
            self.env.cr, self._params(self.customer_x, exclude_product_ids=[self.p2.id])), [])

    def test_peer_best_sellers(self):
        """A customer without industry, country nor segment: the company's best sellers (level 4)."""
        newcomer = self._customer('Affinity Z')
        self.assertEqual(recommendation.peer_best_sellers(self.env.cr, self._params(newcomer)), [
            (newcomer.id, self.p1.id, 4, '', 4), (newcomer.id, self.p2.id, 4, '', 3),
            (newcomer.id, self.p4.id, 4, '', 3), (newcomer.id, self.p3.id, 4, '', 2)])
        recommendation.forget_best_sellers_of_products(self.env.cr, [self.p1.id])
        self.assertEqual([row[1] for row in recommendation.peer_best_sellers(self.env.cr, self._params(newcomer))],
                         [self.p2.id, self.p4.id, self.p3.id])
        recommendation.recompute_best_sellers(self.env.cr, self.company.ids, '2025-03-01 00:00:00')
        self.assertEqual(recommendation.peer_best_sellers(self.env.cr, self._params(newcomer)), [
            (newcomer.id, self.p1.id, 4, '', 2), (newcomer.id, self.p2.id, 4, '', 2),
            (newcomer.id, self.p3.id, 4, '', 1)])

    def test_typical_quantities(self):
        """Own median, else every customer's median (P2: 1, 3, 3), else 1."""
        x, y, w, p2, p6 = self.customer_x.id, self.customer_y.id, self.customer_w.id, self.p2.id, self.p6.id
        self.assertEqual(recommendation.typical_quantities(self.env.cr, self.company.id,
                                                           [(w, p2), (y, p2), (x, p2), (x, p6)]),
                         {(w, p2): 3.0, (y, p2): 1.0, (x, p2): 3.0, (x, p6): 1.0})


class TestCountedLines(SavepointCase):
    """counted_lines on the demo data against the same lines found and converted by the ORM."""

    def _orm_lines(self, company, before, partners=None):
        domain = [('order_id.company_id', '=', company.id), ('order_id.state', 'in', ('sale', 'done')),
                  ('order_id.date_order', '<', before), ('product_uom_qty', '>', 0)]
        if partners is not None:
            domain.append(('order_id.partner_id.commercial_partner_id', 'in', partners.ids))
        lines = self.env['sale.order.line'].with_context(active_test=False).search(domain)
        epoch = fields.Date.from_string('2000-01-01')
        rows = []
        for line in lines:
            product = line.product_id
            if line.is_downpayment or not product.active or not product.product_tmpl_id.active:
                continue
            if product.type == 'service' and company.affinity_exclude_services:
                continue
            order = line.order_id
            qty = line.product_uom._compute_quantity(line.product_uom_qty, product.uom_id, round=False)
            day = (fields.Datetime.from_string(order.date_order).date() - epoch).days
            rows.append((order.partner_id.commercial_partner_id.id, product.id, order.id, day,
                         int(round(qty * 1000)), product.categ_id.id))
        return sorted(rows)

    def test_against_the_orm(self):
        company = self.env.ref('base.main_company')
        # a line in dozens: converted to the product's unit (units) as thousandths
        order = self.env['sale.order'].search([('company_id', '=', company.id), ('state', 'in', ('sale', 'done'))],
                                              limit=1, order='id')
        self.assertTrue(order, 'the demo data has confirmed orders')
        dozen = self.env.ref('product.product_uom_dozen')
        product = self.env['product.product'].create({'name': 'Counted dozen', 'type': 'consu', 'company_id': False})
        order.write({'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 2.5, 'product_uom': dozen.id,
                                            'name': 'dozens', 'price_unit': 1.0})]})
        before = fields.Datetime.now()
        columns = recommendation.counted_lines(self.env.cr, company.id, before)
        rows = sorted(zip(*[column.tolist() for column in columns]))
        expected = self._orm_lines(company, before)
        self.assertGreater(len(expected), 20)
        self.assertEqual(rows, expected)
        self.assertIn((order.partner_id.commercial_partner_id.id, product.id, order.id), [row[:3] for row in rows])
        self.assertEqual([row[4] for row in rows if row[1] == product.id], [30000])  # 2.5 dozen = 30 units
        # some customers only, and an earlier date
        partners = order.partner_id.commercial_partner_id
        some = sorted(zip(*[column.tolist() for column in recommendation.counted_lines(
            self.env.cr, company.id, before, partners.ids)]))
        self.assertEqual(some, self._orm_lines(company, before, partners))
        self.assertTrue(some)
        earlier = fields.Datetime.to_string(fields.Datetime.from_string(order.date_order))
        self.assertEqual(sorted(zip(*[column.tolist() for column in recommendation.counted_lines(
            self.env.cr, company.id, earlier)])), self._orm_lines(company, earlier))
        self.assertEqual([len(column) for column in recommendation.counted_lines(self.env.cr, company.id, before, [])],
                         [0] * 6)

    def test_buyer_pairs_are_the_counted_lines(self):
        """The buyers of the sale orders' basket source are those of the engines' counted lines
        (demo data): the Discover index given them is the one built from the lines alone
        (products, popularity, its ranks, the share's denominator), so the engines read only
        the other sources' buyers (none without the point of sale glue: nothing changes)."""
        company = self.env.ref('base.main_company')
        before = fields.Datetime.now()
        customer, product, order, days, qty, _category = recommendation.counted_lines(self.env.cr, company.id, before)
        purchases = Purchases(customer, product, order, days, qty / recommendation.QTY_SCALE)
        own = DiscoverIndex(purchases, engine_day(before))
        buyers = recommendation.buyer_pairs(self.env.cr, company.id, before)
        index = DiscoverIndex(purchases, engine_day(before), buyers=buyers)
        self.assertGreater(own.popularity.sum(), 10)
        for name in ('products', 'popularity', 'popularity_rank'):
            self.assertEqual(getattr(index, name).tolist(), getattr(own, name).tolist(), name)
        self.assertEqual(index.buyer_total, len(own.customers))
        self.assertEqual(len(buyers[0]), len(set(zip(customer.tolist(), product.tolist()))))
