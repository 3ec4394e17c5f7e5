from odoo import SUPERUSER_ID, api


def post_init_hook(cr, registry):
    """Fill the Customer 360 and the product affinity of every company set-based at install
    (after the demo data: its orders count)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    companies = env['res.company'].search([])
    env['crm.erp.partner.stats']._refresh(companies.ids, recompute_boundaries=True, notify=False)
    env['crm.erp.product.affinity']._recompute_affinity(companies.ids)
