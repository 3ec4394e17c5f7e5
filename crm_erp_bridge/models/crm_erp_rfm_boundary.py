from odoo import fields, models


class CrmErpRfmBoundary(models.Model):
    """RFM quintile boundaries of a company, re-cut by each full refresh and reused by the
    incremental ones. Row `score` s (1..4) holds the largest value of quintile s: a customer
    scores 1 + the number of boundaries strictly below their own value."""
    _name = 'crm.erp.rfm.boundary'
    _description = 'RFM quintile boundary'
    _order = 'company_id, score'

    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True, ondelete='cascade')
    score = fields.Integer(required=True, readonly=True)
    recency_date = fields.Date('Last order up to', readonly=True)
    frequency = fields.Integer('Orders up to', readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    # Monetary: an exact numeric column, compared with the customers' exact revenue
    monetary = fields.Monetary('Revenue up to', readonly=True)
