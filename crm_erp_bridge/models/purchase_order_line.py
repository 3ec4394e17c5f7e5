from odoo import fields, models


class PurchaseOrderLine(models.Model):
    _inherit = 'purchase.order.line'

    # Pipeline demand and purchasing: the deals whose shortfall this line orders, shown to
    # those who may read deals.
    source_sale_order_ids = fields.Many2many(
        'sale.order', 'purchase_order_line_source_sale_order_rel', 'purchase_line_id', 'sale_order_id',
        string='Source Quotations', copy=False, readonly=True,
        groups='sales_team.group_sale_salesman')
    source_lead_ids = fields.Many2many(
        'crm.lead', 'purchase_order_line_source_lead_rel', 'purchase_line_id', 'lead_id',
        string='Source Opportunities', copy=False, readonly=True,
        groups='sales_team.group_sale_salesman')
