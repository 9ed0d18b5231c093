"""Upload an ONNX payment-risk model into the registry, validated by the engine."""

import base64

from odoo import fields, models
from odoo.exceptions import UserError


class AiRiskModelUpload(models.TransientModel):
    _name = "ai.risk.model.upload"
    _description = "Upload a Payment Risk Model"

    onnx_file = fields.Binary(string="ONNX File", required=True)
    onnx_filename = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    promote = fields.Boolean(
        string="Promote to Champion",
        help="Make the uploaded model the one that scores right away.",
    )
    approval_note = fields.Text(
        string="Why Promote",
        help="Required to replace a champion: recorded on the model with your name.",
    )

    def action_upload(self):
        """Validate the file (size, then the engine's checks) and register it.

        The size is checked on the base64 text, before decoding it; the engine
        checks the decoded bytes again (``max_bytes``), with everything else.
        """
        self.ensure_one()
        registry = self.env["ai.risk.model"]
        max_bytes = self.company_id._ai_risk_model_max_bytes()
        encoded = self.with_context(bin_size=False).onnx_file or b""
        if len(encoded) * 3 // 4 > max_bytes + 2:  # base64 pads the last 3 bytes
            raise UserError(
                self.env._(
                    "This file is larger than the upload limit of %(limit)s MB (Settings).",
                    limit=max_bytes // 1_000_000,
                )
            )
        champion = registry._get_champion(self.company_id)
        if self.promote and champion and not (self.approval_note or "").strip():
            raise UserError(self.env._("Say why the uploaded model should replace the champion."))
        model = registry._create_from_bytes(
            base64.b64decode(encoded),
            self.company_id,
            filename=self.onnx_filename,
            source="uploaded",
        )
        if self.promote and champion:
            model._promote(self.approval_note)
        elif not champion:
            model._promote(self.env._("Automatic: the first model of its type."))
        return model._get_form_action()
