from odoo import api, fields, models

from ..queries.common import create_currency_factor_function
from ..units import quantity_text


class CrmErpPartnerProductHistory(models.Model):
    """What each customer (commercial entity) bought of each product, per company: confirmed
    sale orders, quantities in the product's unit, untaxed revenue in company currency."""
    _name = 'crm.erp.partner.product.history'
    _inherit = 'crm.erp.sql.report'
    _description = 'Customer product history'
    _auto = False
    _order = 'revenue desc'
    _rec_name = 'product_id'

    company_id = fields.Many2one('res.company', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    product_id = fields.Many2one('product.product', readonly=True)
    product_tmpl_id = fields.Many2one('product.template', string='Product template', readonly=True)
    categ_id = fields.Many2one('product.category', string='Product category', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    product_qty = fields.Float('Quantity', readonly=True)
    quantity_text = fields.Char('Quantity bought', compute='_compute_quantity_text',
                                help='All confirmed orders together, in the product unit.')
    revenue = fields.Monetary(readonly=True)
    order_count = fields.Integer('Orders', readonly=True)
    first_order_date = fields.Date('First order', readonly=True)
    last_order_date = fields.Date('Last order', readonly=True)

    @api.depends('product_qty', 'product_id')
    def _compute_quantity_text(self):
        for row in self:
            row.quantity_text = quantity_text(row.product_qty, row.product_id.uom_id)

    # The view, built as sale.report is: _select, _from and _group_by can be extended.
    def _select(self):
        return """
                SELECT MIN(line.id) AS id, doc.company_id, partner.commercial_partner_id AS partner_id,
                       line.product_id, template.id AS product_tmpl_id, template.categ_id,
                       cmp.currency_id,
                       SUM(line.product_uom_qty / line_uom.factor * product_uom.factor) AS product_qty,
                       SUM(line.price_subtotal * CASE WHEN pricelist.currency_id = cmp.currency_id THEN 1.0
                           ELSE crm_erp_bridge_currency_factor(pricelist.currency_id, cmp.currency_id,
                                                               cmp.id, doc.date_order::date) END) AS revenue,
                       COUNT(DISTINCT doc.id) AS order_count,
                       MIN(doc.date_order)::date AS first_order_date,
                       MAX(doc.date_order)::date AS last_order_date
        """

    def _lines_from(self):
        """The counted lines (`line`: id, order_id, product_id, product_uom_qty, product_uom,
        price_subtotal) joined to their counted document (`doc`: id, company_id, partner_id,
        pricelist_id, date_order): the confirmed sale orders' lines. A glue addon overrides this
        part only (crm_erp_bridge_pos: the ticket lines beside them, UNION ALL)."""
        return """
                  sale_order_line line
                  JOIN sale_order doc ON doc.id = line.order_id AND doc.state IN ('sale', 'done')
        """

    def _from(self):
        return self._lines_from() + """
                  JOIN res_partner partner ON partner.id = doc.partner_id
                  JOIN res_company cmp ON cmp.id = doc.company_id
                  JOIN product_pricelist pricelist ON pricelist.id = doc.pricelist_id
                  JOIN product_product product ON product.id = line.product_id
                  JOIN product_template template ON template.id = product.product_tmpl_id
                  JOIN product_uom line_uom ON line_uom.id = line.product_uom
                  JOIN product_uom product_uom ON product_uom.id = template.uom_id
        """

    def _group_by(self):
        return """
              GROUP BY doc.company_id, partner.commercial_partner_id, line.product_id, template.id,
                       cmp.currency_id
        """

    @api.model_cr
    def init(self):
        # the view converts amounts with this SQL function: created first
        create_currency_factor_function(self.env.cr)
        return super().init()
