"""pytest-odoo 1.0.1 treats every collected path as part of an Odoo addon: outside one
(the project's own tests/) it reads /__manifest__.py and imports `odoo.addons.<file>`.
These two hooks answer first for paths outside addons (both are firstresult hooks) and
leave addon paths to pytest-odoo (make test's --ignore of the channel tests included)."""
import pytest


def _inside_addon(path):
    return any((folder / '__manifest__.py').is_file() for folder in [path, *path.parents][:6])


def pytest_ignore_collect(collection_path, config):
    if _inside_addon(collection_path):
        return None
    # answering first also skips pytest's own --ignore check: honour it here
    ignored = {config.invocation_params.dir / path for path in config.getoption('ignore') or []}
    return collection_path in ignored


def pytest_pycollect_makemodule(module_path, parent):
    if not _inside_addon(module_path):
        return pytest.Module.from_parent(parent, path=module_path)
    return None
