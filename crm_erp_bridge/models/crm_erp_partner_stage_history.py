from odoo import fields, models

from .crm_erp_partner_stats import CUSTOMER_STAGES, STAGE_REASONS


class CrmErpPartnerStageHistory(models.Model):
    """One lifecycle stage change of a customer in a company: the base of the conversion-rate
    and time-in-stage reports. Rows are written by the refresh (SQL) and by manual stages."""
    _name = 'crm.erp.partner.stage.history'
    _description = 'Customer lifecycle stage change'
    _order = 'date desc, id desc'
    _rec_name = 'partner_id'

    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, readonly=True,
                                 index=True, ondelete='cascade')
    from_stage = fields.Selection(CUSTOMER_STAGES, string='From', required=True, readonly=True)
    to_stage = fields.Selection(CUSTOMER_STAGES, string='To', required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    reason = fields.Selection(STAGE_REASONS, required=True, readonly=True)
    days_in_from_stage = fields.Integer('Days in previous stage', readonly=True, group_operator='avg',
                                        help='Days between entering the previous stage and this change.')
