"""Backtest of the time-to-payment model and cash forecast, with two baselines.

Protocol (production-like): cut dates every ``step_days`` over the last
``test_share`` of the history's time span; the model is trained ONCE on what
was known at the first cut; at every cut, EVERY invoice open that day (not yet
due and overdue alike) is scored with only what was known then (a dispute
flag counts only from its ``dispute_date``, i.e. never for an open invoice of
a history without one). Outcomes are read at the end of the history.

Figures, each on the same rows for the model and both baselines:

* payment-date MAE (days), on the rows paid by the end of the history;
* AUC and ECE of P(paid within 30 days), on rows whose 30-day outcome is known;
* 13-week weekly-collections WAPE: ``sum |forecast - actual| / sum actual``
  over every (cut, week) with the week fully observed; actual = amounts of the
  invoices open at the cut paid that week.

Baselines:

* (a) ``customer mean``: due date + the customer's mean days late so far
  (population mean for new customers), never before the day after the cut;
  its P(paid within 30 days) is the 0/1 "that date is within 30 days" and its
  forecast puts each amount in the week of that date;
* (b) ``Kaplan-Meier``: population survival curves of the time to payment by
  days-overdue bucket at the snapshot, estimated (life table, weekly) on the
  snapshots known at the first cut, read exactly like the model's curves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .evaluation import naive_baselines
from .features import _days, open_mask
from .forecast import weekly_pmf
from .survival import DEFAULT_KIND, HORIZON_WEEKS, build_snapshots
from .training import NotEnoughHistoryError, default_as_of, ece, roc_auc
from .ttp_calibration import calibrate_company
from .ttp_curves import survival_days, survival_quantile_days
from .ttp_model import TTPModel, train_ttp_model

#: Days-overdue bucket edges of the Kaplan-Meier baseline (lower bounds).
KM_BUCKET_EDGES = (0, 31, 61, 91)
KM_BUCKET_LABELS = ("not due", "0-30", "31-60", "61-90", "90+")
#: Goals (README): MAE vs baseline (a), WAPE vs the better baseline, ECE.
MAE_GOAL = 0.15
WAPE_GOAL = 0.20
ECE_GOAL = 0.05


def _bucket(days_overdue: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.asarray(KM_BUCKET_EDGES), days_overdue, side="right")


def km_curves(history: pd.DataFrame, as_of, weeks: int = HORIZON_WEEKS) -> np.ndarray:
    """Weekly life-table survival curves per days-overdue bucket (buckets x weeks).

    From every weekly snapshot of an open invoice up to ``as_of``: week ``j``
    hazard = payments in week ``j`` / snapshots unpaid and observed through it.
    """
    snaps = build_snapshots(history, as_of, max_rows=np.iinfo(np.int64).max)
    due = _days(history["due_date"])[snaps.rows]
    bucket = _bucket(snaps.snapshot_days - due)
    reach = np.minimum(np.minimum(snaps.event_week, snaps.observed_weeks), weeks)
    event = snaps.event_week <= np.minimum(snaps.observed_weeks, weeks)
    curves = np.ones((len(KM_BUCKET_LABELS), weeks))
    for b in range(len(KM_BUCKET_LABELS)):
        sel = bucket == b
        if not sel.any():
            continue
        counts = np.bincount(reach[sel], minlength=weeks + 1)
        at_risk = np.cumsum(counts[::-1])[::-1][1 : weeks + 1]
        events = np.bincount(snaps.event_week[sel & event], minlength=weeks + 1)[1 : weeks + 1]
        hazard = np.where(at_risk > 0, events / np.maximum(at_risk, 1), np.nan)
        hazard = pd.Series(hazard).ffill().fillna(0.0).to_numpy()
        curves[b] = np.cumprod(1 - hazard)
    return curves


@dataclass
class TTPBacktestReport:
    """Backtest figures: ``figures[metric][method]`` with methods model/customer_mean/km."""

    train_end: str
    end_date: str
    cuts: int
    n_rows: int
    n_paid: int
    n_labelled_30d: int
    figures: dict
    goals: dict
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "train_end": self.train_end,
            "end_date": self.end_date,
            "cuts": self.cuts,
            "n_rows": self.n_rows,
            "n_paid": self.n_paid,
            "n_labelled_30d": self.n_labelled_30d,
            "figures": self.figures,
            "goals": self.goals,
            **self.extra,
        }

    def summary(self) -> str:
        def fmt(v) -> str:
            return "n/a" if v is None or not np.isfinite(v) else f"{v:.3f}"

        f = self.figures
        lines = [
            f"time to payment: trained at {self.train_end}, {self.cuts} cuts every "
            f"{self.extra.get('step_days', 14)} days to "
            f"{self.end_date}, {self.n_rows} open invoice-cuts ({self.n_paid} paid by the end)",
            f"  {'':<26}{'model':>9}{'cust. mean':>12}{'K-M bucket':>12}",
        ]
        for key, label in (
            ("mae_days", "payment-date MAE (days)"),
            ("auc_30d", "AUC P(paid in 30 days)"),
            ("ece_30d", "ECE P(paid in 30 days)"),
            ("wape_13w", "13-week WAPE"),
        ):
            row = f[key]
            lines.append(
                f"  {label:<26}{fmt(row['model']):>9}{fmt(row['customer_mean']):>12}"
                f"{fmt(row['km']):>12}"
            )
        lines.append(
            "  goals: "
            + ", ".join(f"{k} {'MET' if v else 'not met'}" for k, v in self.goals.items())
        )
        return "\n".join(lines)


def backtest_time_to_payment(
    history: pd.DataFrame,
    step_days: int = 14,
    test_share: float = 0.4,
    weeks: int = 13,
    kind: str = DEFAULT_KIND,
    model: TTPModel | None = None,
    progress: Callable[[str], None] | None = None,
    retrain_every: int = 0,
    calibrate: bool = True,
) -> TTPBacktestReport:
    """Run the backtest described in the module doc (pass ``model`` to skip training).

    ``retrain_every = n > 0`` retrains the model at every n-th cut on what was
    known then (as a company retraining on schedule would), instead of once.
    ``calibrate``: each model it trains gets the company calibration Odoo
    applies (:func:`~.ttp_calibration.calibrate_company` at its training date, from
    30-day outcomes known by then), so the figures are those of what ships.
    """

    def train(as_of) -> TTPModel:
        trained = train_ttp_model(history, as_of=as_of, kind=kind, version="backtest")
        fitted = TTPModel.from_bytes(trained.onnx_bytes)
        if calibrate:
            fitted.calibration = calibrate_company(fitted, history, as_of=as_of)
        return fitted

    say = progress or (lambda _msg: None)
    end = default_as_of(history)
    start = pd.Timestamp(history["invoice_date"].min()).normalize()
    first = end - pd.Timedelta(days=round((end - start).days * test_share))
    cuts = pd.date_range(first, end - pd.Timedelta(days=7), freq=f"{step_days}D")
    if not len(cuts):
        raise NotEnoughHistoryError("history too short for a time-to-payment backtest")
    if model is None:
        say(f"training the model on what was known at {first.date()}")
        model = train(first)
    km = km_curves(history, first, HORIZON_WEEKS)
    t_end = _days(np.array([end.to_datetime64()]))[0]
    due_all, paid_all = _days(history["due_date"]), _days(history["paid_date"])
    amount_all = history["amount"].to_numpy(dtype=np.float64)

    acc: dict[str, list] = {k: [] for k in ("err_m", "err_a", "err_b", "y30", "p_m", "p_a", "p_b")}
    acc.update(bucket_paid=[])
    wape = {"model": [0.0, 0.0], "customer_mean": [0.0, 0.0], "km": [0.0, 0.0]}
    n_rows = 0
    for i, cut in enumerate(cuts):
        if retrain_every and i and i % retrain_every == 0:
            model = train(cut)
        rows = np.flatnonzero(open_mask(history, cut))
        if not len(rows):
            continue
        t = _days(np.array([cut.to_datetime64()]))[0]
        n_rows += len(rows)
        scores = model.score_rows(history, rows, cut)
        due, paid, amount = due_all[rows], paid_all[rows], amount_all[rows]
        is_paid = paid <= t_end
        # (a) due date + customer's mean days late, at least the day after the cut
        _, mean_dl = naive_baselines(history, rows, np.full(len(rows), t))
        day_a = np.maximum(due + np.rint(mean_dl).astype(np.int64), t + 1)
        # (b) Kaplan-Meier by days-overdue bucket
        S_b = km[_bucket(t - due)]
        day_b = t + np.maximum(np.ceil(survival_quantile_days(S_b, 0.5) - 1e-9), 1)
        day_m = _days(scores.frame["predicted_pay_date"].to_numpy())
        acc["err_m"].append(np.abs(day_m - paid)[is_paid])
        acc["err_a"].append(np.abs(day_a - paid)[is_paid])
        acc["err_b"].append(np.abs(day_b - paid)[is_paid])
        acc["bucket_paid"].append(_bucket(t - due)[is_paid])
        known = (paid <= t + 30) | (t + 30 <= t_end)
        acc["y30"].append((paid <= t + 30)[known])
        acc["p_m"].append(scores.frame["p_paid_30d"].to_numpy()[known])
        acc["p_a"].append((day_a <= t + 30)[known].astype(float))
        acc["p_b"].append(1.0 - survival_days(S_b, np.full(len(rows), 30.0))[known])
        n_weeks = int(min(weeks, (t_end - t) // 7))
        if n_weeks < 1:
            continue
        k_paid = (paid - t - 1) // 7  # 0-based week of payment
        actual = np.array([amount[k_paid == k].sum() for k in range(n_weeks)])
        onehot_a = ((day_a - t - 1) // 7)[:, None] == np.arange(n_weeks)[None, :]
        forecasts = {
            "model": (weekly_pmf(scores.survival, n_weeks) * amount[:, None]).sum(axis=0),
            "customer_mean": (onehot_a * amount[:, None]).sum(axis=0),
            "km": (weekly_pmf(S_b, n_weeks) * amount[:, None]).sum(axis=0),
        }
        for name, fc in forecasts.items():
            wape[name][0] += float(np.abs(fc - actual).sum())
            wape[name][1] += float(actual.sum())
        say(f"cut {cut.date()}: {len(rows)} open invoices")

    cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in acc.items()}
    y30 = cat["y30"].astype(bool)

    def mean(v: np.ndarray) -> float | None:
        return float(np.mean(v)) if len(v) else None

    def clean(v):
        return None if v is None or not np.isfinite(v) else round(float(v), 4)

    figures = {
        "mae_days": {
            "model": mean(cat["err_m"]),
            "customer_mean": mean(cat["err_a"]),
            "km": mean(cat["err_b"]),
        },
        "auc_30d": {
            "model": roc_auc(y30, cat["p_m"]),
            "customer_mean": roc_auc(y30, cat["p_a"]),
            "km": roc_auc(y30, cat["p_b"]),
        },
        "ece_30d": {
            "model": ece(y30, cat["p_m"]),
            "customer_mean": ece(y30, cat["p_a"]),
            "km": ece(y30, cat["p_b"]),
        },
        "wape_13w": {k: (v[0] / v[1] if v[1] else None) for k, v in wape.items()},
    }
    figures = {m: {k: clean(v) for k, v in row.items()} for m, row in figures.items()}
    by_bucket = {}
    for b, label in enumerate(KM_BUCKET_LABELS):
        sel = cat["bucket_paid"] == b
        by_bucket[label] = {
            "n": int(sel.sum()),
            "model": clean(mean(cat["err_m"][sel])),
            "customer_mean": clean(mean(cat["err_a"][sel])),
            "km": clean(mean(cat["err_b"][sel])),
        }
    f = figures
    goals = {}
    if f["mae_days"]["model"] is not None and f["mae_days"]["customer_mean"]:
        goals["mae_15pct_below_customer_mean"] = (
            f["mae_days"]["model"] <= (1 - MAE_GOAL) * f["mae_days"]["customer_mean"]
        )
    better = min(
        (v for k, v in f["wape_13w"].items() if k != "model" and v is not None), default=None
    )
    if f["wape_13w"]["model"] is not None and better:
        goals["wape_20pct_below_better_baseline"] = (
            f["wape_13w"]["model"] <= (1 - WAPE_GOAL) * better
        )
    if f["ece_30d"]["model"] is not None:
        goals["ece_at_most_0.05"] = f["ece_30d"]["model"] <= ECE_GOAL
    return TTPBacktestReport(
        train_end=str(first.date()),
        end_date=str(end.date()),
        cuts=len(cuts),
        n_rows=n_rows,
        n_paid=len(cat["err_m"]),
        n_labelled_30d=len(y30),
        figures=figures,
        goals=goals,
        extra={
            "mae_days_by_bucket": by_bucket,
            "kind": kind,
            "retrain_every": retrain_every,
            "step_days": step_days,
        },
    )
