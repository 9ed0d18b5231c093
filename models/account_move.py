from odoo import fields, models

from ..ar_ai_collections.constants import RISK_BAND_LABELS, RISK_BANDS

RISK_BAND_SELECTION = [(band, RISK_BAND_LABELS[band]) for band in RISK_BANDS]


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    # Written in bulk by ai.risk.scoring (SQL), read by dunning and the worklist.
    ai_risk_score = fields.Float(
        string="Risk Score",
        digits=(5, 1),
        index=True,
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is paid late.",
    )
    ai_default_probability = fields.Float(
        string="Default Probability",
        digits=(5, 1),
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is still unpaid 90 days after its due date.",
    )
    ai_risk_band = fields.Selection(
        RISK_BAND_SELECTION,
        string="Risk Band",
        index=True,
        readonly=True,
        copy=False,
    )

    # ------------------------------------------------------------------
    # Dunning (follow-up levels, guards, audit)
    # ------------------------------------------------------------------

    # ------------------------------------------------------------------
    # Worklist, promises to pay and disputes
    # ------------------------------------------------------------------
    # Maintained by ai.collection.promise / ai.collection.dispute; dunning skips
    # invoices where either is set.
    ai_has_open_promise = fields.Boolean(
        string="Open Promise to Pay",
        index=True,
        readonly=True,
        copy=False,
    )
    ai_in_dispute = fields.Boolean(string="In Dispute", index=True, readonly=True, copy=False)
