"""Rules and helpers shared by every domain: the counted order line, unit conversion,
currency conversion, sellable products, indexes, locks and planner settings."""

# A counted sale line l of order so (company cmp, product pp of template pt), wherever sales
# are counted (affinity baskets, customers' histories, best sellers): confirmed order, positive
# quantity, not a down payment, an active product (an archived one leaves the counts: see
# product.product's write), a service only when the company counts services. The full
# affinity recompute applies the order, line and product parts in three separate queries.
COUNTED_ORDER_SQL = "so.state IN ('sale', 'done')"
COUNTED_LINE_ONLY_SQL = "l.product_uom_qty > 0 AND NOT COALESCE(l.is_downpayment, FALSE)"
COUNTED_PRODUCT_SQL = "pp.active AND pt.active AND (pt.type <> 'service' OR NOT cmp.affinity_exclude_services)"
COUNTED_LINE_SQL = '\n       AND '.join((COUNTED_ORDER_SQL, COUNTED_LINE_ONLY_SQL, COUNTED_PRODUCT_SQL))


def product_uom_joins(line_alias, uom_column):
    """SQL joins giving line_uom (the line's unit) and product_uom (its product's) for
    converting a line quantity: qty / line_uom.factor * product_uom.factor (same category).
    Takes identifiers only, never values."""
    return """
      JOIN product_product pp ON pp.id = {line}.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN product_uom line_uom ON line_uom.id = {line}.{uom}
      JOIN product_uom product_uom ON product_uom.id = pt.uom_id
    """.format(line=line_alias, uom=uom_column)


def sellable_sql(company='%(company_id)s'):
    """Sellable products pp/pt of the company (an SQL expression: the parameter or a column):
    active, sale_ok, of the company or of none."""
    return """pp.active AND pt.active AND pt.sale_ok
           AND (pt.company_id IS NULL OR pt.company_id = {company})""".format(company=company)


# Amount in a foreign currency -> company currency at a date: the latest rate on or before the
# date, a company-specific rate winning over a global one of the same day; a missing rate
# counts as 1 (as in res.currency). Only called for orders in another currency than the company's.
_CURRENCY_FACTOR_FUNCTION_SQL = """
    CREATE OR REPLACE FUNCTION crm_erp_bridge_currency_factor(
        from_currency integer, to_currency integer, company integer, day date)
    RETURNS numeric LANGUAGE sql STABLE AS $$
        SELECT COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = to_currency AND r.name <= day
                            AND (r.company_id IS NULL OR r.company_id = company)
                       ORDER BY r.name DESC, r.company_id NULLS LAST LIMIT 1), 1.0)
             / COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = from_currency AND r.name <= day
                            AND (r.company_id IS NULL OR r.company_id = company)
                       ORDER BY r.name DESC, r.company_id NULLS LAST LIMIT 1), 1.0)
    $$
"""


def create_currency_factor_function(cr):
    """(Re)create the SQL function crm_erp_bridge_currency_factor(from currency, to currency,
    company, day): the factor from one currency to the other at that day (see above). The
    Customer 360 and the partner product history call it."""
    cr.execute(_CURRENCY_FACTOR_FUNCTION_SQL)


def counted_orders_select(condition, extra_columns='', documents=None):
    """SELECT of the company's counted sale orders (parameter %(company_id)s) with their
    commercial partner, day, untaxed amount and currencies, the input with_company_currency_factor
    takes; condition: the caller's further SQL condition (its own text, never input);
    extra_columns: further columns of so, p or cmp (', so.crm_erp_channel': the caller's text).
    documents: instead of the sale orders, the counted documents of this SQL text (a
    counted_documents_sql, or a placeholder the caller formats later, '{documents}'): so then
    has the columns CountedDocuments.DOCUMENT_COLUMNS (', so.channel')."""
    source, counted = ('sale_order so', ' AND ' + COUNTED_ORDER_SQL) if documents is None else \
        ('(' + documents + ') so', '')
    return """
    SELECT p.commercial_partner_id AS partner_id, so.company_id, so.date_order::date AS day,
           so.amount_untaxed, pl.currency_id, cmp.currency_id AS company_currency_id""" + extra_columns + """
      FROM """ + source + """
      JOIN res_partner p ON p.id = so.partner_id
      JOIN res_company cmp ON cmp.id = so.company_id
      JOIN product_pricelist pl ON pl.id = so.pricelist_id
     WHERE so.company_id = %(company_id)s""" + counted + """
       AND """ + condition


class CountedDocuments(object):
    """One kind of document the Customer 360 counts as an order (history, RFM, CLV, stage and
    the channel breakdown): `select`, an SQL SELECT of its counted documents with the columns
    DOCUMENT_COLUMNS (kind: the same text as `kind` below; amount_untaxed and margin untaxed,
    in the currency of pricelist_id; partner_id: the document's partner, NULL never counted),
    where `{margin}` names the sale order's margin column the refresh chose; `lines`, an SQL
    SELECT of (kind, order_id, product_id) of every line of those documents (the distinct
    products of step 1). Glue addons add theirs through crm.erp.partner.stats's
    _counted_documents() (docs/pos.md). SQL text from the code, never values."""
    DOCUMENT_COLUMNS = ('kind', 'id', 'company_id', 'partner_id', 'date_order', 'pricelist_id', 'amount_untaxed',
                        'margin', 'channel')

    def __init__(self, kind, select, lines):
        self.kind, self.select, self.lines = kind, select, lines


# The core's counted documents: confirmed sale orders (COUNTED_ORDER_SQL), of their own channel.
SALE_ORDER_DOCUMENTS = CountedDocuments('sale.order', """
    SELECT 'sale.order'::text AS kind, so.id, so.company_id, so.partner_id, so.date_order, so.pricelist_id,
           so.amount_untaxed, so.{margin} AS margin, so.crm_erp_channel::text AS channel
      FROM sale_order so
     WHERE """ + COUNTED_ORDER_SQL, """
    SELECT 'sale.order'::text AS kind, l.order_id, l.product_id FROM sale_order_line l""")


def counted_documents_sql(sources=(SALE_ORDER_DOCUMENTS,), use_margin=False):
    """SQL text: the UNION ALL of the counted documents of sources (CountedDocuments, the
    model's _counted_documents()), the margin column of sale orders being sale_margin's when
    use_margin, else their untaxed amount. Used as a subquery `(...) so` by the Customer 360
    statements, the channel breakdown and the CLV summary."""
    margin = 'margin' if use_margin else 'amount_untaxed'
    return '\n     UNION ALL\n'.join(source.select.format(margin=margin) for source in sources)


def counted_document_lines_sql(sources=(SALE_ORDER_DOCUMENTS,)):
    """SQL text: the UNION ALL of the (kind, order_id, product_id) lines of sources' documents."""
    return '\n     UNION ALL\n'.join(source.lines for source in sources)


def with_company_currency_factor(name, documents_sql, known_rates=False):
    """CTEs `<name>_docs` (documents_sql, which selects currency_id, company_currency_id,
    company_id and day among its columns) and `<name>` (the same rows with `factor`, to the
    company currency at that day). The rate is looked up once per foreign currency, company and
    day, not once per document: orders of a day share it. known_rates: the statement's
    parameters known_currency_ids, known_company_ids, known_days, known_factors (array literals,
    see customer_360.known_currency_factors) give factors already looked up, and only the other days are looked
    up here (a refresh in chunks looks the rates up once, not once per chunk). Takes SQL text,
    never values."""
    known = """
    SELECT * FROM unnest(%(known_currency_ids)s::integer[], %(known_company_ids)s::integer[],
                         %(known_days)s::date[], %(known_factors)s::numeric[])
                  AS known(currency_id, company_id, day, factor)
     UNION ALL""" if known_rates else ''
    unknown = """
       AND (currency_id, company_id, day) NOT IN (
           SELECT * FROM unnest(%(known_currency_ids)s::integer[], %(known_company_ids)s::integer[],
                                %(known_days)s::date[]))""" if known_rates else ''
    return """
{name}_docs AS ({documents}
), {name}_rates AS ({known}
    SELECT currency_id, company_id, day,
           crm_erp_bridge_currency_factor(currency_id, company_currency_id, company_id, day) AS factor
      FROM (SELECT DISTINCT currency_id, company_currency_id, company_id, day
              FROM {name}_docs WHERE currency_id <> company_currency_id) foreign_days
     WHERE TRUE{unknown}
), {name} AS (
    SELECT docs.*, COALESCE(rates.factor, 1.0) AS factor
      FROM {name}_docs docs
      LEFT JOIN {name}_rates rates ON rates.currency_id = docs.currency_id
           AND rates.company_id = docs.company_id AND rates.day = docs.day
)""".format(name=name, documents=documents_sql, known=known, unknown=unknown)


def ensure_index(cr, name, table, expressions, where=None):
    """The one way the addon creates an index: `name` on table (expressions: column names or
    expressions, e.g. 'pair_count DESC'), partial when `where` is given, unless an index of that
    name exists. Identifiers and expressions come from the code, never from input."""
    # DDL takes no parameters: identifiers and expressions from the code, no value
    index_sql = 'CREATE INDEX IF NOT EXISTS {name} ON {table} ({expressions}){where}'.format(
        name=name, table=table, expressions=', '.join(expressions),
        where=' WHERE %s' % where if where else '')
    cr.execute(index_sql)  # pylint: disable=sql-injection


def drop_index(cr, name):
    """Drop the index `name` (a name from the code) if it exists."""
    # DDL takes no parameters: the name comes from the code
    cr.execute('DROP INDEX IF EXISTS %s' % name)  # pylint: disable=sql-injection


def drop_tables(cr, tables):
    """Drop the tables (names from the code) that exist: the addon's plain tables at uninstall."""
    # DDL takes no parameters: the names come from the code
    cr.execute('DROP TABLE IF EXISTS %s' % ', '.join(tables))  # pylint: disable=sql-injection


def drop_view(cr, name):
    """Drop the view `name` (a name from the code) if it exists."""
    # DDL takes no parameters: the name comes from the code
    cr.execute('DROP VIEW IF EXISTS %s' % name)  # pylint: disable=sql-injection


def ensure_company_rows(cr, table, company_ids, uid):
    """Create the empty row of each company that has none in table (a name from the code, of a
    model with one record per company and a unique company_id: the CLV and lead score models).
    When another transaction is creating the same row at that moment, this one fails with a
    serialization error (Odoo runs the call again; the row is then found), never with a
    duplicate."""
    # identifiers take no parameters: the table name comes from the code
    cr.execute("""
        INSERT INTO "{table}" (company_id, create_uid, create_date, write_uid, write_date)
        SELECT company_id, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM unnest(%(company_ids)s::integer[]) AS company_id
            ON CONFLICT (company_id) DO NOTHING
    """.format(table=table), {'company_ids': list(company_ids), 'uid': uid})  # pylint: disable=sql-injection


def advisory_xact_lock(cr, name):
    """Wait for, then hold until the transaction ends, the advisory lock named `name`."""
    cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def try_advisory_xact_lock(cr, name):
    """Take the advisory lock named `name` until the transaction ends, if free: whether taken."""
    cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [name])
    return cr.fetchone()[0]


def disable_jit(cr):
    """PostgreSQL's JIT compiles wide statements for seconds and gains nothing back on the
    addon's: off for this transaction (SET LOCAL ends with it), on PostgreSQL 11 and later."""
    if cr._cnx.server_version >= 110000:
        cr.execute("SET LOCAL jit = off")


def prefer_index_scans(cr):
    """For this transaction, cost a random page read as a sequential one or nearly (1.1, the
    usual value for SSDs and cached data): statements that read a few thousand customers'
    documents through their indexes are otherwise planned as scans of every order."""
    cr.execute("SET LOCAL random_page_cost = 1.1")


def with_hash_joins(cr, execute):
    """Call execute() with nested-loop and merge joins off (hash joins), then restore both
    settings as the transaction had them (left off if execute() raises: the transaction or
    savepoint is then rolled back, which restores them)."""
    cr.execute("SELECT current_setting('enable_nestloop'), current_setting('enable_mergejoin')")
    nestloop, mergejoin = cr.fetchone()
    cr.execute("SELECT set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true)")
    result = execute()
    cr.execute("SELECT set_config('enable_nestloop', %s, true), set_config('enable_mergejoin', %s, true)",
               [nestloop, mergejoin])
    return result


def set_local_work_mem(cr, size):
    """work_mem for this transaction (size: a literal from the code, e.g. '256MB')."""
    # SET takes no parameters: size is a literal from the code
    cr.execute("SET LOCAL work_mem = '%s'" % size)  # pylint: disable=sql-injection


def analyze(cr, table):
    """Refresh the planner's statistics of table (a name from the code)."""
    # DDL takes no parameters: the name comes from the code
    cr.execute("ANALYZE %s" % table)  # pylint: disable=sql-injection


def estimated_row_count(cr, table):
    """Rows of table as PostgreSQL's statistics last counted them (0: never)."""
    cr.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [table])
    return cr.fetchone()[0]


def touch_rows(cr, table, ids):
    """No-op update (write_date = write_date) of the rows ids of table (a name from the code),
    in id order: a concurrent update of one of them is a serialization failure under REPEATABLE
    READ (a mere row lock is not), so two transactions that claim the same rows collide."""
    cr.execute('UPDATE "{table}" SET write_date = write_date WHERE id = ANY(%s)'.format(table=table), [sorted(ids)])


def company_partner_pairs(cr, table, ids):
    """Distinct (company id, commercial partner id) of the rows ids of table (documents with
    company_id and partner_id, a table name from the code), as stored."""
    cr.execute(
        'SELECT DISTINCT doc.company_id, partner.commercial_partner_id FROM "{table}" doc '
        'JOIN res_partner partner ON partner.id = doc.partner_id WHERE doc.id = ANY(%s)'.format(table=table), [ids])
    return cr.fetchall()


# A translated name column as Odoo 11 reads it in a language (models._generate_translated_field):
# the newest non-empty translation of the record, else the stored text.
_TRANSLATED_NAME_SQL = """COALESCE((SELECT t.value FROM ir_translation t
                                    WHERE t.name = '{model},name' AND t.lang = %(lang)s AND t.value != ''
                                      AND t.res_id = {alias}.id
                                 ORDER BY t.id DESC LIMIT 1), {alias}.name)"""


def product_labels(cr, product_ids, lang):
    """{product id: (type, name, internal reference, unit name, variant)} of product_ids: the
    template's type and name, the product's default_code (None when empty), the name of its
    template's unit, both names in lang as Odoo reads them (None: the stored text), and whether
    it has attribute values (a variant, whose display name adds them)."""
    cr.execute("""
        SELECT pp.id, pt.type, """ + _TRANSLATED_NAME_SQL.format(model='product.template', alias='pt') + """,
               NULLIF(pp.default_code, ''), """ + _TRANSLATED_NAME_SQL.format(model='product.uom', alias='uom') + """,
               EXISTS (SELECT 1 FROM product_attribute_value_product_product_rel variant
                        WHERE variant.product_product_id = pp.id)
          FROM product_product pp
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          JOIN product_uom uom ON uom.id = pt.uom_id
         WHERE pp.id = ANY(%(product_ids)s::integer[])
    """, {'product_ids': list(product_ids), 'lang': lang or None})
    return {row[0]: row[1:] for row in cr.fetchall()}


class PartnerScope(object):
    """Renders `{scope[column]}` in the refresh statements: `column = ANY(%(partner_ids)s)` for
    an incremental refresh (True), `%(partner_from)s <= column < %(partner_to)s` for a chunk
    of the full refresh ('range'), TRUE for a full one in one statement (False). Separate
    texts rather than one `IS NULL OR` filter, so that each plans for what it does (and the
    incremental one can be prepared once)."""
    FILTERS = {True: '{0} = ANY(%(partner_ids)s)', 'range': '{0} >= %(partner_from)s AND {0} < %(partner_to)s',
               False: 'TRUE'}

    def __init__(self, incremental):
        self.filter = self.FILTERS[incremental]

    def __getitem__(self, column):
        return self.filter.format(column)
