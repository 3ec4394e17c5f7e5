import logging
import math
from collections import Counter
from itertools import combinations

from odoo import _, api, fields, models, sql_db

from ..chunked_job import nightly_budget
from ..engines.basket_counts import ORDERS_PER_CHUNK, ChunkedCounts, CustomerChunks, compare_pairs, compare_rows
from ..queries import affinity as queries, common as common_queries
from .record_ids import MANAGER_GROUP, check_date_text, check_group, public_method

_logger = logging.getLogger(__name__)


class CrmErpProductAffinity(models.Model):
    """Co-purchase affinity A -> B of one company: baskets with both (pair_count), support =
    pair_count / baskets, confidence = pair_count / baskets with A, lift = confidence / (baskets
    with B / baskets). Read-only SQL view over the raw counts; the engine below keeps the
    counts (full recompute and exact incremental updates on order changes)."""
    _name = 'crm.erp.product.affinity'
    _description = 'Product co-purchase affinity'
    _auto = False
    _order = 'confidence desc, lift desc, related_product_id'
    _rec_name = 'related_product_id'

    company_id = fields.Many2one('res.company', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    related_product_id = fields.Many2one('product.product', string='Bought With', readonly=True)
    pair_count = fields.Integer('Orders With Both', readonly=True, group_operator='max')
    support = fields.Float('Support', readonly=True, digits=(16, 4), group_operator='max',
                           help='Baskets with both products / all baskets of the company.')
    confidence = fields.Float('Confidence', readonly=True, digits=(16, 4), group_operator='max',
                              help='Baskets with both / baskets with the product.')
    lift = fields.Float('Lift', readonly=True, digits=(16, 2), group_operator='max',
                        help='Confidence / share of baskets with the related product; above 1 they '
                             'sell together more often than chance.')
    product_basket_count = fields.Integer('Orders With Product', readonly=True, group_operator='max')
    related_basket_count = fields.Integer('Orders With Related Product', readonly=True, group_operator='max')
    computed_at = fields.Datetime('Computed At', readonly=True)
    # the confidence in words a salesperson reads; support, confidence and lift are managers'
    also_bought_percent = fields.Integer(
        'Also in (% of its orders)', compute='_compute_also_bought_percent',
        help='Of the orders with the product, the share that had the related product too.')

    @api.depends('confidence')
    def _compute_also_bought_percent(self):
        for pair in self:
            pair.also_bought_percent = int(round(pair.confidence * 100))

    @api.model_cr
    def init(self):
        queries.create_tables_and_view(self.env.cr)

    # Basket query -----------------------------------------------------------------------

    @api.model
    def _affinity_basket_sources(self):
        """Extension point: the kinds of documents whose lines form the co-purchase baskets,
        as queries.affinity.BasketSource (the one home of each basket rule): the counted lines
        of confirmed sale orders. A glue addon returns super()'s plus its own, in its own id
        space (crm_erp_bridge_pos: the paid point of sale tickets, anonymous ones included;
        docs/pos.md), and follows its documents' changes with _affinity_follow_scope /
        _affinity_count_in_scope."""
        return [queries.SALE_ORDER_BASKETS]

    @api.model
    def _affinity_excludes_delivery(self):
        """Delivery lines are not counted (when the delivery module stores is_delivery)."""
        field = self.env['sale.order.line']._fields.get('is_delivery')
        return bool(field and field.store)

    @api.model
    def _affinity_params(self, company, **values):
        return queries.basket_params(company.id, self._affinity_date_to(), **values)

    @api.model
    def _affinity_date_to(self):
        """The context's crm_erp_affinity_date_to (a datetime string: orders before it count),
        checked, or None."""
        date_to = self.env.context.get('crm_erp_affinity_date_to')
        return check_date_text(self, date_to, 'crm_erp_affinity_date_to', datetime=True) if date_to else None

    # Full recompute ---------------------------------------------------------------------

    @api.model
    def _recompute_affinity(self, company_ids=None, budget=None):
        """Recompute every count of the given companies (all: None) from their confirmed
        orders: their orders and lines streamed through one binary COPY each, regrouped on
        disk by chunks of whole customers and counted in numpy chunk by chunk (basket_counts:
        memory bounded whatever the history). The stored pairs move to the result by their
        differences only, part by part of first products (the incremental updates keep them
        exact, so a nightly recompute writes little; the product rows likewise). The context key
        crm_erp_affinity_date_to (a datetime string) limits the orders to those before it.
        budget (chunked_job.CpuBudget, the nightly job's): paced between the steps (after each
        stream, chunk and part); the transaction stays open, idle during the pauses."""
        # sudo: the companies' basket settings; internal counts, nothing is returned to a caller
        companies = self.env['res.company'].sudo().browse(company_ids) if company_ids is not None \
            else self.env['res.company'].sudo().search([])
        cr = self.env.cr
        # one writer of the counts at a time (the fold); see _fold_affinity for the snapshot
        queries.lock_counts(cr)
        common_queries.disable_jit(cr)  # compiling costs more than it saves on these scans
        counts = self._affinity_count_lines(companies, budget)
        # The counts below are those of this transaction's snapshot (REPEATABLE READ), which
        # holds exactly the deltas of the transactions it sees, and this DELETE removes
        # exactly those (a DELETE never reaches rows its snapshot does not see): the deltas
        # of later transactions stay, to be added to these counts.
        queries.delete_deltas(cr, companies.ids)
        pairs_written = pairs_kept = products_written = products_kept = 0
        for company in companies:
            products, parts, baskets = counts.pop(company.id).result(company.affinity_min_count)
            written, computed = self._affinity_write_products(company, baskets, products)
            products_written += written
            products_kept += computed - written
            written, computed = self._affinity_write_pairs(company, parts, budget)
            pairs_written += written
            pairs_kept += computed - written
        # the planner's statistics, when most rows changed (install, a new minimum count)
        if products_written > products_kept:
            common_queries.analyze(cr, 'crm_erp_affinity_product')
        if pairs_written > pairs_kept:
            common_queries.analyze(cr, 'crm_erp_affinity_pair')
        self.invalidate_cache()
        return True

    @api.model
    def _affinity_count_lines(self, companies, budget=None):
        """{company id: its ChunkedCounts fed every counted line}, in one scan of the orders
        and one of the lines (budget: paced after each scan and each chunk)."""
        cr = self.env.cr
        counts = {}
        for company in companies:
            counts[company.id] = ChunkedCounts(queries.counted_product_ids(cr, company.id),
                                               company.affinity_basket_days)
        # customers spread over chunks of about ORDERS_PER_CHUNK orders (by the planner's
        # count of the orders: no scan to size them)
        sources = self._affinity_basket_sources()
        chunks = CustomerChunks(companies.ids, math.ceil(
            sum(common_queries.estimated_row_count(cr, source.table) for source in sources) / ORDERS_PER_CHUNK))
        pace = budget.pace if budget else lambda: None
        # the lines (the longer scan) by a second connection in this snapshot, while this one
        # reads the orders and Python sorts them out: one core each
        with queries.counted_lines_beside(cr, lambda: sql_db.db_connect(cr.dbname).cursor(),
                                          self._affinity_excludes_delivery(), sources) as lines:
            queries.stream_counted_orders(cr, companies.ids, self._affinity_date_to(), chunks.add_orders, sources)
            lines.consume(chunks.add_lines)
        pace()
        for company_id, chunk in chunks:
            counts[company_id].add_chunk(*chunk)
            pace()
        return counts

    @api.model
    def _affinity_write_products(self, company, baskets, products):
        """Make the stored basket total and product rows of the company the computed ones
        (products: as ChunkedCounts.products returns them), the product rows by their
        differences; returns (rows deleted, updated or added, products computed)."""
        cr = self.env.cr
        queries.set_company_baskets(cr, company.id, baskets)
        gone, changed, added = compare_rows(queries.stored_products(cr, company.id), tuple(
            products[name] for name in ('product_ids', 'basket_counts', 'customer_counts', 'repeat_customer_counts')))
        if len(gone):
            queries.delete_products(cr, company.id, gone.tolist())
        if len(changed[0]):
            queries.set_product_counts(cr, company.id, *[column.tolist() for column in changed])
        if len(added[0]):
            queries.copy_products(cr, company.id, *added)
        return len(gone) + len(changed[0]) + len(added[0]), len(products['product_ids'])

    @api.model
    def _affinity_write_pairs(self, company, parts, budget=None):
        """Make the stored pairs of the company the computed ones, part by part (as
        ChunkedCounts.pair_parts yields them: the stored pairs of each part's range of first
        products are read and diffed with its computed ones, so the worker holds one part),
        by their differences; returns (rows deleted, updated or added, pairs computed).
        budget: paced after each part."""
        cr = self.env.cr
        written = computed = 0
        for (first, end), pairs in parts:
            if budget and computed:
                budget.pace()
            (gone_a, gone_b), (changed_a, changed_b, changed_count), added = compare_pairs(
                queries.stored_pairs(cr, company.id, first, end), pairs)
            if len(gone_a):
                queries.delete_pairs(cr, company.id, gone_a.tolist(), gone_b.tolist())
            if len(changed_a):
                queries.set_pair_counts(cr, company.id, changed_a.tolist(), changed_b.tolist(),
                                        changed_count.tolist())
            if len(added[0]):
                queries.copy_pairs(cr, company.id, *added)
            written += len(gone_a) + len(changed_a) + len(added[0])
            computed += len(pairs[0])
        return written, computed

    @api.model
    @public_method
    def action_recompute_affinity(self):
        """Manager action: full recompute of the affinity and the peer best sellers of the
        user's companies."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can recompute the product affinity.'))
        # sudo: recounts (raw SQL) of the manager's own companies only, from their orders
        self.sudo()._recompute_all(self.env.user.company_ids)
        return True

    @api.model
    def _cron_recompute_affinity(self):
        # sudo: the nightly job recounts every company; it returns nothing
        budget = nightly_budget(self.env)
        self.sudo()._recompute_all(self.env['res.company'].sudo().search([]), budget)
        _logger.info('affinity recompute: %s', budget or 'no CPU budget')

    @api.model
    def _recompute_all(self, companies, budget=None):
        """The affinity and the peer best sellers (recommendations) of the companies: the
        nightly refresh (budget: its CpuBudget, paced between the steps) and the manager
        action."""
        self._recompute_affinity(companies.ids, budget)
        if budget:
            budget.pace()
        self.env['crm.erp.recommendation']._recompute_best_sellers(companies)

    # Incremental updates ----------------------------------------------------------------

    @api.model
    def _affinity_scope(self, orders, vals=None):
        """What a change of orders may touch, per company: {company: ('orders', ids)} for
        order baskets, {company: ('partners', commercial ids)} for window baskets (the
        sessions of the customer may merge or split). vals: values about to be written, whose
        company / customer count too."""
        vals = vals or {}
        # sudo: only the ids of the orders' companies and customers, to scope the recount
        companies = orders.mapped('company_id').sudo()
        if vals.get('company_id'):
            companies |= self.env['res.company'].sudo().browse(vals['company_id'])
        partners = orders.mapped('partner_id.commercial_partner_id')
        if vals.get('partner_id'):
            partners |= self.env['res.partner'].sudo().browse(vals['partner_id']).commercial_partner_id
        return self._affinity_scope_keys(companies, orders.ids, partners.ids)

    @api.model
    def _affinity_scope_keys(self, companies, order_keys, partner_keys):
        """The scope of a change (see _affinity_scope) from the signed ids of its documents in
        the baskets (queries.affinity.BasketSource) and their customer keys (commercial
        customers, and the signed ids of documents without one)."""
        scope = {}
        for company in companies:
            if company.affinity_basket_days > 0:
                scope[company] = ('partners', tuple(sorted(set(partner_keys))))
            else:
                scope[company] = ('orders', tuple(sorted(set(order_keys))))
        return scope

    @api.model
    def _affinity_snapshot(self, scope, exclude_order_ids=(), exclude_line_ids=()):
        """{company: {basket id: frozenset(product ids)}} of the scope as the database holds it
        now (minus the excluded orders / lines: the state before they were created)."""
        snapshot = {}
        for company, (kind, ids) in scope.items():
            key = 'order_ids' if kind == 'orders' else 'partner_ids'
            params = self._affinity_params(company, exclude_order_ids=list(exclude_order_ids),
                                           exclude_line_ids=list(exclude_line_ids), **{key: list(ids)})
            snapshot[company] = queries.basket_products(
                self.env.cr, kind, company.affinity_basket_days > 0, self._affinity_excludes_delivery(), params,
                self._affinity_basket_sources())
        return snapshot

    @api.model
    def _affinity_before(self, scope, exclude_order_ids=(), exclude_line_ids=()):
        """The snapshot of the scope before a change (see _affinity_snapshot), the scope
        claimed for this transaction (_affinity_claim)."""
        self._affinity_claim(scope)
        return self._affinity_snapshot(scope, exclude_order_ids, exclude_line_ids)

    @api.model
    def _affinity_follow(self, orders, vals=None, rescope=False):
        """Before a change of orders or of their lines: the baskets it may touch, as they are
        (see _affinity_before); returns the function that applies the difference after the
        change (rescope: the scope of the orders that still exist then, after a deletion)."""
        return self._affinity_follow_scope(self._affinity_scope(orders, vals), (
            lambda: self._affinity_scope(orders.exists())) if rescope else None)

    @api.model
    def _affinity_follow_scope(self, scope, rescope=None):
        """_affinity_follow of a scope (see _affinity_scope_keys: a glue addon's documents);
        rescope: a function giving the scope after the change (default: the same)."""
        before = self._affinity_before(scope)

        def apply_after():
            self._affinity_apply(before, self._affinity_snapshot(rescope() if rescope else scope))
        return apply_after

    @api.model
    def _affinity_count_created(self, orders, exclude_order_ids=(), exclude_line_ids=()):
        """After orders or lines were created: the baskets of orders without them (excluded)
        and with them."""
        self._affinity_count_in_scope(self._affinity_scope(orders), exclude_order_ids, exclude_line_ids)

    @api.model
    def _affinity_count_in_scope(self, scope, exclude_order_ids=(), exclude_line_ids=()):
        """After documents were created in scope: its baskets without them (exclude_order_ids:
        signed ids, see queries.affinity.BasketSource; exclude_line_ids: sale order lines) and
        with them."""
        self._affinity_apply(self._affinity_before(scope, exclude_order_ids, exclude_line_ids),
                             self._affinity_snapshot(scope))

    @api.model
    def _affinity_apply(self, before, after):
        """Move the stored counts from the `before` to the `after` snapshot of the same scope:
        only the baskets that differ, their products and their product pairs change."""
        for company in set(before) | set(after):
            old, new = before.get(company, {}), after.get(company, {})
            basket_delta = 0
            product_delta, pair_delta = Counter(), Counter()
            for baskets, sign in ((old, -1), (new, 1)):
                other = new if sign < 0 else old
                for basket_id, products in baskets.items():
                    if other.get(basket_id) == products:
                        continue
                    if basket_id not in other:
                        basket_delta += sign
                    for product_id in products:
                        product_delta[product_id] += sign
                    for pair in combinations(sorted(products), 2):
                        pair_delta[pair] += sign
            product_delta = {key: value for key, value in product_delta.items() if value}
            pair_delta = {key: value for key, value in pair_delta.items() if value}
            if basket_delta or product_delta or pair_delta:
                self._affinity_write_delta(company, basket_delta, product_delta, pair_delta)

    @api.model
    def _affinity_write_delta(self, company, basket_delta, product_delta, pair_delta):
        """Append the change to crm_erp_affinity_delta: INSERT only, nothing shared with the
        other transactions of the company (the fold moves it into the counts)."""
        keys = [(0, 0, basket_delta)] if basket_delta else []
        keys += [(product, 0, delta) for product, delta in product_delta.items()]
        keys += [(a, b, delta) for (a, b), delta in pair_delta.items()]
        queries.append_deltas(self.env.cr, company.id, keys)

    @api.model
    def _affinity_claim(self, scope):
        """Make two transactions that change the same baskets collide, so that Odoo retries
        the second one on a snapshot that holds the first: each computes its delta from the
        baskets it sees, and two deltas computed from the same baskets would not add up (two
        lines of one order, or two orders merging into one window basket). The orders
        (order baskets) or the commercial customers (window baskets) get a no-op update: a
        concurrent update of the same row is a serialization failure under REPEATABLE READ,
        a mere row lock is not. Per order or customer: different orders never collide."""
        sources = self._affinity_basket_sources()
        for company, (kind, ids) in scope.items():
            rows = {}
            for source in sources:
                for table, table_ids in source.claimed_rows(kind, ids):
                    rows.setdefault(table, set()).update(table_ids)
            # sorted tables and ids (touch_rows): always the same lock order
            for table in sorted(rows):
                if rows[table]:
                    common_queries.touch_rows(self.env.cr, table, rows[table])

    @api.model
    def _fold_affinity(self):
        """Move the pending deltas into the counts (the frequent cron): with the counts lock
        only, never waiting for it (the holder folds, or the next run will). The transaction
        sees exactly the deltas its DELETE removes (REPEATABLE READ; the deltas of later
        transactions stay for the next fold). Returns the number of delta rows folded, None
        when another transaction holds the lock."""
        cr = self.env.cr
        if not queries.try_lock_counts(cr):
            return None
        rows = queries.take_deltas(cr)
        by_company = {}
        for company_id, a, b, delta, _count in rows:
            deltas = by_company.setdefault(company_id, [0, {}, {}])
            if not delta:
                continue
            if not a:
                deltas[0] += delta
            elif not b:
                deltas[1][a] = delta
            else:
                deltas[2][(a, b)] = delta
        # sudo: the companies' affinity settings only, for counts of every company (cron)
        for company in self.env['res.company'].sudo().browse(sorted(by_company)).exists():
            self._fold_company(company, *by_company[company.id])
        return sum(row[4] for row in rows)

    @api.model
    def _fold_company(self, company, basket_delta, product_delta, pair_delta):
        """Add the summed deltas of a company to its counts: the total, the products (rows at
        zero deleted), the stored pairs (deleted below the minimum); pairs not stored were
        below the minimum, those that grew may reach it now: counted exactly from the orders
        this transaction sees (the ones the deltas came from)."""
        cr = self.env.cr
        queries.add_company_baskets(cr, company.id, basket_delta)
        queries.add_product_baskets(cr, company.id, product_delta)
        if not pair_delta:
            return
        min_count = company.affinity_min_count
        pairs = list(pair_delta)
        pair_a, pair_b = [a for a, b in pairs], [b for a, b in pairs]
        stored = queries.add_to_stored_pairs(cr, company.id, pair_delta)
        queries.delete_pairs(cr, company.id, pair_a, pair_b, below=min_count)
        # basket counts of every product of the pairs (a product may be in a changed pair
        # while its own count did not change)
        counts = queries.product_basket_counts(cr, company.id, set(pair_a) | set(pair_b))
        # only when both products reach the minimum themselves
        candidates = [(a, b) for (a, b) in pairs
                      if (a, b) not in stored and pair_delta[(a, b)] > 0
                      and counts.get(a, 0) >= min_count and counts.get(b, 0) >= min_count]
        if not candidates:
            return
        # the rarer product of each pair goes first: it chooses the baskets read
        ordered = [(a, b) if counts[a] <= counts[b] else (b, a) for a, b in candidates]
        kind = 'product_partners' if company.affinity_basket_days > 0 else 'product_orders'
        params = self._affinity_params(company, scope_product_ids=sorted({a for a, b in ordered}),
                                       pair_a=[a for a, b in ordered], pair_b=[b for a, b in ordered])
        reached = [(min(a, b), max(a, b), count) for a, b, count in queries.recount_pairs(
            cr, kind, company.affinity_basket_days > 0, self._affinity_excludes_delivery(), params,
            self._affinity_basket_sources())
            if count >= min_count]
        if reached:
            queries.insert_pairs(cr, company.id, reached)

    @api.model
    def _cron_fold_affinity(self):
        # sudo: the cron moves every company's pending counts; it reads and returns nothing
        self.sudo()._fold_affinity()

    @api.model
    def _affinity_state(self, company_ids):
        """The counts of the companies as readers see them, the pending deltas added (tests
        compare the incremental state with a full recompute): (baskets per company,
        {(company, product): baskets}, {(company, a, b): count} of the stored pairs)."""
        return queries.counts_as_read(self.env.cr, company_ids)
