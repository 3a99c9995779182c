"""Mirroring one Lightspeed account's reference data (``_sync_reference_data`` of
``lightspeed_account``): the rows Lightspeed sent without an id or twice are left out and said
in the sync log, each shop gets its Odoo warehouse (found or created with a free name and code),
and each warehouse without a default register gets one.
"""

import dataclasses

from odoo import _, models


class LightspeedAccount(models.Model):
    _inherit = "lightspeed.account"

    def _usable_records(self, records, id_field, kind):
        """``records`` without those that have no id and without repeats of an id (the first
        is kept); each one left out is said in the sync log."""
        usable, seen = [], set()
        for record in records:
            record_id = getattr(record, id_field)
            if record_id is None:
                problem = _(
                    "Lightspeed account %(account)s sent a %(kind)s without an id (named "
                    "%(name)r): left out; fix it in Lightspeed.",
                    account=self.name,
                    kind=kind,
                    name=getattr(record, "name", ""),
                )
            elif record_id in seen:
                problem = _(
                    "Lightspeed account %(account)s sent %(kind)s %(id)s twice: the first one "
                    "is kept.",
                    account=self.name,
                    kind=kind,
                    id=record_id,
                )
            else:
                seen.add(record_id)
                usable.append(record)
                continue
            self.env["amazon.sync.log"]._log_event(
                "reference", problem, level="warning", reference=self.account_number, record=self
            )
        return usable

    def _sync_shops(self, shops):
        """Bind each shop to a warehouse (found by shop id, then by name, else created).

        As superuser: a connector manager need not be an inventory administrator for the
        stores of the Lightspeed account to appear as warehouses. A newly bound store comes
        last in the routing order; the manager reorders the stores afterwards.
        """
        Warehouse = self.env["stock.warehouse"].sudo().with_context(active_test=False)
        bound = Warehouse.search([("lightspeed_account_id", "=", self.id)])
        by_shop = {w.lightspeed_shop_id: w for w in bound}
        last_priority = max(bound.mapped("lightspeed_routing_priority"), default=0)
        for shop in shops:
            shop_id = str(shop.shop_id)
            if not shop.name:
                shop = dataclasses.replace(shop, name=_("Lightspeed shop %s", shop_id))
            values = {
                "lightspeed_shop_archived": shop.archived,
                "lightspeed_timezone": shop.timezone or False,
            }
            warehouse = by_shop.get(shop_id)
            if not warehouse:
                warehouse = self._find_or_create_warehouse(shop)
                last_priority += 10
                values.update(
                    lightspeed_account_id=self.id,
                    lightspeed_shop_id=shop_id,
                    lightspeed_routing_priority=last_priority,
                )
            warehouse.write(values)
            by_shop[shop_id] = warehouse
        listed = {str(shop.shop_id) for shop in shops}
        bound.filtered(lambda w: w.lightspeed_shop_id not in listed).write(
            {"lightspeed_shop_archived": True}
        )
        return by_shop

    def _find_or_create_warehouse(self, shop):
        Warehouse = self.env["stock.warehouse"].sudo()
        unbound = Warehouse.search(
            [
                ("company_id", "=", self.company_id.id),
                ("name", "=", shop.name),
                ("lightspeed_shop_id", "=", False),
            ],
            limit=1,
        )
        return unbound or Warehouse.create(
            {
                "name": self._free_warehouse_name(shop),
                "code": self._free_warehouse_code(shop),
                "company_id": self.company_id.id,
            }
        )

    def _free_warehouse_name(self, shop):
        """Warehouse names are unique per company: a name bound elsewhere gets the shop's id."""
        Warehouse = self.env["stock.warehouse"].sudo().with_context(active_test=False)
        taken = Warehouse.search_count(
            [("company_id", "=", self.company_id.id), ("name", "=", shop.name)]
        )
        return (
            "%s (Lightspeed %s/%s)" % (shop.name, self.account_number, shop.shop_id)
            if taken
            else shop.name
        )

    def _free_warehouse_code(self, shop):
        """Warehouse codes are at most 5 characters and unique per company."""
        Warehouse = self.env["stock.warehouse"].sudo().with_context(active_test=False)
        for candidate in ("LS%s" % shop.shop_id, "L%s" % shop.shop_id):
            code = candidate[:5]
            if not Warehouse.search_count(
                [("company_id", "=", self.company_id.id), ("code", "=", code)]
            ):
                return code
        return "L%04d" % (Warehouse.search_count([]) % 10000)

    def _fill_default_registers(self):
        """A store without a default register gets its first open register."""
        for warehouse in self.sudo().warehouse_ids.filtered(lambda w: not w.lightspeed_register_id):
            register = self.register_ids.filtered(lambda r, w=warehouse: r.warehouse_id == w)[:1]
            if register:
                warehouse.lightspeed_register_id = register
