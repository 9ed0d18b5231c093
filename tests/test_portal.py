import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import post_invoice_due


def make_invoice(env, partner, amount=1500.0, days_overdue=15):
    return post_invoice_due(
        env, partner, amount, fields.Date.today() - timedelta(days=days_overdue)
    )


# HTTP tests: pytest-odoo skips HttpCase without --odoo-http, so they also carry the
# tag of the browser step of scripts/test (run through odoo --test-tags).
@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestAiCollectionsPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Portal Customer", "is_company": True, "email": "portal@example.com"}
        )
        cls.other = Partner.create({"name": "Other Customer", "is_company": True})
        cls.invoice = make_invoice(cls.env, cls.customer)
        cls.other_invoice = make_invoice(cls.env, cls.other)
        cls.path = cls.customer._ai_portal_url().removeprefix(cls.customer.get_base_url())

    def _csrf(self, html):
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        self.assertTrue(match, "the forms carry a CSRF token")
        return match.group(1)

    def test_valid_link_lists_open_invoices(self):
        self.assertTrue(self.customer._ai_portal_url().startswith("http"))
        response = self.url_open(self.path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        # Link to the standard invoice portal page (pay there when a provider is set up).
        self.assertIn(f"/my/invoices/{self.invoice.id}?access_token=", response.text)

    def test_wrong_or_expired_token_refused(self):
        partner_id, expires, token = self.path.rsplit("/", 3)[1:]
        bad = f"/ai_collections/portal/{partner_id}/{expires}/{token[:-2]}xx"
        self.assertEqual(self.url_open(bad).status_code, 403)
        # Another customer's id with this customer's token.
        forged = f"/ai_collections/portal/{self.other.id}/{expires}/{token}"
        self.assertEqual(self.url_open(forged).status_code, 403)
        # A longer validity claimed with the same token.
        longer = f"/ai_collections/portal/{partner_id}/{int(expires) + 86400}/{token}"
        self.assertEqual(self.url_open(longer).status_code, 403)
        expired = self.customer._ai_portal_url(days=-1).removeprefix(self.customer.get_base_url())
        self.assertEqual(self.url_open(expired).status_code, 403)
        self.assertEqual(
            self.url_open(f"/ai_collections/portal/999999999/{expires}/{token}").status_code, 404
        )

    def test_post_promise_creates_portal_promise(self):
        csrf = self._csrf(self.url_open(self.path).text)
        date = fields.Date.today() + timedelta(days=10)
        response = self.url_open(
            self.path + "/promise",
            data={"csrf_token": csrf, "move_id": self.invoice.id, "promised_date": str(date)},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_ai_done_promise", response.text)
        promise = self.env["ai.collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.source, "portal")
        self.assertEqual(promise.state, "draft")
        self.assertEqual(promise.promised_date, date)
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertEqual(promise.amount, self.invoice.amount_residual)

    def test_post_dispute_creates_open_dispute(self):
        csrf = self._csrf(self.url_open(self.path).text)
        response = self.url_open(
            self.path + "/dispute",
            data={
                "csrf_token": csrf,
                "move_id": self.invoice.id,
                "category": "pricing",
                "message": "The unit price is not the one we agreed.",
            },
        )
        self.assertEqual(response.status_code, 200)
        dispute = self.env["ai.collection.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(dispute), 1)
        self.assertEqual(dispute.source, "portal")
        self.assertEqual(dispute.category, "pricing")
        self.assertEqual(dispute.state, "open")
        self.assertIn("unit price", dispute.description)
        self.assertTrue(self.invoice.ai_in_dispute)

    def test_post_refused_without_csrf_or_for_foreign_invoice(self):
        csrf = self._csrf(self.url_open(self.path).text)
        with mute_logger("odoo.http"):  # "No CSRF validation token provided"
            no_csrf = self.url_open(
                self.path + "/dispute", data={"move_id": self.invoice.id, "message": "x"}
            )
        self.assertEqual(no_csrf.status_code, 400)
        foreign = self.url_open(
            self.path + "/dispute",
            data={"csrf_token": csrf, "move_id": self.other_invoice.id, "message": "x"},
        )
        self.assertEqual(foreign.status_code, 404)
        past = self.url_open(
            self.path + "/promise",
            data={"csrf_token": csrf, "move_id": self.invoice.id, "promised_date": "2000-01-01"},
        )
        self.assertIn("choose a payment date", past.text)
        Dispute, Promise = self.env["ai.collection.dispute"], self.env["ai.collection.promise"]
        self.assertFalse(Dispute.search([("partner_id", "in", (self.customer | self.other).ids)]))
        self.assertFalse(Promise.search([("partner_id", "=", self.customer.id)]))
