"""The input checks of models/record_ids.py as Odoo's dispatcher calls them (odoo.api.call_kw,
what XML-RPC, JSON-RPC and buttons go through) and in the user's language. The hostile-input
sweep over real XML-RPC is tests/test_hostile_input.py."""
import polib

from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_resource
from odoo.tests.common import SavepointCase
from odoo.tools.translate import trans_load


class TestRecordIds(SavepointCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env['res.partner'].create({'name': 'Record ids customer', 'customer': True})

    def test_actions_take_their_ids_first_as_any_record_method(self):
        Partner = self.env['res.partner']
        # as the web client's buttons send them: ids, then the context as a positional argument
        self.assertIs(call_kw(Partner, 'action_refresh_customer_360', [[self.partner.id], {'lang': 'en_US'}], {}),
                      True)
        self.assertIs(call_kw(Partner, 'action_refresh_customer_360', [self.partner.id], {}), True)
        action = call_kw(Partner, 'action_open_customer_orders', [[self.partner.id]], {'context': {}})
        self.assertEqual(action['res_model'], 'sale.order')
        # Python callers call them on their records
        self.assertIs(self.partner.action_refresh_customer_360(), True)

    def test_bad_ids_of_actions(self):
        Partner = self.env['res.partner']
        for ids, message in ((True, 'ids must be a list of ids'), (1.5, 'ids must be a list of ids'),
                             (['1'], 'ids must be a list of ids'), ([2 ** 31], 'ids: no record with id 2147483648'),
                             (None, 'action_refresh_customer_360 needs at least one record'),
                             ([], 'action_refresh_customer_360 needs at least one record')):
            with self.assertRaisesRegex(UserError, message):
                call_kw(Partner, 'action_refresh_customer_360', [ids], {})
        with self.assertRaisesRegex(UserError, 'action_refresh_customer_360 needs at least one record'):
            call_kw(Partner, 'action_refresh_customer_360', [], {})
        with self.assertRaisesRegex(UserError, 'action_open_customer_orders works on one record at a time'):
            call_kw(Partner, 'action_open_customer_orders', [[self.partner.id, self.env.user.partner_id.id]], {})
        with self.assertRaisesRegex(UserError,
                                    r"action_refresh_customer_360: unknown argument 'force' \(it takes: ids\)"):
            call_kw(Partner, 'action_refresh_customer_360', [[self.partner.id]], {'force': True})

    def test_arguments_of_model_methods(self):
        Product = self.env['product.product']
        with self.assertRaisesRegex(UserError, r'get_pipeline_demand: missing, repeated or too many arguments '
                                               r'\(it takes: product_ids, warehouse_id, horizon_weeks\)'):
            call_kw(Product, 'get_pipeline_demand', [], {})
        with self.assertRaisesRegex(UserError, "get_pipeline_demand: unknown argument 'weeks'"):
            call_kw(Product, 'get_pipeline_demand', [[]], {'weeks': 4})
        for weeks in (True, 0, 521, 2 ** 31 - 1, 1.5, '4'):
            with self.assertRaisesRegex(UserError, 'horizon_weeks must be a whole number from 1 to 520'):
                call_kw(Product, 'get_pipeline_demand', [[], False, weeks], {})
        self.assertEqual(call_kw(Product, 'get_pipeline_demand', [[], None, None], {}), [])
        # a positional context after the arguments still reaches the method as its context
        self.assertEqual(call_kw(Product, 'get_pipeline_demand', [[], False, 4, {'lang': 'en_US'}], {}), [])
        with self.assertRaisesRegex(UserError, 'customer_360_date must be a date'):
            call_kw(self.env['res.partner'], 'get_customer_360', [[self.partner.id]],
                    {'context': {'customer_360_date': '2025-13-45'}})

    def test_another_companys_records(self):
        company_b = self.env['res.company'].create({'name': 'Record ids company B'})
        partner_b = self.env['res.partner'].create({'name': 'Record ids B customer', 'company_id': company_b.id})
        with self.assertRaisesRegex(AccessError,
                                    r'partner_ids: record\(s\) %d belong to another company' % partner_b.id):
            self.env['res.partner'].get_recommendations([partner_b.id])

    def test_messages_in_the_users_language(self):
        self.env['res.lang'].load_lang('zh_CN')
        po_path = get_module_resource('crm_erp_bridge', 'i18n', 'zh_CN.po')
        trans_load(self.env.cr, po_path, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        expected = polib.pofile(po_path).find('%s must be a whole number from %d to %d.').msgstr
        self.assertNotIn('whole number', expected)
        with self.assertRaises(UserError) as raised:
            call_kw(self.env['product.product'], 'get_pipeline_demand', [[], False, 0], {'context': {'lang': 'zh_CN'}})
        self.assertEqual(raised.exception.name, expected % ('horizon_weeks', 1, 520))
        # without a language in the context: the user's own
        self.env.user.lang = 'zh_CN'
        with self.assertRaises(UserError) as raised:
            call_kw(self.env(context={})['res.partner'], 'action_refresh_customer_360', [[]], {})
        self.assertEqual(raised.exception.name, polib.pofile(po_path).find(
            '%s needs at least one record.').msgstr % 'action_refresh_customer_360')
        # a company check (companies.allowed_company) speaks it too
        with self.assertRaises(UserError) as raised:
            call_kw(self.env(context={})['res.partner'], 'get_customer_360', [[self.partner.id]],
                    {'context': {'force_company': 'x'}})
        self.assertEqual(raised.exception.name, polib.pofile(po_path).find(
            '%s: a company id (an integer) is expected, not %.60r.').msgstr % ('force_company', 'x'))
