"""What the point of sale benchmarks share (bench/pos_refresh_speed.py, bench/pos_affinity_speed.py):
copying a share of a company's confirmed sale orders as tickets of an open session, and the
median line of a timing."""
import statistics

_COPY_TICKETS_SQL = """
WITH picked AS (
    SELECT so.*, random() < %(anonymous)s AS anonymous FROM sale_order so
     WHERE so.company_id = %(company_id)s AND so.state IN ('sale', 'done') AND random() < %(share)s
), tickets AS (
    INSERT INTO pos_order (name, company_id, date_order, partner_id, pricelist_id, session_id, state,
                           sequence_number, crm_erp_amount_untaxed, nb_print, pos_reference,
                           create_uid, create_date, write_uid, write_date)
    SELECT 'BENCH/' || so.id, so.company_id, so.date_order, CASE WHEN so.anonymous THEN NULL ELSE so.partner_id END,
           so.pricelist_id, %(session_id)s, %(state)s, 1, so.amount_untaxed, 0, 'BENCH ' || so.id, 1, NOW(), 1, NOW()
      FROM picked so
 RETURNING id, pos_reference
)
INSERT INTO pos_order_line (name, order_id, product_id, qty, price_unit, discount, company_id,
                            create_uid, create_date, write_uid, write_date)
SELECT 'BENCH', t.id, l.product_id, l.product_uom_qty, l.price_unit, 0, l.company_id, 1, NOW(), 1, NOW()
  FROM tickets t
  JOIN sale_order_line l ON l.order_id = substr(t.pos_reference, 7)::integer
"""


def copy_orders_as_tickets(env, company, share, state, anonymous=0.0):
    """Copies about `share` of the company's confirmed sale orders as tickets in `state` (same
    day, customer, amount and products; `anonymous` of them without customer), in a session of
    the main point of sale opened for the purpose: one INSERT for the tickets and their lines.
    Returns the number of tickets named BENCH/ in the database."""
    config = env.ref('point_of_sale.pos_config_main')
    config.open_session_cb()
    env.cr.execute(_COPY_TICKETS_SQL, {'company_id': company.id, 'share': share, 'anonymous': anonymous,
                                       'state': state, 'session_id': config.current_session_id.id})
    env.cr.execute("SELECT COUNT(*) FROM pos_order WHERE name LIKE 'BENCH/%%'")
    return env.cr.fetchone()[0]


def describe(values):
    return '%.1f ms (%.1f - %.1f, n=%d)' % (
        statistics.median(values) * 1000, min(values) * 1000, max(values) * 1000, len(values))
