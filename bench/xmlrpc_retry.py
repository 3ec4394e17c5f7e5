#!/usr/bin/env python3
"""Odoo's retry of an XML-RPC call that failed in the middle of a recompute (issue 21, odoo_py311
patch 14): tests/retried_write.write_retried TRIES times through XML-RPC's entry
(odoo.http.dispatch_rpc, as the server runs a request): another transaction holds a new partner's
row and commits while the partner's name is written, so the write fails with a serialization
failure and Odoo runs it again. Prints how many retried writes were right (both writes kept, no
fault), the faults, and the median seconds of one. Which layer runs: the one the venv's
odoo_py311.pth loads (a worktree's own when run from inside it, /work/main's otherwise).

    .venv/bin/python bench/xmlrpc_retry.py DB --tries 10
"""
import argparse
import os
import sys
import time

from bench import ROOT, load_odoo


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('db')
    parser.add_argument('--tries', type=int, default=10)
    args = parser.parse_args()
    odoo = load_odoo()
    sys.path.insert(0, os.path.join(ROOT, 'tests'))
    from retried_write import write_retried
    import odoo_py311
    from odoo import api, http
    with api.Environment.manage():
        uid = http.dispatch_rpc('common', 'login', [args.db, 'admin', 'admin'])

    def call(model, method, *call_args):
        with api.Environment.manage():  # what the WSGI application runs each request in
            return http.dispatch_rpc('object', 'execute_kw', [args.db, uid, 'admin', model, method, list(call_args)])
    right, faults, seconds = 0, set(), []
    with odoo.tools.mute_logger('odoo.sql_db'):  # the first attempts' "bad query"
        for index in range(args.tries):
            start = time.time()
            error, row, expected = write_retried(args.db, call, 'Retried %d' % index)
            seconds.append(time.time() - start)
            right += error is None and row == expected
            faults |= {repr(error)} if error else set()
    print('layer %s: %d of %d right; faults: %s; seconds per retried write (median): %.2f' % (
        os.path.dirname(odoo_py311.__file__), right, args.tries, '; '.join(sorted(faults)) or 'none',
        sorted(seconds)[len(seconds) // 2]))


if __name__ == '__main__':
    main()
