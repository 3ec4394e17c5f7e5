"""SQL of the CLV model (issue 16): the one-row-per-customer summary it is fitted on.
Functions take a cursor and parameters; no Odoo import (the benchmark harness calls them
with a plain psycopg2 cursor too)."""
import numpy as np

# One row per commercial customer of a company with a confirmed order on or before the as-of
# day: repeat purchase days (same-day orders are one purchase), days from the first to the last
# purchase day and to the as-of day, mean value of the repeat days, mean order value, revenue.
# Amounts are untaxed, in company currency: an order in another currency is converted at the
# rate of its day (crm_erp_bridge_currency_factor, as the Customer 360 figures). Orders after
# the as-of day are not read, so a summary "as of" a past day sees only the past.
_CUSTOMER_SUMMARY_SQL = """
WITH order_docs AS (
    SELECT p.commercial_partner_id AS partner_id, doc.date_order::date AS day, doc.amount_untaxed,
           pl.currency_id, cmp.currency_id AS company_currency_id
      FROM sale_order doc
      JOIN res_partner p ON p.id = doc.partner_id
      JOIN res_company cmp ON cmp.id = doc.company_id
      JOIN product_pricelist pl ON pl.id = doc.pricelist_id
     WHERE doc.company_id = %(company_id)s AND doc.state IN ('sale', 'done')
       AND doc.date_order < %(as_of)s::date + 1
), rates AS (
    -- looked up once per foreign currency and day, not once per order
    SELECT currency_id, day,
           crm_erp_bridge_currency_factor(currency_id, company_currency_id, %(company_id)s, day) AS factor
      FROM (SELECT DISTINCT currency_id, company_currency_id, day FROM order_docs
             WHERE currency_id <> company_currency_id) foreign_days
), orders AS (
    SELECT docs.partner_id, docs.day, docs.amount_untaxed * COALESCE(rates.factor, 1.0) AS amount
      FROM order_docs docs
      LEFT JOIN rates ON rates.currency_id = docs.currency_id AND rates.day = docs.day
), purchase_days AS (
    SELECT partner_id, day, SUM(amount) AS amount, COUNT(*) AS orders,
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


def customer_summary(cr, company_id, as_of):
    """{column: numpy array} (SUMMARY_COLUMNS, one entry per customer, partner_id ascending) of
    the company's customers with a confirmed order on or before as_of (a date or 'YYYY-MM-DD')."""
    cr.execute(_CUSTOMER_SUMMARY_SQL, {'company_id': company_id, 'as_of': as_of})
    rows = cr.fetchall()
    columns = list(zip(*rows)) if rows else [()] * len(SUMMARY_COLUMNS)
    summary = {'partner_id': np.array(columns[0], dtype=np.int64)}
    for name, values in zip(SUMMARY_COLUMNS[1:], columns[1:]):
        summary[name] = np.array(values, dtype=float)
    return summary
