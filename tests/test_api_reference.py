"""docs/api.md covers 100 % of the addon's public methods: every method a client can call over
RPC (public name, callable) defined by a class of the addon, on every model of the registry,
has a `### \\`model.method\\`` heading or a row of the table of extended methods, and every
method documented there exists and is the addon's."""
import os
import re

import odoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON_MODULE = 'odoo.addons.crm_erp_bridge'


def _of_module(klass, module):
    name = getattr(klass, '__module__', None) or ''
    return name == module or name.startswith(module + '.')


def _declares(klass, model_name):
    """Whether klass defines model_name (_name) or extends it (_inherit)."""
    inherit = vars(klass).get('_inherit')
    return vars(klass).get('_name') == model_name or model_name in (
        [inherit] if isinstance(inherit, str) else list(inherit or []))


def addon_public_methods(registry, module=ADDON_MODULE):
    """{'model.method'} for every public callable the classes of module (an addon's package,
    not another addon whose name starts the same: crm_erp_bridge_marketing...) define (new
    methods and overrides of Odoo's): what Odoo 11 lets a client call (odoo/service/model.py
    refuses only names starting with '_'). The glue addons': test_api_reference_channels.py."""
    methods = set()
    for model_name, model_class in registry.items():
        classes = [klass for klass in model_class.__mro__ if _of_module(klass, module)]
        # a model of another addon that only inherits one of module's abstract models (the glue's
        # reports and crm.erp.sql.report) is that addon's
        if not any(_declares(klass, model_name) for klass in classes):
            continue
        for klass in classes:
            methods.update('%s.%s' % (model_name, name) for name, value in vars(klass).items()
                           if not name.startswith('_') and callable(value))
    return methods


def documented_methods():
    with open(os.path.join(ROOT, 'docs', 'api.md')) as api:
        text = api.read()
    headings = re.findall(r'^### `([\w.]+)`$', text, re.M)
    extended = text.split('\n## Standard methods the addon extends\n', 1)[1].split('\n## ', 1)[0]
    table_rows = re.findall(r'^\| `([\w.]+)` \|', extended, re.M)
    return headings, table_rows


def test_api_reference_names_every_public_method(test_database):
    registry = odoo.registry(test_database)
    headings, table_rows = documented_methods()
    public = addon_public_methods(registry)
    assert len(public) > 40  # the introspection found the addon's classes
    documented = headings + table_rows
    assert sorted(public - set(documented)) == [], 'not in docs/api.md'
    assert sorted(set(documented) - public) == [], 'documented, but not a public method of the addon'
    assert len(documented) == len(set(documented)), 'documented twice'
