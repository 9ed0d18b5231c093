"""Helpers shared by the addon's tests."""

import datetime as dt

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon

#: Last day of the generated ledger of :class:`GeneratedLedgerCase`.
LEDGER_END = dt.date(2025, 6, 30)


class GeneratedLedgerCase(AccountTestInvoicingCommon):
    """A year of 30 generated customers booked in the company, scoring enabled
    (no rescoring at posting: the tests run the scoring themselves)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        cls.company = cls.company_data["company"]
        cls.company.ai_risk_enabled = True
        cls.env["ai.collections.demo"].load_demo_ledger(
            customers=30, months=12, seed=11, end_date=LEDGER_END
        )


def post_invoice_due(env, partner, amount, due_date):
    """Post a one-line customer invoice of ``amount`` dated and due on ``due_date``.

    Built without taxes, so that its residual is exactly ``amount``, and without
    the rescoring at posting (``ai_risk_no_rescore``), so that tests control the
    risk fields themselves.
    """
    invoice = (
        env["account.move"]
        .with_context(ai_risk_no_rescore=True)
        .create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due_date,
                "invoice_date_due": due_date,
                "invoice_line_ids": [
                    Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                ],
            }
        )
    )
    invoice.action_post()
    return invoice
