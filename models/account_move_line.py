from odoo import models

from .payment_answer import queue_payment_answers


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    def reconcile(self):
        """Queue a rescoring of the customers whose receivables were reconciled.

        Registering a payment or applying a credit note reconciles receivable lines:
        the customers' open invoices are rescored once, before commit.
        """
        result = super().reconcile()
        receivable = self.filtered(lambda line: line.account_type == "asset_receivable")
        if receivable:
            self.env["ai.risk.scoring"]._queue_rescore(receivable.partner_id)
        return result

    # ------------------------------------------------------------------
    # Payments as the customer's answers
    # ------------------------------------------------------------------
    def _reconcile_pre_hook(self):
        """Note what the customer invoices owe before a payment settles them (see
        payment_answer.py: the collector is told once, before commit)."""
        data = super()._reconcile_pre_hook()
        queue_payment_answers(self)
        return data
