from odoo import api, fields, models

from ..rules import CUSTOMER_STAGES, STAGE_REASONS


class CrmErpPartnerStageHistory(models.Model):
    """One lifecycle stage change of a customer in a company: the base of the conversion-rate
    and time-in-stage reports. Rows are written by the refresh (SQL) and by manual stages."""
    _name = 'crm.erp.partner.stage.history'
    _description = 'Customer lifecycle stage change'
    _order = 'date desc, id desc'
    _rec_name = 'partner_id'

    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, readonly=True,
                                 index=True, ondelete='cascade')
    from_stage = fields.Selection(CUSTOMER_STAGES, string='From', required=True, readonly=True)
    to_stage = fields.Selection(CUSTOMER_STAGES, string='To', required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    reason = fields.Selection(STAGE_REASONS, required=True, readonly=True)
    days_in_from_stage = fields.Integer('Days in previous stage', readonly=True, group_operator='avg',
                                        help='Days between entering the previous stage and this change.')
    conversion_rate = fields.Float(
        'Conversion (%)', compute='_compute_conversion_rate', digits=(16, 1),
        help='Share of the changes out of the same From stage (within the current filter) that this '
             'group holds; without a From grouping, the share of all changes. Filled by read_group.')

    def _compute_conversion_rate(self):
        for change in self:  # a single change is 100 % of itself
            change.conversion_rate = 100.0

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Groups by stage come in funnel order (CUSTOMER_STAGES), not in the alphabetical order
        of the keys, unless the caller sorts. Groups also get conversion_rate (a ratio, so not a
        SQL aggregate): the group's count over the count of the changes with the same from_stage
        under the same domain."""
        result = super().read_group(domain, fields, groupby, offset=offset, limit=limit,
                                    orderby=orderby, lazy=lazy)
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
        if not orderby and groupby and groupby[0] in ('from_stage', 'to_stage'):
            position = {stage: index for index, (stage, _label) in enumerate(CUSTOMER_STAGES)}
            result.sort(key=lambda group: position.get(group[groupby[0]], len(position)))
        if 'conversion_rate' not in (fields or []) or not result:
            return result
        grouped = groupby[:1] if lazy else groupby
        if 'from_stage' in grouped:
            totals = {group['from_stage']: group['__count'] for group in super().read_group(
                domain, ['from_stage'], ['from_stage'], lazy=False)}
        else:
            totals = None
            total = self.search_count(domain or [])
        for group in result:
            denominator = totals.get(group['from_stage'], 0) if totals is not None else total
            count = group['__count'] if '__count' in group else group.get('%s_count' % grouped[0], 0)
            group['conversion_rate'] = 100.0 * count / denominator if denominator else 0.0
        return result
