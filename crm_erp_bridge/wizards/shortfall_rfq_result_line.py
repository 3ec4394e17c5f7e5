from odoo import _, api, fields, models
from odoo.addons import decimal_precision as dp
from odoo.exceptions import UserError

from ..models.record_ids import public_records
from ..units import quantity_text


class ShortfallRfqResultLine(models.TransientModel):
    """A line of the result of Create RFQs for shortfall: what an RFQ line got from the run
    (ordered on a new RFQ or added to a draft that existed), or a short quantity that RFQs not
    confirmed yet held already (not ordered again)."""
    _name = 'crm.erp.shortfall.rfq.result.line'
    _description = 'RFQ for Pipeline Shortfall: Line'
    _order = 'id'  # as the run made them: by RFQ, then what was on order already, by RFQ

    result_id = fields.Many2one('crm.erp.shortfall.rfq.result', string='Result', required=True,
                                ondelete='cascade', readonly=True)
    status = fields.Selection([
        ('new_rfq', 'Ordered on a new RFQ'),
        ('topped_up', 'Added to an existing draft RFQ'),
        ('on_order', 'Already on order, not ordered again'),
    ], string='What was done', required=True, readonly=True)
    order_id = fields.Many2one('purchase.order', string='RFQ', readonly=True)
    vendor_id = fields.Many2one('res.partner', string='Vendor', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    warehouse_id = fields.Many2one('stock.warehouse', string='Warehouse', readonly=True)
    product_qty = fields.Float(string='Quantity', digits=dp.get_precision('Product Unit of Measure'), readonly=True,
                               help='Ordered by this run, or held by RFQs not confirmed yet (already on order).')
    product_uom_id = fields.Many2one('product.uom', string='Unit', readonly=True)
    quantity_text = fields.Char(string='Quantity', compute='_compute_quantity_text',
                                help='Ordered by this run, or held by RFQs not confirmed yet (already on order), '
                                     'in the unit it is ordered in.')

    @api.depends('product_qty', 'product_uom_id')
    def _compute_quantity_text(self):
        for line in self:
            line.quantity_text = quantity_text(line.product_qty, line.product_uom_id)

    @public_records(one=True)
    def action_open_order(self):
        """The RFQ of the line, in its form."""
        if not self.order_id:
            raise UserError(_('This line is on no RFQ.'))
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'purchase.order',
            'res_id': self.order_id.id,
            'view_mode': 'form',
            'target': 'current',
        }

    @api.model
    def _values_from_run(self, result):
        """The values (create) of the lines of a create_shortfall_rfqs_report result."""
        Order = self.env['purchase.order']
        # sudo: the vendor of RFQs the run touched (a bridge manager may not read purchase orders)
        vendors = {order.id: order.partner_id.id for order in Order.sudo().browse(
            {line['order_id'] for line in result['ordered'] + result['on_order']})}
        values = [{
            'status': 'new_rfq' if line['new_order'] else 'topped_up',
            'order_id': line['order_id'], 'vendor_id': vendors[line['order_id']],
            'product_id': line['product_id'], 'warehouse_id': line['warehouse_id'],
            'product_qty': line['qty'], 'product_uom_id': line['uom_id'],
        } for line in result['ordered']]
        values.extend({
            'status': 'on_order', 'order_id': line['order_id'], 'vendor_id': vendors[line['order_id']],
            'product_id': line['product_id'], 'warehouse_id': line['warehouse_id'],
            'product_qty': line['qty'], 'product_uom_id': line['uom_id'],
        } for line in result['on_order'])
        return values
