import json
from datetime import datetime, timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError

from .supply_common import SupplyCase


class TestShortfallRfq(SupplyCase):
    """Create RFQs for shortfall on the constructed pipeline, plus:

    Q (vendor V2, units, 7 each, 10 days): quotation of 20 in WH1, a confirmed PO of 15 arriving
    on 2099-01-01; T (vendor V2): quotation of 10, a draft RFQ of V2 already holds 4;
    R: quotation of 4, no vendor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        v2_seller = {'name': cls.vendor2.id, 'price': 7.0, 'min_qty': 0.0, 'delay': 10}
        cls.product_q = cls._product('Bridge Q', sellers=[v2_seller])
        cls.product_t = cls._product('Bridge T', sellers=[v2_seller])
        cls.product_r = cls._product('Bridge R')
        cls.q3 = cls._quotation(cls.wh1, [(cls.product_q, 20.0, cls.unit, 0), (cls.product_t, 10.0, cls.unit, 0),
                                          (cls.product_r, 4.0, cls.unit, 0)])
        confirmed_po = cls._purchase(cls.vendor2, cls.product_q, 15.0, '2099-01-01 00:00:00')
        confirmed_po.button_confirm()
        cls.draft_rfq = cls._purchase(cls.vendor2, cls.product_t, 4.0, '2099-01-01 00:00:00')
        cls.products = cls.product | cls.product_q | cls.product_t | cls.product_r

    @classmethod
    def _purchase(cls, vendor, product, qty, date_planned):
        return cls.env['purchase.order'].create({
            'partner_id': vendor.id, 'picking_type_id': cls.wh1.in_type_id.id,
            'order_line': [(0, 0, {
                'product_id': product.id, 'name': product.name, 'product_qty': qty,
                'product_uom': product.uom_po_id.id, 'price_unit': 1.0, 'date_planned': date_planned,
            })],
        })

    def _lines(self, orders):
        return {(line.order_id.partner_id, line.order_id.picking_type_id.warehouse_id, line.product_id):
                line.product_qty for line in orders.mapped('order_line')}

    def test_rfqs_grouped_by_vendor_and_warehouse(self):
        result = self.env['product.product'].create_shortfall_rfqs_report(self.products.ids)
        orders = self.env['purchase.order'].browse(result['purchase_order_ids'])
        self.assertEqual(result['products_without_vendor'], [self.product_r.id])
        self.assertEqual(len(orders), 3)
        self.assertIn(self.draft_rfq, orders)
        self.assertEqual(set(orders.mapped('state')), {'draft'})
        self.assertEqual(self._lines(orders), {
            # 17 units short = 1.417 dozen, raised to the 3 dozen minimum.
            (self.vendor1, self.wh1, self.product): 3.0,
            # 2 units short in WH2, own RFQ for WH2's receipts.
            (self.vendor1, self.wh2, self.product): 3.0,
            # 20 wanted - 15 on the confirmed order.
            (self.vendor2, self.wh1, self.product_q): 5.0,
            # 10 wanted: the existing draft line of 4 grows to 10.
            (self.vendor2, self.wh1, self.product_t): 10.0,
        })
        wh1_line = orders.mapped('order_line').filtered(
            lambda line: line.product_id == self.product and line.order_id.picking_type_id == self.wh1.in_type_id)
        self.assertEqual((wh1_line.product_uom, wh1_line.price_unit), (self.dozen, 100.0))
        # planned in the week of the need (2099-01-05), ordered the vendor's 5 days before
        self.assertEqual(wh1_line.date_planned[:10], '2099-01-05')
        self.assertEqual(wh1_line.order_id.date_order[:10], '2098-12-31')
        # the draft that existed keeps its order date; its line needed on 2099-01-05 is not moved later
        q_line = orders.mapped('order_line').filtered(lambda line: line.product_id == self.product_q)
        self.assertEqual(q_line.date_planned[:10], '2099-01-05')
        t_line = orders.mapped('order_line').filtered(lambda line: line.product_id == self.product_t)
        self.assertEqual(t_line.date_planned[:10], '2099-01-01')
        self.assertEqual(self.draft_rfq.date_planned[:10], '2099-01-01')
        self.assertEqual(wh1_line.source_sale_order_ids, self.q1 | self.q2)
        self.assertEqual(wh1_line.source_lead_ids, self.o1)
        self.assertEqual(wh1_line.order_id.origin.split(', '),
                         sorted([self.q1.name, self.q2.name]) + [self.o1.name])
        self.assertIn(wh1_line.order_id.name, self.q1.message_ids[0].body)
        self.assertIn(wh1_line.order_id.name, self.o1.message_ids[0].body)
        self.assertIn(self.q1.name, wh1_line.order_id.message_ids[0].body)

    def test_line_descriptions_as_purchase_writes_them(self):
        """The vendor's own code and name for the product, then its purchase description;
        the product's own name where the vendor has none."""
        self.product.write({'default_code': 'BP', 'description_purchase': 'Buy in boxes'})
        self.product.seller_ids.write({'product_code': 'V1-P', 'product_name': 'Vendor P'})
        orders = self.env['purchase.order'].browse(
            self.env['product.product'].create_shortfall_rfqs(self.products.ids))
        names = {(line.order_id.picking_type_id.warehouse_id, line.product_id): line.name
                 for line in orders.mapped('order_line')}
        self.assertEqual(names[self.wh1, self.product], '[V1-P] Vendor P\nBuy in boxes')
        self.assertEqual(names[self.wh2, self.product], '[V1-P] Vendor P\nBuy in boxes')
        self.assertEqual(names[self.wh1, self.product_q], 'Bridge Q')

    def test_lines_follow_the_rfq_currency_and_fiscal_position(self):
        """On a draft RFQ that exists, the vendor's price is converted to the RFQ's currency and
        the product's vendor taxes are mapped by the RFQ's fiscal position, as purchase does."""
        company = self.env.user.company_id
        Tax = self.env['account.tax']
        tax, mapped_tax = (Tax.create({'name': name, 'amount': amount, 'type_tax_use': 'purchase',
                                       'company_id': company.id})
                           for name, amount in (('Bridge 10', 10.0), ('Bridge 5', 5.0)))
        self.product_q.supplier_taxes_id = tax
        self.draft_rfq.fiscal_position_id = self.env['account.fiscal.position'].create({
            'name': 'Bridge reduced', 'tax_ids': [(0, 0, {'tax_src_id': tax.id, 'tax_dest_id': mapped_tax.id})]})
        currency = self.env.ref('base.EUR') if company.currency_id != self.env.ref('base.EUR') \
            else self.env.ref('base.USD')
        self.draft_rfq.currency_id = currency
        self.env['product.product'].create_shortfall_rfqs([self.product_q.id])
        line = self.draft_rfq.order_line.filtered(lambda line: line.product_id == self.product_q)
        self.assertEqual(line.taxes_id, mapped_tax)
        self.assertAlmostEqual(line.price_unit, company.currency_id.compute(7.0, currency), places=2)
        self.assertAlmostEqual(self.draft_rfq.amount_tax, line.price_subtotal * 0.05, places=2)

    def test_idempotent_then_more_demand_updates_same_line(self):
        Product = self.env['product.product']
        orders = self.env['purchase.order'].browse(Product.create_shortfall_rfqs(self.products.ids))
        lines_before = self._lines(orders)
        messages_before = len(self.q1.message_ids)
        self.assertEqual(Product.create_shortfall_rfqs(self.products.ids), [])
        self.assertEqual(self._lines(orders), lines_before)
        self.assertEqual(len(self.q1.message_ids), messages_before)

        more = self._quotation(self.wh1, [(self.product, 50.0, self.unit, 0)])
        touched = self.env['purchase.order'].browse(Product.create_shortfall_rfqs([self.product.id]))
        wh1_line = touched.order_line.filtered(lambda line: line.product_id == self.product)
        self.assertEqual(len(touched), 1)
        self.assertIn(touched, orders)
        # 67 short - 36 on the RFQ = 31 units = 2.59 dozen (rounded up to the dozen's 0.01)
        # more on the same line.
        self.assertAlmostEqual(wh1_line.product_qty, 5.59, places=3)
        # the line's amount and the RFQ's total follow, as stored
        self.env.cache.invalidate()
        self.assertAlmostEqual(wh1_line.price_subtotal, 559.0, places=2)
        self.assertAlmostEqual(touched.amount_untaxed, sum(touched.order_line.mapped('price_subtotal')), places=2)
        self.assertIn(more, wh1_line.source_sale_order_ids)
        self.assertIn(more.name, touched.origin)

    def test_notes_name_products_deals_and_rfqs(self):
        self.product.name = 'Bridge P & Co'
        self.o1.name = 'Deal <One>'
        orders = self.env['purchase.order'].browse(
            self.env['product.product'].create_shortfall_rfqs([self.product.id]))
        wh1_order = orders.filtered(lambda order: order.picking_type_id == self.wh1.in_type_id)
        wh2_order = orders - wh1_order
        note = self.env.ref('mail.mt_note')
        author = self.env.user.partner_id
        # q1 and q2 have the same date: sale.order's order (date, then id descending)
        for order, sources in ((wh1_order, '%s, %s, Deal &lt;One&gt;' % (self.q2.name, self.q1.name)),
                               (wh2_order, self.o3.name)):
            [message] = order.message_ids
            self.assertEqual((message.body, message.subtype_id, message.author_id, message.message_type), (
                '<p>Created or updated from the pipeline shortfall of Bridge P &amp; Co, for %s.</p>' % sources,
                note, author, 'notification'))
        for deal, order in ((self.q1, wh1_order), (self.q2, wh1_order), (self.o1, wh1_order), (self.o3, wh2_order)):
            message = deal.message_ids[0]
            self.assertEqual((message.body, message.subtype_id, message.author_id, message.message_type,
                              message.record_name), (
                '<p>Pipeline shortfall ordered on RFQ %s.</p>' % order.name, note, author, 'comment',
                deal.display_name))
        # nothing more to order: no new line, no new note
        deal_messages = len(self.o1.message_ids)
        self.assertEqual(self.env['product.product'].create_shortfall_rfqs([self.product.id]), [])
        self.assertEqual((len(wh1_order.order_line), len(wh1_order.message_ids), len(self.o1.message_ids)),
                         (1, 1, deal_messages))

    def test_confirmed_rfq_is_netted(self):
        Product = self.env['product.product']
        orders = self.env['purchase.order'].browse(Product.create_shortfall_rfqs([self.product.id]))
        orders.button_confirm()
        self.assertEqual(Product.create_shortfall_rfqs([self.product.id]), [])
        self.assertEqual(self.product.pipeline_shortfall_qty, 0.0)

    def test_a_need_sooner_than_the_vendor_can_deliver(self):
        """Needed this week, the vendor delivers in 10 days: planned in 10 days, ordered now."""
        product = self._product('Bridge soon', sellers=[
            {'name': self.vendor1.id, 'price': 7.0, 'min_qty': 0.0, 'delay': 10}])
        self._quotation(self.wh1, [(product, 2.0, self.unit, 0)], date=fields.Datetime.now())
        orders, _without_vendor = self.env['purchase.order']._create_shortfall_rfqs(product)
        now = datetime.utcnow()
        self.assertEqual(orders.order_line.date_planned[:10], (now + timedelta(days=10)).strftime('%Y-%m-%d'))
        self.assertEqual(orders.date_order[:10], now.strftime('%Y-%m-%d'))

    def test_report_after_the_rfqs(self):
        """After Create RFQs the report shows the quantities on order, not confirmed, and no
        shortfall left."""
        Report = self.env['crm.erp.pipeline.demand.report']
        domain = [('product_id', 'in', (self.product | self.product_t).ids)]
        self.assertEqual(sum(Report.search(domain).mapped('shortfall_qty')), 17.0 + 2.0 + 6.0)
        self.assertEqual(sum(Report.search(domain).mapped('rfq_qty')), 4.0)
        self.env['product.product'].create_shortfall_rfqs((self.product | self.product_t).ids)
        rows = Report.search(domain)
        self.assertEqual(sum(rows.mapped('shortfall_qty')), 0.0)
        # 3 dozen in each warehouse, 10 of T
        self.assertEqual(sum(rows.mapped('rfq_qty')), 36.0 + 36.0 + 10.0)

    def test_result_window(self):
        """Per RFQ its vendor and lines, new RFQ or draft topped up; what was on order already;
        nothing new to order names the orders covering it."""
        action = self.env['product.product'].browse(self.products.ids).action_create_shortfall_rfqs()
        wizard = self.env[action['res_model']].browse(action['res_id'])
        lines = {(line.status, line.vendor_id, line.product_id, line.warehouse_id, line.product_qty,
                  line.product_uom_id) for line in wizard.line_ids}
        self.assertEqual(lines, {
            ('new_rfq', self.vendor1, self.product, self.wh1, 3.0, self.dozen),
            ('new_rfq', self.vendor1, self.product, self.wh2, 3.0, self.dozen),
            # V2's draft RFQ for WH1 existed: a new line of Q on it, T's line raised by 6
            ('topped_up', self.vendor2, self.product_q, self.wh1, 5.0, self.unit),
            ('topped_up', self.vendor2, self.product_t, self.wh1, 6.0, self.unit),
            # the 4 of T the draft held already
            ('on_order', self.vendor2, self.product_t, self.wh1, 4.0, self.unit),
        })
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.status == 'topped_up').mapped('order_id'),
                         self.draft_rfq)
        self.assertEqual((wizard.new_rfq_count, wizard.topped_up_rfq_count), (2, 1))
        line = wizard.line_ids.filtered(lambda line: line.product_id == self.product_t and line.status == 'topped_up')
        self.assertEqual(line.action_open_order()['res_id'], self.draft_rfq.id)
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.status == 'on_order').order_id, self.draft_rfq)
        with self.assertRaises(UserError):
            self.env['crm.erp.shortfall.rfq.result.line'].create(
                {'result_id': wizard.id, 'status': 'on_order'}).action_open_order()
        # the confirmed PO of Q still brings it
        self.assertEqual(wizard.covering_order_ids.mapped('order_line.product_id'), self.product_q)

        action = self.env['product.product'].browse(self.products.ids).action_create_shortfall_rfqs()
        again = self.env[action['res_model']].browse(action['res_id'])
        self.assertFalse(again.purchase_order_ids)
        self.assertEqual(again.covering_order_ids, wizard.purchase_order_ids | wizard.covering_order_ids)
        self.assertEqual(again.action_open_covering_orders()['domain'], [('id', 'in', again.covering_order_ids.ids)])
        # each RFQ line holding a short product, with its RFQ and vendor
        self.assertEqual({(line.status, line.order_id, line.vendor_id, line.product_id, line.product_qty)
                          for line in again.line_ids}, {
            ('on_order', order, order.partner_id, order_line.product_id, order_line.product_uom._compute_quantity(
                order_line.product_qty, order_line.product_id.uom_id))
            for order in wizard.purchase_order_ids for order_line in order.order_line})

    def test_from_quotation_and_opportunity_actions(self):
        action = self.q3.action_create_shortfall_rfqs()
        wizard = self.env[action['res_model']].browse(action['res_id'])
        self.assertEqual(wizard.product_without_vendor_ids, self.product_r)
        self.assertEqual(wizard.purchase_order_ids.mapped('partner_id'), self.vendor2)
        action = self.o3.action_create_shortfall_rfqs()
        wizard = self.env[action['res_model']].browse(action['res_id'])
        # The shortfall of the opportunity's products, wherever it is.
        self.assertEqual(self._lines(wizard.purchase_order_ids), {
            (self.vendor1, self.wh1, self.product): 3.0, (self.vendor1, self.wh2, self.product): 3.0})
        self.assertEqual(wizard.action_open_rfqs()['domain'], [('id', 'in', wizard.purchase_order_ids.ids)])

    def test_bad_input(self):
        with self.assertRaises(UserError):
            self.env['product.product'].create_shortfall_rfqs([self.product.id, -1])
        with self.assertRaises(UserError):
            self.env['product.product'].create_shortfall_rfqs([True])


class TestCheckAndReserve(SupplyCase):

    def test_confirmed_order_reserves_partial_stock(self):
        product = self._product('Bridge S')
        self.env['stock.quant']._update_available_quantity(product, self.wh1.lot_stock_id, 5.0)
        order = self._quotation(self.wh1, [(product, 8.0, self.unit, 0)])
        order.action_confirm()
        order.picking_ids.do_unreserve()
        [row] = self.env['sale.order'].check_availability([order.id])
        self.assertEqual(
            {key: row[key] for key in ('product_id', 'needed_qty', 'reserved_qty', 'short_qty', 'status')},
            {'product_id': product.id, 'needed_qty': 8.0, 'reserved_qty': 5.0, 'short_qty': 3.0,
             'status': 'partial'})
        self.assertEqual(order.picking_ids.move_lines.reserved_availability, 5.0)
        self.assertEqual(order.short_line_count, 1)

    def test_quotation_reports_short_at_date(self):
        rows = self.env['sale.order'].check_availability([self.q1.id, self.q2.id])
        self.assertEqual([(row['order_id'], row['forecast_qty'], row['short_qty'], row['status']) for row in rows], [
            (self.q1.id, 10.0, 14.0, 'short'),
            (self.q2.id, 18.0, 0.0, 'available'),
        ])
        action = self.q1.action_check_availability()
        check = self.env[action['res_model']].browse(action['res_id'])
        self.assertEqual((check.short_line_count, check.line_ids.status), (1, 'short'))
        with self.assertRaises(UserError):
            self.env['sale.order'].check_availability([self.q1.id, 0])


class TestSupplyRights(SupplyCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.salesman = Users.create({
            'name': 'Supply Salesman', 'login': 'supply_salesman', 'email': 'salesman@example.com',
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman_all_leads').id,
                                  cls.env.ref('stock.group_stock_multi_warehouses').id])]})
        cls.buyer = Users.create({
            'name': 'Supply Buyer', 'login': 'supply_buyer', 'email': 'buyer@example.com',
            'groups_id': [(6, 0, [cls.env.ref('purchase.group_purchase_user').id])]})
        cls.sales_manager = Users.create({
            'name': 'Supply Manager', 'login': 'supply_manager', 'email': 'manager@example.com',
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_manager').id])]})

    def test_salesman_sees_availability_and_checks_but_creates_no_rfq(self):
        order = self.q1.sudo(self.salesman)
        self.assertEqual((order.order_line.forecast_qty, order.short_line_count), (10.0, 1))
        self.assertEqual(self.o1.sudo(self.salesman).line_ids.forecast_qty, 18.0)
        rows = self.env['sale.order'].sudo(self.salesman).check_availability([self.q1.id])
        self.assertEqual(rows[0]['status'], 'short')
        Report = self.env['crm.erp.pipeline.demand.report'].sudo(self.salesman)
        self.assertEqual(Report.search_count([('product_id', '=', self.product.id)]), 4)
        with self.assertRaises(AccessError):
            self.env['product.product'].sudo(self.salesman).create_shortfall_rfqs([self.product.id])

    def _line_arch(self, model, user, lines_field):
        view = self.env[model].sudo(user).fields_view_get(view_type='form')
        return view['fields'][lines_field]['views']['tree']['arch']

    def test_forms_render_for_each_role(self):
        for model, view_type in [('crm.lead', 'form'), ('product.product', 'form'),
                                 ('crm.erp.pipeline.demand.report', 'pivot')]:
            self.assertTrue(self.env[model].sudo(self.salesman).fields_view_get(view_type=view_type)['arch'])
        self.assertIn('forecast_qty', self._line_arch('sale.order', self.salesman, 'order_line'))
        self.assertNotIn('source_sale_order_ids', self._line_arch('purchase.order', self.buyer, 'order_line'))
        self.assertIn('source_sale_order_ids', self._line_arch('purchase.order', self.sales_manager, 'order_line'))

    def test_buyer_and_bridge_manager_create_rfqs(self):
        ids = self.env['product.product'].sudo(self.buyer).create_shortfall_rfqs([self.product.id])
        self.assertEqual(self.env['purchase.order'].browse(ids).mapped('create_uid'), self.buyer)
        # WH2 now needs 100 x 40 % = 40, the RFQ holds 3 dozen: 4 more units = 0.34 dozen.
        self.o3.line_ids.product_qty = 100.0
        ids = self.env['product.product'].sudo(self.sales_manager).create_shortfall_rfqs([self.product.id])
        self.assertAlmostEqual(self._lines_qty(ids), 3.34, places=3)

    def test_manager_without_purchase_rights_reads_the_result(self):
        """A sales manager (Bridge manager) may create the RFQs without reading purchase orders:
        the result window shows each line's RFQ by name, and no purchase order tags or lists."""
        manager = self.sales_manager
        self.assertFalse(self.env['purchase.order'].sudo(manager).check_access_rights('read', raise_exception=False))
        action = self.env['product.product'].sudo(manager).browse(self.product.ids).action_create_shortfall_rfqs()
        result = self.env[action['res_model']].sudo(manager).browse(action['res_id'])
        view = result.fields_view_get(view_type='form')
        arch = etree.fromstring(view['arch'])
        for node in arch.xpath("//field[@name='purchase_order_ids'] | //field[@name='covering_order_ids'] | "
                               "//button[@name='action_open_rfqs'] | //button[@name='action_open_order']"):
            self.assertTrue(json.loads(node.get('modifiers'))['invisible'], node.get('name'))
        # what the web client reads
        result.read(list(view['fields']))
        tree = view['fields']['line_ids']['views']['tree']
        lines = result.line_ids.read(list(tree['fields']))
        orders = self.env['purchase.order'].search([('order_line.product_id', '=', self.product.id)])
        self.assertEqual({line['order_id'][1] for line in lines}, set(orders.mapped('name')))

    def _lines_qty(self, order_ids):
        return sum(self.env['purchase.order'].browse(order_ids).mapped('order_line.product_qty'))


class TestSupplyMultiCompany(SupplyCase):

    def test_companies_are_apart(self):
        company_b = self.env['res.company'].create({'name': 'Bridge Company B'})
        wh_b = self.env['stock.warehouse'].search([('company_id', '=', company_b.id)])
        self.assertEqual(len(wh_b), 1)
        self._quotation(wh_b, [(self.product, 7.0, self.unit, 0)])
        Report = self.env['crm.erp.pipeline.demand.report']
        self.assertEqual(Report.search([('product_id', '=', self.product.id)]).mapped('warehouse_id'),
                         self.wh1 | self.wh2 | wh_b)
        buyer_a = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Buyer A', 'login': 'supply_buyer_a', 'email': 'a@example.com',
            'groups_id': [(6, 0, [self.env.ref('purchase.group_purchase_user').id])]})
        self.assertEqual(Report.sudo(buyer_a).search([('product_id', '=', self.product.id)]).mapped('warehouse_id'),
                         self.wh1 | self.wh2)
        buyer_b = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Buyer B', 'login': 'supply_buyer_b', 'email': 'b@example.com', 'company_id': company_b.id,
            'company_ids': [(6, 0, [company_b.id])],
            'groups_id': [(6, 0, [self.env.ref('purchase.group_purchase_user').id])]})
        company_b.pipeline_horizon_weeks = 4000
        # Vendor One's price is company A's; company B buys from Vendor Two.
        self.product.seller_ids.create({
            'product_tmpl_id': self.product.product_tmpl_id.id, 'name': self.vendor2.id,
            'company_id': company_b.id, 'price': 90.0, 'min_qty': 1.0, 'delay': 2})
        [order_b] = self.env['product.product'].sudo(buyer_b).create_shortfall_rfqs([self.product.id])
        order_b = self.env['purchase.order'].browse(order_b)
        self.assertEqual((order_b.company_id, order_b.partner_id, order_b.picking_type_id.warehouse_id,
                          order_b.order_line.product_qty), (company_b, self.vendor2, wh_b, 1.0))
        self.assertEqual(len(self.env['product.product'].sudo(buyer_a).create_shortfall_rfqs([self.product.id])), 2)

    def test_result_is_its_buyers_only(self):
        """The result window and its lines (transient) are read by the buyer who ran it only:
        not by a buyer of another company, nor of the same one."""
        Users = self.env['res.users'].with_context(no_reset_password=True)
        company_b = self.env['res.company'].create({'name': 'Bridge Company Result B'})
        buyer_group = self.env.ref('purchase.group_purchase_user')
        buyer_a, other_a = (Users.create({'name': login, 'login': login, 'email': '%s@example.com' % login,
                                          'groups_id': [(6, 0, [buyer_group.id])]})
                            for login in ('result_buyer_a', 'result_other_a'))
        buyer_b = Users.create({'name': 'Result Buyer B', 'login': 'result_buyer_b', 'email': 'rb@example.com',
                                'company_id': company_b.id, 'company_ids': [(6, 0, [company_b.id])],
                                'groups_id': [(6, 0, [buyer_group.id])]})
        action = self.env['product.product'].sudo(buyer_a).browse(self.product.ids).action_create_shortfall_rfqs()
        result = self.env[action['res_model']].sudo(buyer_a).browse(action['res_id'])
        self.assertEqual(len(result.line_ids), 2)
        for user in (buyer_b, other_a):
            with self.assertRaises(AccessError):
                result.sudo(user).line_ids.read(['product_qty'])
            with self.assertRaises(AccessError):
                result.line_ids.sudo(user).read(['product_qty'])
