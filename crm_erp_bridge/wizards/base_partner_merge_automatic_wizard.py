from odoo import api, models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's partner merge wizard (crm): its merge moves the orders, leads and other records of
    the merged partners to the survivor in SQL, which none of the addon's change hooks sees. So
    after a merge the survivor's Customer 360 is recomputed in every company (its orders now hold
    the merged history: the affinity and the recommendations read the same orders) and the
    duplicate pairs of the merged partners are settled (crm.erp.duplicate.pair)."""
    _inherit = 'base.partner.merge.automatic.wizard'

    @api.model
    def _merge(self, partner_ids, dst_partner=None):
        partners = self.env['res.partner'].browse(partner_ids).exists()
        if len(partners) >= 2:
            if not dst_partner or dst_partner not in partners:
                dst_partner = self._get_ordered_partner(partners.ids)[-1]
            self.env['crm.erp.duplicate.pair']._before_partner_merge(partners - dst_partner, dst_partner)
        result = super()._merge(partner_ids, dst_partner=dst_partner)
        if len(partners) >= 2 and dst_partner.exists():
            stats = self.env['crm.erp.partner.stats']
            # sudo: the survivor's rows in every company are recomputed from the stored documents
            company_ids = self.env['res.company'].sudo().search([]).ids
            stats._refresh_pairs({(company_id, dst_partner.commercial_partner_id.id) for company_id in company_ids})
        return result
