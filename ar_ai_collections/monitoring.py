"""Monitoring of the risk model in production: realized accuracy, drift, alerts.

Input: a *prediction log*, one row per invoice scored at a date, with
``invoice_id, snapshot_date, model, p_late`` (or ``p_paid_30``) and optionally
``expected_date`` and ``band``; and the history, which later tells what happened.

* **Realized outcome** (:func:`realized_outcomes`). For ``p_late``: late means
  not paid within ``late_days`` after the due date; it is known from that
  deadline on. For ``p_paid_30``: paid within 30 days of the snapshot, known
  30 days after it. Rows are grouped by the month their outcome became known,
  so a monthly run judges the predictions that matured that month.
* **Realized AUC** (rank-based, ties at mid-rank), **Brier score** ``mean((p -
  y)^2)`` (Brier 1950) and **expected calibration error** ``ECE = sum_b n_b/n
  |mean(p)_b - mean(y)_b|`` over 10 equal-width bins (Naeini et al. 2015), per
  month and per band (the formulas are :mod:`~.training`'s, shared with the
  evaluation).
* **Population stability index** of every feature and of the score against a
  reference (the training sample): ``PSI = sum_i (c_i - r_i) ln(c_i / r_i)``
  over 10 quantile bins of the reference, shares floored at 1e-4 (Siddiqi,
  *Credit Risk Scorecards*, 2006: < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted).
* **Forecast error** of the cash forecast, ``WAPE = sum |actual - forecast| /
  sum actual`` over weeks, the forecast putting each invoice's amount in the
  week of its ``expected_date`` and the actual in the week it was paid.
* :func:`alerts` applies the :class:`Thresholds` (a company's Settings; by
  default realized AUC more than :data:`~.constants.MONITOR_AUC_DROP` below the
  validation AUC, PSI above :data:`~.constants.MONITOR_PSI_ALERT`, ECE above
  :data:`~.constants.MONITOR_ECE_ALERT`, months of :data:`MIN_OUTCOMES` outcomes or more).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .constants import (
    DEFAULT_LATE_DAYS,
    MONITOR_AUC_DROP,
    MONITOR_ECE_ALERT,
    MONITOR_PSI_ALERT,
    PSI_BINS,
)
from .history import invoices_of
from .training import brier, ece, roc_auc

#: Days after the snapshot of the ``p_paid_30`` target.
PAID_WITHIN_DAYS = 30
#: Smallest share of a PSI bin (an empty bin would make the log infinite).
_PSI_FLOOR = 1e-4
#: Fewer realized outcomes than this in a month: its AUC/ECE are not judged.
MIN_OUTCOMES = 50


@dataclass(frozen=True)
class Alert:
    """A monitoring threshold crossed."""

    kind: str  # "auc_drop", "psi", "ece"
    month: str
    subject: str  # "model", a feature name or "score"
    value: float
    threshold: float
    message: str


def realized_outcomes(
    predictions: pd.DataFrame,
    history: pd.DataFrame,
    as_of,
    late_days: int = DEFAULT_LATE_DAYS,
    target: str = "p_late",
) -> pd.DataFrame:
    """The prediction log with ``outcome_date``, ``outcome`` (1/0, NaN if unknown) and ``month``.

    ``target`` is the score column: ``p_late`` or ``p_paid_30`` (see module doc).
    """
    if target not in ("p_late", "p_paid_30"):
        raise ValueError(f"unknown target {target!r} (p_late or p_paid_30)")
    inv = invoices_of(history, predictions["invoice_id"], "predicted")
    out = predictions.copy()
    out["snapshot_date"] = pd.to_datetime(out["snapshot_date"])
    paid = inv["paid_date"].to_numpy()
    if target == "p_late":
        deadline = inv["due_date"].to_numpy() + np.timedelta64(late_days, "D")
        positive = ~(paid <= deadline)  # unpaid (NaT) counts as late
    else:
        deadline = out["snapshot_date"].to_numpy() + np.timedelta64(PAID_WITHIN_DAYS, "D")
        positive = paid <= deadline
    known = deadline < np.datetime64(pd.Timestamp(as_of))
    out["outcome_date"] = deadline
    out["outcome"] = np.where(known, positive.astype(float), np.nan)
    out["month"] = pd.to_datetime(deadline).strftime("%Y-%m")
    return out


def performance(
    outcomes: pd.DataFrame, target: str = "p_late", by: tuple[str, ...] = ("month",)
) -> pd.DataFrame:
    """Realized ``n, n_logged, positive_rate, auc, brier, ece`` per group (``month``, ``band``...).

    ``n_logged`` counts the predictions taken from production's log (the
    ``logged`` column of :func:`.prediction_log.judged_log`; 0 without it).
    """
    known = outcomes[outcomes["outcome"].notna()]
    rows = []
    for key, g in known.groupby(list(by), sort=True):
        y, p = g["outcome"].to_numpy(dtype=bool), g[target].to_numpy(dtype=np.float64)
        rows.append(
            {
                **dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                "n": len(g),
                "n_logged": int(g["logged"].sum()) if "logged" in g else 0,
                "positive_rate": float(y.mean()),
                "mean_score": float(p.mean()),
                "auc": roc_auc(y, p),
                "brier": brier(y, p),
                "ece": ece(y, p),
            }
        )
    return pd.DataFrame(
        rows, columns=[*by, "n", "n_logged", "positive_rate", "mean_score", "auc", "brier", "ece"]
    )


def psi(reference: np.ndarray, current: np.ndarray, bins: int = PSI_BINS) -> float:
    """Population stability index of ``current`` against ``reference`` (module doc)."""
    reference = np.asarray(reference, dtype=np.float64)
    current = np.asarray(current, dtype=np.float64)
    reference, current = reference[np.isfinite(reference)], current[np.isfinite(current)]
    if not len(reference) or not len(current):
        return float("nan")
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    ref = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    cur = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    r = np.maximum(ref / ref.sum(), _PSI_FLOOR)
    c = np.maximum(cur / cur.sum(), _PSI_FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))


def feature_psi(
    reference: np.ndarray, current: np.ndarray, names, bins: int = PSI_BINS
) -> dict[str, float]:
    """PSI of every column (``names`` label the columns of both matrices)."""
    return {n: psi(reference[:, j], current[:, j], bins) for j, n in enumerate(names)}


def wape(actual, forecast) -> float:
    """``sum |actual - forecast| / sum actual`` (NaN when nothing was collected)."""
    actual = np.asarray(actual, dtype=np.float64)
    total = actual.sum()
    if total <= 0:
        return float("nan")
    return float(np.abs(actual - np.asarray(forecast, dtype=np.float64)).sum() / total)


def forecast_wape(
    predictions: pd.DataFrame, history: pd.DataFrame, as_of, by: str = "W"
) -> pd.DataFrame:
    """Cash-forecast WAPE of each snapshot month's predictions (module doc).

    Only the weeks (``by`` is a pandas period alias) ending by ``as_of`` count;
    an invoice scored several times in a month counts once, at its first score.
    """
    as_of = pd.Timestamp(as_of)
    h = history.set_index("invoice_id")
    log = predictions.copy()
    log["snapshot_date"] = pd.to_datetime(log["snapshot_date"])
    log["snapshot_month"] = log["snapshot_date"].dt.strftime("%Y-%m")
    log = log.sort_values("snapshot_date").drop_duplicates(["snapshot_month", "invoice_id"])
    log["amount"] = h["amount"].reindex(log["invoice_id"]).to_numpy()
    paid = pd.to_datetime(h["paid_date"].reindex(log["invoice_id"]).to_numpy())
    expected = pd.to_datetime(log["expected_date"]).to_numpy()
    rows = []
    for month, idx in log.groupby("snapshot_month").indices.items():
        amount = log["amount"].to_numpy()[idx]
        forecast = pd.Series(amount, index=pd.DatetimeIndex(expected[idx]).to_period(by))
        actual = pd.Series(amount, index=pd.DatetimeIndex(paid[idx]).to_period(by))
        forecast = forecast.groupby(level=0).sum()
        actual = actual[actual.index.notna()].groupby(level=0).sum()
        start = log["snapshot_date"].to_numpy()[idx].min()
        periods = forecast.index.union(actual.index)
        ended = periods.end_time < as_of + pd.Timedelta(days=1)  # through the as_of day
        periods = periods[ended & (periods.end_time >= start)]
        a = actual.reindex(periods, fill_value=0.0)
        f = forecast.reindex(periods, fill_value=0.0)
        rows.append(
            {"month": month, "periods": len(periods), "actual": a.sum(), "wape": wape(a, f)}
        )
    return pd.DataFrame(rows, columns=["month", "periods", "actual", "wape"])


@dataclass(frozen=True)
class Thresholds:
    """When a monitoring run alerts (the defaults are :mod:`.constants`')."""

    auc_drop: float = MONITOR_AUC_DROP
    psi_limit: float = MONITOR_PSI_ALERT
    ece_limit: float = MONITOR_ECE_ALERT
    min_outcomes: int = MIN_OUTCOMES


DEFAULT_THRESHOLDS = Thresholds()


def alerts(
    monthly: pd.DataFrame,
    validation_auc: float | None,
    psi_by_subject: Mapping[str, Mapping[str, float]] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    subject: str = "model",
) -> list[Alert]:
    """Thresholds crossed, month by month.

    ``monthly`` is :func:`performance` by month; ``psi_by_subject`` maps a month
    to ``{feature or "score": PSI}``. Months with fewer than
    ``thresholds.min_outcomes`` realized outcomes are not judged on AUC/ECE (too
    noisy). ``subject`` names the model judged (its alerts' subject).
    """
    auc_drop, psi_limit, ece_limit = (
        thresholds.auc_drop,
        thresholds.psi_limit,
        thresholds.ece_limit,
    )
    label = "" if subject == "model" else f"{subject} "
    found: list[Alert] = []
    for row in monthly.itertuples(index=False):
        if row.n < thresholds.min_outcomes:
            continue
        if (
            validation_auc is not None
            and np.isfinite(row.auc)
            and row.auc < validation_auc - auc_drop
        ):
            found.append(
                Alert(
                    "auc_drop",
                    row.month,
                    subject,
                    float(row.auc),
                    validation_auc - auc_drop,
                    f"{row.month}: {label}realized AUC {row.auc:.3f}, "
                    f"validation {validation_auc:.3f} "
                    f"(down {validation_auc - row.auc:.3f}, limit {auc_drop})",
                )
            )
        if row.ece > ece_limit:
            found.append(
                Alert(
                    "ece",
                    row.month,
                    subject,
                    float(row.ece),
                    ece_limit,
                    f"{row.month}: {label}calibration error {row.ece:.3f} above {ece_limit}",
                )
            )
    for month, values in (psi_by_subject or {}).items():
        for subject, value in sorted(values.items(), key=lambda kv: -np.nan_to_num(kv[1])):
            if value > psi_limit:
                found.append(
                    Alert(
                        "psi",
                        month,
                        subject,
                        float(value),
                        psi_limit,
                        f"{month}: {subject} has shifted (PSI {value:.2f} > {psi_limit})",
                    )
                )
    return sorted(found, key=lambda a: (a.month, a.kind, -a.value))


#: Features that move with the calendar or the ledger's age by design (the month;
#: customers' tenure and settled count only grow): reported, never alerted on.
CALENDAR_FEATURES = ("month_sin", "month_cos", "tenure_days", "n_settled_log")


def backtest_auc(
    log: pd.DataFrame, history: pd.DataFrame, deployed, days: int = 90, target: str = "p_late"
) -> float:
    """Realized AUC of the logged predictions maturing in the ``days`` before ``deployed``.

    The baseline of the AUC alert: measured like the monthly realized AUC
    (predictions at issue), unlike the training report's AUC, which also
    scores invoices 30 and 60 days into their life and runs higher.
    """
    deployed = pd.Timestamp(deployed)
    outcomes = realized_outcomes(log, history, deployed, target=target)
    window = outcomes["outcome_date"] >= deployed - pd.Timedelta(days=days)
    known = outcomes[window & outcomes["outcome"].notna()]
    return roc_auc(known["outcome"].to_numpy(dtype=bool), known[target].to_numpy())


@dataclass
class MonitoringReport:
    """One monitoring run: realized performance, drift, forecast error and alerts."""

    run_date: str
    monthly: pd.DataFrame
    by_band: pd.DataFrame
    psi: dict[str, float]
    wape: pd.DataFrame
    alerts: list[Alert]

    def to_dict(self) -> dict:
        """JSON-ready: tables as lists of rows (NaN as null), alerts as dicts."""

        def rows(frame: pd.DataFrame) -> list[dict]:
            return frame.astype(object).where(frame.notna(), None).to_dict("records")

        return {
            "run_date": self.run_date,
            "monthly": rows(self.monthly),
            "by_band": rows(self.by_band),
            "psi": {k: (v if np.isfinite(v) else None) for k, v in self.psi.items()},
            "wape": rows(self.wape),
            "alerts": [alert.__dict__ for alert in self.alerts],
        }


def monitor(
    log: pd.DataFrame,
    history: pd.DataFrame,
    run_date,
    validation_auc: float | None,
    reference: np.ndarray,
    current: np.ndarray,
    feature_names,
    reference_scores: np.ndarray | None = None,
    current_scores: np.ndarray | None = None,
    late_days: int = DEFAULT_LATE_DAYS,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> MonitoringReport:
    """A monthly run at ``run_date``.

    Performance: the logged predictions whose outcome became known in the run's
    month (and the earlier months, for the trend). Drift: the ``current``
    features (and scores), typically :func:`.prediction_log.score_book` at the run date, against
    the ``reference`` ones (the same at the end of the training period). Alerts
    concern the run's month only; :data:`CALENDAR_FEATURES` are not alerted on.
    """
    run = pd.Timestamp(run_date)
    month = run.strftime("%Y-%m")
    drift = feature_psi(reference, current, feature_names)
    if reference_scores is not None and current_scores is not None:
        drift["score"] = psi(reference_scores, current_scores)
    judged = {k: v for k, v in drift.items() if k not in CALENDAR_FEATURES}
    report = monitor_performance(log, history, run, validation_auc, "p_late", late_days, thresholds)
    report.psi = drift
    report.alerts = sorted(
        report.alerts + alerts(report.monthly.iloc[:0], None, {month: judged}, thresholds),
        key=lambda a: (a.month, a.kind, -a.value),
    )
    return report


def monitor_performance(
    log: pd.DataFrame,
    history: pd.DataFrame,
    run_date,
    validation_auc: float | None,
    target: str = "p_late",
    late_days: int = DEFAULT_LATE_DAYS,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    subject: str = "model",
) -> MonitoringReport:
    """The realized accuracy of a prediction log at ``run_date`` (no drift).

    Per month of the outcomes and, for the run's month, per band; the cash
    forecast error when the log has expected dates; alerts on the run's month.
    ``target`` is ``p_late`` (risk model) or ``p_paid_30`` (time to payment).
    """
    run = pd.Timestamp(run_date)
    month = run.strftime("%Y-%m")
    log = log[(pd.to_datetime(log["snapshot_date"]) <= run).to_numpy()]
    outcomes = realized_outcomes(log, history, run, late_days, target)
    monthly = performance(outcomes, target)
    by_band = performance(outcomes[outcomes["month"] == month], target, by=("month", "band"))
    found = alerts(
        monthly[monthly["month"] == month], validation_auc, thresholds=thresholds, subject=subject
    )
    wape = forecast_wape(log, history, run) if "expected_date" in log else pd.DataFrame()
    return MonitoringReport(str(run.date()), monthly, by_band, {}, wape, found)


def add_cli_command(sub) -> None:
    """Register ``monitor --history H.csv --predictions P.csv --as-of D --out M.json``."""
    import json
    from pathlib import Path

    from .cli import EXIT_OK, _auc, _date, _days, _load, _UsageError, _write_json

    def run(args, say) -> int:
        history = _load(args.history, say)
        try:
            log = pd.read_csv(
                args.predictions, dtype={"invoice_id": str, "band": str}, keep_default_na=False
            )
        except FileNotFoundError as error:
            raise _UsageError(f"predictions file not found: {args.predictions}") from error
        missing = {"invoice_id", "snapshot_date", args.target} - set(log.columns)
        if missing:
            raise _UsageError(
                f"{args.predictions}: missing column(s) {', '.join(sorted(missing))} "
                "(a prediction log: invoice_id, snapshot_date, the answer)"
            )
        log[args.target] = pd.to_numeric(log[args.target], errors="coerce")
        bad = ~log[args.target].between(0.0, 1.0)
        if bad.any():
            raise _UsageError(
                f"{args.predictions} line {int(np.flatnonzero(bad)[0]) + 2}: "
                f"{args.target} must be a probability between 0 and 1"
            )
        for column in ("snapshot_date", "expected_date"):
            if column in log:
                log[column] = pd.to_datetime(log[column], errors="coerce")
                if log[column].isna().any():
                    line = int(np.flatnonzero(log[column].isna())[0]) + 2
                    raise _UsageError(f"{args.predictions} line {line}: invalid {column}")
        report = monitor_performance(
            log,
            history,
            args.as_of,
            args.validation_auc,
            args.target,
            args.late_days,
            subject="model" if args.target == "p_late" else "ttp",
        )
        _write_json(args.out, report.to_dict())
        say(f"monitoring written to {args.out}")
        print(json.dumps({"months": len(report.monthly), "alerts": len(report.alerts)}))
        return EXIT_OK

    p = sub.add_parser(
        "monitor", help="realized accuracy and alerts of a prediction log (a model's answers)"
    )
    p.add_argument("--history", type=Path, required=True)
    p.add_argument(
        "--predictions",
        type=Path,
        required=True,
        help="invoice_id, snapshot_date, the answer (--target), optional band, expected_date",
    )
    p.add_argument("--as-of", type=_date, required=True, help="the run date")
    p.add_argument("--target", choices=("p_late", "p_paid_30"), default="p_late")
    p.add_argument(
        "--validation-auc", type=_auc, default=None, help="baseline of the AUC alert (0-1)"
    )
    p.add_argument("--late-days", type=_days, default=DEFAULT_LATE_DAYS)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=run)
