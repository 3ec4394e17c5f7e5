import os

from odoo import http
from odoo.http import request

from odoo.addons.website_sale.controllers.main import WebsiteSale

from ..models.crm_erp_web_recommendation_event import BLOCKS

# The query parameter of the links of the blocks: which block the product was opened from.
BLOCK_PARAMETER = 'crm_erp_block'


def blocks_off():
    """The page without the recommendation blocks, for the side-by-side page benchmark
    (bench/webshop_page.py): only on a server started with CRM_ERP_WEBSHOP_BENCHMARK=1 in its
    environment, and only for a request with crm_erp_blocks=off."""
    return os.environ.get('CRM_ERP_WEBSHOP_BENCHMARK') == '1' and request.params.get('crm_erp_blocks') == 'off'


class WebsiteSaleRecommendations(WebsiteSale):
    """The shop, the product page and the cart with the bridge's recommendations (templates in
    views/website_sale_templates.xml); a product opened from a block counts a click, a page
    showing a block a view (crm.erp.web.recommendation.event)."""

    @http.route()
    def shop(self, page=0, category=None, search='', ppg=False, **post):
        response = super().shop(page=page, category=category, search=search, ppg=ppg, **post)
        qcontext = getattr(response, 'qcontext', None)
        if qcontext is not None and qcontext.get('pricelist') and not blocks_off():
            qcontext['crm_erp_for_you'] = self._crm_erp_for_you(qcontext['pricelist'])
        return response

    @http.route()
    def product(self, product, category='', search='', **kwargs):
        block = kwargs.pop(BLOCK_PARAMETER, None)
        kwargs.pop('crm_erp_blocks', None)
        response = super().product(product, category=category, search=search, **kwargs)
        if block in dict(BLOCKS) and getattr(response, 'qcontext', None) is not None:
            request.env['product.template']._crm_erp_record('click', block, request.website, product)
        if getattr(response, 'qcontext', None) is not None and response.qcontext.get('pricelist') and not blocks_off():
            items = request.env['product.template']._crm_erp_also_bought(
                product, response.qcontext['pricelist'], request.website.company_id)
            response.qcontext['crm_erp_also_bought'] = items
            if items:
                request.env['product.template']._crm_erp_record('view', 'also_bought', request.website)
        return response

    @http.route()
    def cart(self, access_token=None, revive='', **post):
        response = super().cart(access_token=access_token, revive=revive, **post)
        qcontext = getattr(response, 'qcontext', None)
        if qcontext is None or post.get('type') == 'popover' or blocks_off():
            return response
        order = qcontext.get('website_sale_order')
        Template = request.env['product.template']
        in_cart = order.order_line.mapped('product_id.product_tmpl_id').ids if order else []
        complete = Template._crm_erp_complete_order(order, request.website.company_id) if order else []
        qcontext['crm_erp_complete_order'] = complete
        if complete:
            Template._crm_erp_record('view', 'complete_order', request.website)
        pricelist = order.pricelist_id if order else request.website.get_current_pricelist()
        qcontext['crm_erp_for_you'] = self._crm_erp_for_you(
            pricelist, in_cart + [item['template'].id for item in complete])
        return response

    def _crm_erp_for_you(self, pricelist, exclude_template_ids=()):
        """The "recommended for you" items of a logged-in shopper ([] for an anonymous visitor),
        counting the block's view when it shows."""
        Template = request.env['product.template']
        items = Template._crm_erp_for_you(request.env['website']._crm_erp_shopper(), pricelist,
                                          request.website.company_id, exclude_template_ids)
        if items:
            Template._crm_erp_record('view', 'for_you', request.website)
        return items
