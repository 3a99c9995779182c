"""Serve both demo simulators on loopback until interrupted.

    python3 -m amazon_lightspeed_connector.tests.simulators.serve
    python3 -m amazon_lightspeed_connector.tests.simulators.serve --amazon-port 0 \
        --lightspeed-port 0

Amazon SP-API (with its LWA token endpoint) and Lightspeed Retail (with its OAuth endpoint)
each get one port on 127.0.0.1, run on the wall clock, and start from the demo shop of
``demo_catalogue``: the demo accounts of the addon point at the default ports. New Amazon
orders keep arriving while it runs. Port 0 picks a free port; the chosen URLs are printed.

``--control-port`` adds a third loopback port where a script plays what people do outside the
connector (``tools/take_screenshots.py`` uses it): ``POST /ship-in-store`` ``{"reference":
"<sale referenceNumber>", "note": "Tracking: ..."}`` (store staff tick Shipped in Lightspeed),
``POST /cancel`` ``{"order_id": "...", "sku": "..."}`` (Amazon cancels the order, or that item),
``POST /register`` ``{"reference": "<sale referenceNumber>", "open": false}`` (store staff close,
or open, the register that sale was rung on), ``POST /confirmation-unreadable`` ``{"order_id":
"..."}`` (Amazon records the order's next ship confirmation but its answer is lost, and its next
read of the order's packages comes back malformed: the connector cannot tell whether Amazon has
the package).
"""

# pylint: disable=print-used
# a command-line tool: it prints the URLs it serves

import argparse
import contextlib
import json
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from . import demo_catalogue
from .amazon import AmazonSimulator
from .core import SystemClock
from .http_server import LOOPBACK, SimulatorServer, _QuietServer
from .lightspeed import LightspeedSimulator


def _port_of(url):
    return urlsplit(url).port


def start_demo_servers(amazon_port=None, lightspeed_port=None):
    """Start both simulators on loopback; return (amazon_server, lightspeed_server)."""
    clock = SystemClock()
    amazon = AmazonSimulator.demo(clock=clock)
    lightspeed = LightspeedSimulator.demo(clock=clock)
    if amazon_port is None:
        amazon_port = _port_of(demo_catalogue.AMAZON_DEMO_URL)
    if lightspeed_port is None:
        lightspeed_port = _port_of(demo_catalogue.LIGHTSPEED_DEMO_URL)
    amazon_server = SimulatorServer(amazon, port=amazon_port).start()
    # python-amazon-sp-api sends a Host header cut from its https:// endpoint: document URLs
    # must be built from the address we really serve on.
    amazon.public_base_url = amazon_server.url
    lightspeed_server = SimulatorServer(lightspeed, port=lightspeed_port).start()
    return amazon_server, lightspeed_server


def _ship_in_store(amazon, lightspeed, body):
    with lightspeed.lock:
        sale = next(s for s in lightspeed.sales(body["reference"]) if not s.voided)
        lightspeed.ship_in_store(sale.sale_id, body.get("note"))


def _cancel(amazon, lightspeed, body):
    with amazon.lock:
        if body.get("sku"):
            amazon.cancel_item(body["order_id"], body["sku"])
        else:
            amazon.cancel_order(body["order_id"])


def _register(amazon, lightspeed, body):
    with lightspeed.lock:
        sale = next(iter(lightspeed.sales(body["reference"])))
        lightspeed.set_register_open(sale.register_id, bool(body["open"]))


def _confirmation_unreadable(amazon, lightspeed, body):
    order_id = body["order_id"]
    with amazon.lock:
        if order_id not in amazon.orders:
            raise KeyError(order_id)
        order_path = re.escape("/orders/%s/" % order_id)
        amazon.faults.add("lost_response", method="POST", path=order_path + "shipmentConfirmation$")
        # what getOrder (2026-01-01) would never answer: packages that are not a list
        amazon.faults.add(
            "malformed",
            method="GET",
            path=order_path[:-1] + "$",
            payload={"order": {"packages": 7}},
        )


CONTROLS = {
    "/ship-in-store": _ship_in_store,
    "/cancel": _cancel,
    "/register": _register,
    "/confirmation-unreadable": _confirmation_unreadable,
}


def start_control_server(port, amazon, lightspeed):
    """The scenario controls on a loopback port (see the module's docstring)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                CONTROLS[self.path](amazon, lightspeed, json.loads(self.rfile.read(length)))
            except (KeyError, StopIteration, ValueError) as exc:
                self.send_error(400, "%s: %s" % (type(exc).__name__, exc))
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass

    server = _QuietServer((LOOPBACK, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--amazon-port", type=int, default=None)
    parser.add_argument("--lightspeed-port", type=int, default=None)
    parser.add_argument("--control-port", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        servers = start_demo_servers(args.amazon_port, args.lightspeed_port)
    except OSError as exc:
        print("could not start the simulators: %s (is a demo already running?)" % exc)
        return 1
    amazon_server, lightspeed_server = servers
    print("Amazon SP-API simulator:      %s" % amazon_server.url, flush=True)
    print("Lightspeed Retail simulator:  %s" % lightspeed_server.url, flush=True)
    control = None
    if args.control_port is not None:
        control = start_control_server(args.control_port, amazon_server.app, lightspeed_server.app)
        print("Scenario controls:            http://%s:%d" % control.server_address[:2], flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for server in servers:
        server.stop()
    if control is not None:
        control.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
