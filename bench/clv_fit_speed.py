#!/usr/bin/env python3
"""Fit time of the CLV engine (issue 16 target: <= 2 s per 100k customers): N customers of
ages up to 3 years drawn from MBG/NBD at the CDNOW parameters (whole days, as the addon's
summary), mean repeat values from a Gamma; median (min - max) of REPS fits of MBG/NBD and
Gamma-Gamma, and of the predictions (P(alive), 30/90/365-day orders, 12-month CLV).

    .venv/bin/python bench/clv_fit_speed.py --customers 100000 --reps 5
"""
import argparse
import os
import statistics
import time

import numpy as np

from evaluate_clv import clv


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--customers', type=int, default=100000)
    parser.add_argument('--reps', type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(16)
    T = rng.integers(0, 1096, args.customers).astype(float)
    x, t_x = clv.simulate_mbg_nbd((0.637, 51.2, 0.807, 1.228), T, rng)
    t_x = np.floor(t_x)
    m = np.where(x > 0, rng.gamma(6.3, 5.0, args.customers), 0.0)
    fits, predictions = [], []
    for _rep in range(args.reps):
        start = time.perf_counter()
        purchase = clv.fit_purchase_model(x, t_x, T)
        value = clv.fit_value_model(x, m)
        fits.append(time.perf_counter() - start)
        start = time.perf_counter()
        clv.predict(purchase, value, x, t_x, T, m, horizon_days=365, annual_discount_rate=0.1)
        predictions.append(time.perf_counter() - start)
    describe = lambda values: '%.2f s (%.2f - %.2f, n=%d)' % (statistics.median(values), min(values), max(values),
                                                              len(values))
    print('%d customers (%d with a repeat purchase day), %d CPUs: fit MBG/NBD + Gamma-Gamma %s; '
          'predict %s; fitted %s' % (args.customers, np.count_nonzero(x), os.cpu_count(), describe(fits),
                                     describe(predictions), {k: round(v, 4) for k, v in purchase.params.items()}))


if __name__ == '__main__':
    main()
