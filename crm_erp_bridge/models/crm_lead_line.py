from odoo import _, api, fields, models
from odoo.addons import decimal_precision as dp

from ..exceptions import ValidationError


class CrmLeadLine(models.Model):
    """A product the customer of an opportunity is expected to buy."""
    _name = 'crm.lead.line'
    _description = 'Opportunity Product Line'
    _order = 'lead_id, sequence, id'

    lead_id = fields.Many2one('crm.lead', string='Opportunity', required=True, ondelete='cascade', index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related='lead_id.company_id', store=True, readonly=True)
    product_id = fields.Many2one(
        'product.product', string='Product', required=True, index=True, ondelete='restrict',
        domain=[('sale_ok', '=', True)])
    product_qty = fields.Float(
        string='Quantity', required=True, default=1.0, digits=dp.get_precision('Product Unit of Measure'))
    product_uom_id = fields.Many2one('product.uom', string='Unit of Measure', required=True)
    price_unit = fields.Float(string='Unit Price', digits=dp.get_precision('Product Price'))
    price_subtotal = fields.Float(string='Subtotal', compute='_compute_price_subtotal', store=True)
    date_expected = fields.Date(
        string='Expected Date',
        help="When the customer needs the product; defaults to the opportunity's expected closing.")
    # Availability in the opportunity's warehouse, see _compute_availability.
    free_qty = fields.Float(string='Free', compute='_compute_availability',
                            digits=dp.get_precision('Product Unit of Measure'))
    forecast_qty = fields.Float(
        string='Forecast', compute='_compute_availability', digits=dp.get_precision('Product Unit of Measure'),
        help='Free stock now plus what is expected in by the line date, in the product unit.')
    is_short = fields.Boolean(string='Short', compute='_compute_availability')

    @api.depends('product_qty', 'price_unit')
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.product_qty * line.price_unit

    def _compute_availability(self):
        for line in self:  # services and consumables
            line.free_qty = line.forecast_qty = 0.0
            line.is_short = False
        stocked = self.filtered(lambda line: line.product_id.type == 'product' and line.lead_id.company_id)
        requests = [
            (line.product_id.id, line.lead_id.company_id.id, line.lead_id._get_demand_warehouse().id,
             '%s 23:59:59' % line._get_demand_date())
            for line in stocked
        ]
        figures = self.env['product.product']._get_free_and_incoming_qty_batch(requests)
        for line, (free, incoming) in zip(stocked, figures):
            needed = line.product_uom_id._compute_quantity(line.product_qty, line.product_id.uom_id)
            line.free_qty = free
            line.forecast_qty = free + incoming
            line.is_short = needed > free + incoming

    def _get_demand_date(self):
        """The date this line's demand is expected, as the pipeline demand report dates it:
        the line's date, else the opportunity's expected closing, not before today."""
        today = fields.Date.context_today(self)
        return max(self.date_expected or self.lead_id.date_deadline or today, today)

    @api.onchange('product_id')
    def _onchange_product_id(self):
        if self.product_id:
            self.product_uom_id = self.product_id.uom_id
            self.price_unit = self.product_id.lst_price

    @api.constrains('product_id', 'product_uom_id')
    def _check_product_uom_category(self):
        for line in self:
            if line.product_uom_id.category_id != line.product_id.uom_id.category_id:
                raise ValidationError(_(
                    'The unit %(uom)s of the opportunity line for %(product)s is not in the '
                    'category of the product unit.') % {
                        'uom': line.product_uom_id.name, 'product': line.product_id.display_name})

    @api.constrains('product_qty')
    def _check_product_qty(self):
        if any(line.product_qty <= 0 for line in self):
            raise ValidationError(_('The quantity of an opportunity line must be positive.'))

    @api.model
    def create(self, vals):
        if vals.get('product_id') and not vals.get('product_uom_id'):
            vals['product_uom_id'] = self.env['product.product'].browse(vals['product_id']).uom_id.id
        if vals.get('lead_id') and not vals.get('date_expected'):
            vals['date_expected'] = self.env['crm.lead'].browse(vals['lead_id']).date_deadline
        line = super(CrmLeadLine, self).create(vals)
        line.lead_id._update_planned_revenue_from_lines()
        # the lead score reads the product categories of the lines
        line.lead_id._lead_score_after_write()
        return line

    @api.multi
    def write(self, vals):
        leads = self.mapped('lead_id')
        result = super(CrmLeadLine, self).write(vals)
        if {'product_qty', 'price_unit', 'lead_id'} & set(vals):
            (leads | self.mapped('lead_id'))._update_planned_revenue_from_lines()
        if {'product_id', 'lead_id'} & set(vals):
            (leads | self.mapped('lead_id'))._lead_score_after_write()
        return result

    @api.multi
    def unlink(self):
        leads = self.mapped('lead_id')
        self._cross_sell_record_refusals()
        result = super(CrmLeadLine, self).unlink()
        leads.exists()._update_planned_revenue_from_lines()
        leads.exists()._lead_score_after_write()
        return result

    # Cross-sell
    def _cross_sell_record_refusals(self):
        """A product line removed from an open cross-sell opportunity is a product the customer
        refused: kept on the opportunity (Refused Products), it is not suggested to the
        customer again for the company's refusal days after the opportunity closes."""
        for lead in self.mapped('lead_id').filtered(
                lambda lead: lead.is_cross_sell and lead.active and lead.probability < 100):
            products = self.filtered(lambda line: line.lead_id == lead).mapped('product_id')
            lead.write({'cross_sell_refused_product_ids': [(4, product.id) for product in products]})
