from odoo import api, fields, models

from ..models.crm_erp_web_recommendation_event import BLOCKS


class CrmErpWebRecommendationReport(models.Model):
    """The webshop's recommendation blocks per company, website, block and month: how often each
    was shown, how many of its products were clicked and bought, the click rate (clicks / views)
    and the conversion rate (purchases / clicks)."""
    _name = 'crm.erp.web.recommendation.report'
    _inherit = 'crm.erp.sql.report'
    _description = 'Webshop recommendations: conversion'
    _auto = False
    _order = 'month desc, block'
    _rec_name = 'month'

    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    website_id = fields.Many2one('website', readonly=True)
    block = fields.Selection(BLOCKS, readonly=True)
    month = fields.Date('Month', readonly=True, help='The first day of the month of the events (UTC).')
    view_count = fields.Integer('Views', readonly=True, help='Pages that showed the block.')
    click_count = fields.Integer(
        'Clicks', readonly=True, help='Products opened from the block (once per product, visit and day).')
    purchase_count = fields.Integer(
        'Purchases', readonly=True,
        help='Products clicked in the block and then bought in a confirmed webshop order of the same visit or '
             'customer within 7 days (once per order and product).')
    click_rate = fields.Float('Click rate (%)', readonly=True, group_operator='avg', digits=(16, 1),
                              help='Clicks / views, in percent; of a group, its clicks over its views.')
    conversion_rate = fields.Float(
        'Conversion rate (%)', readonly=True, group_operator='avg', digits=(16, 1),
        help='Purchases / clicks, in percent; of a group, its purchases over its clicks.')

    # The view (crm.erp.sql.report's init), built as sale.report is: _select, _from and
    # _group_by can be extended.
    def _select(self):
        return """
                SELECT MIN(e.id) AS id, e.company_id, e.website_id, e.block,
                       date_trunc('month', e.day)::date AS month,
                       COUNT(*) FILTER (WHERE e.kind = 'view') AS view_count,
                       COUNT(*) FILTER (WHERE e.kind = 'click') AS click_count,
                       COUNT(*) FILTER (WHERE e.kind = 'purchase') AS purchase_count,
                       100.0 * COUNT(*) FILTER (WHERE e.kind = 'click')
                           / NULLIF(COUNT(*) FILTER (WHERE e.kind = 'view'), 0) AS click_rate,
                       100.0 * COUNT(*) FILTER (WHERE e.kind = 'purchase')
                           / NULLIF(COUNT(*) FILTER (WHERE e.kind = 'click'), 0) AS conversion_rate
        """

    def _from(self):
        return """
                  crm_erp_web_recommendation_event e
        """

    def _group_by(self):
        return """
              GROUP BY e.company_id, e.website_id, e.block, date_trunc('month', e.day)
        """

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """The rates of a group are of its summed counts, not the mean of its rows' rates (pivot
        and graph views read them here)."""
        rates = {'click_rate': ('click_count', 'view_count'), 'conversion_rate': ('purchase_count', 'click_count')}
        asked = [rate for rate in rates if any(name.split(':')[0] == rate for name in fields)]
        needed = {count for rate in asked for count in rates[rate]}
        fields = list(fields) + sorted(needed - set(fields))
        groups = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)
        for group in groups:
            for rate in asked:
                part, whole = rates[rate]
                group[rate] = 100.0 * (group.get(part) or 0) / group[whole] if group.get(whole) else False
        return groups
