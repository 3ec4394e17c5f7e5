from odoo.tests.common import SavepointCase


class Customer360Case(SavepointCase):
    """Two fresh companies in currency XCA, a foreign currency XCB with explicit rates, service
    products and a helper to place orders at explicit dates. Figures are computed as of
    DATE_REF (context key customer_360_date), so every expected value is fixed."""

    DATE_REF = '2025-12-31'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, customer_360_date=cls.DATE_REF,
                                       tracking_disable=True))
        Currency = cls.env['res.currency']
        cls.xca = Currency.create({'name': 'XCA', 'symbol': 'A$', 'rounding': 0.01})
        cls.xcb = Currency.create({'name': 'XCB', 'symbol': 'B$', 'rounding': 0.01})
        cls.company_a = cls.env['res.company'].create({'name': 'C360 A', 'currency_id': cls.xca.id})
        cls.company_b = cls.env['res.company'].create({'name': 'C360 B', 'currency_id': cls.xca.id})
        Rate = cls.env['res.currency.rate']
        for day, rate, company in [('2025-01-01', 2.0, False), ('2025-03-01', 2.5, cls.company_a.id),
                                   ('2025-04-01', 4.0, False), ('2025-04-01', 5.0, cls.company_a.id)]:
            Rate.create({'name': day, 'rate': rate, 'currency_id': cls.xcb.id, 'company_id': company})
        cls.env.user.write({'company_ids': [(4, cls.company_a.id), (4, cls.company_b.id)],
                            'company_id': cls.company_a.id})
        Pricelist = cls.env['product.pricelist']
        cls.pricelist_xca = Pricelist.create({'name': 'XCA prices', 'currency_id': cls.xca.id})
        cls.pricelist_xcb = Pricelist.create({'name': 'XCB prices', 'currency_id': cls.xcb.id})
        Product = cls.env['product.product']
        cls.product_1 = Product.create({'name': 'C360 Service 1', 'type': 'service'})
        cls.product_2 = Product.create({'name': 'C360 Service 2', 'type': 'service'})
        cls.Stats = cls.env['crm.erp.partner.stats']

    @classmethod
    def set_clv_model(cls, company, r, alpha, a, b, p=0.0, q=0.0, v=0.0, company_average=0.0):
        """Fix the company's lifetime value model (MBG/NBD r, alpha in days, a, b; Gamma-Gamma p,
        q, v, or q = 0 for the fallback order value): expected figures then follow by hand."""
        model = cls.env['crm.erp.clv.model']
        model._fit(company.ids, cls.DATE_REF)
        model.search([('company_id', '=', company.id)]).write({
            'fallback': False, 'purchase_model': 'mbg_nbd', 'rate_shape': r, 'rate_scale_days': alpha,
            'dropout_a': a, 'dropout_b': b, 'dropout_rate_shape': 0.0, 'dropout_rate_scale_days': 0.0,
            'value_p': p, 'value_q': q, 'value_v': v, 'value_company_average': company_average})

    @classmethod
    def _user(cls, login, company, group):
        """A user of that company only, in that group."""
        return cls.env['res.users'].with_context(no_reset_password=True).create({
            'name': login, 'login': login, 'email': login + '@example.com', 'company_id': company.id,
            'company_ids': [(6, 0, company.ids)],
            'groups_id': [(6, 0, [cls.env.ref(group).id, cls.env.ref('base.group_user').id])]})

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env['res.partner'].create(dict({'name': name, 'customer': True, 'company_id': False}, **vals))

    @classmethod
    def _order(cls, partner, date, lines, pricelist=None, company=None, confirm=True):
        """lines: [(product, qty, unit price)], untaxed (no taxes on the lines)."""
        order = cls.env['sale.order'].create({
            'partner_id': partner.id,
            'company_id': (company or cls.company_a).id,
            'pricelist_id': (pricelist or cls.pricelist_xca).id,
            'date_order': date + ' 10:00:00',
            'order_line': [(0, 0, {
                'product_id': product.id, 'product_uom_qty': qty, 'price_unit': price,
                'product_uom': product.uom_id.id, 'name': product.name, 'tax_id': [(5, 0, 0)],
            }) for product, qty, price in lines],
        })
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _refresh(cls, companies=None, date_ref=None, boundaries=True):
        return cls.Stats._refresh((companies or cls.company_a).ids, date_ref=date_ref,
                                  recompute_boundaries=boundaries)

    def _row(self, partner, company=None):
        return self.Stats.search([('partner_id', '=', partner.id),
                                  ('company_id', '=', (company or self.company_a).id)])
