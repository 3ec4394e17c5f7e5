from odoo import fields, models


class CrmErpServiceStage(models.Model):
    """A step of a service request (new, in progress, waiting customer, solved, closed), as
    crm.stage is for leads. Solved stages stop the clock: no escalation, the solved date is set."""
    _name = 'crm.erp.service.stage'
    _description = 'Service request stage'
    _order = 'sequence, id'

    name = fields.Char('Stage', required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean('Folded in kanban', help='Folded in the kanban view of the requests.')
    is_solved = fields.Boolean(
        'Solved', help='Requests in this stage are solved or closed: their deadlines no longer escalate '
                       'and they no longer count as open.')
    waiting_customer = fields.Boolean(
        'Waiting for the customer', help='The next step is the customer\'s: a reply from the customer moves '
                                         'the request back to the first stage in progress.')
