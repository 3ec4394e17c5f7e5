"""Quantities as a salesperson reads them: rounded to the unit's rounding, no trailing zeros,
with the unit's name ("3 Units", "2.5 kg"), never "3.000"."""
from odoo.tools import float_round


def quantity_text(quantity, uom):
    """quantity in uom (a product.uom record), rounded to its rounding, and its name."""
    rounded = float_round(quantity, precision_rounding=uom.rounding or 0.01)
    return '%s %s' % (('%.6f' % rounded).rstrip('0').rstrip('.'), uom.name)
