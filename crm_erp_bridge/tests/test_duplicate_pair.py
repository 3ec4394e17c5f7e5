from odoo.exceptions import AccessError, UserError

from .customer_360_common import Customer360Case


class TestDuplicatePair(Customer360Case):
    """crm.erp.duplicate.pair: the scan stores the pairs with their evidence, decisions are
    kept, managers only, company by company; a merge through Odoo's wizard gives the survivor
    the merged history (Customer 360 and the lines the recommendations read)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Pair = cls.env['crm.erp.duplicate.pair']
        cls.manager = cls._user('dup_manager', cls.company_a, 'crm_erp_bridge.group_crm_erp_bridge_manager')
        cls.salesman = cls._user('dup_salesman', cls.company_a, 'crm_erp_bridge.group_crm_erp_bridge_user')
        cls.manager_b = cls._user('dup_manager_b', cls.company_b, 'crm_erp_bridge.group_crm_erp_bridge_manager')
        cls.ana = cls._customer('Dup Ana Pereira', email='dup.ana@example.com', phone='+351 911 000 111')
        cls.ana_2 = cls._customer('Pereira Dup Ana', email='DUP.ANA@example.com ')
        cls.acme = cls._customer('Dup Acme', vat='PT 999.888-777', is_company=True)
        cls.acme_2 = cls._customer('Dup Other Name', vat='pt999888777', is_company=True)
        cls.ours = {cls.ana.id, cls.ana_2.id, cls.acme.id, cls.acme_2.id}

    def _pairs(self, company=None, state='review'):
        return self.Pair.search([('company_id', '=', (company or self.company_a).id), ('state', '=', state),
                                 ('partner_a_id', 'in', list(self.ours))])

    def test_refresh_evidence_and_confidence(self):
        self.Pair._refresh(self.company_a.ids)
        pairs = self._pairs()
        self.assertEqual([(p.partner_a_id, p.partner_b_id, p.match_vat, p.match_email, p.match_phone, p.match_typo,
                           round(p.name_similarity, 2), p.confidence) for p in pairs], [
            (self.acme, self.acme_2, True, False, False, False, 0.0, 0.99),
            (self.ana, self.ana_2, False, True, False, False, 1.0, 0.98),
        ])

    def test_one_typing_error_in_the_name(self):
        # two letters swapped in one word, nothing else in common: a typing error, similarity 0.58
        ines = self._customer('Dup Ines Faria')
        ines_2 = self._customer('Dup Ines Fraia')
        # another first name is no typing error (a relative), nor two letters changed in a word
        self._customer('Dup Rita Faria')
        self._customer('Dup Ines Ferreira')
        self.ours = self.ours | set((ines | ines_2).ids)
        self.Pair._refresh(self.company_a.ids)
        pair = self._pairs().filtered(lambda p: p.partner_a_id == ines)
        self.assertEqual((pair.partner_b_id, pair.match_typo, round(pair.name_similarity, 2), pair.confidence),
                         (ines_2, True, 0.58, 0.5))
        self.assertEqual(len(self._pairs()), 3)

    def test_not_duplicates_is_remembered_and_vanished_pairs_go(self):
        self.Pair._refresh(self.company_a.ids)
        acme_pair = self._pairs().filtered(lambda p: p.partner_a_id == self.acme)
        acme_pair.sudo(self.manager).action_not_duplicates()
        self.Pair._refresh(self.company_a.ids)
        self.assertEqual(self._pairs().mapped('partner_a_id'), self.ana)
        self.assertEqual(self._pairs(state='not_duplicate'), acme_pair)
        # no longer alike: the pair to review goes
        self.ana_2.write({'email': 'someone.else@example.com', 'name': 'Carla Mendes'})
        self.Pair._refresh(self.company_a.ids)
        self.assertFalse(self._pairs())
        self.assertEqual(self._pairs(state='not_duplicate'), acme_pair)

    def test_rights_and_companies(self):
        self.Pair._refresh((self.company_a | self.company_b).ids)
        # the shared customers are paired in each company; each manager sees their company's pairs
        self.assertEqual(len(self._pairs(self.company_b)), 2)
        seen_a = self.Pair.sudo(self.manager).search([('partner_a_id', 'in', list(self.ours))])
        self.assertEqual(seen_a.mapped('company_id'), self.company_a)
        seen_b = self.Pair.sudo(self.manager_b).search([('partner_a_id', 'in', list(self.ours))])
        self.assertEqual(seen_b.mapped('company_id'), self.company_b)
        with self.assertRaises(AccessError):
            self._pairs()[0].sudo(self.manager_b).read(['confidence'])
        with self.assertRaises(AccessError):
            self.Pair.sudo(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.Pair.sudo(self.salesman).action_find_duplicates()
        action = self.Pair.sudo(self.manager).action_find_duplicates()
        self.assertEqual(action['res_model'], 'crm.erp.duplicate.pair')

    def test_merge_gives_the_survivor_the_merged_history(self):
        self._order(self.ana, '2025-06-01', [(self.product_1, 1, 100.0)])
        self._order(self.ana, '2025-07-01', [(self.product_1, 2, 50.0)])
        self._order(self.ana_2, '2025-08-01', [(self.product_2, 1, 30.0)])
        self._order(self.ana_2, '2025-09-01', [(self.product_2, 1, 20.0)], company=self.company_b)
        self._refresh(self.company_a | self.company_b)
        self.assertEqual(self._row(self.ana).sale_order_count, 2)
        self.Pair._refresh(self.company_a.ids)
        pair = self._pairs().filtered(lambda p: p.partner_a_id == self.ana)
        action = pair.action_merge()
        wizard = self.env[action['res_model']].browse(action['res_id'])
        # the customer with more orders survives
        self.assertEqual(wizard.dst_partner_id, self.ana)
        self.assertEqual(wizard.partner_ids, self.ana | self.ana_2)
        wizard.action_merge()
        self.assertFalse(self.ana_2.exists())
        row = self._row(self.ana)
        self.assertEqual((row.sale_order_count, row.sale_revenue), (3, 230.0))
        row_b = self._row(self.ana, self.company_b)
        self.assertEqual((row_b.sale_order_count, row_b.sale_revenue), (1, 20.0))
        # the affinity baskets and the recommendations read the orders of the survivor: all of them
        orders = self.env['sale.order'].search([('partner_id', '=', self.ana.id)])
        self.assertEqual(sorted(orders.mapped('order_line.product_id').ids),
                         sorted([self.product_1.id, self.product_2.id]))
        self.assertEqual(len(orders), 4)
        # the pair is kept as merged, with the survivor
        self.assertEqual((pair.state, pair.partner_a_id, pair.partner_b_id.id), ('merged', self.ana, False))
        with self.assertRaises(UserError):
            pair.action_merge()
