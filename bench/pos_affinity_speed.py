#!/usr/bin/env python3
"""Speed of the full product affinity recompute with point of sale tickets (issue 21): on a
database with crm_erp_bridge_pos, in one transaction rolled back at the end, the full recompute
of the main company (`_recompute_affinity`) is timed REPS times with the sale orders' baskets
only (the core's basket sources: the statements of a database without the point of sale) and
with the glue's (sale orders + tickets), alternately; first with no ticket in the database
(what the UNION ALL of an empty ticket source costs), then after a share of the confirmed sale
orders was copied as paid tickets (same day and products; a share of them without customer:
one INSERT each for the tickets and their lines, in a session opened for the purpose).

    .venv/bin/python bench/pos_affinity_speed.py --db DB --share 1.0 --anonymous 0.3 --reps 7
"""
import argparse
import os
import time

from bench import load_odoo
from pos_tickets import copy_orders_as_tickets, describe


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--share', type=float, default=1.0, help='share of the sale orders copied as tickets')
    parser.add_argument('--anonymous', type=float, default=0.3, help='share of the tickets without customer')
    parser.add_argument('--reps', type=int, default=7)
    args = parser.parse_args()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.queries.affinity import SALE_ORDER_BASKETS
    registry = odoo.registry(args.db)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Affinity = env['crm.erp.product.affinity']
        model_class = type(Affinity)
        company = env.user.company_id
        glue_sources = Affinity._affinity_basket_sources()
        variants = {'sale orders only (core)': [SALE_ORDER_BASKETS], 'sale orders + tickets (glue)': glue_sources}
        results = {}

        def run(phase):
            for _rep in range(args.reps):
                for name, sources in variants.items():
                    model_class._affinity_basket_sources = lambda self, sources=sources: list(sources)
                    start = time.perf_counter()
                    Affinity._recompute_affinity(company.ids)
                    results.setdefault((phase, name), []).append(time.perf_counter() - start)
                    cr.execute("SELECT basket_count FROM crm_erp_affinity_company WHERE company_id = %s", company.ids)
                    baskets = cr.fetchone()[0]
                    cr.execute("SELECT COUNT(*) FROM crm_erp_affinity_pair WHERE company_id = %s", company.ids)
                    results[(phase, name, 'counts')] = (baskets, cr.fetchone()[0])

        cr.execute("SELECT COUNT(*) FROM pos_order")
        existing = cr.fetchone()[0]
        run('no tickets' if not existing else '%d tickets before' % existing)
        copy_orders_as_tickets(env, company, args.share, 'paid', anonymous=args.anonymous)
        cr.execute("SELECT COUNT(*), COUNT(partner_id) FROM pos_order WHERE name LIKE 'BENCH/%%'")
        tickets, with_customer = cr.fetchone()
        cr.execute("SELECT COUNT(*) FROM sale_order WHERE company_id = %s AND state IN ('sale', 'done')",
                   [company.id])
        orders = cr.fetchone()[0]
        cr.execute("ANALYZE pos_order; ANALYZE pos_order_line")
        run('%d tickets' % tickets)
        del model_class._affinity_basket_sources
        cr.rollback()
        load = os.getloadavg()
        print('%s: %d confirmed sale orders; %d tickets copied from them (%d with a customer); load %.1f %.1f %.1f'
              % (company.name, orders, tickets, with_customer, *load))
        for key, values in results.items():
            if len(key) == 2:
                baskets, pairs = results[key + ('counts',)]
                print('%s, %s: full recompute %s; %d baskets, %d pairs'
                      % (key[0], key[1], describe(values), baskets, pairs))


if __name__ == '__main__':
    main()
