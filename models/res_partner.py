from odoo import fields, models

from .account_move import RISK_BAND_SELECTION


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    # Customer-level scores live on the commercial entity, written by ai.risk.scoring.
    ai_risk_score = fields.Float(string="Risk Score", digits=(5, 1), index=True, readonly=True)
    ai_risk_band = fields.Selection(
        RISK_BAND_SELECTION,
        string="Risk Band",
        index=True,
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Dunning (follow-up levels, guards, audit)
    # ------------------------------------------------------------------

    # ------------------------------------------------------------------
    # Worklist, promises to pay and disputes
    # ------------------------------------------------------------------
    ai_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        tracking=True,
        help="Collections agent responsible for this customer: worklist lines and "
        "dunning call activities are assigned to them.",
    )
