from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import post_invoice_due


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestDunningTour(HttpCase):
    def test_dunning_tour(self):
        level = self.env.ref("ar_ai_collections.ai_dunning_level_first")
        self.start_tour(
            "/odoo/settings#account", "ar_ai_collections_dunning_settings_tour", login="admin"
        )
        self.assertEqual((level.days, level.spacing_days), (10, 5))

        partner = self.env["res.partner"].create(
            {"name": "Tour Customer", "is_company": True, "email": "tour@example.com"}
        )
        due = fields.Date.today() - timedelta(days=12)
        invoice = post_invoice_due(self.env, partner, 500.0, due)
        self.assertEqual(invoice.invoice_date_due, due)
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{partner.id}",
            "ar_ai_collections_dunning_preview_tour",
            login="admin",
        )
        self.assertFalse(
            self.env["ai.dunning.log"].search([("move_id", "=", invoice.id)]),
            "the preview does not act",
        )
