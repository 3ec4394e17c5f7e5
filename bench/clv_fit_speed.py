#!/usr/bin/env python3
"""Fit time of the CLV engine (issue 16 target: <= 2 s per 100k customers): N customers of
ages up to 3 years drawn from MBG/NBD at the CDNOW parameters (whole days, as the addon's
summary), mean repeat values from a Gamma, or the CDNOW master file's customers as of a cutoff
(--cdnow); median (min - max) of REPS fits of each purchase model (Pareto/NBD, the addon's
default, and MBG/NBD) with Gamma-Gamma, and of the predictions (P(alive), 30/90/365-day
orders, 12-month CLV). --slow REV also fits Pareto/NBD once with the engine of git revision
REV (before issue 16's fast fit: Nelder-Mead, a hypergeometric function per customer) and
prints the largest relative difference of the parameters.

    .venv/bin/python bench/clv_fit_speed.py --customers 100000 --reps 5 --slow ab888d6
    .venv/bin/python bench/clv_fit_speed.py --cdnow .local/clv/CDNOW_master.txt --cutoff 1997-09-30 --slow ab888d6
"""
import argparse
import datetime
import importlib.util
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np

from evaluate_clv import ROOT, clv


def cdnow_summary(path, cutoff):
    customers, days, amounts = [], [], []
    origin = datetime.date(1997, 1, 1)
    with open(path) as source:
        for line in source:
            fields = line.split()
            if fields and fields[0].isdigit():
                date = fields[1]
                customers.append(int(fields[0]))
                days.append((datetime.date(int(date[:4]), int(date[4:6]), int(date[6:])) - origin).days)
                amounts.append(float(fields[3]))
    _ids, x, t_x, T, m, _revenue = clv.summarize(np.array(customers), np.array(days), np.array(amounts),
                                                 (cutoff - origin).days)
    return x, t_x, T, m


def slow_engine(revision):
    """The engine module of a git revision (loaded from a temporary copy)."""
    source = subprocess.run(['git', '-C', ROOT, 'show', '%s:crm_erp_bridge/engines/clv.py' % revision],
                            check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as copy:
        copy.write(source)
    spec = importlib.util.spec_from_file_location('clv_slow', copy.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(copy.name)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--customers', type=int, default=100000)
    parser.add_argument('--cdnow', help='CDNOW_master.txt: its customers as of --cutoff instead of generated ones')
    parser.add_argument('--cutoff', default='1997-09-30')
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--slow', help='git revision whose engine fits Pareto/NBD once for the comparison')
    args = parser.parse_args()
    if args.cdnow:
        x, t_x, T, m = cdnow_summary(args.cdnow, datetime.date.fromisoformat(args.cutoff))
    else:
        rng = np.random.default_rng(16)
        T = rng.integers(0, 1096, args.customers).astype(float)
        x, t_x = clv.simulate_mbg_nbd((0.637, 51.2, 0.807, 1.228), T, rng)
        t_x = np.floor(t_x)
        m = np.where(x > 0, rng.gamma(6.3, 5.0, len(T)), 0.0)
    describe = lambda values: '%.2f s (%.2f - %.2f, n=%d)' % (statistics.median(values), min(values), max(values),
                                                              len(values))
    print('%d customers (%d with a repeat purchase day), %d distinct (x, t_x, T) rows, %d CPUs, load %s' % (
        len(x), np.count_nonzero(x), len(clv.compress(x, t_x, T)[0]), os.cpu_count(),
        ' '.join('%.1f' % value for value in os.getloadavg())))
    fitted = {}
    for name in ('pareto_nbd', 'mbg_nbd'):
        fits, predictions = [], []
        for _rep in range(args.reps):
            start = time.perf_counter()
            purchase = clv.fit_purchase_model(x, t_x, T, name)
            value = clv.fit_value_model(x, m)
            fits.append(time.perf_counter() - start)
            start = time.perf_counter()
            clv.predict(purchase, value, x, t_x, T, m, horizon_days=365, annual_discount_rate=0.1)
            predictions.append(time.perf_counter() - start)
        fitted[name] = purchase
        print('%s + Gamma-Gamma: fit %s (%d iterations, fallback %s); predict %s; fitted %s' % (
            name, describe(fits), purchase.iterations, purchase.fallback, describe(predictions),
            {k: round(v, 4) for k, v in purchase.params.items()}))
    if args.slow:
        old = slow_engine(args.slow)
        start = time.perf_counter()
        slow = old.fit_purchase_model(x, t_x, T, 'pareto_nbd')
        seconds = time.perf_counter() - start
        fast = fitted['pareto_nbd']
        gap = {key: fast.params[key] / value - 1 for key, value in slow.params.items()}
        print('engine of %s, Pareto/NBD: fit %.2f s, fitted %s, log-likelihood %.4f (fast fit %.4f); '
              'fast vs slow parameters: %s (max |gap| %.2e)' % (
                  args.slow, seconds, {k: round(v, 4) for k, v in slow.params.items()}, slow.log_likelihood,
                  fast.log_likelihood, ', '.join('%s %+.2e' % item for item in sorted(gap.items())),
                  max(abs(value) for value in gap.values())))


if __name__ == '__main__':
    main()
