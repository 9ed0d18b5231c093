"""Company settings of the collections insights: when model monitoring alerts (and
the retraining it makes mandatory), which fairness attributes the models are trained
without, and what one contact costs (the KPIs' cost per unit collected)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..ar_ai_collections.constants import MONITOR_AUC_DROP, MONITOR_ECE_ALERT, MONITOR_PSI_ALERT
from ..ar_ai_collections.monitoring import MIN_OUTCOMES
from .account_move import ACCOUNTING_USER_GROUPS


class ResCompany(models.Model):
    _inherit = "res.company"

    # Model monitoring: when the monthly run alerts (defaults: the engine's).
    ai_monitor_auc_drop = fields.Float(
        string="Largest AUC Drop",
        default=MONITOR_AUC_DROP,
        digits=(4, 3),
        help="Alert when a month's realized AUC is this far below the validation AUC.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_monitor_psi_max = fields.Float(
        string="Largest PSI",
        default=MONITOR_PSI_ALERT,
        digits=(4, 3),
        help="Alert when a feature or the score shifts more (population stability index).",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_monitor_ece_max = fields.Float(
        string="Largest Calibration Error",
        default=MONITOR_ECE_ALERT,
        digits=(4, 3),
        help="Alert when a month's expected calibration error (ECE) is higher.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_monitor_min_outcomes = fields.Integer(
        string="Outcomes to Judge a Month",
        default=MIN_OUTCOMES,
        help="Months with fewer known outcomes (and open books with fewer invoices, for "
        "the PSI) are shown, not alerted on.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_retrain_required = fields.Boolean(
        string="Retraining Required",
        readonly=True,
        help="Set by a monitoring alert: the next monthly retraining trains this company "
        "whatever its interval, then clears it.",
        groups=ACCOUNTING_USER_GROUPS,
    )

    # Fairness attributes kept out of the models (the audit still reports them).
    ai_exclude_customer_age = fields.Boolean(
        string="Keep customer age out of the models",
        help="Train the risk and time-to-payment models without how long the customer has "
        "been invoiced. Takes effect at the next training; the fairness audit still "
        "reports customer age.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_exclude_customer_size = fields.Boolean(
        string="Keep customer size out of the models",
        help="Train the risk and time-to-payment models without the invoice, open and "
        "overdue amounts. Takes effect at the next training; the fairness audit still "
        "reports customer size.",
        groups=ACCOUNTING_USER_GROUPS,
    )

    # What one contact costs: the KPIs' cost per unit collected.
    ai_cost_email = fields.Monetary(
        string="Cost per Email",
        currency_field="currency_id",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_cost_letter = fields.Monetary(
        string="Cost per Letter",
        currency_field="currency_id",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_cost_call = fields.Monetary(
        string="Cost per Call",
        currency_field="currency_id",
        groups=ACCOUNTING_USER_GROUPS,
    )

    @api.constrains(
        "ai_monitor_auc_drop", "ai_monitor_psi_max", "ai_monitor_ece_max", "ai_monitor_min_outcomes"
    )
    def _check_ai_monitor_thresholds(self):
        for company in self:
            limits = (company.ai_monitor_auc_drop, company.ai_monitor_psi_max)
            if min(limits) < 0.0 or not 0.0 <= company.ai_monitor_ece_max <= 1.0:
                raise ValidationError(
                    self.env._("Monitoring thresholds must be positive (ECE at most 1).")
                )
            if company.ai_monitor_min_outcomes < 1:
                raise ValidationError(self.env._("A month is judged on one outcome at least."))

    def _ai_monitor_thresholds(self):
        """The engine's monitoring thresholds of this company."""
        from ..ar_ai_collections.monitoring import Thresholds

        self.ensure_one()
        return Thresholds(
            auc_drop=self.ai_monitor_auc_drop,
            psi_limit=self.ai_monitor_psi_max,
            ece_limit=self.ai_monitor_ece_max,
            min_outcomes=self.ai_monitor_min_outcomes,
        )

    def _ai_excluded_attributes(self):
        """The engine's fairness attributes this company keeps out of its models."""
        self.ensure_one()
        switches = {
            "customer_age": self.ai_exclude_customer_age,
            "customer_size": self.ai_exclude_customer_size,
        }
        return tuple(attribute for attribute, excluded in switches.items() if excluded)

    @api.constrains("ai_cost_email", "ai_cost_letter", "ai_cost_call")
    def _check_ai_contact_costs(self):
        for company in self:
            if min(company.ai_cost_email, company.ai_cost_letter, company.ai_cost_call) < 0:
                raise ValidationError(self.env._("A contact cannot cost less than nothing."))

    def _ai_contact_costs(self):
        """The engine's ContactCosts of this company (company currency)."""
        from ..ar_ai_collections.kpis import ContactCosts

        self.ensure_one()
        return ContactCosts(self.ai_cost_email, self.ai_cost_letter, self.ai_cost_call)
