from odoo import api, fields, models

from .. import queries

# The webshop's recommendation blocks (the templates of views/website_sale_templates.xml).
BLOCKS = [
    ('also_bought', 'Customers who bought this also bought'),
    ('complete_order', 'Complete your order'),
    ('for_you', 'Recommended for you'),
]
# A purchase counts for a block when the product was clicked in it at most this many days
# before the order's confirmation (same session or same customer).
PURCHASE_WINDOW_DAYS = 7


class CrmErpWebRecommendationEvent(models.Model):
    """What the webshop's recommendation blocks did: a block shown on a page (view), a product
    clicked in it (click), a clicked product bought (purchase). Append-only: each event is a new
    row inserted by one statement (queries.record_event, queries.count_purchases), never an
    update of a counter, so that page views do not wait for each other; managers read them
    through crm.erp.web.recommendation.report."""
    _name = 'crm.erp.web.recommendation.event'
    _description = 'Webshop recommendation event'
    _order = 'id desc'
    _rec_name = 'block'

    kind = fields.Selection([('view', 'Shown'), ('click', 'Clicked'), ('purchase', 'Bought')],
                            required=True, readonly=True)
    block = fields.Selection(BLOCKS, required=True, readonly=True)
    product_tmpl_id = fields.Many2one('product.template', string='Product', readonly=True, ondelete='cascade',
                                      help='The product clicked or bought (none for a block shown).')
    website_id = fields.Many2one('website', readonly=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True, ondelete='set null',
                                 help='The logged-in shopper\'s company or person (none for an anonymous visitor).')
    session_key = fields.Char('Visit', readonly=True,
                              help='A digest of the visitor\'s browser session (never the session itself).')
    order_id = fields.Many2one('sale.order', string='Order', readonly=True, ondelete='cascade',
                               help='The confirmed webshop order of a purchase.')
    day = fields.Date(required=True, readonly=True, index=True)

    @api.model_cr
    def init(self):
        queries.create_event_indexes(self.env.cr)
