from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .worklist_common import WorklistCase


@tagged("post_install", "-at_install")
class TestDispute(WorklistCase):
    def _dispute(self, partner, moves, **vals):
        values = {
            "partner_id": partner.id,
            "move_ids": [(6, 0, moves.ids)],
            "category": "goods_damaged",
            "description": "Two pallets arrived broken.",
        }
        values.update(vals)
        return self.env["ai.collection.dispute"].create(values)

    def test_open_routes_and_pauses_then_resolve_clears(self):
        partner = self._customer("Disputer")
        inv = self._invoice(partner, 12, amount=700.0)
        with Form(self.env["ai.collection.dispute"]) as form:
            form.partner_id = partner
            form.move_ids.add(inv)
            form.category = "pricing"
        dispute = form.record
        self.assertTrue(dispute.name.startswith("DSP/"))
        self.assertEqual(dispute.amount, 700.0)
        self.assertEqual(dispute.user_id, self.collector)
        self.assertFalse(inv.ai_in_dispute)
        dispute.action_confirm()
        self.assertEqual(dispute.state, "open")
        self.assertEqual(dispute.date_opened, self.today)
        self.assertTrue(inv.ai_in_dispute)
        activity = dispute.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Pricing", activity.summary)
        # Handing the dispute over re-routes its activity.
        dispute.user_id = self.env.user
        self.assertEqual(activity.user_id, self.env.user)
        dispute.resolution = "Credit note for the price difference."
        dispute.action_resolve()
        self.assertEqual(dispute.state, "resolved")
        self.assertFalse(inv.ai_in_dispute)
        self.assertFalse(dispute.activity_ids, "the routing activity is done")
        self.assertEqual(dispute.resolve_days, 0)
        with self.assertRaises(UserError):
            dispute.action_reject()

    def test_flag_cleared_only_when_no_open_dispute_remains(self):
        partner = self._customer("Double")
        inv1 = self._invoice(partner, 12)
        inv2 = self._invoice(partner, 20)
        first = self._dispute(partner, inv1 | inv2)
        second = self._dispute(partner, inv1, category="billing_error")
        first.action_confirm()
        second.action_confirm()
        self.assertTrue(inv1.ai_in_dispute and inv2.ai_in_dispute)
        second.action_reject()
        self.assertEqual(second.state, "rejected")
        self.assertTrue(inv1.ai_in_dispute, "the first dispute still covers it")
        # Removing an invoice from an open dispute releases it.
        first.move_ids = [(3, inv2.id)]
        self.assertEqual(first.amount, inv1.amount_total, "at most the invoices' total")
        self.assertFalse(inv2.ai_in_dispute)
        self.assertTrue(inv1.ai_in_dispute)
        first.action_cancel()
        self.assertFalse(inv1.ai_in_dispute)

    def test_time_to_resolve(self):
        partner = self._customer("Slow")
        inv = self._invoice(partner, 30)
        dispute = self._dispute(partner, inv)
        dispute.action_confirm()
        dispute.date_opened = self.today - timedelta(days=9)
        dispute.action_resolve()
        self.assertEqual(dispute.resolve_days, 9)

    def test_access_rights(self):
        partner = self._customer("Guarded Dispute")
        inv = self._invoice(partner, 10)
        dispute = self._dispute(partner, inv)
        Dispute = self.env["ai.collection.dispute"]
        with self.assertRaises(AccessError):
            Dispute.with_user(self.invoicing_user).search([])
        with self.assertRaises(AccessError):
            Dispute.with_user(self.invoicing_user).create(
                {"partner_id": partner.id, "move_ids": [(6, 0, inv.ids)]}
            )
        with self.assertRaises(AccessError):
            dispute.with_user(self.invoicing_user).action_confirm()
        # A collector opens it; the invoice flag is written even without rights on it.
        dispute.with_user(self.collector).action_confirm()
        self.assertTrue(inv.ai_in_dispute)
        other_company = self.setup_other_company()["company"]
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "wl_dispute_outsider",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [(6, 0, self.env.ref("ar_ai_collections.group_collections_user").ids)],
            }
        )
        self.assertFalse(Dispute.with_user(outsider).search([]))
