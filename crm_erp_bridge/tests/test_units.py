from odoo.tests.common import SavepointCase

from ..units import quantity_text


class TestQuantityText(SavepointCase):
    """Quantities as a salesperson reads them: rounded to the unit, no trailing zeros, the unit's name."""

    def test_rounded_to_the_unit(self):
        unit = self.env.ref('product.product_uom_unit')
        whole = unit.copy({'rounding': 1.0})
        self.assertEqual(quantity_text(3.4999, whole), '3 %s' % whole.name)
        self.assertEqual(quantity_text(14.0, whole), '14 %s' % whole.name)
        kg = self.env.ref('product.product_uom_kgm')
        grams = kg.copy({'rounding': 0.001})
        self.assertEqual(quantity_text(2.5, grams), '2.5 %s' % grams.name)
        self.assertEqual(quantity_text(0.1 + 0.2, grams), '0.3 %s' % grams.name)
        self.assertEqual(quantity_text(14.0, unit), '14 %s' % unit.name)  # never "14.000"
