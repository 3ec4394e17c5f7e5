"""Run Odoo 11.0 (built for Python 3.5) on Python 3.11 without editing Odoo's files.

Imported by the virtualenv's ``odoo_py311.pth`` (written by scripts/install.sh), so it is
active before ``odoo`` is imported in every entry point: the server, Odoo's test runner,
pytest and any script. Two kinds of fixes:

* stdlib aliases for names Python removed (applied here, at once);
* patches of eight Odoo modules, applied right after each module's body has run,
  by an import hook that reacts to those module names only (see ``patches.py``).
"""
import base64
import collections
import collections.abc
import importlib.abc
import inspect
import sys
import threading

# odoo/modules/registry.py: `from collections import Mapping`; res_bank.py: collections.Iterable.
for _name in collections.abc.__all__:
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

# odoo/api.py, odoo/http.py, odoo/tools/cache.py: inspect.getargspec / formatargspec.
if not hasattr(inspect, 'getargspec'):
    ArgSpec = collections.namedtuple('ArgSpec', 'args varargs keywords defaults')

    def getargspec(func):
        spec = inspect.getfullargspec(func)
        return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    def formatargspec(args, varargs=None, varkw=None, defaults=None):
        """The (args, *varargs, **varkw) text tools/cache.py pastes into generated lambdas."""
        params = list(args)
        if defaults:  # defaults belong to the last len(defaults) arguments
            first = len(args) - len(defaults)
            params[first:] = ['%s=%r' % (a, d) for a, d in zip(args[first:], defaults)]
        params += ['*' + varargs] if varargs else []
        params += ['**' + varkw] if varkw else []
        return '(%s)' % ', '.join(params)

    inspect.getargspec = getargspec
    inspect.formatargspec = formatargspec

# ir_ui_menu.py (menu icons at install), ir_actions_report.py, uploads: base64.encodestring.
if not hasattr(base64, 'encodestring'):
    base64.encodestring = base64.encodebytes
    base64.decodestring = base64.decodebytes

# odoo/service/server.py, when stopping worker threads: Thread.isAlive.
if not hasattr(threading.Thread, 'isAlive'):
    threading.Thread.isAlive = threading.Thread.is_alive


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Finds the patched modules through the other finders, then runs their patch
    right after the module's own code (before anyone can use it)."""

    def __init__(self, patches):
        self.patches = patches

    def find_spec(self, fullname, path, target=None):
        patch = self.patches.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader, patch):
        self.loader = loader
        self.patch = patch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.patch(module)


def _install_import_hook():
    from . import patches
    if not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport(patches.BY_MODULE))


_install_import_hook()
