from odoo import _, api, fields, models

from ..chunked_job import run_chunks, split_range
from ..engines import clv
from ..queries import clv as clv_queries, common as common_queries, customer_360 as queries
from ..rules import CUSTOMER_STAGES, RFM_SEGMENTS
from .mail_message import note_body
from .record_ids import MANAGER_GROUP, check_date_text, check_group


class _DryRunDone(Exception):
    """Ends a dry run: its savepoint is rolled back (CrmErpPartnerStats._as_of_dry_run)."""


# The full refresh in chunks: commercial partners by ranges of ids holding about this many
# customers each (a chunk is a transaction of a few hundred ms at L).
CUSTOMERS_PER_CHUNK = 2000


class CrmErpPartnerStats(models.Model):
    """Customer 360 figures of one commercial partner in one company.

    Multi-company: every figure is per (company, commercial partner) row, never summed across
    companies; res.partner shows the row of the user's current company. Rows are written by
    set-based SQL only (refresh below); users only change the stage by hand (lock)."""
    _name = 'crm.erp.partner.stats'
    _description = 'Customer 360 figures per company'
    _order = 'sale_revenue desc, id'
    _rec_name = 'partner_id'

    # (company_id, partner_id) is unique: its index serves company lookups
    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, readonly=True,
                                 index=True, ondelete='cascade')
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    user_id = fields.Many2one('res.users', string='Salesperson', related='partner_id.user_id',
                              store=True, readonly=True)
    country_id = fields.Many2one('res.country', related='partner_id.country_id', store=True, readonly=True)
    # Sales, confirmed orders, untaxed, company currency
    sale_order_count = fields.Integer('Orders', readonly=True)
    sale_revenue = fields.Monetary('Revenue', readonly=True)
    sale_margin = fields.Monetary('Margin', readonly=True)
    sale_average_order_value = fields.Monetary('Average order value', readonly=True)
    first_order_date = fields.Date('First order', readonly=True)
    last_order_date = fields.Date('Last order', readonly=True)
    average_order_interval = fields.Float('Average days between orders', readonly=True)
    days_since_last_order = fields.Integer('Days since last order', compute='_compute_days_since_last_order')
    product_count = fields.Integer('Distinct products', readonly=True)
    # CRM
    lead_open_count = fields.Integer('Open leads', readonly=True)
    opportunity_open_count = fields.Integer('Open opportunities', readonly=True)
    lead_won_count = fields.Integer('Won opportunities', readonly=True)
    lead_lost_count = fields.Integer('Lost leads', readonly=True)
    # RFM and lifetime value
    rfm_recency_score = fields.Integer('Recency score', readonly=True)
    rfm_frequency_score = fields.Integer('Frequency score', readonly=True)
    rfm_monetary_score = fields.Integer('Monetary score', readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string='RFM segment', readonly=True)
    # a margin: managers only (docs/rights.md)
    clv_historical = fields.Monetary(
        'Historical value', readonly=True, groups=MANAGER_GROUP,
        help='Total margin of the confirmed orders (revenue when sale_margin is not installed).')
    clv_annual_frequency = fields.Float('Orders per year', readonly=True)
    clv_survival_probability = fields.Float('Survival probability', readonly=True)
    clv_predicted_12m = fields.Monetary('Predicted 12-month value', readonly=True,
                                        help='Orders per year x average order value x survival probability.')
    # the company's lifetime value model (crm.erp.clv.model, docs/clv.md) on the customer's history
    clv_probability_alive = fields.Float(
        'Likely to buy again', readonly=True, digits=(16, 4),
        help='Probability (0-1) that the customer still buys from the company: the lifetime value model\'s '
             'P(alive), from how often and how recently they ordered.')
    clv_expected_orders_30 = fields.Float('Expected orders next 30 days', readonly=True, digits=(16, 2))
    clv_expected_orders_90 = fields.Float('Expected orders next 90 days', readonly=True, digits=(16, 2))
    clv_expected_orders_365 = fields.Float('Expected orders next 365 days', readonly=True, digits=(16, 2))
    clv_expected_order_value = fields.Monetary('Expected order value', readonly=True)
    clv_predicted_value = fields.Monetary(
        'Predicted value', readonly=True,
        help='Expected orders over the company\'s horizon (Settings, months) x expected order value, '
             'discounted at the company\'s yearly rate, untaxed.')
    # Lifecycle stage
    customer_stage = fields.Selection(CUSTOMER_STAGES, string='Stage',
                                      group_expand='_group_expand_customer_stage')
    customer_stage_locked = fields.Boolean('Stage locked', readonly=True,
                                           help='Set by hand: refreshes keep this stage.')
    customer_stage_date = fields.Date('In stage since', readonly=True)
    # Vendor side, confirmed purchase orders, company currency
    purchase_order_count = fields.Integer('Purchase orders', readonly=True)
    purchase_spend = fields.Monetary('Spend', readonly=True)
    last_purchase_date = fields.Date('Last purchase', readonly=True)
    purchase_lead_time_days = fields.Float('Average lead time (days)', readonly=True)
    purchase_on_time_rate = fields.Float('On-time receipts (%)', readonly=True)

    _sql_constraints = [
        ('company_partner_uniq', 'unique(company_id, partner_id)',
         'Customer 360 figures exist once per company and partner.'),
    ]

    @api.model_cr
    def init(self):
        queries.create_functions_and_indexes(self.env.cr)

    @api.model
    def _customer_360_today(self):
        """Reference date of the figures: the context's customer_360_date (an "as of" date),
        else the user's today."""
        today = self.env.context.get('customer_360_date')
        return check_date_text(self, today, 'customer_360_date') if today else fields.Date.context_today(self)

    @api.depends('last_order_date')
    def _compute_days_since_last_order(self):
        today = fields.Date.from_string(self._customer_360_today())
        for stats in self.filtered('last_order_date'):
            stats.days_since_last_order = (today - fields.Date.from_string(stats.last_order_date)).days

    @api.model
    def _group_expand_customer_stage(self, stages, domain, order):
        # every buying stage, even empty; Prospect only when a row is in it (prospects have no
        # row: a column that is always empty would push the others off a 1366 px screen)
        return [key for key, _label in CUSTOMER_STAGES if key != 'prospect' or key in stages]

    @api.multi
    def write(self, vals):
        """A stage written by a user (form, kanban drag) is a manual stage: it is locked."""
        if 'customer_stage' in vals:
            self._check_manager()
            changed = self.filtered(lambda stats: stats.customer_stage != vals['customer_stage'])
            previous = {stats.id: (stats.customer_stage, stats.customer_stage_date) for stats in changed}
            today = self._customer_360_today()
            super().write(dict(vals, customer_stage_locked=True))
            if changed:
                super(CrmErpPartnerStats, changed).write({'customer_stage_date': today})
                changed._log_manual_stage_change(previous, today)
        else:
            super().write(vals)
        self._invalidate_partner_figures()
        return True

    def _check_manager(self):
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can set or lock a lifecycle stage.'))

    def _log_manual_stage_change(self, previous, today):
        # sudo: the history is read-only for users; this logs the change the manager just made
        history = self.env['crm.erp.partner.stage.history'].sudo()
        changes = []
        for stats in self:
            old_stage, old_date = previous[stats.id]
            old_stage = old_stage or 'prospect'
            history.create({
                'company_id': stats.company_id.id, 'partner_id': stats.partner_id.id,
                'from_stage': old_stage, 'to_stage': stats.customer_stage, 'date': today,
                'reason': 'manual',
                'days_in_from_stage': old_date and (fields.Date.from_string(today)
                                                    - fields.Date.from_string(old_date)).days,
            })
            changes.append((stats.company_id.id, stats.partner_id.id, old_stage, stats.customer_stage, 'manual'))
        self._post_stage_messages(changes)

    # Refresh engine ---------------------------------------------------------------------

    @api.model
    def _refresh(self, company_ids, partner_ids=None, date_ref=None, recompute_boundaries=False,
                 notify=True, leads_only=False, orders_until=None):
        """Recompute the Customer 360 rows of the given companies, for the given commercial
        partners (None: all), as of date_ref (default: the context's customer_360_date, else
        today), in three SQL statements.
        recompute_boundaries re-cuts the RFM quintiles first (full refresh only: incremental
        updates score against the stored boundaries). leads_only (incremental, after a lead
        change): only the lead figures of the partners' rows are recomputed before scoring.
        orders_until: only the orders and purchases of that day and before (the dry run as of a
        past day, _as_of_dry_run). Returns the stage changes."""
        cr = self.env.cr
        params = {
            'orders_until': orders_until,
            'company_ids': list(company_ids),
            'partner_ids': list(partner_ids) if partner_ids is not None else None,
            'date_ref': date_ref or self._customer_360_today(),
            'uid': self.env.uid,
            'use_margin': self._margin_available(),
        }
        if params['partner_ids'] == [] or not params['company_ids']:
            return []
        incremental = params['partner_ids'] is not None
        common_queries.disable_jit(cr)
        if incremental:
            # one customer after an order or lead change: planning these statements costs
            # more than running them, the queries plan them once per connection
            upsert_ids = params['partner_ids']  # customers whose whole row is recomputed
            if leads_only:
                upsert_ids = sorted(set(params['partner_ids']) - queries.update_lead_figures(cr, params))
            if upsert_ids:
                queries.upsert_figures(cr, dict(params, partner_ids=upsert_ids), True, params['use_margin'],
                                       self._counted_documents())
        else:
            # the statement hashes and aggregates every confirmed line: in memory, not in
            # batches spilled to disk
            common_queries.set_local_work_mem(cr, '256MB')
            self._forget_archived_partners()
            written = queries.upsert_figures(cr, params, False, params['use_margin'], self._counted_documents())
            # when it wrote most rows (install: the table was empty), plan the next steps on
            # fresh statistics
            if written > self._estimated_row_count() / 2:
                common_queries.analyze(cr, self._table)
            if recompute_boundaries:
                queries.recompute_boundaries(cr, params)
        params.update(self._clv_figures(params, incremental))
        changes = queries.score_and_stage(cr, params, incremental)
        # these rows only (without fnames Odoo would clear the whole cache of the transaction)
        self.invalidate_cache(fnames=list(self._fields))
        self._invalidate_partner_figures()
        if notify:
            self._post_stage_messages(changes)
        return changes

    @api.model
    def _refresh_all(self, company_ids, customers_per_chunk=CUSTOMERS_PER_CHUNK, budget=None):
        """The full refresh of the companies (figures, RFM boundaries, scores and stages of
        every customer, as _refresh(company_ids, recompute_boundaries=True) leaves them) in
        short transactions (chunked_job.run_chunks), for the nightly job and the manager's
        action: archived partners forgotten; the figures of the commercial partners by
        ranges of ids of about customers_per_chunk customers; the boundaries re-cut from them;
        the scores and stages, range by range. A chunk that meets a concurrent change of one
        of its customers is started over (split first), so the refresh completes while
        salespeople work (docs/design-concurrency.md). Memory: one chunk, in PostgreSQL and in
        the worker. budget: the nightly job's chunked_job.CpuBudget, paced between the chunks.
        Returns the number of stage changes."""
        company_ids = list(company_ids)
        date_ref = self._customer_360_today()  # checked before any work; one date for every chunk
        if not company_ids:
            return 0
        run_chunks(self.env, [None], lambda env, _chunk: env[self._name]._forget_archived_partners(), budget=budget)
        ranges = queries.customer_ranges(self.env.cr, customers_per_chunk)
        known_factors = queries.known_currency_factors(self.env.cr, company_ids)  # once, not per chunk
        changes = 0
        for step in ('figures', 'boundaries', 'scores'):
            chunks, split = ([None], None) if step == 'boundaries' else (ranges, split_range)
            changes += sum(run_chunks(self.env, chunks, lambda env, chunk: env[self._name]._refresh_chunk(
                company_ids, chunk, date_ref, step, known_factors), split=split, budget=budget))
        return changes

    @api.model
    def _refresh_chunk(self, company_ids, partner_range, date_ref, step, known_factors=None):
        """One transaction of _refresh_all: the 'figures' or the 'scores' of the customers
        whose commercial partner id is in partner_range [first, end), or the 'boundaries'.
        known_factors: the currency factors looked up once for every chunk
        (queries.known_currency_factors). Returns the number of stage changes."""
        cr = self.env.cr
        params = {'company_ids': company_ids, 'date_ref': date_ref, 'uid': self.env.uid,
                  'use_margin': self._margin_available()}
        common_queries.disable_jit(cr)
        if step == 'boundaries':
            queries.recompute_boundaries(cr, params)
            return 0
        params['partner_from'], params['partner_to'] = partner_range
        # a chunk reads its customers' documents through their indexes, not every order
        common_queries.prefer_index_scans(cr)
        if step == 'figures':
            queries.upsert_figures(cr, dict(params, **(known_factors or {})), 'range', params['use_margin'],
                                   self._counted_documents())
            return 0
        params.update(self._clv_figures(params, 'range'))
        changes = queries.score_and_stage(cr, params, 'range')
        self.invalidate_cache(fnames=list(self._fields))
        self._invalidate_partner_figures()
        self._post_stage_messages(changes)
        return len(changes)

    @api.model
    def _as_of_dry_run(self, company_id, partner_ids, read):
        """read() as the company's Customer 360 rows of the commercial partners partner_ids would
        be on the context's customer_360_date (an "as of" date), seeing only the orders and
        purchases up to that day, and writing nothing: the rows, the stage history, the chatter
        and the lifetime value model are computed in a savepoint that is rolled back (a model
        fitted after that day is refitted on the orders up to it; RFM scores use the company's
        current boundaries; leads as they are now). Returns read()'s result."""
        as_of = self._customer_360_today()
        result = []
        try:
            with self.env.cr.savepoint():
                clv_model = self.env['crm.erp.clv.model'].sudo()
                fitted = clv_model.search([('company_id', '=', company_id)], limit=1)
                if not fitted.as_of_date or fitted.as_of_date > as_of:
                    # sudo: the dry run's own model, rolled back below
                    clv_model._fit([company_id], as_of)
                # sudo: recomputes rows that are rolled back below
                self.sudo()._refresh([company_id], partner_ids, date_ref=as_of, notify=False, orders_until=as_of)
                result.append(read())
                raise _DryRunDone()
        except _DryRunDone:
            pass
        finally:
            # the cache holds values of the rolled-back rows
            self.invalidate_cache()  # no field names: the whole cache of the transaction
        return result[0]

    @api.model
    def _clv_figures(self, params, scope):
        """The lifetime value figures of the scope's customers (scope and params as for
        queries.score_and_stage) as of params['date_ref']: each company's fitted model
        (crm.erp.clv.model, fitted first if it never was) on the customers' order summaries
        up to that day, in numpy. Returns the parameters CLV_COLUMNS of score_and_stage."""
        figures = {name: [] for name in queries.CLV_COLUMNS}
        # sudo: the refreshed companies' own settings (horizon, discount rate), read for any user
        for company in self.env['res.company'].sudo().browse(params['company_ids']):
            summary = clv_queries.customer_summary(
                self.env.cr, company.id, params['date_ref'], scope, partner_ids=params.get('partner_ids'),
                partner_from=params.get('partner_from'), partner_to=params.get('partner_to'),
                documents=self._counted_documents())
            if not len(summary['partner_id']):
                continue
            purchase, value = self.env['crm.erp.clv.model']._engine_models(company.id, params['date_ref'])
            predicted = clv.predict(
                purchase, value, summary['frequency'], summary['recency'], summary['age'], summary['monetary'],
                horizon_days=company.customer_360_clv_horizon_months * 365.0 / 12,
                annual_discount_rate=company.customer_360_clv_discount_rate / 100.0,
                average_order_value=summary['average_order_value'])
            figures['clv_company_ids'] += [company.id] * len(summary['partner_id'])
            figures['clv_partner_ids'] += summary['partner_id'].tolist()
            for name, key in (('clv_alive', 'probability_alive'), ('clv_orders_30', 'expected_orders_30'),
                              ('clv_orders_90', 'expected_orders_90'), ('clv_orders_365', 'expected_orders_365'),
                              ('clv_order_value', 'expected_order_value'), ('clv_value', 'clv')):
                figures[name] += predicted[key].tolist()
        return figures

    @api.model
    def _forget_archived_partners(self, partner_ids=None):
        """Delete the Customer 360 rows and stage history of archived partners (of partner_ids,
        or every archived one): an archived customer keeps no figures in the addon's tables, and
        the refreshes skip archived partners, so nothing comes back until it is unarchived
        (then the next refresh computes its figures again, from its documents)."""
        queries.forget_archived_partners(self.env.cr, partner_ids)
        self.invalidate_cache(fnames=list(self._fields))
        self.env['crm.erp.partner.stage.history'].invalidate_cache()
        self._invalidate_partner_figures()

    @api.model
    def _invalidate_partner_figures(self):
        """res.partner shows these rows through non-stored computed fields: forget those, keep
        the partners' stored values cached (the user's own partner among them)."""
        partners = self.env['res.partner']
        partners.invalidate_cache(fnames=[name for name, field in partners._fields.items()
                                          if field.compute and not field.store])

    @api.model
    def _estimated_row_count(self):
        """Rows of the table as PostgreSQL's statistics last counted them (0: never)."""
        return common_queries.estimated_row_count(self.env.cr, self._table)

    @api.model
    def _customer_360_pairs(self, documents):
        """{(company id, commercial partner id)} of documents with partner_id and company_id
        (sale orders, leads) as stored; a document without company counts in every company.
        In SQL: called around every write of an order or lead, where reading the partners
        through the ORM would cost more than the refresh itself."""
        if not documents.ids:
            return set()
        return self._customer_360_pairs_of(
            common_queries.company_partner_pairs(self.env.cr, documents._table, documents.ids))

    @api.model
    def _customer_360_pairs_of(self, rows):
        """{(company id, commercial partner id)} of (company id, commercial partner id) rows of
        documents; a document without company counts in every company."""
        all_companies = None
        pairs = set()
        for company_id, partner_id in rows:
            if company_id is None:
                # sudo: ids only; a document without company counts in every company
                all_companies = all_companies or self.env['res.company'].sudo().search([]).ids
                pairs.update((company, partner_id) for company in all_companies)
            else:
                pairs.add((company_id, partner_id))
        return pairs

    @api.model
    def _refresh_pairs(self, pairs, leads_only=False):
        """Incremental refresh after a change of orders or leads: only the given
        (company id, commercial partner id) pairs, against the stored RFM boundaries
        (leads_only: after a change of leads only, see _refresh)."""
        if not pairs:
            return
        # The refresh reads stored amounts: flush pending recomputations first, also inside a
        # norecompute block (lines written through their order's one2many).
        self.recompute()
        by_company = {}
        for company_id, partner_id in pairs:
            by_company.setdefault(company_id, []).append(partner_id)
        for company_id, partner_ids in by_company.items():
            # sudo: recomputes (from the stored documents) the rows of the documents just changed
            self.sudo()._refresh([company_id], partner_ids, leads_only=leads_only)

    @api.model
    def _counted_documents(self):
        """Extension point: the kinds of documents the Customer 360 counts as orders (history,
        RFM, CLV, stage, the channel breakdown), as queries.common.CountedDocuments: confirmed
        sale orders. A glue addon returns super()'s plus its own (crm_erp_bridge_pos: paid
        point of sale orders with a customer; docs/pos.md) and refreshes the customers of its
        documents when they change (_refresh_pairs)."""
        return [common_queries.SALE_ORDER_DOCUMENTS]

    @api.model
    def _margin_available(self):
        """sale_margin stores `margin` on sale.order: use it as historical value when present."""
        field = self.env['sale.order']._fields.get('margin')
        return bool(field and field.store)

    @api.model
    def _post_stage_messages(self, changes):
        """One chatter note per stage change, inserted in one statement, on the customers whose
        chatter only the users of the stage's company can read (see _private_to_company).
        changes: [(company_id, partner_id, from_stage, to_stage, reason)]."""
        changes = self._private_to_company(changes)
        if not changes:
            return
        stages = dict(self._fields['customer_stage']._description_selection(self.env))
        reasons = dict(self.env['crm.erp.partner.stage.history']._fields['reason']._description_selection(self.env))
        # translated here: _() inside the comprehension would not find the user's language
        template = _('Lifecycle stage: %s → %s (%s)')
        bodies = [note_body(template % (stages.get(from_stage, ''), stages[to_stage], reasons.get(reason, '')))
                  for _company, _partner, from_stage, to_stage, reason in changes]
        self.env['mail.message']._insert_notes('res.partner', [change[1] for change in changes], bodies)

    @api.model
    def _private_to_company(self, changes):
        """The stage changes of customers that belong to the change's company, or that are
        shared in a database of one company. A customer shared by several companies shows its
        chatter to all of them, and one company's stages are not the others' business: its
        stage history (record rules) and Customer 360 tab still tell the change."""
        if not changes:
            return []
        owner = queries.partner_owners(self.env.cr, {change[1] for change in changes})
        return [change for change in changes if owner.get(change[1]) == change[0]]
