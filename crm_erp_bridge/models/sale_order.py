from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..change_hooks import followed
from ..run_lock import retry_safe
from ..units import missing_text
from .record_ids import USER_GROUP, browse_readable, check_group, public_method, public_records

# Order fields whose change moves a confirmed order's Customer 360 figures.
_CUSTOMER_360_ORDER_FIELDS = {'state', 'partner_id', 'company_id', 'pricelist_id', 'date_order'}
# Order fields whose change moves the co-purchase baskets of confirmed orders.
_AFFINITY_ORDER_FIELDS = {'state', 'partner_id', 'company_id', 'date_order'}


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # Sales channel
    # Where the order came from, set at creation: the back office (default, and a copy made
    # there), the Odoo webshop (crm_erp_bridge_website sets it) or an outside shop (pushed
    # through crm_erp_push_order below). Glue addons add theirs with selection_add. The Customer
    # 360 breaks its figures down by it (queries/customer_360.channel_breakdown). Filled for
    # existing orders by Odoo's one UPDATE of the new column's default at install.
    crm_erp_channel = fields.Selection(
        [('back_office', 'Back office'), ('webshop', 'Webshop'), ('outside_shop', 'Outside shop')],
        string='Sales channel', default='back_office', required=True, index=True, copy=False, readonly=True,
        help='Where the order came from: entered in the back office, placed on the Odoo webshop, or pushed '
             'by an outside shop through the API.')

    # Changes followed by the features (change_hooks) ------------------------------------

    @api.model
    def create(self, vals):
        order = super().create(vals)
        order._affinity_after_create()
        return order

    @api.multi
    def write(self, vals):
        return followed([self._affinity_before_write(vals), self._customer_360_before_write(vals)],
                        lambda: super(SaleOrder, self).write(vals))

    # Customer 360
    def _customer_360_pairs(self):
        confirmed = self.filtered(lambda order: order.state in ('sale', 'done'))
        return self.env['crm.erp.partner.stats']._customer_360_pairs(confirmed)

    def _customer_360_before_write(self, vals):
        if not _CUSTOMER_360_ORDER_FIELDS.intersection(vals):
            return None
        # confirmed before (cancelled, moved to another partner) or after (confirmed)
        pairs = self._customer_360_pairs()
        return lambda: self.env['crm.erp.partner.stats']._refresh_pairs(pairs | self._customer_360_pairs())

    # Pipeline demand and purchasing
    short_line_count = fields.Integer(string='Lines Short', compute='_compute_short_line_count')
    short_summary = fields.Char(
        string='Short at their date', compute='_compute_short_line_count',
        help='The products whose free stock and incoming receipts do not cover the line by its date, '
             'and how much is missing, in the product unit.')

    @api.depends('order_line')
    def _compute_short_line_count(self):
        availability = self.mapped('order_line')._get_availability()
        for order in self:
            short = [(line, availability[line]['short']) for line in order.order_line
                     if availability.get(line, {}).get('short', 0.0) > 0]
            order.short_line_count = len(short)
            order.short_summary = '; '.join(missing_text(order, line.product_id, missing) for line, missing in short)

    @api.model
    @public_method
    @retry_safe
    def check_availability(self, order_ids):
        """XML-RPC: reserve what is free on the pickings of the confirmed orders among
        order_ids, then report per stockable line (product unit): needed (still to deliver
        and not reserved before), reserved (now, on its moves), forecast (free + incoming by
        the line's date) and short, with a status: for quotations what would be short at the
        line's date, for confirmed orders what stays unreserved."""
        check_group(self, USER_GROUP, _('Only a CRM-ERP Bridge user (salesman) can check and reserve orders.'))
        orders = browse_readable(self, order_ids, 'order_ids')
        confirmed = orders.filtered(lambda order: order.state in ('sale', 'done'))
        # sudo: reserving the deliveries of orders the caller may read is what the check does
        pickings = confirmed.sudo().mapped('picking_ids').filtered(
            lambda picking: picking.state in ('confirmed', 'waiting', 'assigned'))
        if pickings:
            pickings.action_assign()
        lines = orders.mapped('order_line')
        # sudo: stock figures of the lines of those orders only (salesmen may not read quants)
        availability = lines.sudo()._get_availability()
        result = []
        for line in lines:
            figures = availability.get(line.sudo())  # the keys are the sudo lines above
            if not figures:
                continue
            if line.order_id.state in ('sale', 'done'):
                short = max(figures['needed'], 0.0)
                status = 'reserved' if short <= 0 else ('partial' if figures['reserved'] > 0 else 'short')
            else:
                short = figures['short']
                status = 'available' if short <= 0 else 'short'
            result.append({
                'order_id': line.order_id.id,
                'order_line_id': line.id,
                'product_id': line.product_id.id,
                'needed_qty': figures['needed'] + figures['reserved'],
                'reserved_qty': figures['reserved'],
                'free_qty': figures['free'],
                'forecast_qty': figures['forecast'],
                'short_qty': short,
                'status': status,
            })
        return result

    @public_records
    def action_check_availability(self):
        """Check & reserve: run check_availability and show its result."""
        return self.env['crm.erp.availability.check']._create_from_orders(self)

    @public_records
    def action_create_shortfall_rfqs(self):
        """Create RFQs for the shortfall of the products on these quotations."""
        products = self.mapped('order_line.product_id')
        return self.env['crm.erp.shortfall.rfq.result']._create_for_products(products)

    # Product affinity: the co-purchase counts stay exact when orders are confirmed, cancelled
    # or moved: the baskets the change may touch are read before and after it and only their
    # difference is applied (see crm.erp.product.affinity).
    def _affinity_may_count(self, vals=None):
        return any(order.state in ('sale', 'done') for order in self) or (
            vals is not None and vals.get('state') in ('sale', 'done'))

    def _affinity_after_create(self):
        if self.state in ('sale', 'done'):
            self.env['crm.erp.product.affinity']._affinity_count_created(self, exclude_order_ids=self.ids)

    def _affinity_before_write(self, vals):
        if not _AFFINITY_ORDER_FIELDS.intersection(vals) or not self._affinity_may_count(vals):
            return None
        return self.env['crm.erp.product.affinity']._affinity_follow(self, vals)

    # Recommendations
    @public_records(one=True)
    def action_open_recommendations(self):
        """Suggested products for this quotation's customer, with one-click Add."""
        return self.env['crm.erp.recommendation.wizard']._open_for(order=self)

    @api.multi
    def _add_recommended_product(self, product, qty):
        """A new line for product built through sale's own onchanges (description, unit,
        pricelist price for the quantity, taxes by fiscal position), as if typed in the form."""
        self.ensure_one()
        if self.state not in ('draft', 'sent'):
            raise UserError(_('Products can only be added to quotations.'))
        Line = self.env['sale.order.line']
        line = Line.new({'order_id': self.id, 'product_id': product.id, 'product_uom_qty': qty})
        line.product_id_change()
        line.product_uom_qty = qty
        line.product_uom_change()
        values = line._convert_to_write({name: line[name] for name in line._cache
                                         if name != 'id' and (line._fields[name].store or line._fields[name].inverse)})
        return Line.create(values)
