"""The listings push fixture, for the inventory and price push tests: the routing channel's
SP-API is the Amazon simulator served in process, with a USD pricelist."""

from contextlib import contextmanager
from unittest.mock import patch

from .simulators.amazon import AmazonSimulator
from .simulators.amazon.testing import demo_client
from .simulators.core import ManualClock
from .simulators.demo_catalogue import AMAZON_DEMO
from .simulators.transport import in_process

US = AMAZON_DEMO["marketplace_id"]
CA = "A2EUQ1WTGCTBG2"


class ListingsPush:
    """Fixtures and helpers of pushing listings to the Amazon simulator, for a RoutingCase."""

    def open_listings_push(self):
        """``self.amazon_sim`` holds the demo offers; the channel pushes to it with
        ``self.pricelist``; ``self.offers``: {SKU: offer}."""
        self.amazon_sim = AmazonSimulator(clock=ManualClock(), seed=8)
        self.amazon_sim.add_demo_offers()
        self.pricelist = self.env["product.pricelist"].create(
            {
                "name": "Amazon US",
                "currency_id": self.env.ref("base.USD").id,
                "company_id": self.company.id,
            }
        )
        self.amazon.write(
            {
                "endpoint_url": AmazonSimulator.SP_API_URL,
                "lwa_endpoint_url": AmazonSimulator.LWA_URL + "/auth/o2/token",
                "listings_pricelist_id": self.pricelist.id,
                "listings_push_enabled": True,
            }
        )
        self.offers = {o.seller_sku: o for o in self.amazon_offers()}
        patcher = patch.object(
            type(self.env["amazon.account"]), "_listings_client", lambda account: self.new_client()
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def new_client(self):
        """A client on the simulator's clock: pacing waits cost simulated seconds only."""
        return demo_client(self.amazon_sim.clock, self.amazon._marketplace_list())

    def amazon_offers(self):
        return self.env["amazon.offer"].search([("account_id", "=", self.amazon.id)])

    @contextmanager
    def amazon_served(self):
        with in_process(self.amazon_sim.routes()):
            yield

    def push(self, advance=5):
        """One push run against the Amazon simulator; its clock moves on a little first."""
        self.amazon_sim.clock.advance(advance)
        with self.amazon_served():
            return self.amazon._push_listings()

    def patches(self, via="api"):
        """{SKU: patches} Amazon accepted or refused by ``via`` ("api" or a feed)."""
        return [p for p in self.amazon_sim.listing_patches if p.via.startswith(via)]

    def sent_quantities(self, since=0):
        return {
            p.sku: p.patches[0]["value"][0]["quantity"]
            for p in self.amazon_sim.listing_patches[since:]
            if p.patches[0]["path"].endswith("fulfillment_availability")
        }

    def set_store_qoh(self, sku, store, qoh):
        """Change a store's stock in Lightspeed, then read it the way the refresh does."""
        self.sim.clock.advance(60)
        self.sim.set_qoh(sku, int(store.lightspeed_shop_id), qoh)
        self.refresh_stock()

    def listings_logs(self, level=None):
        domain = [("flow", "=", "listings")]
        if level:
            domain.append(("level", "=", level))
        return self.env["amazon.sync.log"].search(domain)
