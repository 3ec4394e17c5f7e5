#!/usr/bin/env python3
"""Load a GENERATED lead world (bench/generate_leads.py, size L) into one company of an Odoo
database, for the lead score benchmark through the addon (issue 19, plan step 8;
bench/evaluate_leads_addon.py). The data are generated, with the planted dependence of the
outcome on the features documented in generate_leads.py; nothing here is real.

    .venv/bin/python bench/load_leads.py i19b_l --company 1 [--seed 19] [--cutoff 2026-12-07]

The company's own leads (and their messages) are deleted first, so every lead of the company is
the World's. The World's three years are shifted so that they end on the cutoff (default:
today). It writes exactly what queries/lead_score.py (lead_features, training_snapshots) reads:

- crm_lead (multi-row COPY): name, type opportunity, company, team (6 crm.team rows created
  "Bench team N"), salesperson (40 res.users "Bench salesperson N" created through the ORM:
  a handful of rows, with their partner and groups as Odoo makes them), source and medium
  (utm rows found or created by name), country, partner (the World's customers mapped, in
  order, onto the company's customers that have confirmed orders; prospects have none),
  planned_revenue (the World's expected revenue), create_date, date_deadline, date_closed,
  stage_id and probability today (won: stage Won, probability 100; lost: archived,
  probability 0, the stage it had; open: its stage's probability);
- crm_lead_line: the World's lines, its products mapped onto the database's products: World
  category k onto the k-th product category modulo their number (a database with fewer
  categories merges some of them: part of the planted category effect is lost), the n-th
  World product of a category onto the n-th product of the mapped category;
- mail_message on model crm.lead: message_type 'comment' for each activity, 'email' for each
  email, 'notification' carrying the stage changes, at their day (only days before the cutoff);
- mail_tracking_value of field stage_id for each stage change (New -> Qualified ->
  Proposition, -> Won on the closing day of a won lead). The World never changes a lead's
  salesperson, team or expected revenue, so there is no tracking row of those.

What the World does not put in the database: its customers' orders. The customer features
(orders, revenue, Customer 360 stage) come from the database's own orders of the mapped
customers, which know nothing of the World's customer loyalty: that part of the planted signal
(0.7 x loyalty in the log-odds) is noise here. Everything is written in one transaction,
committed at the end."""
import argparse
import datetime
import io
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_leads  # noqa: E402 (the bench folder is not a package)
from bench import load_odoo  # noqa: E402

BENCH_LOGIN = 'bench.salesperson.%d'
STAGE_NAMES = [name for name, _probability in generate_leads.STAGES] + ['Won']


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('database')
    parser.add_argument('--company', type=int, required=True)
    parser.add_argument('--seed', type=int, default=19)
    parser.add_argument('--cutoff', help="the World's last day (YYYY-MM-DD, default today)")
    return parser.parse_args()


def copy_rows(cr, table, columns, rows):
    """COPY rows (tuples; None is NULL) into table(columns)."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write('\t'.join('\\N' if value is None else str(value) for value in row))
        buffer.write('\n')
    buffer.seek(0)
    cr._obj.copy_expert('COPY %s (%s) FROM STDIN' % (table, ', '.join(columns)), buffer)


def new_ids(cr, sequence, count):
    cr.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
    return [row[0] for row in cr.fetchall()]


def stage_changes(world):
    """[(lead, day, old stage index, new stage index)] of every stage change of the World's
    leads before its end (generate_leads.World.features' stage rule), and each lead's stage today
    (index in STAGE_NAMES: 3 = Won)."""
    life = np.maximum(world.closed - world.created, 1)
    changes, current = [], np.zeros(len(world.created), dtype=np.int64)
    for lead in range(len(world.created)):
        if world.won[lead]:
            steps = [(0.25, 0, 1), (0.6, 1, 2)]
        elif world.lost_stays_new[lead]:
            steps = []
        else:
            steps = [(0.3, 0, 1), (0.8, 1, 2)]
        created, closed = int(world.created[lead]), int(world.closed[lead])
        moves = [(created + int(math.ceil(share * life[lead])), old, new) for share, old, new in steps]
        if world.won[lead]:
            moves.append((closed, 2, 3))
        for day, old, new in moves:
            if day < generate_leads.DAYS and day <= closed:
                changes.append((lead, day, old, new))
                current[lead] = new
    return changes, current


def main():
    args = parse_args()
    cutoff = datetime.date.fromisoformat(args.cutoff) if args.cutoff else datetime.date.today()
    first_day = cutoff - datetime.timedelta(days=generate_leads.DAYS)
    started = time.time()
    world = generate_leads.World('L', args.seed)
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    with api.Environment.manage(), odoo.registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env['res.company'].browse(args.company)
        n = world.n

        def date_of(day, hour=9):
            return datetime.datetime.combine(first_day + datetime.timedelta(days=int(day)), datetime.time(hour))

        # the company's own leads go: every lead of the company is the World's
        cr.execute("SELECT id FROM crm_lead WHERE company_id = %s", [company.id])
        old_ids = [row[0] for row in cr.fetchall()]
        cr.execute("DELETE FROM mail_message WHERE model = 'crm.lead' AND res_id = ANY(%s)", [old_ids])
        cr.execute("DELETE FROM crm_lead WHERE id = ANY(%s)", [old_ids])
        print('deleted %d leads of company %d' % (len(old_ids), company.id))

        # the few rows Odoo makes: teams, salespeople, utm sources and mediums (ORM, found by name)
        teams = []
        for team in range(n['teams']):
            name = 'Bench team %d' % team
            record = env['crm.team'].search([('name', '=', name), ('company_id', '=', company.id)], limit=1)
            teams.append((record or env['crm.team'].create({'name': name, 'company_id': company.id,
                                                            'use_opportunities': True})).id)
        salesman = env.ref('sales_team.group_sale_salesman')
        users, user_partner = [], []
        for person in range(n['salespeople']):
            login = BENCH_LOGIN % person
            user = env['res.users'].with_context(active_test=False).search([('login', '=', login)], limit=1)
            if not user:
                user = env['res.users'].with_context(no_reset_password=True, mail_create_nosubscribe=True).create({
                    'name': 'Bench salesperson %d' % person, 'login': login, 'company_id': company.id,
                    'company_ids': [(6, 0, [company.id])], 'groups_id': [(6, 0, [salesman.id])]})
            users.append(user.id)
            user_partner.append(user.partner_id.id)
        sources = [(env['utm.source'].search([('name', '=', name)], limit=1)
                    or env['utm.source'].create({'name': name})).id for name in generate_leads.SOURCES]
        mediums = [(env['utm.medium'].search([('name', '=', name)], limit=1)
                    or env['utm.medium'].create({'name': name})).id for name in generate_leads.MEDIUMS]
        cr.execute("SELECT code, id FROM res_country WHERE code = ANY(%s)", [world.countries])
        country_id = dict(cr.fetchall())
        countries = [country_id[code] for code in world.countries]
        cr.execute("SELECT name, id, probability FROM crm_stage WHERE team_id IS NULL AND name = ANY(%s)",
                   [STAGE_NAMES])
        stage_rows = {name: (stage_id, probability) for name, stage_id, probability in cr.fetchall()}
        stages = [stage_rows[name][0] for name in STAGE_NAMES]
        stage_probability = [stage_rows[name][1] for name in STAGE_NAMES]

        # customers: the company's customers with confirmed orders, in id order
        cr.execute("""SELECT DISTINCT partner_id FROM sale_order
                       WHERE company_id = %s AND state IN ('sale', 'done') ORDER BY partner_id""", [company.id])
        partners = [row[0] for row in cr.fetchall()]
        customer_partner = [partners[i % len(partners)] for i in range(n['customers'])]
        # products: World category k -> k-th category (modulo), n-th product of it -> n-th product
        cr.execute("""SELECT pt.categ_id, pp.id, pt.uom_id FROM product_product pp
                        JOIN product_template pt ON pt.id = pp.product_tmpl_id
                       WHERE pp.active AND pt.sale_ok AND (pt.company_id IS NULL OR pt.company_id = %s)
                       ORDER BY pt.categ_id, pp.id""", [company.id])
        by_category = {}
        for categ_id, product_id, uom_id in cr.fetchall():
            by_category.setdefault(categ_id, []).append((product_id, uom_id))
        categories = sorted(by_category)
        product_map, rank = [], {}
        for product in range(n['products']):
            category = categories[int(world.product_category[product]) % len(categories)]
            at = rank.get(category, 0)
            rank[category] = at + 1
            product_map.append(by_category[category][at % len(by_category[category])])

        # leads
        count = len(world.created)
        changes, current = stage_changes(world)
        lead_ids = new_ids(cr, 'crm_lead_id_seq', count)
        closed_before_end = world.closed < generate_leads.DAYS
        rows = []
        for lead in range(count):
            created = date_of(world.created[lead])
            closed = closed_before_end[lead]
            won, stage = bool(world.won[lead]) and closed, int(current[lead])
            active = not closed or won
            probability = 100.0 if won else 0.0 if closed else stage_probability[stage]
            customer = int(world.customer[lead])
            rows.append((
                lead_ids[lead], 'Bench lead %d' % lead, 'opportunity', company.id, teams[world.team[lead]],
                users[world.salesperson[lead]], sources[world.source[lead]], mediums[world.medium[lead]],
                countries[world.country[lead]], customer_partner[customer] if customer >= 0 else None,
                round(float(world.expected_revenue[lead]), 2), created, created, created,
                first_day + datetime.timedelta(days=int(world.deadline[lead])),
                date_of(world.closed[lead], 17) if closed else None, stages[stage], probability,
                't' if active else 'f', SUPERUSER_ID, SUPERUSER_ID, '1', 0))
        copy_rows(cr, 'crm_lead', (
            'id', 'name', 'type', 'company_id', 'team_id', 'user_id', 'source_id', 'medium_id', 'country_id',
            'partner_id', 'planned_revenue', 'create_date', 'write_date', 'date_open', 'date_deadline',
            'date_closed', 'stage_id', 'probability', 'active', 'create_uid', 'write_uid', 'priority', 'color'),
            rows)
        copy_rows(cr, 'crm_lead_line', (
            'lead_id', 'company_id', 'sequence', 'product_id', 'product_qty', 'product_uom_id', 'price_unit',
            'price_subtotal', 'create_date', 'write_date', 'create_uid', 'write_uid'), (
            (lead_ids[lead], company.id, 10, product_map[product][0], qty, product_map[product][1],
             float(world.price[product]), round(qty * float(world.price[product]), 2),
             date_of(world.created[lead]), date_of(world.created[lead]), SUPERUSER_ID, SUPERUSER_ID)
            for lead, product, qty in zip(world.line_lead.tolist(), world.line_product.tolist(),
                                          world.line_qty.tolist())))

        # messages: activities (comment), emails (email) and stage changes (notification)
        note = env.ref('mail.mt_note').id
        comment = env.ref('mail.mt_comment').id
        stage_subtype = env.ref('crm.mt_lead_stage').id
        events = []  # (lead, day, hour, message_type, subtype, body)
        for kind, leads, days, subtype, hour in (('comment', world.activity_lead, world.activity_day, note, 10),
                                                 ('email', world.email_lead, world.email_day, comment, 14)):
            for lead, day in zip(leads.tolist(), days.tolist()):
                if day < generate_leads.DAYS:
                    events.append((lead, day, hour, kind, subtype, '<p>Bench %s</p>' % kind))
        message_ids = new_ids(cr, 'mail_message_id_seq', len(events) + len(changes))
        copy_rows(cr, 'mail_message', (
            'id', 'date', 'body', 'model', 'res_id', 'message_type', 'subtype_id', 'author_id', 'no_auto_thread',
            'create_date', 'write_date', 'create_uid', 'write_uid'), (
            (message_id, date_of(day, hour), body, 'crm.lead', lead_ids[lead], kind, subtype,
             user_partner[world.salesperson[lead]], 'f', date_of(day, hour), date_of(day, hour),
             SUPERUSER_ID, SUPERUSER_ID)
            for message_id, (lead, day, hour, kind, subtype, body) in zip(message_ids, events + [
                (lead, day, 11, 'notification', stage_subtype, '') for lead, day, _old, _new in changes])))
        tracking_ids = message_ids[len(events):]
        copy_rows(cr, 'mail_tracking_value', (
            'mail_message_id', 'field', 'field_desc', 'field_type', 'old_value_integer', 'old_value_char',
            'new_value_integer', 'new_value_char', 'create_date', 'write_date', 'create_uid', 'write_uid'), (
            (message_id, 'stage_id', 'Stage', 'many2one', stages[old], STAGE_NAMES[old], stages[new],
             STAGE_NAMES[new], date_of(day, 11), date_of(day, 11), SUPERUSER_ID, SUPERUSER_ID)
            for message_id, (lead, day, old, new) in zip(tracking_ids, changes)))
        for table in ('crm_lead', 'crm_lead_line', 'mail_message', 'mail_tracking_value'):
            cr.execute('ANALYZE %s' % table)  # pylint: disable=sql-injection (names from the code)
        cr.commit()
        print('loaded %d leads (%d won, %d lost, %d open today), %d lines, %d messages (%d stage changes) '
              'into company %d, %s .. %s, in %.0f s' % (
                  count, int((world.won & closed_before_end).sum()), int((~world.won & closed_before_end).sum()),
                  int((~closed_before_end).sum()), len(world.line_lead), len(message_ids), len(changes), company.id,
                  first_day, cutoff, time.time() - started))


if __name__ == '__main__':
    main()
