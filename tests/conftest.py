import os
import xmlrpc.client

import pytest

from browser import Chromium, OdooServer


@pytest.fixture(scope='session')
def test_database():
    """The database `make test` installed the addon into (with demo data)."""
    return os.environ['CRM_ERP_TEST_DB']


@pytest.fixture(scope='session')
def odoo_server(test_database):
    server = OdooServer(test_database)
    yield server
    server.stop()


@pytest.fixture
def chromium():
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture
def language(odoo_server, test_database):
    """Sets the admin's language (zh_CN loaded on first use); English again afterwards."""
    uid = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/common').authenticate(
        test_database, 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object')

    def call(model, method, *args):
        return models.execute_kw(test_database, uid, 'admin', model, method, list(args))

    def set_language(code):
        if code != 'en_US' and not call('res.lang', 'search', [('code', '=', code)]):
            call('base.language.install', 'lang_install', [call('base.language.install', 'create', {'lang': code})])
        call('res.users', 'write', [uid], {'lang': code})
    yield set_language
    set_language('en_US')
