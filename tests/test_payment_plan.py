from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..models.ai_collection_payment_plan import PLAN_ACTIVE_STATES
from .worklist_common import WorklistCase


class PlanCase(WorklistCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "ai_plan_max_instalments": 4,
                "ai_plan_max_days": 120,
                "ai_plan_min_instalment": 100.0,
                "ai_plan_auto_approve_amount": 0.0,
                "ai_plan_reminder_days": 3,
                "ai_plan_grace_days": 5,
            }
        )

    def _plan(self, partner, moves, instalments, **vals):
        """A plan of ``instalments``: ``[(days from today, amount), ...]``."""
        values = {
            "partner_id": partner.id,
            "invoice_ids": [Command.set(moves.ids)],
            "line_ids": [
                Command.create({"date_due": self.today + timedelta(days=days), "amount": amount})
                for days, amount in instalments
            ],
            "source": "call",
        }
        return self.env["ai.collection.payment.plan"].create({**values, **vals})

    def _check(self, days=0):
        with freeze_time(self.today + timedelta(days=days)):
            self.env["ai.collection.payment.plan"]._cron_check_plans()

    def _activities(self, record):
        return self.env["mail.activity"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        )

    def _mails_to(self, record, partner):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("message_type", "=", "comment"),
                ("partner_ids", "in", partner.ids),
            ]
        )


@tagged("post_install", "-at_install")
class TestPaymentPlan(PlanCase):
    def test_lifecycle_approved_then_kept_instalment_by_instalment(self):
        partner = self._customer("Planner")
        inv = self._invoice(partner, 20, amount=900.0)
        plan = self._plan(partner, inv, [(10, 300.0), (40, 300.0), (70, 300.0)])
        self.assertTrue(plan.name.startswith("PLAN/"))
        self.assertEqual(
            (plan.state, plan.amount_total, plan.user_id), ("draft", 900.0, self.collector)
        )
        self.assertNotIn("draft", PLAN_ACTIVE_STATES, "a collector's draft holds nothing")
        plan.with_user(self.collector).action_approve()
        self.assertEqual(plan.state, "active")
        self.assertIn(plan.state, PLAN_ACTIVE_STATES)
        self.assertEqual(plan.residual_at_approval, 900.0)
        self.assertEqual(len(self._mails_to(plan, partner)), 1, "the customer is told by mail")
        # First instalment paid: 1/3.
        self._pay(inv, amount=300.0)
        self._check(days=11)
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "pending", "pending"])
        self.assertEqual((plan.progress, plan.amount_paid), ("1/3 paid", 300.0))
        self.assertEqual(plan._answer_text(), "plan 1/3 paid")
        # Second instalment 3 days late (within the grace): late, the plan stays active.
        self._check(days=43)
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "late", "pending"])
        self.assertEqual(plan.state, "active")
        # Everything paid: kept, the customer's invoices are off the plan.
        self._pay(inv)
        self._check(days=44)
        self.assertEqual(plan.state, "kept")
        self.assertEqual(plan.progress, "3/3 paid")
        self.assertNotIn(plan.state, PLAN_ACTIVE_STATES)

    def test_broken_beyond_grace_escalates_to_the_collector(self):
        partner = self._customer("Breaker")
        inv = self._invoice(partner, 20, amount=600.0)
        plan = self._plan(partner, inv, [(10, 300.0), (40, 300.0)])
        plan.action_approve()
        self._check(days=15)  # 5 days late: still within the grace
        self.assertEqual((plan.state, plan.line_ids[0].state), ("active", "late"))
        self._check(days=16)
        self.assertEqual(plan.state, "broken")
        self.assertTrue(plan.date_closed, "the day the ladder resumes")
        activity = self._activities(plan)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Broken payment plan", activity.summary)

    def test_reminder_sent_before_each_instalment_once(self):
        partner = self._customer("Reminded")
        inv = self._invoice(partner, 20, amount=600.0)
        plan = self._plan(partner, inv, [(10, 300.0), (40, 300.0)])
        plan.action_approve()
        template = self.env.ref("ar_ai_collections.mail_template_ai_plan_reminder")
        subject = f"next instalment of your payment plan {plan.name}"

        def reminders():
            return self._mails_to(plan, partner).filtered(lambda m: subject in (m.subject or ""))

        self._check(days=6)  # 4 days before: too early
        self.assertFalse(reminders())
        self._check(days=7)  # 3 days before the first instalment
        self.assertEqual(len(reminders()), 1)
        self.assertIn("300.00", reminders().body)
        self.assertEqual(plan.line_ids[0].reminder_date, self.today + timedelta(days=7))
        self._check(days=8)
        self.assertEqual(len(reminders()), 1, "one reminder per instalment")
        self.assertTrue(template.model == plan._name)

    def test_proposal_auto_approved_under_the_threshold(self):
        self.company.ai_plan_auto_approve_amount = 500.0
        partner = self._customer("Small Plan")
        small = self._plan(
            partner, self._invoice(partner, 10, amount=400.0), [(10, 200.0), (40, 200.0)]
        )
        small._propose()
        self.assertEqual(small.state, "active")
        self.assertIn("Follow payment plan", self._activities(small).summary)
        large_partner = self._customer("Large Plan")
        inv = self._invoice(large_partner, 10, amount=900.0)
        large = self._plan(large_partner, inv, [(10, 450.0), (40, 450.0)])
        large._propose()
        self.assertEqual(large.state, "proposed")
        activity = self._activities(large)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Approve or reject", activity.summary)
        large.with_user(self.collector).action_reject()
        self.assertEqual(large.state, "rejected")
        self.assertFalse(self._activities(large), "the collector's to-do is done")

    def test_limits_refused_with_clear_errors(self):
        partner = self._customer("Limits")
        inv = self._invoice(partner, 10, amount=1000.0)
        cases = [
            ([(10, 200.0)] * 1 + [(d, 200.0) for d in (20, 30, 40, 50)], "at most 4 instalments"),
            ([(10, 50.0), (40, 500.0)], "below the smallest instalment"),
            ([(10, 500.0), (130, 500.0)], "longest plan: 120 days"),
            ([(10, 500.0), (10, 500.0)], "same day"),
            ([(10, 800.0), (40, 800.0)], "exceed what is due"),
            ([(10, float("inf"))], "positive amount"),
            ([(10, -5.0)], "positive amount"),
        ]
        for instalments, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(ValidationError, message):
                self._plan(partner, inv, instalments)
        # The last instalment may be smaller than the minimum.
        self.assertTrue(self._plan(partner, inv, [(10, 500.0), (40, 50.0)]))
        # A past instalment is refused at approval.
        past = self._plan(partner, inv, [(10, 500.0)])
        past.line_ids.date_due = self.today - timedelta(days=1)
        with self.assertRaisesRegex(ValidationError, "must be between"):
            past.action_approve()
        with self.assertRaisesRegex(UserError, "invoices and instalments"):
            self._plan(partner, inv, []).action_approve()

    def test_hardship_reply_proposes_a_plan(self):
        partner = self._customer("Hardship")
        inv = self._invoice(partner, 30, amount=900.0)
        reply = self.env["ai.collection.reply"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "text": "We lost our biggest client and cannot pay this month.",
                "label": "dispute",
                "category": "financial_hardship",
                "confidence": 0.95,
            }
        )
        reply._route(0.7)
        plan = reply.plan_id
        self.assertEqual((reply.state, bool(reply.dispute_id)), ("applied", False))
        self.assertEqual((plan.state, plan.source, plan.invoice_ids), ("proposed", "reply", inv))
        self.assertEqual(plan.amount_total, 900.0)
        self.assertEqual(plan.instalment_count, 3)
        self.assertIn(plan.state, PLAN_ACTIVE_STATES, "the invoices are held meanwhile")
        activity = self._activities(plan)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Hardship reply", activity.summary)
        reply.with_user(self.collector).action_confirm_followup()
        self.assertEqual(plan.state, "active")

    def test_offer_from_the_worklist(self):
        partner = self._customer("Offered")
        self._invoice(partner, 30, amount=900.0)
        worklist = self.env["ai.collection.worklist"]
        worklist._refresh(self.company)
        line = worklist.search([("partner_id", "=", partner.id)])
        action = line.with_user(self.collector).action_offer_plan()
        self.assertEqual(action["res_model"], "ai.collection.payment.plan")
        context = action["context"]
        plan = (
            self.env["ai.collection.payment.plan"]
            .with_user(self.collector)
            .with_context(**context)
            .create({})
        )
        self.assertEqual(
            (plan.partner_id, plan.amount_total, plan.state), (partner, 900.0, "draft")
        )
        plan.action_approve()
        line.invalidate_recordset(["answer"])
        self.assertEqual(line.answer, "plan 0/3 paid")


@tagged("post_install", "-at_install")
class TestForeignCurrencyPlan(PlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 2 EUR for 1 unit of the company's currency today: Settings convert at it.
        cls.eur = cls.setup_other_currency("EUR", rounding=0.01)

    def _euro_invoice(self, partner, amount):
        return self.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=self.today - timedelta(days=20),
            amounts=[amount],
            taxes=[],
            currency=self.eur,
            post=True,
        )

    def test_plan_in_the_invoices_currency_with_converted_limits(self):
        self.assertNotEqual(self.company.currency_id, self.eur)
        partner = self._customer("Euro Planner")
        invoice = self._euro_invoice(partner, 900.0)
        plan = self._plan(partner, invoice, [(10, 450.0), (40, 450.0)])
        self.assertEqual(plan.currency_id, self.eur)
        self.assertEqual(plan.line_ids.currency_id, self.eur)
        self.assertEqual(plan.amount_total, 900.0, "in euros, not converted")
        # The smallest instalment (100 in the company's currency) is 200 EUR today.
        with self.assertRaisesRegex(ValidationError, "below the smallest instalment") as error:
            self._plan(partner, invoice, [(10, 150.0), (40, 750.0)])
        self.assertIn(self.eur.format(200.0), str(error.exception))
        # What is due is in euros too (900 EUR, not its 450 in the company's currency).
        with self.assertRaisesRegex(ValidationError, "exceed what is due"):
            self._plan(partner, invoice, [(10, 450.0), (40, 460.0)])
        plan.action_approve()
        self.assertEqual(plan.residual_at_approval, 900.0)
        self._pay(invoice, amount=450.0)  # in euros, the invoice's currency
        self._check(days=11)
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "pending"])
        self.assertEqual((plan.progress, plan.amount_paid), ("1/2 paid", 450.0))

    def test_one_plan_per_currency(self):
        partner = self._customer("Two Currencies")
        euros = self._euro_invoice(partner, 900.0)
        dollars = self._invoice(partner, 20, amount=500.0)
        with self.assertRaisesRegex(ValidationError, "one currency .*make one plan per currency"):
            self._plan(partner, euros | dollars, [(10, 500.0)])
        # The worklist's offer covers the invoices in one currency.
        values = self.env["ai.collection.payment.plan"]._offer_values(
            partner, self.company, dollars | euros
        )
        offer = self.env["ai.collection.payment.plan"].create(values)
        self.assertEqual((offer.invoice_ids, offer.currency_id), (dollars, dollars.currency_id))
        self.assertEqual(offer.amount_total, 500.0)
