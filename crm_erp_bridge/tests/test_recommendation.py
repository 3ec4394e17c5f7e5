import xmlrpc.client

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_resource
from odoo.tools.translate import trans_load

from .recommendation_common import RecommendationCase


class TestRecommendation(RecommendationCase):

    def test_intents_and_reasons(self):
        """X bought P1 once, 30 days ago: P1 is a re-order item without a rhythm (before any
        tuning, the customer's past products come before the discoveries), then products new to
        X, each with the intent and the reason of its strongest signal."""
        items = self._items(self.customer_x)
        self.assertEqual([(item['product_id'], item['intent'], item['source'], item['due'], item['reason'])
                          for item in items], [
            (self.p1.id, 'reorder', 'reorder', False, 'Bought once, ~4 weeks ago'),
            (self.p2.id, 'discover', 'discover', False, 'Bought by 75 % of customers who bought Affinity P1'),
            (self.p4.id, 'discover', 'discover', False, 'Bought by customers with similar purchases'),
            (self.p3.id, 'discover', 'discover', False, 'Bought by 50 % of customers who bought Affinity P1'),
        ])
        first, second = items[:2]
        # a re-order item without a rhythm: its quantity, no due date
        self.assertEqual((first['expected_qty'], first['uom'], first['due_date']), (1.0, 'Unit(s)', False))
        # a discovery: the product its reason names, the share of that product's buyers
        self.assertEqual((second['from_product_id'], second['confidence'], second['expected_qty'], second['due_date']),
                         (self.p1.id, 0.75, False, False))
        self.assertEqual((second['pair_count'], second['lift'], second['free_qty'], second['incoming_qty'],
                          second['out_of_stock']), (0, 0.0, 0.0, 0.0, False))
        # the measured rates of the engines' defaults (no tuning yet): past products, then discoveries
        self.assertEqual([item['probability'] for item in items], [0.3, 0.1, 0.1, 0.1])

    def test_statements_of_one_call(self):
        """The statements of one customer's call, once the process has its company figures and
        translations: the partner's existence and row, the user's, the company's settings, the
        tuning's stamp, the sellable candidates, the peer best sellers (X gets fewer than 10
        items), their stock (two) and their labels; the customer's lines come through a COPY,
        which the cursor does not count (docs/design-performance.md)."""
        self._items(self.customer_x)
        self.env['res.partner'].invalidate_cache()  # a new request: nothing read yet
        before = self.env.cr.sql_log_count
        self._items(self.customer_x)
        self.assertEqual(self.env.cr.sql_log_count - before, 10)

    def test_due_to_reorder_with_a_planted_rhythm(self):
        """R orders 4 units of P5 every 30 days, and 2, then 6 units of P6 151 days apart: P5
        is due on 2025-12-31 (its own cycle); P6 takes the product's typical cycle (R's, the
        only buyer) and is due on 2026-03-30, later."""
        rhythm = self._customer('Rhythm R')
        for date in ('2025-09-02', '2025-10-02', '2025-11-01', '2025-12-01'):
            self._order(rhythm, date, [(self.p5, 4.0)])
        self._order(rhythm, '2025-06-01', [(self.p6, 2.0)])
        self._order(rhythm, '2025-10-30', [(self.p6, 6.0)])
        items = self._items(rhythm)
        # what XML-RPC sends: Python's own types only (the engines compute in numpy); X's list
        # holds Discover items explained by co-purchases
        xmlrpc.client.dumps((self.Partner.get_recommendations([rhythm.id, self.customer_x.id]),),
                            methodresponse=1, allow_none=False)
        due = items[0]
        self.assertEqual((due['product_id'], due['intent'], due['due'], due['due_date'], due['expected_qty'],
                          due['uom']), (self.p5.id, 'reorder', True, '2025-12-31', 4.0, 'Unit(s)'))
        self.assertEqual(due['reason'], 'Orders every ~4 weeks, last ~4 weeks ago')
        self.assertEqual(due['probability'], 0.93)  # the default rate of a due pair with 4 order days or more
        other = items[1]
        self.assertEqual((other['product_id'], other['intent'], other['due'], other['due_date'], other['expected_qty']),
                         (self.p6.id, 'reorder', False, '2026-03-30', 4.0))
        self.assertEqual(other['reason'], 'Customers re-order it every ~5 months; last bought ~9 weeks ago')
        self.assertTrue(all(item['intent'] == 'discover' for item in items[2:]))
        # on the quotation dialog: the intent, the expected quantity with its unit and when
        quotation = self._order(rhythm, '2025-12-30', [self.p6], confirm=False)
        wizard = self.env['crm.erp.recommendation.wizard'].browse(quotation.action_open_recommendations()['res_id'])
        line = wizard.line_ids[0]
        self.assertEqual((line.product_id, line.intent, line.intent_label, line.reason, line.expected),
                         (self.p5, 'reorder', 'Due to re-order', 'Orders every ~4 weeks, last ~4 weeks ago',
                          '4 Unit(s) expected, due today'))
        self.assertEqual((line.expected_qty, line.due_date), (4.0, '2025-12-31'))
        self.assertNotIn(self.p6, wizard.line_ids.mapped('product_id'))  # on the quotation

    def test_company_figures_are_cached(self):
        """The company-wide figures (co-purchases, similar customers, popularity) are cached per
        process; the customer's own lines are read on every call. Z buys P5 with P1: X's list
        learns it when the figures are rebuilt (stale: after CACHE_SECONDS or a full recompute)."""
        def discover(partner):
            return [item['product_id'] for item in self._items(partner) if item['intent'] == 'discover']
        self.assertNotIn(self.p5.id, discover(self.customer_x))
        self._order(self._customer('Affinity Z'), '2025-12-10', [self.p1, self.p5])
        self.assertNotIn(self.p5.id, discover(self.customer_x))
        self._order(self.customer_x, '2025-12-11', [self.p3])  # the customer's own lines: fresh
        self.assertIn(self.p3.id, [item['product_id'] for item in self._items(self.customer_x)
                                   if item['intent'] == 'reorder'])
        self.env['crm.erp.recommendation']._expire_engine_cache(self.company)
        self.assertIn(self.p5.id, discover(self.customer_x))

    def test_recent_purchase_is_reorder_never_discover(self):
        """Issue 17: a product the customer bought is a re-order item, ranked by the measured
        rate of its kind (the former exclusion window and repeat-item rule are gone from this
        list); it is never offered as a discovery."""
        self._order(self.customer_x, '2025-12-20', [self.p2])
        items = {item['product_id']: item for item in self._items(self.customer_x)}
        self.assertEqual((items[self.p2.id]['intent'], items[self.p2.id]['reason']),
                         ('reorder', 'Bought once, 11 days ago'))
        self.assertEqual({product_id for product_id, item in items.items() if item['intent'] == 'reorder'},
                         {self.p1.id, self.p2.id})

    def test_unsellable_products_excluded(self):
        self.p2.sale_ok = False
        self.p4.active = False
        products = [item['product_id'] for item in self._items(self.customer_x)]
        self.assertEqual(products, [self.p1.id, self.p3.id])
        self.p3.company_id = self.main_company
        self.p1.company_id = self.main_company
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
        cold = self._customer('Cold newcomer')
        self.assertEqual(best_sellers(cold), expected)  # not recomputed yet
        self.Affinity._recompute_all(self.company)
        self.Affinity._recompute_all(self.company)  # twice: same figures
        # P6: 4 buyers
        self.assertEqual(best_sellers(cold), [self.p1.id, self.p6.id, self.p2.id, self.p4.id, self.p3.id])
        # a customer with orders is no cold start any more: the engines (issue 17), P6 to re-order first
        self.assertEqual([(item['product_id'], item['intent']) for item in self._items(newcomer)][:2],
                         [(self.p6.id, 'reorder'), (self.p1.id, 'discover')])

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

    def test_reasons_in_chinese(self):
        """Every word of the intents goes through the translations (zh_CN.po)."""
        self.env['res.lang'].load_lang('zh_CN')
        po = get_module_resource('crm_erp_bridge', 'i18n', 'zh_CN.po')
        trans_load(self.env.cr, po, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        items = self.Partner.with_context(lang='zh_CN').get_recommendations([self.customer_x.id])[0]['items']
        self.assertEqual([(item['reason'], item['intent']) for item in items[:2]], [
            ('购买过一次，约 4 周前', 'reorder'),
            ('购买了 Affinity P1 的客户中有 75 % 也购买了它', 'discover')])
        quotation = self._order(self.customer_x, '2025-12-30', [self.p5], confirm=False)
        wizard = self.env['crm.erp.recommendation.wizard'].browse(
            quotation.with_context(lang='zh_CN').action_open_recommendations()['res_id'])
        self.assertEqual(wizard.line_ids.mapped('intent_label')[:2], ['再次购买', '发现新品'])

    def test_product_labels_as_name_get(self):
        """The types, names and units _finish reads in one query are the products' type, their
        name_get and their unit's name: in another language, for a variant, under a vendor's
        context."""
        self.env['res.lang'].load_lang('zh_CN')
        coded = self.env['product.product'].create({'name': 'Label coded', 'default_code': 'LBL-1', 'type': 'product'})
        coded.with_context(lang='zh_CN').write({'name': '编码产品'})
        coded.uom_id.with_context(lang='zh_CN').write({'name': '件'})
        attribute = self.env['product.attribute'].create({'name': 'Label size'})
        values = self.env['product.attribute.value']
        for size in ('S', 'M'):
            values |= values.create({'name': size, 'attribute_id': attribute.id})
        template = self.env['product.template'].create({'name': 'Label shirt', 'attribute_line_ids': [
            (0, 0, {'attribute_id': attribute.id, 'value_ids': [(6, 0, values.ids)]})]})
        vendor = self._customer('Label vendor')
        self.env['product.supplierinfo'].create({'name': vendor.id, 'product_tmpl_id': coded.product_tmpl_id.id,
                                                 'product_name': 'Vendor label'})
        small = template.product_variant_ids.filtered(lambda variant: variant.attribute_value_ids == values[0])
        shown = coded | small | self.p1
        labels = {}
        for key, context in (('default', {}), ('zh_CN', {'lang': 'zh_CN'}), ('vendor', {'partner_id': vendor.id}),
                             ('no code', {'display_default_code': False})):
            types, labels[key], units = self.env['crm.erp.recommendation'].with_context(**context)._product_labels(
                shown.ids)
            products = shown.with_context(**context)
            products.invalidate_cache()  # one language per call: Odoo 11 caches the inherited name once
            self.assertEqual(labels[key], dict(products.name_get()), key)
            self.assertEqual(units, {product.id: product.uom_id.name for product in products}, key)
            self.assertEqual(types, {product.id: product.type for product in products})
        self.assertEqual([labels[key][coded.id] for key in ('default', 'zh_CN', 'vendor', 'no code')],
                         ['[LBL-1] Label coded', '[LBL-1] 编码产品', '[LBL-1] Vendor label', 'Label coded'])
        self.assertEqual(labels['default'][small.id], 'Label shirt (S)')
        self.assertEqual(units[coded.id], coded.uom_id.name)

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
        # P1, bought before, first; then P2, new to X
        self.assertEqual([(line.product_id, line.intent, line.intent_label) for line in wizard.line_ids[:2]],
                         [(self.p1, 'reorder', 'Buy again'), (self.p2, 'discover', 'Discover')])
        suggestion = wizard.line_ids[1]
        self.assertEqual(suggestion.reason, 'Bought by 75 % of customers who bought Affinity P1')
        self.assertNotIn(self.p5, wizard.line_ids.mapped('product_id'))  # already on the quotation
        # the dialog says what Add will put on the quotation: quantity in the unit, unit price
        self.assertEqual((suggestion.add_text, suggestion.price_unit, suggestion.currency_id),
                         ('3 %s' % self.p2.uom_id.name, 20.0, quotation.pricelist_id.currency_id))
        suggestion.action_add()
        self.assertEqual(suggestion.added_text, '3 %s added' % self.p2.uom_id.name)
        line = quotation.order_line.filtered(lambda order_line: order_line.product_id == self.p2)
        # median of P2's lines: 3 units at the pricelist price, taxes and description from sale
        self.assertEqual((line.product_uom_qty, line.product_uom, line.price_unit, line.tax_id),
                         (3.0, self.p2.uom_id, 20.0, tax))
        self.assertIn(self.p2.display_name, line.name)
        self.assertEqual(quotation.amount_untaxed, 60.0 + 50.0)
        self.assertEqual(quotation.amount_tax, 6.0)
        self.assertTrue(suggestion.added)
        with self.assertRaises(UserError):
            suggestion.action_add()

    def test_add_to_opportunity(self):
        lead = self.env['crm.lead'].create({'name': 'Deal X', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                                            'company_id': self.company.id})
        action = lead.action_open_recommendations()
        wizard = self.env['crm.erp.recommendation.wizard'].browse(action['res_id'])
        wizard.line_ids.filtered(lambda line: line.product_id == self.p2).action_add()
        self.assertEqual([(line.product_id, line.product_qty, line.price_unit) for line in lead.line_ids],
                         [(self.p2, 3.0, 20.0)])
        # a re-order item: the quantity the customer orders at a time
        wizard.line_ids.filtered(lambda line: line.product_id == self.p1).action_add()
        self.assertEqual([(line.product_id, line.product_qty) for line in lead.line_ids],
                         [(self.p2, 3.0), (self.p1, 1.0)])

    def test_add_from_the_customer(self):
        """From the customer's suggestions, Add puts the product on the salesperson's draft
        quotation for the customer: made by the first Add, used by the next, opened by Open Quotation."""
        salesman = self.env['res.users'].create({
            'name': 'Reco Quoter', 'login': 'reco_quoter', 'company_id': self.company.id,
            'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        customer = self.customer_x.sudo(salesman)
        wizard = self.env['crm.erp.recommendation.wizard'].sudo(salesman).browse(
            customer.action_open_recommendations()['res_id'])
        self.assertEqual((wizard.from_customer, wizard.order_id), (True, self.env['sale.order']))
        self.assertTrue(all(wizard.line_ids.mapped('can_add')))
        with self.assertRaises(UserError):  # nothing added yet: no quotation to open
            wizard.action_open_quotation()
        wizard.line_ids.filtered(lambda line: line.product_id == self.p2).action_add()
        quotation = wizard.order_id
        self.assertEqual((quotation.partner_id, quotation.user_id, quotation.company_id, quotation.state),
                         (self.customer_x, salesman, self.company, 'draft'))
        wizard.line_ids.filtered(lambda line: line.product_id == self.p1).action_add()
        self.assertEqual([(line.product_id, line.product_uom_qty) for line in quotation.order_line],
                         [(self.p2, 3.0), (self.p1, 1.0)])
        self.assertEqual(self.env['sale.order'].search_count([('partner_id', '=', self.customer_x.id),
                                                              ('user_id', '=', salesman.id)]), 1)
        self.assertEqual(wizard.action_open_quotation()['res_id'], quotation.id)
        # the next visit adds to the same draft quotation
        again = self.env['crm.erp.recommendation.wizard'].sudo(salesman).browse(
            customer.action_open_recommendations()['res_id'])
        again.line_ids[0].action_add()
        self.assertEqual((again.order_id, len(quotation.order_line)), (quotation, 3))

    def test_partner_form_and_rights(self):
        salesman = self.env['res.users'].create({
            'name': 'Reco Salesman', 'login': 'reco_salesman', 'company_id': self.company.id,
            'company_ids': [(6, 0, self.company.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman_all_leads').id])]})
        as_salesman = self.customer_x.sudo(salesman)
        html = as_salesman.recommendation_html
        self.assertIn('Bought by 75 % of customers who bought Affinity P1', html)
        self.assertIn('<th>Intent</th>', html)
        self.assertIn('<td>Discover</td>', html)
        self.assertIn('<td>Buy again</td>', html)
        self.assertEqual(as_salesman.get_recommendations([self.customer_x.id], 1)[0]['items'][0]['product_id'],
                         self.p1.id)
        form = self.env['res.partner'].sudo(salesman).fields_view_get(view_type='form')
        self.assertIn('recommendation_html', form['fields'])
        for model in ('sale.order', 'crm.lead', 'product.template'):
            self.assertTrue(self.env[model].sudo(salesman).fields_view_get(view_type='form')['arch'])
        with self.assertRaises(AccessError):
            as_salesman.create_cross_sell_opportunities([self.customer_x.id])
        # Frequently Bought Together: the share in plain words for everyone; support,
        # confidence and lift are a manager's (invisible to the salesman)

        def hidden_columns(user):
            tab = self.env['product.template'].sudo(user).fields_view_get(view_type='form')['fields']['affinity_ids']
            tree = etree.fromstring(tab['views']['tree']['arch'])
            return {node.get('name') for node in tree.iter('field') if node.get('invisible') == '1'}
        self.assertEqual(hidden_columns(salesman) & {'also_bought_percent', 'pair_count', 'support', 'confidence',
                                                     'lift'}, {'support', 'confidence', 'lift'})
        salesman.groups_id |= self.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager')
        self.assertFalse(hidden_columns(salesman) & {'support', 'confidence', 'lift'})
        pair = self.p1.product_tmpl_id.sudo(salesman).affinity_ids.filtered(
            lambda pair: pair.related_product_id == self.p2)
        self.assertEqual(pair.also_bought_percent, int(round(pair.confidence * 100)))


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
