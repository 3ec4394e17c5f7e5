"""Post-import patches, each applied right after its Odoo module's body has run."""
import ast
import builtins
import dis
import functools
import random
import resource
from xml.etree import ElementTree

# The Python 3.11 opcodes that do the work of opcodes Odoo 11's safe_eval allowed on 3.5-3.7.
# Nothing that imports, stores attributes or globals, or opens a `with` block is added.
SAFE_EVAL_CONST_OPCODES = [
    'RESUME',       # no-op at the start of every 3.11 code object
    'NOP',
    'COPY', 'SWAP',  # replace DUP_TOP / DUP_TOP_TWO / ROT_*
    'LIST_EXTEND', 'SET_UPDATE',  # constant list / set literals: BUILD_LIST + LIST_EXTEND
]
SAFE_EVAL_EXPR_OPCODES = [
    'BINARY_OP',    # replaces every BINARY_* / INPLACE_* arithmetic opcode
    'IS_OP', 'CONTAINS_OP',  # `is` / `in` used to be COMPARE_OP
    'DICT_MERGE', 'DICT_UPDATE',  # replace BUILD_MAP_UNPACK(_WITH_CALL)
]
SAFE_EVAL_OPCODES = [
    'PUSH_NULL', 'PRECALL', 'CALL', 'KW_NAMES',  # replace CALL_FUNCTION(_KW) / CALL_METHOD
    'JUMP_BACKWARD',  # replaces JUMP_ABSOLUTE in loops
    'POP_JUMP_FORWARD_IF_TRUE', 'POP_JUMP_FORWARD_IF_FALSE',  # replace POP_JUMP_IF_*
    'POP_JUMP_BACKWARD_IF_TRUE', 'POP_JUMP_BACKWARD_IF_FALSE',
    'POP_JUMP_FORWARD_IF_NONE', 'POP_JUMP_FORWARD_IF_NOT_NONE',
    'POP_JUMP_BACKWARD_IF_NONE', 'POP_JUMP_BACKWARD_IF_NOT_NONE',
    'PUSH_EXC_INFO', 'CHECK_EXC_MATCH', 'RERAISE',  # try/except, was SETUP_EXCEPT/END_FINALLY
    'RETURN_GENERATOR',  # generator expressions (YIELD_VALUE was allowed)
    'FORMAT_VALUE', 'BUILD_STRING',  # f-strings, allowed by Odoo 11 already (same names)
]


def patch_safe_eval(module):
    """odoo/tools/safe_eval.py: 3.11 bytecode is refused ("forbidden opcode RESUME").
    The sets are mutated in place: ir_qweb imports _SAFE_OPCODES by name."""
    def opcodes(names):
        return {dis.opmap[name] for name in names if name in dis.opmap}
    const = opcodes(SAFE_EVAL_CONST_OPCODES)
    expr = const | opcodes(SAFE_EVAL_EXPR_OPCODES)
    module._CONST_OPCODES.update(const)
    module._EXPR_OPCODES.update(expr)
    module._SAFE_OPCODES.update(expr | opcodes(SAFE_EVAL_OPCODES))


class _QWebAstFixer(ast.NodeTransformer):
    """Makes the AST QWeb builds by hand acceptable to Python 3.11's compile()."""

    def visit(self, node):
        node = super().visit(node)
        # 3.11 validates position ranges: an end before the start is an error.
        if getattr(node, 'end_lineno', None) is not None and hasattr(node, 'lineno'):
            if (node.end_lineno, node.end_col_offset) < (node.lineno, node.col_offset):
                node.end_lineno, node.end_col_offset = node.lineno, node.col_offset
        return node

    def visit_Name(self, node):
        # 3.8+ rejects Name(id='None'|'True'|'False'); the constants are Constant nodes now.
        if node.id in ('None', 'True', 'False'):
            return ast.copy_location(ast.Constant(value=ast.literal_eval(node.id)), node)
        return node


def _compile_qweb(source, filename, mode, *args, **kwargs):
    if isinstance(source, ast.AST):
        source = _QWebAstFixer().visit(source)
    return builtins.compile(source, filename, mode, *args, **kwargs)


def patch_qweb(module):
    """odoo/addons/base/ir/ir_qweb/qweb.py compiles templates from a hand-built AST."""
    # ast.arguments needs posonlyargs since 3.8; QWeb's `arguments` helper predates it.
    module.arguments = lambda **fields: ast.arguments(posonlyargs=[], **fields)
    # `compile` looked up in the module's globals before builtins: fix the AST first.
    module.compile = _compile_qweb


class _Element(ElementTree.Element):
    """Element with the getchildren() that Python 3.9 removed."""

    def getchildren(self):
        return list(self)


class _ElementTreeModule:
    """What odoo.addons.web.controllers.main uses of xml.etree.ElementTree, with elements
    that still have getchildren() (used to concatenate the web client's qweb templates)."""
    Element = _Element
    ParseError = ElementTree.ParseError
    tostring = staticmethod(ElementTree.tostring)

    @staticmethod
    def parse(source):
        builder = ElementTree.TreeBuilder(element_factory=_Element)
        return ElementTree.parse(source, parser=ElementTree.XMLParser(target=builder))


def patch_web_controllers(module):
    module.ElementTree = _ElementTreeModule


def patch_http(module):
    """odoo/http.py: the first request imports every addon (Root.load_addons) while the main
    thread may still be importing addons for the registry preload. On Python 3.11 two threads
    importing the same modules through Odoo's legacy AddonsHook can deadlock for good (seen
    in `make test`: the request thread inside email.headerregistry, the preload inside
    setuptools' distutils shim, each waiting for the other's module lock; the server never
    answered). A request waits for the registry lock anyway: take it before the imports."""
    load_addons = module.Root.load_addons

    def load_addons_after_registry_loads(self):
        from odoo.modules.registry import Registry
        with Registry._lock:  # looked up at call time: test mode swaps the lock
            return load_addons(self)

    module.Root.load_addons = load_addons_after_registry_loads


class _ResourceWithIntLimits:
    """The `resource` module, except that setrlimit() takes float limits as Odoo 11 passes them."""

    def __getattr__(self, name):
        return getattr(resource, name)

    @staticmethod
    def setrlimit(which, limits):
        resource.setrlimit(which, tuple(int(limit) for limit in limits))


def patch_server(module):
    """odoo/service/server.py: every prefork worker (HTTP and cron) sets its CPU limit to
    `getrusage() CPU seconds + limit_time_cpu`, a float; since 3.10 setrlimit() raises
    "TypeError: 'float' object cannot be interpreted as an integer", the worker dies and
    the master forks another one, endlessly. Truncated to int as Odoo 13 does."""
    module.resource = _ResourceWithIntLimits()


def patch_api(module):
    """odoo/api.py: what a remote call (XML-RPC execute/execute_kw, the web client's call_kw)
    gets when its arguments do not fit. Not a Python 3.11 fix: hardening of Odoo 11's RPC
    entry, kept here because Odoo's files are not edited (docs/api.md, "Errors").

    - A positional argument beyond the method's own is taken by split_context as the call's
      context: anything but a dict then ends in a traceback (`dictionary update sequence
      element`, `'int' object is not iterable`) deep in the ORM. It gets a UserError naming
      the method and its arguments.
    - `init()` is public by name (no underscore) on every model and recreates tables, views,
      functions and indexes (report models drop and recreate their SQL view): the
      installation runs it as superuser; a remote call by any other user gets an
      AccessError."""
    call_kw = module.call_kw

    def checked_call_kw(model, name, args, kwargs):
        from odoo import SUPERUSER_ID, _
        from odoo.exceptions import AccessError, UserError
        self = model  # noqa: F841 (Odoo's _() finds the user's language and cursor by this name)
        if name == 'init' and model.env.uid != SUPERUSER_ID:
            raise AccessError(_('%s.init() is run by the installation only.') % model._name)
        method = getattr(type(model), name, None)
        try:
            own = module.getargspec(method).args[1:]
        except TypeError:  # not a function: call_kw answers as before
            own = None
        if own is not None:
            positional = args if getattr(method, '_api', None) == 'model' else args[1:]
            context = positional[len(own):]
            if len(context) > 1 or (context and context[0] and not isinstance(context[0], dict)):
                raise UserError(_('%s.%s takes %d positional arguments (%s), then the context (a dict); it got %d.') % (
                    model._name, name, len(own), ', '.join(own) or '-', len(positional)))
        return call_kw(model, name, args, kwargs)

    module.call_kw = checked_call_kw


class _RandomSamplingSets:
    """The `random` module, except that sample() takes a set as Odoo 11 passes one (sorted
    first, so a seeded draw stays reproducible)."""

    def __getattr__(self, name):
        return getattr(random, name)

    @staticmethod
    def sample(population, k, **kwargs):
        if isinstance(population, (set, frozenset)):
            population = sorted(population)
        return random.sample(population, k, **kwargs)


def patch_mass_mailing(module):
    """odoo/addons/mass_mailing/models/mass_mailing.py: a mailing to a share of its recipients
    (A/B testing, contact_ab_pc < 100) draws them with random.sample(a set, k); since 3.11
    sample() refuses sets ("Population must be a sequence"), so get_recipients(), the mailing
    form's recipient count and the sending raised TypeError. The module's `random` sorts a set
    before sampling, as Python 3.10 did implicitly (tuple(set))."""
    module.random = _RandomSamplingSets()


def patch_service_model(module):
    """odoo/service/model.py: check() runs a call again when it failed on a concurrency error
    (serialization failure, deadlock, lock not available), but in the same set of environments
    (the thread's api.Environment.manage()): the failed attempt's fields to recompute, records
    of its closed cursor, are recomputed by the next attempt's first recompute(), which fails
    with "Unable to use a closed cursor". XML-RPC's execute had it; the web client's
    checked_call clears the environments itself. Between attempts, the environments are now
    cleared and the registry's changes reset, as Odoo 16's retrying() does. `execute` was
    wrapped by the module's own check: wrapped again with this one."""
    check = module.check

    def check_starting_over_clean(function):
        @functools.wraps(function)
        def attempt(dbname, *args, **kwargs):
            try:
                return function(dbname, *args, **kwargs)
            except (module.OperationalError, module.QWebException) as error:
                cause = error.qweb.get('cause') if isinstance(error, module.QWebException) else error
                if getattr(cause, 'pgcode', None) in module.PG_CONCURRENCY_ERRORS_TO_RETRY:
                    _forget_failed_attempt(module.odoo, dbname)
                raise
        return check(attempt)

    module.check = check_starting_over_clean
    module.execute = module.check(module.execute.__wrapped__)


def _forget_failed_attempt(odoo, dbname):
    """Clears this thread's environments in place, not api.Environment.reset(): the caller may
    keep one of them for the next attempt (odoo.http's request.env). They share one cache and
    one list of fields to recompute, which any of them clears."""
    environments = getattr(odoo.api.Environment._local, 'environments', None)  # None outside manage()
    env = next(iter(environments), None) if environments is not None else None
    if env is not None:
        env.clear()
    odoo.registry(dbname).reset_changes()


BY_MODULE = {
    'odoo.addons.mass_mailing.models.mass_mailing': patch_mass_mailing,
    'odoo.api': patch_api,
    'odoo.http': patch_http,
    'odoo.tools.safe_eval': patch_safe_eval,
    'odoo.addons.base.ir.ir_qweb.qweb': patch_qweb,
    'odoo.addons.web.controllers.main': patch_web_controllers,
    'odoo.service.model': patch_service_model,
    'odoo.service.server': patch_server,
}
