import polib

from odoo.modules.module import get_module_resource
from odoo.tests.common import TransactionCase
from odoo.tools.translate import trans_load


class TestTranslations(TransactionCase):
    """The addon's user-visible terms are translated in zh_CN.po, and a Chinese user reads the
    point of sale channel's label in Chinese."""

    def test_zh_cn_complete(self):
        po = polib.pofile(get_module_resource('crm_erp_bridge_pos', 'i18n', 'zh_CN.po'))
        msgids = {entry.msgid for entry in po}
        for term in ('Point of sale', 'Untaxed amount',
                     self.env['pos.order']._fields['crm_erp_amount_untaxed'].help):
            self.assertIn(term, msgids)
        self.assertEqual([entry.msgid for entry in po if not entry.msgstr], [])

    def test_channel_label_in_chinese(self):
        self.env['res.lang'].load_lang('zh_CN')
        trans_load(self.env.cr, get_module_resource('crm_erp_bridge_pos', 'i18n', 'zh_CN.po'), 'zh_CN',
                   verbose=False, module_name='crm_erp_bridge_pos')
        env = self.env(context=dict(self.env.context, lang='zh_CN'))
        labels = dict(env['sale.order']._fields['crm_erp_channel']._description_selection(env))
        self.assertEqual(labels['pos'], '门店收银')
        self.assertEqual(env['pos.order'].fields_get(['crm_erp_amount_untaxed'])['crm_erp_amount_untaxed']['string'],
                         '不含税金额')
