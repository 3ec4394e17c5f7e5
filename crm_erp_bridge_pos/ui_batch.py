"""Checks of the till's batch (`pos.order.create_from_ui(orders)`) before Odoo's code reads it.

Odoo's own sync reads the batch with plain indexing (`o['data']['name']`, `line[2]['product_id']`,
`payment[2]['amount']`...): a malformed batch sent over XML-RPC ends in a KeyError or TypeError
traceback, and an id of another company's customer or product becomes a ticket. Here the whole
batch is checked first: its shape and types (UserError naming the ticket and the key), the ids
(they exist: UserError; the session readable by the user, the customer, pricelist, products and
payment journals shared or of the session's company: AccessError). The point of sale's web
client's payload passes unchanged. What a caller gets: docs/pos.md, docs/rights.md.

The helpers take the recordset they work for as `self`: Odoo's `_()` reads the user's language
and cursor from its caller's frame, through that name.
"""
import math
import re
from datetime import datetime

from odoo import _
from odoo.addons.crm_erp_bridge.models.record_ids import (
    browse_existing, check_company_of, is_whole_number, shown)
from odoo.exceptions import UserError

# The ticket's keys that Odoo's sync reads (point_of_sale's _order_fields, _process_order,
# _get_valid_session, _match_payment_to_invoice): ids, optional ids, amounts.
_IDS = ('pos_session_id', 'pricelist_id')
_OPTIONAL_IDS = ('partner_id', 'user_id', 'fiscal_position_id')
_AMOUNTS = ('amount_paid', 'amount_total', 'amount_tax', 'amount_return')
# The web client sends its dates as 'YYYY-MM-DD HH:MM:SS' or as JSON does ('YYYY-MM-DDTHH:MM:SS.mmmZ').
_DATETIME = re.compile(r'\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}')
_MAX_TICKETS = 10000


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_datetime(value):
    if not isinstance(value, str) or not _DATETIME.match(value):
        return False
    try:
        datetime.strptime(value[:19].replace('T', ' '), '%Y-%m-%d %H:%M:%S')
    except ValueError:
        return False
    return True


def _commands(self, value, label, keys):
    """The dicts of value, a list of [0, 0, {...}] commands whose dicts have keys (the line and
    payment commands of the web client's payload); UserError otherwise."""
    if value is False or value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(command, (list, tuple)) and len(command) == 3 and isinstance(command[2], dict)
            and all(key in command[2] for key in keys) for command in value):
        raise UserError(_('%s must be a list of [0, 0, {...}] with the keys %s.') % (label, ', '.join(keys)))
    return [command[2] for command in value]


def _check_ticket(self, order, label):
    """The shape and types of one ticket of the batch; returns its data, its lines' dicts and its
    payments' dicts."""
    if not isinstance(order, dict) or not isinstance(order.get('data'), dict):
        raise UserError(_('%s must be a ticket: a dict with its data (a dict) and to_invoice.') % label)
    if not isinstance(order.get('to_invoice'), bool):
        raise UserError(_('%s: to_invoice must be true or false.') % label)
    data = order['data']
    if not isinstance(data.get('name'), str) or not data['name'].strip():
        raise UserError(_('%s: name must be the ticket\'s reference (text).') % label)
    for key in _IDS:
        if not is_whole_number(data.get(key)) or data[key] <= 0:
            raise UserError(_('%s: %s must be an id (a whole number), not %s.') % (label, key, shown(data.get(key))))
    for key in _OPTIONAL_IDS:
        if key not in data or not (data[key] is False or data[key] is None
                                   or (is_whole_number(data[key]) and data[key] > 0)):
            raise UserError(_('%s: %s must be an id (a whole number) or false, not %s.')
                            % (label, key, shown(data.get(key))))
    if 'lines' not in data:
        raise UserError(_('%s: lines (the ticket\'s lines) is missing.') % label)
    if not is_whole_number(data.get('sequence_number')) or data['sequence_number'] < 0:
        raise UserError(_('%s: sequence_number must be a whole number.') % label)
    if not _is_datetime(data.get('creation_date')):
        raise UserError(_('%s: creation_date must be a date and time (YYYY-MM-DD HH:MM:SS).') % label)
    for key in _AMOUNTS:
        if not _is_number(data.get(key)):
            raise UserError(_('%s: %s must be a number, not %s.') % (label, key, shown(data.get(key))))
    lines = _commands(self, data.get('lines'), label + '.lines', ['product_id', 'qty', 'price_unit'])
    for line in lines:
        if not is_whole_number(line['product_id']) or line['product_id'] <= 0 or not all(
                _is_number(line.get(key, 0.0)) for key in ('qty', 'price_unit', 'discount')):
            raise UserError(_('%s: a line needs a product id and numbers for qty, price_unit and discount.')
                            % label)
    if 'statement_ids' not in data:
        raise UserError(_('%s: statement_ids (the payments) is missing.') % label)
    payments = _commands(self, data['statement_ids'], label + '.statement_ids',
                         ['amount', 'journal_id', 'statement_id', 'name'])
    for payment in payments:
        if not _is_number(payment['amount']) or not all(
                is_whole_number(payment[key]) and payment[key] > 0 for key in ('journal_id', 'statement_id')) \
                or not _is_datetime(payment['name']):
            raise UserError(_('%s: a payment needs a number for amount, ids for journal_id and statement_id '
                              'and its date and time as name.') % label)
    return data, lines, payments


def check_ui_batch(self, orders):
    """The till's batch, checked before Odoo's sync reads it (self: pos.order): UserError for a
    malformed batch or an unknown id, AccessError for a session the user may not read or a
    record of another company than the session's."""
    self.check_access_rights('create')
    if not isinstance(orders, (list, tuple)) or len(orders) > _MAX_TICKETS:
        raise UserError(_('create_from_ui: orders must be a list of at most %d tickets.') % _MAX_TICKETS)
    tickets = [_check_ticket(self, order, 'orders[%d]' % index) for index, order in enumerate(orders)]
    if not tickets:
        return
    Session = self.env['pos.session']
    sessions = browse_existing(Session, sorted({data['pos_session_id'] for data, _lines, _payments in tickets}),
                               'orders pos_session_id')
    sessions.check_access_rights('read')
    sessions.check_access_rule('read')
    for index, (data, lines, payments) in enumerate(tickets):
        label = 'orders[%d]' % index
        session = sessions.browse(data['pos_session_id'])
        # as the system: only the company of the session's shop, which the user may read (checked above)
        company = session.sudo().config_id.company_id
        checked = [
            ('res.partner', [data['partner_id']] if data['partner_id'] else [], 'partner_id'),
            ('product.pricelist', [data['pricelist_id']], 'pricelist_id'),
            ('product.product', [line['product_id'] for line in lines], 'lines product_id'),
            ('account.journal', [payment['journal_id'] for payment in payments], 'statement_ids journal_id'),
        ]
        for model, ids, key in checked:
            # as the system: existence and company only; the sync reads them as the system too
            records = browse_existing(self.env[model].sudo(), sorted(set(ids)), '%s %s' % (label, key))
            check_company_of(records, company, '%s %s' % (label, key))
        # the payments go to the session's own statements (as the system: their ids only, which
        # the point of sale's rules show a cashier too)
        foreign = {payment['statement_id'] for payment in payments} - set(session.sudo().statement_ids.ids)
        if foreign:
            raise UserError(_('%s: statement_id %s is not a cash statement of session %d.')
                            % (label, shown(sorted(foreign)[0]), session.id))
