from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.record_ids import public_records


class ShortfallRfqResult(models.TransientModel):
    """Result of Create RFQs for shortfall: per RFQ its vendor and the lines ordered, on a new
    RFQ or added to a draft that existed; the short quantities RFQs held already (not ordered
    again); the purchase orders that still bring the products (what covers the shortfall when
    there is nothing new to order); the products short without a vendor, which got no RFQ."""
    _name = 'crm.erp.shortfall.rfq.result'
    _description = 'RFQs for Pipeline Shortfall'

    purchase_order_ids = fields.Many2many('purchase.order', string='RFQs', readonly=True)
    line_ids = fields.One2many('crm.erp.shortfall.rfq.result.line', 'result_id', string='Lines', readonly=True)
    covering_order_ids = fields.Many2many(
        'purchase.order', 'crm_erp_shortfall_rfq_result_covering_rel', 'result_id', 'order_id',
        string='Other Orders of these Products', readonly=True,
        help='RFQs not confirmed yet and confirmed purchase orders not fully received that bring '
             'these products: what covers their shortfall.')
    product_without_vendor_ids = fields.Many2many(
        'product.product', string='Short Products without Vendor', readonly=True)
    # what the form shows or hides: a Bridge manager without purchase rights may run the action
    # but not read purchase orders (the tags and the RFQ lists are for those who may)
    has_rfqs = fields.Boolean(string='RFQs Touched', compute='_compute_counts')
    has_covering_orders = fields.Boolean(string='Other Orders Bring these Products', compute='_compute_counts')
    new_rfq_count = fields.Integer(string='New RFQs', compute='_compute_counts')
    topped_up_rfq_count = fields.Integer(string='Existing Draft RFQs Topped Up', compute='_compute_counts')

    @api.depends('line_ids.status', 'line_ids.order_id', 'purchase_order_ids', 'covering_order_ids')
    def _compute_counts(self):
        for result in self:
            result.has_rfqs = bool(result.purchase_order_ids)
            result.has_covering_orders = bool(result.covering_order_ids)
            lines = result.line_ids
            result.new_rfq_count = len(lines.filtered(lambda line: line.status == 'new_rfq').mapped('order_id'))
            result.topped_up_rfq_count = len(
                lines.filtered(lambda line: line.status == 'topped_up').mapped('order_id'))

    @api.model
    def _create_for_products(self, products, include_forecast=False):
        """Create the RFQs for the shortfall of products (with include_forecast: counting the
        forecast demand too) and open the result."""
        result = self.env['product.product'].create_shortfall_rfqs_report(products.ids, bool(include_forecast))
        wizard = self.create({
            'purchase_order_ids': [(6, 0, result['purchase_order_ids'])],
            'covering_order_ids': [(6, 0, result['covering_order_ids'])],
            'product_without_vendor_ids': [(6, 0, result['products_without_vendor'])],
            'line_ids': [(0, 0, values) for values in
                         self.env['crm.erp.shortfall.rfq.result.line']._values_from_run(result)],
        })
        return {
            'type': 'ir.actions.act_window',
            'name': _('RFQs for Pipeline Shortfall'),
            'res_model': self._name,
            'res_id': wizard.id,
            'view_mode': 'form',
            'target': 'new',
        }

    def _orders_action(self, orders):
        action = self.env.ref('purchase.purchase_rfq').read()[0]
        action['domain'] = [('id', 'in', orders.ids)]
        return action

    @public_records(one=True)
    def action_open_rfqs(self):
        return self._orders_action(self.purchase_order_ids)

    @public_records(one=True)
    def action_open_covering_orders(self):
        """The purchase orders that still bring the products (covering_order_ids)."""
        if not self.covering_order_ids:
            raise UserError(_('No other purchase order brings these products.'))
        return self._orders_action(self.covering_order_ids)
