"""A salesperson's journey in headless chromium at 1366 x 768, in English and in Chinese, as the
demo salesman: one of their customers, the Customer 360 tab, All suggestions, Add the first one
(to their draft quotation for the customer), Open Quotation, confirm the order. Fails on a
JavaScript error, an error dialog or a sideways scroll."""
import os

import pytest
from test_customer_360_web import NO_ERROR_DIALOG, _call
from test_manager_journey import NO_SIDEWAYS_SCROLL, _translations
from test_web_client import SCREENSHOTS, WEB_CLIENT_READY

from browser import wait_until

FORM_READY = WEB_CLIENT_READY + " && !!document.querySelector('.o_form_view')"
DIALOG = "document.querySelector('.modal .o_form_view')"


def _click(chromium, selector):
    """Clicks the first visible element matching selector; False when there is none."""
    return chromium.evaluate("(e => e ? (e.click(), true) : false)([...document.querySelectorAll(%r)]"
                             ".find(e => e.offsetParent !== null))" % selector)


@pytest.mark.parametrize('position', [0, 1])
def test_customer_suggestion_to_confirmed_order(odoo_server, test_database, chromium, language, position):
    code = ('en_US', 'zh_CN')[position]
    demo = _call(odoo_server, test_database, 'res.users', 'search', [('login', '=', 'demo')])[0]
    # a quotation of the demo salesman's own, for one of their customers and products (the
    # journeys and other tests confirm the demo's quotations: each run starts from its own)
    model = _call(odoo_server, test_database, 'sale.order', 'search_read', [('user_id', '=', demo)],
                  fields=['partner_id', 'order_line'], limit=1, order='id')[0]
    product = _call(odoo_server, test_database, 'sale.order.line', 'read', model['order_line'][:1],
                    ['product_id'])[0]['product_id'][0]
    order = _call(odoo_server, test_database, 'sale.order', 'create', {
        'partner_id': model['partner_id'][0], 'user_id': demo,
        'order_line': [(0, 0, {'product_id': product, 'product_uom_qty': 1.0})]})
    lines_before = 1
    language(code)  # loads the language; puts the admin back to English afterwards
    _call(odoo_server, test_database, 'res.users', 'write', [demo], {'lang': code})
    try:
        session = odoo_server.session('demo', 'demo')
        chromium.set_cookies(odoo_server.url, {'session_id': session.cookies['session_id']})
        chromium.set_viewport(1366, 768)
        words = _translations() if code == 'zh_CN' else {}
        chromium.open(odoo_server.url + '/web#id=%d&model=res.partner&view_type=form' % model['partner_id'][0],
                      FORM_READY)
        tab = "[...document.querySelectorAll('.o_form_view .o_notebook .nav-tabs a')].find(a => " \
              "a.textContent.trim() === %r)" % words.get('Customer 360', 'Customer 360')
        assert chromium.evaluate("(a => a ? (a.click(), true) : false)(%s)" % tab)
        assert chromium.evaluate(NO_SIDEWAYS_SCROLL)
        chromium.screenshot(os.path.join(SCREENSHOTS, 'salesperson_customer_360_%s.png' % code))
        assert _click(chromium, ".o_form_view .o_notebook .tab-pane.active button[name='action_open_recommendations']")
        wait_until(lambda: chromium.evaluate("!!" + DIALOG), 60, 'suggestions')
        if code == 'zh_CN':  # the dialog speaks Chinese: its intent labels are translated
            text = chromium.evaluate(DIALOG + ".innerText")
            assert any(words[label] in text for label in ('Due to re-order', 'Buy again', 'Discover')), text
        chromium.screenshot(os.path.join(SCREENSHOTS, 'salesperson_suggestions_%s.png' % code))
        assert _click(chromium, ".modal button.o_crm_erp_add")
        # the newest draft quotation of the salesman for the customer: the one made above
        wait_until(lambda: _call(odoo_server, test_database, 'sale.order.line', 'search_count',
                                 [('order_id', '=', order)]) == lines_before + 1, 60, 'line added')
        wait_until(lambda: _click(chromium, ".modal-footer button.o_crm_erp_open_quotation"), 30, 'Open Quotation')
        wait_until(lambda: chromium.evaluate("!document.querySelector('.modal') && "
                                             "!!document.querySelector('.o_form_view .o_form_statusbar')"),
                   30, 'the quotation')
        confirm = {'en_US': 'Confirm Sale', 'zh_CN': '确认销售'}[code]  # sale's own label and its zh_CN
        assert chromium.evaluate("(b => b ? (b.click(), true) : false)([...document.querySelectorAll("
                                 "'.o_form_statusbar button')].find(b => b.offsetParent !== null && "
                                 "b.textContent.trim() === %r))" % confirm)
        wait_until(lambda: _call(odoo_server, test_database, 'sale.order', 'read', [order], ['state'])[0]['state']
                   == 'sale', 60, 'order confirmed')
        assert chromium.evaluate(NO_ERROR_DIALOG)
        assert chromium.errors == []
        assert chromium.evaluate(NO_SIDEWAYS_SCROLL)
        chromium.screenshot(os.path.join(SCREENSHOTS, 'salesperson_confirmed_%s.png' % code))
    finally:
        _call(odoo_server, test_database, 'res.users', 'write', [demo], {'lang': 'en_US'})
