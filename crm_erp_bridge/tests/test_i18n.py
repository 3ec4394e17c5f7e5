import ast
import os
import re

import polib

from odoo.modules.module import get_module_resource
from odoo.tests.common import SavepointCase
from odoo.tools.translate import trans_load

PLACEHOLDER = re.compile(r'%(?:\([a-z_]+\))?[sdf%]|<[^>]+>')


class TestTranslations(SavepointCase):
    """The shipped template and the Chinese catalogue: complete, well-formed, loadable."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = polib.pofile(get_module_resource('crm_erp_bridge', 'i18n', 'crm_erp_bridge.pot'))
        cls.po_path = get_module_resource('crm_erp_bridge', 'i18n', 'zh_CN.po')

    def test_catalogue_translates_every_term(self):
        po = polib.pofile(self.po_path)
        translations = {entry.msgid: entry.msgstr for entry in po if not entry.obsolete}
        self.assertFalse({entry.msgid for entry in self.pot} - set(translations))
        for msgid, msgstr in translations.items():
            self.assertTrue(msgstr, msgid)
            # placeholders and markup survive translation, or the string breaks at run time
            self.assertEqual(sorted(PLACEHOLDER.findall(msgid)), sorted(PLACEHOLDER.findall(msgstr)), msgid)

    def test_catalogue_loads_into_the_menus(self):
        self.env['res.lang'].load_lang('zh_CN')
        trans_load(self.env.cr, self.po_path, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        menu = self.env.ref('crm_erp_bridge.crm_erp_bridge_menu_root')
        expected = polib.pofile(self.po_path).find(menu.with_context(lang=None).name).msgstr
        self.assertEqual(menu.with_context(lang='zh_CN').name, expected)
        self.assertNotEqual(expected, menu.with_context(lang=None).name)

    def test_code_strings_are_translated_at_run_time(self):
        self.env['res.lang'].load_lang('zh_CN')
        trans_load(self.env.cr, self.po_path, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        partner = self.env['res.partner'].create({'name': 'Translated Notes Customer'})
        self.env['crm.erp.partner.stats'].with_context(lang='zh_CN')._post_stage_messages(
            [(partner.company_id.id, partner.id, 'prospect', 'lead', 'open_lead')])
        expected = polib.pofile(self.po_path).find('Lifecycle stage: %s → %s (%s)').msgstr
        self.assertIn(expected.split('%s')[0], partner.message_ids[0].body)

    def test_rating_email_in_the_customers_language(self):
        self.env['res.lang'].load_lang('zh_CN')
        trans_load(self.env.cr, self.po_path, 'zh_CN', verbose=False, module_name='crm_erp_bridge')
        partner = self.env['res.partner'].create({'name': 'Chinese customer', 'email': 'zh@customer.example',
                                                  'lang': 'zh_CN'})
        request = self.env['crm.erp.service.request'].create({'name': 'Desk', 'partner_id': partner.id})
        request.write({'stage_id': self.env.ref('crm_erp_bridge.crm_erp_service_stage_solved').id})
        mail = self.env['mail.mail'].search([('model', '=', request._name), ('res_id', '=', request.id)])
        self.assertEqual(mail.subject, '我们做得怎么样？Desk')
        self.assertIn('点击一个表情告诉我们', mail.body_html)
        self.assertIn('/rating/%s/10' % request.rating_ids.access_token, mail.body_html)

    def test_no_translation_inside_a_nested_scope(self):
        # Odoo's _() reads the language from its caller's frame: a comprehension or a lambda is
        # a frame of its own, without `self`, and the string stays untranslated
        addon = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        nested = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)
        found = []
        for folder, _dirs, files in os.walk(addon):
            for name in files:
                if name.endswith('.py') and 'tests' not in folder.split(os.sep):
                    with open(os.path.join(folder, name)) as source:
                        tree = ast.parse(source.read())
                    found.extend((name, call.lineno) for scope in ast.walk(tree) if isinstance(scope, nested)
                                 for call in ast.walk(scope)
                                 if isinstance(call, ast.Call) and getattr(call.func, 'id', None) == '_')
        self.assertFalse(found)

    def test_template_is_up_to_date_with_the_code(self):
        # `make i18n` regenerates the template: every _('...') literal of the code is in it
        addon = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        literal = re.compile(r"""\b_\(\s*(['"])((?:\\.|(?!\1).)+)\1\s*[,)%]""")
        sources = {entry.msgid for entry in self.pot}
        missing = []
        for folder, _dirs, files in os.walk(addon):
            for name in files:
                if name.endswith('.py') and 'tests' not in folder.split(os.sep):
                    with open(os.path.join(folder, name)) as source:
                        for match in literal.finditer(source.read()):
                            text = ast.literal_eval(match.group(1) + match.group(2) + match.group(1))
                            if text not in sources:
                                missing.append((name, text))
        self.assertFalse(missing, 'run `make i18n`')
