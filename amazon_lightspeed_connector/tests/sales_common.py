"""Set-up for the Lightspeed sales tests: the routing set-up (stores A, B, C, every demo SKU
bound) plus the channel's Lightspeed defaults (employee "Amazon Orders", payment type "Amazon
Payment"), and a Lightspeed client on the simulator's clock, so pacing waits cost simulated
seconds only."""

from unittest.mock import patch

from ..lib.lightspeed import LightspeedClient
from ..models.lightspeed_account import LightspeedAccount
from ..models.lightspeed_token_store import OdooTokenStore
from .routing_common import RoutingCase
from .simulators.lightspeed.scenario import DEMO_EMPLOYEE_ID, DEMO_PAYMENT_TYPE_ID


class SalesCase(RoutingCase):
    def setUp(self):
        super().setUp()
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
        sim = self.sim

        def client_on_sim_clock(account):
            account = account.sudo()
            return LightspeedClient(
                account.account_number,
                account.client_id,
                account.client_secret,
                OdooTokenStore(account, clock=sim.clock.now),
                api_url=account.api_url,
                token_url=account.token_url,
                clock=sim.clock,
                bucket_share=account.bucket_share or 1.0,
            )

        patcher = patch.object(LightspeedAccount, "_lightspeed_client", client_on_sim_clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.Routed = self.env["amazon.routed.order"]

    # --- helpers ----------------------------------------------------------------------------

    def send(self):
        """One run of the scheduled action."""
        return self.Routed._cron_send_to_lightspeed()

    def sale_of(self, routed):
        """The one simulator sale holding the routed order's reference."""
        sales = self.sim.sales(routed.name)
        self.assertEqual(len(sales), 1, "exactly one Lightspeed sale for %s" % routed.name)
        return sales[0]

    def lines_of(self, sale):
        """{customSku or note: (quantity, unit price, discount)} of a simulator sale."""
        return {
            line["custom_sku"] or "charge": (line["quantity"], line["unit_price"], line["discount"])
            for line in sale.lines
        }

    def local_qoh(self, store, sku):
        row = self.env["lightspeed.stock"].search(
            [("warehouse_id", "=", store.id), ("product_id", "=", self.products[sku].id)]
        )
        return row.qoh if row else 0

    def sales_log(self):
        return self.env["amazon.sync.log"].search([("flow", "=", "lightspeed")])
