"""Every SQL text of the point of sale glue, as named constants and functions with parameters
(as in crm_erp_bridge/queries/)."""
from odoo.addons.crm_erp_bridge.queries.affinity import BasketSource
from odoo.addons.crm_erp_bridge.queries.common import COUNTED_PRODUCT_SQL, CountedDocuments, ensure_index

# The states of a point of sale ticket that count as an order: paid (synced from the till),
# posted (its session closed) and invoiced.
COUNTED_STATES = ('paid', 'done', 'invoiced')

# The counted point of sale tickets (crm.erp.partner.stats._counted_documents): paid, posted or
# invoiced tickets with a customer, channel 'pos', untaxed amount in the pricelist's currency
# (crm_erp_amount_untaxed, stored by this addon: Odoo 11 stores no amount on pos.order). A refund
# ticket (negative amount) is not an order, as a credit note does not reduce a sale order's
# figures. Anonymous tickets (no customer) count for no customer. The sale margin of a ticket is
# its untaxed amount (Odoo 11 stores no cost on point of sale lines).
POS_ORDER_DOCUMENTS = CountedDocuments('pos.order', """
    SELECT 'pos.order'::text AS kind, po.id, po.company_id, po.partner_id, po.date_order, po.pricelist_id,
           po.crm_erp_amount_untaxed AS amount_untaxed, po.crm_erp_amount_untaxed AS margin, 'pos'::text AS channel
      FROM pos_order po
     WHERE po.state IN ('paid', 'done', 'invoiced') AND po.partner_id IS NOT NULL
       AND po.crm_erp_amount_untaxed >= 0""", """
    SELECT 'pos.order'::text AS kind, l.order_id, l.product_id FROM pos_order_line l""")


# The customers of the counted tickets, per company.
_TICKET_CUSTOMERS_SQL = """
    SELECT DISTINCT po.company_id, p.commercial_partner_id
      FROM (""" + POS_ORDER_DOCUMENTS.select + """) po
      JOIN res_partner p ON p.id = po.partner_id
"""


def ticket_customers(cr):
    """[(company id, commercial partner id)] of the counted tickets (POS_ORDER_DOCUMENTS)."""
    cr.execute(_TICKET_CUSTOMERS_SQL)
    return cr.fetchall()


# Product affinity (crm.erp.product.affinity._affinity_basket_sources): the lines that form
# co-purchase baskets, the one home of the rule: every line with a positive quantity of a paid,
# posted or invoiced ticket, with or without a customer, by the ticket's company and day (the
# product rule of the sale lines: COUNTED_PRODUCT_SQL). A returned product (negative quantity)
# and a zero-quantity line are in no basket, so a refund ticket (only negative lines) is no
# basket, and an exchange ticket is the basket of what it sold, as a sale order's lines count
# with a positive quantity. Tickets are in their own id space: -pos_order.id. A ticket without a
# customer is its own customer key (-id): a basket of its own even with a basket window, in no
# product's customer counts. The same lines are the tickets' sales in the peer best sellers and
# the popularity of the recommendations (an anonymous ticket: a buyer of its own, in no peer
# group).
_TICKET_COUNTED_SQL = "po.state IN ('paid', 'done', 'invoiced')"
_TICKET_LINE_SQL = "l.qty > 0"

_TICKET_BASKET_LINES_SQL = """
    SELECT po.company_id, -po.id AS order_id, COALESCE(rp.commercial_partner_id, -po.id) AS partner_id,
           po.date_order::date AS day, l.product_id, cmp.affinity_basket_days AS days, po.date_order
      FROM pos_order_line l
      JOIN pos_order po ON po.id = l.order_id
      JOIN res_company cmp ON cmp.id = po.company_id
      LEFT JOIN res_partner rp ON rp.id = po.partner_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
     WHERE """ + _TICKET_COUNTED_SQL + " AND " + _TICKET_LINE_SQL + " AND " + COUNTED_PRODUCT_SQL + """
       AND (%(date_to)s::timestamp IS NULL OR po.date_order < %(date_to)s::timestamp)
       AND -po.id <> ALL(%(exclude_order_ids)s::integer[])
       AND {scope}
"""

# the scopes' signed ids: a ticket's are negative (its -id)
_TICKET_SCOPES = {
    'orders': """po.company_id = %(company_id)s AND po.id IN (
        SELECT -k FROM unnest(%(order_ids)s::integer[]) AS k WHERE k < 0)""",
    # (one IN of the customers' tickets and the anonymous ones: an OR of two IN subqueries made
    # PostgreSQL filter every ticket of the company; the recommendations read it per call)
    'partners': """po.company_id = %(company_id)s AND po.id IN (
        SELECT t.id FROM pos_order t JOIN res_partner tp ON tp.id = t.partner_id
         WHERE tp.commercial_partner_id = ANY(%(partner_ids)s::integer[])
         UNION ALL
        SELECT -k FROM unnest(%(partner_ids)s::integer[]) AS k WHERE k < 0)""",
    'product_orders': """po.company_id = %(company_id)s AND po.id IN (
        SELECT order_id FROM pos_order_line WHERE product_id = ANY(%(scope_product_ids)s::integer[]))""",
    'product_partners': """po.company_id = %(company_id)s
        AND COALESCE(rp.commercial_partner_id, -po.id) IN ({buyers})""",
    'period': """po.company_id = ANY(%(company_ids)s::integer[])
        AND (%(date_from)s::timestamp IS NULL OR po.date_order >= %(date_from)s::timestamp)""",
}

_TICKET_BUYERS_SQL = """
        SELECT COALESCE(tbuyer.commercial_partner_id, -tbo.id)
          FROM pos_order_line tbl
          JOIN pos_order tbo ON tbo.id = tbl.order_id
          LEFT JOIN res_partner tbuyer ON tbuyer.id = tbo.partner_id
         WHERE tbl.product_id = ANY(%(scope_product_ids)s::integer[]) AND tbo.company_id = %(company_id)s"""

_TICKET_BASKET_ORDERS_SQL = """
    SELECT po.company_id, COALESCE(rp.commercial_partner_id, -po.id), -po.id, po.date_order::date - DATE '2000-01-01'
      FROM pos_order po
      LEFT JOIN res_partner rp ON rp.id = po.partner_id
     WHERE po.company_id = ANY(%(company_ids)s) AND """ + _TICKET_COUNTED_SQL + """
       AND (%(date_to)s::timestamp IS NULL OR po.date_order < %(date_to)s::timestamp)
"""

_TICKET_FULL_LINES_SQL = """
    SELECT -l.order_id, l.product_id FROM pos_order_line l
     WHERE l.product_id IS NOT NULL AND """ + _TICKET_LINE_SQL + """
"""

POS_ORDER_BASKETS = BasketSource('pos.order', 'pos_order', -1, _TICKET_BASKET_LINES_SQL, _TICKET_SCOPES,
                                 _TICKET_BUYERS_SQL, _TICKET_BASKET_ORDERS_SQL, _TICKET_FULL_LINES_SQL)


def create_affinity_indexes(cr):
    """The ticket lines by product (the affinity's fold reads the baskets of a product) and by
    ticket (Odoo 11 has no index on pos_order_line.order_id: the baskets and the best sellers
    of some tickets or customers read their lines)."""
    ensure_index(cr, 'crm_erp_affinity_pos_line_product_idx', 'pos_order_line', ['product_id'])
    ensure_index(cr, 'crm_erp_affinity_pos_line_order_idx', 'pos_order_line', ['order_id'])


_TICKET_COMPANIES_SQL = """
    SELECT DISTINCT po.company_id FROM pos_order po WHERE """ + _TICKET_COUNTED_SQL + """
"""


def ticket_companies(cr):
    """Ids of the companies with counted tickets (with or without a customer)."""
    cr.execute(_TICKET_COMPANIES_SQL)
    return [row[0] for row in cr.fetchall()]


# The lines of the customer product history (crm.erp.partner.product.history._lines_from): the
# lines of the counted tickets beside the sale order lines, with the same aliases and columns
# (line, doc): a ticket line's quantity is in its product's unit, its untaxed subtotal stored by
# this addon (crm_erp_price_subtotal); ticket lines get negative ids (the view's id is a line id).
PRODUCT_HISTORY_LINES_FROM = """
      (SELECT 'sale.order'::text AS kind, sl.id, sl.order_id, sl.product_id, sl.product_uom_qty, sl.product_uom,
              sl.price_subtotal
         FROM sale_order_line sl
        UNION ALL
       SELECT 'pos.order'::text, -pl.id, pl.order_id, pl.product_id, pl.qty, lt.uom_id, pl.crm_erp_price_subtotal
         FROM pos_order_line pl
         JOIN product_product lp ON lp.id = pl.product_id
         JOIN product_template lt ON lt.id = lp.product_tmpl_id) line
      JOIN (SELECT 'sale.order'::text AS kind, so.id, so.company_id, so.partner_id, so.pricelist_id, so.date_order
              FROM sale_order so WHERE so.state IN ('sale', 'done')
             UNION ALL
            SELECT 'pos.order'::text, po.id, po.company_id, po.partner_id, po.pricelist_id, po.date_order
              FROM (""" + POS_ORDER_DOCUMENTS.select + """) po) doc ON doc.kind = line.kind AND doc.id = line.order_id
"""
