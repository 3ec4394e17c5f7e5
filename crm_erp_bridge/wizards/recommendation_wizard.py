from odoo import _, api, fields, models
from odoo.addons import decimal_precision as dp
from odoo.exceptions import UserError

from ..companies import allowed_company
from ..models.record_ids import USER_GROUP, check_group, public_records
from ..run_lock import lock_run
from ..units import quantity_text

_WIZARD_LIMIT = 10


class CrmErpRecommendationWizard(models.TransientModel):
    """Suggested products for a customer, a quotation or an opportunity, with one-click Add."""
    _name = 'crm.erp.recommendation.wizard'
    _description = 'Suggested products'

    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    order_id = fields.Many2one('sale.order', string='Quotation', readonly=True)
    lead_id = fields.Many2one('crm.lead', string='Opportunity', readonly=True)
    from_customer = fields.Boolean(
        readonly=True, help="Opened from the customer: Add puts the product on the salesperson's quotation.")
    line_ids = fields.One2many('crm.erp.recommendation.wizard.line', 'wizard_id', string='Suggestions',
                               readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)

    @api.model
    def _open_for(self, partner=None, order=None, lead=None):
        check_group(self, USER_GROUP, _('Only a CRM-ERP Bridge user (salesman) can read recommendations.'))
        document = order or lead
        partner = partner or document.partner_id
        if not partner:
            raise UserError(_('Set the customer first: suggestions come from what they bought.'))
        company = (document and document.company_id) or allowed_company(self.env)
        exclude = order.order_line.mapped('product_id') if order else (
            lead.line_ids.mapped('product_id') if lead else self.env['product.product'])
        items = self.env['crm.erp.recommendation']._recommend(
            partner, company, limit=_WIZARD_LIMIT, exclude_product_ids=exclude.ids).get(
                partner.commercial_partner_id.id, [])
        Product = self.env['product.product']
        # what Add will put on the document: a re-order item's usual quantity, else the typical line's
        typical = self.env['crm.erp.recommendation']._typical_quantities(
            partner, company, [item['product_id'] for item in items if not item['expected_qty']])
        quantities = {item['product_id']: item['expected_qty'] or typical[item['product_id']] for item in items}
        # the price Add will use: the opportunity's lines take the list price, a quotation its pricelist's
        pricelist = self.env['product.pricelist'] if lead else (
            order.pricelist_id if order else partner.property_product_pricelist)
        wizard = self.create({
            'partner_id': partner.id,
            'order_id': order.id if order else False,
            'lead_id': lead.id if lead else False,
            'from_customer': not document,
            'currency_id': (pricelist.currency_id or company.currency_id).id,
            'line_ids': [(0, 0, {
                'sequence': index, 'product_id': item['product_id'], 'score': item['score'],
                'reason': item['reason'], 'free_qty': item['free_qty'], 'incoming_qty': item['incoming_qty'],
                'out_of_stock': item['out_of_stock'], 'intent': item['intent'], 'intent_label': item['intent_label'],
                'due': item['due'],
                'expected_qty': item['expected_qty'] or 0.0, 'due_date': item['due_date'] or False,
                'expected': item['expected'], 'add_qty': quantities[item['product_id']],
                'price_unit': pricelist.get_product_price(
                    Product.browse(item['product_id']), quantities[item['product_id']], partner) if pricelist
                else Product.browse(item['product_id']).lst_price,
            }) for index, item in enumerate(items)],
        })
        return wizard._action_open()

    def _quotation_to_add_to(self):
        """Opened from the customer: the salesperson's newest draft quotation for the customer in
        the current company, else a new one — one, also when two Adds meet (lock_run)."""
        company = allowed_company(self.env)
        customer = self.partner_id.commercial_partner_id
        lock_run(self.env, 'customer_quotation', [(company.id, customer.id, self.env.uid)])
        Order = self.env['sale.order']
        return Order.search([('partner_id', 'child_of', customer.id), ('user_id', '=', self.env.uid),
                             ('company_id', '=', company.id), ('state', '=', 'draft')],
                            order='id desc', limit=1) or Order.create({
                                'partner_id': self.partner_id.id, 'user_id': self.env.uid, 'company_id': company.id})

    @public_records(one=True)
    def action_open_quotation(self):
        """The quotation the products were added to, in its form."""
        if not self.order_id:
            raise UserError(_('Add a product first: it goes on your quotation for this customer.'))
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'sale.order',
            'res_id': self.order_id.id,
            'view_mode': 'form',
            'target': 'current',
        }

    def _action_open(self):
        return {
            'type': 'ir.actions.act_window',
            'name': _('Suggested Products'),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'views': [(self.env.ref('crm_erp_bridge.crm_erp_recommendation_wizard_view_form').id, 'form')],
            'target': 'new',
        }


class CrmErpRecommendationWizardLine(models.TransientModel):
    _name = 'crm.erp.recommendation.wizard.line'
    _description = 'Suggested product'
    _order = 'sequence, id'

    wizard_id = fields.Many2one('crm.erp.recommendation.wizard', required=True, ondelete='cascade')
    sequence = fields.Integer()
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    score = fields.Float(readonly=True, digits=(16, 4))
    intent = fields.Selection([('reorder', 'Re-order'), ('discover', 'Discover')], readonly=True,
                              help='Re-order: a product the customer bought before; Discover: a product new to them.')
    intent_label = fields.Char(string='Intent', readonly=True,
                               help='Due to re-order: their usual re-order time has come; Buy again: a product they '
                                    'bought, not due yet; Discover: a product new to them.')
    due = fields.Boolean(string='Due', readonly=True, help="A re-order item whose customer's usual cycle has come.")
    reason = fields.Char(string='Why', readonly=True)
    expected_qty = fields.Float(string='Expected Quantity', readonly=True,
                                digits=dp.get_precision('Product Unit of Measure'),
                                help='Re-order items: the quantity the customer usually orders at a time.')
    uom_id = fields.Many2one(related='product_id.uom_id', string='Unit', readonly=True)
    due_date = fields.Date(string='Due Date', readonly=True,
                           help='Re-order items with a rhythm: their last order day plus their usual cycle.')
    expected = fields.Char(
        string='When', readonly=True,
        help='Re-order items: the expected quantity with its unit and when it is due, in plain words.')
    free_qty = fields.Float(string='Free', readonly=True, digits=dp.get_precision('Product Unit of Measure'))
    incoming_qty = fields.Float(string='Incoming', readonly=True,
                                digits=dp.get_precision('Product Unit of Measure'))
    add_qty = fields.Float(
        string='Quantity to Add', readonly=True, digits=dp.get_precision('Product Unit of Measure'),
        help="What Add puts on the document: a re-order item's usual quantity, else the customer's (or "
             "every customer's) typical line.")
    add_text = fields.Char(string='Quantity', compute='_compute_stock_texts',
                           help="What Add puts on the document, in the product unit: a re-order item's usual "
                                "quantity, else the customer's (or every customer's) typical line.")
    currency_id = fields.Many2one(related='wizard_id.currency_id', readonly=True)
    price_unit = fields.Monetary(
        string='Unit Price', readonly=True,
        help="The customer's pricelist price for that quantity (an opportunity: the list price), untaxed.")
    added_text = fields.Char(string='Added', readonly=True, help='What Add put on the document.')
    free_text = fields.Char(string='Free to Sell', compute='_compute_stock_texts',
                            help='On hand and not reserved, in the product unit.')
    incoming_text = fields.Char(string='Arriving', compute='_compute_stock_texts',
                                help='On confirmed purchases and receipts not received yet, in the product unit.')
    out_of_stock = fields.Boolean(readonly=True)
    added = fields.Boolean(readonly=True)
    can_add = fields.Boolean(compute='_compute_can_add')

    @api.depends('free_qty', 'incoming_qty', 'add_qty', 'product_id.uom_id')
    def _compute_stock_texts(self):
        for line in self:
            line.add_text = quantity_text(line.add_qty, line.uom_id)
            line.free_text = quantity_text(line.free_qty, line.uom_id)
            line.incoming_text = quantity_text(line.incoming_qty, line.uom_id)

    @api.depends('wizard_id.order_id.state', 'wizard_id.lead_id', 'added')
    def _compute_can_add(self):
        for line in self:
            order = line.wizard_id.order_id
            line.can_add = not line.added and (
                (order and order.state in ('draft', 'sent')) or bool(line.wizard_id.lead_id)
                or (line.wizard_id.from_customer and not order))

    @public_records(one=True)
    def action_add(self):
        """Add the product to the quotation (a sale.order.line built by sale's own onchanges:
        description, unit, pricelist price and taxes) or to the opportunity's product lines,
        in the customer's typical quantity; then show the suggestions again. Opened from the
        customer: to the salesperson's draft quotation for them, made if there is none."""
        wizard = self.wizard_id
        if not self.can_add:
            raise UserError(_('%s cannot be added here any more.') % self.product_id.display_name)
        if wizard.from_customer and not wizard.order_id:
            wizard.order_id = wizard._quotation_to_add_to()
        if wizard.order_id:
            wizard.order_id._add_recommended_product(self.product_id, self.add_qty)
        else:
            wizard.lead_id._add_recommended_product(self.product_id, self.add_qty)
        self.write({'added': True, 'added_text': _('%s added') % self.add_text})
        return wizard._action_open()
