"""Every SQL text of the webshop glue, as named functions with parameters (as in
crm_erp_bridge/queries/)."""
import psycopg2.errors

from odoo.tools import mute_logger


def mark_webshop_orders(cr):
    """Set the channel webshop on the back-office orders of a website sales team (the webshop's
    orders before the addon was installed); returns how many."""
    cr.execute("""
        UPDATE sale_order so SET crm_erp_channel = 'webshop'
          FROM crm_team team
         WHERE team.id = so.team_id AND team.team_type = 'website' AND so.crm_erp_channel = 'back_office'
    """)
    return cr.rowcount


def also_bought(cr, company_id, template_id, limit):
    """[(product id, template id, product type, pair count)]: the variants most often bought
    with any variant of template_id in the company (crm_erp_product_affinity: by the highest
    confidence, then pairs), of other templates that the webshop shows and sells (published,
    sellable, active, of the company or shared); at most limit rows.

    The template's variants are read first and given to the affinity view as a constant list:
    PostgreSQL then filters each branch of the view's UNION ALL on the pair table's indexes
    (product_a, product_b). Joined to product_product on the template instead, it computed the
    view's every pair before the join: 6.8 s a product at size L instead of 0.03 s."""
    cr.execute("SELECT id FROM product_product WHERE product_tmpl_id = %s", [template_id])
    product_ids = [row[0] for row in cr.fetchall()]
    if not product_ids:
        return []
    cr.execute("""
        SELECT a.related_product_id, rel.product_tmpl_id, rt.type, SUM(a.pair_count)::integer AS pairs
          FROM crm_erp_product_affinity a
          JOIN product_product rel ON rel.id = a.related_product_id
          JOIN product_template rt ON rt.id = rel.product_tmpl_id
         WHERE a.company_id = %(company_id)s AND a.product_id = ANY(%(product_ids)s)
           AND rel.product_tmpl_id <> %(template_id)s
           AND rel.active AND rt.active AND rt.sale_ok AND rt.website_published
           AND (rt.company_id IS NULL OR rt.company_id = %(company_id)s)
      GROUP BY a.related_product_id, rel.product_tmpl_id, rt.type
      ORDER BY MAX(a.confidence) DESC, pairs DESC, a.related_product_id
         LIMIT %(limit)s
    """, {'company_id': company_id, 'template_id': template_id, 'product_ids': product_ids, 'limit': limit})
    return cr.fetchall()


def shown_templates(cr, company_id, product_ids):
    """{product id: template id} of the product_ids that the webshop shows and sells (active,
    published, sellable, of the company or shared), as also_bought keeps them."""
    if not product_ids:
        return {}
    cr.execute("""
        SELECT p.id, t.id
          FROM product_product p
          JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE p.id = ANY(%(product_ids)s) AND p.active AND t.active AND t.sale_ok AND t.website_published
           AND (t.company_id IS NULL OR t.company_id = %(company_id)s)
    """, {'company_id': company_id, 'product_ids': list(product_ids)})
    return dict(cr.fetchall())


def customer_version(cr, company_id, partner_id):
    """The state of the customer's Customer 360 row in the company, (write date, confirmed
    orders, revenue), or None without a row: it changes whenever an order of theirs is confirmed,
    cancelled or moved (the incremental refresh rewrites the row), so a cache keyed on it
    forgets their recommendations then."""
    cr.execute("""
        SELECT write_date::text, sale_order_count, sale_revenue::float
          FROM crm_erp_partner_stats
         WHERE company_id = %s AND partner_id = %s
    """, [company_id, partner_id])
    return cr.fetchone()


# One row of crm_erp_web_recommendation_event (record_event)
_INSERT_EVENT = """
    INSERT INTO crm_erp_web_recommendation_event (
        kind, block, product_tmpl_id, website_id, company_id, partner_id, session_key, day,
        create_uid, create_date, write_uid, write_date)
    VALUES (%(kind)s, %(block)s, %(template_id)s, %(website_id)s, %(company_id)s, %(partner_id)s,
            %(session_key)s, (NOW() AT TIME ZONE 'UTC')::date,
            %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC')
    ON CONFLICT DO NOTHING
"""
# A view row in one round trip, the transaction committing without waiting for the WAL flush
_INSERT_VIEW = "SET LOCAL synchronous_commit = off;" + _INSERT_EVENT


def record_event(cr, kind, block, website_id, company_id, template_id=None, partner_id=None, session_key=None,
                 uid=None):
    """Append one row to crm_erp_web_recommendation_event (a block shown, a product clicked in
    it): one INSERT, no row updated, so page views never wait for each other. A second click on
    the same product of the same block in the same session and day is not counted (the unique
    index of clicks). Returns whether a row was added.

    The page's transaction then commits without waiting for the write-ahead log's flush
    (synchronous_commit off, for this transaction only: a page view is otherwise read-only): a
    crash may lose the last fraction of a second of views and clicks, never make them
    inconsistent, and the page does not wait for the disk. Two requests of a visit counting
    the same click at once (a double click): Odoo's REPEATABLE READ makes the later one's
    conflict a serialization failure, which here means "counted already" (a savepoint keeps the
    page's transaction going)."""
    values = {'kind': kind, 'block': block, 'template_id': template_id, 'website_id': website_id,
              'company_id': company_id, 'partner_id': partner_id, 'session_key': session_key, 'uid': uid}
    if kind == 'view':
        # no unique index covers views, so no conflict and no serialization failure: one round
        # trip (a page view's only statement of the block when its figures are cached)
        cr.execute(_INSERT_VIEW, values)
        return cr.rowcount == 1
    cr.execute("SET LOCAL synchronous_commit = off")
    try:
        with mute_logger('odoo.sql_db'), cr.savepoint():
            cr.execute(_INSERT_EVENT, values)
            return cr.rowcount == 1
    except psycopg2.errors.SerializationFailure:
        return False  # the same click, counted by a request of the same visit committed meanwhile


def count_purchases(cr, order_ids, window_days, uid=None):
    """For the confirmed webshop orders among order_ids: one 'purchase' row per (order, product,
    block) for each product of the order that was clicked in a block of the webshop of the
    order's company in the last window_days, in the session that made the order or by its
    customer (commercial entity). Counted once per order, product and block (the unique index
    of purchases: a confirmation again after a cancel adds nothing). Returns the rows added."""
    cr.execute("""
        INSERT INTO crm_erp_web_recommendation_event (
            kind, block, product_tmpl_id, website_id, company_id, partner_id, session_key, order_id, day,
            create_uid, create_date, write_uid, write_date)
        SELECT DISTINCT ON (so.id, pp.product_tmpl_id, c.block)
               'purchase', c.block, pp.product_tmpl_id, c.website_id, so.company_id, cp.commercial_partner_id,
               so.crm_erp_session_key, so.id, (NOW() AT TIME ZONE 'UTC')::date,
               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM sale_order so
          JOIN res_partner cp ON cp.id = so.partner_id
          JOIN sale_order_line l ON l.order_id = so.id AND l.product_uom_qty > 0
          JOIN product_product pp ON pp.id = l.product_id
          JOIN crm_erp_web_recommendation_event c
            ON c.kind = 'click' AND c.product_tmpl_id = pp.product_tmpl_id AND c.company_id = so.company_id
           AND (c.session_key = so.crm_erp_session_key OR c.partner_id = cp.commercial_partner_id)
           AND c.create_date >= (NOW() AT TIME ZONE 'UTC') - make_interval(days => %(window_days)s)
         WHERE so.id = ANY(%(order_ids)s) AND so.crm_erp_channel = 'webshop' AND so.state IN ('sale', 'done')
      ORDER BY so.id, pp.product_tmpl_id, c.block, c.create_date DESC
        ON CONFLICT DO NOTHING
    """, {'order_ids': list(order_ids), 'window_days': window_days, 'uid': uid})
    return cr.rowcount


def create_event_indexes(cr):
    """The event table's indexes: one click per (block, product, session, day); one purchase per
    (order, product, block); the clicks of a product (purchase matching)."""
    cr.execute("""
        CREATE UNIQUE INDEX IF NOT EXISTS crm_erp_web_recommendation_event_click_uniq
            ON crm_erp_web_recommendation_event (block, product_tmpl_id, session_key, day) WHERE kind = 'click';
        CREATE UNIQUE INDEX IF NOT EXISTS crm_erp_web_recommendation_event_purchase_uniq
            ON crm_erp_web_recommendation_event (order_id, product_tmpl_id, block) WHERE kind = 'purchase';
        CREATE INDEX IF NOT EXISTS crm_erp_web_recommendation_event_click_product
            ON crm_erp_web_recommendation_event (product_tmpl_id, create_date) WHERE kind = 'click';
    """)
