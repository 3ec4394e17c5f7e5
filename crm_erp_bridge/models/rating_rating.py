from odoo import api, models

# The rated models whose ratings this addon follows: service requests and deliveries.
_SERVICE_REQUEST = 'crm.erp.service.request'
_DELIVERY = 'stock.picking'


def accepts_rating_email(partner):
    """Whether partner may be sent a rating email: an email address, and neither the contact
    nor its commercial entity opted out (res.partner.opt_out). A rating request asks for
    feedback, which the customer does not need to receive their order or their answer: it is
    treated as communication, like a mailing (docs/service-requests.md, "Opt-out")."""
    return bool(partner and partner.email and not partner.opt_out and not partner.commercial_partner_id.opt_out)


class RatingRating(models.Model):
    """A customer's rating: a rating of a service request or a delivery given by a click on the
    rating email (Odoo's /rating/<token>/<score> page writes the score alone) is posted on the
    rated record's chatter as a note. With a comment (the page's second step), Odoo's
    rating_apply posts the face and the comment as a message of the customer to the followers
    instead. Either way the customer's Customer 360 row is rescored (the stage rule
    service_low_rating)."""
    _inherit = 'rating.rating'

    @api.multi
    def write(self, vals):
        result = super().write(vals)
        if 'rating' not in vals and 'consumed' not in vals:
            return result
        pairs = set()
        for model in (_SERVICE_REQUEST, _DELIVERY):
            ratings = self.filtered(lambda rating, model=model: rating.res_model == model)
            if not ratings:
                continue
            # sudo: the customer rates through a public page, without a user of their own
            records = self.env[model].sudo().browse(ratings.mapped('res_id')).exists()
            if vals.get('consumed') and vals.get('rating') and 'feedback' not in vals:
                for rating in ratings:
                    records.filtered(lambda record, rating=rating: record.id == rating.res_id)._post_rating_received(
                        rating)
            pairs |= records._customer_360_pairs()
        # a highly dissatisfied customer moves towards At risk (rules.STAGE_RULES, service_low_rating);
        # sudo: the rated customers' rows are rescored, which the rating's author may not write
        self.env['crm.erp.partner.stats'].sudo()._refresh_pairs(pairs, leads_only=True)
        return result
