"""Amazon buyers are never followers and never e-mailed, whatever a person or Odoo does.

Amazon forbids contacting buyers outside its messaging. Odoo would: it subscribes the customer
to a posted invoice, to a confirmed sale order, to a delivery, and a person may tick the
customer as recipient of a message or press "Send". Three guards, where every such path meets:

- ``mail.followers``: a buyer is never inserted as a follower, of any document;
- ``mail.thread._notify_get_recipients``: a buyer is never notified of a message (followers
  or recipients chosen by hand);
- ``mail.mail``: a mail built directly (a mail template's ``send_mail``) loses a buyer's
  partner and address; one left with nobody to send to is cancelled, saying why.
"""

from odoo import api, models
from odoo.tools import email_normalize
from odoo.tools.mail import email_split_and_format

NO_BUYER_REASON = "Amazon buyers are never e-mailed (Amazon forbids contacting them)."


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    @api.model_create_multi
    def create(self, vals_list):
        buyers = self.env["res.partner"]._amazon_buyer_ids(
            [vals.get("partner_id") for vals in vals_list]
        )
        if buyers:
            vals_list = [vals for vals in vals_list if vals.get("partner_id") not in buyers]
        return super().create(vals_list)


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        buyers = self.env["res.partner"]._amazon_buyer_ids([r["id"] for r in recipients])
        return [r for r in recipients if r["id"] not in buyers] if buyers else recipients


class MailMail(models.Model):
    _inherit = "mail.mail"

    @api.model_create_multi
    def create(self, vals_list):
        mails = super().create(vals_list)
        mails._drop_amazon_buyers()
        return mails

    def _drop_amazon_buyers(self):
        Partner = self.env["res.partner"]
        buyer_ids = Partner._amazon_buyer_ids(self.sudo().recipient_ids.ids)
        addresses = {
            mail: {
                field: email_split_and_format(mail[field] or "")
                for field in ("email_to", "email_cc")
            }
            for mail in self.sudo()
        }
        buyer_emails = Partner._amazon_buyer_emails(
            [a for fields in addresses.values() for values in fields.values() for a in values]
        )
        if not buyer_ids and not buyer_emails:
            return
        for mail, fields in addresses.items():
            values = {}
            dropped = mail.recipient_ids.filtered(lambda p: p.id in buyer_ids)
            if dropped:
                values["recipient_ids"] = [(3, partner.id) for partner in dropped]
            for field, parts in fields.items():
                kept = [a for a in parts if email_normalize(a) not in buyer_emails]
                if len(kept) != len(parts):
                    values[field] = ", ".join(kept) or False
            if not values:
                continue
            nobody_left = not (
                (mail.recipient_ids - dropped)
                or values.get("email_to", mail.email_to)
                or values.get("email_cc", mail.email_cc)
            )
            if nobody_left:
                values.update(state="cancel", failure_reason=NO_BUYER_REASON)
            mail.write(values)
