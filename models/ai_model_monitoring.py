"""Monitoring of the payment-risk model in production: accuracy, drift and alerts.

The monthly job (:meth:`ai.collection.kpi._refresh`) asks the engine
(:mod:`..ar_ai_collections.monitoring`) for the predictions at issue of the last
year (each invoice's first answer in the scoring runs' log,
:mod:`.ai_risk_prediction`; re-scored at its issue date by today's model where
none was logged then) and what happened to them: realized AUC, calibration error (ECE) and
Brier score per month and per band, the population stability index (PSI) of every
feature and of the score of today's open book against the book the model was
trained on, and the alerts crossing the company's thresholds (Settings). The
time-to-payment model is judged the same way on P(paid within 30 days), and the
cash forecast on its weekly snapshots (expected against collected, WAPE). An
alert becomes a row with a to-do activity for a Collections manager, a message
on the model's chatter, and makes the company's next retraining mandatory.
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
    ("forecast", "Forecast week"),
    ("alert", "Alert"),
]
MODEL_TYPE_SELECTION = [("risk", "Late-payment risk"), ("ttp", "Time to payment")]

# The cash forecast's one-week-ahead figures: each weekly snapshot's first week,
# all groups summed, for the weeks ended by the run date.
_FORECAST_WEEKS_SQL = """
    SELECT date_start, sum(expected_amount) AS expected, sum(actual_amount) AS collected
      FROM ai_cash_forecast
     WHERE company_id = %(company_id)s AND is_snapshot AND week = 1
       AND date_start >= %(since)s AND date_end < %(run)s
     GROUP BY date_start
     ORDER BY date_start
"""
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
    model_type = fields.Selection(
        MODEL_TYPE_SELECTION,
        required=True,
        default="risk",
        readonly=True,
        index=True,
        help="Late-payment risk: P(late) judged on payment after the due date (+ grace). "
        "Time to payment: P(paid within 30 days of the snapshot) and the cash forecast.",
    )
    kind = fields.Selection(KIND_SELECTION, required=True, readonly=True, index=True)
    run_date = fields.Date(required=True, readonly=True, index=True)
    month = fields.Date(readonly=True, help="Month the outcomes became known (first day).")
    band = fields.Selection(RISK_BAND_SELECTION, readonly=True)
    subject = fields.Char(readonly=True, help="Drift and alerts: a feature, score or model.")
    n = fields.Integer(string="Outcomes", readonly=True)
    n_logged = fields.Integer(
        string="Logged Answers",
        readonly=True,
        help="Outcomes whose prediction is the scoring run's own answer at issue (the "
        "prediction log); the others were re-scored at their issue date by the "
        "model monitored, as no run had logged an answer then.",
    )
    positive_rate = fields.Float(
        string="Positive (%)",
        readonly=True,
        aggregator="avg",
        help="Risk model: paid late; time to payment: paid within 30 days.",
    )
    mean_score = fields.Float(string="Mean Prediction (%)", readonly=True, aggregator="avg")
    auc = fields.Float(string="AUC", readonly=True, aggregator="avg", digits=(4, 3))
    ece = fields.Float(string="ECE", readonly=True, aggregator="avg", digits=(4, 3))
    brier = fields.Float(readonly=True, aggregator="avg", digits=(4, 3))
    psi = fields.Float(string="PSI", readonly=True, aggregator="max", digits=(4, 3))
    validation_auc = fields.Float(string="Validation AUC", readonly=True, digits=(4, 3))
    alert_kind = fields.Selection(ALERT_SELECTION, readonly=True)
    value = fields.Float(readonly=True, digits=(4, 3), aggregator=None)
    threshold = fields.Float(readonly=True, digits=(4, 3), aggregator=None)
    message = fields.Char(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    expected_amount = fields.Monetary(string="Expected", readonly=True)
    collected_amount = fields.Monetary(string="Collected", readonly=True)
    wape = fields.Float(
        string="Forecast Error (WAPE %)",
        readonly=True,
        aggregator="avg",
        help="|collected - expected| / collected of the week forecast a week ahead.",
    )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _refresh_company(self, company, history, as_of):
        """Monitor the scoring model of ``company`` at ``as_of``; return the
        prediction log (``None`` without history), which the fairness audit reuses."""
        from ..ar_ai_collections import monitoring as engine_monitoring
        from ..ar_ai_collections import prediction_log as engine_prediction_log

        if history is None:
            return None
        model, record, _is_default = self.env["ai.risk.scoring"]._get_scoring_model(company)
        run = pd.Timestamp(as_of)
        deployed = _deployed(record, run)
        first = history["invoice_date"].min()
        start = max(first, min(deployed, run - pd.DateOffset(months=MONITORED_MONTHS)))
        reconstructed, _ = engine_prediction_log.log_predictions(model, history, start, run)
        # The baseline is the model's own backtest: its answers before deployment.
        validation = engine_monitoring.backtest_auc(reconstructed, history, deployed)
        if not np.isfinite(validation):
            validation = record.auc if record and record.auc else None
        predictions = self.env["ai.risk.prediction"]
        predictions._prune(company, run)
        logged = predictions._first_answers(company, start, run)
        log = engine_prediction_log.judged_log(reconstructed, logged, history, "p_late")
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
        thresholds = company._ai_monitor_thresholds()
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
            thresholds=thresholds,
        )
        if min(len(scores), max(len(b[0]) for b in books)) < thresholds.min_outcomes:
            # Too few open invoices for 10 quantile bins: the PSI is shown, not alerted on.
            report.alerts = [alert for alert in report.alerts if alert.kind != "psi"]
        self._store(company, record, run.date(), report, validation, model.metadata.version)
        self._refresh_ttp(company, history, run, thresholds)
        return log

    @api.model
    def _refresh_ttp(self, company, history, run, thresholds):
        """Judge the time-to-payment model's P(paid within 30 days) and the cash
        forecast of ``company`` at ``run``."""
        from ..ar_ai_collections import monitoring as engine_monitoring
        from ..ar_ai_collections.prediction_log import judged_log, log_ttp_predictions

        model, record = self.env["ai.risk.scoring"]._get_ttp_model(company)
        deployed = _deployed(record, run)
        start = max(
            history["invoice_date"].min(),
            min(deployed, run - pd.DateOffset(months=MONITORED_MONTHS)),
        )
        reconstructed = log_ttp_predictions(
            model, history, start, run, company._ai_ttp_band_thresholds()
        )
        validation = engine_monitoring.backtest_auc(
            reconstructed, history, deployed, target="p_paid_30"
        )
        if not np.isfinite(validation):
            validation = record.auc if record and record.auc else None
        logged = self.env["ai.risk.prediction"]._first_answers(company, start, run)
        log = judged_log(reconstructed, logged, history, "p_paid_30")
        report = engine_monitoring.monitor_performance(
            log, history, run, validation, "p_paid_30", thresholds=thresholds, subject="ttp"
        )
        self._store(company, record, run.date(), report, validation, model.metadata.version, "ttp")
        self._store_forecast_error(company, record, run, validation)

    @api.model
    def _store_forecast_error(self, company, record, run, validation):
        """One row per week of the last months: the cash forecast made a week ahead
        (its snapshots) against what was collected."""
        from ..ar_ai_collections.monitoring import wape

        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM ai_model_monitoring WHERE company_id = %s AND kind = 'forecast'",
            [company.id],
        )
        since = run - pd.DateOffset(months=MONITORED_MONTHS)
        self.env.cr.execute(
            _FORECAST_WEEKS_SQL,
            {"company_id": company.id, "since": since.date(), "run": run.date()},
        )
        base = {
            "company_id": company.id,
            "model_id": record.id or False,
            "model_type": "ttp",
            "kind": "forecast",
            "run_date": run.date(),
            "validation_auc": validation or 0.0,
        }
        return self.create(
            [
                {
                    **base,
                    "month": week,
                    "expected_amount": expected,
                    "collected_amount": collected,
                    "wape": 100.0 * finite(wape([collected], [expected])),
                }
                for week, expected, collected in self.env.cr.fetchall()
            ]
        )

    @api.model
    def _store(self, company, record, run_date, report, validation, version, model_type="risk"):
        """Replace the ``model_type`` rows of the run's month and raise its new alerts."""
        base = {
            "company_id": company.id,
            "model_id": record.id or False,
            "model_version": version,
            "model_type": model_type,
            "run_date": run_date,
            "validation_auc": validation or 0.0,
        }
        run_month = run_date.replace(day=1)
        self.env.flush_all()
        # Month rows are recomputed over the whole log; band and drift rows per run.
        self.env.cr.execute(
            """
            DELETE FROM ai_model_monitoring
             WHERE company_id = %s AND model_type = %s
               AND (kind = 'month' OR (kind IN ('band', 'drift') AND run_date >= %s))
            """,
            [company.id, model_type, run_month],
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
                ("model_type", "=", base["model_type"]),
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
        company.ai_risk_retrain_required = True
        manager = collections_manager(self.env, company)
        if manager:
            new[0].activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(new[0]),
                summary=self.env._(
                    "%(model)s model monitoring: %(count)s alert(s)",
                    model=dict(MODEL_TYPE_SELECTION)[base["model_type"]],
                    count=len(new),
                ),
                note=self.env._(
                    "Check the model: %(alerts)s. The next monthly retraining is mandatory: "
                    "it retrains the company's models whatever the interval of Settings.",
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


def _deployed(record, run):
    """The day ``record`` (an ai.risk.model, empty for a bundled model) started
    scoring: the day after its training end, else a month before the run."""
    if record and record.train_end:
        return pd.Timestamp(record.train_end) + pd.Timedelta(days=1)
    return run - pd.DateOffset(months=DEFAULT_REFERENCE_AGE_MONTHS)


def _book(model, history, day, n_features):
    """``(scores, features)`` of the invoices open at ``day`` (empty if none)."""
    from ..ar_ai_collections.prediction_log import score_book

    paid = history["paid_date"]
    is_open = (history["invoice_date"] <= day) & (paid.isna() | (paid > day))
    if not is_open.any():
        return np.empty(0), np.empty((0, n_features))
    return score_book(model, history, day)


def _performance(row):
    """Stored values of one row of the engine's performance table."""
    return {
        "month": pd.Timestamp(f"{row['month']}-01").date(),
        "n": int(row["n"]),
        "n_logged": int(row["n_logged"]),
        "positive_rate": 100.0 * finite(row["positive_rate"]),
        "mean_score": 100.0 * finite(row["mean_score"]),
        "auc": finite(row["auc"]),
        "ece": finite(row["ece"]),
        "brier": finite(row["brier"]),
    }
