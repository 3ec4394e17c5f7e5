from ..queries import cross_sell
from .affinity_common import AffinityCase


class TestQueriesCrossSell(AffinityCase):
    """queries/cross_sell.py: cross-sell opportunities of customer X in the test company and in
    the main company, open, won and lost (with their lines)."""

    def _lead(self, probability=30.0, company=None, user=None, lost=False, partner=None, products=(), **values):
        lead = self.env['crm.lead'].create(dict({
            'name': 'Cross-sell', 'type': 'opportunity', 'partner_id': (partner or self.customer_x).id,
            'company_id': (company or self.company).id, 'is_cross_sell': True, 'probability': probability,
            'user_id': user.id if user else False,
            'line_ids': [(0, 0, {'product_id': product.id}) for product in products]}, **values))
        if lost:
            lead.action_set_lost()
        return lead

    def test_open_customers_and_salespeople(self):
        x, y = self.customer_x, self.customer_y
        contact = self.env['res.partner'].create({'name': 'X buyer', 'parent_id': x.id})
        user = self.env.user
        before = cross_sell.open_cross_sell_per_salesperson(self.env.cr, self.company.id)
        self._lead(partner=contact, user=user)           # open, through a contact
        self._lead(partner=y, probability=100.0)          # won
        self._lead(partner=y, lost=True)                  # lost
        self._lead(partner=y, company=self.main_company)  # open in another company
        self._lead(partner=y, is_cross_sell=False)        # not a cross-sell opportunity
        self.assertEqual(cross_sell.open_cross_sell_customers(self.env.cr, [x.id, y.id], self.company.id), {x.id})
        after = cross_sell.open_cross_sell_per_salesperson(self.env.cr, self.company.id)
        self.assertEqual(after.get(user.id, 0) - before.get(user.id, 0), 1)
        self.assertEqual(after.get(None, 0), before.get(None, 0))

    def test_refused_pairs_and_outcomes(self):
        won_before, lost_before = cross_sell.cross_sell_outcomes(self.env.cr, self.company.id)
        lost = self._lead(lost=True, products=[self.p2, self.p3])
        self._lead(lost=True, products=[self.p4], company=self.main_company)
        self._lead(products=[self.p5])
        self._lead(probability=100.0, products=[self.p6])
        self.env['crm.lead'].create({'name': 'Plain', 'type': 'opportunity', 'partner_id': self.customer_x.id,
                                     'company_id': self.company.id, 'probability': 100.0})
        x = self.customer_x.id
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2000-01-01 00:00:00'),
                         {(x, self.p2.id), (x, self.p3.id)})
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2999-01-01 00:00:00'),
                         set())
        lost.write({'date_closed': '2020-05-01 00:00:00'})
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2020-05-01 00:00:00'),
                         {(x, self.p2.id), (x, self.p3.id)})
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2020-05-02 00:00:00'),
                         set())
        self.assertEqual(cross_sell.cross_sell_outcomes(self.env.cr, self.company.id),
                         (won_before + 1, lost_before + 1))

    def test_products_removed_from_closed_opportunities_are_refused(self):
        x = self.customer_x.id
        lead = self._lead(products=[self.p2, self.p3])
        lead.line_ids.filtered(lambda line: line.product_id == self.p2).unlink()
        # open: the customer has a cross-sell opportunity anyway
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2000-01-01 00:00:00'),
                         set())
        lead.action_set_won()
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2000-01-01 00:00:00'),
                         {(x, self.p2.id)})
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.main_company.id,
                                                             '2000-01-01 00:00:00'), set())
        lead.write({'date_closed': '2020-05-01 00:00:00'})
        self.assertEqual(cross_sell.refused_cross_sell_pairs(self.env.cr, [x], self.company.id, '2020-05-02 00:00:00'),
                         set())

    def test_legacy_opportunities_are_migrated(self):
        """An opportunity of the single-product cross-sell (column cross_sell_product_id) becomes a
        cross-sell opportunity with its product as a line at its expected revenue."""
        cr = self.env.cr
        lead = self.env['crm.lead'].create({'name': 'Old cross-sell', 'type': 'opportunity', 'planned_revenue': 60.0,
                                            'partner_id': self.customer_x.id, 'company_id': self.company.id})
        cr.execute("ALTER TABLE crm_lead ADD COLUMN cross_sell_product_id integer")
        cr.execute("UPDATE crm_lead SET cross_sell_product_id = %s WHERE id = %s", [self.p2.id, lead.id])
        cross_sell.mark_legacy_cross_sell(cr)
        lead.invalidate_cache()
        self.assertEqual((lead.is_cross_sell, [(line.product_id, line.product_qty, line.price_subtotal)
                                               for line in lead.line_ids]), (True, [(self.p2, 1.0, 60.0)]))
        cr.execute("SELECT 1 FROM information_schema.columns"
                   " WHERE table_name = 'crm_lead' AND column_name = 'cross_sell_product_id'")
        self.assertFalse(cr.fetchall())
        cross_sell.mark_legacy_cross_sell(cr)  # once only
