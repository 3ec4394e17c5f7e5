import json
import math

import numpy as np

from odoo import _, api, fields, models

from ..chunked_job import run_for_every_company
from ..engines import lead_score
from ..queries import lead_score as lead_score_queries
from ..queries.common import ensure_company_rows
from ..rules import LEAD_SCORE_REASON_KINDS
from .record_ids import MANAGER_GROUP, check_group, public_method, public_records

# The engine models loaded from stored parameters, by (database, record id, md5 of the
# parameters): a write that rescores a lead neither reads the stored JSON nor builds the model
# from it again (bench/RESULTS.md, s29-lead). A refit stores other parameters, so another key;
# the few entries of past fits are dropped when the dict grows.
_LOADED_MODELS = {}
_LOADED_MODELS_MAX = 32


class CrmErpLeadScoreModel(models.Model):
    """The lead score fitted on one company's closed leads (docs/lead-score-forecast.md): a
    regularised logistic regression on snapshots of its leads, or the team win-rate fallback
    when it has too few closed leads. One record per company, refitted nightly and on demand
    (as crm.erp.clv.model); after each fit the company's open leads are scored."""
    _name = 'crm.erp.lead.score.model'
    _description = 'Lead score model'
    _rec_name = 'company_id'
    _order = 'company_id'

    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    fit_date = fields.Datetime('Fitted on', readonly=True, help='When the model was last fitted.')
    kind = fields.Selection([
        ('learned', 'Learned from the closed leads'),
        ('win_rate', "Team's win rate (too few closed leads)"),
        ('none', 'Not enough data: stage probability kept'),
    ], string='Model', readonly=True,
        help="Learned: a logistic regression on the company's won and lost leads. Team's win rate: "
             'with fewer closed leads, each team\'s share of won leads. Not enough data: no won or '
             'no lost lead yet, the leads keep only their stage probability.')
    fallback_reason = fields.Char('Why not learned', readonly=True,
                                  help='Filled when the model could not be learned from the closed leads.')
    lead_count = fields.Integer('Leads used', readonly=True,
                                help='Closed (won or lost) leads of the last 18 months the model learned from.')
    size = fields.Integer('Snapshots used', readonly=True,
                          help='Training rows: each closed lead once per month end it was open, with its '
                               'features as they were that day.')
    won_count = fields.Integer('Won snapshots', readonly=True, help='Training rows of leads that were won.')
    holdout_size = fields.Integer('Holdout snapshots', readonly=True,
                                  help='The newest fifth of the rows, kept out of the fit to measure it.')
    holdout_auc = fields.Float(
        'Holdout AUC', readonly=True, digits=(16, 3),
        help='How well the score ranks leads it has not seen: 0.5 = chance, 1 = perfect. Measured on '
             'snapshots of closed leads; on open leads it is about the same.')
    holdout_brier = fields.Float(
        'Holdout Brier score', readonly=True, digits=(16, 3),
        help='Mean squared difference between the win chance and the outcome (0 = perfect, lower is '
             'better) on the held-out snapshots.')
    stage_auc = fields.Float(
        'Stage probability AUC', readonly=True, digits=(16, 3),
        help="The same measure for Odoo's stage probability on the same held-out snapshots: the score "
             'is worth it when its AUC is higher.')
    stage_brier = fields.Float('Stage probability Brier score', readonly=True, digits=(16, 3),
                               help="The Brier score of Odoo's stage probability on the same snapshots.")
    l2 = fields.Float('Regularisation (l2)', readonly=True, digits=(16, 2),
                      help='Penalty on the weights chosen on older snapshots: higher keeps the score '
                           'closer to the average lead.')
    scored_count = fields.Integer('Open leads scored', readonly=True)
    parameters = fields.Text('Parameters (JSON)', readonly=True,
                             help='The fitted model as stored: features, encoding and weights.')

    _sql_constraints = [('company_uniq', 'unique(company_id)', 'A company has one lead score model.')]

    def _auto_init(self):
        result = super()._auto_init()
        lead_score_queries.ensure_indexes(self.env.cr)
        return result

    @public_records
    def action_fit(self):
        """Refit the models of these records' companies and rescore their open leads ("Fit now")."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can fit the lead score.'))
        # sudo: the fit is the only writer of these read-only records and of the stored scores
        self.sudo()._fit(self.mapped('company_id').ids)
        return True

    @api.model
    @public_method
    def action_fit_my_companies(self):
        """Fit the lead score of every company of the user and rescore their open leads."""
        check_group(self, MANAGER_GROUP, _('Only a CRM-ERP Bridge manager can fit the lead score.'))
        # sudo: the fit is the only writer of these read-only records and of the stored scores
        self.sudo()._fit(self.env.user.company_ids.ids)
        return True

    @api.model
    def _cron_fit_all(self):
        """Nightly: every company's fit (its model and the scores of its open leads)."""
        run_for_every_company(self.env, self._name, '_fit', 'Lead score fit')

    @api.model
    def _fit(self, company_ids, today=None):
        """Fit and store the model of each company on its closed leads as of today (default:
        the user's today), then score its open leads. Two fits of one company at once (the cron
        and a manager): one row, as crm.erp.clv.model (common.ensure_company_rows)."""
        today = today or fields.Date.context_today(self)
        ensure_company_rows(self.env.cr, self._table, company_ids, self.env.uid)
        records = {record.company_id.id: record for record in self.search([('company_id', 'in', company_ids)])}
        for company_id in company_ids:
            columns = lead_score_queries.training_snapshots(self.env.cr, company_id, today)
            # Odoo's cursor returns dates as text
            days = [fields.Date.from_string(str(day)[:10]).toordinal() for day in columns['day']]
            model = lead_score.fit(columns, columns['won'], days, fitted_on=today)
            records[company_id].write(dict(self._values_of(model, columns, days), fit_date=fields.Datetime.now()))
            records[company_id]._score_open_leads(model, today)

    @api.model
    def _values_of(self, model, columns, days):
        """Field values of a fit: the engine's model and report, the stage probability's figures
        on the same holdout."""
        report = model.report
        _older, newer = lead_score.holdout_split(days)
        won = np.asarray(columns['won'], dtype=np.float64)[newer]
        stage = np.array([(columns['stage_probability'][i] or 0.0) / 100.0 for i in newer], dtype=np.float64)
        stage_auc = lead_score.auc(stage, won) if len(newer) else float('nan')
        if model.kind == lead_score.LeadScoreModel.kind:
            kind, reason = 'learned', False
        else:
            kind = 'win_rate' if model.company_rate is not None else 'none'
            reason = _('Only %d closed-lead snapshots (%d won, %d lost): the score learns from 200 or more, '
                       'with at least 20 won and 20 lost.') % (report['size'], report['won'],
                                                               report['size'] - report['won'])
        return {
            'kind': kind, 'fallback_reason': reason, 'size': report['size'], 'won_count': report['won'],
            'lead_count': len(set(columns['lead_id'])), 'holdout_size': report.get('holdout_size', 0),
            'holdout_auc': report.get('holdout_auc') or 0.0, 'holdout_brier': report.get('holdout_brier') or 0.0,
            'stage_auc': 0.0 if np.isnan(stage_auc) else round(stage_auc, 4),
            'stage_brier': round(lead_score.brier(stage, won), 4) if len(newer) else 0.0,
            'l2': report.get('l2') or 0.0, 'parameters': json.dumps(model.to_dict()),
        }

    @api.multi
    def _engine_model(self, digest=None):
        """The engine's model of this record's stored parameters (None: not fitted); with digest
        (their md5, queries.lead_score.fitted_models) the one loaded before for the same
        parameters, if any."""
        self.ensure_one()
        key = (self.env.cr.dbname, self.id, digest)
        model = _LOADED_MODELS.get(key) if digest else None
        if model is None:
            if not self.parameters:
                return None
            model = lead_score.load(json.loads(self.parameters))
            if digest:
                if len(_LOADED_MODELS) >= _LOADED_MODELS_MAX:
                    _LOADED_MODELS.clear()
                _LOADED_MODELS[key] = model
        return model

    @api.multi
    def _score_open_leads(self, model=None, today=None, lead_ids=None, company_id=None):
        """Score the open leads of this record's company (company_id when the caller knows it)
        (or those of lead_ids) with its model (the stored one by default) and store the scores
        in one statement."""
        self.ensure_one()
        if model is None:
            model = self._engine_model()
            if model is None:
                return 0
        company_id = company_id or self.company_id.id
        today = today or fields.Date.context_today(self)
        columns = lead_score_queries.lead_features(self.env.cr, company_id, today, lead_ids)
        chances, reasons = _chances_and_reasons(columns, *model.score_arrays(columns)) if columns['lead_id'] \
            else ([], [])
        leads = self.env['crm.lead'].browse(columns['lead_id'])
        # the qualification follows the new scores, written with them; only the leads whose stored
        # figures change are written (a rescoring of unchanged leads writes nothing): the others
        # already hold what the UPDATE would write
        changed = lead_score_queries.write_scores(
            self.env.cr, columns['lead_id'], chances, reasons, today, prepared=lead_ids is not None,
            qualifications=leads._crm_erp_open_qualifications(company_id, chances))
        leads.invalidate_cache(['crm_erp_win_chance', 'crm_erp_win_reason_data', 'crm_erp_win_chance_date',
                                'crm_erp_weighted_revenue', 'crm_erp_qualification'], changed)
        # every scored lead now stores the weighted revenue and qualification the ORM would
        # compute: a recompute pending after the write that rescored it (crm.lead.write) would
        # only write the same values again, in a second UPDATE of the row
        for name in ('crm_erp_weighted_revenue', 'crm_erp_qualification'):
            self.env.remove_todo(leads._fields[name], leads)
        if lead_ids is None:
            self.write({'scored_count': sum(1 for chance in chances if chance is not None)})
        return len(columns['lead_id'])

    # Reasons in plain words
    @api.model
    def _reason_text(self, feature, value, contribution):
        """One reason of a score as a sentence in the user's language: the rule of the feature
        (rules.LEAD_SCORE_REASON_KINDS) and the sign of its contribution."""
        rule, helps = LEAD_SCORE_REASON_KINDS.get(feature), contribution > 0
        if rule == 'orders':
            count = int(value or 0)
            if helps:
                return (_('customer already bought once') if count == 1
                        else _('customer already bought %d times') % count)
            return (_('customer never bought') if count == 0 else _('only one order so far') if count == 1
                    else _('only %d orders so far') % count)
        if rule == 'revenue':
            amount = _amount(value)
            return (_('customer bought for %s so far') % amount if helps
                    else _('customer bought little so far (%s)') % amount)
        if rule == 'activity_days':
            days = int(value or 0)
            return _('activity in the last %d days') % days if helps else _('no activity for %d days') % days
        if rule == 'age':
            days = int(value or 0)
            return _('recent lead (%d days)') % days if helps else _('open for %d days') % days
        if rule == 'stage':
            return _('in stage %s') % value if helps else _('still in stage %s') % value
        if rule == 'deal':
            amount = _amount(value)
            return (_('deal size %s wins more often') % amount if helps
                    else _('deal size %s wins less often') % amount)
        if rule == 'activities':
            count = int(value or 0)
            return (_('%d notes and calls logged') % count if helps else _('only %d notes or calls logged') % count)
        if rule == 'emails':
            count = int(value or 0)
            return _('%d emails exchanged') % count if helps else _('only %d emails exchanged') % count
        if rule == 'products':
            names = ', '.join(value or ())
            if not names:
                return _('no products on the lead yet')
            return _('products of %s sell well') % names if helps else _('products of %s sell less') % names
        if rule in ('customer_stage', 'customer_segment'):
            field = self.env['crm.erp.partner.stats']._fields[
                'customer_stage' if rule == 'customer_stage' else 'rfm_segment']
            label = dict(field._description_selection(self.env)).get(value, value)
            if not value:
                return (_('customers without purchase history win more often') if helps
                        else _('customers without purchase history win less often'))
            return (_('"%s" customers win more often') % label if helps
                    else _('"%s" customers win less often') % label)
        # categories: source, medium, campaign, team, salesperson, country
        if value in (None, False, ''):
            what = self._feature_label(feature)
            return _('leads without %s win more often') % what if helps else _('leads without %s win less often') % what
        return _('%s leads win more often') % value if helps else _('%s leads win less often') % value

    @api.model
    def _feature_label(self, feature):
        labels = {'source': _('a source'), 'medium': _('a medium'), 'campaign': _('a campaign'),
                  'team': _('a sales team'), 'salesperson': _('a salesperson'), 'country': _('a country')}
        return labels.get(feature, feature)


def _chances_and_reasons(columns, probabilities, names, order, contributions):
    """The win chance (%, one decimal; None: not scored) and the reasons of each lead from the
    engine's score_arrays(): JSON text of [[feature, value, contribution rounded to 4 decimals],
    ...], as json.dumps writes it. Each distinct text value of a feature is encoded once (the
    leads share a few sources, teams, stages), and no list or tuple is made per reason: one
    json.dumps per lead, and the objects that woke Python's cycle collector, were most of the
    engine's time at 14,500 leads (bench/RESULTS.md, s30-score)."""
    names_json = [json.dumps(name) for name in names]
    values = [columns.get(name) or [None] * len(probabilities) for name in names]
    encoded = [{} for _name in names]
    # json.dumps writes a finite float as repr() does
    number = repr if np.isfinite(contributions).all() else json.dumps
    top = order.shape[1]
    order, contributions = order.ravel().tolist(), contributions.ravel().tolist()
    chances, reasons = [], []
    for lead, probability in enumerate(probabilities.tolist()):
        if math.isnan(probability):
            chances.append(None)
            reasons.append(None)
            continue
        chances.append(round(100.0 * probability, 1))
        text = ''
        for at in range(lead * top, lead * top + top):
            g = order[at]
            value = values[g][lead]
            kind = type(value)
            if kind is int or (kind is float and math.isfinite(value)):
                value_text = repr(value)
            else:
                # other values by their type too: True and 1 are one dict key but two JSON texts
                key = value if kind is str else (kind, tuple(value) if kind is list else value)
                value_text = encoded[g].get(key)
                if value_text is None:
                    value_text = encoded[g][key] = json.dumps(_json_value(value))
            text += '%s[%s, %s, %s]' % (', ' if text else '', names_json[g], value_text,
                                        number(round(contributions[at], 4)))
        reasons.append('[%s]' % text)
    return chances, reasons


def _json_value(value):
    """A feature value as JSON data (numbers, text, lists of text)."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return float(value)


def _amount(value):
    return '{:,.0f}'.format(float(value or 0))
