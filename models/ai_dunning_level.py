import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..ar_ai_collections.constants import DEFAULT_DUNNING_LEVEL_SPACING_DAYS, RISK_BANDS
from .res_company import MAX_DATE_OFFSET_DAYS

TONE_SELECTION = [
    ("courteous", "Courteous"),
    ("firm", "Firm"),
    ("final", "Final notice"),
]


class AiDunningLevel(models.Model):
    """A rung of the escalation ladder: when (days from due date, risk bands) and what."""

    _name = "ai.dunning.level"
    _description = "Dunning Level"
    _order = "company_id, sequence, days, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    sequence = fields.Integer(
        default=10,
        help="Rank on the escalation ladder: a level is never executed after a "
        "higher-ranked one for the same invoice.",
    )
    days = fields.Integer(
        string="Days from Due Date",
        required=True,
        help="Days after the due date at which the level falls due; negative values send "
        "a courtesy reminder before the due date.",
    )
    spacing_days = fields.Integer(
        string="Days Between Levels",
        default=DEFAULT_DUNNING_LEVEL_SPACING_DAYS,
        help="An invoice reaches this level only this many days or more after its "
        "previous level was executed.",
    )
    band_low = fields.Boolean(string="Low Risk", default=True)
    band_medium = fields.Boolean(string="Medium Risk", default=True)
    band_high = fields.Boolean(string="High Risk", default=True)
    band_critical = fields.Boolean(string="Critical Risk", default=True)
    tone = fields.Selection(TONE_SELECTION, default="courteous", required=True)
    # Actions
    send_email = fields.Boolean(string="Email", default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'res.partner')]",
        ondelete="restrict",
    )
    attach_invoices = fields.Boolean(
        string="Attach Invoice PDFs", default=True, help="Attach the overdue invoices' PDFs."
    )
    attach_statement = fields.Boolean(help="Attach the customer statement PDF.")
    print_letter = fields.Boolean(
        string="Letter", help="Print a reminder letter (PDF) and keep it in the customer's chatter."
    )
    create_activity = fields.Boolean(string="Activity")
    activity_type_id = fields.Many2one("mail.activity.type")
    activity_summary = fields.Char(translate=True)
    activity_delay_days = fields.Integer(string="Activity Due In (days)", default=0)
    manual_review = fields.Boolean(
        help="Queue the level for a manager's approval instead of acting."
    )
    stop_automation = fields.Boolean(
        string="Stop Automation / Hand to Agency",
        help="Switch the customer to manual follow-up and notify the collector.",
    )
    # Optional fee (off by default)
    fee_enabled = fields.Boolean(string="Charge a Dunning Fee")
    fee_product_id = fields.Many2one("product.product")
    fee_amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    log_count = fields.Integer(compute="_compute_log_count")

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A dunning level name must be unique per company.",
        ),
    ]

    def _compute_log_count(self):
        groups = self.env["ai.dunning.log"]._read_group(
            [("level_id", "in", self.ids)], ["level_id"], ["__count"]
        )
        counts = {level.id: count for level, count in groups}
        for level in self:
            level.log_count = counts.get(level.id, 0)

    @api.constrains("send_email", "mail_template_id", "create_activity", "activity_type_id")
    def _check_actions(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._("Level %(name)s sends emails: choose a template.", name=level.name)
                )
            if level.create_activity and not level.activity_type_id:
                raise ValidationError(
                    self.env._(
                        "Level %(name)s schedules an activity: choose its type.", name=level.name
                    )
                )

    @api.constrains("fee_enabled", "fee_product_id", "fee_amount")
    def _check_fee(self):
        for level in self:
            if level.fee_enabled and (not level.fee_product_id or level.fee_amount <= 0):
                raise ValidationError(
                    self.env._("A dunning fee needs a product and a positive amount.")
                )

    @api.constrains("days", "spacing_days", "activity_delay_days", "fee_amount")
    def _check_bounds(self):
        for level in self:
            if abs(level.days) > MAX_DATE_OFFSET_DAYS:
                raise ValidationError(
                    self.env._(
                        "Level %(name)s: days from due date must be between -%(max)s and %(max)s.",
                        name=level.name,
                        max=MAX_DATE_OFFSET_DAYS,
                    )
                )
            if not 0 <= level.spacing_days <= MAX_DATE_OFFSET_DAYS:
                raise ValidationError(
                    self.env._(
                        "Level %(name)s: days between levels must be between 0 and %(max)s.",
                        name=level.name,
                        max=MAX_DATE_OFFSET_DAYS,
                    )
                )
            if not 0 <= level.activity_delay_days <= MAX_DATE_OFFSET_DAYS:
                raise ValidationError(
                    self.env._(
                        "Level %(name)s: the activity is due in 0 to %(max)s days.",
                        name=level.name,
                        max=MAX_DATE_OFFSET_DAYS,
                    )
                )
            if not math.isfinite(level.fee_amount) or level.fee_amount < 0:
                raise ValidationError(
                    self.env._(
                        "Level %(name)s: the fee must be a positive number.", name=level.name
                    )
                )

    def _band_flags(self):
        """Return a list of tuples of booleans in ``RISK_BANDS`` order, one per level."""
        return [tuple(level[f"band_{band}"] for band in RISK_BANDS) for level in self]

    def action_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "ar_ai_collections.ai_dunning_log_action"
        )
        action["domain"] = [("level_id", "=", self.id)]
        return action
