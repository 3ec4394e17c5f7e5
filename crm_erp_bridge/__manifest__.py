# Copyright 2026 crm_erp_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    'name': 'CRM-ERP Bridge',
    'summary': 'Customer 360, RFM and lifecycle stages, co-purchase recommendations '
               'and pipeline-driven stock and purchasing',
    'version': '11.0.1.0.0',
    'category': 'Sales',
    'website': 'https://github.com/crm-erp-bridge/crm_erp_bridge',
    'author': 'crm_erp_bridge contributors',
    'license': 'LGPL-3',
    'application': True,
    'installable': True,
    'depends': [
        'sale_management',
        'sale_stock',
        'sale_crm',
        'purchase',
        'stock',
        'crm',
    ],
    'data': [
        'security/crm_erp_bridge_security.xml',
        'security/ir.model.access.csv',
        'views/res_config_settings_views.xml',
        'views/crm_erp_bridge_menus.xml',
        'data/customer_360_data.xml',
        'views/res_partner_views.xml',
        'views/crm_erp_partner_stats_views.xml',
        'views/crm_erp_partner_stage_history_views.xml',
        'report/crm_erp_partner_product_history_views.xml',
        'views/crm_lead_views.xml',
        'views/sale_order_views.xml',
        'views/product_views.xml',
        'views/purchase_order_views.xml',
        'report/pipeline_demand_report_views.xml',
        'wizards/availability_check_views.xml',
        'wizards/shortfall_rfq_result_views.xml',
        'data/server_actions.xml',
    ],
    'demo': [
        'demo/crm_erp_bridge_demo.xml',
        # the order history replays its Customer 360 stages in the past: before today's leads
        'demo/crm_erp_bridge_history.xml',
        'demo/crm_lead_demo.xml',
    ],
    'post_init_hook': 'post_init_hook',
}
