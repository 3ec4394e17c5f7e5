from odoo.exceptions import AccessError, UserError

from .recommendation_common import RecommendationCase, weight


class TestRecommendation(RecommendationCase):

    def test_affinity_score_and_reason(self):
        items = self._items(self.customer_x)
        first = items[0]
        self.assertEqual(first['product_id'], self.p2.id)
        self.assertEqual(first['source'], 'affinity')
        self.assertEqual(first['from_product_id'], self.p1.id)
        self.assertEqual((first['pair_count'], first['confidence'], first['lift']), (3, 0.75, 1.5))
        self.assertAlmostEqual(first['score'], round(weight('2025-12-01', 1.0) * 0.75, 6), places=6)
        self.assertEqual(first['reason'], 'Bought with Affinity P1 in 3 orders (lift 1.5)')
        self.assertEqual((first['free_qty'], first['incoming_qty'], first['out_of_stock']), (0.0, 0.0, False))
        # then best sellers of the last year among every customer (no industry or country in
        # common, and no RFM segment before the company's first quintile cut); P1 was bought
        # 30 days ago: not suggested again
        self.assertFalse(self.customer_x.rfm_segment)
        self.assertEqual([(item['product_id'], item['source'], item['reason']) for item in items[1:]],
                         [(self.p4.id, 'best_seller', 'Best seller'),
                          (self.p3.id, 'best_seller', 'Best seller')])

    def test_weights_add_up(self):
        # Y bought P1, P2, P3 (2025-01-10) and P3, P4 (2025-04-10), all outside the 60-day
        # window: each is a candidate from its pair partner
        items = self._items(self.customer_y)
        by_product = {item['product_id']: item for item in items}
        p4 = by_product[self.p4.id]
        self.assertEqual(p4['source'], 'affinity')
        self.assertAlmostEqual(p4['score'], round(weight('2025-04-10', 2.0) * 2 / 3, 6), places=6)
        self.assertEqual(p4['reason'], 'Bought with Affinity P3 in 2 orders (lift 1.3)')
        self.assertAlmostEqual(by_product[self.p3.id]['score'], round(weight('2025-04-10', 1.0) * 2 / 3, 6), places=6)
        self.assertAlmostEqual(by_product[self.p2.id]['score'], round(weight('2025-01-10', 1.0) * 0.75, 6), places=6)
        self.assertAlmostEqual(by_product[self.p1.id]['score'], round(weight('2025-01-10', 1.0) * 1.0, 6), places=6)
        self.assertEqual([item['product_id'] for item in items], [self.p4.id, self.p1.id, self.p3.id, self.p2.id])

    def test_recent_purchase_excluded_unless_repeat_item(self):
        self._order(self.customer_x, '2025-12-20', [self.p2])
        self.assertNotIn(self.p2.id, [item['product_id'] for item in self._items(self.customer_x)])
        # P2 becomes a repeat-purchase item: 2 of its 4 customers bought it twice
        self._order(self.customer_w, '2025-06-10', [self.p2])
        self._order(self.customer_v, '2025-06-10', [self.p2])
        self.Affinity._recompute_affinity(self.company.ids)
        self.assertIn(self.p2.id, [item['product_id'] for item in self._items(self.customer_x)])
        self.company.recommendation_repeat_share = 0.75
        self.assertNotIn(self.p2.id, [item['product_id'] for item in self._items(self.customer_x)])

    def test_unsellable_products_excluded(self):
        self.p2.sale_ok = False
        self.p4.active = False
        products = [item['product_id'] for item in self._items(self.customer_x)]
        self.assertEqual(products, [self.p3.id])
        self.p3.company_id = self.main_company
        self.assertEqual(self._items(self.customer_x), [])

    def test_cold_start(self):
        industry = self.env['res.partner.industry'].create({'name': 'Dentistry'})
        belgium = self.env.ref('base.be')
        peers = [self._customer('Peer %d' % i, industry_id=industry.id) for i in range(2)]
        self._order(peers[0], '2025-11-01', [self.p5, self.p6])
        self._order(peers[1], '2025-11-02', [self.p5])
        self._order(self._customer('Belgian', country_id=belgium.id), '2025-11-03', [self.p6, self.p3])
        newcomer = self._customer('Newcomer', industry_id=industry.id, country_id=belgium.id)
        self.Affinity._recompute_all(self.company)  # the peer best sellers follow it
        items = self._items(newcomer, limit=4)
        self.assertEqual([(item['product_id'], item['reason']) for item in items], [
            (self.p5.id, 'Best seller among Dentistry customers'),
            (self.p6.id, 'Best seller among Dentistry customers'),
            (self.p3.id, 'Best seller in Belgium'),
            (self.p1.id, 'Best seller'),
        ])
        self.assertTrue(all(item['source'] == 'best_seller' and item['score'] == 0.0 for item in items))

    def test_best_sellers_follow_the_full_recompute(self):
        """Peer best sellers are the figures of the last full recompute (buyers of the year
        before it); a customer's own purchases are not counted."""
        def best_sellers(partner):
            items = self._items(partner)
            self.assertTrue(all(item['source'] == 'best_seller' for item in items))
            return [item['product_id'] for item in items]
        newcomer = self._customer('Newcomer')
        # buyers: P1 4, P2 3, P4 3, P3 2 (ties by product id)
        expected = [self.p1.id, self.p2.id, self.p4.id, self.p3.id]
        self.assertEqual(best_sellers(newcomer), expected)
        for index in range(3):
            self._order(self._customer('P6 buyer %d' % index), '2025-06-01', [self.p6])
        self._order(newcomer, '2025-06-01', [self.p6])
        self.assertEqual(best_sellers(newcomer), expected)  # not recomputed yet
        self.Affinity._recompute_all(self.company)
        self.Affinity._recompute_all(self.company)  # twice: same figures
        # P6: 4 buyers, 3 without the newcomer
        self.assertEqual(best_sellers(newcomer), [self.p1.id, self.p2.id, self.p4.id, self.p6.id, self.p3.id])
        self.assertEqual(best_sellers(self._customer('Other newcomer')),
                         [self.p1.id, self.p6.id, self.p2.id, self.p4.id, self.p3.id])

    def test_settings_recompute_the_best_sellers_they_change(self):
        """The minimum count changes the affinity only; counting services or not changes the
        peer best sellers too (every product here is a service)."""
        newcomer = self._customer('Newcomer')
        gadget = self.env['product.product'].create({'name': 'Gadget', 'type': 'service', 'list_price': 5.0,
                                                     'taxes_id': [(5, 0, 0)], 'company_id': False})
        for index in range(5):
            self._order(self._customer('Gadget buyer %d' % index), '2025-06-01', [gadget])
        company = self.company.with_env(self.env)  # the recompute's reference time: NOW
        company.affinity_min_count = 3
        self.assertEqual([item['product_id'] for item in self._items(newcomer)],
                         [self.p1.id, self.p2.id, self.p4.id, self.p3.id])  # as in the set-up
        company.affinity_exclude_services = True
        self.assertEqual(self._items(newcomer), [])
        company.affinity_exclude_services = False
        self.assertEqual([item['product_id'] for item in self._items(newcomer)],
                         [gadget.id, self.p1.id, self.p2.id, self.p4.id, self.p3.id])

    def test_api_input(self):
        contact = self.Partner.create({'name': 'X contact', 'parent_id': self.customer_x.id})
        result = self.Partner.get_recommendations([contact.id, self.customer_x.id], 1)
        self.assertEqual([entry['partner_id'] for entry in result], [contact.id, self.customer_x.id])
        self.assertEqual(result[0]['items'], result[1]['items'])
        self.assertEqual(len(result[0]['items']), 1)
        for limit in (0, 101, '5', True):
            with self.assertRaises(UserError):
                self.Partner.get_recommendations([self.customer_x.id], limit)
        for ids in ([0], 'x', [self.customer_x.id, 'y'], [10 ** 8]):
            with self.assertRaises(UserError):
                self.Partner.get_recommendations(ids)

    def test_frequently_bought_together(self):
        Product = self.env['product.product']
        result = Product.get_frequently_bought_together([self.p1.id, self.p5.id])
        self.assertEqual(result, [
            {'product_id': self.p1.id, 'items': [
                {'product_id': self.p2.id, 'pair_count': 3, 'support': 0.5, 'confidence': 0.75, 'lift': 1.5}]},
            {'product_id': self.p5.id, 'items': []},
        ])
        with self.assertRaises(UserError):
            Product.get_frequently_bought_together([self.p1.id], 0)
        self.assertEqual(self.p1.product_tmpl_id.affinity_count, 1)
        self.assertEqual(self.p1.product_tmpl_id.affinity_ids.related_product_id, self.p2)

    def test_add_to_quotation(self):
        tax = self.env['account.tax'].create({'name': 'Affinity VAT 10', 'amount': 10.0, 'type_tax_use': 'sale',
                                              'company_id': self.company.id})
        self.p2.taxes_id = tax
        quotation = self._order(self.customer_x, '2025-12-30', [self.p5], confirm=False)
        action = quotation.action_open_recommendations()
        wizard = self.env['crm.erp.recommendation.wizard'].browse(action['res_id'])
        self.assertEqual(wizard.line_ids[0].product_id, self.p2)
        self.assertEqual(wizard.line_ids[0].reason, 'Bought with Affinity P1 in 3 orders (lift 1.5)')
        self.assertNotIn(self.p5, wizard.line_ids.mapped('product_id'))  # already on the quotation
        wizard.line_ids[0].action_add()
        line = quotation.order_line.filtered(lambda order_line: order_line.product_id == self.p2)
        # median of P2's lines: 3 units at the pricelist price, taxes and description from sale
        self.assertEqual((line.product_uom_qty, line.product_uom, line.price_unit, line.tax_id),
                         (3.0, self.p2.uom_id, 20.0, tax))
        self.assertIn(self.p2.display_name, line.name)
        self.assertEqual(quotation.amount_untaxed, 60.0 + 50.0)
        self.assertEqual(quotation.amount_tax, 6.0)
        self.assertTrue(wizard.line_ids[0].added)
        with self.assertRaises(UserError):
            wizard.line_ids[0].action_add()

    def test_add_to_opportunity(self):
        lead = self.env['crm.lead'].create({'name': 'Deal X', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                                            'company_id': self.company.id})
        action = lead.action_open_recommendations()
        wizard = self.env['crm.erp.recommendation.wizard'].browse(action['res_id'])
        wizard.line_ids[0].action_add()
        self.assertEqual([(line.product_id, line.product_qty, line.price_unit) for line in lead.line_ids],
                         [(self.p2, 3.0, 20.0)])

    def test_partner_form_and_rights(self):
        salesman = self.env['res.users'].create({
            'name': 'Reco Salesman', 'login': 'reco_salesman', 'company_id': self.company.id,
            'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman_all_leads').id])]})
        as_salesman = self.customer_x.sudo(salesman)
        self.assertIn('Bought with Affinity P1 in 3 orders', as_salesman.recommendation_html)
        self.assertEqual(as_salesman.get_recommendations([self.customer_x.id], 1)[0]['items'][0]['product_id'],
                         self.p2.id)
        form = self.env['res.partner'].sudo(salesman).fields_view_get(view_type='form')
        self.assertIn('recommendation_html', form['fields'])
        for model in ('sale.order', 'crm.lead', 'product.template'):
            self.assertTrue(self.env[model].sudo(salesman).fields_view_get(view_type='form')['arch'])
        with self.assertRaises(AccessError):
            as_salesman.create_cross_sell_opportunities([self.customer_x.id])


class TestRecommendationStock(RecommendationCase):
    """Stockable products in the main company (it has a warehouse): A bought with B twice and
    with C twice; customer S bought A. B has no stock and nothing incoming, C has 5 free."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.company_id = cls.main_company
        # pairs from two orders are shown (the demo asks for three)
        cls.main_company.write({'affinity_min_lift': 0.0, 'affinity_min_count': 2})
        Product = cls.env['product.product']
        cls.a, cls.b, cls.c = [Product.create({'name': 'Stock %s' % name, 'type': 'product', 'list_price': 5.0,
                                               'company_id': False}) for name in 'ABC']
        cls.warehouse = cls.env['stock.warehouse'].search([('company_id', '=', cls.main_company.id)], limit=1)
        cls.env['stock.quant']._update_available_quantity(cls.c, cls.warehouse.lot_stock_id, 5.0)
        buyer = cls._customer('Stock buyer')
        for other in (cls.b, cls.b, cls.c, cls.c):
            cls._order(buyer, '2025-06-01', [cls.a, other], company=cls.main_company, confirm=False)
        cls.shopper = cls._customer('Stock shopper')
        cls._order(cls.shopper, '2025-06-02', [cls.a], company=cls.main_company, confirm=False)
        cls.env['sale.order'].search([('partner_id', 'in', (buyer | cls.shopper).ids)]).write({'state': 'sale'})
        cls.Affinity._fold_affinity()  # the cron: the new pairs are stored

    def _ranked(self):
        items = self._items(self.shopper, limit=100)
        return [item['product_id'] for item in items if item['product_id'] in (self.b.id, self.c.id)], items

    def test_stock_modes(self):
        self.main_company.recommendation_stock_mode = 'show'
        ranked, items = self._ranked()
        self.assertEqual(ranked, [self.b.id, self.c.id])  # same score, B first by id
        figures = {item['product_id']: (item['free_qty'], item['incoming_qty'], item['out_of_stock']) for item in items}
        self.assertEqual(figures[self.b.id], (0.0, 0.0, True))
        self.assertEqual(figures[self.c.id], (5.0, 0.0, False))
        self.main_company.recommendation_stock_mode = 'demote'
        ranked, items = self._ranked()
        self.assertEqual(ranked, [self.c.id, self.b.id])
        position = [item['product_id'] for item in items].index(self.b.id)
        self.assertTrue(all(item['out_of_stock'] for item in items[position:]))  # after every available item
        self.main_company.recommendation_stock_mode = 'hide'
        self.assertEqual(self._ranked()[0], [self.c.id])
        # incoming supply makes B available again
        move = self.env['stock.move'].create({
            'name': 'incoming B', 'product_id': self.b.id, 'product_uom': self.b.uom_id.id, 'product_uom_qty': 4.0,
            'location_id': self.env.ref('stock.stock_location_suppliers').id,
            'location_dest_id': self.warehouse.lot_stock_id.id, 'company_id': self.main_company.id})
        move._action_confirm()
        ranked, items = self._ranked()
        self.assertEqual(ranked, [self.b.id, self.c.id])
        b_item = [item for item in items if item['product_id'] == self.b.id][0]
        self.assertEqual((b_item['free_qty'], b_item['incoming_qty'], b_item['out_of_stock']), (0.0, 4.0, False))
