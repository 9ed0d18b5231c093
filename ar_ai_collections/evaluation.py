"""Honest, time-based evaluation of the risk models against naive baselines.

:func:`evaluate` trains on what was known at a split date and tests on the
invoices issued after it, each scored at its issue date with only the history
known then. :func:`weekly_backtest` follows the production protocol: train
once at a cut-off, then every week after it score the invoices issued that
week and not yet due, with the history known at the end of that week.

Every model figure sits next to naive baselines measured on the SAME rows:

* late payment: the customer's share of late invoices among those settled by
  then (population share for customers without any);
* days late: the customer's mean days late so far (population mean for new
  customers) and "pays on the due date" (0 days late).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .constants import DEFAULT_HORIZON_DAYS, DEFAULT_LATE_DAYS
from .features import _days, _Stream, build_snapshot_features
from .scoring import RiskModel
from .training import (
    NotEnoughHistoryError,
    brier,
    default_as_of,
    ece,
    pr_auc,
    roc_auc,
    train_model,
)


@dataclass
class EvaluationReport:
    """Figures of a time-based evaluation (model next to baselines, same rows)."""

    protocol: str
    split_date: str
    end_date: str
    n_train: int
    n_test: int
    late_rate: float
    model: dict
    baseline: dict
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "protocol": self.protocol,
            "split_date": self.split_date,
            "end_date": self.end_date,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "late_rate": self.late_rate,
            "model": self.model,
            "baseline": self.baseline,
            **self.extra,
        }

    def summary(self) -> str:
        def fmt(value) -> str:
            return "n/a" if value is None or not np.isfinite(value) else f"{value:.3f}"

        m, b = self.model, self.baseline
        lines = [
            f"{self.protocol}: trained on history known at {self.split_date}, "
            f"tested on {self.n_test} invoices up to {self.end_date} "
            f"({self.late_rate * 100:.0f}% paid late)",
            f"  AUC (paid late)     model {fmt(m.get('auc'))}   customer late share "
            f"{fmt(b.get('auc'))}",
            f"  PR-AUC              model {fmt(m.get('pr_auc'))}   baseline {fmt(b.get('pr_auc'))}",
            f"  Brier               model {fmt(m.get('brier'))}   baseline {fmt(b.get('brier'))}",
            f"  Calibration (ECE)   model {fmt(m.get('ece'))}   baseline {fmt(b.get('ece'))}",
            f"  Days-late MAE       model {fmt(m.get('mae_days'))}   customer mean "
            f"{fmt(b.get('mae_days'))}   pays on due date {fmt(b.get('mae_days_due_date'))}",
        ]
        if m.get("default_auc") is not None:
            lines.append(f"  AUC (unpaid 90d)    model {fmt(m.get('default_auc'))}")
        return "\n".join(lines)


def naive_baselines(
    history: pd.DataFrame, rows: np.ndarray, as_of_days: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Customer's late share and mean days late from invoices settled by each date."""
    codes, _ = pd.factorize(history["customer_id"], sort=False)
    codes = codes.astype(np.int64)
    due, paid = _days(history["due_date"]), _days(history["paid_date"])
    s = history["paid_date"].notna().to_numpy()
    days_late = (paid[s] - due[s]).astype(np.float64)
    stream = _Stream(codes[s], paid[s], {"late": (days_late > 0) * 1.0, "dl": days_late})
    lo, hi = stream.bounds(codes[rows], as_of_days)
    n = hi - lo
    pop_order = np.argsort(paid[s], kind="stable")
    pop_cnt = np.searchsorted(paid[s][pop_order], as_of_days, side="right")
    cum_late = np.concatenate(([0.0], np.cumsum((days_late > 0)[pop_order])))
    cum_dl = np.concatenate(([0.0], np.cumsum(days_late[pop_order])))
    pop_late = np.where(pop_cnt > 0, cum_late[pop_cnt] / np.maximum(pop_cnt, 1), 0.5)
    pop_dl = np.where(pop_cnt > 0, cum_dl[pop_cnt] / np.maximum(pop_cnt, 1), 0.0)
    share = np.where(n > 0, stream.total("late", lo, hi) / np.maximum(n, 1), pop_late)
    mean_dl = np.where(n > 0, stream.total("dl", lo, hi) / np.maximum(n, 1), pop_dl)
    return share, mean_dl


def _score_rows(
    model: RiskModel,
    history: pd.DataFrame,
    rows: np.ndarray,
    as_of_days: np.ndarray,
    end: pd.Timestamp,
    late_days: int,
    horizon_days: int,
) -> dict:
    """Model and baseline figures on ``rows`` scored at ``as_of_days``."""
    t_end = _days(np.array([end.to_datetime64()]))[0]
    due, paid = _days(history["due_date"])[rows], _days(history["paid_date"])[rows]
    settled = history["paid_date"].notna().to_numpy()[rows] & (paid <= t_end)
    deadline = due + late_days
    # outcome known for the whole cohort only once the deadline has passed
    # (keeping recent invoices only when already paid would favour early payers)
    known = deadline < t_end
    rows, as_of_days = rows[known], as_of_days[known]
    due, paid, settled, deadline = due[known], paid[known], settled[known], deadline[known]
    y = ~settled | (paid > deadline)
    X = build_snapshot_features(history, rows, as_of_days)
    p_late, p_default, days = model.predict(X)
    share, mean_dl = naive_baselines(history, rows, as_of_days)
    model_m = {
        "auc": roc_auc(y, p_late),
        "pr_auc": pr_auc(y, p_late),
        "brier": brier(y, p_late),
        "ece": ece(y, p_late),
    }
    base_m = {
        "auc": roc_auc(y, share),
        "pr_auc": pr_auc(y, share),
        "brier": brier(y, share),
        "ece": ece(y, share),
    }
    if settled.any():
        actual = (paid[settled] - due[settled]).astype(float)
        model_m["mae_days"] = float(np.mean(np.abs(days[settled] - actual)))
        base_m["mae_days"] = float(np.mean(np.abs(mean_dl[settled] - actual)))
        base_m["mae_days_due_date"] = float(np.mean(np.abs(actual)))
    horizon_known = due + horizon_days <= t_end
    if horizon_known.any():
        y_def = ~settled[horizon_known] | (paid[horizon_known] > due[horizon_known] + horizon_days)
        model_m["default_auc"] = roc_auc(y_def, p_default[horizon_known])
        model_m["default_rate"] = float(y_def.mean())
    clean = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in model_m.items()
    }
    clean_b = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in base_m.items()
    }
    return {
        "n": len(rows),
        "late_rate": float(y.mean()) if len(y) else 0.0,
        "model": clean,
        "baseline": clean_b,
    }


def evaluate(
    history: pd.DataFrame,
    split_date=None,
    late_days: int = DEFAULT_LATE_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    progress: Callable[[str], None] | None = None,
) -> EvaluationReport:
    """Train on history known at ``split_date``, test on invoices issued after it.

    ``split_date`` defaults to the date by which 75% of the invoices were issued.
    """
    end = default_as_of(history)
    if split_date is None:
        split = pd.Timestamp(history["invoice_date"].quantile(0.75)).normalize()
    else:
        split = pd.Timestamp(split_date).normalize()
    if split >= end:
        raise NotEnoughHistoryError(
            f"split date {split.date()} leaves nothing to test (history ends {end.date()})"
        )
    trained = train_model(
        history,
        as_of=split,
        late_days=late_days,
        horizon_days=horizon_days,
        version="evaluation",
        progress=progress,
    )
    model = RiskModel.from_bytes(trained.onnx_bytes)
    inv = history["invoice_date"]
    rows = np.flatnonzero(((inv > split) & (inv <= end)).to_numpy())
    res = _score_rows(
        model, history, rows, _days(inv.to_numpy()[rows]), end, late_days, horizon_days
    )
    return EvaluationReport(
        protocol="time split",
        split_date=str(split.date()),
        end_date=str(end.date()),
        n_train=trained.metadata.n_rows,
        n_test=res["n"],
        late_rate=res["late_rate"],
        model=res["model"],
        baseline=res["baseline"],
        extra={"train_metrics": trained.metadata.metrics},
    )


def weekly_backtest(
    history: pd.DataFrame,
    cutoff,
    late_days: int = DEFAULT_LATE_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    model: RiskModel | None = None,
    progress: Callable[[str], None] | None = None,
) -> EvaluationReport:
    """Train once at ``cutoff``; each later week, score the invoices issued that
    week and not yet due, with only the history known at the end of that week.

    Outcomes are read at the end of the history (rows whose outcome is still
    unknown then are left out). Pass ``model`` to backtest an existing model.
    """
    cutoff = pd.Timestamp(cutoff).normalize()
    end = default_as_of(history)
    n_train = 0
    if model is None:
        trained = train_model(
            history,
            as_of=cutoff,
            late_days=late_days,
            horizon_days=horizon_days,
            version="backtest",
            progress=progress,
        )
        model = RiskModel.from_bytes(trained.onnx_bytes)
        n_train = trained.metadata.n_rows
    t_cut = _days(np.array([cutoff.to_datetime64()]))[0]
    t_end = _days(np.array([end.to_datetime64()]))[0]
    inv, due, paid = (
        _days(history["invoice_date"]),
        _days(history["due_date"]),
        _days(history["paid_date"]),
    )
    week = (inv - t_cut - 1) // 7  # week 0 = the 7 days after the cutoff
    week_end = t_cut + 7 * (week + 1)
    ok = (inv > t_cut) & (week_end <= t_end) & (due > week_end) & (paid > week_end)
    rows = np.flatnonzero(ok)
    res = _score_rows(model, history, rows, week_end[rows], end, late_days, horizon_days)
    return EvaluationReport(
        protocol="weekly backtest",
        split_date=str(cutoff.date()),
        end_date=str(end.date()),
        n_train=n_train,
        n_test=res["n"],
        late_rate=res["late_rate"],
        model=res["model"],
        baseline=res["baseline"],
        extra={"weeks": int(week[rows].max() + 1) if len(rows) else 0},
    )
