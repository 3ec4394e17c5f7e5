"""A manager's journey in headless chromium at 1366 x 768, in English and in Chinese: the
dashboard, a tile's list (the customers at risk), the stage conversions in funnel order. Fails on
a JavaScript error, an error dialog, a page that scrolls sideways or an untranslated title."""
import os
import xmlrpc.client

import polib
import pytest
from test_customer_360_web import NO_ERROR_DIALOG, _call
from test_web_client import SCREENSHOTS, WEB_CLIENT_READY

from browser import ROOT, wait_until

DASHBOARD_READY = WEB_CLIENT_READY + " && !!document.querySelector('.o_crm_erp_dashboard .o_kanban_record')"
SECTIONS = ['Customer funnel', 'Customer segments', 'Revenue at risk', 'Stock for the pipeline', 'Cross-sell']
STAGES = ['Prospect', 'Lead', 'Opportunity', 'New customer', 'Repeat', 'Loyal', 'At risk', 'Lost']
NO_SIDEWAYS_SCROLL = "(c => c.scrollWidth <= c.clientWidth + 1)(document.querySelector('.o_content'))"


def _translations():
    catalogue = polib.pofile(os.path.join(ROOT, 'crm_erp_bridge', 'i18n', 'zh_CN.po'))
    return {entry.msgid: entry.msgstr for entry in catalogue if entry.msgstr}


def _texts(chromium, selector):
    return chromium.evaluate("[...document.querySelectorAll(%r)].map(e => e.textContent.trim())" % selector)


def _open(odoo_server, chromium, fragment, ready=WEB_CLIENT_READY):
    chromium.set_cookies(odoo_server.url, {'session_id': odoo_server.session().cookies['session_id']})
    chromium.set_viewport(1366, 768)
    chromium.open(odoo_server.url + '/web#' + fragment, ready)


def _check_page(chromium, name):
    assert chromium.evaluate(NO_ERROR_DIALOG), name
    assert chromium.errors == [], name
    assert chromium.evaluate(NO_SIDEWAYS_SCROLL), name + ' scrolls sideways at 1366 px'
    chromium.screenshot(os.path.join(SCREENSHOTS, name + '.png'))


@pytest.mark.parametrize('code', ['en_US', 'zh_CN'])
def test_dashboard_at_risk_list_and_stage_history(odoo_server, test_database, chromium, language, code):
    language(code)
    words = _translations() if code == 'zh_CN' else {}

    def shown(text):  # in Chinese, a term without a translation fails the test
        return words[text] if words else text
    _open(odoo_server, chromium, 'action=crm_erp_bridge.crm_erp_dashboard_tile_action', DASHBOARD_READY)
    assert _texts(chromium, '.o_kanban_group .o_column_title') == [shown(section) for section in SECTIONS]
    funnel = _texts(chromium, '.o_kanban_group:first-child .o_kanban_record .o_kanban_record_title')
    assert funnel == [shown(stage) for stage in STAGES]
    _check_page(chromium, 'dashboard_' + code)

    # the at-risk tile opens the customers at risk of the company
    risk = _call(odoo_server, test_database, 'crm.erp.dashboard.tile', 'search_read', [('section', '=', 'risk')],
                 fields=['customer_count'])
    assert len(risk) == 1
    chromium.evaluate("document.querySelector('.o_kanban_group:nth-child(3) .o_kanban_record a').click()")
    wait_until(lambda: chromium.evaluate("!!document.querySelector('.o_list_view')"), 60, 'at-risk list')
    assert chromium.evaluate("document.querySelectorAll('.o_list_view tbody tr.o_data_row').length") \
        == min(risk[0]['customer_count'], 80)
    assert shown('At risk') in chromium.evaluate("document.querySelector('.breadcrumb').innerText")
    _check_page(chromium, 'dashboard_at_risk_' + code)

    # stage conversions: rows in funnel order
    _open(odoo_server, chromium, 'action=crm_erp_bridge.crm_erp_partner_stage_history_action')
    rows = _texts(chromium, '.o_pivot tbody tr td.o_pivot_header_cell_closed, '
                            '.o_pivot tbody tr td.o_pivot_header_cell_opened')[1:]  # after Total
    order = [shown(stage) for stage in STAGES]
    assert rows and rows == sorted(rows, key=order.index), rows
    _check_page(chromium, 'stage_conversions_' + code)
    if code == 'zh_CN':
        # nothing of the addon's own English on the three pages' titles
        assert not set(_texts(chromium, '.o_pivot thead th')) & {'Conversion (%)', 'Days in previous stage'}


def test_dashboard_figures_over_xmlrpc(odoo_server, test_database):
    """The tiles an integration reads are the manager's (a salesperson's call is refused)."""
    tiles = _call(odoo_server, test_database, 'crm.erp.dashboard.tile', 'search_read', [],
                  fields=['section', 'customer_stage', 'customer_count'])
    funnel = [tile for tile in tiles if tile['section'] == 'funnel']
    assert [tile['customer_stage'] for tile in funnel] == [
        'prospect', 'lead', 'opportunity', 'new', 'repeat', 'loyal', 'at_risk', 'lost']
    demo_uid = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/common').authenticate(
        test_database, 'demo', 'demo', {})
    models = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object')
    with pytest.raises(xmlrpc.client.Fault) as refused:
        models.execute_kw(test_database, demo_uid, 'demo', 'crm.erp.dashboard.tile', 'search_read', [[]], {})
    assert 'AccessError' in refused.value.faultString or 'access' in refused.value.faultString.lower()
