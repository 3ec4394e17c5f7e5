from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .crm_erp_partner_stats import RFM_SEGMENTS

MAX_LIMIT = 100
# Affinities of each bought product that take part in the score (the strongest ones).
AFFINITIES_PER_PRODUCT = 50

# Counted lines of a company's confirmed orders (as in the affinity baskets) of the requested
# commercial customers, up to an optional date; quantities in the product unit.
_HISTORY_SQL = """
    SELECT rp.commercial_partner_id AS partner_id, l.product_id,
           SUM(l.product_uom_qty / line_uom.factor * product_uom.factor) AS qty,
           MAX(so.date_order) AS last_date
      FROM sale_order so
      JOIN res_partner rp ON rp.id = so.partner_id
      JOIN sale_order_line l ON l.order_id = so.id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN product_uom line_uom ON line_uom.id = l.product_uom
      JOIN product_uom product_uom ON product_uom.id = pt.uom_id
      JOIN res_company cmp ON cmp.id = so.company_id
     WHERE so.company_id = %(company_id)s
       AND rp.commercial_partner_id = ANY(%(partner_ids)s::integer[])
       AND so.state IN ('sale', 'done') AND l.product_uom_qty > 0
       AND NOT COALESCE(l.is_downpayment, FALSE)
       AND (pt.type <> 'service' OR NOT cmp.affinity_exclude_services)
       AND so.date_order < %(now)s::timestamp
  GROUP BY rp.commercial_partner_id, l.product_id
"""

# Affinity recommendations of a batch of customers in one query (README, "Recommendations"):
# weight of a bought product A = 0.5 ^ (days since last bought / half-life) x (1 + ln(1 + qty));
# score of B = sum over A of weight(A) x confidence(A -> B), over the visible affinities; the
# strongest contribution explains it. Products bought within the exclusion window are left out
# unless they are repeat-purchase items; products already on the document are left out.
_AFFINITY_SQL = """
    WITH history AS (""" + _HISTORY_SQL + """),
    weights AS (
        SELECT partner_id, product_id, last_date,
               POWER(0.5, GREATEST(EXTRACT(EPOCH FROM %(now)s::timestamp - last_date) / 86400.0, 0)
                          / %(half_life)s)
               * (1 + LN(1 + GREATEST(qty, 0))) AS weight
          FROM history
    ), contributions AS (
        -- the strongest affinities of each bought product (most co-purchases: highest confidence)
        SELECT w.partner_id, a.related_product_id AS product_id, a.product_id AS from_product_id,
               w.weight * a.confidence AS contribution, a.pair_count, a.lift, a.confidence
          FROM weights w
         CROSS JOIN LATERAL (
            SELECT v.* FROM crm_erp_product_affinity v
             WHERE v.company_id = %(company_id)s AND v.product_id = w.product_id
          ORDER BY v.pair_count DESC, v.related_product_id
             LIMIT %(per_product)s) a
    ), scored AS (
        SELECT partner_id, product_id, SUM(contribution) AS score,
               (ARRAY_AGG(from_product_id ORDER BY contribution DESC, from_product_id))[1] AS from_product_id,
               (ARRAY_AGG(pair_count ORDER BY contribution DESC, from_product_id))[1] AS pair_count,
               (ARRAY_AGG(lift ORDER BY contribution DESC, from_product_id))[1] AS lift,
               (ARRAY_AGG(confidence ORDER BY contribution DESC, from_product_id))[1] AS confidence
          FROM contributions GROUP BY partner_id, product_id
    ), kept AS (
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.partner_id ORDER BY s.score DESC, s.product_id) AS rank
          FROM scored s
          LEFT JOIN history h ON h.partner_id = s.partner_id AND h.product_id = s.product_id
          LEFT JOIN crm_erp_affinity_product ap ON ap.company_id = %(company_id)s AND ap.product_id = s.product_id
         WHERE s.product_id <> ALL(%(exclude_product_ids)s::integer[])
           AND (h.product_id IS NULL
                OR h.last_date < %(now)s::timestamp - make_interval(days => %(exclude_days)s)
                OR (ap.customer_count >= 2 AND ap.repeat_customer_count >= %(repeat_share)s * ap.customer_count))
    )
    SELECT partner_id, product_id, score, from_product_id, pair_count, lift, confidence
      FROM kept WHERE rank <= %(fetch)s
  ORDER BY partner_id, rank
"""

# Best sellers (distinct commercial customers over the last year) among the customer's peers:
# same industry (level 1), same country (2), same RFM segment (3), every customer (4). Only
# sellable products of the company; the customer's own purchases are not counted.
_BEST_SELLERS_SQL = """
    WITH history AS (""" + _HISTORY_SQL + """),
    recent AS (
        SELECT h.partner_id, h.product_id
          FROM history h
          LEFT JOIN crm_erp_affinity_product ap ON ap.company_id = %(company_id)s AND ap.product_id = h.product_id
         WHERE h.last_date >= %(now)s::timestamp - make_interval(days => %(exclude_days)s)
           AND NOT (COALESCE(ap.customer_count, 0) >= 2
                    AND ap.repeat_customer_count >= %(repeat_share)s * ap.customer_count)
    ), customer AS (
        SELECT p.id AS partner_id, p.industry_id, p.country_id, st.rfm_segment
          FROM res_partner p
          LEFT JOIN crm_erp_partner_stats st ON st.partner_id = p.id AND st.company_id = %(company_id)s
         WHERE p.id = ANY(%(partner_ids)s::integer[])
    ), sales AS (
        SELECT DISTINCT cp.id AS buyer_id, cp.industry_id, cp.country_id, st.rfm_segment, l.product_id
          FROM sale_order so
          JOIN res_partner rp ON rp.id = so.partner_id
          JOIN res_partner cp ON cp.id = rp.commercial_partner_id
          LEFT JOIN crm_erp_partner_stats st ON st.partner_id = cp.id AND st.company_id = %(company_id)s
          JOIN sale_order_line l ON l.order_id = so.id
          JOIN product_product pp ON pp.id = l.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          JOIN res_company cmp ON cmp.id = so.company_id
         WHERE so.company_id = %(company_id)s AND so.state IN ('sale', 'done') AND l.product_uom_qty > 0
           AND NOT COALESCE(l.is_downpayment, FALSE)
           AND (pt.type <> 'service' OR NOT cmp.affinity_exclude_services)
           AND so.date_order < %(now)s::timestamp
           AND so.date_order >= %(now)s::timestamp - INTERVAL '365 days'
           AND pp.active AND pt.active AND pt.sale_ok
           AND (pt.company_id IS NULL OR pt.company_id = %(company_id)s)
    ), overall AS (
        SELECT product_id, COUNT(*) AS buyers FROM sales GROUP BY product_id
    ), levels AS (
        SELECT c.partner_id, 1 AS level, s.product_id, COUNT(*) AS buyers
          FROM customer c JOIN sales s ON s.industry_id = c.industry_id AND s.buyer_id <> c.partner_id
      GROUP BY c.partner_id, s.product_id
        UNION ALL
        SELECT c.partner_id, 2, s.product_id, COUNT(*)
          FROM customer c JOIN sales s ON s.country_id = c.country_id AND s.buyer_id <> c.partner_id
      GROUP BY c.partner_id, s.product_id
        UNION ALL
        SELECT c.partner_id, 3, s.product_id, COUNT(*)
          FROM customer c JOIN sales s ON s.rfm_segment = c.rfm_segment AND s.buyer_id <> c.partner_id
      GROUP BY c.partner_id, s.product_id
        UNION ALL
        SELECT c.partner_id, 4, o.product_id, o.buyers FROM customer c CROSS JOIN overall o
    ), best AS (
        SELECT DISTINCT ON (partner_id, product_id) partner_id, product_id, level, buyers
          FROM levels l
         WHERE product_id <> ALL(%(exclude_product_ids)s::integer[])
           AND NOT EXISTS (SELECT 1 FROM recent r WHERE r.partner_id = l.partner_id AND r.product_id = l.product_id)
      ORDER BY partner_id, product_id, level, buyers DESC
    ), ranked AS (
        SELECT b.*, ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY level, buyers DESC, product_id) AS rank
          FROM best b
    )
    SELECT partner_id, product_id, level, buyers FROM ranked WHERE rank <= %(fetch)s ORDER BY partner_id, rank
"""


class CrmErpRecommendation(models.AbstractModel):
    """Recommendation engine: explained, stock-aware product suggestions for customers from
    the co-purchase affinity of what they bought, best sellers of their peers otherwise."""
    _name = 'crm.erp.recommendation'
    _description = 'Product recommendations'

    @api.model
    def _check_limit(self, limit):
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise UserError(_('limit must be a whole number from 1 to %d.') % MAX_LIMIT)

    @api.model
    def _now(self):
        """Reference time: the context's crm_erp_recommendation_date (offline evaluation: a cut
        date), else now."""
        return self.env.context.get('crm_erp_recommendation_date') or fields.Datetime.now()

    @api.model
    def _recommend(self, partners, company, limit=10, exclude_product_ids=()):
        """{commercial partner id: [item, ...]} for the commercial entities of partners in
        company, best first; items are dicts (product_id, score, reason, source, ...)."""
        commercial = partners.mapped('commercial_partner_id')
        if not commercial:
            return {}
        cr = self.env.cr
        fetch = limit * 3 + 10  # headroom for hidden out-of-stock items
        params = {
            'company_id': company.id, 'partner_ids': commercial.ids, 'now': self._now(),
            'half_life': float(company.recommendation_half_life_days),
            'exclude_days': company.recommendation_exclude_days,
            'repeat_share': company.recommendation_repeat_share,
            'exclude_product_ids': list(exclude_product_ids), 'fetch': fetch,
            'per_product': AFFINITIES_PER_PRODUCT,
        }
        cr.execute(_AFFINITY_SQL, params)
        candidates = {partner_id: [] for partner_id in commercial.ids}
        for partner_id, product_id, score, from_product_id, pair_count, lift, confidence in cr.fetchall():
            candidates[partner_id].append({
                'product_id': product_id, 'score': score, 'source': 'affinity',
                'from_product_id': from_product_id, 'pair_count': pair_count, 'lift': lift,
                'confidence': confidence,
            })
        # best sellers of the peers for customers with too few affinity candidates (cold start)
        short = [partner_id for partner_id, items in candidates.items() if len(items) < limit]
        if short:
            cr.execute(_BEST_SELLERS_SQL, dict(params, partner_ids=short))
            for partner_id, product_id, level, buyers in cr.fetchall():
                items = candidates[partner_id]
                if len(items) >= fetch or any(item['product_id'] == product_id for item in items):
                    continue
                items.append({'product_id': product_id, 'score': 0.0, 'source': 'best_seller',
                              'level': level, 'buyers': buyers})
        return self._finish(commercial, company, candidates, limit)

    @api.model
    def _finish(self, commercial, company, candidates, limit):
        """Stock figures, stock mode, explanations; at most limit items per customer."""
        product_ids = sorted({item['product_id'] for items in candidates.values() for item in items}
                             | {item['from_product_id'] for items in candidates.values() for item in items
                                if item.get('from_product_id')})
        products = self.env['product.product'].sudo().browse(product_ids)
        names = dict(products.name_get())
        stock = self.env['product.product']._get_free_and_incoming_qty(product_ids, company.id)
        types = {product.id: product.type for product in products}
        mode = company.recommendation_stock_mode
        segments = dict(RFM_SEGMENTS)
        result = {}
        for partner in commercial:
            available, unavailable = [], []
            for item in candidates[partner.id]:
                free, incoming = stock.get(item['product_id'], (0.0, 0.0))
                out = types[item['product_id']] == 'product' and free <= 0 and incoming <= 0
                item.update(free_qty=free, incoming_qty=incoming, out_of_stock=out,
                            product=names[item['product_id']], score=round(item['score'], 6))
                item['reason'] = self._reason(item, partner, company, names, segments)
                if item['source'] == 'affinity':
                    item['lift'] = round(item['lift'], 4)
                    item['confidence'] = round(item['confidence'], 4)
                else:
                    item.update(from_product_id=False, pair_count=0, lift=0.0, confidence=0.0)
                if out and mode == 'hide':
                    continue
                (unavailable if out and mode == 'demote' else available).append(item)
            result[partner.id] = (available + unavailable)[:limit]
        return result

    @api.model
    def _reason(self, item, partner, company, names, segments):
        if item['source'] == 'affinity':
            return _('Bought with %s in %d orders (lift %.1f)') % (
                names[item['from_product_id']], item['pair_count'], item['lift'])
        level = item['level']
        if level == 1:
            return _('Best seller among %s customers') % partner.industry_id.name
        if level == 2:
            return _('Best seller in %s') % partner.country_id.name
        if level == 3:
            stats = self.env['crm.erp.partner.stats'].sudo().search(
                [('partner_id', '=', partner.id), ('company_id', '=', company.id)], limit=1)
            return _('Best seller among "%s" customers') % segments.get(stats.rfm_segment, '')
        return _('Best seller')

    @api.model
    def _typical_quantities_batch(self, company, requests):
        """{(commercial partner id, product id): quantity} for each requested pair: the median
        quantity (product unit) of the customer's confirmed lines of the product, else the
        median of all customers' lines of it in the company, else 1."""
        if not requests:
            return {}
        self.env.cr.execute("""
            WITH request AS (
                SELECT * FROM unnest(%(partner_ids)s::integer[], %(product_ids)s::integer[]) AS r(partner_id, product_id)
            ), lines AS (
                SELECT rp.commercial_partner_id AS partner_id, l.product_id,
                       l.product_uom_qty / line_uom.factor * product_uom.factor AS qty
                  FROM sale_order_line l
                  JOIN sale_order so ON so.id = l.order_id
                  JOIN res_partner rp ON rp.id = so.partner_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN product_uom line_uom ON line_uom.id = l.product_uom
                  JOIN product_uom product_uom ON product_uom.id = pt.uom_id
                 WHERE so.company_id = %(company_id)s AND so.state IN ('sale', 'done') AND l.product_uom_qty > 0
                   AND l.product_id IN (SELECT product_id FROM request)
            ), own AS (
                SELECT partner_id, product_id, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY qty) AS qty
                  FROM lines GROUP BY partner_id, product_id
            ), overall AS (
                SELECT product_id, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY qty) AS qty
                  FROM lines GROUP BY product_id
            )
            SELECT r.partner_id, r.product_id, COALESCE(own.qty, overall.qty, 1.0)
              FROM request r
              LEFT JOIN own ON own.partner_id = r.partner_id AND own.product_id = r.product_id
              LEFT JOIN overall ON overall.product_id = r.product_id
        """, {'company_id': company.id, 'partner_ids': [partner_id for partner_id, _product in requests],
              'product_ids': [product_id for _partner, product_id in requests]})
        return {(partner_id, product_id): qty for partner_id, product_id, qty in self.env.cr.fetchall()}

    @api.model
    def _typical_quantities(self, partner, company, product_ids):
        commercial_id = partner.commercial_partner_id.id
        figures = self._typical_quantities_batch(company, [(commercial_id, product_id) for product_id in product_ids])
        return {product_id: figures[(commercial_id, product_id)] for product_id in product_ids}
