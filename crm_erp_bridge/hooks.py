from odoo import SUPERUSER_ID, api

from .report.pipeline_demand_report import SNAPSHOT_TABLE_NAMES, snapshot_trigger_functions


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
    cr.execute("DROP VIEW IF EXISTS crm_erp_product_affinity")
    cr.execute("DROP TABLE IF EXISTS crm_erp_affinity_pair, crm_erp_affinity_product, crm_erp_affinity_company, "
               "crm_erp_affinity_delta")
    cr.execute("DROP TABLE IF EXISTS crm_erp_best_seller, crm_erp_best_seller_company")  # peer best sellers
    cr.execute("DROP INDEX IF EXISTS crm_erp_affinity_sale_line_product_idx")
    # The pipeline demand triggers sit on Odoo's own tables: they must not outlive the addon.
    for function in snapshot_trigger_functions():
        # names of the addon's own functions and tables (constants), not values: no parameters here
        cr.execute("DROP FUNCTION IF EXISTS %s() CASCADE" % function)  # pylint: disable=sql-injection
    cr.execute("DROP TABLE IF EXISTS %s" % ", ".join(SNAPSHOT_TABLE_NAMES))  # pylint: disable=sql-injection
    cr.execute("DROP TABLE IF EXISTS crm_erp_run_lock")  # see run_lock
