from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import post_invoice_due


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestRolesTour(HttpCase):
    """The worklist as each role sees it in the browser (README, "Security")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Roles Customer", "is_company": True, "email": "roles-tour@example.com"}
        )
        due = fields.Date.today() - timedelta(days=20)
        invoice = post_invoice_due(cls.env, cls.customer, 4000.0, due)
        invoice.write({"ai_default_probability": 70.0, "ai_risk_score": 90.0})

    def _user(self, login, group):
        return new_test_user(
            self.env,
            login=login,
            name=f"Tour Roles {login}",
            groups=f"base.group_user,base.group_partner_manager,{group}",
            company_ids=[Command.set(self.env.company.ids)],
        )

    def _run_worklist_tour(self, group):
        user = self._user("tour_roles_worker", group)
        self.start_tour(
            "/odoo/action-ar_ai_collections.ai_collection_worklist_action",
            "ar_ai_collections_roles_worklist_tour",
            login=user.login,
        )
        line = self.env["ai.collection.worklist"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(line.user_id, user)
        self.assertEqual(self.customer.ai_collector_id, user)
        self.assertEqual(line.tier, "watch")
        self.assertFalse(line.escalated, "the snooze clears the escalation")
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "No answer" in (m.body or "")),
            "the call is on the customer's chatter",
        )
        self.assertTrue(self.customer.activity_ids, "the escalation gave an activity")

    def test_collector_works_the_worklist(self):
        self._run_worklist_tour("ar_ai_collections.group_collections_user")

    def test_manager_works_the_worklist(self):
        self._run_worklist_tour("ar_ai_collections.group_collections_manager")

    def test_invoicing_user_has_no_collections(self):
        user = self._user("tour_roles_invoicing", "account.group_account_invoice")
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice",
            "ar_ai_collections_roles_invoicing_tour",
            login=user.login,
        )
