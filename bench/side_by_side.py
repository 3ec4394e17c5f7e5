"""Time one call of the addon's code in a checkout on a benchmark database, rolled back, to
compare two versions of the code on the same data one after the other:

    git worktree add ../old <commit>        # with a .local/odoo.conf whose addons_path names it
    python bench/side_by_side.py ../old bench_l affinity
    python bench/side_by_side.py . bench_l affinity
    python bench/side_by_side.py ../old bench_l rfqs

affinity: _recompute_affinity() of every company, and the counts it leaves; rfqs:
create_shortfall_rfqs() of the planted short products, after a refresh of the demand snapshot
(as benchmark 6 does)."""
import os
import sys
import time


def main(root, db, what):
    sys.path.insert(0, os.path.join(os.path.abspath(root), 'bench'))
    import bench  # the checkout's own harness: its .local/odoo.conf, hence its addon
    odoo = bench.load_odoo()
    from odoo import SUPERUSER_ID, api
    with api.Environment.manage(), odoo.registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if what == 'affinity':
            affinity = env['crm.erp.product.affinity']
            start = time.perf_counter()
            affinity._recompute_affinity()
            seconds = time.perf_counter() - start
            baskets, products, pairs = affinity._affinity_state(env['res.company'].search([]).ids)
            print('%s: affinity recompute %.2f s; %d pairs, %d product rows, baskets %s'
                  % (root, seconds, len(pairs), len(products), sorted(baskets.items())))
        else:
            env['crm.erp.pipeline.demand.report']._refresh_snapshot()
            cr.commit()  # what the nightly refresh leaves; business data untouched
            cr.execute("SELECT array_agg(product_id) FROM bench_product WHERE is_short")
            short_ids = cr.fetchone()[0]
            start = time.perf_counter()
            order_ids = env['product.product'].create_shortfall_rfqs(short_ids)
            seconds = time.perf_counter() - start
            cr.execute("SELECT COUNT(*) FROM purchase_order_line WHERE order_id = ANY(%s) AND product_id = ANY(%s)",
                       [order_ids, short_ids])
            print('%s: RFQs %.1f s, %d RFQs, %d lines' % (root, seconds, len(order_ids), cr.fetchone()[0]))
        cr.rollback()


if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[3] not in ('affinity', 'rfqs'):
        sys.exit(__doc__)
    main(*sys.argv[1:])
