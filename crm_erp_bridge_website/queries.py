"""Every SQL text of the webshop glue, as named functions with parameters (as in
crm_erp_bridge/queries/)."""


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
    sellable, active, of the company or shared); at most limit rows."""
    cr.execute("""
        SELECT a.related_product_id, rel.product_tmpl_id, rt.type, SUM(a.pair_count)::integer AS pairs
          FROM crm_erp_product_affinity a
          JOIN product_product src ON src.id = a.product_id
          JOIN product_product rel ON rel.id = a.related_product_id
          JOIN product_template rt ON rt.id = rel.product_tmpl_id
         WHERE a.company_id = %(company_id)s AND src.product_tmpl_id = %(template_id)s
           AND rel.product_tmpl_id <> %(template_id)s
           AND rel.active AND rt.active AND rt.sale_ok AND rt.website_published
           AND (rt.company_id IS NULL OR rt.company_id = %(company_id)s)
      GROUP BY a.related_product_id, rel.product_tmpl_id, rt.type
      ORDER BY MAX(a.confidence) DESC, pairs DESC, a.related_product_id
         LIMIT %(limit)s
    """, {'company_id': company_id, 'template_id': template_id, 'limit': limit})
    return cr.fetchall()
