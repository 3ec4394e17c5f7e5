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
