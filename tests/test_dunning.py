"""The dunning run in Odoo: one conversation per customer, graduated, idempotent."""

from collections import defaultdict
from datetime import datetime, timedelta

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import tagged
from odoo.tools.misc import format_amount

# Monday 23 November 2026, 10:00 UTC: a business day and hour in UTC.
NOW = datetime(2026, 11, 23, 10, 0)
TODAY = NOW.date()


@tagged("post_install", "-at_install")
class DunningCase(AccountTestInvoicingCommon, MockEmail):
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
                "ai_dunning_mail_max_retries": 1,
            }
        )
        cls.company.partner_id.tz = "UTC"
        Level = cls.env["ai.dunning.level"]
        Level.search([("company_id", "=", cls.company.id)]).active = False
        courteous = cls.env.ref("ar_ai_collections.mail_template_ai_dunning_courteous")
        firm = cls.env.ref("ar_ai_collections.mail_template_ai_dunning_firm")
        cls.level_courtesy = Level.create(
            {
                "name": "T courtesy",
                "sequence": 1,
                "days": -5,
                "band_low": False,
                "band_medium": False,
                "mail_template_id": courteous.id,
            }
        )
        cls.level_first = Level.create(
            {"name": "T first", "sequence": 2, "days": 7, "mail_template_id": courteous.id}
        )
        cls.level_second = Level.create(
            {
                "name": "T second",
                "sequence": 3,
                "days": 20,
                "spacing_days": 10,
                "tone": "firm",
                "mail_template_id": firm.id,
            }
        )
        cls.level_call = Level.create(
            {
                "name": "T call",
                "sequence": 4,
                "days": 30,
                "tone": "final",
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
        cls.eur = cls.setup_other_currency("EUR", rounding=0.01)
        cls.env.user.groups_id += cls.env.ref("base.group_multi_currency")

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

    def _invoice(self, partner, days_overdue, amount=1000.0, band="low", currency=None):
        due = TODAY - timedelta(days=days_overdue)
        move = self.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=due,
            amounts=[amount],
            taxes=[],
            currency=currency,
            post=True,
        )
        move.write({"ai_risk_band": band})
        return move

    def _executed(self, move, level, days_ago, outcome="sent"):
        """Record ``level`` as executed for ``move`` ``days_ago`` before NOW."""
        return (
            self.env["ai.dunning.log"]
            .sudo()
            .create(
                {
                    "company_id": self.company.id,
                    "date": NOW - timedelta(days=days_ago),
                    "partner_id": move.commercial_partner_id.id,
                    "move_id": move.id,
                    "level_id": level.id,
                    "outcome": outcome,
                }
            )
        )

    def _run(self, now=NOW, **kw):
        return self.env["ai.dunning.run"].run(self.company, now=now, **kw)

    def _logs(self, moves, **domain):
        extra = [(key, "=", value) for key, value in domain.items()]
        return self.env["ai.dunning.log"].search([("move_id", "in", moves.ids), *extra])

    def _mails(self, partner):
        """Reminder emails of ``partner`` (not the activity notifications)."""
        return self.env["mail.mail"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("message_type", "!=", "user_notification"),
            ]
        )

    def _activities(self, partner):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def _footprint(self, partners):
        """What a run leaves: log lines, reminder emails, activities, chatter messages
        (the customers' and their invoices')."""
        moves = self.env["account.move"].search([("partner_id", "in", partners.ids)])
        return (
            self.env["ai.dunning.log"].search_count([("partner_id", "in", partners.ids)]),
            sum(len(self._mails(p)) for p in partners),
            sum(len(self._activities(p)) for p in partners),
            self.env["mail.message"].search_count(
                [
                    "|",
                    "&",
                    ("model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                    "&",
                    ("model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                ]
            ),
        )


@tagged("post_install", "-at_install")
class TestDunningConversation(DunningCase):
    def test_one_mail_lists_every_invoice_with_its_level_and_currency_totals(self):
        partner = self._customer("Consolidated")
        advanced = self._invoice(partner, 25, amount=300.0)
        self._executed(advanced, self.level_first, days_ago=12)
        fresh = self._invoice(partner, 9, amount=200.0)
        euros = self._invoice(partner, 10, amount=50.0, currency=self.eur)
        not_due = self._invoice(partner, -20, amount=999.0)
        stats = self._run()
        self.assertEqual(stats["send"], 1, stats)
        mail = self._mails(partner)
        self.assertEqual(len(mail), 1, "one mail for the customer, not one per invoice")
        self.assertIn("second reminder", mail.subject, "the tone of its most advanced invoice")
        self.assertEqual(mail.recipient_ids, partner)
        body = mail.body_html
        for move in advanced | fresh | euros:
            self.assertIn(move.name, body)
        self.assertNotIn(not_due.name, body, "an invoice not due yet is not listed")
        # Each invoice at its own level: the advanced one at the second, the others first.
        self.assertEqual(body.count("T second"), 1)
        self.assertEqual(body.count("T first"), 2)
        company_currency = self.company.currency_id
        for amount, currency in ((500.0, company_currency), (50.0, self.eur)):
            self.assertIn(format_amount(self.env, amount, currency), body, "per-currency total")
        self.assertEqual(self._logs(advanced).sorted("id")[-1].level_id, self.level_second)
        self.assertEqual(self._logs(fresh).level_id, self.level_first)
        self.assertEqual(
            set((advanced | fresh | euros).mapped("ai_dunning_level_id.name")),
            {"T second", "T first"},
        )
        self.assertEqual(
            self._logs(fresh).outcome, "queued", "queued, not sent, until the queue sends it"
        )
        self.assertEqual(mail.state, "outgoing")
        # The chatter keeps the trace: the email on the customer, a note on each invoice
        # at its level (the company's default).
        self.assertEqual(mail.mail_message_id.model, "res.partner")
        self.assertIn("T second", advanced.message_ids[0].body)
        for move in fresh | euros:
            self.assertIn("T first", move.message_ids[0].body)

    def test_invoice_notes_can_be_turned_off(self):
        self.company.ai_dunning_invoice_notes = False
        partner = self._customer("Quiet Invoices")
        moves = self._invoice(partner, 9, amount=200.0) | self._invoice(partner, 10, amount=50.0)
        self.assertEqual(self._run()["send"], 1)
        self.assertEqual(self._mails(partner).mail_message_id.model, "res.partner")
        self.assertFalse(
            moves.message_ids.filtered(lambda m: "T first" in m.body),
            "the customer's email is the only trace",
        )

    def test_first_contact_is_never_beyond_the_first_overdue_level(self):
        partner = self._customer("Old Ledger")
        move = self._invoice(partner, 120)
        self._run()
        self.assertEqual(self._logs(move).level_id, self.level_first)
        self.assertIn("payment reminder", self._mails(partner).subject)

    def test_spacing_between_levels(self):
        partner = self._customer("Spaced")
        move = self._invoice(partner, 25, band="high")
        self._executed(move, self.level_first, days_ago=4)
        self._run()
        self.assertFalse(self._mails(partner), "the second level waits 10 days after the first")
        self.assertEqual(len(self._logs(move)), 1)
        self._run(now=NOW + timedelta(days=7))  # the next Monday: 11 days after the first
        self.assertEqual(self._logs(move).sorted("id")[-1].level_id, self.level_second)
        self.assertEqual(len(self._mails(partner)), 1)
        self.assertEqual(
            move.ai_dunning_next_date,
            (NOW + timedelta(days=14)).date(),
            "the call level is due by age (30 days) but waits its 7 days of spacing",
        )

    def test_tone_never_steps_down(self):
        partner = self._customer("Escalated", ai_followup_mode="automatic")
        # An unpaid invoice already reached the call level (final tone).
        escalated = self._invoice(partner, 40, band="high")
        self._executed(escalated, self.level_call, days_ago=2)
        fresh = self._invoice(partner, 8)
        self._run()
        log = self._logs(fresh)
        self.assertEqual(log.level_id, self.level_first, "the new invoice is at its own level")
        self.assertFalse(
            self._mails(partner), "the conversation stays at the call level: no milder email"
        )
        activity = self._activities(partner)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(log.outcome, "done")
        # Without an email, a note on the customer is the conversation's trace: it links
        # each listed invoice at its level.
        note = partner.message_ids.filtered(lambda m: "Dunning level T call" in m.body)
        self.assertEqual(len(note), 1)
        for move, level in ((escalated, self.level_call), (fresh, self.level_first)):
            self.assertIn(f'data-oe-id="{move.id}"', note.body)
            self.assertIn(f"{move.name}</a> ({level.name})", note.body)

    def test_courtesy_before_due_for_risky_bands_only(self):
        risky = self._customer("Risky")
        safe = self._customer("Safe")
        self._invoice(risky, -3, band="high")
        self._invoice(safe, -3, band="low")
        self._run()
        self.assertEqual(len(self._mails(risky)), 1)
        self.assertFalse(self._mails(safe))

    def test_same_day_rerun_adds_nothing(self):
        partners = self._customer("Rerun A") | self._customer("Rerun B")
        for partner in partners:
            self._invoice(partner, 10)
            self._invoice(partner, 35, band="high")
        self._run()
        first = self._footprint(partners)
        self.assertEqual(first[1], 2, first)
        stats = self._run(now=NOW + timedelta(hours=3))
        self.assertEqual(self._footprint(partners), first, stats)
        self.assertEqual(stats.get("reason:already_contacted_today"), 2, stats)

    def test_interrupted_run_resumes_without_repeating(self):
        """A run killed after its first batch: the rerun does the rest, and only it."""
        partners = self._customer("Batch One") | self._customer("Batch Two")
        for partner in partners:
            self._invoice(partner, 10)
        first_batch = min(partners.ids)
        stats = self._run(partners=partners.browse(first_batch))  # the batch that got committed
        self.assertEqual(stats["send"], 1)
        stats = self._run(now=NOW + timedelta(minutes=5))  # restarted the same day
        self.assertEqual(stats["send"], 1, stats)
        for partner in partners:
            self.assertEqual(len(self._mails(partner)), 1)

    def test_level_recorded_meanwhile_drops_the_customer(self):
        """The unique (invoice, level) index is the last guard: a level found recorded
        when claiming (another transaction did it) drops the customer untouched."""
        partner = self._customer("Raced")
        move = self._invoice(partner, 10)
        Run = self.env["ai.dunning.run"]
        levels, frame = Run._levels_frame(self.company)
        plan, invoices, customers = Run._plan(self.company, levels, frame, partner.ids, NOW)
        self._executed(move, self.level_first, days_ago=0, outcome="queued")
        stats = defaultdict(int)
        Run._apply(self.company, levels, frame, plan, invoices, customers, NOW, "raced", stats)
        self.assertEqual(stats["already_executed"], 1)
        self.assertFalse(self._mails(partner))
        self.assertEqual(len(self._logs(move)), 1)


@tagged("post_install", "-at_install")
class TestDunningAnswers(DunningCase):
    def _assert_held(self, partner, move, reason):
        stats = self._run()
        self.assertFalse(self._mails(partner), stats)
        self.assertEqual(self._logs(move, outcome="skipped").reason, reason)

    def test_dispute_holds_the_invoice(self):
        partner = self._customer("Disputing")
        move = self._invoice(partner, 10)
        move.ai_in_dispute = True
        self._assert_held(partner, move, "dispute_open")

    def _plan(self, partner, moves):
        """An approved payment plan of ``moves``: two instalments from the real today."""
        today = datetime.now().date()
        plan = self.env["ai.collection.payment.plan"].create(
            {
                "partner_id": partner.id,
                "invoice_ids": [(6, 0, moves.ids)],
                "line_ids": [
                    (0, 0, {"date_due": today + timedelta(days=10), "amount": 500.0}),
                    (0, 0, {"date_due": today + timedelta(days=40), "amount": 500.0}),
                ],
                "source": "call",
            }
        )
        plan.action_approve()
        return plan

    def test_active_payment_plan_holds_its_invoices(self):
        partner = self._customer("Planning")
        move = self._invoice(partner, 10)
        plan = self._plan(partner, move)
        self.assertEqual(plan.state, "active")
        self._assert_held(partner, move, "plan_active")

    def test_broken_payment_plan_resumes_the_ladder_one_level_on(self):
        partner = self._customer("Plan breaker")
        move = self._invoice(partner, 40)
        self._executed(move, self.level_first, days_ago=20)
        plan = self._plan(partner, move)
        self._assert_held(partner, move, "plan_active")
        plan.write({"state": "broken", "date_closed": TODAY - timedelta(days=1)})
        self._run()
        self.assertEqual(len(self._mails(partner)), 1, "a broken plan resumes the ladder")
        self.assertEqual(
            self._logs(move, outcome="queued").level_id,
            self.level_second,
            "one level on, not skipping to the call",
        )

    def test_customer_settings_and_no_followup(self):
        excluded = self._customer("Excluded", ai_dunning_excluded=True)
        move = self._invoice(excluded, 10)
        self._assert_held(excluded, move, "excluded")
        blocked = self._customer("Blocked")
        move = self._invoice(blocked, 10)
        move.ai_dunning_blocked = True
        self._assert_held(blocked, move, "no_followup")

    def test_reply_holds_the_ladder(self):
        partner = self._customer("Replying")
        move = self._invoice(partner, 10)
        self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": partner.id,
                "author_id": partner.id,
                "message_type": "email",
                "body": "I will pay next week",
                "date": NOW - timedelta(days=1),
            }
        )
        self._assert_held(partner, move, "engaged")

    def test_outside_business_hours(self):
        partner = self._customer("Tokyo", tz="Asia/Tokyo")
        move = self._invoice(partner, 10)
        self._assert_held(partner, move, "outside_business_hours")
        self._run(ignore_hours=True)
        self.assertEqual(len(self._mails(partner)), 1, "a user's Run now bypasses the clock")

    def test_review_then_approval_sends_one_reminder(self):
        partner = self._customer("Sensitive", ai_dunning_sensitive=True)
        moves = self._invoice(partner, 10) | self._invoice(partner, 12)
        self._run()
        logs = self._logs(moves)
        self.assertEqual(set(logs.mapped("outcome")), {"queued_review"})
        self.assertFalse(self._mails(partner))
        self._run(now=NOW + timedelta(hours=1))
        self.assertEqual(len(self._logs(moves)), 2, "a rerun does not queue the review again")
        logs.action_approve()
        self.assertEqual(set(logs.mapped("outcome")), {"queued"})
        self.assertEqual(logs.approved_by_id, self.env.user)
        self.assertEqual(len(self._mails(partner)), 1)
        self.assertEqual(set(moves.mapped("ai_dunning_level_id")), {self.level_first})
