from odoo import SUPERUSER_ID, api

from .queries import affinity, pipeline, recommendation, sales_forecast
from .queries.common import drop_tables
from .run_lock import TABLE_NAME as RUN_LOCK_TABLE


def post_init_hook(cr, registry):
    """Fill the Customer 360, the product affinity and the peer best sellers of every company
    set-based at install (after the demo data: its orders count)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    companies = env['res.company'].search([])
    env['crm.erp.partner.stats']._refresh(companies.ids, recompute_boundaries=True, notify=False)
    env['crm.erp.product.affinity']._recompute_all(companies)


def uninstall_hook(cr, registry):
    """The raw affinity counts and the pipeline demand snapshot are plain tables (not
    models' own): drop them with the addon."""
    affinity.drop_tables_and_view(cr)
    recommendation.drop_best_seller_tables(cr)  # peer best sellers
    pipeline.drop_snapshot(cr)
    drop_tables(cr, [RUN_LOCK_TABLE])  # see run_lock
    # the companies' last forecast refresh (the forecast table is the model's: Odoo drops it with
    # CASCADE, and with it the view of the forecast demand and the demand report's view on it)
    drop_tables(cr, [sales_forecast.REFRESH_TABLE])
