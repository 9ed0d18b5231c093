"""An arm of an A/B test of collection strategies, with its measured results."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AiCollectionExperimentArm(models.Model):
    _name = "ai.collection.experiment.arm"
    _description = "Collection Experiment Arm"
    _order = "experiment_id, is_control desc, sequence, id"

    experiment_id = fields.Many2one(
        "ai.collection.experiment", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="experiment_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    description = fields.Text(help="The strategy this arm applies (ladder, timing, call tier).")
    is_control = fields.Boolean(string="Control")
    allocation = fields.Float(
        string="Allocation (%)", default=50.0, help="Share of the customers assigned to it."
    )
    customers = fields.Integer(readonly=True, help="Customers with an outcome measured.")
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    collected_amount = fields.Monetary(string="Collected", readonly=True)
    metric = fields.Float(string="Collected (%)", readonly=True, digits=(16, 1))
    difference = fields.Float(
        string="Difference (points)", readonly=True, digits=(16, 1), help="Against the control."
    )
    ci_low = fields.Float(string="95% CI Low", readonly=True, digits=(16, 1))
    ci_high = fields.Float(string="95% CI High", readonly=True, digits=(16, 1))
    p_value = fields.Float(string="p-value", readonly=True, digits=(4, 3))
    significant = fields.Boolean(readonly=True)
    customers_needed = fields.Integer(
        readonly=True, help="More customers needed to detect the smallest effect worth finding."
    )
    verdict = fields.Char(readonly=True)
    disputes = fields.Integer(
        readonly=True, help="Guard metric: disputes opened by its customers during the test."
    )

    _sql_constraints = [
        (
            "name_unique",
            "unique(experiment_id, name)",
            "The arms of an experiment need different names.",
        ),
    ]

    @api.constrains("allocation")
    def _check_allocation(self):
        for arm in self:
            if not 0.0 <= arm.allocation <= 100.0:
                raise ValidationError(
                    self.env._("An allocation is a percentage between 0 and 100.")
                )

    def action_adopt(self):
        """Adopt this arm: the experiment ends with it as the winner (managers)."""
        self.ensure_one()
        self.experiment_id.check_access("write")
        self.experiment_id._adopt(self)
        return True
