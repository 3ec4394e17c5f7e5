from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .service_request_common import ServiceRequestCase


class TestServiceViews(ServiceRequestCase):
    """The request views render and read for a service user; the search filters select what
    they say; the smart buttons of the partner and the sale order count and open the requests."""

    def _view(self, view_type, user=None):
        return self.Request.sudo(user or self.owner).fields_view_get(view_type=view_type)

    def test_views_render_and_read(self):
        for view_type in ('kanban', 'tree', 'form', 'pivot', 'graph', 'search'):
            self.assertTrue(self._view(view_type)['arch'])
        kanban = etree.fromstring(self._view('kanban')['arch'])
        self.assertEqual(kanban.get('default_group_by'), 'stage_id')
        form = self._view('form')
        self.assertIn('message_ids', form['fields'])  # chatter
        self.assertIn('customer_orders_html', form['fields'])  # Customer 360 summary
        request = self._request()
        values = request.sudo(self.owner).read(list(form['fields']))[0]
        self.assertEqual(values['customer_stage'], 'prospect')
        action = self.env.ref('crm_erp_bridge.crm_erp_service_request_action')
        self.assertEqual(action.view_mode, 'kanban,tree,form,pivot,graph')
        # every stage is a column, also the empty ones
        groups = self.Request.sudo(self.owner).read_group([('id', '=', request.id)], ['stage_id'], ['stage_id'])
        self.assertEqual(len(groups), 5)
        menu = self.env.ref('crm_erp_bridge.crm_erp_service_request_menu_root')
        self.assertEqual(menu.groups_id, self.env.ref('crm_erp_bridge.group_crm_erp_service_user'))

    def test_search_filters(self):
        search = etree.fromstring(self._view('search')['arch'])

        def filtered(name, at='2025-12-01 13:00:00'):
            domain = safe_eval(search.xpath("//filter[@name='%s']" % name)[0].get('domain'), {'uid': self.owner.id})
            return self.Request.sudo(self.owner).with_context(crm_erp_service_now=at).search(
                domain + [('id', 'in', requests.ids)])
        mine = self._request()  # response deadline 12:00: overdue at 13:00
        unassigned = self._request(user_id=False, received='2025-12-01 12:00:00')
        answered = self._request(user_id=self.leader.id, date_first_response='2025-12-01 09:00:00')
        requests = mine | unassigned | answered
        self.assertEqual(filtered('my_requests'), mine)
        self.assertEqual(filtered('unassigned'), unassigned)
        self.assertEqual(filtered('overdue'), mine)
        self.assertEqual(filtered('open'), requests)

    def test_smart_buttons(self):
        order = self._order(self.customer, '2025-11-01', [(self.product_1, 1.0, 10.0)])
        self._request(sale_order_id=order.id)
        self._request(stage_id=self.stage['closed'].id, sale_order_id=order.id)
        self._request(received='2099-01-01 00:00:00')
        salesman = self._user('svc_view_salesman', self.company_a, 'sales_team.group_sale_salesman')
        order.user_id = salesman  # a salesman reads their own orders
        partner_form = self.env['res.partner'].sudo(salesman).fields_view_get(view_type='form')['arch']
        self.assertIn('action_open_service_requests', partner_form)
        order_form = self.env['sale.order'].sudo(salesman).fields_view_get(view_type='form')['arch']
        self.assertIn('action_open_service_requests', order_form)
        partner = self.customer.sudo(salesman).with_context(crm_erp_service_now='2025-12-01 13:00:00')
        self.assertEqual((partner.service_request_open_count, partner.service_request_overdue_count), (2, 1))
        self.assertEqual(order.sudo(salesman).service_request_count, 1)
        action = partner.action_open_service_requests()
        self.assertEqual(len(self.Request.sudo(salesman).search(action['domain'])), 3)
        action = order.sudo(salesman).action_open_service_requests()
        self.assertEqual(len(self.Request.sudo(salesman).search(action['domain'])), 2)
        self.assertEqual(action['context']['default_sale_order_id'], order.id)
