"""Runs that create documents (RFQs for shortfall, cross-sell opportunities) give the outcome
of one run when two of them meet, and survive Odoo's retry of a transaction.

Odoo runs every transaction in REPEATABLE READ, its snapshot taken at the first query, long
before a method runs: a run that waited for another one still sees the database as it was
before that run and would create the same documents again. Such a run must start over with a
new snapshot: a serialization failure (SQLSTATE 40001) makes Odoo roll the call back and run it
again (odoo.service.model.check, up to 5 times, for XML-RPC and for the web client).

lock_run writes one row per key (what must stay unique: company, vendor and receipts of an RFQ;
company and customer, and company and salesperson, of cross-sell opportunities) in
crm_erp_run_lock. PostgreSQL then does both halves: a key a run in progress holds makes this
run wait for that run's end, and a key written by a run that committed after this transaction's
snapshot (while waiting, or before) raises the serialization failure. An advisory lock
(pg_advisory_xact_lock) waits the same but cannot tell the second case: a run that committed
between this transaction's first query and its lock leaves the lock free, and this run would go
on with a snapshot that does not show that run's documents."""
import random
import time

from psycopg2 import OperationalError

from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, PG_CONCURRENCY_ERRORS_TO_RETRY

TABLE_NAME = 'crm_erp_run_lock'


def create_table(cr):
    """The table of the run locks (purchase.order's init creates it; the uninstall hook drops it)."""
    cr.execute("""
        CREATE TABLE IF NOT EXISTS crm_erp_run_lock (
            name varchar PRIMARY KEY,
            last_run timestamp NOT NULL
        )
    """)


def lock_run(env, scope, keys):
    """Serialise this transaction with every other run of scope on any of keys (tuples of
    ids): wait for the runs in progress holding one, then go on, or raise a serialization
    failure if one of them, or a run that committed since this transaction's snapshot, holds
    one (Odoo retries the call). Held until the transaction ends."""
    names = sorted({'%s:%s' % (scope, ':'.join(str(part) for part in key)) for key in keys})
    if names:
        # Keys in one order: two runs wanting some of the same keys queue, they do not deadlock.
        # The failure is expected and retried: not logged as a bad query.
        env.cr.execute("""
            INSERT INTO crm_erp_run_lock (name, last_run)
            SELECT name, now() AT TIME ZONE 'UTC' FROM unnest(%s::varchar[]) AS name ORDER BY name
            ON CONFLICT (name) DO UPDATE SET last_run = EXCLUDED.last_run
        """, [names], log_exceptions=False)


def is_concurrency_error(error):
    return isinstance(error, OperationalError) and error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY


def retrying(env, function):
    """function() in env's transaction, started over as Odoo retries an RPC call when it fails
    for a concurrency error: rolled back, environments cleared, after a random pause growing
    with the tries. For cron jobs, which Odoo does not retry; their transaction is theirs
    alone (ir.cron's job cursor)."""
    tries = 0
    while True:
        try:
            return function()
        except OperationalError as error:
            if not is_concurrency_error(error) or tries >= MAX_TRIES_ON_CONCURRENCY_FAILURE:
                raise
            env.cr.rollback()
            env.clear()
            time.sleep(random.uniform(0.0, 2 ** tries))
            tries += 1
