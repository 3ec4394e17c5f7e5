from odoo import api, fields, models, tools

from ..models.crm_erp_service_request import KINDS
from ..rules import RATING_HIGHLY_DISSATISFIED, RATING_SATISFIED, RATING_TEXTS


class CrmErpServiceRatingReport(models.Model):
    """Satisfaction of the customers with their solved requests (docs/service-requests.md,
    "Satisfaction"): one row per rating a customer gave (Odoo's rating faces, filled in), with
    the request's company, customer, team, owner, type and category, for the pivot and graph
    of the service managers. CSAT (%) is the share of satisfied ratings: the mean of the rows'
    100 (satisfied) and 0."""
    _name = 'crm.erp.service.rating.report'
    _description = 'Service satisfaction'
    _auto = False
    _order = 'date desc'
    _rec_name = 'request_id'

    date = fields.Datetime('Rated on', readonly=True)
    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    request_id = fields.Many2one('crm.erp.service.request', string='Request', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    team_id = fields.Many2one('crm.team', string='Team', readonly=True)
    user_id = fields.Many2one('res.users', string='Owner', readonly=True)
    salesperson_id = fields.Many2one('res.users', string='Salesperson', readonly=True,
                                     help="The customer's salesperson (on the customer company).")
    kind = fields.Selection(KINDS, string='Type', readonly=True)
    category_id = fields.Many2one('crm.erp.service.category', string='Category', readonly=True)
    rating_text = fields.Selection(RATING_TEXTS, string='Rating', readonly=True)
    rating = fields.Float('Score (1-10)', readonly=True, group_operator='avg', digits=(16, 1))
    rating_count = fields.Integer('Ratings', readonly=True)
    csat = fields.Float('CSAT (% satisfied)', readonly=True, group_operator='avg', digits=(16, 1),
                        help='Share of the ratings that are "satisfied", in percent.')

    # The view, built as sale.report is: _select, _from and _group_by can be extended.
    def _select(self):
        return """
                SELECT rr.id, rr.write_date AS date, r.company_id, r.id AS request_id,
                       r.commercial_partner_id AS partner_id, r.team_id, r.user_id, p.user_id AS salesperson_id,
                       r.kind, r.category_id,
                       CASE WHEN rr.rating >= {satisfied} THEN 'satisfied'
                            WHEN rr.rating > {highly} THEN 'not_satisfied'
                            ELSE 'highly_dissatisfied' END AS rating_text,
                       rr.rating, 1 AS rating_count,
                       CASE WHEN rr.rating >= {satisfied} THEN 100.0 ELSE 0.0 END AS csat
        """.format(satisfied=int(RATING_SATISFIED), highly=int(RATING_HIGHLY_DISSATISFIED))

    def _from(self):
        # the filled-in ratings (consumed, score 1-10) of service requests
        return """
                  rating_rating rr
                  JOIN crm_erp_service_request r ON r.id = rr.res_id
                  LEFT JOIN res_partner p ON p.id = r.commercial_partner_id
                 WHERE rr.res_model = 'crm.erp.service.request' AND rr.consumed AND rr.rating >= 1
        """

    def _group_by(self):
        return ''

    @api.model_cr
    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute('CREATE VIEW %s AS (%s FROM %s %s)' % (
            self._table, self._select(), self._from(), self._group_by()))
