"""The customer's answers close the loop: each one holds its invoices at once, gives
the responsible collector a to-do and shows on the worklist line; the collector
confirms or rejects a customer's promise in one click and the customer is told."""

from odoo import SUPERUSER_ID
from odoo.tests import tagged

from ..models.ai_collection_answer_mixin import answer_collector
from .test_payment_plan import PlanCase


@tagged("post_install", "-at_install")
class TestAnswers(PlanCase):
    def _line(self, partner):
        self.env["ai.collection.worklist"]._refresh(self.company)
        return self.env["ai.collection.worklist"].search([("partner_id", "=", partner.id)])

    def test_portal_promise_held_then_confirmed_with_a_mail(self):
        partner = self._customer("Promised Portal")
        inv = self._invoice(partner, 20, amount=500.0)
        promise = self._promise(partner, inv, days=10, source="portal")
        self.assertEqual(promise.state, "draft")
        self.assertTrue(inv.ai_has_open_promise, "held from the moment it arrives")
        to_confirm = self.env["ai.collection.promise"].search(
            [("state", "=", "draft"), ("source", "in", ("portal", "reply"))]
        )
        self.assertIn(promise, to_confirm, "the 'To Confirm' filter (a default) shows it")
        self.assertIn("(to confirm)", self._line(partner).answer)
        promise.with_user(self.collector).action_confirm()
        self.assertEqual(promise.state, "open")
        mails = self._mails_to(promise, partner)
        self.assertEqual(len(mails), 1)
        self.assertIn("we have noted your payment promise", mails.subject)
        self.assertTrue(inv.ai_has_open_promise)
        line = self._line(partner)
        self.assertTrue(line.answer.startswith("promised for "))
        self.assertNotIn("to confirm", line.answer)

    def test_portal_promise_rejected_with_a_mail_resumes_dunning(self):
        partner = self._customer("Rejected Portal")
        inv = self._invoice(partner, 20, amount=500.0)
        promise = self._promise(partner, inv, days=10, source="portal")
        promise.with_user(self.collector).action_reject()
        self.assertEqual(promise.state, "rejected")
        self.assertTrue(promise.date_closed)
        self.assertFalse(inv.ai_has_open_promise, "the ladder resumes")
        mails = self._mails_to(promise, partner)
        self.assertEqual(len(mails), 1)
        self.assertIn("about your payment promise", mails.subject)
        self.assertFalse(self._line(partner).answer)

    def test_collector_promise_confirmed_without_mail(self):
        partner = self._customer("Phone Promise")
        inv = self._invoice(partner, 20, amount=500.0)
        promise = self._promise(partner, inv, days=10)
        self.assertFalse(inv.ai_has_open_promise, "a collector's draft holds nothing yet")
        promise.action_confirm()
        self.assertFalse(self._mails_to(promise, partner), "agreed on the phone")

    def test_classified_reply_promise_holds_and_notifies(self):
        partner = self._customer("Replier")
        inv = self._invoice(partner, 20, amount=500.0)
        reply = self.env["ai.collection.reply"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "move_id": inv.id,
                "text": "We will pay next Friday.",
                "label": "promise",
                "confidence": 0.95,
            }
        )
        reply._route(0.7)
        promise = reply.promise_id
        self.assertEqual((promise.state, promise.source), ("draft", "reply"))
        self.assertTrue(inv.ai_has_open_promise)
        activity = self._activities(promise)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Confirm or reject promise", activity.summary)
        self.assertIn("(to confirm)", self._line(partner).answer)

    def test_dispute_and_plan_show_on_the_worklist_line(self):
        partner = self._customer("Disputer")
        inv = self._invoice(partner, 20, amount=500.0)
        dispute = self.env["ai.collection.dispute"].create(
            {"partner_id": partner.id, "move_ids": [(6, 0, inv.ids)], "source": "portal"}
        )
        dispute.action_confirm()
        self.assertEqual(self._activities(dispute).user_id, self.collector)
        self.assertEqual(self._line(partner).answer, "disputed")
        other = self._invoice(partner, 25, amount=400.0)
        plan = self._plan(partner, other, [(10, 200.0), (40, 200.0)], source="portal")
        plan._propose()
        self.assertEqual(self._line(partner).answer, "plan proposed (to approve), disputed")

    def test_activity_routing_never_superuser(self):
        salesperson = self.collector.copy({"login": "wl_sales", "name": "Sales Sam"})
        manager = self.env["res.users"].create(
            {
                "name": "Manager Mia",
                "login": "wl_manager",
                "company_ids": [(6, 0, self.company.ids)],
                "company_id": self.company.id,
                "groups_id": [
                    (6, 0, [self.env.ref("ar_ai_collections.group_collections_manager").id])
                ],
            }
        )
        partner = self._customer("Routed", ai_collector_id=False)
        inv = self._invoice(partner, 20, amount=500.0)
        inv.invoice_user_id = salesperson
        self.assertEqual(answer_collector(partner, inv, self.company), salesperson)
        inv.invoice_user_id = SUPERUSER_ID
        routed = answer_collector(partner, inv, self.company)
        self.assertNotEqual(routed.id, SUPERUSER_ID)
        self.assertTrue(routed.has_group("ar_ai_collections.group_collections_manager"))
        self.assertIn(routed, self.env.ref("ar_ai_collections.group_collections_manager").users)
        partner.ai_collector_id = self.collector
        self.assertEqual(answer_collector(partner, inv, self.company), self.collector)
        # A scheduled action (superuser) breaking a plan routes its to-do the same way.
        partner.ai_collector_id = False
        plan = self._plan(partner, inv, [(10, 500.0)])
        plan.action_approve()
        self._check(days=16)
        self.assertEqual(plan.state, "broken")
        self.assertNotIn(SUPERUSER_ID, self._activities(plan).user_id.ids)
        self.assertTrue(manager)
