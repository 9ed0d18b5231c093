import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from ..ar_ai_collections.constants import (
    DEFAULT_PROMISE_HORIZON_DAYS,
    PORTAL_SUBMISSIONS_PER_HOUR,
)
from .common import post_invoice_due


def make_invoice(env, partner, amount=1500.0, days_overdue=15):
    return post_invoice_due(
        env, partner, amount, fields.Date.today() - timedelta(days=days_overdue)
    )


class PortalCase(HttpCase):
    """A customer with an open invoice, another customer with one, and helpers to
    post the portal forms like the page does."""

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
        cls.path = cls.link(cls.customer)

    @classmethod
    def link(cls, partner, days=None):
        return partner._ai_portal_url(days=days).removeprefix(partner.get_base_url())

    def csrf(self, path=None):
        html = self.url_open(path or self.path).text
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        self.assertTrue(match, "the forms carry a CSRF token")
        return match.group(1)

    def post(self, kind, path=None, csrf=None, **data):
        """POST the promise or dispute form, without following the redirect."""
        return self.url_open(
            f"{path or self.path}/{kind}",
            data={"csrf_token": csrf or self.csrf(path), **data},
            allow_redirects=False,
        )

    def cases(self, partners=None):
        domain = [("partner_id", "in", (partners or self.customer | self.other).ids)]
        return (
            self.env["ai.collection.promise"].search(domain),
            self.env["ai.collection.dispute"].search(domain),
        )


# HTTP tests: pytest-odoo skips HttpCase without --odoo-http, so they also carry the
# tag of the browser step of scripts/test (run through odoo --test-tags).
@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestAiCollectionsPortal(PortalCase):
    def test_valid_link_lists_open_invoices(self):
        self.assertTrue(self.customer._ai_portal_url().startswith("http"))
        response = self.url_open(self.path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        # The invoice is served behind the page's own signature and expiry: the page
        # never hands out the invoice's permanent portal access token.
        self.assertIn(f"{self.path}/invoice/{self.invoice.id}", response.text)
        self.assertNotIn("access_token", response.text)
        self.assertFalse(self.invoice.access_token)

    def test_invoice_pdf_behind_the_link(self):
        response = self.url_open(f"{self.path}/invoice/{self.invoice.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertTrue(response.content)
        self.assertEqual(
            self.url_open(f"{self.path}/invoice/{self.other_invoice.id}").status_code, 404
        )
        expired = self.link(self.customer, days=-1)
        self.assertEqual(self.url_open(f"{expired}/invoice/{self.invoice.id}").status_code, 404)
        # No payment provider enabled: no payment route either.
        self.env["payment.provider"].search([]).write({"state": "disabled"})
        pay = self.url_open(f"{self.path}/invoice/{self.invoice.id}/pay")
        self.assertEqual(pay.status_code, 404)

    def test_payment_behind_the_link(self):
        """Online payment (account_payment, installed with account, and a provider)."""
        if "transaction_ids" not in self.env["account.move"]._fields:
            self.skipTest("account_payment is not installed")
        method = self.env.ref("payment.payment_method_unknown")
        # A provider without an external service, as payment's own tests use.
        provider = self.env["payment.provider"].create(
            {
                "name": "Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(method.ids)],
                "available_currency_ids": [Command.set(self.invoice.currency_id.ids)],
            }
        )
        method.active = True
        pay = f"{self.path}/invoice/{self.invoice.id}/pay"
        self.assertIn(pay, self.url_open(self.path).text)
        form = self.url_open(pay)
        self.assertEqual(form.status_code, 200)
        transaction = f"{self.path}/invoice/{self.invoice.id}/transaction"
        self.assertIn(f'data-transaction-route="{transaction}"', form.text)
        self.assertFalse(self.invoice.access_token, "no permanent token was handed out")
        payment_token = re.search(r'data-access-token="([^"]+)"', form.text).group(1)
        params = {
            "provider_id": provider.id,
            "payment_method_id": method.id,
            "token_id": None,
            "amount": self.invoice.amount_residual,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": f"{self.path}?done=paid",
            "is_validation": False,
            "access_token": payment_token,
        }
        for link, amount in ((self.link(self.customer, days=-1), None), (self.path, 1.0)):
            with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
                self.make_jsonrpc_request(
                    f"{link}/invoice/{self.invoice.id}/transaction",
                    {**params, "amount": amount or params["amount"]},
                )
        self.make_jsonrpc_request(transaction, params)
        tx = self.env["payment.transaction"].search([("invoice_ids", "=", self.invoice.id)])
        self.assertEqual(len(tx), 1)
        self.assertEqual((tx.amount, tx.partner_id), (self.invoice.amount_residual, self.customer))

    def test_bad_links_all_answer_404(self):
        """Unknown, foreign, expired and malformed links are indistinguishable, so that
        customer ids cannot be enumerated."""
        partner_id, expires, token = self.path.rsplit("/", 3)[1:]
        contact = self.env["res.partner"].create(
            {"name": "Billing contact", "parent_id": self.customer.id}
        )
        bad_links = [
            f"/ai_collections/portal/{partner_id}/{expires}/{token[:-2]}xx",
            f"/ai_collections/portal/{self.other.id}/{expires}/{token}",
            f"/ai_collections/portal/{contact.id}/{expires}/{token}",
            f"/ai_collections/portal/{partner_id}/{int(expires) + 86400}/{token}",
            self.link(self.customer, days=-1),
            f"/ai_collections/portal/999999999/{expires}/{token}",
            f"/ai_collections/portal/{10**30}/{expires}/{token}",
            f"/ai_collections/portal/{partner_id}/{10**30}/{token}",
            f"/ai_collections/portal/{partner_id}/{expires}/{token * 40}",
            f"/ai_collections/portal/{partner_id}/abc/{token}",
        ]
        for link in bad_links:
            with self.subTest(link=link):
                self.assertEqual(self.url_open(link).status_code, 404)

    def test_revoked_links_stop_working(self):
        manager = new_test_user(
            self.env, "ai_portal_manager", groups="ar_ai_collections.group_collections_manager"
        )
        collector = new_test_user(
            self.env, "ai_portal_collector", groups="ar_ai_collections.group_collections_user"
        )
        before = self.link(self.customer)
        with self.assertRaises(AccessError):
            self.customer.with_user(collector).action_revoke_portal_links()
        self.assertEqual(self.url_open(before).status_code, 200)
        self.customer.with_user(manager).action_revoke_portal_links()
        self.assertEqual(self.url_open(before).status_code, 404)
        self.assertEqual(self.url_open(self.link(self.customer)).status_code, 200)
        # A second revocation kills the links of the first one too.
        after = self.link(self.customer)
        self.customer.with_user(manager).action_revoke_portal_links()
        self.assertEqual(self.url_open(after).status_code, 404)
        # The secret is for administrators only, and never copied.
        for user in (manager, collector):
            with self.assertRaises(AccessError):
                self.customer.with_user(user).read(["ai_portal_secret"])
        self.assertFalse(self.customer.copy().sudo().ai_portal_secret)

    def test_post_promise_creates_portal_promise(self):
        date = fields.Date.today() + timedelta(days=10)
        response = self.post("promise", move_id=self.invoice.id, promised_date=str(date))
        self.assertEqual(response.status_code, 303)
        self.assertIn("o_ai_done_promise", self.url_open(response.headers["Location"]).text)
        promise = self.env["ai.collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.source, "portal")
        self.assertEqual(promise.state, "draft")
        self.assertEqual(promise.promised_date, date)
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertEqual(promise.amount, self.invoice.amount_residual)

    def test_post_promise_of_part_of_the_invoice(self):
        date = fields.Date.today() + timedelta(days=3)
        self.post("promise", move_id=self.invoice.id, promised_date=str(date), amount="400.5")
        promise = self.env["ai.collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.amount, 400.5)

    def test_post_dispute_creates_open_dispute(self):
        response = self.post(
            "dispute",
            move_id=self.invoice.id,
            category="pricing",
            message="The unit price is not the one we agreed.",
        )
        self.assertEqual(response.status_code, 303)
        dispute = self.env["ai.collection.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(dispute), 1)
        self.assertEqual(dispute.source, "portal")
        self.assertEqual(dispute.category, "pricing")
        self.assertEqual(dispute.state, "open")
        self.assertIn("unit price", dispute.description)
        self.assertTrue(self.invoice.ai_in_dispute)

    def test_repeated_dispute_updates_the_open_one(self):
        """The reported abuse: 50 disputes on one invoice gave 50 disputes, 51
        activities and 50 chatter notes."""
        csrf = self.csrf()
        for index in range(3):
            response = self.post(
                "dispute",
                csrf=csrf,
                move_id=self.invoice.id,
                category="goods_damaged" if index < 2 else "pricing",
                message=f"Message {index}",
            )
            self.assertEqual(response.status_code, 303)
        dispute = self.env["ai.collection.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(dispute), 1)
        self.assertEqual(len(dispute.activity_ids), 1)
        self.assertEqual((dispute.category, dispute.description), ("pricing", "Message 2"))
        # One note per submission, authored by the customer: the history collectors read.
        notes = dispute.message_ids.filtered(lambda m: m.author_id == self.customer)
        self.assertEqual(len(notes), 3)
        self.assertEqual(len(self.invoice.message_ids.filtered(lambda m: "disputed" in m.body)), 1)

    def test_repeated_promise_updates_the_open_one(self):
        csrf = self.csrf()
        today = fields.Date.today()
        for days in (5, 8):
            self.post(
                "promise",
                csrf=csrf,
                move_id=self.invoice.id,
                promised_date=str(today + timedelta(days=days)),
                note=f"In {days} days",
            )
        promise = self.env["ai.collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.promised_date, today + timedelta(days=8))
        self.assertEqual(promise.note, "In 8 days")
        # Once the collector closed it, a new promise is a new record.
        promise.action_cancel()
        self.post("promise", csrf=csrf, move_id=self.invoice.id, promised_date=str(today))
        self.assertEqual(len(self.cases()[0]), 2)

    def test_submissions_are_rate_limited_per_customer(self):
        csrf = self.csrf()
        date = str(fields.Date.today() + timedelta(days=5))
        statuses = [
            self.post("promise", csrf=csrf, move_id=self.invoice.id, promised_date=date).status_code
            for _ in range(PORTAL_SUBMISSIONS_PER_HOUR)
        ]
        self.assertEqual(statuses, [303] * PORTAL_SUBMISSIONS_PER_HOUR)
        # The limit is the customer's, whatever the link and the kind of submission.
        other_link = self.link(self.customer, days=2)
        limited = self.post(
            "dispute", path=other_link, move_id=self.invoice.id, category="other", message="x"
        )
        self.assertEqual(limited.status_code, 429)
        self.assertIn("o_ai_rate_limited", limited.text)
        self.assertIn(self.invoice.name, limited.text, "the page, not an error page")
        promises, disputes = self.cases()
        self.assertEqual((len(promises), len(disputes)), (1, 0))
        # Another customer is not limited.
        response = self.post(
            "dispute",
            path=self.link(self.other),
            move_id=self.other_invoice.id,
            category="other",
            message="Wrong address",
        )
        self.assertEqual(response.status_code, 303)

    def test_malformed_input_answers_400_with_a_message(self):
        csrf = self.csrf()
        today = fields.Date.today()
        too_far = today + timedelta(days=DEFAULT_PROMISE_HORIZON_DAYS + 1)
        move = str(self.invoice.id)
        residual = self.invoice.amount_residual
        promises = [
            ({"move_id": move, "promised_date": "31/12/2026"}, "payment date"),
            ({"move_id": move, "promised_date": "2026-02-30"}, "payment date"),
            ({"move_id": move, "promised_date": str(today - timedelta(days=1))}, "payment date"),
            ({"move_id": move, "promised_date": str(too_far)}, "payment date"),
            ({"move_id": move}, "payment date"),
            ({"move_id": "abc", "promised_date": str(today)}, "not one of your open invoices"),
            ({"move_id": "9" * 40, "promised_date": str(today)}, "not one of your open"),
            ({"promised_date": str(today)}, "not one of your open invoices"),
            (
                {"move_id": str(self.other_invoice.id), "promised_date": str(today)},
                "not one of your open invoices",
            ),
            ({"move_id": move, "promised_date": str(today), "amount": "inf"}, "as a number"),
            ({"move_id": move, "promised_date": str(today), "amount": "nan"}, "as a number"),
            ({"move_id": move, "promised_date": str(today), "amount": "-5"}, "as a number"),
            ({"move_id": move, "promised_date": str(today), "amount": "1e400"}, "as a number"),
            ({"move_id": move, "promised_date": str(today), "amount": "0"}, "between 0 and"),
            (
                {"move_id": move, "promised_date": str(today), "amount": str(residual + 0.01)},
                "between 0 and",
            ),
            (
                {"move_id": move, "promised_date": str(today), "note": "x" * 2001},
                "2000 characters at most",
            ),
        ]
        disputes = [
            ({"move_id": move, "category": "pricing"}, "describe the problem"),
            ({"move_id": move, "category": "nope", "message": "x"}, "reason of your dispute"),
            ({"move_id": move, "message": "x"}, "reason of your dispute"),
            (
                {"move_id": move, "category": "other", "message": "x" * 5001},
                "5000 characters at most",
            ),
            ({"move_id": move, "category": "other", "message": "a\x00b"}, "not filled in"),
        ]
        for kind, cases in (("promise", promises), ("dispute", disputes)):
            for data, message in cases:
                with self.subTest(kind=kind, data=str(data)[:80]):
                    response = self.post(kind, csrf=csrf, **data)
                    self.assertEqual(response.status_code, 400)
                    self.assertIn("o_ai_error", response.text)
                    self.assertIn(message, response.text)
        # A field sent as a file upload (wrong type).
        response = self.url_open(
            f"{self.path}/dispute",
            data={"csrf_token": csrf, "category": "other", "message": "x"},
            files={"move_id": ("move.txt", move.encode())},
        )
        self.assertEqual(response.status_code, 400)
        promises, disputes = self.cases()
        self.assertFalse(promises or disputes)

    def test_post_refused_without_csrf(self):
        with mute_logger("odoo.http"):  # "No CSRF validation token provided"
            no_csrf = self.url_open(
                self.path + "/dispute", data={"move_id": self.invoice.id, "message": "x"}
            )
        self.assertEqual(no_csrf.status_code, 400)
        promises, disputes = self.cases()
        self.assertFalse(promises or disputes)
