"""Hostile input over real XML-RPC: every documented method of the addon (and every public
action) called with bad values answers with a clear fault, writes no row (not even in the
transaction Odoo rolls back after the fault), and the server keeps answering.

Table-driven: METHODS lists each method's arguments and the kind of each (KINDS: the bad
values of that kind); RECORD_METHODS the actions called on ids; CONTEXT_KEYS the context keys
the methods read. A clear fault is Odoo's answer to a UserError/ValidationError/MissingError
(fault code 2, the bare message) or an AccessError (fault code 4); anything else reaches the
caller as fault code 1 with a Python traceback (odoo/service/wsgi_server.py). Values beyond
32 bits cannot be sent by xmlrpc.client (OverflowError on the client), but other clients send
them as <i8>, and Odoo's parser reads them: this test sends every call through a marshaller
that does the same, and checks the stdlib's refusal once.
"""
import os
import time
import uuid
import xmlrpc.client

import psycopg2
import pytest
import requests

INT_MAX = 2 ** 31 - 1
# Seconds for the server's connections to report their statistics (pg_stat_user_tables): an
# idle backend that flushed less than a second ago tries again after PostgreSQL's
# PGSTAT_IDLE_INTERVAL, 10 s.
STATS_DELAY = 11
SQL = "1); DELETE FROM res_partner; --"
BIG = 'x' * 100000
UNICODE = '客户 ☃ \u202e\U0001F600'

# An order an outside shop pushes (the valid value; its product code exists nowhere, so that
# no call of the sweep creates an order even when only the hostile part is refused).
SHOP_ORDER = {'reference': 'HOSTILE-SHOP-1', 'customer': {'email': 'hostile-shop@example.com', 'name': 'Hostile'},
              'lines': [{'product': 'HOSTILE-PRODUCT', 'quantity': 1, 'price_unit': 2.5}]}

# Bad values of each kind of argument (valid ones of the kind are not listed).
KINDS = {
    # a list of ids (model methods)
    'ids': [None, False, True, 0, -1, 7, INT_MAX, INT_MAX + 1, 2 ** 63, 10 ** 30, 1.5, float('nan'), '', 'x',
            '1,2', SQL, BIG, UNICODE, {'id': 1}, {}, [[1]], [[]], [None], [False], [True], [1.5], ['1'], [SQL],
            [{}], [-1], [0], [INT_MAX], [INT_MAX + 1], [2 ** 63], ['deleted'], ['other_company']],
    # the ids an action is called on (the first argument of any record method)
    'record_ids': [None, False, True, 0, -1, INT_MAX, INT_MAX + 1, 2 ** 63, 1.5, '', 'x', SQL, BIG, UNICODE,
                   {'id': 1}, [], [[1]], [None], [True], [1.5], ['1'], [-1], [0], [INT_MAX], [2 ** 63],
                   ['deleted'], ['other_company']],
    'limit': [None, False, True, 0, -1, 101, INT_MAX, INT_MAX + 1, 2 ** 63, 1.5, float('inf'), '10', 'x', SQL,
              BIG, UNICODE, [10], {'limit': 10}],
    # an optional record id: False/None mean none
    'optional_id': [True, 0, -1, INT_MAX, INT_MAX + 1, 2 ** 63, 1.5, '1', 'x', SQL, BIG, UNICODE, [1], {'id': 1},
                    'other_company'],
    # an optional number of weeks: False/None mean every week
    'horizon': [True, 0, -1, 521, INT_MAX, INT_MAX + 1, 2 ** 63, 10 ** 30, 1.5, float('-inf'), '4', 'x', SQL, BIG,
                UNICODE, [4], {'weeks': 4}],
    'company': [True, 0, -1, INT_MAX, INT_MAX + 1, 1.5, '1', 'x', SQL, BIG, [1], {'id': 1}, 'other_company'],
    'date': [1, True, 1.5, 'x', '2025-13-45', '31/12/2025', SQL, BIG, UNICODE, ['2025-01-01'], {'d': 1}],
    'datetime': [1, True, 'x', '2025-12-31 25:61:00', '2025-13-45 00:00:00', SQL, BIG, UNICODE, ['2025-01-01']],
    # an order pushed by an outside shop (sale.order.crm_erp_push_order): each breaks one rule
    'shop_order': [None, False, True, 0, 1.5, '', 'x', SQL, BIG, UNICODE, [], [{}], {}, {'bogus': 1}, {BIG: 1}]
    + [dict(SHOP_ORDER, **change) for change in (
        {'reference': None}, {'reference': ''}, {'reference': '   '}, {'reference': 7}, {'reference': BIG},
        {'reference': ['H1']}, {'customer': None}, {'customer': SQL}, {'customer': {}},
        {'customer': {'name': 'No email'}}, {'customer': {'email': SQL}}, {'customer': {'email': 7}},
        {'customer': {'email': 'hostile-unknown@example.com'}},
        {'customer': {'email': 'hostile-new@example.com', 'name': BIG}},
        {'customer': {'email': 'hostile-new@example.com', 'name': 'New', 'country_code': 'ZZ'}},
        {'customer': {'email': 'hostile-new@example.com', 'bogus': 1}},
        {'lines': None}, {'lines': []}, {'lines': SQL}, {'lines': [SQL]}, {'lines': [{}]},
        {'lines': [{'product': 'HOSTILE-PRODUCT', 'quantity': 1}] * 1001},
        {'confirm': 'yes'}, {'date_order': 'x'}, {'date_order': 7}, {'note': BIG + BIG}, {'bogus': 1})]
    + [dict(SHOP_ORDER, lines=[line]) for line in (
        {'product': SQL, 'quantity': 1}, {'product': UNICODE, 'quantity': 1}, {'product': '', 'quantity': 1},
        {'product': None, 'quantity': 1}, {'product': 'HOSTILE-PRODUCT'}, {'product': 'HOSTILE-PRODUCT', 'quantity': 0},
        {'product': 'HOSTILE-PRODUCT', 'quantity': -1}, {'product': 'HOSTILE-PRODUCT', 'quantity': True},
        {'product': 'HOSTILE-PRODUCT', 'quantity': '2'}, {'product': 'HOSTILE-PRODUCT', 'quantity': float('nan')},
        {'product': 'HOSTILE-PRODUCT', 'quantity': float('inf')}, {'product': 'HOSTILE-PRODUCT', 'quantity': 2 ** 63},
        {'product': 'HOSTILE-PRODUCT', 'quantity': 1, 'price_unit': -1},
        {'product': 'HOSTILE-PRODUCT', 'quantity': 1, 'price_unit': 'x'},
        {'product': 'HOSTILE-PRODUCT', 'quantity': 1, 'bogus': 1})],
    # true or false, nothing else
    'flag': [None, 0, 1, 1.5, '', 'true', 'x', SQL, BIG, UNICODE, [True], {'x': 1}],
    # months of the sales forecast: 1 to 6
    'months': [None, False, True, 0, -1, 7, INT_MAX, INT_MAX + 1, 2 ** 63, 1.5, float('nan'), '3', 'x', SQL, BIG,
               UNICODE, [3], {'months': 3}],
    'group_by': [None, False, True, 0, 1, '', 'x', 'products', 'product_id', 'f.product_id', SQL, BIG, UNICODE,
                 ['product'], {'group_by': 'product'}],
}

# model, method, [(argument, kind, valid value key)], context keys read (kind)
METHODS = [
    ('res.partner', 'get_customer_360', [('partner_ids', 'ids', 'partner')],
     {'force_company': 'company', 'customer_360_date': 'date'}),
    ('res.partner', 'get_recommendations', [('partner_ids', 'ids', 'partner'), ('limit', 'limit', 5)],
     {'force_company': 'company', 'crm_erp_recommendation_date': 'datetime'}),
    ('res.partner', 'create_cross_sell_opportunities', [('partner_ids', 'ids', 'partner')],
     {'force_company': 'company', 'crm_erp_recommendation_date': 'datetime'}),
    ('res.partner', 'refresh_customer_360_all', [], {'customer_360_date': 'date'}),
    ('product.product', 'get_pipeline_demand',
     [('product_ids', 'ids', 'product'), ('warehouse_id', 'optional_id', 'warehouse'),
      ('horizon_weeks', 'horizon', 4)], {}),
    ('product.product', 'get_frequently_bought_together',
     [('product_ids', 'ids', 'product'), ('limit', 'limit', 5)], {}),
    ('product.product', 'create_shortfall_rfqs',
     [('product_ids', 'ids', 'product'), ('include_forecast', 'flag', False)], {}),
    ('product.product', 'create_shortfall_rfqs_report',
     [('product_ids', 'ids', 'product'), ('include_forecast', 'flag', False)], {}),
    ('sale.order', 'check_availability', [('order_ids', 'ids', 'order')], {}),
    ('sale.order', 'crm_erp_push_order', [('order', 'shop_order', SHOP_ORDER)], {'force_company': 'company'}),
    ('crm.erp.product.affinity', 'action_recompute_affinity', [], {'crm_erp_affinity_date_to': 'datetime'}),
    ('crm.erp.clv.model', 'action_fit_my_companies', [], {}),
    ('crm.erp.recommendation.tuning', 'action_tune_my_companies', [], {'crm_erp_recommendation_date': 'datetime'}),
    ('crm.erp.lead.score.model', 'action_fit_my_companies', [], {}),
    ('crm.erp.sales.forecast', 'get_sales_forecast', [('months', 'months', 3), ('group_by', 'group_by', 'product')],
     {'force_company': 'company'}),
    ('crm.erp.sales.forecast', 'action_refresh_my_companies', [], {}),
    ('crm.erp.duplicate.pair', 'action_find_duplicates', [], {}),
]

# Methods whose every argument has a default: a call without arguments is a good call.
ALL_OPTIONAL = {'get_sales_forecast'}

# model, action (called on ids), which records are valid
RECORD_METHODS = [
    ('res.partner', 'action_refresh_customer_360', 'partner'),
    ('res.partner', 'action_open_customer_product_history', 'partner'),
    ('res.partner', 'action_open_customer_orders', 'partner'),
    ('res.partner', 'action_open_customer_stage_history', 'partner'),
    ('res.partner', 'action_open_recommendations', 'partner'),
    ('res.partner', 'action_create_cross_sell_opportunities', 'partner'),
    ('product.product', 'action_create_shortfall_rfqs', 'product'),
    ('product.template', 'action_create_shortfall_rfqs', 'template'),
    ('product.template', 'action_open_affinity', 'template'),
    ('sale.order', 'action_check_availability', 'order'),
    ('sale.order', 'action_create_shortfall_rfqs', 'order'),
    ('sale.order', 'action_open_recommendations', 'order'),
    ('crm.lead', 'action_new_quotation', 'lead'),
    ('crm.lead', 'action_create_shortfall_rfqs', 'lead'),
    ('crm.lead', 'action_open_recommendations', 'lead'),
    ('crm.erp.clv.model', 'action_fit', 'clv_model'),
    ('crm.erp.recommendation.tuning', 'action_tune', 'tuning'),
    ('crm.erp.lead.score.model', 'action_fit', 'lead_score_model'),
    ('res.partner', 'action_open_service_requests', 'partner'),
    ('sale.order', 'action_open_service_requests', 'order'),
    ('crm.erp.service.request', 'action_escalate', 'service_request'),
]

# Methods that take recordsets are private (Odoo refuses to call them remotely).
PRIVATE_METHODS = [
    ('crm.erp.shortfall.rfq.result', '_create_for_products'),
    ('crm.erp.availability.check', '_create_from_orders'),
    ('crm.erp.recommendation.wizard', '_open_for'),
]

# Models whose init() (public by name, on every model) recreates tables, SQL views, functions
# or indexes: refused to any user but the superuser (odoo_py311.patches.patch_api).
INIT_MODELS = ['crm.erp.pipeline.demand.report', 'crm.erp.partner.product.history', 'crm.erp.partner.stats',
               'crm.erp.lead.conversion.report', 'crm.erp.sql.report',
               'crm.erp.product.affinity', 'crm.erp.recommendation', 'purchase.order', 'res.currency.rate',
               'crm.erp.sales.forecast', 'crm.erp.service.rating.report']

# Tables whose rows the calls could touch: the addon's, and Odoo's that its methods write.
ODOO_TABLES = ['res_partner', 'res_company', 'product_product', 'product_template', 'sale_order', 'sale_order_line',
               'purchase_order', 'purchase_order_line', 'crm_lead', 'crm_lead_tag_rel', 'stock_move',
               'stock_picking', 'stock_quant', 'stock_move_line', 'mail_message', 'mail_followers']


class BigIntMarshaller(xmlrpc.client.Marshaller):
    """xmlrpc.client's marshaller, except that integers beyond 32 bits go out as <i8> (as
    other XML-RPC clients send them) instead of raising OverflowError on the client."""
    dispatch = dict(xmlrpc.client.Marshaller.dispatch)

    def dump_long(self, value, write):
        if -2 ** 31 <= value < 2 ** 31:
            return xmlrpc.client.Marshaller.dump_long(self, value, write)
        write('<value><i8>%d</i8></value>\n' % value)
    dispatch[int] = dump_long


class Client:
    """execute_kw over XML-RPC as one user, None sent as <nil/> (what the server sees)."""

    def __init__(self, url, database, login, password):
        self.url, self.database, self.password = url + '/xmlrpc/2/object', database, password
        self.uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(database, login, password, {})
        assert self.uid, login
        self.http = requests.Session()
        self.calls = 0

    def call(self, model, method, args, kwargs=None):
        params = (self.database, self.uid, self.password, model, method, args, kwargs or {})
        body = ("<?xml version='1.0'?>\n<methodCall>\n<methodName>execute_kw</methodName>\n%s</methodCall>\n"
                % BigIntMarshaller(allow_none=True).dumps(params))
        self.calls += 1
        response = self.http.post(self.url, data=body.encode(), headers={'Content-Type': 'text/xml'}, timeout=120)
        response.raise_for_status()
        return xmlrpc.client.loads(response.content, use_builtin_types=True)[0][0]


def table_states(database, tables, wait=True):
    """{table: (row count, md5 of every row, rows ever written)}: any committed insert, update
    or delete shows in the first two; the third is PostgreSQL's count of rows inserted,
    updated or deleted, which counts those of rolled-back transactions as well (so a call
    that wrote before failing shows too). Statistics reach it when a server connection goes
    idle, within STATS_DELAY: read after that pause. With wait=False (no pause), the third is
    the last value of the table's id sequence instead: an insert moves it, rolled back or not
    (rolled-back updates and deletes do not show; committed ones do, in the first two)."""
    if wait:
        time.sleep(STATS_DELAY)
    states = {}
    with psycopg2.connect(dbname=database, host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)),
                          user='odoo') as cnx:
        with cnx.cursor() as cr:
            for table in tables:
                cr.execute('SELECT COUNT(*), md5(COALESCE(string_agg(t::text, \'|\' ORDER BY t::text), \'\'))'
                           ' FROM "%s" t' % table)
                count, digest = cr.fetchone()
                if wait:
                    cr.execute("SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
                               " WHERE schemaname = 'public' AND relname = %s", [table])
                    states[table] = (count, digest, cr.fetchone()[0])
                    continue
                cr.execute("SELECT pg_get_serial_sequence(quote_ident(table_name), 'id')"
                           "  FROM information_schema.columns"
                           " WHERE table_schema = 'public' AND table_name = %s AND column_name = 'id'", [table])
                sequence = (cr.fetchone() or [None])[0]
                if sequence:
                    cr.execute('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s' % sequence)
                states[table] = (count, digest, cr.fetchone()[0] if sequence else 0)
    return states


def addon_tables(database):
    with psycopg2.connect(dbname=database, host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)),
                          user='odoo') as cnx:
        with cnx.cursor() as cr:
            cr.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'crm\\_erp\\_%'"
                       " ORDER BY tablename")
            return [row[0] for row in cr.fetchall()]


@pytest.fixture(scope='module')
def world(odoo_server, test_database):
    """As admin: company B with a customer, a product, a warehouse, an order and a lead;
    records created then deleted; and the integration user (sales manager, purchase and
    inventory user of the main company only) that makes the hostile calls."""
    admin = Client(odoo_server.url, test_database, 'admin', 'admin')
    run = uuid.uuid4().hex[:8]  # company names and logins are unique: a second run on the same database

    def ref(xml_id):
        return admin.call('ir.model.data', 'xmlid_to_res_id', [xml_id])

    main_company = admin.call('res.users', 'read', [[admin.uid], ['company_id']])[0]['company_id'][0]
    company_b = admin.call('res.company', 'create', [{'name': 'Hostile input company B ' + run}])
    partner_b = admin.call('res.partner', 'create', [{'name': 'Hostile B customer', 'company_id': company_b,
                                                      'customer': True}])
    product_b = admin.call('product.product', 'create', [{'name': 'Hostile B product', 'company_id': company_b,
                                                          'type': 'product'}])
    template_b = admin.call('product.product', 'read', [[product_b], ['product_tmpl_id']])[0]['product_tmpl_id'][0]
    warehouse_b = admin.call('stock.warehouse', 'create', [{'name': 'Hostile B warehouse', 'code': 'HSTB',
                                                            'company_id': company_b}])
    order_b = admin.call('sale.order', 'create', [{'partner_id': partner_b, 'company_id': company_b,
                                                   'warehouse_id': warehouse_b}])
    lead_b = admin.call('crm.lead', 'create', [{'name': 'Hostile B deal', 'company_id': company_b,
                                                'type': 'opportunity', 'partner_id': partner_b}])
    user_id = admin.call('res.users', 'create', [{
        'name': 'Hostile integration', 'login': 'hostile_integration_' + run, 'password': 'hostile',
        'company_id': main_company, 'company_ids': [(6, 0, [main_company])],
        'groups_id': [(6, 0, [ref('base.group_user'), ref('sales_team.group_sale_manager'),
                              ref('purchase.group_purchase_user'), ref('stock.group_stock_user')])]}])
    # valid records of the main company, and deleted ids of each model
    partner = admin.call('sale.order', 'search_read', [[('state', 'in', ['sale', 'done']),
                                                        ('company_id', '=', main_company)]],
                         {'fields': ['partner_id'], 'limit': 1})[0]['partner_id'][0]
    order = admin.call('sale.order', 'search', [[('state', 'in', ['draft', 'sent']),
                                                 ('company_id', '=', main_company)]], {'limit': 1})[0]
    product = admin.call('sale.order.line', 'search_read', [[('order_id', '=', order)]],
                         {'fields': ['product_id'], 'limit': 1})[0]['product_id'][0]
    template = admin.call('product.product', 'read', [[product], ['product_tmpl_id']])[0]['product_tmpl_id'][0]
    lead = admin.call('crm.lead', 'search', [[('type', '=', 'opportunity'), ('company_id', '=', main_company)]],
                      {'limit': 1})[0]
    warehouse = admin.call('stock.warehouse', 'search', [[('company_id', '=', main_company)]], {'limit': 1})[0]
    deleted = {}
    for key, model, values in (('partner', 'res.partner', {'name': 'Hostile deleted'}),
                               ('product', 'product.product', {'name': 'Hostile deleted'}),
                               ('order', 'sale.order', {'partner_id': partner}),
                               ('lead', 'crm.lead', {'name': 'Hostile deleted'})):
        deleted[key] = admin.call(model, 'create', [values])
        admin.call(model, 'unlink', [[deleted[key]]])
    deleted['template'] = admin.call('product.template', 'create', [{'name': 'Hostile deleted'}])
    admin.call('product.template', 'unlink', [[deleted['template']]])
    deleted['clv_model'] = admin.call('crm.erp.clv.model', 'create', [{'company_id': company_b}])
    admin.call('crm.erp.clv.model', 'unlink', [[deleted['clv_model']]])
    clv_model_b = admin.call('crm.erp.clv.model', 'create', [{'company_id': company_b}])
    # the fit makes the main company's model (and keeps company B's: one row per company)
    admin.call('crm.erp.clv.model', 'action_fit_my_companies', [])
    clv_model = admin.call('crm.erp.clv.model', 'search', [[('company_id', '=', main_company)]])[0]
    deleted['tuning'] = admin.call('crm.erp.recommendation.tuning', 'create', [{'company_id': company_b}])
    admin.call('crm.erp.recommendation.tuning', 'unlink', [[deleted['tuning']]])
    tuning_b = admin.call('crm.erp.recommendation.tuning', 'create', [{'company_id': company_b}])
    admin.call('crm.erp.recommendation.tuning', 'action_tune_my_companies', [])
    tuning = admin.call('crm.erp.recommendation.tuning', 'search', [[('company_id', '=', main_company)]])[0]
    deleted['lead_score_model'] = admin.call('crm.erp.lead.score.model', 'create', [{'company_id': company_b}])
    admin.call('crm.erp.lead.score.model', 'unlink', [[deleted['lead_score_model']]])
    lead_score_model_b = admin.call('crm.erp.lead.score.model', 'create', [{'company_id': company_b}])
    admin.call('crm.erp.lead.score.model', 'action_fit_my_companies', [])
    lead_score_model = admin.call('crm.erp.lead.score.model', 'search', [[('company_id', '=', main_company)]])[0]
    service_request = admin.call('crm.erp.service.request', 'create', [{
        'name': 'Hostile request', 'partner_id': partner, 'company_id': main_company}])
    service_request_b = admin.call('crm.erp.service.request', 'create', [{
        'name': 'Hostile B request', 'partner_id': partner_b, 'company_id': company_b}])
    deleted['service_request'] = admin.call('crm.erp.service.request', 'create', [{
        'name': 'Hostile deleted', 'company_id': main_company}])
    admin.call('crm.erp.service.request', 'unlink', [[deleted['service_request']]])
    yield {
        'client': Client(odoo_server.url, test_database, 'hostile_integration_' + run, 'hostile'),
        'valid': {'partner': partner, 'product': product, 'template': template, 'order': order, 'lead': lead,
                  'warehouse': warehouse, 'clv_model': clv_model, 'tuning': tuning,
                  'lead_score_model': lead_score_model, 'service_request': service_request},
        'other_company': {'partner': partner_b, 'product': product_b, 'template': template_b, 'order': order_b,
                          'lead': lead_b, 'warehouse': warehouse_b, 'company': company_b,
                          'clv_model': clv_model_b, 'tuning': tuning_b,
                          'lead_score_model': lead_score_model_b, 'service_request': service_request_b},
        'deleted': deleted,
    }
    admin.call('res.users', 'write', [[user_id], {'active': False}])


def concrete(value, record_key, world):
    """The placeholders 'deleted' / 'other_company' of KINDS as ids of that kind of record."""
    if value == 'other_company':
        return world['other_company'][record_key]
    if isinstance(value, list) and value and value[0] in ('deleted', 'other_company'):
        return [world[value[0]][record_key]]
    return value


def good_value(kind, valid_key, world):
    """A valid value of an argument: the ids or id of a valid record, or the number given."""
    if kind == 'ids':
        return [world['valid'][valid_key]]
    return world['valid'][valid_key] if kind == 'optional_id' else valid_key


def cases(world, methods=METHODS, record_methods=RECORD_METHODS, private_methods=PRIVATE_METHODS,
          init_models=INIT_MODELS):
    """(label, model, method, args, kwargs, words): every hostile call of the sweep, with the
    words a UserError about it must contain one of (an AccessError may name none). The tables
    are the core addon's unless given (the glue addons' sweep: test_hostile_input_channels)."""
    for model, method, arguments, context_keys in methods:
        names = [name for name, _kind, _key in arguments]
        good = [good_value(kind, key, world) for _name, kind, key in arguments]
        for index, (name, kind, key) in enumerate(arguments):
            for bad in KINDS[kind]:
                args = list(good)
                args[index] = concrete(bad, key, world)
                yield ('%s %s=%.40r' % (method, name, bad), model, method, args, {}, (name,))
                # the same, as keyword arguments
                yield ('%s %s=%.40r (keyword)' % (method, name, bad), model, method, args[:index],
                       dict(zip(names[index:], args[index:])), (name,))
        for key, kind in context_keys.items():
            for bad in KINDS[kind]:
                yield ('%s context %s=%.40r' % (method, key, bad), model, method, good,
                       {'context': {key: concrete(bad, 'company', world)}}, (key,))
        if arguments and method not in ALL_OPTIONAL:
            yield ('%s without arguments' % method, model, method, [], {}, (method,) + tuple(names))
        # one positional argument more than the method takes: Odoo reads it as the context
        for extra in ('extra', 7, [1]):
            yield ('%s extra positional %r' % (method, extra), model, method, good + [extra], {}, (method,))
        yield ('%s unknown keyword' % method, model, method, good, {'bogus': 1}, (method,))
        yield ('%s 100 kB keyword' % method, model, method, good, {BIG: 1}, (method,))
    for model, method, key in record_methods:
        for bad in KINDS['record_ids']:
            yield ('%s.%s ids=%.40r' % (model, method, bad), model, method, [concrete(bad, key, world)], {},
                   ('ids', method))
        yield ('%s.%s without ids' % (model, method), model, method, [], {}, (method,))
        yield ('%s.%s unknown keyword' % (model, method), model, method, [[world['valid'][key]]], {'bogus': 1},
               (method,))
        yield ('%s.%s extra positional' % (model, method), model, method, [[world['valid'][key]], 'extra'], {},
               (method,))
    for model, method in private_methods:
        yield ('%s.%s (private)' % (model, method), model, method, [[]], {}, (method,))
    for model in init_models:
        yield ('%s.init' % model, model, 'init', [], {}, ('init',))


def test_xmlrpc_client_refuses_integers_beyond_32_bits(odoo_server, test_database):
    """What xmlrpc.client itself does with them: it refuses to send them (the sweep sends
    them as <i8>, as other clients do)."""
    proxy = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object', allow_none=True)
    with pytest.raises(OverflowError):
        proxy.execute_kw(test_database, 1, 'admin', 'res.partner', 'get_customer_360', [[2 ** 31]])


def sweep(client, calls):
    """Sends each call of calls (cases()' tuples) through client: (unhandled: a fault other
    than code 2 or 4, or with a traceback; unclear: a UserError naming none of its words, or
    a message of more than 2,000 characters; answered: no fault at all), each a list of labels
    with what came back."""
    unhandled, unclear, answered = [], [], []
    for label, model, method, args, kwargs, words in calls:
        try:
            client.call(model, method, args, kwargs)
        except xmlrpc.client.Fault as fault:
            message = fault.faultString
            if fault.faultCode not in (2, 4) or 'Traceback' in message:
                unhandled.append((label, fault.faultCode, message[-300:]))
            elif fault.faultCode == 2 and not any(word in message for word in words):
                unclear.append((label, message[:200]))
            elif len(message) > 2000:
                unclear.append((label, 'a message of %d characters' % len(message)))
        else:
            answered.append(label)
    return unhandled, unclear, answered


def changes(before, after):
    """{table: what changed} between two table_states(), and the rows written in all."""
    changed = {table: 'rows %d -> %d, %s, %d rows written' % (
        before[table][0], after[table][0], 'same rows' if before[table][1] == after[table][1] else 'rows differ',
        after[table][2] - before[table][2]) for table in before if before[table] != after[table]}
    return changed, sum(after[table][2] - before[table][2] for table in before)


def test_hostile_input_sweep(world, test_database):
    client = world['client']
    tables = addon_tables(test_database) + ODOO_TABLES
    before = table_states(test_database, tables)
    started = time.time()
    unhandled, unclear, answered = sweep(client, cases(world))
    seconds = time.time() - started
    after = table_states(test_database, tables)
    changed, written = changes(before, after)
    print('hostile sweep: %d calls in %.1f s, %d unhandled, %d unclear, %d answered, %d tables changed, '
          '%d rows written (rolled back or not)'
          % (client.calls, seconds, len(unhandled), len(unclear), len(answered), len(changed), written))
    assert client.calls >= 300
    assert unhandled == []
    assert unclear == []
    assert answered == []
    assert changed == {}
    # the server still answers, and a good call still works
    profile = client.call('res.partner', 'get_customer_360', [[world['valid']['partner']]])
    assert profile[0]['id'] == world['valid']['partner']


def test_every_constraint_answers_a_clear_fault(odoo_server, test_database):
    """Each constraint of the addon (crm_erp_bridge.exceptions.ValidationError, also a
    UserError) reaches an XML-RPC client as fault code 2 with its message alone, not as Odoo
    11's ValidationError does (fault code 1 and the server's traceback); nothing is written."""
    admin = Client(odoo_server.url, test_database, 'admin', 'admin')
    company = admin.call('res.users', 'read', [[admin.uid], ['company_id']])[0]['company_id'][0]
    lead = admin.call('crm.lead', 'search', [[('type', '=', 'opportunity')]], {'limit': 1})[0]
    product = admin.call('product.product', 'search', [[('sale_ok', '=', True)]], {'limit': 1})[0]
    calls = [
        ('res.company', 'write', [[company], {'customer_360_lost_alive': 150.0}], 'Customer 360 thresholds'),
        ('res.company', 'write', [[company], {'customer_360_clv_horizon_months': 0}], 'predicted value horizon'),
        ('res.company', 'write', [[company], {'recommendation_repeat_share': 2.0}], 'Recommendation settings'),
        ('res.company', 'write', [[company], {'cross_sell_max_per_run': 0}], 'Cross-sell settings'),
        ('crm.lead.line', 'create', [{'lead_id': lead, 'product_id': product, 'product_qty': -1.0}],
         'must be positive'),
        ('crm.erp.service.deadline', 'create', [{'company_id': company, 'priority': '1', 'response_hours': -4.0,
                                                 'resolution_hours': 8.0}], 'deadline'),
    ]
    for model, method, args, words in calls:
        with pytest.raises(xmlrpc.client.Fault) as fault:
            admin.call(model, method, args)
        assert fault.value.faultCode == 2, (model, method, fault.value.faultString[-300:])
        assert words in fault.value.faultString and 'Traceback' not in fault.value.faultString, words


def test_lead_qualification_rules_refuse_bad_thresholds(odoo_server, test_database):
    """Bad lead qualification thresholds over XML-RPC (res.company.write and the settings):
    a clear fault (code 2, the message alone: exceptions.ValidationError), the
    company's rules unchanged."""
    admin = Client(odoo_server.url, test_database, 'admin', 'admin')
    company = admin.call('res.users', 'read', [[admin.uid], ['company_id']])[0]['company_id'][0]
    names = ['crm_erp_qualify_min_chance', 'crm_erp_drop_max_chance']
    before = admin.call('res.company', 'read', [[company], names])
    for vals in ({'crm_erp_qualify_min_chance': -1}, {'crm_erp_qualify_min_chance': 100.5},
                 {'crm_erp_drop_max_chance': -20}, {'crm_erp_drop_max_chance': 1000},
                 {'crm_erp_qualify_min_chance': 10, 'crm_erp_drop_max_chance': 60}):
        with pytest.raises(xmlrpc.client.Fault) as fault:
            admin.call('res.company', 'write', [[company], vals])
        assert fault.value.faultCode == 2 and 'Lead qualification' in fault.value.faultString, vals
        with pytest.raises(xmlrpc.client.Fault) as fault:
            # Odoo 11 writes the company's related fields when the settings are created
            settings = admin.call('res.config.settings', 'create', [vals])
            admin.call('res.config.settings', 'execute', [[settings]])
        assert fault.value.faultCode == 2 and 'Lead qualification' in fault.value.faultString, vals
    assert admin.call('res.company', 'read', [[company], names]) == before
