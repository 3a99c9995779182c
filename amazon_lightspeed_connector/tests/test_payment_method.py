"""The payment method, from Amazon to the Lightspeed sale.

A cash-on-delivery order placed in the Amazon simulator is imported with Orders API
2026-01-01, then with v0: both give the same Odoo order and the same Lightspeed sale, paid
with the payment type its mapping names. The mapping offers the values Amazon sends; rows
typed as free text before are brought to Amazon's spelling on upgrade.
"""

from odoo.tests import tagged

from .amazon_orders_common import AmazonOrdersFromSimulator
from .routing_common import RoutingCase
from .sales_common import LightspeedSales
from .simulators.amazon import line

CASH_PAYMENT_TYPE_ID = 1  # Lightspeed's built-in "Cash"


class Undo(Exception):
    """Raised to roll a savepoint back once its outcome is read."""


@tagged("post_install", "-at_install")
class TestPaymentMethodEitherVersion(AmazonOrdersFromSimulator, LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()
        self.read_orders_from_amazon_simulator(seed=5)
        self.cash = self.lightspeed.payment_type_ids.filtered(
            lambda p: p.lightspeed_id == str(CASH_PAYMENT_TYPE_ID)
        )
        self.cod_mapping = self.env["amazon.payment.mapping"].create(
            {
                "amazon_account_id": self.amazon.id,
                "payment_method": "CashOnDelivery",
                "lightspeed_payment_type_id": self.cash.id,
            }
        )

    def _import_and_send(self, version):
        """Import with ``version`` and send to Lightspeed: what Odoo and Lightspeed then hold.
        Both are undone afterwards, so the other version starts from the same state."""
        outcome = {}
        try:
            with self.env.cr.savepoint():
                self.amazon.orders_api_version = version
                self.run_import(advance=60)
                order = self.env["amazon.order"].search([("account_id", "=", self.amazon.id)])
                self.assertEqual(order.import_state, "imported", order.import_error)
                self.send()
                routed = order.routed_order_ids
                sale = self.assertLightspeedSaleCreated(routed)
                sale_order = order.sale_order_id
                outcome["odoo"] = {
                    "payment_method": order.payment_method,
                    "payment_mapping": order.payment_mapping_id,
                    "amount_total": sale_order.amount_total,
                    "lines": sorted(
                        (line.product_id.id, line.product_uom_qty, line.price_unit)
                        for line in sale_order.order_line
                    ),
                    "store": routed.warehouse_id,
                }
                outcome["lightspeed"] = {
                    "shop_register_employee": (sale.shop_id, sale.register_id, sale.employee_id),
                    "customer_id": sale.customer_id,
                    "total": sale.total,
                    # each sale line has its own id in Lightspeed: the rest must be equal
                    "lines": [
                        {k: v for k, v in sale_line.items() if k != "sale_line_id"}
                        for sale_line in sale.lines
                    ],
                    "payments": sale.payments,
                    "notes": sale.notes,
                    "completed": sale.completed,
                }
                raise Undo
        except Undo:  # pylint: disable=except-pass
            pass
        for sale in self.sim.sales():
            del self.sim.store.sales[sale.sale_id]
        return outcome

    def test_a_cash_on_delivery_order_is_the_same_order_and_sale_with_either_version(self):
        self.amazon_sim.add_order(
            [line("LTR-BELT", 2, "10.00")], payment_methods=("CashOnDelivery",)
        )
        with_2026 = self._import_and_send("2026-01-01")
        with_v0 = self._import_and_send("v0")
        self.assertEqual(with_2026["odoo"]["payment_method"], "CashOnDelivery")
        self.assertEqual(with_2026["odoo"]["payment_mapping"], self.cod_mapping)
        self.assertEqual(
            with_2026["lightspeed"]["payments"],
            [{"payment_type_id": CASH_PAYMENT_TYPE_ID, "amount": with_2026["lightspeed"]["total"]}],
        )
        self.assertIn(
            "Payment: Cash on delivery (COD)", with_2026["lightspeed"]["notes"]["InternalNote"]
        )
        self.assertEqual(with_v0["odoo"], with_2026["odoo"])
        self.assertEqual(with_v0["lightspeed"], with_2026["lightspeed"])

    def test_an_order_paid_otherwise_takes_the_default_payment_type_with_either_version(self):
        self.amazon_sim.add_order(
            [line("LTR-BELT", 1, "10.00")], payment_methods=("CreditCard", "GiftCertificate")
        )
        with_2026 = self._import_and_send("2026-01-01")
        with_v0 = self._import_and_send("v0")
        self.assertEqual(with_2026["odoo"]["payment_method"], "CreditCard")
        self.assertFalse(with_2026["odoo"]["payment_mapping"])
        self.assertEqual(
            with_2026["lightspeed"]["payments"][0]["payment_type_id"],
            int(self.payment_type.lightspeed_id),
        )
        self.assertIn("Payment: Credit card", with_2026["lightspeed"]["notes"]["InternalNote"])
        self.assertEqual(with_v0, with_2026)


@tagged("post_install", "-at_install")
class TestPaymentMappingValues(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def test_the_mapping_offers_the_values_amazon_sends(self):
        field = self.env["amazon.payment.mapping"]._fields["payment_method"]
        values = dict(field._description_selection(self.env))
        for documented in ("CashOnDelivery", "ConvenienceStore", "CreditCard", "Invoice", "Pix"):
            self.assertIn(documented, values)
        self.assertEqual(values["CashOnDelivery"], "Cash on delivery (COD)")

    def test_free_text_rows_are_brought_to_amazons_spelling_on_upgrade(self):
        types = self.lightspeed.payment_type_ids
        Mapping = self.env["amazon.payment.mapping"]
        rows = {}
        for value, payment_type in (
            ("COD", types[0]),  # the README's old example
            ("creditcard ", types[1]),
            ("CVS", types[2]),
            ("Paid by wire", types[3]),  # never sent by Amazon
            ("cash on delivery", types[4]),
        ):
            mapping = Mapping.create(
                {
                    "amazon_account_id": self.amazon.id,
                    "payment_method": "Other",
                    "lightspeed_payment_type_id": payment_type.id,
                }
            )
            self.env.cr.execute(
                "UPDATE amazon_payment_mapping SET payment_method = %s WHERE id = %s",
                (value, mapping.id),
            )
            rows[value] = mapping.id
        # a second "COD" spelling of a method the channel already maps
        self.env.cr.execute(
            "UPDATE amazon_payment_mapping SET payment_method = 'cod' WHERE id = %s",
            (rows["cash on delivery"],),
        )
        Mapping._upgrade_free_text_methods()
        after = {
            m.id: m.payment_method
            for m in Mapping.search([("amazon_account_id", "=", self.amazon.id)])
        }
        self.assertEqual(
            after,
            {
                rows["COD"]: "CashOnDelivery",
                rows["creditcard "]: "CreditCard",
                rows["CVS"]: "ConvenienceStore",
            },
        )
        logs = self.env["amazon.sync.log"].search(
            [("res_model", "=", "amazon.account"), ("res_id", "=", self.amazon.id)]
        )
        messages = " ".join(logs.mapped("message"))
        self.assertIn('"Paid by wire"', messages)
        self.assertIn("Amazon never sends that value", messages)
        self.assertIn('"cod"', messages)
        self.assertIn("maps that method already", messages)
