"""The account's data: shops, registers, employees, payment types, customers, items and stock.

Records are stored in wire form already (string scalars), so serving one is a copy; private
bookkeeping lives under keys starting with ``_``. Each resource knows its relations, which are
rendered only when asked for with ``load_relations`` (or always, for the few Lightspeed always
sends). Stock is kept compactly per item (``_qoh`` by shop) and ItemShop records are rendered on
demand, so tens of stores times tens of thousands of items stay cheap.
"""

import itertools

from .wire import collection, entries, iso, public, scalar

AGGREGATE_SHOP = 0  # Lightspeed's ItemShop with shopID "0" holds the total across shops
SHOP_SLOTS = 1000  # virtual itemShopID = itemID * SHOP_SLOTS + slot of the shop


class Resource:
    """One endpoint's records and relations; subclasses declare what differs."""

    name = None
    id_field = None
    sortable = ("timeStamp",)
    relations = {}  # relation name -> (method name, nested relations loaded by "all")
    always = ()  # relations Lightspeed sends without being asked
    aliases = {}  # friendly filter names -> dotted path in the rendered record

    def __init__(self, store, table):
        self.store = store
        self.table = table

    def records(self):
        return self.table.values()

    def candidates(self, conditions):
        """The records worth testing against ``conditions``: all, unless a subclass can prune."""
        return self.records()

    def get(self, record_id):
        return self.table.get(record_id)

    def sort_fields(self):
        return (self.id_field, *self.sortable)

    def render(self, record, relations=frozenset()):
        out = public(record)
        for name in self.always:
            out[name] = self._relation(name, record, set())
        for name, nested in self.expand(relations).items():
            value = self._relation(name, record, nested)
            if value is not None:
                out[name] = value
        return out

    def expand(self, relations):
        """{relation: nested relations} from a load_relations set or "all"."""
        if relations == "all":
            return {name: set(spec[1]) for name, spec in self.relations.items()}
        out = {}
        for name in relations:
            head, _, rest = name.partition(".")
            out.setdefault(head, set())
            if rest:
                out[head].add(rest)
        return out

    def _relation(self, name, record, nested):
        method = getattr(self, self.relations[name][0]) if name in self.relations else None
        if method is None:
            method = getattr(self, "rel_" + name)
        return method(record, nested)

    def unknown_relations(self, relations):
        if relations == "all":
            return []
        known = set(self.relations) | set(self.always)
        return sorted({name.partition(".")[0] for name in relations} - known)


# --- contacts, shared by shops, employees, customers and ship-tos -------------------------------

ADDRESS_FIELDS = ("address1", "address2", "city", "state", "zip", "country", "countryCode")


def make_contact(contact_id, timestamp, addresses=(), phones=(), emails=(), custom=""):
    """A Contact in wire form; addresses/phones/emails are lists of plain dicts."""
    return {
        "contactID": scalar(contact_id),
        "custom": custom,
        "noEmail": "false",
        "noPhone": "false",
        "noMail": "false",
        "timeStamp": timestamp,
        "_addresses": [_address(address) for address in addresses],
        "_phones": [
            {"number": scalar(p.get("number")), "useType": p.get("useType", "Home")} for p in phones
        ],
        "_emails": [
            {"address": scalar(e.get("address")), "useType": e.get("useType", "Primary")}
            for e in emails
        ],
    }


def _address(address):
    out = {key: scalar(address.get(key, "")) for key in ADDRESS_FIELDS}
    out["stateCode"] = scalar(address.get("stateCode", address.get("state", "")))
    return out


def render_contact(contact):
    out = public(contact)
    out["Addresses"] = collection("ContactAddress", contact["_addresses"])
    out["Phones"] = collection("ContactPhone", contact["_phones"])
    out["Emails"] = collection("ContactEmail", contact["_emails"])
    out["Websites"] = ""
    return out


# --- resources ----------------------------------------------------------------------------------


class AccountResource(Resource):
    name, id_field = "Account", "accountID"
    sortable = ()


class ShopResource(Resource):
    name, id_field = "Shop", "shopID"
    relations = {
        "Contact": ("rel_contact", ()),
        "TaxCategory": ("rel_tax_category", ()),
        "Registers": ("rel_registers", ()),
    }

    def rel_contact(self, record, nested):
        return render_contact(record["_contact"])

    def rel_tax_category(self, record, nested):
        tax = self.store.tax_categories.get(int(record["taxCategoryID"]))
        return public(tax) if tax else None

    def rel_registers(self, record, nested):
        registers = [
            public(register)
            for register in self.store.registers.values()
            if register["shopID"] == record["shopID"]
        ]
        return collection("Register", registers)


class RegisterResource(Resource):
    name, id_field = "Register", "registerID"
    sortable = ()
    relations = {"Shop": ("rel_shop", ())}

    def rel_shop(self, record, nested):
        return self.store.resource("Shop").render(self.store.shops[int(record["shopID"])])


class EmployeeResource(Resource):
    name, id_field = "Employee", "employeeID"
    relations = {"Contact": ("rel_contact", ()), "EmployeeRole": ("rel_role", ())}

    def rel_contact(self, record, nested):
        return render_contact(record["_contact"])

    def rel_role(self, record, nested):
        return {"employeeRoleID": record["employeeRoleID"], "name": record["_role_name"]}


class PaymentTypeResource(Resource):
    name, id_field = "PaymentType", "paymentTypeID"
    sortable = ()


class TaxCategoryResource(Resource):
    name, id_field = "TaxCategory", "taxCategoryID"


class CustomerResource(Resource):
    name, id_field = "Customer", "customerID"
    sortable = ("timeStamp", "createTime")
    relations = {"Contact": ("rel_contact", ()), "Note": ("rel_note", ()), "Tags": ("rel_tags", ())}
    # Lightspeed's documented shortcut for searching customers by e-mail address or phone.
    aliases = {
        "Contact.email": "Contact.Emails.ContactEmail.address",
        "Contact.phone": "Contact.Phones.ContactPhone.number",
    }

    def rel_contact(self, record, nested):
        return render_contact(record["_contact"])

    def rel_note(self, record, nested):
        return {"note": record["_note"], "isPublic": "false", "timeStamp": record["timeStamp"]}

    def rel_tags(self, record, nested):
        return ""


class ItemResource(Resource):
    name, id_field = "Item", "itemID"
    sortable = ("timeStamp", "createTime", "description", "customSku", "systemSku", "upc")
    relations = {
        "ItemShops": ("rel_item_shops", ()),
        "TaxClass": ("rel_tax_class", ()),
        "Note": ("rel_note", ()),
    }
    always = ("Prices",)

    def rel_item_shops(self, record, nested):
        return collection("ItemShop", self.store.item_shops_of(record))

    def rel_Prices(self, record, nested):
        return collection("ItemPrice", record["_prices"])

    def rel_tax_class(self, record, nested):
        return {
            "taxClassID": record["taxClassID"],
            "name": "Item",
            "timeStamp": record["createTime"],
        }

    def rel_note(self, record, nested):
        return {"note": "", "isPublic": "false", "timeStamp": record["createTime"]}


class ItemShopResource(Resource):
    """Rendered from the items' stock, never stored: see Store.item_shops_of."""

    name, id_field = "ItemShop", "itemShopID"
    relations = {"Item": ("rel_item", ())}

    def records(self):
        for item in self.store.items.values():
            yield from self.store.item_shops_of(item)

    def candidates(self, conditions):
        """Prune by itemID, shopID and timeStamp before rendering hundreds of thousands of rows.

        Sound for timeStamp because every stock change also bumps the Item's timeStamp, so an
        ItemShop is never newer than its Item.
        """
        items, shop_ids = self.store.items.values(), None
        for condition in conditions:
            wanted = [int(v) for v in condition.operands if v.isdigit()]
            if condition.field == "itemID" and condition.operator in ("=", "IN"):
                items = [self.store.items[i] for i in wanted if i in self.store.items]
            elif condition.field == "shopID" and condition.operator in ("=", "IN"):
                shop_ids = [i for i in wanted if i in self.store.shops or i == AGGREGATE_SHOP]
            elif condition.field == "timeStamp" and condition.operator in (">", ">="):
                items = [item for item in items if condition.matches([item["timeStamp"]])]
        for item in items:
            if shop_ids is None:
                yield from self.store.item_shops_of(item)
            else:
                yield from (self.store.item_shop(item, shop_id) for shop_id in shop_ids)

    def get(self, record_id):
        item = self.store.items.get(record_id // SHOP_SLOTS)
        shop_id = self.store.shop_for_slot(record_id % SHOP_SLOTS)
        if item is None or shop_id is None:
            return None
        return self.store.item_shop(item, shop_id)

    def rel_item(self, record, nested):
        item = self.store.items[int(record["itemID"])]
        return self.store.resource("Item").render(item, nested)


class SaleResource(Resource):
    name, id_field = "Sale", "saleID"
    sortable = ("timeStamp", "completeTime", "updatetime", "createTime")
    relations = {
        "SaleLines": ("rel_lines", ()),
        "SalePayments": ("rel_payments", ("PaymentType",)),
        "ShipTo": ("rel_ship_to", ("Contact",)),
        "SaleNotes": ("rel_notes", ()),
        "Customer": ("rel_customer", ("Contact",)),
        "Shop": ("rel_shop", ()),
        "Register": ("rel_register", ()),
        "Employee": ("rel_employee", ()),
        "TaxCategory": ("rel_tax_category", ()),
    }
    # What a write answers with (the recordings show Shop and SaleLines without asking).
    write_relations = {
        "Shop",
        "SaleLines",
        "SalePayments.PaymentType",
        "ShipTo.Contact",
        "SaleNotes",
        "TaxCategory",
        "Customer",
    }

    def rel_lines(self, record, nested):
        lines = [self.store.sale_lines[line_id] for line_id in record["_line_ids"]]
        if not lines:
            return None
        resource = self.store.resource("SaleLine")
        return {"SaleLine": _one_or_many([resource.render(line, nested) for line in lines])}

    def rel_payments(self, record, nested):
        payments = [self.store.sale_payments[pid] for pid in record["_payment_ids"]]
        if not payments:
            return None
        resource = self.store.resource("SalePayment")
        rendered = [resource.render(payment, nested) for payment in payments]
        return {"SalePayment": _one_or_many(rendered)}

    def rel_ship_to(self, record, nested):
        ship_to = self.store.ship_tos.get(int(record["shipToID"]))
        return self.store.resource("ShipTo").render(ship_to, nested) if ship_to else None

    def rel_notes(self, record, nested):
        notes = record["_notes"]
        if not any(notes.values()):
            return None
        return {
            kind: {"noteID": "0", "note": text} for kind, text in notes.items() if text is not None
        }

    def rel_customer(self, record, nested):
        customer = self.store.customers.get(int(record["customerID"]))
        return self.store.resource("Customer").render(customer, nested) if customer else None

    def rel_shop(self, record, nested):
        return public(self.store.shops[int(record["shopID"])])

    def rel_register(self, record, nested):
        return public(self.store.registers[int(record["registerID"])])

    def rel_employee(self, record, nested):
        return public(self.store.employees[int(record["employeeID"])])

    def rel_tax_category(self, record, nested):
        tax = self.store.tax_categories.get(int(record["taxCategoryID"]))
        return public(tax) if tax else None


def _one_or_many(records):
    return records[0] if len(records) == 1 else records


class SaleLineResource(Resource):
    name, id_field = "SaleLine", "saleLineID"
    sortable = ("timeStamp", "createTime")
    relations = {"Item": ("rel_item", ())}

    def rel_item(self, record, nested):
        item = self.store.items.get(int(record["itemID"]))
        return self.store.resource("Item").render(item, nested) if item else None


class SalePaymentResource(Resource):
    name, id_field = "SalePayment", "salePaymentID"
    sortable = ("createTime",)
    relations = {"PaymentType": ("rel_payment_type", ())}

    def rel_payment_type(self, record, nested):
        return public(self.store.payment_types[int(record["paymentTypeID"])])


class ShipToResource(Resource):
    name, id_field = "ShipTo", "shipToID"
    sortable = ("timeStamp", "saleID")
    relations = {"Contact": ("rel_contact", ())}

    def rel_contact(self, record, nested):
        return render_contact(record["_contact"])


# --- the store ----------------------------------------------------------------------------------


class Store:
    """All records of one Lightspeed account, and the rules that change stock."""

    def __init__(self, clock, account_id, account_name="Demo Retail Account"):
        self.clock = clock
        self.version = 0  # bumped on every change, so cached query results know they are stale
        self.account = {"accountID": scalar(account_id), "name": account_name}
        self.allow_negative_inventory = True
        self.shops, self.registers, self.employees = {}, {}, {}
        self.payment_types, self.tax_categories, self.customers = {}, {}, {}
        self.items, self.sales, self.sale_lines = {}, {}, {}
        self.sale_payments, self.ship_tos = {}, {}
        self._counters = {}
        self._shop_slots = {AGGREGATE_SHOP: 0}
        self._slot_shops = {0: AGGREGATE_SHOP}
        self.items_by_code = {}  # upc / ean / systemSku / customSku -> itemID
        self._resources = self._build_resources()

    def _build_resources(self):
        tables = {
            AccountResource: {int(self.account["accountID"]): self.account},
            ShopResource: self.shops,
            RegisterResource: self.registers,
            EmployeeResource: self.employees,
            PaymentTypeResource: self.payment_types,
            TaxCategoryResource: self.tax_categories,
            CustomerResource: self.customers,
            ItemResource: self.items,
            ItemShopResource: None,
            SaleResource: self.sales,
            SaleLineResource: self.sale_lines,
            SalePaymentResource: self.sale_payments,
            ShipToResource: self.ship_tos,
        }
        return {cls.name: cls(self, table) for cls, table in tables.items()}

    def resource(self, name):
        return self._resources.get(name)

    def changed(self):
        self.version += 1

    def now(self):
        return iso(self.clock.now())

    def next_id(self, kind, wanted=None):
        """A fresh primary key; an explicit one (from a seed) moves the counter past it."""
        current = self._counters.get(kind, 0)
        value = int(wanted) if wanted is not None else current + 1
        self._counters[kind] = max(current, value)
        return value

    # --- stock --------------------------------------------------------------------------------

    def register_shop_slot(self, shop_id):
        slot = len(self._shop_slots)
        self._shop_slots[shop_id] = slot
        self._slot_shops[slot] = shop_id

    def shop_for_slot(self, slot):
        return self._slot_shops.get(slot)

    def qoh(self, item, shop_id):
        if shop_id == AGGREGATE_SHOP:
            return sum(item["_qoh"].values())
        return item["_qoh"].get(shop_id, 0)

    def item_shop(self, item, shop_id):
        # Plain str() rather than scalar(): this runs once per item and shop on large accounts.
        item_id = int(item["itemID"])
        qoh = self.qoh(item, shop_id)
        return {
            "itemShopID": str(item_id * SHOP_SLOTS + self._shop_slots[shop_id]),
            "qoh": str(qoh),
            "sellable": str(max(0, qoh)),
            "backorder": "0",
            "componentQoh": "0",
            "componentBackorder": "0",
            "reorderPoint": "0",
            "reorderLevel": "0",
            "timeStamp": item["_shop_ts"].get(shop_id, item["createTime"]),
            "itemID": item["itemID"],
            "shopID": str(shop_id),
            "m": {"layaways": "0", "specialorders": "0", "workorders": "0"},
        }

    def item_shops_of(self, item):
        shop_ids = itertools.chain(self.shops, [AGGREGATE_SHOP])
        return [self.item_shop(item, shop_id) for shop_id in shop_ids]

    def negative_allowed(self, shop_id):
        override = self.shops[shop_id].get("_allow_negative")
        return self.allow_negative_inventory if override is None else override

    def change_stock(self, item, shop_id, delta):
        """Move qoh at one shop; every change bumps the Item's and its ItemShops' timeStamp."""
        now = self.now()
        item["_qoh"][shop_id] = item["_qoh"].get(shop_id, 0) + int(delta)
        item["_shop_ts"][shop_id] = now
        item["_shop_ts"][AGGREGATE_SHOP] = now
        item["timeStamp"] = now
        self.changed()

    def set_stock(self, item, shop_id, qoh):
        self.change_stock(item, shop_id, int(qoh) - item["_qoh"].get(shop_id, 0))

    def units_returned(self, sale_line_id):
        """Units refunded against one SaleLine by live (not voided) refund sales."""
        parent = str(sale_line_id)
        return sum(
            -int(line["unitQuantity"])
            for line in self.sale_lines.values()
            if line["parentSaleLineID"] == parent
            and self.sales.get(int(line["saleID"]), {}).get("voided") != "true"
        )

    def find_item(self, code):
        """An item by itemCode, as SaleLines accept it: UPC, EAN, system SKU or item ID."""
        code = scalar(code)
        if code in self.items_by_code:
            return self.items[self.items_by_code[code]]
        return self.items.get(int(code)) if code.isdigit() else None

    def index_item(self, item):
        for field in ("upc", "ean", "systemSku"):
            if item[field]:
                self.items_by_code[item[field]] = int(item["itemID"])


def customer_contact_payload(payload):
    """Addresses/phones/emails from a client's nested Contact, in any accepted shape."""
    contact = payload.get("Contact") or {}
    return {
        "addresses": entries(contact.get("Addresses"), "ContactAddress"),
        "phones": entries(contact.get("Phones"), "ContactPhone"),
        "emails": entries(contact.get("Emails"), "ContactEmail"),
        "custom": scalar(contact.get("custom", "")),
    }
