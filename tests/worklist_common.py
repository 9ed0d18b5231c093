"""Shared fixtures of the worklist, promise and dispute tests."""

from datetime import timedelta

from odoo import fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class WorklistCase(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "ai_worklist_call_capacity": 40,
                "ai_worklist_min_call_value": 100.0,
                "ai_worklist_likely_pay": 20.0,
                "ai_promise_grace_days": 2,
            }
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.collector = Users.create(
            {
                "name": "Collector Carla",
                "login": "wl_collector",
                "email": "carla@example.com",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [(6, 0, [cls.env.ref("ar_ai_collections.group_collections_user").id])],
            }
        )
        cls.invoicing_user = Users.create(
            {
                "name": "Invoicing Ivan",
                "login": "wl_invoicing",
                "email": "ivan@example.com",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [(6, 0, [cls.env.ref("account.group_account_invoice").id])],
            }
        )

    def _customer(self, name, **vals):
        values = {
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@example.com",
            "ai_collector_id": self.collector.id,
            "property_payment_term_id": self.env.ref("account.account_payment_term_immediate").id,
        }
        values.update(vals)
        return self.env["res.partner"].create(values)

    def _invoice(self, partner, days_overdue, amount=1000.0, default_probability=0.0, **vals):
        """A posted customer invoice due ``days_overdue`` days ago (negative: not yet due)."""
        due = self.today - timedelta(days=days_overdue)
        move = self.init_invoice(
            "out_invoice", partner=partner, invoice_date=due, amounts=[amount], taxes=[], post=True
        )
        self.assertEqual(move.invoice_date_due, due)
        values = {"ai_default_probability": default_probability}
        if default_probability:
            values["ai_risk_score"] = min(100.0, default_probability + 20.0)
        values.update(vals)
        move.write(values)
        return move

    def _pay(self, moves, amount=None):
        wizard_vals = {"payment_date": self.today}
        if amount is not None:
            wizard_vals["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids
        ).create(wizard_vals)._create_payments()

    def _promise(self, partner, moves, days=3, **vals):
        values = {
            "partner_id": partner.id,
            "move_ids": [(6, 0, moves.ids)],
            "promised_date": self.today + timedelta(days=days),
            "source": "call",
        }
        values.update(vals)
        return self.env["ai.collection.promise"].create(values)
