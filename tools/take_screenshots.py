#!/usr/bin/env python3
"""The README's screenshots, taken from a running demo (``tools/run_demo.py --port 8071``).

    python3 tools/take_screenshots.py --url http://127.0.0.1:8071 [--prepare] [--after-sale]

``--prepare`` presses the buttons a user would (Sync, Refresh stock, Import now, Send to
Lightspeed, Mark shipped, Read settlements) so the screens show real data. ``--after-sale`` then
plays, through the demo simulators' scenario controls (port 8703), what happens outside Odoo
after the sale: store staff tick Shipped in Lightspeed (one sale with its tracking line, one
without) and Amazon cancels two orders already in Lightspeed, one while the store has closed its
register (Lightspeed refuses that refund sale: the undo waits with Retry); one more order is
marked shipped in Odoo while Amazon loses its answer to the ship confirmation and cannot have
its packages read back (the confirmation's outcome is unknown); the connector's scheduled
actions read it (run at once), so the after-sale screens show what they really did.
It needs four orders sent to Lightspeed and not shipped: on a fresh demo it imports and sends
the orders its Amazon adds every five minutes until there are (about fifteen minutes); then it
waits the two minutes Amazon's search needs before an update shows. The Overview is taken
before the play (overview.png) and after it (overview-after-sale.png), a sent order
(routed-order.png, amazon-order.png) before it. Each screen is opened in headless Chromium
(1440x900) as admin and saved to docs/screenshots/<name>.png.
"""

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
ADDON = "amazon_lightspeed_connector"
DB = "alc_demo"
WIDTH, HEIGHT = 1440, 900
CONTROL_URL = ["http://127.0.0.1:8703"]  # the demo simulators' scenario controls (run_demo.py)
AMAZON_SEARCH_MARGIN = 130  # Amazon's order search ends two minutes before now
NEW_ORDERS_WAIT = 20 * 60  # the demo's Amazon adds an order every five minutes


class Odoo:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        reply = self.http.post(
            self.url + "/web/session/authenticate",
            json={"params": {"db": DB, "login": "admin", "password": "admin"}},
            timeout=60,
        ).json()
        if reply.get("error"):
            raise RuntimeError(reply["error"]["data"]["message"])
        self.session_id = self.http.cookies["session_id"]

    def call(self, model, method, *args, **kwargs):
        reply = self.http.post(
            self.url + "/web/dataset/call_kw",
            json={
                "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
            },
            timeout=300,
        ).json()
        if reply.get("error"):
            raise RuntimeError("%s.%s: %s" % (model, method, reply["error"]["data"]["message"]))
        return reply["result"]

    def ids(self, model, domain, **kwargs):
        return self.call(model, "search", domain, **kwargs)

    def read_one(self, model, domain, fields):
        ids = self.ids(model, domain, limit=1)
        return self.call(model, "read", ids, fields)[0] if ids else None


def prepare(odoo):
    """What a user would press, in order, so the screens show data. The channel is set to
    "Best store, else hold" first, as a user would in its form, so that the demo order no single
    store can fill (two WBT-BRN-42) waits in the Held Queue."""
    lightspeed = odoo.ids("lightspeed.account", [])
    amazon = odoo.ids("amazon.account", [])
    odoo.call("lightspeed.account", "action_sync_reference_data", lightspeed)
    odoo.call("lightspeed.account", "action_refresh_stock", lightspeed)
    bind_skus(odoo, amazon)
    odoo.call("amazon.account", "write", amazon, {"routing_mode": "queue"})
    import_route_and_send(odoo)
    sent = odoo.ids("amazon.routed.order", [("state", "=", "sent")], limit=1)
    if sent:
        shipment = {"tracking_number": "1Z999AA10123456784", "carrier_id": demo_carrier(odoo)}
        odoo.call("amazon.routed.order", "write", sent, shipment)
        odoo.call("amazon.routed.order", "action_mark_shipped", sent)
    try:
        odoo.call("amazon.account", "action_read_settlements", amazon)
    except RuntimeError as error:  # the screen then shows what there is
        print("settlements: %s" % error)


def import_route_and_send(odoo):
    odoo.call("amazon.account", "action_import_orders", odoo.ids("amazon.account", []))
    to_route = odoo.ids("amazon.order", [("routing_state", "=", "to_route")])
    if to_route:
        odoo.call("amazon.order", "action_route", to_route)
    to_send = odoo.ids("amazon.routed.order", [("state", "=", "to_send")])
    if to_send:
        odoo.call("amazon.routed.order", "action_send_to_lightspeed", to_send)


def run_cron(odoo, name):
    """Run one of the connector's scheduled actions now, as Settings > Scheduled Actions > Run
    Manually does."""
    data = odoo.call(
        "ir.model.data", "search_read", [("module", "=", ADDON), ("name", "=", name)], ["res_id"]
    )
    for _attempt in range(24):
        try:
            odoo.call("ir.cron", "method_direct_trigger", [data[0]["res_id"]])
            return
        except RuntimeError as error:  # the demo's cron worker runs it now: wait for its end
            if "currently being executed" not in str(error):
                raise
            time.sleep(5)


def control(action, **body):
    reply = requests.post(CONTROL_URL[0] + action, json=body, timeout=30)
    if reply.status_code != 204:
        raise RuntimeError("%s: %s %s" % (action, reply.status_code, reply.text[:300]))


def prepare_after_sale(odoo):
    """Store staff tick Shipped in Lightspeed on the order already marked shipped in Odoo (with
    its tracking line: confirmed to Amazon once) and on a sent one (without: flagged); Amazon
    cancels two more sent orders, one with a completed sale rung on a register the store closed
    before the connector undoes it: the connector reads them back, undoes the first sale and
    Lightspeed refuses the second's refund sale (the register is open again afterwards; if the
    first sale shared that register, its undo is retried, as a user would). One more sent order
    is marked shipped in Odoo and its confirmation's outcome left unknown."""
    shipped_in_odoo, no_tracking, cancelled, refused, unreadable = orders_for_after_sale(odoo)
    confirmation_outcome_unknown(odoo, unreadable)
    if shipped_in_odoo:
        control(
            "/ship-in-store",
            reference=shipped_in_odoo["name"],
            note="Tracking: 1Z999AA10123456784 UPS",
        )
    control("/ship-in-store", reference=no_tracking["name"], note="Left with the courier at 4 pm")
    for routed in (cancelled, refused):
        control("/cancel", order_id=routed["amazon_order_id"][1])
    run_cron(odoo, "ir_cron_lightspeed_read_sales_back")
    run_cron(odoo, "ir_cron_amazon_confirm_shipments")
    print("waiting %d s for Amazon's search to show the cancellations..." % AMAZON_SEARCH_MARGIN)
    time.sleep(AMAZON_SEARCH_MARGIN)
    # closed only now, so that the demo's own sends are not refused meanwhile
    control("/register", reference=refused["name"], open=False)
    try:
        odoo.call("amazon.account", "action_import_orders", odoo.ids("amazon.account", []))
        run_cron(odoo, "ir_cron_lightspeed_reverse_sales")
    finally:
        control("/register", reference=refused["name"], open=True)
    shared_register = odoo.ids(
        "amazon.sale.reversal",
        [("routed_order_id", "=", cancelled["id"]), ("state", "=", "error")],
    )
    if shared_register:
        odoo.call("amazon.sale.reversal", "action_retry", shared_register)


def demo_carrier(odoo):
    """The demo's first carrier: without one a ship confirmation is refused before any call
    (the demo maps none to Amazon's codes: it goes as "Other" with the carrier's name)."""
    return odoo.ids("delivery.carrier", [], limit=1)[0]


def confirmation_outcome_unknown(odoo, routed):
    """Mark ``routed`` shipped in Odoo while Amazon loses the answer to its ship confirmation
    and answers the read of its packages malformed (the scenario control): the first run of
    the confirmations leaves the outcome unknown, the next one cannot read it back."""
    control("/confirmation-unreadable", order_id=routed["amazon_order_id"][1])
    odoo.call(
        "amazon.routed.order",
        "write",
        [routed["id"]],
        {"tracking_number": "1Z999AA10123456785", "carrier_id": demo_carrier(odoo)},
    )
    odoo.call("amazon.routed.order", "action_mark_shipped", [routed["id"]])
    for _run in range(3):
        (state,) = odoo.call("amazon.routed.order", "read", [routed["id"]], ["confirmation_state"])
        if state["confirmation_state"] == "unknown":
            return
        run_cron(odoo, "ir_cron_amazon_confirm_shipments")
    raise RuntimeError("%s: confirmation %s, not unknown" % (routed["name"], state))


def orders_for_after_sale(odoo):
    """The order --prepare marked shipped in Odoo (or None) and four orders still sent: one to
    ship in the store, two to cancel, one of which has a completed sale (a refund sale, which a
    closed register refuses), one whose confirmation's outcome stays unknown. The demo starts
    with fewer and its Amazon adds an order every five minutes: import, route and send them
    until there are enough."""
    deadline = time.monotonic() + NEW_ORDERS_WAIT
    while True:
        in_lightspeed = odoo.call(
            "amazon.routed.order",
            "search_read",
            [("lightspeed_sale_id", "!=", False)],
            ["name", "amazon_order_id", "state", "lightspeed_sale_completed"],
            order="id",
        )
        sent = [r for r in in_lightspeed if r["state"] == "sent"]
        shipped = [r for r in in_lightspeed if r["state"] in ("shipped", "confirmed")]
        refusable = [r for r in sent[1:] if r["lightspeed_sale_completed"]]
        if len(sent) >= 4 and refusable:
            cancelled, unreadable = [r for r in sent[1:] if r != refusable[0]][:2]
            return (shipped or [None])[0], sent[0], cancelled, refusable[0], unreadable
        if time.monotonic() > deadline:
            raise RuntimeError(
                "--after-sale needs four orders sent to Lightspeed, not shipped, one of the last "
                "three with a completed sale; there are %d (run --prepare)" % len(sent)
            )
        print(
            "%d orders sent to Lightspeed: waiting for the demo's next Amazon order..." % len(sent)
        )
        time.sleep(60)
        import_route_and_send(odoo)


def bind_skus(odoo, amazon):
    """Bind each stocked product's internal reference as its Amazon SellerSKU (the demo leaves
    binding to the user), except one, so that one order shows an import error."""
    marketplace = "ATVPDKIKX0DER"
    bound = {o["seller_sku"] for o in odoo.call("amazon.offer", "search_read", [], ["seller_sku"])}
    products = odoo.call(
        "product.product", "search_read", [("default_code", "!=", False)], ["default_code"]
    )
    for product in products:
        sku = product["default_code"]
        if sku in bound or sku == "WOOL-SCARF":
            continue
        odoo.call(
            "amazon.offer",
            "create",
            {
                "account_id": amazon[0],
                "marketplace_id": marketplace,
                "seller_sku": sku,
                "product_id": product["id"],
            },
        )


def screens(odoo):
    """(file name, url path) of each main screen."""
    action = "/odoo/action-%s." % ADDON
    # a routed order in Lightspeed, not shipped yet: its form shows the sale, no error, and
    # nothing after the sale (no undo, not ticked Shipped in the store)
    routed = odoo.read_one(
        "amazon.routed.order",
        [("state", "=", "sent"), ("reversal_ids", "=", False), ("lightspeed_shipped", "=", False)],
        ["amazon_order_id"],
    ) or odoo.read_one(
        "amazon.routed.order", [("lightspeed_sale_id", "!=", False)], ["amazon_order_id"]
    )
    order_id = routed["amazon_order_id"][0] if routed else odoo.ids("amazon.order", [], limit=1)[0]
    after_sale = []
    undone = odoo.ids(
        "amazon.routed.order",
        [("state", "=", "cancelled"), ("reversal_ids.state", "=", "done")],
        limit=1,
    )
    if undone:
        after_sale.append(("overview-after-sale", action + "amazon_account_dashboard_action"))
        after_sale.append(
            (
                "cancelled-after-sale",
                action + "amazon_routed_order_action/%s" % undone[0],
                None,
                "reversal_ids",
            )
        )
        # as the Overview's figures open it: under the app's menus, after the Overview's crumb
        after_sale.append(
            (
                "undone-in-lightspeed",
                action
                + "amazon_account_dashboard_action/action-%s.amazon_sale_reversal_action" % ADDON,
            )
        )
    no_tracking = odoo.ids(
        "amazon.routed.order", [("state", "=", "sent"), ("lightspeed_shipped", "=", True)], limit=1
    )
    if no_tracking:
        after_sale.append(
            (
                "shipped-in-lightspeed",
                action + "amazon_routed_order_action/%s" % no_tracking[0],
                None,
                "lightspeed_shipped",
            )
        )
    unknown = odoo.ids("amazon.routed.order", [("confirmation_state", "=", "unknown")], limit=1)
    if unknown:
        after_sale.append(
            ("confirmation-outcome-unknown", action + "amazon_routed_order_action/%s" % unknown[0])
        )
    channel = odoo.ids("amazon.account", [], limit=1)[0]
    after_sale.append(
        (
            "channel-shipments-marked",
            action + "amazon_account_action/%s" % channel,
            "routing",
            "shipment_source",
        )
    )
    return after_sale + [
        ("overview", action + "amazon_account_dashboard_action"),
        ("amazon-orders", action + "amazon_order_action"),
        ("amazon-order", action + "amazon_order_action/%s" % order_id),
        ("routed-order", action + "amazon_routed_order_action/%s" % routed["id"]),
        ("held-queue", action + "amazon_routed_order_held_action"),
        ("shipments", action + "amazon_routed_order_shipments_action"),
        ("settlements", action + "amazon_settlement_action"),
        ("sync-log", action + "amazon_sync_log_action"),
        ("sku-bindings", action + "amazon_offer_action"),
    ]


class Chromium:
    def __init__(self, port=9333):
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        self.profile = tempfile.mkdtemp(prefix="alc-shots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--remote-debugging-port=%d" % port,
                "--remote-allow-origins=*",
                "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (WIDTH, HEIGHT),
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                pages = requests.get("http://127.0.0.1:%d/json" % port, timeout=1).json()
                target = next(p for p in pages if p["type"] == "page")
                break
            except (requests.RequestException, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=120)
        self.next_id = 0
        self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def shoot(self, url, path, page=None, field=None):
        self.send("Page.navigate", url=url)
        # the web client has drawn its view and has no pending request
        for _ in range(120):
            time.sleep(0.5)
            ready = self.evaluate(
                "!!document.querySelector('.o_action_manager .o_view_controller, "
                ".o_action_manager .o_form_view') && !document.querySelector('.o_loading')"
            )
            if ready:
                break
        if page:  # a notebook page of the form: click its tab
            self.evaluate("document.querySelector('a.nav-link[name=\"%s\"]').click()" % page)
            time.sleep(1)
        if field:  # what the screenshot is about is lower on the form: scroll it to the middle
            self.evaluate(
                "document.querySelector('.o_form_view [name=\"%s\"]')"
                ".scrollIntoView({block: 'center'})" % field
            )
        time.sleep(2)  # charts and fonts
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)


def take(odoo, url, wanted):
    """Open each screen whose name ``wanted`` accepts and save it."""
    OUT.mkdir(parents=True, exist_ok=True)
    browser = Chromium()
    try:
        host = url.split("//", 1)[1].split(":")[0]
        browser.send("Network.enable")
        browser.send(
            "Network.setCookie", name="session_id", value=odoo.session_id, domain=host, path="/"
        )
        for name, path, *where in screens(odoo):
            if wanted(name):
                browser.shoot(url + path, OUT / ("%s.png" % name), *where)
                print("docs/screenshots/%s.png" % name)
    finally:
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8071")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--after-sale", action="store_true")
    parser.add_argument("--control", default=CONTROL_URL[0], help="the scenario controls' URL")
    parser.add_argument("--only", nargs="*", help="screen names to take (default: all)")
    args = parser.parse_args()
    odoo = Odoo(args.url)
    if args.prepare:
        prepare(odoo)

    def wanted(name):
        return not args.only or name in args.only

    before = set()
    if args.after_sale:
        # as they were before: overview-after-sale shows the Overview after, and the routed order
        # shown sent, with Mark shipped, may be one the play ships or cancels
        before = {"overview", "amazon-order", "routed-order"}
        take(odoo, args.url, lambda name: name in before and wanted(name))
        CONTROL_URL[0] = args.control
        prepare_after_sale(odoo)
    take(odoo, args.url, lambda name: name not in before and wanted(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
