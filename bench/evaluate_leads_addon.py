#!/usr/bin/env python3
"""Time-holdout evaluation and speed of the lead score THROUGH THE ADDON (issue 19, plan step 8):
the addon's SQL (queries/lead_score.py) and model (crm.erp.lead.score.model._fit, which fits on
training_snapshots and scores the open leads through lead_features) on a database loaded by
bench/load_leads.py with a GENERATED lead World (bench/generate_leads.py: a planted,
documented dependence of the outcome on the features; nothing here is real data).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/evaluate_leads_addon.py i19b_l --company 1 \
        [--end 2026-12-07] [--reopen-all] [--json bench/out/leads_addon.json]

--end is the World's last day as loaded (load_leads.py --cutoff, default today). The cut-offs are
evaluate_leads.py's (2025-01-01 .. 2025-09-01 of the World), shifted as the loader shifted them.

At each cut-off c the database is brought back to what it knew at the start of day c, inside a
savepoint that is rolled back: the company's leads closed on or after c are reopened (active,
probability 50, no closing date; their stage that day comes from the stage tracking, as the
queries read it), the leads created on or after c are set aside (archived, no closing date:
neither open nor closed for the queries). Then the addon fits as of c - 1 (its `today`
parameter: the features of a day include that day's messages, so the last full day before the
cut-off) and scores the leads open then; their outcome comes after c. Against Odoo's stage
probability (lead_features' stage_probability, the same rows) and the team's historical win
rate (the engine's WinRateModel on the leads closed before c, as evaluate_leads.py), same leads,
same run. AUC and Brier per cut-off and pooled, paired bootstrap of the AUC differences.

Speed, in the same run at the World's last day (speed_run): the fit (_fit: the snapshots' SQL,
the engine's numpy/scipy fit, the scoring of the open leads), and the scoring of the company's
open leads with the stored model (_score_open_leads: lead_features' SQL, the engine's scoring,
the one UPDATE), on the World's open leads and, with --reopen-all, on all 25,000 leads of the
company reopened (the L database's scale). The machine's 1-minute load average is sampled every
2 s. The evaluation is one transaction and each speed measure another, all rolled back; only
--reopen-all commits (the reopening, undone at the end): use it on a copy."""
import os
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # as scripts/odoo runs the server, before numpy loads

import argparse  # noqa: E402
import datetime  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_leads  # noqa: E402 (the bench folder is not a package)
from bench import load_odoo, machine, write_json  # noqa: E402
from evaluate_leads import LEAD_CUTOFFS, paired_bootstrap  # noqa: E402

METHODS = ('addon lead score', 'Odoo stage probability', 'team win rate')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('database')
    parser.add_argument('--company', type=int, required=True)
    parser.add_argument('--end', help="the World's last day as loaded (YYYY-MM-DD, default today)")
    parser.add_argument('--bootstrap', type=int, default=500)
    parser.add_argument('--speed-only', action='store_true',
                        help="only the speed measures, on the company's leads as they are (any database)")
    parser.add_argument('--reopen-all', action='store_true',
                        help="also score every lead of the company reopened (commits on the database: a copy only)")
    parser.add_argument('--json', help='all figures as JSON')
    return parser.parse_args()


class Timer(object):
    """Wall and CPU seconds of the calls of wrapped functions, by name (the functions the addon's
    model calls by attribute: a module's function or a class's method), and the last result."""

    def __init__(self):
        self.wall, self.cpu, self.last = {}, {}, {}

    def wrap(self, owner, attribute, name):
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            result = original(*args, **kwargs)
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
            self.last[name] = result
            return result
        setattr(owner, attribute, timed)

    def take(self):
        figures = {name: {'wall': round(self.wall[name], 2), 'cpu': round(self.cpu[name], 2)} for name in self.wall}
        self.wall, self.cpu = {}, {}
        return figures


class LoadSampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.stopped = [], threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.samples.append(os.getloadavg()[0])
            self.stopped.wait(2.0)

    def summary(self):
        values = self.samples or [os.getloadavg()[0]]
        return {'min': round(min(values), 2), 'mean': round(sum(values) / len(values), 2), 'max': round(max(values), 2),
                'samples': len(values)}


def rewind(cr, company_id, cutoff):
    """The company's leads as the database knew them at the start of the cut-off day (module
    docstring); inside the caller's savepoint."""
    cr.execute("""UPDATE crm_lead SET active = TRUE, probability = 50, date_closed = NULL
                   WHERE company_id = %s AND date_closed >= %s AND create_date < %s""", [company_id, cutoff, cutoff])
    cr.execute("""UPDATE crm_lead SET active = FALSE, probability = 50, date_closed = NULL
                   WHERE company_id = %s AND create_date >= %s""", [company_id, cutoff])


def outcomes(cr, company_id):
    """{lead id: won} of the company's closed leads (won: active, probability 100; lost: archived,
    probability 0), with their closing time and team name."""
    cr.execute("""SELECT l.id, l.active AND l.probability >= 100, l.date_closed, t.name
                    FROM crm_lead l LEFT JOIN crm_team t ON t.id = l.team_id
                   WHERE l.company_id = %s AND l.date_closed IS NOT NULL
                     AND ((l.active AND l.probability >= 100) OR (NOT l.active AND l.probability = 0))""", [company_id])
    return {lead: (won, closed, team) for lead, won, closed, team in cr.fetchall()}


def pooled_figures(lead_score, pooled, rounds):
    """AUC and Brier of each method over the leads of every cut-off, and the paired bootstrap
    interval of the lead score's AUC differences."""
    won = np.concatenate(pooled['won'])
    summary = {}
    for name in METHODS:
        values = np.concatenate(pooled[name])
        summary[name] = {'auc': round(lead_score.auc(values, won), 4),
                         'brier': round(lead_score.brier(values, won), 4), 'mean': round(float(values.mean()), 4)}
    rng = np.random.default_rng(0)
    for baseline in METHODS[1:]:
        summary['addon lead score - ' + baseline] = {
            'auc': round(summary['addon lead score']['auc'] - summary[baseline]['auc'], 4),
            'auc_95': paired_bootstrap(rng, won, np.concatenate(pooled['addon lead score']),
                                       np.concatenate(pooled[baseline]), rounds)}
    return {'pooled': summary, 'holdout_leads': int(len(won)), 'won_share': round(float(won.mean()), 4)}


def set_parameters(env, company_id, parameters):
    """The company's model record with the given fitted parameters (a fit's, kept across a
    rollback): only that record is written, the leads are not touched."""
    from odoo.addons.crm_erp_bridge.queries.common import ensure_company_rows
    ensure_company_rows(env.cr, 'crm_erp_lead_score_model', [company_id], env.uid)
    record = env['crm.erp.lead.score.model'].search([('company_id', '=', company_id)])
    record.write({'parameters': parameters})
    return record


def speed_run(odoo, args, end, timer):
    """The speed targets at the World's last day, each in a transaction of its own as the cron
    and the Fit now button run them (a lead written earlier in the same transaction makes
    PostgreSQL check all its foreign keys again on the next UPDATE: the scores' write took twice
    as long after the rewind of the evaluation): the fit, then the scoring of the open leads with
    the stored model, each rolled back; the snapshots' statement once more with PostgreSQL's JIT
    on (as before the fix in queries/lead_score.py). With --reopen-all (on a copy only), the
    scoring again with every lead of the company open (25,000: the L database's scale), the
    reopening committed before and undone after."""
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.queries import lead_score as lead_score_queries
    registry, speed = odoo.registry(args.database), {}
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute('SAVEPOINT fit')
        wall = time.perf_counter()
        env['crm.erp.lead.score.model']._fit([args.company], today=end)
        speed['fit'] = {'wall': round(time.perf_counter() - wall, 2), 'parts': timer.take()}
        record = env['crm.erp.lead.score.model'].search([('company_id', '=', args.company)])
        speed['fit']['snapshots'] = record.size
        parameters = record.parameters
        cr.execute('ROLLBACK TO SAVEPOINT fit')
        env['crm.lead'].invalidate_cache()  # every model's cache (Odoo 11)
        record = set_parameters(env, args.company, parameters)
        wall = time.perf_counter()
        count = record._score_open_leads(today=end)
        speed['score_open'] = {'wall': round(time.perf_counter() - wall, 2), 'leads': count, 'parts': timer.take()}
        cr.execute('SET LOCAL jit = on')
        wall = time.perf_counter()
        cr.execute(lead_score_queries._SNAPSHOT_PAIRS_SQL + lead_score_queries._FEATURES_SQL,
                   {'company_id': args.company, 'today': end, 'months': 18})
        speed['snapshots_sql_jit_on'] = {'wall': round(time.perf_counter() - wall, 2), 'rows': len(cr.fetchall())}
        cr.rollback()
    if not args.reopen_all:
        return speed
    with registry.cursor() as cr:
        cr.execute("""CREATE TABLE i19_bench_saved_leads AS SELECT id, active, probability, date_closed
                        FROM crm_lead WHERE company_id = %s""", [args.company])
        cr.execute("""UPDATE crm_lead SET active = TRUE, probability = 50, date_closed = NULL
                       WHERE company_id = %s""", [args.company])
        cr.commit()
    try:
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            record = set_parameters(env, args.company, parameters)
            wall = time.perf_counter()
            count = record._score_open_leads(today=end)
            speed['score_all_reopened'] = {'wall': round(time.perf_counter() - wall, 2), 'leads': count,
                                           'parts': timer.take()}
            cr.rollback()
    finally:
        with registry.cursor() as cr:
            cr.execute("""UPDATE crm_lead l SET active = s.active, probability = s.probability,
                                 date_closed = s.date_closed
                            FROM i19_bench_saved_leads s WHERE s.id = l.id""")
            cr.execute("DROP TABLE i19_bench_saved_leads")
            cr.commit()
    return speed


def main():
    args = parse_args()
    end = datetime.date.fromisoformat(args.end) if args.end else datetime.date.today()
    first_day = end - datetime.timedelta(days=generate_leads.DAYS)
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.engines import lead_score
    from odoo.addons.crm_erp_bridge.queries import lead_score as lead_score_queries
    timer = Timer()
    timer.wrap(lead_score_queries, 'training_snapshots', 'snapshots SQL')
    timer.wrap(lead_score_queries, 'lead_features', 'open leads SQL')
    timer.wrap(lead_score_queries, 'write_scores', 'write scores SQL')
    timer.wrap(lead_score, 'fit', 'engine fit')
    timer.wrap(lead_score.LeadScoreModel, 'score_arrays', 'engine score')  # what _score_open_leads calls
    sampler = LoadSampler()
    sampler.start()
    started = time.time()
    result = {'machine': machine(), 'openblas_threads': os.environ.get('OPENBLAS_NUM_THREADS'),
              'database': args.database, 'company': args.company, 'end': str(end), 'per_cutoff': []}
    pooled = {name: [] for name in METHODS + ('won',)}
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Model = env['crm.erp.lead.score.model']
        closed = outcomes(cr, args.company)
        for world_cutoff in () if args.speed_only else LEAD_CUTOFFS:
            cutoff = first_day + datetime.timedelta(days=generate_leads.day_of(world_cutoff))
            as_of = cutoff - datetime.timedelta(days=1)
            cr.execute('SAVEPOINT cutoff')
            rewind(cr, args.company, cutoff)
            env['crm.lead'].invalidate_cache()  # every model's cache (Odoo 11)
            wall = time.perf_counter()
            Model._fit([args.company], today=as_of)
            fit_wall = time.perf_counter() - wall
            parts = timer.take()
            record = Model.search([('company_id', '=', args.company)])
            columns = timer.last['open leads SQL']
            cr.execute("SELECT id, crm_erp_win_chance FROM crm_lead WHERE id = ANY(%s)", [columns['lead_id']])
            chance = dict(cr.fetchall())
            keep = [i for i, lead in enumerate(columns['lead_id']) if lead in closed]
            won = np.array([closed[columns['lead_id'][i]][0] for i in keep], dtype=np.float64)
            # Odoo's cursor returns timestamps as text: ISO strings compare as the times
            history = [(team, won_) for won_, closed_at, team in closed.values() if str(closed_at) < str(cutoff)]
            win_rate = lead_score.WinRateModel.train({'team': [team for team, _won in history]},
                                                     np.array([w for _team, w in history], dtype=np.float64))
            scores = {
                'addon lead score': np.array([float(chance[columns['lead_id'][i]]) / 100.0 for i in keep]),
                'Odoo stage probability': np.array([(columns['stage_probability'][i] or 0.0) / 100.0 for i in keep]),
                'team win rate': np.asarray(win_rate.probabilities({'team': [columns['team'][i] for i in keep]}),
                                            dtype=np.float64),
            }
            row = {'world_cutoff': str(world_cutoff), 'cutoff': str(cutoff), 'fitted_as_of': str(as_of),
                   'open_leads_scored': len(columns['lead_id']), 'holdout_leads': len(keep),
                   'won_share': round(float(won.mean()), 3), 'model': {
                       'kind': record.kind, 'snapshots': record.size, 'won_snapshots': record.won_count,
                       'leads': record.lead_count, 'holdout_auc': record.holdout_auc,
                       'holdout_brier': record.holdout_brier, 'stage_auc': record.stage_auc, 'l2': record.l2},
                   'fit_wall_seconds': round(fit_wall, 2), 'parts': parts}
            for name in METHODS:
                row[name] = {'auc': round(lead_score.auc(scores[name], won), 4),
                             'brier': round(lead_score.brier(scores[name], won), 4)}
                pooled[name].append(scores[name])
            pooled['won'].append(won)
            result['per_cutoff'].append(row)
            print(json.dumps(row), flush=True)
            cr.execute('ROLLBACK TO SAVEPOINT cutoff')
            env['crm.lead'].invalidate_cache()  # every model's cache (Odoo 11)
        if pooled['won']:
            result.update(pooled_figures(lead_score, pooled, args.bootstrap))
        cr.rollback()  # nothing of the evaluation stays in the database
    result['speed'] = speed_run(odoo, args, end, timer)
    sampler.stopped.set()
    result['load_average_1min'] = sampler.summary()
    result['run_seconds'] = round(time.time() - started, 1)
    print(json.dumps({key: result.get(key) for key in ('pooled', 'holdout_leads', 'won_share', 'speed',
                                                       'load_average_1min', 'run_seconds', 'machine')}, indent=1))
    if args.json:
        write_json(args.json, result)


if __name__ == '__main__':
    main()
