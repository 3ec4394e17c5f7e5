from unittest.mock import patch

import numpy as np

from odoo import fields
from odoo.exceptions import AccessError, UserError

from ..queries import sales_forecast as forecast_queries
from .concurrency_common import ConcurrentCase
from .test_queries_sales_forecast import SalesForecastCase

TODAY = '2025-05-15'


class TestSalesForecast(SalesForecastCase):
    """crm.erp.sales.forecast on the orders and leads of SalesForecastCase, refreshed as of
    2025-05-15: the forecast of May to October 2025 and the sales of May 2024 to May 2025. The
    stored rows are the run rate's (customer_model=False: the figures by hand below);
    test_customer_model_by_hand checks the default, the Customer 360 model's expected orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Forecast = cls.env['crm.erp.sales.forecast']
        cls.Forecast._refresh([cls.company_a.id, cls.company_b.id], TODAY, customer_model=False)
        group = cls.env.ref
        cls.manager_a = cls.env['res.users'].create({
            'name': 'SF manager A', 'login': 'sf_manager_a', 'company_id': cls.company_a.id,
            'company_ids': [(6, 0, [cls.company_a.id])],
            'groups_id': [(6, 0, [group('base.group_user').id, group('sales_team.group_sale_manager').id,
                                  group('crm_erp_bridge.group_crm_erp_bridge_manager').id])]})
        cls.salesman_a = cls.env['res.users'].create({
            'name': 'SF salesman A', 'login': 'sf_salesman_a', 'company_id': cls.company_a.id,
            'company_ids': [(6, 0, [cls.company_a.id])],
            'groups_id': [(6, 0, [group('base.group_user').id, group('sales_team.group_sale_salesman').id,
                                  group('crm_erp_bridge.group_crm_erp_bridge_user').id])]})

    def _rows(self, company=None, **where):
        domain = [('company_id', '=', (company or self.company_a).id)] + [(k, '=', v) for k, v in where.items()]
        return self.Forecast.search(domain)

    def _one(self, month, product, team):
        rows = self._rows(month=month, product_id=product.id, team_id=team.id if team else False)
        self.assertEqual(len(rows), 1, (month, product.name, team and team.name))
        return rows

    def test_run_rate_by_hand(self):
        """History from December 2024 (its first month) to April: 5 months. Bolts of team A: 100
        + 10 + 2 sold, 22.4 a month, 26.8 of amount (100 + 30 + 4); nuts of team A: 4, 0.8; the
        bolts sold without a team: 24 in April, 4.8."""
        for month in ('2025-05-01', '2025-08-01', '2025-10-01'):
            row = self._one(month, self.bolt, self.team_a)
            self.assertAlmostEqual(row.product_qty, 22.4, places=4)
            self.assertAlmostEqual(row.run_rate_qty, 22.4, places=4)
            self.assertAlmostEqual(row.pipeline_qty, 0.0, places=4)
            self.assertAlmostEqual(row.amount, 26.8, places=2)
            self.assertTrue(row.is_forecast)
            self.assertEqual(row.categ_id, self.categ_parts)
            self.assertAlmostEqual(self._one(month, self.nut, self.team_a).product_qty, 0.8, places=4)
            self.assertAlmostEqual(self._one(month, self.bolt, False).product_qty, 4.8, places=4)
        self.assertEqual(len(set(self._rows(is_forecast=True).mapped('month'))), 6)

    def test_opportunity_sales_beyond_the_pipeline(self):
        """Bolts of team B came from the won lead (5 in March: 1 a month). The won lead was open
        2 months before it closed: in the pipeline 1 and 2 months ahead (coverage 1), not 3 or more
        months ahead (coverage 0), so the opportunity run rate counts from July on."""
        self.assertFalse(self._rows(month='2025-05-01', product_id=self.bolt.id, team_id=self.team_b.id))
        self.assertFalse(self._rows(month='2025-06-01', product_id=self.bolt.id, team_id=self.team_b.id))
        for month in ('2025-07-01', '2025-10-01'):
            row = self._one(month, self.bolt, self.team_b)
            self.assertAlmostEqual(row.product_qty, 1.0, places=4)
            self.assertAlmostEqual(row.run_rate_qty, 1.0, places=4)

    def test_weighted_pipeline_with_the_slip(self):
        """The open lead of team B without a date (3 nuts at its stage probability) counts in the
        first month, moved by the won lead's slip (closed a month after its expected month) to
        June; the scored lead's lines (January and March 2026) are beyond the horizon."""
        chance = self.open_plain.probability / 100.0
        row = self._one('2025-06-01', self.nut, self.team_b)
        self.assertAlmostEqual(row.pipeline_qty, 3 * chance, places=4)
        self.assertAlmostEqual(row.product_qty, 3 * chance, places=4)
        self.assertAlmostEqual(row.amount, 6 * chance, places=2)
        self.assertFalse(self._rows(month='2025-05-01', product_id=self.nut.id, team_id=self.team_b.id))

    def test_actuals_of_past_months(self):
        actual = {(str(r.month), r.product_id.id, r.team_id.id): (r.actual_qty, r.actual_amount, r.is_forecast)
                  for r in self._rows(is_forecast=False)}
        self.assertEqual(actual, {
            ('2024-12-01', self.bolt.id, self.team_a.id): (100.0, 100.0, False),
            ('2025-01-01', self.bolt.id, self.team_a.id): (10.0, 30.0, False),
            ('2025-01-01', self.nut.id, self.team_a.id): (4.0, 10.0, False),
            ('2025-03-01', self.bolt.id, self.team_b.id): (5.0, 20.0, False),
            ('2025-04-01', self.bolt.id, self.team_a.id): (2.0, 4.0, False),
            ('2025-04-01', self.bolt.id, False): (24.0, 24.0, False),
        })
        for row in self._rows(is_forecast=False):
            self.assertEqual(row.chart_qty, row.actual_qty)
            self.assertEqual(row.product_qty, 0.0)

    def test_refresh_replaces_the_rows(self):
        before = sorted((str(r.month), r.product_id.id, r.team_id.id, r.product_qty) for r in self._rows())
        self.Forecast._refresh([self.company_a.id], TODAY, customer_model=False)
        after = self._rows()
        self.assertEqual(sorted((str(r.month), r.product_id.id, r.team_id.id, r.product_qty) for r in after), before)
        keys = [(r.month, r.product_id.id, r.team_id.id) for r in after]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertTrue(forecast_queries.last_refresh(self.env.cr, self.company_a.id))

    def test_company_b_has_only_its_own_sale(self):
        rows = self._rows(self.company_b)
        self.assertEqual({r.product_id for r in rows}, {self.bolt})
        self.assertEqual(rows.filtered(lambda r: not r.is_forecast).mapped('actual_qty'), [100.0])

    def test_record_rule_and_rights(self):
        as_manager = self.Forecast.sudo(self.manager_a)
        self.assertTrue(as_manager.search([]))
        self.assertEqual(as_manager.search([]).mapped('company_id'), self.company_a)
        self.assertEqual(as_manager.search_count([('company_id', '=', self.company_b.id)]), 0)
        row_b = self._rows(self.company_b)[:1]
        with self.assertRaises(AccessError):
            row_b.sudo(self.manager_a).read(['product_qty'])
        with self.assertRaises(AccessError):
            self.Forecast.sudo(self.salesman_a).search([])
        with self.assertRaises(AccessError):
            self.Forecast.sudo(self.salesman_a).get_sales_forecast()
        with self.assertRaises(AccessError):
            self.Forecast.sudo(self.salesman_a).action_refresh_my_companies()
        # another company's forecast through the API: refused
        with self.assertRaises(AccessError):
            self.Forecast.sudo(self.manager_a).with_context(force_company=self.company_b.id).get_sales_forecast()

    def test_api_sums_the_stored_rows(self):
        forecast = self.Forecast.sudo(self.manager_a)
        forecast._refresh([self.company_a.id])  # as of today, as the API reads it
        for group_by, field in (('product', 'product_id'), ('category', 'categ_id'), ('team', 'team_id')):
            result = forecast.get_sales_forecast(6, group_by)
            rows = self._rows(is_forecast=True)
            months = sorted(set(str(r.month) for r in rows))
            self.assertEqual(sorted({item['month'] for item in result}), months)
            for item in result:
                mine = rows.filtered(lambda r: str(r.month) == item['month'] and r[field].id == (item[field] or False))
                self.assertAlmostEqual(item['forecast_amount'], sum(mine.mapped('amount')), places=2)
                self.assertEqual(item['currency'], 'XCA')
                if len(mine.mapped('uom_id')) == 1:
                    self.assertAlmostEqual(item['forecast_qty'], sum(mine.mapped('product_qty')), places=3)
                    self.assertAlmostEqual(item['pipeline_qty'], sum(mine.mapped('pipeline_qty')), places=3)
                    self.assertEqual(item['unit'], mine.mapped('uom_id').name)
                else:
                    self.assertIs(item['forecast_qty'], False)
        first_three = sorted(set(str(r.month) for r in self._rows(is_forecast=True)))[:3]
        self.assertEqual(sorted({item['month'] for item in forecast.get_sales_forecast()}),
                         [month for month in first_three if month < '%s-%02d-01' % _month_after(first_three[0], 3)])

    def test_api_bad_input(self):
        forecast = self.Forecast.sudo(self.manager_a)
        for months in (0, 7, -1, True, 1.5, '3', None, [3]):
            with self.assertRaises(UserError):
                forecast.get_sales_forecast(months)
        for group_by in ('', 'products', 'f.product_id; DELETE', None, 1, ['product']):
            with self.assertRaises(UserError):
                forecast.get_sales_forecast(3, group_by)
        with self.assertRaises(UserError):
            forecast.get_sales_forecast(3, 'product', 'extra')

    def test_nightly_cron_refreshes_every_company(self):
        self.env.cr.execute("DELETE FROM crm_erp_sales_forecast_refresh")
        self.Forecast._cron_refresh_all()
        companies = self.env['res.company'].search([])
        for company in companies:
            self.assertTrue(forecast_queries.last_refresh(self.env.cr, company.id), company.name)
        self.assertTrue(self._rows())

    def test_a_deleted_team_takes_its_rows(self):
        self.assertTrue(self._rows(team_id=self.team_b.id))
        self.env['crm.lead'].search([('team_id', '=', self.team_b.id)]).write({'team_id': False})
        self.team_b.unlink()
        self.env.cr.execute("SELECT COUNT(*) FROM crm_erp_sales_forecast WHERE team_id = %s", [self.team_b.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertTrue(self.Forecast.search([]).read(['team_id', 'product_id']))

    def test_the_table_has_no_foreign_keys(self):
        self.env.cr.execute("""SELECT COUNT(*) FROM pg_constraint
                                WHERE conrelid = 'crm_erp_sales_forecast'::regclass AND contype = 'f'""")
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_older_months_per_category_change_nothing(self):
        """The sales before the last 12 months are read per category (a third of the rows at L):
        with two years of history (seasons and trend of the category), the forecast is the one
        computed from every month per product and team."""
        for day, qty in (('2024-01-10', 7.0), ('2024-06-10', 3.0), ('2025-09-10', 4.0), ('2025-11-10', 6.0),
                         ('2026-01-10', 5.0)):
            self._team_order(self.buyer, day, [(self.bolt, qty, 2.0), (self.nut, 1.0, 1.0)], self.team_a)
        read = forecast_queries.monthly_sales_beside
        per_category = self.Forecast._forecast_columns(self.company_a.id, '2026-02-15')
        # the older months (read beside the detailed ones) per product and team too
        with patch.object(forecast_queries, 'monthly_sales_beside',
                          lambda cr, connect, company_id, date_from, date_to, detail_from, age_cap:
                          read(cr, connect, company_id, date_from, date_to, 0, age_cap)):
            detailed = self.Forecast._forecast_columns(self.company_a.id, '2026-02-15')
        self.assertGreater(len(detailed['product_id']), 10)
        self.assertGreater(detailed['run_rate_qty'].sum(), 0)
        for name, values in detailed.items():
            if values.dtype.kind == 'f':
                np.testing.assert_array_almost_equal(per_category[name], values, err_msg=name)
            else:
                np.testing.assert_array_equal(per_category[name], values, name)

    def test_customer_model_by_hand(self):
        """The default: the direct sales of the customers who bought before May 2025 from the
        lifetime value model's expected purchase days in each month x each one's products per
        purchase day of the last 12 months; the new customers' from their run rate. As of April
        30 the buyer bought on 2 days (January 20, March 5: x = 1, t_x = 44, T = 100 days), 10
        bolts and 4 nuts for team A without an opportunity (amounts 30 and 10): 5 bolts and 2
        nuts a purchase day; the other customer on 3 days (December 31, April 10 and 20: x = 2,
        t_x = 110, T = 120), 102 bolts for team A (amount 104) and 24 without a team (24): 34 and 8
        a day. New customers: in their first month they bought 100 + 10 bolts and 4 nuts for team
        A (December, January; amounts 100 + 30 and 10) in the 5 months of history; 5 months ahead
        (September, October) also those in their fifth month (the other customer's April: 2 bolts
        for team A, amount 4, and 24 without a team)."""
        Model = self.env['crm.erp.clv.model']
        Model._fit([self.company_a.id], '2025-04-30')
        purchase, _value = Model._engine_models(self.company_a.id)
        # purchase days expected from May 1 to June 1, ..., October 1 to November 1
        buyer, other = purchase.expected_orders_between([0, 31, 61, 92, 123, 153, 184], [1, 2], [44, 110],
                                                        [100, 120])
        self.assertTrue((buyer > 0.01).all() and (other > 0.01).all(), (buyer, other))
        columns = self.Forecast._forecast_columns(self.company_a.id, TODAY)
        rows = {(str(month)[:10], product, team): dict(product_qty=qty, run_rate_qty=run_rate, amount=amount)
                for month, product, team, qty, run_rate, amount in zip(
                    columns['month'], columns['product_id'].tolist(), columns['team_id'].tolist(),
                    columns['product_qty'], columns['run_rate_qty'], columns['amount'])}
        bolt, nut, team_a = self.bolt.id, self.nut.id, self.team_a.id
        for h, month in enumerate(('2025-05-01', '2025-06-01', '2025-07-01', '2025-08-01', '2025-09-01',
                                   '2025-10-01')):
            later = h >= 4
            bolt_a = rows[(month, bolt, team_a)]
            qty = 5 * buyer[h] + 34 * other[h] + (112 if later else 110) / 5.0
            self.assertAlmostEqual(bolt_a['product_qty'], qty, places=3)
            self.assertAlmostEqual(bolt_a['run_rate_qty'], qty, places=3)
            self.assertAlmostEqual(bolt_a['amount'], 15 * buyer[h] + 104 / 3.0 * other[h]
                                   + (134 if later else 130) / 5.0, delta=0.006)
            self.assertAlmostEqual(rows[(month, nut, team_a)]['product_qty'], 2 * buyer[h] + 0.8, places=3)
            self.assertAlmostEqual(rows[(month, bolt, 0)]['product_qty'], 8 * other[h] + (4.8 if later else 0.0),
                                   places=3)
        # the run rate alone, as stored by setUpClass: 22.4 bolts a month whoever buys them
        run_rate = self.Forecast._forecast_columns(self.company_a.id, TODAY, customer_model=False)
        self.assertAlmostEqual(run_rate['product_qty'][(run_rate['product_id'] == bolt)
                                                       & (run_rate['team_id'] == team_a)
                                                       & run_rate['is_forecast']][0], 22.4, places=4)

    def test_views_load(self):
        for view_type in ('graph', 'pivot', 'tree', 'search'):
            self.assertTrue(self.Forecast.fields_view_get(view_type=view_type)['arch'])


def _month_after(month, months):
    """(year, month) months after the month of the date text."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return index // 12, index % 12 + 1


class TestSalesForecastConcurrency(ConcurrentCase):
    """Two refreshes of one company's forecast at the same moment, in two real transactions
    (XML-RPC calls with Odoo's retry): one runs after the other, the table holds one forecast."""

    def test_two_refreshes_at_once_make_one_forecast(self):
        with self.committed() as env:
            company_ids = env.user.company_ids.ids
            env.cr.execute("SELECT DISTINCT company_id FROM crm_erp_sales_forecast_refresh")
            refreshed_before = [row[0] for row in env.cr.fetchall()]

        def restore(env):
            env.cr.execute("DELETE FROM crm_erp_sales_forecast WHERE company_id = ANY(%s)", [company_ids])
            env.cr.execute("DELETE FROM crm_erp_sales_forecast_refresh WHERE company_id = ANY(%s)", [company_ids])
            env['crm.erp.sales.forecast']._refresh([c for c in company_ids if c in refreshed_before])
        self.addCleanup(self.commit, restore)
        outcomes = self.race(*[lambda: self.execute('crm.erp.sales.forecast', 'action_refresh_my_companies')] * 2)
        self.assertNoError(outcomes)
        with self.committed() as env:
            forecast = env['crm.erp.sales.forecast']
            totals = []
            for company_id in company_ids:
                env.cr.execute("""SELECT COUNT(*), COUNT(DISTINCT (month, COALESCE(team_id, 0), product_id))
                                    FROM crm_erp_sales_forecast WHERE company_id = %s""", [company_id])
                total, distinct = env.cr.fetchone()
                today = fields.Date.context_today(forecast)
                expected = len(forecast._forecast_columns(company_id, today)['product_id'])
                self.assertEqual(total, distinct)
                self.assertEqual(total, expected)
                totals.append(total)
        self.assertGreater(max(totals), 0)  # the demo orders make a forecast

    def test_the_lock_serialises_refreshes_of_one_company(self):
        with self.committed() as env:
            company_id = env.user.company_id.id
        with self.rolled_back() as first, self.rolled_back() as second:
            forecast_queries.lock_company(first.cr, company_id)
            second.cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))",
                              ['crm_erp_bridge.sales_forecast.%d' % company_id])
            self.assertFalse(second.cr.fetchone()[0])
            second.cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))",
                              ['crm_erp_bridge.sales_forecast.%d' % (company_id + 1)])
            self.assertTrue(second.cr.fetchone()[0])
