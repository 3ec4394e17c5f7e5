from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # the channel of point of sale tickets in the Customer 360's breakdown (no sale order has it)
    crm_erp_channel = fields.Selection(selection_add=[('pos', 'Point of sale')])
