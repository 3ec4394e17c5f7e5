from odoo import api, fields, models

from ..run_lock import retry_safe
from .record_ids import browse_optional, browse_readable, check_int, public_method, public_records

# Longest horizon of get_pipeline_demand: ten years of weeks.
MAX_HORIZON_WEEKS = 520

# Each stock request is one row (product, company, warehouse or NULL, date or NULL), numbered
# by its position; the figures come back keyed by that number, so one query answers a whole
# batch of products, warehouses and dates.
_REQUESTS_SQL = """
    WITH request AS (
        SELECT r.idx, r.product_id, r.company_id, r.to_date,
               view_loc.parent_left, view_loc.parent_right
          FROM unnest(%(product_ids)s::int[], %(company_ids)s::int[], %(warehouse_ids)s::int[],
                      %(to_dates)s::timestamp[])
               WITH ORDINALITY AS r(product_id, company_id, warehouse_id, to_date, idx)
          LEFT JOIN stock_warehouse wh ON wh.id = r.warehouse_id
          LEFT JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
    )
"""

# Free stock: what internal locations hold minus what is reserved.
_FREE_QTY_SQL = _REQUESTS_SQL + """
    SELECT request.idx, SUM(quant.quantity - quant.reserved_quantity)
      FROM request
      JOIN stock_quant quant ON quant.product_id = request.product_id
      JOIN stock_location loc ON loc.id = quant.location_id
     WHERE loc.usage = 'internal'
       AND loc.company_id = request.company_id
       AND (request.parent_left IS NULL
            OR loc.parent_left BETWEEN request.parent_left AND request.parent_right)
  GROUP BY request.idx
"""

# Incoming stock: open moves from outside the company's internal locations into them
# (receipts of confirmed purchase orders, returns, ...), optionally up to a date.
_INCOMING_QTY_SQL = _REQUESTS_SQL + """
    SELECT request.idx, SUM(move.product_qty)
      FROM request
      JOIN stock_move move ON move.product_id = request.product_id
      JOIN stock_location dest ON dest.id = move.location_dest_id
      JOIN stock_location src ON src.id = move.location_id
     WHERE move.state NOT IN ('draft', 'cancel', 'done')
       AND dest.usage = 'internal' AND src.usage <> 'internal'
       AND move.company_id = request.company_id
       AND (request.parent_left IS NULL
            OR dest.parent_left BETWEEN request.parent_left AND request.parent_right)
       AND (request.to_date IS NULL OR move.date_expected <= request.to_date)
  GROUP BY request.idx
"""


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
        product_ids, company_ids, warehouse_ids, to_dates = (list(column) for column in zip(*requests))
        params = {
            'product_ids': product_ids,
            'company_ids': company_ids,
            'warehouse_ids': [warehouse_id or None for warehouse_id in warehouse_ids],
            'to_dates': [to_date or None for to_date in to_dates],
        }
        self.env.cr.execute(_FREE_QTY_SQL, params)
        free = dict(self.env.cr.fetchall())
        self.env.cr.execute(_INCOMING_QTY_SQL, params)
        incoming = dict(self.env.cr.fetchall())
        return [(free.get(idx, 0.0), incoming.get(idx, 0.0)) for idx in range(1, len(requests) + 1)]

    # Pipeline demand and purchasing
    pipeline_demand_qty = fields.Float(
        string='Pipeline Demand', compute='_compute_pipeline_figures',
        help='Quotations and open opportunities within the horizon, full quantities.')
    pipeline_weighted_qty = fields.Float(
        string='Weighted Demand', compute='_compute_pipeline_figures',
        help='Quotations at full quantity plus opportunity lines times their probability.')
    pipeline_shortfall_qty = fields.Float(
        string='Pipeline Shortfall', compute='_compute_pipeline_figures',
        help='What must come in now so that the projected stock never goes below zero '
             'within the horizon (all warehouses of the company).')

    def _compute_pipeline_figures(self):
        figures = self._get_pipeline_totals(self.ids, self.env.user.company_id)
        for product in self:
            product.pipeline_demand_qty, product.pipeline_weighted_qty, product.pipeline_shortfall_qty = \
                figures.get(product.id, (0.0, 0.0, 0.0))

    @api.model
    def _get_pipeline_totals(self, product_ids, company):
        """{product_id: (demand, weighted demand, shortfall)} within the company's horizon."""
        self.env.cr.execute("""
            SELECT product_id, SUM(demand_qty), SUM(weighted_qty), SUM(shortfall_qty)
              FROM crm_erp_pipeline_demand_report
             WHERE product_id = ANY(%s) AND company_id = %s
               AND week < date_trunc('week', CURRENT_DATE)::date + 7 * %s
          GROUP BY product_id
        """, [list(product_ids), company.id, company.pipeline_horizon_weeks])
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.model
    @public_method
    def get_pipeline_demand(self, product_ids, warehouse_id=False, horizon_weeks=False):
        """XML-RPC: pipeline demand vs stock of product_ids in the user's company, per product
        with its weeks (see the README for the fields), optionally for one warehouse and up to
        horizon_weeks weeks from this one."""
        self.env['crm.erp.pipeline.demand.report'].check_access_rights('read')
        products = browse_readable(self, product_ids, 'product_ids')
        company = self.env.user.company_id
        warehouse = browse_optional(self.env['stock.warehouse'], warehouse_id, 'warehouse_id',
                                    [('company_id', '=', company.id)])
        if horizon_weeks is not False and horizon_weeks is not None:
            check_int(self, horizon_weeks, 'horizon_weeks', 1, MAX_HORIZON_WEEKS)
        self.env.cr.execute("""
            SELECT product_id, warehouse_id, week, demand_qty, weighted_qty, free_qty, incoming_qty,
                   projected_qty, shortfall_qty, coverage_days, vendor_id
              FROM crm_erp_pipeline_demand_report
             WHERE product_id = ANY(%(product_ids)s) AND company_id = %(company_id)s
               AND (%(warehouse_id)s IS NULL OR warehouse_id = %(warehouse_id)s)
               AND (%(horizon)s IS NULL
                    OR week < date_trunc('week', CURRENT_DATE)::date + 7 * %(horizon)s)
          ORDER BY product_id, warehouse_id, week
        """, {'product_ids': products.ids, 'company_id': company.id,
              'warehouse_id': warehouse.id or None, 'horizon': horizon_weeks or None})
        totals = ('demand_qty', 'weighted_qty', 'free_qty', 'incoming_qty', 'shortfall_qty')
        result = {product.id: dict({key: 0.0 for key in totals}, product_id=product.id, weeks=[])
                  for product in products}
        for row in self.env.cr.dictfetchall():
            product_result = result[row['product_id']]
            for key in totals:
                product_result[key] += row[key]
            row['coverage_days'] = row['coverage_days'] if row['coverage_days'] is not None else False
            row['vendor_id'] = row['vendor_id'] or False
            product_result['weeks'].append(row)
        return [result[product.id] for product in products]

    @api.model
    @public_method
    def create_shortfall_rfqs(self, product_ids):
        """XML-RPC: create or update draft RFQs for the pipeline shortfall of product_ids in
        the user's company; returns the ids of the purchase orders touched. Products short
        without a vendor: see create_shortfall_rfqs_report."""
        return self.create_shortfall_rfqs_report(product_ids)['purchase_order_ids']

    @api.model
    @public_method
    @retry_safe
    def create_shortfall_rfqs_report(self, product_ids):
        """XML-RPC: as create_shortfall_rfqs, returning {'purchase_order_ids': [...],
        'products_without_vendor': [...]} (short products no RFQ could be made for)."""
        products = browse_readable(self, product_ids, 'product_ids')
        orders, without_vendor = self.env['purchase.order']._create_shortfall_rfqs(products)
        return {'purchase_order_ids': orders.ids, 'products_without_vendor': without_vendor.ids}


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
        self.env.cr.execute("""
            SELECT product_id, related_product_id, pair_count, support, confidence, lift
              FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.product_id
                                                   ORDER BY a.confidence DESC, a.lift DESC, a.related_product_id) AS rank
                      FROM crm_erp_product_affinity a
                     WHERE a.company_id = %s AND a.product_id = ANY(%s)) ranked
             WHERE rank <= %s
          ORDER BY product_id, rank
        """, [self.env.user.company_id.id, products.ids, limit])
        items = {}
        for product_id, related_id, pair_count, support, confidence, lift in self.env.cr.fetchall():
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
            self.env.cr.execute("""
                SELECT DISTINCT so.company_id FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
                 WHERE l.product_id = ANY(%(ids)s)
                 UNION SELECT company_id FROM crm_erp_affinity_product WHERE product_id = ANY(%(ids)s)
            """, {'ids': changed.ids})
            company_ids = [row[0] for row in self.env.cr.fetchall()]
            if company_ids:
                # sudo: recounts (raw counts, nothing returned) of the companies that sold them
                self.env['crm.erp.product.affinity'].sudo()._recompute_affinity(company_ids)
            if not vals['active']:
                self.env.cr.execute("DELETE FROM crm_erp_best_seller WHERE product_id = ANY(%s)", [changed.ids])
        return result

    @api.multi
    def unlink(self):
        """A deleted product leaves no row in the addon's tables, which have no foreign key to
        it (its order lines, which Odoo protects, are gone already, and with them its counts)."""
        product_ids = self.ids
        result = super().unlink()
        cr = self.env.cr
        cr.execute("DELETE FROM crm_erp_best_seller WHERE product_id = ANY(%s)", [product_ids])
        cr.execute("DELETE FROM crm_erp_affinity_pair WHERE product_a = ANY(%(ids)s) OR product_b = ANY(%(ids)s)",
                   {'ids': product_ids})
        cr.execute("DELETE FROM crm_erp_affinity_product WHERE product_id = ANY(%s)", [product_ids])
        # and the changes of its counts not folded yet (the basket totals' deltas stay)
        cr.execute("DELETE FROM crm_erp_affinity_delta WHERE product_a = ANY(%(ids)s) OR product_b = ANY(%(ids)s)",
                   {'ids': product_ids})
        return result
