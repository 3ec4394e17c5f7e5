from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare

from ..orm import create_in_bulk
from ..report.pipeline_demand_report import product_uom_joins
from .mail_message import note_body

# Shortfall up to the horizon per warehouse x product of the company, with the main vendor.
_SHORTFALL_SQL = """
    SELECT warehouse_id, product_id, supplierinfo_id, SUM(shortfall_qty)
      FROM crm_erp_pipeline_demand_report
     WHERE product_id = ANY(%(product_ids)s) AND company_id = %(company_id)s
       AND week < %(horizon_end)s
  GROUP BY warehouse_id, product_id, supplierinfo_id
    HAVING SUM(shortfall_qty) > 0
"""

# Quantities on RFQs not confirmed yet (confirmed orders are incoming moves already, which
# the shortfall counts), per warehouse x product, in the product unit.
_ON_RFQ_SQL = """
    SELECT picking_type.warehouse_id, line.product_id,
           SUM(line.product_qty / line_uom.factor * product_uom.factor)
      FROM purchase_order_line line
      JOIN purchase_order po ON po.id = line.order_id
      JOIN stock_picking_type picking_type ON picking_type.id = po.picking_type_id
      """ + product_uom_joins('line', 'product_uom') + """
     WHERE po.state IN ('draft', 'sent', 'to approve') AND po.company_id = %(company_id)s
       AND line.product_id = ANY(%(product_ids)s)
  GROUP BY picking_type.warehouse_id, line.product_id
"""

# The quotations and opportunities making the demand, per warehouse x product.
_SOURCES_SQL = """
    SELECT warehouse_id, product_id, source_model, array_agg(DISTINCT source_id ORDER BY source_id)
      FROM crm_erp_pipeline_demand_source
     WHERE product_id = ANY(%(product_ids)s) AND company_id = %(company_id)s
       AND date < %(horizon_end)s
  GROUP BY warehouse_id, product_id, source_model
"""


class PurchaseOrder(models.Model):
    _inherit = 'purchase.order'

    # Pipeline demand and purchasing

    @api.model
    def _create_shortfall_rfqs(self, products):
        """Create or update draft RFQs for the shortfall of products in the user's company.

        Per warehouse x product: to order = shortfall up to the company horizon - what
        unconfirmed RFQs already hold; ordered from the main vendor (product.supplierinfo), in
        the purchase unit rounded up, at least the vendor's minimum, planned after the vendor's
        lead time, on the vendor's draft RFQ for the warehouse's receipts (created if none), on
        the line of that product if there is one. Lines link their quotations and opportunities.
        Returns (touched purchase orders, products short without a vendor)."""
        user = self.env.user
        is_buyer = user.has_group('purchase.group_purchase_user')
        if not is_buyer and not user.has_group('crm_erp_bridge.group_crm_erp_bridge_manager'):
            raise AccessError(_('Creating RFQs needs the Purchase User or CRM-ERP Bridge Manager rights.'))
        company = user.company_id
        today = fields.Date.from_string(fields.Date.context_today(self))
        week_start = today - timedelta(days=today.weekday())
        params = {
            'product_ids': products.ids,
            'company_id': company.id,
            'horizon_end': fields.Date.to_string(week_start + timedelta(weeks=company.pipeline_horizon_weeks)),
        }
        cr = self.env.cr
        cr.execute(_SHORTFALL_SQL, params)
        shortfall_rows = cr.fetchall()
        cr.execute(_ON_RFQ_SQL, params)
        on_rfq = {(warehouse_id, product_id): qty for warehouse_id, product_id, qty in cr.fetchall()}
        cr.execute(_SOURCES_SQL, params)
        sources = defaultdict(dict)
        for warehouse_id, product_id, model, ids in cr.fetchall():
            sources[warehouse_id, product_id][model] = ids

        Product = self.env['product.product']
        without_vendor = Product.browse(sorted({row[1] for row in shortfall_rows if not row[2]}))
        # Browsed together, so that their fields are read in a few queries for all of them.
        product_by_id = {product.id: product for product in Product.browse({row[1] for row in shortfall_rows})}
        seller_by_id = {seller.id: seller for seller in self.env['product.supplierinfo'].browse(
            {row[2] for row in shortfall_rows if row[2]})}
        needs = []  # (warehouse, product, supplierinfo, quantity to order in the product unit)
        for warehouse_id, product_id, supplierinfo_id, shortfall in shortfall_rows:
            if not supplierinfo_id:
                continue
            product = product_by_id[product_id]
            missing = shortfall - on_rfq.get((warehouse_id, product_id), 0.0)
            if float_compare(missing, 0.0, precision_rounding=product.uom_id.rounding) > 0:
                needs.append((warehouse_id, product, seller_by_id[supplierinfo_id], missing))
        if not needs:
            return self.browse(), without_vendor

        purchase_env = self if is_buyer else self.sudo()
        # Each RFQ's totals are recomputed once, after all its lines (see _fill_shortfall_rfqs);
        # the chatter gets our own note instead of field tracking.
        orders = purchase_env.with_context(recompute=False, tracking_disable=True)._fill_shortfall_rfqs(
            company, needs, sources)
        self._post_shortfall_messages(orders, Product.union(*(need[1] for need in needs)))
        return orders.with_env(self.env), without_vendor

    @api.model
    def _fill_shortfall_rfqs(self, company, needs, sources):
        """Put the needs on draft RFQs: the vendor's draft RFQ for the warehouse (created if
        none), the line of the product if there is one; the new lines of all RFQs in one
        create_in_bulk, the RFQs' totals in one recompute."""
        warehouses = self.env['stock.warehouse'].browse({need[0] for need in needs})
        receipt_type = {warehouse.id: warehouse.in_type_id for warehouse in warehouses}
        vendors = self.env['res.partner'].browse({need[2].name.id for need in needs})
        drafts = self.search([
            ('state', '=', 'draft'), ('company_id', '=', company.id),
            ('partner_id', 'in', vendors.ids),
            ('picking_type_id', 'in', [picking_type.id for picking_type in receipt_type.values()]),
        ], order='id')
        draft_by_key = {}
        for order in drafts:
            draft_by_key.setdefault((order.partner_id.id, order.picking_type_id.id), order)
        draft_lines = self.browse([order.id for order in draft_by_key.values()])._shortfall_lines(
            [need[1].id for need in needs])

        now = fields.Datetime.from_string(fields.Datetime.now())
        by_order_key = defaultdict(list)
        for warehouse_id, product, seller, missing in needs:
            by_order_key[seller.name.id, receipt_type[warehouse_id].id].append((warehouse_id, product, seller, missing))
        names = self._shortfall_line_names({(seller.name.id, product.id) for _w, product, seller, _m in needs})

        touched = self.browse()
        new_lines = []
        for (vendor_id, picking_type_id), order_needs in by_order_key.items():
            vendor = self.env['res.partner'].browse(vendor_id)
            order = draft_by_key.get((vendor_id, picking_type_id))
            currency = vendor.with_context(force_company=company.id).property_purchase_currency_id or company.currency_id
            fiscal_position = self.env['account.fiscal.position'].browse(
                self.env['account.fiscal.position'].with_context(force_company=company.id)
                .get_fiscal_position(vendor_id))
            if not order:
                order = self.create({
                    'partner_id': vendor_id,
                    'company_id': company.id,
                    'picking_type_id': picking_type_id,
                    'currency_id': currency.id,
                    'fiscal_position_id': fiscal_position.id,
                    'payment_term_id': vendor.with_context(force_company=company.id)
                    .property_supplier_payment_term_id.id,
                    'date_order': fields.Datetime.to_string(now),
                })
            for warehouse_id, product, seller, missing in order_needs:
                qty = product.uom_id._compute_quantity(missing, product.uom_po_id, rounding_method='UP')
                line = draft_lines.get((order.id, product.id))
                if line:
                    line.product_qty = max(line.product_qty + qty, seller.min_qty)
                    continue
                new_lines.append(dict(self._prepare_shortfall_line(
                    product, seller, max(qty, seller.min_qty), names[vendor_id, product.id], currency,
                    fiscal_position, company, now), order_id=order.id))
            touched |= order
        create_in_bulk(self.env['purchase.order.line'], new_lines)
        self.recompute()
        touched._link_shortfall_sources(needs, receipt_type, sources)
        # Buyers may not read sales documents: naming them is the bridge's job.
        touched.sudo()._update_origin_from_sources()
        return touched

    @api.multi
    def _link_shortfall_sources(self, needs, receipt_type, sources):
        """Link each line ordering a need to the quotations and opportunities making it, in
        one insert per relation."""
        order_by_id = {order.id: order for order in self}
        line_by_key = {
            (order_by_id[order_id].partner_id.id, order_by_id[order_id].picking_type_id.id, product_id): line.id
            for (order_id, product_id), line in self._shortfall_lines([need[1].id for need in needs]).items()
        }
        links = {'sale.order': [], 'crm.lead': []}
        for warehouse_id, product, seller, _missing in needs:
            line_id = line_by_key[seller.name.id, receipt_type[warehouse_id].id, product.id]
            for model, source_ids in sources.get((warehouse_id, product.id), {}).items():
                links[model].extend((line_id, source_id) for source_id in source_ids)
        Line = self.env['purchase.order.line']
        for model, field_name in (('sale.order', 'source_sale_order_ids'), ('crm.lead', 'source_lead_ids')):
            if not links[model]:
                continue
            field = Line._fields[field_name]
            line_ids, source_ids = zip(*links[model])
            self.env.cr.execute(
                'INSERT INTO {table} ({line_column}, {source_column}) '
                'SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING'.format(
                    table=field.relation, line_column=field.column1, source_column=field.column2),
                [list(line_ids), list(source_ids)])
        Line.invalidate_cache(['source_sale_order_ids', 'source_lead_ids'])

    @api.multi
    def _shortfall_lines(self, product_ids):
        """{(order id, product id): line} of the lines of these orders for product_ids in the
        product's purchase unit (the last one in the order's sequence when there are several)."""
        lines = self.env['purchase.order.line'].search(
            [('order_id', 'in', self.ids), ('product_id', 'in', list(product_ids))], order='order_id, sequence, id')
        return {(line.order_id.id, line.product_id.id): line for line in lines
                if line.product_uom == line.product_id.uom_po_id}

    @api.model
    def _prepare_shortfall_line(self, product, seller, qty, name, currency, fiscal_position, company, now):
        """purchase's _prepare_purchase_order_line for a known main vendor (name: see
        _shortfall_line_names)."""
        taxes = product.supplier_taxes_id.filtered(lambda tax: tax.company_id == company)
        taxes = fiscal_position.map_tax(taxes) if fiscal_position else taxes
        price = seller.price
        if seller.currency_id and seller.currency_id != currency:
            price = seller.currency_id.compute(price, currency)
        values = {
            'name': name,
            'product_id': product.id,
            'product_qty': qty,
            'product_uom': product.uom_po_id.id,
            'price_unit': price,
            'date_planned': fields.Datetime.to_string(now + timedelta(days=seller.delay)),
        }
        if taxes:
            values['taxes_id'] = [(6, 0, taxes.ids)]
        return values

    @api.model
    def _shortfall_line_names(self, vendor_products):
        """{(vendor id, product id): line description as purchase writes it: the product's
        name for the vendor (its code and name for the product, if any), in its language,
        then the product's purchase description}. One name_get per language, and one per
        vendor for the products it has its own code or name for only."""
        Product = self.env['product.product']
        vendors = self.env['res.partner'].browse({vendor_id for vendor_id, _product_id in vendor_products})
        product_ids = list({product_id for _vendor_id, product_id in vendor_products})
        self.env.cr.execute("""
            SELECT DISTINCT seller.name, variant.id
              FROM product_supplierinfo seller
              JOIN product_product variant ON variant.product_tmpl_id = seller.product_tmpl_id
                                          AND (seller.product_id IS NULL OR seller.product_id = variant.id)
             WHERE variant.id = ANY(%s) AND (seller.product_code IS NOT NULL OR seller.product_name IS NOT NULL)
        """, [product_ids])
        own_names = set(self.env.cr.fetchall())
        products_of = defaultdict(list)
        for vendor_id, product_id in vendor_products:
            products_of[vendor_id].append(product_id)
        result = {}
        for lang in set(vendors.mapped('lang')):
            products = Product.browse(product_ids).with_context(lang=lang)
            names = dict(products.name_get())
            descriptions = {product.id: product.description_purchase for product in products}
            for vendor in vendors.filtered(lambda partner: partner.lang == lang):
                partner_ids = {vendor.id, vendor.commercial_partner_id.id}
                own = [product_id for product_id in products_of[vendor.id]
                       if any((partner_id, product_id) in own_names for partner_id in partner_ids)]
                vendor_names = {**names, **dict(products.browse(own).with_context(partner_id=vendor.id).name_get())}
                for product_id in products_of[vendor.id]:
                    result[vendor.id, product_id] = '\n'.join(
                        filter(None, (vendor_names[product_id], descriptions[product_id])))
        return result

    @api.multi
    def _update_origin_from_sources(self):
        """The origin names every quotation and opportunity the RFQ's lines were made for."""
        lines = self.mapped('order_line')
        names = _display_names(lines.mapped('source_sale_order_ids'), lines.mapped('source_lead_ids'))
        for order in self:
            origin_names = [name for name in (order.origin or '').split(', ') if name]
            source_names = (sorted(names[source] for source in order.order_line.mapped('source_sale_order_ids'))
                            + sorted(names[source] for source in order.order_line.mapped('source_lead_ids')))
            known = set(origin_names)
            for name in source_names:
                if name not in known:
                    origin_names.append(name)
                    known.add(name)
            origin = ', '.join(origin_names) or False
            if origin != order.origin:
                order.origin = origin

    @api.model
    def _post_shortfall_messages(self, orders, products):
        """Tell the RFQs which deals they order for, and each deal which RFQs order for it."""
        order_note = _('Created or updated from the pipeline shortfall of %(products)s, for %(sources)s.')
        no_deal = _('stock replenishment')
        deal_note = _('Pipeline shortfall ordered on RFQ %s.')
        product_ids = set(products.ids)
        orders = orders.sudo()
        shortfall_lines = orders.mapped('order_line').filtered(lambda line: line.product_id.id in product_ids)
        names = _display_names(*(shortfall_lines.mapped(field_name) for field_name in (
            'product_id', 'source_sale_order_ids', 'source_lead_ids')))
        order_bodies = []
        order_names_by_source = defaultdict(list)
        for order in orders:
            lines = order.order_line.filtered(lambda line: line.product_id.id in product_ids)
            sources = list(lines.mapped('source_sale_order_ids')) + list(lines.mapped('source_lead_ids'))
            order_bodies.append(note_body(order_note % {
                'products': ', '.join(names[product] for product in lines.mapped('product_id')),
                'sources': ', '.join(names[source] for source in sources) or no_deal,
            }))
            for source in sources:
                order_names_by_source[source._name, source.id].append(order.name)
        Message = self.env['mail.message']
        Message._insert_notes('purchase.order', orders.ids, order_bodies)
        for model in ('sale.order', 'crm.lead'):
            deal_ids = [res_id for source_model, res_id in order_names_by_source if source_model == model]
            Message._insert_notes(model, deal_ids, [
                note_body(deal_note % ', '.join(order_names_by_source[model, res_id])) for res_id in deal_ids
            ], message_type='comment')


def _display_names(*recordsets):
    """{record: display name}, one name_get per recordset (rather than one per RFQ)."""
    return {record: name for records in recordsets for record, name in zip(records, records.mapped('display_name'))}
