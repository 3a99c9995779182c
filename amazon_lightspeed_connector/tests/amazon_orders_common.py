"""The Amazon orders fixture: the routing channel reads its orders from the Amazon simulator, so
orders arrive, get their sale order, partners and routed orders exactly as in production."""

from datetime import datetime, timedelta, timezone

from odoo import fields

from .simulators.amazon import AmazonSimulator
from .simulators.amazon.testing import demo_client
from .simulators.core import ManualClock
from .simulators.transport import in_process


class AmazonOrdersFromSimulator:
    """Fixtures and helpers of orders read from the Amazon simulator, for a RoutingCase."""

    def read_orders_from_amazon_simulator(self, seed):
        """``self.amazon_sim`` (random ``seed``) serves the channel's orders since a day ago."""
        self.amazon_sim = AmazonSimulator(clock=ManualClock(), seed=seed)
        started = datetime.fromtimestamp(self.amazon_sim.clock.now(), tz=timezone.utc)
        self.amazon.write(
            {
                "endpoint_url": AmazonSimulator.SP_API_URL,
                "lwa_endpoint_url": AmazonSimulator.LWA_URL + "/auth/o2/token",
                "import_from": (started - timedelta(days=1)).replace(tzinfo=None),
            }
        )

    def run_import(self, account=None, advance=120):
        """One import run of the channel against the simulator (the clock moves on first)."""
        client = demo_client(self.amazon_sim.clock)
        self.amazon_sim.clock.advance(advance)
        with client, in_process(self.amazon_sim.routes()):
            return (account or self.amazon)._import_orders(client=client)

    def amazon_order(self, sim_order):
        return self.env["amazon.order"].search(
            [("account_id", "=", self.amazon.id), ("name", "=", sim_order.order_id)]
        )

    def ship(self, *sim_orders):
        """Amazon marks the orders shipped; the next import reads it."""
        self.amazon_sim.clock.advance(600)
        for sim_order in sim_orders:
            self.amazon_sim.set_status(sim_order.order_id, "Shipped")
            for order_line in sim_order.lines:
                order_line.quantity_shipped = order_line.quantity
        self.run_import()

    def age(self, order, days):
        """Pretend the order shipped or was cancelled ``days`` ago."""
        order.shipped_or_cancelled_date = fields.Datetime.now() - timedelta(days=days)

    def erase(self):
        return self.env["amazon.order"]._cron_erase_personal_data()
