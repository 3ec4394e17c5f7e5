from odoo import api, models

# Line fields that change a confirmed order's amount or its product figures.
_CUSTOMER_360_LINE_FIELDS = {'product_id', 'product_uom_qty', 'product_uom', 'price_unit', 'discount',
                             'tax_id', 'order_id'}


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    # Customer 360
    @api.model
    def create(self, vals):
        line = super().create(vals)
        self.env['crm.erp.partner.stats']._refresh_pairs(line.order_id._customer_360_pairs())
        return line

    @api.multi
    def write(self, vals):
        if not _CUSTOMER_360_LINE_FIELDS.intersection(vals):
            return super().write(vals)
        pairs = self.mapped('order_id')._customer_360_pairs()
        result = super().write(vals)
        self.env['crm.erp.partner.stats']._refresh_pairs(pairs | self.mapped('order_id')._customer_360_pairs())
        return result

    @api.multi
    def unlink(self):
        orders = self.mapped('order_id')
        result = super().unlink()
        self.env['crm.erp.partner.stats']._refresh_pairs(orders.exists()._customer_360_pairs())
        return result
