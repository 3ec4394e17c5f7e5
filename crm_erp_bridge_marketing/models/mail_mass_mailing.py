from odoo import SUPERUSER_ID, _, fields, models
from odoo.exceptions import AccessError

from odoo.addons.crm_erp_bridge.models.record_ids import browse_readable, public_override, shown_ids

from .. import queries


def _check_company(self, *_args, **_kwargs):
    """A remote caller's mailings (public_override): AccessError for a mailing that reads the
    Customer 360 of a company that is not one of the caller's."""
    foreign = self.filtered(lambda mailing: mailing.crm_erp_company_id
                            and mailing.crm_erp_company_id not in self.env.user.company_ids)
    if foreign:
        raise AccessError(_('ids: the mailing(s) %s read the Customer 360 of a company that is not one of '
                            'yours.') % shown_ids(foreign.ids))


def _check_send_mail(self, res_ids=None):
    """A remote caller's send_mail: the mailings as _check_company; res_ids None or False (the
    mailing's own recipients), else ids of records of each mailing's model that the caller may
    read in the company of the call."""
    _check_company(self)
    if res_ids is None or res_ids is False:
        return
    for mailing in self:
        browse_readable(self.env[mailing.mailing_model_real], res_ids, 'send_mail: res_ids')


class MailMassMailing(models.Model):
    """Respectful marketing in Odoo's mass mailing (docs/marketing.md):
    - the Customer 360 filters of a mailing on contacts (stage, RFM segment, predicted value) read
      the figures of the mailing's company;
    - nobody who opted out, on any of their records, is mailed: Odoo's blacklist (the addresses
      its mail composer cancels) gets every address of queries.blocked_recipients.
    One copy per address and mailing is Odoo's own rule (the composer's seen list, lower-cased
    addresses), kept and tested."""
    _inherit = 'mail.mass_mailing'

    crm_erp_company_id = fields.Many2one(
        'res.company', string='Customer 360 of', default=lambda self: self.env.user.company_id,
        help="The company whose Customer 360 (stage, RFM segment, predicted value) the recipients' "
             "filter reads. The sender must belong to it.")

    @public_override(check=_check_company)
    def get_recipients(self):
        """The recipients of Odoo's domain; on contacts, its Customer 360 filters read the
        mailing's company (force_company): the sender's, or for the queue's job and the recipient
        count (run as the system) as the mailing's author sees them."""
        company = self.crm_erp_company_id
        if not company or self.mailing_model_real != 'res.partner':
            return super().get_recipients()
        mailing = self
        if self.env.uid == SUPERUSER_ID and company not in self.env.user.company_ids:
            author = self.create_uid
            if not author:
                # the count of a mailing not saved yet, in the form: the system's company
                return super().get_recipients()
            if company not in author.company_ids:
                raise AccessError(_('The mailing "%s" reads the Customer 360 of %s, which is not one of its '
                                    'author\'s companies.') % (self.name, company.name))
            mailing = self.sudo(author)
        return super(MailMassMailing, mailing.with_context(force_company=company.id)).get_recipients()

    @public_override(check=_check_send_mail)
    def send_mail(self, res_ids=None):
        """Odoo's sending (the addresses of _get_blacklist cancelled); a remote caller's ids and
        res_ids are checked first (public_override, _check_send_mail)."""
        return super().send_mail(res_ids=res_ids)

    def _get_blacklist(self):
        """Odoo's blacklist (the addresses of the mailing's model that opted out) and every address
        reached from an opt-out through the same address or a duplicate customer, on contacts and
        on mailing lists alike."""
        blacklist = set(super()._get_blacklist())
        _partner_ids, addresses = queries.blocked_recipients(self.env.cr)
        return blacklist | addresses
