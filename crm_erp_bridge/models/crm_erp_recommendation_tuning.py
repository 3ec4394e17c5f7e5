import json
import logging

from odoo import _, api, fields, models

from ..chunked_job import nightly_budget
from ..engines import recommendation_blend
from ..engines.purchases import Purchases
from ..queries import recommendation as queries
from .crm_erp_recommendation import engine_date, engine_day
from .record_ids import MANAGER_GROUP, check_group, public_method, public_records

_logger = logging.getLogger(__name__)
_SHARE_DIGITS = (16, 3)
# the parsed knobs and rates of a tuning, per database, company and fit date (read on every call)
_PARSED = {}


class CrmErpRecommendationTuning(models.Model):
    """The recommendation engines' knobs and blend rates of one company, chosen on a time
    holdout of its own history by recommendation_blend.tune (docs/recommendation-intents.md,
    "Tuning"): one record per company, tuned nightly and on demand; the recommendations of the
    company use them (before the first tuning: the engines' defaults)."""
    _name = 'crm.erp.recommendation.tuning'
    _description = 'Recommendation tuning'
    _rec_name = 'company_id'
    _order = 'company_id'

    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    fit_date = fields.Datetime('Tuned on', readonly=True,
                               help='When the knobs and rates below were chosen (the nightly job or Tune now).')
    holdout_start = fields.Date(
        'Holdout from', readonly=True,
        help='The tuning fits the engines on the orders before this day and scores their lists on the orders '
             'placed from this day to the tuning day.')
    customer_count = fields.Integer(
        'Customers scored', readonly=True,
        help='Customers with orders on both sides of the holdout start (a seeded sample of at most 1,000). '
             '0: too little history, the engines\' defaults apply.')
    blend_hit10 = fields.Float(
        'Blend hit@10', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the scored customers who bought at least one of their 10 recommended products in the holdout.')
    blend_precision5 = fields.Float(
        'Blend precision@5', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the first 5 recommended products bought in the holdout (average over the customers).')
    blend_recall10 = fields.Float(
        'Blend recall@10', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the products a customer bought in the holdout that were among their 10 recommendations.')
    buy_again_hit10 = fields.Float(
        'Buy again hit@10', readonly=True, digits=_SHARE_DIGITS,
        help='The same figure for the simplest baseline: each customer\'s 10 most-bought products.')
    buy_again_precision5 = fields.Float(
        'Buy again precision@5', readonly=True, digits=_SHARE_DIGITS,
        help='Precision@5 of the baseline: each customer\'s 5 most-bought products.')
    due_precision = fields.Float(
        'Due to re-order precision', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the products listed as due to re-order that were bought in the holdout.')
    due_recall = fields.Float(
        'Due to re-order coverage', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the repeat purchases of the holdout that the due list named.')
    buy_again_precision = fields.Float(
        'Buy again precision (reference)', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the customers\' 10 most-bought products bought in the holdout: the due list must be at '
             'least as precise.')
    discover_hit10_new = fields.Float(
        'Discover hit@10 (new products)', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the customers who bought a product new to them that the Discover list named.')
    discover_precision5_new = fields.Float(
        'Discover precision@5 (new products)', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the first 5 Discover products that the customer bought in the holdout.')
    discover_recall10_new = fields.Float(
        'Discover recall@10 (new products)', readonly=True, digits=_SHARE_DIGITS,
        help='Share of the new products a customer bought in the holdout that the Discover list named.')
    knobs = fields.Text('Knobs', readonly=True,
                        help='The engines\' settings chosen by the tuning (JSON: re-order and discover knobs, '
                             'signal weights).')
    calibration = fields.Text('Rates', readonly=True,
                              help='The purchase rates measured per kind of item on the holdout (JSON), '
                                   'which order the blended list.')

    _sql_constraints = [('company_uniq', 'unique(company_id)', 'A company has one recommendation tuning.')]

    _FIGURES = ('blend_hit10', 'blend_precision5', 'blend_recall10', 'buy_again_hit10', 'buy_again_precision5',
                'due_precision', 'due_recall', 'buy_again_precision', 'discover_hit10_new',
                'discover_precision5_new', 'discover_recall10_new')

    @public_records
    def action_tune(self):
        """Tune the recommendations of these records' companies again (button Tune now)."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can tune the recommendations.'))
        self._tune(self.mapped('company_id').ids)
        return True

    @api.model
    @public_method
    def action_tune_my_companies(self):
        """Tune the recommendations of every company of the user (menu Configuration)."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can tune the recommendations.'))
        self._tune(self.env.user.company_ids.ids)
        return True

    @api.model
    def _cron_tune_all(self):
        # sudo: the nightly job tunes every company from its stored orders
        budget = nightly_budget(self.env)
        self.sudo()._tune(self.env['res.company'].sudo().search([]).ids, budget=budget)
        _logger.info('recommendation tuning: %s', budget or 'no CPU budget')

    @api.model
    def _tune(self, company_ids, now=None, budget=None):
        """Tune and store the knobs of each company on its counted lines before now (default:
        the recommendations' reference time; budget: the nightly job's CpuBudget, paced
        between the steps of the search). Two tunings of one company at the same moment:
        one waits for the other's row or fails with a serialization error Odoo retries; never
        two rows."""
        now = now or self.env['crm.erp.recommendation']._now()
        day = engine_day(now)
        queries.ensure_tuning_rows(self.env.cr, company_ids, self.env.uid)
        # sudo: the tuning is the only writer of these read-only records, from the stored orders
        records = {record.company_id.id: record for record in self.sudo().search([('company_id', 'in', company_ids)])}
        for company_id in company_ids:
            customer, product, order, days, qty, category = queries.counted_lines(self.env.cr, company_id, now)
            purchases = Purchases(customer, product, order, days, qty / queries.QTY_SCALE)
            result = recommendation_blend.tune(purchases, day, category=dict(zip(product.tolist(), category.tolist())),
                                               pace=budget.pace if budget else None)
            figures = result['figures']
            values = {name: float(figures.get(name, 0.0)) for name in self._FIGURES}
            values.update(fit_date=fields.Datetime.now(), holdout_start=engine_date(result['cut']),
                          customer_count=int(figures.get('customers', 0)),
                          knobs=json.dumps(result['knobs'], sort_keys=True),
                          calibration=json.dumps(result['calibration'], sort_keys=True))
            records[company_id].write(values)  # the next recommendation reads the new knobs and rates

    @api.model
    def _settings_of(self, company):
        """(knobs, calibration, stamp) of the company's tuning, (None, None, False) without one
        or when it found too little history."""
        # sudo: the knobs of the company the caller was checked for, used, not returned; on every
        # call only the stamp (ordered by id: no join of the companies), the JSON once per process
        stamp = self.sudo().search_read([('company_id', '=', company.id)], ['fit_date', 'customer_count'],
                                        limit=1, order='id')
        if not stamp or not stamp[0]['fit_date'] or not stamp[0]['customer_count']:
            return None, None, False
        fit_date = stamp[0]['fit_date']
        key = (self.env.cr.dbname, company.id, fit_date)
        if key not in _PARSED:
            record = self.sudo().browse(stamp[0]['id'])
            _PARSED[key] = (json.loads(record.knobs), json.loads(record.calibration))
        knobs, calibration = _PARSED[key]
        return knobs, calibration, fit_date
