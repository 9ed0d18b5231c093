"""Monitoring of the payment-risk model in production: accuracy, drift and alerts.

The monthly job (:meth:`ai.collection.kpi._refresh`) asks the engine
(:mod:`..ar_ai_collections.monitoring`) for the predictions of the scoring model
over the last year (each invoice scored at its issue date, as the daily scoring
saw it) and what happened to them: realized AUC, calibration error (ECE) and
Brier score per month and per band, the population stability index (PSI) of every
feature and of the score of today's open book against the book the model was
trained on, and the alerts crossing the thresholds. An alert becomes a row with
a to-do activity for a Collections manager and a message on the model's chatter.
"""

import numpy as np
import pandas as pd

from odoo import api, fields, models

from .account_move import RISK_BAND_SELECTION
from .ai_collection_kpi import finite
from .cron_isolation import collections_manager

#: Months of predictions judged by a run (the trend shown on the model).
MONITORED_MONTHS = 12
#: Month ends before the deployment whose open books are the drift reference.
REFERENCE_MONTHS = 3
#: Without a training date (bundled model), the reference is the books of the
#: months before the last one: a sudden change of behaviour shows in the next run.
DEFAULT_REFERENCE_AGE_MONTHS = 1

KIND_SELECTION = [
    ("month", "Month"),
    ("band", "Band"),
    ("drift", "Drift"),
    ("alert", "Alert"),
]
ALERT_SELECTION = [
    ("auc_drop", "AUC drop"),
    ("ece", "Calibration error"),
    ("psi", "Population shift"),
]


class AiModelMonitoring(models.Model):
    _name = "ai.model.monitoring"
    _description = "Risk Model Monitoring"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "run_date desc, kind, month desc, psi desc, id"
    _rec_name = "message"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    model_id = fields.Many2one(
        "ai.risk.model",
        string="Risk Model",
        readonly=True,
        index=True,
        ondelete="cascade",
        help="Empty: the bundled default model.",
    )
    model_version = fields.Char(readonly=True)
    kind = fields.Selection(KIND_SELECTION, required=True, readonly=True, index=True)
    run_date = fields.Date(required=True, readonly=True, index=True)
    month = fields.Date(readonly=True, help="Month the outcomes became known (first day).")
    band = fields.Selection(RISK_BAND_SELECTION, readonly=True)
    subject = fields.Char(readonly=True, help="Drift and alerts: a feature, score or model.")
    n = fields.Integer(string="Outcomes", readonly=True)
    positive_rate = fields.Float(string="Paid Late (%)", readonly=True, aggregator="avg")
    mean_score = fields.Float(string="Mean P(late) (%)", readonly=True, aggregator="avg")
    auc = fields.Float(string="AUC", readonly=True, aggregator="avg", digits=(4, 3))
    ece = fields.Float(string="ECE", readonly=True, aggregator="avg", digits=(4, 3))
    brier = fields.Float(readonly=True, aggregator="avg", digits=(4, 3))
    psi = fields.Float(string="PSI", readonly=True, aggregator="max", digits=(4, 3))
    validation_auc = fields.Float(string="Validation AUC", readonly=True, digits=(4, 3))
    alert_kind = fields.Selection(ALERT_SELECTION, readonly=True)
    value = fields.Float(readonly=True, digits=(4, 3), aggregator=None)
    threshold = fields.Float(readonly=True, digits=(4, 3), aggregator=None)
    message = fields.Char(readonly=True)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _refresh_company(self, company, history, as_of):
        """Monitor the scoring model of ``company`` at ``as_of``; return the
        prediction log (``None`` without history), which the fairness audit reuses."""
        from ..ar_ai_collections import monitoring as engine_monitoring

        if history is None:
            return None
        model, record, _is_default = self.env["ai.risk.scoring"]._get_scoring_model(company)
        run = pd.Timestamp(as_of)
        deployed = (
            pd.Timestamp(record.train_end) + pd.Timedelta(days=1)
            if record and record.train_end
            else run - pd.DateOffset(months=DEFAULT_REFERENCE_AGE_MONTHS)
        )
        first = history["invoice_date"].min()
        start = max(first, min(deployed, run - pd.DateOffset(months=MONITORED_MONTHS)))
        log, _ = engine_monitoring.log_predictions(model, history, start, run)
        validation = engine_monitoring.backtest_auc(log, history, deployed)
        if not np.isfinite(validation):
            validation = record.auc if record and record.auc else None
        names = model.metadata.feature_names
        reference_dates = [
            d
            for d in pd.date_range(
                end=deployed - pd.Timedelta(days=1), periods=REFERENCE_MONTHS, freq="ME"
            )
            if d >= first
        ]
        books = [_book(model, history, d, len(names)) for d in reference_dates]
        books = books or [(np.empty(0), np.empty((0, len(names))))]
        scores, features = _book(model, history, run, len(names))
        report = engine_monitoring.monitor(
            log,
            history,
            run,
            validation,
            np.vstack([b[1] for b in books]),
            features,
            names,
            np.concatenate([b[0] for b in books]),
            scores,
        )
        if min(len(scores), max(len(b[0]) for b in books)) < engine_monitoring.MIN_OUTCOMES:
            # Too few open invoices for 10 quantile bins: the PSI is shown, not alerted on.
            report.alerts = [alert for alert in report.alerts if alert.kind != "psi"]
        self._store(company, record, model.metadata.version, run.date(), report, validation)
        return log

    @api.model
    def _store(self, company, record, version, run_date, report, validation):
        """Replace the rows of the run's month and raise its new alerts."""
        base = {
            "company_id": company.id,
            "model_id": record.id or False,
            "model_version": version,
            "run_date": run_date,
            "validation_auc": validation or 0.0,
        }
        run_month = run_date.replace(day=1)
        self.env.flush_all()
        # Month rows are recomputed over the whole log; band and drift rows per run.
        self.env.cr.execute(
            """
            DELETE FROM ai_model_monitoring
             WHERE company_id = %s
               AND (kind = 'month' OR (kind IN ('band', 'drift') AND run_date >= %s))
            """,
            [company.id, run_month],
        )
        values = [
            {**base, **_performance(row), "kind": "month"}
            for row in report.monthly.to_dict("records")
        ]
        values += [
            {**base, **_performance(row), "kind": "band", "band": row["band"]}
            for row in report.by_band.to_dict("records")
        ]
        values += [
            {**base, "kind": "drift", "month": run_month, "subject": subject, "psi": finite(psi)}
            for subject, psi in report.psi.items()
        ]
        self.create(values)
        self._raise_alerts(company, record, base, run_month, report.alerts)

    @api.model
    def _raise_alerts(self, company, record, base, run_month, alerts):
        """One row per alert of the month and one activity for a manager listing the
        new ones (a run repeated in the month keeps the rows of the alerts still raised)."""
        existing = self.search(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "alert"),
                ("month", "=", run_month),
            ]
        )
        by_key = {(row.alert_kind, row.subject): row for row in existing}
        raised = {(alert.kind, alert.subject): alert for alert in alerts}
        existing.filtered(lambda row: (row.alert_kind, row.subject) not in raised).unlink()
        new = self.create(
            [
                {
                    **base,
                    "kind": "alert",
                    "month": run_month,
                    "alert_kind": alert.kind,
                    "subject": alert.subject,
                    "value": alert.value,
                    "threshold": alert.threshold,
                    "message": alert.message,
                }
                for key, alert in raised.items()
                if key not in by_key
            ]
        )
        if not new:
            return new
        manager = collections_manager(self.env, company)
        if manager:
            new[0].activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(new[0]),
                summary=self.env._("Risk model monitoring: %(count)s alert(s)", count=len(new)),
                note=self.env._(
                    "Check the model and retrain it: %(alerts)s",
                    alerts="; ".join(new.mapped("message")),
                ),
                user_id=manager.id,
            )
        if record:
            record.message_post(
                body=self.env._(
                    "Monitoring alerts: %(alerts)s", alerts="; ".join(new.mapped("message"))
                )
            )
        return new


def _book(model, history, day, n_features):
    """``(scores, features)`` of the invoices open at ``day`` (empty if none)."""
    from ..ar_ai_collections import monitoring as engine_monitoring

    paid = history["paid_date"]
    is_open = (history["invoice_date"] <= day) & (paid.isna() | (paid > day))
    if not is_open.any():
        return np.empty(0), np.empty((0, n_features))
    return engine_monitoring.score_book(model, history, day)


def _performance(row):
    """Stored values of one row of the engine's performance table."""
    return {
        "month": pd.Timestamp(f"{row['month']}-01").date(),
        "n": int(row["n"]),
        "positive_rate": 100.0 * finite(row["positive_rate"]),
        "mean_score": 100.0 * finite(row["mean_score"]),
        "auc": finite(row["auc"]),
        "ece": finite(row["ece"]),
        "brier": finite(row["brier"]),
    }
