from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..lib.errors import PayloadError, PermanentError, ThrottledError
from .connector_run import hand_over


class ConnectorConnectionMixin(models.AbstractModel):
    """The connection state of an external account and how a failure is reported.

    Shared by the Amazon and Lightspeed accounts: the last outcome stays on the record, every
    failure also goes to the sync log, and buttons answer with a notification that reloads the
    form so the new state shows (after a run: ``_run_notification``). The form's buttons
    count and open the account's records (``_count_per_account``, ``_records_action``).
    Where each scheduled flow of the account stands is on its own row
    (``connector.run.state``: ``_run_state``, ``_save_run_state``), shown on the account by
    ``run_state_field`` fields and the Scheduled Runs tab.
    """

    _name = "connector.connection.mixin"
    _description = "Connector Connection State"

    connection_state = fields.Selection(
        [("draft", "Not tested"), ("ok", "Connected"), ("error", "Failed")],
        default="draft",
        readonly=True,
        copy=False,
        help="The outcome of the last exchange with the service: a test or a synchronisation.",
    )
    connection_message = fields.Char(
        readonly=True, copy=False, help="What the service answered the last time it was asked."
    )
    run_state_ids = fields.One2many(
        "connector.run.state",
        "res_id",
        "Scheduled Runs",
        domain=lambda self: [("res_model", "=", self._name)],
        readonly=True,
        help="Where each scheduled flow of this account stands: how far it has read, when it "
        "last ran and what it did.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_run_states(self):
        # keyed by model and id, the rows have no foreign key to cascade with the account
        self.env["connector.run.state"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        ).unlink()

    # --- where each flow stands (connector.run.state) -------------------------------------------

    def _valid_field_parameter(self, field, name):
        return name == "run_state" or super()._valid_field_parameter(field, name)

    def _run_state_fields(self):
        """{field name: (flow, column)} of the ``run_state_field`` fields of this model."""
        return {
            name: field.run_state
            for name, field in self._fields.items()
            if getattr(field, "run_state", None)
        }

    def _compute_run_state_fields(self):
        shown = self._run_state_fields()
        rows = (
            self.env["connector.run.state"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self._origin.ids)])
        )
        row_of = {(row.res_id, row.flow): row for row in rows}
        for account in self:
            for name, (flow, column) in shown.items():
                account[name] = row_of.get((account._origin.id, flow), rows.browse())[column]

    def _run_state(self, flow):
        """This account's status row of ``flow`` (``connector.run.state``); empty before its
        first run, when every field reads False."""
        return self.env["connector.run.state"]._of(self, flow)

    def _save_run_state(self, flow, **values):
        """Keep what the run of ``flow`` moved (``cursor``, ``last_run``, ``last_result``,
        ``backlog``, ``last_reference``) on its status row, not on the account's own row."""
        state = self.env["connector.run.state"]._save(self, flow, values)
        self.invalidate_recordset(list(self._run_state_fields()))
        return state

    def _connection_reference(self):
        """The account's identifier on the other side, for the sync log."""
        raise NotImplementedError

    def _record_connection(self, state, message):
        self.write({"connection_state": state, "connection_message": message})

    def _connection_failed(self, error, what):
        """Keep the failure on the account and in the sync log; return the message shown."""
        message = _(
            "%(what)s failed for %(account)s: %(error)s", what=what, account=self.name, error=error
        )
        self._record_connection("error", message)
        self.env["amazon.sync.log"]._log_event(
            "connection",
            message,
            reference=self._connection_reference(),
            payload=error.payload,
            record=self,
        )
        return message

    def _connection_test_notification(self, error, what):
        """What a connection test that did not succeed shows. Out of quota (a full bucket, a
        429) nothing was tested: it says when to press again and the connection's state stays
        as it was; any other error is a failure, kept on the account and in the sync log."""
        if isinstance(error, ThrottledError):
            message = _(
                "%(what)s of %(account)s did not run: the API's quota has no room for it now. "
                "Press it again in %(seconds)s seconds.",
                what=what,
                account=self.name,
                seconds=max(1, round(error.retry_after or 60)),
            )
            return self._notification(message, "warning", True)
        return self._notification(self._connection_failed(error, what), "danger", True)

    def _stop_run(self, run, error, flow):
        """Stop ``run`` for ``error`` and say why in the sync log of ``flow``: a warning when
        the service throttled it, an error otherwise."""
        run.stop(error)
        self.env["amazon.sync.log"]._log_event(
            flow,
            _("%(account)s: %(why)s", account=self.name, why=run.stopped),
            level="warning" if run.stop_kind == "throttled" else "error",
            payload=error.payload,
            record=self,
        )

    # ``restart_at``, not ``cursor``: Odoo's ``_()`` takes a local of that name for the
    # database cursor when it looks for the user's language
    def _drop_unfinished_read(self, flow, error, restart_at, window_end=False, log_flow=None):
        """The service no longer takes the page an earlier run of ``flow`` saved (its token
        expired, or the link is not this account's): the read starts again from its cursor,
        ``restart_at``, where nothing was passed over, up to ``window_end`` (False: the
        service's bound); what it reads again is stored unchanged. Said in the sync log under
        ``log_flow`` (by default ``flow``)."""
        self._save_run_state(flow, page_token=False, window_end=window_end)
        self.env["amazon.sync.log"]._log_event(
            log_flow or flow,
            _(
                "%(account)s: the read the last run left unfinished cannot go on (%(error)s); "
                "it starts again from %(cursor)s.",
                account=self.name,
                error=error,
                cursor=restart_at or _("the beginning"),
            ),
            level="info",
            reference=self._connection_reference(),
            record=self,
        )

    def _read_on(self, flow, pages_from, resume_from, restart_at, log_flow=None):
        """The pages of a read of ``flow``, going on from the page link an earlier run saved
        (``resume_from``): ``pages_from(link)`` walks from ``link``, or from the start of the
        read when it is None. A link the service no longer takes (or one that is not this
        account's) starts the read again from its cursor, ``restart_at``, once (said in the
        sync log under ``log_flow``, by default ``flow``)."""
        pages = pages_from(resume_from)
        if resume_from:
            try:
                first = next(pages)
            except StopIteration:
                return
            except (PayloadError, PermanentError) as error:
                self._drop_unfinished_read(flow, error, restart_at, log_flow=log_flow)
                pages = pages_from(None)
            else:
                yield first
        yield from pages

    def _count_per_account(self, model, domain=(), account_field="account_id"):
        """{account: how many of its ``model`` records match ``domain``} for these accounts,
        in one query: the counters of the form's buttons."""
        return dict(
            self.env[model]._read_group(
                [(account_field, "in", self.ids), *domain], [account_field], ["__count"]
            )
        )

    def _records_action(self, xmlid, account_field="account_id", context=None):
        """The addon's window action ``xmlid``, showing this account's records only."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_lightspeed_connector.%s" % xmlid
        )
        action["domain"] = [(account_field, "=", self.id)]
        if context is not None:
            action["context"] = context
        return action

    def _run_notification(self, run, cron_xmlid, trouble, more=False, queued=None):
        """What a button says after its short ``run``: the run's summary and the work handed
        to the scheduled action ``cron_xmlid`` (``more``, ``queued``: see ``hand_over``); a
        warning when the run stopped or met ``trouble``, kept on screen when it stopped."""
        handed = hand_over(self.env, cron_xmlid, [run], queued=queued, more=more)
        message = " ".join(filter(None, [run.summary(), handed]))
        kind = "warning" if run.stopped or trouble else "success"
        return self._notification(message, kind, sticky=bool(run.stopped))

    @staticmethod
    def _notification(message, kind, sticky=False):
        """Show ``message``, then reload the form so it shows the new state and data."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


def run_state_field(field_type, flow, column, string, **options):
    """A read-only field of an account that shows ``column`` of its ``flow`` status row
    (``connector.run.state``) where its forms, lists and cards show it."""
    return field_type(
        string,
        compute="_compute_run_state_fields",
        compute_sudo=True,
        run_state=(flow, column),
        **options,
    )


def secret_field(field_type, *args, search, **options):
    """A secret of a ``connector.secrets.mixin`` account: stored in its secrets row, shown and
    written here by administrators only (``groups``), searched by them alone (``search``: the
    account's one-line method naming the field for ``_search_secret``)."""
    return field_type(
        *args,
        compute="_compute_secrets",
        inverse="_inverse_secrets",
        search=search,
        compute_sudo=True,
        groups="base.group_system",
        **options,
    )


class ConnectorSecretsMixin(models.AbstractModel):
    """Secrets of an account kept in a row of their own (see amazon.credential and
    lightspeed.token for why), shown on the account through ``secret_field`` fields.

    The account names the One2many to that row (``_secrets_rows``), the fields it shows
    (``_secret_fields``, named as the row's columns) and the message that refuses a search to
    anyone but an administrator (``_secrets_search_refused``, a lazy translation).
    """

    _name = "connector.secrets.mixin"
    _description = "Connector Secrets Kept Apart"

    _secrets_rows = None
    _secret_fields = ()
    _secrets_search_refused = None

    @api.depends(lambda self: [f"{self._secrets_rows}.{name}" for name in self._secret_fields])
    def _compute_secrets(self):
        for account in self:
            row = account[self._secrets_rows][:1]
            for name in self._secret_fields:
                account[name] = row[name]

    def _search_secret(self, field_name, operator, value):
        # only administrators may even ask whether a secret matches
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._(self._secrets_search_refused))
        return [(self._secrets_rows, "any", [(field_name, operator, value)])]

    def _inverse_secrets(self):
        # the field's groups already refused anyone but an administrator (or the connector)
        rows_field = self._fields[self._secrets_rows]
        for account in self.sudo():
            values = {name: account[name] or False for name in self._secret_fields}
            if account[self._secrets_rows]:
                account[self._secrets_rows][:1].write(values)
            else:
                self.env[rows_field.comodel_name].sudo().create(
                    dict(values, **{rows_field.inverse_name: account.id})
                )
