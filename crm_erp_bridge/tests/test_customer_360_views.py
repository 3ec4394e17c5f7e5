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
