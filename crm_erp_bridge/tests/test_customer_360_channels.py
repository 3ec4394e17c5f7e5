from .customer_360_common import Customer360Case


class TestCustomer360Channels(Customer360Case):
    """The sales channel of orders and the Customer 360's channel breakdown: its figures equal
    a recomputation from the raw orders and add up to the customer's totals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer('Channels customer')
        contact = cls._customer('Channels contact', parent_id=cls.customer.id)
        cls.orders = cls.env['sale.order']
        for partner, day, price, pricelist, channel in [
                (cls.customer, '2025-01-10', 100.0, None, 'back_office'),
                (contact, '2025-02-10', 40.0, None, 'webshop'),
                (cls.customer, '2025-03-10', 80.0, cls.pricelist_xcb, 'webshop'),
                (cls.customer, '2025-04-10', 45.0, cls.pricelist_xcb, 'outside_shop'),
                (contact, '2025-05-10', 12.5, None, 'outside_shop')]:
            order = cls._order(partner, day, [(cls.product_1, 2.0, price)], pricelist=pricelist)
            order.write({'crm_erp_channel': channel})
            cls.orders |= order
        # not counted: a quotation, a cancelled order, an order of company B
        cls._order(cls.customer, '2025-06-01', [(cls.product_1, 1.0, 999.0)], confirm=False).write(
            {'crm_erp_channel': 'webshop'})
        cls._order(cls.customer, '2025-06-02', [(cls.product_1, 1.0, 999.0)]).action_cancel()
        cls._order(cls.customer, '2025-06-03', [(cls.product_1, 1.0, 999.0)], company=cls.company_b)
        cls._refresh()

    def _recomputed(self):
        """{channel: (orders, revenue)} from the raw orders through the ORM: confirmed orders of
        the customer and its contacts in company A, untaxed amount converted by Odoo's own
        res.currency at the order's day."""
        orders = self.env['sale.order'].search([
            ('partner_id', 'child_of', self.customer.id), ('company_id', '=', self.company_a.id),
            ('state', 'in', ('sale', 'done'))])
        figures = {}
        for order in orders:
            currency = order.pricelist_id.currency_id.with_context(date=order.date_order[:10],
                                                                   company_id=self.company_a.id)
            amount = currency.compute(order.amount_untaxed, self.company_a.currency_id, round=False)
            count, revenue = figures.get(order.crm_erp_channel, (0, 0.0))
            figures[order.crm_erp_channel] = (count + 1, revenue + amount)
        return figures

    def test_default_channel(self):
        """A new order and a copy made in the back office are back-office orders."""
        order = self._order(self.customer, '2025-07-01', [(self.product_1, 1.0, 1.0)], confirm=False)
        self.assertEqual(order.crm_erp_channel, 'back_office')
        self.assertEqual(self.orders[1].copy().crm_erp_channel, 'back_office')

    def test_breakdown_equals_raw_orders(self):
        profile = self.env['res.partner'].get_customer_360(self.customer.ids)[0]
        expected = self._recomputed()
        # XCB at company A's 2.5 on 2025-03-10 and 5.0 on 2025-04-10
        self.assertEqual(expected, {'back_office': (1, 200.0), 'webshop': (2, 80.0 + 160.0 / 2.5),
                                    'outside_shop': (2, 90.0 / 5.0 + 25.0)})
        got = {item['channel']: (item['order_count'], item['revenue']) for item in profile['channels']}
        self.assertEqual(set(got), set(expected))
        for channel, (count, revenue) in expected.items():
            self.assertEqual(got[channel][0], count, channel)
            self.assertAlmostEqual(got[channel][1], revenue, places=6, msg=channel)
        # the channels add up to the customer's figures
        self.assertEqual(sum(count for count, _revenue in got.values()), profile['sale_order_count'])
        self.assertAlmostEqual(sum(revenue for _count, revenue in got.values()), profile['sale_revenue'], places=2)
        self.assertEqual([item['label'] for item in profile['channels']], ['Back office', 'Webshop', 'Outside shop'],
                         'largest revenue first')

    def test_breakdown_as_of_a_day(self):
        """With customer_360_date, only the orders up to that day (a dry run)."""
        profile = self.env['res.partner'].with_context(customer_360_date='2025-02-28').get_customer_360(
            self.customer.ids)[0]
        self.assertEqual([(item['channel'], item['order_count'], item['revenue']) for item in profile['channels']],
                         [('back_office', 1, 200.0), ('webshop', 1, 80.0)])

    def test_partner_form_table(self):
        html = self.customer.customer_channel_html
        for label in ('Back office', 'Webshop', 'Outside shop'):
            self.assertIn(label, html)
        self.assertIn('data-channel="outside_shop"', html)
        self.assertFalse(self._customer('Channels prospect').customer_channel_html)
