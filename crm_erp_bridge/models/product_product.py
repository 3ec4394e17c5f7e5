from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..queries import affinity as affinity_queries, pipeline as pipeline_queries, \
    recommendation as recommendation_queries, stock as stock_queries
from .record_ids import browse_optional, browse_readable, check_int, public_method, public_records, shown

# Longest horizon of get_pipeline_demand: ten years of weeks.
MAX_HORIZON_WEEKS = 520


class ProductProduct(models.Model):
    _inherit = 'product.product'

    @api.model
    def _get_free_and_incoming_qty(self, product_ids, company_id, warehouse_id=None, to_date=None):
        """Return {product_id: (free_qty, incoming_qty)} in each product's own UoM, for
        every id in product_ids (zeros where nothing is stocked), in one query each.

        free = on hand - reserved in the company's internal locations (of warehouse_id only,
        when given); incoming = open incoming moves, expected up to to_date when given."""
        product_ids = list(product_ids)
        figures = self._get_free_and_incoming_qty_batch(
            [(product_id, company_id, warehouse_id, to_date) for product_id in product_ids])
        return dict(zip(product_ids, figures))

    @api.model
    def _get_free_and_incoming_qty_batch(self, requests):
        """Batch form of _get_free_and_incoming_qty: requests is a list of
        (product_id, company_id, warehouse_id or None, to_date or None); returns the list of
        (free_qty, incoming_qty) in the same order, in two queries whatever the mix."""
        if not requests:
            return []
        return stock_queries.free_and_incoming_qty(self.env.cr, requests)

    # Pipeline demand and purchasing
    pipeline_demand_qty = fields.Float(
        string='Pipeline Demand', compute='_compute_pipeline_figures',
        help='Quotations and open opportunities within the horizon, full quantities.')
    pipeline_weighted_qty = fields.Float(
        string='Weighted Demand', compute='_compute_pipeline_figures',
        help='Opportunity lines times their probability, quotations made from an opportunity times its '
             'probability, other quotations at full quantity.')
    pipeline_shortfall_qty = fields.Float(
        string='Pipeline Shortfall', compute='_compute_pipeline_figures',
        help='What must still be ordered so that the projected stock never goes below zero within the '
             'horizon: weighted demand - Odoo\'s Forecasted quantity - RFQs not confirmed yet, when positive '
             '(all warehouses of the company).')

    def _compute_pipeline_figures(self):
        figures = self._get_pipeline_totals(self.ids, self.env.user.company_id)
        for product in self:
            product.pipeline_demand_qty, product.pipeline_weighted_qty, product.pipeline_shortfall_qty = \
                figures.get(product.id, (0.0, 0.0, 0.0))

    @api.model
    def _get_pipeline_totals(self, product_ids, company):
        """{product_id: (demand, weighted demand, shortfall)} within the company's horizon."""
        return pipeline_queries.product_totals(self.env.cr, product_ids, company.id, company.pipeline_horizon_weeks)

    @api.model
    @public_method
    def get_pipeline_demand(self, product_ids, warehouse_id=False, horizon_weeks=False):
        """XML-RPC: pipeline demand vs stock of product_ids in the user's company, per product
        with its weeks (docs/api.md: the fields), optionally for one warehouse and up to
        horizon_weeks weeks from this one."""
        self.env['crm.erp.pipeline.demand.report'].check_access_rights('read')
        products = browse_readable(self, product_ids, 'product_ids')
        company = self.env.user.company_id
        warehouse = browse_optional(self.env['stock.warehouse'], warehouse_id, 'warehouse_id',
                                    [('company_id', '=', company.id)])
        if horizon_weeks is not False and horizon_weeks is not None:
            check_int(self, horizon_weeks, 'horizon_weeks', 1, MAX_HORIZON_WEEKS)
        rows = pipeline_queries.product_weeks(self.env.cr, products.ids, company.id, warehouse.id or None,
                                              horizon_weeks or None)
        totals = ('demand_qty', 'weighted_qty', 'onhand_qty', 'free_qty', 'incoming_qty', 'outgoing_qty',
                  'rfq_qty', 'shortfall_qty', 'forecast_demand_qty')
        result = {product.id: dict({key: 0.0 for key in totals}, product_id=product.id, weeks=[])
                  for product in products}
        for row in rows:
            product_result = result[row['product_id']]
            for key in totals:
                product_result[key] += row[key]
            row['coverage_days'] = row['coverage_days'] if row['coverage_days'] is not None else False
            row['vendor_id'] = row['vendor_id'] or False
            product_result['weeks'].append(row)
        return [result[product.id] for product in products]

    @api.model
    @public_method
    def create_shortfall_rfqs(self, product_ids, include_forecast=False):
        """XML-RPC: create or update draft RFQs for the pipeline shortfall of product_ids in
        the user's company; returns the ids of the purchase orders touched. Products short
        without a vendor: see create_shortfall_rfqs_report. include_forecast (True or False,
        default False): count the forecast demand too (see create_shortfall_rfqs_report)."""
        return self.create_shortfall_rfqs_report(product_ids, include_forecast)['purchase_order_ids']

    @api.model
    @public_method
    def create_shortfall_rfqs_report(self, product_ids, include_forecast=False):
        """XML-RPC: as create_shortfall_rfqs, returning {'purchase_order_ids': [...],
        'products_without_vendor': [...]} (short products no RFQ could be made for), with what
        the run did: 'ordered': [{'order_id', 'line_id', 'product_id', 'warehouse_id', 'qty',
        'uom_id', 'new_order'}] (qty in uom_id, the purchase unit, added by this run; new_order:
        on an RFQ this run created, else on a draft that existed), 'on_order': [{'product_id',
        'warehouse_id', 'order_id', 'qty', 'uom_id'}] (what RFQs not confirmed yet held of the
        short products already, per RFQ, in the product unit: not ordered again) and
        'covering_order_ids' (other purchase orders still bringing the products: RFQs not
        confirmed, confirmed orders not received). include_forecast (True or False, default
        False: confirmed and quoted demand only): count the forecast demand of the sales forecast
        too (the pipeline demand report's Forecast Demand)."""
        if not isinstance(include_forecast, bool):
            raise UserError(_('include_forecast must be true or false, not %s.') % shown(include_forecast))
        products = browse_readable(self, product_ids, 'product_ids')
        run = self.env['purchase.order']._run_shortfall_rfqs(products, include_forecast)
        return {'purchase_order_ids': run['orders'].ids, 'products_without_vendor': run['without_vendor'].ids,
                'ordered': run['ordered'], 'on_order': run['on_order'], 'covering_order_ids': run['covering'].ids}

    @public_records
    def action_create_shortfall_rfqs(self):
        return self.env['crm.erp.shortfall.rfq.result']._create_for_products(self)

    # Product affinity
    @api.model
    @public_method
    def get_frequently_bought_together(self, product_ids, limit=10):
        """XML-RPC: for each product id (in the order given) {'product_id', 'items': [...]}: the
        products most often bought with it in the user's current company, by confidence, with
        pair_count, support, confidence and lift."""
        self.env['crm.erp.product.affinity'].check_access_rights('read')
        self.env['crm.erp.recommendation']._check_limit(limit)
        products = browse_readable(self, product_ids, 'product_ids')
        items = {}
        for product_id, related_id, pair_count, support, confidence, lift in \
                affinity_queries.frequently_bought_together(self.env.cr, self.env.user.company_id.id, products.ids,
                                                            limit):
            items.setdefault(product_id, []).append({
                'product_id': related_id, 'pair_count': pair_count, 'support': round(support, 6),
                'confidence': round(confidence, 6), 'lift': round(lift, 6)})
        return [{'product_id': product_id, 'items': items.get(product_id, [])} for product_id in product_ids]

    # Personal data: archived and deleted products
    @api.multi
    def write(self, vals):
        """Archiving or unarchiving products recounts the affinity of the companies that sold
        them (archived products are not counted); archiving drops their peer best-seller rows
        (an unarchived product is a best seller again from the next nightly recompute)."""
        changed = self.browse()
        if 'active' in vals:
            changed = self.with_context(active_test=False).filtered(
                lambda product: product.active != bool(vals['active']))
        result = super().write(vals)
        if changed:
            company_ids = affinity_queries.companies_selling(self.env.cr, changed.ids)
            if company_ids:
                # sudo: recounts (raw counts, nothing returned) of the companies that sold them
                self.env['crm.erp.product.affinity'].sudo()._recompute_affinity(company_ids)
            if not vals['active']:
                recommendation_queries.forget_best_sellers_of_products(self.env.cr, changed.ids)
        return result

    @api.multi
    def unlink(self):
        """A deleted product leaves no row in the addon's tables, which have no foreign key to
        it (its order lines, which Odoo protects, are gone already, and with them its counts)."""
        product_ids = self.ids
        result = super().unlink()
        recommendation_queries.forget_best_sellers_of_products(self.env.cr, product_ids)
        # and the changes of its counts not folded yet (see forget_products)
        affinity_queries.forget_products(self.env.cr, product_ids)
        return result
