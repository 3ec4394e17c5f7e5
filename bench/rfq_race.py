"""Two buyers pressing *Create RFQs for shortfall* at the same moment, over real XML-RPC.

    python bench/rfq_race.py DB [--url URL] [--tries 10]

Without --url it starts a server on DB (tests/browser.py's OdooServer: threaded, so the two
requests run in parallel). For each entry point (the RPC method, the server action, the
pipeline demand report's button, pressed in the web client: JSON-RPC, as the report's row ids
pass XML-RPC's 32-bit integers), without a draft RFQ of the vendor, with one holding 4 units
of the product, and with one holding another of its products, `tries` rounds: two clients,
each its own connection, released by one barrier. A round is right when the
vendor has one open RFQ for the warehouse, ordering the shortfall (10 units) once, and neither
client saw a fault. Prints a markdown table. The records it creates are removed (the run lock
rows too, through PostgreSQL)."""
import argparse
import os
import sys
import threading
import time
import uuid
import xmlrpc.client

import psycopg2
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRY_POINTS = ('rpc', 'server_action', 'report')
SHORTFALL = 10.0


class RfqRace:
    """A new vendor's product, short by SHORTFALL units in the main warehouse (a quotation,
    no stock), and the two-client rounds on it."""

    def __init__(self, url, db, login='admin', password='admin'):
        self.url, self.db, self.password = url, db, password
        self.uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(db, login, password, {})
        self.web_sessions = [self.web_login(login, password) for _client in range(2)]
        tag = uuid.uuid4().hex[:8]
        self.vendor = self.call('res.partner', 'create', {'name': 'Race Vendor %s' % tag, 'supplier': True})
        self.customer = self.call('res.partner', 'create', {'name': 'Race Customer %s' % tag, 'customer': True})
        self.unit = self.call('ir.model.data', 'xmlid_to_res_id', 'product.product_uom_unit')
        self.product, self.other = (self.call('product.product', 'create', {
            'name': 'Race %s %s' % (name, tag), 'type': 'product', 'uom_id': self.unit, 'uom_po_id': self.unit,
            'seller_ids': [(0, 0, {'name': self.vendor, 'price': 5.0, 'delay': 1})]}) for name in ('P', 'O'))
        company = self.call('res.users', 'read', [self.uid], ['company_id'])[0]['company_id'][0]
        warehouse = self.call('stock.warehouse', 'search_read', [('company_id', '=', company)], ['in_type_id'],
                              limit=1)[0]
        self.receipts = warehouse['in_type_id'][0]
        self.quotation = self.call('sale.order', 'create', {
            'partner_id': self.customer, 'warehouse_id': warehouse['id'],
            'order_line': [(0, 0, {'product_id': self.product, 'product_uom_qty': SHORTFALL, 'price_unit': 1.0})]})
        self.action = self.call('ir.model.data', 'xmlid_to_res_id',
                                'crm_erp_bridge.product_product_action_create_shortfall_rfqs')
        self.report_rows = [row['id'] for row in self.web(0, '/web/dataset/search_read', {
            'model': 'crm.erp.pipeline.demand.report', 'domain': [('product_id', '=', self.product)],
            'fields': ['id']})['records']]

    def web_login(self, login, password):
        session = requests.Session()
        session.post(self.url + '/web/session/authenticate', json={
            'jsonrpc': '2.0', 'params': {'db': self.db, 'login': login, 'password': password}}).raise_for_status()
        return session

    def web(self, client, route, params):
        """A JSON-RPC call of the web client on client's session; a fault as xmlrpc.client.Fault."""
        answer = self.web_sessions[client].post(self.url + route, json={'jsonrpc': '2.0', 'params': params}).json()
        if 'error' in answer:
            raise xmlrpc.client.Fault(1, answer['error']['data']['message'])
        return answer['result']

    def call(self, model, method, *args, **kwargs):
        """One XML-RPC call on its own connection (a ServerProxy is not for two threads)."""
        proxy = xmlrpc.client.ServerProxy(self.url + '/xmlrpc/2/object', allow_none=True)
        return proxy.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def press(self, entry, client):
        if entry == 'rpc':
            return self.call('product.product', 'create_shortfall_rfqs', [self.product])
        if entry == 'server_action':
            return self.call('ir.actions.server', 'run', [self.action], context={
                'active_model': 'product.product', 'active_id': self.product, 'active_ids': [self.product]})
        return self.web(client, '/web/dataset/call_button', {
            'model': 'crm.erp.pipeline.demand.report', 'method': 'action_create_shortfall_rfqs',
            'args': [self.report_rows]})

    def round(self, entry, draft):
        """(open RFQs of the vendor, units of the product on them, faults, seconds) after two
        clients pressed at once (draft: the vendor has a draft RFQ with 4 units of the product
        ('same') or one of the other product ('other') before)."""
        if draft:
            self.call('purchase.order', 'create', {
                'partner_id': self.vendor, 'picking_type_id': self.receipts,
                'order_line': [(0, 0, {'product_id': self.product if draft == 'same' else self.other, 'name': 'Race',
                                       'product_qty': 4.0, 'product_uom': self.unit, 'price_unit': 5.0,
                                       'date_planned': '2030-01-01 00:00:00'})]})
        barrier = threading.Barrier(2)
        faults = []

        def client(index):
            barrier.wait()
            try:
                self.press(entry, index)
            except xmlrpc.client.Fault as fault:
                faults.append(fault.faultString.strip().splitlines()[-1])
        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        orders = self.call('purchase.order', 'search', [
            ('partner_id', '=', self.vendor), ('picking_type_id', '=', self.receipts),
            ('state', 'in', ['draft', 'sent', 'to approve'])])
        lines = self.call('purchase.order.line', 'search_read', [
            ('order_id', 'in', orders), ('product_id', '=', self.product)], ['product_qty'])
        self.remove_rfqs()
        return len(orders), sum(line['product_qty'] for line in lines), faults, seconds

    def remove_rfqs(self):
        orders = self.call('purchase.order', 'search', [('partner_id', '=', self.vendor)])
        if orders:
            self.call('purchase.order', 'write', orders, {'state': 'cancel'})  # button_cancel returns None
            self.call('purchase.order', 'unlink', orders)

    def cleanup(self):
        self.remove_rfqs()
        self.call('sale.order', 'unlink', [self.quotation])
        self.call('product.product', 'unlink', [self.product, self.other])
        self.call('res.partner', 'unlink', [self.vendor, self.customer])
        with psycopg2.connect(dbname=self.db, host=os.environ.get('PGHOST', '127.0.0.1'),
                              port=int(os.environ.get('PGPORT', 54329)), user=os.environ.get('PGUSER', 'odoo')) as cnx:
            with cnx.cursor() as cr:
                cr.execute("DELETE FROM crm_erp_run_lock WHERE name LIKE %s", ['shortfall_rfq:%%:%d:%%' % self.vendor])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('db')
    parser.add_argument('--url', help='a running server (default: start one on DB)')
    parser.add_argument('--tries', type=int, default=10)
    parser.add_argument('--entries', default=','.join(ENTRY_POINTS), help='default: %(default)s')
    args = parser.parse_args()
    server = None
    if not args.url:
        sys.path.insert(0, os.path.join(ROOT, 'tests'))
        from browser import OdooServer
        server = OdooServer(args.db)
    try:
        race = RfqRace(args.url or server.url, args.db)
        print('| entry point | draft RFQ of the vendor before | right rounds | RFQs per round | units per round (need %g) '
              '| client faults | seconds per round (median) |' % SHORTFALL)
        print('|---|---|---|---|---|---|---|')
        try:
            for entry in args.entries.split(','):
                for draft in (None, 'same', 'other'):
                    rounds = [race.round(entry, draft) for _try in range(args.tries)]
                    right = sum(1 for rfqs, qty, faults, _seconds in rounds
                                if (rfqs, qty, faults) == (1, SHORTFALL, []))
                    faults = sorted({fault for _rfqs, _qty, round_faults, _s in rounds for fault in round_faults})
                    seconds = sorted(round_[3] for round_ in rounds)[len(rounds) // 2]
                    print('| %s | %s | %d of %d | %s | %s | %s | %.2f |' % (
                        entry, {None: 'none', 'same': '4 of the product', 'other': 'another product'}[draft],
                        right, len(rounds),
                        ', '.join(str(round_[0]) for round_ in rounds),
                        ', '.join('%g' % round_[1] for round_ in rounds), '; '.join(faults) or 'none', seconds))
                    sys.stdout.flush()
        finally:
            race.cleanup()
    finally:
        if server:
            server.stop()


if __name__ == '__main__':
    main()
