"""docs/api.md's section "Optional addons" covers 100 % of the glue addons' public methods, as
test_api_reference.py checks the core addon's: run by `make test`'s channel phase, once
crm_erp_bridge_marketing, crm_erp_bridge_pos and crm_erp_bridge_website are installed. Every
method a client can call over RPC defined by a glue addon's classes (new methods and overrides
of Odoo's) has a row naming it and that addon, and every row is such a method of its addon."""
import re

import odoo
import pytest

from test_api_reference import ROOT, addon_public_methods

GLUE_ADDONS = ('crm_erp_bridge_marketing', 'crm_erp_bridge_pos', 'crm_erp_bridge_website')


def documented_glue_methods():
    """[(model.method, addon)]: the rows of the table of docs/api.md's "Optional addons"."""
    with open('%s/docs/api.md' % ROOT) as api:
        section = api.read().split('\n## Optional addons\n', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'^\| `([\w.]+)` \| `(\w+)` \|', section, re.M)


def test_api_reference_names_every_public_method_of_the_glue_addons(test_database):
    registry = odoo.registry(test_database)
    with registry.cursor() as cr:
        cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' AND name IN %s", [GLUE_ADDONS])
        installed = {name for name, in cr.fetchall()}
    if installed != set(GLUE_ADDONS):
        pytest.skip('%s not installed on %s (make test installs them)'
                    % (', '.join(sorted(set(GLUE_ADDONS) - installed)), test_database))
    rows = documented_glue_methods()
    assert len(rows) == len(set(rows)), 'documented twice'
    assert {addon for _method, addon in rows} <= set(GLUE_ADDONS), 'a row names no glue addon'
    for addon in GLUE_ADDONS:
        public = addon_public_methods(registry, 'odoo.addons.' + addon)
        documented = {method for method, row_addon in rows if row_addon == addon}
        assert public, addon  # the introspection found the addon's classes
        assert sorted(public - documented) == [], 'not in docs/api.md, "Optional addons": %s' % addon
        assert sorted(documented - public) == [], 'documented, but not a public method of %s' % addon
