"""Lightspeed V3 query parameters on the simulator: operators, or, relations, sort, cursors."""

from amazon_lightspeed_connector.tests.simulators.lightspeed.testing import as_list


def skus(answer):
    assert answer.status_code == 200, answer.text
    return [item["customSku"] for item in as_list(answer.json().get("Item"))]


def test_comparison_operators_on_numbers_and_strings(api):
    assert skus(api.get("Item", itemID=">,10")) == ["CASH-BEANIE", "RAIN-JKT-M"]
    assert skus(api.get("Item", itemID=">=,11")) == ["CASH-BEANIE", "RAIN-JKT-M"]
    assert skus(api.get("Item", itemID="<,3")) == ["JBJ-S", "JBJ-M"]
    assert skus(api.get("Item", itemID="<=,1")) == ["JBJ-S"]
    assert skus(api.get("Item", itemID="><,2,3")) == ["JBJ-M", "JBJ-L"]
    assert skus(api.get("Item", itemID="IN,[4,9]")) == ["OXF-WHT-M", "WOOL-SCARF"]
    assert skus(api.get("Item", itemID="IN,4,9")) == ["OXF-WHT-M", "WOOL-SCARF"]
    assert len(skus(api.get("Item", itemID="!=,1"))) == 11
    # "9" < "10" only when compared as numbers.
    assert skus(api.get("Item", itemID=">,9", limit=1)) == ["CANVAS-TOTE"]


def test_like_and_equality_on_text(api):
    assert skus(api.get("Item", description="~,%jeans%")) == ["JBJ-S", "JBJ-M", "JBJ-L"]
    assert skus(api.get("Item", description="~,Oxford%")) == ["OXF-WHT-M", "OXF-BLU-M"]
    without_comma = ["LTR-BELT", "WOOL-SCARF", "CANVAS-TOTE", "CASH-BEANIE"]
    assert skus(api.get("Item", description="!~,%, %")) == without_comma
    assert skus(api.get("Item", customSku="wool-scarf")) == ["WOOL-SCARF"]
    assert skus(api.get("Item", upc="400000000086")) == ["LTR-BELT"]


def test_or_combines_alternatives(api):
    answer = api.get("Item", **{"or": "customSku=LTR-BELT|description=~,%Boots%"})
    assert skus(answer) == ["WBT-BRN-42", "WBT-BLK-43", "LTR-BELT"]


def test_encoded_operator_survives_the_wire(api):
    url = api.url("Item") + "?itemID=%3E%3D%2C12"
    assert [i["itemID"] for i in as_list(api.get_url(url).json()["Item"])] == ["12"]


def test_timestamp_filter_returns_only_items_whose_stock_moved(sim, api):
    cursor = "2026-01-01T00:00:00+00:00"
    sim.clock.advance(60)
    sim.set_qoh("LTR-BELT", 2, 4)  # a stock count at store B
    sim.sell_at_store("WOOL-SCARF", 1)  # a walk-in sale at store A
    changed = api.get("Item", timeStamp=">,%s" % cursor, load_relations='["ItemShops"]')
    assert skus(changed) == ["LTR-BELT", "WOOL-SCARF"]
    belt = as_list(changed.json()["Item"])[0]
    by_shop = {s["shopID"]: s for s in belt["ItemShops"]["ItemShop"]}
    assert (by_shop["2"]["qoh"], by_shop["0"]["qoh"]) == ("4", "19")
    assert by_shop["2"]["timeStamp"] == "2026-01-01T00:01:00+00:00"
    assert by_shop["1"]["timeStamp"] == cursor  # untouched shops keep their stamp

    item_shops = api.get("ItemShop", timeStamp=">,2026-01-01T00:00:30", shopID="!=,0")
    moved = [(s["itemID"], s["shopID"], s["qoh"]) for s in as_list(item_shops.json()["ItemShop"])]
    assert moved == [("8", "2", "4"), ("9", "1", "7")]
    later = api.get("Item", timeStamp=">=,2026-01-01T00:01:01Z")
    assert "Item" not in later.json()


def test_relation_filter_matches_when_any_related_record_does(api):
    answer = api.get("Item", load_relations='["ItemShops"]', **{"ItemShops.qoh": ">,7"})
    # OXF-WHT-M holds 6 + 3 units: only its total row (shopID 0) is above 7, and that counts.
    assert skus(answer) == ["OXF-WHT-M", "LTR-BELT", "WOOL-SCARF", "CANVAS-TOTE"]


def test_customer_search_by_email(sim, api):
    sim.add_customer("Jo", "Buyer", email="jo@marketplace.amazon.test")
    sim.add_customer("Al", "Other", email="al@marketplace.amazon.test")
    for params in (
        {"Contact.email": "jo@marketplace.amazon.test"},
        {"Contact.Emails.ContactEmail.address": "JO@marketplace.amazon.test"},
    ):
        answer = api.get("Customer", load_relations='["Contact"]', **params)
        assert answer.json()["Customer"]["firstName"] == "Jo"
        assert answer.json()["Customer"]["Contact"]["Emails"]["ContactEmail"]["address"] == (
            "jo@marketplace.amazon.test"
        )
    assert "Customer" not in api.get("Customer", **{"Contact.email": "nobody@x.test"}).json()


def test_load_relations_adds_only_what_is_asked(api):
    plain = api.get("Item", 1).json()["Item"]
    assert "ItemShops" not in plain and "Prices" in plain  # Prices always come
    shops = api.get("Item", 1, load_relations='["ItemShops"]').json()["Item"]
    assert len(shops["ItemShops"]["ItemShop"]) == 4  # stores A, B, C and the total (shopID 0)
    assert "Note" not in shops
    everything = api.get("Shop", 1, load_relations="all").json()["Shop"]
    assert everything["Registers"]["Register"]["registerID"] == "1"
    bad = api.get("Item", 1, load_relations='["ItemShopz"]')
    assert bad.status_code == 400 and "ItemShopz" in bad.json()["message"]


def test_cursor_paging_forwards_and_backwards_with_sort(api):
    first = api.get("Item", limit=5, sort="-itemID").json()
    assert [i["itemID"] for i in first["Item"]] == ["12", "11", "10", "9", "8"]
    assert first["@attributes"]["previous"] == ""
    second = api.get_url(first["@attributes"]["next"]).json()
    assert [i["itemID"] for i in second["Item"]] == ["7", "6", "5", "4", "3"]
    third = api.get_url(second["@attributes"]["next"]).json()
    assert [i["itemID"] for i in third["Item"]] == ["2", "1"]
    assert third["@attributes"]["next"] == ""
    back = api.get_url(third["@attributes"]["previous"]).json()
    assert [i["itemID"] for i in back["Item"]] == ["7", "6", "5", "4", "3"]


def test_paging_by_timestamp_does_not_skip_ties(sim, api):
    sim.clock.advance(5)
    for sku in ("RAIN-JKT-M", "JBJ-S", "LTR-BELT"):
        sim.set_qoh(sku, 1, 9)  # three items with the same timeStamp
    seen, url = [], api.url("Item") + "?sort=timeStamp&limit=2"
    while url:
        page = api.get_url(url).json()
        seen.extend(i["customSku"] for i in as_list(page.get("Item")))
        url = page["@attributes"]["next"]
    assert len(seen) == 12 and len(set(seen)) == 12
    assert seen[-3:] == ["JBJ-S", "LTR-BELT", "RAIN-JKT-M"]  # ties broken by itemID


def test_count_limit_and_invalid_queries(api, sim):
    counted = api.get("Item", count=1, customSku="~,JBJ%")
    assert counted.json() == {"@attributes": {"count": "3"}}
    assert counted.headers["X-LS-API-Request-Cost"] == "10"
    assert len(skus(api.get("Item", limit=100))) == 12
    for params, words in (
        ({"limit": 101}, "Limit"),
        ({"offset": 100}, "offset"),
        ({"sort": "price"}, "sort"),
        ({"colour": "blue"}, "colour"),
        ({"after": "not-a-cursor"}, "cursor"),
    ):
        answer = api.get("Item", **params)
        assert answer.status_code == 400, params
        assert words in answer.json()["message"]
        assert answer.json()["httpCode"] == "400"
    assert api.get("Nonsense").status_code == 404


def test_archived_records_are_hidden_unless_asked(api, sim):
    sim.store.items[5]["archived"] = "true"
    sim.store.changed()
    assert "OXF-BLU-M" not in skus(api.get("Item"))
    assert skus(api.get("Item", archived="only")) == ["OXF-BLU-M"]
    assert len(skus(api.get("Item", archived="true"))) == 12
