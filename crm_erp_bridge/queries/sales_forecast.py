"""SQL of the sales forecast (issue 19, docs/lead-score-forecast.md, "The sales forecast"):
what a company sold per product, team and month (`monthly_sales`), and with it what each of
its customers buys (`monthly_sales_and_mix`), its open pipeline lines
(`open_pipeline_lines`), its won leads of the last months (`won_leads`: the pipeline's coverage
and the closing slips), the delivery shares of its warehouses (`delivery_shares`), and the
stored forecast table (`replace_forecast`, `lock_company`). Functions take a cursor and plain
values and return plain data; no Odoo import.

Quantities are in the product's unit, amounts in the company's currency (untaxed). A sale is
a counted order line (common.COUNTED_LINE_SQL: confirmed order, positive quantity, no down
payment, active product, services only when the company counts them), dated by its order's
date_order, and comes from an opportunity when its order has one (sale_order.opportunity_id).
Lead definitions as in queries/lead_score: open = active with probability below 100; won =
active with probability 100 and a closing date. A lead has no currency of its own in Odoo 11:
its lines' prices are in the company's."""
import numpy as np

from .common import (COUNTED_LINE_ONLY_SQL, COUNTED_ORDER_SQL, COUNTED_PRODUCT_SQL, advisory_xact_lock,
                     product_uom_joins, with_company_currency_factor)
from ..sql import ParallelColumns, copy_rows, fetch_columns
from .stock import WAREHOUSE_DELIVERY_MOVE_SQL

# Every customer's first counted order before date_to, from a scan of the company's orders.
_FIRST_ORDERS_SQL = """
    SELECT p.commercial_partner_id AS partner_id,
           (EXTRACT(YEAR FROM MIN(so.date_order)) * 12 + EXTRACT(MONTH FROM MIN(so.date_order)) - 1)::integer
               AS first_month
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.company_id = %(company_id)s AND """ + COUNTED_ORDER_SQL + """ AND so.date_order < %(date_to)s
     GROUP BY p.commercial_partner_id"""
# The sale lines of the company's counted orders from date_from (included) to date_to
# (excluded), summed per product, team, month, opportunity flag and customer age (the order part
# of the counted-line rule is in the orders' selection, the month of each order computed once).
# The customer age of a direct order of the detailed months: the months since its commercial
# partner's first counted order (of any date before date_to), capped at age_cap; age_cap for
# every other row (the forecast needs the new customers' recent direct sales only).
# first_orders: the first month of the customers' first counted orders (_FIRST_ORDERS_SQL); a
# customer without one first bought in the month of its order. {mix_column}: with the customers'
# mix (_SALES_AND_MIX_SQL), whether the order is in its window.
_SALES_ORDERS_SQL = """WITH first_orders AS (""" + _FIRST_ORDERS_SQL + """
), """ + with_company_currency_factor('orders', """
    SELECT so.id AS order_id, COALESCE(so.team_id, 0) AS team_id, so.opportunity_id IS NOT NULL AS opportunity,
           so.company_id, so.date_order::date AS day, pl.currency_id, cmp.currency_id AS company_currency_id,
           (EXTRACT(YEAR FROM so.date_order) * 12 + EXTRACT(MONTH FROM so.date_order) - 1)::integer AS month,
           COALESCE(f.first_month, (EXTRACT(YEAR FROM so.date_order) * 12
                                    + EXTRACT(MONTH FROM so.date_order) - 1)::integer) AS first_month{mix_column}
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
      LEFT JOIN first_orders f ON f.partner_id = p.commercial_partner_id
      JOIN res_company cmp ON cmp.id = so.company_id
      JOIN product_pricelist pl ON pl.id = so.pricelist_id
     WHERE so.company_id = %(company_id)s AND """ + COUNTED_ORDER_SQL + """
       AND so.date_order >= %(date_from)s AND so.date_order < %(date_to)s""")
# The columns of a counted line of those orders: product, category, team, month, opportunity flag
# and customer age of monthly_sales, then {extra} ({qty} and {amount}: the sums, or the line's).
_SALES_LINES_SQL = """
SELECT CASE WHEN o.month >= %(detail_from)s THEN l.product_id ELSE 0 END AS product_id, pt.categ_id,
       CASE WHEN o.month >= %(detail_from)s THEN o.team_id ELSE 0 END AS team_id, o.month, o.opportunity,
       CASE WHEN o.month >= %(detail_from)s AND NOT o.opportunity THEN LEAST(o.month - o.first_month, %(age_cap)s)
            ELSE %(age_cap)s END AS customer_age,{extra}
       {qty} AS qty,
       {amount} AS amount
  FROM orders o
  -- the one company, joined on the parameter: joined on the orders' column PostgreSQL expects
  -- a fiftieth of the orders and reads their lines one order at a time
  JOIN res_company cmp ON cmp.id = %(company_id)s
  JOIN sale_order_line l ON l.order_id = o.order_id
  """ + product_uom_joins('l', 'product_uom') + """
 WHERE """ + COUNTED_LINE_ONLY_SQL + """
   AND """ + COUNTED_PRODUCT_SQL
_LINE_QTY = 'l.product_uom_qty / line_uom.factor * product_uom.factor'
_LINE_AMOUNT = 'l.price_subtotal * o.factor'

_MONTHLY_SALES_SQL = _SALES_ORDERS_SQL.format(mix_column='') + _SALES_LINES_SQL.format(
    extra='', qty='SUM(%s)::float8' % _LINE_QTY, amount='SUM(%s)::float8' % _LINE_AMOUNT) + """
 GROUP BY 1, 2, 3, 4, 5, 6
"""

MONTHLY_SALES_COLUMNS = ('product_id', 'categ_id', 'team_id', 'month', 'opportunity', 'customer_age', 'qty',
                         'amount')
_MONTHLY_SALES_TYPES = ('int4', 'int4', 'int4', 'int4', 'bool', 'int4', 'float8', 'float8')


def monthly_sales(cr, company_id, date_from, date_to, detail_from=0, age_cap=6):
    """The company's counted sales from date_from to date_to (excluded; dates as text or
    date), one row per product x team x month x opportunity flag x customer age, as columns
    (numpy arrays, in no particular order): product_id, categ_id, team_id (0: no team), month (year x
    12 + month - 1, engines.sales_forecast.month_index), opportunity (whether the order came
    from an opportunity), customer_age (of a direct order from detail_from on: the months from
    its customer's first counted order to the order, at most age_cap; age_cap for the other
    rows), qty (product unit), amount (company currency, untaxed, at the rate of the order's
    day). The months before detail_from (a month index) are summed per product category
    instead, with product_id and team_id 0 (the forecast needs only a category's older months,
    for its seasons and trend: a third of the rows at L). Wide (a row per product, team and
    month): set jit off and a larger work_mem first (common.disable_jit,
    common.set_local_work_mem)."""
    params = _monthly_sales_params(company_id, date_from, date_to, detail_from, age_cap)
    columns = fetch_columns(cr, _MONTHLY_SALES_SQL, params, _MONTHLY_SALES_TYPES)
    return dict(zip(MONTHLY_SALES_COLUMNS, columns))


def monthly_sales_beside(cr, connect, company_id, date_from, date_to, detail_from=0, age_cap=6):
    """monthly_sales read by a second connection (connect() -> a cursor) in cr's snapshot while cr
    does other work (sql.ParallelColumns: in cr itself when its transaction wrote already); its
    columns() are monthly_sales's, in MONTHLY_SALES_COLUMNS' order."""
    return ParallelColumns(cr, connect, _MONTHLY_SALES_SQL,
                           _monthly_sales_params(company_id, date_from, date_to, detail_from, age_cap),
                           _MONTHLY_SALES_TYPES)


def _monthly_sales_params(company_id, date_from, date_to, detail_from, age_cap):
    return {'company_id': company_id, 'date_from': date_from, 'date_to': date_to, 'detail_from': detail_from,
            'age_cap': age_cap}


# monthly_sales and, in the same scan of the lines, what each commercial customer of the company
# bought without an opportunity from mix_from to mix_to (excluded: a window inside date_from ..
# date_to), per sales team and product, beside its purchase days in the window (the distinct
# days of all its counted orders, from an opportunity or not: the days the lifetime value model
# counts). One statement instead of two (bench/RESULTS.md, s29-lead): the orders and lines of the
# mix window were read and joined twice. The joined lines are materialised once and summed twice
# (GROUPING SETS over them were planned as two sorts of every line, slower than the two
# statements). Its rows: the sales (mix partner 0), the mix (product > 0) and the customers'
# purchase days (product 0), put beside their mix rows in numpy (a join of the joined lines with
# the days in SQL cost a sort of them), read as numpy columns by one binary COPY
# (sql.fetch_columns: no Python object per value).
_SALES_AND_MIX_SQL = _SALES_ORDERS_SQL.format(mix_column=""",
           so.date_order >= %(mix_from)s AND so.date_order < %(mix_to)s AS in_mix,
           p.commercial_partner_id AS partner_id""") + """, line_rows AS MATERIALIZED (""" + _SALES_LINES_SQL.format(
    extra="""
       CASE WHEN o.in_mix AND NOT o.opportunity THEN o.partner_id END AS mix_partner_id,
       o.team_id AS mix_team_id, l.product_id AS mix_product_id,""", qty=_LINE_QTY, amount=_LINE_AMOUNT) + """
), purchase_days AS (
    SELECT partner_id, COUNT(DISTINCT day) AS days FROM orders WHERE in_mix GROUP BY partner_id
)
SELECT product_id, categ_id, team_id, month, opportunity, customer_age, SUM(qty)::float8, SUM(amount)::float8,
       0, 0, 0, 0
  FROM line_rows
 GROUP BY product_id, categ_id, team_id, month, opportunity, customer_age
 UNION ALL
SELECT 0, 0, 0, 0, FALSE, 0, SUM(qty)::float8, SUM(amount)::float8, mix_partner_id, mix_team_id, mix_product_id, 0
  FROM line_rows
 WHERE mix_partner_id IS NOT NULL
 GROUP BY mix_partner_id, mix_team_id, mix_product_id
 UNION ALL
SELECT 0, 0, 0, 0, FALSE, 0, 0, 0, partner_id, 0, 0, days::integer
  FROM purchase_days
"""

CUSTOMER_MIX_COLUMNS = ('partner_id', 'team_id', 'product_id', 'days', 'qty', 'amount')


def monthly_sales_and_mix(cr, company_id, date_from, date_to, detail_from, age_cap, mix_from, mix_to):
    """(monthly_sales(cr, company_id, date_from, date_to, detail_from, age_cap), the customers'
    mix) in one statement. The mix: per commercial customer of the company, sales team and
    product, what the customer bought without an opportunity from mix_from to mix_to (excluded;
    a window inside date_from .. date_to), as columns (numpy arrays): partner_id, team_id (0: no
    team), product_id, days (the customer's purchase days in the window: distinct days of its
    counted orders, from an opportunity or not), qty (product unit), amount (company currency,
    untaxed, at the rate of the order's day); the counted lines of monthly_sales. The forecast's
    customer model spreads a customer's expected purchase days over its products with qty / days
    and amount / days. Set jit off and a larger work_mem first, as for monthly_sales."""
    if not (str(date_from)[:10] <= str(mix_from)[:10] <= str(mix_to)[:10] <= str(date_to)[:10]):
        raise ValueError('the mix window %s .. %s is not inside %s .. %s' % (mix_from, mix_to, date_from, date_to))
    columns = fetch_columns(cr, _SALES_AND_MIX_SQL, {
        'company_id': company_id, 'date_from': date_from, 'date_to': date_to, 'detail_from': detail_from,
        'age_cap': age_cap, 'mix_from': mix_from, 'mix_to': mix_to},
        _MONTHLY_SALES_TYPES + ('int4',) * 4)
    partner, product = columns[8], columns[10]
    sales = {name: values[partner == 0] for name, values in zip(MONTHLY_SALES_COLUMNS, columns)}
    mix = {name: columns[index][(partner > 0) & (product > 0)]
           for name, index in zip(CUSTOMER_MIX_COLUMNS, (8, 9, 10, 11, 6, 7))}
    # every mix customer has purchase days in the window (its own orders are in it)
    day_rows = (partner > 0) & (product == 0)
    order = np.argsort(partner[day_rows])
    day_partners, days = partner[day_rows][order], columns[11][day_rows][order]
    mix['days'] = days[np.searchsorted(day_partners, mix['partner_id'])]
    return sales, mix


# The lines of the company's open leads, in the product unit, each with its expected closing.
_OPEN_PIPELINE_LINES_SQL = """
SELECT line.lead_id, line.product_id, pt.categ_id, lead.team_id,
       line.product_qty / line_uom.factor * product_uom.factor AS qty,
       line.product_qty * line.price_unit AS amount,
       COALESCE(line.date_expected, lead.date_deadline) AS date_expected,
       COALESCE(lead.crm_erp_win_chance, lead.probability) / 100.0 AS win_chance,
       lead.probability / 100.0 AS stage_probability
  FROM crm_lead_line line
  JOIN crm_lead lead ON lead.id = line.lead_id
  """ + product_uom_joins('line', 'product_uom_id') + """
 WHERE lead.company_id = %(company_id)s AND lead.active AND lead.probability < 100
 ORDER BY line.lead_id, line.id
"""

OPEN_PIPELINE_COLUMNS = ('lead_id', 'product_id', 'categ_id', 'team_id', 'qty', 'amount', 'date_expected',
                         'win_chance', 'stage_probability')


def open_pipeline_lines(cr, company_id):
    """The product lines of the company's open leads and opportunities, one dict per line:
    lead_id, product_id, categ_id, team_id, qty (product unit), amount (quantity x unit price,
    company currency), date_expected (the line's date, else the lead's expected closing, else
    None; text), win_chance (0-1: the stored lead score, else the stage probability) and
    stage_probability (0-1, Odoo's)."""
    cr.execute(_OPEN_PIPELINE_LINES_SQL, {'company_id': company_id})
    return [dict(zip(OPEN_PIPELINE_COLUMNS, row)) for row in cr.fetchall()]


_WON_LEADS_SQL = """
SELECT lead.id, lead.create_date::date, lead.date_closed::date, lead.date_deadline, lead.planned_revenue
  FROM crm_lead lead
 WHERE lead.company_id = %(company_id)s AND lead.active AND lead.probability >= 100
   AND lead.date_closed >= %(date_from)s AND lead.date_closed < %(date_to)s
 ORDER BY lead.date_closed, lead.id
"""

WON_LEADS_COLUMNS = ('lead_id', 'created', 'closed', 'date_deadline', 'amount')


def won_leads(cr, company_id, date_from, date_to):
    """The company's leads won (closed) from date_from to date_to (excluded), one dict each:
    lead_id, created, closed, date_deadline (its last expected closing; None when unset),
    amount (planned_revenue, company currency); dates as text."""
    cr.execute(_WON_LEADS_SQL, {'company_id': company_id, 'date_from': date_from, 'date_to': date_to})
    return [dict(zip(WON_LEADS_COLUMNS, row)) for row in cr.fetchall()]


def lock_company(cr, company_id):
    """Wait for, then hold until this transaction ends, the lock of the company's forecast
    refresh: two refreshes of one company run one after the other."""
    advisory_xact_lock(cr, 'crm_erp_bridge.sales_forecast.%d' % company_id)


FORECAST_COLUMNS = ('month', 'team_id', 'product_id', 'categ_id', 'product_qty', 'amount', 'run_rate_qty',
                    'pipeline_qty', 'actual_qty', 'actual_amount', 'is_forecast', 'chart_qty')
_FORECAST_TYPES = ('date', 'int4', 'int4', 'int4', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8',
                   'bool', 'float8')


def replace_forecast(cr, company_id, columns, uid, refreshed):
    """Replace the company's rows of the forecast table by the rows of columns ({name: array}
    for each of FORECAST_COLUMNS: month as numpy datetime64 days, ids with 0 for none), in one
    DELETE and one INSERT (the rows come in by one binary COPY into a temporary table); uid
    and refreshed (datetime text) stamp them. Call claim_company first. The products of the
    old and new rows are noted for the pipeline demand report's snapshot (its forecast demand
    reads the table). Returns the number of rows."""
    cr.execute("""
        WITH gone AS (DELETE FROM crm_erp_sales_forecast WHERE company_id = %s RETURNING product_id)
        INSERT INTO crm_erp_pipeline_demand_dirty (product_id) SELECT DISTINCT product_id FROM gone
    """, [company_id])
    count = len(columns['product_id'])
    if not count:
        return 0
    cr.execute("""
        CREATE TEMPORARY TABLE IF NOT EXISTS crm_erp_sales_forecast_rows (
            month date, team_id integer, product_id integer, categ_id integer, product_qty float8, amount float8,
            run_rate_qty float8, pipeline_qty float8, actual_qty float8, actual_amount float8, is_forecast boolean,
            chart_qty float8
        ) ON COMMIT DROP;
        TRUNCATE crm_erp_sales_forecast_rows
    """)
    copy_rows(cr, 'crm_erp_sales_forecast_rows', FORECAST_COLUMNS, [columns[name] for name in FORECAST_COLUMNS],
              _FORECAST_TYPES)
    cr.execute("""
        INSERT INTO crm_erp_sales_forecast (company_id, month, team_id, product_id, categ_id, product_qty, amount,
                                            run_rate_qty, pipeline_qty, actual_qty, actual_amount, is_forecast,
                                            chart_qty, create_uid, create_date, write_uid, write_date)
        SELECT %(company_id)s, month, NULLIF(team_id, 0), product_id, NULLIF(categ_id, 0), product_qty, amount,
               run_rate_qty, pipeline_qty, actual_qty, actual_amount, is_forecast, chart_qty,
               %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM crm_erp_sales_forecast_rows
    """, {'company_id': company_id, 'uid': uid, 'now': refreshed})
    cr.execute("""
        INSERT INTO crm_erp_pipeline_demand_dirty (product_id)
        SELECT DISTINCT product_id FROM crm_erp_sales_forecast_rows
    """)
    return count


_FORECAST_TOTALS_SQL = """
SELECT f.month, {key} AS key, CASE WHEN COUNT(DISTINCT pt.uom_id) = 1 THEN MIN(pt.uom_id) END AS uom_id,
       SUM(f.product_qty), SUM(f.amount), SUM(f.run_rate_qty), SUM(f.pipeline_qty), SUM(f.actual_qty),
       SUM(f.actual_amount)
  FROM crm_erp_sales_forecast f
  JOIN product_product pp ON pp.id = f.product_id
  JOIN product_template pt ON pt.id = pp.product_tmpl_id
 WHERE f.company_id = %(company_id)s AND f.month >= %(month_from)s AND f.month <= %(month_to)s
 GROUP BY f.month, {key}
 ORDER BY f.month, {key} NULLS FIRST
"""
_FORECAST_KEYS = {'product': 'f.product_id', 'category': 'f.categ_id', 'team': 'f.team_id'}
FORECAST_TOTALS_COLUMNS = ('month', 'key', 'uom_id', 'qty', 'amount', 'run_rate_qty', 'pipeline_qty', 'actual_qty',
                           'actual_amount')


def forecast_totals(cr, company_id, month_from, month_to, group_by):
    """The stored forecast of the company from month_from to month_to (first days of months,
    included), summed per month and group_by ('product', 'category' or 'team'), one dict per
    group: month, key (the product, category or team id; None: no team or category), uom_id
    (the products' one unit, None when they have several), qty, amount, run_rate_qty,
    pipeline_qty, actual_qty, actual_amount (quantities in the unit, amounts in the company
    currency)."""
    # the key is one of the identifiers above, never input
    cr.execute(_FORECAST_TOTALS_SQL.format(key=_FORECAST_KEYS[group_by]),  # pylint: disable=sql-injection
               {'company_id': company_id, 'month_from': month_from, 'month_to': month_to})
    return [dict(zip(FORECAST_TOTALS_COLUMNS, row)) for row in cr.fetchall()]


# Per product and warehouse of the company, the share of the product's quantity delivered to
# customers from date_from on that left from the warehouse's locations (done moves).
_DELIVERY_SHARES_SQL = """
SELECT product_id, warehouse_id, qty / SUM(qty) OVER (PARTITION BY product_id) AS share
  FROM (
    SELECT move.product_id, wh.id AS warehouse_id, SUM(move.product_qty) AS qty
      FROM stock_move move
      JOIN stock_location src ON src.id = move.location_id
      JOIN stock_location dest ON dest.id = move.location_dest_id
      JOIN stock_warehouse wh ON wh.company_id = move.company_id
      JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
     WHERE move.company_id = %(company_id)s AND move.date >= %(date_from)s
       AND move.product_id = ANY(%(product_ids)s) AND """ + WAREHOUSE_DELIVERY_MOVE_SQL + """
     GROUP BY move.product_id, wh.id
  ) delivered
 WHERE qty > 0
 ORDER BY product_id, warehouse_id
"""


def delivery_shares(cr, company_id, product_ids, date_from):
    """{product id: {warehouse id: share}}: of each product's quantity delivered to customers
    from date_from (done moves to a customer location), the share that left from each
    warehouse of the company (shares of a product add up to 1; a product never delivered
    is left out)."""
    cr.execute(_DELIVERY_SHARES_SQL, {'company_id': company_id, 'product_ids': list(product_ids),
                                      'date_from': date_from})
    shares = {}
    for product_id, warehouse_id, share in cr.fetchall():
        shares.setdefault(product_id, {})[warehouse_id] = float(share)
    return shares


# The forecast table of crm.erp.sales.forecast (a model with _auto = False): the model's
# columns, without foreign keys. The refresh inserts hundreds of thousands of rows per company
# at L; a foreign key check per row and column costs seconds each there (PostgreSQL runs one
# trigger per row and key), more than the refresh may take. The ids the rows hold come from
# the statements below (the sales lines, lead lines and won leads of the company, which keep
# their products, and products their categories); a deleted sales team's rows go with it
# (crm.team's unlink: delete_team_rows), a company's with the refresh table's cascade never
# (its rows are another company's for every user: the record rule hides them).
_FORECAST_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS crm_erp_sales_forecast (
    id serial PRIMARY KEY,
    company_id integer NOT NULL,
    month date NOT NULL,
    team_id integer,
    product_id integer NOT NULL,
    categ_id integer,
    is_forecast boolean,
    product_qty float8,
    amount float8,
    run_rate_qty float8,
    pipeline_qty float8,
    actual_qty float8,
    actual_amount float8,
    chart_qty float8,
    create_uid integer,
    create_date timestamp,
    write_uid integer,
    write_date timestamp
);
CREATE INDEX IF NOT EXISTS crm_erp_sales_forecast_company_month_idx ON crm_erp_sales_forecast (company_id, month);
CREATE INDEX IF NOT EXISTS crm_erp_sales_forecast_product_idx ON crm_erp_sales_forecast (product_id)
"""


def create_forecast_table(cr):
    """The forecast table (see above), and no foreign key on it (a database where an earlier
    version of the model had them loses them)."""
    cr.execute(_FORECAST_TABLE_SQL)
    cr.execute("""
        SELECT conname FROM pg_constraint
         WHERE conrelid = 'crm_erp_sales_forecast'::regclass AND contype = 'f'
    """)
    for (name,) in cr.fetchall():
        # DDL takes no parameters: the name is the catalogue's
        cr.execute('ALTER TABLE crm_erp_sales_forecast DROP CONSTRAINT "%s"' % name)  # pylint: disable=sql-injection


def delete_team_rows(cr, team_ids):
    """Delete the forecast rows of the sales teams (before the teams are deleted)."""
    cr.execute("DELETE FROM crm_erp_sales_forecast WHERE team_id = ANY(%s)", [list(team_ids)])


# One row per company whose forecast was refreshed: when (the refresh's claim on the company).
REFRESH_TABLE = 'crm_erp_sales_forecast_refresh'


def create_refresh_table(cr):
    """The table of the companies' last refresh (the model's _auto_init creates it)."""
    cr.execute("""
        CREATE TABLE IF NOT EXISTS crm_erp_sales_forecast_refresh (
            company_id integer PRIMARY KEY REFERENCES res_company (id) ON DELETE CASCADE,
            refreshed timestamp NOT NULL
        )""")


def claim_company(cr, company_id, refreshed):
    """After a refresh of the company's forecast is computed (lock_company taken before it): hold
    the lock of its refresh, then note refreshed (datetime text) as its last refresh. Two
    refreshes at the same moment run one after the other; the second, whose snapshot was taken
    before the first committed, fails on this row with a serialization error (Odoo and
    run_chunks run it again, on a snapshot that sees the first's rows), never deleting and
    inserting beside rows it cannot see."""
    lock_company(cr, company_id)
    cr.execute("""
        INSERT INTO crm_erp_sales_forecast_refresh (company_id, refreshed) VALUES (%s, %s)
            ON CONFLICT (company_id) DO UPDATE SET refreshed = EXCLUDED.refreshed
    """, [company_id, refreshed])


def last_refresh(cr, company_id):
    """When the company's forecast was last refreshed (datetime text), or None."""
    cr.execute("SELECT refreshed FROM crm_erp_sales_forecast_refresh WHERE company_id = %s", [company_id])
    row = cr.fetchone()
    return row and str(row[0])


# The forecast demand of the pipeline demand report: per company, warehouse and stockable
# product, the stored forecast quantity from today to the end of the company's pipeline horizon
# (a month partly inside it counts for its days inside), split over the warehouses by their
# share of the product's deliveries to customers in the last 12 months (a product never
# delivered: the company's first warehouse, as an opportunity without one). The report
# subtracts what it counts already (quotations and weighted opportunities) from it. Subqueries,
# not CTEs: the report's product filter reaches the forecast and the moves.
_FORECAST_DEMAND_VIEW_SQL = """
CREATE OR REPLACE VIEW crm_erp_sales_forecast_demand AS (
    SELECT horizon.company_id, COALESCE(share.warehouse_id, horizon.first_warehouse_id) AS warehouse_id,
           horizon.product_id, horizon.qty * COALESCE(share.share, 1.0) AS forecast_qty
      FROM (
        SELECT f.company_id, f.product_id,
               (SELECT MIN(wh.id) FROM stock_warehouse wh WHERE wh.company_id = f.company_id) AS first_warehouse_id,
               SUM(f.product_qty * GREATEST(LEAST((f.month + INTERVAL '1 month')::date, h.day_to)
                                            - GREATEST(f.month, CURRENT_DATE), 0)
                   / ((f.month + INTERVAL '1 month')::date - f.month)) AS qty
          FROM crm_erp_sales_forecast f
          JOIN (SELECT id AS company_id,
                       date_trunc('week', CURRENT_DATE)::date + 7 * pipeline_horizon_weeks AS day_to
                  FROM res_company) h ON h.company_id = f.company_id
          JOIN product_product pp ON pp.id = f.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE f.is_forecast AND pt.type = 'product'
           AND f.month >= date_trunc('month', CURRENT_DATE)::date AND f.month < h.day_to
         GROUP BY f.company_id, f.product_id
      ) horizon
      LEFT JOIN (
        SELECT move.company_id, move.product_id, wh.id AS warehouse_id,
               SUM(move.product_qty) / SUM(SUM(move.product_qty)) OVER (PARTITION BY move.company_id, move.product_id)
                   AS share
          FROM stock_move move
          JOIN stock_location src ON src.id = move.location_id
          JOIN stock_location dest ON dest.id = move.location_dest_id
          JOIN stock_warehouse wh ON wh.company_id = move.company_id
          JOIN stock_location view_loc ON view_loc.id = wh.view_location_id
         WHERE """ + WAREHOUSE_DELIVERY_MOVE_SQL + """
           AND move.date >= CURRENT_DATE - INTERVAL '12 months' AND move.product_qty > 0
         GROUP BY move.company_id, move.product_id, wh.id
      ) share ON share.company_id = horizon.company_id AND share.product_id = horizon.product_id
     WHERE horizon.qty > 0
)
"""


def create_forecast_demand_view(cr):
    """(Re)create the view crm_erp_sales_forecast_demand (company_id, warehouse_id, product_id,
    forecast_qty in the product unit), which the pipeline demand report reads: call it after
    the demand source view, before the report's view."""
    cr.execute(_FORECAST_DEMAND_VIEW_SQL)
