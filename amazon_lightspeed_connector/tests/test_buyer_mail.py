"""No Amazon buyer follows a document or receives a mail, whatever a person does.

An order imported from the Amazon simulator gets its sale order, delivery, invoice and credit
note. On each, a person posts a message with the buyer ticked as recipient, and sends the
document by e-mail with its own template (what "Send" does): no mail reaches the buyer, and
the buyer never becomes a follower.
"""

from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import tagged
from odoo.tools import email_normalize

from ..models.mail_buyer_guard import NO_BUYER_REASON
from .amazon_import_common import AmazonImportCase
from .simulators.amazon import line

TEMPLATES = {
    "sale.order": "sale.email_template_edi_sale",
    "stock.picking": "stock.mail_template_data_delivery_confirmation",
    "account.move": "account.email_template_edi_invoice",
}


@tagged("post_install", "-at_install")
class TestBuyerNeverMailed(AmazonImportCase, MockEmail):
    def setUp(self):
        super().setUp()
        if not self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
        ):
            self.env["account.chart.template"].try_loading(
                "generic_coa", company=self.company, install_demo=False
            )
        self.sim.add_order([line("LTR-BELT", 1, "25.00")])
        self.run_import()
        self.order = self.orders()
        self.sale = self.order.sale_order_id
        self.buyers = self.sale.partner_id | self.sale.partner_shipping_id
        self.assertTrue(all(self.buyers.mapped("amazon_buyer")))
        self.buyer_emails = {email_normalize(e) for e in self.buyers.mapped("email") if e}
        self.assertTrue(self.buyer_emails)

    def documents(self):
        """The sale order, its delivery, its posted invoice and a posted credit note."""
        picking = self.sale.picking_ids
        self.assertTrue(picking, "a confirmed order has its delivery")
        invoice = self.sale._create_invoices()
        invoice.action_post()
        credit_note = invoice._reverse_moves(
            [{"ref": "Amazon refund", "invoice_date": invoice.invoice_date}]
        )
        credit_note.action_post()
        return [self.sale, picking, invoice, credit_note]

    def test_no_buyer_follows_or_is_mailed_from_any_document(self):
        documents = self.documents()
        self.assertEqual(len(documents), 4)
        for document in documents:
            with self.subTest(document=document.display_name):
                self.assertFalse(
                    self.buyers & document.message_partner_ids, "Odoo subscribed the buyer"
                )
                with self.mock_mail_gateway():
                    # a person ticks the buyer as recipient of a message
                    document.with_context(mail_post_autofollow=True).message_post(
                        body="Your parcel is on its way",
                        message_type="comment",
                        subtype_xmlid="mail.mt_comment",
                        partner_ids=self.buyers.ids,
                    )
                    # and presses "Send": the document's own template, addressed to its partner
                    template = self.env.ref(TEMPLATES[document._name])
                    template.send_mail(document.id, force_send=True)
                    composer = (
                        self.env["mail.compose.message"]
                        .with_context(
                            default_model=document._name,
                            default_res_ids=document.ids,
                            default_template_id=template.id,
                            default_composition_mode="comment",
                        )
                        .create({"partner_ids": [(6, 0, self.buyers.ids)]})
                    )
                    composer._action_send_mail()
                self.assertFalse(self.buyers & document.message_partner_ids, "a follower")
                self.assertTrue(self._new_mails, "a mail was built: the guard had work")
                for mail in self._new_mails:
                    self.assertFalse(mail.recipient_ids & self.buyers)
                    written = "%s %s" % (mail.email_to or "", mail.email_cc or "")
                    self.assertFalse(
                        {email_normalize(w) for w in written.split()} & self.buyer_emails
                    )
                for sent in self._mails:
                    addresses = {
                        email_normalize(a) for a in sent["email_to"] + (sent.get("email_cc") or [])
                    }
                    self.assertFalse(addresses & self.buyer_emails, sent["email_to"])
                notified = self.env["mail.notification"].search(
                    [
                        ("res_partner_id", "in", self.buyers.ids),
                        ("mail_message_id.model", "=", document._name),
                        ("mail_message_id.res_id", "=", document.id),
                    ]
                )
                self.assertFalse(notified, "a buyer was notified")

    def test_a_mail_addressed_only_to_a_buyer_is_cancelled_saying_why(self):
        mail = self.env["mail.mail"].create(
            {
                "subject": "Hello",
                "body_html": "<p>Hello</p>",
                "email_to": self.sale.partner_id.email,
                "recipient_ids": [(6, 0, self.buyers.ids)],
            }
        )
        self.assertEqual((mail.state, mail.failure_reason), ("cancel", NO_BUYER_REASON))
        self.assertFalse(mail.recipient_ids or mail.email_to)
        other = self.env["res.partner"].create({"name": "Back office", "email": "bo@example.com"})
        mixed = self.env["mail.mail"].create(
            {
                "subject": "Hello",
                "body_html": "<p>Hello</p>",
                "email_to": "%s, bo@example.com" % self.sale.partner_id.email,
                "recipient_ids": [(6, 0, (self.buyers | other).ids)],
            }
        )
        self.assertEqual(mixed.state, "outgoing")
        self.assertEqual((mixed.recipient_ids, mixed.email_to), (other, "bo@example.com"))
