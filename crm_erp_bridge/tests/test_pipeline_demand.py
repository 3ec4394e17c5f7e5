from datetime import date, timedelta

import polib

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.modules.module import get_module_resource
from odoo.tools.translate import trans_load

from .supply_common import SupplyCase


class TestPipelineDemand(SupplyCase):
    """Demand report, product figures, XML-RPC demand and availability on sales lines."""

    def test_report_weeks(self):
        # (forecast 10 + 8 + on order 0) / (weighted demand 35 per 4000 weeks of the horizon)
        coverage = int(18.0 * 7 * 4000 / 35.0)
        rows = self._report(self.product, self.wh1)
        self.assertEqual([row['week'] for row in rows], ['2099-01-05', '2099-01-12', '2099-01-19'])
        # week: demand, weighted, free, incoming, balance, shortfall
        expected = [
            (24.0, 24.0, 10.0, 0.0, -14.0, 14.0),   # Q1: 2 dozen
            (10.0, 5.0, 0.0, 8.0, -11.0, 0.0),      # O1 at 50 %, receipt of 8
            (6.0, 6.0, 0.0, 0.0, -17.0, 3.0),       # Q2, dated by its 14 days lead time
        ]
        self.assertEqual(
            [tuple(row[key] for key in ('demand_qty', 'weighted_qty', 'free_qty', 'incoming_qty',
                                        'projected_qty', 'shortfall_qty')) for row in rows],
            expected)
        self.assertEqual({row['coverage_days'] for row in rows}, {coverage})
        # Odoo's stock figures: on hand on the first week, Forecasted at the end of each week
        self.assertEqual([(row['onhand_qty'], row['outgoing_qty'], row['forecast_qty'], row['rfq_qty'])
                          for row in rows], [(10.0, 0.0, 10.0, 0.0), (0.0, 0.0, 18.0, 0.0), (0.0, 0.0, 18.0, 0.0)])
        self.assertEqual({row['uom_id'][0] for row in rows}, {self.unit.id})
        year, week, _day = date(2099, 1, 5).isocalendar()
        self.assertEqual(rows[0]['week_label'], '%d-W%02d (01-05)' % (year, week))
        rows = self._report(self.product, self.wh2)
        self.assertEqual([(row['week'], row['demand_qty'], row['weighted_qty'], row['shortfall_qty'],
                           row['coverage_days']) for row in rows], [('2099-01-05', 5.0, 2.0, 2.0, 0)])

    def test_shortfall_is_odoo_forecast_minus_demand(self):
        """A confirmed but undelivered order lowers the forecast as Odoo's does; a draft RFQ
        shows as on order, not confirmed, and covers the shortfall."""
        product = self._product('Bridge F')
        self.env['stock.quant']._update_available_quantity(product, self.wh1.lot_stock_id, 30.0)
        delivery = self._quotation(self.wh1, [(product, 12.0, self.unit, 0)], date='2099-01-06 09:00:00')
        delivery.action_confirm()
        self._quotation(self.wh1, [(product, 25.0, self.unit, 0)], date='2099-01-13 09:00:00')
        self._incoming(product, self.wh1, 4.0, '2099-01-14 10:00:00')
        forecast = product.with_context(warehouse=self.wh1.id).virtual_available
        self.assertEqual(forecast, 30.0 - 12.0 + 4.0)
        rows = self._report(product, self.wh1)
        # confirming dates the delivery now: this week
        monday = fields.Date.to_string(date.today() - timedelta(days=date.today().weekday()))
        self.assertEqual([(row['week'], row['demand_qty'], row['outgoing_qty'], row['incoming_qty'],
                           row['forecast_qty'], row['projected_qty'], row['shortfall_qty']) for row in rows], [
            (monday, 0.0, 12.0, 0.0, 18.0, 18.0, 0.0),
            ('2099-01-12', 25.0, 0.0, 4.0, 22.0, -3.0, 3.0),
        ])
        self.assertEqual(rows[-1]['forecast_qty'], forecast)
        self.assertEqual(sum(row['shortfall_qty'] for row in rows), 25.0 - forecast)
        # the RFQ the buyer makes covers it: on order, not confirmed, and no shortfall left
        rfq = self.env['purchase.order'].create({
            'partner_id': self.vendor1.id, 'picking_type_id': self.wh1.in_type_id.id,
            'order_line': [(0, 0, {'product_id': product.id, 'name': 'F', 'product_qty': 3.0,
                                   'product_uom': self.unit.id, 'price_unit': 1.0,
                                   'date_planned': '2099-01-10 00:00:00'})]})
        rows = self._report(product, self.wh1)
        self.assertEqual([(row['rfq_qty'], row['projected_qty'], row['shortfall_qty']) for row in rows],
                         [(3.0, 21.0, 0.0), (0.0, 0.0, 0.0)])
        rfq.button_confirm()  # now incoming in Odoo's forecast, at its date, no longer on order
        rows = self._report(product, self.wh1)
        self.assertEqual([(row['week'], row['rfq_qty'], row['incoming_qty'], row['shortfall_qty']) for row in rows],
                         [(monday, 0.0, 0.0, 0.0), ('2099-01-05', 0.0, 3.0, 0.0), ('2099-01-12', 0.0, 4.0, 0.0)])

    def test_weighted_demand_of_quotations(self):
        """A quotation made from an opportunity counts at that opportunity's probability,
        another quotation at 100 %."""
        product = self._product('Bridge W')
        deal = self._opportunity(self.wh1, 30.0, [])
        quotation = self._quotation(self.wh1, [(product, 10.0, self.unit, 0)])
        self._quotation(self.wh1, [(product, 4.0, self.unit, 0)])
        quotation.opportunity_id = deal
        [row] = self._report(product, self.wh1)
        self.assertEqual((row['demand_qty'], row['weighted_qty']), (14.0, 7.0))
        deal.probability = 60.0
        [row] = self._report(product, self.wh1)
        self.assertEqual(row['weighted_qty'], 10.0)

    def test_coverage_from_demand_per_day(self):
        """40 in stock against 12 a horizon of 4 weeks: 40 / (12 / 28) = 93 days."""
        product = self._product('Bridge C')
        self.env['stock.quant']._update_available_quantity(product, self.wh1.lot_stock_id, 40.0)
        self.company.pipeline_horizon_weeks = 4
        self._quotation(self.wh1, [(product, 12.0, self.unit, 0)], date=fields.Datetime.now())
        [row] = self._report(product, self.wh1)
        self.assertEqual((row['shortfall_qty'], row['coverage_days']), (0.0, 93))

    def test_quantities_of_different_units_are_not_added(self):
        """A group of rows of two units has no quantity; a group of one unit has its sum."""
        kilo = self.env.ref('product.product_uom_kgm')
        flour = self.env['product.product'].create({'name': 'Bridge flour', 'type': 'product',
                                                    'uom_id': kilo.id, 'uom_po_id': kilo.id})
        self._quotation(self.wh1, [(flour, 7.0, kilo, 0)])
        Report = self.env['crm.erp.pipeline.demand.report']
        domain = [('product_id', 'in', (self.product | flour).ids), ('warehouse_id', '=', self.wh1.id)]
        measures = ['demand_qty', 'weighted_qty', 'shortfall_qty', 'coverage_days']
        [total] = Report.read_group(domain, measures, [])
        self.assertEqual([total[name] for name in measures[:3]], [False, False, False])
        [week] = Report.read_group(domain + [('week', '=', '2099-01-05')], measures + ['week_label'],
                                   ['week_label'])
        self.assertEqual((week['demand_qty'], week['shortfall_qty']), (False, False))
        by_unit = Report.read_group(domain, measures + ['uom_id'], ['uom_id'])
        self.assertEqual(sorted((group['uom_id'][0], group['demand_qty']) for group in by_unit),
                         sorted([(self.unit.id, 40.0), (kilo.id, 7.0)]))
        by_product = Report.read_group(domain, measures + ['product_id'], ['product_id', 'week_label'])
        self.assertEqual(sorted((group['product_id'][0], group['demand_qty']) for group in by_product),
                         sorted([(self.product.id, 40.0), (flour.id, 7.0)]))

    def test_report_filters(self):
        Report = self.env['crm.erp.pipeline.demand.report']
        domain = [('product_id', '=', self.product.id)]
        self.assertEqual(Report.search_count(domain + [('vendor_id', '=', self.vendor1.id)]), 4)
        self.assertEqual(Report.search_count(domain + [('categ_id', '=', self.product.categ_id.id)]), 4)
        other_user = self.env.ref('base.user_demo')
        self.assertEqual(Report.search_count(domain + [('salesperson_ids', 'in', [other_user.id])]), 0)
        self.assertEqual(Report.search_count(domain + [('salesperson_ids', 'in', [self.env.uid])]), 4)
        self._quotation(self.wh1, [(self.product, 1.0, self.unit, 0)], user=other_user)
        self.assertEqual(Report.search_count(domain + [('salesperson_ids', 'ilike', other_user.name)]), 4)
        row = Report.search(domain + [('warehouse_id', '=', self.wh1.id)], limit=1)
        self.assertEqual(row.salesperson_ids, self.env.user | other_user)

    def test_report_follows_changes(self):
        """The report reads a snapshot of the view: what changed shows at the next read."""
        def column(key, warehouse=self.wh1):
            return [row[key] for row in self._report(self.product, warehouse)]
        self.assertEqual(column('demand_qty'), [24.0, 10.0, 6.0])  # the snapshot is filled
        self._quotation(self.wh1, [(self.product, 4.0, self.unit, 0)])
        self.assertEqual(column('demand_qty'), [28.0, 10.0, 6.0])
        self.q2.action_cancel()
        self.assertEqual(column('demand_qty'), [28.0, 10.0])
        self.o1.probability = 10.0
        self.assertEqual(column('weighted_qty'), [28.0, 1.0])
        self.env['stock.quant']._update_available_quantity(self.product, self.wh1.lot_stock_id, 5.0)
        self.assertEqual(column('free_qty'), [15.0, 0.0])
        self._incoming(self.product, self.wh1, 3.0, '2099-01-06 10:00:00')
        self.assertEqual(column('incoming_qty'), [3.0, 8.0])
        self.env['product.supplierinfo'].create({
            'product_tmpl_id': self.product.product_tmpl_id.id, 'name': self.vendor2.id, 'sequence': 0})
        rows = self.env['crm.erp.pipeline.demand.report'].search([('product_id', '=', self.product.id)])
        self.assertEqual(rows.mapped('vendor_id'), self.vendor2)
        self.assertEqual(column('demand_qty', self.wh2), [5.0])

    def test_report_full_refresh(self):
        """The whole snapshot is recomputed on a new day and after a change of warehouses."""
        def corrupt_and_read():
            self._report(self.product, self.wh1)
            self.env.cr.execute("UPDATE crm_erp_pipeline_demand_snapshot SET demand_qty = 0")
            self.env['crm.erp.pipeline.demand.report'].invalidate_cache()
        corrupt_and_read()
        self.assertEqual([row['demand_qty'] for row in self._report(self.product, self.wh1)], [0.0, 0.0, 0.0])
        self.env.cr.execute("UPDATE crm_erp_pipeline_demand_refreshed SET day = day - 1")
        self.assertEqual([row['demand_qty'] for row in self._report(self.product, self.wh1)], [24.0, 10.0, 6.0])
        corrupt_and_read()
        self.env['stock.warehouse'].create({'name': 'Bridge Third', 'code': 'BRT'})
        self.assertEqual([row['demand_qty'] for row in self._report(self.product, self.wh1)], [24.0, 10.0, 6.0])

    def test_product_figures_and_horizon(self):
        self.assertEqual(
            (self.product.pipeline_demand_qty, self.product.pipeline_weighted_qty,
             self.product.pipeline_shortfall_qty), (45.0, 37.0, 19.0))
        self.assertEqual(self.product.product_tmpl_id.pipeline_shortfall_qty, 19.0)
        self.company.pipeline_horizon_weeks = 1
        self.product.invalidate_cache()
        self.assertEqual(self.product.pipeline_demand_qty, 0.0)

    def test_get_pipeline_demand(self):
        Product = self.env['product.product']
        [result] = Product.get_pipeline_demand([self.product.id], self.wh1.id)
        self.assertEqual(
            {key: result[key] for key in ('product_id', 'demand_qty', 'weighted_qty', 'free_qty',
                                          'incoming_qty', 'shortfall_qty')},
            {'product_id': self.product.id, 'demand_qty': 40.0, 'weighted_qty': 35.0,
             'free_qty': 10.0, 'incoming_qty': 8.0, 'shortfall_qty': 17.0})
        self.assertEqual([week['week'] for week in result['weeks']], ['2099-01-05', '2099-01-12', '2099-01-19'])
        self.assertEqual(result['weeks'][0]['vendor_id'], self.vendor1.id)
        [all_warehouses] = Product.get_pipeline_demand([self.product.id])
        self.assertEqual(all_warehouses['shortfall_qty'], 19.0)
        [nothing] = Product.get_pipeline_demand([self.product.id], False, 1)
        self.assertEqual((nothing['demand_qty'], nothing['weeks']), (0.0, []))
        with self.assertRaises(UserError):
            Product.get_pipeline_demand([self.product.id, 0])
        with self.assertRaises(UserError):
            Product.get_pipeline_demand('x')
        with self.assertRaises(UserError):
            Product.get_pipeline_demand([self.product.id], 999999)
        with self.assertRaises(UserError):
            Product.get_pipeline_demand([self.product.id], False, -2)

    def test_quotation_line_availability(self):
        q1_line, q2_line = self.q1.order_line, self.q2.order_line
        # Q1 needs 24 on 2099-01-05: free 10, nothing arrives by then.
        self.assertEqual((q1_line.free_qty, q1_line.forecast_qty, q1_line.is_short), (10.0, 10.0, True))
        # Q2 needs 6 on 2099-01-19: the receipt of the 13th counts.
        self.assertEqual((q2_line.free_qty, q2_line.forecast_qty, q2_line.is_short), (10.0, 18.0, False))
        self.assertEqual((self.q1.short_line_count, self.q2.short_line_count), (1, 0))
        # the banner names the product and what is missing in its unit, rounded to it: 24 - 10
        self.assertEqual((self.q1.short_summary, self.q2.short_summary),
                         ('%s: 14 %s missing' % (self.product.display_name, self.product.uom_id.name), ''))
        # A service line has no availability and is never short.
        service = self.env['product.product'].create({'name': 'Bridge Advice', 'type': 'service'})
        quotation = self._quotation(self.wh1, [(service, 3.0, self.unit, 0), (self.product, 30.0, self.unit, 0)])
        self.assertEqual([(line.forecast_qty, line.is_short) for line in quotation.order_line],
                         [(0.0, False), (10.0, True)])
        self.assertEqual(quotation.short_line_count, 1)

    def test_opportunity_line_availability(self):
        line = self.o1.line_ids
        self.assertEqual((line.free_qty, line.forecast_qty, line.is_short), (10.0, 18.0, False))
        line.product_qty = 19.0
        self.o1.invalidate_cache()
        self.assertEqual((self.o1.line_ids.is_short, self.o1.short_line_count), (True, 1))
        self.assertEqual(self.o1.short_summary,
                         '%s: 1 %s missing' % (self.product.display_name, self.product.uom_id.name))
        # Nothing in the second warehouse.
        self.assertEqual((self.o3.line_ids.forecast_qty, self.o3.short_line_count), (0.0, 1))


class TestOpportunityLines(SupplyCase):
    """Product lines on opportunities: defaults, revenue, quotation."""

    def test_defaults_and_checks(self):
        lead = self.env['crm.lead'].create({
            'name': 'Defaults', 'type': 'opportunity', 'date_deadline': '2099-03-02',
            'line_ids': [(0, 0, {'product_id': self.product.id, 'product_qty': 2.0})]})
        self.assertEqual((lead.line_ids.product_uom_id, lead.line_ids.date_expected), (self.unit, '2099-03-02'))
        self.assertEqual(lead.warehouse_id, self.wh1)
        with self.assertRaises(ValidationError):
            lead.line_ids.product_uom_id = self.env.ref('product.product_uom_kgm')
        with self.assertRaises(ValidationError):
            lead.line_ids.product_qty = 0.0

    def test_revenue_follows_lines(self):
        self.o1.planned_revenue = 5.0
        self.o1.line_ids.price_unit = 30.0
        self.assertEqual(self.o1.planned_revenue, 5.0)  # setting off: left alone
        self.company.pipeline_revenue_from_lines = True
        self.o1.line_ids.price_unit = 25.0
        self.assertEqual(self.o1.planned_revenue, 250.0)
        self.env['crm.lead.line'].create({'lead_id': self.o1.id, 'product_id': self.product.id,
                                          'product_qty': 2.0, 'price_unit': 5.0})
        self.assertEqual(self.o1.planned_revenue, 260.0)
        self.o1.line_ids[1].unlink()
        self.assertEqual(self.o1.planned_revenue, 250.0)

    def test_new_quotation_from_lines(self):
        self.o1.action_set_won()
        action = self.o1.action_new_quotation()
        order = self.env['sale.order'].browse(action['res_id'])
        self.assertEqual(action['res_model'], 'sale.order')
        self.assertEqual((order.partner_id, order.opportunity_id, order.warehouse_id, order.state),
                         (self.customer, self.o1, self.wh1, 'draft'))
        line = order.order_line
        self.assertEqual((line.product_id, line.product_uom_qty, line.product_uom, line.price_unit),
                         (self.product, 10.0, self.unit, 20.0))
        # days from the user's today (the quotation's own reference), not the server's
        today = fields.Date.from_string(fields.Date.context_today(self.o1))
        self.assertEqual(line.customer_lead, (date(2099, 1, 14) - today).days)
        self.assertIn('Bridge P', line.name)
        # The quotation now carries the demand: the opportunity line no longer counts.
        rows = self._report(self.product, self.wh1)
        self.assertEqual([row['weighted_qty'] for row in rows], [24.0, 10.0, 6.0])

    def test_new_quotation_without_lines_is_sale_crm_action(self):
        lead = self.env['crm.lead'].create({'name': 'Empty', 'type': 'opportunity', 'partner_id': self.customer.id})
        action = lead.action_new_quotation()
        self.assertFalse(action.get('res_id'))
        self.assertEqual(action['context']['default_opportunity_id'], lead.id)
        no_partner = self.env['crm.lead'].create({
            'name': 'No partner', 'type': 'opportunity',
            'line_ids': [(0, 0, {'product_id': self.product.id})]})
        with self.assertRaises(UserError):
            no_partner.action_new_quotation()


class TestPipelineDemandRowIds(SupplyCase):
    """The report's row ids fit XML-RPC's 32-bit integers whatever the product ids, and a row
    (product x warehouse x week) keeps its id across refreshes."""

    def _ids(self, products):
        rows = self.env['crm.erp.pipeline.demand.report'].search([('product_id', 'in', products.ids)])
        return {(row.product_id.id, row.warehouse_id.id, row.week): row.id for row in rows}

    def test_row_ids(self):
        # product ids from 215,000 up made (product * 1000 + warehouse) * 10000 + week overflow
        self.env.cr.execute("SELECT last_value FROM product_product_id_seq")
        last_value = self.env.cr.fetchone()[0]
        self.addCleanup(self.env.cr.execute, "SELECT setval('product_product_id_seq', %s)", [last_value])
        self.env.cr.execute("SELECT setval('product_product_id_seq', 3000000)")
        big = self._product('Bridge big id')
        self.assertGreater(big.id, 3000000)
        self._quotation(self.wh1, [(big, 1.0, self.unit, 0)])
        products = self.product | big
        ids = self._ids(products)
        self.assertEqual(sorted(key[1:] for key in ids if key[0] == big.id), [(self.wh1.id, '2099-01-05')])
        self.assertEqual(len(ids), 5)  # P: 3 weeks in WH1, 1 in WH2; big: 1
        self.assertTrue(all(0 < row_id < 2 ** 31 for row_id in ids.values()), ids)
        self.assertEqual(len(set(ids.values())), 5)
        # both products change (their rows are recomputed), then a new day (every row is)
        self._quotation(self.wh1, [(self.product, 1.0, self.unit, 7), (big, 2.0, self.unit, 0)])
        self.assertEqual(self._ids(products), ids)
        self.env.cr.execute("UPDATE crm_erp_pipeline_demand_refreshed SET day = day - 1")
        self.assertEqual(self._ids(products), ids)
        # a new week of demand gets a new id
        self._quotation(self.wh1, [(big, 1.0, self.unit, 21)])
        new = self._ids(products)
        self.assertEqual({key: row_id for key, row_id in new.items() if key in ids}, ids)
        self.assertEqual(len(new), 6)


class TestPipelineDemandInChinese(SupplyCase):
    """The report speaks Chinese: its field labels and tooltips come from zh_CN.po (Odoo 11
    names the entries of its fields after its table, crm_erp_pipeline_demand_snapshot)."""

    def test_report_fields_are_translated(self):
        po_path = get_module_resource('crm_erp_bridge', 'i18n', 'zh_CN.po')
        self.env['res.lang'].load_lang('zh_CN')
        trans_load(self.env.cr, po_path, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        catalogue = {entry.msgid: entry.msgstr for entry in polib.pofile(po_path) if not entry.obsolete}
        Report = self.env['crm.erp.pipeline.demand.report']
        # the report's own fields (an addon extending the view translates its columns)
        names = [name for name, field in Report._fields.items() if field._module in (None, 'crm_erp_bridge')]
        english = Report.with_context(lang=None).fields_get(names, attributes=['string', 'help'])
        chinese = Report.with_context(lang='zh_CN').fields_get(names, attributes=['string', 'help'])
        for attribute in ('string', 'help'):
            # a term whose translation is itself ("ID") is no English left behind
            untranslated = [(name, english[name][attribute]) for name in english
                            if english[name].get(attribute) and chinese[name][attribute] == english[name][attribute]
                            and catalogue.get(english[name][attribute]) != english[name][attribute]]
            self.assertFalse(untranslated, attribute)
        self.assertEqual(chinese['free_qty']['string'], '可用')
        # the result window of Create RFQs too
        for model in ('crm.erp.shortfall.rfq.result', 'crm.erp.shortfall.rfq.result.line'):
            labels = self.env[model].with_context(lang='zh_CN').fields_get(attributes=['string'])
            originals = self.env[model].with_context(lang=None).fields_get(attributes=['string'])
            self.assertFalse([name for name in labels if labels[name]['string'] == originals[name]['string']
                              and catalogue.get(originals[name]['string']) != originals[name]['string']], model)
