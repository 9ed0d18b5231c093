"""Company A's collectors and managers cannot act on company B's records.

Each action checks the user's access to its records (record rules included) before it
does anything, rather than relying on some incidental read to fail before it works as
superuser. Every action still works on the user's own company's records.
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .roles_common import RolesCase


@tagged("post_install", "-at_install")
class TestCrossCompany(RolesCase):
    def _assert_denied(self, user, records, method):
        """``method`` of ``records`` raises AccessError for ``user``."""
        with (
            self.subTest(user=user.login, model=records._name, method=method),
            self.assertRaises(AccessError),
            self.env.cr.savepoint(),
        ):
            getattr(records.with_user(user), method)()

    def _users_a(self, *roles):
        return [self.users[self.company_a][role] for role in roles]

    def test_worklist_actions(self):
        line_a = self.records[self.company_a]["line"]
        line_b = self.records[self.company_b]["line"]
        methods = (
            "action_snooze",
            "action_escalate",
            "action_assign_to_me",
            "action_log_call",
            "action_record_promise",
            "action_raise_dispute",
            "action_open_invoices",
        )
        for user in self._users_a("collector", "manager"):
            for method in methods:
                self._assert_denied(user, line_b, method)
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                line_b.with_user(user).write({"user_id": user.id})
        collector = self.users[self.company_a]["collector"]
        # The refresh rebuilds the user's companies only.
        refreshed_b = line_b.refreshed_at
        line_a.with_user(collector).action_refresh()
        self.assertEqual(line_b.refreshed_at, refreshed_b)
        self.assertTrue(line_a.exists())
        line_a.with_user(collector).action_escalate()
        self.assertTrue(line_a.escalated)
        line_a.with_user(collector).action_snooze()
        self.assertTrue(line_a.snooze_until)
        line_a.with_user(collector).action_assign_to_me()
        self.assertEqual(self.customer.ai_collector_id, collector)
        for method in ("action_log_call", "action_record_promise", "action_raise_dispute"):
            self.assertEqual(
                getattr(line_a.with_user(collector), method)()["type"], "ir.actions.act_window"
            )

    def test_call_wizard(self):
        """A call logged on company B's line (its id forged into the wizard) is refused."""
        line_b = self.records[self.company_b]["line"]
        collector = self.users[self.company_a]["collector"]
        wizard = (
            self.env["ai.collection.call.wizard"]
            .with_user(collector)
            .create({"worklist_id": line_b.id, "outcome": "reached"})
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            wizard.action_confirm()
        self.assertFalse(self.customer.ai_last_contact_date)
        line_a = self.records[self.company_a]["line"]
        self.env["ai.collection.call.wizard"].with_user(collector).create(
            {"worklist_id": line_a.id, "outcome": "reached"}
        ).action_confirm()
        self.assertEqual(self.customer.ai_last_contact_date, self.today)

    def test_promise_actions(self):
        promises_b = self.records[self.company_b]["promises"]
        for user in self._users_a("collector", "manager"):
            self._assert_denied(user, promises_b["draft"], "action_confirm")
            self._assert_denied(user, promises_b["open"], "action_check_now")
            self._assert_denied(user, promises_b["open"], "action_cancel")
            self._assert_denied(user, promises_b["cancelled"], "action_draft")
        self.assertEqual(promises_b["draft"].state, "draft")
        self.assertEqual(promises_b["open"].state, "open")
        promises_a = self.records[self.company_a]["promises"]
        collector = self.users[self.company_a]["collector"]
        promises_a["draft"].with_user(collector).action_confirm()
        promises_a["open"].with_user(collector).action_check_now()
        promises_a["open"].with_user(collector).action_cancel()
        promises_a["cancelled"].with_user(collector).action_draft()
        self.assertEqual(
            [promises_a[state].state for state in ("draft", "open", "cancelled")],
            ["open", "cancelled", "draft"],
        )

    def test_dispute_actions(self):
        disputes_b = self.records[self.company_b]["disputes"]
        for user in self._users_a("collector", "manager"):
            self._assert_denied(user, disputes_b["draft"], "action_confirm")
            for method in ("action_resolve", "action_reject", "action_cancel"):
                self._assert_denied(user, disputes_b["open"], method)
            self._assert_denied(user, disputes_b["cancelled"], "action_draft")
        self.assertEqual(disputes_b["open"].state, "open")
        disputes_a = self.records[self.company_a]["disputes"]
        collector = self.users[self.company_a]["collector"]
        disputes_a["draft"].with_user(collector).action_confirm()
        disputes_a["open"].with_user(collector).action_resolve()
        disputes_a["cancelled"].with_user(collector).action_draft()
        self.assertEqual(
            [disputes_a[state].state for state in ("draft", "open", "cancelled")],
            ["open", "resolved", "draft"],
        )

    def test_dunning_review(self):
        log_b = self.records[self.company_b]["log"]
        for user in self._users_a("manager", "admin", "collector"):
            self._assert_denied(user, log_b, "action_approve")
            self._assert_denied(user, log_b, "action_reject")
        self.assertEqual(log_b.outcome, "queued_review")
        log_a = self.records[self.company_a]["log"]
        # Collectors read the log but do not approve or reject.
        collector = self.users[self.company_a]["collector"]
        self._assert_denied(collector, log_a, "action_approve")
        self._assert_denied(collector, log_a, "action_reject")
        manager = self.users[self.company_a]["manager"]
        log_a.with_user(manager).action_approve()
        self.assertIn(log_a.outcome, ("queued", "failed", "done"), "executed as approved")
        self.assertEqual(log_a.approved_by_id, manager)
        log_a.write({"outcome": "queued_review"})
        log_a.with_user(manager).action_reject()
        self.assertEqual((log_a.outcome, log_a.approved_by_id), ("rejected", manager))

    def test_dunning_preview_and_run_now(self):
        """The preview's company is a field of the wizard: a user of A who sets it to B
        neither sees B's decisions nor runs B's dunning."""
        invoice_a = self.records[self.company_a]["invoices"][1]
        invoice_b = self.records[self.company_b]["invoices"][1]
        # The fixture's replies hold the ladder (the customer answered): not here.
        self.records[self.company_a]["replies"].sudo().unlink()
        Log = self.env["ai.dunning.log"]
        for user in self._users_a("collector", "manager"):
            Preview = self.env["ai.dunning.preview"].with_user(user)
            wizard = Preview.create(
                {"company_id": self.company_b.id, "partner_id": self.customer.id}
            )
            self._assert_denied(user, wizard, "action_refresh")
            self._assert_denied(user, wizard, "action_run_now")
            self.assertFalse(
                Log.search(
                    [
                        ("move_id", "=", invoice_b.id),
                        ("outcome", "in", ("queued", "sent", "failed", "done")),
                    ]
                )
            )
        collector = self.users[self.company_a]["collector"]
        wizard = (
            self.env["ai.dunning.preview"]
            .with_user(collector)
            .create({"partner_id": self.customer.id})
        )
        wizard.action_refresh()
        self.assertEqual(wizard.line_ids.move_id.company_id, self.company_a)
        self.assertIn(invoice_a, wizard.line_ids.move_id)
        wizard.action_run_now()
        self.assertTrue(
            Log.search(
                [
                    ("move_id", "=", invoice_a.id),
                    ("outcome", "in", ("queued", "sent", "failed", "done")),
                ]
            )
        )
        self.assertFalse(
            Log.search(
                [
                    ("move_id", "=", invoice_b.id),
                    ("outcome", "in", ("queued", "sent", "failed", "done")),
                ]
            )
        )
