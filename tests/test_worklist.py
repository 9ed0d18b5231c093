from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .worklist_common import WorklistCase


@tagged("post_install", "-at_install")
class TestWorklist(WorklistCase):
    def _refresh(self):
        self.env["ai.collection.worklist"].refresh_company(self.company)

    def _line(self, partner):
        return self.env["ai.collection.worklist"].search([("partner_id", "=", partner.id)])

    def test_call_now_fits_the_collector_capacity(self):
        self.collector.ai_weekly_call_capacity = 2
        # Four customers worth a call, by decreasing value of acting now.
        big = [self._customer(f"Big {i}") for i in range(4)]
        for i, partner in enumerate(big):
            self._invoice(partner, 30, amount=5000.0 - 1000 * i, default_probability=60.0)
        likely_payer = self._customer("Likely Payer")
        self._invoice(likely_payer, 30, amount=20000.0, default_probability=5.0)
        small = self._customer("Small")
        self._invoice(small, 30, amount=150.0, default_probability=50.0)  # 75 < 100
        unassigned = self._customer("Nobody's", ai_collector_id=False)
        self._invoice(unassigned, 10, amount=3000.0, default_probability=40.0)
        not_due = self._customer("Not Due")
        self._invoice(not_due, -10, amount=9000.0, default_probability=30.0)  # low band
        self._refresh()
        tiers = {p.name: self._line(p).tier for p in big}
        self.assertEqual(
            tiers,
            {"Big 0": "call_now", "Big 1": "call_now", "Big 2": "follow_up", "Big 3": "follow_up"},
        )
        self.assertEqual(self._line(likely_payer).tier, "automated", "likely to pay anyway")
        self.assertEqual(self._line(small).tier, "automated", "not worth a call")
        # The unassigned pool uses the company capacity (40).
        self.assertEqual(self._line(unassigned).tier, "call_now")
        self.assertFalse(self._line(unassigned).user_id)
        self.assertFalse(self._line(not_due), "neither overdue nor at risk")
        line = self._line(big[0])
        self.assertEqual(line.user_id, self.collector)
        self.assertEqual(line.overdue_amount, 5000.0)
        self.assertAlmostEqual(line.expected_value, 3000.0)
        self.assertAlmostEqual(line.no_pay_probability, 60.0)
        self.assertEqual(line.max_days_overdue, 30)
        self.assertEqual(line.next_action, "call")
        self.assertEqual(line.next_action_date, self.today)
        # The default list order is the priority.
        lines = self.env["ai.collection.worklist"].search(
            [("partner_id", "in", [p.id for p in big])]
        )
        self.assertEqual(lines.partner_id.mapped("name"), ["Big 0", "Big 1", "Big 2", "Big 3"])
        # More capacity: more calls, after a refresh.
        self.company.ai_worklist_call_capacity = 40
        self.collector.ai_weekly_call_capacity = 0
        self._refresh()
        self.assertTrue(all(self._line(p).tier == "call_now" for p in big))

    def test_nothing_overdue_is_never_called_now(self):
        # A customer with $0 overdue topped "Call now" on its not-yet-due amount at
        # risk: nothing to chase yet, a personal email before the due date at most.
        self.collector.ai_weekly_call_capacity = 5
        early = self._customer("Not Due Yet")
        self._invoice(early, -9, amount=50000.0, default_probability=80.0, ai_risk_band="critical")
        late = self._customer("Overdue")
        self._invoice(late, 20, amount=1000.0, default_probability=60.0)
        self._refresh()
        line = self._line(early)
        self.assertEqual(line.overdue_amount, 0.0)
        self.assertGreater(line.expected_value, self._line(late).expected_value)
        self.assertEqual((line.tier, line.next_action), ("follow_up", "email"))
        self.assertEqual(self._line(late).tier, "call_now", "the call slot goes to the overdue")

    def test_at_risk_disputes_promises_and_cleanup(self):
        partner = self._customer("Mixed")
        inv_disputed = self._invoice(partner, 20, amount=2000.0, default_probability=50.0)
        inv_promised = self._invoice(partner, 25, amount=1000.0, default_probability=50.0)
        at_risk = self._invoice(partner, -5, amount=400.0, default_probability=50.0)
        at_risk.ai_risk_band = "critical"
        dispute = self.env["ai.collection.dispute"].create(
            {"partner_id": partner.id, "move_ids": [(6, 0, inv_disputed.ids)]}
        )
        dispute.action_confirm()
        promise = self._promise(partner, inv_promised, days=4)
        promise.action_confirm()
        self._refresh()
        line = self._line(partner)
        self.assertEqual(line.overdue_amount, 3000.0)
        self.assertEqual(line.open_amount, 3400.0)
        self.assertEqual(line.at_risk_amount, 400.0, "disputed and promised amounts are handled")
        self.assertAlmostEqual(line.expected_value, 200.0)
        self.assertEqual(line.dispute_count, 1)
        self.assertEqual(line.dispute_amount, 2000.0)
        self.assertEqual(line.promise_id, promise)
        self.assertEqual(line.promise_date, promise.promised_date)
        # A customer who kept only half of their past promises: half of the promised
        # amount stays at risk.
        partner.write({"ai_promise_count": 4, "ai_promise_kept_rate": 50.0})
        self._refresh()
        self.assertEqual(line.at_risk_amount, 900.0)
        self.assertAlmostEqual(line.expected_value, 200.0 + 250.0)
        # Everything paid: the line disappears at the next (nightly) refresh.
        self._pay(inv_disputed | inv_promised | at_risk)
        self.env.ref(
            "ar_ai_collections.ai_collection_worklist_cron_refresh"
        ).method_direct_trigger()
        self.assertFalse(self._line(partner))

    def test_log_call_snooze_escalate_reassign(self):
        self.collector.ai_weekly_call_capacity = 1
        first = self._customer("First")
        second = self._customer("Second")
        self._invoice(first, 40, amount=5000.0, default_probability=60.0)
        self._invoice(second, 40, amount=3000.0, default_probability=60.0)
        self._refresh()
        line1, line2 = self._line(first), self._line(second)
        self.assertEqual((line1.tier, line2.tier), ("call_now", "follow_up"))
        # Log a call on the first: not called again this week, the slot frees up.
        action = line1.action_log_call()
        wizard_form = Form(
            self.env[action["res_model"]].with_context(**action["context"]),
        )
        wizard_form.outcome = "reached"
        wizard_form.note = "Will pay on Friday."
        wizard_form.save().action_confirm()
        self.assertEqual(first.ai_last_contact_date, self.today)
        self.assertTrue(
            first.message_ids.filtered(lambda m: "Will pay on Friday" in (m.body or ""))
        )
        self._refresh()
        self.assertEqual(line1.last_contact_date, self.today)
        self.assertEqual((line1.tier, line2.tier), ("follow_up", "call_now"))
        # Snooze survives the refresh; escalation pins a line in Call now.
        line2.action_snooze()
        line1.action_escalate()
        self._refresh()
        self.assertEqual(line2.tier, "watch")
        self.assertEqual(line2.next_action_date, self.today + timedelta(days=7))
        self.assertEqual(line1.tier, "call_now")
        self.assertTrue(
            first.activity_ids.filtered(lambda a: a.user_id == self.collector),
            "the escalation gives the collector an activity",
        )
        # Logging a call clears the escalation.
        self.env["ai.collection.call.wizard"].create(
            {
                "worklist_id": line1.id,
                "outcome": "callback",
                "callback_date": self.today + timedelta(days=3),
            }
        ).action_confirm()
        self.assertFalse(line1.escalated)
        self.assertEqual(line1.snooze_until, self.today + timedelta(days=3))
        # Reassigning a line reassigns the customer.
        other = self.collector.copy({"login": "wl_other_collector", "name": "Other"})
        line1.user_id = other
        self.assertEqual(first.ai_collector_id, other)
        self._refresh()
        self.assertEqual(line1.user_id, other)
        # Record a promise from the line: the form opens prefilled.
        action = line2.action_record_promise()
        with Form(self.env[action["res_model"]].with_context(**action["context"])) as form:
            form.promised_date = self.today + timedelta(days=5)
        self.assertEqual(form.record.partner_id, second)
        self.assertEqual(form.record.amount, 3000.0)
        # Confirming it updates the line at once: nothing left at risk, watched
        # until the promised date (plus the grace days).
        form.record.action_confirm()
        self.assertEqual(line2.promise_id, form.record)
        self.assertEqual(line2.at_risk_amount, 0.0)
        self.assertEqual(line2.next_action, "check_promise")
        self.assertEqual(line2.next_action_date, self.today + timedelta(days=7))

    def test_logged_call_keeps_its_invoices(self):
        """A call logged by the collector is kept with the customer's open overdue
        invoices (not the one not yet due, nor the paid one), noted on the customer's
        chatter and dates the last contact; other companies' collectors and plain
        invoicing users do not read it, the collector cannot rewrite it."""
        partner = self._customer("Called")
        overdue = self._invoice(partner, 30, amount=2000.0, default_probability=50.0)
        overdue |= self._invoice(partner, 5, amount=500.0)
        self._invoice(partner, -10, amount=700.0)
        self._pay(self._invoice(partner, 40, amount=300.0))
        self._refresh()
        # A collector without "Contact Creation" still logs the call on the chatter.
        self.assertFalse(self.collector.has_group("base.group_partner_manager"))
        env = self.env(user=self.collector)
        env["ai.collection.call.wizard"].create(
            {
                "worklist_id": self._line(partner).id,
                "outcome": "callback",
                "callback_date": self.today + timedelta(days=3),
                "note": "Call back on Thursday.",
            }
        ).action_confirm()
        call = env["ai.collection.call"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(call), 1)
        self.assertEqual(call.move_ids, overdue)
        self.assertEqual(
            (call.user_id, call.company_id, call.outcome, call.callback_date, call.note),
            (
                self.collector,
                self.company,
                "callback",
                self.today + timedelta(days=3),
                "Call back on Thursday.",
            ),
        )
        self.assertEqual(partner.ai_last_contact_date, self.today)
        note = partner.message_ids.filtered(lambda m: "Call back on Thursday" in (m.body or ""))
        self.assertEqual(note.author_id, self.collector.partner_id)
        customer = env["res.partner"].browse(partner.id)
        self.assertEqual(customer.ai_call_count, 1)
        action = customer.action_ai_open_calls()
        self.assertEqual(env["ai.collection.call"].search(action["domain"]), call)
        with self.assertRaises(AccessError):
            call.write({"outcome": "no_answer"})
        with self.assertRaises(AccessError):
            self.env["ai.collection.call"].with_user(self.invoicing_user).search([])
        outsider = self._outsider()
        self.assertFalse(self.env["ai.collection.call"].with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            call.with_user(outsider).read(["outcome"])

    def test_access_and_multi_company(self):
        partner = self._customer("Visible")
        self._invoice(partner, 20, amount=2000.0, default_probability=50.0)
        self._refresh()
        Worklist = self.env["ai.collection.worklist"]
        line = self._line(partner)
        # Plain invoicing users have no worklist.
        with self.assertRaises(AccessError):
            Worklist.with_user(self.invoicing_user).search([])
        with self.assertRaises(AccessError):
            line.with_user(self.invoicing_user).action_snooze()
        with self.assertRaises(AccessError):
            Worklist.with_user(self.invoicing_user).action_refresh()
        Worklist.with_user(self.collector).action_refresh()
        line.with_user(self.collector).action_snooze()
        outsider = self._outsider()
        self.assertFalse(Worklist.with_user(outsider).search([]))
        # The outsider's refresh builds their company's (empty) list only.
        Worklist.with_user(outsider).action_refresh()
        self.assertEqual(self._line(partner), line)
        # Views render for a collector; the invoicing forms for a plain invoicing user.
        for view in ("list", "kanban", "form", "search"):
            Worklist.with_user(self.collector).get_views([(False, view)])
        env = self.env(user=self.invoicing_user)
        env["res.partner"].get_views([(False, "form")])
        env["account.move"].get_views([(False, "form"), (False, "search")])
        env = self.env(user=self.collector)
        env["ai.collection.promise"].get_views(
            [(False, "list"), (False, "form"), (False, "search")]
        )
        env["ai.collection.dispute"].get_views(
            [(False, "list"), (False, "form"), (False, "search")]
        )
        # The settings block renders for an administrator.
        self.env["res.config.settings"].get_views([(False, "form")])
        self.env["res.users"].get_views([(False, "form")])

    def _outsider(self):
        """A collector of another company only."""
        other_company = self.setup_other_company()["company"]
        return self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "wl_worklist_outsider",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [(6, 0, self.env.ref("ar_ai_collections.group_collections_user").ids)],
            }
        )
