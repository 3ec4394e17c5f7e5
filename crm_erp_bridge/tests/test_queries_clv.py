from ..queries import clv
from .customer_360_common import Customer360Case


class TestQueriesClv(Customer360Case):
    """queries/clv.customer_summary: the one row per customer the CLV model is fitted on."""

    def test_customer_summary(self):
        """Company A, as of 2025-06-30. Customer 1: 100 on 2025-02-01, 30 + 20 on 2025-03-01 (one
        purchase day), 10 in XCB on 2025-04-10 (company rate 5 that day: 10 / 5 = 2), an order
        after the as-of day, a quotation and an order of company B (none of them count).
        A contact of customer 2 (a company): one order of 40 on 2025-06-30, the as-of day."""
        first = self._customer('CLV query 1')
        self._order(first, '2025-02-01', [(self.product_1, 1.0, 100.0)])
        self._order(first, '2025-03-01', [(self.product_1, 1.0, 30.0)])
        self._order(first, '2025-03-01', [(self.product_2, 2.0, 10.0)])
        self._order(first, '2025-04-10', [(self.product_1, 1.0, 10.0)], pricelist=self.pricelist_xcb)
        self._order(first, '2025-07-01', [(self.product_1, 1.0, 999.0)])
        self._order(first, '2025-05-01', [(self.product_1, 1.0, 999.0)], confirm=False)
        self._order(first, '2025-05-01', [(self.product_1, 1.0, 999.0)], company=self.company_b)
        second = self._customer('CLV query 2', is_company=True)
        contact = self._customer('CLV query 2 contact', parent_id=second.id)
        self._order(contact, '2025-06-30', [(self.product_1, 1.0, 40.0)])
        summary = clv.customer_summary(self.env.cr, self.company_a.id, '2025-06-30')
        rows = {partner: tuple(summary[column][index] for column in clv.SUMMARY_COLUMNS[1:])
                for index, partner in enumerate(summary['partner_id'])}
        # frequency, recency, age, mean repeat value, mean order value, revenue
        self.assertEqual(rows[first.id], (2, 68, 149, (50 + 2) / 2.0, 152 / 4.0, 152))
        self.assertEqual(rows[second.id], (0, 0, 0, 0, 40, 40))
        self.assertNotIn(contact.id, rows)
        self.assertEqual(list(summary['partner_id']), sorted(summary['partner_id']))
        # the purchase days alone (the forecast's): the same customers and values
        days = clv.purchase_days_summary(self.env.cr, self.company_a.id, '2025-06-30')
        self.assertEqual(sorted(days), sorted(clv.PURCHASE_DAYS_COLUMNS))
        for column in clv.PURCHASE_DAYS_COLUMNS:
            self.assertEqual(days[column].tolist(), summary[column].tolist(), column)
        # read beside other work (here in this transaction, which wrote: test_sql tests the second
        # connection): the same
        with clv.PurchaseDaysBeside(self.env.cr, None, self.company_a.id, '2025-06-30') as beside:
            beside_days = beside.summary()
        for column in clv.PURCHASE_DAYS_COLUMNS:
            self.assertEqual(beside_days[column].tolist(), summary[column].tolist(), column)
        # as of the day before the first order: nothing
        self.assertNotIn(first.id, clv.customer_summary(self.env.cr, self.company_a.id, '2025-01-31')['partner_id'])
