from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    # Customer 360
    customer_360_at_risk_factor = fields.Float(related='company_id.customer_360_at_risk_factor')
    customer_360_lost_days = fields.Integer(related='company_id.customer_360_lost_days')

    # Pipeline demand and purchasing
    pipeline_revenue_from_lines = fields.Boolean(
        related='company_id.pipeline_revenue_from_lines')
    pipeline_horizon_weeks = fields.Integer(related='company_id.pipeline_horizon_weeks')
