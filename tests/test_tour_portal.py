from odoo.tests import HttpCase, tagged

from .test_portal import make_invoice


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestPortalTour(HttpCase):
    def test_portal_dispute_tour(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Portal Customer", "is_company": True, "email": "tour@example.com"}
        )
        invoice = make_invoice(self.env, customer, amount=800.0)
        path = customer._ai_portal_url().removeprefix(customer.get_base_url())
        self.start_tour(path, "ar_ai_collections_portal_tour")
        dispute = self.env["ai.collection.dispute"].search([("partner_id", "=", customer.id)])
        self.assertEqual(len(dispute), 1)
        self.assertEqual(dispute.source, "portal")
        self.assertEqual(dispute.category, "goods_damaged")
        self.assertEqual(dispute.state, "open")
        self.assertEqual(dispute.move_ids, invoice)
        self.assertEqual(dispute.amount, 800.0, "the amount field comes filled with what is due")
        self.assertIn("crushed", dispute.description)
