from odoo import api, models

from .. import queries


class CrmErpPartnerStats(models.Model):
    _inherit = 'crm.erp.partner.stats'

    @api.model
    def _counted_documents(self):
        """The paid point of sale tickets with a customer count as orders, channel 'pos'."""
        return super()._counted_documents() + [queries.POS_ORDER_DOCUMENTS]
