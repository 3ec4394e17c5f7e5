"""The addon's API through OdooRPC (JSON-RPC), as an integrator's script would use it
(docs/api.md).

    python examples/odoorpc_example.py [URL [DATABASE [LOGIN [PASSWORD]]]]

Defaults: the demo server of `make run`. Reads only, like xmlrpc_example.py: model methods are
called on the model (`env['res.partner'].get_customer_360(ids)`), actions on records.
"""
import sys
import urllib.parse

import odoorpc


def main(url='http://127.0.0.1:8069', database='crm_erp_bridge', login='admin', password='admin'):
    address = urllib.parse.urlsplit(url)
    odoo = odoorpc.ODOO(address.hostname, port=address.port or 80, timeout=120)
    odoo.login(database, login, password)
    Partner = odoo.env['res.partner']

    # the three customers with the highest revenue in the current company (the stored figures)
    rows = odoo.env['crm.erp.partner.stats'].search_read([('sale_order_count', '>', 0)], ['partner_id'],
                                                         limit=3, order='sale_revenue desc, id')
    partner_ids = [row['partner_id'][0] for row in rows]
    for profile in Partner.get_customer_360(partner_ids):
        print('customer %(id)d %(name)s: stage %(customer_stage)s, segment %(rfm_segment)s, '
              '%(sale_order_count)d orders, revenue %(sale_revenue).2f %(currency)s, '
              'predicted 12 months %(clv_predicted_12m).2f' % profile)

    # An action on records returns the window action the button would open
    action = Partner.browse(partner_ids[0]).action_open_customer_orders()
    print('orders action: %s on %s, domain %s' % (action['type'], action['res_model'], action['domain']))

    for row in Partner.get_recommendations(partner_ids[:1], limit=3):
        for item in row['items']:
            print('recommend to %d: %s (%s%s, score %.3f, %s; free %.1f)'
                  % (row['partner_id'], item['product'], item['intent'], ', due' if item['due'] else '',
                     item['score'], item['reason'], item['free_qty']))

    try:
        Partner.get_recommendations(partner_ids[:1], limit=500)
    except odoorpc.error.RPCError as error:
        print('error: %s' % str(error).strip())  # Odoo 11 ends a UserError's message with a newline


if __name__ == '__main__':
    main(*sys.argv[1:])
