from ..queries import common
from .customer_360_common import Customer360Case


class TestQueriesCommon(Customer360Case):
    """queries/common.py. Currency XCB's rates (customer_360_common): 2.0 from 2025-01-01,
    2.5 in company A from 2025-03-01, 4.0 (5.0 in company A) from 2025-04-01; the company
    currency XCA has none (1)."""

    def test_currency_factor_function(self):
        a, b, xca, xcb = self.company_a.id, self.company_b.id, self.xca.id, self.xcb.id
        cases = [(xcb, a, '2024-12-31'), (xcb, a, '2025-02-01'), (xcb, a, '2025-03-15'), (xcb, b, '2025-03-15'),
                 (xcb, a, '2025-04-02'), (xcb, b, '2025-04-02'), (xca, a, '2025-04-02')]
        self.env.cr.execute("SELECT crm_erp_bridge_currency_factor(c, %s, company, day) "
                            "FROM unnest(%s::integer[], %s::integer[], %s::date[]) "
                            "WITH ORDINALITY AS t(c, company, day, i) ORDER BY i",
                            [xca, [c[0] for c in cases], [c[1] for c in cases], [c[2] for c in cases]])
        self.assertEqual([float(row[0]) for row in self.env.cr.fetchall()], [1.0, 0.5, 0.4, 0.5, 0.2, 0.25, 1.0])

    def test_with_company_currency_factor(self):
        """The factor of each document, to its company's currency at its day; 1 in that currency."""
        self.env.cr.execute(
            'WITH ' + common.with_company_currency_factor('docs', """
                SELECT * FROM unnest(%(ids)s::integer[], %(currencies)s::integer[], %(companies)s::integer[],
                                     %(days)s::date[]) AS d(id, currency_id, company_id, day)
                  CROSS JOIN (SELECT %(xca)s::integer AS company_currency_id) c""")
            + ' SELECT id, factor FROM docs ORDER BY id',
            {'ids': [1, 2, 3], 'currencies': [self.xcb.id, self.xcb.id, self.xca.id],
             'companies': [self.company_a.id, self.company_b.id, self.company_a.id],
             'days': ['2025-04-02', '2025-04-02', '2025-04-02'], 'xca': self.xca.id})
        self.assertEqual([(doc_id, float(factor)) for doc_id, factor in self.env.cr.fetchall()],
                         [(1, 0.2), (2, 0.25), (3, 1.0)])

    def test_ensure_index(self):
        cr = self.env.cr
        for _attempt in range(2):  # made once, kept
            common.ensure_index(cr, 'crm_erp_test_partial_idx', 'res_partner', ['ref', 'id DESC'], 'ref IS NOT NULL')
        cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'crm_erp_test_partial_idx'")
        self.assertEqual(cr.fetchall(), [(
            'CREATE INDEX crm_erp_test_partial_idx ON public.res_partner USING btree (ref, id DESC) '
            'WHERE (ref IS NOT NULL)',)])
        common.drop_index(cr, 'crm_erp_test_partial_idx')
        cr.execute("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'crm_erp_test_partial_idx'")
        self.assertEqual(cr.fetchone()[0], 0)

    def test_documents_and_products(self):
        partner = self._customer('Common customer')
        contact = self.env['res.partner'].create({'name': 'Common contact', 'parent_id': partner.id})
        order_a = self._order(contact, '2025-05-01', [(self.product_1, 1.0, 10.0)], confirm=False)
        order_b = self._order(partner, '2025-05-01', [(self.product_1, 1.0, 10.0)], company=self.company_b,
                              confirm=False)
        self.assertEqual(sorted(common.company_partner_pairs(self.env.cr, 'sale_order', (order_a | order_b).ids)),
                         sorted([(self.company_a.id, partner.id), (self.company_b.id, partner.id)]))
        stockable = self.env['product.product'].create({'name': 'Common stockable', 'type': 'product',
                                                        'default_code': 'CS-1'})
        self.env['res.lang'].load_lang('zh_CN')
        stockable.with_context(lang='zh_CN').write({'name': '通用库存'})
        unit = stockable.uom_id.name
        self.assertEqual(common.product_labels(self.env.cr, [self.product_1.id, stockable.id], 'en_US'), {
            self.product_1.id: ('service', self.product_1.name, None, unit, False),
            stockable.id: ('product', 'Common stockable', 'CS-1', unit, False)})
        self.assertEqual(common.product_labels(self.env.cr, [stockable.id], 'zh_CN'),
                         {stockable.id: ('product', '通用库存', 'CS-1',
                                         stockable.uom_id.with_context(lang='zh_CN').name, False)})
        before = order_a.read(['write_date'])[0]['write_date']
        common.touch_rows(self.env.cr, 'sale_order', order_a.ids)
        order_a.invalidate_cache()
        self.assertEqual(order_a.read(['write_date'])[0]['write_date'], before)

    def test_locks_and_statistics(self):
        cr = self.env.cr
        self.assertTrue(common.try_advisory_xact_lock(cr, 'crm_erp_bridge.test'))
        common.advisory_xact_lock(cr, 'crm_erp_bridge.test')  # held by this transaction already
        cr.execute("CREATE TEMPORARY TABLE crm_erp_test_rows AS SELECT generate_series(1, 100) AS n")
        self.assertEqual(common.estimated_row_count(cr, 'crm_erp_test_rows'), 0)
        common.analyze(cr, 'crm_erp_test_rows')
        self.assertEqual(common.estimated_row_count(cr, 'crm_erp_test_rows'), 100)
        common.disable_jit(cr)
        common.set_local_work_mem(cr, '64MB')
        cr.execute("SHOW work_mem")
        self.assertEqual(cr.fetchone()[0], '64MB')
        common.prefer_index_scans(cr)
        cr.execute("SHOW random_page_cost")
        self.assertEqual(cr.fetchone()[0], '1.1')
        common.drop_tables(cr, ['crm_erp_test_rows'])
        cr.execute("SELECT to_regclass('crm_erp_test_rows')")
        self.assertIsNone(cr.fetchone()[0])
