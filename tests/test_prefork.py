"""The production server mode on Python 3.11: a prefork server (2 HTTP workers, a cron worker,
the gevent longpolling process) on the test database, driven over XML-RPC and the bus.

Which process served what is read from the server's log: each line carries the pid of the
process that wrote it (werkzeug logs every request it serves)."""
import concurrent.futures
import os
import re
import signal
import threading
import time
import uuid
import xmlrpc.client

import psutil
import psycopg2.errors
import pytest
import requests

import odoo
from browser import OdooServer, wait_until
from retried_write import write_retried

LIMIT_REQUEST = 6
LIMIT_MEMORY_HARD = 3 * 1024 ** 3
LIMIT_TIME_CPU = 90
LOG_LINE = re.compile(
    r'^\d{4}-\d\d-\d\d [\d:,]+ (?P<pid>\d+) (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<message>.*)$')
CUSTOMER_360_CRON = 'res_partner_customer_360_cron'


class PreforkLog:
    def __init__(self, path):
        self.path = path

    def lines(self):
        with open(self.path, errors='replace') as log:
            return log.read().splitlines()

    def records(self):
        return [match.groupdict() for match in map(LOG_LINE.match, self.lines()) if match]

    def pids(self, pattern, logger='odoo.service.server'):
        """pids that logged a line of `logger` matching `pattern`, in order, with its group(1)."""
        found = []
        for record in self.records():
            match = record['logger'] == logger and re.search(pattern, record['message'])
            if match:
                found.append(int(match.group(1)) if match.groups() else int(record['pid']))
        return found

    def request_pids(self, path):
        return self.pids(r'"POST %s ' % re.escape(path), logger='werkzeug')


def _sql(database, query, params=()):
    with odoo.sql_db.db_connect(database).cursor() as cr:  # committed on exit
        cr.execute(query, params)
        return cr.fetchall() if cr.description else None


@pytest.fixture(scope='module')
def customer_360_cron_due(test_database):
    """The nightly Customer 360 refresh made due, and one customer's figure made wrong so that
    the run shows in the data; both put back afterwards."""
    (cron_id, nextcall), = _sql(test_database, """
        SELECT c.id, c.nextcall FROM ir_cron c JOIN ir_model_data d ON d.res_id = c.id AND d.model = 'ir.cron'
         WHERE d.module = 'crm_erp_bridge' AND d.name = %s""", (CUSTOMER_360_CRON,))
    (stats_id, order_count), = _sql(test_database, """
        SELECT id, sale_order_count FROM crm_erp_partner_stats WHERE sale_order_count > 0 ORDER BY id LIMIT 1""")
    _sql(test_database, "UPDATE crm_erp_partner_stats SET sale_order_count = sale_order_count + 1000 WHERE id = %s",
         (stats_id,))
    _sql(test_database, "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') - interval '1 minute' WHERE id = %s",
         (cron_id,))
    yield {'cron_id': cron_id, 'stats_id': stats_id, 'order_count': order_count}
    _sql(test_database, "UPDATE ir_cron SET nextcall = %s WHERE id = %s", (nextcall, cron_id))
    _sql(test_database, "UPDATE crm_erp_partner_stats SET sale_order_count = %s WHERE id = %s", (order_count, stats_id))


@pytest.fixture(scope='module')
def prefork(test_database, customer_360_cron_due):
    server = OdooServer(test_database, workers=2, max_cron_threads=1, log_level='info',
                        extra_args=['--limit-request=%d' % LIMIT_REQUEST, '--limit-memory-hard=%d' % LIMIT_MEMORY_HARD,
                                    '--limit-time-cpu=%d' % LIMIT_TIME_CPU])
    server.prefork_log = PreforkLog(server.log.name)
    server.expected_errors = []  # texts of the ERROR lines a test provokes on purpose
    yield server
    server.stop()
    lines = server.prefork_log.lines()
    tracebacks = [line for line in lines if 'Traceback (most recent call last)' in line]
    errors = [r['message'] for r in server.prefork_log.records() if r['level'] in ('ERROR', 'CRITICAL')
              and not any(text in r['message'] for text in server.expected_errors)]
    assert not tracebacks and not errors, 'server log %s: %s' % (server.log.name, (errors or tracebacks)[:5])


def _rpc(server, database):
    uid = xmlrpc.client.ServerProxy(server.url + '/xmlrpc/2/common').authenticate(database, 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(server.url + '/xmlrpc/2/object')
    return lambda model, method, *args, **kwargs: models.execute_kw(database, uid, 'admin', model, method,
                                                                    list(args), kwargs)


def test_master_runs_http_workers_cron_worker_and_longpolling(prefork):
    master = psutil.Process(prefork.process.pid)
    children = wait_until(lambda: len(master.children()) == 4 and master.children(), 60,
                          'expected 2 HTTP workers + 1 cron worker + longpolling: %s' % master.children())
    longpolling = [child for child in children if 'gevent' in child.cmdline()]
    assert len(longpolling) == 1
    # argv[0] of the longpolling process is the launcher's entry script, a real file
    assert longpolling[0].cmdline()[1].endswith('scripts/odoo_bin.py')
    assert os.path.isfile(longpolling[0].cmdline()[1])
    log = prefork.prefork_log
    assert len(log.pids(r'Worker WorkerCron \((\d+)\) alive')) == 1
    assert len(log.pids(r'Worker WorkerHTTP \((\d+)\) alive')) >= 2
    # every process holds the memory limit, every worker its CPU budget (odoo_py311.patches.patch_server)
    for child in children:
        wait_until(lambda: child.rlimit(psutil.RLIMIT_AS)[0] == LIMIT_MEMORY_HARD, 60, 'no memory limit: %s' % child)
    for worker in set(children) - set(longpolling):
        wait_until(lambda: worker.rlimit(psutil.RLIMIT_CPU)[0] != psutil.RLIM_INFINITY, 60, 'no CPU limit')
        cpu_limit, cpu = worker.rlimit(psutil.RLIMIT_CPU)[0], worker.cpu_times()  # limit = CPU used then + 90
        assert LIMIT_TIME_CPU <= cpu_limit <= cpu.user + cpu.system + LIMIT_TIME_CPU


def test_parallel_xmlrpc_calls_are_served_by_workers(prefork, test_database):
    call = _rpc(prefork, test_database)
    partner_ids = [row['partner_id'][0] for row in call(
        'crm.erp.partner.stats', 'search_read', [('sale_order_count', '>', 0)], fields=['partner_id'], limit=4)]
    expected = call('res.partner', 'get_customer_360', partner_ids)

    def client(index):
        call = _rpc(prefork, test_database)
        if index % 2:
            return 'profiles', call('res.partner', 'get_customer_360', partner_ids)
        return 'partners', call('res.partner', 'search_read', [('id', 'in', partner_ids)], fields=['name'])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(client, range(8)))
    for kind, result in results:
        if kind == 'profiles':
            assert result == expected
        else:
            assert sorted(row['id'] for row in result) == sorted(partner_ids)
    log = prefork.prefork_log
    http_workers = set(log.pids(r'Worker WorkerHTTP \((\d+)\) alive'))
    served_by = log.request_pids('/xmlrpc/2/object')
    assert len(served_by) >= 10  # 2 + 8 object calls
    assert set(served_by) <= http_workers
    assert prefork.process.pid not in served_by
    assert len(set(served_by)) >= 2


def test_retried_xmlrpc_call_starts_over_with_clear_environments(prefork, test_database):
    # The workers were forked from a master that imported odoo.service.model with
    # odoo_py311's patch_service_model: a worker's retry of a call after a serialization
    # failure does not recompute the failed attempt's records ("Unable to use a closed cursor").
    name = 'Retried %s' % uuid.uuid4().hex[:8]
    prefork.expected_errors.append(name)  # the first attempt's UPDATE, logged as a "bad query"
    error, row, expected = write_retried(test_database, _rpc(prefork, test_database), name)
    assert error is None
    assert row == expected
    retried_by = wait_until(lambda: prefork.prefork_log.pids(r'SERIALIZATION_FAILURE, retry 1/', 'odoo.service.model'),
                            30, 'the write was not retried')
    assert set(retried_by) <= set(prefork.prefork_log.pids(r'Worker WorkerHTTP \((\d+)\) alive'))


def test_limit_request_recycles_workers(prefork, test_database):
    call = _rpc(prefork, test_database)
    for _ in range(2 * LIMIT_REQUEST):
        assert call('res.partner', 'search_count', [('customer', '=', True)]) > 0
    log = prefork.prefork_log
    recycled = wait_until(lambda: log.pids(r'Worker \((\d+)\) max request \(%d\) reached' % LIMIT_REQUEST), 30,
                          'no worker reached --limit-request=%d' % LIMIT_REQUEST)
    for pid in recycled:
        wait_until(lambda: not psutil.pid_exists(pid), 30, 'recycled worker %d still runs' % pid)
    master = psutil.Process(prefork.process.pid)
    wait_until(lambda: len(master.children()) == 4, 30, 'workers not respawned')
    # requests after a recycle are served by the replacements
    assert call('res.partner', 'search_count', [('customer', '=', True)]) > 0
    http_workers = log.pids(r'Worker WorkerHTTP \((\d+)\) alive')
    assert len(http_workers) >= 2 + len(recycled)  # each recycled worker was replaced
    last = log.request_pids('/xmlrpc/2/object')[-1]
    assert last not in recycled and last in http_workers


def test_chat_message_reaches_a_long_poll_through_the_gevent_process(prefork, test_database):
    call = _rpc(prefork, test_database)
    channel_id = call('ir.model.data', 'xmlid_to_res_id', 'mail.channel_all_employees')
    newest = call('bus.bus', 'search_read', [], fields=['id'], order='id desc', limit=1)
    last = max([row['id'] for row in newest] or [0])
    token = uuid.uuid4().hex
    session = prefork.session()  # logged in through an HTTP worker; the session is shared
    answer = {}

    def poll():  # the web client's long poll: the user's channels are added by the server
        answer['response'] = session.post(prefork.longpolling_url + '/longpolling/poll', timeout=180, json={
            'jsonrpc': '2.0', 'method': 'call', 'params': {'channels': [], 'last': last, 'options': {}}})

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1)  # the poll waits for the message (or, if it starts later, finds it at once)
    message_id = call('mail.channel', 'message_post', [channel_id], body='prefork %s' % token,
                      message_type='comment', subtype='mail.mt_comment')
    try:
        poller.join(150)
        assert not poller.is_alive()
        response = answer['response']
        assert response.status_code == 200, response.text
        bodies = [n['message'].get('body', '') for n in response.json()['result']
                  if n['channel'] == [test_database, 'mail.channel', channel_id]]
        assert any(token in body for body in bodies), response.text
    finally:
        call('mail.message', 'unlink', [message_id])
    # only the gevent process listens on the longpolling port
    master = psutil.Process(prefork.process.pid)
    port = int(prefork.longpolling_url.rsplit(':', 1)[1])
    listener, = [child for child in master.children()
                 if any(c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in child.net_connections())]
    assert 'gevent' in listener.cmdline()


def test_killed_worker_releases_its_row_lock_within_5_seconds(prefork, test_database):
    """An HTTP worker SIGKILLed in the middle of a long statement, holding a row lock: the
    cluster's client_connection_check_interval (scripts/pg.sh) ends its session within a second;
    without it the statement runs to its end with the lock held (bench/killed_worker_locks.py)."""
    (interval,), = _sql(test_database,
                        "SELECT setting::int FROM pg_settings WHERE name = 'client_connection_check_interval'")
    assert 0 < interval <= 1000
    call = _rpc(prefork, test_database)
    partner_id = call('res.partner', 'search', [('customer', '=', True)], limit=1)[0]
    (comment,), = _sql(test_database, "SELECT comment FROM res_partner WHERE id = %s", (partner_id,))
    action_id = call('ir.actions.server', 'create', {
        'name': 'prefork test: lock a customer, then a long statement',
        'model_id': call('ir.model', 'search', [('model', '=', 'res.partner')])[0], 'state': 'code',
        'code': "record.write({'comment': 'locked by a worker'})\nenv.cr.execute('SELECT pg_sleep(120)')"})
    uid = xmlrpc.client.ServerProxy(prefork.url + '/xmlrpc/2/common').authenticate(test_database, 'admin', 'admin', {})
    request = xmlrpc.client.dumps((test_database, uid, 'admin', 'ir.actions.server', 'run', [[action_id]],
                                   {'context': {'active_model': 'res.partner', 'active_id': partner_id}}), 'execute_kw')
    outcome = {}

    def run_action():  # not through ServerProxy: it sends a request again when the connection breaks
        try:
            outcome['response'] = requests.post(prefork.url + '/xmlrpc/2/object', data=request, timeout=180,
                                                headers={'Content-Type': 'text/xml'})
        except requests.ConnectionError as error:  # the worker dies under the request
            outcome['error'] = error

    runner = threading.Thread(target=run_action)
    runner.start()
    try:
        long_statement = """
            SELECT pid, client_port FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep(120)%%'"""
        backend, client_port = wait_until(lambda: _sql(test_database, long_statement),
                                          120, 'the long statement did not start')[0]
        master = psutil.Process(prefork.process.pid)
        worker, = [child for child in master.children()
                   if any(c.laddr.port == client_port for c in child.net_connections())]
        assert worker.pid in prefork.prefork_log.pids(r'Worker WorkerHTTP \((\d+)\) alive')
        worker.kill()
        killed_at = time.monotonic()
        lock_free = _wait_for_row_lock(test_database, partner_id, timeout=30) - killed_at
        wait_until(lambda: not _sql(test_database, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)), 30,
                   'the killed worker\'s session stays')
        session_gone = time.monotonic() - killed_at
        runner.join(60)
        assert 'error' in outcome, outcome
        assert lock_free < 5 and session_gone < 5, (lock_free, session_gone)
        assert _sql(test_database, "SELECT comment FROM res_partner WHERE id = %s", (partner_id,))[0][0] == comment
    finally:
        _sql(test_database, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(120)%%'")
        call('ir.actions.server', 'unlink', [action_id])


def _wait_for_row_lock(database, partner_id, timeout):
    """Time at which another transaction locked the partner's row (FOR UPDATE NOWAIT, retried)."""
    deadline = time.monotonic() + timeout
    with odoo.sql_db.db_connect(database).cursor() as cr:
        while time.monotonic() < deadline:
            try:
                cr.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE NOWAIT", (partner_id,),
                           log_exceptions=False)
                locked_at = time.monotonic()
                cr.rollback()
                return locked_at
            except psycopg2.errors.LockNotAvailable:
                cr.rollback()
                time.sleep(0.05)
    raise TimeoutError('the row lock of partner %d was not released' % partner_id)


def test_cron_worker_runs_a_due_job(prefork, test_database, customer_360_cron_due):
    """The cron worker sleeps 60-69 s before each pass over the databases, the first one
    included, in a select() on the wakeup pipe of its signal handlers (odoo/service/server.py,
    WorkerCron.sleep): a signal ends the sleep. SIGQUIT, whose handler (inherited from the
    master) only logs the process's stacks, starts the first pass now instead of a minute after
    the server started; the job still runs as any due job does, in the cron worker."""
    log = prefork.prefork_log
    cron_pid, = log.pids(r'Worker WorkerCron \((\d+)\) alive')
    stats_id, order_count = customer_360_cron_due['stats_id'], customer_360_cron_due['order_count']

    def refreshed():
        return _sql(test_database, "SELECT sale_order_count FROM crm_erp_partner_stats WHERE id = %s",
                    (stats_id,))[0][0] == order_count

    def started():
        return log.pids(r'Starting job `Customer 360: nightly full refresh`', logger='odoo.addons.base.ir.ir_cron')
    for _attempt in range(3):  # a signal before the worker's first sleep ends no sleep: again
        os.kill(cron_pid, signal.SIGQUIT)
        try:
            wait_until(lambda: started() or refreshed(), 20, 'no pass')
            break
        except TimeoutError:
            pass
    wait_until(refreshed, 180, 'the Customer 360 cron did not run')
    # the job ran to its end (the refresh commits its chunks as it goes: the job's end, which
    # moves its nextcall, comes after the figures)
    wait_until(lambda: _sql(test_database, "SELECT nextcall > now() AT TIME ZONE 'UTC' FROM ir_cron WHERE id = %s",
                            (customer_360_cron_due['cron_id'],))[0][0], 120, 'the Customer 360 cron did not end')
    assert started() == [cron_pid]


def test_restart_re_executes_the_server(prefork, test_database):
    """SIGHUP (odoo.service.server.restart(), after modules downloaded from the Apps store)
    re-executes the server as `python sys.argv[0] ...`: the entry script, the venv's interpreter."""
    log = prefork.prefork_log
    master = prefork.process.pid

    def started():
        return [r for r in log.records() if r['pid'] == str(master) and r['message'] == 'Odoo version 11.0']
    assert len(started()) == 1
    workers_before = set(log.pids(r'Worker WorkerHTTP \((\d+)\) alive'))
    os.kill(master, signal.SIGHUP)
    wait_until(lambda: len(started()) == 2, 120, 'the server did not start again')
    wait_until(lambda: set(log.pids(r'Worker WorkerHTTP \((\d+)\) alive')) - workers_before, 120, 'no new worker')
    assert _rpc(prefork, test_database)('res.partner', 'search_count', [('customer', '=', True)]) > 0
    wait_until(lambda: len(psutil.Process(master).children()) == 4, 60, 'workers not back after the restart')
