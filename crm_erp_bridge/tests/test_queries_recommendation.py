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
