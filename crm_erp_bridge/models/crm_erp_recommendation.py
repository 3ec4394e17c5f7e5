from odoo import _, api, fields, models

from ..queries import affinity as affinity_queries, common as common_queries, recommendation as queries
from ..rules import RFM_SEGMENTS
from .record_ids import check_date_text, check_int

MAX_LIMIT = 100
# Affinities of each bought product that take part in the score (the strongest ones).
AFFINITIES_PER_PRODUCT = 50


class CrmErpRecommendation(models.AbstractModel):
    """Recommendation engine: explained, stock-aware product suggestions for customers from
    the co-purchase affinity of what they bought, best sellers of their peers otherwise."""
    _name = 'crm.erp.recommendation'
    _description = 'Product recommendations'

    @api.model_cr
    def init(self):
        queries.create_best_seller_tables(self.env.cr)

    @api.model
    def _recompute_best_sellers(self, companies):
        """Peer best sellers of the companies (recordset) as of now (the recommendation
        reference time), set-based; run by the full affinity recompute."""
        queries.recompute_best_sellers(self.env.cr, companies.ids, self._now())

    @api.model
    def _check_limit(self, limit):
        check_int(self, limit, 'limit', 1, MAX_LIMIT)

    @api.model
    def _now(self):
        """Reference time: the context's crm_erp_recommendation_date (offline evaluation: a cut
        date), else now."""
        now = self.env.context.get('crm_erp_recommendation_date')
        return check_date_text(self, now, 'crm_erp_recommendation_date', datetime=True) if now else fields.Datetime.now()

    @api.model
    def _recommend(self, partners, company, limit=10, exclude_product_ids=()):
        """{commercial partner id: [item, ...]} for the commercial entities of partners in
        company, best first; items are dicts (product_id, score, reason, source, ...)."""
        commercial = partners.mapped('commercial_partner_id')
        if not commercial:
            return {}
        cr = self.env.cr
        fetch = limit * 3 + 10  # headroom for hidden out-of-stock items
        baskets = affinity_queries.company_basket_count(cr, company.id)
        params = {
            'company_id': company.id, 'partner_ids': commercial.ids, 'now': self._now(),
            'half_life': float(company.recommendation_half_life_days),
            'exclude_days': company.recommendation_exclude_days,
            'repeat_share': company.recommendation_repeat_share,
            'exclude_product_ids': list(exclude_product_ids), 'fetch': fetch,
            'per_product': AFFINITIES_PER_PRODUCT,
            # the affinity view's thresholds and figures (the query reads the raw counts)
            'basket_count': baskets, 'min_count': company.affinity_min_count,
            'min_lift': company.affinity_min_lift or 0.0,
        }
        candidates = {partner_id: [] for partner_id in commercial.ids}
        for partner_id, product_id, score, from_product_id, pair_count, lift, confidence \
                in queries.affinity_candidates(cr, params):
            candidates[partner_id].append({
                'product_id': product_id, 'score': score, 'source': 'affinity',
                'from_product_id': from_product_id, 'pair_count': pair_count, 'lift': lift,
                'confidence': confidence,
            })
        # best sellers of the peers for customers with too few affinity candidates (cold start)
        short = [partner_id for partner_id, items in candidates.items() if len(items) < limit]
        if short:
            for partner_id, product_id, level, peer_key, buyers in queries.peer_best_sellers(
                    cr, dict(params, partner_ids=short)):
                items = candidates[partner_id]
                if len(items) >= fetch or any(item['product_id'] == product_id for item in items):
                    continue
                items.append({'product_id': product_id, 'score': 0.0, 'source': 'best_seller',
                              'level': level, 'peer_key': peer_key, 'buyers': buyers})
        return self._finish(commercial, company, candidates, limit)

    @api.model
    def _finish(self, commercial, company, candidates, limit):
        """Stock figures, stock mode, explanations; at most limit items per customer."""
        product_ids = sorted({item['product_id'] for items in candidates.values() for item in items})
        stock = self.env['product.product']._get_free_and_incoming_qty(product_ids, company.id)
        types = common_queries.product_types(self.env.cr, product_ids)
        mode = company.recommendation_stock_mode
        kept = {}
        for partner in commercial:
            available, unavailable = [], []
            for item in candidates[partner.id]:
                free, incoming = stock.get(item['product_id'], (0.0, 0.0))
                out = types[item['product_id']] == 'product' and free <= 0 and incoming <= 0
                item.update(free_qty=free, incoming_qty=incoming, out_of_stock=out, score=round(item['score'], 6))
                if out and mode == 'hide':
                    continue
                (unavailable if out and mode == 'demote' else available).append(item)
            kept[partner] = (available + unavailable)[:limit]
        # names (name_get is the costly part: only for the items kept) and explanations
        named = {item['product_id'] for items in kept.values() for item in items} \
            | {item['from_product_id'] for items in kept.values() for item in items if item.get('from_product_id')}
        # sudo: names only, of products sellable in the company the caller was checked for
        names = dict(self.env['product.product'].sudo().with_context(prefetch_fields=False)
                     .browse(sorted(named)).name_get())
        segments = dict(RFM_SEGMENTS)
        for partner, items in kept.items():
            for item in items:
                item['product'] = names[item['product_id']]
                item['reason'] = self._reason(item, partner, names, segments)
                if item['source'] == 'affinity':
                    item['lift'] = round(item['lift'], 4)
                    item['confidence'] = round(item['confidence'], 4)
                else:
                    item.update(from_product_id=False, pair_count=0, lift=0.0, confidence=0.0)
        return {partner.id: items for partner, items in kept.items()}

    @api.model
    def _reason(self, item, partner, names, segments):
        if item['source'] == 'affinity':
            return _('Bought with %s in %d orders (lift %.1f)') % (
                names[item['from_product_id']], item['pair_count'], item['lift'])
        level = item['level']
        if level == 1:
            return _('Best seller among %s customers') % partner.industry_id.name
        if level == 2:
            return _('Best seller in %s') % partner.country_id.name
        if level == 3:
            return _('Best seller among "%s" customers') % segments.get(item['peer_key'], '')
        return _('Best seller')

    @api.model
    def _typical_quantities_batch(self, company, requests):
        """{(commercial partner id, product id): quantity} for each requested pair: the median
        quantity (product unit) of the customer's confirmed lines of the product, else the
        median of all customers' lines of it in the company, else 1."""
        if not requests:
            return {}
        return queries.typical_quantities(self.env.cr, company.id, requests)

    @api.model
    def _typical_quantities(self, partner, company, product_ids):
        commercial_id = partner.commercial_partner_id.id
        figures = self._typical_quantities_batch(company, [(commercial_id, product_id) for product_id in product_ids])
        return {product_id: figures[(commercial_id, product_id)] for product_id in product_ids}
