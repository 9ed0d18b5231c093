"""An arm of an A/B test of collection strategies: its strategy and its measured results.

The strategy applies to the arm's customers while the experiment runs: the
dunning run and the worklist read it through the customers' assignments
(``ai_dunning_run_select``, ``ai_collection_worklist``); customers not in a
running experiment follow the company's settings. Adopting an arm makes its
strategy the company's.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..ar_ai_collections.constants import DEFAULT_DUNNING_TIMING
from .res_company import DUNNING_TIMING_SELECTION


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
    description = fields.Text(help="The strategy this arm applies, in words.")
    dunning_timing = fields.Selection(
        DUNNING_TIMING_SELECTION,
        default=DEFAULT_DUNNING_TIMING,
        required=True,
        help="Risk-aware: each level applies to the risk bands it is set for. Age-only: "
        "every level applies by age alone, as on a classic ladder.",
    )
    dunning_level_ids = fields.Many2many(
        "ai.dunning.level",
        "ai_collection_experiment_arm_level_rel",
        "arm_id",
        "level_id",
        string="Dunning Levels",
        domain="[('company_id', '=', company_id)]",
        help="The levels of the company's ladder this arm's customers climb; empty: all.",
    )
    worklist_call_tier = fields.Boolean(
        string="Call Tier",
        default=True,
        help="Off, the worklist never puts this arm's customers in 'Call now'.",
    )
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

    @api.constrains("dunning_level_ids", "company_id")
    def _check_dunning_levels(self):
        for arm in self:
            if arm.dunning_level_ids.company_id - arm.company_id:
                raise ValidationError(
                    self.env._("An arm's dunning levels belong to its experiment's company.")
                )

    def action_adopt(self):
        """Adopt this arm (managers): its strategy becomes the company's and the
        experiment ends with it as the winner."""
        self.ensure_one()
        self.experiment_id.check_access("write")
        self.experiment_id._adopt(self)
        return True

    def _apply_to_company(self):
        """Make this arm's strategy the company's: timing and call tier settings, and
        its levels (when it has a set) as the active ladder, the others archived."""
        self.ensure_one()
        # sudo: company settings are admin-only; adopting is the managers' decision,
        # their write access on the experiment was checked by action_adopt.
        self.company_id.sudo().write(
            {
                "ai_dunning_timing": self.dunning_timing,
                "ai_worklist_call_tier": self.worklist_call_tier,
            }
        )
        if self.dunning_level_ids:
            ladder = self.env["ai.dunning.level"].with_context(active_test=False)
            ladder = ladder.search([("company_id", "=", self.company_id.id)])
            (ladder - self.dunning_level_ids).filtered("active").write({"active": False})
            self.dunning_level_ids.filtered(lambda level: not level.active).write({"active": True})
