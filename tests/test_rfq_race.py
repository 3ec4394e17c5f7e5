"""Two clients pressing Create RFQs for shortfall at the same moment, over real XML-RPC against
the test server (threaded: both requests run in parallel), through the RPC method and the
server action, with no draft RFQ of the vendor or one holding the product or another one: one RFQ, the shortfall ordered
once, no fault for either client. The longer run (10 of 10, every entry point) is
bench/rfq_race.py; its figures are in bench/RESULTS.md."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'bench'))
from rfq_race import SHORTFALL, RfqRace  # noqa: E402

ROUNDS = 3


def test_two_clients_at_once(odoo_server, test_database):
    race = RfqRace(odoo_server.url, test_database)
    try:
        for entry in ('rpc', 'server_action'):
            for draft in (None, 'same', 'other'):
                for _round in range(ROUNDS):
                    rfqs, qty, faults, _seconds = race.round(entry, draft)
                    assert (rfqs, qty, faults) == (1, SHORTFALL, []), (entry, draft)
    finally:
        race.cleanup()
