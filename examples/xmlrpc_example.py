"""The addon's XML-RPC API with Python's own xmlrpc.client (docs/api.md).

    python examples/xmlrpc_example.py [URL [DATABASE [LOGIN [PASSWORD]]]]

Defaults: the demo server of `make run` (http://127.0.0.1:8069, database crm_erp_bridge,
admin/admin). Reads only: Customer 360 profiles, recommendations, products bought together,
pipeline demand and the availability of a quotation, then shows the fault a bad id gets.
"""
import sys
import xmlrpc.client


def main(url='http://127.0.0.1:8069', database='crm_erp_bridge', login='admin', password='admin'):
    uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(database, login, password, {})
    models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object', allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(database, uid, password, model, method, list(args), kwargs)

    # Customer 360: one profile per id, in the order given, in the current company's currency
    # the three customers with the highest revenue in the current company (the stored figures)
    rows = call('crm.erp.partner.stats', 'search_read', [('sale_order_count', '>', 0)], ['partner_id'],
                limit=3, order='sale_revenue desc, id')
    partner_ids = [row['partner_id'][0] for row in rows]
    for profile in call('res.partner', 'get_customer_360', partner_ids):
        print('customer %(id)d %(name)s: stage %(customer_stage)s, segment %(rfm_segment)s, '
              '%(sale_order_count)d orders, revenue %(sale_revenue).2f %(currency)s, '
              'predicted 12 months %(clv_predicted_12m).2f' % profile)

    # Recommendations: best first, each with its intent (reorder / discover), reason and stock
    for row in call('res.partner', 'get_recommendations', partner_ids[:1], 3):
        for item in row['items']:
            print('recommend to %d: %s (%s%s, score %.3f, %s; free %.1f)'
                  % (row['partner_id'], item['product'], item['intent'], ', due' if item['due'] else '',
                     item['score'], item['reason'], item['free_qty']))

    # Products bought together with the most sold product of the first customer
    top = call('res.partner', 'get_customer_360', partner_ids[:1])[0]['top_products']
    product_ids = [product['product_id'] for product in top[:1]]
    for row in call('product.product', 'get_frequently_bought_together', product_ids, limit=3):
        for item in row['items']:
            print('bought with %d: product %d in %d orders (confidence %.2f, lift %.2f)'
                  % (row['product_id'], item['product_id'], item['pair_count'], item['confidence'], item['lift']))

    # Pipeline demand vs stock over the next 8 weeks
    for product in call('product.product', 'get_pipeline_demand', product_ids, False, 8):
        print('demand of %(product_id)d: %(demand_qty).1f quoted, %(weighted_qty).1f weighted, '
              '%(free_qty).1f free, %(incoming_qty).1f incoming, short %(shortfall_qty).1f' % product)

    # Availability of a quotation's lines (a quotation is only checked, nothing is reserved)
    quotation_ids = call('sale.order', 'search', [('state', '=', 'draft')], limit=1, order='id')
    for line in call('sale.order', 'check_availability', quotation_ids):
        print('quotation %(order_id)d line %(order_line_id)d: needs %(needed_qty).1f, '
              'forecast %(forecast_qty).1f, %(status)s' % line)

    # Bad input: a clear fault (code 2: UserError), nothing written
    try:
        call('res.partner', 'get_customer_360', [999999999])
    except xmlrpc.client.Fault as fault:
        print('fault %d: %s' % (fault.faultCode, fault.faultString))


if __name__ == '__main__':
    main(*sys.argv[1:])
