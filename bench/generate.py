"""Large-database generator for the benchmarks: set-based SQL on top of a copy of the
dependencies' template (Odoo 11 sale_management, sale_stock, sale_crm, purchase, stock, crm
with their demo data).

    python bench/generate.py DB SIZE             # before the addon is installed
    python bench/generate.py DB SIZE --after-install   # opportunity product lines (addon table)

Every row is inserted by INSERT ... SELECT over generate_series, cloning the columns Odoo
filled on one of its own demo records (so every NOT NULL and default is the one Odoo would
write) and overriding what the data is about. Ids are reserved from each table's sequence,
document names come from the documents' own ir.sequence, so Odoo carries on numbering after
the generated rows.

Shape: power-law product popularity (rank = N * u^2.5), planted co-purchase bundles (ground
truth in table bench_truth_bundle and bench/out/<db>-truth.json), seasonality (a sine warp of
the order dates, peak/trough ~3:1), customer rhythms (frequent, steady, occasional, churned,
new, one-off), two companies, three currencies with monthly rates, stock quants per
warehouse, purchase orders with done and open receipts (incoming moves), quotations and
opportunities, and a planted set of short products (with vendors) for the RFQ benchmark.
"""
import argparse
import json
import os
import sys
import time

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SIZES = {
    # customers = customer companies (each with 1-3 contacts); orders = confirmed sale orders
    'T': dict(customers=300, products=120, orders=1500, lines_per_order=3.5, quotations=80,
              opportunities=100, leads=30, purchases=60, vendors=8, bundles=6, short=20),
    # XS: the CI smoke size (tests/test_bench.py): every code path of the benchmarks on tiny
    # data. 170 products that are not short: benchmark 4's orders take 3 of the first 153.
    'XS': dict(customers=150, products=180, orders=600, lines_per_order=3.5, quotations=40,
               opportunities=40, leads=10, purchases=30, vendors=5, bundles=4, short=10),
    'S': dict(customers=2000, products=500, orders=10000, lines_per_order=3.5, quotations=500,
              opportunities=400, leads=100, purchases=300, vendors=30, bundles=15, short=100),
    'M': dict(customers=20000, products=5000, orders=100000, lines_per_order=3.5, quotations=5000,
              opportunities=4000, leads=1000, purchases=3000, vendors=100, bundles=60, short=1000),
    'L': dict(customers=100000, products=20000, orders=500000, lines_per_order=3.2, quotations=20000,
              opportunities=20000, leads=5000, purchases=10000, vendors=300, bundles=200, short=5000),
    # 5x L's order lines (customers and documents 5x too); the catalogue doubles, the planted
    # short products stay those of L (the RFQ benchmark measures one run of 5,000)
    'XL': dict(customers=500000, products=40000, orders=2500000, lines_per_order=3.2, quotations=100000,
               opportunities=100000, leads=25000, purchases=50000, vendors=1500, bundles=1000, short=5000),
}

# Template records whose columns are cloned (Odoo 11 demo data of the dependencies).
SOURCES = {
    'company_partner': ('res_partner', 'id = 9'),          # Agrolait, customer company
    'contact': ('res_partner', 'id = 19'),                 # one of its contacts
    'product_template': ('product_template', "type = 'product' ORDER BY id"),
    'product_product': ('product_product', 'product_tmpl_id = (SELECT MIN(id) FROM product_template WHERE type = \'product\')'),
    'sale_order': ('sale_order', "state = 'sale' ORDER BY id"),
    'sale_order_line': ('sale_order_line', "state = 'sale' ORDER BY id"),
    'crm_lead': ('crm_lead', "type = 'opportunity' ORDER BY id"),
    'purchase_order': ('purchase_order', 'TRUE ORDER BY id'),
    'purchase_order_line': ('purchase_order_line', 'TRUE ORDER BY id'),
    'stock_picking': ('stock_picking', 'picking_type_id = 1 ORDER BY id'),
    'stock_move': ('stock_move', 'picking_type_id = 1 ORDER BY id'),
}

TODAY = "(NOW() AT TIME ZONE 'UTC')::date"
START = "((NOW() AT TIME ZONE 'UTC')::date - 1096)"   # three years of history


def connect(db):
    return psycopg2.connect(dbname=db, host='127.0.0.1', port=int(os.environ.get('PGPORT', 54329)), user='odoo')


class Generator:
    def __init__(self, db, size, seed=0.42):
        self.db, self.size, self.n = db, size, SIZES[size]
        self.cnx = connect(db)
        self.cr = self.cnx.cursor()
        self.started = time.time()
        self.seed = seed
        self.columns_cache = {}
        self.cr.execute("SET max_parallel_workers_per_gather = 0")  # deterministic random(), shared machine
        self.cr.execute("SET synchronous_commit = off")
        self.cr.execute("SET jit = off")
        # Bulk load: foreign-key triggers off while inserting (session_replication_role), every
        # foreign key of the tables written is checked set-based at the end (check_foreign_keys).
        self.cr.execute("SET session_replication_role = replica")
        self.cr.execute("SELECT setseed(%s)", [seed])
        # document name from an ir.sequence's PostgreSQL sequence, padded as Odoo pads it
        self.cr.execute("""CREATE FUNCTION pg_temp.bench_seq_name(prefix text, seq regclass, pad int) RETURNS text
                           LANGUAGE sql VOLATILE AS $$
                               SELECT prefix || lpad(n::text, GREATEST(pad, length(n::text)), '0')
                                 FROM (SELECT nextval(seq) AS n) x $$""")

    def log(self, message):
        print('[%6.1fs] %s' % (time.time() - self.started, message), flush=True)

    def sql(self, query, params=None):
        self.cr.execute(query, dict(self.n, **(params or {})))
        return self.cr

    def step(self, label, query, params=None):
        start = time.time()
        self.sql(query, params)
        rows = self.cr.rowcount
        self.cnx.commit()
        self.log('%-48s %9s rows  %6.1fs' % (label, rows if rows >= 0 else '', time.time() - start))

    def columns(self, table):
        if table not in self.columns_cache:
            self.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                            "AND table_schema = 'public' ORDER BY ordinal_position", [table])
            self.columns_cache[table] = [row[0] for row in self.cr.fetchall()]
        return self.columns_cache[table]

    def reserve_ids(self, table, count):
        """First id of `count` consecutive ids taken from the table's own sequence."""
        self.cr.execute("""
            SELECT setval(pg_get_serial_sequence(%(table)s, 'id'),
                          GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}),
                                   (SELECT last_value FROM {seq})) + %(count)s) - %(count)s + 1
        """.format(table=table, seq=self.sequence_of(table)), {'table': table, 'count': count})
        return self.cr.fetchone()[0]

    def sequence_of(self, table):
        self.cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return self.cr.fetchone()[0]

    def clone(self, label, source, overrides, from_sql, params=None):
        """INSERT INTO table SELECT <source row's columns, overridden> FROM from_sql."""
        table, where = SOURCES[source]
        columns = self.columns(table)
        unknown = set(overrides) - set(columns)
        assert not unknown, 'unknown columns of %s: %s' % (table, unknown)
        overrides.setdefault('id', "nextval('%s')" % self.sequence_of(table))
        exprs = [overrides.get(column, 'src.%s' % column) for column in columns]
        query = 'INSERT INTO {table} ({columns})\nSELECT {exprs}\n  FROM (SELECT * FROM {table} WHERE {where} LIMIT 1) src\n CROSS JOIN {from_sql}'.format(
            table=table, columns=', '.join(columns), exprs=',\n       '.join(exprs), where=where, from_sql=from_sql)
        self.step(label, query, params)

    def ir_sequence(self, code=None, seq_id=None):
        """(pg sequence name, prefix, padding) of an ir.sequence (standard implementation)."""
        if code:
            self.cr.execute("SELECT id, prefix, padding, implementation FROM ir_sequence WHERE code = %s "
                            "ORDER BY company_id NULLS FIRST LIMIT 1", [code])
        else:
            self.cr.execute("SELECT id, prefix, padding, implementation FROM ir_sequence WHERE id = %s", [seq_id])
        seq_id, prefix, padding, implementation = self.cr.fetchone()
        assert implementation == 'standard', implementation
        return 'ir_sequence_%03d' % seq_id, prefix, padding

    def seq_name_expr(self, code=None, seq_id=None):
        pg_seq, prefix, padding = self.ir_sequence(code, seq_id)
        assert '%(' not in (prefix or ''), prefix
        return "pg_temp.bench_seq_name('%s', '%s', %d)" % (prefix or '', pg_seq, padding)

    # -------------------------------------------------------------------------------------

    def run(self):
        n = self.n
        self.log('generating size %s into %s: %s' % (self.size, self.db, n))
        self.setup()
        self.currencies()
        self.partners()
        self.products()
        self.stock()
        self.sale_orders()
        self.quotations()
        self.leads()
        self.purchases()
        self.finish()
        self.log('done')

    def setup(self):
        for table in ('bench_meta', 'bench_truth_bundle', 'bench_customer', 'bench_contact', 'bench_product',
                      'bench_vendor', 'bench_order', 'bench_line', 'bench_quote', 'bench_po', 'bench_pol'):
            self.sql('DROP TABLE IF EXISTS %s' % table)
        self.sql("CREATE TABLE bench_meta (key varchar PRIMARY KEY, value text)")
        self.sql("INSERT INTO bench_meta VALUES ('size', %(size)s), ('seed', %(seed)s), ('generated_at', NOW()::text)",
                 {'size': self.size, 'seed': str(self.seed)})
        self.cr.execute("SELECT id FROM res_company ORDER BY id")
        companies = [row[0] for row in self.cr.fetchall()]
        assert len(companies) >= 2, 'the template must have two companies'
        self.company_a, self.company_b = companies[:2]
        self.cr.execute("SELECT id, lot_stock_id FROM stock_warehouse WHERE company_id = %s ORDER BY id LIMIT 1", [self.company_a])
        self.wh_a, self.stock_a = self.cr.fetchone()
        self.cr.execute("SELECT id, lot_stock_id FROM stock_warehouse WHERE company_id = %s ORDER BY id LIMIT 1", [self.company_b])
        self.wh_b, self.stock_b = self.cr.fetchone()
        self.cr.execute("SELECT id FROM stock_location WHERE usage = 'supplier' ORDER BY id LIMIT 1")
        self.supplier_loc = self.cr.fetchone()[0]
        self.cr.execute("SELECT currency_id FROM res_company WHERE id = %s", [self.company_a])
        self.company_currency = self.cr.fetchone()[0]
        self.cnx.commit()
        self.params = dict(company_a=self.company_a, company_b=self.company_b, wh_a=self.wh_a, wh_b=self.wh_b,
                           stock_a=self.stock_a, stock_b=self.stock_b, supplier_loc=self.supplier_loc,
                           usd=self.company_currency)

    def sql_p(self, label, query, extra=None):
        self.step(label, query, dict(self.params, **(extra or {})))

    def currencies(self):
        self.sql("UPDATE res_currency SET active = TRUE WHERE name IN ('EUR', 'GBP', 'USD')")
        self.cr.execute("SELECT name, id FROM res_currency WHERE name IN ('EUR', 'GBP', 'USD')")
        cur = dict(self.cr.fetchall())
        self.params.update(eur=cur['EUR'], gbp=cur['GBP'], usd=cur['USD'])
        # Monthly rates for both companies over the history (EUR is the rate base of the demo data).
        self.sql_p('currency rates (monthly, 3 currencies x 2 companies)', """
            INSERT INTO res_currency_rate (name, rate, currency_id, company_id, create_uid, create_date, write_uid, write_date)
            SELECT day::date, CASE c.currency WHEN %(eur)s THEN 1.0
                                              WHEN %(usd)s THEN 1.50 + 0.06 * sin(m / 5.0)
                                              ELSE 0.86 + 0.02 * cos(m / 4.0) END,
                   c.currency, cmp.id, 1, NOW(), 1, NOW()
              FROM generate_series(0, 37) m
             CROSS JOIN LATERAL (SELECT date_trunc('month', """ + START + """ + m * INTERVAL '1 month') AS day) d
             CROSS JOIN (VALUES (%(eur)s), (%(usd)s), (%(gbp)s)) c(currency)
             CROSS JOIN res_company cmp
             WHERE day <= NOW()
            ON CONFLICT (name, currency_id, company_id) DO NOTHING""")
        self.pricelists = {}
        for name, currency in (('EUR', 'eur'), ('GBP', 'gbp')):
            pid = self.reserve_ids('product_pricelist', 1)
            self.sql("""INSERT INTO product_pricelist (id, name, active, currency_id, company_id, sequence, discount_policy,
                                                       create_uid, create_date, write_uid, write_date)
                        VALUES (%(id)s, %(name)s, TRUE, %(currency)s, NULL, 20, 'with_discount', 1, NOW(), 1, NOW())""",
                     {'id': pid, 'name': 'Bench %s' % name, 'currency': self.params[currency]})
            self.pricelists[name] = pid
        self.cr.execute("SELECT id FROM product_pricelist WHERE currency_id = %s ORDER BY id LIMIT 1", [self.params['usd']])
        self.pricelists['USD'] = self.cr.fetchone()[0]
        self.params.update(pl_usd=self.pricelists['USD'], pl_eur=self.pricelists['EUR'], pl_gbp=self.pricelists['GBP'])
        self.cnx.commit()

    def partners(self):
        n = self.n
        # Customers: rhythm, weight and active window; contacts: 1-3 per company.
        self.sql_p('staging: customers', """
            CREATE TABLE bench_customer AS
            SELECT g AS idx, rhythm, weight, win_start, GREATEST(win_end, win_start + 1) AS win_end,
                   CASE WHEN random() < 0.75 THEN %(company_a)s ELSE %(company_b)s END AS company_id,
                   CASE WHEN r2 < 0.7 THEN %(pl_usd)s WHEN r2 < 0.9 THEN %(pl_eur)s ELSE %(pl_gbp)s END AS pricelist_id,
                   CASE WHEN r2 < 0.7 THEN %(usd)s WHEN r2 < 0.9 THEN %(eur)s ELSE %(gbp)s END AS currency_id,
                   (ARRAY[233, 233, 233, 38, 75, 57, 20, 165, 109, 68, 231, 104])[1 + floor(random() * 12)::int] AS country_id,
                   CASE WHEN random() < 0.5 THEN 1 ELSE 5 END AS user_id,
                   1 + floor(random() * 3)::int AS contacts,
                   0::bigint AS partner_id
              FROM (
                SELECT g, r2, rhythm,
                       base_weight * exp(random() * 1.5) AS weight,
                       CASE rhythm WHEN 'churned' THEN """ + START + """ + floor(random() * 400)::int
                                   WHEN 'new' THEN """ + TODAY + """ - floor(random() * 120)::int
                                   ELSE """ + START + """ END AS win_start,
                       CASE rhythm WHEN 'churned' THEN """ + START + """ + 400 + floor(random() * 300)::int
                                   ELSE """ + TODAY + """ END AS win_end
                  FROM (
                    SELECT g, random() AS r2, r,
                           CASE WHEN r < 0.05 THEN 'frequent' WHEN r < 0.30 THEN 'steady'
                                WHEN r < 0.65 THEN 'occasional' WHEN r < 0.80 THEN 'churned'
                                WHEN r < 0.90 THEN 'new' ELSE 'one_off' END AS rhythm,
                           CASE WHEN r < 0.05 THEN 14.0 WHEN r < 0.30 THEN 4.0 WHEN r < 0.65 THEN 1.2
                                WHEN r < 0.80 THEN 3.0 WHEN r < 0.90 THEN 2.0 ELSE 0.25 END AS base_weight
                      FROM (SELECT g, random() AS r FROM generate_series(1, %(customers)s) g) x
                  ) y
              ) z""")
        first = self.reserve_ids('res_partner', n['customers'])
        self.sql("UPDATE bench_customer SET partner_id = %(first)s + idx - 1", {'first': first})
        self.sql("CREATE UNIQUE INDEX ON bench_customer (idx)")
        self.clone('res_partner: customer companies', 'company_partner', {
            'id': 'c.partner_id', 'name': "'Bench Customer ' || c.idx", 'display_name': "'Bench Customer ' || c.idx",
            'company_id': 'NULL', 'parent_id': 'NULL', 'ref': "'BC' || c.idx", 'user_id': 'c.user_id',
            'is_company': 'TRUE', 'customer': 'TRUE', 'supplier': 'FALSE', 'type': "'contact'",
            'commercial_partner_id': 'c.partner_id', 'commercial_company_name': "'Bench Customer ' || c.idx",
            'commercial_partner_country_id': 'c.country_id', 'country_id': 'c.country_id', 'state_id': 'NULL',
            'email': "'customer' || c.idx || '@bench.example.com'", 'barcode': 'NULL', 'signup_token': 'NULL',
            'vat': 'NULL', 'team_id': 'NULL', 'active': 'TRUE', 'message_last_post': 'NULL',
            'create_uid': '1', 'write_uid': '1',
            'create_date': "c.win_start - INTERVAL '30 days'", 'write_date': "c.win_start - INTERVAL '30 days'",
        }, 'bench_customer c')
        self.sql("""CREATE TABLE bench_contact AS
                    SELECT row_number() OVER (ORDER BY c.idx, k) AS idx, c.idx AS customer_idx, k, 0::bigint AS partner_id
                      FROM bench_customer c CROSS JOIN LATERAL generate_series(1, c.contacts) k""")
        self.cr.execute("SELECT COUNT(*) FROM bench_contact")
        contacts = self.cr.fetchone()[0]
        first = self.reserve_ids('res_partner', contacts)
        self.sql("UPDATE bench_contact SET partner_id = %(first)s + idx - 1", {'first': first})
        self.sql("CREATE INDEX ON bench_contact (customer_idx, k)")
        self.clone('res_partner: contacts', 'contact', {
            'id': 'ct.partner_id', 'name': "'Contact ' || ct.customer_idx || '-' || ct.k",
            'display_name': "'Bench Customer ' || c.idx || ', Contact ' || ct.customer_idx || '-' || ct.k",
            'company_id': 'NULL', 'parent_id': 'c.partner_id', 'ref': 'NULL', 'user_id': 'c.user_id',
            'is_company': 'FALSE', 'customer': 'TRUE', 'supplier': 'FALSE', 'type': "'contact'",
            'commercial_partner_id': 'c.partner_id', 'commercial_company_name': "'Bench Customer ' || c.idx",
            'commercial_partner_country_id': 'c.country_id', 'country_id': 'c.country_id', 'state_id': 'NULL',
            'email': "'contact' || ct.customer_idx || '-' || ct.k || '@bench.example.com'", 'barcode': 'NULL',
            'signup_token': 'NULL', 'vat': 'NULL', 'team_id': 'NULL', 'active': 'TRUE', 'message_last_post': 'NULL',
            'create_uid': '1', 'write_uid': '1',
            'create_date': "c.win_start - INTERVAL '30 days'", 'write_date': "c.win_start - INTERVAL '30 days'",
        }, 'bench_contact ct JOIN bench_customer c ON c.idx = ct.customer_idx')
        # Vendors
        first = self.reserve_ids('res_partner', n['vendors'])
        self.sql("CREATE TABLE bench_vendor AS SELECT g AS idx, %(first)s + g - 1 AS partner_id "
                 "FROM generate_series(1, %(vendors)s) g", {'first': first})
        self.clone('res_partner: vendors', 'company_partner', {
            'id': 'v.partner_id', 'name': "'Bench Vendor ' || v.idx", 'display_name': "'Bench Vendor ' || v.idx",
            'company_id': 'NULL', 'parent_id': 'NULL', 'ref': "'BV' || v.idx", 'user_id': 'NULL',
            'is_company': 'TRUE', 'customer': 'FALSE', 'supplier': 'TRUE', 'type': "'contact'",
            'commercial_partner_id': 'v.partner_id', 'commercial_company_name': "'Bench Vendor ' || v.idx",
            'email': "'vendor' || v.idx || '@bench.example.com'", 'barcode': 'NULL', 'signup_token': 'NULL',
            'vat': 'NULL', 'team_id': 'NULL', 'active': 'TRUE', 'message_last_post': 'NULL',
            'create_uid': '1', 'write_uid': '1', 'create_date': 'NOW()', 'write_date': 'NOW()',
        }, 'bench_vendor v')

    def products(self):
        n = self.n
        # rank 0 = most popular; ranks are shuffled over the ids.
        first_tmpl = self.reserve_ids('product_template', n['products'])
        first_prod = self.reserve_ids('product_product', n['products'])
        self.sql("""
            CREATE TABLE bench_product AS
            SELECT (row_number() OVER (ORDER BY random()) - 1)::int AS rank, g AS idx,
                   %(first_tmpl)s + g - 1 AS tmpl_id, %(first_prod)s + g - 1 AS product_id,
                   round((5 + exp(random() * 7))::numeric, 2) AS price,
                   (ARRAY[1, 2, 3, 4, 5, 6])[1 + floor(random() * 6)::int] AS categ_id,
                   FALSE AS is_short, random() < 0.98 AS has_vendor
              FROM generate_series(1, %(products)s) g""", {'first_tmpl': first_tmpl, 'first_prod': first_prod})
        self.sql("CREATE UNIQUE INDEX ON bench_product (rank)")
        self.sql("CREATE UNIQUE INDEX ON bench_product (product_id)")
        self.sql("""UPDATE bench_product SET is_short = TRUE WHERE idx IN (
                        SELECT idx FROM bench_product WHERE has_vendor ORDER BY random() LIMIT %(short)s)""")
        self.clone('product_template', 'product_template', {
            'id': 'p.tmpl_id', 'name': "'Bench Product ' || p.idx", 'default_code': "'BP' || lpad(p.idx::text, 6, '0')",
            'type': "'product'", 'categ_id': 'p.categ_id', 'list_price': 'p.price', 'company_id': 'NULL',
            'sale_ok': 'TRUE', 'purchase_ok': 'TRUE', 'active': 'TRUE', 'description': 'NULL',
            'description_sale': 'NULL', 'description_purchase': 'NULL', 'message_last_post': 'NULL',
            'create_uid': '1', 'write_uid': '1', 'create_date': START, 'write_date': START,
        }, 'bench_product p')
        self.clone('product_product', 'product_product', {
            'id': 'p.product_id', 'product_tmpl_id': 'p.tmpl_id', 'default_code': "'BP' || lpad(p.idx::text, 6, '0')",
            'active': 'TRUE', 'barcode': 'NULL', 'message_last_post': 'NULL',
            'create_uid': '1', 'write_uid': '1', 'create_date': START, 'write_date': START,
        }, 'bench_product p')
        # Standard price (company-dependent property) for both companies: 60 % of the list price.
        self.sql_p('standard prices (ir_property)', """
            INSERT INTO ir_property (name, res_id, company_id, fields_id, value_float, type, create_uid, create_date, write_uid, write_date)
            SELECT 'standard_price', 'product.product,' || p.product_id, cmp.id, f.id, round(p.price * 0.6, 2), 'float', 1, NOW(), 1, NOW()
              FROM bench_product p CROSS JOIN res_company cmp
              JOIN ir_model_fields f ON f.model = 'product.product' AND f.name = 'standard_price'""")
        # Vendors: 1-2 per product (98 % of the products), main one with sequence 1.
        self.sql_p('product_supplierinfo', """
            INSERT INTO product_supplierinfo (name, sequence, min_qty, price, company_id, currency_id, product_tmpl_id,
                                              delay, create_uid, create_date, write_uid, write_date)
            SELECT v.partner_id, k, (ARRAY[1, 1, 5, 10, 12])[1 + floor(random() * 5)::int],
                   round(p.price * (0.55 + 0.1 * random())::numeric, 2), NULL, %(usd)s, p.tmpl_id,
                   3 + floor(random() * 18)::int, 1, NOW(), 1, NOW()
              FROM bench_product p
             CROSS JOIN LATERAL generate_series(1, CASE WHEN p.idx %% 3 = 0 THEN 2 ELSE 1 END) k
              JOIN bench_vendor v ON v.idx = 1 + (p.idx * 7 + k * 13) %% %(vendors)s
             WHERE p.has_vendor""")
        # Planted co-purchase bundles of 2-4 products among the ranks 20..(N/2): ground truth.
        self.sql("""
            CREATE TABLE bench_truth_bundle AS
            SELECT b AS bundle_id, pr.product_id, pr.rank
              FROM generate_series(1, %(bundles)s) b
             CROSS JOIN LATERAL generate_series(1, 2 + (b %% 3)) k
              JOIN bench_product pr ON pr.rank = 20 + ((b * 97 + k * 7919) %% (%(products)s / 2 - 20))""")
        # a product in two bundles is fine; keep one row per (bundle, product)
        self.sql("DELETE FROM bench_truth_bundle a USING bench_truth_bundle b WHERE a.ctid < b.ctid "
                 "AND a.bundle_id = b.bundle_id AND a.product_id = b.product_id")
        self.cnx.commit()

    def stock(self):
        # Quants: non-short products plenty in both main warehouses; short ones 0-4 in company A.
        self.sql_p('stock_quant (on hand per warehouse)', """
            INSERT INTO stock_quant (product_id, company_id, location_id, quantity, reserved_quantity, in_date,
                                     create_uid, create_date, write_uid, write_date)
            SELECT p.product_id, w.company_id, w.location_id,
                   CASE WHEN p.is_short AND w.company_id = %(company_a)s THEN floor(random() * 5)
                        ELSE 500 + floor(random() * 5000) END,
                   0, NOW() - INTERVAL '30 days', 1, NOW(), 1, NOW()
              FROM bench_product p
             CROSS JOIN (VALUES (%(company_a)s, %(stock_a)s), (%(company_b)s, %(stock_b)s)) w(company_id, location_id)""")

    def sale_orders(self):
        n = self.n
        # Orders per customer by largest remainder on the cumulative weights: exactly n orders.
        self.sql("""
            CREATE TABLE bench_order AS
            WITH cum AS (
                SELECT c.*, SUM(weight) OVER (ORDER BY idx) AS hi, SUM(weight) OVER () AS total FROM bench_customer c
            ), counts AS (
                SELECT cum.*, (floor(hi / total * %(orders)s) - floor((hi - weight) / total * %(orders)s))::int AS n_orders FROM cum
            )
            SELECT row_number() OVER (ORDER BY c.idx, k)::int AS idx, c.idx AS customer_idx, c.partner_id AS commercial_id,
                   c.company_id, c.pricelist_id, c.currency_id, c.user_id, c.contacts,
                   -- seasonality: a sine warp of the day (density peak/trough about 3:1), kept in the window
                   LEAST(GREATEST(c.win_start + (x + 29 * sin(2 * pi() * ((c.win_start - DATE '2000-01-01') + x) / 365.25))::int,
                                  c.win_start), c.win_end)
                     + make_interval(hours => 8 + floor(random() * 10)::int, mins => floor(random() * 60)::int) AS date_order,
                   CASE WHEN random() < 0.7 THEN 'done' ELSE 'sale' END AS state,
                   1 + floor(random() * (2 * %(lines_per_order)s - 1))::int AS n_lines,
                   CASE WHEN random() < 0.35 THEN 1 + floor(random() * %(bundles)s)::int END AS bundle,
                   0::bigint AS order_id, 0::bigint AS partner_id
              FROM counts c
             CROSS JOIN LATERAL generate_series(1, c.n_orders) k
             CROSS JOIN LATERAL (SELECT random() * (c.win_end - c.win_start) + 0 * k AS x) d""")
        self.cr.execute("SELECT COUNT(*) FROM bench_order")
        orders = self.cr.fetchone()[0]
        first = self.reserve_ids('sale_order', orders)
        self.sql("""UPDATE bench_order o SET order_id = %(first)s + o.idx - 1,
                           partner_id = CASE WHEN random() < 0.3 THEN o.commercial_id
                                             ELSE (SELECT ct.partner_id FROM bench_contact ct
                                                    WHERE ct.customer_idx = o.customer_idx
                                                      AND ct.k = 1 + (o.idx %% o.contacts)) END""", {'first': first})
        self.cnx.commit()
        self.log('staging: %d orders' % orders)
        self.order_lines_staging('bench_order', 0.35)
        self.insert_orders('sale_order (confirmed history)', 'bench_order', confirmed=True)

    def order_lines_staging(self, orders_table, bundle_share, extra_sql=''):
        # Lines: with probability bundle_share the order holds one planted bundle (each of its
        # products with p=0.85), the rest from the power-law popularity; one line per product.
        self.sql("DROP TABLE IF EXISTS bench_line")
        self.sql_p('staging: order lines', """
            CREATE TABLE bench_line AS
            SELECT x.*, row_number() OVER (ORDER BY x.order_id, x.product_id) AS rn FROM (
            SELECT DISTINCT ON (o.order_id, p.product_id) o.order_id, p.product_id, p.tmpl_id, p.price, o.pricelist_id,
                   o.currency_id, o.company_id, o.partner_id, o.user_id, o.state, o.date_order,
                   (1 + floor(random() ^ 2 * 20))::numeric AS qty, 0 AS customer_lead,
                   round(p.price * CASE o.pricelist_id WHEN %(pl_eur)s THEN 0.66 WHEN %(pl_gbp)s THEN 0.57 ELSE 1.0 END, 2) AS price_unit
              FROM {orders} o
             CROSS JOIN LATERAL (
                SELECT floor(%(products)s * random() ^ 2.5)::int + 0 * o.n_lines AS rank FROM generate_series(1, o.n_lines) k
                UNION ALL
                SELECT b.rank FROM bench_truth_bundle b
                 WHERE b.bundle_id = o.bundle AND random() < 0.85
             ) pick
              JOIN bench_product p ON p.rank = pick.rank
             ORDER BY o.order_id, p.product_id) x""".format(orders=orders_table))
        self.cnx.commit()

    def insert_orders(self, label, orders_table, confirmed):
        self.cr.execute("SELECT COUNT(*) FROM bench_line")
        lines = self.cr.fetchone()[0]
        first_line = self.reserve_ids('sale_order_line', lines)
        self.cnx.commit()
        name = self.seq_name_expr(code='sale.order')
        self.clone(label, 'sale_order', {
            'id': 'o.order_id', 'name': name, 'origin': 'NULL', 'client_order_ref': 'NULL', 'access_token': 'NULL',
            'state': 'o.state', 'date_order': 'o.date_order', 'validity_date': 'NULL',
            'create_date': 'o.date_order', 'write_date': 'o.date_order',
            'confirmation_date': 'o.date_order' if confirmed else 'NULL',
            'user_id': 'o.user_id', 'partner_id': 'o.partner_id', 'partner_invoice_id': 'o.partner_id',
            'partner_shipping_id': 'o.partner_id', 'pricelist_id': 'o.pricelist_id', 'analytic_account_id': 'NULL',
            'invoice_status': "'no'", 'note': 'NULL', 'amount_untaxed': 'a.amount', 'amount_tax': '0',
            'amount_total': 'a.amount', 'payment_term_id': 'NULL', 'fiscal_position_id': 'NULL',
            'company_id': 'o.company_id', 'team_id': 'CASE WHEN o.company_id = %(company_a)s THEN 1 ELSE 3 END',
            'create_uid': 'o.user_id', 'write_uid': 'o.user_id', 'campaign_id': 'NULL', 'source_id': 'NULL',
            'medium_id': 'NULL', 'opportunity_id': 'NULL', 'incoterm': 'NULL', 'picking_policy': "'direct'",
            'warehouse_id': 'CASE WHEN o.company_id = %(company_a)s THEN %(wh_a)s ELSE %(wh_b)s END',
            'procurement_group_id': 'NULL', 'message_last_post': 'NULL',
        }, """{orders} o JOIN (SELECT order_id, SUM(qty * price_unit) AS amount FROM bench_line GROUP BY order_id) a
                 ON a.order_id = o.order_id ORDER BY o.date_order""".format(orders=orders_table), self.params)
        delivered = 'l.qty' if confirmed else '0'
        self.clone(label.split(' ')[0] + '_line', 'sale_order_line', {
            'id': '%(first_line)s + l.rn - 1', 'order_id': 'l.order_id', 'name': "'[BP' || lpad((l.product_id - %(first_prod)s + 1)::text, 6, '0') || '] Bench Product ' || (l.product_id - %(first_prod)s + 1)",
            'sequence': '10', 'invoice_status': "'no'", 'price_unit': 'l.price_unit',
            'price_subtotal': 'l.qty * l.price_unit', 'price_tax': '0', 'price_total': 'l.qty * l.price_unit',
            'price_reduce': 'l.price_unit', 'price_reduce_taxinc': 'l.price_unit', 'price_reduce_taxexcl': 'l.price_unit',
            'discount': '0', 'product_id': 'l.product_id', 'product_uom_qty': 'l.qty', 'product_uom': '1',
            'qty_delivered': delivered, 'qty_to_invoice': '0', 'qty_invoiced': '0', 'salesman_id': 'l.user_id',
            'currency_id': 'l.currency_id', 'company_id': 'l.company_id', 'order_partner_id': 'l.partner_id',
            'is_downpayment': 'FALSE', 'state': 'l.state', 'customer_lead': 'l.customer_lead',
            'amt_to_invoice': '0', 'amt_invoiced': '0', 'layout_category_id': 'NULL', 'layout_category_sequence': '0',
            'create_uid': 'l.user_id', 'write_uid': 'l.user_id', 'create_date': 'l.date_order', 'write_date': 'l.date_order',
            'product_packaging': 'NULL', 'route_id': 'NULL',
        }, 'bench_line l', dict(self.params, first_prod=self.first_product_id(), first_line=first_line))

    def first_product_id(self):
        self.cr.execute("SELECT MIN(product_id) FROM bench_product")
        return self.cr.fetchone()[0]

    def quotations(self):
        n = self.n
        # Open quotations (draft/sent) of the last two weeks, delivery 0-60 days out. Every short
        # product gets one dedicated company-A line of 20-50 (its stock is 0-4), so it is short.
        self.sql_p('staging: quotations', """
            CREATE TABLE bench_quote AS
            SELECT g AS idx, c.idx AS customer_idx, c.partner_id, c.partner_id AS commercial_id,
                   CASE WHEN g <= %(quotations)s * 0.8 THEN %(company_a)s ELSE %(company_b)s END AS company_id,
                   c.pricelist_id, c.currency_id, c.user_id, c.contacts,
                   NOW() AT TIME ZONE 'UTC' - make_interval(days => floor(random() * 14)::int, hours => floor(random() * 8)::int) AS date_order,
                   CASE WHEN random() < 0.6 THEN 'draft' ELSE 'sent' END AS state,
                   1 + floor(random() * 5)::int AS n_lines, 0::bigint AS order_id
              FROM generate_series(1, %(quotations)s) g
              JOIN bench_customer c ON c.idx = 1 + (g * 7919) %% %(customers)s""")
        first = self.reserve_ids('sale_order', n['quotations'])
        self.sql("UPDATE bench_quote SET order_id = %(first)s + idx - 1", {'first': first})
        self.sql("DROP TABLE IF EXISTS bench_line")
        self.sql_p('staging: quotation lines', """
            CREATE TABLE bench_line AS
            SELECT y.*, row_number() OVER (ORDER BY y.order_id, y.product_id) AS rn FROM (
            SELECT DISTINCT ON (order_id, product_id) x.*, round(x.price * CASE x.pricelist_id WHEN %(pl_eur)s THEN 0.66 WHEN %(pl_gbp)s THEN 0.57 ELSE 1.0 END, 2) AS price_unit FROM (
                SELECT q.order_id, p.product_id, p.tmpl_id, p.price, q.pricelist_id, q.currency_id, q.company_id,
                       q.partner_id, q.user_id, q.state, q.date_order,
                       (1 + floor(random() * 10))::numeric AS qty, floor(random() * 60)::int AS customer_lead
                  FROM bench_quote q
                 CROSS JOIN LATERAL (SELECT floor(%(products)s * random())::int + 0 * q.n_lines AS rank
                                       FROM generate_series(1, q.n_lines) k) pick
                  JOIN bench_product p ON p.rank = pick.rank AND NOT p.is_short
                UNION ALL
                SELECT q.order_id, p.product_id, p.tmpl_id, p.price, q.pricelist_id, q.currency_id, q.company_id,
                       q.partner_id, q.user_id, q.state, q.date_order,
                       (20 + floor(random() * 31))::numeric, floor(random() * 40)::int
                  FROM bench_product p
                  JOIN bench_quote q ON q.idx = 1 + (p.idx * 31) %% floor(%(quotations)s * 0.8)::int
                 WHERE p.is_short
            ) x ORDER BY order_id, product_id) y""")
        self.insert_orders('sale_order (open quotations)', 'bench_quote', confirmed=False)
        self.sql("DROP TABLE bench_quote")
        self.cnx.commit()

    def leads(self):
        # Opportunities in every stage (won 10 %, lost 15 %) and leads, for customers; closing dates
        # from last year to the next 3 months; product lines come after the addon install.
        self.cr.execute("SELECT id, probability FROM crm_stage ORDER BY sequence, id")
        stages = self.cr.fetchall()
        self.params['stage_ids'] = [s[0] for s in stages]
        self.params['stage_probs'] = [s[1] for s in stages]
        total = self.n['opportunities'] + self.n['leads']
        first = self.reserve_ids('crm_lead', total)
        self.clone('crm_lead (opportunities and leads)', 'crm_lead', {
            'id': '%(first)s + g - 1', 'name': "CASE WHEN g <= %(opportunities)s THEN 'Bench opportunity ' ELSE 'Bench lead ' END || g",
            'partner_id': 'c.partner_id', 'active': 'NOT lost', 'email_from': "'customer' || c.idx || '@bench.example.com'",
            'team_id': 'CASE WHEN c.company_id = %(company_a)s THEN 1 ELSE 3 END', 'description': 'NULL',
            'create_date': 'created', 'write_date': 'created', 'contact_name': 'NULL', 'partner_name': "'Bench Customer ' || c.idx",
            'type': "CASE WHEN g <= %(opportunities)s THEN 'opportunity' ELSE 'lead' END",
            'priority': "'1'", 'date_closed': "CASE WHEN won OR lost THEN created + INTERVAL '20 days' END",
            'stage_id': 'CASE WHEN g > %(opportunities)s THEN (%(stage_ids)s)[1] WHEN won THEN (%(stage_ids)s)[array_length(%(stage_ids)s, 1)] ELSE (%(stage_ids)s)[1 + floor(random() * (array_length(%(stage_ids)s, 1) - 1))::int] END',
            'user_id': 'c.user_id', 'date_open': 'created', 'date_last_stage_update': 'created',
            'date_conversion': 'CASE WHEN g <= %(opportunities)s THEN created END', 'date_action_last': 'NULL',
            'probability': 'CASE WHEN won THEN 100 WHEN lost THEN 0 ELSE 10 + floor(random() * 70) END',
            'planned_revenue': 'round((100 + random() * 20000)::numeric, 2)',
            'date_deadline': "CASE WHEN won OR lost THEN (created + INTERVAL '30 days')::date ELSE " + TODAY + " + floor(random() * 90)::int END",
            'country_id': 'c.country_id', 'company_id': 'c.company_id',
            'lost_reason': 'CASE WHEN lost THEN 1 END', 'message_last_post': 'NULL',
            'street': 'NULL', 'city': 'NULL', 'zip': 'NULL', 'phone': 'NULL', 'mobile': 'NULL',
            'create_uid': 'c.user_id', 'write_uid': 'c.user_id', 'campaign_id': 'NULL', 'source_id': 'NULL', 'medium_id': 'NULL',
        }, """generate_series(1, %(total)s) g
              JOIN bench_customer c ON c.idx = 1 + (g::bigint * 104729) %% %(customers)s
             CROSS JOIN LATERAL (SELECT g <= %(opportunities)s AND r < 0.10 AS won, r >= 0.10 AND r < 0.25 AS lost,
                                        NOW() AT TIME ZONE 'UTC' - make_interval(days => floor(random() * 365)::int) AS created
                                   FROM (SELECT random() + 0 * g AS r) rr) st""",
            dict(self.params, first=first, total=total))

    def purchases(self):
        n = self.n
        # Purchase orders from the vendors of their products: 60 % received (done), 25 %
        # confirmed with an open receipt (incoming moves, never of a short product), 15 % draft RFQs.
        self.sql_p('staging: purchase orders', """
            CREATE TABLE bench_po AS
            SELECT g AS idx, v.partner_id, v.idx AS vendor_idx,
                   CASE WHEN random() < 0.8 THEN %(company_a)s ELSE %(company_b)s END AS company_id,
                   CASE WHEN r < 0.60 THEN 'done' WHEN r < 0.85 THEN 'purchase' ELSE 'draft' END AS state,
                   CASE WHEN r < 0.60 THEN NOW() AT TIME ZONE 'UTC' - make_interval(days => 30 + floor(random() * 1000)::int)
                        ELSE NOW() AT TIME ZONE 'UTC' - make_interval(days => floor(random() * 20)::int) END AS date_order,
                   3 + floor(random() * 18)::int AS delay, 0::bigint AS po_id, 0::bigint AS picking_id
              FROM (SELECT g, random() AS r FROM generate_series(1, %(purchases)s) g) x
              JOIN bench_vendor v ON v.idx = 1 + (g * 31) %% %(vendors)s""")
        first = self.reserve_ids('purchase_order', n['purchases'])
        self.sql("UPDATE bench_po SET po_id = %(first)s + idx - 1", {'first': first})
        self.sql_p('staging: purchase order lines', """
            CREATE TABLE bench_pol AS
            WITH vp AS (
                SELECT si.name AS vendor_id, si.price, p.product_id, p.idx AS product_idx, p.is_short,
                       row_number() OVER (PARTITION BY si.name ORDER BY p.idx) AS pos,
                       COUNT(*) OVER (PARTITION BY si.name) AS cnt
                  FROM product_supplierinfo si JOIN bench_product p ON p.tmpl_id = si.product_tmpl_id
            )
            SELECT row_number() OVER (ORDER BY x.po_id, x.product_id)::int AS idx, x.*, 0::bigint AS line_id FROM (
                SELECT DISTINCT ON (po.po_id, vp.product_id) po.po_id, po.company_id, po.state, po.partner_id,
                       po.date_order, po.delay, vp.product_id, vp.product_idx, vp.price,
                       (10 * (1 + floor(random() * 10)))::numeric AS qty
                  FROM bench_po po
                 CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 5)::int + 0 * po.idx) k
                  JOIN vp ON vp.vendor_id = po.partner_id AND vp.pos = 1 + (po.idx * 13 + k * 101) %% vp.cnt
                 WHERE NOT (vp.is_short AND po.state = 'purchase')
              ORDER BY po.po_id, vp.product_id) x""")
        self.cr.execute("SELECT COUNT(*) FROM bench_pol")
        lines = self.cr.fetchone()[0]
        first = self.reserve_ids('purchase_order_line', max(lines, 1))
        self.sql("UPDATE bench_pol SET line_id = %(first)s + idx - 1", {'first': first})
        self.sql("DELETE FROM bench_po po WHERE NOT EXISTS (SELECT 1 FROM bench_pol l WHERE l.po_id = po.po_id)")
        self.cnx.commit()
        self.clone('purchase_order', 'purchase_order', {
            'id': 'po.po_id', 'name': self.seq_name_expr(code='purchase.order'), 'origin': 'NULL', 'partner_ref': 'NULL',
            'date_order': 'po.date_order', 'date_approve': "CASE WHEN po.state <> 'draft' THEN po.date_order::date END",
            'partner_id': 'po.partner_id', 'dest_address_id': 'NULL', 'currency_id': '%(usd)s', 'state': 'po.state',
            'notes': 'NULL', 'invoice_count': '0', 'invoice_status': "'no'", 'picking_count': "CASE WHEN po.state = 'draft' THEN 0 ELSE 1 END",
            'date_planned': "po.date_order + make_interval(days => po.delay)", 'amount_untaxed': 'a.amount', 'amount_tax': '0',
            'amount_total': 'a.amount', 'fiscal_position_id': 'NULL', 'payment_term_id': 'NULL', 'incoterm_id': 'NULL',
            'create_uid': '1', 'company_id': 'po.company_id',
            'picking_type_id': '(SELECT t.id FROM stock_picking_type t JOIN stock_warehouse w ON w.id = t.warehouse_id '
                               "WHERE t.code = 'incoming' AND w.id = CASE WHEN po.company_id = %(company_a)s THEN %(wh_a)s ELSE %(wh_b)s END LIMIT 1)",
            'group_id': 'NULL', 'create_date': 'po.date_order', 'write_uid': '1', 'write_date': 'po.date_order',
            'message_last_post': 'NULL',
        }, '(bench_po po JOIN (SELECT po_id, SUM(qty * price) AS amount FROM bench_pol GROUP BY po_id) a ON a.po_id = po.po_id) ORDER BY po.date_order',
            self.params)
        self.clone('purchase_order_line', 'purchase_order_line', {
            'id': 'l.line_id', 'name': "'Bench Product ' || l.product_idx", 'sequence': '10', 'product_qty': 'l.qty',
            'date_planned': 'l.date_order + make_interval(days => l.delay)', 'product_uom': '1', 'product_id': 'l.product_id',
            'price_unit': 'l.price', 'price_subtotal': 'l.qty * l.price', 'price_total': 'l.qty * l.price', 'price_tax': '0',
            'order_id': 'l.po_id', 'account_analytic_id': 'NULL', 'company_id': 'l.company_id', 'state': 'l.state',
            'qty_invoiced': '0', 'qty_received': "CASE WHEN l.state = 'done' THEN l.qty ELSE 0 END", 'partner_id': 'l.partner_id',
            'currency_id': '%(usd)s', 'orderpoint_id': 'NULL', 'create_uid': '1', 'create_date': 'l.date_order',
            'write_uid': '1', 'write_date': 'l.date_order',
        }, 'bench_pol l', self.params)
        # Receipts: one picking per confirmed or done order, names from each receipt type's sequence.
        self.cr.execute("""SELECT t.id, t.sequence_id, w.company_id, t.default_location_dest_id FROM stock_picking_type t
                             JOIN stock_warehouse w ON w.id = t.warehouse_id
                            WHERE t.code = 'incoming' AND w.id IN (%s, %s)""", [self.wh_a, self.wh_b])
        for type_id, sequence_id, company_id, dest_id in self.cr.fetchall():
            count_sql = "SELECT COUNT(*) FROM bench_po WHERE state <> 'draft' AND company_id = %s"
            self.cr.execute(count_sql, [company_id])
            count = self.cr.fetchone()[0]
            if not count:
                continue
            first = self.reserve_ids('stock_picking', count)
            self.sql("""UPDATE bench_po po SET picking_id = %(first)s - 1 + r.rn
                          FROM (SELECT idx, row_number() OVER (ORDER BY idx) rn FROM bench_po
                                 WHERE state <> 'draft' AND company_id = %(company)s) r WHERE r.idx = po.idx""",
                     {'first': first, 'company': company_id})
            params = dict(self.params, type_id=type_id, company=company_id, dest=dest_id)
            self.clone('stock_picking (receipts, company %s)' % company_id, 'stock_picking', {
                'id': 'po.picking_id', 'name': self.seq_name_expr(seq_id=sequence_id), 'origin': 'po_row.name',
                'note': 'NULL', 'backorder_id': 'NULL', 'move_type': "'direct'",
                'state': "CASE WHEN po.state = 'done' THEN 'done' ELSE 'assigned' END", 'group_id': 'NULL', 'priority': "'1'",
                'scheduled_date': 'po_row.date_planned', 'date': 'po.date_order',
                'date_done': "CASE WHEN po.state = 'done' THEN po_row.date_planned + make_interval(days => floor(random() * 7)::int - 2) END",
                'location_id': '%(supplier_loc)s', 'location_dest_id': '%(dest)s', 'picking_type_id': '%(type_id)s',
                'partner_id': 'po.partner_id', 'company_id': 'po.company_id', 'owner_id': 'NULL', 'printed': 'FALSE',
                'is_locked': 'TRUE', 'create_uid': '1', 'create_date': 'po.date_order', 'write_uid': '1',
                'write_date': 'po.date_order', 'sale_id': 'NULL', 'message_last_post': 'NULL',
            }, """bench_po po JOIN purchase_order po_row ON po_row.id = po.po_id
                  WHERE po.state <> 'draft' AND po.company_id = %(company)s ORDER BY po.idx""", params)
            self.clone('stock_move (receipt moves, company %s)' % company_id, 'stock_move', {
                'name': "'Bench Product ' || l.product_idx", 'sequence': '10', 'priority': "'1'",
                'create_date': 'l.date_order', 'date': "COALESCE(pick.date_done, pick.scheduled_date)",
                'company_id': 'l.company_id', 'date_expected': 'pick.scheduled_date', 'product_id': 'l.product_id',
                'ordered_qty': 'l.qty', 'product_qty': 'l.qty', 'product_uom_qty': 'l.qty', 'product_uom': '1',
                'product_packaging': 'NULL', 'location_id': '%(supplier_loc)s', 'location_dest_id': '%(dest)s',
                'partner_id': 'NULL', 'picking_id': 'pick.id', 'note': 'NULL', 'state': 'pick.state',
                'price_unit': 'l.price', 'origin': 'pick.origin', 'procure_method': "'make_to_stock'", 'scrapped': 'FALSE',
                'group_id': 'NULL', 'rule_id': 'NULL', 'push_rule_id': 'NULL', 'propagate': 'TRUE',
                'picking_type_id': '%(type_id)s', 'inventory_id': 'NULL', 'origin_returned_move_id': 'NULL',
                'restrict_partner_id': 'NULL', 'warehouse_id': 'NULL', 'additional': 'FALSE', 'reference': 'pick.name',
                'create_uid': '1', 'write_uid': '1', 'write_date': 'l.date_order', 'to_refund': 'FALSE',
                'value': "CASE WHEN pick.state = 'done' THEN l.qty * l.price ELSE 0 END",
                'remaining_qty': "CASE WHEN pick.state = 'done' THEN l.qty ELSE 0 END",
                'remaining_value': "CASE WHEN pick.state = 'done' THEN l.qty * l.price ELSE 0 END",
                'purchase_line_id': 'l.line_id', 'created_purchase_line_id': 'NULL', 'sale_line_id': 'NULL',
            }, """bench_pol l JOIN bench_po po ON po.po_id = l.po_id JOIN stock_picking pick ON pick.id = po.picking_id
                  WHERE po.company_id = %(company)s""", params)
        self.sql("DROP TABLE bench_pol")
        self.sql("DROP TABLE bench_po")
        self.cnx.commit()

    def finish(self):
        self.sql("DROP TABLE IF EXISTS bench_line")
        self.sql("DROP TABLE IF EXISTS bench_order")
        self.cnx.commit()
        for table in ('res_partner', 'product_template', 'product_product', 'sale_order', 'sale_order_line',
                      'crm_lead', 'purchase_order', 'purchase_order_line', 'stock_picking', 'stock_move',
                      'stock_quant', 'product_supplierinfo', 'res_currency_rate', 'ir_property'):
            self.sql('ANALYZE %s' % table)
        self.cnx.commit()
        self.log('ANALYZE')
        self.check_foreign_keys()
        self.write_truth()

    TABLES = ('res_partner', 'product_template', 'product_product', 'product_supplierinfo', 'product_pricelist',
              'res_currency_rate', 'stock_quant', 'sale_order', 'sale_order_line', 'crm_lead', 'purchase_order',
              'purchase_order_line', 'stock_picking', 'stock_move', 'ir_property')

    def check_foreign_keys(self, tables=None):
        """Every single-column foreign key of the written tables points at an existing row."""
        start = time.time()
        self.cr.execute("""
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
              FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
              JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
             WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1 AND c.conrelid::regclass::text = ANY(%s)""",
                        [list(tables or self.TABLES)])
        broken = []
        for table, column, ref_table, ref_column in self.cr.fetchall():
            self.cr.execute("SELECT COUNT(*) FROM {t} x WHERE x.{c} IS NOT NULL AND NOT EXISTS "
                            "(SELECT 1 FROM {r} y WHERE y.{rc} = x.{c})".format(t=table, c=column, r=ref_table, rc=ref_column))
            missing = self.cr.fetchone()[0]
            if missing:
                broken.append('%s.%s -> %s: %d' % (table, column, ref_table, missing))
        self.log('foreign keys checked %6.1fs' % (time.time() - start))
        assert not broken, 'dangling foreign keys: %s' % broken

    def write_truth(self):
        self.cr.execute("SELECT bundle_id, array_agg(product_id ORDER BY product_id) FROM bench_truth_bundle GROUP BY 1 ORDER BY 1")
        bundles = {str(b): products for b, products in self.cr.fetchall()}
        self.cr.execute("SELECT array_agg(product_id ORDER BY product_id) FROM bench_product WHERE is_short")
        short = self.cr.fetchone()[0]
        out = os.path.join(ROOT, 'bench', 'out')
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, '%s-truth.json' % self.db), 'w') as handle:
            json.dump({'size': self.size, 'bundles': bundles, 'short_product_ids': short}, handle)
        self.log('ground truth: %d bundles, %d short products -> bench/out/%s-truth.json' % (len(bundles), len(short), self.db))

    # After the addon install ----------------------------------------------------------------

    def after_install(self):
        """Opportunity product lines (crm_lead_line is the addon's table): 1-4 per open or won
        opportunity, power-law products, dated at the expected closing."""
        self.setup_params_after()
        self.step('crm_lead_line (opportunity products)', """
            INSERT INTO crm_lead_line (lead_id, sequence, company_id, product_id, product_qty, product_uom_id,
                                       price_unit, price_subtotal, date_expected, create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (lead.id, p.product_id) lead.id, 10, lead.company_id, p.product_id, qty, 1, p.price,
                   qty * p.price, lead.date_deadline, 1, NOW(), 1, NOW()
              FROM crm_lead lead
             CROSS JOIN LATERAL (SELECT floor(%(products)s * random() ^ 2.5)::int AS rank,
                                        (1 + floor(random() * 5))::numeric AS qty
                                   FROM generate_series(1, 1 + (lead.id %% 4)) k) pick
              JOIN bench_product p ON p.rank = pick.rank AND NOT p.is_short
             WHERE lead.type = 'opportunity' AND lead.name LIKE 'Bench opportunity %%'
             ORDER BY lead.id, p.product_id""")
        self.sql("ANALYZE crm_lead_line")
        self.cnx.commit()
        self.check_foreign_keys(['crm_lead_line'])

    def setup_params_after(self):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('db')
    parser.add_argument('size', choices=sorted(SIZES))
    parser.add_argument('--after-install', action='store_true')
    args = parser.parse_args()
    generator = Generator(args.db, args.size)
    if args.after_install:
        generator.after_install()
    else:
        generator.run()


if __name__ == '__main__':
    sys.exit(main())
