from odoo import api, fields, models

from .record_ids import public_records


# Frequently bought together: the strongest affinities shown on the product form.
_FREQUENTLY_BOUGHT_TOGETHER_COUNT = 10


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

    @public_records
    def action_create_shortfall_rfqs(self):
        return self.env['crm.erp.shortfall.rfq.result']._create_for_products(self.mapped('product_variant_ids'))

    # Product affinity
    affinity_ids = fields.Many2many(
        'crm.erp.product.affinity', string='Frequently Bought Together', compute='_compute_affinity_ids',
        help='Products bought in the same orders, in the current company, strongest first.')
    affinity_count = fields.Integer(string='Bought Together', compute='_compute_affinity_ids')

    def _compute_affinity_ids(self):
        affinity = self.env['crm.erp.product.affinity']
        company_id = self.env.user.company_id.id
        variants = self.with_context(active_test=False).mapped('product_variant_ids')
        counts = {}
        if variants:
            for row in affinity.read_group([('company_id', '=', company_id), ('product_id', 'in', variants.ids)],
                                           ['product_id'], ['product_id']):
                counts[row['product_id'][0]] = row['product_id_count']
        for template in self:
            template_variants = template.with_context(active_test=False).product_variant_ids
            template.affinity_count = sum(counts.get(variant.id, 0) for variant in template_variants)
            template.affinity_ids = affinity.search(
                [('company_id', '=', company_id), ('product_id', 'in', template_variants.ids)],
                limit=_FREQUENTLY_BOUGHT_TOGETHER_COUNT) if template.affinity_count else affinity

    @public_records
    def action_open_affinity(self):
        action = self.env.ref('crm_erp_bridge.crm_erp_product_affinity_action').read()[0]
        action['domain'] = [('product_id', 'in', self.with_context(active_test=False).mapped('product_variant_ids').ids),
                            ('company_id', '=', self.env.user.company_id.id)]
        action['context'] = {}
        return action

    @api.multi
    def write(self, vals):
        """A product that becomes or stops being a service enters or leaves the baskets of the
        companies that ignore services: their affinity and best sellers are recomputed."""
        changed = self.browse()
        if 'type' in vals:
            changed = self.filtered(lambda template: (template.type == 'service') != (vals['type'] == 'service'))
        result = super().write(vals)
        if changed:
            # sudo: recounts of the companies that ignore services; nothing returned to the caller
            companies = self.env['res.company'].sudo().search([('affinity_exclude_services', '=', True)])
            if companies:
                self.env['crm.erp.product.affinity'].sudo()._recompute_all(companies)
        return result
