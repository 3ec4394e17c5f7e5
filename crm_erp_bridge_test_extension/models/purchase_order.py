from odoo import api, models

# Everything this addon does happens only under this context key: the addon's own tests run
# with it installed and must see crm_erp_bridge's behaviour.
ACTIVE = 'crm_erp_test_extension'


class PurchaseOrder(models.Model):
    _inherit = 'purchase.order'

    @api.model
    def _prepare_rfq_values(self, company, vendor_id, picking_type_id):
        values = super()._prepare_rfq_values(company, vendor_id, picking_type_id)
        if self.env.context.get(ACTIVE):
            values['notes'] = 'Ordered for the pipeline (extension)'
        return values

    @api.model
    def _prepare_shortfall_line(self, need, order, name, taxes, now):
        values = super()._prepare_shortfall_line(need, order, name, taxes, now)
        if self.env.context.get(ACTIVE):
            values['name'] += ' [extension]'
        return values
