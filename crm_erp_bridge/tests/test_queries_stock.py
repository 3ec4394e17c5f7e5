from ..queries import stock
from .supply_common import SupplyCase


class TestQueriesStock(SupplyCase):
    """queries/stock.py on the constructed pipeline (supply_common): P has 10 free in WH1 and 8
    coming in on 2099-01-13."""

    def test_free_and_incoming_qty(self):
        company, p, wh1, wh2 = self.company.id, self.product.id, self.wh1.id, self.wh2.id
        self.env['stock.quant']._update_available_quantity(self.product, self.wh2.lot_stock_id, 4.0)
        other = self._product('Bridge nothing stocked')
        self.assertEqual(stock.free_and_incoming_qty(self.env.cr, [
            (p, company, wh1, None),                     # the warehouse, every open receipt
            (p, company, wh1, '2099-01-12 23:59:59'),    # before the receipt
            (p, company, wh2, None),                     # the other warehouse
            (p, company, None, '2099-01-13 10:00:00'),   # every internal location of the company
            (other.id, company, wh1, None),              # nothing: zeros
        ]), [(10.0, 8.0), (10.0, 0.0), (4.0, 0.0), (14.0, 8.0), (0.0, 0.0)])

    def test_reserved_qty_by_sale_line(self):
        product = self._product('Bridge reserved')
        self.env['stock.quant']._update_available_quantity(product, self.wh1.lot_stock_id, 5.0)
        order = self._quotation(self.wh1, [(product, 3.0, self.unit, 0), (self.product, 1.0, self.dozen, 0)])
        order.action_confirm()
        order.picking_ids.action_assign()
        reserved_line, dozen_line = order.order_line
        # the dozen line reserves 10 of the 12 units it needs (what is free), in the product unit
        self.assertEqual(stock.reserved_qty_by_sale_line(self.env.cr, order.order_line.ids),
                         {reserved_line.id: 3.0, dozen_line.id: 10.0})
        self.assertEqual(stock.reserved_qty_by_sale_line(self.env.cr, self.q1.order_line.ids), {})
