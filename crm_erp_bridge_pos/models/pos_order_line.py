from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = 'pos.order.line'

    # Customer 360: the line's untaxed subtotal, stored for the customer's product history
    # (Odoo 11 computes price_subtotal without storing it)
    crm_erp_price_subtotal = fields.Float(
        'Subtotal without taxes', compute='_compute_crm_erp_price_subtotal', store=True, digits=0, readonly=True)

    @api.depends('price_unit', 'tax_ids', 'qty', 'discount', 'product_id', 'order_id.fiscal_position_id',
                 'order_id.partner_id', 'order_id.pricelist_id')
    def _compute_crm_erp_price_subtotal(self):
        for line in self:
            line.crm_erp_price_subtotal = line.price_subtotal
