import os

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
