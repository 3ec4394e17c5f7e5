from odoo import api, fields, models
from odoo.osv import expression

from ..models.crm_erp_service_request import KINDS
from ..queries.service import CUSTOMER_RATINGS_SQL
from ..rules import RATING_HIGHLY_DISSATISFIED, RATING_SATISFIED, RATING_TEXTS

# What was rated: a solved service request or a delivery (queries/service.CUSTOMER_RATINGS_SQL).
RATING_CHANNELS = [('service', 'Service request'), ('delivery', 'Delivery')]


class CrmErpServiceRatingReport(models.Model):
    """Satisfaction of the customers (docs/service-requests.md, "Satisfaction"): one row per
    rating a customer gave a solved request or a delivery (Odoo's rating faces, filled in) and
    product rated with it (the request's products, the delivery's products; one row without
    product when there are none), with the company, customer, team, owner, salesperson, type
    and category, for the pivot and graph of the service managers. CSAT (%) is the share of
    satisfied ratings: the mean of the rows' 100 (satisfied) and 0.

    A rating with several products has several rows: grouped by product, each product counts
    it; otherwise only its first row (product_first) counts, so that ratings, CSAT and scores
    count each rating once (read_group)."""
    _name = 'crm.erp.service.rating.report'
    _inherit = 'crm.erp.sql.report'
    _description = 'Customer satisfaction'
    _auto = False
    _order = 'date desc'
    _rec_name = 'rating_id'

    date = fields.Datetime('Rated on', readonly=True)
    channel = fields.Selection(RATING_CHANNELS, string='Rated', readonly=True)
    rating_id = fields.Many2one('rating.rating', string='Rating record', readonly=True)
    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    request_id = fields.Many2one('crm.erp.service.request', string='Request', readonly=True)
    picking_id = fields.Many2one('stock.picking', string='Delivery', readonly=True)
    sale_order_id = fields.Many2one('sale.order', string='Sale order', readonly=True)
    product_id = fields.Many2one('product.product', string='Product', readonly=True)
    product_first = fields.Boolean('First product of the rating', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    team_id = fields.Many2one('crm.team', string='Team', readonly=True)
    user_id = fields.Many2one('res.users', string='Owner', readonly=True)
    salesperson_id = fields.Many2one('res.users', string='Salesperson', readonly=True,
                                     help="The sale order's salesperson, else the customer's.")
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
                SELECT ROW_NUMBER() OVER (ORDER BY rt.id, pr.product_id) AS id, rt.id AS rating_id,
                       rt.date, rt.channel, rt.company_id, rt.request_id, rt.picking_id, rt.sale_order_id,
                       pr.product_id, COALESCE(pr.first, TRUE) AS product_first,
                       rt.commercial_partner_id AS partner_id, rt.team_id, rt.user_id, rt.salesperson_id,
                       r.kind, r.category_id,
                       CASE WHEN rt.rating >= {satisfied} THEN 'satisfied'
                            WHEN rt.rating > {highly} THEN 'not_satisfied'
                            ELSE 'highly_dissatisfied' END AS rating_text,
                       rt.rating, 1 AS rating_count,
                       CASE WHEN rt.rating >= {satisfied} THEN 100.0 ELSE 0.0 END AS csat
        """.format(satisfied=int(RATING_SATISFIED), highly=int(RATING_HIGHLY_DISSATISFIED))

    def _from(self):
        # the filled-in ratings (consumed, score 1-10) of service requests and deliveries, each
        # with the products rated: the delivery's (its moves not cancelled), the request's
        return """
                  (""" + CUSTOMER_RATINGS_SQL + """) rt
                  LEFT JOIN crm_erp_service_request r ON r.id = rt.request_id
                  LEFT JOIN LATERAL (
                      SELECT x.product_id, ROW_NUMBER() OVER (ORDER BY x.product_id) = 1 AS first
                        FROM (SELECT m.product_id FROM stock_move m
                               WHERE m.picking_id = rt.picking_id AND m.state <> 'cancel'
                               UNION
                              SELECT rel.product_id FROM crm_erp_service_request_product_rel rel
                               WHERE rel.request_id = rt.request_id) x
                  ) pr ON TRUE
        """

    def _group_by(self):
        return ''

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Each rating counts once in a group, whatever the number of its products, unless the
        groups are products or the domain names products: then each product counts it."""
        groupbys = [groupby] if isinstance(groupby, str) else list(groupby or [])
        if lazy:
            groupbys = groupbys[:1]
        by_product = any(name.split(':')[0] == 'product_id' for name in groupbys) or any(
            isinstance(leaf, (list, tuple)) and str(leaf[0]).split('.')[0] == 'product_id' for leaf in domain or [])
        if not by_product:
            domain = expression.AND([domain or [], [('product_first', '=', True)]])
        return super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)
