"""CI smoke run of the benchmark suite (bench/): generates the S database, installs the addon on
it, runs every benchmark once and checks the harness's outputs and the generated data's
invariants. Correctness of the harness, not timing: the figures themselves are in
bench/RESULTS.md. Leaves no database and no server behind."""
import json
import os
import subprocess

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def databases(prefix):
    with psycopg2.connect(dbname='postgres', host='127.0.0.1', port=54329, user='odoo') as cnx:
        with cnx.cursor() as cr:
            cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + '%'])
            return [row[0] for row in cr.fetchall()]


def test_bench_smoke(test_database):
    prefix = '%s_bench_' % test_database
    env = dict(os.environ, BENCH_DB_PREFIX=prefix, BENCH_REPS='1', BENCH_RESULTS='-', BENCH_NAIVE_SAMPLE='200')
    run = subprocess.run(['bash', os.path.join(ROOT, 'bench', 'run.sh'), 'S'], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert databases(prefix) == [], 'bench databases left behind'
    with open(os.path.join(ROOT, 'bench', 'out', prefix + 's.json')) as handle:
        results = json.load(handle)
    bench = results['benchmarks']

    data = bench['data']
    assert (data['customer_companies'], data['products'], data['confirmed_orders']) == (2000, 500, 10000)
    assert 2000 <= data['contacts'] <= 6000
    assert data['confirmed_lines'] > 30000 and data['quotations'] > 400 and data['opportunity_lines'] > 400
    assert data['purchase_orders'] > 250 and data['open_incoming_moves'] > 0 and data['supplierinfo'] >= 480
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
    assert data['orders_with_bundle_pair'] > 1000           # planted co-purchase bundles
    assert data['planted_short'] == 100 and data['report_short_products_planted'] == 100
    assert data['orm_orders_read'] == 5 and data['orm_order_lines_read'] >= 5
    assert data['orm_partner']['display_name'].startswith('Bench Customer')
    assert data['orm_quotation_form']['default_fields'] > 5

    assert bench['1_install']['seconds'] > 0
    c360 = bench['2_customer_360']
    assert c360['stats_rows'] >= 1900 and c360['refresh']['median'] > 0
    assert c360['naive_sample_partners'] == 200 and c360['naive_extrapolated']
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
    recommendations = bench['5_recommendations_xmlrpc']
    if 'skipped' in recommendations:
        assert recommendations['skipped'] == 'affinity not installed'
    else:
        assert recommendations['calls'] >= 200 and recommendations['server_calls'] >= 200
    pipeline = bench['6_pipeline_demand']
    assert pipeline['groups'] > 0 and pipeline['rfq_short_products'] == 100
    # every short product gets an RFQ line, except those whose generated draft RFQs already cover it
    assert 80 <= pipeline['rfq_products'] <= 100 and pipeline['rfqs_touched'] > 0
    assert bench['7_peak_rss']['c360']['rss_peak_mb'] >= bench['7_peak_rss']['c360']['rss_before_mb'] > 0
