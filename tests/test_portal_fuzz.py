"""Fuzz test of the customer portal: a fixed list of hostile requests and a seeded
random batch of malformed ones. No request may answer 500; each answers the status
the design gives it (404 bad link, 400 bad input, 429 over the rate limit, 200 page,
303 accepted), and a request that is not accepted creates nothing."""

import random
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..ar_ai_collections.constants import (
    DEFAULT_PROMISE_HORIZON_DAYS,
    PORTAL_SUBMISSIONS_PER_HOUR,
)
from .test_portal import PortalCase, make_invoice

SEED = 20261127
RANDOM_REQUESTS = 200


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestPortalFuzz(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revoked = cls.env["res.partner"].create({"name": "Revoked", "is_company": True})
        make_invoice(cls.env, cls.revoked)
        cls.revoked_path = cls.link(cls.revoked)
        cls.revoked.action_revoke_portal_links()

    def bad_links(self):
        """Links that must all answer the same 404."""
        partner_id, expires, token = self.path.rsplit("/", 3)[1:]
        other_token = self.link(self.other).rsplit("/", 1)[1]
        flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
        base = "/ai_collections/portal"
        return [
            f"{base}/{partner_id}/{expires}/{flipped}",
            f"{base}/{partner_id}/{expires}/{other_token}",
            f"{base}/{self.other.id}/{expires}/{token}",
            f"{base}/{partner_id}/{int(expires) + 1}/{token}",
            f"{base}/{partner_id}/{10**40}/{token}",
            f"{base}/{10**20}/{expires}/{token}",
            f"{base}/0/{expires}/{token}",
            f"{base}/{2**31 - 1}/{expires}/{token}",
            f"{base}/{partner_id}/{expires}/{'a' * 5000}",
            f"{base}/{partner_id}/{expires}/%00{token}",
            f"{base}/{partner_id}/{expires}/{token.upper()}",
            f"{base}/{partner_id}/{expires}/x",
            f"{base}/-{partner_id}/{expires}/{token}",
            f"{base}/{partner_id}abc/{expires}/{token}",
            self.link(self.customer, days=-1),
            self.revoked_path,
        ]

    def valid_payload(self, kind):
        today = fields.Date.today()
        if kind == "promise":
            return {
                "move_id": str(self.invoice.id),
                "promised_date": str(today + timedelta(days=7)),
                "amount": "100",
                "note": "Paying next week",
            }
        return {
            "move_id": str(self.invoice.id),
            "category": "pricing",
            "amount": "100",
            "message": "Wrong unit price",
        }

    def bad_values(self):
        """Values that make a submission malformed, per field (None: field left out)."""
        today = fields.Date.today()
        residual = self.invoice.amount_residual
        nul, huge = "1\x002", "9" * 400
        return {
            "move_id": [
                None,
                "",
                "abc",
                "-1",
                "0",
                "1.5",
                "1e3",
                "9" * 40,
                str(2**31),
                str(2**63),
                str(self.other_invoice.id),
                f"{self.invoice.id} OR 1=1",
                "١٢",
                "[1]",
                nul,
                huge,
            ],
            "promised_date": [
                None,
                "",
                "31/12/2026",
                "2026-13-01",
                "2026-02-30",
                "0000-00-00",
                "2026-1-1",
                "tomorrow",
                str(today - timedelta(days=1)),
                "1970-01-01",
                "9999-12-31",
                str(today + timedelta(days=DEFAULT_PROMISE_HORIZON_DAYS + 1)),
                nul,
                huge,
            ],
            "amount": [
                "inf",
                "-inf",
                "nan",
                "NaN",
                "1e400",
                "-5",
                "0",
                "0.000001",
                "1,5",
                "12abc",
                "9" * 30,
                str(residual + 1),
                f"{residual + 0.01:.2f}",
                "0x10",
                nul,
                huge,
            ],
            "category": [None, "", "OTHER", "Pricing", "<script>", nul, huge],
            "message": [None, "", "   ", "x" * 5001, nul],
            "note": ["x" * 2001, nul],
        }

    def counts(self):
        models = ["ai.collection.promise", "ai.collection.dispute", "mail.message", "mail.activity"]
        if "payment.transaction" in self.env:
            models.append("payment.transaction")
        return tuple(self.env[model].search_count([]) for model in models)

    def test_fuzz_portal(self):
        rng = random.Random(SEED)
        csrf = self.csrf()
        bad_links = self.bad_links()
        bad_values = self.bad_values()
        accepted = 0
        statuses = []

        def check(method, path, expected, data=None, files=None):
            """Send one request; a request not accepted (303) must change nothing."""
            nonlocal accepted
            if expected == 303 and accepted >= PORTAL_SUBMISSIONS_PER_HOUR:
                expected = 429
            before = self.counts()
            if method == "GET":
                response = self.url_open(path, allow_redirects=False)
            else:
                payload = {"csrf_token": csrf, **(data or {})}
                response = self.url_open(path, data=payload, files=files, allow_redirects=False)
            statuses.append(response.status_code)
            self.assertEqual(
                response.status_code, expected, f"{method} {path[:120]} {str(data)[:200]}"
            )
            if expected == 303:
                accepted += 1
            else:
                self.assertEqual(self.counts(), before, f"{path[:120]} {str(data)[:200]}")
            return response

        def malformed(kind):
            data = self.valid_payload(kind)
            fields_ = [
                name for name in bad_values if name in data or name in ("move_id", "category")
            ]
            if kind == "promise":
                fields_ = [name for name in fields_ if name not in ("category", "message")]
            for name in rng.sample(fields_, rng.randint(1, 2)):
                value = rng.choice(bad_values[name])
                if value is None:
                    data.pop(name, None)
                else:
                    data[name] = value
            return data

        # Fixed list: every bad link on every route, the page with junk parameters,
        # wrong types (file upload, repeated key), other customers' invoices.
        for link in bad_links:
            check("GET", link, 404)
            check("GET", f"{link}/invoice/{self.invoice.id}", 404)
            check("GET", f"{link}/invoice/{self.invoice.id}/pay", 404)
            before = self.counts()
            with mute_logger("odoo.http"):  # the JSON-RPC error is logged as a warning
                transaction = self.opener.post(
                    f"{self.base_url()}{link}/invoice/{self.invoice.id}/transaction",
                    json={"jsonrpc": "2.0", "method": "call", "params": {"amount": 1500}},
                )
            statuses.append(transaction.status_code)
            # A JSON-RPC error, or a 404 where the link does not even match the route.
            if transaction.status_code != 404:
                self.assertEqual(transaction.status_code, 200)
                self.assertIn("error", transaction.json())
            self.assertEqual(self.counts(), before)
            check("POST", f"{link}/promise", 404, self.valid_payload("promise"))
            check("POST", f"{link}/dispute", 404, self.valid_payload("dispute"))
        for done in ("promise", "x" * 3000, "<script>alert(1)</script>", "%00"):
            check("GET", f"{self.path}?done={done}&move_id=abc", 200)
        for move_id in (self.other_invoice.id, 0, 2**31, 10**30):
            check("GET", f"{self.path}/invoice/{move_id}", 404)
        check("GET", f"{self.path}/invoice/{self.invoice.id}", 200)
        for kind in ("promise", "dispute"):
            payload = self.valid_payload(kind)
            file_payload = dict(payload)
            del file_payload["move_id"]
            check(
                "POST",
                f"{self.path}/{kind}",
                400,
                file_payload,
                files={"move_id": ("id.txt", str(self.invoice.id).encode())},
            )
            check("POST", f"{self.path}/{kind}", 400, {**payload, "move_id": ["abc", "1"]})
            check("POST", f"{self.path}/{kind}", 400, {**payload, "move_id": self.other_invoice.id})
            check("POST", f"{self.path}/{kind}", 400, {"unexpected": "1"})
        # Replays of one valid submission each: they update the open case, up to the limit.
        for index in range(PORTAL_SUBMISSIONS_PER_HOUR + 2):
            kind = ("promise", "dispute")[index % 2]
            check("POST", f"{self.path}/{kind}", 303, self.valid_payload(kind))

        # Seeded random batch: malformed submissions on the valid link, valid ones on
        # bad links, more valid replays (over the limit now).
        for _ in range(RANDOM_REQUESTS):
            kind = rng.choice(("promise", "dispute"))
            roll = rng.random()
            if roll < 0.6:
                check("POST", f"{self.path}/{kind}", 400, malformed(kind))
            elif roll < 0.85:
                check("POST", f"{rng.choice(bad_links)}/{kind}", 404, self.valid_payload(kind))
            elif roll < 0.93:
                check("GET", rng.choice(bad_links), 404)
            else:
                check("POST", f"{self.path}/{kind}", 303, self.valid_payload(kind))

        self.assertGreaterEqual(len(statuses), 200)
        self.assertNotIn(500, statuses)
        self.assertEqual(statuses.count(303), PORTAL_SUBMISSIONS_PER_HOUR)
        self.assertIn(429, statuses)
        # Replays updated the customer's one open promise and one open dispute.
        promises, disputes = self.cases(self.customer)
        self.assertEqual((len(promises), len(disputes)), (1, 1))
        self.assertFalse(any(self.cases(self.other | self.revoked)))
