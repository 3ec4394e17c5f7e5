from odoo import fields, models


class PipelineDemandReport(models.Model):
    """A column added to the report view the way sale.report is extended: _select."""
    _inherit = 'crm.erp.pipeline.demand.report'

    uncovered_weighted_qty = fields.Float('Weighted demand not covered by incoming', readonly=True)

    def _select(self):
        return (super()._select()
                + ', GREATEST(balance.weighted_qty - balance.incoming_qty, 0) AS uncovered_weighted_qty')
