"""Long nightly jobs in short transactions.

A job that rewrites every customer's row in one transaction collides with every order
confirmation committed while it runs: under REPEATABLE READ its first write of a row that a
newer transaction changed is a serialization failure, and after a minute of work under load
that is certain (the full Customer 360 refresh failed so in 3 of 4 load phases, issue 13).
run_chunks cuts such a job into chunks, each run and committed in a transaction of its own:
a collision costs one chunk, which is started over (split in halves first, so a chunk that
keeps meeting a busy customer shrinks to that customer).

Why the job commits: like Odoo's own jobs that work in parts (`res.users._update_last_login`,
the mail queue of `mail.mail`), each chunk runs in a cursor of its own from the registry,
opened and committed here, by the job runner; the business code of a chunk never commits.
The caller's transaction is left alone (it only reads). Under tests (the thread's `testing`
flag, as `mail.mail` checks it) the chunks run in the caller's transaction instead, each in a
savepoint, so a test's rollback removes them."""
import logging
import random
import threading
import time

from psycopg2 import OperationalError

from odoo import api
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE

from .run_lock import is_concurrency_error

_logger = logging.getLogger(__name__)


def commits_per_chunk():
    """False under tests (pytest-odoo and Odoo's test runner set the thread's `testing` flag):
    the chunks then stay in the caller's transaction."""
    return not getattr(threading.current_thread(), 'testing', False)


def run_chunks(env, chunks, work, split=None, pause=0.1):
    """work(chunk_env, chunk) for each chunk in turn, each in a transaction of its own (see
    the module's docstring); returns their results in the order they ran. A chunk that fails
    for a concurrency error (serialization failure, deadlock) is rolled back and started over
    on a new snapshot: split(chunk) -> smaller chunks (or None when it cannot be split) first,
    else the same chunk after a random pause growing with its tries, at most Odoo's number of
    tries for an RPC call; then the error is raised (the chunks done stay done)."""
    pending = [(chunk, 0) for chunk in reversed(list(chunks))]  # a stack: chunks run in order
    results = []
    while pending:
        chunk, tries = pending.pop()
        try:
            results.append(_run_one(env, chunk, work))
        except OperationalError as error:
            if not is_concurrency_error(error):
                raise
            parts = split(chunk) if split else None
            if parts:
                pending += [(part, 0) for part in reversed(parts)]
                continue
            if tries >= MAX_TRIES_ON_CONCURRENCY_FAILURE:
                raise
            _logger.info('chunk %s: %s, retry %d/%d', chunk, error.pgcode, tries + 1,
                         MAX_TRIES_ON_CONCURRENCY_FAILURE)
            time.sleep(random.uniform(0.0, pause * 2 ** tries))
            pending.append((chunk, tries + 1))
    return results


def _run_one(env, chunk, work):
    if not commits_per_chunk():
        with env.cr.savepoint():
            return work(env, chunk)
    with env.registry.cursor() as cr:  # committed when the block ends, rolled back on error
        return work(api.Environment(cr, env.uid, env.context), chunk)


def split_range(chunk):
    """Halves of an id range [first, end) (run_chunks' split for ranges of ids), None for a
    range of one id."""
    first, end = chunk
    if end - first < 2:
        return None
    middle = first + (end - first) // 2
    return [(first, middle), (middle, end)]
