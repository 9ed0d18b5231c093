from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import post_invoice_due


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestWorklistTour(HttpCase):
    def test_worklist_tour(self):
        partner = self.env["res.partner"].create(
            {"name": "Tour Worklist Customer", "is_company": True, "email": "wl-tour@example.com"}
        )
        due = fields.Date.today() - timedelta(days=20)
        invoice = post_invoice_due(self.env, partner, 5000.0, due)
        invoice.write({"ai_default_probability": 70.0, "ai_risk_score": 90.0})
        self.start_tour(
            "/odoo/action-ar_ai_collections.ai_collection_worklist_action",
            "ar_ai_collections_worklist_tour",
            login="admin",
        )
        promise = self.env["ai.collection.promise"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.source, "call")
        # Typed 30 days ahead in the browser's time zone.
        expected = fields.Date.today() + timedelta(days=30)
        self.assertLessEqual(abs((promise.promised_date - expected).days), 1)
        self.assertEqual(promise.move_ids, invoice)
        self.assertTrue(invoice.ai_has_open_promise)
        self.assertEqual(partner.ai_last_contact_date, fields.Date.today())
        self.assertTrue(
            partner.message_ids.filtered(lambda m: "next week" in (m.body or "")),
            "the call notes are on the customer's chatter",
        )
