from collections import defaultdict, namedtuple
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare

from ..orm import (create_in_bulk, display_names, link_in_bulk, prefetch_dependencies, recompute_in_bulk,
                   write_in_bulk)
from ..queries import supply as queries
from ..run_lock import create_table as create_run_lock_table, lock_run
from .mail_message import note_body

# What to order for a warehouse x product: qty in the vendor's purchase unit, rounded up;
# need_date: the Monday of the first week the balance, with the RFQs not confirmed yet, goes
# below zero (None: as soon as the vendor can deliver).
ShortfallNeed = namedtuple('ShortfallNeed', 'warehouse_id product_id vendor_id uom_po_id qty price currency_id '
                                            'min_qty delay need_date', defaults=(None,))


class PurchaseOrder(models.Model):
    _inherit = 'purchase.order'

    # Pipeline demand and purchasing
    @api.model_cr
    def init(self):
        result = super().init()
        create_run_lock_table(self.env.cr)  # RFQ runs and cross-sell runs lock there (run_lock)
        return result

    @api.model
    def _create_shortfall_rfqs(self, products, include_forecast=False):
        """Create or update draft RFQs for the shortfall of products in the user's company
        (see _run_shortfall_rfqs). Returns (touched purchase orders, products short without a
        vendor)."""
        run = self._run_shortfall_rfqs(products, include_forecast)
        return run['orders'], run['without_vendor']

    @api.model
    def _run_shortfall_rfqs(self, products, include_forecast=False):
        """Create or update draft RFQs for the shortfall of products in the user's company.
        Demand: the quotations and weighted opportunities (the report's shortfall); with
        include_forecast, the forecast demand of the sales forecast too (the report's Forecast
        Demand, needed from the product's first week), products with only forecast demand included.

        Per warehouse x product: to order = shortfall up to the company horizon before RFQs not
        confirmed yet - what those RFQs hold; ordered from the main vendor
        (product.supplierinfo), in the purchase unit rounded up, at least the vendor's minimum,
        planned for the week of the need (the first week the balance goes below zero) or as soon
        as the vendor's lead time allows, on the vendor's draft RFQ for the warehouse's receipts
        (created if none, ordered the lead time before), on the line of that product if there is
        one. Lines link their quotations and opportunities.
        Returns {'orders': touched purchase orders, 'without_vendor': products short without a
        vendor, 'ordered': [{'order_id', 'line_id', 'product_id', 'warehouse_id', 'qty' (purchase
        unit, ordered by this run), 'uom_id', 'new_order'}], 'on_order': [{'product_id',
        'warehouse_id', 'order_id', 'qty', 'uom_id'}] (what RFQs not confirmed yet held of the short
        products before the run, per RFQ, in the product unit: not ordered again), 'covering':
        purchase orders that still bring the products (RFQs not confirmed, confirmed orders not
        received)}."""
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
            'with_forecast': bool(include_forecast),
        }
        cr = self.env.cr
        self.env['crm.erp.pipeline.demand.snapshot']._refresh()
        rows = queries.shortfalls(cr, params)
        without_vendor = self.env['product.product'].browse(sorted({row[1] for row in rows if not row[5]}))
        on_rfq = queries.quantities_on_rfqs(cr, params)
        needs = self._shortfall_needs([row for row in rows if row[5]], on_rfq)
        on_order = self._shortfall_on_order(rows, queries.quantities_on_rfqs_by_order(cr, params))
        run = {'orders': self.browse(), 'without_vendor': without_vendor, 'ordered': [], 'on_order': on_order}
        if needs:
            run.update(self._order_shortfall_needs(company, needs, params, is_buyer))
        # sudo: the orders are named, not read: a bridge manager without purchase rights sees them in the result
        covering = self.sudo().browse(queries.covering_orders(cr, params))
        run['covering'] = (covering - run['orders'].sudo()).with_env(self.env)
        return run

    @api.model
    def _order_shortfall_needs(self, company, needs, params, is_buyer):
        """Put the needs on RFQs (see _run_shortfall_rfqs); the 'orders' and 'ordered' of its result."""
        sources = queries.demand_sources(self.env.cr, params)
        # sudo: a bridge manager without purchase rights may create the shortfall RFQs (checked above)
        purchase_env = self if is_buyer else self.sudo()
        # The RFQs' totals are recomputed once, after all their lines (see _fill_shortfall_rfqs);
        # the chatter gets our own note instead of field tracking.
        names_by_lang = {}  # product names, see _shortfall_product_names
        ordered = []
        run_lines = purchase_env.with_context(recompute=False, tracking_disable=True)._fill_shortfall_rfqs(
            company, needs, sources, names_by_lang, ordered)
        # Buyers may not read sales documents: naming them is the bridge's job.
        orders = self.sudo().with_context(tracking_disable=True).browse(sorted(run_lines))
        links, deal_names = orders._line_deals()
        orders._update_origin_from_sources(links, deal_names)
        self._post_shortfall_messages(run_lines, links, deal_names, names_by_lang)
        return {'orders': orders.with_env(self.env), 'ordered': ordered}

    @api.model
    def _shortfall_on_order(self, rows, by_order):
        """[{'product_id', 'warehouse_id', 'order_id', 'qty', 'uom_id'}] of what RFQs not confirmed
        yet hold (by_order: queries.quantities_on_rfqs_by_order, product unit) of the products
        short in queries.shortfalls rows, as they were before this run."""
        short = {(row[0], row[1]): row[3] for row in rows}  # (warehouse id, product id): unit
        return [{'product_id': product_id, 'warehouse_id': warehouse_id, 'order_id': order_id, 'qty': qty,
                 'uom_id': short[warehouse_id, product_id]}
                for warehouse_id, product_id, order_id, qty in by_order
                if (warehouse_id, product_id) in short and qty > 0]

    @api.model
    def _shortfall_needs(self, rows, on_rfq):
        """The ShortfallNeeds of queries.shortfalls rows that have a vendor, where the shortfall
        less what RFQs hold already (on_rfq) exceeds the product unit's rounding; needed on the
        Monday of the first week whose balance, with what those RFQs hold, is below zero."""
        uom_by_id = {uom.id: uom for uom in self.env['product.uom'].browse(
            {row[3] for row in rows} | {row[4] for row in rows})}
        needs = []
        for warehouse_id, product_id, shortfall, uom_id, uom_po_id, vendor_id, price, currency_id, min_qty, delay, \
                weeks, balances in rows:
            uom = uom_by_id[uom_id]
            held = on_rfq.get((warehouse_id, product_id), 0.0)
            missing = shortfall - held
            if float_compare(missing, 0.0, precision_rounding=uom.rounding) > 0:
                need_date = next((week for week, balance in zip(weeks, balances)
                                  if float_compare(balance + held, 0.0, precision_rounding=uom.rounding) < 0), None)
                qty = uom._compute_quantity(missing, uom_by_id[uom_po_id], rounding_method='UP')
                needs.append(ShortfallNeed(
                    warehouse_id, product_id, vendor_id, uom_po_id, qty, price, currency_id, min_qty, delay,
                    fields.Date.from_string(need_date) if isinstance(need_date, str) else need_date))
        return needs

    @api.model
    def _shortfall_date_planned(self, need, now):
        """When the line ordering need (a ShortfallNeed) should arrive: on its need date (at the
        run's time of day), not before the vendor's lead time from now."""
        earliest = now + timedelta(days=need.delay or 0)
        if not need.need_date:
            return earliest
        return max(earliest, datetime.combine(need.need_date, now.time()))

    @api.model
    def _fill_shortfall_rfqs(self, company, needs, sources, names_by_lang, ordered=None):
        """Put the needs on draft RFQs (see _shortfall_rfqs), on the line of the product if
        there is one: the quantities (and dates, when needed earlier) of those lines in one
        write_in_bulk, the new lines in one create_in_bulk, the order dates of the new RFQs in
        another, the RFQs' totals in one recompute; link the lines to their deals.
        Returns {RFQ id: [(line id, product id)]} of the lines ordering the needs; appends to
        ordered (a list, when given) what each line orders (see _run_shortfall_rfqs)."""
        receipt_type_id = {warehouse.id: warehouse.in_type_id.id for warehouse in
                           self.env['stock.warehouse'].browse({need.warehouse_id for need in needs})}
        needs_by_key = defaultdict(list)
        for need in needs:
            needs_by_key[need.vendor_id, receipt_type_id[need.warehouse_id]].append(need)
        # one draft RFQ per company x vendor x receipts, nothing ordered twice: what must stay unique
        lock_run(self.env, 'shortfall_rfq', [(company.id,) + key for key in needs_by_key])
        names = self._shortfall_line_names({(need.vendor_id, need.product_id) for need in needs}, names_by_lang)
        # Those names were read in an environment per vendor. Odoo 11 keeps an environment alive
        # while the cache holds a value of it, and every decimal precision lookup (one per float
        # read or written) scans the live environments: forget them before thousands of lines.
        self.invalidate_cache()
        created = set()  # ids of the RFQs this run creates
        order_by_key = self._shortfall_rfqs(company, needs_by_key, created)
        product_ids = {need.product_id for need in needs}
        existing_lines = self.union(*order_by_key.values())._shortfall_lines(product_ids)
        taxes_of = queries.vendor_taxes(self.env.cr, product_ids, company.id)
        mapped_taxes = {}  # (fiscal position, tax ids of the product): taxes of the line
        now = fields.Datetime.from_string(fields.Datetime.now())

        need_lines = []  # (need, order id, line id)
        new_lines, new_line_needs = [], []
        updates = []  # (line, its new quantity, its date planned)
        added = {}  # (order id, product id): quantity this run adds to an existing line
        for key, order_needs in needs_by_key.items():
            order = order_by_key[key]
            for need in order_needs:
                # the product's line in its purchase unit
                line = existing_lines.get((order.id, need.product_id, need.uom_po_id))
                if line:
                    new_qty = max(line.product_qty + need.qty, need.min_qty)
                    date_planned = min(line.date_planned,
                                       fields.Datetime.to_string(self._shortfall_date_planned(need, now)))
                    updates.append((line, new_qty, date_planned))
                    added[order.id, need.product_id] = new_qty - line.product_qty
                    need_lines.append((need, order.id, line.id))
                    continue
                taxes_key = (order.fiscal_position_id, tuple(taxes_of.get(need.product_id, ())))
                if taxes_key not in mapped_taxes:
                    taxes = self.env['account.tax'].browse(taxes_key[1])
                    mapped_taxes[taxes_key] = order.fiscal_position_id.map_tax(taxes) if order.fiscal_position_id \
                        else taxes
                new_lines.append(self._prepare_shortfall_line(
                    need, order, names[need.vendor_id, need.product_id], mapped_taxes[taxes_key], now))
                new_line_needs.append((need, order.id))
        Line = self.env['purchase.order.line']
        write_in_bulk(Line.browse([line.id for line, _qty, _date in updates]),
                      [{'product_qty': qty, 'date_planned': date} for _line, qty, date in updates])
        new_line_ids = create_in_bulk(Line, new_lines).ids
        need_lines.extend((need, order_id, line_id) for (need, order_id), line_id in zip(new_line_needs, new_line_ids))
        for values in new_lines:
            added[values['order_id'], values['product_id']] = values['product_qty']
        self._date_new_shortfall_rfqs(self.browse(sorted(created)), need_lines, now)
        # The lines' amounts are computed by now: purchase's RFQ totals read more of the lines
        # than they declare, which Odoo 11 would otherwise read RFQ by RFQ.
        touched = self.browse({order_id for _need, order_id, _line_id in need_lines})
        prefetch_dependencies(touched)
        recompute_in_bulk(touched)
        self.recompute()
        self._link_shortfall_sources(need_lines, sources)
        run_lines = defaultdict(list)
        for need, order_id, line_id in need_lines:
            run_lines[order_id].append((line_id, need.product_id))
            if ordered is not None:
                ordered.append({'order_id': order_id, 'line_id': line_id, 'product_id': need.product_id,
                                'warehouse_id': need.warehouse_id, 'qty': added[order_id, need.product_id],
                                'uom_id': need.uom_po_id, 'new_order': order_id in created})
        return run_lines

    @api.model
    def _date_new_shortfall_rfqs(self, orders, need_lines, now):
        """The order date of the RFQs this run created: the earliest of their lines' dates
        planned less the vendor's lead time, not before now (as purchase's procurement dates
        its RFQs), in one write_in_bulk."""
        order_by = {}
        new_ids = set(orders.ids)
        for need, order_id, _line_id in need_lines:
            if order_id in new_ids:
                date = self._shortfall_date_planned(need, now) - timedelta(days=need.delay or 0)
                order_by[order_id] = min(order_by.get(order_id, date), date)
        write_in_bulk(orders, [{'date_order': fields.Datetime.to_string(max(order_by[order.id], now))}
                               for order in orders])

    @api.model
    def _shortfall_rfqs(self, company, keys, created=None):
        """{(vendor id, receipt picking type id): the vendor's first draft RFQ of the company for
        those receipts}, created with the vendor's currency, fiscal position and payment terms
        where there is none (their ids added to created, a set, when given)."""
        drafts = self.search([
            ('state', '=', 'draft'), ('company_id', '=', company.id),
            ('partner_id', 'in', list({vendor_id for vendor_id, _picking_type_id in keys})),
            ('picking_type_id', 'in', list({picking_type_id for _vendor_id, picking_type_id in keys})),
        ], order='id')
        draft_by_key = {}
        for draft in drafts.read(['partner_id', 'picking_type_id'], load='_classic_write'):
            draft_by_key.setdefault((draft['partner_id'], draft['picking_type_id']), draft['id'])
        # browsed together: the chosen RFQs are read together, not every draft of the vendors
        chosen = self.browse(list(draft_by_key.values()))
        order_by_key = dict(zip(draft_by_key, chosen))
        for vendor_id, picking_type_id in keys:
            if (vendor_id, picking_type_id) in order_by_key:
                continue
            order_by_key[vendor_id, picking_type_id] = self.create(
                self._prepare_rfq_values(company, vendor_id, picking_type_id))
            if created is not None:
                created.add(order_by_key[vendor_id, picking_type_id].id)
        return order_by_key

    @api.model
    def _prepare_rfq_values(self, company, vendor_id, picking_type_id):
        """Extension point: the values of a new draft RFQ of the shortfall run for the vendor
        and the receipts of picking_type_id in company (purchase's _prepare_purchase_order for a
        known vendor): the vendor's currency, fiscal position and payment terms, ordered now.
        An addon overrides it, calls super() and adds or changes values."""
        vendor = self.env['res.partner'].with_context(force_company=company.id).browse(vendor_id)
        return {
            'partner_id': vendor_id,
            'company_id': company.id,
            'picking_type_id': picking_type_id,
            'currency_id': (vendor.property_purchase_currency_id or company.currency_id).id,
            'fiscal_position_id': self.env['account.fiscal.position'].with_context(force_company=company.id)
            .get_fiscal_position(vendor_id),
            'payment_term_id': vendor.property_supplier_payment_term_id.id,
            'date_order': fields.Datetime.now(),
        }

    @api.model
    def _link_shortfall_sources(self, need_lines, sources):
        """Link the line ordering each need to the quotations and opportunities making it, in
        one insert per relation."""
        Line = self.env['purchase.order.line']
        for model, field_name in (('sale.order', 'source_sale_order_ids'), ('crm.lead', 'source_lead_ids')):
            link_in_bulk(self.env.cr, Line._fields[field_name], [
                (line_id, source_id) for need, _order_id, line_id in need_lines
                for source_id in sources.get((need.warehouse_id, need.product_id), {}).get(model, ())])
        Line.invalidate_cache(['source_sale_order_ids', 'source_lead_ids'])

    @api.multi
    def _shortfall_lines(self, product_ids):
        """{(order id, product id, unit id): line} of the lines of these orders for product_ids
        (the last one in the order's sequence when there are several)."""
        lines = self.env['purchase.order.line'].search(
            [('order_id', 'in', self.ids), ('product_id', 'in', list(product_ids))], order='order_id, sequence, id')
        return {(line.order_id.id, line.product_id.id, line.product_uom.id): line for line in lines}

    @api.model
    def _prepare_shortfall_line(self, need, order, name, taxes, now):
        """Extension point: the values of a new RFQ line ordering need (a ShortfallNeed) on
        order: purchase's _prepare_purchase_order_line for a known main vendor (name: see
        _shortfall_line_names; taxes: the product's vendor taxes mapped by the order's fiscal
        position; now: the run's time). The lines are created in bulk (orm.create_in_bulk) from
        these values: an addon overrides it, calls super() and adds or changes values of stored
        fields."""
        price = need.price
        if need.currency_id != order.currency_id.id:
            price = self.env['res.currency'].browse(need.currency_id).compute(price, order.currency_id)
        values = {
            'order_id': order.id,
            'name': name,
            'product_id': need.product_id,
            'product_qty': max(need.qty, need.min_qty),
            'product_uom': need.uom_po_id,
            'price_unit': price,
            'date_planned': fields.Datetime.to_string(self._shortfall_date_planned(need, now)),
        }
        if taxes:
            values['taxes_id'] = [(6, 0, taxes.ids)]
        return values

    @api.model
    def _shortfall_product_names(self, product_ids, lang, names_by_lang):
        """{product id: display name} of product_ids in lang (en_US if none), each language
        named once per run: names_by_lang {lang: names} keeps them."""
        lang = lang or 'en_US'
        if lang not in names_by_lang:
            names_by_lang[lang] = display_names(self.env['product.product'].with_context(lang=lang).browse(product_ids))
        return names_by_lang[lang]

    @api.model
    def _shortfall_line_names(self, vendor_products, names_by_lang):
        """{(vendor id, product id): line description as purchase writes it: the product's
        name for the vendor (its code and name for the product, if any), in its language,
        then the product's purchase description}. One name_get per language (kept in
        names_by_lang, see _shortfall_product_names), and one per vendor for the products it
        has its own code or name for only."""
        vendors = self.env['res.partner'].browse({vendor_id for vendor_id, _product_id in vendor_products})
        product_ids = sorted({product_id for _vendor_id, product_id in vendor_products})
        own_names = queries.vendor_product_names(self.env.cr, product_ids)
        products_of = defaultdict(list)
        for vendor_id, product_id in vendor_products:
            products_of[vendor_id].append(product_id)
        result = {}
        for lang in set(vendors.mapped('lang')):
            names = self._shortfall_product_names(product_ids, lang, names_by_lang)
            products = self.env['product.product'].with_context(lang=lang or 'en_US', prefetch_fields=False)
            descriptions = dict(zip(product_ids, products.browse(product_ids).mapped('description_purchase')))
            for vendor in vendors.filtered(lambda partner: partner.lang == lang):
                partner_ids = {vendor.id, vendor.commercial_partner_id.id}
                own = [product_id for product_id in products_of[vendor.id]
                       if any((partner_id, product_id) in own_names for partner_id in partner_ids)]
                vendor_names = {**names, **display_names(products.with_context(partner_id=vendor.id).browse(own))}
                for product_id in products_of[vendor.id]:
                    result[vendor.id, product_id] = '\n'.join(
                        filter(None, (vendor_names[product_id], descriptions[product_id])))
        return result

    @api.multi
    def _line_deals(self):
        """([(order id, line id, deal model, deal id)], {(deal model, deal id): display name}) of
        the deals the lines of these orders were made for (archived ones left out), quotations
        first, the deals of a model in that model's order."""
        rows = queries.line_deals(self.env.cr, self.ids)
        links, names = [], {}
        for model in ('sale.order', 'crm.lead'):
            deals = self.env[model].search([('id', 'in', list({row[3] for row in rows if row[2] == model}))])
            rank = {deal_id: index for index, deal_id in enumerate(deals.ids)}
            links.extend(sorted((row for row in rows if row[2] == model and row[3] in rank),
                                key=lambda row: rank[row[3]]))
            names.update(((model, deal_id), name) for deal_id, name in display_names(deals).items())
        return links, names

    @api.multi
    def _update_origin_from_sources(self, links, names):
        """The origin names every quotation and opportunity the RFQ's lines were made for
        (links and names: see _line_deals), after the names it had (quotations, then
        opportunities, each by name)."""
        deals_of = defaultdict(set)
        for order_id, _line_id, model, deal_id in links:
            deals_of[order_id].add((model, deal_id))
        for order in self:
            origin_names = [name for name in (order.origin or '').split(', ') if name]
            known = set(origin_names)
            for model in ('sale.order', 'crm.lead'):
                for name in sorted(names[deal] for deal in deals_of[order.id] if deal[0] == model):
                    if name not in known:
                        origin_names.append(name)
                        known.add(name)
            origin = ', '.join(origin_names) or False
            if origin != order.origin:
                order.origin = origin

    @api.model
    def _post_shortfall_messages(self, run_lines, links, deal_names, names_by_lang):
        """Tell each RFQ which products it orders for which deals, and each deal which RFQs
        order for it. run_lines: {RFQ id: [(line id, product id)]} of the lines of this run;
        links and deal_names: see _line_deals; names_by_lang: see _shortfall_product_names."""
        order_note = _('Created or updated from the pipeline shortfall of %(products)s, for %(sources)s.')
        no_deal = _('stock replenishment')
        deal_note = _('Pipeline shortfall ordered on RFQ %s.')
        # sudo: notes on the RFQs of this run and on their deals, whose names the caller may not read
        orders = self.sudo().browse(sorted(run_lines))
        product_names = self._shortfall_product_names(
            sorted({product_id for lines in run_lines.values() for _line_id, product_id in lines}),
            self.env.lang, names_by_lang)
        run_line_ids = {line_id for lines in run_lines.values() for line_id, _product_id in lines}
        deals_of = defaultdict(dict)  # RFQ id: its deals as keys, each once, in the order of links
        for order_id, line_id, model, deal_id in links:
            if line_id in run_line_ids:
                deals_of[order_id].setdefault((model, deal_id))
        order_bodies = []
        order_names_by_deal = defaultdict(list)
        for order in orders:
            order_bodies.append(note_body(order_note % {
                'products': ', '.join(sorted({product_names[product_id]
                                              for _line_id, product_id in run_lines[order.id]})),
                'sources': ', '.join(deal_names[deal] for deal in deals_of[order.id]) or no_deal,
            }))
            for deal in deals_of[order.id]:
                order_names_by_deal[deal].append(order.name)
        Message = self.env['mail.message']
        Message._insert_notes('purchase.order', orders.ids, order_bodies)
        for model in ('sale.order', 'crm.lead'):
            deal_ids = [deal_id for deal_model, deal_id in order_names_by_deal if deal_model == model]
            Message._insert_notes(model, deal_ids, [
                note_body(deal_note % ', '.join(order_names_by_deal[model, deal_id])) for deal_id in deal_ids
            ], message_type='comment')
