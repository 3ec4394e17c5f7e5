#!/usr/bin/env python3
"""Time-holdout backtest of the sales forecast THROUGH THE ADDON (issue 19): the forecast that
crm.erp.sales.forecast stores (`_forecast_columns`: the addon's SQL in queries/sales_forecast.py
and queries/clv.py, the lifetime value model record, the engine) against the seasonal-naive
forecast and the plain weighted pipeline, at several monthly cut-offs, 1 and 3 months ahead, in
one run. The data are GENERATED (bench/generate_leads.py: customers who order at a seasonal,
growing rate, leads whose lines become an order of their customer when won, with a planted
dependence of the outcome on the features); nothing here is real.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/evaluate_forecast_addon.py i19g_test [--size S|L] \
        [--seed 19] [--json bench/out/forecast_addon.json]

Everything happens in one transaction of the database that is rolled back at the end (a
throwaway company): a company is created, the World is loaded into it by COPY (its customers as
partners, its products in categories of their own, its teams and stages; its direct orders,
one confirmed order per customer and day without a team; each won lead's order of its lines on
its closing day, with the lead's team and `opportunity_id`; its leads with their lines, created
on their day, expected to close on their `date_deadline`, no lead score: the forecast weighs the
open lines by the stage probability). The World's days are calendar days from 2023-01-01.

At each cut-off c (the first of a month, evaluate_leads.py's 2025-01 .. 2025-10) the leads are set
to what the database knew at the start of c: open (active, the probability of their stage that
day, no closing date) when created before c and closed on c or later; won or lost with their
closing date when closed before c; set aside (archived, no closing date: neither open nor
closed for the queries) when created on c or later. The lifetime value model is refitted on the
orders before c (crm.erp.clv.model._fit as of c - 1, as the Customer 360 what-if date does).
The orders need no rewinding: every query takes its dates as parameters and the forecast as of
c reads only the months before c. Then, per product and month (the teams summed) and per
category:
- forecast (customer model): `_forecast_columns(company, c)`, the default: the Customer 360
  model's expected orders of the customers who bought before c x their products, the new
  customers' run rate, the weighted pipeline with the slips, the opportunity run rate beyond
  the pipeline;
- forecast (run rate): `_forecast_columns(company, c, customer_model=False)`: every direct sale
  from the run rate (the forecast before the customer model);
- seasonal naive: the product's sales of the same month a year before (engines.sales_forecast
  .seasonal_naive on queries.sales_forecast.monthly_sales);
- weighted pipeline (stage probability): the open lines of queries.sales_forecast
  .open_pipeline_lines x their stage probability in their expected closing month, overdue ones
  in the first month (Odoo's own view, nothing else);
against the sales of months c (1 month ahead) and c + 2 (3 months ahead) read by monthly_sales.
WAPE (sum |F - A| / sum A) and MAPE (cells with sales) pooled over the cut-offs, and per cut-off."""
import os
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # as scripts/odoo runs the server, before numpy loads

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_leads  # noqa: E402 (the bench folder is not a package)
from bench import load_odoo  # noqa: E402
from evaluate_leads import FORECAST_CUTOFFS, HORIZONS  # noqa: E402
from load_leads import copy_rows, new_ids, stage_changes  # noqa: E402

METHODS = ('forecast (customer model)', 'forecast (run rate)', 'seasonal naive',
           'weighted pipeline (stage probability)')
STAGES = generate_leads.STAGES + (('Won', 100.0),)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('database')
    parser.add_argument('--size', default='S', choices=sorted(generate_leads.SIZES))
    parser.add_argument('--seed', type=int, default=19)
    parser.add_argument('--json', help='all figures as JSON')
    return parser.parse_args()


def day_text(day, hour=10):
    return '%s %02d:00:00' % (generate_leads.START + datetime.timedelta(days=int(day)), hour)


def load_world(env, world):
    """A throwaway company holding the World (module docstring); returns (company, product ids
    by World product, category ids by World category, lead ids by World lead, stage ids)."""
    from odoo import SUPERUSER_ID
    cr, n = env.cr, world.n
    usd = env.ref('base.USD')
    company = env['res.company'].create({'name': 'Bench forecast %s %d' % (world.size, os.getpid()),
                                         'currency_id': usd.id})
    env.user.write({'company_ids': [(4, company.id)]})
    pricelist = env['product.pricelist'].create({'name': 'Bench forecast', 'currency_id': usd.id,
                                                 'company_id': company.id})
    warehouse = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
    teams = [env['crm.team'].create({'name': 'Bench forecast team %d' % t, 'company_id': company.id,
                                     'use_opportunities': True}).id for t in range(n['teams'])]
    stages = [env['crm.stage'].create({'name': 'Bench forecast %s' % name, 'probability': probability,
                                       'sequence': 100 + i}).id for i, (name, probability) in enumerate(STAGES)]
    categories = [env['product.category'].create({'name': 'Bench forecast category %d' % k}).id
                  for k in range(n['categories'])]
    Product = env['product.product'].with_context(mail_create_nolog=True, tracking_disable=True)
    products = [Product.create({'name': 'Bench forecast product %d' % p, 'type': 'consu',
                                'categ_id': categories[int(world.product_category[p])],
                                'list_price': float(world.price[p]), 'company_id': company.id})
                for p in range(n['products'])]
    product_ids = [product.id for product in products]
    uom_ids = [product.uom_id.id for product in products]

    # partners: the World's customers, and one per won prospect lead (its order's customer)
    won_lines = world.won[world.line_lead] & (world.closed[world.line_lead] < generate_leads.DAYS)
    won_leads = np.unique(world.line_lead[won_lines])
    prospects = won_leads[world.customer[won_leads] < 0]
    partner_ids = new_ids(cr, 'res_partner_id_seq', n['customers'] + len(prospects))
    now = day_text(0)
    copy_rows(cr, 'res_partner', (
        'id', 'name', 'display_name', 'active', 'customer', 'is_company', 'type', 'commercial_partner_id',
        'company_id', 'invoice_warn', 'sale_warn', 'purchase_warn', 'picking_warn', 'create_date', 'write_date',
        'create_uid', 'write_uid'), (
        (pid, 'Bench forecast customer %d' % i, 'Bench forecast customer %d' % i, 't', 't', 't', 'contact', pid,
         company.id, 'no-message', 'no-message', 'no-message', 'no-message', now, now, SUPERUSER_ID, SUPERUSER_ID)
        for i, pid in enumerate(partner_ids)))
    customer_partner = np.array(partner_ids[:n['customers']])
    lead_partner = np.where(world.customer >= 0, customer_partner[np.maximum(world.customer, 0)], 0)
    lead_partner[prospects] = partner_ids[n['customers']:]

    # leads and their lines (their state is set per cut-off by rewind)
    count = len(world.created)
    lead_ids = new_ids(cr, 'crm_lead_id_seq', count)
    copy_rows(cr, 'crm_lead', (
        'id', 'name', 'type', 'company_id', 'team_id', 'partner_id', 'planned_revenue', 'create_date',
        'write_date', 'date_open', 'date_deadline', 'stage_id', 'probability', 'active', 'create_uid', 'write_uid',
        'priority', 'color'), (
        (lead_ids[lead], 'Bench forecast lead %d' % lead, 'opportunity', company.id, teams[world.team[lead]],
         lead_partner[lead] or None, round(float(world.expected_revenue[lead]), 2), day_text(world.created[lead], 9),
         day_text(world.created[lead], 9), day_text(world.created[lead], 9),
         str(generate_leads.START + datetime.timedelta(days=int(world.deadline[lead]))), stages[0], 10.0, 't',
         SUPERUSER_ID, SUPERUSER_ID, '1', 0) for lead in range(count)))
    copy_rows(cr, 'crm_lead_line', (
        'lead_id', 'company_id', 'sequence', 'product_id', 'product_qty', 'product_uom_id', 'price_unit',
        'price_subtotal', 'create_date', 'write_date', 'create_uid', 'write_uid'), (
        (lead_ids[lead], company.id, 10, product_ids[product], qty, uom_ids[product], float(world.price[product]),
         round(qty * float(world.price[product]), 2), day_text(world.created[lead]), day_text(world.created[lead]),
         SUPERUSER_ID, SUPERUSER_ID)
        for lead, product, qty in zip(world.line_lead.tolist(), world.line_product.tolist(),
                                      world.line_qty.tolist())))

    # orders: direct ones (a customer's lines of a day), then one per won lead on its closing day
    direct = ~world.order_from_lead
    direct_key = world.order_customer[direct] * (generate_leads.DAYS + 1) + world.order_day[direct]
    order_keys, direct_order = np.unique(direct_key, return_inverse=True)
    lead_lines = np.flatnonzero(won_lines)
    won_order = np.searchsorted(won_leads, world.line_lead[lead_lines])
    order_ids = new_ids(cr, 'sale_order_id_seq', len(order_keys) + len(won_leads))
    line_order = np.concatenate([direct_order, len(order_keys) + won_order])
    line_product = np.concatenate([world.order_product[direct], world.line_product[lead_lines]])
    line_qty = np.concatenate([world.order_qty[direct], world.line_qty[lead_lines]])
    line_amount = line_qty * world.price[line_product]
    order_amount = np.bincount(line_order, line_amount, len(order_ids))
    order_day = np.concatenate([order_keys % (generate_leads.DAYS + 1), world.closed[won_leads]])
    order_partner = np.concatenate([customer_partner[order_keys // (generate_leads.DAYS + 1)],
                                    lead_partner[won_leads]])
    order_team = [None] * len(order_keys) + [teams[t] for t in world.team[won_leads]]
    order_lead = [None] * len(order_keys) + [lead_ids[lead] for lead in won_leads]
    copy_rows(cr, 'sale_order', (
        'id', 'name', 'partner_id', 'partner_invoice_id', 'partner_shipping_id', 'pricelist_id', 'date_order',
        'company_id', 'picking_policy', 'warehouse_id', 'crm_erp_channel', 'state', 'team_id', 'opportunity_id',
        'amount_untaxed', 'amount_tax', 'amount_total', 'create_date', 'write_date', 'create_uid', 'write_uid'), (
        (oid, 'BF%07d' % i, order_partner[i], order_partner[i], order_partner[i], pricelist.id,
         day_text(order_day[i]), company.id, 'direct', warehouse.id, 'back_office', 'sale', order_team[i],
         order_lead[i], round(order_amount[i], 2), 0, round(order_amount[i], 2), day_text(order_day[i]),
         day_text(order_day[i]), SUPERUSER_ID, SUPERUSER_ID) for i, oid in enumerate(order_ids)))
    order_ids = np.array(order_ids)
    copy_rows(cr, 'sale_order_line', (
        'order_id', 'name', 'price_unit', 'product_id', 'product_uom_qty', 'product_uom', 'customer_lead',
        'price_subtotal', 'price_total', 'price_tax', 'price_reduce', 'company_id', 'state', 'is_downpayment',
        'order_partner_id', 'sequence', 'create_date', 'write_date', 'create_uid', 'write_uid'), (
        (order_ids[o], 'Bench forecast product %d' % p, float(world.price[p]), product_ids[p], q, uom_ids[p], 0,
         round(a, 2), round(a, 2), 0, float(world.price[p]), company.id, 'sale', 'f', order_partner[o], 10, now, now,
         SUPERUSER_ID, SUPERUSER_ID)
        for o, p, q, a in zip(line_order.tolist(), line_product.tolist(), line_qty.tolist(), line_amount.tolist())))
    for table in ('res_partner', 'crm_lead', 'crm_lead_line', 'sale_order', 'sale_order_line'):
        cr.execute('ANALYZE %s' % table)  # pylint: disable=sql-injection (names from the code)
    env.cache.invalidate()
    loaded = {'orders': len(order_ids), 'order_lines': len(line_order), 'leads': count,
              'lead_lines': len(world.line_lead), 'customers': len(partner_ids), 'products': len(product_ids)}
    return company, np.array(product_ids), np.array(categories), np.array(lead_ids), stages, loaded


def rewind(cr, world, lead_ids, stage_ids, changes, cutoff_day):
    """The World's leads as the database knew them at the start of cutoff_day (module docstring)."""
    stage = np.zeros(len(lead_ids), dtype=np.int64)
    for lead, day, _old, new in changes:  # in order of lead, then day
        if day < cutoff_day:
            stage[lead] = new
    created = world.created < cutoff_day
    closed = created & (world.closed < cutoff_day)
    won = closed & world.won
    active = (created & ~closed) | won
    probability = np.where(won, 100.0, np.where(closed, 0.0, np.array([p for _n, p in STAGES])[stage]))
    probability[~created] = 0.0
    date_closed = [day_text(world.closed[lead], 17) if closed[lead] else None for lead in range(len(lead_ids))]
    cr.execute("""
        UPDATE crm_lead l SET active = s.active, probability = s.probability, date_closed = s.date_closed,
                              stage_id = s.stage_id, crm_erp_win_chance = NULL
          FROM unnest(%s::integer[], %s::boolean[], %s::float8[], %s::timestamp[], %s::integer[])
               AS s(id, active, probability, date_closed, stage_id)
         WHERE l.id = s.id""", [lead_ids.tolist(), active.tolist(), probability.tolist(), date_closed,
                                [stage_ids[s] for s in np.where(won, 3, stage).tolist()]])


def per_product(product_ids, month_of, product, qty, as_of):
    """(products x 3) quantities of the months as_of .. as_of + 2."""
    matrix = np.zeros((len(product_ids), max(HORIZONS)))
    product, month, qty = np.asarray(product), np.asarray(month_of), np.asarray(qty, dtype=np.float64)
    inside = (month >= as_of) & (month < as_of + max(HORIZONS)) & np.isin(product, product_ids)
    np.add.at(matrix, (np.searchsorted(product_ids, product[inside]), month[inside] - as_of), qty[inside])
    return matrix


def main():
    args = parse_args()
    started = time.time()
    world = generate_leads.World(args.size, args.seed)
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.engines import sales_forecast
    from odoo.addons.crm_erp_bridge.models.crm_erp_sales_forecast import HISTORY_MONTHS, month_start
    from odoo.addons.crm_erp_bridge.queries import sales_forecast as queries
    from odoo.addons.crm_erp_bridge.queries.common import disable_jit, set_local_work_mem
    results = {'size': args.size, 'seed': args.seed, 'cutoffs': [str(c) for c in FORECAST_CUTOFFS]}
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        load_started = time.time()
        company, product_ids, category_ids, lead_ids, stage_ids, loaded = load_world(env, world)
        order = np.argsort(product_ids)
        product_ids, category_of = product_ids[order], category_ids[world.product_category[order]]
        results['loaded'] = dict(loaded, seconds=round(time.time() - load_started, 1))
        print('World %s loaded into the throwaway company %d: %s' % (args.size, company.id, results['loaded']))
        changes = sorted(stage_changes(world)[0])
        Forecast = env['crm.erp.sales.forecast']
        cells = {(level, h, name): ([], []) for level in ('product', 'category') for h in HORIZONS for name in METHODS}
        per_cutoff, seconds = [], []
        for cutoff in FORECAST_CUTOFFS:
            as_of = sales_forecast.month_index(cutoff)
            rewind(cr, world, lead_ids, stage_ids, changes, generate_leads.day_of(cutoff))
            env['crm.erp.clv.model']._fit([company.id], str(cutoff - datetime.timedelta(days=1)))
            env.cache.invalidate()
            forecasts = {}
            for name, customer_model in (('forecast (customer model)', True), ('forecast (run rate)', False)):
                start = time.perf_counter()
                columns = Forecast._forecast_columns(company.id, str(cutoff), customer_model)
                seconds.append(time.perf_counter() - start)
                future = columns['is_forecast']
                months = np.array([sales_forecast.month_index(datetime.date.fromisoformat(str(m)[:10]))
                                   for m in columns['month'][future]])
                forecasts[name] = per_product(product_ids, months, columns['product_id'][future],
                                              columns['product_qty'][future], as_of)
            disable_jit(cr)
            set_local_work_mem(cr, '256MB')
            sales = queries.monthly_sales(cr, company.id, month_start(as_of - HISTORY_MONTHS),
                                          month_start(as_of + max(HORIZONS)), as_of - 12)
            detail = np.asarray(sales['product_id']) > 0
            sale_month = np.asarray(sales['month'])
            past = detail & (sale_month < as_of)
            history = {'key': np.asarray(sales['product_id'])[past], 'month': sale_month[past],
                       'qty': np.asarray(sales['qty'], dtype=np.float64)[past]}
            forecasts['seasonal naive'] = sales_forecast.seasonal_naive(product_ids, history, as_of, max(HORIZONS))
            lines = queries.open_pipeline_lines(cr, company.id)
            forecasts['weighted pipeline (stage probability)'] = sales_forecast.weighted_pipeline(
                product_ids, [line['product_id'] for line in lines],
                [sales_forecast.month_index(datetime.date.fromisoformat(str(line['date_expected'])[:10]))
                 if line['date_expected'] else as_of
                 for line in lines], [float(line['qty']) for line in lines],
                [float(line['stage_probability']) for line in lines], as_of, max(HORIZONS))
            actual = per_product(product_ids, sale_month[detail], np.asarray(sales['product_id'])[detail],
                                 np.asarray(sales['qty'], dtype=np.float64)[detail], as_of)
            row = {'cutoff': str(cutoff), 'open_lines': len(lines)}
            for level in ('product', 'category'):
                if level == 'category':
                    group_keys, group_of = np.unique(category_of, return_inverse=True)

                    def grouped(matrix):
                        totals = np.zeros((len(group_keys), matrix.shape[1]))
                        np.add.at(totals, group_of, matrix)
                        return totals
                else:
                    def grouped(matrix):
                        return matrix
                for h in HORIZONS:
                    for name in METHODS:
                        cells[(level, h, name)][0].append(grouped(forecasts[name])[:, h - 1])
                        cells[(level, h, name)][1].append(grouped(actual)[:, h - 1])
                        if level == 'product':
                            row['%s h%d' % (name, h)] = round(sales_forecast.wape(
                                forecasts[name][:, h - 1], actual[:, h - 1]), 4)
            per_cutoff.append(row)
            print('cut-off %s: %d open lines; product WAPE h1 / h3: %s' % (
                cutoff, len(lines), ', '.join('%s %.3f / %.3f' % (name, row['%s h1' % name], row['%s h3' % name])
                                              for name in METHODS)))
        figures = {}
        for (level, h, name), (predicted, actual) in cells.items():
            predicted, actual = np.concatenate(predicted), np.concatenate(actual)
            figures.setdefault(level, {}).setdefault('h%d' % h, {})[name] = {
                'wape': round(sales_forecast.wape(predicted, actual), 4),
                'mape': round(sales_forecast.mape(predicted, actual), 4)}
        results.update({'per_cutoff': per_cutoff, 'figures': figures,
                        'forecast_columns_seconds': [round(min(seconds), 3), round(max(seconds), 3)]})
        cr.rollback()  # the throwaway company and everything loaded go
    print('\npooled over %d cut-offs (per key and month):' % len(FORECAST_CUTOFFS))
    for level, by_horizon in figures.items():
        for horizon, methods in by_horizon.items():
            print('  %s, %s:' % (level, horizon))
            for name, values in methods.items():
                print('    %-42s WAPE %.3f  MAPE %.3f' % (name, values['wape'], values['mape']))
    results['seconds'] = round(time.time() - started, 1)
    print('_forecast_columns %.2f - %.2f s; %.0f s in all; load average %s' % (
        results['forecast_columns_seconds'][0], results['forecast_columns_seconds'][1], results['seconds'],
        ' '.join('%.1f' % v for v in os.getloadavg())))
    if args.json:
        with open(args.json, 'w') as target:
            json.dump(results, target, indent=1, default=str)


if __name__ == '__main__':
    main()
