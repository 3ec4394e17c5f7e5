from odoo import api, fields, models

from ..companies import allowed_company


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    # Customer 360
    customer_360_at_risk_alive = fields.Float(related='company_id.customer_360_at_risk_alive')
    customer_360_lost_alive = fields.Float(related='company_id.customer_360_lost_alive')
    customer_360_clv_horizon_months = fields.Integer(related='company_id.customer_360_clv_horizon_months')
    customer_360_clv_discount_rate = fields.Float(related='company_id.customer_360_clv_discount_rate')

    # Pipeline demand and purchasing
    pipeline_revenue_from_lines = fields.Boolean(
        related='company_id.pipeline_revenue_from_lines')
    pipeline_horizon_weeks = fields.Integer(related='company_id.pipeline_horizon_weeks')

    # Recommendations
    affinity_basket_days = fields.Integer(related='company_id.affinity_basket_days')
    affinity_exclude_services = fields.Boolean(related='company_id.affinity_exclude_services')
    affinity_min_count = fields.Integer(related='company_id.affinity_min_count')
    affinity_min_lift = fields.Float(related='company_id.affinity_min_lift')
    recommendation_half_life_days = fields.Integer(related='company_id.recommendation_half_life_days')
    recommendation_exclude_days = fields.Integer(related='company_id.recommendation_exclude_days')
    recommendation_repeat_share = fields.Float(related='company_id.recommendation_repeat_share')
    recommendation_stock_mode = fields.Selection(related='company_id.recommendation_stock_mode')
    cross_sell_top_n = fields.Integer(related='company_id.cross_sell_top_n')
    cross_sell_win_back = fields.Boolean(related='company_id.cross_sell_win_back')
    cross_sell_max_per_run = fields.Integer(related='company_id.cross_sell_max_per_run')
    cross_sell_max_per_salesperson = fields.Integer(related='company_id.cross_sell_max_per_salesperson')
    cross_sell_refusal_days = fields.Integer(related='company_id.cross_sell_refusal_days')
    cross_sell_won_count = fields.Integer(string='Cross-sell Won', compute='_compute_cross_sell_win_rate')
    cross_sell_lost_count = fields.Integer(string='Cross-sell Lost', compute='_compute_cross_sell_win_rate')
    cross_sell_win_rate = fields.Float(
        string='Cross-sell Win Rate (%)', compute='_compute_cross_sell_win_rate',
        help='Of the cross-sell opportunities of the company that are closed, the share won: '
             'won / (won + lost), in percent.')

    # Lead score
    crm_erp_lead_score_pipeline = fields.Selection(related='company_id.crm_erp_lead_score_pipeline')

    # Satisfaction
    delivery_rating_request = fields.Boolean(related='company_id.delivery_rating_request')

    # Lead qualification
    crm_erp_qualify_min_chance = fields.Float(related='company_id.crm_erp_qualify_min_chance')
    crm_erp_drop_max_chance = fields.Float(related='company_id.crm_erp_drop_max_chance')
    crm_erp_qualify_field_ids = fields.Many2many(related='company_id.crm_erp_qualify_field_ids')

    @api.depends('company_id')
    def _compute_cross_sell_win_rate(self):
        for settings in self:
            # anybody may create settings (a transient model) for any company: check it
            company = allowed_company(self.env, settings.company_id.id, 'company_id')
            figures = self.env['crm.lead']._cross_sell_win_rate(company)
            settings.cross_sell_won_count = figures['won']
            settings.cross_sell_lost_count = figures['lost']
            settings.cross_sell_win_rate = figures['win_rate']
