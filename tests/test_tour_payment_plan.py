from odoo.tests import HttpCase, tagged

from .test_portal import make_invoice


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestPaymentPlanTour(HttpCase):
    def test_portal_plan_shows_on_the_worklist(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Plan Customer", "is_company": True, "email": "plan-tour@example.com"}
        )
        invoice = make_invoice(self.env, customer, amount=800.0)
        self.env.company.write({"ai_plan_min_instalment": 100.0, "ai_plan_max_days": 180})
        path = customer._ai_portal_url().removeprefix(customer.get_base_url())
        self.start_tour(path, "ar_ai_collections_payment_plan_portal_tour")
        plan = self.env["ai.collection.payment.plan"].search([("partner_id", "=", customer.id)])
        self.assertEqual(len(plan), 1)
        self.assertEqual(
            (plan.state, plan.source, plan.invoice_ids), ("proposed", "portal", invoice)
        )
        self.assertEqual(plan.line_ids.mapped("amount"), [400.0, 400.0])
        self.start_tour(
            "/odoo/action-ar_ai_collections.ai_collection_worklist_action",
            "ar_ai_collections_payment_plan_worklist_tour",
            login="admin",
        )
