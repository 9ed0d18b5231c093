from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..ar_ai_collections.constants import PORTAL_SUBMISSIONS_PER_HOUR
from .test_portal import PortalCase, make_invoice


# HTTP tests: run by the browser step of scripts/test (odoo --test-tags), like test_portal.
@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestPortalPaymentPlan(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "ai_plan_max_instalments": 3,
                "ai_plan_max_days": 90,
                "ai_plan_min_instalment": 100.0,
                "ai_plan_auto_approve_amount": 0.0,
            }
        )
        cls.collector = cls.env["res.users"].create(
            {
                "name": "Portal Collector",
                "login": "portal_plan_collector",
                "email": "portal.collector@example.com",  # the sender of the mails it decides
                "groups_id": [(6, 0, cls.env.ref("ar_ai_collections.group_collections_user").ids)],
            }
        )
        cls.customer.ai_collector_id = cls.collector
        cls.today = fields.Date.today()

    def plan_form(self, *instalments, invoices=None):
        """The form fields: invoices ticked and ``(days from today, amount)`` rows."""
        data = {f"invoice_{move.id}": "1" for move in invoices or self.invoice}
        for position, (days, amount) in enumerate(instalments, start=1):
            data[f"date_{position}"] = str(self.today + timedelta(days=days))
            data[f"amount_{position}"] = str(amount)
        return data

    def plans(self):
        return self.env["ai.collection.payment.plan"].search(
            [("partner_id", "in", (self.customer | self.other).ids)]
        )

    def test_proposal_creates_a_plan_to_approve(self):
        page = self.url_open(self.path).text
        self.assertIn("o_ai_plan_form", page)
        self.assertIn('name="date_3"', page, "one row per allowed instalment")
        self.assertNotIn('name="date_4"', page)
        response = self.post(
            "plan", **self.plan_form((10, 500.0), (40, 500.0), (70, 500.0)), note="Thanks"
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("done=plan", response.headers["Location"])
        plan = self.plans()
        self.assertEqual(len(plan), 1)
        self.assertEqual(
            (plan.state, plan.source, plan.invoice_ids), ("proposed", "portal", self.invoice)
        )
        self.assertEqual((plan.amount_total, plan.instalment_count), (1500.0, 3))
        activity = plan.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Approve or reject", activity.summary)
        # The answer shows on the page and on the worklist line.
        page = self.url_open(f"{self.path}?done=plan").text
        self.assertIn("o_ai_done_plan", page)
        self.assertIn("plan proposed (to approve)", page)
        self.env["ai.collection.worklist"]._refresh(self.env.company)
        line = self.env["ai.collection.worklist"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(line.answer, "plan proposed (to approve)")
        # Approved in one click: the customer is told, the page shows the progress.
        plan.with_user(self.collector).action_approve()
        self.assertEqual(plan.state, "active")
        self.assertIn("plan 0/3 paid", self.url_open(self.path).text)

    def test_promise_notifies_the_collector_and_shows_on_the_page(self):
        date = self.today + timedelta(days=5)
        response = self.post("promise", move_id=self.invoice.id, promised_date=str(date))
        self.assertEqual(response.status_code, 303)
        promise = self.cases()[0]
        self.assertEqual(promise.state, "draft")
        self.assertTrue(self.invoice.ai_has_open_promise, "held at once")
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        self.assertIn("Confirm or reject promise", promise.activity_ids.summary)
        self.assertIn("(to confirm)", self.url_open(self.path).text)

    @mute_logger("odoo.http")
    def test_malformed_input_and_limits_answer_400_with_a_message(self):
        csrf = self.csrf()
        cases = [
            (
                {"date_1": str(self.today + timedelta(days=5)), "amount_1": "200"},
                "choose the invoices",
            ),
            (self.plan_form(), "at least one instalment"),
            (
                self.plan_form((10, 200.0), (20, 200.0), (30, 200.0), (40, 200.0)),
                "at most 3 instalments",
            ),
            ({**self.plan_form(), "date_99999": "x"}, "at most 3 instalments"),
            ({**self.plan_form(), "date_1": "2026-02-30", "amount_1": "10"}, "choose a date"),
            ({**self.plan_form(), "date_1": str(self.today), "amount_1": "1e9"}, "as a number"),
            ({**self.plan_form(), "date_1": str(self.today), "amount_1": "-5"}, "as a number"),
            ({**self.plan_form(), "date_1": str(self.today), "amount_1": "nan"}, "as a number"),
            ({**self.plan_form(), "date_1": str(self.today)}, "as a number"),
            (self.plan_form((-1, 500.0)), "choose a date"),
            (self.plan_form((91, 500.0)), "choose a date"),
            (self.plan_form((10, 50.0), (40, 500.0)), "below the smallest instalment"),
            (self.plan_form((10, 1000.0), (40, 1000.0)), "exceed what is due"),
            (self.plan_form((10, 500.0), invoices=self.other_invoice), "choose the invoices"),
            ({**self.plan_form((10, 500.0)), "note": "x" * 5000}, "characters at most"),
            ({**self.plan_form((10, 500.0)), "note": "a\x00b"}, "not filled in correctly"),
        ]
        for data, message in cases:
            with self.subTest(message=message, data=sorted(data)):
                response = self.post("plan", csrf=csrf, **data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertFalse(self.plans(), "nothing recorded")

    def test_bad_links_answer_the_uniform_404(self):
        form = self.plan_form((10, 500.0))
        partner_id, expires, token = self.path.rsplit("/", 3)[1:]
        expired = self.link(self.customer, days=-1)
        tampered = f"/ai_collections/portal/{partner_id}/{expires}/{token[:-2]}xx"
        foreign = f"/ai_collections/portal/{self.other.id}/{expires}/{token}"
        for path in (expired, tampered, foreign):
            with self.subTest(path=path):
                response = self.post("plan", path=path, csrf=self.csrf(), **form)
                self.assertEqual(response.status_code, 404)
                self.assertIn("o_ai_invalid_link", response.text)
        self.assertFalse(self.plans())

    def test_plan_proposals_are_rate_limited(self):
        csrf = self.csrf()
        date = str(self.today + timedelta(days=5))
        for _ in range(PORTAL_SUBMISSIONS_PER_HOUR - 1):
            self.post("promise", csrf=csrf, move_id=self.invoice.id, promised_date=date)
        self.assertEqual(
            self.post("plan", csrf=csrf, **self.plan_form((10, 500.0))).status_code, 303
        )
        limited = self.post("plan", csrf=csrf, **self.plan_form((20, 500.0)))
        self.assertEqual(limited.status_code, 429)
        self.assertIn("o_ai_rate_limited", limited.text)
        self.assertEqual(len(self.plans()), 1)
        # Another customer is not limited.
        other_invoice = make_invoice(self.env, self.other, amount=900.0)
        response = self.post(
            "plan",
            path=self.link(self.other),
            **self.plan_form((10, 900.0), invoices=other_invoice | self.other_invoice),
        )
        self.assertEqual(response.status_code, 303)

    def test_foreign_currency_plan_in_the_invoices_currency(self):
        company = self.env.company
        foreign = self.env.ref("base.CHF" if company.currency_id.name == "EUR" else "base.EUR")
        foreign.active = True
        self.env["res.currency.rate"].create(
            {"name": self.today, "rate": 2.0, "currency_id": foreign.id, "company_id": company.id}
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "currency_id": foreign.id,
                "invoice_date": self.today - timedelta(days=5),
                "invoice_date_due": self.today - timedelta(days=5),
                "invoice_line_ids": [
                    fields.Command.create({"name": "Service", "price_unit": 900.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        page = self.url_open(self.path).text
        self.assertIn("o_ai_plan_one_currency", page, "the page says: one plan per currency")
        mixed = self.post("plan", **self.plan_form((10, 500.0), invoices=self.invoice | invoice))
        self.assertEqual(mixed.status_code, 400)
        self.assertIn("one plan for your invoices in", mixed.text)
        # The smallest instalment (100 in the company's currency) is 200 in the other.
        small = self.post("plan", **self.plan_form((10, 150.0), (40, 750.0), invoices=invoice))
        self.assertEqual(small.status_code, 400)
        self.assertIn("below the smallest instalment", small.text)
        response = self.post("plan", **self.plan_form((10, 250.0), (40, 650.0), invoices=invoice))
        self.assertEqual(response.status_code, 303)
        plan = self.plans()
        self.assertEqual((plan.currency_id, plan.invoice_ids), (foreign, invoice))
        self.assertEqual(plan.amount_total, 900.0, "entered and kept in the invoice's currency")
        self.assertEqual(plan.line_ids.mapped("amount"), [250.0, 650.0])
        self.assertIn("plan proposed (to approve)", self.url_open(self.path).text)

    def test_part_payment_shows_beside_the_invoice(self):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"payment_date": self.today, "amount": 500.0})._create_payments()
        self.env.cr.flush()  # the payment's answer, recorded before commit
        self.assertEqual(self.invoice.payment_state, "partial")
        page = self.url_open(self.path).text
        self.assertIn(f"part payment {self.today.strftime('%d/%m')}", page)
        todo = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        self.assertEqual(todo.user_id, self.collector)
