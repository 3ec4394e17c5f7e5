from collections import defaultdict

from ..queries import sales_forecast
from .lead_score_common import LeadScoreCase


class SalesForecastCase(LeadScoreCase):
    """Orders and leads of company A at explicit dates for the sales forecast: two stocked
    products (one sold in dozens once), orders in the company currency and in XCB, from an
    opportunity or not, of two teams, and orders that must not count."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env['product.product']
        cls.categ_parts = cls.env['product.category'].create({'name': 'SF Parts'})
        cls.bolt = Product.create({'name': 'SF Bolt', 'type': 'product', 'categ_id': cls.categ_parts.id})
        cls.nut = Product.create({'name': 'SF Nut', 'type': 'product', 'categ_id': cls.categ_tools.id})
        cls.dozen = cls.env.ref('product.product_uom_dozen')
        cls.buyer = cls._customer('SF Buyer')
        cls.other = cls._customer('SF Other')
        # won lead: created in January, expected in February, won in March
        cls.won = cls._lead('SF won', '2025-01-10', partner_id=cls.buyer.id, planned_revenue=800.0,
                            date_deadline='2025-02-15')
        cls._win(cls.won, '2025-03-05')
        cls.jan = cls._team_order(cls.buyer, '2025-01-20', [(cls.bolt, 10.0, 3.0), (cls.nut, 4.0, 2.5)], cls.team_a)
        cls.mar = cls._team_order(cls.buyer, '2025-03-05', [(cls.bolt, 5.0, 4.0)], cls.team_b,
                                  opportunity=cls.won)
        # in XCB: 2.5 XCB per XCA for company A from 2025-03-01, 5.0 from 2025-04-01
        cls.apr = cls._team_order(cls.other, '2025-04-10', [(cls.bolt, 2.0, 10.0)], cls.team_a,
                                  pricelist=cls.pricelist_xcb)
        # 2 dozen bolts = 24 bolts at 12 per dozen
        cls.dozens = cls._team_order(cls.other, '2025-04-20', [(cls.bolt, 2.0, 12.0)], False, uom=cls.dozen)
        # not counted: a quotation, a cancelled order, another company's order, outside the dates
        cls._team_order(cls.other, '2025-04-21', [(cls.bolt, 100.0, 1.0)], cls.team_a, confirm=False)
        cls._team_order(cls.other, '2025-04-22', [(cls.bolt, 100.0, 1.0)], cls.team_a).action_cancel()
        cls._team_order(cls.other, '2025-04-23', [(cls.bolt, 100.0, 1.0)], False, company=cls.company_b)
        cls._team_order(cls.other, '2024-12-31', [(cls.bolt, 100.0, 1.0)], cls.team_a)
        # open leads with lines: one scored, one not (its stage probability counts), one lost
        line = {'product_id': cls.bolt.id, 'product_uom_id': cls.bolt.uom_id.id}
        cls.open_scored = cls._lead('SF open scored', '2025-11-01', partner_id=cls.buyer.id,
                                    date_deadline='2026-01-20', line_ids=[
                                        (0, 0, dict(line, product_qty=6.0, price_unit=3.0)),
                                        (0, 0, dict(line, product_qty=1.0, price_unit=30.0, product_uom_id=cls.dozen.id,
                                                    date_expected='2026-03-01'))])
        cls.env.cr.execute("UPDATE crm_lead SET crm_erp_win_chance = 40.0 WHERE id = %s", [cls.open_scored.id])
        cls.open_plain = cls._lead('SF open plain', '2025-11-02', team_id=cls.team_b.id, probability=30.0, line_ids=[
            (0, 0, {'product_id': cls.nut.id, 'product_uom_id': cls.nut.uom_id.id, 'product_qty': 3.0,
                    'price_unit': 2.0})])
        lost = cls._lead('SF lost', '2025-10-01', line_ids=[(0, 0, dict(line, product_qty=50.0, price_unit=1.0))])
        cls._lose(lost, '2025-11-15')
        cls.env['crm.lead'].invalidate_cache()

    @classmethod
    def _team_order(cls, partner, date, lines, team, pricelist=None, company=None, opportunity=None, uom=None,
                    confirm=True):
        order = cls.env['sale.order'].create({
            'partner_id': partner.id, 'company_id': (company or cls.company_a).id,
            'pricelist_id': (pricelist or cls.pricelist_xca).id, 'date_order': date + ' 10:00:00',
            'team_id': team.id if team else False, 'opportunity_id': opportunity.id if opportunity else False,
            'order_line': [(0, 0, {
                'product_id': product.id, 'product_uom_qty': qty, 'price_unit': price,
                'product_uom': (uom or product.uom_id).id, 'name': product.name, 'tax_id': [(5, 0, 0)],
            }) for product, qty, price in lines],
        })
        # crm's and sale's defaults put the user's team: the test's team (or none)
        cls.env.cr.execute("UPDATE sale_order SET team_id = %s WHERE id = %s", [team.id if team else None, order.id])
        order.invalidate_cache()
        if confirm:
            order.action_confirm()
            cls.env.cr.execute("UPDATE sale_order SET date_order = %s WHERE id = %s", [date + ' 10:00:00', order.id])
            order.invalidate_cache()
        return order


class TestQueriesSalesForecast(SalesForecastCase):
    """queries/sales_forecast: exact values on the orders and leads built above, and the same
    figures recomputed through the ORM."""

    def _orm_monthly_sales(self, date_from, date_to):
        """monthly_sales recomputed with the ORM: confirmed orders of company A in the dates,
        quantity converted to the product unit, amount converted at the order day's rate."""
        totals = defaultdict(lambda: [0.0, 0.0])
        orders = self.env['sale.order'].search([
            ('company_id', '=', self.company_a.id), ('state', 'in', ('sale', 'done')),
            ('date_order', '>=', date_from), ('date_order', '<', date_to)])
        for order in orders:
            day = order.date_order[:10]
            for line in order.order_line:
                month = int(day[:4]) * 12 + int(day[5:7]) - 1
                key = (line.product_id.id, line.product_id.categ_id.id, order.team_id.id or 0, month,
                       bool(order.opportunity_id))
                totals[key][0] += line.product_uom._compute_quantity(line.product_uom_qty, line.product_id.uom_id)
                totals[key][1] += order.pricelist_id.currency_id.with_context(date=day, company_id=self.company_a.id) \
                    .compute(line.price_subtotal, self.company_a.currency_id, round=False)
        return {key: (round(qty, 6), round(amount, 6)) for key, (qty, amount) in totals.items()}

    @staticmethod
    def _rows(columns):
        return [dict(zip(columns, values)) for values in zip(*columns.values())]

    def test_monthly_sales_exact(self):
        rows = self._rows(sales_forecast.monthly_sales(self.env.cr, self.company_a.id, '2025-01-01', '2026-01-01'))
        got = {(r['product_id'], r['team_id'], r['month'], r['opportunity']): (r['qty'], r['amount']) for r in rows}
        bolt, nut = self.bolt.id, self.nut.id
        jan, mar, apr = 2025 * 12, 2025 * 12 + 2, 2025 * 12 + 3
        self.assertEqual(got, {
            (bolt, self.team_a.id, jan, False): (10.0, 30.0),
            (nut, self.team_a.id, jan, False): (4.0, 10.0),
            (bolt, self.team_b.id, mar, True): (5.0, 20.0),
            # 20 XCB at 5.0 XCB per XCA (company A's rate of April)
            (bolt, self.team_a.id, apr, False): (2.0, 4.0),
            # no team: 0
            (bolt, 0, apr, False): (24.0, 24.0),
        })
        self.assertEqual({r['categ_id'] for r in rows if r['product_id'] == bolt}, {self.categ_parts.id})

    def test_customer_age_of_direct_sales(self):
        """Months from the customer's first counted order (the other customer's: December 31,
        2024, before the dates read) to a direct sale; 6 (age_cap) for an opportunity's order and
        for the months summed per category."""
        rows = self._rows(sales_forecast.monthly_sales(self.env.cr, self.company_a.id, '2025-01-01', '2026-01-01'))
        ages = {(r['product_id'], r['team_id'], r['month'], r['opportunity']): r['customer_age'] for r in rows}
        bolt, nut = self.bolt.id, self.nut.id
        jan, mar, apr = 2025 * 12, 2025 * 12 + 2, 2025 * 12 + 3
        self.assertEqual(ages, {(bolt, self.team_a.id, jan, False): 0, (nut, self.team_a.id, jan, False): 0,
                                (bolt, self.team_b.id, mar, True): 6, (bolt, self.team_a.id, apr, False): 4,
                                (bolt, 0, apr, False): 4})
        self.assertEqual(len(rows), len(ages))
        rows = self._rows(sales_forecast.monthly_sales(self.env.cr, self.company_a.id, '2025-01-01', '2026-01-01',
                                                       apr, 3))
        self.assertEqual(sorted((r['product_id'], r['month'], r['customer_age']) for r in rows),
                         sorted([(0, jan, 3), (0, jan, 3), (0, mar, 3), (bolt, apr, 3), (bolt, apr, 3)]))

    def test_customer_mix(self):
        """What each customer bought without an opportunity in the 12 months before May 2025, per
        team and product, beside its purchase days (the buyer's March order came from the won
        lead: a purchase day, no line); the quotation, the cancelled order and company B's are
        not counted. Read with the monthly sales in one statement: those are monthly_sales's."""
        def read(mix_from, mix_to, detail_from=0, date_to='2026-01-01'):
            sales, mix = sales_forecast.monthly_sales_and_mix(self.env.cr, self.company_a.id, '2024-01-01',
                                                              date_to, detail_from, 6, mix_from, mix_to)
            # the same sales and customer ages as from a scan of every order
            alone = sales_forecast.monthly_sales(self.env.cr, self.company_a.id, '2024-01-01', date_to,
                                                 detail_from, 6)
            self.assertEqual(sorted(zip(*sales.values())), sorted(zip(*alone.values())))
            return self._rows(mix)
        mix = read('2024-05-01', '2025-05-01')
        got = sorted((r['partner_id'], r['team_id'], r['product_id'], r['days'], r['qty'], round(r['amount'], 6))
                     for r in mix)
        self.assertEqual(got, sorted([
            (self.buyer.id, self.team_a.id, self.bolt.id, 2, 10.0, 30.0),
            (self.buyer.id, self.team_a.id, self.nut.id, 2, 4.0, 10.0),
            # 100 bolts on December 31 and 2 in April (20 XCB at 5.0: 4 XCA); 2 dozen without a team
            (self.other.id, self.team_a.id, self.bolt.id, 3, 102.0, 104.0),
            (self.other.id, 0, self.bolt.id, 3, 24.0, 24.0),
        ]))
        mix = read('2025-02-01', '2025-05-01', 2025 * 12 + 3)
        self.assertEqual(sorted((r['partner_id'], r['team_id'], r['days'], r['qty']) for r in mix),
                         [(self.other.id, 0, 2, 24.0), (self.other.id, self.team_a.id, 2, 2.0)])
        # up to January 2025: the buyer bought first in the last month of the dates
        mix = read('2025-01-01', '2025-02-01', 2024 * 12 + 11, '2025-02-01')
        self.assertEqual(sorted((r['partner_id'], r['product_id'], r['days'], r['qty']) for r in mix),
                         [(self.buyer.id, self.bolt.id, 1, 10.0), (self.buyer.id, self.nut.id, 1, 4.0)])
        with self.assertRaises(ValueError):
            sales_forecast.monthly_sales_and_mix(self.env.cr, self.company_a.id, '2025-01-01', '2026-01-01', 0, 6,
                                                 '2024-05-01', '2025-05-01')

    def test_older_months_per_category(self):
        """Before detail_from (April 2025), the sales per category, product and team 0."""
        rows = self._rows(sales_forecast.monthly_sales(self.env.cr, self.company_a.id, '2025-01-01', '2026-01-01',
                                                       2025 * 12 + 3))
        got = {(r['product_id'], r['categ_id'], r['team_id'], r['month'], r['opportunity']): (r['qty'], r['amount'])
               for r in rows}
        jan, mar, apr = 2025 * 12, 2025 * 12 + 2, 2025 * 12 + 3
        self.assertEqual(got, {
            (0, self.categ_parts.id, 0, jan, False): (10.0, 30.0),
            (0, self.categ_tools.id, 0, jan, False): (4.0, 10.0),
            (0, self.categ_parts.id, 0, mar, True): (5.0, 20.0),
            (self.bolt.id, self.categ_parts.id, self.team_a.id, apr, False): (2.0, 4.0),
            (self.bolt.id, self.categ_parts.id, 0, apr, False): (24.0, 24.0),
        })

    def test_monthly_sales_against_the_orm(self):
        for date_from, date_to in (('2024-01-01', '2026-01-01'), ('2025-03-01', '2025-04-15')):
            rows = self._rows(sales_forecast.monthly_sales(self.env.cr, self.company_a.id, date_from, date_to))
            got = {(r['product_id'], r['categ_id'], r['team_id'], r['month'], r['opportunity']):
                   (round(float(r['qty']), 6), round(float(r['amount']), 6)) for r in rows}
            self.assertEqual(got, self._orm_monthly_sales(date_from, date_to))

    def test_open_pipeline_lines(self):
        rows = sales_forecast.open_pipeline_lines(self.env.cr, self.company_a.id)
        got = sorted((r['lead_id'], r['product_id'], r['team_id'], float(r['qty']), float(r['amount']),
                      r['date_expected'] and str(r['date_expected']), round(float(r['win_chance']), 4),
                      round(float(r['stage_probability']), 4)) for r in rows)
        stage, plain = self.open_scored.probability / 100.0, self.open_plain.probability / 100.0
        self.assertEqual(got, sorted([
            (self.open_scored.id, self.bolt.id, self.team_a.id, 6.0, 18.0, '2026-01-20', 0.4, stage),
            (self.open_scored.id, self.bolt.id, self.team_a.id, 12.0, 30.0, '2026-03-01', 0.4, stage),
            (self.open_plain.id, self.nut.id, self.team_b.id, 3.0, 6.0, None, plain, plain),
        ]))
        # the same lines through the ORM: open (active, probability below 100) leads of company A
        leads = self.env['crm.lead'].search([('company_id', '=', self.company_a.id), ('probability', '<', 100)])
        self.assertEqual(len(rows), len(leads.mapped('line_ids')))

    def test_won_leads(self):
        rows = sales_forecast.won_leads(self.env.cr, self.company_a.id, '2025-01-01', '2026-01-01')
        self.assertEqual([(r['lead_id'], str(r['created']), str(r['closed']), str(r['date_deadline']),
                           float(r['amount'])) for r in rows],
                         [(self.won.id, '2025-01-10', '2025-03-05', '2025-02-15', 800.0)])
        self.assertEqual(sales_forecast.won_leads(self.env.cr, self.company_a.id, '2025-04-01', '2026-01-01'), [])
        self.assertEqual(sales_forecast.won_leads(self.env.cr, self.company_b.id, '2025-01-01', '2026-01-01'), [])
