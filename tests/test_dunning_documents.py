"""Letters, statements, fees and several activities in one dunning conversation."""

from odoo.tests import tagged

from .test_dunning import NOW, DunningCase


@tagged("post_install", "-at_install")
class TestDunningDocuments(DunningCase):
    def _final(self, **values):
        """A final level right after the first (one step up the graduated ladder)."""
        self.level_second.active = False
        self.level_call.active = False
        return self.env["ai.dunning.level"].create(
            {"name": "T final", "sequence": 9, "days": 45, "tone": "final", **values}
        )

    def test_letter_and_statement_attached(self):
        final = self._final(
            mail_template_id=self.env.ref("ar_ai_collections.mail_template_ai_dunning_final").id,
            attach_statement=True,
            print_letter=True,
        )
        partner = self._customer("Letter")
        inv = self._invoice(partner, 50)
        self._executed(inv, self.level_first, days_ago=20)
        self._run()
        log = self._logs(inv, level_id=final.id)
        self.assertEqual(log.action, "email,letter")
        mail = self._mails(partner)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertIn("Statement", mail.attachment_ids.name)
        letter = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("name", "like", "Reminder"),
            ]
        )
        self.assertEqual(len(letter), 1)

    def test_letter_without_pdf_engine_falls_back_to_html(self):
        """Real report rendering (not the test-mode HTML shortcut): without a usable
        wkhtmltopdf the run still completes and keeps a printable HTML letter."""
        from odoo.addons.base.models import ir_actions_report

        final = self._final(send_email=False, print_letter=True)
        partner = self._customer("Printer")
        inv = self._invoice(partner, 50)
        self._executed(inv, self.level_first, days_ago=20)
        stats = (
            self.env["ai.dunning.run"]
            .with_context(force_report_rendering=True)
            .run(self.company, now=NOW)
        )
        self.assertEqual(stats.get("send"), 1, stats)
        log = self._logs(inv, level_id=final.id)
        self.assertEqual((log.action, log.outcome), ("letter", "done"))
        letter = self.env["ir.attachment"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        self.assertEqual(len(letter), 1)
        if ir_actions_report.wkhtmltopdf_state == "ok":
            self.assertEqual(letter.mimetype, "application/pdf")
        else:
            self.assertEqual(letter.mimetype, "text/html")
            self.assertTrue(letter.name.endswith(".html"))
            self.assertIn(inv.name.encode(), letter.raw)
            letter_message = partner.message_ids.filtered(lambda m: letter in m.attachment_ids)
            self.assertIn("could not be generated", letter_message.body)

    def test_call_level_with_a_failing_address_gets_both_activities(self):
        """A call level reached by a customer without email, whose other invoice gets
        its first reminder: one conversation at the call level, one call activity."""
        partner = self._customer("Busy", email=False)
        inv_call = self._invoice(partner, 40, band="high")
        self._executed(inv_call, self.level_second, days_ago=15)
        inv_first = self._invoice(partner, 8)
        self._run()
        self.assertEqual(self._logs(inv_call, level_id=self.level_call.id).outcome, "done")
        self.assertEqual(self._logs(inv_first).level_id, self.level_first)
        activities = self._activities(partner)
        self.assertEqual(activities.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activities.user_id, self.collector)

    def test_statement_totals_per_currency(self):
        partner = self._customer("Statement")
        self._invoice(partner, 10, amount=100.0)
        self._invoice(partner, -10, amount=50.0)
        foreign = self._invoice(partner, 0, amount=70.0, currency=self.eur)
        statement = partner._ai_statement()
        self.assertEqual(len(statement["lines"]), 3)
        totals = {t["currency"]: (t["due"], t["overdue"]) for t in statement["totals"]}
        self.assertEqual(totals[self.company.currency_id], (150.0, 100.0))
        self.assertEqual(totals[foreign.currency_id][0], 70.0)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "ar_ai_collections.action_report_ai_statement", partner.ids
        )[0]
        self.assertIn(b"Statement of account", html)

    def test_optional_fee_creates_draft_invoice(self):
        product = self.env["product.product"].create({"name": "Reminder fee", "type": "service"})
        self.level_first.write(
            {"fee_enabled": True, "fee_product_id": product.id, "fee_amount": 15.0}
        )
        partner = self._customer("Fee")
        inv = self._invoice(partner, 8)
        self._run()
        self.assertIn("fee", self._logs(inv).action)
        fee = self.env["account.move"].search(
            [("partner_id", "=", partner.id), ("state", "=", "draft")]
        )
        self.assertEqual(len(fee), 1)
        self.assertEqual(fee.invoice_line_ids.product_id, product)
        self.assertEqual(fee.invoice_line_ids.price_unit, 15.0)
        self.assertFalse(self.level_courtesy.fee_enabled, "off by default")
