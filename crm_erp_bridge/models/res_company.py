from odoo import _, api, fields, models

from ..exceptions import ValidationError


# Settings that change the baskets or the stored pairs: a change recomputes the affinity.
_AFFINITY_BASKET_FIELDS = {'affinity_basket_days', 'affinity_exclude_services', 'affinity_min_count'}
# Rules of the lead qualification: a change reclassifies the company's open leads.
_QUALIFICATION_FIELDS = {'crm_erp_qualify_min_chance', 'crm_erp_drop_max_chance', 'crm_erp_qualify_field_ids'}


class ResCompany(models.Model):
    """Per-company settings of the bridge (edited through res.config.settings)."""
    _inherit = 'res.company'

    # Customer 360
    customer_360_at_risk_alive = fields.Float(
        'At risk below (chance to buy again, %)', default=50.0,
        help='A customer is At risk when the lifetime value model gives them less than this chance '
             'of still being a customer who buys again (P(alive), in %). Not on the day of an order.')
    customer_360_lost_alive = fields.Float(
        'Lost below (chance to buy again, %)', default=20.0,
        help='A customer is Lost when the lifetime value model gives them less than this chance of '
             'still being a customer who buys again (P(alive), in %). Not on the day of an order.')
    customer_360_clv_horizon_months = fields.Integer(
        'Predicted value over (months)', default=12,
        help='The Customer 360\'s predicted value adds up the orders expected over this many months.')
    customer_360_clv_discount_rate = fields.Float(
        'Yearly discount rate (%)', default=0.0,
        help='Future orders count for less the later they are expected: each year by this rate '
             '(0: no discount).')

    @api.constrains('customer_360_at_risk_alive', 'customer_360_lost_alive', 'customer_360_clv_horizon_months',
                    'customer_360_clv_discount_rate')
    def _check_customer_360_thresholds(self):
        for company in self:
            if not 0 <= company.customer_360_lost_alive <= company.customer_360_at_risk_alive <= 100:
                raise ValidationError(_('The Customer 360 thresholds are percentages from 0 to 100, the Lost '
                                        'one not above the At risk one.'))
            if not 1 <= company.customer_360_clv_horizon_months <= 120 or \
                    not 0 <= company.customer_360_clv_discount_rate <= 100:
                raise ValidationError(_('The predicted value horizon takes 1 to 120 months and the yearly '
                                        'discount rate 0 to 100 %.'))

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
        string='Orders Within (Days) Make One Basket', default=0,
        help='0: every confirmed order is one basket. N > 0: consecutive orders of the same '
             'customer at most N days apart form one basket.')
    affinity_exclude_services = fields.Boolean(
        string='Ignore Services in Baskets', default=True,
        help='Service products are left out of the co-purchase baskets.')
    affinity_min_count = fields.Integer(
        string='Orders Needed to Pair Two Products', default=2,
        help='A product pair is kept only when at least this many baskets hold both products.')
    affinity_min_lift = fields.Float(
        string='Pairs Shown From (x Chance)', default=1.0,
        help='A product pair is shown only when the two are bought together at least this many times as often '
             'as chance would have it (its lift; 1 = independent).')
    recommendation_half_life_days = fields.Integer(
        string='Recency Half-life (Days)', default=180,
        help="Only for the co-purchase affinity score (an addon may still use it): the recommendations' own weights "
             "are tuned every night.")
    recommendation_exclude_days = fields.Integer(
        string='Skip Products Bought Within (Days)', default=60,
        help='Best sellers that fill a short list leave out products bought within this many days, unless customers '
             're-buy them.')
    recommendation_repeat_share = fields.Float(
        string='Re-bought by (Share of Its Customers)', default=0.5,
        help='A product is a repeat-purchase item when at least this share of its customers (0.5 = half) '
             'bought it in two or more baskets.')
    recommendation_stock_mode = fields.Selection([
        ('hide', 'Hide'), ('demote', 'Demote'), ('show', 'Show'),
    ], string='Out-of-stock Recommendations', default='demote', required=True,
        help='What to do with stockable products without free stock and without incoming supply: '
             'hide them, list them after the available ones, or show them in score order.')
    cross_sell_top_n = fields.Integer(
        string='Products per Cross-sell Opportunity', default=3,
        help="Each customer gets one cross-sell opportunity carrying up to this many of the products "
             "recommended to them, as product lines.")
    cross_sell_win_back = fields.Boolean(
        string='Win-back Campaigns',
        help='Also create cross-sell opportunities for customers in the lifecycle stage Lost.')
    cross_sell_max_per_run = fields.Integer(
        string='New Cross-sell Opportunities per Run', default=50,
        help='One run (the nightly job or a manager\'s action) creates at most this many cross-sell '
             'opportunities; the customers whose suggestions are worth the most come first.')
    cross_sell_max_per_salesperson = fields.Integer(
        string='Open Cross-sell Opportunities per Salesperson', default=10,
        help='A run gives a salesperson new cross-sell opportunities only while they hold fewer open '
             'ones than this (the ones already open count).')
    cross_sell_refusal_days = fields.Integer(
        string='Do Not Offer a Refused Product Again For (Days)', default=180,
        help='A product on a cross-sell opportunity the customer turned down (marked lost) is not '
             'suggested to that customer again for this many days. 0: suggest it again at once.')

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

    @api.constrains('cross_sell_max_per_run', 'cross_sell_max_per_salesperson', 'cross_sell_refusal_days')
    def _check_cross_sell_settings(self):
        for company in self:
            if (not 1 <= company.cross_sell_max_per_run <= 10000
                    or not 1 <= company.cross_sell_max_per_salesperson <= 10000
                    or not 0 <= company.cross_sell_refusal_days <= 3650):
                raise ValidationError(_(
                    'Cross-sell settings: a run creates 1 to 10000 opportunities, a salesperson holds 1 to '
                    '10000 open ones, and a refused product waits 0 to 3650 days.'))

    # Lead score
    crm_erp_lead_score_pipeline = fields.Selection([
        ('stage', 'Stage probability'), ('win_chance', 'Win chance'),
    ], string='Weighted Pipeline Uses', default='stage', required=True,
        help="Stage probability: the weighted revenue of an opportunity is its expected revenue x the "
             "probability of its stage (Odoo's way). Win chance: x its lead score, learned from the "
             "company's won and lost leads (the stage probability when the lead has no score yet). "
             "Odoo's own probability field is never changed.")

    # Satisfaction (docs/service-requests.md, "Rating after a delivery")
    delivery_rating_request = fields.Boolean(
        'Ask Customers to Rate Their Deliveries',
        help='When a delivery to a customer is done, the customer gets an email with three faces to rate '
             'it, once per delivery, without a login. Not to customers without an email or who opted out.')

    # Lead qualification
    crm_erp_qualify_min_chance = fields.Float(
        'Qualified from a win chance of (%)', default=50.0,
        help='An open lead with every required field filled and at least this win chance is qualified. '
             'Below it, or with a required field empty, it is to qualify. A lead without a win chance '
             'yet is to qualify (qualified when this is 0 and its required fields are filled).')
    crm_erp_drop_max_chance = fields.Float(
        'To drop under a win chance of (%)', default=10.0,
        help='An open lead whose win chance is under this is to drop: it will most likely not buy. '
             '0: no lead is to drop.')
    crm_erp_qualify_field_ids = fields.Many2many(
        'ir.model.fields', 'crm_erp_company_qualify_field_rel', 'company_id', 'field_id',
        # no field domain: Odoo 11 would hide another model's field from the check below (the
        # settings view offers the lead's fields only)
        string='Fields a qualified lead has filled',
        help='A lead with one of these fields empty is still to qualify, whatever its win chance; '
             'the lead shows which ones are missing.')

    @api.constrains('crm_erp_qualify_min_chance', 'crm_erp_drop_max_chance', 'crm_erp_qualify_field_ids')
    def _check_crm_erp_qualification(self):
        for company in self:
            if not 0 <= company.crm_erp_drop_max_chance <= company.crm_erp_qualify_min_chance <= 100:
                raise ValidationError(_(
                    'Lead qualification: the win chances are percentages from 0 to 100, the one under which a '
                    'lead is to drop not above the one from which it is qualified.'))
            # sudo: the model of the chosen fields, whoever edits the settings
            if any(field.model != 'crm.lead' for field in company.sudo().crm_erp_qualify_field_ids):
                raise ValidationError(_('Lead qualification: the required fields must be fields of a lead.'))

    @api.multi
    def write(self, vals):
        """Settings that change what a basket holds recompute the companies' affinity; counting
        services or not also changes their best sellers. New qualification rules reclassify the
        companies' open leads."""
        changed = {name: self.filtered(lambda company: name in vals and company[name] != vals[name])
                   for name in _AFFINITY_BASKET_FIELDS}
        result = super().write(vals)
        if _QUALIFICATION_FIELDS.intersection(vals):
            # the rules as written (Odoo's own write cleared the caches before writing them)
            self.clear_caches()
            # sudo: every open lead of the company follows its rules, not only those the editor sees
            leads = self.env['crm.lead'].sudo().search([('company_id', 'in', self.ids)])
            leads._crm_erp_qualification_refresh()
            # the missing fields of the leads read so far (not stored)
            self.env['crm.lead'].invalidate_cache(['crm_erp_qualification_missing'])
        # sudo: recounts after a settings change (raw counts, nothing returned to the caller)
        affinity = self.env['crm.erp.product.affinity'].sudo()
        services_changed = changed.pop('affinity_exclude_services')
        if services_changed:
            affinity._recompute_all(services_changed)
        other_changed = self.browse().union(*changed.values()) - services_changed
        if other_changed:
            affinity._recompute_affinity(other_changed.ids)
        return result
