"""What `make run` promises, checked against a real server on the test database:
XML-RPC answers, the addon is installed, the web client loads styled in headless chromium
with no JavaScript error, and PDF reports render through wkhtmltopdf."""
import os
import re
import xmlrpc.client

from PIL import Image, ImageStat

SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), '.local', 'screenshots')
# Odoo 11's top bar is #oe_main_menu_navbar; an action is displayed once its view is in the main content.
WEB_CLIENT_READY = "!!(document.querySelector('#oe_main_menu_navbar')" \
                   " && document.querySelector('.o_main_content .o_content .o_view_manager_content > *'))"


def test_xmlrpc_contract(odoo_server, test_database):
    common = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/common')
    assert common.version()['server_serie'] == '11.0'
    uid = common.authenticate(test_database, 'admin', 'admin', {})
    assert uid
    models = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object')
    state = models.execute_kw(test_database, uid, 'admin', 'ir.module.module', 'search_read',
                              [[('name', '=', 'crm_erp_bridge')]], {'fields': ['state']})
    assert state == [{'id': state[0]['id'], 'state': 'installed'}]


def test_asset_bundles_compile(odoo_server):
    session = odoo_server.session()
    page = session.get(odoo_server.url + '/web').text
    bundles = re.findall(r'(?:href|src)="(/web/content/[^"]+web\.assets_(?:common|backend)[^"]*)"', page)
    assert len(bundles) >= 4, bundles  # css and js of both bundles
    for bundle in bundles:
        response = session.get(odoo_server.url + bundle)
        assert response.status_code == 200, bundle
        assert 'Could not execute command' not in response.text, 'lessc missing: %s' % bundle
    # Compiled LESS of the backend: the form view's rules are there (the bundle is split in parts).
    backend_css = ''.join(session.get(odoo_server.url + bundle).text for bundle in bundles
                          if bundle.endswith('.css') and 'assets_backend' in bundle)
    assert '.o_form_view' in backend_css


def test_backend_renders_in_chromium(odoo_server, chromium):
    chromium.set_cookies(odoo_server.url, {'session_id': odoo_server.session().cookies['session_id']})
    chromium.open(odoo_server.url + '/web#action=crm_erp_bridge.res_config_settings_action', WEB_CLIENT_READY)
    active_menu = "document.querySelector('#oe_main_menu_navbar .active').textContent.trim()"
    assert chromium.evaluate(active_menu) == 'CRM-ERP Bridge'
    assert chromium.evaluate("document.querySelector('[data-key=crm_erp_bridge]') !== null")
    assert chromium.evaluate("!!document.querySelector('.o_error_dialog, .o_dialog_error')") is False
    assert chromium.errors == []
    path = chromium.screenshot(os.path.join(SCREENSHOTS, 'settings.png'))
    # Styled: the navbar is coloured, the page is not one flat colour.
    image = Image.open(path).convert('RGB')
    assert max(ImageStat.Stat(image).stddev) > 20


def test_pdf_reports_render(odoo_server, test_database):
    session = odoo_server.session()
    common = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/common')
    uid = common.authenticate(test_database, 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object')
    order_id = models.execute_kw(test_database, uid, 'admin', 'sale.order', 'search', [[]], {'limit': 1})[0]
    rfq_id = models.execute_kw(test_database, uid, 'admin', 'purchase.order', 'search', [[]], {'limit': 1})[0]
    for report, record_id in (('sale.report_saleorder', order_id), ('purchase.report_purchasequotation', rfq_id)):
        response = session.get('%s/report/pdf/%s/%d' % (odoo_server.url, report, record_id))
        assert response.status_code == 200, report
        assert response.headers['Content-Type'] == 'application/pdf'
        assert response.content.startswith(b'%PDF')
