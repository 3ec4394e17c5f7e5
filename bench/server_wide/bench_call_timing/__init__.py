"""Bench only: a server-wide module (bench/load.py starts its servers with
--load=base,web,bench_call_timing and bench/server_wide on the addons path; it is never
installed in a database) that logs one line per XML-RPC object call, from the worker that ran
it:

    ... INFO db odoo.addons.bench_call_timing: call res.partner get_recommendations wall 0.031204 cpu 0.024117 ok

wall: the time of odoo.service.model.execute_kw in the worker: the cursor, the method (with
Odoo's retries of serialization failures), the commit. Not in it: the wait for a free worker
(prefork: the listen queue), the XML-RPC parsing and marshalling, the password check. cpu: the
worker thread's CPU time over the same span (the wall time minus waits for the CPU, PostgreSQL,
locks). The rpc debug log (odoo.http.rpc.request) names neither the model nor the method in
its time line, and its lines of several prefork workers interleave."""
import logging
import time

_logger = logging.getLogger(__name__)


def time_execute_kw():
    """post_load: wrap odoo.service.model.execute_kw (dispatch() looks it up in the module's
    globals at every call) in the forking master, so that every worker inherits it."""
    from odoo.service import model
    original = model.execute_kw
    if getattr(original, 'bench_timed', False):
        return

    def execute_kw(db, uid, obj, method, args, kw=None):
        wall, cpu, status = time.perf_counter(), time.thread_time(), 'failed'
        try:
            result = original(db, uid, obj, method, args, kw)
            status = 'ok'
            return result
        finally:
            _logger.info('call %s %s wall %.6f cpu %.6f %s', obj, method,
                         time.perf_counter() - wall, time.thread_time() - cpu, status)

    execute_kw.bench_timed = True
    model.execute_kw = execute_kw
