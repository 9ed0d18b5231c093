"""Upload an ONNX payment-risk model into the registry, validated by the engine."""

import base64

from odoo import fields, models


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

    def action_upload(self):
        """Validate the file (engine signature check) and register it."""
        self.ensure_one()
        registry = self.env["ai.risk.model"]
        registry._check_collections_manager()
        model = registry.create_from_bytes(
            base64.b64decode(self.onnx_file),
            self.company_id,
            filename=self.onnx_filename,
            source="uploaded",
        )
        if self.promote or not registry._get_champion(self.company_id):
            model._promote()
        return model._get_form_action()
