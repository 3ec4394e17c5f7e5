from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests.common import SavepointCase

from ..rules import CUSTOMER_STAGES


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

    def test_every_customer_360_stage_is_told(self):
        """The demo customers' Customer 360 shows each lifecycle stage, prospect to lost."""
        rows = self.env['crm.erp.partner.stats'].search(
            [('company_id', '=', self.env.ref('base.main_company').id),
             ('partner_id', 'in', self.demo['res.partner'].ids)])
        self.assertEqual(set(rows.mapped('customer_stage')), {stage for stage, _label in CUSTOMER_STAGES})

    def test_opportunities_carry_product_lines(self):
        """Every demo opportunity carries product lines, its expected revenue their total."""
        opportunities = self.env['crm.lead'].with_context(active_test=False).search(
            [('id', 'in', self.demo['crm.lead'].ids), ('type', '=', 'opportunity')])
        self.assertTrue(opportunities and all(opportunities.mapped('line_ids')))
        for lead in opportunities:
            self.assertTrue(lead.line_ids, lead.name)
            self.assertAlmostEqual(lead.planned_revenue, sum(lead.line_ids.mapped('price_subtotal')), 2, lead.name)
        own = self.demo['product.product']
        self.assertFalse(opportunities.mapped('line_ids.product_id') - own)

    def test_a_shortfall_that_an_rfq_closes(self):
        """Vertex wants 5 paper shredders in 45 days at 80 % (4 expected), 1 is free: 3 short.
        The RFQ for the shortfall orders them (a second run orders nothing) and, once
        confirmed, brings them in before the opportunity's date; nothing is short any more."""
        lead = self.env.ref('crm_erp_bridge.opp_vertex_records')
        shredder = self.env.ref('crm_erp_bridge.product_shredder')
        line = lead.line_ids.filtered(lambda line: line.product_id == shredder)
        self.assertEqual((line.product_qty, line.free_qty, line.forecast_qty, lead.probability), (5.0, 1.0, 1.0, 80.0))
        Product = self.env['product.product']
        result = Product.create_shortfall_rfqs_report(shredder.ids)
        orders = self.env['purchase.order'].browse(result['purchase_order_ids'])
        # on the vendor's draft RFQ, which the demo holds already (topped up)
        rfq_lines = orders.mapped('order_line').filtered(lambda rfq_line: rfq_line.product_id == shredder)
        self.assertEqual(rfq_lines.mapped('product_qty'), [3.0])
        self.assertFalse(Product.create_shortfall_rfqs_report(shredder.ids)['purchase_order_ids'])
        orders.button_confirm()
        line.invalidate_cache()
        # the expected demand (80 % of 5) is covered by the line's date
        self.assertEqual(line.forecast_qty, 4.0)
        self.assertFalse(Product.create_shortfall_rfqs_report(shredder.ids)['purchase_order_ids'])

    def test_top_affinity_pairs_are_the_demo_catalogue(self):
        """The strongest pairs (as the affinity list sorts them) are between the demo's own
        products, not Odoo's demo products bought together in two orders by chance."""
        company = self.env.ref('base.main_company')
        top = self.env['crm.erp.product.affinity'].search([('company_id', '=', company.id)], limit=10)
        self.assertEqual(len(top), 10)
        own = self.demo['product.product']
        self.assertFalse((top.mapped('product_id') | top.mapped('related_product_id')) - own)
        self.assertGreaterEqual(min(top.mapped('pair_count')), 3)

    def test_solved_requests_are_rated(self):
        """Satisfaction shows itself: rated solved requests, the rating on their chatter, and the
        report's rows."""
        rated = self.demo['crm.erp.service.request'].filtered(lambda request: request.rating_count)
        self.assertGreaterEqual(len(rated), 3)
        self.assertTrue(all(request.is_solved for request in rated))
        self.assertEqual(sorted(rated.mapped('rating_last_value')), [5.0, 10.0, 10.0])
        self.assertTrue(all(request.message_ids.filtered(lambda message: '/rating/static/src/img/rating_' in
                                                         (message.body or '')) for request in rated))
        report = self.env['crm.erp.service.rating.report'].search([('request_id', 'in', rated.ids)])
        self.assertEqual(len(report), 3)

    def test_a_delivery_is_rated(self):
        """A rated delivery: UrbanBrew's last one, satisfied, on its chatter and in the report
        with its products."""
        ratings = self.env['rating.rating'].search([('res_model', '=', 'stock.picking'), ('consumed', '=', True)])
        delivery = self.env['stock.picking'].browse(ratings.mapped('res_id'))
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.partner_id.commercial_partner_id, self.env.ref('crm_erp_bridge.customer_urbanbrew'))
        self.assertTrue(delivery.rating_request_date)
        self.assertEqual(delivery.rating_ids.rating, 10.0)
        rows = self.env['crm.erp.service.rating.report'].search([('picking_id', '=', delivery.id)])
        self.assertEqual((set(rows.mapped('channel')), set(rows.mapped('rating_text'))), ({'delivery'}, {'satisfied'}))
        self.assertEqual(rows.mapped('product_id'), delivery.move_lines.mapped('product_id'))
