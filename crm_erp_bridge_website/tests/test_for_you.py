import datetime

from odoo.tests.common import SavepointCase


def days_ago(days):
    return (datetime.date.today() - datetime.timedelta(days=days)).strftime('%Y-%m-%d')


class TestForYou(SavepointCase):
    """"Recommended for you": the back office's recommendations of the customer (Due to
    re-order, Discover) that the webshop shows and can deliver, at the pricelist's price, with
    the back office's labels and reasons; none for an anonymous visitor; cached per customer
    until an order of theirs is confirmed. And a webshop order's confirmation refreshes the
    Customer 360 of its customer only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.user.company_id
        Product = cls.env['product.product']

        def product(name, kind, price, published=True):
            return Product.create({'name': name, 'type': kind, 'list_price': price, 'website_published': published,
                                   'taxes_id': [(5, 0, 0)], 'company_id': False})
        cls.lamp = product('For you lamp', 'consu', 40.0)
        cls.shade = product('For you shade', 'consu', 20.0)
        cls.bulb = product('For you bulb', 'product', 4.0)           # nothing in stock nor coming
        cls.hidden = product('For you hidden', 'consu', 1.0, published=False)
        cls.vase = product('For you vase', 'consu', 9.0)
        cls.cup = product('For you cup', 'consu', 3.0)               # nobody bought it yet
        cls.Order = cls.env['sale.order']

        def order(partner, products, day, channel='back_office'):
            placed = cls.Order.create({'partner_id': partner.id, 'date_order': day + ' 10:00:00',
                                       'crm_erp_channel': channel, 'order_line': [
                                           (0, 0, {'product_id': item.id, 'product_uom_qty': 1.0})
                                           for item in products]})
            placed.action_confirm()
            return placed
        cls.order = staticmethod(order)
        for index in range(3):  # others buy the lamp with the shade, the bulb and the hidden product
            buyer = cls.env['res.partner'].create({'name': 'For you buyer %d' % index, 'customer': True})
            order(buyer, [cls.lamp, cls.shade, cls.bulb, cls.hidden], days_ago(300 - 30 * index))
        # the shopper bought the lamp and the bulb every four weeks, the last time four weeks ago
        cls.shopper = cls.env['res.partner'].create({'name': 'For you shopper', 'customer': True})
        cls.other = cls.env['res.partner'].create({'name': 'For you other customer', 'customer': True})
        for day in (days_ago(84), days_ago(56), days_ago(28)):
            order(cls.shopper, [cls.lamp, cls.bulb], day)
        order(cls.other, [cls.vase], days_ago(28))
        cls.env['crm.erp.recommendation']._clear_engine_cache(cls.company)  # the figures of these orders
        cls.pricelist = cls.env['product.pricelist'].create({
            'name': 'For you 10% off', 'currency_id': cls.company.currency_id.id,
            'item_ids': [(0, 0, {'applied_on': '3_global', 'compute_price': 'percentage', 'percent_price': 10.0})]})
        cls.Template = cls.env['product.template']

    def _for_you(self, exclude=()):
        return self.Template._crm_erp_for_you(self.shopper, self.pricelist, self.company, exclude, limit=20)

    def test_the_back_office_recommendations_that_the_shop_can_deliver(self):
        items = self._for_you()
        back_office = self.env['crm.erp.recommendation']._recommend(
            self.shopper, self.company, limit=20, intents=('reorder', 'discover'))[self.shopper.id]
        # the back office's items, in its order, of products published, sellable and deliverable,
        # one per template (recounted with the ORM)
        expected, seen = [], set()
        for item in back_office:
            product = self.env['product.product'].browse(item['product_id'])
            template = product.product_tmpl_id
            if template.website_published and template.sale_ok and not item['out_of_stock'] \
                    and template not in seen:
                seen.add(template)
                expected.append((item['product_id'], item['intent_label'], item['reason']))
        self.assertEqual([(item['product_id'], item['label'], item['reason']) for item in items], expected)
        shown = [item['template'] for item in items]
        self.assertIn(self.lamp.product_tmpl_id, shown)   # theirs, to re-order
        self.assertIn(self.shade.product_tmpl_id, shown)  # bought by others with the lamp: to discover
        self.assertNotIn(self.bulb.product_tmpl_id, shown)  # theirs, but it cannot be delivered
        self.assertNotIn(self.hidden.product_tmpl_id, shown)  # not in the webshop
        shade = next(item for item in items if item['template'] == self.shade.product_tmpl_id)
        self.assertEqual((shade['label'], shade['price']), ('Discover', 18.0))
        lamp = next(item for item in items if item['template'] == self.lamp.product_tmpl_id)
        self.assertEqual((lamp['label'], lamp['reason'], lamp['price']),
                         ('Due to re-order', 'Orders every ~4 weeks, last ~4 weeks ago', 36.0))
        # the cart's products are left out; an anonymous visitor gets nothing
        self.assertNotIn(self.lamp.product_tmpl_id, [item['template'] for item in self._for_you(
            self.lamp.product_tmpl_id.ids)])
        self.assertEqual(self.Template._crm_erp_for_you(self.env['res.partner'], self.pricelist, self.company), [])

    def test_cached_until_their_order_is_confirmed(self):
        first = self._for_you()
        queries_before = self.env.cr.sql_log_count
        self.assertEqual(self._for_you(), first)
        self.assertLessEqual(self.env.cr.sql_log_count - queries_before, 2)  # the customer's version, no engine
        self.assertNotIn(self.cup.product_tmpl_id, [item['template'] for item in first])
        self.order(self.shopper, [self.cup], days_ago(1), channel='webshop')
        self.assertIn(self.cup.product_tmpl_id, [item['template'] for item in self._for_you()])

    def test_webshop_order_refreshes_its_customer_only(self):
        """A webshop order's confirmation refreshes the Customer 360 of its customer, and no
        other customer's (the other's row, changed by hand here, stays as it was)."""
        Stats = self.env['crm.erp.partner.stats']
        key = [('company_id', '=', self.company.id)]
        shopper = Stats.search(key + [('partner_id', '=', self.shopper.id)])
        other = Stats.search(key + [('partner_id', '=', self.other.id)])
        self.assertEqual((shopper.sale_order_count, other.sale_order_count), (3, 1))
        self.env.cr.execute("UPDATE crm_erp_partner_stats SET sale_order_count = 99 WHERE id = %s", [other.id])
        webshop = self.order(self.shopper, [self.vase], days_ago(1), channel='webshop')
        (shopper | other).invalidate_cache()
        self.assertEqual((shopper.sale_order_count, other.sale_order_count), (4, 99))
        channels = {item['channel']: (item['order_count'], item['revenue'])
                    for item in self.env['res.partner'].get_customer_360(self.shopper.ids)[0]['channels']}
        self.assertEqual(channels['webshop'], (1, webshop.amount_untaxed))
