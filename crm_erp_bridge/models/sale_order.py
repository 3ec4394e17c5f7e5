from psycopg2 import IntegrityError, errorcodes
from psycopg2.extensions import TransactionRollbackError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import escape_psql

from ..change_hooks import followed
from ..companies import allowed_company
from ..queries.common import advisory_xact_lock
from ..run_lock import lock_run
from ..units import missing_text
from .record_ids import USER_GROUP, browse_readable, check_group, public_method, public_records, shown
from .shop_order_input import check_shop_order

# Order fields whose change moves a confirmed order's Customer 360 figures.
_CUSTOMER_360_ORDER_FIELDS = {'state', 'partner_id', 'company_id', 'pricelist_id', 'date_order'}
# Order fields whose change moves the co-purchase baskets of confirmed orders.
_AFFINITY_ORDER_FIELDS = {'state', 'partner_id', 'company_id', 'date_order'}
# The unique (company, shop reference) of pushed orders, as PostgreSQL names it.
_SHOP_REFERENCE_CONSTRAINT = 'sale_order_crm_erp_shop_reference_unique'


class ShopReferenceTaken(TransactionRollbackError):
    """A push met the order of the same shop reference that another push committed after this
    transaction's snapshot (it waited for that push's advisory lock): a serialization failure
    (SQLSTATE 40001), so Odoo rolls the call back and runs it again with a new snapshot, where
    the order is found and returned (odoo.service.model.check, http.checked_call)."""
    pgcode = errorcodes.SERIALIZATION_FAILURE


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # Sales channel (labelled 'Order channel': Odoo 11 calls its sales teams 'Sales Channel')
    # Where the order came from, set at creation: the back office (default, and a copy made
    # there), the Odoo webshop (crm_erp_bridge_website sets it) or an outside shop (pushed
    # through crm_erp_push_order below). Glue addons add theirs with selection_add. The Customer
    # 360 breaks its figures down by it (queries/customer_360.channel_breakdown). Filled for
    # existing orders by Odoo's one UPDATE of the new column's default at install.
    crm_erp_channel = fields.Selection(
        [('back_office', 'Back office'), ('webshop', 'Webshop'), ('outside_shop', 'Outside shop')],
        string='Order channel', default='back_office', required=True, index=True, copy=False, readonly=True,
        help='Where the order came from: entered in the back office, placed on the Odoo webshop, or pushed '
             'by an outside shop through the API.')

    # Orders pushed by outside shops
    # One order per (company, shop reference): a unique constraint (back-office orders have no
    # reference: NULLs never collide) and a transaction-scoped advisory lock on the key, so that
    # a push waits for a push of the same order in progress (docs/api.md).
    crm_erp_shop_reference = fields.Char(
        string='Shop order reference', copy=False, readonly=True,
        help='The order\'s reference in the outside shop that pushed it (unique per company).')

    _sql_constraints = [
        ('crm_erp_shop_reference_unique', 'unique(company_id, crm_erp_shop_reference)',
         'An order with this shop reference exists already in this company.'),
    ]

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

    # Service requests
    service_request_count = fields.Integer('Open service requests', compute='_compute_service_request_count',
                                           groups=USER_GROUP)

    def _compute_service_request_count(self):
        groups = self.env['crm.erp.service.request'].read_group(
            [('sale_order_id', 'in', self.ids), ('stage_id.is_solved', '=', False)], ['sale_order_id'],
            ['sale_order_id'])
        counts = {group['sale_order_id'][0]: group['sale_order_id_count'] for group in groups}
        for order in self:
            order.service_request_count = counts.get(order.id, 0)

    @public_records(one=True)
    def action_open_service_requests(self):
        """The service requests about this order; a new one is about it."""
        action = self.env.ref('crm_erp_bridge.crm_erp_service_request_action').read()[0]
        action['domain'] = [('sale_order_id', '=', self.id)]
        action['context'] = {'search_default_open': 1, 'default_sale_order_id': self.id,
                             'default_partner_id': self.partner_id.id, 'default_company_id': self.company_id.id}
        return action

    # Orders pushed by outside shops
    @api.model
    @public_method
    def crm_erp_push_order(self, order):
        """XML-RPC: create the order an outside shop sends (docs/api.md), in the company of the
        call, channel outside shop, or return the one pushed before with the same reference.
        The customer is found by email, then VAT, among the company's and shared partners, or
        created; products by internal reference, then barcode. Returns {'order_id', 'name',
        'partner_id', 'state', 'created'}."""
        check_group(self, USER_GROUP, _('Only a CRM-ERP Bridge user (salesman) can push orders.'))
        company = allowed_company(self.env)
        self.check_access_rights('create')
        try:
            return self._push_order(company, check_shop_order(self, order))
        except UserError as error:
            # the shop's log names the order: every message starts with its reference
            reference = order.get('reference') if isinstance(order, dict) else None
            raise UserError(_('Pushed order %s: %s') % (shown(reference) if reference else '-', error.name)) from None

    def _push_order(self, company, values):
        """crm_erp_push_order on checked values (shop_order_input.check_shop_order)."""
        advisory_xact_lock(self.env.cr, 'crm_erp_push_order:%d:%s' % (company.id, values['reference']))
        existing = self._shop_order(company, values['reference'])
        if existing:
            return existing._push_result(created=False)
        products = self._shop_products(company, [code for code, _qty, _price in values['lines']])
        try:
            with self.env.cr.savepoint():
                created = self._create_shop_order(company, values, products)
        except IntegrityError as error:
            if error.pgcode == errorcodes.UNIQUE_VIOLATION and \
                    error.diag.constraint_name == _SHOP_REFERENCE_CONSTRAINT:
                raise ShopReferenceTaken(str(error)) from None
            raise
        return created._push_result(created=True)

    def _shop_order(self, company, reference):
        """The company's order pushed with reference, if any (any state)."""
        # sudo: the shop's own order even where a record rule hides it (another salesperson's):
        # a push never creates it twice
        return self.sudo().search([('company_id', '=', company.id), ('crm_erp_shop_reference', '=', reference)],
                                  limit=1)

    def _push_result(self, created):
        # sudo: the shop gets back the id, number, customer and state of the order it pushed
        order = self.sudo()
        return {'order_id': order.id, 'name': order.name, 'partner_id': order.partner_id.id, 'state': order.state,
                'created': created}

    @api.model
    def _shop_products(self, company, codes):
        """{code: product}: the sellable product of the company (or shared) whose internal
        reference is code, else whose barcode is; UserError naming unknown or ambiguous codes."""
        Product = self.env['product.product']
        domain = [('sale_ok', '=', True), ('company_id', 'in', [company.id, False])]
        found, ambiguous = {}, set()
        for field_name in ('default_code', 'barcode'):
            wanted = [code for code in set(codes) if code not in found]
            if not wanted:
                break
            for product in Product.search(domain + [(field_name, 'in', wanted)]):
                code = product[field_name]
                if code in found and found[code] != product:
                    ambiguous.add(code)
                found.setdefault(code, product)
        if ambiguous:
            raise UserError(_('Several products have the internal reference %s: use their barcode.')
                            % shown(sorted(ambiguous)[0]))
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise UserError(_('Unknown product %s: no sellable product of your company has this internal '
                              'reference or barcode.') % shown(unknown[0]))
        return found

    @api.model
    def _shop_customer(self, company, customer):
        """The partner of the pushed customer: by email, then VAT, among the company's and the
        shared partners (the commercial entity's contact that matched), or a new customer of
        the company."""
        Partner = self.env['res.partner']
        domain = [('company_id', 'in', [company.id, False])]
        for key in ('email', 'vat'):
            if customer[key]:
                # =ilike: case ignored; the value's own % and _ are not wildcards
                partner = Partner.search(domain + [(key, '=ilike', escape_psql(customer[key]))], order='id', limit=1)
                if partner:
                    return partner
        if not customer['name']:
            raise UserError(_('customer: no customer of your company has this email or VAT number; send '
                              'its name to create it.'))
        # Two pushes of different orders of the same new customer at once make one customer: the
        # second waits for the first, then fails to serialize and is run again, when it finds it.
        lock_run(self.env, 'crm_erp_push_customer', [(company.id, key, customer[key]) for key in ('email', 'vat')
                                                     if customer[key]])
        country = self.env['res.country']
        code = customer['country_code']
        if code:
            # ISO codes, stored in capitals
            country = country.search([('code', '=', code.upper())], limit=1) if len(code) == 2 and code.isalpha() \
                else country
            if not country:
                raise UserError(_('customer country_code %s is not a country code.') % shown(customer['country_code']))
        return Partner.create({
            'name': customer['name'], 'email': customer['email'] or False, 'vat': customer['vat'] or False,
            'phone': customer['phone'] or False, 'street': customer['street'] or False,
            'city': customer['city'] or False, 'zip': customer['zip'] or False, 'country_id': country.id,
            'company_id': company.id, 'customer': True})

    @api.model
    def _create_shop_order(self, company, values, products):
        """The pushed order: header, lines built by sale's onchanges (the shop's unit price when
        given), confirmed when asked."""
        partner = self._shop_customer(company, values['customer'])
        warehouse = self.env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
        header = {'partner_id': partner.id, 'company_id': company.id, 'crm_erp_channel': 'outside_shop',
                  'crm_erp_shop_reference': values['reference'], 'client_order_ref': values['reference'],
                  'note': values['note'] or False}
        if warehouse:
            header['warehouse_id'] = warehouse.id
        if values['date_order']:
            header['date_order'] = values['date_order']
        order = self.with_context(force_company=company.id).create(header)
        for code, quantity, price in values['lines']:
            line = order._add_recommended_product(products[code], quantity)
            if price is not None:
                line.price_unit = price
        if values['confirm']:
            order.action_confirm()
        return order
