from datetime import timedelta

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .worklist_common import WorklistCase


@tagged("post_install", "-at_install")
class TestPromise(WorklistCase):
    def _check(self):
        self.env.ref("ar_ai_collections.ai_collection_promise_cron_check").method_direct_trigger()

    def _activities(self, record):
        return self.env["mail.activity"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        )

    def test_form_defaults_and_confirm_flags_invoices(self):
        partner = self._customer("Promiser")
        inv1 = self._invoice(partner, 10, amount=400.0)
        inv2 = self._invoice(partner, 20, amount=600.0)
        other = self._invoice(partner, 5, amount=50.0)
        with Form(self.env["ai.collection.promise"]) as form:
            form.partner_id = partner
            form.move_ids.add(inv1)
            form.move_ids.add(inv2)
            form.promised_date = self.today + timedelta(days=5)
        promise = form.record
        self.assertTrue(promise.name.startswith("PTP/"))
        self.assertEqual(promise.state, "draft")
        self.assertEqual(promise.amount, 1000.0)
        self.assertEqual(promise.user_id, self.collector)
        self.assertFalse(inv1.ai_has_open_promise)
        promise.action_confirm()
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.residual_at_confirm, 1000.0)
        self.assertEqual(partner.ai_promise_open_count, 1)
        self.assertTrue(inv1.ai_has_open_promise and inv2.ai_has_open_promise)
        self.assertFalse(other.ai_has_open_promise)
        # Before its date and unpaid, the daily check leaves it open.
        self._check()
        self.assertEqual(promise.state, "open")
        self.assertTrue(inv1.ai_has_open_promise)
        promise.action_cancel()
        self.assertEqual(promise.state, "cancelled")
        self.assertFalse(inv1.ai_has_open_promise or inv2.ai_has_open_promise)

    def test_kept_promise(self):
        partner = self._customer("Keeper")
        inv = self._invoice(partner, 15, amount=800.0)
        promise = self._promise(partner, inv)
        promise.action_confirm()
        self._pay(inv)
        self._check()
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.amount_paid, 800.0)
        self.assertFalse(inv.ai_has_open_promise)
        self.assertFalse(self._activities(promise), "a kept promise needs no follow-up")
        self.assertEqual(partner.ai_promise_count, 1)
        self.assertEqual(partner.ai_promise_kept_rate, 100.0)

    def test_partly_kept_promise_escalates(self):
        partner = self._customer("Halfway")
        inv = self._invoice(partner, 15, amount=1000.0)
        promise = self._promise(partner, inv, days=-3)  # due 3 days ago, grace 2
        promise.action_confirm()
        self._pay(inv, amount=300.0)
        self._check()
        self.assertEqual(promise.state, "partial")
        self.assertEqual(promise.amount_paid, 300.0)
        self.assertFalse(inv.ai_has_open_promise)
        activity = self._activities(promise)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(partner.ai_promise_kept_rate, 50.0)

    def test_broken_promise_escalates(self):
        partner = self._customer("Breaker")
        inv = self._invoice(partner, 30, amount=500.0)
        kept_inv = self._invoice(partner, 40, amount=100.0)
        kept = self._promise(partner, kept_inv)
        kept.action_confirm()
        self._pay(kept_inv)
        within_grace = self._promise(partner, inv, days=-2)
        within_grace.action_confirm()
        self._check()
        self.assertEqual(kept.state, "kept")
        self.assertEqual(within_grace.state, "open", "still within the grace days")
        within_grace.promised_date = self.today - timedelta(days=3)
        self._check()
        self.assertEqual(within_grace.state, "broken")
        self.assertFalse(inv.ai_has_open_promise)
        activity = self._activities(within_grace)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Broken", activity.summary)
        self.assertTrue(
            partner.message_ids.filtered(lambda m: "Promise broken" in (m.body or "")),
            "the customer's chatter records the broken promise",
        )
        self.assertEqual(partner.ai_promise_count, 2)
        self.assertEqual(partner.ai_promise_kept_rate, 50.0)
        self.assertEqual(partner.ai_promise_open_count, 0)
        action = partner.action_ai_open_promises()
        self.assertEqual(
            self.env["ai.collection.promise"].search(action["domain"]), kept | within_grace
        )

    def test_payment_before_date_closes_as_kept_and_constraints(self):
        partner = self._customer("Early")
        stranger = self._customer("Stranger")
        inv = self._invoice(partner, 5, amount=200.0)
        with self.assertRaises(ValidationError):
            self._promise(stranger, inv)
        with self.assertRaises(ValidationError):
            self._promise(partner, inv, amount=-5.0)
        promise = self._promise(partner, inv, days=20)
        promise.action_confirm()
        self._pay(inv)
        promise.action_check_now()
        self.assertEqual(promise.state, "kept")

    def test_access_rights(self):
        partner = self._customer("Guarded")
        inv = self._invoice(partner, 10)
        promise = self._promise(partner, inv)
        promise.action_confirm()
        Promise = self.env["ai.collection.promise"]
        # A plain invoicing user neither reads, creates nor changes promises.
        with self.assertRaises(AccessError):
            Promise.with_user(self.invoicing_user).search([])
        with self.assertRaises(AccessError):
            Promise.with_user(self.invoicing_user).create(
                {
                    "partner_id": partner.id,
                    "move_ids": [(6, 0, inv.ids)],
                    "promised_date": self.today,
                }
            )
        with self.assertRaises(AccessError):
            promise.with_user(self.invoicing_user).write({"note": "x"})
        # A collector creates and confirms them.
        mine = self._promise(partner, inv).with_user(self.collector)
        mine.action_confirm()
        self.assertEqual(mine.state, "open")
        # Another company's user sees none of them.
        other_company = self.setup_other_company()["company"]
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "wl_outsider",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [
                    (6, 0, [self.env.ref("ar_ai_collections.group_collections_user").id])
                ],
            }
        )
        self.assertFalse(Promise.with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            promise.with_user(outsider).read(["amount"])

    def test_portal_created_promise_goes_to_an_internal_collector(self):
        partner = self._customer("Portal Customer", ai_collector_id=False)
        inv = self._invoice(partner, 10)
        portal = self.env["res.users"].create(
            {
                "name": "Portal Contact",
                "login": "wl_portal",
                "partner_id": partner.id,
                "groups_id": [(6, 0, self.env.ref("base.group_portal").ids)],
            }
        )
        # What the portal controller does: a sudo create on behalf of the customer.
        promise = (
            self.env["ai.collection.promise"]
            .with_user(portal)
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "move_ids": [(6, 0, inv.ids)],
                    "promised_date": self.today - timedelta(days=5),
                    "source": "portal",
                }
            )
        )
        self.assertTrue(promise.user_id)
        self.assertFalse(promise.user_id.share, "never a portal user as collector")
        self.assertTrue(
            promise.user_id.has_group("ar_ai_collections.group_collections_manager"),
        )
        promise.action_confirm()
        self._check()
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.activity_ids.user_id, promise.user_id)
