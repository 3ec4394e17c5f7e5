from odoo.tests.common import SavepointCase


class AffinityCase(SavepointCase):
    """A fresh company (services count in its baskets, min count 2, min lift 1) with service
    products P1..P6 and two customers; orders are placed at explicit dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Customer 360 stages as of the end of the test year, whatever today is
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, customer_360_date='2025-12-31'))
        cls.main_company = cls.env.ref('base.main_company')
        cls.company = cls.env['res.company'].create({
            'name': 'Affinity Co', 'currency_id': cls.main_company.currency_id.id,
            'affinity_exclude_services': False, 'affinity_min_count': 2, 'affinity_min_lift': 1.0,
        })
        cls.env.user.write({'company_ids': [(4, cls.company.id)], 'company_id': cls.company.id})
        cls.pricelist = cls.env['product.pricelist'].create({
            'name': 'Affinity prices', 'currency_id': cls.company.currency_id.id, 'company_id': cls.company.id})
        Product = cls.env['product.product']
        cls.products = [Product.create({'name': 'Affinity P%d' % i, 'type': 'service', 'list_price': 10.0 * i,
                                        'taxes_id': [(5, 0, 0)], 'company_id': False})
                        for i in range(1, 7)]
        cls.p1, cls.p2, cls.p3, cls.p4, cls.p5, cls.p6 = cls.products
        cls.customer_x = cls._customer('Affinity X')
        cls.customer_y = cls._customer('Affinity Y')
        cls.Affinity = cls.env['crm.erp.product.affinity']

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env['res.partner'].create(dict({'name': name, 'customer': True, 'company_id': False}, **vals))

    @classmethod
    def _order(cls, partner, date, lines, company=None, confirm=True):
        """lines: [product] or [(product, qty)]."""
        company = company or cls.company
        lines = [line if isinstance(line, tuple) else (line, 1.0) for line in lines]
        values = {
            'partner_id': partner.id, 'company_id': company.id, 'date_order': date + ' 10:00:00',
            'order_line': [(0, 0, {
                'product_id': product.id, 'product_uom_qty': qty, 'price_unit': product.list_price,
                'product_uom': product.uom_id.id, 'name': product.name, 'tax_id': [(5, 0, 0)],
            }) for product, qty in lines],
        }
        if company == cls.company:
            values['pricelist_id'] = cls.pricelist.id
        order = cls.env['sale.order'].create(values)
        if confirm:
            order.action_confirm()
        return order

    def _pairs(self, company=None, product=None):
        """{(A, B): (pair_count, support, confidence, lift)} visible for the company."""
        domain = [('company_id', '=', (company or self.company).id)]
        if product:
            domain.append(('product_id', '=', product.id))
        return {(row['product_id'][0], row['related_product_id'][0]):
                (row['pair_count'], round(row['support'], 6), round(row['confidence'], 6), round(row['lift'], 6))
                for row in self.Affinity.search_read(domain, ['product_id', 'related_product_id', 'pair_count',
                                                              'support', 'confidence', 'lift'])}

    def _fold(self):
        """The fold cron's work: pending deltas into the counts (pairs reaching the minimum
        are stored by it)."""
        self.assertIsNotNone(self.Affinity._fold_affinity())

    def _assert_incremental_equals_full(self, company=None):
        """Readers' figures (counts + pending deltas) = the folded counts = a full recompute."""
        company = company or self.company
        pending = self.Affinity._affinity_state(company.ids)
        self._fold()
        incremental = self.Affinity._affinity_state(company.ids)
        self.assertEqual(pending[:2], incremental[:2], 'baskets before and after the fold')
        self.assertEqual({key: count for key, count in pending[2].items() if key in incremental[2]},
                         {key: count for key, count in incremental[2].items() if key in pending[2]},
                         'stored pairs before and after the fold')
        self.Affinity._recompute_affinity(company.ids)
        full = self.Affinity._affinity_state(company.ids)
        self.assertEqual(incremental[0], full[0], 'basket totals')
        self.assertEqual(incremental[1], full[1], 'product basket counts')
        self.assertEqual(incremental[2], full[2], 'pair counts')
        return full
