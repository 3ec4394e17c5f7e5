from odoo import api, models

from .. import queries


class CrmErpPartnerProductHistory(models.Model):
    """The customer's product history (the Customer 360's top products) reads the lines of the
    counted tickets too, through the report's _select and _lines_from (the core's joins kept)."""
    _inherit = 'crm.erp.partner.product.history'

    def _select(self):
        # a sale order and a ticket may share an id: orders are counted per kind of document
        return super()._select().replace('COUNT(DISTINCT doc.id)', 'COUNT(DISTINCT (line.kind, doc.id))')

    def _lines_from(self):
        return queries.PRODUCT_HISTORY_LINES_FROM

    @api.model_cr
    def init(self):
        # the view reads the columns this addon adds to pos_order and pos_order_line, and the
        # registry initialises the models one after the other: theirs first (idempotent)
        self.env['pos.order']._auto_init()
        self.env['pos.order.line']._auto_init()
        return super().init()
