import re

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.crm_erp_bridge.models.record_ids import public_override

from .. import queries
from ..emails import normalised_email

# how Odoo's survey invitation wizard separates the addresses of its list of emails
_EMAILS_SPLIT = re.compile(r'[;,\n\r]+')


def _check_auto_commit(self, auto_commit=False):
    """A remote caller's send_mail (public_override): auto_commit true or false."""
    if not isinstance(auto_commit, bool):
        raise UserError(_('send_mail: auto_commit must be true or false.'))


class SurveyMailComposeMessage(models.TransientModel):
    _inherit = 'survey.mail.compose.message'

    @public_override(check=_check_auto_commit)
    def send_mail(self, auto_commit=False):
        """Survey invitations (NPS included) honour the marketing rules before Odoo sends them:
        nobody who opted out on any of their records, one invitation per normalised address
        (contacts first, by id, then the list of emails). A remote caller's ids (their own
        wizards) and auto_commit are checked first (public_override)."""
        for wizard in self:
            wizard._crm_erp_keep_reachable_recipients()
        return super().send_mail(auto_commit=auto_commit)

    def _crm_erp_keep_reachable_recipients(self):
        partners = self.partner_ids._crm_erp_reachable()
        seen = {normalised_email(partner.email) for partner in partners} - {None}
        _blocked_ids, blocked_addresses = queries.blocked_recipients(self.env.cr)
        emails = []
        for email in _EMAILS_SPLIT.split(self.multi_email or ''):
            address = normalised_email(email)
            if address and address not in blocked_addresses and address not in seen:
                seen.add(address)
                emails.append(email.strip())
        if (self.partner_ids or self.multi_email) and not partners and not emails:
            raise UserError(_('Every recipient opted out of marketing emails (on one of their records) or is '
                              'listed twice: nobody to invite.'))
        self.write({'partner_ids': [(6, 0, partners.ids)], 'multi_email': '\n'.join(emails) or False})
