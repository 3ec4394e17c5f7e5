from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Per-company settings of the bridge (edited through res.config.settings)."""
    _inherit = 'res.company'

    # Customer 360
    customer_360_at_risk_factor = fields.Float(
        'At-risk factor (k)', default=2.0,
        help='A repeat customer is at risk when their last order is older than k times their '
             'own average number of days between orders.')
    customer_360_lost_days = fields.Integer(
        'Lost after (days)', default=365,
        help='A customer without any order for longer than this is lost.')

    @api.constrains('customer_360_at_risk_factor', 'customer_360_lost_days')
    def _check_customer_360_thresholds(self):
        for company in self:
            if company.customer_360_at_risk_factor <= 0 or company.customer_360_lost_days <= 0:
                raise ValidationError(_('The Customer 360 at-risk factor and lost horizon must be positive.'))

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
