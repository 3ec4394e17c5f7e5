import datetime
import logging
import threading
import time

import numpy as np

import odoo
from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.tools import float_round

from ..engines.discover import DiscoverIndex
from ..engines.purchases import Purchases
from ..engines.recommendation_blend import Recommender
from ..engines.reorder import RepeatPairs
from ..queries import affinity as affinity_queries, common as common_queries, recommendation as queries
from ..rules import RFM_SEGMENTS
from ..units import whole_rounding
from .record_ids import check_date_text, check_int

MAX_LIMIT = 100
# Affinities of each bought product that take part in the score (the strongest ones).
AFFINITIES_PER_PRODUCT = 50

# The engines' company-wide part (docs/recommendation-intents.md, "The Odoo integration"): per
# Odoo process, database and company, the DiscoverIndex and the products' typical cycles of the
# company's counted lines. Built by the first call of a process (or of a new registry: a module
# update); older than CACHE_SECONDS or of another day, it is rebuilt in a background thread
# (its own cursor: committed orders only) while the calls go on with the previous one, so no
# request waits for the build after the first (about 30 s at size L). A full affinity recompute
# and a tuning drop the process's entry. The knobs and rates of the company's tuning are read
# on every call (a new tuning applies at once in every process); the customers' own lines too.
CACHE_SECONDS = 300
_ENGINE_CACHE = {}
_ENGINE_CACHE_LOCK = threading.Lock()
_logger = logging.getLogger(__name__)
EPOCH = datetime.date(2000, 1, 1)  # day 0 of the engines' integer days (queries.counted_lines)


def engine_day(timestamp):
    """The engines' day (days since 2000-01-01) of an Odoo datetime string."""
    return (fields.Datetime.from_string(timestamp).date() - EPOCH).days


def engine_date(day):
    """The Odoo date string of an engine day (rounded to a whole day)."""
    return fields.Date.to_string(EPOCH + datetime.timedelta(days=int(round(day))))


class CrmErpRecommendation(models.AbstractModel):
    """Recommendation engine: explained, stock-aware product suggestions for customers from
    the co-purchase affinity of what they bought, best sellers of their peers otherwise."""
    _name = 'crm.erp.recommendation'
    _description = 'Product recommendations'

    @api.model_cr
    def init(self):
        queries.create_best_seller_tables(self.env.cr)

    @api.model
    def _sales_sources(self):
        """(basket sources, whether delivery lines are left out): the affinity's rule of what was
        sold (crm.erp.product.affinity._affinity_basket_sources: the confirmed sale orders, and
        with crm_erp_bridge_pos the paid tickets), read by the peer best sellers and the
        popularity too."""
        affinity = self.env['crm.erp.product.affinity']
        return affinity._affinity_basket_sources(), affinity._affinity_excludes_delivery()

    @api.model
    def _recompute_best_sellers(self, companies):
        """Peer best sellers of the companies (recordset) as of now (the recommendation
        reference time), set-based; run by the full affinity recompute."""
        queries.recompute_best_sellers(self.env.cr, companies.ids, self._now(), *self._sales_sources())
        for company in companies:  # the engines' company-wide figures follow the full recompute too
            self._expire_engine_cache(company)

    @api.model
    def _check_limit(self, limit):
        check_int(self, limit, 'limit', 1, MAX_LIMIT)

    @api.model
    def _now(self):
        """Reference time: the context's crm_erp_recommendation_date (offline evaluation: a cut
        date), else now."""
        now = self.env.context.get('crm_erp_recommendation_date')
        if not now:
            return fields.Datetime.now()
        return check_date_text(self, now, 'crm_erp_recommendation_date', datetime=True)

    @api.model
    def _recommend(self, partners, company, limit=10, exclude_product_ids=(), intents=None):
        """{commercial partner id: [item, ...]} for the commercial entities of partners in
        company, best first; items are dicts (product_id, score, reason, source, intent, ...).
        intents: keep only the items of these intents ('reorder', 'discover')."""
        commercial = partners.mapped('commercial_partner_id')
        if not commercial:
            return {}
        fetch = limit * 3 + 10  # headroom for hidden out-of-stock items
        params = {
            'company_id': company.id, 'partner_ids': commercial.ids, 'now': self._now(), 'limit': limit,
            'half_life': float(company.recommendation_half_life_days),
            'exclude_days': company.recommendation_exclude_days,
            'repeat_share': company.recommendation_repeat_share,
            'exclude_product_ids': list(exclude_product_ids), 'fetch': fetch,
            'per_product': AFFINITIES_PER_PRODUCT,
        }
        candidates = {partner_id: [] for partner_id in commercial.ids}
        for scorer in self._recommendation_scorers():
            getattr(self, scorer)(commercial, company, params, candidates)
        return self._finish(commercial, company, candidates, limit, intents)

    @api.model
    def _recommendation_scorers(self):
        """Extension point: the scorers of _recommend, in order, as names of methods of this
        model called as scorer(commercial, company, params, candidates). A scorer appends items
        to candidates ({commercial partner id: [item]}, best first): dicts with product_id,
        score, source (a name of its own) and, for a source this model does not explain, reason
        (the text shown); it sees the items of the scorers before it (params: the query
        parameters of _recommend, with limit and fetch, the items wanted per customer).
        An addon adds one by overriding this method: super() plus its method's name where its
        items should rank; a product already proposed by an earlier scorer is kept once."""
        return ['_score_intents', '_score_best_sellers']

    # The two intents (docs/recommendation-intents.md): engines/ on the company's counted lines

    @api.model
    def _clear_engine_cache(self, company=None):
        """Forget the cached company-wide figures of this database (of one company when given)
        in this process: the next call rebuilds them (a full affinity recompute, a tuning)."""
        with _ENGINE_CACHE_LOCK:
            for key in list(_ENGINE_CACHE):
                if key[0] == self.env.cr.dbname and (company is None or key[1] == company.id):
                    del _ENGINE_CACHE[key]

    @api.model
    def _expire_engine_cache(self, company):
        """Mark this process's entries of the company stale: the next call rebuilds them (in the
        background, see _engine_figures)."""
        with _ENGINE_CACHE_LOCK:
            for key, entry in _ENGINE_CACHE.items():
                if key[0] == self.env.cr.dbname and key[1] == company.id:
                    entry['built'] = float('-inf')

    @api.model
    def _engine_settings(self, company):
        """(knobs, calibration, stamp) of the company's last tuning; (None, None, False) before
        any: the engines' defaults."""
        return self.env['crm.erp.recommendation.tuning']._settings_of(company)

    @api.model
    def _engine_figures(self, company, now):
        """The cached company-wide part of the engines (see _ENGINE_CACHE): a dict with day (of
        its lines), index (DiscoverIndex) and figures (the products' typical cycles)."""
        # a reference time from the context (offline evaluation) has entries of its own
        key = (self.env.cr.dbname, company.id, self.env.context.get('crm_erp_recommendation_date') and now)
        entry = _ENGINE_CACHE.get(key)
        if not entry or entry['registry'] != id(self.env.registry):
            return self._build_engine_figures(key, company.id, now)
        stale = time.monotonic() - entry['built'] >= CACHE_SECONDS or entry['day'] != engine_day(now)
        if stale:
            return self._refresh_engine_figures(key, entry, company.id, now)
        return entry

    @api.model
    def _build_engine_figures(self, key, company_id, now):
        """Read the company's lines before now, build and cache its entry (see _engine_figures)."""
        customer, product, order, days, qty, category = queries.counted_lines(self.env.cr, company_id, now)
        purchases = Purchases(customer, product, order, days, qty / queries.QTY_SCALE)
        day = engine_day(now)
        # the popularity counts the buyers of every basket source: the sale orders' are these
        # lines (the same rule, not read twice), the others' (the point of sale's tickets) read here
        sources, exclude_delivery = self._sales_sources()
        others = [source for source in sources if source is not affinity_queries.SALE_ORDER_BASKETS]
        buyers = queries.buyer_pairs(self.env.cr, company_id, now, others, exclude_delivery) if others else None
        entry = {
            'registry': id(self.env.registry), 'built': time.monotonic(), 'day': day, 'refreshing': False,
            'index': DiscoverIndex(purchases, day, dict(zip(product.tolist(), category.tolist())), buyers=buyers),
            'figures': RepeatPairs(purchases).product_figures(),
        }
        with _ENGINE_CACHE_LOCK:
            _ENGINE_CACHE[key] = entry
        return entry

    @api.model
    def _refresh_engine_figures(self, key, entry, company_id, now):
        """Rebuild a stale entry in a background thread with a cursor of its own (once at a
        time per entry); returns the entry to use now: the stale one. Under tests (their data
        is not committed), synchronously: the new one."""
        registry = self.env.registry
        if odoo.tools.config['test_enable'] or getattr(threading.current_thread(), 'testing', False) \
                or registry.in_test_mode():
            return self._build_engine_figures(key, company_id, now)
        with _ENGINE_CACHE_LOCK:
            if entry['refreshing']:
                return entry
            entry['refreshing'] = True
        live = not self.env.context.get('crm_erp_recommendation_date')

        def refresh():
            try:
                with api.Environment.manage(), registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, dict(self.env.context))
                    env[self._name]._build_engine_figures(key, company_id, fields.Datetime.now() if live else now)
            except Exception:  # pylint: disable=broad-except
                _logger.exception('Recommendations: rebuilding the figures of company %s failed', company_id)
            finally:
                entry['refreshing'] = False

        threading.Thread(target=refresh, name='crm_erp_recommendation_cache', daemon=True).start()
        return entry

    @api.model
    def _score_intents(self, commercial, company, params, candidates):
        """Due to re-order and Discover, blended (recommendation_blend.Recommender), for the
        customers with counted lines in the company; the others (cold start) are left to the
        next scorers (peer best sellers). The document's products are the basket and are left
        out; so are the products the company may not sell."""
        shared = self._engine_figures(company, params['now'])
        customer, product, order, days, qty, _category = queries.counted_lines(
            self.env.cr, company.id, params['now'], commercial.ids)
        if not len(customer):
            return
        pairs = RepeatPairs(Purchases(customer, product, order, days, qty / queries.QTY_SCALE), shared['figures'])
        knobs, calibration, _tuned = self._engine_settings(company)
        model = Recommender(pairs, shared['index'], engine_day(params['now']), knobs, calibration)
        document = list(params['exclude_product_ids'])
        lists = {partner_id: model.recommend(partner_id, limit=params['fetch'], basket=document, exclude=document)
                 for partner_id in np.unique(customer).tolist() if partner_id in candidates}
        sellable = queries.sellable_product_ids(
            self.env.cr, company.id, {item['product_id'] for items in lists.values() for item in items})
        for partner_id, items in lists.items():
            candidates[partner_id].extend(self._intent_item(item, model.now) for item in items
                                          if item['product_id'] in sellable)

    @api.model
    def _intent_item(self, item, today):
        """An item of _recommend from an engine item (the reason stays (kind, figures) until
        _finish words it)."""
        kind, figures = item['reason']
        # the engines' figures are numpy scalars: XML-RPC marshals only Python's own types
        item = {key: value.item() if hasattr(value, 'item') else value for key, value in item.items()}
        figures = {key: value.item() if hasattr(value, 'item') else value for key, value in figures.items()}
        reorder = item['intent'] == 'reorder'
        return {
            'product_id': item['product_id'], 'score': item['score'], 'source': item['intent'],
            'intent': item['intent'], 'due': item['due'], 'probability': round(item['probability'], 4),
            'expected_qty': round(item['expected_qty'], 3) if reorder else False,
            'due_date': engine_date(item['due_day']) if reorder and item['due_day'] is not None else False,
            'due_in_days': int(round(item['due_day'])) - today
            if reorder and item['due_day'] is not None else None,
            'cycle_days': item['cycle_days'] if reorder and item['cycle_days'] is not None else False,
            'reason_kind': kind, 'reason_figures': figures,
            'from_product_id': figures.get('from_product_id') or False,
            'confidence': figures['share'] if kind == 'co_purchase' else 0.0,
        }

    @api.model
    def _score_affinity(self, commercial, company, params, candidates):
        """Products bought with what the customer bought (README, "Recommendations")."""
        # the affinity view's thresholds and figures (the query reads the raw counts)
        params = dict(params, basket_count=affinity_queries.company_basket_count(self.env.cr, company.id),
                      min_count=company.affinity_min_count, min_lift=company.affinity_min_lift or 0.0)
        for partner_id, product_id, score, from_product_id, pair_count, lift, confidence \
                in queries.affinity_candidates(self.env.cr, params):
            candidates[partner_id].append({
                'product_id': product_id, 'score': score, 'source': 'affinity',
                'from_product_id': from_product_id, 'pair_count': pair_count, 'lift': lift,
                'confidence': confidence,
            })

    @api.model
    def _score_best_sellers(self, commercial, company, params, candidates):
        """Best sellers of the customer's peers, for customers with fewer than limit items
        (cold start)."""
        proposed = {partner_id: {item['product_id'] for item in items} for partner_id, items in candidates.items()}
        short = [partner_id for partner_id, products in proposed.items() if len(products) < params['limit']]
        if not short:
            return
        for partner_id, product_id, level, peer_key, buyers in queries.peer_best_sellers(
                self.env.cr, dict(params, partner_ids=short), *self._sales_sources()):
            if len(proposed[partner_id]) >= params['fetch'] or product_id in proposed[partner_id]:
                continue
            proposed[partner_id].add(product_id)
            candidates[partner_id].append({'product_id': product_id, 'score': 0.0, 'source': 'best_seller',
                                           'level': level, 'peer_key': peer_key, 'buyers': buyers})

    @api.model
    def _finish(self, commercial, company, candidates, limit, intents=None):
        """Stock figures, stock mode, intents, explanations; at most limit items per customer."""
        product_ids = sorted({item['product_id'] for items in candidates.values() for item in items})
        stock = self.env['product.product']._get_free_and_incoming_qty(product_ids, company.id)
        # the candidates and the products that explain them: types, names and units in one query
        types, names, units = self._product_labels(
            set(product_ids) | {item['from_product_id'] for items in candidates.values() for item in items
                                if item.get('from_product_id')})
        mode = company.recommendation_stock_mode
        kept = {}
        for partner in commercial:
            available, unavailable = [], []
            proposed = set()
            for item in candidates[partner.id]:
                if item['product_id'] in proposed:  # proposed by an earlier scorer
                    continue
                proposed.add(item['product_id'])
                # items of other scorers (peer best sellers, extensions): products to discover
                for key, value in (('intent', 'discover'), ('due', False), ('probability', 0.0),
                                   ('expected_qty', False), ('due_date', False), ('due_in_days', None)):
                    item.setdefault(key, value)
                if intents and item['intent'] not in intents:
                    continue
                free, incoming = stock.get(item['product_id'], (0.0, 0.0))
                out = types[item['product_id']] == 'product' and free <= 0 and incoming <= 0
                item.update(free_qty=free, incoming_qty=incoming, out_of_stock=out, score=round(item['score'], 6))
                if out and mode == 'hide':
                    continue
                (unavailable if out and mode == 'demote' else available).append(item)
            kept[partner] = (available + unavailable)[:limit]
        # names and explanations
        segments = dict(RFM_SEGMENTS)
        for partner, items in kept.items():
            for item in items:
                item['product'] = names[item['product_id']]
                item['uom'] = units[item['product_id']]
                if item['source'] in ('reorder', 'discover'):
                    item['reason'] = self._intent_reason(item, names)
                else:
                    item['reason'] = item.get('reason') or self._reason(item, partner, names, segments)
                item['intent_label'] = self._intent_label(item)
                item['expected'] = self._expected_text(item)
                if item['source'] == 'affinity':
                    item['lift'] = round(item['lift'], 4)
                    item['confidence'] = round(item['confidence'], 4)
                elif item['source'] in ('reorder', 'discover'):
                    item.update(pair_count=0, lift=0.0, confidence=round(item['confidence'], 4))
                else:
                    item.update(from_product_id=False, pair_count=0, lift=0.0, confidence=0.0)
        return {partner.id: items for partner, items in kept.items()}

    @api.model
    def _product_labels(self, product_ids):
        """({product id: type}, {product id: display name}, {product id: unit name}), names in the
        user's language, in one query. The display name as product.product's name_get writes it
        ('[reference] name'): name_get's inherited fields cost a query and a related-field
        computation each. Variants and a vendor's context (partner_id, display_default_code),
        which change the name, are named by name_get itself."""
        rows = common_queries.product_labels(self.env.cr, product_ids, self.env.lang)
        context = self.env.context
        if context.get('partner_id') or not context.get('display_default_code', True):
            by_name_get = set(rows)
        else:
            by_name_get = {product_id for product_id, row in rows.items() if row[4]}
        # sudo: names only, of products sellable in the company the caller was checked for
        names = dict(self.env['product.product'].sudo().with_context(prefetch_fields=False)
                     .browse(sorted(by_name_get)).name_get()) if by_name_get else {}
        for product_id, (_type, name, code, _unit, _variant) in rows.items():
            if product_id not in names:
                names[product_id] = '[%s] %s' % (code, name) if code else name
        return ({product_id: row[0] for product_id, row in rows.items()}, names,
                {product_id: row[3] for product_id, row in rows.items()})

    @api.model
    def _reason(self, item, partner, names, segments):
        if item['source'] == 'affinity':
            return _('Bought with %s in %d orders (lift %.1f)') % (
                names[item['from_product_id']], item['pair_count'], item['lift'])
        if item['source'] != 'best_seller':
            return ''
        level = item['level']
        if level == 1:
            return _('Best seller among %s customers') % partner.industry_id.name
        if level == 2:
            return _('Best seller in %s') % partner.country_id.name
        if level == 3:
            return _('Best seller among "%s" customers') % segments.get(item['peer_key'], '')
        return _('Best seller')

    # Plain words of the intents (docs/recommendation-intents.md)

    @api.model
    def _duration(self, days):
        """A duration in plain words: '3 days', '~5 weeks', '~4 months', '~2 years'."""
        days = int(round(abs(days)))
        if days == 1:
            return _('1 day')
        if days < 14:
            return _('%d days') % days
        if days < 63:
            return _('~%d weeks') % int(round(days / 7.0))
        if days < 730:
            return _('~%d months') % int(round(days / 30.44))
        return _('~%d years') % int(round(days / 365.25))

    @api.model
    def _ago(self, days):
        return _('today') if int(round(days)) <= 0 else _('%s ago') % self._duration(days)

    @api.model
    def _intent_reason(self, item, names):
        """The engine's reason (kind, figures) in plain, translated words."""
        kind, figures = item['reason_kind'], item['reason_figures']
        if kind == 'own':
            return _('Orders every %(cycle)s, last %(ago)s') % {
                'cycle': self._duration(figures['cycle_days']), 'ago': self._ago(figures['ago_days'])}
        if kind == 'typical':
            return _('Customers re-order it every %(cycle)s; last bought %(ago)s') % {
                'cycle': self._duration(figures['cycle_days']), 'ago': self._ago(figures['ago_days'])}
        if kind == 'history':
            if figures['orders'] == 1:
                return _('Bought once, %(ago)s') % {'ago': self._ago(figures['ago_days'])}
            return _('Bought in %(orders)d orders, last %(ago)s') % {
                'orders': figures['orders'], 'ago': self._ago(figures['ago_days'])}
        if kind == 'co_purchase':
            return _('Bought by %(share)d %% of customers who bought %(product)s') % {
                'share': int(round(100 * figures['share'])), 'product': names[figures['from_product_id']]}
        if kind == 'similar_customers':
            return _('Bought by customers with similar purchases')
        if kind == 'category':
            # sudo: the name of the category of a product sellable in the checked company
            category = self.env['product.category'].sudo().browse(figures['category'])
            return _('Popular in %(category)s, which they buy') % {'category': category.name}
        return _('Bought by %(share)d %% of customers in the last year') % {
            'share': int(round(100 * figures['share']))}

    @api.model
    def _intent_label(self, item):
        if item['intent'] == 'discover':
            return _('Discover')
        return _('Due to re-order') if item['due'] else _('Buy again')

    @api.model
    def _expected_text(self, item):
        """For a re-order item with a rhythm: the expected quantity with its unit and when it
        is due, in plain words ('12 Unit(s) expected, due in 5 days'); else ''."""
        if item['intent'] != 'reorder' or item['due_in_days'] is None:
            return ''
        days = item['due_in_days']
        if days > 0:
            when = _('due in %s') % self._duration(days)
        elif days == 0:
            when = _('due today')
        else:
            when = _('due since %s') % self._duration(days)
        return _('%(qty)s %(unit)s expected, %(when)s') % {
            'qty': '%g' % item['expected_qty'], 'unit': item['uom'], 'when': when}

    @api.model
    def _typical_quantities_batch(self, company, requests):
        """{(commercial partner id, product id): quantity} for each requested pair: the median
        quantity (product unit) of the customer's confirmed lines of the product, else the
        median of all customers' lines of it in the company, else 1; rounded up to the product
        unit (units.whole_rounding: whole units for products counted in units, 2.5 desks are
        3), at least one rounding."""
        if not requests:
            return {}
        quantities = queries.typical_quantities(self.env.cr, company.id, requests)
        products = self.env['product.product'].browse({product_id for _partner, product_id in requests})
        rounding = {product.id: whole_rounding(self.env, product.uom_id) for product in products}
        return {key: max(float_round(qty, precision_rounding=rounding[key[1]], rounding_method='UP'),
                         rounding[key[1]])
                for key, qty in quantities.items()}

    @api.model
    def _typical_quantities(self, partner, company, product_ids):
        commercial_id = partner.commercial_partner_id.id
        figures = self._typical_quantities_batch(company, [(commercial_id, product_id) for product_id in product_ids])
        return {product_id: figures[(commercial_id, product_id)] for product_id in product_ids}
