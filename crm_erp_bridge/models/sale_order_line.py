from datetime import timedelta

from odoo import api, fields, models
from odoo.addons import decimal_precision as dp

from ..change_hooks import followed
from ..queries import stock as stock_queries

# Line fields that change a confirmed order's amount or its product figures.
_CUSTOMER_360_LINE_FIELDS = {'product_id', 'product_uom_qty', 'product_uom', 'price_unit', 'discount',
                             'tax_id', 'order_id'}
# Line fields that change what a confirmed order's basket holds.
_AFFINITY_LINE_FIELDS = {'product_id', 'product_uom_qty', 'order_id', 'is_downpayment'}

class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    # Changes followed by the features (change_hooks) ------------------------------------

    @api.model
    def create(self, vals):
        line = super().create(vals)
        line._customer_360_after_create()
        line._affinity_after_create()
        return line

    @api.multi
    def write(self, vals):
        return followed([self._affinity_before_write(vals), self._customer_360_before_write(vals)],
                        lambda: super(SaleOrderLine, self).write(vals))

    @api.multi
    def unlink(self):
        return followed([self._affinity_before_unlink(), self._customer_360_before_unlink()],
                        lambda: super(SaleOrderLine, self).unlink())

    # Customer 360
    def _customer_360_after_create(self):
        self.env['crm.erp.partner.stats']._refresh_pairs(self.order_id._customer_360_pairs())

    def _customer_360_before_write(self, vals):
        if not _CUSTOMER_360_LINE_FIELDS.intersection(vals):
            return None
        pairs = self.mapped('order_id')._customer_360_pairs()
        return lambda: self.env['crm.erp.partner.stats']._refresh_pairs(
            pairs | self.mapped('order_id')._customer_360_pairs())

    def _customer_360_before_unlink(self):
        orders = self.mapped('order_id')
        return lambda: self.env['crm.erp.partner.stats']._refresh_pairs(orders.exists()._customer_360_pairs())

    # Pipeline demand and purchasing: availability in the order's warehouse, in the product
    # unit; see _get_availability.
    free_qty = fields.Float(
        string='Free', compute='_compute_availability', digits=dp.get_precision('Product Unit of Measure'))
    forecast_qty = fields.Float(
        string='Forecast', compute='_compute_availability',
        digits=dp.get_precision('Product Unit of Measure'),
        help='Free stock now plus what is expected in by the line date, in the product unit.')
    is_short = fields.Boolean(string='Short', compute='_compute_availability')

    def _compute_availability(self):
        for line in self:  # services, consumables and lines without warehouse
            line.free_qty = line.forecast_qty = 0.0
            line.is_short = False
        for line, figures in self._get_availability().items():
            line.free_qty = figures['free']
            line.forecast_qty = figures['forecast']
            line.is_short = figures['short'] > 0

    @api.multi
    def _get_availability(self):
        """{line: {'needed', 'reserved', 'free', 'forecast', 'short'}} for the stockable lines,
        in the product unit, in three queries for the whole recordset.

        needed = ordered - delivered - already reserved; forecast = free now + incoming by the
        line's date; short = what of the needed quantity the forecast does not cover."""
        lines = self.filtered(lambda line: line.product_id.type == 'product' and line.order_id.warehouse_id)
        if not lines:
            return {}
        requests = [
            (line.product_id.id, line.order_id.company_id.id, line.order_id.warehouse_id.id,
             '%s 23:59:59' % line._get_demand_date())
            for line in lines
        ]
        stock = self.env['product.product']._get_free_and_incoming_qty_batch(requests)
        reserved_by_line = stock_queries.reserved_qty_by_sale_line(
            self.env.cr, [line.id for line in lines if isinstance(line.id, int)])
        result = {}
        for line, (free, incoming) in zip(lines, stock):
            to_product_uom = line.product_id.uom_id
            reserved = reserved_by_line.get(line.id, 0.0)
            needed = line.product_uom._compute_quantity(
                line.product_uom_qty - line.qty_delivered, to_product_uom) - reserved
            forecast = free + incoming
            result[line] = {
                'needed': needed, 'reserved': reserved, 'free': free, 'forecast': forecast,
                'short': max(needed - max(forecast, 0.0), 0.0),
            }
        return result

    @api.multi
    def _get_demand_date(self):
        """When the customer expects the line: order (or confirmation) date plus the delivery
        lead time, as sale_stock plans it, not before today."""
        self.ensure_one()
        order_date = fields.Datetime.from_string(self.order_id.confirmation_date or self.order_id.date_order)
        expected = (order_date + timedelta(days=self.customer_lead or 0.0)).date()
        return fields.Date.to_string(max(expected, fields.Date.from_string(fields.Date.context_today(self))))

    # Product affinity: line changes on confirmed orders update the co-purchase counts of their
    # baskets (see crm.erp.product.affinity).
    def _affinity_orders(self, vals=None):
        orders = self.mapped('order_id')
        if vals and vals.get('order_id'):
            orders |= self.env['sale.order'].browse(vals['order_id'])
        return orders.filtered(lambda order: order.state in ('sale', 'done'))

    def _affinity_after_create(self):
        orders = self._affinity_orders()
        if orders:
            self.env['crm.erp.product.affinity']._affinity_count_created(orders, exclude_line_ids=self.ids)

    def _affinity_before_write(self, vals):
        if not _AFFINITY_LINE_FIELDS.intersection(vals):
            return None
        orders = self._affinity_orders(vals)
        if not orders:
            return None
        return self.env['crm.erp.product.affinity']._affinity_follow(orders)

    def _affinity_before_unlink(self):
        orders = self._affinity_orders()
        if not orders:
            return None
        return self.env['crm.erp.product.affinity']._affinity_follow(orders, rescope=True)
