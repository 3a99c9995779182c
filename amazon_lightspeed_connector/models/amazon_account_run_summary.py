"""The sync log e-mail (flow 10): one summary per run of a channel, never one per order.

A run notes where the records stood when it began (``_run_started``: the highest ids of
Amazon orders, routed orders and sync log rows) and, at its end, calls
``_mail_run_summary(flow, started, sent=...)``. What came after the marks is what the run
did: new Amazon orders stored without error (imported), new routed orders (routed, or held),
the routed orders the run says it wrote to Lightspeed (sent) and the error rows of the sync
log about this channel (failed). Ids, not timestamps: a run inside one transaction has a
single timestamp.

When the channel's "Send Sync Log To" is set and something happened, one mail (template
``mail_template_sync_summary``) is queued through mail.mail with the counts and links to the
records; a run that did nothing sends nothing.
"""

from collections import namedtuple

from odoo import _, models

RunStart = namedtuple("RunStart", "order_id routed_id log_id")
LINKED_RECORDS = 10  # records linked one by one in the mail; the list action shows the rest


class AmazonAccountRunSummary(models.Model):
    _inherit = "amazon.account"

    def _run_started(self):
        """The marks a run's summary counts from (call before the run)."""
        marks = []
        for model in ("amazon.order", "amazon.routed.order", "amazon.sync.log"):
            last = self.env[model].sudo().with_context(active_test=False)
            marks.append(last.search([], order="id desc", limit=1).id or 0)
        return RunStart(*marks)

    def _import_orders(self, client=None, deadline=None):
        """The import run, then its summary mail."""
        started = self._run_started()
        run = super()._import_orders(client=client, deadline=deadline)
        if run is not None:
            self._mail_run_summary("import", started)
        return run

    def _run_summary(self, started, sent=None):
        """``{key: records}`` of what happened in this channel since ``started``."""
        self.ensure_one()
        env = self.sudo().env
        routed = env["amazon.routed.order"].search(
            [("account_id", "=", self.id), ("id", ">", started.routed_id)]
        )
        return {
            "imported": env["amazon.order"].search(
                [
                    ("account_id", "=", self.id),
                    ("id", ">", started.order_id),
                    ("import_state", "=", "imported"),
                ]
            ),
            "routed": routed.filtered(lambda r: r.state not in ("held", "voided")),
            "held": routed.filtered(lambda r: r.state == "held"),
            "sent": (sent or env["amazon.routed.order"]).sudo(),
            "failed": self._failed_log_rows(started.log_id),
        }

    def _failed_log_rows(self, after_id):
        """Error rows written since ``after_id`` about this channel, its orders or routed
        orders."""
        rows = (
            self.env["amazon.sync.log"]
            .sudo()
            .search([("id", ">", after_id), ("level", "=", "error")])
        )
        env = self.sudo().env

        def about_this_channel(row):
            if row.res_model == "amazon.account":
                return row.res_id == self.id
            if row.res_model in ("amazon.order", "amazon.routed.order") and row.res_id:
                return env[row.res_model].browse(row.res_id).exists().account_id == self
            return False

        return rows.filtered(about_this_channel)

    def _mail_run_summary(self, flow, started, sent=None):
        """Queue one summary mail of the run of ``flow`` begun at ``started`` (see
        ``_run_started``); ``sent``: the routed orders the run wrote to Lightspeed. No mail
        without an address or when nothing happened. Returns the mail.mail or None."""
        self.ensure_one()
        if not self.sync_log_email:
            return None
        summary = self._run_summary(started, sent)
        if not any(summary.values()):
            return None
        template = self.env.ref("amazon_lightspeed_connector.mail_template_sync_summary")
        sections = self._summary_sections(summary)
        flow_label = dict(self.env["amazon.sync.log"]._fields["flow"].selection)[flow]
        mail_id = (
            template.sudo()
            .with_context(summary_sections=sections, summary_flow=flow_label)
            .send_mail(self.id, email_layout_xmlid=False)
        )
        return self.env["mail.mail"].sudo().browse(mail_id)

    def _summary_sections(self, summary):
        """Label, count, list link and a few record links per kind of outcome."""
        base = self.get_base_url()
        actions = {
            "imported": "amazon_lightspeed_connector.amazon_order_action",
            "routed": "amazon_lightspeed_connector.amazon_routed_order_action",
            "held": "amazon_lightspeed_connector.amazon_routed_order_held_action",
            "sent": "amazon_lightspeed_connector.amazon_routed_order_action",
            "failed": "amazon_lightspeed_connector.amazon_sync_log_action",
        }
        labels = {
            "imported": _("Imported"),
            "routed": _("Routed to a store"),
            "held": _("Held for a person"),
            "sent": _("Sent to Lightspeed"),
            "failed": _("Failed"),
        }
        sections = []
        for key, records in summary.items():
            links = [
                {
                    "name": (record.display_name or "")[:120],
                    "url": "%s/odoo/%s/%s" % (base, record._name, record.id),
                }
                for record in records[:LINKED_RECORDS]
            ]
            sections.append(
                {
                    "key": key,
                    "label": labels[key],
                    "count": len(records),
                    "list_url": "%s/odoo/action-%s" % (base, actions[key]),
                    "links": links,
                    "more": max(len(records) - LINKED_RECORDS, 0),
                }
            )
        return sections
