"""A client SIGKILLed while it holds a row lock: seconds until another transaction gets the
row (issue 13: within 5 s with the documented PostgreSQL settings).

The holder is a child process with its own TCP connection, like an Odoo worker's: it locks a
row of a probe table (created in DB) with SELECT ... FOR UPDATE, then
  statement  runs SELECT pg_sleep(20)                       (a long query, waiting)
  cpu        runs a long count over generate_series       (a long query, computing; capped at 20 s)
  idle       sleeps in Python, its transaction open       (idle in transaction)
and is SIGKILLed 1 s later. Each scenario runs with the cluster's settings, then with
client_connection_check_interval switched off for the holder's session (the baseline).

    .venv/bin/python bench/killed_worker_locks.py DB [--port 54329] [--rounds 3]
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

import psycopg2
import psycopg2.errors

HOLDER = r'''
import sys, time, psycopg2
port, db, scenario, options = sys.argv[1:5]
cnx = psycopg2.connect(host='127.0.0.1', port=port, user='odoo', dbname=db, options=options)
cr = cnx.cursor()
cr.execute("SET statement_timeout = '20s'")  # a forgotten holder never runs longer than the baseline needs
cr.execute("SELECT id FROM bench_lock_probe WHERE id = 1 FOR UPDATE")
print(cnx.get_backend_pid(), flush=True)
if scenario == 'statement':
    cr.execute("SELECT pg_sleep(20)")
elif scenario == 'cpu':
    cr.execute("SELECT count(*) FROM generate_series(1, 10000000000)")
else:
    time.sleep(20)
'''
SCENARIOS = ('statement', 'cpu', 'idle')


def connect(args):
    cnx = psycopg2.connect(host='127.0.0.1', port=args.port, user='odoo', dbname=args.db)
    cnx.autocommit = True
    return cnx


def one_round(args, scenario, options):
    holder = subprocess.Popen([sys.executable, '-c', HOLDER, str(args.port), args.db, scenario, options],
                              stdout=subprocess.PIPE, text=True)
    backend = int(holder.stdout.readline())
    time.sleep(1)  # inside its statement (or idle in its transaction)
    os.kill(holder.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    holder.wait()
    waiter, watcher = connect(args), connect(args)
    waiter.autocommit = False
    lock_free = session_gone = None
    while lock_free is None or session_gone is None:
        now = time.monotonic() - killed_at
        if now > 30:
            break
        if lock_free is None:
            try:
                with waiter.cursor() as cr:
                    cr.execute("SELECT id FROM bench_lock_probe WHERE id = 1 FOR UPDATE NOWAIT")
                lock_free = time.monotonic() - killed_at
            except psycopg2.errors.LockNotAvailable:
                pass
            waiter.rollback()
        if session_gone is None:
            with watcher.cursor() as cr:
                cr.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,))
                if not cr.fetchone():
                    session_gone = time.monotonic() - killed_at
        time.sleep(0.02)
    waiter.close()
    watcher.close()
    return lock_free, session_gone


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('db')
    parser.add_argument('--port', type=int, default=int(os.environ.get('PGPORT', 54329)))
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    with connect(args) as cnx, cnx.cursor() as cr:
        cr.execute("CREATE TABLE IF NOT EXISTS bench_lock_probe (id integer PRIMARY KEY)")
        cr.execute("INSERT INTO bench_lock_probe VALUES (1) ON CONFLICT DO NOTHING")
        cr.execute("SELECT name, setting, unit FROM pg_settings WHERE name IN ('client_connection_check_interval',"
                   " 'tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count',"
                   " 'idle_in_transaction_session_timeout', 'server_version') ORDER BY name")
        print('cluster on port %d: %s' % (args.port, ', '.join('%s=%s%s' % (n, s, u or '') for n, s, u in cr.fetchall())))
    print('%-10s %-32s %-24s %s' % ('scenario', 'holder session', 'lock free after (s)', 'session gone after (s)'))
    for scenario in SCENARIOS:
        for label, options in (('cluster settings', ''),
                               ('client_connection_check_interval=0', '-c client_connection_check_interval=0')):
            rounds = [one_round(args, scenario, options) for _ in range(args.rounds)]
            show = lambda values: ' '.join('%.2f' % v if v is not None else '>30' for v in values) + \
                ('  (median %.2f)' % statistics.median(values) if None not in values else '')
            print('%-10s %-32s %-24s %s' % (scenario, label.replace('client_connection_check_interval', 'check'),
                                            show([r[0] for r in rounds]), show([r[1] for r in rounds])))


if __name__ == '__main__':
    main()
