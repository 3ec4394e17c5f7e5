"""Every SQL text of the point of sale glue, as named constants and functions with parameters
(as in crm_erp_bridge/queries/)."""
from odoo.addons.crm_erp_bridge.queries.common import CountedDocuments

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
