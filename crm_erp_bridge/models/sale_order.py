from odoo import api, models

# Order fields whose change moves a confirmed order's Customer 360 figures.
_CUSTOMER_360_ORDER_FIELDS = {'state', 'partner_id', 'company_id', 'pricelist_id', 'date_order'}


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # Customer 360
    def _customer_360_pairs(self):
        confirmed = self.filtered(lambda order: order.state in ('sale', 'done'))
        return self.env['crm.erp.partner.stats']._customer_360_pairs(confirmed)

    @api.multi
    def write(self, vals):
        if not _CUSTOMER_360_ORDER_FIELDS.intersection(vals):
            return super().write(vals)
        # confirmed before (cancelled, moved to another partner) or after (confirmed)
        pairs = self._customer_360_pairs()
        result = super().write(vals)
        self.env['crm.erp.partner.stats']._refresh_pairs(pairs | self._customer_360_pairs())
        return result
