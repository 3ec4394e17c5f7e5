"""Debian's headless chromium driven over the DevTools protocol, and an Odoo server for it.

Used by the browser tests: nothing here downloads a browser."""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import requests
import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--no-first-run',
                  '--remote-debugging-port=0', '--remote-allow-origins=*', '--window-size=1400,900']


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout, message):
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    raise TimeoutError(message)


class OdooServer:
    """`scripts/odoo` serving one database on a free loopback port: threaded by default; with
    workers, prefork (that many HTTP workers, a longpolling process on another free port)."""

    def __init__(self, database, workers=0, max_cron_threads=0, log_level='warn', extra_args=()):
        self.database = database
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.longpolling_url = None
        self.log = tempfile.NamedTemporaryFile(prefix='odoo-server-', suffix='.log', delete=False)
        args = [os.path.join(ROOT, 'scripts', 'odoo'), '-d', database, '--db-filter=^%s$' % database,
                '--http-port=%d' % self.port, '--workers=%d' % workers,
                '--max-cron-threads=%d' % max_cron_threads, '--log-level=' + log_level, *extra_args]
        if workers:
            longpolling_port = free_port()
            self.longpolling_url = 'http://127.0.0.1:%d' % longpolling_port
            args.append('--longpolling-port=%d' % longpolling_port)
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            # a loaded machine (CI, parallel test runs) may take minutes to load the registry
            wait_until(self._answers, 600, 'Odoo did not start; log: %s' % self.log.name)
        except Exception:
            self.stop()  # no fixture teardown runs for a server that never started
            raise

    def _answers(self):
        try:
            requests.get(self.url + '/web/login', timeout=(2, 120))  # the first request loads the registry
            return True  # any HTTP answer: the server is up
        except (requests.ConnectionError, requests.ReadTimeout):
            if self.process.poll() is not None:
                raise RuntimeError('Odoo exited; log: %s' % self.log.name)
            return False

    def session(self, login='admin', password='admin'):
        """A requests session logged in through Odoo's JSON authentication route."""
        session = requests.Session()
        response = session.post(self.url + '/web/session/authenticate', json={
            'jsonrpc': '2.0', 'params': {'db': self.database, 'login': login, 'password': password}})
        response.raise_for_status()
        assert response.json()['result']['uid'], response.text
        return session

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Chromium:
    """One headless chromium page; records JavaScript exceptions and console errors."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix='chromium-')
        self.process = subprocess.Popen(
            ['chromium', *CHROMIUM_FLAGS, '--user-data-dir=' + self.profile, 'about:blank'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, 'DevToolsActivePort')
        wait_until(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30,
                   'chromium did not open its DevTools port')
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen('http://127.0.0.1:%d/json/list' % port))
        page = next(t for t in targets if t['type'] == 'page')
        self.socket = websocket.create_connection(page['webSocketDebuggerUrl'], timeout=60)
        self.next_id = 0
        self.errors = []
        for domain in ('Page', 'Runtime', 'Network'):
            self.send(domain + '.enable')

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({'id': self.next_id, 'method': method, 'params': params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get('id') == self.next_id:
                if 'error' in message:
                    raise RuntimeError('%s: %s' % (method, message['error']))
                return message.get('result', {})
            self._record(message)

    def _record(self, event):
        if event.get('method') == 'Runtime.exceptionThrown':
            self.errors.append(event['params']['exceptionDetails'].get('exception', {}).get('description'))
        elif event.get('method') == 'Runtime.consoleAPICalled' and event['params']['type'] == 'error':
            self.errors.append(' '.join(str(arg.get('value', arg.get('description')))
                                        for arg in event['params']['args']))

    def set_cookies(self, url, cookies):
        for name, value in cookies.items():
            self.send('Network.setCookie', name=name, value=value, url=url)

    def evaluate(self, expression):
        result = self.send('Runtime.evaluate', expression=expression, returnByValue=True)
        return result.get('result', {}).get('value')

    def open(self, url, ready_expression, timeout=90):
        """Navigates and waits until ready_expression (JavaScript) is truthy. A URL that differs
        only in its #fragment would not reload the page, and the previous view would satisfy
        ready_expression at once: leave the page first."""
        self.send('Page.navigate', url='about:blank')
        wait_until(lambda: self.evaluate("location.href") == 'about:blank', timeout, 'about:blank not reached')
        self.send('Page.navigate', url=url)
        wait_until(lambda: self.evaluate(ready_expression), timeout, 'page not ready: %s' % url)

    def set_viewport(self, width, height):
        """The page's size, as a laptop's screen shows it (the window stays as it is)."""
        self.send('Emulation.setDeviceMetricsOverride', width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def screenshot(self, path):
        data = self.send('Page.captureScreenshot', format='png')['data']
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as image:
            image.write(base64.b64decode(data))
        return path

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(20)
        shutil.rmtree(self.profile, ignore_errors=True)
