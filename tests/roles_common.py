"""Two companies, the four roles of the README's "Security" section in each, and
real records of every Collections model in each company."""

import base64
from datetime import datetime, time, timedelta
from pathlib import Path

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user

DEFAULT_ONNX = Path(__file__).resolve().parents[1] / "ar_ai_collections/data/default_model.onnx"

# Role -> its group; every user also has the default rights of internal users
# ("Contact Creation"), as Odoo gives them to new employees.
ROLE_GROUPS = {
    "invoicing": "account.group_account_invoice",
    "collector": "ar_ai_collections.group_collections_user",
    "manager": "ar_ai_collections.group_collections_manager",
    "admin": "account.group_account_manager",
}
ROLES = tuple(ROLE_GROUPS)


class RolesCase(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.setup_other_company(name="Roles Company B")["company"]
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        # One customer shared by both companies: company B's records stay out of
        # reach of company A's users although they may read the customer.
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Roles Customer",
                "is_company": True,
                "email": "roles@example.com",
            }
        )
        cls.users = {}
        cls.records = {}
        for code, company in (("a", cls.company_a), ("b", cls.company_b)):
            cls.users[company] = {
                role: new_test_user(
                    cls.env,
                    login=f"roles_{role}_{code}",
                    groups=f"base.group_user,base.group_partner_manager,{group}",
                    company_id=company.id,
                    company_ids=[Command.set(company.ids)],
                )
                for role, group in ROLE_GROUPS.items()
            }
            cls.records[company] = cls._company_records(company)

    @classmethod
    def _company_records(cls, company):
        """Real records of ``company`` in the states that show each button."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        due = cls.today - timedelta(days=20)
        cls.customer.with_company(company).property_payment_term_id = cls.env.ref(
            "account.account_payment_term_immediate"
        )
        invoices = [
            cls.init_invoice(
                "out_invoice",
                partner=cls.customer,
                invoice_date=due,
                amounts=[amount],
                taxes=[],
                post=True,
                company=company,
            )
            for amount in (3000.0, 2000.0)
        ]
        cases = {"ai.collection.promise": {}, "ai.collection.dispute": {}}
        for model, extra in (
            ("ai.collection.promise", {"promised_date": cls.today + timedelta(days=5)}),
            ("ai.collection.dispute", {"category": "pricing"}),
        ):
            for state in ("draft", "open", "cancelled"):
                case = env[model].create(
                    {
                        "partner_id": cls.customer.id,
                        "company_id": company.id,
                        "move_ids": [Command.set(invoices[0].ids)],
                        "amount": 100.0,
                        **extra,
                    }
                )
                if state != "draft":
                    case.action_confirm()
                if state == "cancelled":
                    case.action_cancel()
                cases[model][state] = case
        Level = env["ai.dunning.level"]
        Level.search([("company_id", "=", company.id)]).active = False
        level = Level.create(
            {
                "name": "Roles reminder",
                "sequence": 10,
                "days": 1,
                "send_email": False,
                "company_id": company.id,
            }
        )
        # Below the reminder on the ladder and never due by a run: its log line is
        # made by hand, waiting for review.
        review_level = Level.create(
            {
                "name": "Roles review",
                "sequence": 1,
                "days": 900,
                "send_email": False,
                "manual_review": True,
                "company_id": company.id,
            }
        )
        log = (
            env["ai.dunning.log"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "partner_id": cls.customer.id,
                    "move_id": invoices[1].id,
                    "level_id": review_level.id,
                    "currency_id": company.currency_id.id,
                    "amount_residual": 2000.0,
                    "outcome": "queued_review",
                    # Queued a month ago: a run today is not its rerun.
                    "date": datetime.combine(cls.today - timedelta(days=30), time(9)),
                }
            )
        )
        env["ai.collection.worklist"]._refresh(company)
        line = env["ai.collection.worklist"].search(
            [("company_id", "=", company.id), ("partner_id", "=", cls.customer.id)]
        )
        Reply = env["ai.collection.reply"]
        reply_values = {
            "partner_id": cls.customer.id,
            "company_id": company.id,
            "label": "promise",
            "text": "We will pay next week.",
            "confidence": 0.5,
        }
        followup = env["ai.collection.promise"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": company.id,
                "move_ids": [Command.set(invoices[0].ids)],
                "promised_date": cls.today + timedelta(days=7),
                "source": "reply",
            }
        )
        replies = Reply.create({**reply_values, "state": "review"}) | Reply.create(
            {**reply_values, "state": "applied", "promise_id": followup.id}
        )
        return {
            "invoices": invoices,
            "promises": cases["ai.collection.promise"],
            "disputes": cases["ai.collection.dispute"],
            "levels": level | review_level,
            "log": log,
            "line": line,
            "replies": replies,
        }

    @classmethod
    def _upload_risk_models(cls, company):
        """A champion and a challenger of ``company``, uploaded as a manager would."""
        data = base64.b64encode(DEFAULT_ONNX.read_bytes())
        Upload = cls.env["ai.risk.model.upload"].with_company(company)
        models = cls.env["ai.risk.model"]
        for promote in (True, False):
            action = Upload.create(
                {"onnx_file": data, "onnx_filename": "roles.onnx", "company_id": company.id}
                | {"promote": promote}
            ).action_upload()
            models |= models.browse(action["res_id"])
        return models

    def _as(self, user):
        """``user``'s environment, working in their companies only."""
        return self.env(
            user=user, context=dict(self.env.context, allowed_company_ids=user.company_ids.ids)
        )
