"""Customer 360 in the web client, on the demo database: the partner form's tab, the kanban by
stage and the two reports render in headless chromium without a JavaScript error."""
import os
import xmlrpc.client

from test_web_client import SCREENSHOTS, WEB_CLIENT_READY

NO_ERROR_DIALOG = "!document.querySelector('.o_error_dialog, .o_dialog_error')"


def _call(odoo_server, database, model, method, *args, **kwargs):
    uid = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/common').authenticate(database, 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object')
    return models.execute_kw(database, uid, 'admin', model, method, list(args), kwargs)


def _open(odoo_server, chromium, fragment):
    chromium.set_cookies(odoo_server.url, {'session_id': odoo_server.session().cookies['session_id']})
    chromium.open(odoo_server.url + '/web#' + fragment, WEB_CLIENT_READY)


def test_partner_form_customer_360_tab(odoo_server, chromium, test_database):
    # the demo customer with the most revenue in the main company, and its figures over XML-RPC
    row = _call(odoo_server, test_database, 'crm.erp.partner.stats', 'search_read',
                [('sale_order_count', '>', 1)], fields=['partner_id', 'sale_order_count'], limit=1,
                order='sale_revenue desc')[0]
    partner_id = row['partner_id'][0]
    profile = _call(odoo_server, test_database, 'res.partner', 'get_customer_360', [partner_id])[0]
    assert profile['sale_order_count'] == row['sale_order_count']
    assert profile['top_products']
    _open(odoo_server, chromium, 'id=%d&model=res.partner&view_type=form' % partner_id)
    tab = "[...document.querySelectorAll('.o_form_view .o_notebook .nav-tabs a')]" \
          ".find(a => a.textContent.trim() == 'Customer 360')"
    assert chromium.evaluate("!!%s" % tab)
    chromium.evaluate("%s.click()" % tab)
    pane = "document.querySelector('.o_form_view .o_notebook .tab-pane.active')"
    text = chromium.evaluate("%s.innerText" % pane)
    for label in ('Lifecycle and segment', 'Purchase history', 'What to expect', 'Top products',
                  'Likely to buy again', 'Predicted value', 'Confirmed orders'):
        assert label in text, label
    # the top products list has one row per product of the profile (up to five)
    rows = chromium.evaluate("%s.querySelectorAll('.o_list_view tbody tr.o_data_row').length" % pane)
    assert rows == len(profile['top_products'])
    assert chromium.evaluate(NO_ERROR_DIALOG)
    assert chromium.errors == []
    chromium.screenshot(os.path.join(SCREENSHOTS, 'customer_360_tab.png'))


def test_customer_kanban_and_reports(odoo_server, chromium):
    _open(odoo_server, chromium, 'action=crm_erp_bridge.crm_erp_partner_stats_action')
    columns = chromium.evaluate("[...document.querySelectorAll('.o_kanban_group .o_column_title')]"
                                ".map(t => t.textContent.trim())")
    # every buying stage in funnel order (prospects have no row, the default filter hides any
    # set by hand: no column that is always empty)
    assert columns == ['Lead', 'Opportunity', 'New customer', 'Repeat', 'Loyal', 'At risk', 'Lost']
    # the seven columns fit a 1366 px screen
    chromium.set_viewport(1366, 768)
    assert chromium.evaluate("(c => c.scrollWidth <= c.clientWidth + 1)(document.querySelector('.o_content'))"), \
        chromium.evaluate("(c => [c.scrollWidth, c.clientWidth, document.querySelector('.o_kanban_view').className,"
                          " [...document.querySelectorAll('.o_kanban_group')].map(g => g.offsetWidth)])"
                          "(document.querySelector('.o_content'))")
    assert chromium.evaluate("document.querySelectorAll('.o_kanban_record').length") > 10
    chromium.screenshot(os.path.join(SCREENSHOTS, 'customer_360_kanban.png'))
    for action, header in (('crm_erp_partner_stage_history_action', 'Conversion (%)'),
                           ('crm_erp_partner_product_history_action', 'Revenue')):
        _open(odoo_server, chromium, 'action=crm_erp_bridge.' + action)
        assert header in chromium.evaluate("document.querySelector('.o_pivot').innerText"), action
        chromium.screenshot(os.path.join(SCREENSHOTS, action + '.png'))
    assert chromium.evaluate(NO_ERROR_DIALOG)
    assert chromium.errors == []
