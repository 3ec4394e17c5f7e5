# Copyright 2026 crm_erp_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    'name': 'CRM-ERP Bridge: Respectful marketing and NPS',
    'summary': 'Customer 360 stages, RFM segments and predicted value as mass mailing filters; opt-outs '
               'honoured across duplicate customers, one copy per address; NPS questions in surveys and '
               'the NPS per company, team and month',
    'version': '11.0.1.0.0',
    'category': 'Marketing',
    'website': 'https://github.com/crm-erp-bridge/crm_erp_bridge',
    'author': 'crm_erp_bridge contributors',
    'license': 'LGPL-3',
    'installable': True,
    'auto_install': False,
    'depends': [
        'crm_erp_bridge',
        'mass_mailing',
        'survey',
    ],
    'data': [
        'security/ir.model.access.csv',
        'security/crm_erp_bridge_marketing_security.xml',
        'views/mail_mass_mailing_views.xml',
        'views/survey_views.xml',
        'views/res_partner_views.xml',
        'report/crm_erp_nps_report_views.xml',
    ],
}
