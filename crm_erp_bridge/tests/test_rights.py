"""The rights matrix (docs/rights.md): for each role, which action, server action, report, RPC
method and sensitive figure of the addon is allowed and which raises AccessError.

MATRIX is the data: each row runs its operation as every role on records of the main company
and expects the row's outcome ("yes": it runs; "no": AccessError; anything else, such as a
UserError, fails the test). docs/rights.md holds the same table: test_doc_matches_matrix
compares it with render_table(), which prints the table to paste when they differ."""
import os

from odoo.exceptions import AccessError
from odoo.tests.common import SavepointCase

ROLES = [
    ('salesman_own', 'Salesman (own documents)', ['sales_team.group_sale_salesman']),
    ('salesman_all', 'Salesman (all documents)', ['sales_team.group_sale_salesman_all_leads']),
    ('manager', 'Sales manager', ['sales_team.group_sale_manager']),
    ('purchase', 'Purchase user', ['purchase.group_purchase_user']),
    ('stock', 'Inventory user', ['stock.group_stock_user']),
    ('other_company', 'Sales manager of another company', ['sales_team.group_sale_manager']),
    ('portal', 'Portal user', ['base.group_portal']),
]

# (kind, what, operation (a method of TestRights, run as the role), outcome per role in the
# order of ROLES: y = allowed, n = AccessError)
MATRIX = [
    ('RPC', '`res.partner.get_customer_360`', 'get_customer_360', 'yyynnnn'),
    ('RPC', '`res.partner.get_recommendations`', 'get_recommendations', 'yyynnnn'),
    ('RPC', '`res.partner.action_refresh_customer_360`', 'refresh_customer_360', 'yyynnnn'),
    ('RPC', '`res.partner.refresh_customer_360_all`', 'refresh_customer_360_all', 'nnynnyn'),
    ('RPC', '`res.partner.create_cross_sell_opportunities`', 'create_cross_sell_opportunities', 'nnynnnn'),
    ('RPC', '`product.product.get_frequently_bought_together`', 'get_frequently_bought_together', 'yyynnnn'),
    ('RPC', '`product.product.get_pipeline_demand`', 'get_pipeline_demand', 'yyyynnn'),
    ('RPC', '`product.product.create_shortfall_rfqs`', 'create_shortfall_rfqs', 'nnyynnn'),
    ('RPC', '`sale.order.check_availability`, own quotation', 'check_availability_own', 'yyynnnn'),
    ('RPC', '`sale.order.check_availability`, another salesman\'s quotation', 'check_availability_other',
     'nyynnnn'),
    # a push creates the order in the caller's company: a manager of another company pushes into theirs
    ('RPC', '`sale.order.crm_erp_push_order` (into the caller\'s company)', 'push_order', 'yyynnyn'),
    ('RPC', '`crm.erp.product.affinity.action_recompute_affinity`', 'recompute_affinity', 'nnynnyn'),
    ('RPC', '`crm.erp.lead.score.model.action_fit_my_companies`', 'fit_lead_score', 'nnynnyn'),
    ('RPC', '`crm.erp.sales.forecast.get_sales_forecast`', 'get_sales_forecast', 'nnynnyn'),
    ('RPC', '`crm.erp.sales.forecast.action_refresh_my_companies`', 'refresh_sales_forecast', 'nnynnyn'),
    ('Action', 'Set or lock a lifecycle stage (partner form, kanban)', 'set_stage', 'nnynnnn'),
    ('Action', 'Suggested Products (quotation)', 'open_recommendations', 'yyynnnn'),
    ('Server action', 'Check & Reserve (quotations)', 'server_check_availability', 'yyynnnn'),
    ('Server action', 'Create RFQs for Shortfall (products)', 'server_rfqs_products', 'nnyynnn'),
    ('Server action', 'Create RFQs for Shortfall (quotations)', 'server_rfqs_orders', 'nnynnnn'),
    ('Menu', 'CRM-ERP Bridge', 'menu_root', 'yyynnyn'),
    ('Menu', 'CRM-ERP Bridge / Configuration', 'menu_configuration', 'nnynnyn'),
    # Customer Service: service users (a salesman is none unless made one), every sales manager
    ('Menu', 'Customer Service', 'menu_service', 'nnynnyn'),
    ('Menu', 'Customer Service / Configuration', 'menu_service_configuration', 'nnynnyn'),
    ('RPC', '`crm.erp.service.request.action_escalate`', 'escalate_request', 'nnynnnn'),
    ('Report', 'Service requests (read)', 'read_service_requests', 'yyynnnn'),
    ('Report', 'Service requests (write)', 'write_service_requests', 'nnynnnn'),
    ('Report', 'Service satisfaction', 'read_service_satisfaction', 'nnynnnn'),
    ('Report', 'Pipeline Demand vs Stock', 'read_pipeline_demand', 'yyyynnn'),
    ('Report', 'Customer product history', 'read_product_history', 'yyynnnn'),
    ('Report', 'Stage conversions', 'read_stage_history', 'yyynnnn'),
    ('Report', 'Product Affinity', 'read_affinity', 'yyynnnn'),
    ('Report', 'Lead Conversion (CRM / Reporting)', 'read_lead_conversion', 'nnynnnn'),
    ('Report', 'Sales forecast', 'read_sales_forecast', 'nnynnnn'),
    ('Field', 'Revenue, orders (Customer 360)', 'read_revenue', 'yyynnnn'),
    ('Field', 'Predicted 12-month value (CLV)', 'read_predicted_value', 'yyynnnn'),
    ('Field', 'Historical value (margin)', 'read_margin', 'nnynnnn'),
    ('Field', 'RFM boundaries (`crm.erp.rfm.boundary`)', 'read_rfm_boundaries', 'nnynnnn'),
    ('Field', 'Recommended products (partner form)', 'read_recommendation_html', 'yyynnnn'),
    ('Field', 'Order channels (partner form)', 'read_customer_channel_html', 'yyynnnn'),
    # Odoo 11's crm has no company rule on crm.lead: the lead, and so its score, is readable
    # by a sales manager of another company (the lead score model itself is not: its own rule)
    ('Field', 'Win chance and its reasons (own opportunity)', 'read_win_chance', 'yyynnyn'),
    ('Field', 'Qualification and missing fields (own opportunity)', 'read_qualification', 'yyynnyn'),
]

OUTCOMES = {'y': 'allowed', 'n': 'AccessError'}
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   'docs', 'rights.md')


def render_table():
    lines = ['| kind | what | %s |' % ' | '.join(label for _key, label, _groups in ROLES),
             '|---|---|' + '---|' * len(ROLES)]
    for kind, what, _operation, outcomes in MATRIX:
        lines.append('| %s | %s | %s |' % (kind, what, ' | '.join(OUTCOMES[outcome] for outcome in outcomes)))
    return '\n'.join(lines) + '\n'


class TestRights(SavepointCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.user.company_id
        cls.company_b = cls.env['res.company'].create({'name': 'Rights company B'})
        cls.users = {}
        for key, _label, groups in ROLES:
            company = cls.company_b if key == 'other_company' else cls.company
            cls.users[key] = cls.env['res.users'].create({
                'name': 'Rights ' + key, 'login': 'rights_' + key, 'email': key + '@rights.example',
                'company_id': company.id, 'company_ids': [(6, 0, company.ids)],
                'groups_id': [(6, 0, [cls.env.ref(group).id for group in groups])]})
        cls.other_salesman = cls.env['res.users'].create({
            'name': 'Rights other salesman', 'login': 'rights_other_salesman', 'company_id': cls.company.id,
            'company_ids': [(6, 0, cls.company.ids)],
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman').id])]})
        cls.customer = cls.env['res.partner'].create({
            'name': 'Rights customer', 'customer': True, 'company_id': cls.company.id,
            'user_id': cls.users['salesman_own'].id})
        cls.product = cls.env['product.product'].create({
            'name': 'Rights product', 'type': 'product', 'company_id': cls.company.id, 'list_price': 10.0})
        confirmed = cls._quotation(cls.users['salesman_own'])
        confirmed.action_confirm()
        cls.own_quotation = cls._quotation(cls.users['salesman_own'])
        cls.other_quotation = cls._quotation(cls.other_salesman)
        cls.lead = cls.env['crm.lead'].create({'name': 'Rights deal', 'type': 'opportunity',
                                               'user_id': cls.users['salesman_own'].id, 'company_id': cls.company.id})
        cls.stats = cls.env['crm.erp.partner.stats'].search(
            [('company_id', '=', cls.company.id), ('partner_id', '=', cls.customer.id)])
        assert cls.stats, 'the confirmed order made a Customer 360 row'
        cls.env['crm.erp.partner.stats'].sudo()._refresh(cls.company.ids, recompute_boundaries=True)
        cls.service_request = cls.env['crm.erp.service.request'].create({
            'name': 'Rights request', 'partner_id': cls.customer.id, 'company_id': cls.company.id})
        # a second request, solved and rated: a row of the satisfaction report
        rated = cls.env['crm.erp.service.request'].create({
            'name': 'Rated request', 'partner_id': cls.customer.id, 'company_id': cls.company.id,
            'stage_id': cls.env.ref('crm_erp_bridge.crm_erp_service_stage_solved').id})
        rated.rating_apply(10, token=rated.rating_get_access_token())
        cls.env['crm.erp.sales.forecast']._refresh(cls.company.ids)

    @classmethod
    def _quotation(cls, salesman):
        return cls.env['sale.order'].create({
            'partner_id': cls.customer.id, 'user_id': salesman.id, 'company_id': cls.company.id,
            'order_line': [(0, 0, {'product_id': cls.product.id, 'product_uom_qty': 2, 'price_unit': 10.0})]})

    def _rows(self, model):
        rows = self.env[model].search([('company_id', '=', self.company.id)], limit=5)
        self.assertTrue(rows, model)
        return rows

    # Operations: each runs as the user of env and raises AccessError when refused.
    def get_customer_360(self, env):
        env['res.partner'].get_customer_360([self.customer.id])

    def get_recommendations(self, env):
        env['res.partner'].get_recommendations([self.customer.id], 5)

    def refresh_customer_360(self, env):
        env['res.partner'].browse(self.customer.id).action_refresh_customer_360()

    def refresh_customer_360_all(self, env):
        env['res.partner'].refresh_customer_360_all()

    def create_cross_sell_opportunities(self, env):
        env['res.partner'].create_cross_sell_opportunities([self.customer.id])

    def get_frequently_bought_together(self, env):
        env['product.product'].get_frequently_bought_together([self.product.id])

    def get_pipeline_demand(self, env):
        env['product.product'].get_pipeline_demand([self.product.id])

    def create_shortfall_rfqs(self, env):
        env['product.product'].create_shortfall_rfqs([self.product.id])

    def check_availability_own(self, env):
        env['sale.order'].check_availability([self.own_quotation.id])

    def check_availability_other(self, env):
        env['sale.order'].check_availability([self.other_quotation.id])

    def recompute_affinity(self, env):
        env['crm.erp.product.affinity'].action_recompute_affinity()

    def fit_lead_score(self, env):
        env['crm.erp.lead.score.model'].action_fit_my_companies()

    def get_sales_forecast(self, env):
        env['crm.erp.sales.forecast'].get_sales_forecast(3, 'product')

    def refresh_sales_forecast(self, env):
        env['crm.erp.sales.forecast'].action_refresh_my_companies()

    def set_stage(self, env):
        env['res.partner'].browse(self.customer.id).write({'customer_stage': 'loyal'})

    def open_recommendations(self, env):
        env['sale.order'].browse(self.own_quotation.id).action_open_recommendations()

    def _run_server_action(self, env, xml_id, records):
        action = self.env.ref(xml_id)
        action.sudo(env.uid).with_context(active_model=records._name, active_ids=records.ids,
                                          active_id=records.id if len(records) == 1 else False).run()

    def server_check_availability(self, env):
        self._run_server_action(env, 'crm_erp_bridge.sale_order_action_check_availability', self.own_quotation)

    def server_rfqs_products(self, env):
        self._run_server_action(env, 'crm_erp_bridge.product_product_action_create_shortfall_rfqs', self.product)

    def server_rfqs_orders(self, env):
        self._run_server_action(env, 'crm_erp_bridge.sale_order_action_create_shortfall_rfqs', self.own_quotation)

    def _check_menu(self, env, xml_id):
        if self.env.ref(xml_id).id not in env['ir.ui.menu']._visible_menu_ids():
            # the refusal the rights table expects, never shown to a user: not translated
            raise AccessError('menu %s not visible' % xml_id)  # pylint: disable=translation-required

    def menu_root(self, env):
        self._check_menu(env, 'crm_erp_bridge.crm_erp_bridge_menu_root')

    def menu_configuration(self, env):
        self._check_menu(env, 'crm_erp_bridge.crm_erp_bridge_menu_configuration')

    def menu_service(self, env):
        self._check_menu(env, 'crm_erp_bridge.crm_erp_service_request_menu_root')

    def menu_service_configuration(self, env):
        self._check_menu(env, 'crm_erp_bridge.crm_erp_service_request_menu_configuration')

    def escalate_request(self, env):
        env['crm.erp.service.request'].browse(self.service_request.id).action_escalate()

    def read_service_requests(self, env):
        env['crm.erp.service.request'].browse(self.service_request.id).read(['name', 'stage_id', 'message_ids'])

    def write_service_requests(self, env):
        env['crm.erp.service.request'].browse(self.service_request.id).write({'priority': '2'})

    def read_service_satisfaction(self, env):
        self._read_rows(env, 'crm.erp.service.rating.report', ['csat', 'rating_count'])

    def _read_rows(self, env, model, fields):
        env[model].browse(self._rows(model).ids).read(fields)

    def read_pipeline_demand(self, env):
        self._read_rows(env, 'crm.erp.pipeline.demand.report', ['demand_qty', 'shortfall_qty'])

    def read_product_history(self, env):
        self._read_rows(env, 'crm.erp.partner.product.history', ['revenue', 'product_qty'])

    def read_stage_history(self, env):
        self._read_rows(env, 'crm.erp.partner.stage.history', ['from_stage', 'to_stage'])

    def read_affinity(self, env):
        self._read_rows(env, 'crm.erp.product.affinity', ['lift', 'confidence'])

    def read_sales_forecast(self, env):
        self._read_rows(env, 'crm.erp.sales.forecast', ['product_qty', 'actual_qty'])

    def _read_figures(self, env, partner_fields, stats_fields):
        """The figures on the partner (in the user's company), then the main company's row."""
        env['res.partner'].browse(self.customer.id).read(partner_fields)
        env['crm.erp.partner.stats'].browse(self.stats.id).read(stats_fields)

    def read_revenue(self, env):
        self._read_figures(env, ['customer_revenue', 'customer_order_count'], ['sale_revenue', 'sale_order_count'])

    def read_predicted_value(self, env):
        self._read_figures(env, ['clv_predicted_12m'], ['clv_predicted_12m'])

    def read_margin(self, env):
        self._read_figures(env, ['clv_historical'], ['clv_historical'])

    def read_rfm_boundaries(self, env):
        self._read_rows(env, 'crm.erp.rfm.boundary', ['monetary', 'frequency', 'recency_date'])

    def push_order(self, env):
        if not self.env['product.product'].search([('default_code', '=', 'RIGHTS-PUSH')]):
            self.env['product.product'].create({'name': 'Rights pushed product', 'default_code': 'RIGHTS-PUSH',
                                                'company_id': False})
        result = env['sale.order'].crm_erp_push_order({
            'reference': 'RIGHTS-%d' % env.uid, 'customer': {'email': 'push%d@rights.example' % env.uid,
                                                             'name': 'Rights pushed customer'},
            'lines': [{'product': 'RIGHTS-PUSH', 'quantity': 1}]})
        assert result['created'], result

    def read_customer_channel_html(self, env):
        env['res.partner'].with_context(force_company=self.company.id).browse(self.customer.id).read(
            ['customer_channel_html'])

    def read_recommendation_html(self, env):
        env['res.partner'].with_context(force_company=self.company.id).browse(self.customer.id).read(
            ['recommendation_html'])

    def read_lead_conversion(self, env):
        self._read_rows(env, 'crm.erp.lead.conversion.report', ['lead_count', 'conversion_rate'])

    def read_qualification(self, env):
        env['crm.lead'].browse(self.lead.id).read(['crm_erp_qualification', 'crm_erp_qualification_missing'])

    def read_win_chance(self, env):
        env['crm.lead'].browse(self.lead.id).read(['crm_erp_win_chance', 'crm_erp_win_reasons'])

    def test_matrix(self):
        """Every cell: the operation as that role, in a savepoint (writes are undone)."""
        wrong = []
        for kind, what, operation, outcomes in MATRIX:
            for (key, _label, _groups), expected in zip(ROLES, outcomes):
                env = self.env(user=self.users[key].id)
                self.env['res.partner'].invalidate_cache()
                try:
                    with self.env.cr.savepoint():
                        getattr(self, operation)(env)
                    outcome = 'y'
                except AccessError:
                    outcome = 'n'
                except Exception as error:  # a UserError or a crash: not a rights answer
                    outcome = '%s: %s' % (type(error).__name__, error)
                if outcome != expected:
                    wrong.append((what, key, OUTCOMES[expected], OUTCOMES.get(outcome, outcome)))
        self.assertEqual(wrong, [], '\n'.join(map(str, wrong)))

    def test_doc_matches_matrix(self):
        if not os.path.exists(DOC):
            # the addon installed from its wheel (site-packages/odoo/addons) has no docs/ beside it
            self.skipTest('%s: docs/rights.md is in the project checkout only' % DOC)
        with open(DOC) as doc:
            text = doc.read()
        self.assertTrue(render_table() in text, 'docs/rights.md: paste this table\n\n' + render_table())
