"""11.0.1.1.0: cross-sell opportunities carry their products as lines (is_cross_sell) instead of
one cross_sell_product_id. The opportunity form's view that showed the old field is dropped
before the update reloads the views (it is created again from recommendation_views.xml):
otherwise the form it extends, loaded first, fails on the removed field."""
from odoo.addons.crm_erp_bridge.queries.cross_sell import drop_view


def migrate(cr, version):
    if version:
        drop_view(cr, 'crm_lead_view_form_recommendations')
