"""Benchmark harness: runs inside Odoo (the venv's interpreter, the project's config) against a
generated database with the addon (--db) and its copy without the addon (--base-db).

    python bench/bench.py --db bench_L --base-db bench_L_base --size L --reps 5 \
        --install-seconds 95 --json bench/out/L.json [--results bench/RESULTS.md --command "make bench SIZE=L"]
    python bench/bench.py rss c360|affinity --db bench_L   # one recompute, peak RSS as JSON (child)
    python bench/bench.py rss nightly-c360|nightly-affinity --db bench_L   # the cron's job, CPU budget

Every timed step runs in a transaction that is rolled back, so the runs see the same data.
Figures: median, min and max over --reps runs; ratios are taken from runs of the same process.
"""
import argparse
import configparser
import datetime
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

from lxml import etree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AFFINITY_MODEL = 'crm.erp.product.affinity'
BATCH_CUSTOMERS, BATCH_CALLS = 50, 20  # benchmark 5's calls for many customers at once (issue 17)
NOT_INSTALLED = 'affinity not installed'


def addons_path_args():
    """['--addons-path=...'] when BENCH_ADDONS_PATH is set: the benchmarks run another checkout
    of the addon (e.g. an exported older commit) on the project's venv and cluster."""
    path = os.environ.get('BENCH_ADDONS_PATH')
    return ['--addons-path=' + path] if path else []


def configured_addons_path():
    """The addons path the benchmarks' servers run with: BENCH_ADDONS_PATH, else the project's
    config (.local/odoo.conf, written by scripts/odoo)."""
    path = os.environ.get('BENCH_ADDONS_PATH')
    if path:
        return path
    config = configparser.ConfigParser()
    if not config.read(os.path.join(ROOT, '.local', 'odoo.conf')):
        raise RuntimeError('no .local/odoo.conf: run scripts/odoo --version once')
    return config.get('options', 'addons_path')


# bench/server_wide/bench_call_timing: one log line per XML-RPC object call (OdooServer's
# call_timing)
CALL_TIMING_RE = re.compile(r'bench_call_timing: call (\S+) (\S+) wall ([0-9.]+) cpu ([0-9.]+) (\w+)')


def load_odoo():
    # as scripts/odoo runs the server (docs/deployment.md): one OpenBLAS thread, before numpy loads
    os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
    import odoo
    odoo.tools.config.parse_config(['-c', os.path.join(ROOT, '.local', 'odoo.conf'), '--log-level=warn']
                                   + addons_path_args())
    return odoo


# Benchmark 4 alternates the databases with and without the addon this many times.
OVERHEAD_ROUNDS = 3
# The least runs of benchmarks 4 and 5 whatever --reps says: write_reps runs of each write per
# round (OVERHEAD_ROUNDS rounds), rpc_calls single-customer and batch_calls 50-customer calls.
# At XS, the CI smoke size (tests/test_bench.py), each code path runs once or a few times
# (figures that mean nothing); the other sizes keep the floors that make their figures.
FLOORS = {'XS': dict(write_reps=1, overhead_rounds=1, rpc_calls=20, batch_calls=3)}
DEFAULT_FLOORS = dict(write_reps=5, overhead_rounds=OVERHEAD_ROUNDS, rpc_calls=200, batch_calls=BATCH_CALLS)


def write_json(path, result):
    """A benchmark's --json: the result, values that JSON has no type for as text."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as handle:
        json.dump(result, handle, indent=1, default=str)


def timed(function, reps, setup=None, teardown=None):
    """[seconds] of function() over reps runs (setup/teardown untimed), and the last result."""
    times, result = [], None
    for _rep in range(reps):
        state = setup() if setup else None
        start = time.perf_counter()
        result = function(state) if setup else function()
        times.append(time.perf_counter() - start)
        if teardown:
            teardown()
    return times, result


def adaptive(function, reps, seconds_of, budget=60.0):
    """Up to reps results of function(), fewer when a run takes longer than budget seconds
    (the figure then has fewer runs, which its n says)."""
    runs = []
    for _rep in range(reps):
        runs.append(function())
        if seconds_of(runs[-1]) > budget:
            break
    return runs


def stats(times):
    return {'median': statistics.median(times), 'min': min(times), 'max': max(times), 'runs': len(times)}


class RssSampler:
    """Peak resident set size of this process while a block runs (psutil, sampled every 5 ms)."""

    def __init__(self):
        import psutil
        self.process = psutil.Process()
        self.peak = self.before = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.before = self.peak = self.process.memory_info().rss
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def lead_score_write_costs(env, reps):
    """Seconds of one lead stage change on the addon's database with its scoring on write
    (crm.lead._lead_score_after_write: the company's lead score model fitted) and without (the
    same write, the model's parameters cleared: nothing to score with), pair by pair on the same
    lead and stage, each write rolled back. The fit is rolled back at the end."""
    company = env['res.company'].search([], order='id', limit=1)
    fit_start = time.perf_counter()
    env['crm.erp.lead.score.model']._fit(company.ids)
    fit_seconds = time.perf_counter() - fit_start
    model = env['crm.erp.lead.score.model'].search([('company_id', '=', company.id)])
    env.cr.execute("""SELECT id FROM crm_lead WHERE company_id = %s AND active AND probability < 100
                      ORDER BY id LIMIT 200""", [company.id])
    leads = [row[0] for row in env.cr.fetchall()]
    stages = env['crm.stage'].search([('probability', '<', 100)], order='sequence, id')
    if not leads or len(stages) < 2:
        return {'skipped': 'no open lead or fewer than two open stages'}
    env.cr.execute('SAVEPOINT bench_lead_score_fitted')
    rng = random.Random(19)
    times = {'with_scoring': [], 'without_scoring': []}

    def back():
        env.cr.execute('ROLLBACK TO SAVEPOINT bench_lead_score_fitted')
        env.clear()
    # one untimed warm-up of each
    for rep in range(reps + 1):
        lead_id = rng.choice(leads)
        lead = env['crm.lead'].browse(lead_id)
        stage = (stages - lead.stage_id)[rng.randint(0, len(stages - lead.stage_id) - 1)]
        for key in ('with_scoring', 'without_scoring') if rep % 2 else ('without_scoring', 'with_scoring'):
            if key == 'without_scoring':
                env.cr.execute('UPDATE crm_erp_lead_score_model SET parameters = NULL WHERE id = %s', [model.id])
            lead = env['crm.lead'].browse(lead_id)
            lead.stage_id.name  # read before the clock starts, as a form has it
            start = time.perf_counter()
            lead.write({'stage_id': stage.id})
            seconds = time.perf_counter() - start
            if rep:
                times[key].append(seconds)
            back()
    result = {key: stats(values) for key, values in times.items()}
    # the median of each pair's ratio as well: the two writes of a pair run a few ms apart, so
    # a change of the machine's load between pairs cancels out (a shared 2-core machine)
    result.update(ratio=result['with_scoring']['median'] / result['without_scoring']['median'],
                  paired_ratio=statistics.median(w / wo for w, wo in zip(times['with_scoring'], times['without_scoring'])),
                  model_kind=model.kind, fit_seconds=fit_seconds, open_leads=len(leads))
    return result


class Bench:
    def __init__(self, args):
        self.args = args
        self.floors = FLOORS.get(args.size, DEFAULT_FLOORS)
        self.odoo = load_odoo()
        self.results = {'size': args.size, 'db': args.db, 'base_db': args.base_db, 'reps': args.reps,
                        'date': datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC'),
                        'machine': machine(), 'benchmarks': {}}

    def log(self, message):
        print('[bench %s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)

    def env(self, db):
        from odoo import SUPERUSER_ID, api
        registry = self.odoo.registry(db)
        cr = registry.cursor()
        return api.Environment(cr, SUPERUSER_ID, {})

    @staticmethod
    def rollback(env):
        env.cr.rollback()
        env.clear()

    def wanted(self, number):
        return not self.args.only or str(number) in self.args.only.split(',')

    def record(self, key, value):
        self.results['benchmarks'][key] = value
        self.log('%s: %s' % (key, json.dumps(value, default=str)[:400]))

    # ------------------------------------------------------------------------------------

    def run(self):
        env = self.env(self.args.db)
        try:
            self.companies = env['res.company'].search([]).ids
            self.record('data', self.check_data(env))
            if self.args.install_seconds is not None and self.wanted(1):
                self.record('1_install', {'seconds': self.args.install_seconds})
            if self.wanted(2):
                self.record('2_customer_360', self.bench_customer_360(env))
            if self.wanted(3):
                self.record('3_affinity', self.bench_affinity(env))
            if self.wanted(6):
                self.record('6_pipeline_demand', self.bench_pipeline(env))
        finally:
            env.cr.rollback()
            env.cr.close()
        if self.wanted(4):
            self.record('4_write_overhead', self.bench_overhead())
        if self.wanted(5):
            self.record('5_recommendations_xmlrpc', self.bench_recommendations())
        if self.wanted(7):
            self.record('7_peak_rss', self.bench_rss())
        self.write()

    # Data: Odoo opens the generated data, key invariants hold --------------------------

    def check_data(self, env):
        cr = env.cr
        q = lambda sql, *params: (cr.execute(sql, params) or cr.fetchall())
        one = lambda sql, *params: q(sql, *params)[0][0]
        data = {
            'customer_companies': one("SELECT COUNT(*) FROM bench_customer"),
            'contacts': one("SELECT COUNT(*) FROM bench_contact"),
            'products': one("SELECT COUNT(*) FROM bench_product"),
            'confirmed_orders': one("SELECT COUNT(*) FROM sale_order WHERE state IN ('sale', 'done') AND name LIKE 'SO%%' AND partner_id IN (SELECT partner_id FROM bench_contact UNION SELECT partner_id FROM bench_customer)"),
            'confirmed_lines': one("SELECT COUNT(*) FROM sale_order_line l JOIN bench_product p ON p.product_id = l.product_id WHERE l.state IN ('sale', 'done')"),
            'quotations': one("SELECT COUNT(*) FROM sale_order s JOIN bench_customer c ON c.partner_id = s.partner_id WHERE s.state IN ('draft', 'sent')"),
            'opportunities': one("SELECT COUNT(*) FROM crm_lead WHERE name LIKE 'Bench opportunity %%'"),
            'opportunity_lines': one("SELECT COUNT(*) FROM crm_lead_line l JOIN crm_lead o ON o.id = l.lead_id WHERE o.name LIKE 'Bench opportunity %%'"),
            'purchase_orders': one("SELECT COUNT(*) FROM purchase_order po JOIN res_partner v ON v.id = po.partner_id WHERE v.name LIKE 'Bench Vendor %%'"),
            'supplierinfo': one("SELECT COUNT(*) FROM product_supplierinfo si JOIN bench_product p ON p.tmpl_id = si.product_tmpl_id"),
            'quants': one("SELECT COUNT(*) FROM stock_quant q JOIN bench_product p ON p.product_id = q.product_id"),
            'open_incoming_moves': one("SELECT COUNT(*) FROM stock_move m JOIN bench_product p ON p.product_id = m.product_id WHERE m.state = 'assigned'"),
            'order_companies': one("SELECT COUNT(DISTINCT company_id) FROM sale_order WHERE state IN ('sale', 'done')"),
            'order_currencies': one("SELECT COUNT(DISTINCT pl.currency_id) FROM sale_order s JOIN product_pricelist pl ON pl.id = s.pricelist_id WHERE s.state IN ('sale', 'done')"),
            'history_days': one("SELECT MAX(date_order)::date - MIN(date_order)::date FROM sale_order s JOIN bench_customer c ON c.partner_id = (SELECT commercial_partner_id FROM res_partner WHERE id = s.partner_id) WHERE s.state IN ('sale', 'done')"),
            'bundles': one("SELECT COUNT(DISTINCT bundle_id) FROM bench_truth_bundle"),
            'planted_short': one("SELECT COUNT(*) FROM bench_product WHERE is_short"),
        }
        # Invariants
        data['orders_without_lines'] = one("SELECT COUNT(*) FROM sale_order s WHERE NOT EXISTS (SELECT 1 FROM sale_order_line l WHERE l.order_id = s.id)")
        data['orders_amount_mismatch'] = one("""SELECT COUNT(*) FROM sale_order s JOIN (SELECT order_id, SUM(price_subtotal) t FROM sale_order_line GROUP BY 1) l
                                                 ON l.order_id = s.id WHERE abs(s.amount_untaxed - l.t) > 0.01""")
        data['contacts_wrong_commercial'] = one("""SELECT COUNT(*) FROM res_partner p JOIN res_partner parent ON parent.id = p.parent_id
                                                    WHERE p.commercial_partner_id <> parent.commercial_partner_id""")
        data['duplicate_order_names'] = one("SELECT COUNT(*) - COUNT(DISTINCT name) FROM sale_order")
        data['sale_sequence_ahead'] = bool(one("""SELECT (SELECT last_value FROM ir_sequence_%03d) >= COALESCE(MAX(substring(name FROM 3)::int), 0)
                                                    FROM sale_order WHERE name ~ '^SO[0-9]+$'""" % env['ir.sequence'].search([('code', '=', 'sale.order')], limit=1).id))
        # Power law: share of the confirmed lines on the top 1 % of the products.
        data['top1pct_products_line_share'] = float(one("""
            WITH c AS (SELECT l.product_id, COUNT(*) n FROM sale_order_line l JOIN bench_product p ON p.product_id = l.product_id
                        WHERE l.state IN ('sale', 'done') GROUP BY 1)
            SELECT SUM(n) FILTER (WHERE r <= GREATEST(1, (SELECT COUNT(*) FROM bench_product) / 100))::float / SUM(n)
              FROM (SELECT n, row_number() OVER (ORDER BY n DESC) r FROM c) x"""))
        # Seasonality: busiest over quietest calendar month (order counts, full years only).
        data['month_peak_over_trough'] = float(one("""
            SELECT MAX(n)::float / NULLIF(MIN(n), 0) FROM (
              SELECT extract(month FROM date_order) m, COUNT(*) n FROM sale_order s
               WHERE s.state IN ('sale', 'done') AND date_order >= NOW() - INTERVAL '3 years' + INTERVAL '1 month'
                 AND date_order < date_trunc('month', NOW()) GROUP BY 1) x"""))
        # Rhythms: orders per customer company, spread.
        rows = q("""SELECT c.rhythm, COUNT(DISTINCT c.idx), COUNT(s.id) FROM bench_customer c
                      LEFT JOIN res_partner p ON p.commercial_partner_id = c.partner_id
                      LEFT JOIN sale_order s ON s.partner_id = p.id AND s.state IN ('sale', 'done') GROUP BY 1 ORDER BY 1""")
        data['orders_per_customer_by_rhythm'] = {r: round(n / max(c, 1), 2) for r, c, n in rows}
        # Bundles co-occur: orders holding >= 2 products of a planted bundle.
        data['orders_with_bundle_pair'] = one("""
            SELECT COUNT(DISTINCT a.order_id) FROM sale_order_line a JOIN bench_truth_bundle ba ON ba.product_id = a.product_id
              JOIN sale_order_line b ON b.order_id = a.order_id AND b.product_id > a.product_id
              JOIN bench_truth_bundle bb ON bb.product_id = b.product_id AND bb.bundle_id = ba.bundle_id
             WHERE a.state IN ('sale', 'done')""")
        # Odoo opens the data: ORM reads of orders, partners, a quotation form, the demand report.
        orders = env['sale.order'].search([('state', 'in', ['sale', 'done'])], limit=5, order='id desc')
        read = orders.read(['name', 'partner_id', 'amount_total', 'currency_id', 'order_line', 'state', 'picking_ids'])
        data['orm_orders_read'] = len(read)
        data['orm_order_lines_read'] = len(orders.mapped('order_line').read(['product_id', 'price_subtotal', 'qty_delivered']))
        customer = env['res.partner'].browse(q("SELECT partner_id FROM bench_customer ORDER BY idx LIMIT 3")[0][0])
        partner_fields = [f for f in ('display_name', 'commercial_partner_id', 'sale_order_count', 'customer_stage',
                                      'rfm_segment', 'sale_revenue') if f in customer._fields]
        data['orm_partner'] = {k: (v[1] if isinstance(v, tuple) else v) for k, v in customer.read(partner_fields)[0].items() if k != 'id'}
        quotation_model = env['sale.order']
        form_fields = list(quotation_model.fields_view_get(view_type='form')['fields'])
        defaults = quotation_model.default_get(form_fields)
        quotation = quotation_model.search([('state', 'in', ['draft', 'sent'])], limit=1, order='id desc')
        data['orm_quotation_form'] = {'default_fields': len(defaults), 'read_fields': len(quotation.read(form_fields)[0]),
                                      'short_line_count': quotation.short_line_count if 'short_line_count' in quotation._fields else None}
        report = env['crm.erp.pipeline.demand.report']
        rows = report.read_group([('company_id', '=', env.user.company_id.id)],
                                 ['product_id', 'shortfall_qty', 'rfq_qty'], ['product_id'], lazy=True)
        short = {row['product_id'][0] for row in rows if row['shortfall_qty'] > 0}
        # a planted short product whose need a draft RFQ of the generated data covers is on
        # order, not short (the report counts unconfirmed RFQs since issue 18)
        on_order = {row['product_id'][0] for row in rows if row['rfq_qty'] > 0}
        data['report_short_products'] = len(short)
        truth = set(q("SELECT array_agg(product_id) FROM bench_product WHERE is_short")[0][0] or [])
        data['report_short_products_planted'] = len(truth & short)
        data['report_short_or_on_order_planted'] = len(truth & (short | on_order))
        return data

    # 2. Customer 360 ------------------------------------------------------------------------

    def bench_customer_360(self, env):
        stats_model = env['crm.erp.partner.stats']
        refresh = lambda: stats_model._refresh(self.companies, recompute_boundaries=True, notify=False)
        rows = env['crm.erp.partner.stats'].search_count([])
        warm, _ = timed(lambda: (refresh(), self.rollback(env)), 1)
        times, _ = timed(refresh, self.args.reps, teardown=lambda: self.rollback(env))

        def from_empty():
            env.cr.execute("DELETE FROM crm_erp_partner_stats")
            start = time.perf_counter()
            refresh()
            return time.perf_counter() - start
        empty_times = []
        for _rep in range(self.args.reps):
            empty_times.append(from_empty())
            self.rollback(env)
        # Naive ORM: per commercial partner, its and its contacts' sale_order_ids, figures in Python.
        env.cr.execute("SELECT partner_id FROM crm_erp_partner_stats WHERE sale_order_count > 0")
        active_partners = sorted({row[0] for row in env.cr.fetchall()})
        sample_size = min(len(active_partners), self.args.naive_sample)
        sample = random.Random(7).sample(active_partners, sample_size)
        def naive():
            start = time.perf_counter()
            figures = self.naive_customer_360(env, sample)
            seconds = time.perf_counter() - start
            self.rollback(env)
            return seconds, figures
        naive_runs = adaptive(naive, max(1, min(self.args.reps, 3)), lambda run: run[0])
        naive_times, figures = [run[0] for run in naive_runs], naive_runs[-1][1]
        per_partner = statistics.median(naive_times) / sample_size
        naive_full = per_partner * len(active_partners)
        # The naive figures agree with the refresh on the sample (order count and first/last date).
        env.cr.execute("""SELECT partner_id, company_id, sale_order_count, first_order_date, last_order_date, sale_revenue
                            FROM crm_erp_partner_stats WHERE partner_id = ANY(%s)""", [sample])
        mismatches = revenue_mismatches = 0
        for partner_id, company_id, count, first, last, revenue in env.cr.fetchall():
            mine = figures.get((partner_id, company_id))
            if count and (not mine or mine[0] != count or mine[1] != str(first) or mine[2] != str(last)):
                mismatches += 1
            elif count and abs(mine[3] - float(revenue)) > 0.001 * max(1.0, float(revenue)):
                # res.currency.compute reads the rates of the user's company, the refresh those
                # of the order's company: they differ where the companies' rates differ
                revenue_mismatches += 1
        full = stats(times)
        return {
            'stats_rows': rows, 'refresh': full, 'refresh_from_empty': stats(empty_times), 'warm_up_s': warm[0],
            'naive_sample_partners': sample_size, 'naive_sample': stats(naive_times),
            'naive_partners_total': len(active_partners), 'naive_extrapolated_s': naive_full,
            'ratio_naive_over_refresh': naive_full / full['median'], 'naive_sample_mismatches': mismatches,
            'naive_sample_revenue_mismatches': revenue_mismatches,
            'naive_extrapolated': sample_size < len(active_partners),
        }

    @staticmethod
    def naive_customer_360(env, partner_ids):
        """What a typical app does: loop over partners, read sale_order_ids through the ORM, sum
        in Python (count, revenue in company currency, first/last date, distinct products)."""
        env.clear()
        figures = {}
        for partner in env['res.partner'].browse(partner_ids):
            orders = (partner | partner.child_ids).mapped('sale_order_ids').filtered(lambda o: o.state in ('sale', 'done'))
            by_company = {}
            for order in orders:
                by_company.setdefault(order.company_id, []).append(order)
            for company, company_orders in by_company.items():
                revenue = sum(order.pricelist_id.currency_id.with_context(date=order.date_order[:10]).compute(
                    order.amount_untaxed, company.currency_id, round=False) for order in company_orders)
                dates = sorted(order.date_order[:10] for order in company_orders)
                products = set()
                for order in company_orders:
                    products.update(order.order_line.mapped('product_id').ids)
                figures[(partner.id, company.id)] = (len(company_orders), dates[0], dates[-1], revenue, len(products))
        return figures

    # 3. Affinity ----------------------------------------------------------------------------

    def bench_affinity(self, env):
        if AFFINITY_MODEL not in env.registry:
            return {'skipped': NOT_INSTALLED}
        affinity = env[AFFINITY_MODEL]
        recompute = lambda: affinity._recompute_affinity(company_ids=None)

        def empty():  # as at install, or after a change of the minimum count: every row is written
            env.cr.execute("DELETE FROM crm_erp_affinity_pair; DELETE FROM crm_erp_affinity_product; "
                           "DELETE FROM crm_erp_affinity_company")
        from_empty_times, _ = timed(lambda _state: recompute(), self.args.reps, setup=empty,
                                    teardown=lambda: self.rollback(env))
        companies = env['res.company'].search([])
        best_seller_times, _ = timed(lambda: env['crm.erp.recommendation']._recompute_best_sellers(companies),
                                     self.args.reps, teardown=lambda: self.rollback(env))
        times, _ = timed(recompute, self.args.reps)   # kept: the pairs below are those of the last run
        # the rows search_read returns, read from the model's view in SQL (millions of pairs at L:
        # search_read would spend minutes in name_get of the many2one columns)
        env.cr.execute('SELECT company_id, product_id, related_product_id, pair_count, support, confidence, lift FROM "%s"'
                       % affinity._table)
        pairs = env.cr.fetchall()
        assert len(affinity.search_read([], ['company_id', 'product_id', 'related_product_id', 'pair_count', 'support',
                                             'confidence', 'lift'], limit=10)) == min(10, len(pairs))
        thresholds = affinity_thresholds(env)
        result = {'recompute': stats(times), 'recompute_from_empty': stats(from_empty_times),
                  'best_sellers': stats(best_seller_times), 'pairs': len(pairs), 'thresholds': thresholds}
        # Peer: efficient-apriori pair rules on the same baskets (confirmed orders, distinct products, per company).
        peer = run_peer(self.args.db, thresholds)
        if 'error' in peer:
            result['peer_efficient_apriori'] = peer['error']
        else:
            peer_pairs = {tuple(key): tuple(value) for key, value in peer['pairs']}
            peer_s = peer['seconds']
        mine = {(p[0], p[1], p[2]): tuple(p[3:]) for p in pairs}
        if 'error' not in peer:
            common = set(mine) & set(peer_pairs)
            disagree = [key for key in common if any(abs(a - b) > 1e-6 * max(1, abs(b)) for a, b in zip(mine[key], peer_pairs[key]))]
            result.update({'peer_efficient_apriori_s': peer_s, 'peer_pairs': len(peer_pairs), 'same_pairs': len(common),
                           'only_addon': len(set(mine) - set(peer_pairs)), 'only_peer': len(set(peer_pairs) - set(mine)),
                           'metric_disagreements': len(disagree), 'ratio_peer_over_addon': peer_s / stats(times)['median']})
        # PostgreSQL floor: the bare pair count over the same lines.
        floor_sql = """SELECT a.company_id, a.product_id, b.product_id, COUNT(*) FROM
                         (SELECT DISTINCT company_id, order_id, product_id FROM sale_order_line WHERE state IN ('sale', 'done')) a
                         JOIN (SELECT DISTINCT order_id, product_id FROM sale_order_line WHERE state IN ('sale', 'done')) b
                           ON b.order_id = a.order_id AND b.product_id > a.product_id
                        GROUP BY 1, 2, 3 HAVING COUNT(*) >= %s"""
        min_count = min([th.get('min_count', 1) for th in thresholds.values()] or [1])
        floor_times, _ = timed(lambda: env.cr.execute(floor_sql, [min_count]), self.args.reps)
        result['sql_pair_count_floor'] = stats(floor_times)
        result['addon_over_floor'] = stats(times)['median'] / stats(floor_times)['median']
        self.rollback(env)
        return result

    # 6. Pipeline demand report and shortfall RFQs ----------------------------------------------

    def bench_pipeline(self, env):
        report = env['crm.erp.pipeline.demand.report']
        measures = ['weighted_qty', 'shortfall_qty']
        arch = etree.fromstring(report.fields_view_get(view_type='pivot')['arch'])
        axes = {axis: [field.get('name') + (':' + field.get('interval') if field.get('interval') else '')
                       for field in arch.iter('field') if field.get('type') == axis] for axis in ('row', 'col')}

        def pivot(rows=axes['row'], cols=axes['col']):
            # what the pivot view (the action's first view) asks on open: totals, rows, columns, cells
            for groupby in ([], rows, cols, rows + cols):
                report.read_group([], measures + [g.split(':')[0] for g in groupby], groupby, lazy=False)
            env.clear()

        def grouped_list():
            groups = report.read_group([], measures + ['demand_qty', 'free_qty', 'incoming_qty', 'product_id'], ['product_id'],
                                       offset=0, limit=80, lazy=True)
            env.clear()
            return groups

        def change_one_quotation_line():
            env.cr.execute("SELECT MIN(id) FROM sale_order_line WHERE state = 'draft'")
            line = env['sale.order.line'].browse(env.cr.fetchone()[0])
            line.product_uom_qty += 1

        def full_refresh():
            env.cr.execute("DELETE FROM crm_erp_pipeline_demand_refreshed")  # as on a new day
            report._refresh_snapshot()
        # The report reads a snapshot: its full refresh (nightly, or the day's first read), then
        # the opening with nothing changed since the last read, and after one quotation change.
        refresh_times, _ = timed(full_refresh, self.args.reps, teardown=lambda: self.rollback(env))
        report._refresh_snapshot()
        env.cr.commit()  # what the nightly refresh leaves; business data untouched
        pivot_times, _ = timed(pivot, self.args.reps)
        list_times, groups = timed(grouped_list, self.args.reps)
        changed_times, _ = timed(lambda _state: pivot(), self.args.reps, setup=change_one_quotation_line,
                                 teardown=lambda: self.rollback(env))
        product_rows_times, _ = timed(lambda: pivot(rows=['product_id']), self.args.reps)
        env.cr.execute("SELECT array_agg(product_id) FROM bench_product WHERE is_short")
        short_ids = env.cr.fetchone()[0] or []
        products = env['product.product']

        def rfqs():
            start = time.perf_counter()
            po_ids = products.create_shortfall_rfqs(short_ids)
            seconds = time.perf_counter() - start
            env.cr.execute("""SELECT COUNT(*), COUNT(DISTINCT product_id) FROM purchase_order_line
                               WHERE order_id = ANY(%s) AND product_id = ANY(%s)""", [po_ids, short_ids])
            lines, distinct = env.cr.fetchone()
            self.rollback(env)
            return seconds, len(po_ids), lines, distinct
        runs = adaptive(rfqs, max(1, min(self.args.reps, 3)), lambda run: run[0])

        def rfqs_after_more_demand():
            products.create_shortfall_rfqs(short_ids)
            # the quotations of the short products double: the second run updates the same lines
            env.cr.execute("""UPDATE sale_order_line SET product_uom_qty = product_uom_qty * 2
                               WHERE state IN ('draft', 'sent') AND product_id = ANY(%s)""", [short_ids])
            env.cache.invalidate()
            start = time.perf_counter()
            po_ids = products.create_shortfall_rfqs(short_ids)
            seconds = time.perf_counter() - start
            env.cr.execute("""SELECT COUNT(*) FROM purchase_order_line
                               WHERE order_id = ANY(%s) AND product_id = ANY(%s)""", [po_ids, short_ids])
            lines = env.cr.fetchone()[0]
            self.rollback(env)
            return seconds, lines
        again_runs = adaptive(rfqs_after_more_demand, max(1, min(self.args.reps, 3)), lambda run: run[0])
        return {'pivot_axes': axes, 'pivot_open': stats(pivot_times), 'list_grouped_first_page': stats(list_times),
                'groups': len(groups), 'snapshot_full_refresh': stats(refresh_times),
                'pivot_open_after_one_quotation_change': stats(changed_times),
                'pivot_open_rows_by_product': stats(product_rows_times),
                'rfq_short_products': len(short_ids), 'create_shortfall_rfqs': stats([r[0] for r in runs]),
                'rfqs_touched': runs[-1][1], 'rfq_lines': runs[-1][2], 'rfq_products': runs[-1][3],
                'create_shortfall_rfqs_after_more_demand': stats([r[0] for r in again_runs]),
                'rfq_lines_after_more_demand': again_runs[-1][1]}

    # 4. Write overhead with vs without the addon ---------------------------------------------

    def bench_overhead(self):
        if not self.args.base_db:
            return {'skipped': 'no database without the addon'}
        # Round by round on the two databases, so that the machine's load changing between the
        # two does not show as a ratio (the figures are a few ms).
        envs = [(label, self.env(db)) for label, db in (('with_addon', self.args.db),
                                                          ('without_addon', self.args.base_db))]
        times = {label: {'confirm_order': [], 'lead_stage_change': []} for label, _env in envs}
        try:
            for _round in range(self.floors['overhead_rounds']):
                for label, env in envs:
                    for key, values in self.write_costs(env).items():
                        times[label][key].extend(values)
        finally:
            for _label, env in envs:
                env.cr.rollback()
                env.cr.close()
        result = {label: {key: stats(values) for key, values in costs.items()} for label, costs in times.items()}
        for key in ('confirm_order', 'lead_stage_change'):
            result['ratio_' + key] = result['with_addon'][key]['median'] / result['without_addon'][key]['median']
        env = self.env(self.args.db)
        try:
            result['lead_score_write'] = lead_score_write_costs(
                env, max(self.args.reps, self.floors['write_reps']) * self.floors['overhead_rounds'])
        finally:
            env.cr.rollback()
            env.cr.close()
        return result

    def write_costs(self, env):
        rng = random.Random(11)
        env.cr.execute("SELECT partner_id FROM bench_customer WHERE company_id = (SELECT MIN(id) FROM res_company) ORDER BY idx LIMIT 200")
        customers = [row[0] for row in env.cr.fetchall()]
        env.cr.execute("SELECT product_id FROM bench_product WHERE NOT is_short ORDER BY rank LIMIT 200")
        products = env['product.product'].browse([row[0] for row in env.cr.fetchall()])
        env.cr.execute("""SELECT l.id FROM crm_lead l WHERE l.name LIKE 'Bench opportunity %%' AND l.active AND l.probability < 100
                           AND l.company_id = (SELECT MIN(id) FROM res_company) ORDER BY l.id LIMIT 200""")
        leads = [row[0] for row in env.cr.fetchall()]
        stages = env['crm.stage'].search([], order='sequence, id')

        def make_order():
            order = env['sale.order'].create({
                'partner_id': rng.choice(customers),
                'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': rng.randint(1, 5)})
                               for product in products[rng.randint(0, 150):][:3]],
            })
            order.order_line.mapped('name')  # created and computed before the clock starts
            return order
        reps = max(self.args.reps, self.floors['write_reps'])
        # one untimed warm-up of each (registry caches, first compiled queries)
        for warm in range(1):
            make_order().action_confirm()
            self.rollback(env)
        confirm, _ = timed(lambda order: order.action_confirm(), reps, setup=make_order, teardown=lambda: self.rollback(env))

        def pick_lead():
            lead = env['crm.lead'].browse(rng.choice(leads))
            return lead, (stages - lead.stage_id)[rng.randint(0, len(stages) - 2)]
        env['crm.lead'].browse(leads[0]).write({'stage_id': stages[-1].id})
        self.rollback(env)
        stage, _ = timed(lambda state: state[0].write({'stage_id': state[1].id}), reps, setup=pick_lead,
                         teardown=lambda: self.rollback(env))
        return {'confirm_order': confirm, 'lead_stage_change': stage}

    # 5. Recommendations over XML-RPC ---------------------------------------------------------

    def bench_recommendations(self):
        env = self.env(self.args.db)
        try:
            if AFFINITY_MODEL not in env.registry or not hasattr(env['res.partner'], 'get_recommendations'):
                return {'skipped': NOT_INSTALLED}
            env.cr.execute("SELECT partner_id FROM bench_customer ORDER BY idx")
            customers = [row[0] for row in env.cr.fetchall()]
        finally:
            env.cr.rollback()
            env.cr.close()
        import xmlrpc.client
        calls = max(self.floors['rpc_calls'], self.args.rpc_calls or 0)
        rng = random.Random(5)  # one generator: a new one per call drew the same customer every time
        sample = [rng.choice(customers) for _ in range(calls)]
        server = OdooServer(self.args.db)
        try:
            url = server.url
            uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(self.args.db, 'admin', 'admin', {})
            models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
            call = lambda partner: models.execute_kw(self.args.db, uid, 'admin', 'res.partner', 'get_recommendations',
                                                     [[partner]], {'limit': 10})
            for partner in sample[:10]:
                call(partner)  # warm-up, not counted
            server.mark()
            client, answers = [], 0
            for partner in sample:
                start = time.perf_counter()
                answer = call(partner)
                client.append(time.perf_counter() - start)
                answers += bool(answer)
            server_times = server.rpc_times('execute_kw')
            # issue 17: 50 customers in one call (a salesperson's call list, an integration)
            batches = [rng.sample(customers, BATCH_CUSTOMERS) for _ in range(self.floors['batch_calls'])]
            server.mark()
            batch_client = []
            for batch in batches:
                start = time.perf_counter()
                models.execute_kw(self.args.db, uid, 'admin', 'res.partner', 'get_recommendations', [batch],
                                  {'limit': 10})
                batch_client.append(time.perf_counter() - start)
            batch_server = server.rpc_times('execute_kw')
        finally:
            server.stop()
        pct = lambda values, p: sorted(values)[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]
        result = {'calls': calls, 'non_empty_answers': answers,
                  'batch_customers': BATCH_CUSTOMERS, 'batch_calls': len(batches),
                  'batch_client_p50_ms': 1000 * pct(batch_client, 50), 'batch_client_p95_ms': 1000 * pct(batch_client, 95),
                  'client_p50_ms': 1000 * pct(client, 50), 'client_p95_ms': 1000 * pct(client, 95),
                  'note': 'server = time inside dispatch_rpc (odoo.http.rpc.request debug log); client = loopback round trip'}
        if server_times:
            result.update({'server_calls': len(server_times), 'server_p50_ms': 1000 * pct(server_times, 50),
                           'server_p95_ms': 1000 * pct(server_times, 95)})
        if batch_server:
            result.update({'batch_server_p50_ms': 1000 * pct(batch_server, 50),
                           'batch_server_p95_ms': 1000 * pct(batch_server, 95)})
        return result

    # 7. Peak RSS during each full recompute ---------------------------------------------------

    def bench_rss(self):
        """Each full recompute in a fresh process, up to 3 times (--reps): the largest growth
        and the median time."""
        result = {}
        for what in ('c360', 'affinity'):
            runs = []
            for _rep in range(max(1, min(self.args.reps, 3))):
                output = subprocess.run([sys.executable, os.path.abspath(__file__), 'rss', what, '--db', self.args.db],
                                        capture_output=True, text=True)
                lines = [line for line in output.stdout.splitlines() if line.startswith('{')]
                runs.append(json.loads(lines[-1]) if lines else {'error': output.stderr[-2000:]})
            done = [run for run in runs if 'growth_mb' in run]
            if done:
                result[what] = dict(max(done, key=lambda run: run['growth_mb']), recompute=stats([run['seconds'] for run in done]),
                                    growth_runs_mb=[run['growth_mb'] for run in done])
            else:
                result[what] = runs[-1]
        return result

    # Output ---------------------------------------------------------------------------------

    def write(self):
        if self.args.json:
            write_json(self.args.json, self.results)
        if self.args.results:
            with open(self.args.results, 'a') as handle:
                handle.write(markdown(self.results, self.args.command))
        self.log('results written')


def affinity_thresholds(env):
    """The affinity thresholds of each company, read from its res.company fields (names with
    'affinity' and support / confidence / count / lift), as {company_id: {min_support: ...}}."""
    fields = [name for name in env['res.company']._fields if 'affinity' in name]
    result = {}
    for company in env['res.company'].search([]):
        th = {}
        for name in fields:
            value = company[name]
            for key in ('support', 'confidence', 'count', 'lift'):
                if key in name and isinstance(value, (int, float)) and not isinstance(value, bool):
                    th['min_' + key] = value
        result[company.id] = th
    return result


PEER_MEMORY_GB = float(os.environ.get('BENCH_PEER_MEMORY_GB', 6))
PEER_TIMEOUT_S = float(os.environ.get('BENCH_PEER_TIMEOUT', 600))


def run_peer(db, thresholds):
    """efficient-apriori pair rules in a child process (address space capped at
    BENCH_PEER_MEMORY_GB, BENCH_PEER_TIMEOUT seconds): {'seconds', 'pairs'} or {'error'}."""
    import tempfile
    out = tempfile.NamedTemporaryFile(prefix='bench-peer-', suffix='.json', delete=False).name
    command = [sys.executable, os.path.abspath(__file__), 'peer', '--db', db, '--json', out,
               '--command', json.dumps({str(k): v for k, v in thresholds.items()})]
    limit = int(PEER_MEMORY_GB * 2 ** 30)

    def cap():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start = time.perf_counter()
    try:
        run = subprocess.run(command, preexec_fn=cap, capture_output=True, text=True, timeout=PEER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {'error': 'did not finish within %.0f s' % PEER_TIMEOUT_S}
    finally:
        elapsed = time.perf_counter() - start
    if run.returncode != 0:
        os.unlink(out)
        reason = 'MemoryError' if 'MemoryError' in run.stderr else run.stderr.strip().splitlines()[-1:] or ['exit %d' % run.returncode]
        return {'error': 'failed after %.0f s with a %.0f GB address-space cap (%s)' % (
            elapsed, PEER_MEMORY_GB, reason if isinstance(reason, str) else reason[0][:120])}
    with open(out) as handle:
        result = json.load(handle)
    os.unlink(out)
    return result


def peer_child(db, thresholds, out):
    """The addon's baskets (README, "Recommendations": confirmed orders, positive quantities, no
    down payments, no services when the company leaves them out; per company), efficient-apriori
    pairs with the company's minimum count and lift, sellable products only."""
    import psycopg2
    from efficient_apriori import apriori
    cnx = psycopg2.connect(dbname=db, host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)), user='odoo')
    cr = cnx.cursor()
    cr.execute("""
        SELECT so.company_id, so.id, array_agg(DISTINCT l.product_id)
          FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
          JOIN res_company cmp ON cmp.id = so.company_id
          JOIN product_product pp ON pp.id = l.product_id JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE so.state IN ('sale', 'done') AND l.product_uom_qty > 0 AND NOT COALESCE(l.is_downpayment, FALSE)
           AND (pt.type <> 'service' OR NOT cmp.affinity_exclude_services)
      GROUP BY 1, 2""")
    baskets = {}
    for company_id, _order_id, products in cr.fetchall():
        baskets.setdefault(company_id, []).append(tuple(products))
    cr.execute("""SELECT pp.id FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                   WHERE pp.active AND pt.active AND pt.sale_ok""")
    sellable = {row[0] for row in cr.fetchall()}
    pairs, seconds = [], 0.0
    for company_id, transactions in baskets.items():
        th = thresholds.get(str(company_id)) or {}
        min_count, min_lift = th.get('min_count', 1), th.get('min_lift', 0.0)
        start = time.perf_counter()
        _itemsets, rules = apriori(transactions, min_support=(min_count - 0.5) / len(transactions),
                                   min_confidence=0.0, max_length=2)
        rules = [rule for rule in rules if rule.lift >= min_lift]
        seconds += time.perf_counter() - start
        pairs += [[[company_id, rule.lhs[0], rule.rhs[0]], [rule.count_full, rule.support, rule.confidence, rule.lift]]
                  for rule in rules if rule.lhs[0] in sellable and rule.rhs[0] in sellable]
    with open(out, 'w') as handle:
        json.dump({'seconds': seconds, 'pairs': pairs}, handle)


class OdooServer:
    """scripts/odoo serving one database on a free loopback port, threaded (workers 0) or
    prefork, with the given log handlers (default: the rpc request debug log, one line per
    call with the time spent inside the server). call_timing: also loads the server-wide
    bench_call_timing (bench/server_wide), which logs every object call's model, method and
    time inside its worker (call_times)."""

    def __init__(self, db, workers=0, cron_threads=0, log_handlers=('odoo.http.rpc.request:DEBUG',), extra=(),
                 call_timing=False):
        import socket
        import tempfile
        import urllib.request
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            self.port = sock.getsockname()[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log = tempfile.NamedTemporaryFile(prefix='bench-server-', suffix='.log', delete=False)
        if call_timing:
            log_handlers = tuple(log_handlers) + ('odoo.addons.bench_call_timing:INFO',)
            extra = ['--addons-path=%s,%s' % (configured_addons_path(), os.path.join(ROOT, 'bench', 'server_wide')),
                     '--load=base,web,bench_call_timing'] + list(extra)
        self.process = subprocess.Popen(
            [os.path.join(ROOT, 'scripts', 'odoo'), '-d', db, '--db-filter=^%s$' % db, '--http-port=%d' % self.port,
             '--workers=%d' % workers, '--max-cron-threads=%d' % cron_threads, '--log-level=warn']
            + ['--log-handler=%s' % handler for handler in log_handlers] + addons_path_args() + list(extra),
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 300
        while True:
            try:
                urllib.request.urlopen(self.url + '/web/login', timeout=300)
                break
            except Exception:
                if self.process.poll() is not None or time.time() > deadline:
                    self.stop(keep_log=True)
                    raise RuntimeError('Odoo server did not start, log: %s' % self.log.name)
                time.sleep(0.5)
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.log.name)

    def log_since_mark(self):
        with open(self.log.name, errors='replace') as handle:
            handle.seek(self.offset)
            return handle.read()

    def rpc_times(self, method):
        return [float(t) for t in re.findall(r'object\.%s time:([0-9.]+)s' % method, self.log_since_mark())]

    def call_times(self):
        """[(model, method, wall seconds, CPU seconds, ok)] of the object calls logged since
        the mark (a server started with call_timing)."""
        return [(model, method, float(wall), float(cpu), status == 'ok')
                for model, method, wall, cpu, status in CALL_TIMING_RE.findall(self.log_since_mark())]

    def stop(self, keep_log=False):
        """Stops the server and every worker it forked: a prefork master killed after its
        graceful stop timed out leaves its cron worker running the job it is in (a duplicate
        scan at L went on for 28 minutes after a load test, holding its cron row's lock)."""
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the workers left, if any
        except ProcessLookupError:
            pass
        if not keep_log:
            os.unlink(self.log.name)


def machine():
    try:
        with open('/proc/cpuinfo') as handle:
            cpu = next((line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')), '?')
    except OSError:
        cpu = platform.processor()
    import psutil
    return '%s, %d cores, %.0f GB RAM, %s, Python %s' % (cpu, os.cpu_count(), psutil.virtual_memory().total / 2 ** 30,
                                                        platform.platform(terse=True), platform.python_version())


def rss_child(what, db):
    """One full recompute in a fresh process: RSS before and peak during (sampled every 5 ms);
    rolled back, except the Customer 360 refresh's committed chunks. what: c360, affinity, or
    nightly-c360 / nightly-affinity (the cron's job, with its CPU budget)."""
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    registry = odoo.registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        companies = env['res.company'].search([]).ids
        budget = None
        if what in ('nightly-affinity', 'nightly-c360'):
            # the cron's job within the database's CPU budget (chunked_job), the affinity with
            # the peer best sellers: what a nightly run costs in wall time, and its work
            from odoo.addons.crm_erp_bridge.chunked_job import nightly_budget
            budget = nightly_budget(env)
            if what == 'nightly-affinity':
                run = lambda: env[AFFINITY_MODEL]._recompute_all(env['res.company'].browse(companies), budget)
            else:
                run = lambda: env['crm.erp.partner.stats']._refresh_all(companies, budget=budget)
        elif what == 'affinity':
            if AFFINITY_MODEL not in env.registry:
                print(json.dumps({'skipped': NOT_INSTALLED}))
                return
            run = lambda: env[AFFINITY_MODEL]._recompute_affinity(company_ids=None)
        elif hasattr(env['crm.erp.partner.stats'], '_refresh_all'):
            # the nightly refresh in short transactions: its chunks commit (this process has no
            # `testing` flag); on unchanged data it writes nothing, so nothing is lost
            run = lambda: env['crm.erp.partner.stats']._refresh_all(companies)
        else:
            run = lambda: env['crm.erp.partner.stats']._refresh(companies, recompute_boundaries=True, notify=False)
        env['res.partner'].search([], limit=1)
        with RssSampler() as sampler:
            start = time.perf_counter()
            run()
            seconds = time.perf_counter() - start
        cr.rollback()
    # (ru_maxrss is not used: Linux keeps the parent's high-water mark across fork and exec)
    print(json.dumps(dict({'rss_before_mb': sampler.before / 2 ** 20, 'rss_peak_mb': sampler.peak / 2 ** 20,
                           'growth_mb': (sampler.peak - sampler.before) / 2 ** 20, 'seconds': seconds},
                          **({'cpu_share': budget.share, 'worked_s': budget.worked, 'paused_s': budget.paused}
                             if budget else {}))))


def fmt(s):
    if s is None:
        return '–'
    if s >= 100:
        return '%.0f s' % s
    if s >= 1:
        return '%.2f s' % s
    return '%.1f ms' % (s * 1000)


def span(st):
    return '%s (%s – %s, n=%d)' % (fmt(st['median']), fmt(st['min']), fmt(st['max']), st['runs'])


def markdown(r, command):
    b = r['benchmarks']
    d = b.get('data', {})
    out = ['', '## %s — size %s (`%s`)' % (r['date'], r['size'], command or 'bench/bench.py'), '',
           'Machine: %s — shared with other jobs (2 cores, loaded): absolute figures are noisy, ratios are '
           'measured in the same run. Median (min – max, n runs).' % r['machine'], '',
           'Data: %s customer companies, %s contacts, %s products, %s confirmed orders / %s lines over %s days, '
           '%s quotations, %s opportunities (%s product lines), %s purchase orders, %s planted bundles, %s planted short products.' % (
               d.get('customer_companies'), d.get('contacts'), d.get('products'), d.get('confirmed_orders'),
               d.get('confirmed_lines'), d.get('history_days'), d.get('quotations'), d.get('opportunities'),
               d.get('opportunity_lines'), d.get('purchase_orders'), d.get('bundles'), d.get('planted_short')), '',
           '| # | benchmark | figure | compared with | ratio | target |', '|---|---|---|---|---|---|']
    if '1_install' in b:
        out.append('| 1 | addon install (incl. post-init Customer 360) | %s | | | ≤ 2 min |' % fmt(b['1_install']['seconds']))
    c = b.get('2_customer_360')
    if c:
        out.append('| 2 | full Customer 360 refresh (%d rows, rows exist) | %s | naive ORM loop: %s for %d partners%s | %.0f× | ≤ 10 s |' % (
            c['stats_rows'], span(c['refresh']), fmt(c['naive_extrapolated_s']), c['naive_partners_total'],
            ' (extrapolated from %d sampled, %s)' % (c['naive_sample_partners'], span(c['naive_sample'])) if c['naive_extrapolated'] else '',
            c['ratio_naive_over_refresh']))
        out.append('| 2 | full Customer 360 refresh from empty (as at install) | %s | | | |' % span(c['refresh_from_empty']))
    a = b.get('3_affinity', {})
    if 'skipped' in a:
        out.append('| 3 | full affinity recompute vs efficient-apriori | %s | | | ≤ 5 s, ≥ 30× |' % a['skipped'])
    elif a and 'peer_efficient_apriori' in a:
        out.append('| 3 | full affinity recompute (%d pairs) | %s | efficient-apriori on the same baskets: %s | | ≤ 5 s, ≥ 30× |' % (
            a['pairs'], span(a['recompute']), a['peer_efficient_apriori']))
        out.append('| 3 | bare SQL pair count (floor) | %s | addon / floor | %.1f× | |' % (span(a['sql_pair_count_floor']), a['addon_over_floor']))
    elif a:
        out.append('| 3 | full affinity recompute (%d pairs) | %s | efficient-apriori %s (same pairs %d, only addon %d, only peer %d, metric disagreements %d) | %.1f× | ≤ 5 s, ≥ 30× |' % (
            a['pairs'], span(a['recompute']), fmt(a['peer_efficient_apriori_s']), a['same_pairs'], a['only_addon'],
            a['only_peer'], a['metric_disagreements'], a['ratio_peer_over_addon']))
        out.append('| 3 | bare SQL pair count (floor) | %s | addon / floor | %.1f× | |' % (span(a['sql_pair_count_floor']), a['addon_over_floor']))
    if a and 'recompute_from_empty' in a:
        out.append('| 3 | full affinity recompute from empty (install, minimum count changed) | %s | | | |'
                   % span(a['recompute_from_empty']))
        out.append('| 3 | peer best sellers recompute (nightly, not part of the above) | %s | | | |'
                   % span(a['best_sellers']))
    w = b.get('4_write_overhead', {})
    if 'with_addon' in w:
        for key, label in (('confirm_order', 'confirm one order (action_confirm)'), ('lead_stage_change', 'one lead stage change')):
            out.append('| 4 | %s | %s | without addon: %s | %.2f× | ≤ 1.2× |' % (
                label, span(w['with_addon'][key]), span(w['without_addon'][key]), w['ratio_' + key]))
    ls = w.get('lead_score_write', {})
    if 'with_scoring' in ls:
        out.append('| 4 | one lead stage change, rescored on write (lead score model: %s) | %s | same write, no fitted model: %s | %.2f× (median of the pairs\' ratios %.2f×) | ≤ 1.2× |' % (
            ls['model_kind'], span(ls['with_scoring']), span(ls['without_scoring']), ls['ratio'], ls['paired_ratio']))
    rec = b.get('5_recommendations_xmlrpc', {})
    if 'skipped' in rec:
        out.append('| 5 | recommendations over XML-RPC | %s | | | p95 ≤ 50 ms server side |' % rec['skipped'])
    elif rec:
        out.append('| 5 | recommendations over XML-RPC, %d calls | server p50 %.1f ms / p95 %.1f ms | client (loopback) p50 %.1f / p95 %.1f ms | | p95 ≤ 50 ms server side |' % (
            rec['calls'], rec.get('server_p50_ms', float('nan')), rec.get('server_p95_ms', float('nan')),
            rec['client_p50_ms'], rec['client_p95_ms']))
        if 'batch_client_p95_ms' in rec:
            out.append('| 5 | recommendations for %d customers in one call, %d calls | server p50 %.0f ms / p95 %.0f ms | client (loopback) p50 %.0f / p95 %.0f ms | | ≤ 1 s |' % (
                rec['batch_customers'], rec['batch_calls'], rec.get('batch_server_p50_ms', float('nan')),
                rec.get('batch_server_p95_ms', float('nan')), rec['batch_client_p50_ms'], rec['batch_client_p95_ms']))
    p = b.get('6_pipeline_demand')
    if p:
        out.append('| 6 | pipeline demand report: pivot open (4 read_group) | %s | | | |' % span(p['pivot_open']))
        out.append('| 6 | pipeline demand report: list grouped by product, first page | %s | | | |' % span(p['list_grouped_first_page']))
        out.append('| 6 | create_shortfall_rfqs for %d short products (%d RFQs, %d lines) | %s | | | ≤ 15 s |' % (
            p['rfq_short_products'], p['rfqs_touched'], p['rfq_lines'], span(p['create_shortfall_rfqs'])))
        if 'create_shortfall_rfqs_after_more_demand' in p:
            out.append('| 6 | the same products again after their quotations doubled (%d lines on the RFQs then) | %s | | | |' % (
                p['rfq_lines_after_more_demand'], span(p['create_shortfall_rfqs_after_more_demand'])))
    for what, label in (('c360', 'Customer 360 refresh'), ('affinity', 'affinity recompute')):
        m = b.get('7_peak_rss', {}).get(what, {})
        if 'growth_mb' in m:
            out.append('| 7 | peak RSS during full %s | +%.1f MB over %.0f MB (peak %.0f MB; largest of %d runs) | %s, in a fresh process | | ≤ +50 MB, flat with size |' % (
                label, m['growth_mb'], m['rss_before_mb'], m['rss_peak_mb'], len(m.get('growth_runs_mb', [1])),
                span(m['recompute']) if 'recompute' in m else fmt(m['seconds'])))
        elif m:
            out.append('| 7 | peak RSS during full %s | %s | | | |' % (label, m.get('skipped') or 'error'))
    out.append('')
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', nargs='*', help='"rss c360|affinity" (child process of benchmark 7); '
                                                '"lead-score-write" (only that part of benchmark 4)')
    parser.add_argument('--db', required=True)
    parser.add_argument('--base-db')
    parser.add_argument('--size', default='?')
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--naive-sample', type=int, default=int(os.environ.get('BENCH_NAIVE_SAMPLE', 1000)))
    parser.add_argument('--rpc-calls', type=int, help='benchmark 5: calls for one customer (default 200; 20 at XS)')
    parser.add_argument('--install-seconds', type=float)
    parser.add_argument('--json')
    parser.add_argument('--results')
    parser.add_argument('--command')
    parser.add_argument('--only', help='comma-separated benchmark numbers to run (default: all)')
    args = parser.parse_args()
    if args.mode[:1] == ['peer']:
        return peer_child(args.db, json.loads(args.command), args.json)
    load_odoo()
    from odoo import api
    with api.Environment.manage():
        if args.mode[:1] == ['rss']:
            return rss_child(args.mode[1], args.db)
        if args.mode[:1] == ['lead-score-write']:
            # only the lead score's write overhead, on any database with the addon (the demo's)
            env = Bench(args).env(args.db)
            try:
                print(json.dumps(lead_score_write_costs(env, args.reps), indent=1))
            finally:
                env.cr.rollback()
                env.cr.close()
            return 0
        Bench(args).run()


if __name__ == '__main__':
    sys.exit(main())
