import polib

from odoo.modules.module import get_module_resource
from odoo.tests.common import TransactionCase


class TestTranslations(TransactionCase):
    """Every term of the template is translated in zh_CN.po, with the same placeholders."""

    def test_zh_cn_complete(self):
        pot = polib.pofile(get_module_resource('crm_erp_bridge_marketing', 'i18n', 'crm_erp_bridge_marketing.pot'))
        po = {entry.msgid: entry.msgstr for entry in polib.pofile(
            get_module_resource('crm_erp_bridge_marketing', 'i18n', 'zh_CN.po'))}
        self.assertEqual([entry.msgid for entry in pot if not po.get(entry.msgid)], [])
        for entry in pot:
            self.assertEqual(sorted(part for part in ('%s', '%d') for _n in range(entry.msgid.count(part))),
                             sorted(part for part in ('%s', '%d') for _n in range(po[entry.msgid].count(part))),
                             entry.msgid)
