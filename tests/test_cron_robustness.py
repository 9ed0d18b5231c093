"""A corrupt record (written in SQL, past the forms' bounds) never stops a scheduled
action for everyone: it is skipped and reported to a manager, the rest is processed."""

from datetime import date, timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.res_company import MAX_DATE_OFFSET_DAYS
from .test_dunning import NOW, DunningCase
from .worklist_common import WorklistCase


class ReportedMixin:
    def _reports(self, record, job):
        """Activities ``job`` left on ``record`` for a Collections manager."""
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("summary", "=", f"{job} skipped this record"),
            ]
        )
        for activity in activities:
            self.assertTrue(
                activity.user_id.has_group("ar_ai_collections.group_collections_manager")
            )
        return activities

    def _sql(self, query, *params):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestCronRobustness(ReportedMixin, WorklistCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="cron_manager",
            groups="ar_ai_collections.group_collections_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def _trigger(self, xmlid):
        self.env.ref(f"ar_ai_collections.{xmlid}").method_direct_trigger()

    def test_promise_check_skips_a_corrupt_promise(self):
        due = self._customer("Due Promiser")
        overdue_promise = self._promise(due, self._invoice(due, 30, amount=500.0), days=-10)
        corrupt_customer = self._customer("Year 9999")
        corrupt = self._promise(corrupt_customer, self._invoice(corrupt_customer, 30), days=5)
        (overdue_promise | corrupt).action_confirm()
        self._sql(
            "UPDATE ai_collection_promise SET promised_date = '9999-12-31' WHERE id = %s",
            corrupt.id,
        )
        self._trigger("ai_collection_promise_cron_check")
        self.assertEqual(overdue_promise.state, "broken", "the other promises are checked")
        self.assertEqual(corrupt.state, "open")
        self.assertEqual(len(self._reports(corrupt, "Promise check")), 1)
        # The next run does not pile up activities.
        self._trigger("ai_collection_promise_cron_check")
        self.assertEqual(len(self._reports(corrupt, "Promise check")), 1)

    def test_worklist_refresh_ignores_corrupt_dates(self):
        Worklist = self.env["ai.collection.worklist"]
        good = self._customer("Good Line")
        self._invoice(good, 30, amount=5000.0, default_probability=60.0)
        snoozed = self._customer("Snoozed Forever")
        self._invoice(snoozed, 30, amount=3000.0, default_probability=60.0)
        promised = self._customer("Promised Forever")
        promise = self._promise(
            promised, self._invoice(promised, 30, amount=2000.0, default_probability=60.0)
        )
        promise.action_confirm()
        Worklist.refresh_company(self.company)
        snoozed_line = Worklist.search([("partner_id", "=", snoozed.id)])
        self._sql(
            "UPDATE ai_collection_worklist SET snooze_until = '2300-01-01' WHERE id = %s",
            snoozed_line.id,
        )
        self._sql(
            "UPDATE ai_collection_promise SET promised_date = '9999-12-31' WHERE id = %s",
            promise.id,
        )
        self._invoice(good, 20, amount=1000.0, default_probability=60.0)
        self._trigger("ai_collection_worklist_cron_refresh")
        good_line = Worklist.search([("partner_id", "=", good.id)])
        self.assertEqual(good_line.overdue_amount, 6000.0, "the other lines are rebuilt")
        self.assertTrue(snoozed_line.exists(), "the customer keeps its line")
        self.assertNotEqual(snoozed_line.tier, "watch", "the corrupt snooze is ignored")
        self.assertTrue(Worklist.search([("partner_id", "=", promised.id)]))
        self.assertEqual(len(self._reports(snoozed, "Worklist refresh")), 1)
        self.assertEqual(len(self._reports(promise, "Worklist refresh")), 1)

    def test_scoring_skips_an_invoice_the_engine_refuses(self):
        customer = self._customer("Scored Customer")
        scored = self._invoice(customer, 10, amount=700.0)
        other = self._customer("Odd Due Date")
        corrupt = self._invoice(other, 10, amount=300.0)
        self._sql(
            "UPDATE account_move SET invoice_date_due = '9999-12-31' WHERE id = %s", corrupt.id
        )
        self._trigger("ir_cron_ai_risk_score")
        self.assertTrue(scored.ai_risk_band, "the company's other invoices are scored")
        self.assertFalse(corrupt.ai_risk_band)
        self.assertEqual(len(self._reports(corrupt, "Payment risk scoring")), 1)

    # ------------------------------------------------------------------
    # The bounds that keep such values out
    # ------------------------------------------------------------------
    def test_promise_date_and_amount_are_bounded(self):
        customer = self._customer("Bounded")
        invoice = self._invoice(customer, 10, amount=800.0)
        horizon = self.company.ai_promise_horizon_days
        self.assertEqual(horizon, 365)
        for promised_date in (
            self.today + timedelta(days=horizon + 1),
            self.today - timedelta(days=MAX_DATE_OFFSET_DAYS + 1),
            date(9999, 12, 31),
        ):
            with self.subTest(date=promised_date), self.assertRaises(ValidationError):
                self._promise(customer, invoice, promised_date=promised_date)
        self._promise(customer, invoice, days=horizon)
        refused = ValidationError
        for amount in (800.01, -1.0):
            with (
                self.subTest(amount=amount),
                self.assertRaisesRegex(refused, "(?i)promised amount"),
            ):
                self._promise(customer, invoice, amount=amount)
        # Not a number: refused, by the constraint or by the ORM's rounding first.
        for amount in (float("inf"), float("nan")):
            with self.subTest(amount=amount), self.assertRaises(Exception) as refused:
                self._promise(customer, invoice, amount=amount)
            self.assertIsInstance(refused.exception, (ValidationError, ValueError, OverflowError))
        promise = self._promise(customer, invoice, amount=800.0)
        with self.assertRaisesRegex(ValidationError, "exceeds what is due"):
            promise.amount = 1e300
        # A shorter horizon in Settings applies to new dates.
        self.company.ai_promise_horizon_days = 30
        with self.assertRaisesRegex(ValidationError, "promise horizon"):
            promise.promised_date = self.today + timedelta(days=31)
        with self.assertRaises(ValidationError):
            self.company.ai_promise_horizon_days = 10**9

    def test_dispute_amount_is_bounded(self):
        customer = self._customer("Disputer")
        invoice = self._invoice(customer, 10, amount=400.0)
        Dispute = self.env["ai.collection.dispute"]
        values = {"partner_id": customer.id, "move_ids": [(6, 0, invoice.ids)]}
        with self.assertRaisesRegex(ValidationError, "exceeds the total of its invoices"):
            Dispute.create({**values, "amount": 400.5})
        self.assertEqual(Dispute.create(values).amount, 400.0)

    def test_snooze_is_bounded(self):
        customer = self._customer("Sleeper")
        self._invoice(customer, 30, amount=5000.0, default_probability=60.0)
        Worklist = self.env["ai.collection.worklist"]
        Worklist.refresh_company(self.company)
        line = Worklist.search([("partner_id", "=", customer.id)]).with_user(self.collector)
        with self.assertRaisesRegex(ValidationError, "out of range"):
            line.write({"snooze_until": "2300-01-01"})
        for days in (10**9, 0, -3):
            with self.subTest(days=days), self.assertRaises(UserError):
                line.with_context(snooze_days=days).action_snooze()
        wizard = self.env["ai.collection.call.wizard"].create(
            {"worklist_id": line.id, "outcome": "callback", "callback_date": "2300-01-01"}
        )
        with self.assertRaises(ValidationError):
            wizard.action_confirm()


@tagged("post_install", "-at_install")
class TestDunningRobustness(ReportedMixin, DunningCase):
    def test_dunning_run_skips_the_customer_it_fails_on(self):
        new_test_user(
            self.env,
            login="dun_robust_manager",
            groups="ar_ai_collections.group_collections_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        reminded = self._customer("Reminded")
        reminded_invoice = self._invoice(reminded, 10)
        called = self._customer("Called")
        called_invoice = self._invoice(called, 40, band="high")
        self._executed(called_invoice, self.level_second, days_ago=10)
        # A level corrupted in SQL: its activity would be due in 27,000 years.
        self._sql(
            "UPDATE ai_dunning_level SET activity_delay_days = 10000000 WHERE id = %s",
            self.level_call.id,
        )
        stats = self.env["ai.dunning.run"].run(self.company, now=NOW)
        self.assertEqual(stats["skipped_customers"], 1)
        self.assertEqual(self._logs(reminded_invoice).outcome, "queued", "the others are dunned")
        self.assertEqual(len(self._reports(called, "Dunning run")), 1)

    def test_dunning_level_offsets_are_bounded(self):
        with self.assertRaises(ValidationError):
            self.level_call.activity_delay_days = 10000000
        with self.assertRaises(ValidationError):
            self.level_first.days = -(10**6)
