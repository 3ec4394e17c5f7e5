import logging

from odoo.exceptions import AccessError, UserError
from odoo.tests.common import SavepointCase

from ..companies import allowed_company

_logger = logging.getLogger(__name__)

NOW = '2025-12-31 00:00:00'
# The figures of a partner that res.partner shows (field) and their Customer 360 row's (column).
PARTNER_FIGURES = {
    'customer_order_count': 'sale_order_count', 'customer_revenue': 'sale_revenue',
    'customer_average_order_value': 'sale_average_order_value', 'customer_last_order_date': 'last_order_date',
    'customer_product_count': 'product_count', 'rfm_monetary_score': 'rfm_monetary_score',
    'rfm_segment': 'rfm_segment', 'clv_historical': 'clv_historical', 'clv_predicted_12m': 'clv_predicted_12m',
    'customer_stage': 'customer_stage',
}
STATS_FIGURES = ['company_id', 'partner_id', 'sale_order_count', 'sale_revenue', 'sale_margin', 'first_order_date',
                 'last_order_date', 'product_count', 'rfm_recency_score', 'rfm_frequency_score',
                 'rfm_monetary_score', 'rfm_segment', 'clv_historical', 'clv_annual_frequency',
                 'clv_survival_probability', 'clv_predicted_12m', 'customer_stage', 'customer_stage_date']


class TestCrossCompany(SavepointCase):
    """Two companies with different sales to the same customers; a user of each company
    (belonging to it only) tries every read path of the addon: they see their own company's
    figures only, another company's are refused or invisible. And no figure of company A moves
    when company B's orders change.

    Services P1..P6 (no company), basket = order, minimum count 2, lift 1, as of 2025-12-31.
    A: Y [P1 P2 P3] 01-10, W [P1 3xP2] 02-10, V [P1 3xP2 P4] 03-10, Y [P3 P4] 04-10,
       W [P3 P4] 05-10, Z [P5] 06-10, X [P1] 12-01; quotation of 5 S (stockable) in 2099.
    B: V [P6] 08-10, N [P6] 09-10, Y [P6 P1] 09-12, W [P1 P5] 10-10, X [P1 P5 9xP2] 11-15,
       X [P3] 12-15, N [P1] 12-20; quotation of 7 S in 2099.
    Each of B's orders would move one of A's figures if a query of A lost its company filter:
    X's history (P3 bought recently, P2 typical quantity 9), the pair P1-P5 (2 baskets in B),
    the best seller P6 (3 buyers in B) and N's recent P1 in B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, customer_360_date='2025-12-31',
                                       crm_erp_recommendation_date=NOW))
        currency = cls.env.ref('base.main_company').currency_id
        settings = {'currency_id': currency.id, 'affinity_exclude_services': False, 'affinity_min_count': 2,
                    'affinity_min_lift': 1.0, 'affinity_basket_days': 0, 'pipeline_horizon_weeks': 4000}
        cls.company_a = cls.env['res.company'].create(dict(settings, name='Isolation A'))
        cls.company_b = cls.env['res.company'].create(dict(settings, name='Isolation B'))
        cls.companies = cls.company_a | cls.company_b
        cls.env.user.write({'company_ids': [(4, cls.company_a.id), (4, cls.company_b.id)],
                            'company_id': cls.company_a.id})
        cls.pricelists = {company: cls.env['product.pricelist'].create({
            'name': 'Isolation prices', 'currency_id': currency.id, 'company_id': company.id})
            for company in cls.companies}
        cls.warehouses = {company: cls.env['stock.warehouse'].search([('company_id', '=', company.id)])
                          for company in cls.companies}
        Product = cls.env['product.product']
        cls.products = [Product.create({'name': 'Isolation P%d' % i, 'type': 'service', 'list_price': 10.0 * i,
                                        'taxes_id': [(5, 0, 0)], 'company_id': False})
                        for i in range(1, 7)]
        p1, p2, p3, p4, p5, p6 = cls.products
        cls.stocked = Product.create({'name': 'Isolation S', 'type': 'product', 'company_id': False})
        Partner = cls.env['res.partner']
        cls.customers = {name: Partner.create({'name': 'Isolation %s' % name, 'customer': True, 'company_id': False})
                         for name in 'XYWVZN'}
        x, y, w, v, z, n = (cls.customers[name] for name in 'XYWVZN')
        a, b = cls.company_a, cls.company_b
        for company, customer, date, lines in [
                (a, y, '2025-01-10', [p1, p2, p3]), (a, w, '2025-02-10', [p1, (p2, 3)]),
                (a, v, '2025-03-10', [p1, (p2, 3), p4]), (a, y, '2025-04-10', [p3, p4]),
                (a, w, '2025-05-10', [p3, p4]), (a, z, '2025-06-10', [p5]), (a, x, '2025-12-01', [p1]),
                (b, v, '2025-08-10', [p6]), (b, n, '2025-09-10', [p6]), (b, y, '2025-09-12', [p6, p1]),
                (b, w, '2025-10-10', [p1, p5]), (b, x, '2025-11-15', [p1, p5, (p2, 9)]),
                (b, x, '2025-12-15', [p3]), (b, n, '2025-12-20', [p1])]:
            cls._order(company, customer, date, lines)
        cls.quotations = {company: cls._order(company, y, '2099-01-05', [(cls.stocked, qty)], confirm=False)
                          for company, qty in [(a, 5.0), (b, 7.0)]}
        cls.Stats = cls.env['crm.erp.partner.stats']
        cls.Affinity = cls.env['crm.erp.product.affinity']
        cls._recompute()
        cls.users = {company: cls._user('isolation_%s' % company.id, company) for company in cls.companies}

    @classmethod
    def _order(cls, company, customer, date, lines, confirm=True):
        lines = [line if isinstance(line, tuple) else (line, 1.0) for line in lines]
        order = cls.env['sale.order'].create({
            'partner_id': customer.id, 'company_id': company.id, 'pricelist_id': cls.pricelists[company].id,
            'warehouse_id': cls.warehouses[company].id, 'date_order': date + ' 10:00:00',
            'order_line': [(0, 0, {
                'product_id': product.id, 'product_uom_qty': qty, 'price_unit': product.list_price,
                'product_uom': product.uom_id.id, 'name': product.name, 'tax_id': [(5, 0, 0)],
            }) for product, qty in lines],
        })
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _recompute(cls):
        cls.Stats._refresh(cls.companies.ids, recompute_boundaries=True)
        cls.Affinity._recompute_all(cls.companies)

    @classmethod
    def _user(cls, login, company):
        return cls.env['res.users'].with_context(no_reset_password=True).create({
            'name': login, 'login': login, 'email': '%s@example.com' % login,
            'company_id': company.id, 'company_ids': [(6, 0, company.ids)],
            # managers: they may read every figure of their company, the margin and the RFM
            # boundaries included (docs/rights.md), so any refusal is the company's
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id,
                                  cls.env.ref('sales_team.group_sale_manager').id])],
        })

    # Company A's figures, as the system reads them ----------------------------------------

    def _snapshot(self, company):
        """Every computed figure of the company: Customer 360 rows, stage history, RFM
        boundaries, affinity counts, best sellers, recommendations and typical quantities of
        every customer, pipeline demand, product history."""
        customers = self.env['res.partner'].concat(*self.customers.values())
        cr = self.env.cr
        cr.execute("SELECT level, peer_key, product_id, buyers FROM crm_erp_best_seller WHERE company_id = %s "
                   "ORDER BY 1, 2, 3", [company.id])
        best_sellers = cr.fetchall()
        product_ids = [product.id for product in self.products]
        recommendation = self.env['crm.erp.recommendation']
        self.env.user.company_id = company
        snapshot = {
            'stats': self.Stats.search_read([('company_id', '=', company.id)], STATS_FIGURES, order='partner_id'),
            'history': self.env['crm.erp.partner.stage.history'].search_read(
                [('company_id', '=', company.id)], ['partner_id', 'from_stage', 'to_stage', 'date', 'reason'],
                order='partner_id, id'),
            # (a full refresh writes the boundaries anew: their ids change)
            'boundaries': [(row.score, row.recency_date, row.frequency, row.monetary)
                           for row in self.env['crm.erp.rfm.boundary'].search([('company_id', '=', company.id)])],
            'affinity': self.Affinity._affinity_state([company.id]),
            'affinity_view': self.Affinity.search_read([('company_id', '=', company.id)], [
                'product_id', 'related_product_id', 'pair_count', 'support', 'confidence', 'lift'],
                order='product_id, related_product_id'),
            'best_sellers': best_sellers,
            'recommendations': recommendation._recommend(customers, company, limit=10),
            'quantities': recommendation._typical_quantities_batch(
                company, [(customer.id, product_id) for customer in customers for product_id in product_ids]),
            'demand': self.env['product.product'].get_pipeline_demand([self.stocked.id]),
            'product_history': self.env['crm.erp.partner.product.history'].search_read(
                [('company_id', '=', company.id)], ['partner_id', 'product_id', 'product_qty', 'revenue',
                                                    'order_count'], order='partner_id, product_id'),
        }
        self.env.user.company_id = self.company_a
        return snapshot

    def test_other_company_orders_change_no_figure(self):
        """Cancel every order and quotation of B, confirm a new one for A's customers: A's figures
        stay the same, after the incremental updates and after a full recompute."""
        before = self._snapshot(self.company_a)
        self.assertTrue(before['recommendations'][self.customers['X'].id], 'X has recommendations in A')
        self.assertTrue(before['best_sellers'] and before['affinity_view'] and before['boundaries'])
        self.assertEqual(before['demand'][0]['demand_qty'], 5.0)
        b_orders = self.env['sale.order'].search([('company_id', '=', self.company_b.id)])
        self.assertEqual(len(b_orders), 8)
        b_orders.action_cancel()
        self._order(self.company_b, self.customers['X'], '2025-12-20', [self.products[3], (self.products[1], 4)])
        self.assertEqual(self._snapshot(self.company_a), before, 'after the incremental updates')
        self._recompute()
        self.assertEqual(self._snapshot(self.company_a), before, 'after a full recompute')
        # B's own figures did move: the comparison can see a change
        self.assertEqual(self._snapshot(self.company_b)['demand'][0]['demand_qty'], 0.0)

    # What each user sees ------------------------------------------------------------------

    def _own_rows(self, company):
        return {row.partner_id.id: row for row in self.Stats.search([('company_id', '=', company.id)])}

    def test_each_user_sees_only_their_company(self):
        x = self.customers['X']
        rows_a, rows_b = self._own_rows(self.company_a), self._own_rows(self.company_b)
        # the two companies' figures of X differ: a leak would show
        self.assertEqual((rows_a[x.id].sale_order_count, rows_b[x.id].sale_order_count), (1, 2))
        self.assertNotEqual(rows_a[x.id].sale_revenue, rows_b[x.id].sale_revenue)
        paths, refused, leaked = 0, 0, []
        for own, other in [(self.company_a, self.company_b), (self.company_b, self.company_a)]:
            for name, outcome in self._probes(self.users[own], own, other):
                paths += 1
                refused += outcome is None
                if outcome is None and 'other' not in name:
                    leaked.append((own.name, name, 'refused, yet the own company\'s figures'))
                if outcome:
                    leaked.append((own.name, name, outcome))
        _logger.info('cross-company probe: %d read paths tried, %d refused, %d values of the other company '
                     'visible', paths, refused, sum(len(values) for _user, _name, values in leaked))
        self.maxDiff = None
        self.assertEqual(leaked, [])
        self.assertGreaterEqual(paths, 60)

    def test_allowed_company(self):
        user_a = self.users[self.company_a]
        env = self.env(user=user_a)
        self.assertEqual(allowed_company(env), self.company_a)
        for value in (None, False):
            self.assertEqual(allowed_company(env(context={'force_company': value})), self.company_a)
        self.assertEqual(allowed_company(env, self.company_a.id, 'company_id'), self.company_a)
        for value in ('x', 1.5, True, [self.company_a.id], {'id': 1}, 'x' * 100000):
            with self.assertRaisesRegex(UserError, 'force_company: a company id'):
                allowed_company(env(context={'force_company': value}))
        for value in (self.company_b.id, 0, -1, 2 ** 31 - 1):
            with self.assertRaisesRegex(AccessError, 'force_company: company %d is not one of your companies'
                                        % value):
                allowed_company(env(context={'force_company': value}))
        # the public methods that read force_company answer the same
        Partner = self.env['res.partner'].sudo(user_a)
        x = self.customers['X']
        user_a.groups_id |= self.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager')
        for method, args in [('get_customer_360', [x.ids]), ('get_recommendations', [x.ids, 5]),
                             ('create_cross_sell_opportunities', [x.ids])]:
            with self.assertRaises(UserError):
                getattr(Partner.with_context(force_company='x'), method)(*args)
            for company_id in (self.company_b.id, 999999):
                with self.assertRaises(AccessError):
                    getattr(Partner.with_context(force_company=company_id), method)(*args)
        # the sales forecast of another company: refused as well
        Forecast = self.env['crm.erp.sales.forecast'].sudo(user_a)
        with self.assertRaises(UserError):
            Forecast.with_context(force_company='x').get_sales_forecast()
        for company_id in (self.company_b.id, 999999):
            with self.assertRaises(AccessError):
                Forecast.with_context(force_company=company_id).get_sales_forecast()
        companies = {row['company_id'] for row in Forecast.get_sales_forecast(6, 'category')}
        self.assertLessEqual(companies, {self.company_a.id})

    def test_settings_of_another_company_refused(self):
        """The settings are a transient model, created with any company_id: an administrator of
        A alone reads A's cross-sell figures, not B's."""
        admin_a = self._user('isolation_admin_a', self.company_a)
        admin_a.groups_id |= self.env.ref('base.group_system')
        Settings = self.env['res.config.settings'].sudo(admin_a)
        self.assertEqual(Settings.create({}).cross_sell_won_count, 0)
        with self.assertRaisesRegex(AccessError, 'company_id: company %d is not one of your companies'
                                    % self.company_b.id):
            Settings.create({'company_id': self.company_b.id}).read(['cross_sell_won_count'])

    def _probes(self, user, own, other):
        """(path, outcome) for each read path: None when refused (AccessError), else the list
        of values of the other company it showed (empty: nothing leaked). The paths that
        must work are also checked against the own company's figures."""
        partners = self.env['res.partner'].concat(*self.customers.values())
        own_rows, other_rows = self._own_rows(own), self._own_rows(other)
        other_row_ids = {row.id for row in other_rows.values()}

        def env(model, company=None):
            self.env['res.partner'].invalidate_cache()
            records = self.env[model].sudo(user)
            return records.with_context(force_company=company.id) if company else records

        def run(name, call, check):
            try:
                result = call()
            except AccessError:
                return name, None
            return name, list(check(result))

        def foreign_rows(rows):
            return [row for row in rows if row['company_id'] and row['company_id'][0] == other.id]

        def partner_values(rows):
            """Figures of rows (dicts with id) that differ from the own company's."""
            for row in rows:
                stats = own_rows.get(row['id'])
                for field, column in PARTNER_FIGURES.items():
                    expected = stats[column] if stats else False
                    if field == 'customer_stage':
                        expected = expected or 'prospect'
                    if isinstance(expected, float):  # the partner's amounts are in currency rounding
                        expected, value = round(expected, 2), round(row[field], 2)
                    else:
                        value = row[field]
                    if value != (expected or False) and (value or expected):
                        yield (row['id'], field, row[field])

        def must_refuse(result):
            return [result]  # an answer at all is a leak

        figure_fields = list(PARTNER_FIGURES)
        stage_of_x = own_rows[self.customers['X'].id].customer_stage
        probes = []
        # RPC methods
        for company in (None, other):
            label = ' (force_company other)' if company else ''
            check = must_refuse if company else None
            probes += [
                run('get_customer_360' + label, lambda c=company: env('res.partner', c).get_customer_360(partners.ids),
                    check or (lambda result: [
                        (row['id'], name) for row in result for name, column in [
                            ('sale_order_count', 'sale_order_count'), ('sale_revenue', 'sale_revenue'),
                            ('clv_predicted_12m', 'clv_predicted_12m'), ('rfm_segment', 'rfm_segment')]
                        if row['id'] in own_rows and row[name] != (own_rows[row['id']][column] or False)])),
                run('get_recommendations' + label,
                    lambda c=company: env('res.partner', c).get_recommendations(partners.ids, 10),
                    check or (lambda result: [
                        row for row in result
                        if [item['product_id'] for item in row['items']] != [
                            item['product_id'] for item in self.env['crm.erp.recommendation']._recommend(
                                self.env['res.partner'].browse(row['partner_id']), own, 10).get(
                                    row['partner_id'], [])]])),
                run('res.partner read' + label, lambda c=company: env('res.partner', c).browse(partners.ids).read(
                    figure_fields), check or (lambda rows: list(partner_values(rows)))),
                run('res.partner search_read' + label, lambda c=company: env('res.partner', c).search_read(
                    [('id', 'in', partners.ids)], figure_fields), check or (lambda rows: list(partner_values(rows)))),
                run('res.partner export_data' + label, lambda c=company: env('res.partner', c).browse(
                    partners.ids).export_data(['customer_order_count', 'customer_revenue']),
                    check or (lambda result: [
                        (partner.id, line) for partner, line in zip(partners, result['datas'])
                        if [int(line[0] or 0), float(line[1] or 0.0)] != (
                            [own_rows[partner.id].sale_order_count, own_rows[partner.id].sale_revenue]
                            if partner.id in own_rows else [0, 0.0])])),
                run('res.partner search customer_stage' + label, lambda c=company: env('res.partner', c).search(
                    [('customer_stage', '=', stage_of_x), ('id', 'in', partners.ids)]).ids,
                    check or (lambda ids: set(ids) ^ {pid for pid, row in own_rows.items()
                                                      if row.customer_stage == stage_of_x and pid in partners.ids})),
                run('res.partner search rfm_segment' + label, lambda c=company: env('res.partner', c).search(
                    [('rfm_segment', '!=', False), ('id', 'in', partners.ids)]).ids,
                    check or (lambda ids: set(ids) ^ {pid for pid, row in own_rows.items()
                                                      if row.rfm_segment and pid in partners.ids})),
                run('res.partner read_group by stage domain' + label, lambda c=company: env(
                    'res.partner', c).read_group([('customer_stage', '=', stage_of_x), ('id', 'in', partners.ids)],
                                                 ['customer'], ['customer']),
                    check or (lambda groups: [] if sum(g['customer_count'] for g in groups) == len(
                        [row for pid, row in own_rows.items() if row.customer_stage == stage_of_x
                         and pid in partners.ids]) else groups)),
                # figures of the user's current company, whatever force_company says
                run('product.product pipeline figures' + label, lambda c=company: env(
                    'product.product', c).browse(self.stocked.id).read(['pipeline_demand_qty']),
                    lambda rows: [] if rows[0]['pipeline_demand_qty'] == (
                        5.0 if own == self.company_a else 7.0) else rows),
            ]
        probes += [
            run('get_pipeline_demand', lambda: env('product.product').get_pipeline_demand([self.stocked.id]),
                lambda result: [week for week in result[0]['weeks']
                                if week['warehouse_id'] != self.warehouses[own].id]
                + ([] if result[0]['demand_qty'] == (5.0 if own == self.company_a else 7.0) else [result])),
            run('get_frequently_bought_together', lambda: env('product.product').get_frequently_bought_together(
                [product.id for product in self.products], 10),
                lambda result: [
                    (row['product_id'], item['product_id']) for row in result for item in row['items']
                    if not self.Affinity.search_count([('company_id', '=', own.id),
                                                       ('product_id', '=', row['product_id']),
                                                       ('related_product_id', '=', item['product_id'])])]),
            run('product.template affinity', lambda: env('product.template').browse(
                self.products[0].product_tmpl_id.id).read(['affinity_count']),
                lambda rows: [] if rows[0]['affinity_count'] == self.Affinity.search_count(
                    [('company_id', '=', own.id), ('product_id', '=', self.products[0].id)]) else rows),
            run('stats read of the other company\'s rows', lambda: env('crm.erp.partner.stats').browse(
                list(other_row_ids)).read(['sale_revenue']), must_refuse),
        ]
        # the addon's models and SQL views, each through search_read, read_group, export
        for model in ['crm.erp.partner.stats', 'crm.erp.partner.stage.history', 'crm.erp.rfm.boundary',
                      'crm.erp.partner.product.history', 'crm.erp.product.affinity',
                      'crm.erp.pipeline.demand.report']:
            own_count = self.env[model].search_count([('company_id', '=', own.id)])
            self.assertTrue(own_count, model)
            probes += [
                run(model + ' search_read', lambda m=model: env(m).search_read([], ['company_id']),
                    lambda rows, n=own_count: foreign_rows(rows) or ([] if len(rows) == n else rows)),
                run(model + ' search_read of the other company',
                    lambda m=model: env(m).search_read([('company_id', '=', other.id)], ['company_id']),
                    foreign_rows),
                run(model + ' read_group', lambda m=model: env(m).read_group([], ['company_id'], ['company_id']),
                    lambda groups: [group for group in groups if group['company_id'][0] != own.id]),
                run(model + ' search_count', lambda m=model: env(m).search_count([]),
                    lambda count, n=own_count: [] if count == n else [count]),
                run(model + ' export_data', lambda m=model: env(m).search([]).export_data(['company_id']),
                    lambda result, n=own_count: [] if len(result['datas']) == n else result['datas']),
            ]
        return probes
