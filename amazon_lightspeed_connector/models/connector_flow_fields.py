"""Fields the connector's flows keep: a person cannot set them over RPC either.

Odoo applies a field's ``readonly`` in the forms only: over RPC (``write``, ``create``,
``web_save``) a user with write access to a model may set any of its fields. The connector's
flows then act as superuser on what these fields say: which Lightspeed account and sale to
complete, which sale order to deliver and invoice, when a buyer's data is erased. A person who
could set them would act through the connector on records of another company, or that he has
no right to touch (a Connector User pointing his order at another company's Lightspeed sale,
then pressing Mark shipped).

So a model inheriting this mixin refuses, outside superuser code, a value for any field the
connector defines on it, except those of ``_user_fields`` (the ones its forms let a person
edit). Fields other modules add (the chatter's, an integrator's) follow Odoo's usual rules.
The buttons check the caller's rights first (``access_guard.requires``) and then write as
superuser, as the scheduled actions do.
"""

from odoo import _, api, models
from odoo.exceptions import AccessError

MODULE = "amazon_lightspeed_connector"


class ConnectorFlowFields(models.AbstractModel):
    _name = "connector.flow.fields"
    _description = "Connector Flow Fields"

    _user_fields = frozenset()  # what the forms let a person (with write access) change

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._check_user_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._check_user_fields(vals)
        return super().write(vals)

    def _check_user_fields(self, vals):
        kept = sorted(
            name
            for name in vals
            if name not in self._user_fields
            and name in self._fields
            and MODULE in (self._fields[name]._modules or ())
        )
        if kept:
            raise AccessError(
                _(
                    "%(fields)s of %(model)s are kept by the connector: they cannot be set by "
                    "hand. Use the record's buttons.",
                    fields=", ".join(
                        self._fields[name]._description_string(self.env) for name in kept
                    ),
                    model=self._description,
                )
            )
