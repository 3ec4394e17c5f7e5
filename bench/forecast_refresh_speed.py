#!/usr/bin/env python3
"""Speed of the sales forecast refresh (issue 19 target: <= 10 s at L per company): for each
company of --db, REPS refreshes (crm.erp.sales.forecast._refresh, as the cron and the Refresh
action run it), each in a transaction rolled back, alternating the default (the Customer 360
model's expected orders for the customers who bought before) with customer_model=False (every
direct sale from the run rate: the forecast before the customer model), so that both figures
come from the same run; with the time of the parts (the queries, the engine and the rows, the
DELETE + INSERT) from one more instrumented run.

    .venv/bin/python bench/forecast_refresh_speed.py --db i19f_l --reps 3

Old against new code in alternation (s29-lead): `--company 1 --only-default --no-parts --label
after` in this checkout, and the same with BENCH_ADDONS_PATH=<odoo addons>,<an export of the older
commit> --label before, run one after the other several times; every refresh prints a JSON line
with its seconds, the CPU seconds of this process and of its PostgreSQL backend (steadier than the
seconds on a shared machine), the 1-minute load average and an md5 of the company's stored forecast
rows (before the rollback), so that the two versions' rows are compared.
"""
import argparse
import json
import os
import statistics
import time

from bench import load_odoo


def describe(values):
    return '%.2f s (%.2f - %.2f, n=%d)' % (statistics.median(values), min(values), max(values), len(values))


def parts(env, company_id, today):
    """Seconds of each part of one refresh (rolled back by the caller)."""
    from odoo.addons.crm_erp_bridge.models import crm_erp_sales_forecast as model_module
    from odoo.addons.crm_erp_bridge.queries import sales_forecast as queries
    from odoo.addons.crm_erp_bridge.queries.common import disable_jit, set_local_work_mem
    cr, timings = env.cr, {}
    disable_jit(cr)
    set_local_work_mem(cr, '256MB')
    as_of = model_module._index_of(today)
    start = time.perf_counter()
    forecast = env['crm.erp.sales.forecast']
    if hasattr(model_module, 'month_eve'):  # since s30-fcst2 the summary is read beside the statement
        from odoo.addons.crm_erp_bridge.queries import clv as clv_queries
        summary = clv_queries.purchase_days_summary(cr, company_id, model_module.month_eve(as_of))
        forecast._expected_customer_orders(company_id, as_of, summary)
        first = ()
    else:
        expected = forecast._expected_customer_orders(company_id, as_of)
        # from s30-fcst to s30-fcst2 the customers' first orders came from these summaries
        first = (expected[0], expected[2]) if len(expected) == 3 else ()
    timings['customer summary + expected orders'] = time.perf_counter() - start
    start = time.perf_counter()
    sales_args = (cr, company_id, model_module.month_start(as_of - model_module.HISTORY_MONTHS),
                  model_module.month_start(as_of + 1), as_of - model_module.ACTUAL_MONTHS, model_module.HORIZON_MONTHS)
    mix_window = (model_module.month_start(as_of - model_module.MIX_MONTHS), model_module.month_start(as_of))
    if hasattr(queries, 'monthly_sales_and_mix'):  # one statement since s29-lead
        sales, _mix = queries.monthly_sales_and_mix(*sales_args + mix_window + first)
        timings['monthly_sales_and_mix'] = time.perf_counter() - start
    else:
        sales = queries.monthly_sales(*sales_args)
        timings['monthly_sales'] = time.perf_counter() - start
        start = time.perf_counter()
        queries.customer_mix(cr, company_id, *mix_window)
        timings['customer_mix'] = time.perf_counter() - start
    start = time.perf_counter()
    lines = queries.open_pipeline_lines(cr, company_id)
    timings['open_pipeline_lines'] = time.perf_counter() - start
    start = time.perf_counter()
    queries.won_leads(cr, company_id, model_module.month_start(as_of - 12), model_module.month_start(as_of))
    timings['won_leads'] = time.perf_counter() - start
    start = time.perf_counter()
    columns = env['crm.erp.sales.forecast']._forecast_columns(company_id, today)
    timings['_forecast_columns (the queries again + engine)'] = time.perf_counter() - start
    start = time.perf_counter()
    queries.replace_forecast(cr, company_id, columns, env.uid, '2026-01-01 00:00:00')
    timings['delete + insert'] = time.perf_counter() - start
    return timings, len(sales['product_id']), len(lines), len(columns['product_id'])


def backend_cpu(cr):
    """CPU seconds (user + system) the PostgreSQL backend of cr has used so far, from /proc (the
    cluster runs on this machine), or None: on a loaded machine they vary far less than the
    wall time."""
    cr.execute("SELECT pg_backend_pid()")
    try:
        with open('/proc/%d/stat' % cr.fetchone()[0]) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def fingerprint(cr, company_id):
    """md5 of the company's stored forecast rows (every column but the stamps), and their count."""
    cr.execute("""SELECT md5(string_agg(concat_ws('|', month, team_id, product_id, categ_id, is_forecast, product_qty,
                                                  amount, run_rate_qty, pipeline_qty, actual_qty, actual_amount,
                                                  chart_qty), E'\\n' ORDER BY month, team_id, product_id)), COUNT(*)
                    FROM crm_erp_sales_forecast WHERE company_id = %s""", [company_id])
    return list(cr.fetchone())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--company', type=int, action='append', help='only these companies (repeat)')
    parser.add_argument('--only-default', action='store_true', help='only the default refresh (customer model)')
    parser.add_argument('--no-parts', action='store_true', help='no instrumented run of the parts')
    parser.add_argument('--label', default='', help='printed with each refresh (before / after)')
    args = parser.parse_args()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api, fields
    registry = odoo.registry(args.db)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        today = fields.Date.context_today(env['crm.erp.sales.forecast'])
        companies = env['res.company'].search([('id', 'in', args.company)] if args.company else [])
        for company in companies:
            times = {True: [], False: []}
            for _rep in range(args.reps):
                for customer_model in (True,) if args.only_default else (False, True):
                    server_cpu, python_cpu = backend_cpu(cr), time.process_time()
                    start = time.perf_counter()
                    env['crm.erp.sales.forecast']._refresh([company.id], today, customer_model)
                    times[customer_model].append(time.perf_counter() - start)
                    python_cpu = time.process_time() - python_cpu
                    server_cpu = server_cpu is not None and round(backend_cpu(cr) - server_cpu, 2)
                    print(json.dumps({'label': args.label, 'company': company.id, 'customer_model': customer_model,
                                      'seconds': round(times[customer_model][-1], 2),
                                      'cpu': {'python': round(python_cpu, 2), 'postgresql': server_cpu},
                                      'load': os.getloadavg()[0],
                                      'stored': fingerprint(cr, company.id), 'at': time.strftime('%H:%M:%S')}),
                          flush=True)
                    cr.rollback()
            if args.no_parts:
                continue
            timings, sales, lines, rows = parts(env, company.id, today)
            cr.rollback()
            print('%s (id %d), as of %s, %d CPUs, load average %s: refresh %s (run rate only: %s); %d sales rows '
                  '(product x team x month x opportunity x customer age of the last 12 months, per category '
                  'before, 36 months), %d open pipeline lines, %d forecast rows; parts: %s'
                  % (company.name, company.id, today, os.cpu_count(), ' '.join('%.1f' % v for v in os.getloadavg()),
                     describe(times[True]) if times[True] else '-',
                     describe(times[False]) if times[False] else '-', sales, lines, rows,
                     ', '.join('%s %.2f s' % item for item in timings.items())))


if __name__ == '__main__':
    main()
