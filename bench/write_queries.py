"""Queries of one lead stage change and one order confirmation, with and without the addon:
what benchmark 4 times, counted (a figure the machine's load does not move).

    .venv/bin/python bench/write_queries.py DB [DB ...]   (databases of `make bench`, BENCH_KEEP=1)
    .venv/bin/python bench/write_queries.py --list DB     (the statements of one stage change)

Same choice of leads, stages, customers and products as benchmark 4 (bench.py write_costs);
every change is rolled back. --list: one stage change of the first bench lead (after one
untimed change), each statement with the code that ran it: the innermost frame outside the
cursor and the nearest frame of the addon (crm_erp_bridge), so that the addon's own statements
and the ORM's work for the addon's fields are told apart."""
import os
import random
import statistics
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

CALLS = 15


def count(cr, function):
    before = cr.sql_log_count
    function()
    return cr.sql_log_count - before


def write_queries(odoo, db):
    from odoo import SUPERUSER_ID, api
    with api.Environment.manage():
        cr = odoo.registry(db).cursor()
        env = api.Environment(cr, SUPERUSER_ID, {})
        rng = random.Random(11)
        cr.execute("SELECT partner_id FROM bench_customer WHERE company_id = (SELECT MIN(id) FROM res_company) "
                   "ORDER BY idx LIMIT 200")
        customers = [row[0] for row in cr.fetchall()]
        cr.execute("SELECT product_id FROM bench_product WHERE NOT is_short ORDER BY rank LIMIT 200")
        products = env['product.product'].browse([row[0] for row in cr.fetchall()])
        cr.execute("""SELECT l.id FROM crm_lead l WHERE l.name LIKE 'Bench opportunity %%' AND l.active
                         AND l.probability < 100 AND l.company_id = (SELECT MIN(id) FROM res_company)
                    ORDER BY l.id LIMIT 200""")
        leads = [row[0] for row in cr.fetchall()]
        stages = env['crm.stage'].search([], order='sequence, id')
        result = {'confirm_order': [], 'lead_stage_change': []}
        for call in range(CALLS + 1):  # the first one warms the caches, not counted
            order = env['sale.order'].create({
                'partner_id': rng.choice(customers),
                'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': rng.randint(1, 5)})
                               for product in products[rng.randint(0, 150):][:3]],
            })
            order.order_line.mapped('name')
            queries = count(cr, order.action_confirm)
            cr.rollback()
            env.clear()
            if call:
                result['confirm_order'].append(queries)
            lead = env['crm.lead'].browse(rng.choice(leads))
            stage = (stages - lead.stage_id)[rng.randint(0, len(stages) - 2)]
            lead.stage_id.name
            queries = count(cr, lambda: lead.write({'stage_id': stage.id}))
            cr.rollback()
            env.clear()
            if call:
                result['lead_stage_change'].append(queries)
        cr.close()
    return result


def _where(frame):
    return '%s:%s' % (os.path.basename(frame.filename), frame.name) if frame else '-'


def list_statements(odoo, db):
    """The statements of one stage change, with the code that ran each."""
    from odoo import SUPERUSER_ID, api
    with api.Environment.manage():
        cr = odoo.registry(db).cursor()
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("""SELECT l.id FROM crm_lead l WHERE l.name LIKE 'Bench opportunity %%' AND l.active
                         AND l.probability < 100 AND l.company_id = (SELECT MIN(id) FROM res_company)
                    ORDER BY l.id LIMIT 1""")
        lead_id = cr.fetchone()[0]
        stages = env['crm.stage'].search([('probability', '<', 100)], order='sequence, id')
        for warm in (True, False):
            lead = env['crm.lead'].browse(lead_id)
            stage = (stages - lead.stage_id)[0]
            lead.stage_id.name
            statements = []
            execute = cr.execute

            def logged(query, params=None, log_exceptions=None):
                frames = [frame for frame in traceback.extract_stack()[:-1] if 'sql_db.py' not in frame.filename]
                addon = next((f for f in reversed(frames) if '/crm_erp_bridge/' in f.filename), None)
                statements.append((_where(frames[-1]), _where(addon), ' '.join(str(query).split())[:110]))
                return execute(query, params) if log_exceptions is None else execute(query, params, log_exceptions)
            cr.execute = logged
            try:
                lead.write({'stage_id': stage.id})
            finally:
                del cr.execute
            cr.rollback()
            env.clear()
        for number, (inner, addon, text) in enumerate(statements, 1):
            print('%2d  %-42s %-48s %s' % (number, inner, addon, text))
        cr.close()


def main():
    odoo = bench.load_odoo()
    if sys.argv[1:2] == ['--list']:
        for db in sys.argv[2:]:
            list_statements(odoo, db)
        return
    for db in sys.argv[1:]:
        for key, counts in write_queries(odoo, db).items():
            print('%s %s: queries per call median %s, mean %.1f (%d calls: %s)' % (
                db, key, statistics.median(counts), statistics.mean(counts), len(counts), counts))


if __name__ == '__main__':
    main()
