from odoo import _, fields, models


class ConnectorConnectionMixin(models.AbstractModel):
    """The connection state of an external account and how a failure is reported.

    Shared by the Amazon and Lightspeed accounts: the last outcome stays on the record, every
    failure also goes to the sync log, and buttons answer with a notification that reloads the
    form so the new state shows.
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
        self.env["amazon.sync.log"].log_event(
            "connection",
            message,
            reference=self._connection_reference(),
            payload=error.payload,
            record=self,
        )
        return message

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
