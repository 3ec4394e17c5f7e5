import datetime

from odoo import fields
from odoo.exceptions import AccessError

from ..rules import CUSTOMER_STAGES
from .customer_360_common import Customer360Case


class TestDashboard(Customer360Case):
    """The manager's dashboard: each tile equals a recomputation from the source rows, in funnel
    order, per company, and opens the list behind it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Tile = cls.env['crm.erp.dashboard.tile']
        # company A: a repeat customer, a new customer, a prospect of A only, a prospect of every
        # company; company B: a customer of its own
        cls.repeat = cls._customer('Dash Repeat')
        cls.new = cls._customer('Dash New')
        cls._order(cls.repeat, '2025-10-01', [(cls.product_1, 1, 100.0)])
        cls._order(cls.repeat, '2025-12-01', [(cls.product_1, 1, 300.0)])
        cls._order(cls.new, '2025-12-15', [(cls.product_2, 2, 50.0)])
        cls.prospect_a = cls._customer('Dash Prospect A', company_id=cls.company_a.id)
        cls.prospect_any = cls._customer('Dash Prospect Any')
        cls.vendor = cls.env['res.partner'].create({'name': 'Dash Vendor', 'customer': False, 'supplier': True,
                                                    'company_id': cls.company_a.id})
        cls.customer_b = cls._customer('Dash Customer B', company_id=cls.company_b.id)
        cls._order(cls.customer_b, '2025-12-01', [(cls.product_1, 1, 70.0)], company=cls.company_b)
        cls._refresh(cls.company_a | cls.company_b)

    def _tiles(self, company=None, section=None):
        return self.Tile.with_context(force_company=(company or self.company_a).id).search(
            [('section', '=', section)] if section else [])

    def test_funnel_counts_every_stage_in_funnel_order(self):
        funnel = self._tiles(section='funnel')
        self.assertEqual(funnel.mapped('customer_stage'), [stage for stage, _label in CUSTOMER_STAGES])
        expected = {group['customer_stage']: group['customer_stage_count'] for group in self.Stats.read_group(
            [('company_id', '=', self.company_a.id), ('customer_stage', '!=', 'prospect')],
            ['customer_stage'], ['customer_stage'])}
        prospects = self.env['res.partner'].with_context(force_company=self.company_a.id).search(
            [('customer', '=', True), ('parent_id', '=', False), ('customer_stage', '=', 'prospect'),
             '|', ('company_id', '=', False), ('company_id', '=', self.company_a.id)])
        self.assertIn(self.prospect_a, prospects)
        self.assertIn(self.prospect_any, prospects)
        self.assertNotIn(self.customer_b | self.vendor | self.repeat, prospects)
        expected['prospect'] = len(prospects)
        self.assertEqual({tile.customer_stage: tile.customer_count for tile in funnel},
                         dict({stage: 0 for stage, _label in CUSTOMER_STAGES}, **expected))
        self.assertEqual(sum(funnel.mapped('customer_count')), 2 + len(prospects))  # repeat, new, prospects
        # company B's prospects: the company-less customers without a row there (A's two buyers
        # and the prospect of every company), not company A's own prospect nor B's buyer
        prospects_b = self._tiles(self.company_b, 'funnel').filtered(lambda tile: tile.customer_stage == 'prospect')
        self.assertEqual(prospects_b.customer_count, expected['prospect'] - 1 + 2)

    def test_share_moved_forward_over_the_last_year(self):
        today = fields.Date.from_string(fields.Date.context_today(self.Tile))

        def change(partner, from_stage, to_stage, days_ago, company=self.company_a):
            self.env['crm.erp.partner.stage.history'].create({
                'company_id': company.id, 'partner_id': partner.id, 'from_stage': from_stage,
                'to_stage': to_stage, 'reason': 'manual',
                'date': fields.Date.to_string(today - datetime.timedelta(days=days_ago))})
        history = self.env['crm.erp.partner.stage.history']
        history.search([('company_id', 'in', (self.company_a | self.company_b).ids)]).unlink()
        change(self.repeat, 'lead', 'opportunity', 10)
        change(self.new, 'lead', 'lost', 20)
        change(self.prospect_a, 'lead', 'opportunity', 400)  # more than a year ago
        change(self.repeat, 'at_risk', 'repeat', 30)  # won back
        change(self.new, 'loyal', 'at_risk', 5)
        change(self.customer_b, 'lead', 'new', 5, self.company_b)
        funnel = {tile.customer_stage: tile for tile in self._tiles(section='funnel')}
        self.assertEqual((funnel['lead'].rate, funnel['lead'].rate_base), (50.0, 2))
        self.assertEqual((funnel['at_risk'].rate, funnel['at_risk'].rate_base), (100.0, 1))
        self.assertEqual((funnel['loyal'].rate, funnel['loyal'].rate_base), (0.0, 1))  # no forward from Loyal
        self.assertEqual(funnel['new'].rate_base, 0)

    def test_segments_and_revenue_at_risk(self):
        rows = self.Stats.search([('company_id', '=', self.company_a.id), ('rfm_segment', '!=', False)])
        self.assertTrue(rows)
        segments = {tile.rfm_segment: (tile.customer_count, tile.amount) for tile in self._tiles(section='segment')}
        expected = {}
        for row in rows:
            count, amount = expected.get(row.rfm_segment, (0, 0.0))
            expected[row.rfm_segment] = (count + 1, amount + row.sale_revenue)
        self.assertEqual(segments, expected)
        self.assertEqual(sum(amount for _count, amount in segments.values()), 500.0)  # 100 + 300 + 2 x 50
        # a customer at risk: what they buy in a year at their usual pace
        row = self._row(self.repeat)
        row.sudo().write({'customer_stage': 'at_risk'})  # sudo: a manager's hand-set stage, in a test
        risk = self._tiles(section='risk')
        self.assertEqual(risk.customer_count, 1)
        self.assertAlmostEqual(risk.amount, row.clv_annual_frequency * row.sale_average_order_value, places=2)
        self.assertGreater(risk.amount, 0)
        self.assertEqual(self._tiles(self.company_b, 'risk').customer_count, 0)

    def test_cross_sell_win_rate_as_in_the_settings(self):
        Lead = self.env['crm.lead']
        values = {'type': 'opportunity', 'partner_id': self.repeat.id, 'company_id': self.company_a.id,
                  'is_cross_sell': True}
        Lead.create(dict(values, name='Won')).action_set_won()
        Lead.create(dict(values, name='Lost')).action_set_lost()
        Lead.create(dict(values, name='Open'))
        Lead.create(dict(values, name='Other company', company_id=self.company_b.id))
        tile = self._tiles(section='cross_sell')
        self.assertEqual((tile.rate, tile.rate_base, tile.opportunity_count), (50.0, 2, 1))
        settings = Lead._cross_sell_win_rate(self.company_a)
        self.assertEqual((settings['win_rate'], settings['won'] + settings['lost']), (tile.rate, tile.rate_base))
        action = tile.action_open_list()
        self.assertEqual(Lead.with_context(action['context']).search_count(action['domain']), 3)

    def test_shortfall_tile_counts_the_report(self):
        company = self.env.ref('base.main_company')
        tile = self._tiles(company, 'supply')
        report = self.env['crm.erp.pipeline.demand.report']
        short = {(group['warehouse_id'][0], group['product_id'][0]) for group in report.read_group(
            [('company_id', '=', company.id)], ['shortfall_qty', 'warehouse_id', 'product_id'],
            ['warehouse_id', 'product_id'], lazy=False) if group['shortfall_qty'] > 0}
        self.assertTrue(short, 'the demo has a shortfall')
        self.assertEqual(tile.product_count, len(short))
        action = tile.with_context(force_company=company.id).action_open_list()
        rows = report.search(action['domain'])
        self.assertEqual({(row.warehouse_id.id, row.product_id.id) for row in rows}, short)

    def test_each_customer_tile_opens_its_customers(self):
        for tile in self._tiles().filtered(lambda tile: tile.section in ('funnel', 'segment', 'risk')):
            action = tile.action_open_list()
            model = self.env[action['res_model']].with_context(action['context'])
            self.assertEqual(model.search_count(action['domain']), tile.customer_count,
                             (tile.section, tile.customer_stage, tile.rfm_segment))

    def test_other_company_tiles_are_refused(self):
        manager_b = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Dash Manager B', 'login': 'dash_manager_b', 'company_id': self.company_b.id,
            'company_ids': [(6, 0, self.company_b.ids)],
            'groups_id': [(6, 0, [self.env.ref('base.group_user').id,
                                  self.env.ref('sales_team.group_sale_manager').id])]})
        tiles = self.Tile.sudo(manager_b).search([])
        self.assertEqual(tiles.mapped('company_id'), self.company_b)
        tile_a = self._tiles(section='risk')
        with self.assertRaises(AccessError):
            tile_a.sudo(manager_b).action_open_list()
        with self.assertRaises(AccessError):
            self.Tile.sudo(manager_b).with_context(force_company=self.company_a.id).search([])
        # a manager of both sees the current company's tiles, and the other's after switching
        manager_b.write({'company_ids': [(4, self.company_a.id)]})
        self.assertEqual(self.Tile.sudo(manager_b).search([]).mapped('company_id'), self.company_b)
        manager_b.write({'company_id': self.company_a.id})
        self.assertEqual(self.Tile.sudo(manager_b).search([]).mapped('company_id'), self.company_a)
        self.assertEqual(tile_a.sudo(manager_b).action_open_list()['domain'][0], ('company_id', '=', self.company_a.id))
