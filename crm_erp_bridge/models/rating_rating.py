from odoo import api, models

# The rated model whose ratings this addon follows.
_SERVICE_REQUEST = 'crm.erp.service.request'


class RatingRating(models.Model):
    """A customer's rating: a rating of a service request given by a click on the rating email
    (Odoo's /rating/<token>/<score> page writes the score alone) is posted on the request's
    chatter as a note. With a comment (the page's second step), Odoo's rating_apply posts the
    face and the comment as a message of the customer to the followers instead. Either way
    the customer's Customer 360 row is rescored (the stage rule service_low_rating)."""
    _inherit = 'rating.rating'

    @api.multi
    def write(self, vals):
        result = super().write(vals)
        if 'rating' not in vals and 'consumed' not in vals:
            return result
        ratings = self.filtered(lambda rating: rating.res_model == _SERVICE_REQUEST)
        if not ratings:
            return result
        # sudo: the customer rates through a public page, without a user of their own
        requests = self.env[_SERVICE_REQUEST].sudo().browse(ratings.mapped('res_id')).exists()
        if vals.get('consumed') and vals.get('rating') and 'feedback' not in vals:
            for rating in ratings:
                requests.filtered(lambda request: request.id == rating.res_id)._post_rating_received(rating)
        # a highly dissatisfied customer moves towards At risk (rules.STAGE_RULES, service_low_rating)
        requests._refresh_customer_360(requests._customer_360_pairs())
        return result
