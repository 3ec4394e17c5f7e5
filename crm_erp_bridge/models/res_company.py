from odoo import fields, models


class ResCompany(models.Model):
    """Per-company settings of the bridge (edited through res.config.settings)."""
    _inherit = 'res.company'

    # Pipeline demand and purchasing
    pipeline_revenue_from_lines = fields.Boolean(
        string='Expected Revenue Follows Product Lines',
        help='The expected revenue of an opportunity with product lines is the sum of its lines.')
    pipeline_horizon_weeks = fields.Integer(
        string='Pipeline Horizon (Weeks)', default=12,
        help='Demand up to this many weeks ahead counts for the product shortfall and the RFQs.')

    _sql_constraints = [
        ('pipeline_horizon_weeks_positive', 'CHECK (pipeline_horizon_weeks > 0)',
         'The pipeline horizon must be at least one week.'),
    ]
