"""Cross-sell opportunities (res.partner's cross-sell run, crm.lead's win rate): which customers
already have an open one, how many each salesperson holds, which products a customer refused,
and the outcomes. A cross-sell opportunity is a crm_lead with is_cross_sell; its suggested
products are its crm_lead_line rows. Open: active and probability < 100; won: probability 100;
lost: archived at probability 0 (crm's "Mark Lost"). Leads without company count in every
company, as Odoo's record rules show them."""

# Which crm_lead rows are cross-sell opportunities, and which of them are open, won or lost,
# as conditions on crm_lead alone (no alias): the run, the settings' win rate and the manager's
# dashboard read them through these (one home).
CROSS_SELL_OPPORTUNITY_SQL = "is_cross_sell AND type = 'opportunity'"
CROSS_SELL_OPEN_SQL = 'active AND probability < 100'
CROSS_SELL_WON_SQL = 'active AND probability >= 100'
CROSS_SELL_LOST_SQL = 'NOT active AND probability = 0'

# The company's cross-sell opportunities in one state (its condition appended), as a subquery.
_OF_COMPANY_SQL = ("SELECT * FROM crm_lead WHERE " + CROSS_SELL_OPPORTUNITY_SQL
                   + " AND (company_id = %(company_id)s OR company_id IS NULL) AND ")


def open_cross_sell_customers(cr, partner_ids, company_id):
    """{commercial partner id} of those among partner_ids (commercial partners) that have an
    open cross-sell opportunity in the company."""
    cr.execute("""
        SELECT DISTINCT p.commercial_partner_id
          FROM (""" + _OF_COMPANY_SQL + CROSS_SELL_OPEN_SQL + """) l
          JOIN res_partner p ON p.id = l.partner_id
         WHERE p.commercial_partner_id = ANY(%(partner_ids)s)
    """, {'partner_ids': list(partner_ids), 'company_id': company_id})
    return {row[0] for row in cr.fetchall()}


def open_cross_sell_per_salesperson(cr, company_id):
    """{salesperson (res.users) id, or None: number of open cross-sell opportunities assigned
    to them in the company}."""
    cr.execute("""
        SELECT l.user_id, COUNT(*)
          FROM (""" + _OF_COMPANY_SQL + CROSS_SELL_OPEN_SQL + """) l
         GROUP BY l.user_id
    """, {'company_id': company_id})
    return dict(cr.fetchall())


def refused_cross_sell_pairs(cr, partner_ids, company_id, since):
    """{(commercial partner id, product id)} the customers refused at or after since (a
    'YYYY-MM-DD HH:MM:SS' UTC timestamp) in the company: the products on the lines of their
    cross-sell opportunities lost since then, and the products removed from their cross-sell
    opportunities (crm_lead_cross_sell_refused_rel) won or lost since then (their closing date,
    crm's date_closed)."""
    cr.execute("""
        WITH closed AS (
            SELECT l.id, p.commercial_partner_id AS partner_id, l.lost
              FROM (SELECT id, partner_id, date_closed, write_date, (""" + CROSS_SELL_LOST_SQL + """) AS lost
                      FROM crm_lead
                     WHERE """ + CROSS_SELL_OPPORTUNITY_SQL + """ AND NOT (""" + CROSS_SELL_OPEN_SQL + """)
                       AND (company_id = %(company_id)s OR company_id IS NULL)) l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE p.commercial_partner_id = ANY(%(partner_ids)s)
               AND COALESCE(l.date_closed, l.write_date) >= %(since)s
        )
        SELECT closed.partner_id, ll.product_id
          FROM closed JOIN crm_lead_line ll ON ll.lead_id = closed.id
         WHERE closed.lost
         UNION
        SELECT closed.partner_id, refused.product_id
          FROM closed JOIN crm_lead_cross_sell_refused_rel refused ON refused.lead_id = closed.id
    """, {'partner_ids': list(partner_ids), 'company_id': company_id, 'since': since})
    return set(cr.fetchall())


def cross_sell_outcomes(cr, company_id):
    """(won, lost) cross-sell opportunities of the company (or without company)."""
    cr.execute("""
        SELECT COUNT(*) FILTER (WHERE """ + CROSS_SELL_WON_SQL + """),
               COUNT(*) FILTER (WHERE """ + CROSS_SELL_LOST_SQL + """)
          FROM crm_lead
         WHERE """ + CROSS_SELL_OPPORTUNITY_SQL + """ AND (company_id = %(company_id)s OR company_id IS NULL)
    """, {'company_id': company_id})
    return cr.fetchone()


def mark_legacy_cross_sell(cr):
    """Opportunities made by the single-product cross-sell of earlier versions (column
    cross_sell_product_id, left in the table by the update that removed the field) become
    cross-sell opportunities with their product as a line (quantity 1 in the product unit, at
    the opportunity's expected revenue), so that they keep counting in the win rate, the
    open opportunities and the refusals. Run by the 11.0.1.1.0 migration; once: it drops the
    old column."""
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'crm_lead' AND column_name = 'cross_sell_product_id'
    """)
    if not cr.fetchone():
        return
    cr.execute("""
        UPDATE crm_lead SET is_cross_sell = TRUE
         WHERE cross_sell_product_id IS NOT NULL AND NOT COALESCE(is_cross_sell, FALSE)
    """)
    cr.execute("""
        INSERT INTO crm_lead_line (lead_id, sequence, company_id, product_id, product_qty, product_uom_id,
                                   price_unit, price_subtotal, create_uid, create_date, write_uid, write_date)
        SELECT l.id, 10, l.company_id, l.cross_sell_product_id, 1.0, t.uom_id,
               COALESCE(l.planned_revenue, 0), COALESCE(l.planned_revenue, 0),
               l.create_uid, l.create_date, l.write_uid, l.write_date
          FROM crm_lead l
          JOIN product_product pp ON pp.id = l.cross_sell_product_id
          JOIN product_template t ON t.id = pp.product_tmpl_id
         WHERE l.cross_sell_product_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM crm_lead_line ll WHERE ll.lead_id = l.id)
    """)
    cr.execute("ALTER TABLE crm_lead DROP COLUMN cross_sell_product_id")


def drop_view(cr, xml_name):
    """Deletes the addon's view of that XML id (name without the module) and its id, before a
    module update creates it again from the XML (migrations)."""
    cr.execute("""
        DELETE FROM ir_ui_view WHERE id IN (
            SELECT res_id FROM ir_model_data
             WHERE module = 'crm_erp_bridge' AND name = %(name)s AND model = 'ir.ui.view')
    """, {'name': xml_name})
    cr.execute("""
        DELETE FROM ir_model_data WHERE module = 'crm_erp_bridge' AND name = %(name)s AND model = 'ir.ui.view'
    """, {'name': xml_name})
