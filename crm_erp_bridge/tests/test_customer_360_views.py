from lxml import etree

from .customer_360_common import Customer360Case


class TestCustomer360Views(Customer360Case):
    """The partner form, the customer kanban and the reports render and read for a salesman."""

    def test_views_render(self):
        salesman = self.env['res.users'].create({
            'name': 'c360 view salesman', 'login': 'c360_view_salesman', 'company_id': self.company_a.id,
            'company_ids': [(6, 0, self.company_a.ids)],
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        partner = self._customer('Quinn')
        self._order(partner, '2025-12-01', [(self.product_1, 2, 15.0)])
        form = self.env['res.partner'].sudo(salesman).fields_view_get(view_type='form')
        self.assertIn('customer_360', form['arch'])
        # the buyers' tab: hidden from a salesperson (Odoo 11 keeps the element, invisible), shown to a buyer

        def buyers_tab(arch):
            return etree.fromstring(arch).xpath("//page[@name='vendor_360']")[0].get('invisible')
        self.assertEqual(buyers_tab(form['arch']), '1')
        salesman.groups_id |= self.env.ref('purchase.group_purchase_user')
        self.assertIsNone(buyers_tab(self.env['res.partner'].sudo(salesman).fields_view_get(view_type='form')['arch']))
        salesman.groups_id -= self.env.ref('purchase.group_purchase_user')

        # the R / F / M scores are an expert figure: on a manager's screen, not a salesperson's
        def rfm_scores(arch):
            return etree.fromstring(arch).xpath("//div[field[@name='rfm_recency_score']]")[0].get('invisible')
        self.assertEqual(rfm_scores(form['arch']), '1')
        salesman.groups_id |= self.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager')
        self.assertIsNone(rfm_scores(self.env['res.partner'].sudo(salesman).fields_view_get(view_type='form')['arch']))
        salesman.groups_id -= self.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager')
        # quantities bought: in the product unit, with its name
        self.assertEqual(partner.sudo(salesman).customer_top_product_ids.mapped('quantity_text'),
                         ['2 %s' % self.product_1.uom_id.name])
        self.assertIn('customer_top_product_ids', form['fields'])
        values = partner.sudo(salesman).read(list(form['fields']))[0]
        self.assertAlmostEqual(values['customer_revenue'], 30.0)
        for model, view_type in [('crm.erp.partner.stats', 'kanban'), ('crm.erp.partner.stats', 'tree'),
                                 ('crm.erp.partner.stage.history', 'pivot'),
                                 ('crm.erp.partner.stage.history', 'graph'),
                                 ('crm.erp.partner.product.history', 'pivot'),
                                 ('crm.erp.partner.product.history', 'graph')]:
            self.assertTrue(self.env[model].sudo(salesman).fields_view_get(view_type=view_type)['arch'])
        conversions = self.env['crm.erp.partner.stage.history'].sudo(salesman).read_group(
            [('partner_id', '=', partner.id)], ['from_stage', 'to_stage'], ['from_stage', 'to_stage'], lazy=False)
        self.assertEqual([(g['from_stage'], g['to_stage'], g['__count']) for g in conversions],
                         [('prospect', 'new', 1)])
        # the customer's stage history opens as a timeline (its list), not as the conversion pivot
        action = partner.sudo(salesman).action_open_customer_stage_history()
        self.assertEqual(([view_type for _view, view_type in action['views']], action['domain']),
                         (['tree', 'pivot', 'graph'], [('partner_id', '=', partner.id)]))

    def test_conversion_rates_and_time_in_stage(self):
        History = self.env['crm.erp.partner.stage.history']
        partners = [self._customer('Conv %d' % i) for i in range(4)]
        # 4 leave Prospect: 3 to Lead, 1 to New; of the 3 leads, 1 goes on to Opportunity after 10 days
        for partner, to_stage in zip(partners, ['lead', 'lead', 'lead', 'new']):
            History.create({'company_id': self.company_a.id, 'partner_id': partner.id, 'from_stage': 'prospect',
                            'to_stage': to_stage, 'date': '2025-10-01', 'reason': 'manual'})
        History.create({'company_id': self.company_a.id, 'partner_id': partners[0].id, 'from_stage': 'lead',
                        'to_stage': 'opportunity', 'date': '2025-10-11', 'reason': 'manual',
                        'days_in_from_stage': 10})
        domain = [('partner_id', 'in', [p.id for p in partners])]
        groups = History.read_group(domain, ['from_stage', 'to_stage', 'conversion_rate', 'days_in_from_stage'],
                                    ['from_stage', 'to_stage'], lazy=False)
        self.assertEqual(sorted((g['from_stage'], g['to_stage'], g['__count'], g['conversion_rate'])
                                for g in groups),
                         [('lead', 'opportunity', 1, 100.0), ('prospect', 'lead', 3, 75.0),
                          ('prospect', 'new', 1, 25.0)])
        lead_row = History.read_group(domain, ['from_stage', 'days_in_from_stage', 'conversion_rate'],
                                      ['from_stage'])
        self.assertEqual(sorted((g['from_stage'], g['from_stage_count'], g['conversion_rate'], g['days_in_from_stage'])
                                for g in lead_row), [('lead', 1, 100.0, 10.0), ('prospect', 4, 100.0, False)])
        # grouped by To only: share of every change in the filter
        by_to = History.read_group(domain, ['to_stage', 'conversion_rate'], ['to_stage'])
        self.assertEqual(sorted((g['to_stage'], g['conversion_rate']) for g in by_to),
                         [('lead', 60.0), ('new', 20.0), ('opportunity', 20.0)])
        # the pivot's rows and columns in funnel order, not alphabetical (lead < new < opportunity
        # < prospect); a caller's own order is kept
        self.assertEqual([g['from_stage'] for g in lead_row], ['prospect', 'lead'])
        self.assertEqual([g['to_stage'] for g in by_to], ['lead', 'opportunity', 'new'])
        self.assertEqual([g['to_stage'] for g in History.read_group(domain, ['to_stage'], ['to_stage'],
                                                                    orderby='to_stage desc')],
                         ['opportunity', 'new', 'lead'])
