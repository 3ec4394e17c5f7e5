"""EXPLAIN (ANALYZE, BUFFERS) of lead_features' statement for a company's open leads (or a few
lead ids), this checkout's, or the earlier commit's with --before REF. Rolled back."""
import argparse
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bench'))
from bench import load_odoo  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument('database')
parser.add_argument('--company', type=int, default=1)
parser.add_argument('--before')
parser.add_argument('--lead-ids')
parser.add_argument('--sql', default='open', help='open | ids | snapshots')
args = parser.parse_args()
odoo = load_odoo()
import odoo.sql_db  # noqa: E402
if args.before:
    from lead_score_speed import load_before  # noqa: E402
    queries = load_before(args.before)
else:
    from odoo.addons.crm_erp_bridge.queries import lead_score as queries  # noqa: E402
cr = odoo.sql_db.db_connect(args.database).cursor()
cr.execute('SET LOCAL jit = off')
for setting in os.environ.get('EXPLAIN_SET', '').split(';'):
    if setting:
        cr.execute('SET LOCAL ' + setting)
params = {'company_id': args.company, 'today': str(datetime.date.today()), 'months': 18,
          'lead_ids': [int(x) for x in args.lead_ids.split(',')] if args.lead_ids else None}
if args.sql == 'snapshots':
    text = queries._SNAPSHOT_PAIRS_SQL + queries._FEATURES_SQL
else:
    text = getattr(queries, '_ALL_OPEN_PAIRS_SQL', getattr(queries, '_OPEN_PAIRS_SQL')) + queries._FEATURES_SQL
    if args.sql == 'ids' and hasattr(queries, '_LEAD_IDS_PAIRS_SQL'):
        text = queries._LEAD_IDS_PAIRS_SQL + queries._FEATURES_SQL
cr.execute('EXPLAIN (ANALYZE, BUFFERS) ' + text, params)
print('\n'.join(row[0] for row in cr.fetchall()))
cr.rollback()
cr.close()
