from odoo import api, fields, models


class AvailabilityCheck(models.TransientModel):
    """Result of Check & reserve on sale orders, line by line."""
    _name = 'crm.erp.availability.check'
    _description = 'Availability Check Result'

    line_ids = fields.One2many('crm.erp.availability.check.line', 'check_id', string='Lines', readonly=True)
    short_line_count = fields.Integer(string='Lines Short', readonly=True)

    @api.model
    def _create_from_orders(self, orders):
        """Run sale.order.check_availability on orders and open its result."""
        result = self.env['sale.order'].check_availability(orders.ids)
        check = self.create({
            'line_ids': [(0, 0, row) for row in result],
            'short_line_count': sum(1 for row in result if row['short_qty'] > 0),
        })
        return {
            'type': 'ir.actions.act_window',
            'name': check._description,
            'res_model': self._name,
            'res_id': check.id,
            'view_mode': 'form',
            'target': 'new',
        }


class AvailabilityCheckLine(models.TransientModel):
    _name = 'crm.erp.availability.check.line'
    _description = 'Availability Check Result Line'

    check_id = fields.Many2one('crm.erp.availability.check', required=True, ondelete='cascade')
    order_id = fields.Many2one('sale.order', string='Order', readonly=True)
    order_line_id = fields.Many2one('sale.order.line', string='Order Line', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    product_uom_id = fields.Many2one(related='product_id.uom_id', readonly=True)
    needed_qty = fields.Float(string='To Deliver', readonly=True)
    reserved_qty = fields.Float(string='Reserved', readonly=True)
    free_qty = fields.Float(string='Free', readonly=True)
    forecast_qty = fields.Float(string='Forecast at Date', readonly=True)
    short_qty = fields.Float(string='Short', readonly=True)
    status = fields.Selection([
        ('available', 'Available at date'),
        ('reserved', 'Reserved'),
        ('partial', 'Partially reserved'),
        ('short', 'Short'),
    ], readonly=True)
