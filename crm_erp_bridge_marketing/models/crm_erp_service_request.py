from odoo import models


class CrmErpServiceRequest(models.Model):
    _inherit = 'crm.erp.service.request'

    def _send_rating_request(self):
        """The satisfaction survey after a solved request honours the marketing rules: nobody who
        opted out on any of their records is asked (one request per solved request, as before)."""
        reachable = self.mapped('partner_id')._crm_erp_reachable(one_per_address=False)
        return super(CrmErpServiceRequest, self.filtered(
            lambda request: request.partner_id in reachable))._send_rating_request()
