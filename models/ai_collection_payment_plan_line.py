import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError

INSTALMENT_STATE_SELECTION = [
    ("pending", "To Pay"),
    ("paid", "Paid"),
    ("late", "Late"),
]


class AiCollectionPaymentPlanLine(models.Model):
    """One instalment of a payment plan: an amount due by a date.

    Its status is set by the plan's check (:meth:`ai.collection.payment.plan.
    _check_instalments`): paid once the customer's payments since the plan reach the
    cumulative amount of the instalments up to this one, late past its date.
    """

    _name = "ai.collection.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "plan_id, date_due, id"

    plan_id = fields.Many2one(
        "ai.collection.payment.plan", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(currency_field="currency_id", required=True)
    state = fields.Selection(
        INSTALMENT_STATE_SELECTION, required=True, default="pending", readonly=True, copy=False
    )
    amount_covered = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Part of the instalment the customer's payments since the plan cover.",
    )
    reminder_date = fields.Date(
        string="Reminder Sent", readonly=True, copy=False, help="When its reminder was sent."
    )

    @api.constrains("amount")
    def _check_amount(self):
        for line in self:
            self._check_amount_value(line.amount)

    def _check_amount_value(self, amount):
        if not isinstance(amount, (int, float)) or not math.isfinite(amount) or amount <= 0:
            raise ValidationError(self.env._("An instalment must be a positive amount."))

    @api.constrains("date_due", "amount")
    def _check_plan(self):
        """A new or changed instalment keeps its plan within the company's limits."""
        self.plan_id._check_plan_limits()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:  # before the currency rounding, which fails on infinity
            self._check_amount_value(vals.get("amount", 0.0))
        return super().create(vals_list)

    def write(self, vals):
        if "amount" in vals:
            self._check_amount_value(vals["amount"])
        return super().write(vals)
