from odoo import api, fields, models
from odoo.addons.crm_erp_bridge.change_hooks import followed

from ..queries import COUNTED_STATES
from ..ui_batch import check_ui_batch

# Ticket fields whose change moves a counted ticket's Customer 360 figures.
_CUSTOMER_360_FIELDS = {'state', 'partner_id', 'company_id', 'pricelist_id', 'date_order', 'lines'}
# Ticket fields whose change moves the co-purchase baskets of counted tickets.
_AFFINITY_FIELDS = {'state', 'partner_id', 'company_id', 'date_order', 'lines'}


class PosOrder(models.Model):
    _inherit = 'pos.order'

    # Customer 360
    # Odoo 11 computes a ticket's amounts without storing them: the untaxed total is stored here
    # (the sum of its lines' price_subtotal, rounded in the pricelist's currency, as Odoo's
    # amount_total sums them) for the set-based Customer 360 statements.
    crm_erp_amount_untaxed = fields.Float(
        'Untaxed amount', compute='_compute_crm_erp_amount_untaxed', store=True, digits=0, readonly=True,
        help='Total of the ticket without taxes, in the currency of its pricelist (the Customer 360 counts it).')

    @api.depends('lines.price_unit', 'lines.qty', 'lines.discount', 'lines.tax_ids', 'lines.product_id',
                 'fiscal_position_id', 'partner_id', 'pricelist_id')
    def _compute_crm_erp_amount_untaxed(self):
        for order in self:
            order.crm_erp_amount_untaxed = order.pricelist_id.currency_id.round(
                sum(line.price_subtotal for line in order.lines))

    @api.model
    def create(self, vals):
        order = super().create(vals)
        if order.state in COUNTED_STATES and not self.env.context.get('crm_erp_pos_batch'):
            self.env['crm.erp.partner.stats']._refresh_pairs(order._customer_360_pairs())
            order._affinity_count_created()
        return order

    @api.multi
    def write(self, vals):
        return followed([self._affinity_before_write(vals), self._customer_360_before_write(vals)],
                        lambda: super(PosOrder, self).write(vals))

    @api.model
    def create_from_ui(self, orders):
        """The till's sync: the tickets are created and paid as Odoo does, then their customers'
        Customer 360 rows are refreshed and their baskets counted in the product affinity, once
        for the whole batch. The batch is checked first (ui_batch.check_ui_batch): a malformed one,
        or one naming records of another company, gets a UserError or AccessError before
        anything is written."""
        check_ui_batch(self, orders)
        order_ids = super(PosOrder, self.with_context(crm_erp_pos_batch=True)).create_from_ui(orders)
        tickets = self.browse(order_ids)
        self.env['crm.erp.partner.stats']._refresh_pairs(tickets._customer_360_pairs())
        tickets._affinity_count_created()
        return order_ids

    def _customer_360_pairs(self):
        """{(company id, commercial partner id)} of the counted tickets among these, as stored."""
        counted = self.filtered(lambda order: order.state in COUNTED_STATES and order.partner_id)
        return self.env['crm.erp.partner.stats']._customer_360_pairs(counted)

    def _customer_360_before_write(self, vals):
        if self.env.context.get('crm_erp_pos_batch') or not _CUSTOMER_360_FIELDS.intersection(vals):
            return None
        if set(vals) & _CUSTOMER_360_FIELDS == {'state'} and all(
                (order.state in COUNTED_STATES) == (vals['state'] in COUNTED_STATES) for order in self):
            return None  # paid -> posted (the session's closing) or -> invoiced: the figures stay
        # counted before (moved to another customer) or after (paid)
        pairs = self._customer_360_pairs()
        return lambda: self.env['crm.erp.partner.stats']._refresh_pairs(pairs | self._customer_360_pairs())

    # Product affinity: counted tickets (anonymous ones too) are baskets (queries.POS_ORDER_BASKETS,
    # ids -pos_order.id); the baskets a change may touch are read before and after it and only
    # their difference is applied, as for sale orders (crm.erp.product.affinity).
    def _affinity_scope(self, vals=None):
        """The affinity scope of a change of these tickets (vals: about to be written)."""
        vals = vals or {}
        # sudo: only the ids of the tickets' companies and customers, to scope the recount
        companies = self.mapped('company_id').sudo()
        if vals.get('company_id'):
            companies |= self.env['res.company'].sudo().browse(vals['company_id'])
        partners = self.mapped('partner_id.commercial_partner_id')
        if vals.get('partner_id'):
            partners |= self.env['res.partner'].sudo().browse(vals['partner_id']).commercial_partner_id
        keys = [-order_id for order_id in self.ids]  # a ticket without a customer is its own key
        return self.env['crm.erp.product.affinity']._affinity_scope_keys(companies, keys, partners.ids + keys)

    def _affinity_count_created(self):
        """After these tickets were created (and paid): their baskets counted."""
        counted = self.filtered(lambda order: order.state in COUNTED_STATES)
        if counted:
            self.env['crm.erp.product.affinity']._affinity_count_in_scope(
                counted._affinity_scope(), exclude_order_ids=[-order_id for order_id in counted.ids])

    def _affinity_before_write(self, vals):
        if self.env.context.get('crm_erp_pos_batch') or not _AFFINITY_FIELDS.intersection(vals):
            return None
        counted_after = vals.get('state') in COUNTED_STATES if 'state' in vals else None
        if not any(order.state in COUNTED_STATES for order in self) and not counted_after:
            return None
        if set(vals) & _AFFINITY_FIELDS == {'state'} and all(
                (order.state in COUNTED_STATES) == counted_after for order in self):
            return None  # paid -> posted (the session's closing) or -> invoiced: the baskets stay
        return self.env['crm.erp.product.affinity']._affinity_follow_scope(self._affinity_scope(vals))
