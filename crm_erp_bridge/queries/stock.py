"""Stock figures: free stock (on hand - reserved in internal locations) and incoming stock
(open moves from outside the internal locations into them). The one home of both rules: the
per-request figures below and the pipeline demand report's weekly flows use the same
fragments."""

# A quant `quant` in an internal location `loc` counts as free stock: quantity - reserved.
FREE_QUANT_SQL = "loc.usage = 'internal'"
FREE_QTY_SQL = 'quant.quantity - quant.reserved_quantity'
# An open move `move` from `src` (outside the internal locations) into `dest` (an internal one)
# is incoming stock: product_qty, in the product unit.
INCOMING_MOVE_SQL = """move.state NOT IN ('draft', 'cancel', 'done')
       AND dest.usage = 'internal' AND src.usage <> 'internal'"""
# What is not an open move (the partial indexes and the report's triggers).
NOT_OPEN_MOVE_STATES_SQL = "('draft', 'cancel', 'done')"

# Odoo's forecast of a warehouse (product.product's qty_available, incoming_qty, outgoing_qty and
# virtual_available in the context of a warehouse, stock/models/product.py): on hand = the quants
# of any location `loc` under the warehouse's view location `view_loc`; incoming = open moves (not
# draft, cancelled or done) into it from a location `src` outside it; outgoing = open moves out
# of it to a location `dest` outside it (confirmed but undelivered orders); forecast = on hand +
# incoming - outgoing. Moves in product_qty, the product unit.
_IN_WAREHOUSE_SQL = "{loc}.parent_left >= view_loc.parent_left AND {loc}.parent_left < view_loc.parent_right"
WAREHOUSE_QUANT_SQL = _IN_WAREHOUSE_SQL.format(loc='loc')
WAREHOUSE_INCOMING_MOVE_SQL = "move.state NOT IN " + NOT_OPEN_MOVE_STATES_SQL + """
       AND """ + _IN_WAREHOUSE_SQL.format(loc='dest') + """
       AND NOT (""" + _IN_WAREHOUSE_SQL.format(loc='src') + ")"
WAREHOUSE_OUTGOING_MOVE_SQL = "move.state NOT IN " + NOT_OPEN_MOVE_STATES_SQL + """
       AND """ + _IN_WAREHOUSE_SQL.format(loc='src') + """
       AND NOT (""" + _IN_WAREHOUSE_SQL.format(loc='dest') + ")"
# A done move from the warehouse to a customer location: a delivery (the sales forecast splits a
# product's forecast over the warehouses by their deliveries).
WAREHOUSE_DELIVERY_MOVE_SQL = "move.state = 'done' AND dest.usage = 'customer' AND " + _IN_WAREHOUSE_SQL.format(
    loc='src')

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
# A location `{location}` in the request's warehouse (any of the company's without one).
_IN_REQUESTED_WAREHOUSE_SQL = """(request.parent_left IS NULL
            OR {location}.parent_left BETWEEN request.parent_left AND request.parent_right)"""

_FREE_QTY_REQUESTS_SQL = _REQUESTS_SQL + """
    SELECT request.idx, SUM(""" + FREE_QTY_SQL + """)
      FROM request
      JOIN stock_quant quant ON quant.product_id = request.product_id
      JOIN stock_location loc ON loc.id = quant.location_id
     WHERE """ + FREE_QUANT_SQL + """
       AND loc.company_id = request.company_id
       AND """ + _IN_REQUESTED_WAREHOUSE_SQL.format(location='loc') + """
  GROUP BY request.idx
"""

_INCOMING_QTY_REQUESTS_SQL = _REQUESTS_SQL + """
    SELECT request.idx, SUM(move.product_qty)
      FROM request
      JOIN stock_move move ON move.product_id = request.product_id
      JOIN stock_location dest ON dest.id = move.location_dest_id
      JOIN stock_location src ON src.id = move.location_id
     WHERE """ + INCOMING_MOVE_SQL + """
       AND move.company_id = request.company_id
       AND """ + _IN_REQUESTED_WAREHOUSE_SQL.format(location='dest') + """
       AND (request.to_date IS NULL OR move.date_expected <= request.to_date)
  GROUP BY request.idx
"""


def free_and_incoming_qty(cr, requests):
    """[(free qty, incoming qty)] in each product's unit, one per request (product id, company
    id, warehouse id or None: every internal location of the company, to_date or None: every
    open incoming move), in the order given; two queries whatever the mix."""
    product_ids, company_ids, warehouse_ids, to_dates = (list(column) for column in zip(*requests))
    params = {
        'product_ids': product_ids,
        'company_ids': company_ids,
        'warehouse_ids': [warehouse_id or None for warehouse_id in warehouse_ids],
        'to_dates': [to_date or None for to_date in to_dates],
    }
    cr.execute(_FREE_QTY_REQUESTS_SQL, params)
    free = dict(cr.fetchall())
    cr.execute(_INCOMING_QTY_REQUESTS_SQL, params)
    incoming = dict(cr.fetchall())
    return [(free.get(idx, 0.0), incoming.get(idx, 0.0)) for idx in range(1, len(requests) + 1)]


def reserved_qty_by_sale_line(cr, line_ids):
    """{sale line id: quantity reserved for it on its open moves, in the product unit}."""
    cr.execute("""
        SELECT move.sale_line_id, SUM(move_line.product_qty)
          FROM stock_move_line move_line
          JOIN stock_move move ON move.id = move_line.move_id
         WHERE move.sale_line_id = ANY(%s)
           AND move.state NOT IN ('done', 'cancel')
      GROUP BY move.sale_line_id
    """, [list(line_ids)])
    return dict(cr.fetchall())
