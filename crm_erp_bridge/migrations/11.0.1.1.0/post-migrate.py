"""11.0.1.1.0: the opportunities of the single-product cross-sell become cross-sell
opportunities with their product as a line (queries/cross_sell.py, mark_legacy_cross_sell)."""
from odoo.addons.crm_erp_bridge.queries.cross_sell import mark_legacy_cross_sell


def migrate(cr, version):
    if version:
        mark_legacy_cross_sell(cr)
