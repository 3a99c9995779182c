"""One Odoo cron worker for the drills: a real process that the drill may kill at any moment.

    python3 drills/worker.py CONFIG_JSON DBNAME --cycles 3 [--jobs import,route,send]
    python3 drills/worker.py CONFIG_JSON DBNAME --setup SETUP_JSON
    python3 drills/worker.py CONFIG_JSON DBNAME --mark-shipped AMAZON_ORDER_ID

It loads the registry of DBNAME like an Odoo server does, prints READY, then runs the
connector's scheduled actions in their production order, each in its own transaction, as many
cycles as asked. It runs the actions' server actions directly rather than through
``ir.cron.method_direct_trigger``, whose row lock would keep a second worker from running the
same job at all: the drills want two workers inside the same job to prove the connector's own
locking. ``--setup`` points the demo channel at the drill's simulators and exits;
``--mark-shipped`` presses Mark shipped on an order's parts in Lightspeed, as a person would
on the Shipments screen, and exits.
"""

import argparse
import faulthandler
import json
import signal
import sys

# The connector's scheduled actions, by short name, in the order a real day runs them.
JOBS = {
    "stock": "amazon_lightspeed_connector.ir_cron_lightspeed_refresh_stock",
    "import": "amazon_lightspeed_connector.ir_cron_amazon_import_orders",
    "route": "amazon_lightspeed_connector.ir_cron_amazon_route_orders",
    "send": "amazon_lightspeed_connector.ir_cron_lightspeed_send_sales",
    # after the sale: shipments the stores ticked, the ship confirmations to Amazon, voids and
    # refund sales in Lightspeed, settlement reports (their refunds: credit notes, restocking)
    "readback": "amazon_lightspeed_connector.ir_cron_lightspeed_read_sales_back",
    "confirm": "amazon_lightspeed_connector.ir_cron_amazon_confirm_shipments",
    "reverse": "amazon_lightspeed_connector.ir_cron_lightspeed_reverse_sales",
    "settle": "amazon_lightspeed_connector.ir_cron_amazon_settlements",
}
DEFAULT_JOBS = "stock,import,route,send"


def load_registry(config, dbname):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [
            "--addons-path=%s" % config["addons_path"],
            "--data-dir=%s" % config["data_dir"],
            *config["db_args"],
            "-d",
            dbname,
            "--log-level=warn",
        ]
    )
    return Registry(dbname)


def environment(cr):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, {})


def run_job(registry, name):
    """Run one scheduled action's code in its own transaction; False when it does not exist."""
    with registry.cursor() as cr:
        env = environment(cr)
        if name == "import":
            # The import's scheduled action skips a channel until its interval (15 minutes by
            # default) has passed since the last run; a drill cycle takes seconds, so it calls
            # what the action calls for a channel that is due.
            env["amazon.account"].search([("import_enabled", "=", True)])._import_orders()
            return True
        cron = env.ref(JOBS[name], raise_if_not_found=False)
        if cron is None:
            return False
        action = cron.ir_actions_server_id.with_user(cron.user_id)
        action.with_context(lastcall=cron.lastcall).run()
        return True


def setup(registry, settings):
    """Point the demo channel at the simulators and open the import window."""
    with registry.cursor() as cr:
        env = environment(cr)
        amazon = env.ref("amazon_lightspeed_connector.demo_amazon_account")
        lightspeed = env.ref("amazon_lightspeed_connector.demo_lightspeed_account")
        amazon.write(settings["amazon"])
        lightspeed.write(settings["lightspeed"])
        if settings.get("settlement"):
            amazon._fill_dedicated_accounts()  # the fee accounts settlements book on


def mark_shipped(registry, amazon_order_id):
    """Mark shipped in Odoo every part of the order still in Lightspeed, unshipped."""
    with registry.cursor() as cr:
        env = environment(cr)
        order = env["amazon.order"].search([("name", "=", amazon_order_id)])
        parts = order.routed_order_ids.filtered(lambda r: r.state == "sent")
        # the carrier the person picks on the Shipments screen (Amazon needs one)
        carrier = env["amazon.carrier.mapping"].search(
            [("amazon_account_id", "=", order.account_id.id)], limit=1
        ).carrier_id or env["delivery.carrier"].search([], limit=1)
        for part in parts:
            part.write({"tracking_number": "1ZODOO%08d" % part.id, "carrier_id": carrier.id})
        parts.action_mark_shipped()
        return len(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", help="JSON: addons_path, data_dir, db_args")
    parser.add_argument("dbname")
    parser.add_argument("--cycles", type=int, default=1)
    parser.add_argument("--jobs", default=DEFAULT_JOBS)
    parser.add_argument("--setup", help="JSON of account values to write, then exit")
    parser.add_argument("--mark-shipped", help="an Amazon order id to mark shipped, then exit")
    args = parser.parse_args(argv)
    # A drill that waits too long on this worker asks it where it is (drills/processes.py).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    registry = load_registry(json.loads(args.config), args.dbname)
    print("READY", flush=True)
    if args.setup:
        setup(registry, json.loads(args.setup))
        print("SETUP DONE", flush=True)
        return 0
    if args.mark_shipped:
        print("MARKED %d" % mark_shipped(registry, args.mark_shipped), flush=True)
        return 0
    for cycle in range(1, args.cycles + 1):
        for name in args.jobs.split(","):
            print("JOB %s start" % name, flush=True)
            ran = run_job(registry, name)
            print("JOB %s %s" % (name, "done" if ran else "missing"), flush=True)
        print("CYCLE %d done" % cycle, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
