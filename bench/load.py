"""Load test: many users at once over XML-RPC, with and without the addon, in one run.

    python bench/load.py --db ld_l --base-db ld_l_base --clients 1,4,8,16 --seconds 60 \
        [--workers 4] [--also-without-nightly] [--json bench/out/ld_l-load.json] \
        [--results bench/RESULTS.md --command "..."]

For each database (the generated one with the addon, and its copy without it) a server is
started from the project's launcher (scripts/odoo: --workers N prefork, or 0 = threaded;
--max-cron-threads=1; loopback only). For each client count, each database in turn gets
`--seconds` of load: that many client threads, each with its own XML-RPC connection, loop over
a realistic mix of what salespeople and buyers do (weights in MIX):

- create a quotation (3 lines) and confirm it; cancel one of the client's confirmed orders;
- move an opportunity to another stage;
- ask recommendations for a customer; check availability of the client's last order;
- create RFQs for the shortfall of 3 of the planted short products (clients overlap on purposes);

while, on the addon's database, the full affinity recompute and the full Customer 360
refresh run again and again, each in a process of its own (the nightly crons in cron workers,
here at the busiest hour; not in the server's HTTP workers), as the cron runs them: within the
CPU budget of the database's setting (chunked_job.CpuBudget; a run still going 5 s after the
phase's end is stopped and reported as such). Without the addon, the calls
that do not exist are replaced by what a user does without it (SUBSTITUTES): the customer's
last order lines instead of recommendations, the products' on-hand and forecast quantities
instead of the availability check, a hand-made RFQ for the vendor of the products.

Reported per phase: calls per second (client calls done within the phase's window, nightly
jobs excluded; calls still running at its end count in the latencies), per
call kind n / p50 / p95 / p99 / client-visible failures, Odoo's retries of serialization
failures (its log: "SERIALIZATION_FAILURE, retry"), PostgreSQL's deadlocks and conflicts
(pg_stat_database of the database) and serialization / deadlock errors in the cluster's log
(lines of the database's backends, by pid), peak RSS of the server's processes; and the
ratios addon / no addon of the same client count. Every call has a timeout; clients stop
starting calls at the phase's end. --also-without-nightly adds, for each client count, a phase
on the addon's database without the nightly jobs (what the jobs alone cost on a small machine).
The machine's load average (1 minute) is sampled during each phase: other processes' work
shows there.

The client-side latencies include the wait for a free worker (16 clients, 4 workers: most of
it). Each call's own time is also reported, per kind, from inside the server: its servers load
the bench-only server-wide module bench/server_wide/bench_call_timing (--load; never installed
in a database), which logs the model, method, wall and CPU time of every object call in the
worker that ran it. The wall time is that of odoo.service.model.execute_kw: the cursor, the
method (with Odoo's retries of serialization failures), the commit; it excludes the queueing
for a worker, the XML-RPC parsing and marshalling and the password check, and it includes the
waits for the CPU (4 workers, the nightly jobs and PostgreSQL share the machine's cores), for
PostgreSQL and for locks. The CPU time is the worker's own over the same span.
"""
import argparse
import collections
import datetime
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import xmlrpc.client

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, OdooServer, machine, write_json  # noqa: E402

PG_LOG = os.path.join(ROOT, '.local', 'pg', 'server.log')
MAX_CLIENTS = 32
CALL_TIMEOUT = 300.0
NIGHTLY_GRACE = 5.0

# operation -> weight in the mix
MIX = {'quote_confirm': 4, 'cancel': 1, 'lead_stage': 2, 'recommend': 3, 'availability': 2, 'rfq': 1}
SUBSTITUTES = {
    'recommend': "sale.order.line search_read of the customer's last 10 lines",
    'availability': "product.product read of qty_available / virtual_available of the order's products",
    'rfq': 'purchase.order create for the vendor of the 3 products, with their lines',
}
KINDS = ('create', 'confirm', 'cancel', 'lead_stage', 'recommend', 'availability', 'rfq')
RETRY_RE = re.compile(r'odoo\.service\.model: (\w+), retry \d+/\d+')


def connect(db):
    return psycopg2.connect(dbname=db, host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)), user='odoo')


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))] if ordered else None


class Data:
    """What the clients work on, read once from the generated data (bench_* staging tables):
    customers, popular products and opportunities of the first company (the admin's), the
    stages, the planted short products with their main vendor."""

    def __init__(self, db, seed=3):
        with connect(db) as cnx, cnx.cursor() as cr:
            cr.execute("SELECT MIN(id) FROM res_company")
            company = cr.fetchone()[0]
            cr.execute("SELECT partner_id FROM bench_customer WHERE company_id = %s ORDER BY idx LIMIT 2000", [company])
            self.customers = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT product_id FROM bench_product WHERE NOT is_short ORDER BY rank LIMIT 300")
            self.products = [row[0] for row in cr.fetchall()]
            cr.execute("""SELECT id FROM crm_lead WHERE name LIKE 'Bench opportunity %%' AND active
                           AND probability < 100 AND company_id = %s ORDER BY id LIMIT 2000""", [company])
            self.leads = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT id FROM crm_stage WHERE probability < 100 ORDER BY sequence, id")
            self.stages = [row[0] for row in cr.fetchall()]
            cr.execute("""SELECT DISTINCT ON (p.product_id) p.product_id, si.name
                            FROM bench_product p JOIN product_supplierinfo si ON si.product_tmpl_id = p.tmpl_id
                           WHERE p.is_short ORDER BY p.product_id, si.sequence, si.id LIMIT 400""")
            self.short = cr.fetchall()
        assert self.customers and self.products and self.leads and len(self.stages) > 1 and self.short, \
            'the database holds no generated data (bench/generate.py)'
        self.seed = seed


class Client(threading.Thread):
    """One user: its own XML-RPC connection, its own random sequence, its own orders."""

    def __init__(self, number, phase):
        super().__init__(daemon=True, name='load-client-%d' % number)
        self.phase, self.rng = phase, random.Random(phase.data.seed * 1000 + number)
        self.orders = []           # (id, product ids) of this client's confirmed orders, latest last

    def run(self):
        phase = self.phase
        self.models = xmlrpc.client.ServerProxy(phase.url + '/xmlrpc/2/object', allow_none=True,
                                                transport=TimeoutTransport(CALL_TIMEOUT))
        operations = list(MIX)
        weights = [MIX[name] for name in operations]
        started = False  # a user starts with a quotation: every phase has confirmations
        while time.time() < phase.deadline and not phase.stop.is_set():
            operation = self.rng.choices(operations, weights)[0]
            if not started or (operation in ('cancel', 'availability') and not self.orders):
                operation = 'quote_confirm'
            started = True
            getattr(self, operation)()

    def call(self, kind, model, method, args, kwargs=None):
        self.phase.kind_of[(model, method)] = kind
        start = time.perf_counter()
        try:
            result = self.models.execute_kw(self.phase.db, self.phase.uid, 'admin', model, method, args, kwargs or {})
        except Exception as error:  # every client-visible failure is counted, none stops the client
            self.phase.record(kind, time.perf_counter() - start, error)
            return None
        self.phase.record(kind, time.perf_counter() - start)
        return result

    def quote_confirm(self):
        data = self.phase.data
        lines = [(0, 0, {'product_id': product, 'product_uom_qty': self.rng.randint(1, 5)})
                 for product in self.rng.sample(data.products, 3)]
        order = self.call('create', 'sale.order', 'create', [{'partner_id': self.rng.choice(data.customers),
                                                              'order_line': lines}])
        if order and self.call('confirm', 'sale.order', 'action_confirm', [[order]]) is not None:
            self.orders.append((order, [line[2]['product_id'] for line in lines]))

    def cancel(self):
        order, _products = self.orders.pop(self.rng.randrange(len(self.orders)))
        self.call('cancel', 'sale.order', 'action_cancel', [[order]])

    def lead_stage(self):
        data = self.phase.data
        self.call('lead_stage', 'crm.lead', 'write', [[self.rng.choice(data.leads)], {'stage_id': self.rng.choice(data.stages)}])

    def recommend(self):
        partner = self.rng.choice(self.phase.data.customers)
        if self.phase.addon:
            self.call('recommend', 'res.partner', 'get_recommendations', [[partner]], {'limit': 10})
        else:
            self.call('recommend', 'sale.order.line', 'search_read', [[('order_partner_id', '=', partner)]],
                      {'fields': ['product_id', 'product_uom_qty'], 'limit': 10, 'order': 'id desc'})

    def availability(self):
        order, products = self.orders[-1]
        if self.phase.addon:
            self.call('availability', 'sale.order', 'check_availability', [[order]])
        else:
            self.call('availability', 'product.product', 'read', [products, ['qty_available', 'virtual_available']])

    def rfq(self):
        picked = self.rng.sample(self.phase.data.short, 3)
        if self.phase.addon:
            self.call('rfq', 'product.product', 'create_shortfall_rfqs', [[product for product, _vendor in picked]])
        else:
            vendor = picked[0][1]
            self.call('rfq', 'purchase.order', 'create', [{
                'partner_id': vendor,
                'order_line': [(0, 0, {'product_id': product, 'product_qty': 10, 'name': 'load test',
                                       'product_uom': 1, 'price_unit': 1.0,
                                       'date_planned': datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S')})
                               for product, _vendor in picked],
            }])


class TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class Nightly(threading.Thread):
    """One nightly job of the addon, run again and again until the phase ends, as the cron
    worker runs it (here during the day): in a process of its own, outside the server's HTTP
    workers (a prefork server runs its crons in separate cron worker processes), each run in a
    transaction of its own: the full affinity recompute (with the peer best sellers) or the
    full Customer 360 refresh. (Until 2026-12-07 the harness called them over XML-RPC: each
    job then held one of the server's HTTP workers for the whole phase.)"""
    JOBS = {'nightly_affinity': ('crm.erp.product.affinity', '_cron_recompute_affinity'),
            'nightly_c360': ('res.partner', '_cron_refresh_customer_360')}

    def __init__(self, phase, kind):
        super().__init__(daemon=True, name='load-%s' % kind)
        self.phase, self.kind = phase, kind
        self.child = None

    def prepare(self):
        """Starts the cron worker's process and waits until it has loaded the registry: a
        prefork server's cron worker has it loaded long before the busy hour, so the phase's
        window must not pay for it (at L, tens of CPU seconds in a 60 s window)."""
        self.child = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--db', self.phase.db,
                                       '--nightly-child', self.kind],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for line in self.child.stdout:
            if line.strip() == 'ready':
                return
        raise RuntimeError('the %s cron worker ended before loading the registry' % self.kind)

    def run(self):
        phase, child = self.phase, self.child
        child.stdin.write('%r\n' % phase.deadline)  # go: run until the phase's end
        child.stdin.flush()
        # a job still running NIGHTLY_GRACE s after the phase's end is stopped (its transaction
        # rolls back; the Customer 360 chunks committed stay): under its CPU budget a job
        # takes several times its bare duration (bench/bench.py rss nightly-...)
        stopper = threading.Timer(max(0.0, phase.deadline + NIGHTLY_GRACE - time.time()), child.terminate)
        stopper.start()
        for line in child.stdout:
            if line.startswith('{'):
                run = json.loads(line)
                phase.record(self.kind, run['seconds'], NightlyFailure(run['error']) if run['error'] else None)
        stopper.cancel()
        if child.wait() < 0:
            phase.stopped[self.kind] += 1


class NightlyFailure(Exception):
    pass


def nightly_child(kind, db):
    """The cron worker of Nightly: loads the registry, says "ready", reads the time `until`
    from its standard input, then runs the job at least once and again until that time; one
    JSON line per run (seconds, error)."""
    from bench import load_odoo
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    model, method = Nightly.JOBS[kind]
    registry = odoo.registry(db)
    print('ready', flush=True)
    until = float(sys.stdin.readline())
    while True:
        start, error = time.perf_counter(), None
        try:
            with api.Environment.manage(), registry.cursor() as cr:  # committed, as ir.cron does
                getattr(api.Environment(cr, SUPERUSER_ID, {})[model], method)()
        except Exception as failure:  # reported by the parent, the job goes on as the cron would
            lines = [line for line in str(failure).strip().splitlines() if line.strip()]
            error = '%s: %s' % (type(failure).__name__, lines[-1] if lines else '')
        print(json.dumps({'seconds': time.perf_counter() - start, 'error': error}), flush=True)
        if time.time() >= until:
            return


class Phase:
    """One database, one client count, one time window."""

    def __init__(self, server, db, addon, data, clients, seconds, nightly):
        self.url, self.db, self.addon, self.data = server.url, db, addon, data
        self.clients, self.seconds, self.nightly = clients, seconds, nightly
        self.uid = xmlrpc.client.ServerProxy(self.url + '/xmlrpc/2/common').authenticate(db, 'admin', 'admin', {})
        self.lock = threading.Lock()
        self.times = collections.defaultdict(list)
        self.failures = collections.defaultdict(collections.Counter)
        self.in_window = collections.Counter()  # calls of each kind done before the phase's end
        self.stopped = collections.Counter()  # nightly job runs stopped at the phase's end
        self.stop = threading.Event()
        self.kind_of = {}  # (model, method) -> call kind, for the server's call times

    def record(self, kind, seconds, error=None):
        with self.lock:
            if error is None:
                self.times[kind].append(seconds)
                self.in_window[kind] += time.time() <= self.deadline
            else:
                message = getattr(error, 'faultString', None) or '%s: %s' % (type(error).__name__, error)
                lines = [line for line in str(message).strip().splitlines() if line.strip()]
                self.failures[kind][(lines[-1] if lines else repr(error))[:200]] += 1

    def run(self, server):
        threads = [Client(number, self) for number in range(self.clients)]
        if self.nightly and self.addon:
            threads += [Nightly(self, kind) for kind in Nightly.JOBS]
        server.mark()
        stats_before = pg_stats(self.db)
        pids, stop_watch = set(), threading.Event()
        watcher = threading.Thread(target=watch_backends, args=(self.db, pids, stop_watch), daemon=True)
        watcher.start()
        log_offset = os.path.getsize(PG_LOG) if os.path.exists(PG_LOG) else None
        rss = RssWatch(server.process.pid)
        for thread in threads:
            if isinstance(thread, Nightly):
                thread.prepare()
        started = time.time()
        self.deadline = started + self.seconds
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, self.deadline + CALL_TIMEOUT * 2 - time.time()))
        self.stop.set()
        elapsed = time.time() - started
        stop_watch.set()
        watcher.join()
        rss.stop()
        hung = [thread.name for thread in threads if thread.is_alive()]
        return self.summary(elapsed, server, stats_before, pids, log_offset, rss, hung)

    def server_kinds(self, server):
        """Per call kind, each successful call's own time inside its worker (bench_call_timing's
        log lines since the phase's mark; see the module's docstring): n, wall and CPU p50/p95."""
        calls = collections.defaultdict(list)
        for model, method, wall, cpu, ok in server.call_times():
            if ok and (model, method) in self.kind_of:
                calls[self.kind_of[(model, method)]].append((wall, cpu))
        out = {}
        for kind, times in calls.items():
            walls, cpus = [wall for wall, _cpu in times], [cpu for _wall, cpu in times]
            out[kind] = {'n': len(times), 'p50_ms': ms(percentile(walls, 50)), 'p95_ms': ms(percentile(walls, 95)),
                         'cpu_p50_ms': ms(percentile(cpus, 50)), 'cpu_p95_ms': ms(percentile(cpus, 95))}
        return out

    def summary(self, elapsed, server, stats_before, pids, log_offset, rss, hung):
        kinds = {}
        for kind in list(KINDS) + ['nightly_affinity', 'nightly_c360']:
            times, failed = self.times.get(kind, []), sum(self.failures.get(kind, {}).values())
            if not times and not failed:
                continue
            kinds[kind] = {'n': len(times), 'failures': failed,
                           'p50_ms': ms(percentile(times, 50)), 'p95_ms': ms(percentile(times, 95)),
                           'p99_ms': ms(percentile(times, 99)), 'max_ms': ms(max(times) if times else None)}
        # throughput: calls done within the phase's window (calls still running at its end,
        # e.g. behind a nightly job's locks, count in the latencies only)
        operations = sum(self.in_window[kind] for kind in KINDS)
        retries = collections.Counter(RETRY_RE.findall(server.log_since_mark()))
        after = pg_stats(self.db)
        return {
            'db': self.db, 'addon': self.addon, 'clients': self.clients, 'seconds': elapsed,
            'server_kinds': self.server_kinds(server),
            'calls_per_s': operations / self.seconds, 'confirms_per_s': self.in_window['confirm'] / self.seconds,
            'kinds': kinds,
            'client_failures': sum(k['failures'] for name, k in kinds.items() if not name.startswith('nightly')),
            'nightly_failures': sum(k['failures'] for name, k in kinds.items() if name.startswith('nightly')),
            'nightly_stopped': dict(self.stopped),
            'failure_messages': {kind: dict(counter.most_common(5)) for kind, counter in self.failures.items()},
            'odoo_retries': dict(retries), 'odoo_retries_total': sum(retries.values()),
            'pg_deadlocks': after['deadlocks'] - stats_before['deadlocks'],
            'pg_conflicts': after['conflicts'] - stats_before['conflicts'],
            'pg_rollbacks': after['xact_rollback'] - stats_before['xact_rollback'],
            'pg_log': pg_log_errors(log_offset, pids),
            'server_rss_peak_mb': rss.peak / 2 ** 20,
            'nightly': self.nightly and self.addon,
            'load_average': {'min': min(rss.load), 'max': max(rss.load),
                             'mean': sum(rss.load) / len(rss.load)} if rss.load else None,
            'hung_threads': hung,
        }


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def pg_stats(db):
    with connect(db) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT pg_stat_clear_snapshot()")
        cr.execute("SELECT deadlocks, conflicts, xact_rollback FROM pg_stat_database WHERE datname = %s", [db])
        deadlocks, conflicts, rollbacks = cr.fetchone()
    return {'deadlocks': deadlocks, 'conflicts': conflicts, 'xact_rollback': rollbacks}


def watch_backends(db, pids, stop):
    """Backend pids of the database while the phase runs (the cluster's log has no database
    name in its lines: its errors are attributed by pid)."""
    with connect('postgres') as cnx, cnx.cursor() as cr:
        while not stop.is_set():
            cr.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db])
            pids.update(row[0] for row in cr.fetchall())
            cnx.rollback()
            stop.wait(0.5)


def pg_log_errors(offset, pids):
    """Serialization failures and deadlocks the cluster logged for the database's backends
    since offset (None: no readable log)."""
    if offset is None:
        return None
    counts = collections.Counter()
    try:
        with open(PG_LOG, errors='replace') as handle:
            handle.seek(offset)
            for line in handle:
                match = re.match(r'\S+ \S+ \S+ \[(\d+)\] (?:\S+ )?ERROR:\s+(.*)', line)
                if not match or int(match.group(1)) not in pids:
                    continue
                message = match.group(2)
                if 'could not serialize access' in message:
                    counts['serialization'] += 1
                elif 'deadlock detected' in message:
                    counts['deadlock'] += 1
                elif 'lock not available' in message or 'could not obtain lock' in message:
                    counts['lock_not_available'] += 1
                else:
                    counts['other'] += 1
    except OSError:
        return None
    return dict(counts)


class RssWatch:
    """Peak resident memory of any one process of the server (prefork: master, workers), and
    the machine's 1-minute load average (samples)."""

    def __init__(self, pid):
        import psutil
        self.root, self.peak, self.load = psutil.Process(pid), 0, []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        import psutil
        while not self._stop.is_set():
            try:
                processes = [self.root] + self.root.children(recursive=True)
                self.peak = max([self.peak] + [process.memory_info().rss for process in processes])
            except psutil.Error:
                pass
            self.load.append(os.getloadavg()[0])
            self._stop.wait(0.2)

    def stop(self):
        self._stop.set()
        self.thread.join()


def warm_up(server, db, addon, data, clients):
    """Every worker loads the registry and every call kind runs once, not counted."""
    phase = Phase(server, db, addon, data, clients, 0, nightly=False)
    phase.deadline = time.time() + 3600
    threads = []
    for number in range(clients):
        client = Client(100 + number, phase)
        client.models = xmlrpc.client.ServerProxy(server.url + '/xmlrpc/2/object', allow_none=True,
                                                  transport=TimeoutTransport(CALL_TIMEOUT))
        threads.append(threading.Thread(target=lambda c=client: [c.quote_confirm(), c.recommend(), c.lead_stage(),
                                                                 c.availability() if c.orders else None],
                                        daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CALL_TIMEOUT)


def run(args):
    counts = [int(value) for value in args.clients.split(',')]
    assert all(0 < count <= MAX_CLIENTS for count in counts), 'clients: 1..%d' % MAX_CLIENTS
    databases = [(args.db, True)] + ([(args.base_db, False)] if args.base_db else [])
    data = Data(args.db)
    result = {'date': datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC'), 'machine': machine(),
              'db': args.db, 'base_db': args.base_db, 'workers': args.workers, 'seconds': args.seconds,
              'mix': MIX, 'substitutes_without_addon': SUBSTITUTES, 'nightly': not args.no_nightly, 'phases': []}
    servers = {}
    try:
        for db, addon in databases:
            servers[db] = OdooServer(db, workers=args.workers, cron_threads=1, call_timing=True,
                                     log_handlers=('odoo.service.model:INFO',), extra=[
                                         '--limit-time-real=%d' % (CALL_TIMEOUT * 3),
                                         '--limit-time-cpu=%d' % (CALL_TIMEOUT * 2), '--db_maxconn=%d' % (2 * max(counts) + 16)])
            log('%s: server on %s (workers=%d)' % (db, servers[db].url, args.workers))
            warm_up(servers[db], db, addon, data, max(counts))
        phases = [(db, addon, not args.no_nightly) for db, addon in databases]
        if args.also_without_nightly and not args.no_nightly:
            phases.insert(1, (args.db, True, False))
        for count in counts:
            for db, addon, nightly in phases:
                phase = Phase(servers[db], db, addon, data, count, args.seconds, nightly=nightly)
                log('%s: %d clients for %d s%s' % (db, count, args.seconds, '' if nightly or not addon else ', no nightly jobs'))
                summary = phase.run(servers[db])
                log('  %.2f ops/s, %d client failures, %d retries, confirm p95 %s ms, '
                    'recommend p95 in its worker %s ms' % (
                        summary['calls_per_s'], summary['client_failures'], summary['odoo_retries_total'],
                        summary['kinds'].get('confirm', {}).get('p95_ms'),
                        summary['server_kinds'].get('recommend', {}).get('p95_ms')))
                result['phases'].append(summary)
    finally:
        for server in servers.values():
            server.stop()
    result['ratios'] = ratios(result['phases'])
    if args.json:
        write_json(args.json, result)
    if args.results:
        with open(args.results, 'a') as handle:
            handle.write(markdown(result, args.command))
    return result


def ratios(phases):
    """Addon / no addon at each client count: throughput and confirm p95 (key: the client
    count, with ' without nightly jobs' for the addon's phases without them)."""
    out = {}
    for phase in phases:
        if not phase['addon']:
            continue
        base = next((p for p in phases if not p['addon'] and p['clients'] == phase['clients']), None)
        if not base:
            continue
        confirm, base_confirm = phase['kinds'].get('confirm', {}), base['kinds'].get('confirm', {})
        key = str(phase['clients']) + ('' if phase.get('nightly', True) else ' without nightly jobs')
        out[key] = {
            'throughput': phase['calls_per_s'] / base['calls_per_s'] if base['calls_per_s'] else None,
            'confirm_p95': (confirm['p95_ms'] / base_confirm['p95_ms']
                            if confirm.get('p95_ms') and base_confirm.get('p95_ms') else None),
        }
    return out


def log(message):
    print('[load %s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def markdown(result, command):
    out = ['', '## %s — load test (`%s`)' % (result['date'], command or 'bench/load.py'), '',
           'Machine: %s — shared (2 cores, other developers\' jobs): noisy; ratios from the same run. '
           'Server: scripts/odoo --workers=%d --max-cron-threads=1, %d s per phase; addon database `%s`, '
           'without the addon `%s`; nightly jobs %s. Latencies: client side (loopback), ms.' % (
               result['machine'], result['workers'], result['seconds'], result['db'], result['base_db'],
               '(full affinity recompute, full Customer 360 refresh) each running again and again on the addon database, each in a process of its own as a cron worker' if result['nightly'] else 'off'), '',
           '| clients | addon | calls/s | confirms/s | ' + ' | '.join('%s p50/p95/p99' % kind for kind in KINDS)
           + ' | client failures | Odoo retries | PG serialization / deadlocks | server peak RSS | load average min/mean/max |',
           '|---' * (len(KINDS) + 9) + '|']
    for phase in result['phases']:
        cells = []
        for kind in KINDS:
            k = phase['kinds'].get(kind)
            cells.append('%s/%s/%s (n=%d%s)' % (k['p50_ms'], k['p95_ms'], k['p99_ms'], k['n'],
                                                ', %d failed' % k['failures'] if k['failures'] else '') if k else '–')
        pg_log = phase['pg_log'] or {}
        load = phase.get('load_average')
        out.append('| %d | %s | %.2f | %.2f | %s | %d | %d | %s / %d | %.0f MB | %s |' % (
            phase['clients'], ('yes' if phase.get('nightly', True) else 'yes, no nightly jobs') if phase['addon'] else 'no',
            phase['calls_per_s'], phase['confirms_per_s'],
            ' | '.join(cells), phase['client_failures'], phase['odoo_retries_total'],
            pg_log.get('serialization', 0) if phase['pg_log'] is not None else '?', phase['pg_deadlocks'],
            phase['server_rss_peak_mb'], '%.1f/%.1f/%.1f' % (load['min'], load['mean'], load['max']) if load else '–'))
    out += ['', '| clients | throughput addon / no addon (target ≥ 0.8 at 16) | confirm p95 addon / no addon (target ≤ 1.5 at 16) |',
            '|---|---|---|']
    for clients, ratio in result['ratios'].items():
        out.append('| %s | %s | %s |' % (clients, '%.2f' % ratio['throughput'] if ratio['throughput'] else '–',
                                         '%.2f' % ratio['confirm_p95'] if ratio['confirm_p95'] else '–'))
    out += ['', 'Each call\'s own time inside its worker (bench/server_wide/bench_call_timing: '
            'odoo.service.model.execute_kw, queueing for a worker excluded, waits for the shared CPU included), '
            'ms: wall p50/p95, the worker\'s CPU p50/p95, successful calls.', '',
            '| clients | addon | ' + ' | '.join(KINDS) + ' |', '|---' * (len(KINDS) + 2) + '|']
    for phase in result['phases']:
        cells = []
        for kind in KINDS:
            k = phase.get('server_kinds', {}).get(kind)
            cells.append('%s/%s (CPU %s/%s, n=%d)' % (k['p50_ms'], k['p95_ms'], k['cpu_p50_ms'], k['cpu_p95_ms'],
                                                      k['n']) if k else '–')
        addon = ('yes' if phase.get('nightly', True) else 'yes, no nightly jobs') if phase['addon'] else 'no'
        out.append('| %d | %s | %s |' % (phase['clients'], addon, ' | '.join(cells)))
    runs = ['%s at %d clients: %s ms (n=%d%s%s)' % (
        kind.split('_')[1], p['clients'], k['p50_ms'] if k else '–', k['n'] if k else 0,
        ', %d failed' % k['failures'] if k and k['failures'] else '',
        ', 1 run stopped at the phase\'s end' if p.get('nightly_stopped', {}).get(kind) else '')
            for p in result['phases'] if p['addon'] and p.get('nightly', True)
            for kind, k in ((kind, p['kinds'].get(kind)) for kind in ('nightly_affinity', 'nightly_c360'))
            if k or p.get('nightly_stopped', {}).get(kind)]
    if runs:
        out += ['', 'Nightly jobs during the phases (median duration): ' + '; '.join(runs) + '.']
    failures = {'%d/%s' % (p['clients'], ('addon' if p.get('nightly', True) else 'addon-no-nightly') if p['addon'] else 'base'):
                p['failure_messages'] for p in result['phases'] if p['failure_messages']}
    if failures:
        out += ['', 'Failure messages: `%s`' % json.dumps(failures)[:1500]]
    out.append('')
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--base-db')
    parser.add_argument('--clients', default='1,4,8,16')
    parser.add_argument('--seconds', type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="server --workers (0: threaded)")
    parser.add_argument('--no-nightly', action='store_true')
    parser.add_argument('--also-without-nightly', action='store_true',
                        help='also run each client count on the addon database without the nightly jobs')
    parser.add_argument('--json')
    parser.add_argument('--results')
    parser.add_argument('--command')
    parser.add_argument('--nightly-child', choices=sorted(Nightly.JOBS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.nightly_child:
        return nightly_child(args.nightly_child, args.db)
    run(args)


if __name__ == '__main__':
    sys.exit(main())
