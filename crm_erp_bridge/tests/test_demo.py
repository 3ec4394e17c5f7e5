from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests.common import SavepointCase


class TestDemoData(SavepointCase):
    """The demo database `make run` creates has what every feature needs to show itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        module = cls.env['ir.module.module'].search([('name', '=', 'crm_erp_bridge')])
        if not module.demo:
            cls.skipTest(cls, 'database without demo data')
        data = cls.env['ir.model.data'].search([('module', '=', 'crm_erp_bridge')])
        cls.demo = {model: cls.env[model].browse(data.filtered(lambda d: d.model == model).mapped('res_id'))
                    for model in set(data.mapped('model'))}

    def test_customers_are_companies_with_contacts(self):
        customers = self.demo['res.partner'].filtered(lambda p: p.customer and p.is_company)
        self.assertGreaterEqual(len(customers), 30)
        self.assertTrue(all(customer.child_ids for customer in customers))

    def test_products_have_categories_and_vendors(self):
        products = self.demo['product.product']
        self.assertGreaterEqual(len(products), 40)
        self.assertGreaterEqual(len(products.mapped('categ_id')), 5)
        with_vendor = products.filtered('seller_ids')
        self.assertGreaterEqual(len(with_vendor), 40)
        self.assertTrue(all(info.price > 0 and info.min_qty > 0 and info.delay > 0
                            for info in with_vendor.mapped('seller_ids')))
        self.assertTrue(products - with_vendor, 'some products have no vendor, to be reported')

    def test_orders_span_eighteen_months(self):
        customers = self.demo['res.partner']
        orders = self.env['sale.order'].search([('partner_id', 'in', customers.ids), ('state', '=', 'sale')])
        self.assertGreaterEqual(len(orders), 150)
        dates = sorted(fields.Datetime.from_string(d) for d in orders.mapped('confirmation_date'))
        self.assertLessEqual(dates[0], dates[-1] - relativedelta(months=17))

    def test_planted_bundle_is_bought_together(self):
        chair = self.env.ref('crm_erp_bridge.product_office_chair')
        desk = self.env.ref('crm_erp_bridge.product_standing_desk')
        lines = self.env['sale.order.line'].search([('state', '=', 'sale'), ('product_id', 'in', (chair | desk).ids)])
        chair_orders = lines.filtered(lambda line: line.product_id == chair).mapped('order_id')
        desk_orders = lines.filtered(lambda line: line.product_id == desk).mapped('order_id')
        self.assertGreaterEqual(len(chair_orders & desk_orders), 0.5 * len(desk_orders))

    def test_opportunities_in_every_stage(self):
        leads = self.env['crm.lead'].with_context(active_test=False).search(
            [('id', 'in', self.demo['crm.lead'].ids)])
        stages = leads.filtered(lambda lead: lead.type == 'opportunity' and lead.active).mapped('stage_id')
        self.assertEqual(stages, self.env.ref('crm.stage_lead1') | self.env.ref('crm.stage_lead2')
                         | self.env.ref('crm.stage_lead3') | self.env.ref('crm.stage_lead4'))
        self.assertTrue(leads.filtered(lambda lead: not lead.active and lead.lost_reason))
        self.assertTrue(leads.filtered(lambda lead: lead.type == 'lead'))

    def test_open_quotations_and_stock_shortages(self):
        quotations = self.env['sale.order'].search([('state', 'in', ('draft', 'sent')),
                                                    ('partner_id', 'in', self.demo['res.partner'].ids)])
        self.assertGreaterEqual(len(quotations), 8)
        desk = self.env.ref('crm_erp_bridge.product_standing_desk')
        company = self.env.ref('base.main_company')
        free, _incoming = self.env['product.product']._get_free_and_incoming_qty([desk.id], company.id)[desk.id]
        self.assertEqual(free, 3.0)

    def test_stage_history_is_a_timeline(self):
        # orders were confirmed as of their own dates: stages change over the 18 months,
        # each after a real time in the previous stage
        history = self.env['crm.erp.partner.stage.history'].search(
            [('partner_id', 'in', self.demo['res.partner'].ids)])
        dates = sorted(fields.Date.from_string(date) for date in history.mapped('date'))
        self.assertLessEqual(dates[0], dates[-1] - relativedelta(months=12))
        waits = [row.days_in_from_stage for row in history if row.days_in_from_stage]
        self.assertTrue(waits and min(waits) > 0)
        to_repeat = history.filtered(lambda row: row.from_stage == 'new' and row.to_stage == 'repeat')
        self.assertTrue(to_repeat and all(row.days_in_from_stage > 0 for row in to_repeat))
