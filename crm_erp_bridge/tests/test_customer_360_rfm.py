import math
from datetime import timedelta

from odoo import fields

from .customer_360_common import Customer360Case


class TestCustomer360Rfm(Customer360Case):
    """Quintiles over company A's five customers: customer i has i weekly orders of 100 ending
    on the first day of month 5 + i, so its R, F and M scores are all i."""

    DATE_REF = '2025-10-31'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # segments, not P(alive), set the stages here
        cls.company_a.write({'customer_360_at_risk_alive': 0.0, 'customer_360_lost_alive': 0.0})
        cls.customers = []
        for i in range(1, 6):
            customer = cls._customer('RFM %d' % i)
            last = fields.Date.from_string('2025-%02d-01' % (5 + i))
            for k in range(i):
                cls._order(customer, fields.Date.to_string(last - timedelta(days=7 * k)),
                           [(cls.product_1, 1, 100.0)])
            cls.customers.append(customer)
        cls._refresh()

    def test_boundaries_are_quintile_maxima(self):
        boundaries = self.env['crm.erp.rfm.boundary'].search([('company_id', '=', self.company_a.id)])
        self.assertEqual([(b.score, b.recency_date, b.frequency, b.monetary) for b in boundaries], [
            (1, '2025-06-01', 1, 100.0), (2, '2025-07-01', 2, 200.0),
            (3, '2025-08-01', 3, 300.0), (4, '2025-09-01', 4, 400.0)])

    def test_scores_segments_and_stages(self):
        result = [(c.rfm_recency_score, c.rfm_frequency_score, c.rfm_monetary_score, c.rfm_segment,
                   c.customer_stage) for c in self.customers]
        self.assertEqual(result, [
            (1, 1, 1, 'lost', 'new'),
            (2, 2, 2, 'hibernating', 'repeat'),
            (3, 3, 3, 'need_attention', 'repeat'),
            (4, 4, 4, 'loyal', 'loyal'),
            (5, 5, 5, 'champions', 'loyal'),
        ])

    def test_predicted_value_and_its_inputs(self):
        first, fifth = self.customers[0], self.customers[4]
        # one order (2025-06-01): 1 order/year, expected interval 365 days, 152 days since: alive
        self.assertEqual((first.clv_annual_frequency, first.clv_survival_probability), (1.0, 1.0))
        self.assertAlmostEqual(first.clv_predicted_12m, 100.0)
        # five orders 2025-09-03 .. 2025-10-01: 5 × 365 / max(58, 365) = 5 orders/year, interval
        # 7 days, 30 days since the last one: survival exp(-(30 - 7) / 7)
        survival = math.exp(-(30 - 7) / 7)
        self.assertAlmostEqual(fifth.clv_annual_frequency, 5.0)
        self.assertAlmostEqual(fifth.clv_survival_probability, survival)
        self.assertAlmostEqual(fifth.clv_predicted_12m, round(5.0 * 100.0 * survival, 2))
        self.assertAlmostEqual(fifth.clv_historical, 500.0)

    def test_incremental_update_reuses_boundaries(self):
        boundaries = self.env['crm.erp.rfm.boundary'].search([('company_id', '=', self.company_a.id)])
        values = boundaries.read(['score', 'recency_date', 'frequency', 'monetary'])
        first = self.customers[0]
        self._order(first, '2025-10-30', [(self.product_1, 1, 150.0)])
        self.assertEqual(self.env['crm.erp.rfm.boundary'].search([('company_id', '=', self.company_a.id)]).read(
            ['score', 'recency_date', 'frequency', 'monetary']), values)
        # 2 orders, 250: above boundaries 1 and 2 in revenue, above 1 in frequency, latest order
        self.assertEqual((first.rfm_recency_score, first.rfm_frequency_score, first.rfm_monetary_score,
                          first.rfm_segment), (5, 2, 3, 'potential_loyalist'))
        # the nightly full refresh re-cuts the quintiles: customer 1 is now the most recent,
        # customer 5 (2025-10-01) tops the fourth quintile
        self._refresh()
        self.assertEqual(self.env['crm.erp.rfm.boundary'].search(
            [('company_id', '=', self.company_a.id)]).mapped('recency_date'),
            ['2025-07-01', '2025-08-01', '2025-09-01', '2025-10-01'])
