import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..ar_ai_collections.constants import (
    DEFAULT_BAND_THRESHOLDS,
    DEFAULT_DUNNING_TIMING,
    DEFAULT_LATE_DAYS,
    DEFAULT_LIKELY_PAY_PROBABILITY,
    DEFAULT_MAX_MODEL_MB,
    DEFAULT_MIN_CALL_VALUE,
    DEFAULT_MIN_HISTORY,
    DEFAULT_PLAN_AUTO_APPROVE_AMOUNT,
    DEFAULT_PLAN_GRACE_DAYS,
    DEFAULT_PLAN_MAX_DAYS,
    DEFAULT_PLAN_MAX_INSTALMENTS,
    DEFAULT_PLAN_MIN_INSTALMENT,
    DEFAULT_PLAN_REMINDER_DAYS,
    DEFAULT_PROMISE_GRACE_DAYS,
    DEFAULT_PROMISE_HORIZON_DAYS,
    DEFAULT_WEEKLY_CALL_CAPACITY,
)
from ..ar_ai_collections.dunning_policy import (
    DEFAULT_BUSINESS_HOUR_END,
    DEFAULT_BUSINESS_HOUR_START,
    DEFAULT_MAX_CONTACTS_7D,
    DEFAULT_MIN_OVERDUE_AMOUNT,
    DEFAULT_PAYMENT_WINDOW_DAYS,
    DEFAULT_REVIEW_AMOUNT,
)
from ..ar_ai_collections.ttp_calibration import DEFAULT_TTP_BAND_THRESHOLDS
from .account_move import ACCOUNTING_USER_GROUPS

#: Furthest from today (10 years) a date the addon schedules may be: the largest
#: promise horizon, snooze and dunning level offset. Further off, a date is corrupt
#: data (the scheduled actions ignore it) and date arithmetic may overflow.
MAX_DATE_OFFSET_DAYS = 3650
DUNNING_TIMING_SELECTION = [("risk_aware", "Risk-aware"), ("age_only", "Age-only")]


class ResCompany(models.Model):
    _inherit = "res.company"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    ai_risk_enabled = fields.Boolean(
        string="Payment Risk Scoring",
        default=True,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_late_days = fields.Integer(
        string="Late After (days)",
        default=DEFAULT_LATE_DAYS,
        help="An invoice counts as late when paid more than this many days after its due date.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_threshold_medium = fields.Float(
        string="Medium Risk From (%)",
        default=DEFAULT_BAND_THRESHOLDS[0],
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_threshold_high = fields.Float(
        string="High Risk From (%)",
        default=DEFAULT_BAND_THRESHOLDS[1],
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_threshold_critical = fields.Float(
        string="Critical Risk From (%)",
        default=DEFAULT_BAND_THRESHOLDS[2],
        groups=ACCOUNTING_USER_GROUPS,
    )
    # The bands shown on invoices: P(not paid within 30 days of the scoring date).
    ai_ttp_threshold_medium = fields.Float(
        string="Medium From (% not paid in 30 days)",
        default=DEFAULT_TTP_BAND_THRESHOLDS[0],
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_ttp_threshold_high = fields.Float(
        string="High From (% not paid in 30 days)",
        default=DEFAULT_TTP_BAND_THRESHOLDS[1],
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_ttp_threshold_critical = fields.Float(
        string="Critical From (% not paid in 30 days)",
        default=DEFAULT_TTP_BAND_THRESHOLDS[2],
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_min_history = fields.Integer(
        string="Minimum Settled Invoices",
        default=DEFAULT_MIN_HISTORY,
        help="Below this number of settled invoices, the bundled default model scores.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_retrain_interval = fields.Integer(
        string="Retrain Every (months)",
        default=1,
        help="The monthly retraining job trains a challenger when the champion is at "
        "least this many months old.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_promotion_margin = fields.Float(
        string="Promotion Margin (AUC)",
        default=0.01,
        help="A retrained challenger replaces the champion only if its AUC on the same "
        "held-out period beats the champion's by at least this margin.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_model_max_mb = fields.Integer(
        string="Model Upload Limit (MB)",
        default=DEFAULT_MAX_MODEL_MB,
        groups="ar_ai_collections.group_collections_manager",
        help="Uploaded ONNX models larger than this are refused (1 to 1000 MB).",
    )

    @api.constrains(
        "ai_risk_threshold_medium",
        "ai_risk_threshold_high",
        "ai_risk_threshold_critical",
        "ai_ttp_threshold_medium",
        "ai_ttp_threshold_high",
        "ai_ttp_threshold_critical",
    )
    def _check_ai_risk_thresholds(self):
        for company in self:
            for bounds in (company._ai_risk_band_thresholds(), company._ai_ttp_band_thresholds()):
                if not (0.0 < bounds[0] < bounds[1] < bounds[2] < 100.0):
                    raise ValidationError(
                        self.env._(
                            "Risk band thresholds must increase strictly between 0 and 100 "
                            "(medium < high < critical)."
                        )
                    )

    @api.constrains("ai_risk_model_max_mb")
    def _check_ai_risk_model_max_mb(self):
        if any(not 1 <= company.ai_risk_model_max_mb <= 1000 for company in self):
            raise ValidationError(self.env._("The model upload limit must be 1 to 1000 MB."))

    def _ai_risk_model_max_bytes(self):
        """The model upload limit in bytes, for the engine's ``max_bytes``."""
        self.ensure_one()
        # sudo: a harmless number, needed by whoever's action loads a model (scoring)
        return self.sudo().ai_risk_model_max_mb * 1_000_000

    def _ai_risk_band_thresholds(self):
        """Return the (medium, high, critical) lower bounds in % for the engine."""
        self.ensure_one()
        return (
            self.ai_risk_threshold_medium,
            self.ai_risk_threshold_high,
            self.ai_risk_threshold_critical,
        )

    def _ai_ttp_band_thresholds(self):
        """Return the (medium, high, critical) lower bounds in % of P(not paid in 30 days)."""
        self.ensure_one()
        return (
            self.ai_ttp_threshold_medium,
            self.ai_ttp_threshold_high,
            self.ai_ttp_threshold_critical,
        )

    # ------------------------------------------------------------------
    # Dunning (follow-up levels, guards, audit)
    # ------------------------------------------------------------------
    ai_dunning_enabled = fields.Boolean(
        string="Automated Dunning",
        default=True,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_timing = fields.Selection(
        DUNNING_TIMING_SELECTION,
        string="Dunning Timing",
        default=DEFAULT_DUNNING_TIMING,
        required=True,
        help="Risk-aware: each level applies to the risk bands it is set for. Age-only: "
        "every level applies by age alone, as on a classic ladder.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_max_contacts_7d = fields.Integer(
        string="Max Contacts per 7 Days",
        default=DEFAULT_MAX_CONTACTS_7D,
        help="Maximum dunning contacts per customer over a rolling 7 days (0 = no limit).",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_hour_start = fields.Float(
        string="Business Hours From",
        default=DEFAULT_BUSINESS_HOUR_START,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_hour_end = fields.Float(
        string="Business Hours To",
        default=DEFAULT_BUSINESS_HOUR_END,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_weekdays_only = fields.Boolean(
        string="Weekdays Only",
        default=True,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_invoice_notes = fields.Boolean(
        string="Note Reminders on Invoices",
        default=True,
        groups=ACCOUNTING_USER_GROUPS,
        help="Log a note in each invoice's chatter when it reaches a level, besides the "
        "one trace per conversation in the customer's chatter. One message per invoice: "
        "on large books it takes as long as the rest of the run.",
    )
    ai_dunning_min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        currency_field="currency_id",
        default=DEFAULT_MIN_OVERDUE_AMOUNT,
        help="Customers whose overdue amount is below this are not reminded.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_review_amount = fields.Monetary(
        string="Review Above",
        currency_field="currency_id",
        default=DEFAULT_REVIEW_AMOUNT,
        help="Automated actions for customers owing at least this amount wait for a "
        "manager's approval (0 = never).",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_payment_window_days = fields.Integer(
        string="Payment Window (days)",
        default=DEFAULT_PAYMENT_WINDOW_DAYS,
        help="An action counts as effective when the invoice is paid within this many days.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_mail_max_retries = fields.Integer(
        string="Email Retries",
        default=3,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_dunning_manager_id = fields.Many2one(
        "res.users",
        string="Collections Manager",
        domain="[('share', '=', False)]",
        help="Dunning activities go to the customer's collector, else the invoice's "
        "salesperson, else this user.",
        groups=ACCOUNTING_USER_GROUPS,
    )

    @api.constrains("ai_dunning_hour_start", "ai_dunning_hour_end", "ai_dunning_max_contacts_7d")
    def _check_ai_dunning_guards(self):
        for company in self:
            start, end = company.ai_dunning_hour_start, company.ai_dunning_hour_end
            if not (0 <= start <= 24 and 0 <= end <= 24):
                raise ValidationError(self.env._("Business hours must be between 0 and 24."))
            if company.ai_dunning_max_contacts_7d < 0:
                raise ValidationError(self.env._("The contact limit cannot be negative."))

    # ------------------------------------------------------------------
    # Worklist, promises to pay and disputes
    # ------------------------------------------------------------------
    ai_worklist_call_capacity = fields.Integer(
        string="Weekly Calls per Collector",
        default=DEFAULT_WEEKLY_CALL_CAPACITY,
        help="Default number of calls a collector makes per week; the worklist puts at "
        "most this many customers per collector in 'Call now' (a collector's own "
        "capacity, on the user, overrides it).",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_worklist_call_tier = fields.Boolean(
        string="Call Tier",
        default=True,
        help="Off, the worklist puts nobody in 'Call now': customers worth a call get "
        "personal follow-ups.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_worklist_min_call_value = fields.Monetary(
        string="Minimum Value of a Call",
        currency_field="currency_id",
        default=DEFAULT_MIN_CALL_VALUE,
        help="Expected value (amount at risk x probability of not paying without "
        "contact) below which a customer gets an automated reminder instead of a call.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_worklist_likely_pay = fields.Float(
        string="Likely to Pay Anyway (%)",
        default=DEFAULT_LIKELY_PAY_PROBABILITY,
        help="Customers whose probability of not paying without contact is below "
        "this are not called.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=DEFAULT_PROMISE_GRACE_DAYS,
        help="Days after the promised date before an unpaid promise counts as broken.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_promise_horizon_days = fields.Integer(
        string="Promise Horizon (days)",
        default=DEFAULT_PROMISE_HORIZON_DAYS,
        help="Furthest ahead of today a promised payment date or a worklist snooze may be.",
        groups=ACCOUNTING_USER_GROUPS,
    )

    # ------------------------------------------------------------------
    # Payment plans (limits of a customer's proposal, follow-up)
    # ------------------------------------------------------------------
    ai_plan_max_instalments = fields.Integer(
        string="Most Instalments",
        default=DEFAULT_PLAN_MAX_INSTALMENTS,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_plan_max_days = fields.Integer(
        string="Longest Plan (days)",
        default=DEFAULT_PLAN_MAX_DAYS,
        help="Days from the proposal of a payment plan to its last instalment.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_plan_min_instalment = fields.Monetary(
        string="Smallest Instalment",
        currency_field="currency_id",
        default=DEFAULT_PLAN_MIN_INSTALMENT,
        help="Smallest amount of an instalment but the last.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_plan_auto_approve_amount = fields.Monetary(
        string="Approve Plans Up To",
        currency_field="currency_id",
        default=DEFAULT_PLAN_AUTO_APPROVE_AMOUNT,
        help="A customer's payment plan totalling at most this is approved at once, "
        "without a collector (0: a collector approves every plan).",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_plan_reminder_days = fields.Integer(
        string="Instalment Reminder (days before)",
        default=DEFAULT_PLAN_REMINDER_DAYS,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_plan_grace_days = fields.Integer(
        string="Plan Grace Days",
        default=DEFAULT_PLAN_GRACE_DAYS,
        help="Days an instalment may be late before the payment plan counts as broken.",
        groups=ACCOUNTING_USER_GROUPS,
    )

    @api.constrains(
        "ai_plan_max_instalments",
        "ai_plan_max_days",
        "ai_plan_min_instalment",
        "ai_plan_auto_approve_amount",
        "ai_plan_reminder_days",
        "ai_plan_grace_days",
    )
    def _check_ai_plan_limits(self):
        for company in self:
            if not 1 <= company.ai_plan_max_instalments <= 120:
                raise ValidationError(self.env._("A plan has 1 to 120 instalments at most."))
            if not 1 <= company.ai_plan_max_days <= MAX_DATE_OFFSET_DAYS:
                raise ValidationError(
                    self.env._(
                        "The longest plan must be between 1 and %(max)s days.",
                        max=MAX_DATE_OFFSET_DAYS,
                    )
                )
            amounts = (company.ai_plan_min_instalment, company.ai_plan_auto_approve_amount)
            if any(not math.isfinite(amount) or amount < 0 for amount in amounts):
                raise ValidationError(self.env._("Plan amounts must be positive numbers."))
            days = (company.ai_plan_reminder_days, company.ai_plan_grace_days)
            if any(not 0 <= value <= company.ai_plan_max_days for value in days):
                raise ValidationError(
                    self.env._(
                        "Reminder and grace days of plans must be between 0 and the longest "
                        "plan (%(max)s days).",
                        max=company.ai_plan_max_days,
                    )
                )

    @api.constrains("ai_promise_grace_days", "ai_promise_horizon_days")
    def _check_ai_promise_days(self):
        for company in self:
            if not 1 <= company.ai_promise_horizon_days <= MAX_DATE_OFFSET_DAYS:
                raise ValidationError(
                    self.env._(
                        "The promise horizon must be between 1 and %(max)s days.",
                        max=MAX_DATE_OFFSET_DAYS,
                    )
                )
            if not 0 <= company.ai_promise_grace_days <= company.ai_promise_horizon_days:
                raise ValidationError(
                    self.env._(
                        "Promise grace days must be between 0 and the promise horizon (%(max)s).",
                        max=company.ai_promise_horizon_days,
                    )
                )

    def _ai_horizon_bounds(self):
        """``(first, last)`` date a promise or a snooze may take today: up to the promise
        horizon ahead; back to ``MAX_DATE_OFFSET_DAYS`` ago (past promises are history)."""
        self.ensure_one()
        # sudo: the horizon bounds what anyone enters (a portal visitor included).
        horizon = self.sudo().ai_promise_horizon_days or DEFAULT_PROMISE_HORIZON_DAYS
        today = fields.Date.context_today(self)
        return today - timedelta(days=MAX_DATE_OFFSET_DAYS), today + timedelta(days=horizon)

    def _ai_check_in_horizon(self, value, label):
        """Raise a ValidationError unless date ``value`` is within the company's promise
        horizon (``label`` names the field in the message)."""
        first, last = self._ai_horizon_bounds()
        if value and not first <= value <= last:
            raise ValidationError(
                self.env._(
                    "%(label)s %(date)s is out of range: it must be between %(first)s and "
                    "%(last)s (promise horizon, in Settings).",
                    label=label,
                    date=value,
                    first=first,
                    last=last,
                )
            )
