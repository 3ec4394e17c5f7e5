from odoo.exceptions import AccessError, UserError

from .common import PosTicketsCase


class TestPosUiBatch(PosTicketsCase):
    """The till's batch is checked before Odoo's sync reads it (crm_erp_bridge_pos/ui_batch.py):
    a malformed batch gets a UserError naming what is wrong, a record of another company or a
    session the user may not read an AccessError, and nothing is written; the web client's own
    payload (its dates as JSON writes them) syncs as before. Over XML-RPC:
    tests/test_hostile_input_channels.py."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env['product.product'].create({'name': 'POS batch service', 'type': 'service',
                                                         'taxes_id': [(5, 0, 0)]})
        cls.customer = cls.env['res.partner'].create({'name': 'POS batch customer', 'customer': True,
                                                      'company_id': False})
        cls.company_b = cls.env['res.company'].create({'name': 'POS batch B'})
        cls.cashier = cls.env['res.users'].create({
            'name': 'POS batch cashier', 'login': 'pos_batch_cashier', 'company_id': cls.company.id,
            'company_ids': [(6, 0, cls.company.ids)],
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id, cls.env.ref('point_of_sale.group_pos_user').id])]})

    def _valid(self):
        return self._ticket(self.customer, '2025-06-01 10:00:00', [(self.product, 1.0, 5.0, 0.0)])

    def _changed(self, **data):
        ticket = self._valid()
        ticket['data'].update(data)
        return [ticket]

    def _refused(self, error, batch, words, user=None):
        Order = self.env['pos.order'].sudo(user) if user else self.env['pos.order']
        count = self.env['pos.order'].search_count([])
        with self.assertRaises(error) as caught:
            Order.create_from_ui(batch)
        self.assertTrue(any(word in caught.exception.name for word in words), caught.exception.name)
        self.assertEqual(self.env['pos.order'].search_count([]), count, 'nothing written')

    def test_malformed_batches(self):
        for batch, words in [
                ({'data': {}}, ['orders']), ('x', ['orders']), ([1], ['orders[0]']),
                ([{'to_invoice': False}], ['data']),
                (self._changed(partner_id='7'), ['partner_id']), (self._changed(lines='x'), ['lines']),
                (self._changed(lines=[[0, 0, {'product_id': self.product.id, 'qty': 'x', 'price_unit': 1}]]),
                 ['qty']),
                (self._changed(amount_total=None), ['amount_total']), (self._changed(creation_date='x'),
                                                                       ['creation_date']),
                (self._changed(pos_session_id=2 ** 31 - 1), ['pos_session_id']),
                (self._changed(statement_ids=[[0, 0, {'amount': 1.0}]]), ['statement_ids'])]:
            with self.subTest(batch=repr(batch)[:80]):
                self._refused(UserError, batch, words)

    def test_other_company_records_and_sessions(self):
        partner_b = self.env['res.partner'].create({'name': 'POS batch B customer', 'company_id': self.company_b.id})
        product_b = self.product.copy({'company_id': self.company_b.id})
        self._refused(AccessError, self._changed(partner_id=partner_b.id), ['partner_id'])
        line_b = [[0, 0, {'product_id': product_b.id, 'qty': 1.0, 'price_unit': 5.0, 'discount': 0.0}]]
        self._refused(AccessError, self._changed(lines=line_b), ['product_id'])
        # the shop of another company (moved there by hand): its session is not the cashier's
        self.env.cr.execute("UPDATE pos_config SET company_id = %s WHERE id = %s", [self.company_b.id, self.config.id])
        self.env['pos.config'].invalidate_cache()
        with self.assertRaises(AccessError):
            self.env['pos.order'].sudo(self.cashier).create_from_ui([self._valid()])

    def test_no_rights(self):
        nobody = self.env['res.users'].create({'name': 'POS batch nobody', 'login': 'pos_batch_nobody',
                                               'groups_id': [(6, 0, [self.env.ref('base.group_user').id])]})
        with self.assertRaises(AccessError):
            self.env['pos.order'].sudo(nobody).create_from_ui([self._valid()])

    def test_web_client_payload_syncs(self):
        """The cashier's batch with the web client's JSON date syncs and counts."""
        ticket = self._valid()
        ticket['data']['creation_date'] = '2025-06-01T10:00:00.000Z'
        ids = self.env['pos.order'].sudo(self.cashier).create_from_ui([ticket])
        order = self.env['pos.order'].browse(ids)
        self.assertEqual((order.state, order.partner_id, order.date_order), ('paid', self.customer,
                                                                             '2025-06-01 10:00:00'))
        self.assertEqual(self.env['pos.order'].create_from_ui([]), [])
