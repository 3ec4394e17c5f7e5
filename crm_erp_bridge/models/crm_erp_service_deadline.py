from odoo import _, api, fields, models

from ..exceptions import ValidationError

# Priorities of a service request, as Odoo's stars (crm.lead, project.task).
SERVICE_PRIORITIES = [('0', 'Low'), ('1', 'Normal'), ('2', 'High'), ('3', 'Urgent')]


class CrmErpServiceDeadline(models.Model):
    """The service level of a company: per priority, the hours to a first response and to a
    solution, and the grace before the team leader hears of a missed deadline. A rule that is a
    table is data: a row without company applies to every company that has no row of its own
    for that priority (docs/service-requests.md)."""
    _name = 'crm.erp.service.deadline'
    _description = 'Service request deadline'
    _order = 'company_id, priority desc'
    _rec_name = 'priority'

    company_id = fields.Many2one('res.company', string='Company', index=True, ondelete='cascade',
                                 help='Empty: the default of every company without a row of its own.')
    priority = fields.Selection(SERVICE_PRIORITIES, required=True, default='1')
    response_hours = fields.Float('Response within (hours)', required=True, default=24.0)
    resolution_hours = fields.Float('Solution within (hours)', required=True, default=120.0)
    escalation_grace_hours = fields.Float(
        'Team leader after (hours)', required=True, default=4.0,
        help='Hours after a missed deadline (the owner is told at once) before the team leader is told.')

    @api.constrains('response_hours', 'resolution_hours', 'escalation_grace_hours')
    def _check_hours(self):
        for row in self:
            if row.response_hours <= 0 or row.resolution_hours <= 0:
                raise ValidationError(_('The response and solution deadlines must be positive numbers of hours.'))
            if row.escalation_grace_hours < 0:
                raise ValidationError(_('The hours before the team leader is told cannot be negative.'))

    @api.constrains('company_id', 'priority')
    def _check_unique(self):
        for row in self:
            if self.search_count([('company_id', '=', row.company_id.id), ('priority', '=', row.priority)]) > 1:
                raise ValidationError(_('A company has one deadline row per priority.'))

    @api.model
    def _rule_for(self, company, priority):
        """The row of the company for the priority, else the row without company (or empty)."""
        # sudo: the service level is read for any request of the company, by any of its users
        rows = self.sudo().search([('priority', '=', priority), '|', ('company_id', '=', company.id),
                                   ('company_id', '=', False)])
        return rows.filtered('company_id')[:1] or rows[:1]
