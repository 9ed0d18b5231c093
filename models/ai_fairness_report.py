"""Fairness audit of the risk scores and of the collection treatment, per customer group.

The monthly job hands the engine (:func:`..ar_ai_collections.fairness.audit`) the
predictions the monitoring logged over the last year (each invoice scored at its
issue date), the dunning contacts and reviews of each invoice, and stores one row
per attribute (country, industry, customer size, customer age) and group: score
distribution, share scored high, false positive and negative rates at the high
threshold, contacts per customer, share sent to review, the lowest four-fifths
ratio against the best-treated group and the error-rate gaps, flagged when the
engine says so.
"""

import pandas as pd

from odoo import api, fields, models

from .ai_collection_kpi import finite
from .ai_dunning_log import CONTACT_OUTCOMES

ATTRIBUTE_SELECTION = [
    ("country", "Country"),
    ("industry", "Industry"),
    ("customer_size", "Customer size"),
    ("customer_age", "Customer age"),
]
#: Ratios of the four-fifths rule (favourable treatment against the best group).
IMPACT_RATIOS = ("not_high_ratio", "not_review_ratio", "not_agency_ratio", "contacts_ratio")

# Dunning contacts of each invoice of a company, and whether one went to review
# (waiting, rejected, or approved then executed: approved_by_id is set).
TREATMENT_SQL = """
    SELECT move_id::text AS invoice_id,
           count(*) FILTER (WHERE outcome = ANY(%(contacts)s))::float8 AS contacts,
           CASE WHEN bool_or(outcome IN ('queued_review', 'rejected')
                             OR approved_by_id IS NOT NULL)
                THEN 'review' ELSE '' END AS action
      FROM ai_dunning_log
     WHERE company_id = %(company_id)s
     GROUP BY move_id
"""


class AiFairnessReport(models.Model):
    _name = "ai.fairness.report"
    _description = "Fairness Audit"
    _order = "run_date desc, attribute, group_name"
    _rec_name = "group_name"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    run_date = fields.Date(required=True, readonly=True, index=True)
    attribute = fields.Selection(ATTRIBUTE_SELECTION, required=True, readonly=True)
    group_name = fields.Char(string="Group", readonly=True)
    n_invoices = fields.Integer(string="Invoices", readonly=True)
    n_customers = fields.Integer(string="Customers", readonly=True)
    judged = fields.Boolean(readonly=True, help="Large enough to be judged and compared.")
    mean_score = fields.Float(string="Mean P(late) (%)", readonly=True, aggregator="avg")
    median_score = fields.Float(string="Median P(late) (%)", readonly=True, aggregator="avg")
    p90_score = fields.Float(string="P90 P(late) (%)", readonly=True, aggregator="avg")
    share_high = fields.Float(string="Scored High (%)", readonly=True, aggregator="avg")
    n_outcomes = fields.Integer(string="Known Outcomes", readonly=True)
    false_positive_rate = fields.Float(
        string="False Positives (%)",
        readonly=True,
        aggregator="avg",
        help="On-time payers scored high.",
    )
    false_negative_rate = fields.Float(
        string="False Negatives (%)",
        readonly=True,
        aggregator="avg",
        help="Late payers not scored high.",
    )
    contacts_per_customer = fields.Float(readonly=True, aggregator="avg", digits=(16, 2))
    share_review = fields.Float(string="Sent to Review (%)", readonly=True, aggregator="avg")
    share_agency = fields.Float(string="Sent to Agency (%)", readonly=True, aggregator="avg")
    impact_ratio = fields.Float(
        string="Lowest Impact Ratio",
        readonly=True,
        aggregator="min",
        digits=(4, 2),
        help="Lowest ratio of favourable treatment against the best-treated group "
        "(four-fifths rule: flagged below 0.8).",
    )
    false_positive_gap = fields.Float(
        string="FP Gap (points)", readonly=True, aggregator="max", digits=(16, 1)
    )
    false_negative_gap = fields.Float(
        string="FN Gap (points)", readonly=True, aggregator="max", digits=(16, 1)
    )
    flagged = fields.Boolean(readonly=True, index=True)
    flags = fields.Text(readonly=True)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _refresh_company(self, company, history, log, as_of):
        """Audit the predictions ``log`` (the monitoring's) of ``company`` at ``as_of``."""
        from ..ar_ai_collections import fairness as engine_fairness

        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM ai_fairness_report WHERE company_id = %s AND run_date >= %s",
            [company.id, as_of.replace(day=1)],
        )
        if log is None or log.empty:
            return self
        self.env.cr.execute(
            TREATMENT_SQL, {"company_id": company.id, "contacts": list(CONTACT_OUTCOMES)}
        )
        treatment = pd.DataFrame(
            self.env.cr.fetchall(), columns=["invoice_id", "contacts", "action"]
        )
        scores = log[["invoice_id", "p_late", "band"]].rename(columns={"band": "risk_band"})
        scores = scores.merge(treatment, on="invoice_id", how="left")
        # numeric first: an empty treatment frame leaves an object column
        scores["contacts"] = pd.to_numeric(scores["contacts"], errors="coerce").fillna(0.0)
        scores["action"] = scores["action"].fillna("")
        report = engine_fairness.audit(history, scores, as_of=pd.Timestamp(as_of))
        flags = {}
        for flag in report.flags:
            flags.setdefault((flag.attribute, flag.group), []).append(flag.message)
        values = []
        for group in report.groups:
            ratios = [group.ratios.get(name) for name in IMPACT_RATIOS]
            ratios = [finite(r) for r in ratios if r is not None and finite(r) > 0]
            messages = flags.get((group.attribute, group.group), [])
            values.append(
                {
                    "company_id": company.id,
                    "run_date": as_of,
                    "attribute": group.attribute,
                    "group_name": group.group or self.env._("(unknown)"),
                    "n_invoices": group.n_invoices,
                    "n_customers": group.n_customers,
                    "judged": group.judged,
                    "n_outcomes": group.n_outcomes,
                    "contacts_per_customer": finite(group.contacts_per_customer),
                    "impact_ratio": min(ratios) if ratios else 0.0,
                    "false_positive_gap": 100.0 * finite(group.ratios.get("false_positive_gap", 0)),
                    "false_negative_gap": 100.0 * finite(group.ratios.get("false_negative_gap", 0)),
                    "flagged": bool(messages),
                    "flags": "\n".join(messages),
                    **{
                        name: 100.0 * finite(getattr(group, name))
                        for name in (
                            "mean_score",
                            "median_score",
                            "p90_score",
                            "share_high",
                            "false_positive_rate",
                            "false_negative_rate",
                            "share_review",
                            "share_agency",
                        )
                    },
                }
            )
        return self.create(values)
