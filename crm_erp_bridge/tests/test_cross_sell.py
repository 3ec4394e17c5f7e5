from odoo.exceptions import AccessError, UserError

from .recommendation_common import RecommendationCase


class TestCrossSell(RecommendationCase):
    """Customer X's top 2 Discover recommendations are P2 (bought with P1) and P4 (bought by
    similar customers); P1, bought before, is a re-order item: no cross-sell opportunity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.cross_sell_top_n = 2
        cls.salesman = cls.env['res.users'].create({
            'name': 'Cross Salesman', 'login': 'cross_salesman', 'company_id': cls.company.id,
            'company_ids': [(6, 0, cls.company.ids)],
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman').id])]})
        cls.team = cls.env['crm.team'].create({'name': 'Cross team', 'company_id': cls.company.id})
        cls.customer_x.write({'user_id': cls.salesman.id, 'team_id': cls.team.id})

    def test_creates_opportunities_once(self):
        lead_ids = self.Partner.create_cross_sell_opportunities([self.customer_x.id])
        leads = self.env['crm.lead'].browse(lead_ids)
        self.assertEqual(leads.mapped('cross_sell_product_id'), self.p2 | self.p4)
        p2_lead = leads.filtered(lambda lead: lead.cross_sell_product_id == self.p2)
        self.assertEqual((p2_lead.type, p2_lead.partner_id, p2_lead.user_id, p2_lead.team_id, p2_lead.company_id),
                         ('opportunity', self.customer_x, self.salesman, self.team, self.company))
        self.assertEqual(p2_lead.tag_ids, self.env.ref('crm_erp_bridge.crm_lead_tag_cross_sell'))
        self.assertEqual(p2_lead.source_id, self.env.ref('crm_erp_bridge.utm_source_cross_sell'))
        # list price 20 x the median quantity of P2's lines (3)
        self.assertEqual(p2_lead.planned_revenue, 60.0)
        self.assertIn('Bought by 75 % of customers who bought Affinity P1', p2_lead.description)
        p4_lead = leads - p2_lead
        self.assertEqual(p4_lead.planned_revenue, 40.0)  # 40 x median 1
        # running again changes nothing, also from a contact of the customer
        contact = self.Partner.create({'name': 'X buyer', 'parent_id': self.customer_x.id})
        self.assertEqual(self.Partner.create_cross_sell_opportunities([self.customer_x.id, contact.id]), [])
        self.assertEqual(self.env['crm.lead'].search_count([('cross_sell_product_id', '!=', False)]), 2)

    def test_win_rate(self):
        leads = self.env['crm.lead'].browse(self.Partner.create_cross_sell_opportunities([self.customer_x.id]))
        settings = self.env['res.config.settings'].create({})
        self.assertEqual((settings.cross_sell_won_count, settings.cross_sell_lost_count, settings.cross_sell_win_rate),
                         (0, 0, 0.0))
        leads[0].action_set_won()
        leads[1].action_set_lost()
        settings = self.env['res.config.settings'].create({})
        self.assertEqual((settings.cross_sell_won_count, settings.cross_sell_lost_count, settings.cross_sell_win_rate),
                         (1, 1, 50.0))

    def test_respects_the_customer(self):
        self.customer_y.opt_out = True
        self.customer_w.active = False
        self.assertEqual(self.Partner.create_cross_sell_opportunities([self.customer_y.id, self.customer_w.id]), [])
        self.customer_x.customer_stage = 'lost'
        self.assertEqual(self.Partner.create_cross_sell_opportunities([self.customer_x.id]), [])
        self.company.cross_sell_win_back = True
        self.assertEqual(len(self.Partner.create_cross_sell_opportunities([self.customer_x.id])), 2)

    def test_rights_and_input(self):
        with self.assertRaises(AccessError):
            self.Partner.sudo(self.salesman).create_cross_sell_opportunities([self.customer_x.id])
        with self.assertRaises(UserError):
            self.Partner.create_cross_sell_opportunities([self.customer_x.id, 'x'])
        with self.assertRaises(UserError):
            self.Partner.create_cross_sell_opportunities([10 ** 8])

    def test_cron(self):
        self.Partner._cron_create_cross_sell_opportunities()
        self.assertEqual(self.env['crm.lead'].search_count(
            [('partner_id', '=', self.customer_x.id), ('cross_sell_product_id', '!=', False)]), 2)
