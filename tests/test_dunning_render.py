from datetime import date, timedelta

from odoo import Command, fields, tools
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import freeze_time, tagged

from ..models.mail_mail import MAIL_COLUMNS, MESSAGE_COLUMNS, RENDER_FIELDS
from ..models.mail_render_mixin import amount_formatter, memoized
from .common import post_invoice_due

# Thousands grouping with ",", " " and "."; Indian grouping (en_IN); none (hi_IN).
LANGS = ("en_US", "fr_FR", "de_DE", "en_IN", "hi_IN")
AMOUNTS = (0.0, 0.004, -0.004, 1.005, 999.995, -1234.5, 1234567.891, 0.1 + 0.2, 1e9, 7)


@tagged("post_install", "-at_install")
class TestDunningRender(AccountTestInvoicingCommon):
    """The dunning batch's fast paths give exactly what Odoo's own paths give."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGS:
            cls.env["res.lang"]._activate_lang(code)
        cls.currencies = (
            cls.env.ref("base.EUR")  # symbol after, 2 decimals
            | cls.env.ref("base.USD")  # symbol before
            | cls.env.ref("base.JPY")  # no decimals
            | cls.env.ref("base.KWD")  # 3 decimals
        )

    def test_amounts_match_odoo_in_every_language(self):
        for code in LANGS:
            env = self.env(context=dict(self.env.context, lang=code))
            fast = amount_formatter(env, None)
            for currency in self.currencies:
                for amount in AMOUNTS:
                    with self.subTest(lang=code, currency=currency.name, amount=amount):
                        expected = tools.format_amount(env, amount, currency)
                        self.assertEqual(fast(amount, currency), expected)
                        # An explicit language wins over the context's, as in Odoo.
                        self.assertEqual(
                            fast(amount, currency, "fr_FR"),
                            tools.format_amount(env, amount, currency, "fr_FR"),
                        )
        # The languages really differ, so a formatter ignoring them would fail.
        usd = self.env.ref("base.USD")
        texts = {
            code: amount_formatter(self.env(context={"lang": code}), None)(1234567.0, usd)
            for code in LANGS
        }
        self.assertEqual(texts["en_IN"], "$\N{NO-BREAK SPACE}12,34,567.00")
        self.assertEqual(len(set(texts.values())), len(LANGS))

    def test_anything_but_a_currency_goes_to_odoo(self):
        seen = []
        fast = amount_formatter(self.env, lambda *args: seen.append(args) or "odoo")
        self.assertEqual(fast(10.0, False), "odoo")
        self.assertEqual(fast(10.0, self.currencies), "odoo")
        self.assertEqual(len(seen), 2)

    def test_memoized_calls_once_per_arguments(self):
        calls = []

        def format_date(value, date_format=False, lang_code=False):
            calls.append(value)
            return f"{value}/{date_format}/{lang_code}"

        results = {}
        cached = memoized(format_date, results, "fr_FR")
        day = date(2026, 11, 23)
        self.assertEqual(cached(day), cached(day))
        self.assertEqual(cached(day, date_format="MMM"), "2026-11-23/MMM/False")
        self.assertEqual(cached(day, "MMM"), "2026-11-23/MMM/False")
        self.assertEqual(len(calls), 3, "same arguments: computed once")
        # Another scope (language, time zone) does not reuse the French results.
        memoized(format_date, results, "de_DE")(day)
        self.assertEqual(len(calls), 4)
        self.assertEqual(cached([day]), "[datetime.date(2026, 11, 23)]/False/False")
        self.assertEqual(len(calls), 5, "unhashable arguments are computed, not cached")

    def test_batch_body_equals_odoo_rendering(self):
        """The reminder body rendered in a dunning batch is Odoo's own rendering."""
        template = self.env.ref("ar_ai_collections.mail_template_ai_dunning_firm")
        today = fields.Date.context_today(self.env["res.partner"])
        partners = self.env["res.partner"]
        for code in ("en_US", "fr_FR", "de_DE"):
            partner = self.env["res.partner"].create(
                {"name": f"Render {code}", "email": f"{code}@example.com", "lang": code}
            )
            for days, amount in ((40, 1234.56), (12, 98765.4), (3, 0.5)):
                post_invoice_due(self.env, partner, amount, today - timedelta(days=days))
            partners |= partner
        # One invoice in another currency: its own symbol and decimals.
        self.env.ref("base.JPY").active = True
        other = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partners[0].id,
                "currency_id": self.env.ref("base.JPY").id,
                "invoice_date": today - timedelta(days=20),
                "invoice_date_due": today - timedelta(days=20),
                "invoice_line_ids": [
                    Command.create({"name": "Yen", "price_unit": 150000, "tax_ids": []})
                ],
            }
        )
        other.action_post()
        # One clock for both renders: the portal link carries its expiry, in seconds.
        with freeze_time(fields.Datetime.now()):
            plain = template._generate_template(partners.ids, ("body_html",))
            batch = template.with_context(ai_dunning_render_token="test")._generate_template(
                partners.ids, ("body_html",)
            )
        for partner in partners:
            body = batch[partner.id]["body_html"]
            self.assertEqual(body, plain[partner.id]["body_html"])
            self.assertIn(partner.ai_dunning_invoice_ids[0].name, body)
        self.assertIn("1.234,56", batch[partners[2].id]["body_html"], "de_DE separators")

    def test_bulk_queued_mails_equal_send_mail_batch(self):
        """Reminders queued in bulk SQL store what ``send_mail_batch`` stores."""
        template = self.env.ref("ar_ai_collections.mail_template_ai_dunning_courteous").sudo()
        # Exercise every column: recipients and static attachments from the template.
        contact = self.env["res.partner"].create({"name": "Billing", "email": "bill@example.com"})
        attachment = self.env["ir.attachment"].create({"name": "terms.txt", "raw": b"terms"})
        template.write(
            {
                "partner_to": str(contact.id),
                "email_cc": "cc@example.com",
                "reply_to": "collections@example.com",
                "attachment_ids": [Command.set(attachment.ids)],
            }
        )
        today = fields.Date.context_today(self.env["res.partner"])
        partners = self.env["res.partner"]
        for code in ("en_US", "fr_FR"):
            partner = self.env["res.partner"].create(
                {"name": f"Bulk {code}", "email": f"bulk.{code}@example.com", "lang": code}
            )
            post_invoice_due(self.env, partner, 1234.5, today - timedelta(days=9))
            partners |= partner
        self.assertTrue(self.env["mail.mail"]._ai_can_queue_in_bulk(template))
        # Same second for both: the portal link in the body carries its expiry time.
        with freeze_time(fields.Datetime.now()):
            expected = template.send_mail_batch(partners.ids, force_send=False)
            rendered = template._generate_template(partners.ids, RENDER_FIELDS)
            bulk = self.env["mail.mail"]._ai_queue_rendered(rendered, partners.ids)
        self.assertEqual(len(bulk), 2)
        columns = [f"m.{name}" for name in MESSAGE_COLUMNS if name not in ("message_id", "date")]
        columns += [f"mm.{name}" for name in MAIL_COLUMNS]
        query = f"""
            SELECT {", ".join(columns)},
                   ARRAY(SELECT res_partner_id FROM mail_mail_res_partner_rel r
                          WHERE r.mail_mail_id = mm.id ORDER BY 1),
                   ARRAY(SELECT attachment_id FROM message_attachment_rel a
                          WHERE a.message_id = m.id ORDER BY 1),
                   m.message_id LIKE %s
              FROM mail_mail mm JOIN mail_message m ON m.id = mm.mail_message_id
             WHERE mm.id = %s
        """
        self.env.flush_all()
        for ref, new, partner in zip(expected, bulk, partners, strict=True):
            rows = []
            for mail in (ref, new):
                self.env.cr.execute(query, [f"<%-{partner.id}-res.partner@%>", mail.id])
                rows.append(self.env.cr.fetchone())
            self.assertEqual(rows[1], rows[0])
            self.assertTrue(rows[1][-1], "a Message-Id threading on the customer")
            self.assertEqual(new.recipient_ids, contact)
            self.assertEqual(new.attachment_ids, attachment)
            self.assertIn(partner.name, new.body_html)
        # The records are usable through the ORM at once (cache, chatter).
        self.assertIn(bulk[0].mail_message_id, partners[0].message_ids)
        self.assertEqual(bulk.mapped("state"), ["outgoing", "outgoing"])

    def test_layout_templates_use_send_mail_batch(self):
        template = self.env.ref("ar_ai_collections.mail_template_ai_dunning_courteous")
        template.email_layout_xmlid = "mail.mail_notification_light"
        self.assertFalse(self.env["mail.mail"]._ai_can_queue_in_bulk(template))


@tagged("post_install", "-at_install")
class TestBulkReminderSending(AccountTestInvoicingCommon, MockEmail):
    def test_bulk_queued_reminder_goes_out_through_odoo(self):
        """Odoo's mail queue sends a reminder queued in bulk, as any other email."""
        template = self.env.ref("ar_ai_collections.mail_template_ai_dunning_firm").sudo()
        partner = self.env["res.partner"].create(
            {"name": "Outgoing Customer", "email": "outgoing@example.com"}
        )
        today = fields.Date.context_today(partner)
        invoice = post_invoice_due(self.env, partner, 321.0, today - timedelta(days=20))
        # Computed on access (a search): drop any value read before the posting.
        partner.invalidate_recordset(["ai_dunning_invoice_ids"])
        rendered = template._generate_template(partner.ids, RENDER_FIELDS)
        rendered[partner.id]["partner_ids"] = partner.ids
        mail = self.env["mail.mail"]._ai_queue_rendered(rendered, partner.ids)
        with self.mock_mail_gateway():
            mail.send()
        self.assertEqual(mail.state, "sent")
        self.assertEqual(len(self._mails), 1)
        sent = self._mails[0]
        self.assertEqual(sent["email_to"], ['"Outgoing Customer" <outgoing@example.com>'])
        self.assertEqual(sent["subject"], rendered[partner.id]["subject"])
        self.assertIn(invoice.name, sent["body"])
        self.assertEqual(sent["message_id"], mail.message_id)
