#!/usr/bin/env python3
"""Speed of the sales forecast refresh (issue 19 target: <= 10 s at L per company): for each
company of --db, REPS refreshes (crm.erp.sales.forecast._refresh, as the cron and the Refresh
action run it), each in a transaction rolled back, alternating the default (the Customer 360
model's expected orders for the customers who bought before) with customer_model=False (every
direct sale from the run rate: the forecast before the customer model), so that both figures
come from the same run; with the time of the parts (the queries, the engine and the rows, the
DELETE + INSERT) from one more instrumented run.

    .venv/bin/python bench/forecast_refresh_speed.py --db i19f_l --reps 3
"""
import argparse
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
    sales = queries.monthly_sales(cr, company_id, model_module.month_start(as_of - model_module.HISTORY_MONTHS),
                                  model_module.month_start(as_of + 1), as_of - model_module.ACTUAL_MONTHS,
                                  model_module.HORIZON_MONTHS)
    timings['monthly_sales'] = time.perf_counter() - start
    start = time.perf_counter()
    env['crm.erp.sales.forecast']._expected_customer_orders(company_id, as_of)
    timings['customer summary + expected orders'] = time.perf_counter() - start
    start = time.perf_counter()
    queries.customer_mix(cr, company_id, model_module.month_start(as_of - model_module.MIX_MONTHS),
                         model_module.month_start(as_of))
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--reps', type=int, default=3)
    args = parser.parse_args()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api, fields
    registry = odoo.registry(args.db)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        today = fields.Date.context_today(env['crm.erp.sales.forecast'])
        for company in env['res.company'].search([]):
            times = {True: [], False: []}
            for _rep in range(args.reps):
                for customer_model in (False, True):
                    start = time.perf_counter()
                    env['crm.erp.sales.forecast']._refresh([company.id], today, customer_model)
                    times[customer_model].append(time.perf_counter() - start)
                    cr.rollback()
            timings, sales, lines, rows = parts(env, company.id, today)
            cr.rollback()
            print('%s (id %d), as of %s, %d CPUs, load average %s: refresh %s (run rate only: %s); %d sales rows '
                  '(product x team x month x opportunity x customer age of the last 12 months, per category '
                  'before, 36 months), %d open pipeline lines, %d forecast rows; parts: %s'
                  % (company.name, company.id, today, os.cpu_count(), ' '.join('%.1f' % v for v in os.getloadavg()),
                     describe(times[True]), describe(times[False]), sales, lines, rows,
                     ', '.join('%s %.2f s' % item for item in timings.items())))


if __name__ == '__main__':
    main()
