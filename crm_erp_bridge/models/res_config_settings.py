from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    # Pipeline demand and purchasing
    pipeline_revenue_from_lines = fields.Boolean(
        related='company_id.pipeline_revenue_from_lines')
    pipeline_horizon_weeks = fields.Integer(related='company_id.pipeline_horizon_weeks')
