"""crm_erp_bridge_website through real HTTP (a test server, anonymous visitor): the product
page shows "Customers who bought this also bought" for a product with affinity, without the
products that cannot be delivered, at the website pricelist's price, and no block for a
product without affinity; the cart shows "Complete your order"; the webshop's order has the
sales channel webshop."""
import re
import uuid
import xmlrpc.client

import pytest
import requests


class Admin:
    def __init__(self, url, database):
        self.url, self.database = url, database
        self.uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(database, 'admin', 'admin', {})
        self.models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object', allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.database, self.uid, 'admin', model, method, list(args), kwargs)


def block(html, css_class):
    """The text of the block with css_class, '' when the page has none."""
    match = re.search(r'<div class="[^"]*%s[^"]*".*?</h[34]>(.*?)</div>\s*</div>\s*</div>' % css_class, html, re.S)
    return match.group(1) if match else ''


@pytest.fixture(scope='module')
def shop(odoo_server, test_database):
    admin = Admin(odoo_server.url, test_database)
    installed = [('name', '=', 'crm_erp_bridge_website'), ('state', '=', 'installed')]
    if not admin('ir.module.module', 'search_count', installed):
        pytest.skip('crm_erp_bridge_website is not installed on %s (make test installs it)' % test_database)
    run = uuid.uuid4().hex[:6]
    company = admin('res.users', 'read', [admin.uid], ['company_id'])[0]['company_id'][0]

    def product(name, kind, price):
        return admin('product.product', 'create', {
            'name': '%s %s' % (name, run), 'type': kind, 'list_price': price, 'sale_ok': True,
            'website_published': True, 'taxes_id': [(5, 0, 0)], 'company_id': False})
    # a (lamp) is bought with b (shade, consumable: always deliverable) and with d (bulb,
    # stockable, none in stock nor coming: cannot be delivered); c (vase) with nothing
    ids = {'a': product('Webshop lamp', 'consu', 40.0), 'b': product('Webshop shade', 'consu', 17.25),
           'c': product('Webshop vase', 'consu', 9.0), 'd': product('Webshop bulb', 'product', 3.5)}
    for index, pair in enumerate(['ab', 'ab', 'ab', 'ad', 'ad', 'ad']):
        customer = admin('res.partner', 'create', {'name': 'Webshop buyer %s %d' % (run, index), 'customer': True})
        order = admin('sale.order', 'create', {'partner_id': customer, 'company_id': company, 'order_line': [
            (0, 0, {'product_id': ids[key], 'product_uom_qty': 1.0}) for key in pair]})
        admin('sale.order', 'action_confirm', [order])
    admin('crm.erp.product.affinity', 'action_recompute_affinity')
    together = admin('product.product', 'get_frequently_bought_together', [ids['a']])[0]['items']
    assert {item['product_id'] for item in together} >= {ids['b'], ids['d']}, together
    templates = {key: admin('product.product', 'read', [value], ['product_tmpl_id'])[0]['product_tmpl_id'][0]
                 for key, value in ids.items()}
    return {'admin': admin, 'run': run, 'products': ids, 'templates': templates, 'url': odoo_server.url}


def test_product_page_also_bought(shop):
    visitor = requests.Session()
    page = visitor.get('%s/shop/product/%d' % (shop['url'], shop['templates']['a']), timeout=120)
    assert page.status_code == 200
    assert 'Customers who bought this also bought' in page.text
    shown = block(page.text, 'o_crm_erp_also_bought')
    assert 'Webshop shade %s' % shop['run'] in shown
    assert '17.25' in shown  # the website pricelist's price (the public pricelist: the list price)
    assert 'Bought with Webshop lamp %s in 3 orders' % shop['run'] in shown
    assert 'Webshop bulb' not in shown  # cannot be delivered (bought with the lamp as often as the shade)
    assert 'Webshop vase' not in shown
    # a product without affinity: no block
    page = visitor.get('%s/shop/product/%d' % (shop['url'], shop['templates']['c']), timeout=120)
    assert page.status_code == 200
    assert 'o_crm_erp_also_bought' not in page.text
    assert 'Customers who bought this also bought' not in page.text


def test_cart_complete_your_order_and_webshop_channel(shop):
    visitor = requests.Session()
    visitor.get(shop['url'] + '/shop', timeout=120)
    answer = visitor.post(shop['url'] + '/shop/cart/update_json', timeout=120, json={
        'jsonrpc': '2.0', 'method': 'call', 'params': {'product_id': shop['products']['a'], 'add_qty': 1}})
    assert 'error' not in answer.json(), answer.text
    cart = visitor.get(shop['url'] + '/shop/cart', timeout=120)
    shown = block(cart.text, 'o_crm_erp_complete_order')
    assert 'Complete your order' in cart.text
    assert 'Webshop shade %s' % shop['run'] in shown
    assert 'data-product-template-id="%d"' % shop['templates']['a'] not in shown  # in the cart already
    assert 'data-product-template-id="%d"' % shop['templates']['d'] not in shown  # cannot be delivered
    line = shop['admin']('sale.order.line', 'search_read', [('product_id', '=', shop['products']['a']),
                                                            ('state', '=', 'draft')],
                         fields=['order_id'], order='id desc', limit=1)[0]
    order = shop['admin']('sale.order', 'read', [line['order_id'][0]], ['crm_erp_channel'])[0]
    assert order['crm_erp_channel'] == 'webshop'
