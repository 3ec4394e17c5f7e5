from odoo import _, api, fields, models

from ..engines import clv
from ..queries import clv as clv_queries
from .record_ids import MANAGER_GROUP, check_group, public_method, public_records


class CrmErpClvModel(models.Model):
    """The CLV model fitted on one company's order history (docs/clv.md): Pareto/NBD (the
    engine's DEFAULT_MODEL) for the number of future orders, Gamma-Gamma for their value, or the
    documented fallback (MBG/NBD) when the company has too few repeat customers. One record per
    company, refitted nightly and on demand; the Customer 360 figures are predicted from it."""
    _name = 'crm.erp.clv.model'
    _description = 'Customer lifetime value model'
    _rec_name = 'company_id'
    _order = 'company_id'

    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    fit_date = fields.Datetime('Fitted on', readonly=True)
    as_of_date = fields.Date('Orders up to', readonly=True)
    fallback = fields.Boolean('Fallback', readonly=True,
                              help='Too few customers with a repeat purchase to fit the model: '
                                   'standard shape parameters scaled to the company\'s purchase rate.')
    customer_count = fields.Integer('Customers used', readonly=True)
    repeat_customer_count = fields.Integer('Customers with a repeat purchase', readonly=True)
    log_likelihood = fields.Float('Log-likelihood', readonly=True, digits=(16, 2))
    likelihood_gain = fields.Float(
        'Fit quality (gain per customer)', readonly=True, digits=(16, 4),
        help='Log-likelihood per customer above a model where everybody buys at one rate and nobody '
             'leaves: 0 means the model explains nothing more, higher is better.')
    purchase_model = fields.Selection(
        [('pareto_nbd', 'Pareto/NBD'), ('mbg_nbd', 'MBG/NBD')], 'Purchase model', readonly=True,
        help='Pareto/NBD: each customer buys at a personal rate until leaving at a personal moment. '
             'MBG/NBD: after each order the customer may leave with a personal probability '
             '(the fallback, and the models fitted before Pareto/NBD became the default).')
    rate_shape = fields.Float('r (purchase rate shape)', readonly=True, digits=(16, 6))
    rate_scale_days = fields.Float('alpha (purchase rate scale, days)', readonly=True, digits=(16, 6))
    dropout_a = fields.Float('a (drop-out shape)', readonly=True, digits=(16, 6))
    dropout_b = fields.Float('b (drop-out shape)', readonly=True, digits=(16, 6))
    dropout_rate_shape = fields.Float('s (drop-out rate shape)', readonly=True, digits=(16, 6))
    dropout_rate_scale_days = fields.Float('beta (drop-out rate scale, days)', readonly=True, digits=(16, 6))
    value_p = fields.Float('p (order value shape)', readonly=True, digits=(16, 6))
    value_q = fields.Float('q (spread of customer means)', readonly=True, digits=(16, 6))
    value_v = fields.Float('v (scale of customer means)', readonly=True, digits=(16, 6))
    value_company_average = fields.Float(
        'Company average order value', readonly=True, digits=(16, 2),
        help='The order value of a customer whose own average is 0, when the order value uses the fallback.')

    _sql_constraints = [('company_uniq', 'unique(company_id)', 'A company has one CLV model.')]

    @public_records
    def action_fit(self):
        """Refit the models of these records' companies (button on the form)."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can fit the CLV model.'))
        self._fit(self.mapped('company_id').ids)
        return True

    @api.model
    @public_method
    def action_fit_my_companies(self):
        """Fit the model of every company of the user (menu Configuration)."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can fit the CLV model.'))
        self._fit(self.env.user.company_ids.ids)
        return True

    @api.model
    def _cron_fit_all(self):
        # sudo: the nightly job fits every company's model from its stored orders
        self.sudo()._fit(self.env['res.company'].sudo().search([]).ids)

    @api.model
    def _fit(self, company_ids, as_of=None, purchase_model=None):
        """Fit and store the model of each company on its orders up to as_of (default today),
        with the engine's purchase model purchase_model (default clv.DEFAULT_MODEL, Pareto/NBD;
        'mbg_nbd' for MBG/NBD: benchmarks and comparisons).
        Two fits of one company at the same moment (the cron and a manager): one waits for the
        other's row, or fails with a serialization error that Odoo retries; never two rows."""
        as_of = as_of or fields.Date.context_today(self)
        clv_queries.ensure_model_rows(self.env.cr, company_ids, self.env.uid)
        # sudo: the fit is the only writer of these read-only records, from the stored orders
        records = {record.company_id.id: record for record in self.sudo().search([('company_id', 'in', company_ids)])}
        for company_id in company_ids:
            summary = clv_queries.customer_summary(self.env.cr, company_id, as_of,
                                                   documents=self.env['crm.erp.partner.stats']._counted_documents())
            x, t_x, T = summary['frequency'], summary['recency'], summary['age']
            purchase = clv.fit_purchase_model(x, t_x, T, purchase_model or clv.DEFAULT_MODEL)
            value = clv.fit_value_model(x, summary['monetary'], summary['average_order_value'])
            records[company_id].write(dict(self._values_of(purchase, value, x, T), fit_date=fields.Datetime.now(),
                                           as_of_date=as_of))

    @api.model
    def _values_of(self, purchase, value, x, T):
        """Field values of a fit: purchase and value models of the engine on summary x, T."""
        customers = len(x)
        gain = 0.0
        if customers and purchase.log_likelihood is not None:
            gain = (purchase.log_likelihood - float(clv.poisson_log_likelihood(x, T).sum())) / customers
        params, value_params = purchase.params, value.params or {}
        return {
            'fallback': purchase.fallback, 'customer_count': customers,
            'repeat_customer_count': purchase.repeat_customers,
            'log_likelihood': purchase.log_likelihood or 0.0, 'likelihood_gain': gain,
            'purchase_model': purchase.name, 'rate_shape': params['r'], 'rate_scale_days': params['alpha'],
            # the other model's drop-out parameters are 0
            'dropout_a': params.get('a', 0.0), 'dropout_b': params.get('b', 0.0),
            'dropout_rate_shape': params.get('s', 0.0), 'dropout_rate_scale_days': params.get('beta', 0.0),
            'value_p': value_params.get('p', 0.0), 'value_q': value_params.get('q', 0.0),
            'value_v': value_params.get('v', 0.0), 'value_company_average': value.company_average,
        }

    @api.model
    def _engine_models(self, company_id, as_of=None):
        """(purchase model, value model) of the engine from the company's stored fit, for the
        Customer 360 figures. A company never fitted (new, or the addon just upgraded) is fitted
        first, on its orders up to as_of (default today): the fallback when it has few repeat
        customers, so this is quick where it is not the nightly work."""
        # sudo: the fitted parameters are read (and written once) for the refresh of any user
        record = self.sudo().search([('company_id', '=', company_id)], limit=1)
        if not record.fit_date:
            self.sudo()._fit([company_id], as_of)
            record = self.sudo().search([('company_id', '=', company_id)], limit=1)
        purchase = self._purchase_model_of(record)
        value_params = None
        if record.value_q > 1:
            value_params = {'p': record.value_p, 'q': record.value_q, 'v': record.value_v}
        return purchase, clv.ValueModel(value_params, company_average=record.value_company_average)

    @api.model
    def _purchase_model_of(self, record):
        """The engine's purchase model of a stored fit (a record without a purchase model was
        fitted before Pareto/NBD became the default: MBG/NBD)."""
        if record.purchase_model == 'pareto_nbd':
            return clv.PurchaseModel('pareto_nbd', {'r': record.rate_shape, 'alpha': record.rate_scale_days,
                                                    's': record.dropout_rate_shape,
                                                    'beta': record.dropout_rate_scale_days},
                                     fallback=record.fallback)
        return clv.PurchaseModel('mbg_nbd', {'r': record.rate_shape, 'alpha': record.rate_scale_days,
                                             'a': record.dropout_a, 'b': record.dropout_b},
                                 fallback=record.fallback)
