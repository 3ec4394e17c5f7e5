from odoo import api, models

from .. import queries


class CrmErpProductAffinity(models.Model):
    _inherit = 'crm.erp.product.affinity'

    @api.model
    def _affinity_basket_sources(self):
        """The lines of paid, posted or invoiced point of sale tickets form baskets too, anonymous
        tickets included (queries.POS_ORDER_BASKETS: the rule, ids -pos_order.id)."""
        return super()._affinity_basket_sources() + [queries.POS_ORDER_BASKETS]

    @api.model_cr
    def init(self):
        res = super().init()
        queries.create_affinity_indexes(self.env.cr)
        return res
