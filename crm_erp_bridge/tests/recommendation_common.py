import math
from datetime import datetime

from .affinity_common import AffinityCase

NOW = '2025-12-31 00:00:00'


def days_before_now(date):
    """Days from an order placed at 10:00 on date (YYYY-MM-DD) to NOW."""
    return (datetime.strptime(NOW, '%Y-%m-%d %H:%M:%S')
            - datetime.strptime(date + ' 10:00:00', '%Y-%m-%d %H:%M:%S')).total_seconds() / 86400.0


def weight(date, qty, half_life=180.0):
    """The usage notes' weight (readme/USAGE.rst) of a product last bought on date, qty units in all."""
    return 0.5 ** (days_before_now(date) / half_life) * (1 + math.log(1 + qty))


class RecommendationCase(AffinityCase):
    """Baskets of customers Y, W, V (P1..P4), then customer X buys P1 on 2025-12-01; figures as
    of 2025-12-31. 6 baskets: P1 in 4, P2 3, P3 3, P4 3; pairs P1-P2 3, P3-P4 2 (the others
    once, below the minimum count 2). P2 lines: 1, 3, 3 units (median 3)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, crm_erp_recommendation_date=NOW))
        cls.Affinity = cls.Affinity.with_env(cls.env)
        cls.customer_w = cls._customer('Affinity W')
        cls.customer_v = cls._customer('Affinity V')
        cls._order(cls.customer_y, '2025-01-10', [cls.p1, cls.p2, cls.p3])
        cls._order(cls.customer_w, '2025-02-10', [cls.p1, (cls.p2, 3.0)])
        cls._order(cls.customer_v, '2025-03-10', [cls.p1, (cls.p2, 3.0), cls.p4])
        cls._order(cls.customer_y, '2025-04-10', [cls.p3, cls.p4])
        cls._order(cls.customer_w, '2025-05-10', [cls.p3, cls.p4])
        cls._order(cls.customer_x, '2025-12-01', [cls.p1])
        cls.Affinity._recompute_all(cls.company)
        cls.Partner = cls.env['res.partner']

    def setUp(self):
        super().setUp()
        # the engines' company-wide figures are cached per process: not those of another test
        self.env['crm.erp.recommendation']._clear_engine_cache()

    def _items(self, partner, limit=10):
        return self.Partner.get_recommendations([partner.id], limit)[0]['items']
