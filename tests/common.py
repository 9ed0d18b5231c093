"""Helpers shared by the addon's tests."""

from odoo import Command


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
