"""Ship confirmations: bodies, quantities, dates, package ids (lib/amazon/shipment.py)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sale_support import order as amazon_order

from amazon_lightspeed_connector.lib.amazon.order_data import (
    CANCELED,
    PENDING,
    UNSHIPPED,
    AmazonOrderLine,
)
from amazon_lightspeed_connector.lib.amazon.shipment import (
    CarrierChoice,
    build_confirmation,
    carrier_fields,
    next_package_reference_id,
    normalize_package_reference_id,
    recorded_package,
    ship_date_ready,
    shippable_quantities,
)
from amazon_lightspeed_connector.lib.errors import PayloadError, PermanentError
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line, schemas
from amazon_lightspeed_connector.tests.simulators.amazon.testing import Caller, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

UTC = timezone.utc
NOON = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
US = AMAZON_DEMO["marketplace_id"]


def _order(lines, status=UNSHIPPED, channel="MFN", order_id="111-0000001-0000001"):
    """An AmazonOrder of ``lines``: (item id, SKU, ordered, shipped), no amounts."""
    return amazon_order(
        *(AmazonOrderLine(i, sku, None, None, q, s) for i, sku, q, s in lines),
        order_id=order_id,
        status=status,
        fulfillment_channel=channel,
    )


def _from_simulator(sim_order):
    return _order(
        [(x.order_item_id, x.sku, x.quantity, x.quantity_shipped) for x in sim_order.lines],
        order_id=sim_order.order_id,
    )


TWO_LINES = _order([("10", "JBJ-M", 2, 0), ("20", "LTR-BELT", 1, None)])


def _valid(body):
    validator = schemas.definition_validator("ordersV0", "ConfirmShipmentRequest")
    return [e.message for e in validator.iter_errors(body)]


# ---------------------------------------------------------------- the body


def test_body_follows_the_model():
    body = build_confirmation(
        TWO_LINES, [("10", 2), ("20", 1)], "UPS", " 1Z999 ", NOON, "1", "Ground"
    )
    assert body == {
        "marketplaceId": US,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "shippingMethod": "Ground",
            "trackingNumber": "1Z999",
            "shipDate": "2026-01-01T12:00:00Z",
            "orderItems": [
                {"orderItemId": "10", "quantity": 2},
                {"orderItemId": "20", "quantity": 1},
            ],
        },
    }
    assert not _valid(body)


def test_other_carrier_carries_its_name_and_dates_become_utc_z():
    paris = timezone(timedelta(hours=1))
    body = build_confirmation(
        TWO_LINES,
        [("10", 1), ("10", 1)],  # the same item twice adds up
        CarrierChoice("Other", "Bike Couriers Ltd"),
        "BK-1",
        datetime(2026, 1, 1, 13, 0, 0, 900_000, tzinfo=paris),
        7,
    )
    package = body["packageDetail"]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Bike Couriers Ltd")
    assert package["shipDate"] == "2026-01-01T12:00:00Z"
    assert package["orderItems"] == [{"orderItemId": "10", "quantity": 2}]
    assert "shippingMethod" not in package and not _valid(body)


@pytest.mark.parametrize(
    "moment,expected",
    [
        (datetime(2026, 1, 1, 12, 0), "2026-01-01T12:00:00Z"),  # naive: UTC, as Odoo stores
        (date(2026, 1, 2), "2026-01-02T00:00:00Z"),
    ],
)
def test_naive_datetimes_and_dates(moment, expected):
    body = build_confirmation(TWO_LINES, [("10", 1)], "UPS", "1Z", moment, "1")
    assert body["packageDetail"]["shipDate"] == expected


@pytest.mark.parametrize(
    "carrier,expected",
    [
        ("USPS", {"carrierCode": "USPS"}),
        (("FedEx", "ignored"), {"carrierCode": "FedEx"}),
        ((None, "Local Post"), {"carrierCode": "Other", "carrierName": "Local Post"}),
        (("other", "Local Post"), {"carrierCode": "Other", "carrierName": "Local Post"}),
    ],
)
def test_carrier_fields(carrier, expected):
    assert carrier_fields(carrier) == expected


@pytest.mark.parametrize(
    "carrier,message",
    [(("Other", ""), "needs a carrier name"), ((None, None), "no carrier was chosen")],
)
def test_carrier_refusals(carrier, message):
    with pytest.raises(PermanentError, match=message):
        carrier_fields(carrier, "111")


# ---------------------------------------------------------------- quantities


def test_left_to_ship_takes_the_larger_count_of_shipped_units():
    order = _order([("10", "A", 5, 1), ("20", "B", 2, None)])
    assert shippable_quantities(order) == {"10": 4, "20": 2}
    assert shippable_quantities(order, {"10": 3, "20": 0}) == {"10": 2, "20": 2}
    assert shippable_quantities(order, {"10": 0}) == {"10": 4, "20": 2}


@pytest.mark.parametrize(
    "lines,already,code",
    [
        ([("10", 3)], None, "OverShipment"),
        ([("10", 1), ("10", 2)], None, "OverShipment"),
        ([("10", 1)], {"10": 2}, "OverShipment"),
        ([("99", 1)], None, "UnknownItem"),
        ([("10", 0)], None, "BadQuantity"),
        ([("10", True)], None, "BadQuantity"),
        ([], None, "EmptyPackage"),
    ],
)
def test_over_shipping_and_bad_items_are_refused(lines, already, code):
    with pytest.raises(PermanentError) as caught:
        build_confirmation(TWO_LINES, lines, "UPS", "1Z", NOON, "1", already_shipped=already)
    assert caught.value.code == code
    assert "111-0000001-0000001" in str(caught.value)


@pytest.mark.parametrize(
    "order,tracking,code",
    [
        (_order([("10", "A", 1, 0)], channel="AFN"), "1Z", "FulfilledByAmazon"),
        (_order([("10", "A", 1, 0)], status=CANCELED), "1Z", "BadStatus"),
        (_order([("10", "A", 1, 0)], status=PENDING), "1Z", "BadStatus"),
        (_order([("10", "A", 1, 0)]), "  ", "TrackingMissing"),
    ],
)
def test_orders_that_cannot_be_confirmed(order, tracking, code):
    with pytest.raises(PermanentError) as caught:
        build_confirmation(order, [("10", 1)], "UPS", tracking, NOON, "1")
    assert caught.value.code == code


# ---------------------------------------------------------------- ids and dates


def test_package_reference_ids():
    assert next_package_reference_id([]) == "1"
    assert next_package_reference_id(["1", "2", "PKG-9", " 7 "]) == "8"
    assert normalize_package_reference_id(" 007") == "7"
    for bad in ("0", "-1", "abc", "1.5", "", True, "١"):
        with pytest.raises(ValueError, match="positive whole number"):
            normalize_package_reference_id(bad)


def test_ship_date_readiness():
    ready = ship_date_ready(NOON, NOON)
    assert ready and ready.not_before == NOON
    later = ship_date_ready(NOON + timedelta(days=2), NOON)
    assert not later and later.not_before == NOON + timedelta(days=2)
    assert ship_date_ready(NOON.replace(microsecond=700_000), NOON)  # sent to the second
    assert ship_date_ready(date(2026, 1, 1), NOON)
    assert not ship_date_ready(datetime(2026, 1, 1, 12, 0, 1), NOON)  # naive is UTC


# ---------------------------------------------------------------- against the simulator


@pytest.fixture
def sim():
    return AmazonSimulator(clock=ManualClock(), seed=8, rate_limits_enabled=False)


def _post(caller, order_id, body):
    return caller.post("/orders/v0/orders/%s/shipmentConfirmation" % order_id, body)


def test_a_split_order_confirms_each_package_with_its_own_items(sim):
    placed = sim.add_order([line("JBJ-S", 1), line("JBJ-M", 2), line("OXF-WHT-M", 1)])
    order = _from_simulator(placed)
    jeans_s, jeans_m, shirt = (x.order_item_id for x in order.lines)
    now = datetime.fromtimestamp(sim.clock.now(), UTC)
    caller, used, confirmed = Caller(sim), [], {}
    packages = [
        ("Store C", [(jeans_s, 1), (jeans_m, 1)], "UPS", "1ZSTOREC"),
        ("Store A", [(jeans_m, 1), (shirt, 1)], ("Other", "City Couriers"), "CC-42"),
    ]
    for _store, items, carrier, tracking in packages:
        reference = next_package_reference_id(used)
        body = build_confirmation(
            order, items, carrier, tracking, now, reference, already_shipped=confirmed
        )
        assert not _valid(body)
        assert _post(caller, placed.order_id, body).status == 204
        used.append(reference)
        for item, quantity in items:
            confirmed[item] = confirmed.get(item, 0) + quantity
    shipments = sim.shipments(placed.order_id)
    assert [s.package_reference_id for s in shipments] == ["1", "2"]
    assert [s.items for s in shipments] == [items for _s, items, _c, _t in packages]
    assert [(s.carrier_code, s.carrier_name) for s in shipments] == [
        ("UPS", None),
        ("Other", "City Couriers"),
    ]
    assert placed.status == "Shipped"
    # A third package is refused here, before Amazon would refuse it.
    with pytest.raises(PermanentError, match="only 0 left"):
        build_confirmation(order, [(shirt, 1)], "UPS", "1Z", now, "3", already_shipped=confirmed)
    # And Amazon's own count, read back on a later import, says the same.
    with pytest.raises(PermanentError, match="only 0 left"):
        build_confirmation(_from_simulator(placed), [(jeans_m, 1)], "UPS", "1Z", now, "3")


def test_a_future_ship_date_waits_until_it_has_come(sim):
    from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials

    placed = sim.add_order([line("LTR-BELT", 1)])
    order = _from_simulator(placed)
    now = datetime.fromtimestamp(sim.clock.now(), UTC)
    ship_date = now + timedelta(hours=20)
    body = build_confirmation(
        order, [(order.lines[0].order_item_id, 1)], "USPS", "9400", ship_date, "1"
    )
    readiness = ship_date_ready(ship_date, now)
    assert not readiness and readiness.not_before == ship_date.replace(microsecond=0)
    assert sim.confirmations == []  # nothing was sent
    sim.clock.advance(20 * 3600)
    now = datetime.fromtimestamp(sim.clock.now(), UTC)
    assert ship_date_ready(ship_date, now)
    credentials = AmazonCredentials(
        AMAZON_DEMO["lwa_client_id"], AMAZON_DEMO["lwa_client_secret"], AMAZON_DEMO["refresh_token"]
    )
    with (
        in_process(sim.routes()),
        AmazonClient(credentials, AMAZON_DEMO["seller_id"], [US], clock=sim.clock) as client,
    ):
        client.confirm_shipment(placed.order_id, body)
    (shipment,) = sim.shipments(placed.order_id)
    assert shipment.ship_date == body["packageDetail"]["shipDate"]
    assert placed.status == "Shipped"


def test_a_package_amazon_recorded_is_found_by_its_reference_id():
    order = {
        "orderId": "111-0000001-0000001",
        "packages": [
            {"packageReferenceId": "PKG-1"},
            {"packageReferenceId": "7", "trackingNumber": "1Z7"},
        ],
    }
    assert recorded_package(order, "7")["trackingNumber"] == "1Z7"
    assert recorded_package(order, "007")["trackingNumber"] == "1Z7"  # one package to Amazon
    assert recorded_package(order, "8") is None
    assert recorded_package({"orderId": "111-0000001-0000001"}, "7") is None  # no packages yet


@pytest.mark.parametrize(
    "packages",
    [{"packageReferenceId": "7"}, [{"trackingNumber": "1Z7"}], ["7"]],
)
def test_packages_that_cannot_be_read_are_never_taken_for_absent(packages):
    with pytest.raises(PayloadError):
        recorded_package({"packages": packages}, "7")


def test_the_client_reads_back_the_package_amazon_recorded(sim):
    from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials

    placed = sim.add_order([line("LTR-BELT", 1)])
    other = sim.add_order([line("JBJ-M", 1)])
    order = _from_simulator(placed)
    now = datetime.fromtimestamp(sim.clock.now(), UTC)
    body = build_confirmation(
        order, [(order.lines[0].order_item_id, 1)], "UPS", "1Z42", now - timedelta(hours=1), "3"
    )
    credentials = AmazonCredentials(
        AMAZON_DEMO["lwa_client_id"], AMAZON_DEMO["lwa_client_secret"], AMAZON_DEMO["refresh_token"]
    )
    with (
        in_process(sim.routes()),
        AmazonClient(credentials, AMAZON_DEMO["seller_id"], [US], clock=sim.clock) as client,
    ):
        assert client.find_package(placed.order_id, "3") is None  # not sent yet
        client.confirm_shipment(placed.order_id, body)
        package = client.find_package(placed.order_id, "3")
        assert package["trackingNumber"] == "1Z42"
        assert client.find_package(placed.order_id, "4") is None
        assert client.find_package(other.order_id, "3") is None
    assert len(sim.confirmations) == 1


# ---------------------------------------------------------------- items of split packages


def test_split_packages_get_their_own_items_whichever_goes_first():
    from amazon_lightspeed_connector.lib.amazon.shipment import allocate_package_items

    items = [("10", "shirt", 2), ("20", "belt", 1), ("30", "shirt", 1)]
    packages = [("A", [("shirt", 2)]), ("B", [("belt", 1), ("shirt", 1)])]
    assert allocate_package_items(items, packages) == {
        "A": [("10", 2)],
        "B": [("20", 1), ("30", 1)],
    }
    # one product on two items of the order: the package spans both
    assert allocate_package_items(items, [("A", [("shirt", 3)])]) == {"A": [("10", 2), ("30", 1)]}


def test_a_package_with_more_than_the_order_is_refused():
    from amazon_lightspeed_connector.lib.amazon.shipment import allocate_package_items

    with pytest.raises(PermanentError, match="no order item"):
        allocate_package_items([("10", "shirt", 1)], [("A", [("shirt", 2)])])
