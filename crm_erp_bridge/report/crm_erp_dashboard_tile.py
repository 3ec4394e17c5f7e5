from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..companies import allowed_company
from ..models.record_ids import public_records
from ..queries import cross_sell as cross_sell_queries, dashboard as dashboard_queries
from ..rules import CUSTOMER_STAGES, RFM_SEGMENTS

SECTIONS = [
    ('funnel', 'Customer funnel'),
    ('segment', 'Customer segments'),
    ('risk', 'Revenue at risk'),
    ('supply', 'Stock for the pipeline'),
    ('cross_sell', 'Cross-sell'),
]


class CrmErpDashboardTile(models.Model):
    """The manager's dashboard: one tile per figure and company, read from the source tables at
    each opening (nothing stored, nothing written on read). Each tile opens the list behind it."""
    _name = 'crm.erp.dashboard.tile'
    _description = "Manager's dashboard tile"
    _auto = False
    _order = 'sequence'

    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    sequence = fields.Integer(readonly=True)
    section = fields.Selection(SECTIONS, readonly=True, group_expand='_group_expand_section')
    customer_stage = fields.Selection(CUSTOMER_STAGES, string='Stage', readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string='Segment', readonly=True)
    customer_count = fields.Integer('Customers', readonly=True)
    amount = fields.Monetary(
        readonly=True,
        help='Segments: what their customers bought, all time. Revenue at risk: what the customers '
             'at risk buy in a year at their usual pace (orders per year x average order value).')
    rate = fields.Float(
        'Rate (%)', digits=(16, 0), readonly=True,
        help='Funnel: of the customers who left this stage in the last 12 months, the share who moved '
             'forward (At risk, Lost: who were won back). Cross-sell: won among the closed '
             'cross-sell opportunities.')
    rate_base = fields.Integer(
        'Out of', readonly=True,
        help='How many stage changes or closed opportunities the rate is computed from.')
    product_count = fields.Integer('Products short', readonly=True,
                                   help='Products x warehouses whose free and incoming stock do not '
                                        'cover the quotations and weighted opportunities.')
    opportunity_count = fields.Integer('Open opportunities', readonly=True)

    @api.model
    def _group_expand_section(self, sections, domain, order):
        return [key for key, _label in SECTIONS]

    # The view, built as sale.report is: every query of _tile_queries is one kind of tile and
    # yields the same columns (see _tile_columns); an extension adds a query with its own sequence
    # range. A tile's id is company id x 1000 + sequence: stable between two readings.
    _tile_columns = ('company_id', 'sequence', 'section', 'customer_stage', 'rfm_segment', 'customer_count',
                     'amount', 'rate', 'rate_base', 'product_count', 'opportunity_count')

    def _tile_queries(self):
        return [self._funnel_query(), self._segment_query(), self._risk_query(), self._supply_query(),
                self._cross_sell_query()]

    def _funnel_query(self):
        # Sequences 10-29: every stage in funnel order, with the customers in it now (prospects:
        # customers of the company, or of every company, without a buying stage there) and the
        # share of last year's changes out of it that moved forward (not computed for the last
        # stage, Loyal, from which there is no forward).
        return """
        SELECT company.id, 10 + stage.position, 'funnel', stage.stage, NULL,
               COALESCE(now_in.customers, 0), NULL::numeric,
               CASE WHEN moves.changes > 0 AND stage.stage <> 'loyal'
                    THEN 100.0 * moves.forward / moves.changes END,
               COALESCE(moves.changes, 0), NULL::integer, NULL::integer
          FROM res_company company
         CROSS JOIN crm_erp_dashboard_stage stage
          LEFT JOIN (
            SELECT company_id, customer_stage, COUNT(*) AS customers
              FROM crm_erp_partner_stats
             WHERE customer_stage <> 'prospect'
          GROUP BY company_id, customer_stage
            UNION ALL
            SELECT company.id, 'prospect', COUNT(*)
              FROM res_partner partner
              JOIN res_company company ON partner.company_id IS NULL OR partner.company_id = company.id
             WHERE partner.customer AND partner.active AND partner.parent_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM crm_erp_partner_stats stats
                                WHERE stats.company_id = company.id AND stats.partner_id = partner.id
                                  AND stats.customer_stage <> 'prospect')
          GROUP BY company.id
          ) AS now_in ON now_in.company_id = company.id AND now_in.customer_stage = stage.stage
          LEFT JOIN (
            SELECT change.company_id, change.from_stage, COUNT(*) AS changes,
                   COUNT(*) FILTER (WHERE to_stage.rank > from_stage.rank) AS forward
              FROM crm_erp_partner_stage_history change
              JOIN crm_erp_dashboard_stage from_stage ON from_stage.stage = change.from_stage
              JOIN crm_erp_dashboard_stage to_stage ON to_stage.stage = change.to_stage
             WHERE change.date > CURRENT_DATE - 365
          GROUP BY change.company_id, change.from_stage
          ) AS moves ON moves.company_id = company.id AND moves.from_stage = stage.stage
        """

    def _segment_query(self):
        # Sequences 100-119: the RFM segments with their customers and what they bought
        return """
        SELECT stats.company_id, 100 + segment.position, 'segment', NULL, segment.segment,
               COUNT(*), SUM(stats.sale_revenue), NULL::numeric, NULL::integer, NULL::integer, NULL::integer
          FROM crm_erp_partner_stats stats
          JOIN crm_erp_dashboard_segment segment ON segment.segment = stats.rfm_segment
      GROUP BY stats.company_id, segment.position, segment.segment
        """

    def _risk_query(self):
        # Sequence 200: the customers at risk and what they buy in a year at their usual pace
        return """
        SELECT company.id, 200, 'risk', 'at_risk', NULL,
               COUNT(stats.id), COALESCE(SUM(stats.clv_annual_frequency * stats.sale_average_order_value), 0),
               NULL::numeric, NULL::integer, NULL::integer, NULL::integer
          FROM res_company company
          LEFT JOIN crm_erp_partner_stats stats
                 ON stats.company_id = company.id AND stats.customer_stage = 'at_risk'
      GROUP BY company.id
        """

    def _supply_query(self):
        # Sequence 300: products x warehouses short in the pipeline demand report (its snapshot,
        # brought up to date by _where_calc before every reading, through a function: see
        # queries/dashboard.py)
        return """
        SELECT company.id, 300, 'supply', NULL, NULL, NULL::integer, NULL::numeric, NULL::numeric,
               NULL::integer, COUNT(short.product_id), NULL::integer
          FROM res_company company
          LEFT JOIN crm_erp_dashboard_short_products() AS short ON short.company_id = company.id
      GROUP BY company.id
        """

    def _cross_sell_query(self):
        # Sequence 400: cross-sell opportunities open, and the win rate of the closed ones
        return """
        SELECT company.id, 400, 'cross_sell', NULL, NULL, NULL::integer, NULL::numeric,
               CASE WHEN COALESCE(outcome.won + outcome.lost, 0) > 0
                    THEN 100.0 * outcome.won / (outcome.won + outcome.lost) END,
               COALESCE(outcome.won + outcome.lost, 0), NULL::integer, COALESCE(outcome.open, 0)
          FROM res_company company
          LEFT JOIN (
            SELECT company.id AS company_id,
                   COUNT(*) FILTER (WHERE """ + cross_sell_queries.CROSS_SELL_WON_SQL + """) AS won,
                   COUNT(*) FILTER (WHERE """ + cross_sell_queries.CROSS_SELL_LOST_SQL + """) AS lost,
                   COUNT(*) FILTER (WHERE """ + cross_sell_queries.CROSS_SELL_OPEN_SQL + """) AS open
              FROM crm_lead
              JOIN res_company company ON crm_lead.company_id IS NULL OR crm_lead.company_id = company.id
             WHERE """ + cross_sell_queries.CROSS_SELL_OPPORTUNITY_SQL + """
          GROUP BY company.id
          ) AS outcome ON outcome.company_id = company.id
        """

    @api.model_cr
    def init(self):
        dashboard_queries.create_views(self.env.cr, self._table, self._tile_columns, self._tile_queries())

    @api.model
    def _where_calc(self, domain, active_test=True):
        # every search and read_group starts here: the shortfall tile reads the demand snapshot
        self.env['crm.erp.pipeline.demand.snapshot']._refresh()
        return super()._where_calc(domain, active_test=active_test)

    def _company_domain(self, domain):
        """The tiles of the company the user works in (force_company, else the current one), also
        for the superuser, whom no rule restricts (not in _where_calc: the record rules' own
        domain is computed through it, as the superuser)."""
        return [('company_id', '=', allowed_company(self.env).id)] + list(domain or [])

    @api.model
    def _search(self, args, offset=0, limit=None, order=None, count=False, access_rights_uid=None):
        return super()._search(self._company_domain(args), offset=offset, limit=limit, order=order, count=count,
                               access_rights_uid=access_rights_uid)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        return super().read_group(self._company_domain(domain), fields, groupby, offset=offset, limit=limit,
                                  orderby=orderby, lazy=lazy)

    @public_records(one=True)
    def action_open_list(self):
        """The list behind the tile, in the tile's company."""
        company = self.company_id
        context = {'force_company': company.id}
        if self.section == 'funnel' and self.customer_stage == 'prospect':
            return {
                'type': 'ir.actions.act_window', 'name': _('Prospects'), 'res_model': 'res.partner',
                'view_mode': 'tree,form', 'views': [(False, 'tree'), (False, 'form')],
                'domain': [('customer', '=', True), ('parent_id', '=', False), ('customer_stage', '=', 'prospect'),
                           '|', ('company_id', '=', False), ('company_id', '=', company.id)],
                'context': context,
            }
        if self.section in ('funnel', 'segment', 'risk'):
            action = self.env.ref('crm_erp_bridge.crm_erp_partner_stats_action').read()[0]
            field = 'rfm_segment' if self.section == 'segment' else 'customer_stage'
            action.update(domain=[('company_id', '=', company.id), (field, '=', self[field])],
                          context=context, view_mode='tree,form,kanban,pivot',
                          views=[(False, 'tree'), (False, 'form'), (False, 'kanban'), (False, 'pivot')])
            # the breadcrumb shows display_name
            action['name'] = action['display_name'] = '%s: %s' % (action['name'], dict(
                self._fields[field]._description_selection(self.env))[self[field]])
            return action
        if self.section == 'supply':
            action = self.env.ref('crm_erp_bridge.crm_erp_pipeline_demand_report_action').read()[0]
            action.update(domain=[('company_id', '=', company.id), ('shortfall_qty', '>', 0)], context=context,
                          view_mode='tree,pivot,graph', views=[(False, 'tree'), (False, 'pivot'), (False, 'graph')])
            return action
        if self.section == 'cross_sell':
            return {
                'type': 'ir.actions.act_window', 'name': _('Cross-sell opportunities'), 'res_model': 'crm.lead',
                'view_mode': 'tree,form', 'views': [(False, 'tree'), (False, 'form')],
                'domain': [('type', '=', 'opportunity'), ('is_cross_sell', '=', True),
                           ('company_id', 'in', [company.id, False])],
                # the lost ones are archived: the win rate counts them
                'context': dict(context, active_test=False),
            }
        raise UserError(_('This tile opens no list.'))
