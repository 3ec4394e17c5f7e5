"""Supply: what the shortfall RFQs read (shortfall per warehouse x product from the report's
snapshot, quantities on open RFQs, vendor taxes and names, the deals making the demand), for
purchase.order's _create_shortfall_rfqs."""
from .common import product_uom_joins

# Per warehouse x product of the company short up to the horizon before its RFQs not confirmed
# yet: the shortfall in the product unit, the weeks and their balances (Forecasted - weighted
# demand, without those RFQs), the product's units and its main vendor's terms (NULL when it has
# no vendor). From the report's snapshot, brought up to date first: what RFQs order is what it
# shows. The RFQs are left out here because the run nets the ones its own transaction sees (the
# snapshot may be a moment behind; another run's RFQ must not be ordered twice). With
# %(with_forecast)s, the forecast demand counts too, from the product's first week (the forecast
# has no dates within its months), and the pairs with only forecast demand are short as well;
# without, only the pairs with pipeline demand (quotations, opportunities), as the report's shortfall.
_SHORTFALL_SQL = """
    SELECT shortfall.warehouse_id, shortfall.product_id, shortfall.qty, template.uom_id, template.uom_po_id,
           seller.name, seller.price, seller.currency_id, seller.min_qty, seller.delay,
           shortfall.weeks, shortfall.balances
      FROM (SELECT warehouse_id, product_id, supplierinfo_id, -MIN(balance) AS qty,
                   array_agg(week ORDER BY week) AS weeks, array_agg(balance ORDER BY week) AS balances
              FROM (SELECT warehouse_id, product_id, supplierinfo_id, week, pair_demand,
                           projected_qty - pair_rfq
                               - CASE WHEN %(with_forecast)s THEN pair_forecast_demand ELSE 0 END AS balance
                      FROM (SELECT *,
                                   SUM(rfq_qty) OVER (PARTITION BY warehouse_id, product_id) AS pair_rfq,
                                   SUM(demand_qty) OVER (PARTITION BY warehouse_id, product_id) AS pair_demand,
                                   SUM(forecast_demand_qty) OVER (PARTITION BY warehouse_id, product_id)
                                       AS pair_forecast_demand
                              FROM crm_erp_pipeline_demand_snapshot
                             WHERE product_id = ANY(%(product_ids)s) AND company_id = %(company_id)s) AS pair
                     WHERE week < %(horizon_end)s AND (%(with_forecast)s OR pair_demand > 0)) AS week_balance
          GROUP BY warehouse_id, product_id, supplierinfo_id
            HAVING MIN(balance) < 0) shortfall
      JOIN product_product variant ON variant.id = shortfall.product_id
      JOIN product_template template ON template.id = variant.product_tmpl_id
 LEFT JOIN product_supplierinfo seller ON seller.id = shortfall.supplierinfo_id
"""

# The lines of the RFQs not confirmed yet (draft, sent, to approve: they have no moves; a
# confirmed order's receipts are incoming moves, which Odoo's forecast counts), with the
# warehouse of the RFQ's receipts and the quantity in the product unit (rfq_qty). The pipeline
# demand report shows them as "On Order, not Confirmed" and its shortfall nets them; the RFQ run
# orders what they do not hold yet.
UNCONFIRMED_RFQ_LINES_SQL = """
    SELECT picking_type.warehouse_id, line.product_id, po.company_id, line.order_id,
           line.product_qty / line_uom.factor * product_uom.factor AS rfq_qty
      FROM purchase_order_line line
      JOIN purchase_order po ON po.id = line.order_id
      JOIN stock_picking_type picking_type ON picking_type.id = po.picking_type_id
      """ + product_uom_joins('line', 'product_uom') + """
     WHERE line.state IN ('draft', 'sent', 'to approve')
"""

# Quantities on RFQs not confirmed yet, per warehouse x product, in the product unit.
_ON_RFQ_SQL = """
    SELECT rfq.warehouse_id, rfq.product_id, SUM(rfq.rfq_qty)
      FROM (""" + UNCONFIRMED_RFQ_LINES_SQL + """) AS rfq
     WHERE rfq.company_id = %(company_id)s AND rfq.product_id = ANY(%(product_ids)s)
  GROUP BY rfq.warehouse_id, rfq.product_id
"""

# The same per RFQ.
_ON_RFQ_BY_ORDER_SQL = """
    SELECT rfq.warehouse_id, rfq.product_id, rfq.order_id, SUM(rfq.rfq_qty)
      FROM (""" + UNCONFIRMED_RFQ_LINES_SQL + """) AS rfq
     WHERE rfq.company_id = %(company_id)s AND rfq.product_id = ANY(%(product_ids)s)
  GROUP BY rfq.warehouse_id, rfq.product_id, rfq.order_id
  ORDER BY rfq.order_id, rfq.product_id, rfq.warehouse_id
"""

# The vendor taxes of products in the company (product.template's supplier_taxes_id).
_VENDOR_TAXES_SQL = """
    SELECT variant.id, array_agg(tax.id ORDER BY tax.id)
      FROM product_product variant
      JOIN product_supplier_taxes_rel rel ON rel.prod_id = variant.product_tmpl_id
      JOIN account_tax tax ON tax.id = rel.tax_id
     WHERE variant.id = ANY(%s) AND tax.company_id = %s AND tax.active
  GROUP BY variant.id
"""

# The quotations and opportunities making the demand, per warehouse x product.
_SOURCES_SQL = """
    SELECT warehouse_id, product_id, source_model, array_agg(DISTINCT source_id ORDER BY source_id)
      FROM crm_erp_pipeline_demand_source
     WHERE product_id = ANY(%(product_ids)s) AND company_id = %(company_id)s
       AND date < %(horizon_end)s
  GROUP BY warehouse_id, product_id, source_model
"""

# The deals the lines of purchase orders were made for: (order, line, deal model, deal id).
_LINE_SOURCES_SQL = """
    SELECT line.order_id, line.id, 'sale.order', link.sale_order_id
      FROM purchase_order_line line
      JOIN purchase_order_line_source_sale_order_rel link ON link.purchase_line_id = line.id
     WHERE line.order_id = ANY(%(order_ids)s)
    UNION ALL
    SELECT line.order_id, line.id, 'crm.lead', link.lead_id
      FROM purchase_order_line line
      JOIN purchase_order_line_source_lead_rel link ON link.purchase_line_id = line.id
     WHERE line.order_id = ANY(%(order_ids)s)
"""


def shortfalls(cr, params):
    """[(warehouse_id, product_id, shortfall qty, uom_id, uom_po_id, vendor_id, price,
    currency_id, min_qty, delay, [weeks], [balances])] of the products (params: product_ids,
    company_id, horizon_end, with_forecast: whether the forecast demand counts) short up to the
    horizon before their RFQs not confirmed yet, from the snapshot (vendor columns NULL without
    one); balances: Forecasted - weighted demand (- the forecast demand, with_forecast) at the
    end of each week, without those RFQs. with_forecast defaults to False."""
    cr.execute(_SHORTFALL_SQL, dict({'with_forecast': False}, **params))
    return cr.fetchall()


def quantities_on_rfqs(cr, params):
    """{(warehouse id, product id): quantity in the product unit} on the company's RFQs not
    confirmed yet (params: product_ids, company_id)."""
    cr.execute(_ON_RFQ_SQL, params)
    return {(warehouse_id, product_id): qty for warehouse_id, product_id, qty in cr.fetchall()}


def covering_orders(cr, params):
    """Ids of the company's purchase orders that still bring the products (params: product_ids,
    company_id): RFQs not confirmed yet, and confirmed orders with receipts not done."""
    cr.execute("""
        SELECT DISTINCT po.id
          FROM purchase_order_line line
          JOIN purchase_order po ON po.id = line.order_id
         WHERE po.company_id = %(company_id)s AND line.product_id = ANY(%(product_ids)s)
           AND (po.state IN ('draft', 'sent', 'to approve')
                OR (po.state IN ('purchase', 'done') AND EXISTS (
                        SELECT 1 FROM stock_move move
                         WHERE move.purchase_line_id = line.id AND move.state NOT IN ('draft', 'cancel', 'done'))))
      ORDER BY po.id
    """, params)
    return [row[0] for row in cr.fetchall()]


def quantities_on_rfqs_by_order(cr, params):
    """[(warehouse id, product id, RFQ id, quantity in the product unit)] on the company's RFQs
    not confirmed yet (params: product_ids, company_id), by RFQ."""
    cr.execute(_ON_RFQ_BY_ORDER_SQL, params)
    return cr.fetchall()


def demand_sources(cr, params):
    """{(warehouse id, product id): {model: [ids]}} of the quotations (sale.order) and
    opportunities (crm.lead) making the demand up to the horizon (params: as shortfalls)."""
    cr.execute(_SOURCES_SQL, params)
    sources = {}
    for warehouse_id, product_id, model, ids in cr.fetchall():
        sources.setdefault((warehouse_id, product_id), {})[model] = ids
    return sources


def vendor_taxes(cr, product_ids, company_id):
    """{product id: [tax ids]} of the products' vendor taxes in the company."""
    cr.execute(_VENDOR_TAXES_SQL, [list(product_ids), company_id])
    return dict(cr.fetchall())


def vendor_product_names(cr, product_ids):
    """{(vendor id, product id)} of the vendors that have their own code or name for the
    products (product.supplierinfo)."""
    cr.execute("""
        SELECT DISTINCT seller.name, variant.id
          FROM product_supplierinfo seller
          JOIN product_product variant ON variant.product_tmpl_id = seller.product_tmpl_id
                                      AND (seller.product_id IS NULL OR seller.product_id = variant.id)
         WHERE variant.id = ANY(%s) AND (seller.product_code IS NOT NULL OR seller.product_name IS NOT NULL)
    """, [list(product_ids)])
    return set(cr.fetchall())


def line_deals(cr, order_ids):
    """[(order id, line id, deal model, deal id)] of the deals the lines of the purchase orders
    were made for."""
    cr.execute(_LINE_SOURCES_SQL, {'order_ids': list(order_ids)})
    return cr.fetchall()
