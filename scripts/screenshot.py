"""Takes the README's screenshot: the Customer 360 tab of the demo customer with the highest
revenue, in headless chromium (tests/browser.py), saved as
crm_erp_bridge/static/description/customer_360.png.

    .venv/bin/python scripts/screenshot.py DATABASE   # a database with the addon and its demo data
"""
import os
import sys
import time
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from browser import Chromium, OdooServer  # noqa: E402  (tests/ is not a package)
from test_web_client import WEB_CLIENT_READY  # noqa: E402

TARGET = os.path.join(ROOT, 'crm_erp_bridge', 'static', 'description', 'customer_360.png')
TAB = ("[...document.querySelectorAll('.o_form_view .o_notebook .nav-tabs a')]"
       ".find(a => a.textContent.trim() == 'Customer 360')")


def main(database):
    server = OdooServer(database)
    chromium = None
    try:
        uid = xmlrpc.client.ServerProxy(server.url + '/xmlrpc/2/common').authenticate(database, 'admin', 'admin', {})
        models = xmlrpc.client.ServerProxy(server.url + '/xmlrpc/2/object')
        row, = models.execute_kw(database, uid, 'admin', 'crm.erp.partner.stats', 'search_read',
                                 [[('sale_order_count', '>', 1)]],
                                 {'fields': ['partner_id'], 'limit': 1, 'order': 'sale_revenue desc'})
        chromium = Chromium()
        chromium.set_cookies(server.url, {'session_id': server.session().cookies['session_id']})
        chromium.open('%s/web#id=%d&model=res.partner&view_type=form' % (server.url, row['partner_id'][0]),
                      WEB_CLIENT_READY)
        chromium.evaluate('%s.click()' % TAB)
        # the tab's figures fill the page: its header at the top of the form's scroll area
        chromium.evaluate("document.querySelector('.o_form_view .o_notebook').scrollIntoView()")
        time.sleep(3)  # the tab's lists and badges render after the click
        print(chromium.screenshot(TARGET))
    finally:
        if chromium:
            chromium.close()
        server.stop()


if __name__ == '__main__':
    main(*sys.argv[1:])
