import operator as operators

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.crm_erp_bridge.models.record_ids import USER_GROUP

from .. import queries
from ..emails import normalised_email

_COMPARE = {'=': operators.eq, '!=': operators.ne, '<': operators.lt, '<=': operators.le, '>': operators.gt,
            '>=': operators.ge}


class ResPartner(models.Model):
    _inherit = 'res.partner'

    # Mailing filters
    # The predicted value of the Customer 360 becomes searchable, as the stage and the RFM segment
    # already are: the three are filters of a mass mailing on contacts (docs/marketing.md).
    customer_predicted_value = fields.Monetary(search='_search_customer_predicted_value')

    def _search_customer_predicted_value(self, operator, value):
        """Domain on the commercial entity: the current company's predicted value (company
        currency) compared to value; customers without figures count as 0."""
        if value is False:
            value = 0.0
        if operator not in _COMPARE or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(_('The predicted value is compared to a number with =, !=, <, <=, > or >=, '
                              'not %s %r.') % (operator, value))
        include_missing = _COMPARE[operator](0.0, value)
        partner_ids = queries.partners_by_figure(self.env.cr, self._customer_360_company_id(), 'clv_predicted_value',
                                                 operator, value, not include_missing)
        return [('commercial_partner_id', 'not in' if include_missing else 'in', partner_ids)]

    # Respectful marketing
    @api.multi
    def _crm_erp_reachable(self, one_per_address=True):
        """The partners of self that a marketing email or offer may reach (docs/marketing.md):
        none who opted out or whose address or duplicate customer did (queries.blocked_recipients);
        with one_per_address, only the first (lowest id) of the partners of one normalised address."""
        blocked_ids, blocked_addresses = queries.blocked_recipients(self.env.cr)
        seen, kept = set(), []
        for partner in self.sorted('id'):
            address = normalised_email(partner.email)
            if partner.id in blocked_ids or partner.opt_out or (address and address in blocked_addresses):
                continue
            if one_per_address and address:
                if address in seen:
                    continue
                seen.add(address)
            kept.append(partner.id)
        return self.browse(kept)

    @api.model
    def _create_cross_sell_opportunities(self, partners, company):
        """Cross-sell honours the marketing rules: no opportunity for a customer who opted out on
        any of their records, one per address."""
        customers = partners.mapped('commercial_partner_id')._crm_erp_reachable()
        return super()._create_cross_sell_opportunities(customers, company)

    # NPS in the Customer 360
    crm_erp_nps_last = fields.Integer('Last NPS answer', compute='_compute_crm_erp_nps_last', groups=USER_GROUP,
                                      help='The last answer (0 to 10) of the customer or one of its contacts to an NPS '
                                           'question of a survey of this company.')
    crm_erp_nps_last_date = fields.Datetime('Last NPS answer on', compute='_compute_crm_erp_nps_last',
                                            groups=USER_GROUP)

    @api.depends('commercial_partner_id')
    def _compute_crm_erp_nps_last(self):
        company_id = self._customer_360_company_id()
        # read in SQL: the checked company's answers of these customers only (the NPS report
        # itself is for managers; the Customer 360 shows each customer's own last answer)
        answers = queries.last_nps_answers(self.env.cr, company_id, self.mapped('commercial_partner_id').ids)
        for partner in self:
            score, date = answers.get(partner.commercial_partner_id.id, (False, False))
            partner.crm_erp_nps_last = score
            partner.crm_erp_nps_last_date = date
