import math

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib.endpoints import endpoint_problem
from ..lib.errors import AuthError

INT4 = (-(2**31), 2**31 - 1)  # an Integer column; beyond it PostgreSQL refuses the row
RANGE_PARAMETERS = ("minimum", "exclusive_minimum", "maximum")


class RefusedEndpoint(UserError, AuthError):
    """A stored endpoint no credential may be sent to: settings a person must fix. Both kinds,
    so each flow handles it as it handles missing credentials (UserError) or refused ones."""


class ConnectorAccountGuard(models.AbstractModel):
    """Settings of an account that holds credentials, checked before anything is written.

    Why before: a row PostgreSQL refuses (a CHECK, NOT NULL, UNIQUE or foreign key) is logged
    by Odoo at ERROR with the whole query and PostgreSQL's "Failing row contains (...)", so
    every value of the row, secrets included, would reach the server log. Python constraints
    (``api.constrains``) only run after the row is written. So ``create`` and ``write`` check
    the values first, with a clear message, and no database constraint of these tables can be
    broken by what a user enters.

    Fields declare their rules: ``endpoint=True`` for an address credentials are sent to
    (https, or http to loopback; only Settings administrators may change it), ``minimum``,
    ``exclusive_minimum`` and ``maximum`` for numbers.
    """

    _name = "connector.account.guard"
    _description = "Connector Account Settings Guard"

    can_edit_endpoints = fields.Boolean(
        compute="_compute_can_edit_endpoints",
        help="Only Settings administrators may change the addresses credentials are sent to.",
    )

    def _valid_field_parameter(self, field, name):
        return name in ("endpoint",) + RANGE_PARAMETERS or super()._valid_field_parameter(
            field, name
        )

    @api.depends_context("uid")
    def _compute_can_edit_endpoints(self):
        self.can_edit_endpoints = self._may_change_endpoints()

    def _may_change_endpoints(self):
        return self.env.su or self.env.user.has_group("base.group_system")

    def _endpoint_fields(self):
        return [name for name, field in self._fields.items() if getattr(field, "endpoint", False)]

    def _production_endpoints(self):
        """{field name: the service's own addresses}: what a non-administrator may create
        an account with. Extended by each account model."""
        return {}

    # --- create and write ---------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._add_missing_default_values(vals) for vals in vals_list]
        for vals in vals_list:
            self._check_endpoint_rights_on_create(vals)
            self._check_settings(vals, creating=True)
        self._check_new_accounts(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_endpoint_rights_on_write(vals)
        self._check_settings(vals)
        self._check_account_changes(vals)
        return super().write(vals)

    def _check_new_accounts(self, vals_list):
        """Hook: the model's own checks of new rows (e.g. a uniqueness) before the INSERT."""
        return True

    def _check_account_changes(self, vals):
        """Hook: the model's own checks of a write before the UPDATE."""
        return True

    # --- endpoints ----------------------------------------------------------------------------

    def _refuse_endpoint_change(self, field_name):
        raise AccessError(
            _(
                "Only Settings administrators can change %(field)s of %(model)s: credentials are "
                "sent to that address. Ask an administrator.",
                field=self._fields[field_name]._description_string(self.env),
                model=self._description,
            )
        )

    def _check_endpoint_rights_on_create(self, vals):
        if self._may_change_endpoints():
            return
        known = self._production_endpoints()
        for name in self._endpoint_fields():
            if vals.get(name) and vals[name] not in known.get(name, ()):
                self._refuse_endpoint_change(name)

    def _check_endpoint_rights_on_write(self, vals):
        if self._may_change_endpoints():
            return
        for name in set(self._endpoint_fields()) & set(vals):
            if any((record[name] or False) != (vals[name] or False) for record in self):
                self._refuse_endpoint_change(name)

    def _stored_endpoint_problem(self, names=None):
        """What is wrong with an address stored before these checks existed (or written in
        SQL), as a sentence; None when every endpoint of the account is fine."""
        self.ensure_one()
        account = self.sudo()
        for name in names or self._endpoint_fields():
            problem = endpoint_problem(account[name]) if account[name] else None
            if problem:
                return _(
                    "%(field)s of %(account)s is refused (%(problem)s): an administrator must "
                    "correct it before any credential is sent.",
                    field=self._fields[name]._description_string(self.env),
                    account=account.display_name,
                    problem=problem,
                )
        return None

    def _check_stored_endpoints(self):
        """Before credentials leave."""
        for account in self:
            problem = account._stored_endpoint_problem()
            if problem:
                raise RefusedEndpoint(problem)

    # --- values -------------------------------------------------------------------------------

    @staticmethod
    def _is_empty(value):
        return value is None or value is False or value == ""

    def _check_settings(self, vals, creating=False):
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None or not field.store:
                continue
            label = field._description_string(self.env)
            if field.required and field.type != "boolean" and self._is_empty(value):
                raise ValidationError(_("%s is required.", label))
            if getattr(field, "endpoint", False):
                self._check_endpoint_value(label, value)
            elif field.type in ("integer", "float"):
                self._check_number(field, label, value)
            elif field.type == "many2one" and value:
                self._check_record_exists(field, label, value)
            elif field.type in ("char", "text") and isinstance(value, str) and "\x00" in value:
                # psycopg2 refuses the query, and Odoo logs the cursor's last query with it
                raise ValidationError(_("%s contains a NUL character.", label))
        if creating:
            missing = [
                field._description_string(self.env)
                for name, field in self._fields.items()
                if field.required
                and field.store
                and not field.compute
                and field.type != "boolean"
                and self._is_empty(vals.get(name))
            ]
            if missing:
                raise ValidationError(_("%s is required.", ", ".join(sorted(missing))))

    def _check_endpoint_value(self, label, value):
        problem = endpoint_problem(value) if value else None
        if problem:
            raise ValidationError(
                _(
                    "%(field)s: %(value)r is refused: %(problem)s.",
                    field=label,
                    value=value,
                    problem=problem,
                )
            )

    def _check_number(self, field, label, value):
        try:
            number = int(value or 0) if field.type == "integer" else float(value or 0.0)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(_("%s must be a number.", label)) from None
        if not math.isfinite(number) or (
            field.type == "integer" and not INT4[0] <= number <= INT4[1]
        ):
            raise ValidationError(
                _("%(field)s: %(value)s is not a usable number.", field=label, value=value)
            )
        above = getattr(field, "exclusive_minimum", None)
        low = getattr(field, "minimum", None)
        high = getattr(field, "maximum", None)
        if (
            (above is not None and not number > above)
            or (low is not None and not number >= low)
            or (high is not None and not number <= high)
        ):
            raise ValidationError(self._range_message(label, number, above, low, high))

    def _range_message(self, label, number, above, low, high):
        """E.g. "Pages per Run must be at least 1 (not 0)."."""
        if above is not None:
            bound = _("above %s", above)
        elif low is not None:
            bound = _("at least %s", low)
        else:
            bound = ""
        if high is not None:
            bound = (
                _("%(bound)s and at most %(max)s", bound=bound, max=high)
                if bound
                else _("at most %s", high)
            )
        return _(
            "%(field)s must be %(bound)s (not %(value)s).", field=label, bound=bound, value=number
        )

    def _check_record_exists(self, field, label, value):
        if isinstance(value, models.BaseModel):
            value = value.id
        if (
            not isinstance(value, int)
            or not self.env[field.comodel_name].sudo().browse(value).exists()
        ):
            raise ValidationError(_("%s: the chosen record does not exist.", label))
