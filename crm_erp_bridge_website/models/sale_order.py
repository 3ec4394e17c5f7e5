from odoo import api, fields, models

from .. import queries
from .crm_erp_web_recommendation_event import PURCHASE_WINDOW_DAYS


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # Recommendation purchases: the visit that made a webshop order (website.py sets it), to
    # count the products it clicked in a recommendation block and then bought
    crm_erp_session_key = fields.Char(
        'Webshop visit', readonly=True, copy=False,
        help='A digest of the browser session that created this webshop order (never the session itself).')

    @api.multi
    def _action_confirm(self):
        """A confirmed webshop order counts the purchases of the products clicked in a
        recommendation block (crm.erp.web.recommendation.event)."""
        result = super()._action_confirm()
        webshop = self.filtered(lambda order: order.crm_erp_channel == 'webshop')
        if webshop:
            queries.count_purchases(self.env.cr, webshop.ids, PURCHASE_WINDOW_DAYS, self.env.uid)
        return result
