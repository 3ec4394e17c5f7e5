"""The glue addons' twin of test_hostile_input.py, run by `make test`'s channel phase once
crm_erp_bridge_website, crm_erp_bridge_pos and crm_erp_bridge_marketing are installed: their
public methods (docs/api.md, "Optional addons") over real XML-RPC, with the core sweep's bad
values (KINDS), client, cases and checks: wrong types, missing and deleted ids, another
company's (or another user's) records, no rights. Each call must get a clear fault (a
UserError/ValidationError/MissingError: fault code 2 naming the argument; an AccessError: code
4), never a traceback, and write nothing.

Cheaper than the core sweep (added test time, docs/rights.md): no pause for PostgreSQL's
statistics; a call that inserted rows before failing shows in the tables' id sequences
(table_states(wait=False)), committed changes in their rows' md5.

Odoo's standard methods the glue extends with the same arguments (pos.order.create and write,
crm.erp.web.recommendation.report.read_group) keep Odoo's own answers to bad arguments and are
not swept, as the core sweep leaves out the core's (sale.order.create...). The till's sync,
pos.order.create_from_ui, is swept: the glue checks its batch (crm_erp_bridge_pos/ui_batch.py),
each row breaking one rule of a valid ticket (POS_TICKET_CHANGES), in a session the fixture opens
on the demo shop (and removes)."""
import copy
import uuid

import pytest

from test_hostile_input import (
    BIG, INT_MAX, KINDS, SQL, Client, addon_tables, cases, changes, concrete, sweep, table_states)

GLUE_ADDONS = ('crm_erp_bridge_marketing', 'crm_erp_bridge_pos', 'crm_erp_bridge_website')

# model, action (called on ids), which records are valid (as test_hostile_input.RECORD_METHODS)
RECORD_METHODS = [
    ('mail.mass_mailing', 'get_recipients', 'mailing'),
    ('mail.mass_mailing', 'send_mail', 'mailing'),
    ('survey.mail.compose.message', 'send_mail', 'survey_wizard'),
]

# The glue's report models and the model whose init() the point of sale glue overrides.
INIT_MODELS = ['crm.erp.nps.report', 'crm.erp.web.recommendation.report', 'crm.erp.web.recommendation.event',
               'crm.erp.partner.product.history']

# Odoo's tables that the swept methods write when they run (mails, statistics, invitations).
ODOO_TABLES = ['res_partner', 'mail_mass_mailing', 'mail_mail', 'mail_message', 'mail_mail_statistics',
               'mail_mass_mailing_contact', 'mail_followers', 'survey_user_input', 'survey_mail_compose_message',
               'mail_compose_message', 'pos_order', 'pos_order_line', 'account_bank_statement_line']

# The till's batch (pos.order.create_from_ui): the whole batch, then one ticket's data broken one
# key at a time ('missing': the key left out; a string naming a world record: its id), with the
# words its message must name.
POS_BATCHES = [None, False, True, 0, 'x', SQL, BIG, {}, {'data': {}}, [None], [1], ['x'], [[]], [{}],
               [{'to_invoice': False}], [{'data': 'x', 'to_invoice': False}], [{'data': [], 'to_invoice': False}]]
POS_TICKET_CHANGES = [
    ('to_invoice', ['missing', None, 'yes', 1]),
    ('name', ['missing', None, 7, '', ['x']]),
    ('pos_session_id', ['missing', None, False, '1', 1.5, True, -1, 0, INT_MAX, 'deleted_session']),
    ('partner_id', ['missing', '1', 1.5, True, [1], -1, INT_MAX, 'partner_b', 'deleted_partner']),
    ('pricelist_id', ['missing', None, 'x', INT_MAX, 'pricelist_b']),
    ('user_id', ['missing', 'x', 1.5]),
    ('fiscal_position_id', ['missing', 'x', [1]]),
    ('sequence_number', ['missing', None, 'x', -1, 1.5]),
    ('creation_date', ['missing', None, 7, 'x', '2025-13-45 00:00:00', SQL]),
    ('amount_total', ['missing', None, 'x', True, float('nan'), float('inf'), [1]]),
    ('amount_paid', ['missing', 'x']),
    ('amount_tax', ['missing', 'x']),
    ('amount_return', ['missing', None, 'x', {}]),
    ('lines', ['missing', 'x', 1, [1], [[0, 0, 'x']], [[0, 0, {}]], 'line_product_x', 'line_qty_x',
               'line_product_missing', 'line_product_b']),
    ('statement_ids', ['missing', 'x', [1], [[0, 0, {}]], 'payment_amount_x', 'payment_statement_other',
                       'payment_journal_missing', 'payment_name_x']),
]


@pytest.fixture(scope='module')
def glue_world(odoo_server, test_database):
    """As admin: company B, a mailing of the main company to one customer and one of company B,
    a survey; the sweeping user (mass mailing, survey and point of sale user, sales manager, of
    the main company only) with an invitation wizard of their own; admin's wizard (another
    user's); deleted records; a user with none of these rights."""
    admin = Client(odoo_server.url, test_database, 'admin', 'admin')
    missing = [name for name in GLUE_ADDONS if not admin.call(
        'ir.module.module', 'search_count', [[('name', '=', name), ('state', '=', 'installed')]])]
    if missing:
        pytest.skip('%s not installed on %s (make test installs them)' % (', '.join(missing), test_database))
    run = uuid.uuid4().hex[:8]

    def ref(xml_id):
        return admin.call('ir.model.data', 'xmlid_to_res_id', [xml_id])

    main_company = admin.call('res.users', 'read', [[admin.uid], ['company_id']])[0]['company_id'][0]
    company_b = admin.call('res.company', 'create', [{'name': 'Glue hostile input company B ' + run}])

    def user(login, groups):
        admin.call('res.users', 'create', [{
            'name': login, 'login': login + run, 'password': 'hostile', 'email': login + run + '@example.com',
            'company_id': main_company,
            'company_ids': [(6, 0, [main_company])], 'groups_id': [(6, 0, [ref(group) for group in groups])]}])
        return Client(odoo_server.url, test_database, login + run, 'hostile')
    client = user('glue_hostile_', ['base.group_user', 'sales_team.group_sale_manager',
                                    'mass_mailing.group_mass_mailing_user', 'survey.group_survey_user',
                                    'point_of_sale.group_pos_user'])
    nobody = user('glue_no_rights_', ['base.group_user'])
    partner = admin.call('res.partner', 'create', [{'name': 'Glue hostile customer', 'customer': True,
                                                    'email': 'glue-hostile@example.com', 'company_id': main_company}])
    partner_b = admin.call('res.partner', 'create', [{'name': 'Glue hostile B customer', 'customer': True,
                                                      'email': 'glue-hostile-b@example.com', 'company_id': company_b}])
    partner_model = admin.call('ir.model', 'search', [[('model', '=', 'res.partner')]])[0]

    def mailing(company):
        return admin.call('mail.mass_mailing', 'create', [{
            'name': 'Glue hostile mailing ' + run, 'body_html': '<p>Hostile</p>', 'reply_to_mode': 'email',
            'mailing_model_id': partner_model, 'mailing_domain': repr([('id', '=', partner)]),
            'crm_erp_company_id': company}])
    survey = admin.call('survey.survey', 'create', [{'title': 'Glue hostile survey ' + run}])

    def wizard(caller):
        return caller.call('survey.mail.compose.message', 'create', [{
            'survey_id': survey, 'public': 'email_private', 'partner_ids': [(6, 0, [partner])],
            'subject': 'Glue hostile invitation', 'body': '<p>__URL__</p>'}])
    deleted = {'mailing': mailing(main_company), 'survey_wizard': wizard(client), 'partner': admin.call(
        'res.partner', 'create', [{'name': 'Glue hostile deleted'}])}
    admin.call('mail.mass_mailing', 'unlink', [[deleted['mailing']]])
    admin.call('survey.mail.compose.message', 'unlink', [[deleted['survey_wizard']]])
    admin.call('res.partner', 'unlink', [[deleted['partner']]])
    pos = pos_world(admin, ref, main_company, company_b, partner, partner_b, deleted['partner'], run)
    yield {
        'client': client, 'nobody': nobody,
        'valid': {'mailing': mailing(main_company), 'survey_wizard': wizard(client), 'partner': partner},
        'other_company': {'mailing': mailing(company_b), 'survey_wizard': wizard(admin), 'partner': partner_b,
                          'company': company_b},
        'deleted': deleted, 'pos': pos,
    }
    if pos['opened']:  # the session the fixture opened (no ticket was written in it)
        admin.call('pos.session', 'unlink', [[pos['session']]])


def pos_world(admin, ref, main_company, company_b, partner, partner_b, deleted_partner, run):
    """A session of the demo shop (opened here unless one is open), a valid ticket of the till
    in it (the web client's payload, never sent) and the ids its broken copies use."""
    config = ref('point_of_sale.pos_config_main')
    current = admin.call('pos.config', 'read', [[config], ['current_session_id', 'pricelist_id']])[0]
    session = current['current_session_id'] and current['current_session_id'][0]
    opened = not session
    if opened:
        session = admin.call('pos.session', 'create', [{'config_id': config}])
    statement = admin.call('pos.session', 'read', [[session], ['statement_ids']])[0]['statement_ids'][0]
    journal = admin.call('account.bank.statement', 'read', [[statement], ['journal_id']])[0]['journal_id'][0]
    product = admin.call('product.product', 'search', [[('available_in_pos', '=', True),
                                                        ('company_id', 'in', [False, main_company])]], {'limit': 1})[0]
    product_b = admin.call('product.product', 'create', [{'name': 'Glue hostile B product ' + run,
                                                          'company_id': company_b}])
    pricelist_b = admin.call('product.pricelist', 'create', [{'name': 'Glue hostile B ' + run,
                                                              'company_id': company_b}])
    line = {'product_id': product, 'qty': 1.0, 'price_unit': 10.0, 'discount': 0.0, 'pack_lot_ids': [],
            'tax_ids': [[6, 0, []]]}
    payment = {'journal_id': journal, 'amount': 10.0, 'name': '2025-06-01 10:00:00', 'statement_id': statement}
    ticket = {'id': '00999-001-0001', 'to_invoice': False, 'data': {
        'name': 'Order 00999-001-0001 ' + run, 'uid': '00999-001-0001', 'sequence_number': 1,
        'creation_date': '2025-06-01T10:00:00.000Z', 'pos_session_id': session, 'user_id': False,
        'partner_id': partner, 'pricelist_id': current['pricelist_id'][0], 'fiscal_position_id': False,
        'amount_paid': 10.0, 'amount_total': 10.0, 'amount_tax': 0.0, 'amount_return': 0.0,
        'lines': [[0, 0, line]], 'statement_ids': [[0, 0, payment]]}}
    named = {
        'partner_b': partner_b, 'deleted_partner': deleted_partner, 'pricelist_b': pricelist_b,
        'line_product_x': [[0, 0, dict(line, product_id='x')]], 'line_qty_x': [[0, 0, dict(line, qty='x')]],
        'line_product_missing': [[0, 0, dict(line, product_id=INT_MAX)]],
        'line_product_b': [[0, 0, dict(line, product_id=product_b)]],
        'payment_amount_x': [[0, 0, dict(payment, amount='x')]],
        'payment_statement_other': [[0, 0, dict(payment, statement_id=INT_MAX)]],
        'payment_journal_missing': [[0, 0, dict(payment, journal_id=INT_MAX)]],
        'payment_name_x': [[0, 0, dict(payment, name='x')]],
    }
    return {'opened': opened, 'session': session, 'ticket': ticket, 'named': named}


def pos_cases(world):
    """create_from_ui with the batches of POS_BATCHES and the tickets of POS_TICKET_CHANGES."""
    for bad in POS_BATCHES:
        yield ('create_from_ui orders=%.40r' % (bad,), 'pos.order', 'create_from_ui', [bad], {}, ('orders',))
    pos = world['pos']
    for key, bads in POS_TICKET_CHANGES:
        for bad in bads:
            ticket = copy.deepcopy(pos['ticket'])
            data = ticket if key == 'to_invoice' else ticket['data']
            if bad == 'missing':
                del data[key]
            else:
                data[key] = pos['named'].get(bad, bad) if isinstance(bad, str) else bad
            yield ('create_from_ui %s=%.40r' % (key, bad), 'pos.order', 'create_from_ui', [[ticket]], {},
                   (key, 'orders[0]'))


def glue_cases(world):
    """cases() of the glue's tables, then the arguments of the actions beyond their ids, then
    the till's sync."""
    yield from cases(world, methods=[], record_methods=RECORD_METHODS, private_methods=[], init_models=INIT_MODELS)
    yield from pos_cases(world)
    mailing, wizard = [world['valid']['mailing']], [world['valid']['survey_wizard']]
    # res_ids: the recipients to mail (None or False: the mailing's own; any other value checked)
    for bad in KINDS['ids']:
        if bad is None or bad is False:
            continue
        bad = concrete(bad, 'partner', world)
        yield ('send_mail res_ids=%.40r' % (bad,), 'mail.mass_mailing', 'send_mail', [mailing, bad], {}, ('res_ids',))
        yield ('send_mail res_ids=%.40r (keyword)' % (bad,), 'mail.mass_mailing', 'send_mail', [mailing],
               {'res_ids': bad}, ('res_ids',))
    for bad in KINDS['flag']:
        yield ('survey send_mail auto_commit=%.40r' % (bad,), 'survey.mail.compose.message', 'send_mail',
               [wizard, bad], {}, ('auto_commit',))


def test_glue_hostile_input_sweep(glue_world, test_database):
    client = glue_world['client']
    tables = addon_tables(test_database) + ODOO_TABLES
    before = table_states(test_database, tables, wait=False)
    unhandled, unclear, answered = sweep(client, glue_cases(glue_world))
    # no rights: the same actions on valid records by a user without the groups (the wizard is
    # the sweeping user's: another user's), each an AccessError (fault code 4)
    nobody = glue_world['nobody']
    denied = sweep(nobody, [('%s.%s (no rights)' % (model, method), model, method,
                             [[glue_world['valid'][key]]], {}, ()) for model, method, key in RECORD_METHODS]
                   + [('create_from_ui (no rights)', 'pos.order', 'create_from_ui', [[glue_world['pos']['ticket']]],
                       {}, ())])
    # and a good call still works over RPC (the ids first, as an action)
    good = client.call('mail.mass_mailing', 'get_recipients', [[glue_world['valid']['mailing']]])
    no_tickets = client.call('pos.order', 'create_from_ui', [[]])
    after = table_states(test_database, tables, wait=False)
    changed, written = changes(before, after)
    print('glue hostile sweep: %d calls, %d unhandled, %d unclear, %d answered, %d tables changed, %d rows written'
          % (client.calls + nobody.calls, len(unhandled), len(unclear), len(answered), len(changed), written))
    assert client.calls >= 150
    assert unhandled == [] and unclear == [] and answered == []
    assert denied == ([], [], []), denied
    assert changed == {}
    assert good == [glue_world['valid']['partner']]
    assert no_tickets == []
