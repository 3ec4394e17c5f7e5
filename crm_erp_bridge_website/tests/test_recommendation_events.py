from odoo.exceptions import AccessError
from odoo.tests.common import SavepointCase

from .. import queries


class TestRecommendationEvents(SavepointCase):
    """Views, clicks and purchases of the webshop's recommendation blocks: append-only rows, a
    click counted once per visit and day, a purchase when a confirmed webshop order holds a
    product clicked in a block in the same visit or by the same customer within 7 days (once
    per order, product and block, other companies' clicks not), the report's counts and rates
    of summed counts, and each company's managers see their own companies' rows only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.user.company_id
        cls.company_b = cls.env['res.company'].create({'name': 'Glue events B'})
        cls.website = cls.env['website'].create({'name': 'Glue events shop'})  # its events are this test's
        Product = cls.env['product.product']
        cls.lamp, cls.shade, cls.vase = [
            Product.create({'name': 'Events %s' % name, 'type': 'consu', 'list_price': 10.0, 'company_id': False})
            for name in ('lamp', 'shade', 'vase')]
        cls.customer = cls.env['res.partner'].create({'name': 'Events customer', 'customer': True})
        cls.contact = cls.env['res.partner'].create({'name': 'Events contact', 'parent_id': cls.customer.id})
        manager_group = cls.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager')

        def user(login, company, groups):
            return cls.env['res.users'].with_context(no_reset_password=True).create({
                'name': login, 'login': login, 'company_id': company.id, 'company_ids': [(6, 0, company.ids)],
                'groups_id': [(6, 0, groups.ids)]})
        cls.manager_a = user('glue_events_manager_a', cls.company, manager_group)
        cls.manager_b = user('glue_events_manager_b', cls.company_b, manager_group)
        cls.salesman = user('glue_events_salesman', cls.company,
                            cls.env.ref('crm_erp_bridge.group_crm_erp_bridge_user'))

    def _event(self, kind, block, template=None, company=None, partner=None, session='visit-1'):
        return queries.record_event(
            self.env.cr, kind, block, self.website.id, (company or self.company).id,
            template_id=template.product_tmpl_id.id if template else None,
            partner_id=partner.id if partner else None, session_key=session, uid=self.env.uid)

    def _order(self, partner, products, session='visit-1', channel='webshop'):
        return self.env['sale.order'].create({
            'partner_id': partner.id, 'crm_erp_channel': channel, 'crm_erp_session_key': session,
            'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 1.0}) for product in products]})

    def _purchases(self, order):
        return sorted((event.block, event.product_tmpl_id.id) for event in self.env['crm.erp.web.recommendation.event']
                      .search([('kind', '=', 'purchase'), ('order_id', '=', order.id)]))

    def test_click_once_per_visit_and_day(self):
        self.assertTrue(self._event('click', 'also_bought', self.shade))
        self.assertFalse(self._event('click', 'also_bought', self.shade))  # the same visit, the same day
        self.assertTrue(self._event('click', 'complete_order', self.shade))  # another block
        self.assertTrue(self._event('click', 'also_bought', self.shade, session='visit-2'))
        self.assertTrue(self._event('view', 'also_bought'))
        self.assertTrue(self._event('view', 'also_bought'))  # every view counts
        events = self.env['crm.erp.web.recommendation.event'].search([('product_tmpl_id', 'in', [
            self.shade.product_tmpl_id.id, False]), ('website_id', '=', self.website.id),
            ('session_key', 'in', ['visit-1', 'visit-2'])])
        self.assertEqual(sorted((e.kind, e.block, e.session_key) for e in events), [
            ('click', 'also_bought', 'visit-1'), ('click', 'also_bought', 'visit-2'),
            ('click', 'complete_order', 'visit-1'), ('view', 'also_bought', 'visit-1'),
            ('view', 'also_bought', 'visit-1')])
        self.assertEqual(set(events.mapped('company_id')), {self.company})

    def test_purchase_of_clicked_products(self):
        self._event('click', 'also_bought', self.shade)                       # this visit
        self._event('click', 'for_you', self.lamp, partner=self.customer, session='earlier-visit')  # the customer
        self._event('click', 'complete_order', self.vase)                     # this visit, 10 days ago: too old
        self.env.cr.execute("""
            UPDATE crm_erp_web_recommendation_event SET create_date = create_date - interval '10 days'
             WHERE block = 'complete_order' AND product_tmpl_id = %s""", [self.vase.product_tmpl_id.id])
        self._event('click', 'complete_order', self.lamp, company=self.company_b)  # another company's webshop
        self._event('click', 'also_bought', self.vase, session='another-visit')   # someone else
        order = self._order(self.contact, [self.shade, self.lamp, self.vase])
        order.action_confirm()
        self.assertEqual(self._purchases(order), sorted([('also_bought', self.shade.product_tmpl_id.id),
                                                         ('for_you', self.lamp.product_tmpl_id.id)]))
        purchase = self.env['crm.erp.web.recommendation.event'].search([('order_id', '=', order.id)], limit=1)
        self.assertEqual((purchase.company_id, purchase.partner_id, purchase.website_id),
                         (self.company, self.customer, self.website))
        # confirmed again after a cancel: counted once
        order.action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(len(self._purchases(order)), 2)
        # a back-office order of the same products and visit: no purchase of a block
        back_office = self._order(self.customer, [self.shade], channel='back_office')
        back_office.action_confirm()
        self.assertEqual(self._purchases(back_office), [])

    def test_report_counts_and_rates(self):
        for _index in range(4):
            self._event('view', 'also_bought')
        self._event('click', 'also_bought', self.shade)
        self._event('click', 'also_bought', self.lamp)
        self._event('view', 'for_you', partner=self.customer)
        self._order(self.customer, [self.shade]).action_confirm()
        Report = self.env['crm.erp.web.recommendation.report']
        groups = Report.read_group([('website_id', '=', self.website.id), ('company_id', '=', self.company.id)],
                                   ['block', 'click_rate', 'conversion_rate'], ['block'])
        got = {group['block']: (group['view_count'], group['click_count'], group['purchase_count'],
                                group['click_rate'], group['conversion_rate']) for group in groups}
        # 2 clicks of 4 views, 1 purchase of 2 clicks; no click of for_you: no conversion rate
        self.assertEqual(got, {'also_bought': (4, 2, 1, 50.0, 50.0), 'for_you': (1, 0, 0, 0.0, False)})
        # the month's rows: the rates of each row
        rows = Report.search_read([('website_id', '=', self.website.id)], ['block', 'click_rate', 'conversion_rate'])
        self.assertEqual(sorted((row['block'], row['click_rate'], row['conversion_rate']) for row in rows),
                         [('also_bought', 50.0, 50.0), ('for_you', 0.0, 0.0)])

    def test_company_rules_and_rights(self):
        self._event('view', 'also_bought')
        self._event('view', 'also_bought', company=self.company_b)
        Event = self.env['crm.erp.web.recommendation.event']
        Report = self.env['crm.erp.web.recommendation.report']
        self.assertEqual(set(Event.sudo(self.manager_b).search([]).mapped('company_id')), {self.company_b})
        self.assertEqual(set(Report.sudo(self.manager_b).search([]).mapped('company_id')), {self.company_b})
        self.assertIn(self.company, Event.sudo(self.manager_a).search([]).mapped('company_id'))
        self.assertNotIn(self.company_b, Event.sudo(self.manager_a).search([]).mapped('company_id'))
        groups = Report.sudo(self.manager_b).read_group([], ['company_id', 'view_count'], ['company_id'])
        self.assertEqual([(group['company_id'][0], group['view_count']) for group in groups], [(self.company_b.id, 1)])
        # rows are written by the webshop's statements only; salesmen do not read them
        with self.assertRaises(AccessError):
            Event.sudo(self.manager_a).create({'kind': 'view', 'block': 'also_bought', 'company_id': self.company.id,
                                               'day': '2026-01-01'})
        with self.assertRaises(AccessError):
            Event.sudo(self.salesman).search([])
        with self.assertRaises(AccessError):
            Report.sudo(self.salesman).read_group([], ['view_count'], ['block'])
