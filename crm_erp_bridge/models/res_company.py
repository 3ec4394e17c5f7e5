from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Settings that change the baskets or the stored pairs: a change recomputes the affinity.
_AFFINITY_BASKET_FIELDS = {'affinity_basket_days', 'affinity_exclude_services', 'affinity_min_count'}


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
        ('affinity_min_count_positive', 'CHECK (affinity_min_count > 0)',
         'The affinity minimum count must be at least 1.'),
    ]

    # Recommendations
    affinity_basket_days = fields.Integer(
        string='Basket Window (Days)', default=0,
        help='0: every confirmed order is one basket. N > 0: consecutive orders of the same '
             'customer at most N days apart form one basket.')
    affinity_exclude_services = fields.Boolean(
        string='Ignore Services in Baskets', default=True,
        help='Service products are left out of the co-purchase baskets.')
    affinity_min_count = fields.Integer(
        string='Minimum Co-purchases', default=2,
        help='A product pair is kept only when at least this many baskets hold both products.')
    affinity_min_lift = fields.Float(
        string='Minimum Lift', default=1.0,
        help='A product pair is shown only when its lift reaches this value (1 = independent).')
    recommendation_half_life_days = fields.Integer(
        string='Recency Half-life (Days)', default=180,
        help='A product bought this many days ago weighs half as much as one bought today.')
    recommendation_exclude_days = fields.Integer(
        string='Skip Products Bought Within (Days)', default=60,
        help='Products the customer bought within this many days are not recommended, '
             'unless they are repeat-purchase items.')
    recommendation_repeat_share = fields.Float(
        string='Repeat-purchase Share', default=0.5,
        help='A product is a repeat-purchase item when at least this share of its customers '
             'bought it in two or more baskets.')
    recommendation_stock_mode = fields.Selection([
        ('hide', 'Hide'), ('demote', 'Demote'), ('show', 'Show'),
    ], string='Out-of-stock Recommendations', default='demote', required=True,
        help='What to do with stockable products without free stock and without incoming supply: '
             'hide them, list them after the available ones, or show them in score order.')
    cross_sell_top_n = fields.Integer(
        string='Cross-sell Opportunities per Customer', default=3,
        help='The top N recommendations of a customer become cross-sell opportunities.')
    cross_sell_win_back = fields.Boolean(
        string='Win-back Campaigns',
        help='Also create cross-sell opportunities for customers in the lifecycle stage Lost.')

    @api.constrains('affinity_basket_days', 'affinity_min_lift', 'recommendation_half_life_days',
                    'recommendation_exclude_days', 'recommendation_repeat_share', 'cross_sell_top_n')
    def _check_recommendation_settings(self):
        for company in self:
            if (company.affinity_basket_days < 0 or company.affinity_min_lift < 0
                    or company.recommendation_half_life_days <= 0 or company.recommendation_exclude_days < 0
                    or not 0 <= company.recommendation_repeat_share <= 1
                    or not 1 <= company.cross_sell_top_n <= 100):
                raise ValidationError(_(
                    'Recommendation settings: the basket window and exclusion days cannot be negative, '
                    'the half-life must be positive, the repeat share lies between 0 and 1, the '
                    'minimum lift is not negative and cross-sell takes 1 to 100 products.'))

    # Lead score
    crm_erp_lead_score_pipeline = fields.Selection([
        ('stage', 'Stage probability'), ('win_chance', 'Win chance'),
    ], string='Weighted Pipeline Uses', default='stage', required=True,
        help="Stage probability: the weighted revenue of an opportunity is its expected revenue x the "
             "probability of its stage (Odoo's way). Win chance: x its lead score, learned from the "
             "company's won and lost leads (the stage probability when the lead has no score yet). "
             "Odoo's own probability field is never changed.")

    @api.multi
    def write(self, vals):
        """Settings that change what a basket holds recompute the companies' affinity; counting
        services or not also changes their best sellers."""
        changed = {name: self.filtered(lambda company: name in vals and company[name] != vals[name])
                   for name in _AFFINITY_BASKET_FIELDS}
        result = super().write(vals)
        # sudo: recounts after a settings change (raw counts, nothing returned to the caller)
        affinity = self.env['crm.erp.product.affinity'].sudo()
        services_changed = changed.pop('affinity_exclude_services')
        if services_changed:
            affinity._recompute_all(services_changed)
        other_changed = self.browse().union(*changed.values()) - services_changed
        if other_changed:
            affinity._recompute_affinity(other_changed.ids)
        return result
