"""Drift drill: the monitoring checked end to end on a behaviour change it must catch.

A customer segment starts paying later from a date (:func:`inject_payment_delay`);
:func:`drift_drill` monitors a model trained before the change on the changed and the
unchanged ledger, then compares it with a model retrained after the change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .monitoring import CALENDAR_FEATURES, backtest_auc, monitor, performance, realized_outcomes
from .prediction_log import log_predictions, score_book


def inject_payment_delay(
    history: pd.DataFrame, customers, from_date, days: int, end=None
) -> pd.DataFrame:
    """A drill: ``customers`` pay ``days`` later every invoice due from ``from_date`` on.

    Payments pushed past ``end`` (default: the history's last date) become open.
    """
    out = history.copy()
    end = pd.Timestamp(end) if end is not None else pd.Timestamp(out["paid_date"].max())
    hit = out["customer_id"].isin(list(customers)) & (out["due_date"] >= pd.Timestamp(from_date))
    delay = pd.Timedelta(days=days)
    for column in ("paid_date", "first_payment_date"):
        shifted = out.loc[hit, column] + delay
        out.loc[hit, column] = shifted.where(shifted <= end)
    return out


@dataclass
class DrillResult:
    """What the monitoring saw in :func:`drift_drill`.

    ``runs``: one row per scenario (``control``, ``drift``) and monthly run with
    the realized ``auc``, ``ece``, ``n``, the largest judged feature PSI and
    its feature, the score PSI and the alert kinds. ``retraining``: per
    follow-up month, realized AUC and ECE of the first model and of the model
    retrained at the last drift run, on the same invoices.
    """

    validation_auc: float
    runs: pd.DataFrame
    retraining: pd.DataFrame


def drift_drill(
    history: pd.DataFrame,
    customers,
    change_date,
    delay_days: int = 30,
    runs: int = 2,
    followup_runs: int = 3,
    validation_days: int = 90,
    reference_months: int = 3,
    train=None,
) -> DrillResult:
    """Check the monitoring end to end on a behaviour change it must catch.

    ``customers`` start paying ``delay_days`` later from ``change_date``
    (:func:`inject_payment_delay`). A model is trained ``validation_days``
    before the change, its validation AUC measured on the predictions that
    matured in between (out of sample, :func:`backtest_auc`), and the open books
    of its last ``reference_months`` month ends are the drift reference. It is
    monitored at the ``runs`` month ends from the change, on the unchanged history
    (``control``) and on the changed one (``drift``); then a model retrained at
    the last run is compared with the first one over ``followup_runs`` more
    months. ``train(history, as_of)`` returns a :class:`~.scoring.RiskModel`
    (default: :func:`~.training.train_model`, exported to ONNX and loaded).
    """
    from .features import FEATURE_NAMES

    if train is None:
        train = _train_onnx
    change = pd.Timestamp(change_date)
    drifted = inject_payment_delay(history, customers, change, delay_days)
    month_ends = pd.date_range(change, periods=runs + followup_runs, freq="ME")
    model = train(history, change - pd.Timedelta(days=1))
    reference_dates = pd.date_range(
        end=change - pd.Timedelta(days=1), periods=reference_months, freq="ME"
    )
    window = (change - pd.Timedelta(days=180), month_ends[-1])
    rows, validation = [], float("nan")
    for scenario, hist in (("control", history), ("drift", drifted)):
        log, _ = log_predictions(model, hist, *window)
        validation = backtest_auc(log, hist, change, validation_days)
        books = [score_book(model, hist, d) for d in reference_dates]
        ref_scores = np.concatenate([b[0] for b in books])
        ref_X = np.vstack([b[1] for b in books])
        for number, run in enumerate(month_ends[:runs], start=1):
            scores, X = score_book(model, hist, run)
            report = monitor(
                log, hist, run, validation, ref_X, X, FEATURE_NAMES, ref_scores, scores
            )
            month = report.monthly[report.monthly["month"] == run.strftime("%Y-%m")]
            judged = {k: v for k, v in report.psi.items() if k not in CALENDAR_FEATURES}
            worst = max(judged, key=lambda k: np.nan_to_num(judged[k]))
            rows.append(
                {
                    "scenario": scenario,
                    "run": number,
                    "run_date": report.run_date,
                    "auc": float(month["auc"].iloc[0]) if len(month) else float("nan"),
                    "ece": float(month["ece"].iloc[0]) if len(month) else float("nan"),
                    "n": int(month["n"].iloc[0]) if len(month) else 0,
                    "max_psi_feature": worst,
                    "max_psi": judged[worst],
                    "score_psi": report.psi.get("score", float("nan")),
                    "alerts": sorted({a.kind for a in report.alerts}),
                }
            )
    retrained = train(drifted, month_ends[runs - 1])
    start = month_ends[runs - 1] + pd.Timedelta(days=1)
    outcomes = {}
    for name, m in (("first", model), ("retrained", retrained)):
        log, _ = log_predictions(m, drifted, start, month_ends[-1])
        outcomes[name] = performance(realized_outcomes(log, drifted, month_ends[-1])).set_index(
            "month"
        )
    follow = []
    for run in month_ends[runs:]:
        month = run.strftime("%Y-%m")
        if month not in outcomes["first"].index:
            continue
        first, new = outcomes["first"].loc[month], outcomes["retrained"].loc[month]
        follow.append(
            {
                "month": month,
                "n": int(first["n"]),
                "auc_first": float(first["auc"]),
                "auc_retrained": float(new["auc"]),
                "ece_first": float(first["ece"]),
                "ece_retrained": float(new["ece"]),
            }
        )
    return DrillResult(validation, pd.DataFrame(rows), pd.DataFrame(follow))


def _train_onnx(history: pd.DataFrame, as_of):
    """The production path: train, export to ONNX, load the ONNX model."""
    from .scoring import RiskModel
    from .training import train_model

    return RiskModel.from_bytes(train_model(history, as_of=as_of).onnx_bytes)
