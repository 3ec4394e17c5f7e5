from odoo import api, fields, models


class CrmErpLeadConversionReport(models.Model):
    """Which channels bring leads that buy (issue 19): the leads of each company per creation
    month x source x medium x sales team x the furthest stage they reached, with how many were
    won, lost or are still open, and the conversion rate (won / leads)."""
    _name = 'crm.erp.lead.conversion.report'
    _inherit = 'crm.erp.sql.report'
    _description = 'Lead conversion'
    _auto = False
    _order = 'month desc, lead_count desc'
    _rec_name = 'month'

    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    month = fields.Date('Created in (month)', readonly=True, help='The first day of the month the lead was created in.')
    source_id = fields.Many2one('utm.source', string='Source', readonly=True)
    medium_id = fields.Many2one('utm.medium', string='Medium', readonly=True)
    team_id = fields.Many2one('crm.team', string='Sales Channel', readonly=True)
    stage_id = fields.Many2one(
        'crm.stage', string='Furthest stage reached', readonly=True,
        help='The furthest stage (by the stages\' order) the lead has been in: its stage now, or an earlier '
             'one it moved back or was lost from (the stage history of the lead).')
    lead_count = fields.Integer('Leads', readonly=True, help='Leads and opportunities created, archived ones included.')
    won_count = fields.Integer('Won', readonly=True, help='Leads won (probability 100).')
    lost_count = fields.Integer('Lost', readonly=True, help='Leads marked lost (archived with probability 0).')
    open_count = fields.Integer('Open', readonly=True, help='Leads neither won nor lost yet.')
    conversion_rate = fields.Float(
        'Conversion rate (%)', readonly=True, group_operator='avg', digits=(16, 1),
        help='Won leads / leads created, in percent; of a group, its won leads over its leads.')

    # The view, built as sale.report is: _select, _from and _group_by can be extended.
    # Won = active with probability 100, lost = archived with probability 0 (Odoo 11's Mark
    # Lost), open = active under 100 (as queries/lead_score.py); an archived lead that was not
    # lost counts among the leads only. The months are those of create_date in UTC.
    def _select(self):
        return """
                SELECT MIN(l.id) AS id, l.company_id,
                       date_trunc('month', l.create_date)::date AS month,
                       l.source_id, l.medium_id, l.team_id, furthest.stage_id,
                       COUNT(*) AS lead_count,
                       COUNT(*) FILTER (WHERE l.active AND l.probability >= 100) AS won_count,
                       COUNT(*) FILTER (WHERE NOT l.active AND l.probability = 0) AS lost_count,
                       COUNT(*) FILTER (WHERE l.active AND l.probability < 100) AS open_count,
                       100.0 * COUNT(*) FILTER (WHERE l.active AND l.probability >= 100) / COUNT(*)
                           AS conversion_rate
        """

    def _from(self):
        # the furthest stage: of the current stage and every stage of the lead's tracked stage
        # changes (old and new values), the last in the stages' order
        return """
                  crm_lead l
                  LEFT JOIN LATERAL (
                      SELECT s.id AS stage_id
                        FROM crm_stage s
                       WHERE s.id = l.stage_id
                          OR s.id IN (SELECT unnest(ARRAY[v.old_value_integer, v.new_value_integer])
                                        FROM mail_message m
                                        JOIN mail_tracking_value v ON v.mail_message_id = m.id
                                       WHERE m.model = 'crm.lead' AND m.res_id = l.id AND v.field = 'stage_id')
                       ORDER BY s.sequence DESC, s.id DESC
                       LIMIT 1
                  ) furthest ON TRUE
        """

    def _group_by(self):
        return """
              GROUP BY l.company_id, date_trunc('month', l.create_date), l.source_id, l.medium_id, l.team_id,
                       furthest.stage_id
        """

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """The conversion rate of a group is its won leads over its leads, not the mean of its
        rows' rates (pivot and graph views read it here)."""
        with_rate = any(name.split(':')[0] == 'conversion_rate' for name in fields)
        if with_rate:
            fields = list(fields) + [name for name in ('lead_count', 'won_count') if name not in fields]
        groups = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)
        if with_rate:
            for group in groups:
                if group.get('lead_count'):
                    group['conversion_rate'] = 100.0 * (group.get('won_count') or 0) / group['lead_count']
        return groups
