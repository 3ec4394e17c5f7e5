from odoo import models


class Website(models.Model):
    _inherit = 'website'

    def _prepare_sale_order_values(self, partner, pricelist):
        """The webshop's orders are of the sales channel webshop (crm_erp_bridge's
        sale.order.crm_erp_channel)."""
        values = super()._prepare_sale_order_values(partner, pricelist)
        values['crm_erp_channel'] = 'webshop'
        return values
