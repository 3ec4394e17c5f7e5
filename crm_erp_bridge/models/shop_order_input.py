"""Checks of an order pushed by an outside shop (sale.order.crm_erp_push_order, docs/api.md):
the dict the shop sends, answered with a UserError naming what is wrong before anything is
read or written. Like record_ids, the helpers take the recordset they work for as `self`
(Odoo's `_()` reads the user's language through that name)."""
import math

from odoo import _
from odoo.exceptions import UserError

from .record_ids import check_date_text, shown

# What a shop may send: the order's keys, a customer's, a line's.
ORDER_KEYS = ('reference', 'customer', 'lines', 'confirm', 'date_order', 'note')
CUSTOMER_KEYS = ('email', 'vat', 'name', 'phone', 'street', 'city', 'zip', 'country_code')
LINE_KEYS = ('product', 'quantity', 'price_unit')
# Longest text of a reference, a customer field, a product code; most lines of one order.
MAX_REFERENCE = 64
MAX_TEXT = 256
MAX_LINES = 1000
# Largest quantity and unit price a line may carry (beyond: a shop's bug, not an order).
MAX_NUMBER = 1e9


def _check_dict(self, value, label, keys):
    if not isinstance(value, dict):
        raise UserError(_('%s must be a struct (a dict) with the keys %s.') % (label, ', '.join(keys)))
    unknown = [key for key in value if key not in keys]
    if unknown:
        raise UserError(_('%s: unknown key %s (it takes: %s).') % (label, shown(unknown[0]), ', '.join(keys)))
    return value


def _check_text(self, value, label, maximum=MAX_TEXT, required=False):
    """value stripped, or '' when absent (False/None/''); UserError unless a string up to maximum."""
    if value is None or value is False:
        value = ''
    if not isinstance(value, str) or len(value) > maximum or '\x00' in value:
        raise UserError(_('%s must be a text of at most %d characters.') % (label, maximum))
    value = value.strip()
    if required and not value:
        raise UserError(_('%s is missing: it must not be empty.') % label)
    return value


def _check_number(self, value, label, positive):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not (
            0 < value <= MAX_NUMBER if positive else 0 <= value <= MAX_NUMBER):
        raise UserError((_('%s must be a number above 0 and at most %g.') if positive
                         else _('%s must be a number from 0 to %g.')) % (label, MAX_NUMBER))
    return float(value)


def check_shop_order(self, order):
    """The pushed order as plain checked values: {'reference', 'customer': {key: text},
    'lines': [(code, quantity, unit price or None)], 'confirm', 'date_order', 'note'}."""
    _check_dict(self, order, 'order', ORDER_KEYS)
    reference = _check_text(self, order.get('reference'), 'order reference', MAX_REFERENCE, required=True)
    customer = _check_dict(self, order.get('customer'), 'customer', CUSTOMER_KEYS)
    customer = {key: _check_text(self, customer.get(key), 'customer %s' % key) for key in CUSTOMER_KEYS}
    customer['email'] = customer['email'].lower()
    customer['vat'] = customer['vat'].replace(' ', '').upper()
    if not customer['email'] and not customer['vat']:
        raise UserError(_('customer: an email or a VAT number is needed to find or create the customer.'))
    if customer['email'] and '@' not in customer['email']:
        raise UserError(_('customer email %s is not an email address.') % shown(customer['email']))
    lines = order.get('lines')
    if not isinstance(lines, (list, tuple)) or not 1 <= len(lines) <= MAX_LINES:
        raise UserError(_('lines must be a list of 1 to %d order lines.') % MAX_LINES)
    checked = []
    for index, line in enumerate(lines, 1):
        label = _('line %d') % index
        _check_dict(self, line, label, LINE_KEYS)
        code = _check_text(self, line.get('product'), _('%s: product') % label, required=True)
        quantity = _check_number(self, line.get('quantity'), _('%s: quantity') % label, positive=True)
        price = line.get('price_unit')
        price = None if price is None else _check_number(self, price, _('%s: price_unit') % label, positive=False)
        checked.append((code, quantity, price))
    confirm = order.get('confirm', False)
    if not isinstance(confirm, bool):
        raise UserError(_('confirm must be true or false.'))
    date_order = order.get('date_order')
    date_order = check_date_text(self, date_order, 'date_order', datetime=True) if date_order else None
    return {'reference': reference, 'customer': customer, 'lines': checked, 'confirm': confirm,
            'date_order': date_order, 'note': _check_text(self, order.get('note'), 'note', 10000)}
