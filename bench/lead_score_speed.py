#!/usr/bin/env python3
"""Speed of scoring all of a company's open leads through the addon (issue 19: <= 5 s at L),
this checkout's code against an earlier commit's (--before, default main) in the same run, on
the same database, with the stored scores compared row by row.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/lead_score_speed.py i19s_l --company 1 \
        [--reps 3] [--before main] [--json bench/out/lead_score_speed.json]

The company's model must be fitted (its parameters stored; --fit fits it first and commits only
the model record). The "before" path is the earlier commit's queries/lead_score.py and
engines/lead_score.py (loaded from git) run as main's crm.erp.lead.score.model._score_open_leads
runs them since s29-lead (score_before: the features, the engine's lists, one json.dumps per
lead, the qualifications, one UPDATE of what changes). The "after" path is this checkout's
_score_open_leads().

Two cases, each path in its own transaction, rolled back, the two paths alternating:
- "every score changes": the stored scores are the ones found on the database (none on a copy
  of q_l: the first scoring, or the first after a refit, writes every lead);
- "nothing changes": after one scoring committed (this checkout's), the same model the same
  day again (what a rescoring of unchanged leads costs); at the end the scores found at the
  start are put back.
The first run of each path in a case is also given alone (caches colder). The 1-minute load
average is sampled every 2 s. Run it on a copy: the script commits (the model's parameters
with --fit, the scores between the two cases, then their restoration)."""
import os
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # as scripts/odoo runs the server, before numpy loads

import argparse  # noqa: E402
import datetime  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, load_odoo, machine, write_json  # noqa: E402
from evaluate_leads_addon import LoadSampler, Timer, set_parameters  # noqa: E402

SCORE_COLUMNS = ('crm_erp_win_chance', 'crm_erp_win_reason_data', 'crm_erp_win_chance_date',
                 'crm_erp_weighted_revenue', 'crm_erp_qualification')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('database')
    parser.add_argument('--company', type=int, required=True)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--before', default='main', help='the git commit whose scoring is the baseline')
    parser.add_argument('--fit', action='store_true', help='fit the model first (commits the model record only)')
    parser.add_argument('--vacuum', action='store_true',
                        help='VACUUM crm_lead before each run (as autovacuum does between two nightly scorings): '
                             'the row versions a rolled-back run left take no room from the next')
    parser.add_argument('--json')
    return parser.parse_args()


def load_before(ref, path='queries/lead_score.py'):
    """The module path (queries/lead_score.py, engines/lead_score.py) of commit ref, as a module
    of the installed addon's package (its relative imports resolve to this checkout's common
    and sql)."""
    text = subprocess.check_output(['git', 'show', '%s:crm_erp_bridge/%s' % (ref, path)], cwd=ROOT).decode()
    package = 'odoo.addons.crm_erp_bridge.' + path.split('/')[0]
    name = '%s.%s_before' % (package, path.split('/')[1][:-3])
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = package
    exec(compile(text, '%s:%s' % (ref, path), 'exec'), module.__dict__)
    sys.modules[name] = module
    return module


def score_before(record, queries, engine, today):
    """main's _score_open_leads() (at 8f3a4f1, as s29-lead left it), with the earlier commit's
    queries and engine modules."""
    from odoo.addons.crm_erp_bridge.models.crm_erp_lead_score_model import _json_value
    model = engine.load(json.loads(record.parameters))
    company_id = record.company_id.id
    columns = queries.lead_features(record.env.cr, company_id, today)
    scores = model.score(columns) if columns['lead_id'] else []
    chances, reasons = [], []
    for probability, top in scores:
        chances.append(None if probability is None else round(100.0 * probability, 1))
        reasons.append(json.dumps([[feature, _json_value(value), round(contribution, 4)]
                                   for feature, value, contribution in top]) if probability is not None else None)
    leads = record.env['crm.lead'].browse(columns['lead_id'])
    changed = queries.write_scores(record.env.cr, columns['lead_id'], chances, reasons, today,
                                   qualifications=leads._crm_erp_open_qualifications(company_id, chances))
    leads.invalidate_cache(['crm_erp_win_chance', 'crm_erp_win_reason_data', 'crm_erp_win_chance_date',
                            'crm_erp_weighted_revenue', 'crm_erp_qualification'], changed)
    for name in ('crm_erp_weighted_revenue', 'crm_erp_qualification'):
        record.env.remove_todo(leads._fields[name], leads)
    record.write({'scored_count': sum(1 for chance in chances if chance is not None)})
    return len(columns['lead_id'])


def fingerprint(cr, company_id):
    """md5 of the company's leads' stored score columns, by id, and how many have a score."""
    cr.execute("""SELECT md5(string_agg(concat_ws('|', id, {columns}), E'\\n' ORDER BY id)),
                         COUNT(crm_erp_win_chance)
                    FROM crm_lead WHERE company_id = %s""".format(columns=', '.join(SCORE_COLUMNS)), [company_id])
    return list(cr.fetchone())


def hot_updates(cr):
    cr.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'crm_lead'")
    return list(cr.fetchone() or (0, 0))


def run_once(odoo, args, path, before, today, timer):
    from odoo import SUPERUSER_ID, api
    if args.vacuum:
        with odoo.sql_db.db_connect(args.database).cursor() as cr:
            cr.autocommit(True)  # VACUUM runs outside a transaction
            cr.execute('VACUUM crm_lead')
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        record = env['crm.erp.lead.score.model'].search([('company_id', '=', args.company)])
        record.parameters  # noqa: B018 read before the clock starts, as the fit has it
        timer.take()
        start_upd = hot_updates(cr)
        wall = time.perf_counter()
        count = score_before(record, *before, today) if path == 'before' else record._score_open_leads(today=today)
        wall = time.perf_counter() - wall
        upd = [a - b for a, b in zip(hot_updates(cr), start_upd)]
        result = {'wall': round(wall, 3), 'leads': count, 'parts': timer.take(), 'rows_updated': upd[0],
                  'hot_updates': upd[1], 'stored': fingerprint(cr, args.company), 'load': os.getloadavg()[0]}
        cr.rollback()
    return result


def case(odoo, args, before, today, timer, name):
    runs = {'before': [], 'after': []}
    for rep in range(args.reps):
        for path in ('before', 'after') if rep % 2 == 0 else ('after', 'before'):
            result = run_once(odoo, args, path, before, today, timer)
            runs[path].append(result)
            print(name, path, rep, json.dumps(result), flush=True)
    summary = {}
    for path, results in runs.items():
        walls = [r['wall'] for r in results]
        summary[path] = {'first': walls[0], 'median': round(statistics.median(walls), 3),
                         'median_after_first': round(statistics.median(walls[1:]), 3) if len(walls) > 1 else None,
                         'min': min(walls), 'max': max(walls), 'runs': results}
    same = {tuple(r['stored']) for path in runs for r in runs[path]}
    summary['same_stored_scores'] = len(same) == 1
    return summary


def main():
    args = parse_args()
    today = datetime.date.today()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.engines import lead_score
    from odoo.addons.crm_erp_bridge.models import crm_erp_lead_score_model
    from odoo.addons.crm_erp_bridge.queries import lead_score as lead_score_queries
    before = (load_before(args.before), load_before(args.before, 'engines/lead_score.py'))
    timer = Timer()
    for module, label in ((before[0], 'before '), (lead_score_queries, '')):
        timer.wrap(module, 'lead_features', label + 'lead_features SQL')
        timer.wrap(module, 'write_scores', label + 'write_scores SQL')
    timer.wrap(before[1].LeadScoreModel, 'score', 'before engine score')
    timer.wrap(lead_score.LeadScoreModel, 'score_arrays', 'engine score_arrays')
    timer.wrap(crm_erp_lead_score_model, '_chances_and_reasons', 'reasons JSON')
    registry = odoo.registry(args.database)
    timer.wrap(registry['crm.lead'], '_crm_erp_open_qualifications', 'qualifications')
    sampler = LoadSampler()
    sampler.start()
    result = {'machine': machine(), 'database': args.database, 'company': args.company, 'today': str(today),
              'vacuum': args.vacuum, 'crm_lead_options': None,
              'before': args.before, 'after': subprocess.check_output(
                  ['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT).decode().strip(),
              'openblas_threads': os.environ.get('OPENBLAS_NUM_THREADS')}
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.fit:
            env['crm.erp.lead.score.model']._fit([args.company], today=today)
            parameters = env['crm.erp.lead.score.model'].search([('company_id', '=', args.company)]).parameters
            cr.rollback()
            set_parameters(env, args.company, parameters)
        record = env['crm.erp.lead.score.model'].search([('company_id', '=', args.company)])
        if not record.parameters:
            raise SystemExit('company %d has no fitted lead score model: --fit' % args.company)
        result['model'] = json.loads(record.parameters)['kind']
        cr.execute("SELECT reloptions FROM pg_class WHERE relname = 'crm_lead'")
        result['crm_lead_options'] = cr.fetchone()[0]
        cr.execute("""CREATE TABLE IF NOT EXISTS i19s_saved_scores AS SELECT id, {columns} FROM crm_lead
                       WHERE company_id = %s""".format(columns=', '.join(SCORE_COLUMNS)), [args.company])
        result['start'] = fingerprint(cr, args.company)
        cr.commit()
    try:
        result['every_score_changes'] = case(odoo, args, before, today, timer, 'changes')
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env['crm.erp.lead.score.model'].search([('company_id', '=', args.company)])._score_open_leads(today=today)
            cr.commit()
        result['nothing_changes'] = case(odoo, args, before, today, timer, 'unchanged')
    finally:
        with registry.cursor() as cr:
            cr.execute("""UPDATE crm_lead l SET {sets} FROM i19s_saved_scores s WHERE s.id = l.id
                             AND ({old}) IS DISTINCT FROM ({new})""".format(
                sets=', '.join('%s = s.%s' % (c, c) for c in SCORE_COLUMNS),
                old=', '.join('l.' + c for c in SCORE_COLUMNS), new=', '.join('s.' + c for c in SCORE_COLUMNS)))
            cr.execute('DROP TABLE i19s_saved_scores')
            result['end'] = fingerprint(cr, args.company)
            cr.commit()
    sampler.stopped.set()
    result['load_average_1min'] = sampler.summary()
    print(json.dumps({key: value for key, value in result.items()}, indent=1, default=str))
    if args.json:
        write_json(args.json, result)


if __name__ == '__main__':
    main()
