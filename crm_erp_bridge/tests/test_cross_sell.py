from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError

from .recommendation_common import RecommendationCase


class TestCrossSell(RecommendationCase):
    """Customer X's top 2 Discover recommendations are P2 (bought with P1, typical quantity 3) and
    P4 (bought by similar customers, 1); P1, bought before, is a re-order item: no cross-sell line.
    X buys at a pricelist 10 % below the list prices (P2 20 -> 18, P4 40 -> 36)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.cross_sell_top_n = 2
        cls.salesman = cls._salesman('Cross Salesman', 'cross_salesman')
        cls.team = cls.env['crm.team'].create({'name': 'Cross team', 'company_id': cls.company.id})
        cls.customer_x.write({'user_id': cls.salesman.id, 'team_id': cls.team.id})
        cls.discount = cls.env['product.pricelist'].create({
            'name': 'Cross 10 % off', 'currency_id': cls.company.currency_id.id, 'company_id': cls.company.id,
            'item_ids': [(0, 0, {'applied_on': '3_global', 'compute_price': 'percentage', 'percent_price': 10.0})]})
        cls.customer_x.with_context(force_company=cls.company.id).property_product_pricelist = cls.discount
        cls.Lead = cls.env['crm.lead'].with_context(active_test=False)

    @classmethod
    def _salesman(cls, name, login):
        return cls.env['res.users'].create({
            'name': name, 'login': login, 'company_id': cls.company.id,
            'company_ids': [(6, 0, cls.company.ids)],
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman').id])]})

    def _run(self, *partners):
        return self.env['crm.lead'].browse(self.Partner.create_cross_sell_opportunities([p.id for p in partners]))

    @staticmethod
    def _lines(lead):
        return [(line.product_id, line.product_qty, line.price_unit, line.price_subtotal) for line in lead.line_ids]

    def _cross_sell_leads(self, partner=None):
        domain = [('is_cross_sell', '=', True)]
        if partner:
            domain.append(('partner_id', '=', partner.id))
        return self.Lead.search(domain)

    def test_one_opportunity_per_customer_with_lines(self):
        lead = self._run(self.customer_x)
        self.assertEqual(len(lead), 1)
        self.assertEqual((lead.type, lead.partner_id, lead.user_id, lead.team_id, lead.company_id, lead.is_cross_sell),
                         ('opportunity', self.customer_x, self.salesman, self.team, self.company, True))
        self.assertEqual(self._lines(lead), [(self.p2, 3.0, 18.0, 54.0), (self.p4, 1.0, 36.0, 36.0)])
        # expected revenue = the lines' total at the customer's pricelist
        self.assertEqual(lead.planned_revenue, 90.0)
        self.assertEqual(lead.planned_revenue, sum(lead.line_ids.mapped('price_subtotal')))
        self.assertEqual(lead.name, 'Cross-sell: Affinity P2, Affinity P4')
        self.assertEqual(lead.tag_ids, self.env.ref('crm_erp_bridge.crm_lead_tag_cross_sell'))
        self.assertEqual(lead.source_id, self.env.ref('crm_erp_bridge.utm_source_cross_sell'))
        self.assertIn('- Affinity P2, 3 Unit(s): Bought by 75 % of customers who bought Affinity P1', lead.description)
        # running again changes nothing, also from a contact of the customer
        contact = self.Partner.create({'name': 'X buyer', 'parent_id': self.customer_x.id})
        self.assertFalse(self._run(self.customer_x, contact))
        self.assertEqual(self._cross_sell_leads(), lead)

    def test_list_price_without_pricelist_rule(self):
        self.customer_x.with_context(force_company=self.company.id).property_product_pricelist = self.pricelist
        lead = self._run(self.customer_x)
        self.assertEqual(self._lines(lead), [(self.p2, 3.0, 20.0, 60.0), (self.p4, 1.0, 40.0, 40.0)])
        self.assertEqual(lead.planned_revenue, 100.0)

    def test_revenue_follows_the_lines_when_the_company_asks(self):
        self.company.pipeline_revenue_from_lines = True
        lead = self._run(self.customer_x)
        self.assertEqual(lead.planned_revenue, 90.0)
        lead.line_ids[1].unlink()
        self.assertEqual(lead.planned_revenue, 54.0)

    def test_win_rate(self):
        won = self._run(self.customer_x)
        settings = self.env['res.config.settings'].create({})
        self.assertEqual((settings.cross_sell_won_count, settings.cross_sell_lost_count, settings.cross_sell_win_rate),
                         (0, 0, 0.0))
        won.action_set_won()
        # a won opportunity is no longer open: the next run proposes again
        lost = self._run(self.customer_x)
        self.assertEqual(len(lost), 1)
        lost.action_set_lost()
        settings = self.env['res.config.settings'].create({})
        self.assertEqual((settings.cross_sell_won_count, settings.cross_sell_lost_count, settings.cross_sell_win_rate),
                         (1, 1, 50.0))

    def test_refused_products_wait_the_refusal_days(self):
        self.company.cross_sell_refusal_days = 30
        refused = self._run(self.customer_x)
        refused.action_set_lost()
        # P2 and P4 were refused: the next suggestions leave them out
        again = self._run(self.customer_x)
        self.assertFalse(set(again.mapped('line_ids.product_id').ids) & {self.p2.id, self.p4.id})
        again.unlink()
        # refused 31 days ago: offered again
        closed = datetime.now() - timedelta(days=31)
        refused.write({'date_closed': fields.Datetime.to_string(closed)})
        again = self._run(self.customer_x)
        self.assertEqual(again.mapped('line_ids.product_id'), self.p2 | self.p4)
        again.unlink()
        # 0 days: a refusal does not hold
        refused.write({'date_closed': fields.Datetime.now()})
        self.company.cross_sell_refusal_days = 0
        self.assertEqual(self._run(self.customer_x).mapped('line_ids.product_id'), self.p2 | self.p4)

    def test_a_line_removed_is_a_refusal(self):
        """The customer takes P4 but not P2: the salesperson removes P2's line and wins the
        opportunity; P2 is not offered again within the refusal days from the win."""
        self.company.cross_sell_refusal_days = 30
        lead = self._run(self.customer_x)
        lead.line_ids.filtered(lambda line: line.product_id == self.p2).unlink()
        self.assertEqual(lead.cross_sell_refused_product_ids, self.p2)
        lead.action_set_won()
        again = self._run(self.customer_x)
        self.assertNotIn(self.p2, again.mapped('line_ids.product_id'))
        self.assertIn(self.p4, again.mapped('line_ids.product_id'))  # not refused
        again.unlink()
        lead.write({'date_closed': fields.Datetime.to_string(datetime.now() - timedelta(days=31))})
        self.assertIn(self.p2, self._run(self.customer_x).mapped('line_ids.product_id'))

    def test_lines_removed_elsewhere_are_no_refusal(self):
        """Lines removed from an opportunity that is not a cross-sell one, or from a closed
        cross-sell one, record nothing."""
        plain = self.Lead.create({'name': 'Plain', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                                  'company_id': self.company.id, 'line_ids': [(0, 0, {'product_id': self.p2.id})]})
        plain.line_ids.unlink()
        self.assertFalse(plain.cross_sell_refused_product_ids)
        lead = self._run(self.customer_x)
        lead.action_set_won()
        lead.line_ids.unlink()
        self.assertFalse(lead.cross_sell_refused_product_ids)

    def test_a_refused_product_makes_room_for_the_next_one(self):
        """X refused P2 only (a lost cross-sell opportunity with P2): P4 and the next best
        recommendation fill the two lines."""
        expected = [item['product_id'] for item in self._items(self.customer_x)
                    if item['intent'] == 'discover'][:3]
        self.assertEqual(expected[:2], [self.p2.id, self.p4.id])
        self.Lead.create({'name': 'Refused', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                          'company_id': self.company.id, 'is_cross_sell': True,
                          'line_ids': [(0, 0, {'product_id': self.p2.id})]}).action_set_lost()
        lead = self._run(self.customer_x)
        self.assertEqual(lead.line_ids.mapped('product_id').ids, [pid for pid in expected if pid != self.p2.id])

    def test_caps_per_run_and_per_salesperson(self):
        """X and three new customers who bought P1 get the same suggestions (P2, P4, same
        value); X and C1 belong to one salesman, C2 and C3 to another."""
        other = self._salesman('Cross Salesman 2', 'cross_salesman_2')
        c1 = self._customer('Cross C1', user_id=self.salesman.id)
        c2 = self._customer('Cross C2', user_id=other.id)
        c3 = self._customer('Cross C3', user_id=other.id)
        for customer in (c1, c2, c3):
            self._order(customer, '2025-12-01', [self.p1])
            customer.with_context(force_company=self.company.id).property_product_pricelist = self.discount
        self.Affinity._recompute_all(self.company)
        customers = self.customer_x | c1 | c2 | c3
        self.company.write({'cross_sell_max_per_run': 3, 'cross_sell_max_per_salesperson': 10})
        first = self._run(*customers)
        self.assertEqual(first.mapped('partner_id'), self.customer_x | c1 | c2)  # same value: by id
        first.unlink()
        self.company.write({'cross_sell_max_per_run': 10, 'cross_sell_max_per_salesperson': 1})
        first = self._run(*customers)
        self.assertEqual(first.mapped('partner_id'), self.customer_x | c2)
        self.assertEqual(first.mapped('user_id'), self.salesman | other)
        # the open ones count: nothing more until the cap is raised
        self.assertFalse(self._run(*customers))
        self.company.cross_sell_max_per_salesperson = 2
        self.assertEqual(self._run(*customers).mapped('partner_id'), c1 | c3)
        self.assertFalse(self._run(*customers))
        self.assertEqual(len(self._cross_sell_leads()), 4)

    def test_the_most_valuable_customers_come_first(self):
        """P4 costs 400: C1, who bought P1 only, is offered P2 and P4 (3 x 20 + 400); X, who also
        bought P4, is offered P2 and a cheaper product: C1 comes first, though created after X."""
        self.p4.list_price = 400.0
        self._order(self.customer_x, '2025-12-02', [self.p4])
        c1 = self._customer('Cross C1')
        self._order(c1, '2025-12-01', [self.p1])
        self.Affinity._recompute_all(self.company)
        self.company.cross_sell_max_per_run = 1
        lead = self._run(self.customer_x, c1)
        self.assertEqual(lead.partner_id, c1)
        self.assertEqual(lead.line_ids.filtered(lambda line: line.product_id == self.p4).product_qty, 1.0)

    def test_quantities_are_whole_units(self):
        """D bought P2 in 2 units: P2's lines are 1, 2, 3 and 3 units, the median 2.5 is offered to
        C1, who never bought P2, as 3 units."""
        d = self._customer('Cross D')
        self._order(d, '2024-01-10', [(self.p1, 1.0), (self.p2, 2.0)])
        c1 = self._customer('Cross C1')
        self._order(c1, '2025-12-01', [self.p1])
        self.Affinity._recompute_all(self.company)
        lead = self._run(c1)
        line = lead.line_ids.filtered(lambda line: line.product_id == self.p2)
        self.assertEqual((line.product_qty, line.price_subtotal), (3.0, 60.0))
        self.assertIn('- Affinity P2, 3 Unit(s): ', lead.description)

    def test_companies_do_not_mix(self):
        """Open and lost cross-sell opportunities of X in another company neither block nor
        filter this company's run, nor fill its salesperson's quota."""
        other_company = self.main_company
        self.Lead.create({'name': 'Elsewhere lost', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                          'company_id': other_company.id, 'is_cross_sell': True, 'user_id': self.salesman.id,
                          'line_ids': [(0, 0, {'product_id': self.p2.id})]}).action_set_lost()
        self.Lead.create({'name': 'Elsewhere open', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                          'company_id': other_company.id, 'is_cross_sell': True, 'user_id': self.salesman.id,
                          'line_ids': [(0, 0, {'product_id': self.p4.id})]})
        self.company.cross_sell_max_per_salesperson = 1
        lead = self._run(self.customer_x)
        self.assertEqual((lead.company_id, lead.mapped('line_ids.product_id')), (self.company, self.p2 | self.p4))
        # each company's win rate counts its own opportunities
        elsewhere = self.env['crm.lead']._cross_sell_win_rate(other_company)
        lead.action_set_won()
        self.assertEqual(self.env['crm.lead']._cross_sell_win_rate(self.company),
                         {'won': 1, 'lost': 0, 'win_rate': 100.0})
        self.assertEqual(self.env['crm.lead']._cross_sell_win_rate(other_company), elsewhere)

    def test_respects_the_customer(self):
        self.customer_y.opt_out = True
        self.customer_w.active = False
        self.assertFalse(self._run(self.customer_y, self.customer_w))
        self.customer_x.customer_stage = 'lost'
        self.assertFalse(self._run(self.customer_x))
        self.company.cross_sell_win_back = True
        self.assertEqual(len(self._run(self.customer_x)), 1)

    def test_an_overdue_request_blocks_cross_sell_until_solved(self):
        request = self.env['crm.erp.service.request'].create({
            'name': 'Late delivery', 'partner_id': self.customer_x.id, 'company_id': self.company.id,
            'date_received': '2020-01-01 08:00:00'})
        self.assertTrue(request.is_overdue)
        self.assertFalse(self._run(self.customer_x))
        request.stage_id = self.env.ref('crm_erp_bridge.crm_erp_service_stage_solved')
        self.assertEqual(len(self._run(self.customer_x)), 1)

    def test_a_highly_dissatisfied_last_rating_blocks_cross_sell_until_a_better_one(self):
        """The stage rule service_low_rating blocks cross-sell (rules.CROSS_SELL_BLOCKING_REASONS)
        while it holds: a satisfied rating given later ends it."""
        solved = self.env.ref('crm_erp_bridge.crm_erp_service_stage_solved')

        def rated(score):
            request = self.env['crm.erp.service.request'].create({
                'name': 'Rated %s' % score, 'partner_id': self.customer_x.id, 'company_id': self.company.id,
                'stage_id': solved.id})
            token = request.rating_get_access_token()
            # what Odoo's public page /rating/<token>/<score> does
            self.env['rating.rating'].sudo().search([('access_token', '=', token)]).write(
                {'rating': score, 'consumed': True})
            return request
        rated(5)  # not satisfied is no block
        self.assertEqual(len(self._run(self.customer_x)), 1)
        self._cross_sell_leads(self.customer_x).unlink()
        rated(1)
        self.assertFalse(self._run(self.customer_x))
        rated(10)
        self.assertEqual(len(self._run(self.customer_x)), 1)

    def test_settings_are_checked(self):
        for values in ({'cross_sell_max_per_run': 0}, {'cross_sell_max_per_salesperson': 0},
                       {'cross_sell_refusal_days': -1}):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.company.write(values)

    def test_rights_and_input(self):
        with self.assertRaises(AccessError):
            self.Partner.sudo(self.salesman).create_cross_sell_opportunities([self.customer_x.id])
        with self.assertRaises(UserError):
            self.Partner.create_cross_sell_opportunities([self.customer_x.id, 'x'])
        with self.assertRaises(UserError):
            self.Partner.create_cross_sell_opportunities([10 ** 8])

    def test_cron(self):
        self.Partner._cron_create_cross_sell_opportunities()
        lead = self._cross_sell_leads(self.customer_x)
        self.assertEqual(lead.mapped('line_ids.product_id'), self.p2 | self.p4)
        self.Partner._cron_create_cross_sell_opportunities()
        self.assertEqual(self._cross_sell_leads(self.customer_x), lead)
