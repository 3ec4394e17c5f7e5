"""Quantities as a salesperson reads them: rounded to the unit's rounding, no trailing zeros,
with the unit's name ("3 Units", "2.5 kg"), never "3.000"."""
from odoo import _
from odoo.tools import float_round


def whole_rounding(env, uom):
    """The rounding of a suggested quantity in uom: 1 for the reference unit of the Unit
    category (Unit(s): nobody orders 3.5 desks), else the unit's own rounding."""
    if uom.uom_type == 'reference' and uom.category_id == env.ref('product.product_uom_categ_unit'):
        return max(uom.rounding, 1.0)
    return uom.rounding


def quantity_text(quantity, uom):
    """quantity in uom (a product.uom record), rounded to its rounding, and its name."""
    rounded = float_round(quantity, precision_rounding=uom.rounding or 0.01)
    return '%s %s' % (('%.6f' % rounded).rstrip('0').rstrip('.'), uom.name)


def missing_text(self, product, missing):
    """"Standing Desk: 3 Units missing", in the language of self (a record: Odoo's _() finds the
    language through a local named self), missing in the product unit."""
    return _('%(product)s: %(quantity)s missing') % {
        'product': product.display_name, 'quantity': quantity_text(missing, product.uom_id)}
