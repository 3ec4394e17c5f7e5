"""Checks of what an API caller sends (XML-RPC, JSON-RPC, buttons, server actions).

Every public method of the addon checks its arguments here, before it reads or writes
anything, and answers bad input with a UserError (or AccessError) naming the argument:
never a TypeError or a PostgreSQL error half-way through. `public_method` (model methods)
and `public_records` (actions on records) wrap each of them, `public_override` the glue
addons' overrides of Odoo's record methods that Odoo's own code calls too; the other helpers
check one argument. Companies: `..companies.allowed_company`. What a caller gets: docs/rights.md.

The helpers take the recordset they work for as `self`: Odoo's `_()` reads the user's
language and cursor from its caller's frame, through that name.
"""
import functools
import inspect

from odoo import _, fields
from odoo.exceptions import AccessError, UserError

from ..companies import allowed_company

# The addon's groups: every salesman is a user, every sales manager a manager.
USER_GROUP = 'crm_erp_bridge.group_crm_erp_bridge_user'
MANAGER_GROUP = 'crm_erp_bridge.group_crm_erp_bridge_manager'
# Service requests (docs/service-requests.md): the service staff and their managers.
SERVICE_USER_GROUP = 'crm_erp_bridge.group_crm_erp_service_user'
SERVICE_MANAGER_GROUP = 'crm_erp_bridge.group_crm_erp_service_manager'
# XML-RPC's <int> is 32-bit, and so are PostgreSQL's integer ids and columns.
INT_MAX = 2 ** 31 - 1
# Longest argument name or value quoted back in an error message, most ids named in one.
_SHOWN_CHARS = 40
_SHOWN_IDS = 10


def is_whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value):
    """value for an error message, cut short (a caller may send 100 kB)."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + '...'


def shown_ids(ids):
    """The first ids, sorted, for an error message."""
    ids = sorted(ids)
    return ', '.join(map(str, ids[:_SHOWN_IDS])) + (', ...' if len(ids) > _SHOWN_IDS else '')


def check_int(self, value, label, minimum=1, maximum=INT_MAX):
    """value, a whole number from minimum to maximum (booleans are not numbers here)."""
    if not is_whole_number(value) or not minimum <= value <= maximum:
        raise UserError(_('%s must be a whole number from %d to %d.') % (label, minimum, maximum))
    return value


def check_ids(self, ids, label):
    """ids as a list: a list or tuple of whole numbers."""
    if not isinstance(ids, (list, tuple)) or not all(is_whole_number(record_id) for record_id in ids):
        raise UserError(_('%s must be a list of ids.') % label)
    return list(ids)


def browse_existing(self, ids, label):
    """The records of self's model with ids (a list of ints from an API caller), or a clear
    UserError naming what is wrong (ids out of PostgreSQL's integer range exist nowhere)."""
    ids = check_ids(self, ids, label)
    records = self.browse([record_id for record_id in ids if 0 < record_id <= INT_MAX]).exists()
    missing = set(ids) - set(records.ids)
    if missing:
        raise UserError(_('%s: no record with id %s.') % (label, shown_ids(missing)))
    return records


def check_readable(self, label='ids'):
    """self, when the user may read each of these records in the company of the call
    (AccessError otherwise: a record of another company, then the model's access rights and
    record rules)."""
    if 'company_id' in self._fields:
        check_company_of(self, allowed_company(self.env), label)
    self.check_access_rights('read')
    self.check_access_rule('read')
    return self


def browse_readable(self, ids, label):
    """browse_existing, then check_readable."""
    return check_readable(browse_existing(self, ids, label), label)


def check_company_of(self, company, label):
    """self, when none of these records belongs to a company other than company (records
    without a company are shared); AccessError naming them otherwise."""
    # as the system: only company_id is read, of records a rule may hide from the user
    foreign = self.sudo().filtered(lambda record: record.company_id and record.company_id != company)
    if foreign:
        raise AccessError(_('%s: record(s) %s belong to another company than your current one.')
                          % (label, shown_ids(foreign.ids)))
    return self


def browse_optional(self, value, label, domain):
    """The record of self's model with id value among domain (the caller's company...), or
    an empty recordset when value is False or None; UserError otherwise."""
    if value is False or value is None:
        return self.browse()
    if not is_whole_number(value) or not 0 < value <= INT_MAX or not self.search_count(
            [('id', '=', value)] + domain):
        raise UserError(_('%s: no record with id %s that you may use here.') % (label, shown(value)))
    return self.browse(value)


def check_group(self, group, message):
    """AccessError with message unless the user is in group (an XML id). Callers pass the
    message through _() themselves, so each names what is refused."""
    if not self.env.user.has_group(group):
        raise AccessError(message)


def check_date_text(self, value, label, datetime=False):
    """value, a date ('YYYY-MM-DD') or datetime ('YYYY-MM-DD HH:MM:SS') string as Odoo 11
    stores them, for context keys such as customer_360_date, written back as Odoo writes it
    (Odoo parses the first 10 or 19 characters only; SQL would read the rest); UserError
    otherwise."""
    field = fields.Datetime if datetime else fields.Date
    try:
        return field.to_string(field.from_string(value))
    except (TypeError, ValueError, AttributeError):
        raise UserError(_('%s must be a date written YYYY-MM-DD (time HH:MM:SS after it for a datetime).')
                        % label) from None


def _check_call(self, method, args, kwargs):
    """UserError naming what does not fit method's signature (missing, unknown, repeated or
    too many arguments): Python's TypeError would reach the caller as a traceback."""
    names = list(inspect.signature(method).parameters)[1:]
    unknown = [name for name in kwargs if name not in names]
    if unknown:
        raise UserError(_('%s: unknown argument %s (it takes: %s).')
                        % (method.__name__, shown(unknown[0]), ', '.join(names) or '-'))
    try:
        inspect.signature(method).bind(self, *args, **kwargs)
    except TypeError:
        raise UserError(_('%s: missing, repeated or too many arguments (it takes: %s).')
                        % (method.__name__, ', '.join(names) or '-')) from None


def public_method(method):
    """Decorator of every public model method of the addon (under @api.model): a call whose
    arguments do not fit the signature gets a UserError instead of a TypeError."""
    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        _check_call(self, method, args, kwargs)
        return method(self, *args, **kwargs)
    # odoo.api.split_context counts the method's own arguments to find a positional context
    checked.__signature__ = inspect.signature(method)
    return checked


def public_records(method=None, one=False):
    """Decorator of every public record method of the addon (actions), in place of
    @api.multi. Callers send the ids first, as to any @api.multi method, but they are checked
    here: odoo.api.call_kw_multi fails with a TypeError on ids such as True or 1.5 and with an
    IndexError without ids, before any code of the addon runs. The records must exist, be
    readable by the user and be at least one (exactly one with one=True). Python callers
    call the method on their records, as before."""
    if method is None:
        return functools.partial(public_records, one=one)
    assert list(inspect.signature(method).parameters) == ['self'], method

    @functools.wraps(method)
    def checked(self, ids=None, **kwargs):
        if kwargs:
            raise UserError(_('%s: unknown argument %s (it takes: %s).')
                            % (method.__name__, shown(next(iter(kwargs))), 'ids'))
        if ids is not None:
            self = self.browse(check_ids(self, [ids] if is_whole_number(ids) else ids, 'ids'))
        records = check_readable(browse_existing(self, self._ids, 'ids'))
        if not records or (one and len(records) != 1):
            raise UserError(_('%s works on one record at a time.') % method.__name__ if one
                            else _('%s needs at least one record.') % method.__name__)
        return method(records)
    # called as a model method: call_kw_model passes the ids as they came (see above)
    checked._api = 'model'
    return checked


def public_override(method=None, check=None):
    """Decorator of an override of one of Odoo's record methods that Odoo's own code also calls
    on records (a mailing's get_recipients and send_mail, a survey invitation's send_mail).
    Called on records (Odoo's code, Python callers, the web client's forms), the method runs as
    before. Called on no record with the ids first (XML-RPC, JSON-RPC, buttons: odoo.api's
    call_kw_multi would fail with a TypeError on ids such as True or 1.5 before any code of the
    addon runs), the ids are checked as public_records checks them (exist, readable, at least
    one), the other arguments against the method's signature, then check(records, *args,
    **kwargs) when given: UserError or AccessError before the method runs."""
    if method is None:
        return functools.partial(public_override, check=check)
    signature = inspect.signature(method)

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        if self._ids:
            return method(self, *args, **kwargs)
        if not args:
            raise UserError(_('%s needs at least one record.') % method.__name__)
        ids, args = args[0], args[1:]
        _check_call(self, method, args, kwargs)
        records = check_readable(browse_existing(self, [ids] if is_whole_number(ids) else ids, 'ids'))
        if not records:
            raise UserError(_('%s needs at least one record.') % method.__name__)
        if check:
            check(records, *args, **kwargs)
        return method(records, *args, **kwargs)
    # a remote call passes the ids as they came (call_kw_model), and odoo.api.split_context counts
    # the arguments before the context: the ids, then the method's own
    parameters = list(signature.parameters.values())
    checked.__signature__ = signature.replace(parameters=parameters[:1] + [
        inspect.Parameter('ids', inspect.Parameter.POSITIONAL_OR_KEYWORD)] + parameters[1:])
    checked._api = 'model'
    return checked
