from odoo import http
from odoo.http import request

from odoo.addons.website_sale.controllers.main import WebsiteSale


class WebsiteSaleRecommendations(WebsiteSale):
    """The product page and the cart with the bridge's recommendations (templates in
    views/website_sale_templates.xml)."""

    @http.route()
    def product(self, product, category='', search='', **kwargs):
        response = super().product(product, category=category, search=search, **kwargs)
        if getattr(response, 'qcontext', None) is not None and response.qcontext.get('pricelist'):
            response.qcontext['crm_erp_also_bought'] = request.env['product.template']._crm_erp_also_bought(
                product, response.qcontext['pricelist'], request.website.company_id)
        return response

    @http.route()
    def cart(self, access_token=None, revive='', **post):
        response = super().cart(access_token=access_token, revive=revive, **post)
        if getattr(response, 'qcontext', None) is not None and response.qcontext.get('website_sale_order'):
            response.qcontext['crm_erp_complete_order'] = request.env['product.template']._crm_erp_complete_order(
                response.qcontext['website_sale_order'], request.website.company_id)
        return response
