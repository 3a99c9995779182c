"""What tests and the demo do to the simulated Lightspeed account, without going through HTTP.

Seed the account (shops, registers, employees, payment types, items and stock, customers),
act as the store (sell or count stock at the counter, close a register, let other apps drain
the bucket) and inspect what the connector did (sales with their lines, payments, ship-to and
notes; qoh per shop; tokens issued and revoked; bucket level). ``demo()`` builds the shared demo
shop of demo_catalogue; ``generate()`` builds large deterministic accounts for load tests.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from .. import demo_catalogue
from . import records
from .sales import update_sale
from .state import AGGREGATE_SHOP, render_contact

# The demo account's fixed ids, for data/demo.xml and tests. Payment types 1-6 are Lightspeed's
# built-in ones (the recordings show credit cards as 3 and debit as 6).
DEMO_OWNER_EMPLOYEE_ID = 1
DEMO_EMPLOYEE_ID = 2  # "Amazon Orders"
DEMO_PAYMENT_TYPE_ID = 7  # "Amazon Payment"
DEMO_TAX_CATEGORY_ID = 1  # 0%: Amazon collects and remits the sales tax as marketplace facilitator
BUILT_IN_PAYMENT_TYPES = (
    (1, "Cash", "cash"),
    (2, "Check", "check"),
    (3, "Credit Card", "credit card"),
    (4, "Credit Account", "credit account"),
    (5, "Gift Card", "gift card"),
    (6, "Debit Card", "credit card"),
)


@dataclass
class SaleSnapshot:
    """A sale as the store staff would see it, in plain Python types."""

    sale_id: int
    completed: bool
    voided: bool
    archived: bool
    reference_number: str
    reference_number_source: str
    shop_id: int
    register_id: int
    employee_id: int
    customer_id: int
    total: Decimal
    balance: Decimal
    lines: list = field(default_factory=list)  # dicts: item_id, custom_sku, quantity, unit_price
    payments: list = field(default_factory=list)  # dicts: payment_type_id, amount
    ship_to: dict = None  # the rendered ShipTo with its Contact, or None
    notes: dict = field(default_factory=dict)  # InternalNote / PrintedNote -> text


class LightspeedScenario:
    """Mixed into LightspeedSimulator; expects ``self.store``, ``self.oauth``, ``self.bucket``."""

    # --- seeding --------------------------------------------------------------------------------

    def add_tax_category(self, name, rate, tax_category_id=None):
        return int(
            records.new_tax_category(self.store, name, rate, tax_category_id)["taxCategoryID"]
        )

    def add_shop(
        self,
        name,
        shop_id=None,
        tax_category_id=0,
        allow_negative_inventory=None,
        address=None,
        phone=None,
        email=None,
    ):
        """A shop; ``allow_negative_inventory`` None follows the account setting."""
        shop = records.new_shop(
            self.store,
            name,
            shop_id,
            tax_category_id,
            allow_negative=allow_negative_inventory,
            contact=_contact(address, phone, email),
        )
        return int(shop["shopID"])

    def add_register(self, shop_id, name="Register 1", register_id=None, is_open=True):
        return int(
            records.new_register(self.store, shop_id, name, register_id, is_open)["registerID"]
        )

    def set_register_open(self, register_id, is_open):
        register = self.store.registers[int(register_id)]
        register["open"] = "true" if is_open else "false"
        register["openTime"] = self.store.now() if is_open else ""
        self.store.changed()

    def add_employee(self, first_name, last_name="", employee_id=None, email=None, phone=None):
        contact = _contact(None, phone, email)
        employee = records.new_employee(
            self.store, first_name, last_name, employee_id, contact=contact
        )
        return int(employee["employeeID"])

    def add_payment_type(self, name, kind="user defined", payment_type_id=None, **options):
        record = records.new_payment_type(self.store, name, kind, payment_type_id, **options)
        return int(record["paymentTypeID"])

    def add_item(self, description, price, custom_sku="", upc="", qoh=None, **options):
        """An item; ``qoh`` maps shopID to quantity on hand."""
        item = records.new_item(self.store, description, price, custom_sku, upc, qoh=qoh, **options)
        return int(item["itemID"])

    def add_customer(self, first_name, last_name="", email=None, phone=None, address=None):
        contact = _contact(address, phone, email)
        customer = records.new_customer(self.store, first_name, last_name, contact=contact)
        return int(customer["customerID"])

    def set_negative_inventory(self, allowed, shop_id=None):
        """Account-wide, or for one shop (None there means: follow the account)."""
        if shop_id is None:
            self.store.allow_negative_inventory = bool(allowed)
        else:
            self.store.shops[int(shop_id)]["_allow_negative"] = allowed
        self.store.changed()

    # --- the store acting at the counter ------------------------------------------------------

    def item_record(self, ref):
        """An item by itemID (int) or by customSku / UPC / system SKU (str)."""
        if isinstance(ref, int):
            return self.store.items[ref]
        for item in self.store.items.values():
            if item["customSku"] == ref:
                return item
        found = self.store.find_item(ref)
        if found is None:
            raise KeyError("No item %r" % (ref,))
        return found

    def set_qoh(self, ref, shop_id, qoh):
        """A stock count at the store; bumps the Item's and ItemShop's timeStamp."""
        self.store.set_stock(self.item_record(ref), int(shop_id), qoh)

    def sell_at_store(self, ref, shop_id, units=1):
        """A walk-in customer bought ``units`` at the counter (no sale record is kept)."""
        self.store.change_stock(self.item_record(ref), int(shop_id), -int(units))

    def ship_in_store(self, sale_id, note=None):
        """Store staff tick Shipped under Inventory > Shipping, typing ``note`` (the tracking
        number, say) in the shipment notes, which then replace the ones the sale came with.

        Guess (the docs do not say): the change moves the Sale's timeStamp as well as the
        ShipTo's, as a PUT of the Sale with a nested ShipTo does; the sale stays open if it was.
        """
        sale = self.store.sales[int(sale_id)]
        ship_to = self.store.ship_tos.get(int(sale["shipToID"]))
        if ship_to is None:
            raise ValueError("Sale %s has no ShipTo: nothing to ship" % sale_id)
        ship_to["shipped"] = "true"
        if note is not None:
            ship_to["shipNote"] = note
        ship_to["timeStamp"] = sale["timeStamp"] = self.store.now()
        self.store.changed()

    def void_in_store(self, sale_id):
        """A person voids the sale at the register (stock comes back if it was completed)."""
        update_sale(self.store, self.store.sales[int(sale_id)], {"voided": True})

    def other_apps_spend(self, units):
        """The retailer's other apps used ``units`` of the shared bucket just now."""
        self.bucket.add_external(units)

    def set_other_apps_rate(self, units_per_second):
        """Other apps keep spending this many units a second until told otherwise."""
        self.bucket.set_background_rate(units_per_second)

    # --- inspection -----------------------------------------------------------------------------

    def qoh(self, ref, shop_id):
        return self.store.qoh(self.item_record(ref), int(shop_id))

    def total_qoh(self, ref):
        return self.store.qoh(self.item_record(ref), AGGREGATE_SHOP)

    def sales(self, reference_number=None):
        """Every sale (archived included), oldest first, optionally by referenceNumber."""
        return [
            self.sale(sale_id)
            for sale_id, sale in sorted(self.store.sales.items())
            if reference_number is None or sale["referenceNumber"] == reference_number
        ]

    def sale(self, sale_id):
        sale = self.store.sales[int(sale_id)]
        ship_to = self.store.ship_tos.get(int(sale["shipToID"]))
        return SaleSnapshot(
            sale_id=int(sale["saleID"]),
            completed=sale["completed"] == "true",
            voided=sale["voided"] == "true",
            archived=sale["archived"] == "true",
            reference_number=sale["referenceNumber"],
            reference_number_source=sale["referenceNumberSource"],
            shop_id=int(sale["shopID"]),
            register_id=int(sale["registerID"]),
            employee_id=int(sale["employeeID"]),
            customer_id=int(sale["customerID"]),
            total=Decimal(sale["total"]),
            balance=Decimal(sale["balance"]),
            lines=[self._line_view(line_id) for line_id in sale["_line_ids"]],
            payments=[self._payment_view(pid) for pid in sale["_payment_ids"]],
            ship_to=self._ship_to_view(ship_to) if ship_to else None,
            notes={kind: text for kind, text in sale["_notes"].items() if text is not None},
        )

    def _line_view(self, line_id):
        line = self.store.sale_lines[line_id]
        item = self.store.items.get(int(line["itemID"]))
        return {
            "item_id": int(line["itemID"]),
            "custom_sku": item["customSku"] if item else "",
            "quantity": int(line["unitQuantity"]),
            "unit_price": Decimal(line["unitPrice"]),
            "discount": Decimal(line["calcLineDiscount"]),
            "sale_line_id": int(line["saleLineID"]),
            "parent_sale_line_id": int(line["parentSaleLineID"]),
        }

    def _payment_view(self, payment_id):
        payment = self.store.sale_payments[payment_id]
        return {
            "payment_type_id": int(payment["paymentTypeID"]),
            "amount": Decimal(payment["amount"]),
        }

    def _ship_to_view(self, ship_to):
        view = {key: value for key, value in ship_to.items() if not key.startswith("_")}
        view["Contact"] = render_contact(ship_to["_contact"])
        return view

    def customers(self, email=None):
        """Customer ids, optionally those with this e-mail address (case-insensitive)."""
        wanted = email.casefold() if email else None
        return [
            customer_id
            for customer_id, customer in sorted(self.store.customers.items())
            if wanted is None
            or any(e["address"].casefold() == wanted for e in customer["_contact"]["_emails"])
        ]

    @property
    def token_grants(self):
        return list(self.oauth.grants)

    @property
    def revoked_refresh_tokens(self):
        return list(self.oauth.revoked_refresh_tokens)

    @property
    def valid_refresh_tokens(self):
        return self.oauth.valid_refresh_tokens

    @property
    def bucket_level(self):
        return self.bucket.level

    def access_token(self):
        """A live bearer token for tests that are not about OAuth."""
        return self.oauth.grant_access_token()

    # --- ready-made accounts --------------------------------------------------------------------

    @classmethod
    def demo(cls, clock=None, seed=0, **options):
        """The demo shop of demo_catalogue: 3 shops, one Amazon register each, 12 items."""
        sim = cls(clock=clock, seed=seed, **options)
        sim.seed_basics(account_tax_rate=0)
        for store in demo_catalogue.STORES:
            sim.add_shop(
                store.name, shop_id=int(store.shop_id), tax_category_id=DEMO_TAX_CATEGORY_ID
            )
            sim.add_register(
                int(store.shop_id), "Amazon Register", register_id=int(store.register_id)
            )
        for product in demo_catalogue.PRODUCTS:
            qoh = {
                int(store.shop_id): units
                for store, units in zip(demo_catalogue.STORES, product.qoh, strict=True)
            }
            sim.add_item(
                product.name, product.price, custom_sku=product.sku, upc=product.upc, qoh=qoh
            )
        return sim

    def seed_basics(self, account_tax_rate=0):
        """Tax category 1, the owner and "Amazon Orders" employees, built-in + Amazon payments."""
        self.add_tax_category("No Tax (Amazon collects)", account_tax_rate, DEMO_TAX_CATEGORY_ID)
        self.add_employee("Store", "Owner", employee_id=DEMO_OWNER_EMPLOYEE_ID)
        self.add_employee("Amazon", "Orders", employee_id=DEMO_EMPLOYEE_ID)
        for payment_type_id, name, kind in BUILT_IN_PAYMENT_TYPES:
            self.add_payment_type(name, kind, payment_type_id=payment_type_id)
        self.add_payment_type("Amazon Payment", payment_type_id=DEMO_PAYMENT_TYPE_ID)

    def generate(self, shops=20, items=10_000, customers=0, seed=None, in_stock_share=0.4):
        """A large deterministic account: same arguments and seed, same account.

        Each shop gets one open register; each item holds 1-20 units at a shop with
        probability ``in_stock_share`` and none otherwise.
        """
        rng = random.Random("lightspeed-generate-%s" % (self.seed if seed is None else seed))
        if not self.store.tax_categories:
            self.seed_basics()
        shop_ids = []
        for number in range(1, shops + 1):
            shop_id = self.add_shop("Store %03d" % number, tax_category_id=DEMO_TAX_CATEGORY_ID)
            self.add_register(shop_id, "Amazon Register")
            shop_ids.append(shop_id)
        for number in range(1, items + 1):
            qoh = {
                shop_id: rng.randint(1, 20) for shop_id in shop_ids if rng.random() < in_stock_share
            }
            price = "%d.%02d" % (rng.randint(1, 300), rng.choice((0, 50, 95, 99)))
            self.add_item(
                "%s %s #%d" % (rng.choice(_ADJECTIVES), rng.choice(_NOUNS), number),
                price,
                custom_sku="GEN-%06d" % number,
                upc="8%011d" % number,
                qoh=qoh,
            )
        for number in range(1, customers + 1):
            self.add_customer("Buyer", "%05d" % number, email="buyer%05d@example.test" % number)
        return shop_ids


def _contact(address, phone, email):
    return {
        "emails": [{"address": email}] if email else [],
        "phones": [{"number": phone}] if phone else [],
        "addresses": [address] if address else [],
    }


_ADJECTIVES = ("Blue", "Red", "Linen", "Wool", "Canvas", "Leather", "Cotton", "Denim", "Silk")
_NOUNS = ("Shirt", "Jeans", "Scarf", "Boots", "Belt", "Tote", "Beanie", "Jacket", "Socks")
