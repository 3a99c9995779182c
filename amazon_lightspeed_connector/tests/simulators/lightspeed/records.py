"""New records with the fields and defaults Lightspeed sends (see shared/lightspeed-recorded).

Used both by the scenario API (seeding) and by the API's own writes (a Customer POST), so a
record looks the same whichever way it was born.
"""

from .state import make_contact
from .wire import fmt_number, scalar, to_bool


def new_tax_category(store, name, rate, tax_category_id=None):
    tax_id = store.next_id("TaxCategory", tax_category_id)
    record = {
        "taxCategoryID": scalar(tax_id),
        "isTaxInclusive": "false",
        "tax1Name": name,
        "tax2Name": "",
        "tax1Rate": fmt_number(rate),
        "tax2Rate": "0",
        "timeStamp": store.now(),
    }
    store.tax_categories[tax_id] = record
    store.changed()
    return record


def new_shop(store, name, shop_id=None, tax_category_id=0, allow_negative=None, contact=None):
    """``contact`` holds lists ``addresses``, ``phones``, ``emails`` of plain dicts."""
    shop_id = store.next_id("Shop", shop_id)
    contact_id = store.next_id("Contact")
    now = store.now()
    record = {
        "shopID": scalar(shop_id),
        "name": name,
        "serviceRate": "0",
        "timeZone": "US/Pacific",
        "taxLabor": "false",
        "labelTitle": "Shop Name",
        "labelMsrp": "false",
        "archived": "false",
        "timeStamp": now,
        "companyRegistrationNumber": "",
        "vatNumber": "",
        "zebraBrowserPrint": "false",
        "contactID": scalar(contact_id),
        "taxCategoryID": scalar(tax_category_id),
        "receiptSetupID": "1",
        "vendorID": "0",
        "ccGatewayID": "0",
        "gatewayConfigID": "0",
        "priceLevelID": "1",
        "_allow_negative": allow_negative,
        "_contact": make_contact(contact_id, now, **(contact or {})),
    }
    store.shops[shop_id] = record
    store.register_shop_slot(shop_id)
    store.changed()
    return record


def new_register(store, shop_id, name, register_id=None, is_open=True):
    register_id = store.next_id("Register", register_id)
    record = {
        "registerID": scalar(register_id),
        "name": name,
        "open": scalar(bool(is_open)),
        "openTime": store.now() if is_open else "",
        "archived": "false",
        "openEmployeeID": "0",
        "shopID": scalar(shop_id),
        "ccTerminalID": "0",
    }
    store.registers[register_id] = record
    store.changed()
    return record


def new_employee(store, first_name, last_name="", employee_id=None, role="Employee", contact=None):
    employee_id = store.next_id("Employee", employee_id)
    contact_id = store.next_id("Contact")
    now = store.now()
    record = {
        "employeeID": scalar(employee_id),
        "firstName": first_name,
        "lastName": last_name,
        "accessPin": "",
        "lockOut": "false",
        "archived": "false",
        "timeStamp": now,
        "contactID": scalar(contact_id),
        "clockInEmployeeHoursID": "0",
        "employeeRoleID": "1",
        "limitToShopID": "0",
        "lastShopID": "0",
        "lastSaleID": "0",
        "lastRegisterID": "0",
        "_role_name": role,
        "_contact": make_contact(contact_id, now, **(contact or {})),
    }
    store.employees[employee_id] = record
    store.changed()
    return record


def new_payment_type(
    store, name, kind="user defined", payment_type_id=None, require_customer=False
):
    payment_type_id = store.next_id("PaymentType", payment_type_id)
    record = {
        "paymentTypeID": scalar(payment_type_id),
        "name": name,
        "requireCustomer": scalar(bool(require_customer)),
        "archived": "false",
        "internalReserved": scalar(kind != "user defined"),
        "type": kind,
        "refundAsPaymentTypeID": "0",
    }
    store.payment_types[payment_type_id] = record
    store.changed()
    return record


def new_customer(store, first_name, last_name="", company="", contact=None, customer_id=None):
    """``contact`` holds lists ``addresses``, ``phones``, ``emails`` of plain dicts."""
    customer_id = store.next_id("Customer", customer_id)
    contact_id = store.next_id("Contact")
    now = store.now()
    contact = contact or {}
    record = {
        "customerID": scalar(customer_id),
        "firstName": scalar(first_name),
        "lastName": scalar(last_name),
        "dob": "",
        "archived": "false",
        "title": "",
        "company": scalar(company),
        "companyRegistrationNumber": "",
        "vatNumber": "",
        "createTime": now,
        "timeStamp": now,
        "contactID": scalar(contact_id),
        "creditAccountID": "0",
        "customerTypeID": "0",
        "discountID": "0",
        "employeeID": "0",
        "noteID": "0",
        "taxCategoryID": "0",
        "_note": "",
        "_contact": make_contact(
            contact_id,
            now,
            addresses=contact.get("addresses", ()),
            phones=contact.get("phones", ()),
            emails=contact.get("emails", ()),
            custom=contact.get("custom", ""),
        ),
    }
    store.customers[customer_id] = record
    store.changed()
    return record


def new_item(
    store,
    description,
    price,
    custom_sku="",
    upc="",
    ean="",
    qoh=None,
    item_id=None,
    item_type="default",
    default_cost=0,
    taxable=True,
):
    """``qoh`` maps shopID to quantity on hand; shops not named hold 0."""
    item_id = store.next_id("Item", item_id)
    now = store.now()
    record = {
        "itemID": scalar(item_id),
        "systemSku": "21%010d" % item_id,
        "defaultCost": scalar(default_cost),
        "avgCost": scalar(default_cost),
        "discountable": "true",
        "tax": scalar(to_bool(taxable)),
        "archived": "false",
        "itemType": item_type,
        "serialized": "false",
        "description": description,
        "modelYear": "0",
        "upc": scalar(upc),
        "ean": scalar(ean),
        "customSku": scalar(custom_sku),
        "manufacturerSku": "",
        "createTime": now,
        "timeStamp": now,
        "publishToEcom": "false",
        "categoryID": "0",
        "taxClassID": "1",
        "departmentID": "0",
        "itemMatrixID": "0",
        "manufacturerID": "0",
        "seasonID": "0",
        "defaultVendorID": "0",
        "itemECommerceID": "0",
        "_qoh": {int(shop): int(units) for shop, units in (qoh or {}).items() if int(units)},
        "_shop_ts": {},
        "_prices": [
            {"amount": fmt_number(price), "useTypeID": "1", "useType": "Default"},
            {"amount": "0", "useTypeID": "2", "useType": "MSRP"},
        ],
    }
    store.items[item_id] = record
    store.index_item(record)
    store.changed()
    return record


def default_price(item):
    return item["_prices"][0]["amount"]
