from datetime import timedelta

import numpy as np

from odoo import _, api, fields, models, sql_db
from odoo.exceptions import UserError

from ..chunked_job import run_for_every_company
from ..companies import allowed_company
from ..engines import sales_forecast
from ..queries import clv as clv_queries
from ..queries import sales_forecast as forecast_queries
from ..queries.common import disable_jit, set_local_work_mem
from .record_ids import MANAGER_GROUP, check_group, check_int, public_method, shown

# Months of order history the forecast learns from (two full years for trend and seasons), of
# actual sales stored beside it, and forecast ahead.
HISTORY_MONTHS = 36
ACTUAL_MONTHS = 12
LEVEL_MONTHS = 6  # the run rate's level: the mean of the last 6 months (engines.sales_forecast)
HORIZON_MONTHS = 6
MIX_MONTHS = 12  # a customer's products per purchase day: its direct sales of the last 12 months
GROUP_BYS = ('product', 'category', 'team')


def month_start(index):
    """The first day (text) of the month of sales_forecast.month_index."""
    return '%04d-%02d-01' % (index // 12, index % 12 + 1)


def month_eve(index):
    """The day (text) before the first day of month index: the day of the customer summaries."""
    return fields.Date.to_string(fields.Date.from_string(month_start(index)) - timedelta(days=1))


def _index_of(day):
    """sales_forecast.month_index of a date or a date text (read from its digits: tens of
    thousands of pipeline lines, no date parsing)."""
    text = str(day)
    return int(text[:4]) * 12 + int(text[5:7]) - 1


class CrmErpSalesForecast(models.Model):
    """The sales forecast of a company per month, team and product (docs/lead-score-forecast.md,
    "The sales forecast"): for the next 6 months the run rate of the order history plus the
    open pipeline weighted by the win chance, and for the last 12 months (and this one so far)
    what was sold. A table refreshed as a whole per company (nightly and by a manager), never
    edited."""
    _name = 'crm.erp.sales.forecast'
    _description = 'Sales forecast'
    # the table is made by init(), without foreign keys: see queries/sales_forecast.py
    _auto = False
    _order = 'month, product_id, team_id'
    _rec_name = 'product_id'

    company_id = fields.Many2one('res.company', string='Company', required=True, readonly=True, index=True,
                                 ondelete='cascade')
    currency_id = fields.Many2one(related='company_id.currency_id', string='Currency', readonly=True)
    month = fields.Date('Month', required=True, readonly=True, help='The first day of the month.')
    team_id = fields.Many2one('crm.team', string='Sales Team', readonly=True, ondelete='cascade')
    product_id = fields.Many2one('product.product', string='Product', required=True, readonly=True,
                                 ondelete='cascade')
    categ_id = fields.Many2one('product.category', string='Product Category', readonly=True, ondelete='cascade')
    uom_id = fields.Many2one(related='product_id.uom_id', string='Unit', readonly=True,
                             help="The product's unit: every quantity of the row is in it.")
    is_forecast = fields.Boolean(
        'Forecast month', readonly=True,
        help='This month and the next ones carry a forecast; earlier months only what was sold.')
    product_qty = fields.Float(
        'Forecast quantity', readonly=True, digits=(16, 2),
        help="Quantity expected to be sold in the month, in the product's unit: run rate + weighted "
             'pipeline.')
    amount = fields.Monetary(
        'Forecast amount', readonly=True,
        help='Untaxed amount expected to be sold in the month, in the company currency.')
    run_rate_qty = fields.Float(
        'From the usual sales (quantity)', readonly=True, digits=(16, 2),
        help='Part of the forecast quantity from the order history: the purchases the Customer 360 lifetime '
             'value model expects from the customers who already bought, times what each usually buys; the '
             'recent sales to new customers; and what opportunities not open yet will bring; with the season '
             'and trend when there are two years of orders.')
    pipeline_qty = fields.Float(
        'From open opportunities (quantity)', readonly=True, digits=(16, 2),
        help='Part of the forecast quantity from the products of the open opportunities: quantity x '
             'win chance, in the month they are expected to close.')
    actual_qty = fields.Float('Sold quantity', readonly=True, digits=(16, 2),
                              help="Quantity sold in the month (confirmed orders), in the product's unit; "
                                   'this month: so far.')
    actual_amount = fields.Monetary('Sold amount', readonly=True,
                                    help='Untaxed amount sold in the month, in the company currency; this '
                                         'month: so far.')
    chart_qty = fields.Float(
        'Quantity (sold, then forecast)', readonly=True, digits=(16, 2),
        help='Sold quantity for past months, forecast quantity for this month and the next: one line '
             'for the chart.')

    @api.model_cr
    def init(self):
        forecast_queries.create_forecast_table(self.env.cr)
        forecast_queries.create_refresh_table(self.env.cr)

    # Refresh
    @api.model
    @public_method
    def action_refresh_my_companies(self):
        """Refresh the forecast of every company of the user ("Refresh sales forecast")."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can refresh the sales forecast.'))
        # sudo: the refresh is the only writer of these read-only rows, from every order and lead
        self.sudo()._refresh(self.env.user.company_ids.ids)
        return {'type': 'ir.actions.client', 'tag': 'reload'}

    @api.model
    def _cron_refresh_all(self):
        """Nightly, after the lead score fit: every company's forecast."""
        run_for_every_company(self.env, self._name, '_refresh', 'Sales forecast')

    @api.model
    def _refresh(self, company_ids, today=None, customer_model=True):
        """Replace the stored forecast of each company by one computed as of today (default: the
        user's today), set-based: one DELETE and one INSERT per company. Two refreshes of one
        company at the same moment run one after the other (forecast_queries.lock_company, then
        claim_company); the rows are those of one of them, never both."""
        today = today or fields.Date.context_today(self)
        now = fields.Datetime.now()
        cr = self.env.cr
        disable_jit(cr)
        set_local_work_mem(cr, '256MB')  # the sales of three years grouped in memory
        for company_id in company_ids:
            forecast_queries.lock_company(cr, company_id)
            columns = self._forecast_columns(company_id, today, customer_model)
            # noted after the computation: the customer summary's second connection shares this
            # transaction's snapshot only while it wrote nothing (clv_queries.PurchaseDaysBeside)
            forecast_queries.claim_company(cr, company_id, now)
            forecast_queries.replace_forecast(cr, company_id, columns, self.env.uid, now)
        self.invalidate_cache()
        return True

    @api.model
    def _expected_customer_orders(self, company_id, as_of, summary):
        """(customer ids, customers x HORIZON_MONTHS array): the purchase days the Customer 360's
        lifetime value model (the company's crm.erp.clv.model, fitted first if it never was)
        expects in each forecast month from month as_of (a month index) of each commercial
        customer with a counted order before that month, on summary: their summaries as of the
        month's eve (clv_queries.purchase_days_summary: customer_summary's purchase days, as the
        Customer 360 figures)."""
        first_day = fields.Date.from_string(month_start(as_of))
        if not len(summary['partner_id']):
            return summary['partner_id'], np.zeros((0, HORIZON_MONTHS))
        purchase, _value = self.env['crm.erp.clv.model']._engine_models(company_id, month_eve(as_of))
        bounds = [(fields.Date.from_string(month_start(as_of + h)) - first_day).days
                  for h in range(HORIZON_MONTHS + 1)]
        return summary['partner_id'], purchase.expected_orders_between(
            bounds, summary['frequency'], summary['recency'], summary['age'])

    @api.model
    def _forecast_columns(self, company_id, today, customer_model=True):
        """The rows of the company's table as of today, as columns (forecast_queries.replace_forecast):
        the forecast of this month and the next HORIZON_MONTHS - 1 per team x product
        (sales_forecast.forecast on the last HISTORY_MONTHS months of counted sales, the open
        pipeline lines by win chance, the closing slips and pipeline coverage of the won leads of
        the last 12 months, the seasons per product category; the direct sales of the customers
        who bought before this month from the lifetime value model's expected purchase days x
        each one's products per purchase day in the last MIX_MONTHS months, the new customers'
        from their run rate; customer_model=False: every direct sale from the run rate, as
        before the customer model) and the sales of the last ACTUAL_MONTHS months and of this
        month so far; rows without any figure are left out."""
        cr = self.env.cr
        as_of = _index_of(today)
        # per product and team: the months of the level (6) and of the sales shown (12); before,
        # per category only (the seasons and the trend are a category's)
        detail_from = as_of - max(ACTUAL_MONTHS, LEVEL_MONTHS, MIX_MONTHS)
        if customer_model:
            # the detailed months' sales with the customers' products of the last MIX_MONTHS months
            # (from the same scan of the lines); meanwhile, by other backends (2 cores at least), the
            # older months' sales (their rows are per month: the same rows as one statement) and the
            # summaries the customer model reads
            def connect():
                return sql_db.db_connect(cr.dbname).cursor()
            with forecast_queries.monthly_sales_beside(cr, connect, company_id, month_start(as_of - HISTORY_MONTHS),
                                                       month_start(detail_from), detail_from,
                                                       HORIZON_MONTHS) as older, \
                    clv_queries.PurchaseDaysBeside(cr, connect, company_id, month_eve(as_of)) as beside:
                recent, mix = forecast_queries.monthly_sales_and_mix(
                    cr, company_id, month_start(detail_from), month_start(as_of + 1), detail_from, HORIZON_MONTHS,
                    month_start(as_of - MIX_MONTHS), month_start(as_of))
                sales = dict(zip(forecast_queries.MONTHLY_SALES_COLUMNS, older.columns()))
                summary = beside.summary()
            sales = {name: np.concatenate([sales[name], recent[name]]) for name in sales}
            customers, expected = self._expected_customer_orders(company_id, as_of, summary)
        else:
            sales = forecast_queries.monthly_sales(cr, company_id, month_start(as_of - HISTORY_MONTHS),
                                                   month_start(as_of + 1), detail_from, HORIZON_MONTHS)
        lines = forecast_queries.open_pipeline_lines(cr, company_id)
        won = forecast_queries.won_leads(cr, company_id, month_start(as_of - 12), month_start(as_of))
        # team x product as one integer key; a category's older months: minus (1 + the category)
        sale_key = (np.asarray(sales['team_id'], dtype=np.int64) * 2 ** 32
                    + np.asarray(sales['product_id'], dtype=np.int64))
        category_rows = np.asarray(sales['product_id'], dtype=np.int64) == 0
        sale_key[category_rows] = -1 - np.asarray(sales['categ_id'], dtype=np.int64)[category_rows]
        sale_month = np.asarray(sales['month'], dtype=np.int64)
        sale_qty = np.asarray(sales['qty'], dtype=np.float64)
        sale_amount = np.asarray(sales['amount'], dtype=np.float64)
        opportunity = np.asarray(sales['opportunity'], dtype=bool)
        line_key = np.array([(line['team_id'] or 0) * 2 ** 32 + line['product_id'] for line in lines], dtype=np.int64)
        line_month = np.array([_index_of(line['date_expected']) if line['date_expected'] else as_of
                               for line in lines], dtype=np.int64)
        category = {product_id: categ_id for product_id, categ_id in zip(sales['product_id'].tolist(),
                                                                         sales['categ_id'].tolist()) if product_id}
        category.update((line['product_id'], line['categ_id']) for line in lines)
        past = sale_month < as_of
        keys = np.unique(np.concatenate([sale_key[past], line_key]))
        groups = {key: (category.get(key % 2 ** 32) or 0) if key >= 0 else -1 - key for key in keys.tolist()}
        coverage = sales_forecast.pipeline_coverage(
            [_index_of(lead['created']) for lead in won], [_index_of(lead['closed']) for lead in won],
            [lead['amount'] or 0.0 for lead in won], as_of, HORIZON_MONTHS)
        slips = [_index_of(lead['closed']) - _index_of(lead['date_deadline']) for lead in won if lead['date_deadline']]
        probability = np.array([float(line['win_chance'] or 0.0) for line in lines])
        customer_age = np.asarray(sales['customer_age'], dtype=np.int64)
        if customer_model:
            mix_key = (np.asarray(mix['team_id'], dtype=np.int64) * 2 ** 32
                       + np.asarray(mix['product_id'], dtype=np.int64))
        results = {}
        for measure, history_values, line_values in (
                ('qty', sale_qty, [float(line['qty'] or 0.0) for line in lines]),
                ('amount', sale_amount, [float(line['amount'] or 0.0) for line in lines])):
            history = {'key': sale_key[past], 'month': sale_month[past], 'qty': history_values[past],
                       'opportunity': opportunity[past], 'customer_age': customer_age[past]}
            pipeline = {'key': line_key, 'month': line_month, 'qty': np.array(line_values, dtype=np.float64),
                        'probability': probability}
            existing = None
            if customer_model:
                existing = sales_forecast.customer_sales(keys, customers, expected, mix['partner_id'], mix_key,
                                                         mix[measure], mix['days'])
            results[measure] = sales_forecast.forecast(history, pipeline, as_of, HORIZON_MONTHS, coverage,
                                                       level_months=LEVEL_MONTHS, groups=groups, keys=keys,
                                                       slips=slips or None, customers=existing)
        qty, amount = results['qty'], results['amount']
        # cells (key, month) of the forecast and of the sales, summed per cell
        recent = sale_month >= as_of - ACTUAL_MONTHS
        horizon = np.arange(HORIZON_MONTHS)
        cell_key = np.concatenate([np.repeat(keys, HORIZON_MONTHS), sale_key[recent]])
        cell_month = np.concatenate([np.tile(as_of + horizon, len(keys)), sale_month[recent]])
        zeros = np.zeros(int(recent.sum()))
        figures = {
            'product_qty': np.concatenate([qty.total.ravel(), zeros]),
            'amount': np.concatenate([amount.total.ravel(), zeros]),
            'run_rate_qty': np.concatenate([(qty.direct + qty.uncovered).ravel(), zeros]),
            'pipeline_qty': np.concatenate([qty.pipeline.ravel(), zeros]),
            'actual_qty': np.concatenate([np.zeros(len(keys) * HORIZON_MONTHS), sale_qty[recent]]),
            'actual_amount': np.concatenate([np.zeros(len(keys) * HORIZON_MONTHS), sale_amount[recent]]),
        }
        first = as_of - ACTUAL_MONTHS  # months first .. as_of + HORIZON_MONTHS - 1 as 0 .. 17 in the low bits
        cells, position = np.unique(cell_key * 32 + (cell_month - first), return_inverse=True)
        columns = {name: np.round(np.bincount(position, weights=values, minlength=len(cells)),
                                  2 if 'amount' in name else 4)
                   for name, values in figures.items()}
        kept = np.zeros(len(cells), dtype=bool)
        for values in columns.values():
            kept |= np.abs(values) > 1e-9
        kept &= cells >= 0  # not the categories' older months (their forecast is 0: no recent month)
        columns = {name: values[kept] for name, values in columns.items()}
        key, month = cells[kept] // 32, cells[kept] % 32 + first
        product = key % 2 ** 32
        columns.update({
            'month': np.array([month_start(m) for m in range(first, as_of + HORIZON_MONTHS)],
                              dtype='datetime64[D]')[month - first],
            'team_id': key // 2 ** 32, 'product_id': product,
            'categ_id': np.array([category.get(p) or 0 for p in product.tolist()], dtype=np.int64),
            'is_forecast': month >= as_of,
        })
        columns['chart_qty'] = np.where(columns['is_forecast'], columns['product_qty'], columns['actual_qty'])
        return columns

    # XML-RPC
    @api.model
    @public_method
    def get_sales_forecast(self, months=3, group_by='product'):
        """XML-RPC: the sales forecast of the current company (context key force_company) for
        this month and the next months - 1 (1 to 6), summed per group_by ('product',
        'category' or 'team'), with what was sold so far this month (docs/api.md)."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can read the sales forecast.'))
        months = check_int(self, months, 'months', 1, HORIZON_MONTHS)
        if not isinstance(group_by, str) or group_by not in GROUP_BYS:
            raise UserError(_('group_by must be one of %s, not %s.') % (', '.join(GROUP_BYS), shown(group_by)))
        company = allowed_company(self.env)
        self.check_access_rights('read')
        cr = self.env.cr
        if not forecast_queries.last_refresh(cr, company.id):
            # sudo: a company never refreshed (new, or the addon just upgraded) gets its forecast
            self.sudo()._refresh(company.ids)
        as_of = _index_of(fields.Date.context_today(self))
        totals = forecast_queries.forecast_totals(cr, company.id, month_start(as_of),
                                                  month_start(as_of + months - 1), group_by)
        model = {'product': 'product.product', 'category': 'product.category', 'team': 'crm.team'}[group_by]
        # sudo: names of the products, categories and teams of the company's own rows
        names = dict(self.env[model].sudo().browse({row['key'] for row in totals if row['key']}).name_get())
        units = dict(self.env['product.uom'].sudo().browse({row['uom_id'] for row in totals if row['uom_id']})
                     .name_get())
        id_field = {'product': 'product_id', 'category': 'categ_id', 'team': 'team_id'}[group_by]
        refreshed = forecast_queries.last_refresh(cr, company.id)
        result = []
        for row in totals:
            same_unit = row['uom_id'] is not None
            result.append({
                'month': str(row['month'])[:10], id_field: row['key'] or False,
                'name': names.get(row['key'], '') if row['key'] else '',
                'unit': units.get(row['uom_id'], '') if same_unit else False,
                'forecast_qty': float(row['qty']) if same_unit else False,
                'forecast_amount': float(row['amount']),
                'run_rate_qty': float(row['run_rate_qty']) if same_unit else False,
                'pipeline_qty': float(row['pipeline_qty']) if same_unit else False,
                'sold_qty': float(row['actual_qty']) if same_unit else False,
                'sold_amount': float(row['actual_amount']),
                'currency': company.currency_id.name, 'company_id': company.id, 'refreshed': refreshed,
            })
        return result
