from odoo import api, models

from .purchase_order import ACTIVE


class CrmErpRecommendation(models.AbstractModel):
    _inherit = 'crm.erp.recommendation'

    @api.model
    def _recommendation_scorers(self):
        scorers = super()._recommendation_scorers()
        return ['_score_pinned'] + scorers if self.env.context.get(ACTIVE) else scorers

    @api.model
    def _score_pinned(self, commercial, company, params, candidates):
        """Every customer gets the context's pinned product first, with its own reason."""
        product_id = self.env.context[ACTIVE]
        for items in candidates.values():
            items.append({'product_id': product_id, 'score': 1000.0, 'source': 'pinned',
                          'reason': 'Pinned by the extension'})
