from collections import defaultdict
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from ..controllers.portal import BASE as PORTAL_BASE
from ..models.ai_dunning_run import LOCK_NAMESPACE
from .common import post_invoice_due

# Monday 23 November 2026, 10:00 UTC: a business day and hour in UTC.
NOW = datetime(2026, 11, 23, 10, 0)
TODAY = NOW.date()


@tagged("post_install", "-at_install")
class DunningCase(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "ai_dunning_max_contacts_7d": 2,
                "ai_dunning_hour_start": 8.0,
                "ai_dunning_hour_end": 18.0,
                "ai_dunning_weekdays_only": True,
                "ai_dunning_min_amount": 0.0,
                "ai_dunning_review_amount": 50000.0,
                "ai_dunning_mail_max_retries": 2,
            }
        )
        cls.company.partner_id.tz = "UTC"
        Level = cls.env["ai.dunning.level"]
        Level.search([("company_id", "=", cls.company.id)]).active = False
        template = cls.env.ref("ar_ai_collections.mail_template_ai_dunning_courteous")
        cls.level_courtesy = Level.create(
            {
                "name": "T courtesy",
                "sequence": 1,
                "days": -5,
                "band_low": False,
                "band_medium": False,
                "mail_template_id": template.id,
            }
        )
        cls.level_first = Level.create(
            {"name": "T first", "sequence": 2, "days": 7, "mail_template_id": template.id}
        )
        cls.level_call = Level.create(
            {
                "name": "T call",
                "sequence": 3,
                "days": 15,
                "band_low": False,
                "band_medium": False,
                "send_email": False,
                "create_activity": True,
                "activity_type_id": cls.env.ref("mail.mail_activity_data_call").id,
            }
        )
        cls.collector = cls.env["res.users"].create(
            {
                "name": "Collector",
                "login": "dun_collector",
                "email": "collector@example.com",
                "groups_id": [(6, 0, [cls.env.ref("account.group_account_invoice").id])],
            }
        )

    # ------------------------------------------------------------------
    def _customer(self, name="Customer", email=True, **vals):
        values = {
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@example.com" if email else False,
            "tz": "UTC",
            "ai_collector_id": self.collector.id,
            "property_payment_term_id": self.env.ref("account.account_payment_term_immediate").id,
        }
        values.update(vals)
        return self.env["res.partner"].create(values)

    def _invoice(self, partner, days_overdue, amount=1000.0, band="low"):
        due = TODAY - timedelta(days=days_overdue)
        move = self.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=due,
            amounts=[amount],
            taxes=[],
            post=True,
        )
        self.assertEqual(move.invoice_date_due, due)
        move.write({"ai_risk_band": band})
        return move

    def _run(self, now=NOW, **kw):
        return self.env["ai.dunning.run"].run(self.company, now=now, **kw)

    def _logs(self, moves):
        return self.env["ai.dunning.log"].search([("move_id", "in", moves.ids)])

    def _mails(self, partner):
        """Reminder emails of ``partner`` (not the activity notifications to collectors)."""
        return self.env["mail.mail"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("message_type", "!=", "user_notification"),
            ]
        )


@tagged("post_install", "-at_install")
class TestDunningRun(DunningCase):
    def test_risk_dependent_timing(self):
        """High risk: courtesy before due and a call at 15 days; low risk: email at 7 days."""
        risky, safe = self._customer("Risky"), self._customer("Safe")
        pre_risky = self._invoice(risky, -3, band="high")
        pre_safe = self._invoice(safe, -3, band="low")
        late_safe = self._invoice(safe, 20, band="low")
        late_risky = self._invoice(risky, 20, band="critical")
        self._run()
        self.assertEqual(self._logs(pre_risky).level_id, self.level_courtesy)
        self.assertFalse(self._logs(pre_safe))
        self.assertEqual(self._logs(late_safe).level_id, self.level_first)
        self.assertEqual(self._logs(late_risky).level_id, self.level_call)
        self.assertEqual(late_risky.ai_dunning_level_id, self.level_call)
        self.assertEqual(late_safe.ai_dunning_next_date, False)
        self.assertEqual(pre_risky.ai_dunning_next_date, pre_risky.invoice_date_due + timedelta(7))
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", risky.id)]
        )
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        # No "activity assigned" email per activity: collectors see them in the app.
        notified = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", risky.id),
                ("message_type", "=", "user_notification"),
            ]
        )
        self.assertFalse(notified)

    def test_email_is_queued_per_customer_with_chatter(self):
        partner = self._customer("Queued")
        contact = self.env["res.partner"].create(
            {
                "name": "AP dept",
                "parent_id": partner.id,
                "type": "invoice",
                "email": "ap@example.com",
            }
        )
        inv1, inv2 = self._invoice(partner, 8), self._invoice(partner, 10)
        stats = self._run()
        self.assertEqual(stats["emails"], 1)
        mail = self._mails(partner)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "reminders are queued, never sent inline")
        # Invoices are on the commercial partner: the invoice-type contact receives it.
        self.assertEqual(mail.recipient_ids, contact)
        self.assertIn(inv1.name, mail.body_html)
        self.assertIn(inv2.name, mail.body_html)
        logs = self._logs(inv1 | inv2)
        self.assertEqual(set(logs.mapped("outcome")), {"sent"})
        self.assertEqual(logs.mail_id, mail)
        self.assertEqual(logs.recipient_id, contact)
        self.assertEqual(set(logs.mapped("action")), {"email"})
        self.assertEqual(logs.collector_id, self.collector)
        self.assertEqual(logs.create_uid, self.env.user, "the user who ran it")
        self.assertIn("T first", inv1.message_ids[0].body)
        self.assertIn("T first", partner.message_ids[0].body)

    def test_batch_rendering_keeps_each_customer_body(self):
        """Reminders rendered in one batch (template compiled once) stay per customer."""
        from ..models import ir_qweb

        alice, bob = self._customer("Alice"), self._customer("Bob")
        inv_a, inv_b = self._invoice(alice, 8), self._invoice(bob, 9)
        self.assertEqual(self._run()["emails"], 2)
        mail_a, mail_b = self._mails(alice), self._mails(bob)
        self.assertIn(inv_a.name, mail_a.body_html)
        self.assertNotIn(inv_b.name, mail_a.body_html)
        self.assertIn(inv_b.name, mail_b.body_html)
        self.assertIn("Dear Bob", mail_b.body_html)
        # Each reminder links to its own customer's signed portal page.
        self.assertIn(f"{PORTAL_BASE}/{alice.id}/", mail_a.body_html)
        self.assertIn(f"{PORTAL_BASE}/{bob.id}/", mail_b.body_html)
        self.assertNotIn(f"{PORTAL_BASE}/{bob.id}/", mail_a.body_html)
        self.assertFalse(ir_qweb._BATCHES, "the batch's render caches are released")

    def test_repeated_run_is_idempotent(self):
        partner = self._customer("Twice")
        inv = self._invoice(partner, 8)
        self._run()
        stats = self._run()
        self._run(now=NOW + timedelta(hours=2))
        self.assertEqual(len(self._logs(inv)), 1)
        self.assertEqual(len(self._mails(partner)), 1)
        self.assertFalse(stats.get("sent"))

    def test_concurrent_run_is_locked_out(self):
        """A second connection can neither take the company lock nor the invoice rows."""
        partner = self._customer("Concurrent")
        inv = self._invoice(partner, 8)
        self._run()  # holds the advisory lock and the row locks until the test rollback
        self.env.flush_all()
        cr2 = db_connect(self.env.cr.dbname).cursor()
        try:
            cr2.execute("SET lock_timeout = '2s'")
            cr2.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, self.company.id)
            )
            self.assertFalse(cr2.fetchone()[0], "the second run must not get the lock")
            cr2.execute(
                "SELECT id FROM account_move WHERE id = %s FOR UPDATE SKIP LOCKED", (inv.id,)
            )
            self.assertFalse(cr2.fetchall(), "the second run must skip locked invoices")
            # Another company's lock is independent.
            cr2.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, 999999))
            self.assertTrue(cr2.fetchone()[0])
        finally:
            cr2.rollback()
            cr2.close()
        self.assertTrue(self.env["ai.dunning.run"]._try_lock(self.company))

    def test_recorded_level_prevents_double_execution(self):
        """Even without the locks, the unique index stops a second execution: the
        replayed batch's actions (queued email, notes) are rolled back."""
        partner = self._customer("Claim")
        inv = self._invoice(partner, 8)
        Run = self.env["ai.dunning.run"]
        ctx = Run._prepare_context(self.company, NOW)
        decisions = Run._decide(self.company, ctx, [partner.id])
        stats = defaultdict(int)
        Run._apply(self.company, ctx, decisions, "run-a", stats)
        notes = len(inv.message_ids)
        Run._apply(self.company, ctx, decisions, "run-b", stats)  # stale decisions replayed
        self.assertEqual(len(self._logs(inv)), 1)
        self.assertEqual(len(self._mails(partner)), 1)
        self.assertEqual(len(inv.message_ids), notes)
        self.assertEqual(stats["sent"], 1)
        self.assertEqual(stats["already_executed"], 1)

    def test_paid_invoices_are_never_reminded(self):
        partner = self._customer("Payer")
        inv = self._invoice(partner, 8)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=inv.ids
        ).create({"payment_date": TODAY})._create_payments()
        self.assertIn(inv.payment_state, ("paid", "in_payment"))
        self._run()
        self.assertFalse(self._logs(inv))

    def test_unreconciled_payment_on_account_skips(self):
        partner = self._customer("Prepaid")
        inv = self._invoice(partner, 8)
        payment = self.env["account.payment"].create(
            {
                "partner_id": partner.id,
                "partner_type": "customer",
                "payment_type": "inbound",
                "amount": 500.0,
                "date": TODAY,
            }
        )
        payment.action_post()
        self._run()
        log = self._logs(inv)
        self.assertEqual((log.outcome, log.reason), ("skipped", "unreconciled_payment"))
        self.assertFalse(self._mails(partner))


@tagged("post_install", "-at_install")
class TestDunningGuards(DunningCase):
    def _assert_skipped(self, move, reason):
        log = self._logs(move)
        self.assertEqual(len(log), 1)
        self.assertEqual((log.outcome, log.reason), ("skipped", reason))
        self.assertFalse(self._mails(move.commercial_partner_id))

    def test_frequency_cap_over_rolling_seven_days(self):
        self.company.ai_dunning_max_contacts_7d = 1
        partner = self._customer("Capped")
        inv = self._invoice(partner, 30, band="high")
        self._run()
        # Two levels due (courtesy skipped by jumping): one contact only -> the call.
        self.assertEqual(self._logs(inv).level_id, self.level_call)
        inv2 = self._invoice(partner, 8)
        self._run(now=NOW + timedelta(days=3))
        self._assert_skipped(inv2, "frequency_cap")
        # Eight days later the window has rolled: the reminder goes.
        self._run(now=NOW + timedelta(days=8))
        self.assertIn("sent", self._logs(inv2).mapped("outcome"))

    def test_quiet_hours_in_customer_time_zone(self):
        partner = self._customer("Tokyo", tz="Asia/Tokyo")  # 10:00 UTC = 19:00 in Tokyo
        inv = self._invoice(partner, 8)
        self._run()
        self._assert_skipped(inv, "quiet_hours")
        self._run(now=NOW - timedelta(hours=8))  # 11:00 in Tokyo
        self.assertIn("sent", self._logs(inv).mapped("outcome"))
        # Week-end: nothing goes.
        other = self._invoice(self._customer("Weekend"), 8)
        self._run(now=datetime(2026, 11, 28, 10, 0))
        self.assertEqual(self._logs(other).reason, "quiet_hours")

    def test_do_not_contact_excluded_and_manual(self):
        dnc = self._invoice(self._customer("DNC", ai_dunning_do_not_contact=True), 8)
        excl = self._invoice(self._customer("Excl", ai_dunning_excluded=True), 8)
        manual = self._invoice(self._customer("Manual", ai_followup_mode="manual"), 8)
        self._run()
        self._assert_skipped(dnc, "do_not_contact")
        self._assert_skipped(excl, "excluded")
        self._assert_skipped(manual, "manual_mode")
        # "Run now" on a manual customer acts.
        self._run(partners=manual.partner_id, force_manual=True)
        self.assertIn("sent", self._logs(manual).mapped("outcome"))

    def test_dispute_promise_and_no_followup(self):
        disputed = self._invoice(self._customer("Dispute"), 8)
        promised = self._invoice(self._customer("Promise"), 8)
        blocked = self._invoice(self._customer("Litigation"), 8)
        disputed.sudo().write({"ai_in_dispute": True})
        promised.sudo().write({"ai_has_open_promise": True})
        blocked.write({"ai_dunning_blocked": True})
        self._run()
        self._assert_skipped(disputed, "dispute")
        self._assert_skipped(promised, "promise")
        self._assert_skipped(blocked, "no_followup")
        # Broken promise: back on the ladder.
        promised.sudo().write({"ai_has_open_promise": False})
        self._run(now=NOW + timedelta(hours=1))
        self.assertIn("sent", self._logs(promised).mapped("outcome"))

    def test_off_ramp_on_part_payment_and_reply(self):
        payer = self._customer("Part payer")
        part = self._invoice(payer, 8)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=part.ids
        ).create({"payment_date": TODAY - timedelta(days=2), "amount": 100.0})._create_payments()
        self.assertEqual(part.payment_state, "partial")
        replier = self._customer("Replier")
        replied = self._invoice(replier, 8)
        replier.message_post(
            body="We will look into it", message_type="email", author_id=replier.id
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mail_message SET date = %s WHERE author_id = %s", (NOW, replier.id)
        )
        self._run()
        self._assert_skipped(part, "engaged")
        self._assert_skipped(replied, "engaged")
        # Once the payment window has passed without payment, the ladder resumes.
        self._run(now=NOW + timedelta(days=15))
        self.assertIn("sent", self._logs(part).mapped("outcome"))
        self.assertIn("sent", self._logs(replied).mapped("outcome"))

    def test_min_amount(self):
        self.company.ai_dunning_min_amount = 100.0
        small = self._invoice(self._customer("Small"), 8, amount=50.0)
        self._run()
        self._assert_skipped(small, "min_amount")

    def test_review_threshold_and_approval(self):
        big = self._invoice(self._customer("Big"), 8, amount=60000.0)
        sensitive = self._invoice(self._customer("Sensitive", ai_dunning_sensitive=True), 8)
        self._run()
        for inv in big | sensitive:
            log = self._logs(inv)
            self.assertEqual(log.outcome, "queued_review")
            self.assertFalse(self._mails(inv.partner_id))
        self._run(now=NOW + timedelta(hours=1))
        self.assertEqual(len(self._logs(big)), 1, "a queued review is not queued twice")
        self._logs(big).action_approve()
        log = self._logs(big)
        self.assertEqual(log.outcome, "approved")
        self.assertEqual(log.approved_by_id, self.env.user)
        self.assertEqual(len(self._mails(big.partner_id)), 1)
        self._logs(sensitive).action_reject()
        self.assertEqual(self._logs(sensitive).outcome, "rejected")
        self.assertFalse(self._mails(sensitive.partner_id))

    def test_approving_two_levels_of_one_invoice(self):
        """Reviews of two levels of the same invoice, approved together: each line
        records its own actions and the invoice shows the later level."""
        (self.level_first | self.level_call).manual_review = True
        partner = self._customer("Twice reviewed")
        inv = self._invoice(partner, 8, band="high")
        self._run()
        self._run(now=NOW + timedelta(days=8))
        logs = self._logs(inv)
        self.assertEqual(logs.mapped("outcome"), ["queued_review"] * 2)
        logs.action_approve()
        self.assertEqual(set(logs.mapped("outcome")), {"approved"})
        by_level = {log.level_id: log for log in logs}
        self.assertEqual(by_level[self.level_first].action, "email")
        self.assertEqual(by_level[self.level_first].mail_id, self._mails(partner))
        self.assertEqual(by_level[self.level_call].action, "activity")
        self.assertFalse(by_level[self.level_call].mail_id)
        self.assertEqual(inv.ai_dunning_level_id, self.level_call)

    def test_partner_without_email_errors_with_activity(self):
        partner = self._customer("Nomail", email=False)
        inv = self._invoice(partner, 8)
        self._run()
        log = self._logs(inv)
        self.assertEqual(log.outcome, "error")
        self.assertIn("No email", log.note)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        self.assertEqual(activity.user_id, self.collector)

    def test_blacklisted_email_errors_with_activity(self):
        partner = self._customer("Black")
        self.env["mail.blacklist"].sudo()._add(partner.email)
        inv = self._invoice(partner, 8)
        self._run()
        log = self._logs(inv)
        self.assertEqual(log.outcome, "error")
        self.assertIn("blacklisted", log.note)
        self.assertFalse(self._mails(partner))
        self.assertTrue(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
            )
        )

    def test_mail_failure_is_retried_then_flagged(self):
        partner = self._customer("Flaky")
        inv = self._invoice(partner, 8)
        self._run()
        mail = self._mails(partner)
        Run = self.env["ai.dunning.run"]
        for attempt in (1, 2):
            mail.write({"state": "exception", "failure_type": "mail_smtp"})
            self.assertEqual(Run._retry_failed_mails(), {"retried": 1, "failed": 0})
            self.assertEqual(mail.state, "outgoing")
            self.assertEqual(self._logs(inv).mail_retry_count, attempt)
        mail.write({"state": "exception", "failure_type": "mail_smtp"})
        self.assertEqual(Run._retry_failed_mails(), {"retried": 0, "failed": 1})
        log = self._logs(inv)
        self.assertEqual(log.outcome, "error")
        self.assertEqual(self._mails(partner), mail, "no duplicate, nothing lost")
        self.assertTrue(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
            )
        )
        self._run(now=NOW + timedelta(hours=1))
        self.assertEqual(self._mails(partner), mail)

    def test_outcome_paid_within_window(self):
        partner = self._customer("Outcome")
        inv = self._invoice(partner, 8)
        self._run()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=inv.ids
        ).create({"payment_date": fields.Date.today()})._create_payments()
        self.env.flush_all()
        self.env["ai.dunning.log"].sudo().search([("move_id", "=", inv.id)]).write(
            {"date": fields.Datetime.now() - timedelta(days=2)}
        )
        self.env.flush_all()
        self.env["ai.dunning.log"]._cron_compute_outcomes()
        self.assertTrue(self._logs(inv).paid_within_window)


@tagged("post_install", "-at_install")
class TestDunningDocuments(DunningCase):
    def test_letter_and_statement_attached(self):
        final = self.env["ai.dunning.level"].create(
            {
                "name": "T final",
                "sequence": 9,
                "days": 45,
                "tone": "final",
                "mail_template_id": self.env.ref(
                    "ar_ai_collections.mail_template_ai_dunning_final"
                ).id,
                "attach_statement": True,
                "print_letter": True,
            }
        )
        partner = self._customer("Letter")
        inv = self._invoice(partner, 50)
        self._run()
        log = self._logs(inv)
        self.assertEqual(log.level_id, final)
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

        self.env["ai.dunning.level"].create(
            {
                "name": "T letter",
                "sequence": 9,
                "days": 45,
                "tone": "final",
                "send_email": False,
                "print_letter": True,
            }
        )
        partner = self._customer("Printer")
        inv = self._invoice(partner, 50)
        stats = (
            self.env["ai.dunning.run"]
            .with_context(force_report_rendering=True)
            .run(self.company, now=NOW)
        )
        self.assertEqual(stats.get("sent"), 1, stats)
        self.assertEqual(self._logs(inv).action, "letter")
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
            self.assertIn(b"Final notice", letter.raw)
            letter_message = partner.message_ids.filtered(lambda m: letter in m.attachment_ids)
            self.assertIn("could not be generated", letter_message.body)

    def test_several_activities_for_one_customer_in_one_run(self):
        """A customer with a failed email and a call due in the same run gets both
        activities (one create per document and round: no duplicate follower)."""
        partner = self._customer("Busy", email=False)
        inv_first = self._invoice(partner, 8)
        inv_call = self._invoice(partner, 16, band="high")
        self._run()
        self.assertEqual(self._logs(inv_first).outcome, "error")
        self.assertEqual(self._logs(inv_call).level_id, self.level_call)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        self.assertEqual(
            set(activities.activity_type_id.ids),
            {
                self.env.ref("mail.mail_activity_data_todo").id,
                self.env.ref("mail.mail_activity_data_call").id,
            },
        )
        self.assertEqual(activities.user_id, self.collector)

    def test_statement_totals_per_currency(self):
        partner = self._customer("Statement")
        self._invoice(partner, 10, amount=100.0)
        self._invoice(partner, -10, amount=50.0)
        foreign = self.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=self.env.cr.now().date(),
            amounts=[70.0],
            taxes=[],
            post=True,
            currency=self.setup_other_currency("EUR"),
        )
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
        # Off by default: the other levels charge nothing.
        self.assertFalse(self.level_courtesy.fee_enabled)


@tagged("post_install", "-at_install")
class TestDunningConcurrentRuns(TransactionCase):
    """Two real transactions run the ladder on the same committed invoice.

    The data is committed through a separate cursor (the test transaction is
    invisible to other connections) and deleted again in ``finally``.
    """

    CTX = {"ai_risk_no_rescore": True, "tracking_disable": True}

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, self.CTX)

    def _setup_committed_data(self, customers=1):
        """Commit ``customers`` customers with one invoice 8 days overdue each.

        :return: ``(company id, customer ids, invoice ids)``
        """
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            # Shipped defaults: dunning on, review above 50,000, no minimum amount.
            self.assertTrue(company.ai_dunning_enabled)
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent Runs Customer {index}",
                        "is_company": True,
                        "email": f"concurrent.runs{index}@example.com",
                        "tz": "UTC",
                    }
                    for index in range(customers)
                ]
            )
            due = TODAY - timedelta(days=8)
            moves = env["account.move"]
            for partner in partners:
                moves |= post_invoice_due(partner.with_company(company).env, partner, 800.0, due)
            self.assertEqual(set(moves.mapped("invoice_date_due")), {due})
            return company.id, partners.ids, moves.ids

    def _cleanup(self, partner_ids, move_ids):
        with self.registry.cursor() as cr:
            params = {"partners": partner_ids, "moves": move_ids}
            cr.execute("DELETE FROM ai_dunning_log WHERE move_id = ANY(%(moves)s)", params)
            documents = """(model = 'res.partner' AND res_id = ANY(%(partners)s))
                           OR (model = 'account.move' AND res_id = ANY(%(moves)s))"""
            cr.execute(
                f"""DELETE FROM mail_mail WHERE mail_message_id IN (
                        SELECT id FROM mail_message WHERE {documents})""",
                params,
            )
            cr.execute(f"DELETE FROM mail_message WHERE {documents}", params)
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'res.partner' "
                "AND res_id = ANY(%(partners)s)",
                params,
            )
            cr.execute(
                f"DELETE FROM mail_followers WHERE {documents.replace('model', 'res_model')}",
                params,
            )
            cr.execute("DELETE FROM account_move WHERE id = ANY(%(moves)s)", params)
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%(partners)s)", params)

    def _counts(self, cr, partner_ids, move_ids):
        """(log lines of the invoices, reminder emails of the customers), as committed."""
        cr.execute("SELECT count(*) FROM ai_dunning_log WHERE move_id = ANY(%s)", [move_ids])
        n_logs = cr.fetchone()[0]
        cr.execute(
            """SELECT count(*) FROM mail_mail mm
                 JOIN mail_message msg ON msg.id = mm.mail_message_id
                WHERE msg.model = 'res.partner' AND msg.res_id = ANY(%s)
                  AND msg.message_type <> 'user_notification'""",
            [partner_ids],
        )
        return n_logs, cr.fetchone()[0]

    def test_lanes_work_each_batch_once(self):
        """Cron mode on two connections: every batch is done and committed once, by
        one lane; the run's own transaction holds the company lock meanwhile."""
        company_id, partner_ids, move_ids = self._setup_committed_data(customers=3)
        cr, cr_other = self.registry.cursor(), self.registry.cursor()
        try:
            env = self._env(cr)
            Run = env["ai.dunning.run"]
            company = env["res.company"].browse(company_id)
            partners = env["res.partner"].browse(partner_ids)

            def run():
                return Run.run(
                    company, partners=partners, now=NOW, commit=True, batch_size=1, lanes=2
                )

            with self.assertRaises(ValueError):
                Run.run(company, partners=partners, now=NOW, lanes=2)
            cr_other.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, company_id)
            )
            self.assertTrue(cr_other.fetchone()[0])
            stats = run()  # another transaction holds the lock: nothing done
            self.assertEqual(stats.get("locked"), 1, stats)
            self.assertEqual(self._counts(cr, partner_ids, move_ids), (0, 0))
            cr_other.rollback()
            stats = run()
            self.assertEqual((stats["batches"], stats["sent"], stats["emails"]), (3, 3, 3), stats)
            self.assertEqual(self._counts(cr, partner_ids, move_ids), (3, 3))
            logs = env["ai.dunning.log"].search([("move_id", "in", move_ids)])
            self.assertEqual(len(logs.level_id), 1)
            self.assertEqual(
                env["account.move"].browse(move_ids).ai_dunning_level_id,
                logs.level_id,
                "the run's own cursor reads the lanes' work",
            )
            stats = run()
            self.assertFalse(stats.get("sent"), stats)
            self.assertEqual(self._counts(cr_other, partner_ids, move_ids), (3, 3))
        finally:
            for cursor in (cr, cr_other):
                cursor.rollback()
                cursor.close()
            self._cleanup(partner_ids, move_ids)

    def test_two_concurrent_runs_execute_each_level_once(self):
        company_id, partner_ids, move_ids = self._setup_committed_data()
        cr_a = self.registry.cursor()
        cr_b = self.registry.cursor()
        try:
            env_a, env_b = self._env(cr_a), self._env(cr_b)

            def run(env):
                return env["ai.dunning.run"].run(
                    env["res.company"].browse(company_id),
                    partners=env["res.partner"].browse(partner_ids),
                    now=NOW,
                )

            def counts(cr):
                return self._counts(cr, partner_ids, move_ids)

            stats_a = run(env_a)  # transaction A acts and keeps its locks (not committed)
            self.assertEqual(stats_a.get("sent"), 1, stats_a)
            cr_b.execute("SET lock_timeout = '5s'")
            stats_b = run(env_b)  # transaction B, meanwhile: locked out, acts on nothing
            self.assertEqual(stats_b.get("locked"), 1, stats_b)
            self.assertFalse(stats_b.get("sent"), stats_b)
            self.assertEqual(counts(cr_b), (0, 0), "B sees nothing of A's uncommitted run")
            cr_a.commit()
            cr_b.rollback()
            env_b.invalidate_all()
            # B restarts after A committed (e.g. the cron retried): nothing to do twice.
            stats_b = run(env_b)
            self.assertFalse(stats_b.get("locked"), stats_b)
            self.assertFalse(stats_b.get("sent"), stats_b)
            cr_b.commit()
            self.assertEqual(counts(cr_b), (1, 1), "one log line and one email in the end")
        finally:
            cr_a.rollback()
            cr_b.rollback()
            cr_a.close()
            cr_b.close()
            self._cleanup(partner_ids, move_ids)
