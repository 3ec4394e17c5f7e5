#!/usr/bin/env python3
"""Speed of the Customer 360 refresh with point of sale tickets (issue 21): on a database with
crm_erp_bridge_pos, in one transaction rolled back at the end, a share of the confirmed sale
orders is copied as paid tickets (same customer, day, amount, products: one INSERT each for
the tickets and their lines, in a session opened for the purpose), then the full refresh of
the main company (`_refresh(recompute_boundaries=True)`) and the incremental refresh of one
customer are timed REPS times each, alternately with the sale orders only (the core's counted
documents) and with the sale orders and the tickets (the glue's), on the same data.

    .venv/bin/python bench/pos_refresh_speed.py --db DB --share 0.5 --reps 5
"""
import argparse
import os
import time

from bench import load_odoo
from pos_tickets import copy_orders_as_tickets, describe


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--share', type=float, default=0.5, help='share of the sale orders copied as tickets')
    parser.add_argument('--reps', type=int, default=5)
    args = parser.parse_args()
    odoo = load_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.addons.crm_erp_bridge.queries.common import SALE_ORDER_DOCUMENTS
    registry = odoo.registry(args.db)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Stats = env['crm.erp.partner.stats']
        company = env.user.company_id
        tickets = copy_orders_as_tickets(env, company, args.share, 'done')
        cr.execute("SELECT COUNT(*) FROM sale_order WHERE company_id = %s AND state IN ('sale', 'done')",
                   [company.id])
        orders = cr.fetchone()[0]
        cr.execute("SELECT p.commercial_partner_id FROM pos_order po JOIN res_partner p ON p.id = po.partner_id "
                   "WHERE po.name LIKE 'BENCH/%%' GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")
        customer = cr.fetchone()[0]
        glue_documents = Stats._counted_documents()
        variants = {'sale orders only': [SALE_ORDER_DOCUMENTS], 'sale orders + tickets': glue_documents}
        full, one = {name: [] for name in variants}, {name: [] for name in variants}
        for _rep in range(args.reps):
            for name, documents in variants.items():
                type(Stats)._counted_documents = lambda self, documents=documents: list(documents)
                start = time.perf_counter()
                Stats._refresh(company.ids, recompute_boundaries=True, notify=False)
                full[name].append(time.perf_counter() - start)
                start = time.perf_counter()
                Stats._refresh(company.ids, [customer], notify=False)
                one[name].append(time.perf_counter() - start)
        cr.execute("SELECT COUNT(*) FROM crm_erp_partner_stats WHERE company_id = %s", company.ids)
        rows = cr.fetchone()[0]
        cr.rollback()
        load = os.getloadavg()
        for name in variants:
            print('%s: %d confirmed sale orders, %d tickets copied from them, %d Customer 360 rows; %s: full refresh '
                  '%s, one customer %s; load %.1f %.1f %.1f'
                  % (company.name, orders, tickets, rows, name, describe(full[name]), describe(one[name]), *load))


if __name__ == '__main__':
    main()
