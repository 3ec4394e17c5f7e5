from odoo import _, api, fields, models

from odoo.addons.crm_erp_bridge.exceptions import ValidationError


class SurveyQuestion(models.Model):
    _inherit = 'survey.question'

    crm_erp_is_nps = fields.Boolean(
        'Net Promoter Score', help='"How likely are you to recommend us to a friend?", answered 0 to 10: '
                                   '9-10 promoters, 7-8 passives, 0-6 detractors. NPS = % promoters - % detractors '
                                   '(CRM-ERP Bridge > Reporting > Net Promoter Score).')

    @api.onchange('crm_erp_is_nps')
    def _onchange_crm_erp_is_nps(self):
        if self.crm_erp_is_nps:
            self.update({'type': 'numerical_box', 'validation_required': True,
                         'validation_min_float_value': 0.0, 'validation_max_float_value': 10.0})

    @api.constrains('crm_erp_is_nps', 'type', 'validation_required', 'validation_min_float_value',
                    'validation_max_float_value')
    def _check_crm_erp_is_nps(self):
        for question in self.filtered('crm_erp_is_nps'):
            if question.type != 'numerical_box' or not question.validation_required \
                    or question.validation_min_float_value != 0 or question.validation_max_float_value != 10:
                raise ValidationError(_('The NPS question "%s" must be a numerical value validated from 0 to '
                                        '10.') % question.question)
