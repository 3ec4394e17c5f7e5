"""SQL of the CLV model (issue 16, docs/clv.md): the one-row-per-customer summary it is fitted
on. Functions take a cursor and plain values; no Odoo import (the benchmark harness calls them
with a plain psycopg2 cursor too)."""
import numpy as np

from ..sql import ParallelIntColumns, fetch_int_columns
from .common import (SALE_ORDER_DOCUMENTS, PartnerScope, counted_documents_sql, counted_orders_select,
                     ensure_company_rows, with_company_currency_factor)

# One row per commercial customer of a company with a confirmed order on or before the as-of
# day: repeat purchase days (same-day orders are one purchase), days from the first to the last
# purchase day and to the as-of day, mean value of the repeat days, mean order value, revenue.
# Amounts are untaxed, in company currency at the rate of the order's day (as the Customer 360
# figures). Orders after the as-of day are not read, so a summary "as of" a past day sees only
# the past.
_CUSTOMER_SUMMARY_SQL = "WITH" + with_company_currency_factor('orders', counted_orders_select(
    "so.date_order < %(as_of)s::date + 1 AND {scope[p.commercial_partner_id]}",
    documents='{documents}')) + """, purchase_days AS (
    SELECT partner_id, day, SUM(factor * amount_untaxed) AS amount, COUNT(*) AS orders,
           day = MIN(day) OVER (PARTITION BY partner_id) AS first_day
      FROM orders GROUP BY partner_id, day
)
SELECT partner_id,
       COUNT(*) - 1 AS frequency,
       MAX(day) - MIN(day) AS recency,
       %(as_of)s::date - MIN(day) AS age,
       COALESCE(SUM(amount) FILTER (WHERE NOT first_day) / NULLIF(COUNT(*) - 1, 0), 0) AS monetary,
       SUM(amount) / SUM(orders) AS average_order_value,
       SUM(amount) AS revenue
  FROM purchase_days
 GROUP BY partner_id
 ORDER BY partner_id
"""

SUMMARY_COLUMNS = ('partner_id', 'frequency', 'recency', 'age', 'monetary', 'average_order_value', 'revenue')


def customer_summary(cr, company_id, as_of, scope=False, partner_ids=None, partner_from=None, partner_to=None,
                     documents=(SALE_ORDER_DOCUMENTS,)):
    """{column: numpy array} (SUMMARY_COLUMNS, one entry per customer, partner_id ascending) of
    the company's customers with a confirmed order on or before as_of (a date or 'YYYY-MM-DD').
    scope: every customer (False), the commercial partners partner_ids (True) or those with
    partner_from <= id < partner_to ('range'), as common.PartnerScope. documents: the counted
    documents (common.CountedDocuments: sale orders, and a glue addon's)."""
    query = _CUSTOMER_SUMMARY_SQL.format(scope=PartnerScope(scope), documents=counted_documents_sql(documents))
    cr.execute(query, {'company_id': company_id, 'as_of': as_of, 'partner_ids': partner_ids,
                       'partner_from': partner_from, 'partner_to': partner_to})
    rows = cr.fetchall()
    columns = list(zip(*rows)) if rows else [()] * len(SUMMARY_COLUMNS)
    summary = {'partner_id': np.array(columns[0], dtype=np.int64)}
    for name, values in zip(SUMMARY_COLUMNS[1:], columns[1:]):
        summary[name] = np.array(values, dtype=float)
    return summary


# The purchase-day columns of the summary alone (frequency, recency, age), from the same counted
# orders, without their amounts: no currency conversion and no sums of amounts, which the
# forecast's expected purchase days do not read (a third of the summary's time at L).
_PURCHASE_DAYS_SQL = "WITH orders AS (" + counted_orders_select(
    "so.date_order < %(as_of)s::date + 1", documents='{documents}') + """
)
SELECT partner_id, (COUNT(DISTINCT day) - 1)::integer AS frequency, MAX(day) - MIN(day) AS recency,
       %(as_of)s::date - MIN(day) AS age
  FROM orders
 GROUP BY partner_id
 ORDER BY partner_id
"""

PURCHASE_DAYS_COLUMNS = SUMMARY_COLUMNS[:4]


def purchase_days_summary(cr, company_id, as_of, documents=(SALE_ORDER_DOCUMENTS,)):
    """customer_summary(cr, company_id, as_of, documents=documents) of every customer, its
    columns PURCHASE_DAYS_COLUMNS only (partner_id, frequency, recency, age: what the purchase
    model reads), as numpy arrays: the same rows and values, without the amounts."""
    return _purchase_days(fetch_int_columns(cr, *_purchase_days_query(company_id, as_of, documents), 4))


class PurchaseDaysBeside:
    """purchase_days_summary read by a second connection (connect() -> a cursor) in cr's snapshot
    while cr does other work (sql.ParallelIntColumns: in cr itself when its transaction wrote
    already). Use: `with PurchaseDaysBeside(cr, connect, company_id, as_of) as beside: <other
    work on cr>; summary = beside.summary()`."""

    def __init__(self, cr, connect, company_id, as_of, documents=(SALE_ORDER_DOCUMENTS,)):
        self.parallel = ParallelIntColumns(cr, connect, *_purchase_days_query(company_id, as_of, documents), 4)

    def summary(self):
        return _purchase_days(self.parallel.columns())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.parallel.__exit__(*exc)


def _purchase_days_query(company_id, as_of, documents):
    return (_PURCHASE_DAYS_SQL.format(documents=counted_documents_sql(documents)),
            {'company_id': company_id, 'as_of': as_of})


def _purchase_days(columns):
    """The summary of purchase_days_summary from its int32 columns (ids as int64, the rest as
    floats, as customer_summary's)."""
    summary = {'partner_id': columns[0].astype(np.int64)}
    for name, values in zip(PURCHASE_DAYS_COLUMNS[1:], columns[1:]):
        summary[name] = values.astype(float)
    return summary


def ensure_model_rows(cr, company_ids, uid):
    """Create the empty crm_erp_clv_model row of each company that has none
    (common.ensure_company_rows: never a duplicate when two fits start at once)."""
    ensure_company_rows(cr, 'crm_erp_clv_model', company_ids, uid)
