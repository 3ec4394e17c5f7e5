from odoo import fields, models


class CrmErpServiceCategory(models.Model):
    """What a service request is about (delivery, product quality, invoice...): a small table
    each company may extend."""
    _name = 'crm.erp.service.category'
    _description = 'Service request category'
    _order = 'sequence, name'

    name = fields.Char('Category', required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
