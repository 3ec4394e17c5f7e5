from odoo import fields, models


class SurveySurvey(models.Model):
    _inherit = 'survey.survey'

    crm_erp_company_id = fields.Many2one(
        'res.company', string='Company', default=lambda self: self.env.user.company_id,
        help='The company whose Net Promoter Score the NPS answers of this survey count in '
             '(CRM-ERP Bridge > Reporting > Net Promoter Score).')
