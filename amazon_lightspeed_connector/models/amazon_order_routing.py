"""Routing of Amazon orders (flow 3): which store(s) ship each new merchant-fulfilled order.

``amazon.order._route`` reads the order's lines, the channel's stores (the warehouses of its
Lightspeed account, not archived there) and their stock (on hand minus what routed orders not
yet in Lightspeed reserve), asks the pure engine (``lib.routing.route``) and writes its
decision: one ``amazon.routed.order`` per store part, or one held routed order. The decision
is written in words on the routed orders and in the order's chatter.

Hooks (README, "Extending the connector"): ``_prepare_routing_request`` gives the engine's
request values; the channel's mode ``m`` decides through ``_route_m(request)``, so a mode is
added by a ``selection_add`` on ``amazon.account.routing_mode`` and one method.

Entry points: the import calls ``_queue_for_routing`` when a new order is ready (routed at
once); the scheduled action ``_cron_route_orders`` (a batch per call, called again while more
wait) and the "Route" button take the orders still ``to_route`` (e.g. when the stock rows were
locked by another worker, or the channel had no default store yet).

Two workers never take the same last unit: routing locks the stock rows of the order's
products in all the stores (``lightspeed.stock._lock_for_routing``: NOWAIT, so a conflict
fails at once instead of waiting) and marks the rows it reserves from. A conflict rolls the
order's savepoint back and leaves it ``to_route`` for the next run.
"""

import logging

from odoo import _, api, fields, models

from ..lib import geo
from ..lib.routing import OrderLine, Outcome, RoutingMode, RoutingRequest, SplitFallback, Store
from ..lib.routing import route as route_order
from .access_guard import MANAGER, requires
from .connector_run import BUSY, DONE, ConnectorRun, button_env, hand_over

_logger = logging.getLogger(__name__)

# The most urgent first: Amazon's latest ship date (orders without one after), then the oldest.
URGENCY_ORDER = "latest_ship_date, purchase_date, id"
ROUTE_CRON = "amazon_lightspeed_connector.ir_cron_amazon_route_orders"


class RoutingNotPossible(Exception):
    """The channel is not set up for routing (no default store, no stores): retried later."""


class AmazonOrderRouting(models.Model):
    _name = "amazon.order"
    _inherit = ["amazon.order", "mail.thread"]

    _route_batch_size = 200  # orders routed per scheduled call, committed together

    routed_order_ids = fields.One2many(
        "amazon.routed.order", "amazon_order_id", "Routed Orders", readonly=True
    )
    routed_order_count = fields.Integer("Routed", compute="_compute_routed_order_count")
    routing_explanation = fields.Text(
        readonly=True, help="The last routing decision, or why the order could not be routed."
    )

    @api.depends("routed_order_ids")
    def _compute_routed_order_count(self):
        for order in self:
            order.routed_order_count = len(order.routed_order_ids)

    # --- hooks of the import ------------------------------------------------------------------

    def _queue_for_routing(self):
        """A new order is ready: route it now; what cannot be routed now stays to_route."""
        super()._queue_for_routing()
        self._route_pending()
        return True

    def _void_routed_orders(self):
        """Amazon cancelled the order: void every part never sent to Lightspeed. Parts already
        sent keep the order in "Cancelled: to void" (their sale must be voided in Lightspeed)."""
        super()._void_routed_orders()
        for order in self:
            parts = order.routed_order_ids
            unsent = parts.filtered(lambda r: r.state in ("held", "to_send", "error"))
            if unsent:
                unsent._void(_("Cancelled by Amazon."))
            if parts and not (parts - unsent).filtered(lambda r: r.state != "voided"):
                order.routing_state = "none"
        return True

    # --- entry points ---------------------------------------------------------------------------

    @requires("write", MANAGER)
    def action_route(self):
        """Route the selected orders that wait for it (button)."""
        # checked above: the routing writes what the scheduled action writes, as superuser
        pending = self.sudo().filtered(lambda o: o.routing_state == "to_route")
        pending = pending._most_urgent_first()
        run = ConnectorRun(button_env(self.env))
        routed = pending._route_pending(run)
        message = _("%(routed)s of %(pending)s orders routed.", routed=routed, pending=len(pending))
        if run.counts["busy"]:
            message += " " + _("%s taken by another worker.", run.counts["busy"])
        if run.stop_kind == "budget":
            queued = len(pending.filtered(lambda o: o.routing_state == "to_route"))
            message += " " + hand_over(self.env, ROUTE_CRON, [run], queued)
        return self.env["amazon.account"]._notification(
            message, "success" if routed == len(pending) else "warning"
        )

    @api.model
    def _cron_route_orders(self):
        """Route the orders still waiting, most urgent first (Amazon's latest ship date, then the
        oldest; ``URGENCY_ORDER``), ``_route_batch_size`` per call, each in its
        own savepoint. Each call is one transaction: the cron worker commits it and calls again
        at once while routable orders remain (ir.cron progress), so a backlog of thousands is
        not one long transaction holding the stock locks, lost whole by a crash."""
        pending = self.search([("routing_state", "=", "to_route")], order=URGENCY_ORDER)
        batch = pending[: self._route_batch_size]
        run = ConnectorRun(self.env)
        routed = batch._route_pending(run)
        # a channel that could not route (no default store) or met busy stock waits for the
        # next interval: its orders are not work that can go now
        stuck = batch.filtered(lambda o: o.routing_state == "to_route").account_id
        waiting = (pending - batch).filtered(lambda o: o.account_id not in stuck)
        if run.stop_kind == "budget":
            waiting = pending.filtered(lambda o: o.routing_state == "to_route")
            run.schedule(ROUTE_CRON)
        run.report(routed, len(waiting) if routed else 0)

    def _route_pending(self, run=None):
        """Route each order in its own savepoint (the run loop's), within the run's budget;
        returns how many were routed."""
        run = run or ConnectorRun(self.env)
        routed = 0
        problems = {}
        for order in run.items(self):
            if order.routing_state != "to_route":
                continue
            outcome, error = run.attempt(
                order._route, label=order.name, item_errors=(RoutingNotPossible,)
            )
            if outcome == DONE:
                routed += 1
            elif outcome == BUSY:
                # another worker routes the same products right now, or did since this
                # transaction started: route again in a later transaction, which sees it.
                # Routed inline by the import, nothing else would come back for it before the
                # route action's interval: ask for a run in a few seconds.
                _logger.info("Amazon order %s: stock busy, routed on the next run", order.name)
                run.retry_soon(ROUTE_CRON)
                break
            elif isinstance(error, RoutingNotPossible):
                if order.routing_explanation != str(error):
                    order.routing_explanation = str(error)
                problems.setdefault((order.account_id, str(error)), order)
            else:  # an unexpected failure: said on the order, which waits for a fix
                order.routing_explanation = str(error)
                problems.setdefault((order.account_id, str(error)), order)
        for (account, message), order in problems.items():
            account._log_routing_problem(message, order)
        return routed

    # --- the routing ----------------------------------------------------------------------------

    def _routing_stores(self):
        account = self.account_id
        stores = account.lightspeed_account_id.sudo().warehouse_ids.filtered(
            lambda w: w.lightspeed_shop_id and not w.lightspeed_shop_archived
        )
        default = account.default_warehouse_id
        if not default or default not in stores:
            raise RoutingNotPossible(
                _(
                    "The channel %(channel)s has no default store bound to its Lightspeed "
                    "account: its orders wait to be routed until one is set.",
                    channel=account.name,
                )
            )
        return stores, default

    def _order_lines(self):
        """{product: (quantity, SKUs)} of the order, lines of the same product merged."""
        merged = {}
        for line in self.line_ids:
            if not line.product_id or line.quantity < 1:
                continue
            quantity, skus = merged.get(line.product_id, (0, []))
            merged[line.product_id] = (quantity + line.quantity, skus + [line.seller_sku])
        if not merged:
            raise RoutingNotPossible(_("Amazon order %s has no line to route.", self.name))
        return merged

    def _lock_stock(self, products):
        stores = self.account_id.lightspeed_account_id.sudo().warehouse_ids
        self.env["lightspeed.stock"]._lock_for_routing(stores, products)

    def _route(self, held=None):
        """Decide and record where this order ships; ``held``: the held part re-routed."""
        self.ensure_one()
        stores, default = self._routing_stores()
        lines = self._order_lines()
        products = self.env["product.product"].union(*lines)
        self._lock_stock(products)
        available = self.env["lightspeed.stock"]._available(stores, products)
        keys = _product_keys(products)
        request = self._prepare_routing_request(stores, default, lines, available, keys)
        decision = self._route_by_mode(request)
        self._record_decision(decision, lines, {key: p for p, key in keys.items()}, held)
        return decision

    def _prepare_routing_request(self, stores, default, lines, available, keys):
        """The routing engine's ``RoutingRequest`` values for this order, a dict (every field
        but ``mode``: the channel's mode method sets it). ``stores``: the warehouses that may
        ship, ``default`` the channel's default store, ``lines`` {product: (quantity, SKUs)},
        ``available`` {store id: {product id: units}}, ``keys`` {product: its engine key}.
        An override changes or adds values after ``super()``."""
        account = self.account_id
        return {
            "lines": [OrderLine(keys[product], qty) for product, (qty, _s) in lines.items()],
            "stock": {
                str(store.id): {keys[p]: units for p, units in _by_product(available, store, keys)}
                for store in stores
            },
            "stores": self._routing_store_tuple(stores),
            "default_store": str(default.id),
            "split_fallback": (
                SplitFallback.DEFAULT_STORE
                if account.split_fallback == "default"
                else SplitFallback.HOLD
            ),
            "ship_to": self._ship_to_location(),
            "tie_break": account.routing_tie_break,
            "max_parts": account.routing_max_parts,
        }

    def _routing_store_tuple(self, stores):
        """The engine's stores for these warehouses, one tuple object per set of stores and
        their values for the whole transaction: building a Store and the engine's index of a
        tuple of them costs more than routing a best-store order, so a run routing hundreds of
        orders of a channel pays for it once (a changed priority or location makes a new
        tuple). Kept on the cursor, which also keeps the tuple alive while the engine's cache
        knows it by id()."""
        values = tuple(
            (str(s.id), s.name, s.lightspeed_routing_priority, s._routing_location())
            for s in stores
        )
        known = self.env.cr.cache.setdefault("amazon_routing_store_tuples", {})
        if values not in known:
            known[values] = tuple(Store(*store_values) for store_values in values)
        return known[values]

    def _route_by_mode(self, request):
        """The decision of the channel's routing mode: ``_route_<mode>(request)``, where
        ``request`` is ``_prepare_routing_request``'s dict. A mode is added by a
        ``selection_add`` on ``amazon.account.routing_mode`` and its ``_route_<mode>``
        method, which returns a ``RoutingDecision`` (README, "Extending the connector")."""
        return getattr(self, "_route_%s" % self.account_id.routing_mode)(request)

    def _route_single(self, request):
        """Always the channel's default store (short lines: virtual inventory)."""
        return route_order(RoutingRequest(**request, mode=RoutingMode.SINGLE_STORE))

    def _route_best(self, request):
        """One store with everything, else the default store on virtual inventory."""
        return route_order(RoutingRequest(**request, mode=RoutingMode.BEST_STORE))

    def _route_queue(self, request):
        """One store with everything, else held for a person."""
        return route_order(RoutingRequest(**request, mode=RoutingMode.QUEUE))

    def _route_split(self, request):
        """The fewest stores that together hold everything (else the split fallback)."""
        return route_order(RoutingRequest(**request, mode=RoutingMode.SPLIT))

    def _ship_to_location(self):
        """The buyer's (latitude, longitude) from the ship-to postal code, offline (else the
        state's or the country's centre), or None: distance then decides nothing."""
        where = geo.locate(self.ship_country_code or "", self.ship_zip or "", self.ship_state or "")
        return where.point if where else None

    def _record_decision(self, decision, lines, by_key, held):
        """Write ``decision``: one held routed order, or one per part (``held``, re-routed,
        becomes the first part); the order is routed and the decision in its chatter."""
        # a connector user re-routing a held order may not write orders or lines themselves:
        # the decision is the engine's, written as superuser (the chatter keeps the user)
        held = held.sudo() if held else None
        common = {
            "amazon_order_id": self.id,
            # the engine's mode; a mode of an extension may name itself with a plain string
            "routing_mode": getattr(decision.mode, "value", decision.mode),
            "explanation": decision.reason,
            "proven_minimal": decision.proven_minimal,
        }
        skus = {
            product: ", ".join(dict.fromkeys(s for s in skus if s))
            for product, (_q, skus) in lines.items()
        }
        missing = {by_key[line.product]: line.quantity for line in decision.missing}
        if decision.outcome is Outcome.HELD:
            quantities = [(product, quantity) for product, (quantity, _s) in lines.items()]
            values = dict(common, line_ids=_line_commands(quantities, skus, missing))
            routed = self._record_held(values, decision, held)
        else:
            virtual = decision.outcome is Outcome.VIRTUAL
            routed = self.env["amazon.routed.order"].sudo()
            for number, part in enumerate(decision.parts, 1):
                quantities = [(by_key[line.product], line.quantity) for line in part.lines]
                commands = _line_commands(quantities, skus, missing if virtual else {})
                values = dict(common, line_ids=commands, virtual_inventory=virtual)
                routed |= self._record_part(values, decision, part, number, held)
                self.env["lightspeed.stock"]._mark_reserved(
                    (int(part.store), product.id) for product, _q in quantities
                )
        self.sudo().write({"routing_state": "routed", "routing_explanation": decision.reason})
        self._follow_route()
        if held:
            note = _(
                "Re-routed by %(user)s: %(reason)s", user=self.env.user.name, reason=decision.reason
            )
        else:
            note = decision.reason
        self._post_routing_note(note)
        return routed

    def _record_held(self, values, decision, held):
        """The order waits for a person: ``held`` stays held (it keeps its age and its
        activities), else a new held routed order, announced."""
        values = dict(values, name=self.name, warehouse_id=False, state="held")
        values["virtual_inventory"] = False
        if held:
            held.write(values)
            return held
        routed = (
            self.env["amazon.routed.order"]
            .sudo()
            .create(dict(values, held_since=fields.Datetime.now()))
        )
        routed._notify_held()
        self.env["amazon.sync.log"]._log_event(
            "routing",
            "%s: %s" % (self.name, decision.reason),
            level="info",
            reference=self.name,
            record=self,
        )
        return routed

    def _record_part(self, values, decision, part, number, held):
        """Part ``number``, to send from its store (the re-routed ``held`` one becomes part
        1)."""
        count = len(decision.parts)
        values = dict(
            values,
            name=self.name if count == 1 else "%s-%s" % (self.name, number),
            warehouse_id=self.env["stock.warehouse"].sudo().browse(int(part.store)).id,
            state="to_send",
            part_number=number,
            part_count=count,
        )
        if held and number == 1:
            values["held_since"] = held.held_since
            held.write(values)
            held._close_activities(_("Re-routed: %s", decision.reason))
            routed = held
        else:
            routed = self.env["amazon.routed.order"].sudo().create(values)
        return routed

    def _follow_route(self):
        """One store ships everything: the sale order's warehouse (and its delivery) follow."""
        sale = self.sale_order_id.sudo()
        parts = self.routed_order_ids.filtered(lambda r: r.state not in ("voided", "held"))
        if not sale or len(parts) != 1 or sale.warehouse_id == parts.warehouse_id:
            return
        sale.warehouse_id = parts.warehouse_id
        if sale.state != "sale":
            return
        open_pickings = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        if open_pickings and not sale.picking_ids.filtered(lambda p: p.state == "done"):
            open_pickings.action_cancel()
            sale.order_line._action_launch_stock_rule()

    def _post_routing_note(self, body):
        """The decision in the order's chatter; its author is whoever made it."""
        self.sudo().message_post(
            body=body, subtype_xmlid="mail.mt_note", author_id=self.env.user.partner_id.id
        )


def _product_keys(products):
    """Readable, unique product keys for the engine (its reasons name them): the internal
    reference, else the name; a duplicate gets the record id."""
    keys, seen = {}, set()
    for product in products:
        key = product.default_code or product.display_name
        if key in seen:
            key = "%s (#%s)" % (key, product.id)
        seen.add(key)
        keys[product] = key
    return keys


def _line_commands(quantities, skus, missing):
    """The routed order's lines, replacing any it had: (product, quantity) pairs, with the
    order's SKUs of each product and the units ``missing`` of it."""
    return [fields.Command.clear()] + [
        fields.Command.create(
            {
                "product_id": product.id,
                "seller_sku": skus[product],
                "quantity": quantity,
                "missing_qty": missing.get(product, 0),
            }
        )
        for product, quantity in quantities
    ]


def _by_product(available, store, products):
    per_product = available.get(store.id, {})
    return ((p, per_product.get(p.id, 0)) for p in products)
