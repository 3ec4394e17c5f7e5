# Copyright 2026 crm_erp_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    'name': 'CRM-ERP Bridge: Webshop',
    'summary': 'Webshop orders labelled by sales channel in the Customer 360; "customers who bought this '
               'also bought" on the product page and the cart from the product affinity, "recommended for '
               'you" for a logged-in shopper, and their clicks, purchases and conversion rate',
    'version': '11.0.1.1.0',
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
        'security/ir.model.access.csv',
        'security/crm_erp_bridge_website_security.xml',
        'views/website_sale_templates.xml',
        'report/crm_erp_web_recommendation_report_views.xml',
    ],
    'post_init_hook': 'post_init_hook',
}
