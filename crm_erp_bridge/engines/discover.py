"""Discover: products new to the customer (no Odoo import).

Four signals over the company's products, each scaled to a maximum of 1 over the customer's
candidates (products they never bought, not on the current document):

- co_purchase: sum over the products A of the customer's history (weight 0.5 ^ (days since
  last bought / half-life)) of n(AB) / n(A) / (n(B) / N) ^ beta, over the `neighbors`
  products most often in a basket with A (n: baskets);
- basket: the same sum over the products of the current document (weight 1 each);
- similar_customers: the customers whose products overlap most with the customer's (cosine
  over products, each shared product weighted 1 / ln(1 + its buyers)), the `similar`
  nearest; a product scores the sum of the similarities of those who bought it;
- category: the customer's share of products in the product's category x the product's
  buyers / the most buyers of a product of that category;
- popularity: buyers of the product in the last `popularity_days` (the fallback), in the
  purchases and the `buyers` of other sales channels given (the point of sale's tickets).

Score = sum of weight x signal (recommendation_blend tunes the weights and knobs on a time
holdout of the company's own history; the basket's weight stays BASKET_WEIGHT: a history has no
documents in progress to measure it on, and what is on the quotation is the strongest hint)."""
import numpy as np

from .purchases import run_starts

SIGNALS = ('basket', 'co_purchase', 'similar_customers', 'category', 'popularity')
BASKET_WEIGHT = 1.0
DEFAULT_KNOBS = {'half_life_days': 180.0, 'beta': 0.5,
                 'weights': {'basket': BASKET_WEIGHT, 'co_purchase': 1.0, 'similar_customers': 0.5, 'category': 0.25,
                             'popularity': 0.05}}
CANDIDATES_PER_SIGNAL = 100


def _csr(rows, columns, values, size):
    """(indptr, columns, values) of entries sorted by row."""
    order = np.lexsort((columns, rows))
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
    return indptr, columns[order], values[order]


def _spans(indptr, rows):
    """(entry indexes of the CSR rows, one after the other; each row's length)."""
    lengths = indptr[rows + 1] - indptr[rows]
    starts = np.repeat(indptr[rows] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return starts + np.arange(lengths.sum()), lengths


def _best(values, count):
    """Indexes of the count largest values (a partial sort: candidates and neighbours are
    picked among tens of thousands of products or customers per request)."""
    if len(values) <= count:
        return np.arange(len(values))
    return np.argpartition(-values, count - 1)[:count]


class DiscoverIndex:
    """Co-purchase counts, customer-product incidence, categories and popularity of a purchase
    history (the lines before `now`)."""

    def __init__(self, purchases, now, category=None, neighbors=50, similar=50, popularity_days=365, buyers=None):
        """buyers: (customer keys, product ids, last days bought) of the customer x product
        pairs of other sales channels than the purchases, counted with the purchases' in the
        popularity and its share; their products are known to the index beside the purchases'
        (a product sold only at the till has a popularity and no other signal)."""
        p = purchases
        self.now, self.similar = now, similar
        if buyers is not None:
            buyers = [np.asarray(column, dtype=np.int64) for column in buyers]
        self.products = np.unique(p.product) if buyers is None else np.union1d(p.product, buyers[1])
        product = np.searchsorted(self.products, p.product)
        self.customers, customer = np.unique(p.customer, return_inverse=True)
        n_products, n_customers = len(self.products), len(self.customers)
        # baskets: distinct (order, product)
        order_sort = np.lexsort((product, p.order))
        orders, basket_products = p.order[order_sort], product[order_sort]
        distinct = run_starts(orders, basket_products)
        orders, basket_products = orders[distinct], basket_products[distinct]
        self.baskets = len(run_starts(orders)) if len(orders) else 0
        self.product_baskets = np.bincount(basket_products, minlength=n_products).astype(np.float64)
        keys = []
        for offset in range(1, len(orders)):
            same = orders[offset:] == orders[:-offset]
            if not same.any():
                break
            keys.append(basket_products[:-offset][same].astype(np.int64) * n_products
                        + basket_products[offset:][same])
        keys, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64), return_counts=True)
        a, b = keys // n_products, keys % n_products
        # both directions, the strongest `neighbors` of each product
        source, target, pair_count = np.concatenate((a, b)), np.concatenate((b, a)), np.concatenate((counts, counts))
        strongest = np.lexsort((target, -pair_count, source))
        source, target, pair_count = source[strongest], target[strongest], pair_count[strongest]
        rank = np.arange(len(source)) - np.repeat(*self._run_bounds(source))
        keep = rank < neighbors
        self.neighbor_ptr, self.neighbor, self.neighbor_count = _csr(source[keep], target[keep], pair_count[keep],
                                                                     n_products)
        # customer x product incidence (last day bought), both ways
        pair_starts = run_starts(customer, product) if len(customer) else np.zeros(0, dtype=np.int64)
        pair_customer, pair_product = customer[pair_starts], product[pair_starts]
        last = np.maximum.reduceat(p.day, pair_starts) if len(pair_starts) else np.zeros(0, dtype=np.int64)
        self.bought_ptr, self.bought, self.bought_last = _csr(pair_customer, pair_product, last, n_customers)
        self.buyer_ptr, self.buyer, _last = _csr(pair_product, pair_customer, last, n_products)
        self.buyers = np.diff(self.buyer_ptr).astype(np.float64)
        self.customer_products = np.diff(self.bought_ptr).astype(np.float64)
        self.idf = 1.0 / np.log(1.0 + np.maximum(self.buyers, 1.0))
        buyer_customers, buyer_products, buyer_last = self._every_buyer(
            (self.customers[pair_customer], self.products[pair_product], last), buyers)
        recent = buyer_last >= now - popularity_days
        self.popularity = np.bincount(np.searchsorted(self.products, buyer_products[recent]),
                                      minlength=n_products).astype(np.float64)
        # the popularity's share is of every buyer of the history
        self.buyer_total = len(np.unique(buyer_customers))
        # each product's rank by that popularity (0: the most bought), once per index
        self.popularity_rank = np.empty(n_products, dtype=np.int64)
        self.popularity_rank[np.lexsort((self.products, -self.popularity))] = np.arange(n_products)
        # categories (dense codes; -1: none)
        category = category or {}
        labels = [category.get(int(product_id)) for product_id in self.products]
        names = sorted({label for label in labels if label is not None}, key=str)
        self.category_names = names
        code = {name: index for index, name in enumerate(names)}
        self.category = np.array([code.get(label, -1) if label is not None else -1 for label in labels], dtype=np.int64)
        self.category_best = np.zeros(len(names) + 1)
        np.maximum.at(self.category_best, self.category, self.buyers)

    @staticmethod
    def _every_buyer(own, others):
        """(customers, products, last days) of the distinct customer x product pairs of own and
        others (the same columns, or None), each with its last day."""
        if others is None:
            return own
        customer, product, last = (np.concatenate(columns) for columns in zip(own, others))
        order = np.lexsort((product, customer))
        customer, product, last = customer[order], product[order], last[order]
        starts = run_starts(customer, product)
        if not len(starts):
            return customer, product, last
        return customer[starts], product[starts], np.maximum.reduceat(last, starts)

    @staticmethod
    def _run_bounds(sorted_values):
        starts = run_starts(sorted_values)
        return starts, np.diff(np.append(starts, len(sorted_values)))

    def product_index(self, product_ids):
        """Dense indexes of product ids (those the history knows)."""
        product_ids = list(product_ids)
        return self.known_history(product_ids, np.zeros(len(product_ids)))[0]

    def customer_index(self, customer_id):
        index = np.searchsorted(self.customers, customer_id)
        return int(index) if index < len(self.customers) and self.customers[index] == customer_id else None

    def history(self, customer_id):
        """(dense product indexes, last days) of what the customer bought."""
        index = self.customer_index(customer_id)
        if index is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        span = slice(self.bought_ptr[index], self.bought_ptr[index + 1])
        return self.bought[span], self.bought_last[span]

    def known_history(self, product_ids, last_days):
        """(dense product indexes, last days) of the products the index knows."""
        product_ids = np.asarray(product_ids, dtype=np.int64)
        last_days = np.asarray(last_days, dtype=np.int64)
        if not len(self.products) or not len(product_ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        index = np.minimum(np.searchsorted(self.products, product_ids), len(self.products) - 1)
        known = self.products[index] == product_ids
        return index[known], last_days[known]

    def signals(self, customer_id, knobs, basket=(), history=None):
        """(candidate dense product indexes, {signal: values over the candidates scaled to max 1}):
        the union of each signal's best CANDIDATES_PER_SIGNAL products new to the customer.
        history: the customer's (product ids, last days) when fresher than the index's."""
        n_products = len(self.products)
        owned, last = self.history(customer_id) if history is None else self.known_history(*history)
        basket = self.product_index(basket)
        raw = {
            'basket': self._co_purchase(basket, np.full(len(basket), self.now), knobs),
            'co_purchase': self._co_purchase(owned, last, knobs),
            'similar_customers': self._similar_customers(customer_id, owned),
            'category': self._category(owned),
            'popularity': self.popularity.copy(),
        }
        excluded = np.zeros(n_products, dtype=bool)
        excluded[owned] = True
        excluded[basket] = True
        candidates = set()
        for values in raw.values():
            values[excluded] = 0.0
            best = _best(values, CANDIDATES_PER_SIGNAL)
            candidates.update(best[values[best] > 0].tolist())
        candidates = np.array(sorted(candidates), dtype=np.int64)
        scaled = {}
        for name, values in raw.items():
            top = values[candidates].max() if len(candidates) else 0.0
            scaled[name] = values[candidates] / top if top > 0 else np.zeros(len(candidates))
        return candidates, scaled

    def _co_purchase(self, sources, last, knobs):
        score = np.zeros(len(self.products))
        _source, target, contribution = self._co_purchase_terms(sources, last, knobs)
        np.add.at(score, target, contribution)
        return score

    def _co_purchase_terms(self, sources, last, knobs):
        """(source, target, contribution) of every co-purchase term from the source products
        last bought on the days last (the current basket: today, weight 1)."""
        weights = 0.5 ** ((self.now - np.asarray(last)) / knobs['half_life_days'])
        sources = np.asarray(sources, dtype=np.int64)
        if not len(sources):
            return sources, sources, np.zeros(0)
        entries, lengths = _spans(self.neighbor_ptr, sources)
        source = np.repeat(sources, lengths)
        target = self.neighbor[entries]
        lift_damping = (self.product_baskets[target] / max(self.baskets, 1)) ** knobs['beta']
        contribution = (np.repeat(weights, lengths) * self.neighbor_count[entries] / self.product_baskets[source]
                        / lift_damping)
        return source, target, contribution

    def _similar_customers(self, customer_id, owned):
        score = np.zeros(len(self.products))
        index = self.customer_index(customer_id)
        if not len(owned):
            return score
        entries, lengths = _spans(self.buyer_ptr, owned)
        overlap = np.bincount(self.buyer[entries], weights=np.repeat(self.idf[owned], lengths),
                              minlength=len(self.customers))
        if index is not None:
            overlap[index] = 0.0
        similarity = overlap / np.sqrt(np.maximum(self.customer_products, 1.0) * len(owned))
        nearest = _best(similarity, self.similar)
        nearest = nearest[similarity[nearest] > 0]
        entries, lengths = _spans(self.bought_ptr, nearest)
        np.add.at(score, self.bought[entries], np.repeat(similarity[nearest], lengths))
        return score

    def _category(self, owned):
        if not len(self.category_names) or not len(owned):
            return np.zeros(len(self.products))
        codes = self.category[owned]
        share = np.bincount(codes[codes >= 0], minlength=len(self.category_names) + 1) / float(len(owned))
        share[-1] = 0.0  # no category (code -1 reads the last slot)
        return share[self.category] * self.buyers / np.maximum(self.category_best[self.category], 1.0)

    def reason(self, customer_id, product_index, signal, knobs, basket=(), history=None, terms=None):
        """(kind, figures) explaining a discovered product by its strongest signal:
        'co_purchase' (basket or history: the share of the buyers of the strongest source
        product A who bought it: "bought by 42 % of customers who bought Desk"),
        'similar_customers', 'category', 'popularity'; product figures are product ids.
        terms: a dict shared by the reasons of one customer's list, which keeps the co-purchase
        terms of its basket and history (the same for every item) once computed."""
        product_id = int(self.products[product_index])
        if signal in ('basket', 'co_purchase'):
            terms = {} if terms is None else terms
            if signal not in terms:
                if signal == 'basket':
                    owned = self.product_index(basket)
                    last = np.full(len(owned), self.now)
                else:
                    owned, last = self.history(customer_id) if history is None else self.known_history(*history)
                terms[signal] = self._co_purchase_terms(owned, last, knobs)
            source, target, contribution = terms[signal]
            mine = target == product_index
            if mine.any():
                best = int(source[mine][np.argmax(contribution[mine])])
                buyers = self.buyer[self.buyer_ptr[best]:self.buyer_ptr[best + 1]]
                both = self.buyer[self.buyer_ptr[product_index]:self.buyer_ptr[product_index + 1]]
                # (buyer lists are sorted: the shared buyers by binary search)
                shared = np.count_nonzero(buyers[np.minimum(np.searchsorted(buyers, both), len(buyers) - 1)] == both)
                return 'co_purchase', {'share': shared / self.buyers[best], 'from_product_id': int(self.products[best]),
                                       'product_id': product_id}
        if signal == 'category' and self.category[product_index] >= 0:
            return 'category', {'category': self.category_names[self.category[product_index]], 'product_id': product_id}
        if signal == 'similar_customers':
            return 'similar_customers', {'similar': self.similar, 'product_id': product_id}
        return 'popularity', {'share': self.popularity[product_index] / max(self.buyer_total, 1),
                              'product_id': product_id}
