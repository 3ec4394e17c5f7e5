"""The Python 3.11 compatibility layer (odoo_py311): each shim, and the safe_eval sandbox."""
import ast
import base64
import collections
import inspect
import json
import logging
import os
import resource
import subprocess
import sys
import sysconfig
import threading

import pytest

import odoo_py311
from odoo_py311 import patches
from retried_write import write_retried
from odoo.tools.safe_eval import safe_eval, _SAFE_OPCODES, _CONST_OPCODES

safe_eval_module = sys.modules['odoo.tools.safe_eval']


def test_layer_is_loaded_before_odoo_by_the_venv():
    # odoo_py311.pth imported it at interpreter start-up, once.
    hooks = [finder for finder in sys.meta_path if isinstance(finder, odoo_py311._PatchAfterImport)]
    assert len(hooks) == 1
    site_packages = sysconfig.get_paths()['purelib']
    with open(os.path.join(site_packages, 'odoo_py311.pth')) as pth:
        assert 'import odoo_py311' in pth.read()


def test_collections_aliases():
    from odoo.modules import registry  # `from collections import Mapping`
    assert registry.Mapping is collections.abc.Mapping
    assert collections.Iterable is collections.abc.Iterable


def test_getargspec_and_formatargspec():
    def method(self, a, b=2, *args, **kwargs):
        pass
    spec = inspect.getargspec(method)
    assert spec.args == ['self', 'a', 'b'] and spec.defaults == (2,)
    assert spec.varargs == 'args' and spec.keywords == 'kwargs'
    assert inspect.formatargspec(*spec) == "(self, a, b=2, *args, **kwargs)"


def test_ormcache_builds_its_key_function():
    # tools/cache.py generates lambdas from formatargspec(*getargspec(method)).
    from odoo.tools import ormcache

    def method(self, x, y=3):
        return x + y
    cache = ormcache('x', 'y')
    cache(method)
    assert cache.key(None, 1) == (1, 3)


def test_base64_and_thread_aliases():
    assert base64.decodestring(base64.encodestring(b'odoo')) == b'odoo'
    thread = threading.Thread(target=lambda: None)
    assert thread.isAlive() is False


@pytest.mark.parametrize('expression, expected', [
    ("[('state', 'in', ['sale', 'done']), ('amount_total', '>', 10)]",
     [('state', 'in', ['sale', 'done']), ('amount_total', '>', 10)]),  # domain
    ("{'default_type': 'opportunity', 'search_default_team': 1}",
     {'default_type': 'opportunity', 'search_default_team': 1}),  # context
    ("{'invisible': [('state', 'not in', ('draft', 'sent'))]}",
     {'invisible': [('state', 'not in', ('draft', 'sent'))]}),  # attrs
    ("[x * 2 for x in range(5) if x % 2]", [2, 6]),  # comprehension
    ("{k: v for k, v in [('a', 1)]}", {'a': 1}),
    ("sum(x for x in range(4))", 6),  # generator expression
    ("a is None and b not in (1, 2)", True),  # IS_OP, CONTAINS_OP
    ("f'{a}-{b:03d}'", "None-007"),  # f-strings (FORMAT_VALUE/BUILD_STRING)
    ("dict(**{'x': 1}, y=2)", {'x': 1, 'y': 2}),  # DICT_MERGE, KW_NAMES
    ("(lambda v: v + 1)(b)", 8),
    ("datetime.date(2026, 1, 31).strftime('%Y-%m')", '2026-01'),
])
def test_safe_eval_accepts_what_odoo_uses(expression, expected):
    import datetime
    assert safe_eval(expression, {'a': None, 'b': 7, 'datetime': datetime}) == expected


def test_safe_eval_accepts_statements_odoo_uses():
    code = (
        "total = 0\n"
        "for line in lines:\n"
        "    if line < 0:\n"
        "        continue\n"
        "    total += line\n"
        "try:\n"
        "    ratio = total / zero\n"
        "except ZeroDivisionError:\n"
        "    ratio = -1\n"
        "result = (total, ratio)\n"
    )
    context = {'lines': [1, -2, 3], 'zero': 0, 'ZeroDivisionError': ZeroDivisionError}
    safe_eval(code, context, mode='exec', nocopy=True)
    assert context['result'] == (4, -1)


@pytest.mark.parametrize('code', [
    "__import__('os')",
    "().__class__.__bases__",
    "(lambda: 0).__globals__",
])
def test_safe_eval_still_refuses_forbidden_names(code):
    with pytest.raises(NameError):
        safe_eval(code)


@pytest.mark.parametrize('code, opcode', [
    ("import os", 'IMPORT_NAME'),
    ("from os import path", 'IMPORT_NAME'),
    ("x.y = 1", 'STORE_ATTR'),
    ("del x.y", 'DELETE_ATTR'),
    ("global g\ng = 1", 'STORE_GLOBAL'),
    ("with x:\n    pass", 'BEFORE_WITH'),
    ("def f():\n    v = 1\n    return lambda: v", 'MAKE_CELL'),  # closures
])
def test_safe_eval_still_refuses_forbidden_opcodes(code, opcode):
    with pytest.raises(ValueError, match=opcode):
        safe_eval(code, {'x': object()}, mode='exec')


def test_open_is_not_available():
    with pytest.raises(ValueError, match="name 'open' is not defined"):
        safe_eval("open('/etc/passwd').read()")


def test_safe_eval_patch_adds_only_listed_opcodes():
    import dis
    forbidden = {name for name in dis.opmap
                 if name.startswith(('IMPORT_', 'STORE_ATTR', 'DELETE_ATTR', 'STORE_GLOBAL', 'DELETE_GLOBAL'))}
    allowed = {dis.opname[op] for op in _SAFE_OPCODES}
    assert not allowed & forbidden
    # Constant evaluation (const_eval) accepts literals only: no calls, no names.
    assert {'RESUME', 'LIST_EXTEND'} <= {dis.opname[op] for op in _CONST_OPCODES}
    assert 'CALL' not in {dis.opname[op] for op in _CONST_OPCODES}
    # The sets were mutated in place: ir_qweb imported the very same object.
    from odoo.addons.base.ir import ir_qweb  # noqa: F401 (imports ir_qweb.ir_qweb, read below)
    assert sys.modules['odoo.addons.base.ir.ir_qweb.ir_qweb']._SAFE_OPCODES is safe_eval_module._SAFE_OPCODES
    assert safe_eval_module.const_eval("[1, 2, {3}]") == [1, 2, {3}]
    with pytest.raises(ValueError):
        safe_eval_module.const_eval("len([1])")


def test_qweb_ast_fixer_rewrites_constants_and_positions():
    tree = ast.Module(body=[ast.Expr(value=ast.Name(id='None', ctx=ast.Load()),
                                     lineno=3, col_offset=4, end_lineno=1, end_col_offset=0)],
                      type_ignores=[])
    ast.fix_missing_locations(tree)
    code = patches._compile_qweb(tree, '<template>', 'exec')
    assert isinstance(tree.body[0].value, ast.Constant)
    assert (tree.body[0].end_lineno, tree.body[0].end_col_offset) == (3, 4)
    exec(code, {})


def test_qweb_renders_a_template():
    from odoo.addons.base.ir.ir_qweb.qweb import QWeb
    from lxml import etree
    template = etree.fromstring(
        '<t t-name="t"><ul><li t-foreach="items" t-as="item" t-att-class="item_odd and \'odd\' or None">'
        '<t t-esc="item"/></li></ul><p t-if="not items">none</p></t>')

    class Renderer(QWeb):
        def get_template(self, name, options):
            return template
    html = Renderer().render('t', {'items': ['a', 'b']})
    assert html == b'<ul><li>a</li><li class="odd">b</li></ul>'


def test_web_client_template_concatenation():
    from odoo.addons.web.controllers import main
    source = __import__('io').BytesIO(b'<templates><t t-name="x"/><t t-name="y"/></templates>')
    root = main.ElementTree.parse(source).getroot()
    assert [child.get('t-name') for child in root.getchildren()] == ['x', 'y']


def test_first_request_imports_addons_under_the_registry_lock(monkeypatch):
    # The request thread's Root.load_addons takes the registry lock (which the main thread holds
    # for the whole preload) before it lists and imports the addons, instead of importing beside
    # the preload.
    import odoo.http
    from odoo.modules.registry import Registry

    class RecordingLock:
        held = False

        def __enter__(self):
            self.held = True

        def __exit__(self, *exc):
            self.held = False

    lock = RecordingLock()
    list_folder = os.listdir
    held_while_listing = []
    monkeypatch.setattr(Registry, '_lock', lock)
    monkeypatch.setattr(os, 'listdir', lambda path: held_while_listing.append(lock.held) or list_folder(path))
    odoo.http.Root().load_addons()
    assert held_while_listing and all(held_while_listing), 'addons were listed outside the registry lock'
    assert not lock.held


# Runs in a child interpreter: a prefork worker's limits would bind the test process itself.
WORKER_LIMITS_SCRIPT = r'''
import json, os, resource, sys
from odoo.tools import config
from odoo.service import server
config['limit_time_cpu'] = 60
config['limit_memory_hard'] = 4 * 1024 ** 3
config['limit_memory_soft'] = int(sys.argv[1])
config['limit_request'] = 2
worker = server.WorkerHTTP(server.PreforkServer(None))
worker.pid, worker.ppid = os.getpid(), os.getppid()  # as if forked by its master
worker.process_limit()  # what each worker runs before accepting a request
alive_fresh = worker.alive
usage = resource.getrusage(resource.RUSAGE_SELF)
worker.request_count = 2
worker.process_limit()
print(json.dumps({'cpu': resource.getrlimit(resource.RLIMIT_CPU)[0], 'cpu_used': usage.ru_utime + usage.ru_stime,
                  'address_space': resource.getrlimit(resource.RLIMIT_AS)[0],
                  'alive_fresh': alive_fresh, 'alive_after_limit_request': worker.alive}))
'''


def _worker_limits(memory_soft):
    out = subprocess.run([sys.executable, '-c', WORKER_LIMITS_SCRIPT, str(memory_soft)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_prefork_worker_sets_its_cpu_and_memory_limits():
    # Without patch_server: "TypeError: 'float' object cannot be interpreted as an integer".
    limits = _worker_limits(memory_soft=2 * 1024 ** 3)
    assert limits['address_space'] == 4 * 1024 ** 3  # limit_memory_hard, as RLIMIT_AS
    assert limits['cpu_used'] + 59 <= limits['cpu'] <= limits['cpu_used'] + 60  # used + limit_time_cpu, truncated
    assert limits['alive_fresh'] is True
    assert limits['alive_after_limit_request'] is False  # limit_request: recycled after its 2nd request


def test_prefork_worker_recycles_over_its_soft_memory_limit():
    # psutil's memory_info() on 3.11: a worker over limit_memory_soft stops after its request.
    assert _worker_limits(memory_soft=1024 ** 2)['alive_fresh'] is False


def test_server_resource_shim_keeps_the_rest_of_resource():
    from odoo.service import server
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    server.resource.setrlimit(server.resource.RLIMIT_NOFILE, (float(soft), hard))  # same value, as a float
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (soft, hard)
    assert server.resource.RUSAGE_SELF == resource.RUSAGE_SELF


def test_mass_mailing_samples_a_set_of_recipients():
    # Without patch_mass_mailing: "TypeError: Population must be a sequence" (A/B testing mailings).
    from odoo.addons.mass_mailing.models import mass_mailing
    drawn = mass_mailing.random.sample({5, 3, 9, 1}, 2)
    assert len(drawn) == 2 and set(drawn) <= {1, 3, 5, 9}
    assert sorted(mass_mailing.random.sample({5, 3, 9, 1}, 4)) == [1, 3, 5, 9]
    assert mass_mailing.random.sample([7, 8], 2) in ([7, 8], [8, 7])
    assert mass_mailing.random.choice is patches.random.choice  # the rest of random is random's


def test_xmlrpc_retry_starts_over_with_clear_environments(test_database, caplog):
    # XML-RPC's entry (dispatch_rpc, as the server's /xmlrpc/2/object runs it) in real threads
    # on their own cursors. Without patch_service_model the retried write recomputes the failed
    # attempt's records of its closed cursor: "Unable to use a closed cursor".
    from odoo import api, http
    from odoo.tools import mute_logger
    uid = http.dispatch_rpc('common', 'login', [test_database, 'admin', 'admin'])

    def call(model, method, *args):
        with api.Environment.manage():  # what the WSGI application runs each request in
            return http.dispatch_rpc('object', 'execute_kw', [test_database, uid, 'admin', model, method, list(args)])
    caplog.set_level(logging.INFO, logger='odoo.service.model')
    with mute_logger('odoo.sql_db'):  # the first attempt's failed UPDATE ("bad query")
        error, row, expected = write_retried(test_database, call, 'Retried in process')
    assert error is None
    assert row == expected
    assert [record.getMessage()[:28] for record in caplog.records if 'retry' in record.getMessage()] == [
        'SERIALIZATION_FAILURE, retry']
