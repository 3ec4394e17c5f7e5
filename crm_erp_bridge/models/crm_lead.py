from odoo import api, models

# Lead fields that can move the lifecycle stage of its customer.
_CUSTOMER_360_LEAD_FIELDS = {'partner_id', 'company_id', 'type', 'stage_id', 'probability', 'active'}


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    # Customer 360
    @api.model
    def create(self, vals):
        lead = super().create(vals)
        stats = self.env['crm.erp.partner.stats']
        stats._refresh_pairs(stats._customer_360_pairs(lead))
        return lead

    @api.multi
    def write(self, vals):
        if not _CUSTOMER_360_LEAD_FIELDS.intersection(vals):
            return super().write(vals)
        stats = self.env['crm.erp.partner.stats']
        pairs = stats._customer_360_pairs(self)
        result = super().write(vals)
        stats._refresh_pairs(pairs | stats._customer_360_pairs(self))
        return result

    @api.multi
    def unlink(self):
        stats = self.env['crm.erp.partner.stats']
        pairs = stats._customer_360_pairs(self)
        result = super().unlink()
        stats._refresh_pairs(pairs)
        return result
