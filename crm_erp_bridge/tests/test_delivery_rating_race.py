from .concurrency_common import ConcurrentCase


class TestDeliveryRatingRace(ConcurrentCase):
    """The same delivery validated by two real parallel transactions (XML-RPC's entry, a cursor
    each, real commits): one validation wins, the other meets its writes and Odoo runs it again
    on the done delivery; the customer gets one rating email and one rating token
    (docs/service-requests.md, "Rating after a delivery")."""

    CONTEXT = {'tracking_disable': True}

    def _setup(self, env):
        company = env.ref('base.main_company')
        self.was_on = company.delivery_rating_request
        company.delivery_rating_request = True
        partner = env['res.partner'].create({'name': 'Race rated customer', 'email': 'race@rated.example',
                                             'customer': True})
        product = env['product.product'].create({'name': 'Race rated product', 'type': 'consu'})
        order = env['sale.order'].create({
            'partner_id': partner.id, 'company_id': company.id,
            'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': 2.0, 'price_unit': 5.0,
                                   'product_uom': product.uom_id.id, 'name': product.name})]})
        order.action_confirm()
        for move in order.picking_ids.move_lines:
            move.quantity_done = move.product_uom_qty
        self.ids = {'company': company.id, 'partner': partner.id, 'product': product.id, 'order': order.id,
                    'pickings': order.picking_ids.ids}

    def _cleanup(self, env):
        """Removes what the test committed (also what an interrupted run left)."""
        env.ref('base.main_company').delivery_rating_request = self.was_on
        cr = env.cr
        partners = env['res.partner'].with_context(active_test=False).search([('name', '=', 'Race rated customer')])
        orders = env['sale.order'].search([('partner_id', 'in', partners.ids)])
        pickings = orders.mapped('picking_ids').ids
        for model, res_ids in (('stock.picking', pickings), ('sale.order', orders.ids)):
            # mail_mail and mail_notification rows go with their messages (ON DELETE CASCADE)
            cr.execute('DELETE FROM mail_message WHERE model = %s AND res_id = ANY(%s)', [model, res_ids])
            cr.execute('DELETE FROM mail_followers WHERE res_model = %s AND res_id = ANY(%s)', [model, res_ids])
            cr.execute('DELETE FROM rating_rating WHERE res_model = %s AND res_id = ANY(%s)', [model, res_ids])
        # a done delivery cannot be deleted through the ORM: its rows go in SQL
        cr.execute('DELETE FROM stock_move_line WHERE picking_id = ANY(%s)', [pickings])
        cr.execute('DELETE FROM stock_move WHERE picking_id = ANY(%s)', [pickings])
        cr.execute('DELETE FROM stock_picking WHERE id = ANY(%s)', [pickings])
        cr.execute('DELETE FROM procurement_group WHERE sale_id = ANY(%s)', [orders.ids])
        env['sale.order'].invalidate_cache()
        orders.action_cancel()
        orders.unlink()
        partners.unlink()
        env['product.product'].with_context(active_test=False).search([('name', '=', 'Race rated product')]).unlink()

    def test_two_validations_at_once_ask_once(self):
        self.commit(self._setup)
        self.addCleanup(self.commit, self._cleanup)
        picking_ids = self.ids['pickings']
        self.assertEqual(len(picking_ids), 1)
        outcomes = self.race(*[lambda: self.execute('stock.picking', 'action_done', picking_ids)] * 2)
        self.assertNoError(outcomes)
        with self.rolled_back() as env:
            picking = env['stock.picking'].browse(picking_ids)
            self.assertEqual(picking.state, 'done')
            self.assertTrue(picking.rating_request_date)
            self.assertEqual(len(picking.rating_ids), 1)
            mails = env['mail.mail'].search([('model', '=', 'stock.picking'), ('res_id', '=', picking.id),
                                             ('body_html', 'ilike', '/rating/')])
            self.assertEqual(len(mails), 1)
            self.assertEqual(mails.recipient_ids.ids, [self.ids['partner']])
