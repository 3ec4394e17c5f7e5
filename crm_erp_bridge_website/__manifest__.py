# Copyright 2026 crm_erp_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    'name': 'CRM-ERP Bridge: Webshop',
    'summary': 'Webshop orders labelled by sales channel in the Customer 360, and "customers who bought '
               'this also bought" on the product page and the cart from the product affinity',
    'version': '11.0.1.0.0',
    'category': 'Website',
    'website': 'https://github.com/crm-erp-bridge/crm_erp_bridge',
    'author': 'crm_erp_bridge contributors',
    'license': 'LGPL-3',
    'installable': True,
    'auto_install': False,
    'depends': [
        'crm_erp_bridge',
        'website_sale',
    ],
    'data': [
        'views/website_sale_templates.xml',
    ],
    'post_init_hook': 'post_init_hook',
}
