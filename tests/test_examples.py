"""The API examples of docs/api.md (examples/) run against a test server: what they print is
what the API returns (checked with calls of the test's own)."""
import os
import subprocess
import sys
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(name, odoo_server, test_database):
    result = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', name), odoo_server.url, test_database,
                             'admin', 'admin'], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def api(odoo_server, test_database):
    uid = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/common').authenticate(
        test_database, 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(odoo_server.url + '/xmlrpc/2/object', allow_none=True)
    return lambda model, method, *args, **kwargs: models.execute_kw(
        test_database, uid, 'admin', model, method, list(args), kwargs)


def profile_line(profile):
    return ('customer %(id)d %(name)s: stage %(customer_stage)s, segment %(rfm_segment)s, '
            '%(sale_order_count)d orders, revenue %(sale_revenue).2f %(currency)s, '
            'predicted 12 months %(clv_predicted_12m).2f' % profile)


def top_customers(call):
    """The examples' three customers with the highest revenue, their profiles and the lines
    the examples print for them."""
    partner_ids = [row['partner_id'][0] for row in call(
        'crm.erp.partner.stats', 'search_read', [('sale_order_count', '>', 0)], ['partner_id'],
        limit=3, order='sale_revenue desc, id')]
    profiles = call('res.partner', 'get_customer_360', partner_ids)
    assert len(profiles) == 3
    return partner_ids, profiles, [profile_line(profile) for profile in profiles]


def recommendation_lines(call, partner_id):
    return ['recommend to %d: %s (%s%s, score %.3f, %s; free %.1f)'
            % (partner_id, item['product'], item['intent'], ', due' if item['due'] else '', item['score'],
               item['reason'], item['free_qty'])
            for item in call('res.partner', 'get_recommendations', [partner_id], 3)[0]['items']]


def test_xmlrpc_example(odoo_server, test_database):
    output = run_example('xmlrpc_example.py', odoo_server, test_database)
    call = api(odoo_server, test_database)
    partner_ids, profiles, expected = top_customers(call)
    expected += recommendation_lines(call, partner_ids[0])
    product_id = profiles[0]['top_products'][0]['product_id']
    expected += ['bought with %d: product %d in %d orders (confidence %.2f, lift %.2f)'
                 % (product_id, item['product_id'], item['pair_count'], item['confidence'], item['lift'])
                 for item in call('product.product', 'get_frequently_bought_together', [product_id], 3)[0]['items']]
    demand, = call('product.product', 'get_pipeline_demand', [product_id], False, 8)
    expected.append('demand of %(product_id)d: %(demand_qty).1f quoted, %(weighted_qty).1f weighted, '
                    '%(free_qty).1f free, %(incoming_qty).1f incoming, short %(shortfall_qty).1f' % demand)
    quotation_ids = call('sale.order', 'search', [('state', '=', 'draft')], limit=1, order='id')
    lines = call('sale.order', 'check_availability', quotation_ids)
    assert lines
    expected += ['quotation %(order_id)d line %(order_line_id)d: needs %(needed_qty).1f, '
                 'forecast %(forecast_qty).1f, %(status)s' % line for line in lines]
    expected.append('fault 2: partner_ids: no record with id 999999999.')
    assert output == expected


def test_odoorpc_example(odoo_server, test_database):
    output = run_example('odoorpc_example.py', odoo_server, test_database)
    call = api(odoo_server, test_database)
    partner_ids, _profiles, expected = top_customers(call)
    action = call('res.partner', 'action_open_customer_orders', [partner_ids[0]])
    expected.append('orders action: %s on %s, domain %s' % (action['type'], action['res_model'], action['domain']))
    expected += recommendation_lines(call, partner_ids[0])
    expected.append('error: limit must be a whole number from 1 to 100.')
    assert output == expected
