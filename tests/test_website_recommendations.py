"""crm_erp_bridge_website through real HTTP (a test server, anonymous visitor): the product
page shows "Customers who bought this also bought" for a product with affinity, without the
products that cannot be delivered, at the website pricelist's price, and no block for a
product without affinity; the cart shows "Complete your order"; the webshop's order has the
sales channel webshop; a product opened from a block counts a click; a logged-in shopper sees
"Recommended for you" and an anonymous visitor does not; the three pages in headless chromium
(screenshots in .local/screenshots/webshop_*.png)."""
import datetime
import os
import re
import time
import uuid
import xmlrpc.client

import pytest
import requests
from PIL import Image, ImageStat

SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), '.local', 'screenshots')


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
    # a portal shopper who bought the lamp and the bulb every four weeks, the last time four weeks
    # ago: due again now
    portal = admin('ir.model.data', 'xmlid_to_res_id', 'base.group_portal')
    login = 'webshop_shopper_%s' % run
    user = admin('res.users', 'create', {'name': 'Webshop shopper %s' % run, 'login': login, 'password': login,
                                         'groups_id': [(6, 0, [portal])]}, context={'no_reset_password': True})
    shopper = admin('res.users', 'read', [user], ['partner_id'])[0]['partner_id'][0]
    today = datetime.date.today()
    for days in (84, 56, 28):
        order = admin('sale.order', 'create', {
            'partner_id': shopper, 'company_id': company,
            'date_order': (today - datetime.timedelta(days=days)).strftime('%Y-%m-%d 10:00:00'),
            'order_line': [(0, 0, {'product_id': ids[key], 'product_uom_qty': 1.0}) for key in 'ad']})
        admin('sale.order', 'action_confirm', [order])
    admin('crm.erp.product.affinity', 'action_recompute_affinity')
    together = admin('product.product', 'get_frequently_bought_together', [ids['a']])[0]['items']
    assert {item['product_id'] for item in together} >= {ids['b'], ids['d']}, together
    templates = {key: admin('product.product', 'read', [value], ['product_tmpl_id'])[0]['product_tmpl_id'][0]
                 for key, value in ids.items()}
    return {'admin': admin, 'run': run, 'products': ids, 'templates': templates, 'url': odoo_server.url,
            'company': company, 'portal_login': login}


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


def events(shop, domain):
    return shop['admin']('crm.erp.web.recommendation.event', 'search_read', domain,
                         fields=['kind', 'block', 'product_tmpl_id', 'website_id', 'company_id', 'partner_id',
                                 'session_key'])


def test_click_counted_once_per_visit(shop):
    """A product opened from a block counts a click of that block (once per visit and day); the
    page that shows a block counts a view."""
    visitor = requests.Session()
    url = '%s/shop/product/%d' % (shop['url'], shop['templates']['b'])
    for _time in range(2):
        assert visitor.get(url + '?crm_erp_block=also_bought', timeout=120).status_code == 200
    clicks = events(shop, [('kind', '=', 'click'), ('product_tmpl_id', '=', shop['templates']['b'])])
    assert len(clicks) == 1, clicks
    assert clicks[0]['block'] == 'also_bought' and clicks[0]['company_id'][0] == shop['company']
    assert clicks[0]['website_id'] and clicks[0]['partner_id'] is False and len(clicks[0]['session_key']) == 32
    assert visitor.cookies['session_id'] not in clicks[0]['session_key']  # a digest, not the session
    views = shop['admin']('crm.erp.web.recommendation.event', 'search_count', [
        ('kind', '=', 'view'), ('block', '=', 'also_bought'), ('session_key', '=', clicks[0]['session_key'])])
    assert views == 2  # the shade's page shows what was bought with it (the lamp)


def test_recommended_for_you_logged_in_only(shop, odoo_server):
    """A logged-in shopper sees "Recommended for you" on the shop with the back office's plain
    words; an anonymous visitor does not."""
    anonymous = requests.get(shop['url'] + '/shop', timeout=120)
    assert anonymous.status_code == 200 and 'o_crm_erp_for_you' not in anonymous.text
    shopper = odoo_server.session(shop['portal_login'], shop['portal_login'])
    # the engines' company-wide figures are built in the background at the server's first shop
    # page: the block shows once they are there
    for _attempt in range(60):
        page = shopper.get(shop['url'] + '/shop', timeout=120).text
        if 'o_crm_erp_for_you' in page:
            break
        time.sleep(0.5)
    shown = page.split('o_crm_erp_for_you', 1)[1].split('products_pager', 1)[0]
    assert 'Recommended for you' in page
    assert 'Webshop lamp %s' % shop['run'] in shown       # theirs, four weeks apart: due again
    assert 'Due to re-order' in shown and 'Orders every ~4 weeks' in shown
    assert 'Webshop bulb %s' % shop['run'] not in shown   # theirs too, but it cannot be delivered
    assert 'crm_erp_block=for_you' in shown


def test_shop_pages_in_chromium(shop, odoo_server, chromium):
    """The product page, the cart and the shop of a logged-in shopper with their blocks, in
    headless chromium; screenshots in .local/screenshots/ (webshop_*.png)."""
    visitor = requests.Session()
    visitor.get(shop['url'] + '/shop', timeout=120)
    visitor.post(shop['url'] + '/shop/cart/update_json', timeout=120, json={
        'jsonrpc': '2.0', 'method': 'call', 'params': {'product_id': shop['products']['a'], 'add_qty': 1}})
    chromium.set_viewport(1366, 768)
    chromium.set_cookies(shop['url'], {'session_id': visitor.cookies['session_id']})
    pages = [('webshop_product.png', '/shop/product/%d' % shop['templates']['a'], 'o_crm_erp_also_bought'),
             ('webshop_cart.png', '/shop/cart', 'o_crm_erp_complete_order')]
    for name, path, block in pages:
        chromium.open(shop['url'] + path, "!!document.querySelector('.%s')" % block)
        chromium.evaluate("document.querySelector('.%s').scrollIntoView()" % block)
        text = chromium.evaluate("document.querySelector('.%s').innerText" % block)
        assert 'Webshop shade %s' % shop['run'] in text, (path, text)
        screenshot(chromium, name)
    shopper = odoo_server.session(shop['portal_login'], shop['portal_login'])
    shopper.get(shop['url'] + '/shop', timeout=120)
    chromium.set_cookies(shop['url'], {'session_id': shopper.cookies['session_id']})
    chromium.open(shop['url'] + '/shop', "!!document.querySelector('.o_crm_erp_for_you')")
    text = chromium.evaluate("document.querySelector('.o_crm_erp_for_you').innerText")
    assert 'Webshop lamp %s' % shop['run'] in text and 'Due to re-order' in text, text
    screenshot(chromium, 'webshop_for_you.png')


def screenshot(chromium, name):
    """Saves the page and checks that it is drawn (not one flat colour: a shop page is mostly
    white, its deviation 16-30 against 0 for a blank page)."""
    path = chromium.screenshot(os.path.join(SCREENSHOTS, name))
    assert max(ImageStat.Stat(Image.open(path).convert('RGB')).stddev) > 8, path
