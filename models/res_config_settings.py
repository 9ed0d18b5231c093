from odoo import api, fields, models

from ..tools.portal_link import DAYS_PARAM, DEFAULT_DAYS
from .ai_collection_reply import DEFAULT_THRESHOLD, THRESHOLD_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    ai_risk_enabled = fields.Boolean(related="company_id.ai_risk_enabled", readonly=False)
    ai_risk_late_days = fields.Integer(related="company_id.ai_risk_late_days", readonly=False)
    ai_risk_threshold_medium = fields.Float(
        related="company_id.ai_risk_threshold_medium", readonly=False
    )
    ai_risk_threshold_high = fields.Float(
        related="company_id.ai_risk_threshold_high", readonly=False
    )
    ai_risk_threshold_critical = fields.Float(
        related="company_id.ai_risk_threshold_critical", readonly=False
    )
    ai_ttp_threshold_medium = fields.Float(
        related="company_id.ai_ttp_threshold_medium", readonly=False
    )
    ai_ttp_threshold_high = fields.Float(related="company_id.ai_ttp_threshold_high", readonly=False)
    ai_ttp_threshold_critical = fields.Float(
        related="company_id.ai_ttp_threshold_critical", readonly=False
    )
    ai_risk_min_history = fields.Integer(related="company_id.ai_risk_min_history", readonly=False)
    ai_risk_retrain_interval = fields.Integer(
        related="company_id.ai_risk_retrain_interval", readonly=False
    )
    ai_risk_promotion_margin = fields.Float(
        related="company_id.ai_risk_promotion_margin", readonly=False
    )
    ai_risk_model_max_mb = fields.Integer(related="company_id.ai_risk_model_max_mb", readonly=False)
    ai_monitor_auc_drop = fields.Float(related="company_id.ai_monitor_auc_drop", readonly=False)
    ai_monitor_psi_max = fields.Float(related="company_id.ai_monitor_psi_max", readonly=False)
    ai_monitor_ece_max = fields.Float(related="company_id.ai_monitor_ece_max", readonly=False)
    ai_monitor_min_outcomes = fields.Integer(
        related="company_id.ai_monitor_min_outcomes", readonly=False
    )
    ai_exclude_customer_age = fields.Boolean(
        related="company_id.ai_exclude_customer_age", readonly=False
    )
    ai_exclude_customer_size = fields.Boolean(
        related="company_id.ai_exclude_customer_size", readonly=False
    )
    ai_risk_model_status = fields.Char(
        string="Scoring Model", compute="_compute_ai_risk_model_status"
    )

    @api.depends("company_id")
    def _compute_ai_risk_model_status(self):
        for settings in self:
            champion = self.env["ai.risk.model"]._get_champion(settings.company_id)
            if champion:
                settings.ai_risk_model_status = self.env._(
                    "Champion %(name)s, trained on %(rows)s invoices (AUC %(auc).3f)",
                    name=champion.display_name,
                    rows=champion.n_rows,
                    auc=champion.auc,
                )
            else:
                settings.ai_risk_model_status = self.env._(
                    "Bundled default model: no model trained on your own history yet "
                    "(at least %(minimum)s settled invoices needed)",
                    minimum=settings.company_id.ai_risk_min_history,
                )

    # ------------------------------------------------------------------
    # Dunning (follow-up levels, guards, audit)
    # ------------------------------------------------------------------
    ai_dunning_enabled = fields.Boolean(related="company_id.ai_dunning_enabled", readonly=False)
    ai_dunning_max_contacts_7d = fields.Integer(
        related="company_id.ai_dunning_max_contacts_7d", readonly=False
    )
    ai_dunning_hour_start = fields.Float(related="company_id.ai_dunning_hour_start", readonly=False)
    ai_dunning_hour_end = fields.Float(related="company_id.ai_dunning_hour_end", readonly=False)
    ai_dunning_timing = fields.Selection(related="company_id.ai_dunning_timing", readonly=False)
    ai_dunning_weekdays_only = fields.Boolean(
        related="company_id.ai_dunning_weekdays_only", readonly=False
    )
    ai_dunning_invoice_notes = fields.Boolean(
        related="company_id.ai_dunning_invoice_notes", readonly=False
    )
    ai_cost_email = fields.Monetary(related="company_id.ai_cost_email", readonly=False)
    ai_cost_letter = fields.Monetary(related="company_id.ai_cost_letter", readonly=False)
    ai_cost_call = fields.Monetary(related="company_id.ai_cost_call", readonly=False)
    ai_dunning_min_amount = fields.Monetary(
        related="company_id.ai_dunning_min_amount", readonly=False
    )
    ai_dunning_review_amount = fields.Monetary(
        related="company_id.ai_dunning_review_amount", readonly=False
    )
    ai_dunning_payment_window_days = fields.Integer(
        related="company_id.ai_dunning_payment_window_days", readonly=False
    )
    ai_dunning_manager_id = fields.Many2one(
        related="company_id.ai_dunning_manager_id", readonly=False
    )
    ai_dunning_level_count = fields.Integer(compute="_compute_ai_dunning_level_count")

    @api.depends("company_id")
    def _compute_ai_dunning_level_count(self):
        for settings in self:
            settings.ai_dunning_level_count = self.env["ai.dunning.level"].search_count(
                [("company_id", "=", settings.company_id.id)]
            )

    def action_ai_dunning_levels(self):
        """Open the company's dunning levels ("Configure dunning levels")."""
        return self.env["ir.actions.actions"]._for_xml_id(
            "ar_ai_collections.ai_dunning_level_action"
        )

    # ------------------------------------------------------------------
    # Worklist, promises to pay and disputes
    # ------------------------------------------------------------------
    ai_worklist_call_tier = fields.Boolean(
        related="company_id.ai_worklist_call_tier", readonly=False
    )
    ai_worklist_call_capacity = fields.Integer(
        related="company_id.ai_worklist_call_capacity", readonly=False
    )
    ai_worklist_min_call_value = fields.Monetary(
        related="company_id.ai_worklist_min_call_value", readonly=False
    )
    ai_worklist_likely_pay = fields.Float(
        related="company_id.ai_worklist_likely_pay", readonly=False
    )
    ai_promise_grace_days = fields.Integer(
        related="company_id.ai_promise_grace_days", readonly=False
    )
    ai_promise_horizon_days = fields.Integer(
        related="company_id.ai_promise_horizon_days", readonly=False
    )

    # ------------------------------------------------------------------
    # Payment plans
    # ------------------------------------------------------------------
    ai_plan_max_instalments = fields.Integer(
        related="company_id.ai_plan_max_instalments", readonly=False
    )
    ai_plan_max_days = fields.Integer(related="company_id.ai_plan_max_days", readonly=False)
    ai_plan_min_instalment = fields.Monetary(
        related="company_id.ai_plan_min_instalment", readonly=False
    )
    ai_plan_auto_approve_amount = fields.Monetary(
        related="company_id.ai_plan_auto_approve_amount", readonly=False
    )
    ai_plan_reminder_days = fields.Integer(
        related="company_id.ai_plan_reminder_days", readonly=False
    )
    ai_plan_grace_days = fields.Integer(related="company_id.ai_plan_grace_days", readonly=False)

    # ------------------------------------------------------------------
    # Reply classification and customer portal
    # ------------------------------------------------------------------
    ai_reply_confidence_threshold = fields.Float(
        string="Reply Confidence Threshold",
        config_parameter=THRESHOLD_PARAM,
        default=DEFAULT_THRESHOLD,
        help="Customer replies classified as a promise or a dispute with at least this "
        "confidence create a draft promise or dispute; the others get a review activity.",
    )
    ai_portal_link_days = fields.Integer(
        string="Portal Link Validity (days)",
        config_parameter=DAYS_PARAM,
        default=DEFAULT_DAYS,
    )
