# Copyright 2026 crm_erp_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    'name': 'CRM-ERP Bridge: Point of Sale',
    'summary': 'Point of sale tickets in the Customer 360 (history, RFM, lifetime value, stage, the '
               'channel breakdown) and in the product affinity, anonymous ones too, when a ticket is paid',
    'version': '11.0.1.0.0',
    'category': 'Point of Sale',
    'website': 'https://github.com/crm-erp-bridge/crm_erp_bridge',
    'author': 'crm_erp_bridge contributors',
    'license': 'LGPL-3',
    'installable': True,
    'auto_install': False,
    'depends': [
        'crm_erp_bridge',
        'point_of_sale',
    ],
    'data': [],
    'post_init_hook': 'post_init_hook',
}
