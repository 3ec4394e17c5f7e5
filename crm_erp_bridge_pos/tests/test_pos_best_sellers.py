from datetime import datetime, timedelta

from odoo import fields

from ..hooks import post_init_hook
from .common import PosTicketsCase

COUNTED = ('paid', 'done', 'invoiced')


def _ago(days):
    return fields.Datetime.to_string(datetime.now() - timedelta(days=days))


class TestPosBestSellers(PosTicketsCase):
    """The peer best sellers and the popularity of Discover count the tickets as the affinity
    does (its basket sources): a product sold only at the till, to a customer and anonymously,
    becomes a best seller of the customer's peers and of everybody and a Discover item by
    popularity; its buyers equal a recomputation from the raw tickets, an anonymous ticket one
    buyer of its own in no peer group, a returned line and a ticket of before the year none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Recommendation = cls.env['crm.erp.recommendation']
        cls.product = cls.env['product.product'].create({
            'name': 'Sold at the till only', 'type': 'consu', 'taxes_id': [(5, 0, 0)], 'company_id': False})
        industry = cls.env['res.partner.industry'].create({'name': 'Till regulars'})
        Partner = cls.env['res.partner']
        cls.regular = Partner.create({'name': 'Till regular', 'customer': True, 'industry_id': industry.id})
        cls.peer = Partner.create({'name': 'Till peer', 'customer': True, 'industry_id': industry.id})
        cls.newcomer = Partner.create({'name': 'Till newcomer', 'customer': True})
        line = [(cls.product, 1.0, 10.0, 0.0)]
        cls._sync([
            cls._ticket(cls.regular, _ago(5), line + [(cls.product, 2.0, 10.0, 0.0)]),  # one buyer, two lines
            cls._ticket(None, _ago(30), line),
            cls._ticket(None, _ago(40), line),
            cls._ticket(None, _ago(10), [(cls.product, -1.0, 10.0, 0.0)]),  # a return: no buyer
            cls._ticket(None, _ago(400), line),  # before the year
        ])
        # the install: the affinity and the best sellers of the companies with tickets
        post_init_hook(cls.env.cr, cls.env.registry)

    def setUp(self):
        super().setUp()
        # the engines' company-wide figures are cached per process: not those of another test
        self.Recommendation._clear_engine_cache()

    def _raw_buyers(self, since=None, tickets_only=False):
        """Buyers of the product through the ORM, from the raw tickets and sale orders of the
        company placed since `since` (any time: None) and before now: the commercial customer of
        each counted document with a line of it of a positive quantity, an anonymous ticket
        itself; tickets_only: the buyers of any product at the till."""
        domain = [('company_id', '=', self.company.id), ('date_order', '<', fields.Datetime.now())]
        domain += [('date_order', '>=', since)] if since else []
        tickets = self.env['pos.order'].search(domain + [('state', 'in', COUNTED)])
        orders = self.env['sale.order'].search(domain + [('state', 'in', ('sale', 'done'))])

        def bought(lines, qty):
            return any(line[qty] > 0 and (tickets_only or line.product_id == self.product) for line in lines)
        buyers = {ticket.partner_id.commercial_partner_id.id if ticket.partner_id else ('ticket', ticket.id)
                  for ticket in tickets if bought(ticket.lines, 'qty')}
        if tickets_only:
            return buyers
        return buyers | {order.partner_id.commercial_partner_id.id for order in orders
                         if bought(order.order_line, 'product_uom_qty')}

    def _items(self, partner):
        return self.Recommendation._recommend(partner, self.company, limit=100)[partner.id]

    def test_best_seller_of_peers_and_everybody(self):
        """The tickets' customer's peers get the product first ("Best seller among Till regulars
        customers", one buyer); a newcomer gets it among everybody's best sellers with the raw
        tickets' buyers; the customer who bought it 5 days ago does not get it."""
        buyers = self._raw_buyers(_ago(365))
        self.assertEqual(len(buyers), 3, 'the customer and two anonymous tickets')
        first = self._items(self.peer)[0]
        self.assertEqual((first['product_id'], first['source'], first['level'], first['buyers'], first['reason']),
                         (self.product.id, 'best_seller', 1, 1, 'Best seller among Till regulars customers'))
        items = self._items(self.newcomer)
        self.assertTrue(items and all(item['source'] == 'best_seller' and item['level'] == 4 for item in items))
        mine = [item for item in items if item['product_id'] == self.product.id]
        self.assertEqual([(item['buyers'], item['reason']) for item in mine], [(len(buyers), 'Best seller')])
        # most buyers first (out-of-stock items last: the company's stock mode)
        in_stock = [item['buyers'] for item in items if not item['out_of_stock']]
        self.assertEqual(in_stock, sorted(in_stock, reverse=True))
        self.assertNotIn(self.product.id, [item['product_id'] for item in self._items(self.regular)])

    def test_discover_popularity(self):
        """A customer with sale orders gets the product as a Discover item by its popularity:
        its buyers of the last 365 days (by day, as the engine counts) equal the raw tickets',
        out of every buyer the company ever had (customers and anonymous tickets)."""
        order = self.env['sale.order'].search([('company_id', '=', self.company.id), ('state', 'in', ('sale', 'done'))],
                                              limit=1)
        customer = order.partner_id.commercial_partner_id
        index = self.Recommendation._engine_figures(self.company, fields.Datetime.now())['index']
        recent = self._raw_buyers(fields.Date.to_string(datetime.now().date() - timedelta(days=365)))
        position = index.product_index([self.product.id])
        self.assertEqual(index.popularity[position].tolist(), [len(recent)])
        items = [item for item in self._items(customer) if item['product_id'] == self.product.id]
        self.assertEqual(index.buyer_total, len(set(index.customers.tolist()) | self._raw_buyers(tickets_only=True)))
        share = int(round(100.0 * len(recent) / index.buyer_total))
        self.assertEqual([(item['intent'], item['reason']) for item in items],
                         [('discover', 'Bought by %d %% of customers in the last year' % share)])
