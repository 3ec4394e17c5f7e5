from odoo.addons.http_routing.models.ir_http import slug
from odoo.tests.common import SavepointCase

from .. import queries
from ..models import product_template


class TestWebshop(SavepointCase):
    """The glue's figures without HTTP (tests/test_website_recommendations.py covers the
    pages): the webshop orders' channel, the 'also bought' rows (deliverable products only,
    the pricelist's price, cached per time slot) and the cart's 'complete your order'."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.user.company_id
        cls.company.affinity_basket_days = 0
        Product = cls.env['product.product']

        def product(name, kind, price, published=True):
            return Product.create({'name': name, 'type': kind, 'list_price': price, 'website_published': published,
                                   'taxes_id': [(5, 0, 0)], 'company_id': False})
        cls.lamp = product('Glue lamp', 'consu', 40.0)
        cls.shade = product('Glue shade', 'consu', 20.0)
        cls.bulb = product('Glue bulb', 'product', 4.0)
        cls.hidden = product('Glue hidden', 'consu', 1.0, published=False)
        cls.vase = product('Glue vase', 'consu', 9.0)
        for index, others in enumerate([[cls.shade, cls.bulb, cls.hidden]] * 3 + [[cls.shade]]):
            customer = cls.env['res.partner'].create({'name': 'Glue buyer %d' % index, 'customer': True})
            cls.env['sale.order'].create({'partner_id': customer.id, 'order_line': [
                (0, 0, {'product_id': item.id, 'product_uom_qty': 1.0}) for item in [cls.lamp] + others]}
            ).action_confirm()
        cls.env['crm.erp.product.affinity']._recompute_affinity(cls.company.ids)
        cls.pricelist = cls.env['product.pricelist'].create({
            'name': 'Glue 10% off', 'currency_id': cls.company.currency_id.id,
            'item_ids': [(0, 0, {'applied_on': '3_global', 'compute_price': 'percentage', 'percent_price': 10.0})]})
        cls.Template = cls.env['product.template']

    def _rows(self, template, period):
        return self.Template._crm_erp_also_bought_rows(template.id, self.pricelist.id, self.company.id, 4, period)

    def test_also_bought_deliverable_published_at_pricelist_price(self):
        # the bulb (stockable, nothing in stock or coming) and the unpublished product are left out
        self.assertEqual(self._rows(self.lamp.product_tmpl_id, 1), (
            (self.shade.product_tmpl_id.id, self.shade.id, 18.0, 4),))
        self.assertEqual(self._rows(self.vase.product_tmpl_id, 1), ())
        # with stock, the bulb is shown (from the next time slot)
        self.env['stock.quant']._update_available_quantity(
            self.bulb, self.env['stock.warehouse'].search([('company_id', '=', self.company.id)], limit=1).lot_stock_id,
            5.0)
        self.assertNotIn(self.bulb.id, [row[1] for row in self._rows(self.lamp.product_tmpl_id, 1)], 'cached')
        rows = self._rows(self.lamp.product_tmpl_id, 2)
        self.assertEqual([(row[1], row[2]) for row in rows], [(self.shade.id, 18.0), (self.bulb.id, 3.6)])

    def test_cache(self):
        """The same slot returns the same cached tuple, without a query."""
        first = self._rows(self.lamp.product_tmpl_id, 7)
        queries_before = self.env.cr.sql_log_count
        self.assertIs(self._rows(self.lamp.product_tmpl_id, 7), first)
        self.assertEqual(self.env.cr.sql_log_count, queries_before)

    def test_items_and_complete_order(self):
        items = self.Template._crm_erp_also_bought(self.lamp.product_tmpl_id, self.pricelist, self.company)
        self.assertEqual([(item['template'], item['price'], item['reason']) for item in items],
                         [(self.shade.product_tmpl_id, 18.0, 'Bought with Glue lamp in 4 orders')])
        self.assertEqual([(item['name'], item['url']) for item in items], [
            (self.shade.name, '/shop/product/%s' % slug(self.shade.product_tmpl_id))])
        # a cached view reads nothing, not even the shown products' names
        queries_before = self.env.cr.sql_log_count
        self.Template._crm_erp_also_bought(self.lamp.product_tmpl_id, self.pricelist, self.company)
        self.assertEqual(self.env.cr.sql_log_count, queries_before)
        self.assertLessEqual(product_template.SHOWN, product_template.FETCHED)
        cart = self.env['sale.order'].create({
            'partner_id': self.env.ref('base.public_partner').id, 'pricelist_id': self.pricelist.id,
            'order_line': [(0, 0, {'product_id': self.lamp.id, 'product_uom_qty': 1.0}),
                           (0, 0, {'product_id': self.vase.id, 'product_uom_qty': 1.0})]})
        items = self.Template._crm_erp_complete_order(cart, self.company)
        self.assertEqual([item['template'] for item in items], [self.shade.product_tmpl_id])
        cart.order_line.filtered(lambda line: line.product_id == self.lamp).unlink()
        self.assertEqual(self.Template._crm_erp_complete_order(cart, self.company), [])

    def test_webshop_orders_marked(self):
        """The hook's statement: orders of a website sales team become webshop orders."""
        website_team = self.env['crm.team'].create({'name': 'Glue web team', 'team_type': 'website'})
        other_team = self.env['crm.team'].create({'name': 'Glue sales team'})
        customer = self.env['res.partner'].create({'name': 'Glue hook customer'})
        web = self.env['sale.order'].create({'partner_id': customer.id, 'team_id': website_team.id})
        back = self.env['sale.order'].create({'partner_id': customer.id, 'team_id': other_team.id})
        self.assertEqual((web.crm_erp_channel, back.crm_erp_channel), ('back_office', 'back_office'))
        self.assertGreaterEqual(queries.mark_webshop_orders(self.env.cr), 1)
        web.invalidate_cache()
        self.assertEqual((web.crm_erp_channel, back.crm_erp_channel), ('webshop', 'back_office'))
