"""A buyer's journey in headless chromium at 1366 x 768, in English and then in Chinese: the demo's
shortfall (Vertex's paper shredders), "Create RFQs for Shortfall" from the product's Action menu,
the result window, the RFQs it opens. The first run orders; the second finds the need on order
and opens the orders that cover it. Fails on a JavaScript error or an error dialog."""
import os
import time

import pytest
from test_customer_360_web import NO_ERROR_DIALOG, _call
from test_manager_journey import NO_SIDEWAYS_SCROLL, _open, _translations
from test_web_client import SCREENSHOTS, WEB_CLIENT_READY

from browser import wait_until

FORM_READY = WEB_CLIENT_READY + " && !!document.querySelector('.o_form_view')"
DIALOG = "document.querySelector('.modal .o_form_view')"


def _click(chromium, selector, text):
    """Clicks the element matching selector whose text is text; False when there is none."""
    return chromium.evaluate("(e => e ? (e.click(), true) : false)([...document.querySelectorAll(%r)]"
                             ".find(e => e.textContent.trim() === %r))" % (selector, text))


@pytest.mark.parametrize('code', ['en_US', 'zh_CN'])
def test_shortfall_to_rfqs(odoo_server, test_database, chromium, language, code):
    language(code)
    words = _translations() if code == 'zh_CN' else {}
    shown = {'Action': '动作', 'Open RFQs': 'Open RFQs', 'Open Orders Covering It': 'Open Orders Covering It'}
    if not words:
        shown = {key: key for key in shown}
    else:
        shown.update({key: words[key] for key in ('Open RFQs', 'Open Orders Covering It')})
    action_name = words.get('Create RFQs for Shortfall', 'Create RFQs for Shortfall')
    shredder = _call(odoo_server, test_database, 'ir.model.data', 'xmlid_to_res_id', 'crm_erp_bridge.product_shredder')
    _open(odoo_server, chromium, 'id=%d&model=product.product&view_type=form' % shredder, FORM_READY)
    assert _click(chromium, '.o_cp_sidebar .o_dropdown_toggler_btn', shown['Action'])
    assert _click(chromium, '.o_cp_sidebar .dropdown-menu a', action_name), action_name
    # the window, once the web client has finished loading (a click while it loads is lost)
    wait_until(lambda: chromium.evaluate("!!" + DIALOG + " && ![...document.querySelectorAll('.o_loading')]"
                                         ".some(e => e.offsetParent !== null)"), 60, 'result window')
    text = chromium.evaluate(DIALOG + ".innerText")
    chromium.screenshot(os.path.join(SCREENSHOTS, 'buyer_result_%s.png' % code))
    # the RFQ it made or topped up (the demo's first run), else the orders that already cover
    # the need: either way a button opens them (clicked again until the window gives way)
    buttons = [button for button in (shown['Open RFQs'], shown['Open Orders Covering It'])
               if chromium.evaluate("[...document.querySelectorAll('.modal-footer button')]"
                                    ".some(b => b.offsetParent !== null && b.textContent.trim() === %r)" % button)]
    assert buttons, text

    clicked = []

    def opened():
        if chromium.evaluate("!document.querySelector('.modal')"):
            return True
        if not clicked or time.time() - clicked[-1] > 5:  # once per 5 s: a pending click may still act
            clicked.append(time.time())
            _click(chromium, '.modal-footer button', buttons[0])
        return False
    wait_until(opened, 60, 'the window to open the orders')
    wait_until(lambda: chromium.evaluate("!!document.querySelector('.o_list_view, .o_form_view')"), 60, 'RFQs')
    rfqs = _call(odoo_server, test_database, 'purchase.order', 'search_count',
                 [('order_line.product_id', '=', shredder), ('state', 'in', ['draft', 'sent', 'to approve'])])
    assert rfqs >= 1
    assert chromium.evaluate(NO_ERROR_DIALOG)
    assert chromium.errors == []
    assert chromium.evaluate(NO_SIDEWAYS_SCROLL)
    chromium.screenshot(os.path.join(SCREENSHOTS, 'buyer_rfqs_%s.png' % code))
