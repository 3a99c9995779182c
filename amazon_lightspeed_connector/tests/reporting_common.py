"""Set-up shared by the reporting tests: a channel with two stores, built without routing."""

from odoo import Command

from ..models.amazon_order import NO_MAIL


def create_channel_data(env, company, prefix, account_number="1"):
    """A Lightspeed account (``account_number``) with stores A and B, an Amazon channel routing
    to them, a product."""
    lightspeed = env["lightspeed.account"].create(
        {"name": "%s stores" % prefix, "account_number": account_number, "company_id": company.id}
    )
    stores = env["stock.warehouse"]
    for code, shop_id in (("A", "1"), ("B", "2")):
        stores |= env["stock.warehouse"].create(
            {
                "name": "%s Store %s" % (prefix, code),
                "code": "%s%s" % (prefix[:3].upper(), code),
                "company_id": company.id,
                "lightspeed_account_id": lightspeed.id,
                "lightspeed_shop_id": shop_id,
            }
        )
    channel = env["amazon.account"].create(
        {
            "name": "%s channel" % prefix,
            "company_id": company.id,
            "lightspeed_account_id": lightspeed.id,
            "default_warehouse_id": stores[0].id,
            "routing_mode": "queue",
        }
    )
    product = env["product.product"].create(
        {"name": "%s mug" % prefix, "default_code": "%s-MUG" % prefix, "company_id": company.id}
    )
    return channel, stores, product


def create_order(env, channel, name, purchase_date, routing_state, import_state="imported"):
    """An unshipped merchant-fulfilled Amazon order of 25.00, in the given states."""
    return (
        env["amazon.order"]
        .with_context(**NO_MAIL)
        .create(
            {
                "name": name,
                "account_id": channel.id,
                "status": "unshipped",
                "fulfillment_channel": "MFN",
                "purchase_date": purchase_date,
                "routing_state": routing_state,
                "import_state": import_state,
                "order_total": 25.0,
                "currency_id": channel.company_id.currency_id.id,
            }
        )
    )


def create_routed(env, order, store, state, mode, lines, held_since=None, part=1, virtual=False):
    """A routed order (part ``part`` of ``order``) of ``(product, units)`` lines, as routing
    would have left it: in ``store`` (none while held), ``state`` and routing ``mode``."""
    return (
        env["amazon.routed.order"]
        .with_context(**NO_MAIL)
        .create(
            {
                "name": order.name if part == 1 else "%s-%s" % (order.name, part),
                "amazon_order_id": order.id,
                "warehouse_id": store.id if store else False,
                "state": state,
                "routing_mode": mode,
                "held_since": held_since,
                "part_number": part,
                "virtual_inventory": virtual,
                "line_ids": [
                    Command.create({"product_id": product.id, "quantity": units})
                    for product, units in lines
                ],
            }
        )
    )
