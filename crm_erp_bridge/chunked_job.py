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
savepoint, so a test's rollback removes them.

A CPU budget (CpuBudget) paces a nightly job run while people work: after each step (a chunk,
a part of the affinity recompute) it pauses in proportion to the step's duration, so the job
works at most a given share of the wall time and leaves the rest of the cores to the
interactive requests; it still finishes, in (its work / share) of wall time. The pauses are
outside any statement, and run_chunks pauses between chunks, when no chunk's transaction is
open (docs/deployment.md, "Nightly jobs while people work")."""
import logging
import random
import threading
import time

from psycopg2 import OperationalError

from odoo import api
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE

from .run_lock import is_concurrency_error

_logger = logging.getLogger(__name__)

# The system parameter (Settings > Technical > Parameters > System Parameters) holding the
# share of the wall time, in percent, that the nightly jobs may work when the cron runs them
# (100: no pause). The default keeps 16 salespeople's calls within the targets of issue 13 on
# a 2-core server while the jobs run, where 25 did not (bench/RESULTS.md, 2026-12-07 21:06-21:27),
# and makes a nightly run about 10x longer than alone.
CPU_SHARE_PARAMETER = 'crm_erp_bridge.nightly_cpu_share'
DEFAULT_CPU_SHARE = 10


class CpuBudget:
    """Paces a long job to work at most `share` percent of the wall time: pace(), called
    between two steps of the job, pauses (share 10: nine times) as long as the job worked
    since the previous call. sleep and clock are time.sleep and time.monotonic (tests give
    their own: the arithmetic is tested, not the machine's timing)."""

    def __init__(self, share, sleep=time.sleep, clock=time.monotonic):
        self.share = share
        self._sleep, self._clock = sleep, clock
        self.worked = self.paused = 0.0  # seconds, for the job's log line
        self._mark = clock()

    def pace(self):
        """Between two steps (no statement running): pause for the work done since the
        previous call (or the budget's creation)."""
        work = self._clock() - self._mark
        self.worked += work
        pause = work * (100.0 / self.share - 1.0)
        if pause > 0:
            self._sleep(pause)
            self.paused += pause
        self._mark = self._clock()

    def __str__(self):
        return '%d%% CPU share: worked %.1f s, paused %.1f s' % (self.share, self.worked, self.paused)


def nightly_budget(env):
    """The CpuBudget of a nightly job run by the cron: the share of the system parameter
    CPU_SHARE_PARAMETER (whole percent, 1 to 100), DEFAULT_CPU_SHARE when it is unset or not
    such a number (logged); None at 100 (no pause)."""
    # sudo: a technical setting of the job, read by the cron's own user
    value = env['ir.config_parameter'].sudo().get_param(CPU_SHARE_PARAMETER)
    share = DEFAULT_CPU_SHARE
    if value:
        try:
            share = int(value)
        except ValueError:
            share = 0
        if not 1 <= share <= 100:
            _logger.warning('%s = %r: not a whole percent from 1 to 100, %d%% used', CPU_SHARE_PARAMETER,
                            value, DEFAULT_CPU_SHARE)
            share = DEFAULT_CPU_SHARE
    return CpuBudget(share) if share < 100 else None


def run_for_every_company(env, model_name, method_name, label):
    """A nightly job that works company by company: model_name's method_name([company_id]) (as
    superuser) for every company, one company per transaction (run_chunks), paced by the
    nightly CPU budget between companies; logged with label."""
    budget = nightly_budget(env)
    # sudo: the nightly job works for every company
    company_ids = env['res.company'].sudo().search([]).ids
    run_chunks(env, company_ids,
               lambda chunk_env, company_id: getattr(chunk_env[model_name].sudo(), method_name)([company_id]),
               budget=budget)
    _logger.info('%s of %d companies: %s', label, len(company_ids), budget or 'no CPU budget')


def commits_per_chunk():
    """False under tests (pytest-odoo and Odoo's test runner set the thread's `testing` flag):
    the chunks then stay in the caller's transaction."""
    return not getattr(threading.current_thread(), 'testing', False)


def run_chunks(env, chunks, work, split=None, pause=0.1, budget=None):
    """work(chunk_env, chunk) for each chunk in turn, each in a transaction of its own (see
    the module's docstring); returns their results in the order they ran. A chunk that fails
    for a concurrency error (serialization failure, deadlock) is rolled back and started over
    on a new snapshot: split(chunk) -> smaller chunks (or None when it cannot be split) first,
    else the same chunk after a random pause growing with its tries, at most Odoo's number of
    tries for an RPC call; then the error is raised (the chunks done stay done). budget: a
    CpuBudget paced before each chunk, for the work since its previous pace (no transaction of
    the chunks is open during the pause)."""
    pending = [(chunk, 0) for chunk in reversed(list(chunks))]  # a stack: chunks run in order
    results = []
    while pending:
        chunk, tries = pending.pop()
        if budget:
            budget.pace()  # for the previous chunk's work, whose transaction has ended
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
