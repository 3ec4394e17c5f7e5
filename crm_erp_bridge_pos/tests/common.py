from odoo import fields
from odoo.tests.common import SavepointCase


def ticket_payload(env, config, session, sequence, partner, when, lines, pricelist, prefix='00777-001'):
    """The till's payload of a paid ticket (as the point of sale's JavaScript sends it) number
    sequence of session: lines [(product, qty, unit price, discount %)], no taxes, paid in full in
    the shop's first payment method."""
    uid = '%s-%04d' % (prefix, sequence)
    total = sum(qty * price * (1 - discount / 100.0) for _product, qty, price, discount in lines)
    return {'id': uid, 'to_invoice': False, 'data': {
        'name': 'Order ' + uid, 'uid': uid, 'sequence_number': sequence, 'creation_date': when,
        'pos_session_id': session.id, 'user_id': env.uid, 'partner_id': partner.id if partner else False,
        'pricelist_id': pricelist.id, 'fiscal_position_id': False,
        'amount_paid': total, 'amount_total': total, 'amount_tax': 0.0, 'amount_return': 0.0,
        'lines': [[0, 0, {'id': index + 1, 'product_id': product.id, 'qty': qty, 'price_unit': price,
                          'discount': discount, 'pack_lot_ids': [], 'tax_ids': [(6, 0, [])]}]
                  for index, (product, qty, price, discount) in enumerate(lines)],
        'statement_ids': [[0, 0, {'journal_id': config.journal_ids[0].id, 'amount': total,
                                  'name': fields.Datetime.now(), 'statement_id': session.statement_ids[0].id,
                                  'account_id': env.user.partner_id.property_account_receivable_id.id}]]}}


class PosTicketsCase(SavepointCase):
    """Tests through Odoo's own point of sale flow: a session of the demo shop opened in the
    class setup, tickets synced as the till does (create_from_ui), sale orders confirmed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.user.company_id
        cls.config = cls.env.ref('point_of_sale.pos_config_main')
        cls.config.open_session_cb()
        cls.session = cls.config.current_session_id
        cls.pricelist = cls.config.pricelist_id
        cls.sequence = 0

    @classmethod
    def _sale_order(cls, partner, day, lines, pricelist=None):
        order = cls.env['sale.order'].create({
            'partner_id': partner.id, 'company_id': cls.company.id, 'pricelist_id': (pricelist or cls.pricelist).id,
            'date_order': day + ' 10:00:00',
            'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': qty, 'price_unit': price,
                                   'product_uom': product.uom_id.id, 'name': product.name, 'tax_id': [(5, 0, 0)]})
                           for product, qty, price in lines]})
        order.action_confirm()
        return order

    @classmethod
    def _ticket(cls, partner, when, lines, pricelist=None):
        """The till's payload of a paid ticket (ticket_payload) in the class's session."""
        cls.sequence += 1
        return ticket_payload(cls.env, cls.config, cls.session, cls.sequence, partner, when, lines,
                              pricelist or cls.pricelist)

    @classmethod
    def _sync(cls, tickets):
        return cls.env['pos.order'].browse(cls.env['pos.order'].create_from_ui(tickets))
