"""Amazon orders (``order``: one line per test, the fields it is about as keywords) and
Lightspeed sale requests, for the lib tests."""

from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import strategies as st

from amazon_lightspeed_connector.lib.amazon.order_data import (
    AmazonAddress,
    AmazonBuyer,
    AmazonOrder,
    AmazonOrderLine,
)
from amazon_lightspeed_connector.lib.amazon.order_mapping import V0_STATUSES
from amazon_lightspeed_connector.lib.lightspeed.sale_payload import PartLine, SaleRequest
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
)

PURCHASED = datetime(2026, 1, 1, 9, 30, tzinfo=timezone.utc)
# How v0 spells each status (the adapter's own table, read backwards; Pending for pending).
V0_SPELLING = {status: raw for raw, status in V0_STATUSES.items()}

RECIPIENT = AmazonAddress(
    name="Jane Q Buyer",
    company="Acme Corp",
    street_lines=("1 Main Street", "Suite 5", "Building B"),
    city="Seattle",
    state="WA",
    postal_code="98101",
    country_code="US",
    phone="+1 206 555 0100",
)


TEXT_FIELDS = ("gift_message", "gift_wrap_level")


def line(sku, quantity, price, **fields):
    """An Amazon order line; ``price`` is for all units, other amounts as keyword strings."""
    return AmazonOrderLine(
        order_item_id="item-%s" % sku,
        seller_sku=sku,
        asin=None,
        title=sku,
        quantity_ordered=quantity,
        quantity_shipped=0,
        item_price=Decimal(price),
        **{k: v if k in TEXT_FIELDS or v is None else Decimal(v) for k, v in fields.items()},
    )


def order(*lines, order_id="111-0000001-0000001", email="jane@marketplace.amazon.com", **fields):
    """An unshipped order of ``lines`` by Jane Buyer; a ``status`` given is spelt raw as v0 does
    ("partially_shipped": "PartiallyShipped") unless ``status_raw`` says otherwise."""
    if "status" in fields:
        fields.setdefault("status_raw", V0_SPELLING[fields["status"]])
    values = {
        "amazon_order_id": order_id,
        "marketplace_id": "ATVPDKIKX0DER",
        "status": "unshipped",
        "status_raw": "Unshipped",
        "fulfillment_channel": "MFN",
        "purchase_date": PURCHASED,
        "last_update_date": PURCHASED,
        "currency": "USD",
        "order_total": sum((item.total() for item in lines), Decimal(0)),
        "ship_service_level": "Standard",
        "is_prime": False,
        "is_business": False,
        "buyer": AmazonBuyer(name="Jane Buyer", email=email) if email else None,
        "shipping_address": RECIPIENT,
        "buyer_note": None,
        "lines": tuple(lines),
    }
    values.update(fields)
    return AmazonOrder(**values)


def request(amazon_order, parts, part_index=0, shop_id=3, **options):
    """A SaleRequest at the demo account's shop (register id = shop id)."""
    options.setdefault("register_id", shop_id)
    return SaleRequest(
        order=amazon_order,
        parts=parts,
        part_index=part_index,
        shop_id=shop_id,
        employee_id=DEMO_EMPLOYEE_ID,
        payment_type_id=DEMO_PAYMENT_TYPE_ID,
        **options,
    )


def whole(amazon_order, item_ids):
    """The one part of an unsplit order: every line, every unit."""
    return (
        (
            tuple(
                PartLine(x.seller_sku, x.quantity_ordered, item_ids[x.seller_sku])
                for x in amazon_order.lines
            )
        ),
    )


def item_ids(sim):
    """Demo SKU -> Lightspeed itemID."""
    return {item["customSku"]: int(item["itemID"]) for item in sim.store.items.values()}


# Lightspeed item ids of the demo SKUs the property tests draw from
IDS = {"JBJ-S": 1, "JBJ-M": 2, "LTR-BELT": 8, "WOOL-SCARF": 9, "CANVAS-TOTE": 10}


@st.composite
def split_orders(draw, amounts, max_lines, max_quantity, same_sku_twice=False):
    """Hypothesis: an order of up to ``max_lines`` demo SKUs, every amount of every line drawn
    from ``amounts``, and its units dealt at random into one to four parts (a split order)."""
    skus = draw(
        st.lists(
            st.sampled_from(sorted(IDS)),
            min_size=1,
            max_size=max_lines,
            unique=not same_sku_twice,
        )
    )
    lines = [_draw_charged_line(draw, sku, st.integers(1, max_quantity), amounts) for sku in skus]
    return order(*lines), draw_parts(draw, lines, IDS)


def _draw_charged_line(draw, sku, quantities, amounts):
    """Hypothesis: a line of ``sku`` with every amount Amazon reports drawn from ``amounts``;
    a discount is at most what it discounts, a discount's tax may be folded in (None)."""
    price = draw(amounts)
    shipping = draw(amounts)
    discount_tax = st.none() | amounts
    return line(
        sku,
        draw(quantities),
        str(price),
        item_tax=str(draw(amounts)),
        promotion_discount=str(min(price, draw(amounts))),
        promotion_discount_tax=draw(discount_tax),
        shipping_price=str(shipping),
        shipping_tax=str(draw(amounts)),
        shipping_discount=str(min(shipping, draw(amounts))),
        shipping_discount_tax=draw(discount_tax),
        gift_wrap_price=str(draw(amounts)),
        gift_wrap_tax=str(draw(amounts)),
    )


def draw_parts(draw, lines, item_ids):
    """Hypothesis: the order's units dealt at random into one to four parts (a split order),
    each part the lines it got with their unit counts; empty parts are dropped."""
    part_count = draw(st.integers(1, 4))
    parts = [{} for _ in range(part_count)]
    for item in lines:
        for _unit in range(item.quantity_ordered):
            taken = parts[draw(st.integers(0, part_count - 1))]
            taken[item.seller_sku] = taken.get(item.seller_sku, 0) + 1
    return tuple(
        tuple(PartLine(sku, units, item_ids[sku]) for sku, units in part.items())
        for part in parts
        if part
    )
