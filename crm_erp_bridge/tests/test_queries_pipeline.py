from datetime import date, timedelta

from ..queries import pipeline
from .supply_common import SupplyCase


class TestQueriesPipeline(SupplyCase):
    """queries/pipeline.py on the constructed pipeline (supply_common; the report's weeks are
    checked row by row in test_pipeline_demand)."""

    def test_product_totals(self):
        # WH1: demand 24 + 10 + 6, weighted 24 + 5 + 6, shortfall 14 + 3; WH2: 5, 2, 2
        monday = date.today() - timedelta(days=date.today().weekday())
        horizon = (date(2099, 1, 19) - monday).days // 7 + 1  # this week up to the week of 2099-01-19
        cr = self.env.cr
        self.assertEqual(pipeline.product_totals(cr, [self.product.id], self.company.id, horizon),
                         {self.product.id: (45.0, 37.0, 19.0)})
        self.assertEqual(pipeline.product_totals(cr, [self.product.id], self.company.id, 1), {})

    def test_product_weeks(self):
        rows = pipeline.product_weeks(self.env.cr, [self.product.id], self.company.id, self.wh2.id)
        self.assertEqual([(row['week'], row['demand_qty'], row['weighted_qty'], row['free_qty'], row['incoming_qty'],
                           row['shortfall_qty'], row['vendor_id']) for row in rows],
                         [('2099-01-05', 5.0, 2.0, 0.0, 0.0, 2.0, self.vendor1.id)])
        rows = pipeline.product_weeks(self.env.cr, [self.product.id], self.company.id)
        self.assertEqual([(row['warehouse_id'], row['week']) for row in rows],
                         [(self.wh1.id, '2099-01-05'), (self.wh1.id, '2099-01-12'), (self.wh1.id, '2099-01-19'),
                          (self.wh2.id, '2099-01-05')])
        self.assertEqual(pipeline.product_weeks(self.env.cr, [self.product.id], self.company.id, None, 1), [])

    def test_salespeople(self):
        demo = self.env['res.users'].create({'name': 'Bridge seller', 'login': 'bridge_queries_seller'})
        self._quotation(self.wh2, [(self.product, 1.0, self.unit, 0)], user=demo)
        self.assertEqual({key: sorted(users) for key, users in
                          pipeline.salespeople(self.env.cr, [self.product.id]).items()},
                         {(self.wh1.id, self.product.id): [self.env.uid],
                          (self.wh2.id, self.product.id): sorted([self.env.uid, demo.id])})
        self.assertEqual(pipeline.products_of_salespeople(self.env.cr, [demo.id]), [self.product.id])

    def test_snapshot_refresh(self):
        """The triggers note the changed products; a refresh of those products, or of all, makes
        the snapshot the view's rows."""
        cr = self.env.cr
        pipeline.refresh_snapshot_all(cr)
        pipeline.take_dirty_products(cr)
        self.assertTrue(pipeline.snapshot_is_current(cr))
        self.assertEqual(pipeline.take_dirty_products(cr), set())
        self._quotation(self.wh1, [(self.product, 4.0, self.unit, 0)])
        self.assertEqual(pipeline.take_dirty_products(cr), {self.product.id})
        cr.execute("SELECT SUM(demand_qty) FROM crm_erp_pipeline_demand_snapshot WHERE product_id = %s",
                   [self.product.id])
        self.assertEqual(cr.fetchone()[0], 45.0)
        pipeline.refresh_snapshot_products(cr, [self.product.id])
        cr.execute("SELECT SUM(demand_qty) FROM crm_erp_pipeline_demand_snapshot WHERE product_id = %s",
                   [self.product.id])
        self.assertEqual(cr.fetchone()[0], 49.0)
        self.assertTrue(pipeline.try_lock_snapshot(cr))
