import logging
import math
from collections import Counter
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from ..chunked_job import nightly_budget
from ..companies import allowed_company
from ..queries import cross_sell as cross_sell_queries, customer_360 as customer_360_queries
from ..queries import service as service_queries
from ..run_lock import lock_run, retrying
from ..rules import CUSTOMER_STAGES, RATING_TEXTS, RFM_SEGMENTS, rating_text
from ..units import whole_rounding
from .record_ids import (MANAGER_GROUP, USER_GROUP, browse_readable, check_company_of, check_group, public_method,
                         public_records)

_logger = logging.getLogger(__name__)

_TOP_PRODUCT_COUNT = 5
# Recommendations fetched per customer by a cross-sell run at most (the recommendation limit).
_CROSS_SELL_FETCH = 100


def _format_qty(env, qty, uom):
    """qty with as many decimals as its rounding in uom has ("3" units, "2.5" kg)."""
    rounding = whole_rounding(env, uom)
    digits = max(0, -int(math.floor(math.log10(rounding)))) if rounding < 1 else 0
    return '%.*f' % (digits, qty)


# res.partner's Customer 360 figures: the column of crm.erp.partner.stats each one shows.
_PARTNER_FIGURES = {
    'customer_360_currency_id': 'currency_id', 'customer_order_count': 'sale_order_count',
    'customer_revenue': 'sale_revenue', 'customer_average_order_value': 'sale_average_order_value',
    'customer_first_order_date': 'first_order_date', 'customer_last_order_date': 'last_order_date',
    'customer_order_interval': 'average_order_interval', 'customer_days_since_last_order': 'days_since_last_order',
    'customer_product_count': 'product_count', 'rfm_recency_score': 'rfm_recency_score',
    'rfm_frequency_score': 'rfm_frequency_score', 'rfm_monetary_score': 'rfm_monetary_score',
    'clv_historical': 'clv_historical', 'clv_annual_frequency': 'clv_annual_frequency',
    'clv_survival_probability': 'clv_survival_probability', 'clv_predicted_12m': 'clv_predicted_12m',
    'customer_expected_orders_30': 'clv_expected_orders_30', 'customer_expected_orders_90': 'clv_expected_orders_90',
    'customer_expected_orders_365': 'clv_expected_orders_365',
    'customer_expected_order_value': 'clv_expected_order_value', 'customer_predicted_value': 'clv_predicted_value',
    'customer_stage_date': 'customer_stage_date', 'vendor_purchase_order_count': 'purchase_order_count',
    'vendor_spend': 'purchase_spend', 'vendor_last_purchase_date': 'last_purchase_date',
    'vendor_lead_time_days': 'purchase_lead_time_days', 'vendor_on_time_rate': 'purchase_on_time_rate',
}

# Figures of get_customer_360, read from the partner's Customer 360 row.
_API_FIGURES = [
    'sale_order_count', 'sale_revenue', 'sale_average_order_value', 'first_order_date',
    'last_order_date', 'average_order_interval', 'days_since_last_order', 'product_count',
    'lead_open_count', 'opportunity_open_count', 'lead_won_count', 'lead_lost_count',
    'rfm_recency_score', 'rfm_frequency_score', 'rfm_monetary_score', 'rfm_segment',
    'clv_historical', 'clv_annual_frequency', 'clv_survival_probability', 'clv_predicted_12m',
    'clv_probability_alive', 'clv_expected_orders_30', 'clv_expected_orders_90', 'clv_expected_orders_365',
    'clv_expected_order_value', 'clv_predicted_value',
    'customer_stage', 'customer_stage_locked', 'customer_stage_date',
    'purchase_order_count', 'purchase_spend', 'last_purchase_date', 'purchase_lead_time_days',
    'purchase_on_time_rate',
]


class ResPartner(models.Model):
    _inherit = 'res.partner'

    # Customer 360
    # Figures live per company in crm.erp.partner.stats; a partner (and each of its contacts)
    # shows the row of its commercial entity in the user's current company. Nothing here is
    # stored on res.partner, so installing and reading stay cheap and companies never mix. Bridge
    # users only (docs/rights.md), the historical margin managers only.
    customer_360_id = fields.Many2one('crm.erp.partner.stats', string='Customer 360',
                                      compute='_compute_customer_360_id', groups=USER_GROUP)
    # The figures below are computed from that row in the caller's environment, not related
    # fields: a related field reads its row as the system, where force_company could not be
    # checked against the user's companies (companies.allowed_company).
    customer_360_currency_id = fields.Many2one('res.currency', 'Currency', compute='_compute_customer_360_figures',
                                               groups=USER_GROUP)
    customer_order_count = fields.Integer(
        'Confirmed orders', compute='_compute_customer_360_figures', groups=USER_GROUP,
        help="Confirmed orders of the customer and its contacts in this company. Odoo's Sales button also "
             "counts quotations and cancelled orders.")
    customer_revenue = fields.Monetary('Revenue', compute='_compute_customer_360_figures',
                                       currency_field='customer_360_currency_id', groups=USER_GROUP)
    customer_average_order_value = fields.Monetary('Average order value', compute='_compute_customer_360_figures',
                                                   currency_field='customer_360_currency_id', groups=USER_GROUP)
    customer_first_order_date = fields.Date('First order', compute='_compute_customer_360_figures', groups=USER_GROUP)
    customer_last_order_date = fields.Date('Last order', compute='_compute_customer_360_figures', groups=USER_GROUP)
    customer_order_interval = fields.Float('Average days between orders', compute='_compute_customer_360_figures',
                                           groups=USER_GROUP)
    customer_days_since_last_order = fields.Integer('Days since last order', compute='_compute_customer_360_figures',
                                                    groups=USER_GROUP)
    customer_product_count = fields.Integer('Distinct products', compute='_compute_customer_360_figures',
                                            groups=USER_GROUP)
    customer_top_product_ids = fields.Many2many('crm.erp.partner.product.history', string='Top products',
                                                compute='_compute_customer_top_product_ids', groups=USER_GROUP)
    rfm_recency_score = fields.Integer(
        'Recency score', compute='_compute_customer_360_figures', groups=USER_GROUP,
        help='1 to 5 among the company\'s customers: 5 = ordered most recently. R / F / M, with the frequency '
             '(number of orders) and monetary (revenue) scores, decide the RFM segment.')
    rfm_frequency_score = fields.Integer(
        'Frequency score', compute='_compute_customer_360_figures', groups=USER_GROUP,
        help='1 to 5 among the company\'s customers: 5 = most orders.')
    rfm_monetary_score = fields.Integer(
        'Monetary score', compute='_compute_customer_360_figures', groups=USER_GROUP,
        help='1 to 5 among the company\'s customers: 5 = most revenue.')
    rfm_segment = fields.Selection(RFM_SEGMENTS, string='RFM segment', compute='_compute_customer_360_stage',
                                   search='_search_rfm_segment', groups=USER_GROUP)
    clv_historical = fields.Monetary(
        'Historical value', compute='_compute_customer_360_figures', currency_field='customer_360_currency_id',
        help='Total margin of the confirmed orders (revenue when sale_margin is not installed).',
        groups=MANAGER_GROUP)
    clv_annual_frequency = fields.Float('Orders per year', compute='_compute_customer_360_figures', groups=USER_GROUP)
    clv_survival_probability = fields.Float('Survival probability', compute='_compute_customer_360_figures',
                                            groups=USER_GROUP)
    clv_predicted_12m = fields.Monetary(
        'Predicted 12-month value', compute='_compute_customer_360_figures',
        currency_field='customer_360_currency_id',
        help='Orders per year x average order value x survival probability.', groups=USER_GROUP)
    # the lifetime value model's figures (docs/clv.md), in plain words
    customer_buy_again_percent = fields.Float(
        'Likely to buy again (%)', compute='_compute_customer_360_figures', digits=(16, 0), groups=USER_GROUP,
        help='Chance that the customer still buys from the company, from how often and how recently they '
             'ordered (the lifetime value model\'s P(alive)).')
    customer_expected_orders_30 = fields.Float('Expected orders next 30 days', digits=(16, 1),
                                               compute='_compute_customer_360_figures', groups=USER_GROUP)
    customer_expected_orders_90 = fields.Float('Expected orders next 90 days', digits=(16, 1),
                                               compute='_compute_customer_360_figures', groups=USER_GROUP)
    customer_expected_orders_365 = fields.Float('Expected orders next 365 days', digits=(16, 1),
                                                compute='_compute_customer_360_figures', groups=USER_GROUP)
    customer_expected_order_value = fields.Monetary(
        'Expected value per order', compute='_compute_customer_360_figures',
        currency_field='customer_360_currency_id', groups=USER_GROUP,
        help='Between the customer\'s own average order and the company\'s: the fewer orders, the closer '
             'to the company\'s.')
    customer_predicted_value = fields.Monetary(
        'Predicted value', compute='_compute_customer_360_figures', currency_field='customer_360_currency_id',
        groups=USER_GROUP,
        help='Expected orders over the coming months (company setting) x expected value per order, '
             'untaxed, discounted at the company\'s yearly rate.')
    customer_360_horizon_months = fields.Integer('Months', compute='_compute_customer_360_figures',
                                                 groups=USER_GROUP)
    customer_stage = fields.Selection(CUSTOMER_STAGES, string='Lifecycle stage',
                                      compute='_compute_customer_360_stage',
                                      inverse='_inverse_customer_stage', search='_search_customer_stage',
                                      groups=USER_GROUP)
    customer_stage_locked = fields.Boolean('Stage locked', compute='_compute_customer_360_stage',
                                           inverse='_inverse_customer_stage_locked', groups=USER_GROUP)
    customer_360_can_lock = fields.Boolean(compute='_compute_customer_360_can_lock', groups=USER_GROUP)
    customer_stage_date = fields.Date('In stage since', compute='_compute_customer_360_figures', groups=USER_GROUP)
    vendor_purchase_order_count = fields.Integer('Purchase orders', compute='_compute_customer_360_figures',
                                                 groups=USER_GROUP)
    vendor_spend = fields.Monetary('Spend', compute='_compute_customer_360_figures',
                                   currency_field='customer_360_currency_id', groups=USER_GROUP)
    vendor_last_purchase_date = fields.Date('Last purchase', compute='_compute_customer_360_figures',
                                            groups=USER_GROUP)
    vendor_lead_time_days = fields.Float('Average lead time (days)', compute='_compute_customer_360_figures',
                                         groups=USER_GROUP)
    vendor_on_time_rate = fields.Float('On-time receipts (%)', compute='_compute_customer_360_figures',
                                       groups=USER_GROUP)

    customer_channel_html = fields.Html(
        'Order channels', compute='_compute_customer_channel_html', sanitize=False, groups=USER_GROUP,
        help='Confirmed orders and revenue (untaxed, company currency) of the customer per sales channel, '
             'in this company.')

    @api.model
    def _customer_360_company_id(self):
        """The company whose figures these fields show: force_company when it is one of the
        user's companies (AccessError otherwise), else the user's current company."""
        return allowed_company(self.env).id

    def _customer_360_rows(self, company_id=None):
        """{commercial partner id: stats row} in the company (default: the checked current
        one), in one query."""
        rows = self.env['crm.erp.partner.stats'].search([
            ('company_id', '=', company_id or self._customer_360_company_id()),
            ('partner_id', 'in', self.mapped('commercial_partner_id').ids),
        ])
        return {row.partner_id.id: row for row in rows}

    @api.depends('commercial_partner_id')
    def _compute_customer_360_id(self):
        rows = self._customer_360_rows()
        for partner in self:
            partner.customer_360_id = rows.get(partner.commercial_partner_id.id)

    @api.depends('commercial_partner_id')
    def _compute_customer_360_figures(self):
        # the company is checked in the caller's environment; then the rows are read as the
        # system (as related fields did): safe, they are the rows of that company and of
        # these partners only, and users without access to the rows see the figures too
        company_id = self._customer_360_company_id()
        rows = self.sudo()._customer_360_rows(company_id)
        # sudo: the checked company's setting, shown beside its figures
        horizon = self.env['res.company'].sudo().browse(company_id).customer_360_clv_horizon_months
        for partner in self:
            row = rows.get(partner.commercial_partner_id.id)
            for name, column in _PARTNER_FIGURES.items():
                partner[name] = row[column] if row else False
            partner.customer_buy_again_percent = round(100.0 * row.clv_probability_alive) if row else False
            partner.customer_360_horizon_months = horizon

    @api.depends('customer_360_id')
    def _compute_customer_360_stage(self):
        for partner in self:
            row = partner.customer_360_id
            partner.customer_stage = row.customer_stage or 'prospect'
            partner.customer_stage_locked = row.customer_stage_locked
            partner.rfm_segment = row.rfm_segment

    def _compute_customer_360_can_lock(self):
        can_lock = self.env.user.has_group(MANAGER_GROUP)
        for partner in self:
            partner.customer_360_can_lock = can_lock

    @api.depends('commercial_partner_id')
    def _compute_customer_channel_html(self):
        company = self.env['res.company'].browse(self._customer_360_company_id())
        breakdown = self._customer_channels(company.id)
        for partner in self:
            channels = breakdown.get(partner.commercial_partner_id.id)
            partner.customer_channel_html = self.env['ir.qweb'].render(
                'crm_erp_bridge.customer_channel_table',
                {'channels': channels, 'currency': company.currency_id}).decode() if channels else False

    def _customer_channels(self, company_id, orders_until=None):
        """{commercial partner id: [{'channel', 'label', 'order_count', 'revenue'}]} of these
        partners in the company (checked by the caller), the largest revenue first."""
        labels = dict(self.env['sale.order']._fields['crm_erp_channel']._description_selection(self.env))
        commercial_ids = self.mapped('commercial_partner_id').ids
        breakdown = customer_360_queries.channel_breakdown(
            self.env.cr, company_id, commercial_ids, orders_until,
            documents=self.env['crm.erp.partner.stats']._counted_documents())
        return {partner_id: [{'channel': channel, 'label': labels.get(channel, channel), 'order_count': count,
                              'revenue': revenue} for channel, count, revenue in rows]
                for partner_id, rows in breakdown.items()}

    def _compute_customer_top_product_ids(self):
        history = self.env['crm.erp.partner.product.history']
        company_id = self._customer_360_company_id()
        for partner in self:
            partner.customer_top_product_ids = history.search([
                ('company_id', '=', company_id),
                ('partner_id', '=', partner.commercial_partner_id.id),
            ], order='revenue desc, product_id', limit=_TOP_PRODUCT_COUNT)

    def _customer_360_rows_for_update(self):
        """The current company's rows of these partners' commercial entities, created (without
        figures, filled by the refresh) where missing. Manager only."""
        self.env['crm.erp.partner.stats']._check_manager()
        stats = self.env['crm.erp.partner.stats']
        rows = self._customer_360_rows()
        company_id = self._customer_360_company_id()
        check_company_of(self, self.env['res.company'].browse(company_id), 'partner')
        for commercial in self.mapped('commercial_partner_id'):
            stats |= rows.get(commercial.id) or stats.create({
                'company_id': company_id, 'partner_id': commercial.id, 'customer_stage': 'prospect'})
        return stats

    def _customer_360_changed(self, field_name, default):
        """The partners whose written field_name differs from their row's (default without a
        row): the form sends every field when it creates a partner, and an unchanged stage or
        lock must neither lock nor need manager rights."""
        rows = self._customer_360_rows()

        def stored(partner):
            row = rows.get(partner.commercial_partner_id.id)
            return (row[field_name] if row else False) or default
        return self.filtered(lambda partner: stored(partner) != (partner[field_name] or default))

    def _inverse_customer_stage(self):
        changed = self._customer_360_changed('customer_stage', 'prospect')
        for stage in set(changed.mapped('customer_stage')):
            changed.filtered(lambda partner: partner.customer_stage == stage)._customer_360_rows_for_update().write(
                {'customer_stage': stage})

    def _inverse_customer_stage_locked(self):
        changed = self._customer_360_changed('customer_stage_locked', False)
        unlocked = changed.filtered(lambda partner: not partner.customer_stage_locked)
        if changed - unlocked:
            (changed - unlocked)._customer_360_rows_for_update().write({'customer_stage_locked': True})
        if unlocked:
            unlocked._customer_360_rows_for_update().write({'customer_stage_locked': False})
            # Unlocking hands the stage back to the rules at once.
            unlocked.action_refresh_customer_360()

    def _search_customer_stage(self, operator, value):
        return self._search_customer_360_selection('customer_stage', operator, value, 'prospect')

    def _search_rfm_segment(self, operator, value):
        return self._search_customer_360_selection('rfm_segment', operator, value, False)

    def _search_customer_360_selection(self, field_name, operator, value, default):
        """Domain on the commercial entity for a selection of the current company's rows;
        partners without a row have the default value."""
        if operator not in ('=', '!=', 'in', 'not in'):
            raise UserError(_('Unsupported operator %s on %s.') % (operator, field_name))
        values = set(value if isinstance(value, (list, tuple)) else [value])
        if operator in ('!=', 'not in'):
            keys = {key for key, _label in self.env['crm.erp.partner.stats']._fields[field_name].selection}
            values = (keys | {False}) - values
        # Rows whose value is outside `values` exclude their partners, the others include them.
        # field_name is one of two fixed column names, the values are parameters.
        include_default = default in values
        partner_ids = customer_360_queries.partners_by_selection(
            self.env.cr, self._customer_360_company_id(), field_name, [value or '' for value in values],
            not include_default)
        return [('commercial_partner_id', 'not in' if include_default else 'in', partner_ids)]

    @public_records
    def action_refresh_customer_360(self):
        """Recompute the Customer 360 of the selected partners' commercial entities in every
        company of the user (RFM boundaries are kept). Bridge users, on partners they read."""
        check_group(self, USER_GROUP,
                    _('Only a CRM-ERP Bridge user (salesman) can refresh a Customer 360.'))
        # sudo: recomputes from the stored documents, in the user's companies only, for
        # partners the user could read (checked above); users may not write the rows themselves
        stats = self.env['crm.erp.partner.stats'].sudo()
        stats._refresh(self.env.user.company_ids.ids, self.mapped('commercial_partner_id').ids)
        return True

    @api.model
    @public_method
    def refresh_customer_360_all(self):
        """Full refresh of every customer of the user's companies, RFM boundaries included."""
        check_group(self, MANAGER_GROUP,
                    _('Only a CRM-ERP Bridge manager can refresh every customer.'))
        # sudo: a manager's recompute of their own companies' rows (users may not write them)
        self.env['crm.erp.partner.stats'].sudo()._refresh_all(self.env.user.company_ids.ids)
        return True

    @api.model
    def _cron_refresh_customer_360(self):
        # sudo: the nightly job recomputes every company; it returns nothing
        budget = nightly_budget(self.env)
        self.env['crm.erp.partner.stats'].sudo()._refresh_all(self.env['res.company'].search([]).ids, budget=budget)
        _logger.info('Customer 360 refresh: %s', budget or 'no CPU budget')

    @public_records(one=True)
    def action_open_customer_product_history(self):
        action = self.env.ref('crm_erp_bridge.crm_erp_partner_product_history_action').read()[0]
        action['domain'] = [('partner_id', '=', self.commercial_partner_id.id),
                            ('company_id', '=', self._customer_360_company_id())]
        return action

    @public_records(one=True)
    def action_open_customer_orders(self):
        """The confirmed orders behind the figures: the commercial entity and its contacts, in
        the current company."""
        action = self.env.ref('sale.action_orders').read()[0]
        action['domain'] = [('partner_id', 'child_of', self.commercial_partner_id.id),
                            ('company_id', '=', self._customer_360_company_id()),
                            ('state', 'in', ('sale', 'done'))]
        action['context'] = {}
        return action

    @public_records(one=True)
    def action_open_customer_stage_history(self):
        action = self.env.ref('crm_erp_bridge.crm_erp_partner_stage_history_action').read()[0]
        action['domain'] = [('partner_id', '=', self.commercial_partner_id.id)]
        # one customer's changes as a timeline first (the web client opens the first of `views`)
        action['view_mode'] = 'tree,pivot,graph'
        action['views'] = [(False, 'tree'), (False, 'pivot'), (False, 'graph')]
        return action

    @api.model
    @public_method
    def get_customer_360(self, partner_ids=None):
        """XML-RPC: the Customer 360 profile of each partner, in the current company's currency.
        Returns one dict per id, in the order given (docs/api.md). With the context key
        customer_360_date: the profiles as of that day, a dry run that sees only the orders up
        to it and writes nothing (crm.erp.partner.stats._as_of_dry_run)."""
        check_group(self, USER_GROUP,
                    _('Only a CRM-ERP Bridge user (salesman) can read a Customer 360.'))
        browse_readable(self, partner_ids, 'partner_ids')  # the ids exist, are readable, of the company
        company_id = self._customer_360_company_id()
        # figures of restricted fields (the historical margin) only for their groups
        stats_fields = self.env['crm.erp.partner.stats']._fields
        figures = [name for name in _API_FIGURES
                   if not stats_fields[name].groups or self.user_has_groups(stats_fields[name].groups)]
        if self.env.context.get('customer_360_date'):
            # figures as of a past day: computed on the orders up to it, nothing written
            commercial_ids = self.browse(partner_ids).mapped('commercial_partner_id').ids
            return self.env['crm.erp.partner.stats']._as_of_dry_run(
                company_id, commercial_ids, lambda: self._customer_360_profiles(partner_ids, company_id, figures))
        return self._customer_360_profiles(partner_ids, company_id, figures)

    def _customer_360_profiles(self, partner_ids, company_id, figures):
        """get_customer_360's profiles of partner_ids (checked) in the company: figures of the rows."""
        profiles = []
        # open and overdue complaints and service requests, now (not as of customer_360_date)
        requests = self._service_request_counts(self.browse(partner_ids).mapped('commercial_partner_id').ids,
                                                company_id)
        ratings = self._service_rating_figures(self.browse(partner_ids).mapped('commercial_partner_id').ids,
                                               company_id)
        orders_until = (self.env['crm.erp.partner.stats']._customer_360_today()
                        if self.env.context.get('customer_360_date') else None)
        channels = self.browse(partner_ids)._customer_channels(company_id, orders_until)
        for partner in self.browse(partner_ids):
            row = partner.customer_360_id or self.env['crm.erp.partner.stats'].new({'customer_stage': 'prospect'})
            profile = {'id': partner.id, 'name': partner.display_name,
                       'commercial_partner_id': partner.commercial_partner_id.id,
                       'company_id': company_id,
                       'currency': self.env['res.company'].browse(company_id).currency_id.name}
            for name in figures:
                profile[name] = row._fields[name].convert_to_read(row[name], row)
            profile['service_request_open_count'], profile['service_request_overdue_count'] = requests.get(
                partner.commercial_partner_id.id, (0, 0))
            profile.update(self._service_rating_values(ratings.get(partner.commercial_partner_id.id)))
            profile['top_products'] = [{
                'product_id': line.product_id.id, 'product': line.product_id.display_name,
                'qty': line.product_qty, 'revenue': line.revenue, 'order_count': line.order_count,
                'first_order_date': line.first_order_date, 'last_order_date': line.last_order_date,
            } for line in partner.customer_top_product_ids]
            profile['channels'] = [dict(item) for item in channels.get(partner.commercial_partner_id.id, [])]
            profiles.append(profile)
        return profiles

    # Service requests
    # Open and overdue complaints and service requests of the commercial entity in the current
    # company (queries/service.py): the smart button, the Customer 360 and get_customer_360.
    service_request_open_count = fields.Integer('Open requests', compute='_compute_service_request_counts',
                                                groups=USER_GROUP)
    service_request_overdue_count = fields.Integer('Overdue requests', compute='_compute_service_request_counts',
                                                   groups=USER_GROUP)

    @api.depends('commercial_partner_id')
    def _compute_service_request_counts(self):
        counts = self._service_request_counts(self.mapped('commercial_partner_id').ids,
                                              self._customer_360_company_id())
        for partner in self:
            partner.service_request_open_count, partner.service_request_overdue_count = counts.get(
                partner.commercial_partner_id.id, (0, 0))

    @api.model
    def _service_request_counts(self, commercial_ids, company_id):
        """{commercial partner id: (open, overdue)} in the company, now (or the context's
        crm_erp_service_now)."""
        now = self.env['crm.erp.service.request']._now()
        return service_queries.request_counts(self.env.cr, commercial_ids, company_id, now)

    # Satisfaction: the customer's ratings of their solved requests and of their deliveries in
    # the current company (queries/service.py, rating_figures): the last one, and the share of
    # satisfied ratings over the last 12 months (CSAT).
    service_rating_last = fields.Selection(RATING_TEXTS, string='Last rating', compute='_compute_service_rating',
                                           groups=USER_GROUP)
    service_rating_last_date = fields.Datetime('Last rating on', compute='_compute_service_rating',
                                               groups=USER_GROUP)
    service_rating_count = fields.Integer('Ratings (last 12 months)', compute='_compute_service_rating',
                                          groups=USER_GROUP)
    service_csat = fields.Float('Satisfaction (% satisfied, last 12 months)', digits=(16, 1),
                                compute='_compute_service_rating', groups=USER_GROUP,
                                help='Share of the ratings of the last 12 months that are "satisfied" '
                                     '(10 of Odoo\'s 10 / 5 / 1 faces), in percent; 0 without ratings.')

    @api.depends('commercial_partner_id')
    def _compute_service_rating(self):
        figures = self._service_rating_figures(self.mapped('commercial_partner_id').ids,
                                               self._customer_360_company_id())
        for partner in self:
            partner.update(self._service_rating_values(figures.get(partner.commercial_partner_id.id)))

    @api.model
    def _service_rating_figures(self, commercial_ids, company_id):
        """{commercial partner id: (last score, its date, ratings, satisfied)} in the company,
        now (or the context's crm_erp_service_now)."""
        now = self.env['crm.erp.service.request']._now()
        return service_queries.rating_figures(self.env.cr, commercial_ids, company_id, now)

    @api.model
    def _service_rating_values(self, figures):
        """The satisfaction fields (and get_customer_360 keys) of one customer's figures."""
        if not figures:
            return {'service_rating_last': False, 'service_rating_last_date': False,
                    'service_rating_count': 0, 'service_csat': 0.0}
        last, last_date, count, satisfied = figures
        return {'service_rating_last': rating_text(last),
                'service_rating_last_date': str(last_date)[:19],
                'service_rating_count': count,
                'service_csat': round(100.0 * satisfied / count, 1) if count else 0.0}

    @public_records(one=True)
    def action_open_service_requests(self):
        """The open requests of the customer (commercial entity and contacts), current company."""
        action = self.env.ref('crm_erp_bridge.crm_erp_service_request_action').read()[0]
        action['domain'] = [('commercial_partner_id', '=', self.commercial_partner_id.id),
                            ('company_id', '=', self._customer_360_company_id())]
        action['context'] = {'search_default_open': 1, 'default_partner_id': self.id}
        return action

    # Recommendations
    recommendation_html = fields.Html(
        string='Recommended Products', compute='_compute_recommendation_html', sanitize=False,
        help='What to offer next, from what the customer bought (current company).', groups=USER_GROUP)

    def _recommendation_company(self):
        return allowed_company(self.env)

    @api.depends('commercial_partner_id')
    def _compute_recommendation_html(self):
        recommendations = self.env['crm.erp.recommendation']._recommend(
            self.filtered('id'), self._recommendation_company(), limit=5)
        for partner in self:
            items = recommendations.get(partner.commercial_partner_id.id, [])
            partner.recommendation_html = self.env['ir.qweb'].render(
                'crm_erp_bridge.recommendation_table', {'items': items}).decode() if items else False

    @api.model
    @public_method
    def get_recommendations(self, partner_ids, limit=10):
        """XML-RPC: for each partner id (in the order given) {'partner_id', 'items': [...]}:
        up to limit recommended products in the user's current company, best first (see
        readme/USAGE.rst, "Recommendations")."""
        check_group(self, USER_GROUP,
                    _('Only a CRM-ERP Bridge user (salesman) can read recommendations.'))
        recommendation = self.env['crm.erp.recommendation']
        recommendation._check_limit(limit)
        partners = browse_readable(self, partner_ids, 'partner_ids')
        result = recommendation._recommend(partners, self._recommendation_company(), limit=limit)
        keys = ('product_id', 'product', 'score', 'reason', 'source', 'from_product_id', 'pair_count',
                'confidence', 'lift', 'free_qty', 'incoming_qty', 'out_of_stock',
                # the two intents (docs/recommendation-intents.md)
                'intent', 'due', 'due_date', 'expected_qty', 'uom', 'probability')
        return [{'partner_id': partner.id,
                 'items': [{key: item[key] for key in keys}
                           for item in result.get(partner.commercial_partner_id.id, [])]}
                for partner in self.browse(partner_ids)]

    @public_records(one=True)
    def action_open_recommendations(self):
        return self.env['crm.erp.recommendation.wizard']._open_for(partner=self)

    @api.model
    @public_method
    def create_cross_sell_opportunities(self, partner_ids):
        """XML-RPC: cross-sell opportunities for the top-N recommendations of each partner's
        commercial entity in the user's current company (bridge managers). Returns the ids of
        the crm.lead records created (none twice: see readme/USAGE.rst)."""
        check_group(self, MANAGER_GROUP,
                    _('Only a CRM-ERP Bridge manager can create cross-sell opportunities.'))
        partners = browse_readable(self, partner_ids, 'partner_ids')
        return self._create_cross_sell_opportunities(partners, self._recommendation_company()).ids

    @public_records
    def action_create_cross_sell_opportunities(self):
        lead_ids = self.create_cross_sell_opportunities(self.ids)
        action = self.env.ref('crm.crm_lead_opportunities').read()[0]
        action['domain'] = [('id', 'in', lead_ids)]
        return action

    @api.model
    def _create_cross_sell_opportunities(self, partners, company):
        """One opportunity per customer, carrying the products recommended to them as lines
        (up to the company's products per opportunity), priced at the customer's pricelist in
        the typical quantity, expected revenue = the lines' total, for the customer's
        salesperson and team.

        Skips partners who opted out, archived ones and those in stage Lost (unless the company
        runs win-back campaigns), customers who already have an open cross-sell opportunity or
        for whom a stage rule that blocks cross-sell holds (an overdue complaint or service
        request, a recent highly dissatisfied last rating: rules.CROSS_SELL_BLOCKING_REASONS),
        and products the customer refused (on a cross-sell opportunity lost within the
        company's refusal days). Creates at most the company's cap per run, and gives no
        salesperson more open cross-sell opportunities than the cap per salesperson: the
        customers whose suggestions are worth the most (list price) come first. Two runs for
        the same customer or salesperson do not overlap: the second waits, then starts over and
        sees the first one's opportunities (see run_lock)."""
        customers = partners.mapped('commercial_partner_id').filtered(lambda p: p.active and not p.opt_out)
        if not company.cross_sell_win_back:
            # sudo: stages of the checked company, only to leave Lost customers out, not returned
            rows = self.env['crm.erp.partner.stats'].sudo().search(
                [('company_id', '=', company.id), ('partner_id', 'in', customers.ids)])
            stages = dict((row.partner_id.id, row.customer_stage) for row in rows)
            customers = customers.filtered(lambda p: stages.get(p.id) != 'lost')
        cr = self.env.cr
        busy = cross_sell_queries.open_cross_sell_customers(cr, customers.ids, company.id)
        # no offers to a customer waiting for an answer to a complaint or request (until solved),
        # nor to one whose last rating was highly dissatisfied (rules.CROSS_SELL_BLOCKING_REASONS)
        busy |= service_queries.customers_blocked_for_cross_sell(
            cr, customers.ids, company.id, self.env['crm.erp.service.request']._now())
        customers = customers.filtered(lambda p: p.id not in busy)
        leads = self.env['crm.lead']
        if not customers:
            return leads
        proposals = self._cross_sell_proposals(customers, company)
        if not proposals:
            return leads
        owners = {customer.id: customer.user_id.id or None for customer, _items in proposals}
        lock_run(self.env, 'cross_sell', {(company.id, customer.id) for customer, _items in proposals}
                 | {(company.id, 'user', owner or 0) for owner in owners.values()})
        quantities = self.env['crm.erp.recommendation']._typical_quantities_batch(
            company, [(customer.id, item['product_id']) for customer, items in proposals for item in items])
        # The most valuable suggestions first (list price x quantity), then the customer's id.
        proposals.sort(key=lambda proposal: (-sum(
            self.env['product.product'].browse(item['product_id']).lst_price
            * quantities[(proposal[0].id, item['product_id'])] for item in proposal[1]), proposal[0].id))
        held = cross_sell_queries.open_cross_sell_per_salesperson(cr, company.id)
        chosen = []
        for customer, items in proposals:
            if len(chosen) >= company.cross_sell_max_per_run:
                break
            owner = owners[customer.id]
            if held.get(owner, 0) >= company.cross_sell_max_per_salesperson:
                continue
            held[owner] = held.get(owner, 0) + 1
            chosen.append((customer, items))
        # sudo: a bridge manager's (or the nightly job's) opportunities in the checked company,
        # assigned to the customer's salesperson and team, which the manager may not write
        Lead = self.env['crm.lead'].sudo().with_context(mail_create_nolog=True, tracking_disable=True)
        for customer, items in chosen:
            leads |= Lead.create(self._prepare_cross_sell_lead(customer, company, items, quantities))
        return leads

    @api.model
    def _cross_sell_proposals(self, customers, company):
        """[(customer, [recommendation item, ...])]: the best recommendations of each customer
        the customer did not refuse within the company's refusal days, up to the company's
        products per opportunity; customers without any are left out."""
        top_n = company.cross_sell_top_n
        refused = set()
        if company.cross_sell_refusal_days:
            since = fields.Datetime.from_string(fields.Datetime.now()) - timedelta(
                days=company.cross_sell_refusal_days)
            refused = cross_sell_queries.refused_cross_sell_pairs(
                self.env.cr, customers.ids, company.id, fields.Datetime.to_string(since))
        # as many more recommendations as the customer refused most products: enough to fill
        # each opportunity after the refused ones are left out
        per_customer = Counter(partner_id for partner_id, _product in refused)
        limit = min(top_n + max(per_customer.values(), default=0), _CROSS_SELL_FETCH)
        # products new to the customer only: what they re-order is no opportunity to open
        recommendations = self.env['crm.erp.recommendation']._recommend(
            customers, company, limit=limit, intents=('discover',))
        proposals = []
        for customer in customers:
            items = [item for item in recommendations.get(customer.id, [])
                     if (customer.id, item['product_id']) not in refused][:top_n]
            if items:
                proposals.append((customer, items))
        return proposals

    @api.model
    def _prepare_cross_sell_lead(self, customer, company, items, quantities):
        """Values of the cross-sell opportunity of customer: one line per item, priced at the
        customer's pricelist (in the company's currency), the expected revenue their total."""
        pricelist = customer.with_context(force_company=company.id).property_product_pricelist
        digits = self.env['decimal.precision'].precision_get('Product Price')
        lines, reasons, total = [], [], 0.0
        for item in items:
            product = self.env['product.product'].with_context(force_company=company.id).browse(item['product_id'])
            qty = quantities[(customer.id, product.id)]
            price = product.lst_price
            if pricelist:
                price = pricelist.get_product_price(product, qty, customer)
                price = pricelist.currency_id.with_context(date=fields.Date.context_today(self)).compute(
                    price, company.currency_id, round=False)
            price = float_round(price, precision_digits=digits)
            total += qty * price
            lines.append((0, 0, {'product_id': product.id, 'product_qty': qty, 'product_uom_id': product.uom_id.id,
                                 'price_unit': price}))
            reasons.append(_('- %(product)s, %(qty)s %(uom)s: %(reason)s') % {
                'product': product.display_name, 'qty': _format_qty(self.env, qty, product.uom_id),
                'uom': product.uom_id.name, 'reason': item['reason']})
        names = [self.env['product.product'].browse(item['product_id']).name for item in items]
        values = {
            'name': _('Cross-sell: %s') % ', '.join(names),
            'type': 'opportunity',
            'partner_id': customer.id,
            'company_id': company.id,
            'user_id': customer.user_id.id or False,
            'planned_revenue': company.currency_id.round(total),
            'description': _('Products recommended to this customer:\n%s') % '\n'.join(reasons),
            'tag_ids': [(4, self.env.ref('crm_erp_bridge.crm_lead_tag_cross_sell').id)],
            'source_id': self.env.ref('crm_erp_bridge.utm_source_cross_sell').id,
            'is_cross_sell': True,
            'line_ids': lines,
        }
        team = customer.team_id or customer.user_id.sale_team_id
        if team:
            values['team_id'] = team.id
        return values

    @api.model
    def _cron_create_cross_sell_opportunities(self):
        """Every company: cross-sell opportunities for its customers with orders; started over
        when it meets a manager's run (Odoo retries RPC calls, not cron jobs)."""
        def run():
            # sudo: the nightly job, for every company; it returns nothing
            for company in self.env['res.company'].sudo().search([]):
                rows = self.env['crm.erp.partner.stats'].sudo().search(
                    [('company_id', '=', company.id), ('sale_order_count', '>', 0)])
                self.sudo().with_context(force_company=company.id)._create_cross_sell_opportunities(
                    rows.mapped('partner_id'), company)
        retrying(self.env, run)

    # Personal data
    @api.multi
    def write(self, vals):
        """An archived customer's Customer 360 rows and stage history are deleted (see
        crm.erp.partner.stats._forget_archived_partners); deleting one cascades."""
        result = super().write(vals)
        if 'active' in vals and not vals['active']:
            self.env['crm.erp.partner.stats']._forget_archived_partners(self.ids)
        return result
