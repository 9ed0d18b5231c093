"""A payment registered on an invoice in collections closes the loop at once: the
invoice is off the ladder, the collector gets one to-do per customer, the worklist
line and the preview show it, a promise or an instalment it covers is kept."""

from datetime import timedelta

from odoo import SUPERUSER_ID, fields
from odoo.tests import tagged

from .test_payment_plan import PlanCase


@tagged("post_install", "-at_install")
class TestPaymentAnswer(PlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "ai_dunning_max_contacts_7d": 2,
                "ai_dunning_min_amount": 0.0,
                "ai_dunning_review_amount": 50000.0,
                "ai_dunning_payment_window_days": 14,
            }
        )
        Level = cls.env["ai.dunning.level"]
        Level.search([("company_id", "=", cls.company.id)]).active = False
        courteous = cls.env.ref("ar_ai_collections.mail_template_ai_dunning_courteous")
        cls.level_first = Level.create(
            {"name": "P first", "sequence": 1, "days": 7, "mail_template_id": courteous.id}
        )
        cls.level_second = Level.create(
            {"name": "P second", "sequence": 2, "days": 20, "mail_template_id": courteous.id}
        )

    def _dunned(self, partner, amount=1000.0):
        """An invoice 25 days overdue whose first reminder went 12 days ago: its second
        level is due."""
        invoice = self._invoice(partner, 25, amount=amount)
        self.env["ai.dunning.log"].sudo().create(
            {
                "company_id": self.company.id,
                "date": fields.Datetime.now() - timedelta(days=12),
                "partner_id": partner.id,
                "move_id": invoice.id,
                "level_id": self.level_first.id,
                "outcome": "sent",
            }
        )
        return invoice

    def _register(self, moves, amount=None, group=True):
        """Odoo's payment wizard, then the commit's precommit hooks."""
        vals = {"payment_date": self.today, "group_payment": group}
        if amount is not None:
            vals["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids
        ).create(vals)._create_payments()
        self.env.cr.flush()  # what a commit runs first

    def _partner_todos(self, partner):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def _preview(self, partner):
        return self.env["ai.dunning.run"]._preview(
            self.company, partners=partner, force_manual=True, ignore_hours=True
        )[0]

    def test_part_payment_notifies_the_collector_and_holds_the_ladder(self):
        partner = self._customer("Part Payer")
        invoice = self._dunned(partner)
        plan = self._preview(partner)
        self.assertEqual(plan.customers["action"].tolist(), ["send"], "its second level is due")
        self._register(invoice, amount=400.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(
            (invoice.ai_last_payment_date, invoice.ai_last_payment_amount), (self.today, 400.0)
        )
        todo = self._partner_todos(partner)
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.user_id, self.collector, "the collector, not OdooBot")
        self.assertEqual(todo.summary, "Payment received: part payment")
        self.assertIn(f"{invoice.name}: part payment of", todo.note)
        self.assertIn("600.00", todo.note, "what is left")
        # Off the ladder: the preview and the run hold it, the answer is shown.
        plan = self._preview(partner)
        self.assertEqual(plan.customers["reason"].tolist(), ["engaged"])
        when = self.today.strftime("%d/%m")
        wizard = self.env["ai.dunning.preview"].create({"partner_id": partner.id})
        wizard.action_refresh()
        self.assertEqual(wizard.line_ids.mapped("answer"), [f"part payment {when}"])
        self.assertEqual(wizard.line_ids.reason, "engaged")
        stats = self.env["ai.dunning.run"].run(self.company, partners=partner, ignore_hours=True)
        self.assertEqual(stats.get("send", 0), 0, stats)
        self.assertFalse(
            self.env["ai.dunning.log"]
            .search([("move_id", "=", invoice.id), ("level_id", "=", self.level_second.id)])
            .filtered(lambda log: log.outcome != "skipped")
        )
        self.env["ai.collection.worklist"]._refresh(self.company)
        line = self.env["ai.collection.worklist"].search([("partner_id", "=", partner.id)])
        self.assertEqual(line.answer, f"part payment {when}")

    def test_full_payment_of_two_invoices_is_one_todo_and_ends_dunning(self):
        partner = self._customer("Full Payer", ai_collector_id=False)
        salesperson = self.collector.copy({"login": "pa_sales", "name": "Sales Sid"})
        first, second = self._dunned(partner), self._invoice(partner, 10, amount=250.0)
        (first | second).invoice_user_id = salesperson
        self._register(first | second)
        todo = self._partner_todos(partner)
        self.assertEqual(len(todo), 1, "one to-do per customer")
        self.assertEqual(todo.user_id, salesperson, "no collector: the salesperson")
        self.assertNotEqual(todo.user_id.id, SUPERUSER_ID)
        self.assertEqual(todo.summary, "Payment received: paid in full")
        for invoice in first | second:
            self.assertIn(f"{invoice.name}: paid in full.", todo.note)
        plan = self._preview(partner)
        self.assertTrue(plan is None or plan.customers.empty, "nothing left to dun")
        stats = self.env["ai.dunning.run"].run(self.company, partners=partner, ignore_hours=True)
        self.assertEqual(stats.get("send", 0), 0, stats)

    def test_customer_not_in_collections_is_not_notified(self):
        partner = self._customer("On Time", ai_collector_id=False)
        invoice = self._invoice(partner, -5, amount=300.0)  # not due, never dunned
        self._register(invoice, amount=100.0)
        self.assertFalse(self._partner_todos(partner))
        self.assertFalse(invoice.ai_last_payment_date)

    def test_part_payment_covering_a_promise_or_an_instalment_keeps_it_at_once(self):
        partner = self._customer("Promise Keeper")
        promised = self._invoice(partner, 20, amount=1000.0)
        promise = self._promise(partner, promised, days=10, amount=300.0)
        promise.action_confirm()
        planned = self._invoice(partner, 30, amount=600.0)
        plan = self._plan(partner, planned, [(10, 300.0), (40, 300.0)])
        plan.action_approve()
        self._register(promised, amount=300.0)
        self.assertEqual(promise.state, "kept", "kept at once, not at the daily check")
        self.assertFalse(promised.ai_has_open_promise)
        self._register(planned, amount=300.0)
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "pending"])
        self.assertEqual(plan.progress, "1/2 paid")
        self.assertEqual(plan.state, "active")
        self.assertEqual(len(self._partner_todos(partner)), 2, "one to-do per payment")

    def test_200_invoices_in_one_batch_cost_a_bounded_number_of_queries(self):
        partners = [self._customer(f"Bulk {n}") for n in range(20)]
        invoices = self.env["account.move"]
        for partner in partners:
            for days in range(10, 20):
                invoices |= self._invoice(partner, days, amount=100.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({"payment_date": self.today, "group_payment": True})._create_payments()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count
        self.env.cr.flush()  # the payments' answers, before commit
        queries = self.env.cr.sql_log_count - queries
        self.assertTrue(all(invoices.mapped("ai_last_payment_date")))
        todos = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", [p.id for p in partners])]
        )
        self.assertEqual(len(todos), 20, "one to-do per customer, not per invoice")
        # Measured: 77 queries (20 customers, 200 invoices).
        self.assertLessEqual(queries, 100, f"{queries} queries: none per invoice")

    def test_a_plan_that_cannot_be_checked_never_stops_the_payment(self):
        partner = self._customer("Corrupt Plan")
        invoice = self._invoice(partner, 20, amount=600.0)
        plan = self._plan(partner, invoice, [(10, 300.0), (40, 300.0)])
        plan.action_approve()
        # A date typed by hand in SQL: its grace days overflow the calendar.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ai_collection_payment_plan_line SET date_due = '9999-12-31' WHERE id = %s",
            [plan.line_ids[-1].id],
        )
        plan.line_ids.invalidate_recordset(["date_due"])
        with self.assertLogs("odoo.addons.ar_ai_collections.models.cron_isolation", "ERROR"):
            self._register(invoice, amount=300.0)
        self.assertEqual(invoice.payment_state, "partial", "the payment is registered")
        self.assertEqual(invoice.ai_last_payment_date, self.today)
        self.assertEqual(self._partner_todos(partner).user_id, self.collector)
        self.assertEqual(plan.state, "active", "left for a manager to look at")
