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

Odoo's standard methods the glue extends with the same arguments (pos.order.create, write and
create_from_ui, crm.erp.web.recommendation.report.read_group) keep Odoo's own answers to bad
arguments and are not swept, as the core sweep leaves out the core's (sale.order.create...)."""
import uuid

import pytest

from test_hostile_input import KINDS, Client, addon_tables, cases, changes, concrete, sweep, table_states

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
               'mail_compose_message']


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
    return {
        'client': client, 'nobody': nobody,
        'valid': {'mailing': mailing(main_company), 'survey_wizard': wizard(client), 'partner': partner},
        'other_company': {'mailing': mailing(company_b), 'survey_wizard': wizard(admin), 'partner': partner_b,
                          'company': company_b},
        'deleted': deleted,
    }


def glue_cases(world):
    """cases() of the glue's tables, then the arguments of the actions beyond their ids."""
    yield from cases(world, methods=[], record_methods=RECORD_METHODS, private_methods=[], init_models=INIT_MODELS)
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
                             [[glue_world['valid'][key]]], {}, ()) for model, method, key in RECORD_METHODS])
    # and a good call still works over RPC (the ids first, as an action)
    good = client.call('mail.mass_mailing', 'get_recipients', [[glue_world['valid']['mailing']]])
    after = table_states(test_database, tables, wait=False)
    changed, written = changes(before, after)
    print('glue hostile sweep: %d calls, %d unhandled, %d unclear, %d answered, %d tables changed, %d rows written'
          % (client.calls + nobody.calls, len(unhandled), len(unclear), len(answered), len(changed), written))
    assert client.calls >= 150
    assert unhandled == [] and unclear == [] and answered == []
    assert denied == ([], [], []), denied
    assert changed == {}
    assert good == [glue_world['valid']['partner']]
