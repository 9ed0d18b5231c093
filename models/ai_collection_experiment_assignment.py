"""The arm a customer was assigned to in an experiment (sticky: once per customer)."""

from odoo import fields, models

from .account_move import RISK_BAND_SELECTION


class AiCollectionExperimentAssignment(models.Model):
    _name = "ai.collection.experiment.assignment"
    _description = "Collection Experiment Assignment"
    _order = "experiment_id, date_assigned, id"
    _rec_name = "partner_id"

    experiment_id = fields.Many2one(
        "ai.collection.experiment", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="experiment_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    arm_id = fields.Many2one(
        "ai.collection.experiment.arm", required=True, readonly=True, ondelete="cascade"
    )
    band = fields.Selection(RISK_BAND_SELECTION, readonly=True, help="Risk band when assigned.")
    date_assigned = fields.Date(required=True, readonly=True)

    _sql_constraints = [
        (
            "partner_unique",
            "unique(experiment_id, partner_id)",
            "A customer is assigned once per experiment.",
        ),
    ]
