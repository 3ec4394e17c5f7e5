from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = 'product.template'

    # Pipeline demand and purchasing: the variants' figures, summed.
    pipeline_demand_qty = fields.Float(string='Pipeline Demand', compute='_compute_pipeline_figures')
    pipeline_weighted_qty = fields.Float(string='Weighted Demand', compute='_compute_pipeline_figures')
    pipeline_shortfall_qty = fields.Float(string='Pipeline Shortfall', compute='_compute_pipeline_figures')

    def _compute_pipeline_figures(self):
        variants = self.with_context(active_test=False).mapped('product_variant_ids')
        figures = self.env['product.product']._get_pipeline_totals(variants.ids, self.env.user.company_id)
        for template in self:
            rows = [figures.get(variant.id, (0.0, 0.0, 0.0))
                    for variant in template.with_context(active_test=False).product_variant_ids]
            template.pipeline_demand_qty = sum(row[0] for row in rows)
            template.pipeline_weighted_qty = sum(row[1] for row in rows)
            template.pipeline_shortfall_qty = sum(row[2] for row in rows)

    def action_create_shortfall_rfqs(self):
        return self.env['crm.erp.shortfall.rfq.result'].create_for_products(self.mapped('product_variant_ids'))
