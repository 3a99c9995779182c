"""The Lightspeed sales fixture: the channel's Lightspeed defaults (employee "Amazon Orders",
payment type "Amazon Payment") and a Lightspeed client on the simulator's clock, so pacing
waits cost simulated seconds only; helpers that read the sales the simulator holds."""

from unittest.mock import patch

from ..models.lightspeed_account import LightspeedAccount
from ..models.lightspeed_account_after_sale import READ_BACK_CRON
from .clock_clients import lightspeed_client_on_clock
from .common import run_with_cron_progress
from .simulators.lightspeed.scenario import DEMO_EMPLOYEE_ID, DEMO_PAYMENT_TYPE_ID


class LightspeedSales:
    """Fixtures and helpers of the sales sent to the demo shop, for a RoutingCase."""

    def use_lightspeed_sale_defaults(self):
        """The channel sells as ``self.employee``, paid with ``self.payment_type``; every
        Lightspeed client runs on the simulator's clock."""
        self.employee = self.lightspeed.employee_ids.filtered(
            lambda e: e.lightspeed_id == str(DEMO_EMPLOYEE_ID)
        )
        self.payment_type = self.lightspeed.payment_type_ids.filtered(
            lambda p: p.lightspeed_id == str(DEMO_PAYMENT_TYPE_ID)
        )
        self.amazon.write(
            {
                "default_employee_id": self.employee.id,
                "default_payment_type_id": self.payment_type.id,
            }
        )
        clock = self.sim.clock
        patcher = patch.object(
            LightspeedAccount,
            "_lightspeed_client",
            lambda account: lightspeed_client_on_clock(account, clock),
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        self.Routed = self.env["amazon.routed.order"]

    def send(self):
        """One run of the scheduled action."""
        return self.Routed._cron_send_to_lightspeed()

    def read_back(self):
        """One run of the read back of the connector's sales, a minute later, as the cron
        worker runs it: (sales handled, accounts with more to read now)."""
        self.sim.clock.advance(60)
        Account = self.env["lightspeed.account"]
        return run_with_cron_progress(Account, READ_BACK_CRON, "_cron_read_sales_back")

    def sale_of(self, routed):
        """The one simulator sale holding the routed order's reference."""
        sales = self.sim.sales(routed.name)
        self.assertEqual(len(sales), 1, "exactly one Lightspeed sale for %s" % routed.name)
        return sales[0]

    def assertLightspeedSaleCreated(self, routed):
        """The routed order is sent, as exactly one Lightspeed sale whose id it keeps; returns
        that sale."""
        self.assertEqual(routed.state, "sent", routed.error_message)
        sale = self.sale_of(routed)
        self.assertEqual(routed.lightspeed_sale_id, str(sale.sale_id))
        return sale

    def lines_of(self, sale):
        """{customSku or note: (quantity, unit price, discount)} of a simulator sale."""
        return {
            line["custom_sku"] or "charge": (line["quantity"], line["unit_price"], line["discount"])
            for line in sale.lines
        }

    def local_qoh(self, store, sku):
        """Lightspeed's qoh of the item in the store, as the last stock refresh read it."""
        row = self.env["lightspeed.stock"].search(
            [("warehouse_id", "=", store.id), ("product_id", "=", self.products[sku].id)]
        )
        return row.qoh if row else 0

    def available(self, store, sku):
        """What routing may still give from the store: on hand minus what orders reserve."""
        product = self.products[sku]
        return self.env["lightspeed.stock"]._available(store, product)[store.id].get(product.id, 0)

    def sales_log(self):
        return self.env["amazon.sync.log"].search([("flow", "=", "lightspeed")])
