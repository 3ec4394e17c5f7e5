"""Every screen of the addon fits a 1366 x 768 laptop screen: each view of each of its window
actions, and the forms it extends (customer with its Customer 360 tab, quotation, opportunity,
product) or adds (a service request with its Customer 360 tab), open in headless chromium
without a JavaScript error, an error dialog or a sideways scroll of the view.

The web client loads once: every screen after the first opens through its URL fragment, as a
bookmark or a link opens it in a running client; on a new fragment Odoo 11 clears the
breadcrumbs and the current view and loads the action (web_client.on_hashchange,
action_manager.do_load_state), without loading the whole client again (a full load per
screen took most of this test's time)."""
import json
import os

from browser import wait_until
from test_customer_360_web import NO_ERROR_DIALOG, _call
from test_manager_journey import NO_SIDEWAYS_SCROLL, _open
from test_web_client import SCREENSHOTS, WEB_CLIENT_READY

# the class the views of the previous screen get before the next one opens
STALE = 'o_previous_screen'
NEW_VIEW_READY = WEB_CLIENT_READY + " && !document.querySelector('.%s')" % STALE


def _navigate(chromium, fragment):
    """Opens the screen of the URL fragment in the running web client and waits for its view."""
    chromium.evaluate("document.querySelectorAll('.o_main_content .o_content .o_view_manager_content > *')"
                      ".forEach(view => view.classList.add('%s')); location.hash = %s" % (STALE, json.dumps(fragment)))
    wait_until(lambda: chromium.evaluate(NEW_VIEW_READY), 90, 'screen not ready: %s' % fragment)


def _addon_window_actions(odoo_server, database):
    data = _call(odoo_server, database, 'ir.model.data', 'search_read',
                 [('module', '=', 'crm_erp_bridge'), ('model', '=', 'ir.actions.act_window')],
                 fields=['name', 'res_id'])
    actions = {action['id']: action for action in _call(
        odoo_server, database, 'ir.actions.act_window', 'read', [row['res_id'] for row in data],
        ['view_mode', 'res_model', 'target'])}
    return [(row['name'], mode) for row in data for mode in actions[row['res_id']]['view_mode'].split(',')
            if actions[row['res_id']]['target'] != 'new' and mode != 'form']


def _first(odoo_server, database, model, domain, order='id'):
    return _call(odoo_server, database, model, 'search', domain, limit=1, order=order)[0]


def test_every_screen_fits_a_laptop(odoo_server, test_database, chromium):
    screens = ['action=crm_erp_bridge.%s&view_type=%s' % (name, mode)
               for name, mode in _addon_window_actions(odoo_server, test_database)]
    assert len(screens) >= 15, screens
    customer = _call(odoo_server, test_database, 'crm.erp.partner.stats', 'search_read', [],
                     fields=['partner_id'], limit=1, order='sale_revenue desc')[0]['partner_id'][0]
    quotation = _first(odoo_server, test_database, 'sale.order', [('state', 'in', ['draft', 'sent'])],
                       order='id desc')
    # an opportunity with product lines when the demo has one
    opportunity = _first(odoo_server, test_database, 'crm.lead', [('type', '=', 'opportunity')],
                         order='planned_revenue desc')
    product = _first(odoo_server, test_database, 'product.product', [('type', '=', 'product')])
    # a complaint of a demo customer, with its Customer 360 tab
    request = _first(odoo_server, test_database, 'crm.erp.service.request', [('partner_id', '!=', False)])
    screens += ['id=%d&model=res.partner&view_type=form' % customer,
                'id=%d&model=sale.order&view_type=form' % quotation,
                'id=%d&model=crm.lead&view_type=form' % opportunity,
                'id=%d&model=product.product&view_type=form' % product,
                'id=%d&model=crm.erp.service.request&view_type=form' % request]
    wide = []
    for index, fragment in enumerate(screens):
        if index:
            _navigate(chromium, fragment)
        else:
            _open(odoo_server, chromium, fragment, WEB_CLIENT_READY)
        # the Customer 360 tab and the opportunity's products: the pages the addon adds
        chromium.evaluate("[...document.querySelectorAll('.o_notebook .nav-tabs a')].filter("
                          "a => ['Customer 360', 'Products'].includes(a.textContent.trim())).forEach(a => a.click())")
        assert chromium.evaluate(NO_ERROR_DIALOG), fragment
        assert chromium.errors == [], fragment
        if not chromium.evaluate(NO_SIDEWAYS_SCROLL):
            wide.append(fragment)
            chromium.screenshot(os.path.join(SCREENSHOTS, 'too_wide_%d.png' % len(wide)))
    assert wide == [], 'scrolls sideways at 1366 px'
