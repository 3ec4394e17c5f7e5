from odoo import _, api, fields, models

from ..queries import service as service_queries
from .mail_message import note_body
from .rating_rating import accepts_rating_email


class StockPicking(models.Model):
    """Satisfaction after a delivery (docs/service-requests.md, "Rating after a delivery"): when
    an outgoing delivery to a customer is done and its company asks for ratings, the customer
    gets the rating email once (Odoo's rating.mixin: three faces, token links that need no
    login); the rating they give is posted on the delivery's chatter and counts in the
    customer's satisfaction figures, the stage rule service_low_rating and the satisfaction
    report."""
    _name = 'stock.picking'
    _inherit = ['stock.picking', 'rating.mixin']

    # rating.mixin stores the last score; not on deliveries: a stored computed field added to
    # stock_picking would be computed record by record for every existing picking on install
    rating_last_value = fields.Float(store=False)
    rating_request_date = fields.Datetime(
        'Rating asked on', readonly=True, copy=False,
        help='When the customer was sent the email asking them to rate this delivery (once per delivery).')

    @api.multi
    def action_done(self):
        result = super().action_done()
        self._request_delivery_rating()
        return result

    def _request_delivery_rating(self):
        """The customer of each delivery just done gets the rating email (data
        crm_erp_delivery_rating_request_template), queued with the other outgoing emails: once per
        delivery, also when two validations of it meet or a validation runs again (the claim,
        queries/service.claim_delivery_rating_requests). Only outgoing deliveries to a customer
        location, of a company that asks for ratings (delivery_rating_request), to a customer
        with an email who did not opt out; not under the context key crm_erp_no_rating_request."""
        if self.env.context.get('crm_erp_no_rating_request'):
            return
        template = self.env.ref('crm_erp_bridge.crm_erp_delivery_rating_request_template', raise_if_not_found=False)
        if not template:
            return
        candidates = self.filtered(
            lambda picking: picking.state == 'done' and not picking.rating_request_date
            and picking.picking_type_code == 'outgoing' and picking.location_dest_id.usage == 'customer'
            and picking.company_id.delivery_rating_request and accepts_rating_email(picking.partner_id))
        if not candidates:
            return
        claimed = service_queries.claim_delivery_rating_requests(self.env.cr, candidates.ids)
        self.invalidate_cache(fnames=['rating_request_date'], ids=candidates.ids)
        for picking in self.browse(claimed):
            # sudo: the email, and the rating token it carries, are the company's to the
            # customer, whoever validated the delivery (a stock user need not manage templates)
            template.sudo().send_mail(picking.id, force_send=False)

    def _post_rating_received(self, rating):
        """The note on the chatter when the customer clicks a face of the rating email."""
        labels = dict(rating._fields['rating_text']._description_selection(self.env))
        text = _('The customer rated the delivery: %s.') % labels.get(rating.rating_text, rating.rating_text)
        self.message_post(body=note_body(text), subtype='mail.mt_note', message_type='notification',
                          author_id=rating.partner_id.id or None)

    def _customer_360_pairs(self):
        return {(picking.company_id.id, picking.partner_id.commercial_partner_id.id) for picking in self
                if picking.partner_id and picking.company_id}
