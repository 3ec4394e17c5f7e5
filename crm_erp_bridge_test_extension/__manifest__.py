# Copyright 2026 crm_erp_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    'name': 'CRM-ERP Bridge: extension test',
    'summary': 'Test only: extends crm_erp_bridge through its documented extension points '
               '(make test installs it; crm_erp_bridge/tests/test_extension_points.py uses it)',
    'version': '11.0.1.0.0',
    'category': 'Hidden',
    'author': 'crm_erp_bridge contributors',
    'license': 'LGPL-3',
    'depends': ['crm_erp_bridge'],
    'installable': True,
    'auto_install': False,
}
