from .recommendation_common import RecommendationCase


class TestPersonalData(RecommendationCase):
    """Archived or deleted customers and products leave no row in the addon's tables, and no
    refresh (incremental or full) brings one back; cross-sell respects the opt-out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Stats = cls.env['crm.erp.partner.stats']
        cls.Stats._refresh(cls.company.ids, recompute_boundaries=True)

    def _partner_rows(self, partner):
        cr = self.env.cr
        counts = []
        for table in ('crm_erp_partner_stats', 'crm_erp_partner_stage_history'):
            cr.execute("SELECT COUNT(*) FROM " + table + " WHERE partner_id = %s", [partner.id])
            counts.append(cr.fetchone()[0])
        return counts

    def _product_rows(self, product):
        cr = self.env.cr
        cr.execute("""
            SELECT (SELECT COUNT(*) FROM crm_erp_affinity_product WHERE product_id = %(id)s),
                   (SELECT COUNT(*) FROM crm_erp_affinity_pair WHERE %(id)s IN (product_a, product_b)),
                   (SELECT COUNT(*) FROM crm_erp_best_seller WHERE product_id = %(id)s),
                   (SELECT COUNT(*) FROM crm_erp_pipeline_demand_snapshot WHERE product_id = %(id)s)
        """, {'id': product.id})
        return list(cr.fetchone())

    def test_archived_customer_is_forgotten(self):
        w = self.customer_w
        stats_rows, history_rows = self._partner_rows(w)
        self.assertEqual(stats_rows, 1)
        self.assertTrue(history_rows)
        w.active = False
        self.assertEqual(self._partner_rows(w), [0, 0])
        self.assertFalse(w.with_context(active_test=False).customer_order_count)
        # an order of theirs changes (incremental refresh), then the full refresh: nothing back
        self._order(w, '2025-06-10', [self.p1])
        self.Stats._refresh(self.company.ids, recompute_boundaries=True)
        self.assertEqual(self._partner_rows(w), [0, 0])
        # unarchived, the next refresh computes their figures again from their orders
        w.active = True
        self.Stats._refresh(self.company.ids, recompute_boundaries=True)
        self.assertEqual(self.Stats.search([('partner_id', '=', w.id)]).sale_order_count, 3)

    def test_full_refresh_forgets_customers_archived_without_the_orm(self):
        self.env.cr.execute("UPDATE res_partner SET active = FALSE WHERE id = %s", [self.customer_v.id])
        self.Stats._refresh(self.company.ids, recompute_boundaries=True)
        self.assertEqual(self._partner_rows(self.customer_v), [0, 0])

    def test_deleted_customer_leaves_no_row(self):
        prospect = self._customer('Affinity prospect')
        lead = self.env['crm.lead'].create({'name': 'Prospect deal', 'type': 'opportunity',
                                            'partner_id': prospect.id, 'company_id': self.company.id})
        self.assertEqual(self._partner_rows(prospect)[0], 1)
        lead.unlink()
        prospect.unlink()
        self.assertEqual(self._partner_rows(prospect), [0, 0])

    def test_archived_product_is_forgotten(self):
        self.Affinity._recompute_all(self.company)
        self.assertTrue(all(self._product_rows(self.p2)[:3]))
        self.p2.active = False
        self.assertEqual(self._product_rows(self.p2), [0, 0, 0, 0])
        # the counts without P2 are those of a full recompute; new orders bring nothing back
        self._assert_incremental_equals_full()
        self._order(self.customer_x, '2025-12-20', [self.p1, self.p2])
        self.Affinity._recompute_all(self.company)
        self.assertEqual(self._product_rows(self.p2), [0, 0, 0, 0])
        self.assertNotIn(self.p2.id, [item['product_id'] for item in self._items(self.customer_x)])
        # unarchived: counted again at once
        self.p2.active = True
        self.assertEqual(self._product_rows(self.p2)[:2], [1, 1])
        self._assert_incremental_equals_full()

    def test_deleted_product_leaves_no_row(self):
        product = self.env['product.product'].create({'name': 'Affinity gone', 'type': 'service',
                                                      'company_id': False})
        orders = self._order(self.customer_y, '2025-11-10', [self.p1, product]) \
            | self._order(self.customer_w, '2025-11-11', [self.p1, product])
        stocked = self.env['product.product'].create({'name': 'Affinity stocked gone', 'type': 'product'})
        lead = self.env['crm.lead'].create({
            'name': 'Stocked deal', 'type': 'opportunity', 'partner_id': self.customer_y.id,
            'company_id': self.company.id, 'probability': 50.0, 'date_deadline': '2099-02-01',
            'line_ids': [(0, 0, {'product_id': stocked.id, 'product_qty': 3.0, 'date_expected': '2099-01-05'})]})
        self.company.pipeline_horizon_weeks = 4000
        self.Affinity._recompute_all(self.company)
        self.assertTrue(all(self._product_rows(product)[:3]))
        self.assertTrue(self.env['crm.erp.pipeline.demand.report'].search_count([('product_id', '=', stocked.id)]))
        orders.action_cancel()
        orders.unlink()
        product.unlink()
        lead.unlink()
        stocked.unlink()
        self.env['crm.erp.pipeline.demand.report']._refresh_snapshot()
        self.assertEqual(self._product_rows(product), [0, 0, 0, 0])
        self.assertEqual(self._product_rows(stocked), [0, 0, 0, 0])
        self._assert_incremental_equals_full()

    def test_cross_sell_and_its_job_respect_the_opt_out(self):
        self.company.cross_sell_top_n = 2
        self.customer_x.opt_out = True
        self.env['res.partner']._cron_create_cross_sell_opportunities()
        self.assertFalse(self.env['crm.lead'].search_count([('partner_id', '=', self.customer_x.id)]))
        self.customer_x.opt_out = False
        self.env['res.partner']._cron_create_cross_sell_opportunities()
        # one opportunity carrying the two products
        self.assertEqual(self.env['crm.lead'].search([('partner_id', '=', self.customer_x.id)]).mapped(
            'line_ids.product_id'), self.p2 | self.p4)
