"""A buyer's journey in headless chromium at 1366 x 768, in English and then in Chinese: the demo's
shortfall (Vertex's paper shredders) in the Pipeline Demand vs Stock list, its rows ticked,
"Create RFQs for Shortfall" from the Action menu, the result window, the RFQs it opens. The
first run orders; the second finds the need on order and opens the orders that cover it. Fails
on a JavaScript error or an error dialog."""
import os
import time

import pytest
from test_customer_360_web import NO_ERROR_DIALOG, _call
from test_manager_journey import NO_SIDEWAYS_SCROLL, _open, _translations
from test_web_client import SCREENSHOTS, WEB_CLIENT_READY

from browser import wait_until

LIST_READY = WEB_CLIENT_READY + " && !!document.querySelector('.o_list_view tr.o_data_row')"
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
    shredder_name = _call(odoo_server, test_database, 'product.product', 'read', [shredder], ['display_name'])[0][
        'display_name']
    report = _call(odoo_server, test_database, 'ir.model.data', 'xmlid_to_res_id',
                   'crm_erp_bridge.crm_erp_pipeline_demand_report_action')
    _open(odoo_server, chromium, 'action=%d&model=crm.erp.pipeline.demand.report&view_type=list' % report, LIST_READY)
    assert chromium.evaluate(NO_SIDEWAYS_SCROLL)
    chromium.screenshot(os.path.join(SCREENSHOTS, 'buyer_demand_%s.png' % code))
    ticked = chromium.evaluate("[...document.querySelectorAll('.o_list_view tr.o_data_row')]"
                               ".filter(row => row.innerText.includes(%r))"
                               ".map(row => row.querySelector('.o_list_record_selector input'))"
                               ".filter(box => box && (box.click(), true)).length" % shredder_name)
    assert ticked >= 1, 'no row of %s in the demand list' % shredder_name
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
    wait_until(lambda: chromium.evaluate("location.hash.includes('model=purchase.order') && "
                                         "!!document.querySelector('.o_list_view, .o_form_view')"), 60, 'RFQs')
    rfqs = _call(odoo_server, test_database, 'purchase.order', 'search_count',
                 [('order_line.product_id', '=', shredder), ('state', 'in', ['draft', 'sent', 'to approve'])])
    assert rfqs >= 1
    assert chromium.evaluate(NO_ERROR_DIALOG)
    assert chromium.errors == []
    assert chromium.evaluate(NO_SIDEWAYS_SCROLL)
    chromium.screenshot(os.path.join(SCREENSHOTS, 'buyer_rfqs_%s.png' % code))
