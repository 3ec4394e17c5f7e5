"""Reference side of bench/evaluate_clv.py, run in the bench-only venv that bench/clv_venv.sh
builds (.local/clv-bench-venv: the `lifetimes` library and matplotlib, never runtime
dependencies of the addon).

    clv_reference.py fit IN.npz OUT.json   lifetimes' MBG/NBD and Gamma-Gamma on the summary
                                           (arrays x, t_x, T, m in days, scalar horizon; with
                                           others = 1 also BG/NBD and Pareto/NBD)
    clv_reference.py plot IN.json OUT.png  predicted vs actual holdout value by decile, one panel a method
"""
import json
import sys
import time

import numpy as np


def purchase_figures(model, x, t_x, T, horizon):
    return {'params': {key: float(value) for key, value in model.params_.items()},
            'expected_orders': np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
                horizon, x, t_x, T), dtype=float).tolist(),
            'probability_alive': np.asarray(model.conditional_probability_alive(x, t_x, T), dtype=float).tolist()}


def fit(source, target):
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
    data = np.load(source)
    x, t_x, T, m, horizon = data['x'], data['t_x'], data['T'], data['m'], float(data['horizon'])
    purchases = ModifiedBetaGeoFitter().fit(x, t_x, T)
    orders = purchases.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, T)
    alive = purchases.conditional_probability_alive(x, t_x, T)
    repeat = (x > 0) & (m > 0)
    values = GammaGammaFitter().fit(x[repeat], m[repeat])
    order_value = values.conditional_expected_average_profit(x, np.where(x > 0, m, 0.0))
    result = {
        'purchase_params': {key: float(value) for key, value in purchases.params_.items()},
        'value_params': {key: float(value) for key, value in values.params_.items()},
        'expected_orders': np.asarray(orders, dtype=float).tolist(),
        'probability_alive': np.asarray(alive, dtype=float).tolist(),
        'value': (np.asarray(orders, dtype=float) * np.asarray(order_value, dtype=float)).tolist(),
        'order_value': np.asarray(order_value, dtype=float).tolist(),
        'others': {},
    }
    if 'others' in data.files and int(data['others']):
        # the other two purchase models of the literature, for the choice of model (docs/clv.md)
        for name, fitter in (('bg_nbd', BetaGeoFitter), ('pareto_nbd', ParetoNBDFitter)):
            start = time.time()
            model = fitter().fit(x, t_x, T)
            result['others'][name] = dict(purchase_figures(model, x, t_x, T, horizon),
                                          fit_seconds=time.time() - start)
    with open(target, 'w') as out:
        json.dump(result, out)


def plot(source, target):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    with open(source) as data_file:
        data = json.load(data_file)
    deciles = np.arange(1, 11)
    panels = data['panels']
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.2), sharey=True, squeeze=False)
    for axis, panel in zip(axes[0], panels):
        axis.bar(deciles, panel['actual'], color='#bbbbbb', label='actual')
        axis.plot(deciles, panel['predicted'], color='#1f77b4', marker='o', label='predicted')
        axis.set_xticks(deciles)
        axis.set_xlabel('decile of its prediction (10 = highest)')
        axis.set_title(panel['label'], fontsize=8)
    axes[0][0].set_ylabel('mean holdout value per customer')
    axes[0][0].legend()
    figure.suptitle(data['title'])
    figure.tight_layout()
    figure.savefig(target, dpi=110)


if __name__ == '__main__':
    {'fit': fit, 'plot': plot}[sys.argv[1]](sys.argv[2], sys.argv[3])
