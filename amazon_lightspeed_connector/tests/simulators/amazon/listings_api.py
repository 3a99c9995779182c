"""patchListingsItem and the shared logic that applies listing changes to offers.

Only the two attributes the connector writes are understood: ``fulfillment_availability``
(quantity) and ``purchasable_offer`` (price). Other attribute paths are accepted and recorded,
as Amazon would accept any attribute of the product type.
"""

import uuid
from dataclasses import dataclass

from ..core import SimResponse
from . import errors
from .state import Offer

QUANTITY_PATH = "/attributes/fulfillment_availability"
PRICE_PATH = "/attributes/purchasable_offer"
PATCH_OPS = ("add", "replace", "merge", "delete")


@dataclass
class ListingPatch:
    seller_id: str
    sku: str
    marketplace_ids: list
    product_type: str
    patches: list
    status: str  # ACCEPTED, INVALID or VALID (validation preview)
    at: float
    via: str  # "api" or "feed:<feedId>"


def issue(code, message, attribute=None):
    found = {"code": code, "message": message, "severity": "ERROR", "categories": []}
    if attribute:
        found["attributeNames"] = [attribute]
        found["categories"] = ["INVALID_ATTRIBUTE"]
    return found


def _quantity_problems(value):
    if not isinstance(value, list) or not value:
        return ["fulfillment_availability needs a non-empty list."]
    problems = []
    for entry in value:
        quantity = entry.get("quantity") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not entry.get("fulfillment_channel_code"):
            problems.append("fulfillment_availability needs fulfillment_channel_code.")
        elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            problems.append("fulfillment_availability quantity must be a whole number >= 0.")
    return problems


def _price_of(value):
    """The our_price schedule's value_with_tax, or None when the shape is wrong."""
    try:
        price = value[0]["our_price"][0]["schedule"][0]["value_with_tax"]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(price, bool) or not isinstance(price, (int, float, str)):
        return None
    try:
        return None if float(price) < 0 else price
    except ValueError:
        return None


def patch_problems(patches):
    """Issues in a list of JSON patches (empty: all acceptable)."""
    found = []
    for patch in patches:
        op, path, value = patch.get("op"), patch.get("path"), patch.get("value")
        if op not in PATCH_OPS:
            found.append(issue("4000001", "Unsupported patch operation %r." % op))
        elif op != "delete" and path == QUANTITY_PATH:
            found.extend(
                issue("4000002", p, "fulfillment_availability") for p in _quantity_problems(value)
            )
        elif op != "delete" and path == PRICE_PATH and _price_of(value) is None:
            found.append(
                issue(
                    "4000003",
                    "purchasable_offer needs our_price[0].schedule[0].value_with_tax.",
                    "purchasable_offer",
                )
            )
    return found


def apply_patches(sim, sku, marketplace_id, product_type, patches):
    offer = sim.offers.setdefault((sku, marketplace_id), Offer(sku, marketplace_id))
    offer.product_type = product_type or offer.product_type
    for patch in patches:
        op, path, value = patch["op"], patch["path"], patch.get("value")
        if path == QUANTITY_PATH:
            offer.quantity = None if op == "delete" else value[0]["quantity"]
        elif path == PRICE_PATH:
            offer.price = None if op == "delete" else str(_price_of(value))
            if op != "delete":
                offer.currency = value[0].get("currency", offer.currency)
    offer.updated = sim.clock.now()
    return offer


def sku_issues(sim, sku, marketplace_ids):
    if sku in sim.invalid_skus:
        return [issue("90000900", "The SKU %s is not eligible for listing changes." % sku)]
    unknown = [m for m in marketplace_ids if (sku, m) not in sim.offers]
    if sim.strict_skus and unknown:
        return [issue("4000004", "SKU %s has no listing in %s." % (sku, ", ".join(unknown)))]
    return []


def patch_listings_item(sim, request, token, sellerId, sku):
    if sellerId != token.seller_id:
        return errors.unauthorized("The sellerId does not match the access token.")
    marketplace_ids = request.args("marketplaceIds")
    try:
        body = request.json()
    except ValueError:
        return errors.sp_error(400, "BAD_REQUEST", "Invalid input", "Body is not valid JSON")
    problems = []
    if not marketplace_ids:
        problems.append("Missing request parameter: marketplaceIds.")
    if not isinstance(body, dict) or not body.get("productType"):
        problems.append("Missing request parameter: productType.")
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("patches"), list)
        or not body["patches"]
    ):
        problems.append("Missing request parameter: patches.")
    elif not all(isinstance(p, dict) and p.get("path") for p in body["patches"]):
        problems.append("Every patch needs op and path.")
    if problems:
        return errors.many_invalid_inputs(problems)
    preview = request.arg("mode") == "VALIDATION_PREVIEW"
    found = sku_issues(sim, sku, marketplace_ids) + patch_problems(body["patches"])
    status = "INVALID" if found else ("VALID" if preview else "ACCEPTED")
    if status == "ACCEPTED":
        for marketplace_id in marketplace_ids:
            apply_patches(sim, sku, marketplace_id, body["productType"], body["patches"])
    sim.listing_patches.append(
        ListingPatch(
            sellerId,
            sku,
            marketplace_ids,
            body["productType"],
            body["patches"],
            status,
            sim.clock.now(),
            "api",
        )
    )
    answer = {
        "sku": sku,
        "status": status,
        "submissionId": uuid.UUID(int=sim.random.getrandbits(128)).hex,
        "issues": found,
    }
    return SimResponse.json(200, answer)
