"""The arm a customer was assigned to in an experiment (sticky: once per customer)."""

from odoo import fields, models
from odoo.tools import SQL

from .account_move import RISK_BAND_SELECTION


def running_arm_join(company_id):
    """LATERAL join on ``res_partner p``: ``arm.timing``, ``arm.call_tier`` and
    ``arm.ladder`` (level ids) of the customer's arm in the company's running
    experiment (the latest started when several run), NULLs when it is in none.
    The dunning run's selection and the worklist refresh read strategies with it."""
    return SQL(
        """
        LEFT JOIN LATERAL (
              SELECT arm.dunning_timing AS timing,
                     arm.worklist_call_tier AS call_tier,
                     ARRAY(SELECT r.level_id
                             FROM ai_collection_experiment_arm_level_rel r
                            WHERE r.arm_id = arm.id) AS ladder
                FROM ai_collection_experiment_assignment a
                JOIN ai_collection_experiment e ON e.id = a.experiment_id
                JOIN ai_collection_experiment_arm arm ON arm.id = a.arm_id
               WHERE a.partner_id = p.id AND e.company_id = %s AND e.state = 'running'
               ORDER BY e.date_start DESC, e.id DESC
               LIMIT 1
             ) arm ON TRUE
        """,
        company_id,
    )


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
