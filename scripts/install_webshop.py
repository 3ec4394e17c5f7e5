"""Installs crm_erp_bridge_website (and with it Odoo's webshop, website_sale) on a database that
already holds many sale orders, without Odoo computing website_sale's new stored fields over
every order record by record.

    nice -n 10 .venv/bin/python scripts/install_webshop.py DB [--prefill-only] [--check 20000]

Why: when a module adds a stored computed field, Odoo 11 creates its column and, only when it
created it, computes the field for every existing record through the ORM
(odoo/models.py, BaseModel._auto_init: field.update_db() returns True for a new column, then
recompute(field) marks search([]) to recompute), and writes the values back with _write(),
which also sets write_date and write_uid of every record. Installing website_sale does so for
sale.order.payment_acquirer_id (sale_payment) and sale.order.can_directly_mark_as_paid
(website_sale) over every sale order, for product.template.rating_last_value (website_sale's
rating.mixin) over every product template, and for rating.rating.website_published
(website_rating) over every rating. On a database with 500,000 orders that install was still
running after 30 minutes (docs/website.md, "Installing on a database with many orders").

What this script does, with Odoo stopped (no server writes orders in between):
1. for each of those fields whose module is not installed yet and whose column does not exist,
   adds the column with Odoo's type and comment and fills it with one set-based statement
   giving every existing row the value the ORM would compute (the SQL of each field below: on
   a database without website_sale, payment_tx_id is new as well, so payment_acquirer_id is
   empty and can_directly_mark_as_paid false on every existing order), in one transaction;
2. installs crm_erp_bridge_website (scripts/odoo -d DB -i crm_erp_bridge_website
   --stop-after-init): Odoo finds the columns and computes nothing over the existing rows
   (the install log's "Storing computed values of ..." lines name what it still computed);
3. with --check N, compares the stored values of N records of each prefilled field (a seeded
   sample) with what the ORM computes for them now (the install's own recompute, run in a
   transaction that is rolled back), and reports the ORM's time for them: what the install
   would have taken for that field, in proportion to the table's rows.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = 'crm_erp_bridge_website'

# (module adding the field, model, table, column, column type as Odoo creates it, Odoo's column
# comment (the field's label), the statement filling the column on the existing rows: the
# value Odoo's compute method gives, as SQL; {have} names the columns that exist already)
PREFILLS = [
    ('sale_payment', 'sale.order', 'sale_order', 'payment_acquirer_id', 'int4', 'Payment Acquirer',
     # related='payment_tx_id.acquirer_id': empty while payment_tx_id (sale_payment's too) does not exist
     """UPDATE sale_order so SET payment_acquirer_id = tx.acquirer_id
          FROM payment_transaction tx WHERE tx.id = so.payment_tx_id AND tx.acquirer_id IS NOT NULL""",
     'payment_tx_id'),
    ('website_sale', 'sale.order', 'sale_order', 'can_directly_mark_as_paid', 'bool', 'Can be directly marked as paid',
     # state in ('sent', 'sale') and payment_tx_id and payment_acquirer_id.provider in ('transfer', 'manual'),
     # false otherwise (a Boolean field writes false, not NULL)
     """UPDATE sale_order so SET can_directly_mark_as_paid = TRUE
          FROM payment_transaction tx JOIN payment_acquirer pa ON pa.id = tx.acquirer_id
         WHERE tx.id = so.payment_tx_id AND so.state IN ('sent', 'sale') AND pa.provider IN ('transfer', 'manual')""",
     'payment_tx_id'),
    ('website_sale', 'product.template', 'product_template', 'rating_last_value', 'float8', 'Rating Last Value',
     # rating.mixin: the rating of the template's first rating.rating in their order (write_date desc), else 0
     """UPDATE product_template t SET rating_last_value = r.rating
          FROM (SELECT DISTINCT ON (res_id) res_id, rating FROM rating_rating
                 WHERE res_model = 'product.template' ORDER BY res_id, write_date DESC, id DESC) r
         WHERE r.res_id = t.id""",
     None),
    ('website_rating', 'rating.rating', 'rating_rating', 'website_published', 'bool', 'Published',
     # related='message_id.website_published' (website_mail's column: NULL, i.e. False, until published)
     """UPDATE rating_rating r SET website_published = TRUE
          FROM mail_message m WHERE m.id = r.message_id AND m.website_published""",
     'mail_message.website_published'),
]
DEFAULTS = {'int4': None, 'bool': 'false', 'float8': '0'}


def psql(db, sql, *options):
    """Runs sql in one transaction (psql -1) on the project's cluster; the rows, tab-separated."""
    out = subprocess.run([os.path.join(ROOT, 'scripts', 'pg.sh'), 'psql', '-d', db, '-v', 'ON_ERROR_STOP=1', '-1',
                          '-qtAX', '-F', '\t', *options, '-c', sql], check=True, capture_output=True, text=True).stdout
    return [line.split('\t') for line in out.splitlines() if line]


def column_exists(db, table, column):
    return bool(psql(db, "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' "
                         "AND table_name = '%s' AND column_name = '%s'" % (table, column)))


def prefill(db):
    """Adds and fills the columns (one transaction); returns [(table, column, rows, seconds)]."""
    installed = {row[0] for row in psql(db, "SELECT name FROM ir_module_module WHERE state = 'installed'")}
    if MODULE in installed:
        sys.exit('%s is installed on %s already' % (MODULE, db))
    statements, done = [], []
    for module, _model, table, column, column_type, comment, fill, needs in PREFILLS:
        if module in installed or column_exists(db, table, column):
            continue
        default = DEFAULTS[column_type]
        # a constant default fills the column without rewriting the table (PostgreSQL 11 and
        # later); Odoo's columns have no default: dropped again
        statements.append('ALTER TABLE "%s" ADD COLUMN "%s" %s%s;' % (
            table, column, 'double precision' if column_type == 'float8' else column_type,
            ' DEFAULT %s' % default if default else ''))
        if default:
            statements.append('ALTER TABLE "%s" ALTER COLUMN "%s" DROP DEFAULT;' % (table, column))
        statements.append("COMMENT ON COLUMN \"%s\".\"%s\" IS '%s';" % (table, column, comment.replace("'", "''")))
        needed_table, _dot, needed_column = needs.rpartition('.') if needs else ('', '', '')
        if not needs or column_exists(db, needed_table or table, needed_column):
            statements.append(fill + ';')
        rows = int(psql(db, 'SELECT COUNT(*) FROM "%s"' % table)[0][0])
        done.append((table, column, rows))
    if statements:
        start = time.perf_counter()
        psql(db, '\n'.join(statements))
        print('prefilled in %.1f s (one transaction): %s' % (
            time.perf_counter() - start, ', '.join('%s.%s (%d rows)' % item for item in done)))
    else:
        print('nothing to prefill')
    return done


def install(db):
    """scripts/odoo -d db -i MODULE --stop-after-init (log level info: its "Storing computed
    values" lines); returns the seconds it took and those lines."""
    log = os.path.join(ROOT, '.local', 'install-%s-%s.log' % (db, MODULE))
    start = time.perf_counter()
    with open(log, 'w') as out:
        subprocess.run([os.path.join(ROOT, 'scripts', 'odoo'), '-d', db, '-i', MODULE, '--stop-after-init',
                        '--log-level=info'], stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - start
    state = psql(db, "SELECT state FROM ir_module_module WHERE name = '%s'" % MODULE)
    with open(log) as out:
        lines = out.read().splitlines()
    errors = [line for line in lines if ' ERROR ' in line or ' CRITICAL ' in line]
    computed = [line.split('Storing computed values of ')[1] for line in lines if 'Storing computed values of' in line]
    print('installed %s in %.1f s (state %s; log %s)' % (MODULE, seconds, state[0][0] if state else '?', log))
    print('Odoo still computed over the existing rows: %s' % (', '.join(computed) or 'nothing'))
    if errors or not state or state[0][0] != 'installed':
        sys.exit('install failed:\n' + '\n'.join(errors[-20:]))
    return seconds, computed


# Run by `scripts/odoo shell` with FIELDS and SAMPLE defined before it: for each field, one
# pass of Odoo's own recompute loop (BaseModel.recompute: evaluate, group by value, _write) over
# a seeded sample, timed, in a savepoint rolled back; the values stored before and after compared.
CHECK = r'''
import random
import time
from collections import defaultdict
from odoo.tools import frozendict
rng = random.Random(29)
for model_name, column in FIELDS:
    Model = env[model_name].with_context(active_test=False)
    table = Model._table
    env.cr.execute('SELECT id FROM "{}" ORDER BY id'.format(table))
    all_ids = [row[0] for row in env.cr.fetchall()]
    ids = sorted(rng.sample(all_ids, min(SAMPLE, len(all_ids))))
    if not ids:
        print('check {}.{}: no rows'.format(model_name, column))
        continue
    query = 'SELECT id, "{}" FROM "{}" WHERE id = ANY(%s)'.format(column, table)
    env.cr.execute(query, [ids])
    before = dict(env.cr.fetchall())
    env.cr.execute('SAVEPOINT install_webshop_check')
    env.clear()
    records = Model.browse(ids)
    field = Model._fields[column]
    names = [f.name for f in Model._field_computed[field] if f.store]
    start = time.perf_counter()
    records._recompute_todo(field)
    updates = defaultdict(set)
    for record in records:
        updates[frozendict(record._convert_to_write({name: record[name] for name in names}))].add(record.id)
    with env.norecompute():
        for values, value_ids in updates.items():
            records.browse(value_ids)._write(dict(values))
    seconds = time.perf_counter() - start
    env.cr.execute(query, [ids])
    after = dict(env.cr.fetchall())
    env.cr.execute('ROLLBACK TO SAVEPOINT install_webshop_check')
    env.clear()
    differ = [i for i in ids if before[i] != after[i]]
    print('check {}.{}: {} of {} rows sampled, {} differ from the ORM {}; values {}; ORM recompute {:.2f} s '
          '({:.3f} ms a record; all {} rows: ~{:.0f} s)'.format(
              model_name, column, len(ids), len(all_ids), len(differ), [(i, before[i], after[i]) for i in differ[:5]],
              sorted({repr(value) for value in after.values()})[:5], seconds, 1000 * seconds / len(ids),
              len(all_ids), seconds * len(all_ids) / len(ids)))
env.cr.rollback()
'''


def check(db, sample):
    """The stored values of a sample of each prefilled field against the ORM's recompute."""
    fields = [(model, column) for _module, model, _table, column, *_rest in PREFILLS]
    script = 'FIELDS = %r\nSAMPLE = %d\n' % (fields, sample) + CHECK
    result = subprocess.run([os.path.join(ROOT, 'scripts', 'odoo'), 'shell', '-d', db, '--no-http', '--log-level=warn'],
                            input=script, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith('check ')]
    print('\n'.join(lines))
    if result.returncode or len(lines) != len(PREFILLS):
        sys.exit('check failed:\n' + result.stdout[-2000:] + result.stderr[-3000:])
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('db')
    parser.add_argument('--prefill-only', action='store_true', help='add and fill the columns, do not install')
    parser.add_argument('--check', type=int, default=0, metavar='N',
                        help='after the install, compare N sampled records of each field with the ORM')
    args = parser.parse_args()
    prefill(args.db)
    if args.prefill_only:
        return
    install(args.db)
    if args.check:
        check(args.db, args.check)


if __name__ == '__main__':
    main()
