from odoo import api, fields, models

from ..models.record_ids import public_records
from ..run_lock import retry_safe


class ShortfallRfqResult(models.TransientModel):
    """Result of Create RFQs for shortfall: the RFQs touched and the products short without
    a vendor, which got no RFQ."""
    _name = 'crm.erp.shortfall.rfq.result'
    _description = 'RFQs for Pipeline Shortfall'

    purchase_order_ids = fields.Many2many('purchase.order', string='RFQs', readonly=True)
    product_without_vendor_ids = fields.Many2many(
        'product.product', string='Short Products without Vendor', readonly=True)

    @api.model
    @retry_safe
    def _create_for_products(self, products):
        """Create the RFQs for the shortfall of products and open the result."""
        result = self.env['product.product'].create_shortfall_rfqs_report(products.ids)
        wizard = self.create({
            'purchase_order_ids': [(6, 0, result['purchase_order_ids'])],
            'product_without_vendor_ids': [(6, 0, result['products_without_vendor'])],
        })
        return {
            'type': 'ir.actions.act_window',
            'name': wizard._description,
            'res_model': self._name,
            'res_id': wizard.id,
            'view_mode': 'form',
            'target': 'new',
        }

    @public_records(one=True)
    def action_open_rfqs(self):
        action = self.env.ref('purchase.purchase_rfq').read()[0]
        action['domain'] = [('id', 'in', self.purchase_order_ids.ids)]
        return action
