from odoo import api, models

# Free stock: what internal locations hold minus what is reserved, per product.
_FREE_QTY_SQL = """
    SELECT quant.product_id, SUM(quant.quantity - quant.reserved_quantity)
      FROM stock_quant quant
      JOIN stock_location loc ON loc.id = quant.location_id
     WHERE quant.product_id = ANY(%(product_ids)s)
       AND loc.usage = 'internal'
       AND loc.company_id = %(company_id)s
       AND (%(parent_left)s IS NULL OR loc.parent_left BETWEEN %(parent_left)s AND %(parent_right)s)
  GROUP BY quant.product_id
"""

# Incoming stock: open moves from outside the company's internal locations into them
# (receipts of confirmed purchase orders, returns, ...), optionally up to a date.
_INCOMING_QTY_SQL = """
    SELECT move.product_id, SUM(move.product_qty)
      FROM stock_move move
      JOIN stock_location dest ON dest.id = move.location_dest_id
      JOIN stock_location src ON src.id = move.location_id
     WHERE move.product_id = ANY(%(product_ids)s)
       AND move.state NOT IN ('draft', 'cancel', 'done')
       AND dest.usage = 'internal' AND src.usage <> 'internal'
       AND move.company_id = %(company_id)s
       AND (%(parent_left)s IS NULL OR dest.parent_left BETWEEN %(parent_left)s AND %(parent_right)s)
       AND (%(to_date)s IS NULL OR move.date_expected <= %(to_date)s)
  GROUP BY move.product_id
"""


class ProductProduct(models.Model):
    _inherit = 'product.product'

    @api.model
    def _get_free_and_incoming_qty(self, product_ids, company_id, warehouse_id=None, to_date=None):
        """Return {product_id: (free_qty, incoming_qty)} in each product's own UoM, for
        every id in product_ids (zeros where nothing is stocked), in one query each.

        free = on hand - reserved in the company's internal locations (of warehouse_id only,
        when given); incoming = open incoming moves, expected up to to_date when given."""
        params = {
            'product_ids': list(product_ids),
            'company_id': company_id,
            'parent_left': None,
            'parent_right': None,
            'to_date': to_date,
        }
        if warehouse_id:
            view_location = self.env['stock.warehouse'].browse(warehouse_id).view_location_id
            params.update(parent_left=view_location.parent_left, parent_right=view_location.parent_right)
        self.env.cr.execute(_FREE_QTY_SQL, params)
        free = dict(self.env.cr.fetchall())
        self.env.cr.execute(_INCOMING_QTY_SQL, params)
        incoming = dict(self.env.cr.fetchall())
        return {pid: (free.get(pid, 0.0), incoming.get(pid, 0.0)) for pid in params['product_ids']}
