import hashlib

from odoo import api, models
from odoo.http import request


class Website(models.Model):
    _inherit = 'website'

    def _prepare_sale_order_values(self, partner, pricelist):
        """The webshop's orders are of the sales channel webshop (crm_erp_bridge's
        sale.order.crm_erp_channel) and remember the visit that made them (recommendation
        purchases)."""
        values = super()._prepare_sale_order_values(partner, pricelist)
        values['crm_erp_channel'] = 'webshop'
        values['crm_erp_session_key'] = self._crm_erp_session_key()
        return values

    @api.model
    def _crm_erp_session_key(self):
        """A digest of the current request's session id (the recommendation events' visit):
        the same for the whole visit, and useless to take the session over; False outside a
        request."""
        if not request or not getattr(request, 'session', None) or not request.session.sid:
            return False
        return hashlib.sha256(('crm_erp_visit:' + request.session.sid).encode()).hexdigest()[:32]

    @api.model
    def _crm_erp_shopper(self):
        """The logged-in shopper's commercial entity (res.partner), or an empty recordset for an
        anonymous visitor (the website's public user)."""
        if not request or request.website.is_public_user():
            return self.env['res.partner']
        return request.env.user.partner_id.commercial_partner_id
