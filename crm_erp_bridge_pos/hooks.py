from odoo import SUPERUSER_ID, api

from . import queries


def post_init_hook(cr, registry):
    """The customers of the point of sale tickets paid before this addon was installed: their
    Customer 360 rows recomputed with their tickets (an incremental refresh of those customers
    only, company by company); the product affinity and the peer best sellers of the companies
    with such tickets recomputed with their baskets (anonymous tickets included)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env['crm.erp.partner.stats']._refresh_pairs(set(queries.ticket_customers(cr)))
    company_ids = queries.ticket_companies(cr)
    if company_ids:
        env['crm.erp.product.affinity']._recompute_all(env['res.company'].browse(company_ids))
