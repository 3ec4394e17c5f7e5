"""CI smoke run of the benchmark suite (bench/): generates the XS database (the CI size: every
code path of the benchmarks on tiny data), installs the addon on it, runs every benchmark once
and a few seconds of the load test (bench/load.py, 2 clients, with and without the addon) and
checks the harness's outputs and the generated data's invariants. Correctness of the harness,
not timing: the figures themselves are in bench/RESULTS.md. Leaves no database and no server
behind."""
import json
import os
import subprocess
import sys

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
from generate import SIZES  # noqa: E402

SIZE = 'XS'
N = SIZES[SIZE]
# the load test's server: prefork with 2 HTTP workers (what production runs), the nightly jobs
# in processes of their own
LOAD_WORKERS = '2'


def databases(prefix):
    with psycopg2.connect(dbname='postgres', host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)),
                          user='odoo') as cnx:
        with cnx.cursor() as cr:
            cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + '%'])
            return [row[0] for row in cr.fetchall()]


def test_bench_smoke(test_database):
    prefix = '%s_bench_' % test_database
    env = dict(os.environ, BENCH_DB_PREFIX=prefix, BENCH_REPS='1', BENCH_RESULTS='-', BENCH_NAIVE_SAMPLE='20',
               BENCH_LOAD='2', BENCH_LOAD_SECONDS='4', BENCH_LOAD_WORKERS=LOAD_WORKERS)
    run = subprocess.run(['bash', os.path.join(ROOT, 'bench', 'run.sh'), SIZE], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert databases(prefix) == [], 'bench databases left behind'
    results = results_of(prefix + 'xs.json')
    bench = results['benchmarks']

    data = bench['data']
    assert (data['customer_companies'], data['products'], data['confirmed_orders']) == \
        (N['customers'], N['products'], N['orders'])
    assert N['customers'] <= data['contacts'] <= 3 * N['customers']
    assert data['confirmed_lines'] > 3 * N['orders'] and data['quotations'] > 0.8 * N['quotations']
    assert data['opportunity_lines'] > N['opportunities']
    assert data['purchase_orders'] > 0.8 * N['purchases'] and data['open_incoming_moves'] > 0
    assert data['supplierinfo'] >= 0.95 * N['products']
    assert data['orders_without_lines'] == 0
    assert data['orders_amount_mismatch'] == 0
    assert data['contacts_wrong_commercial'] == 0
    assert data['duplicate_order_names'] == 0 and data['sale_sequence_ahead']
    assert data['order_companies'] == 2 and data['order_currencies'] == 3
    assert data['history_days'] > 1000
    assert data['top1pct_products_line_share'] > 0.05       # power law: uniform would give 0.01
    assert data['month_peak_over_trough'] > 1.3             # seasonality
    rhythms = data['orders_per_customer_by_rhythm']
    assert rhythms['frequent'] > 3 * rhythms['occasional'] > 0 and rhythms['one_off'] < rhythms['occasional']
    assert data['orders_with_bundle_pair'] > 0.1 * N['orders']  # planted co-purchase bundles
    assert data['planted_short'] == N['short'] and data['report_short_or_on_order_planted'] == N['short']
    assert data['report_short_products_planted'] > N['short'] / 2  # the others: covered by the generated draft RFQs
    assert data['orm_orders_read'] == 5 and data['orm_order_lines_read'] >= 5
    assert data['orm_partner']['display_name'].startswith('Bench Customer')
    assert data['orm_quotation_form']['default_fields'] > 5

    assert bench['1_install']['seconds'] > 0
    c360 = bench['2_customer_360']
    assert c360['stats_rows'] >= 0.95 * N['customers'] and c360['refresh']['median'] > 0
    assert c360['naive_sample_partners'] == 20 and c360['naive_extrapolated']
    assert c360['naive_sample_mismatches'] == 0            # the naive loop computes the same figures
    affinity = bench['3_affinity']
    if 'skipped' in affinity:
        assert affinity['skipped'] == 'affinity not installed'
    else:
        assert affinity['pairs'] > 0 and affinity['same_pairs'] == affinity['pairs'] == affinity['peer_pairs']
        assert affinity['metric_disagreements'] == 0
    overhead = bench['4_write_overhead']
    for key in ('confirm_order', 'lead_stage_change'):
        assert overhead['with_addon'][key]['median'] > 0 and overhead['without_addon'][key]['median'] > 0
    scored = overhead['lead_score_write']
    assert scored['with_scoring']['median'] > 0 and scored['without_scoring']['median'] > 0 and scored['ratio'] > 0
    recommendations = bench['5_recommendations_xmlrpc']
    if 'skipped' in recommendations:
        assert recommendations['skipped'] == 'affinity not installed'
    else:
        assert recommendations['calls'] == recommendations['server_calls'] == 20  # bench.py's floor at XS
        assert recommendations['batch_customers'] == 50 and recommendations['batch_calls'] == 3
        assert 0 < recommendations['batch_server_p50_ms'] <= recommendations['batch_server_p95_ms']
    pipeline = bench['6_pipeline_demand']
    assert pipeline['groups'] > 0 and pipeline['rfq_short_products'] == N['short']
    # every short product gets an RFQ line, except those whose generated draft RFQs already cover it
    assert 0.5 * N['short'] <= pipeline['rfq_products'] <= N['short'] and pipeline['rfqs_touched'] > 0
    assert bench['7_peak_rss']['c360']['rss_peak_mb'] >= bench['7_peak_rss']['c360']['rss_before_mb'] > 0

    load = results_of(prefix + 'xs-load.json')
    assert [(phase['clients'], phase['addon']) for phase in load['phases']] == [(2, True), (2, False)]
    for phase in load['phases']:
        assert phase['hung_threads'] == [] and phase['seconds'] >= 4
        assert phase['kinds']['create']['n'] + phase['kinds']['create']['failures'] > 0
        assert phase['pg_log'] is not None and phase['server_rss_peak_mb'] > 0
        assert phase['load_average']['max'] >= phase['load_average']['min'] >= 0
        # each call's own time inside its worker (bench_call_timing's log): a part of the client's
        server = phase['server_kinds']
        assert set(server) <= set(phase['kinds']) and server['create']['n'] > 0
        assert 0 < server['create']['p50_ms'] <= phase['kinds']['create']['p50_ms']
        assert server['create']['cpu_p50_ms'] <= server['create']['p50_ms']
        # every failure is counted with its message
        assert sum(sum(messages.values()) for messages in phase['failure_messages'].values()) == \
            phase['client_failures'] + phase['nightly_failures']
    with_addon = load['phases'][0]
    # the nightly jobs ran: a run finished, or was stopped at the phase's end (within their CPU
    # budget they take several times a short phase)
    assert sum(with_addon['kinds'].get(kind, {}).get('n', 0) + with_addon['nightly_stopped'].get(kind, 0)
               for kind in ('nightly_affinity', 'nightly_c360')) > 0
    # Odoo's retries are read from its log, PostgreSQL's serialization errors from the cluster's:
    # each retry follows one such error of the database's backends
    assert with_addon['pg_log'].get('serialization', 0) >= with_addon['odoo_retries'].get('SERIALIZATION_FAILURE', 0)
    assert set(load['ratios']) == {'2'} and load['ratios']['2']['throughput'] > 0


def results_of(name):
    with open(os.path.join(ROOT, 'bench', 'out', name)) as handle:
        return json.load(handle)
