"""Time to payment: when will an invoice that is still open today be paid?

The risk model (:mod:`~ar_ai_collections.training`) answers "will this invoice
be paid late?" at issue time. Collections asks a different question every day:
*given that this invoice is still unpaid today, at its age, how likely is it to
be paid within 7, 30 or 90 days, and when?* An invoice 60 days overdue is a
different animal from one issued yesterday, so the answer must be conditioned
on the invoice's current age.

Model: a discrete-time hazard over weekly intervals ("landmarking")
-------------------------------------------------------------------
* **Snapshots.** Every week (a calendar grid ending at the training date),
  every invoice open that day is a snapshot: not yet due, just due, 30/60/90+
  days overdue alike. Its features are computed with only what was known on
  the snapshot day (:func:`ttp_features`).
* **Person-period rows.** A snapshot taken on day ``s`` contributes one row per
  week ``j = 1, 2, ...`` it stays at risk: label 1 if the invoice is paid in
  ``(s + 7(j-1), s + 7j]``, 0 if still unpaid at the end of that week. Weeks not
  fully observed at the training date are dropped: that is right-censoring,
  and it is unbiased because each row only claims "paid this week, given
  unpaid at its start" (the hazard).
* **Hazard.** A classifier ``h(x, j)`` on the snapshot features plus three
  interval features: weeks ahead ``j`` (how stale the snapshot is, capped at
  :data:`TRAIN_WEEKS`), days overdue at the start of week ``j`` and days from
  the start of week ``j`` to the customer's habitual payment day (due date +
  the customer's mean days late). The survival curve follows by the product
  ``S(k) = prod_{j<=k} (1 - h_j)``, over :data:`HORIZON_WEEKS` weeks.

Everything a caller needs is read from that curve: P(paid within 7, 30, 90
days) (log-survival interpolated linearly inside a week, i.e. a constant
hazard within the week, so 7 <= 30 <= 90 holds by construction), P(still
unpaid 90 days after due), the predicted payment date (the curve's median: the
point that minimizes the expected absolute error in days) with its P10-P90
interval, always after the scoring day.

The whole computation, from snapshot features to the three probabilities and
the curve, is ONE ONNX graph (:func:`export_ttp_onnx`): the features are tiled
over the weeks inside the graph, the hazard model scores every (invoice,
week) pair and two matrix products turn ``log(1 - h)`` into the cumulative
curve and the three fixed-horizon probabilities. Scoring needs onnxruntime
only; scikit-learn and skl2onnx are imported lazily by training and export.

The hazard is a *blend*: the average log-odds of a gradient-boosted tree
ensemble (sharp on situations seen in training: payment dates) and a
logistic regression (smooth extrapolation to situations not seen yet, such
as debts older than any in training: calibration and cash totals under
drift). The README section "Time to payment and cash forecast (engine)" has
the backtest figures of the three choices.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .constants import ONNX_ML_OPSET, ONNX_OPSET
from .features import FEATURE_NAMES, MAX_DAYS, PRIOR_WEIGHT, _days, build_snapshot_features
from .scoring import ModelSignatureError

#: Width of one interval of the hazard model, in days.
WEEK_DAYS = 7
#: Length of the survival curve the graph computes (weeks after the scoring day).
HORIZON_WEEKS = 52
#: Weeks ahead a training snapshot is followed; later weeks reuse this staleness.
TRAIN_WEEKS = 13
#: Days between two training snapshots (a weekly scoring run).
SNAPSHOT_STEP_DAYS = 7
#: Cap on person-period training rows (random snapshots beyond it are left out).
MAX_PERIOD_ROWS = 200_000
#: Time constant (days) of the recency weighting of training rows.
RECENCY_TAU_DAYS = 120.0
#: Boosting rounds at most (early stopping on a time-later slice picks fewer).
GBM_MAX_ROUNDS = 150
#: Hazard model kind trained by default (README: "Time to payment and cash forecast").
DEFAULT_KIND = "blend"
#: Horizons (days after the scoring day) of the graph's probability outputs.
PAID_WITHIN_DAYS = (7, 30, 90)
#: "Default": still unpaid this many days after the due date.
DEFAULT_AFTER_DUE_DAYS = 90
#: Quantiles of the payment date: interval low, point prediction, interval high.
DATE_QUANTILES = (0.1, 0.5, 0.9)
#: Predicted dates never lie further than this after the scoring day.
MAX_DAYS_AHEAD = 730
#: Days-overdue thresholds of the customer's "behaviour at similar ages".
AGE_THRESHOLDS = (-MAX_DAYS, 0.0, 15.0, 30.0, 60.0, 90.0)
#: Optional history column: the day a dispute became known (without it, an
#: invoice's dispute flag is known only once the invoice is settled, i.e. never
#: for an open invoice: the history CSV does not say when a dispute was raised).
DISPUTE_DATE_COLUMN = "dispute_date"

METADATA_KEY = "ar_ai_collections_ttp"
INPUT_NAME = "features"
OUTPUT_NAMES = ("p_paid_7d", "p_paid_30d", "p_paid_90d", "survival", "hazard")
DEFAULT_TTP_MODEL_PATH = Path(__file__).parent / "data" / "default_ttp_model.onnx"
_EPS = 1e-6

#: Features added to the risk features: the customer's behaviour at this age.
AGE_FEATURE_NAMES = (
    "cust_mean_days_late",
    "habit_days_to_pay",
    "cust_share_paid_30d_at_age",
    "cust_residual_days_at_age",
    "cust_n_at_age_log",
    "cust_payments_60d_log",
    "cust_due_60d_log",
    "since_pay_vs_usual_gap",
    "overdue_share_open",
)
#: Model input columns (one row per open invoice at the scoring day).
TTP_FEATURE_NAMES: tuple[str, ...] = (*FEATURE_NAMES, *AGE_FEATURE_NAMES)
#: Interval columns the graph appends for week ``j`` (see module doc).
INTERVAL_FEATURE_NAMES = ("week_ahead", "interval_days_overdue", "interval_habit_offset")
#: Features that only restate the invoice's age: phrased as a reason only when
#: nothing else moves the probability.
AGE_ONLY_FEATURES = frozenset({"days_to_due", "invoice_age", "habit_days_to_pay"})


class TTPModelError(ModelSignatureError):
    """The bytes are not a usable time-to-payment model (reason in the message)."""


# --------------------------------------------------------------------------- #
# Features
# --------------------------------------------------------------------------- #
def dispute_known(history: pd.DataFrame, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whether each row's dispute was known on its day ``t`` (day numbers).

    With a ``dispute_date`` column: disputed and raised on or before ``t``.
    Without one, a dispute is taken as known only once the invoice is settled,
    which for an open invoice means not known at all.
    """
    disputed = history["disputed"].to_numpy(dtype=bool)[rows]
    if DISPUTE_DATE_COLUMN in history.columns:
        raised = _days(pd.to_datetime(history[DISPUTE_DATE_COLUMN], errors="coerce"))[rows]
    else:
        raised = _days(history["paid_date"])[rows]
    return disputed & (raised <= t)


def ttp_features(history: pd.DataFrame, rows: np.ndarray, as_of_days) -> np.ndarray:
    """Point-in-time features (float32, len(rows) x len(TTP_FEATURE_NAMES)).

    The risk features of :func:`~ar_ai_collections.features.build_snapshot_features`
    (customer history, exposure, the invoice, partial payment by then), with
    ``in_dispute`` replaced by :func:`dispute_known`, plus the customer's
    behaviour *at the invoice's current age*: among the customer's invoices
    settled by ``t`` that were still unpaid at the same number of days overdue
    (bucketed by :data:`AGE_THRESHOLDS`), the share paid within the next 30
    days, the mean remaining days and their number, each shrunk toward the
    whole population's value at the same age and date. Nothing dated after
    a row's ``t`` is read.
    """
    if np.issubdtype(np.asarray(as_of_days).dtype, np.datetime64):
        as_of_days = _days(as_of_days)
    t = np.asarray(as_of_days, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    base = build_snapshot_features(history, rows, t)
    base[:, FEATURE_NAMES.index("in_dispute")] = dispute_known(history, rows, t)

    codes_all = pd.factorize(history["customer_id"], sort=False)[0].astype(np.int64)
    due, paid = _days(history["due_date"]), _days(history["paid_date"])
    s = history["paid_date"].notna().to_numpy()
    dl = np.clip((paid[s] - due[s]).astype(np.float64), -MAX_DAYS, MAX_DAYS)
    codes = codes_all[rows]
    overdue = (t - due[rows]).astype(np.float64)
    bucket = np.searchsorted(np.asarray(AGE_THRESHOLDS), overdue, side="right") - 1
    bucket = np.clip(bucket, 0, len(AGE_THRESHOLDS) - 1)

    mean_dl = _customer_mean(codes_all[s], paid[s], dl, codes, t)
    n_b = len(AGE_THRESHOLDS)
    share = np.zeros((len(rows), n_b))
    resid = np.zeros((len(rows), n_b))
    count = np.zeros((len(rows), n_b))
    for b, thr in enumerate(AGE_THRESHOLDS):
        at_risk = dl > thr
        start = max(thr, 0.0)
        within = (dl <= start + 30).astype(np.float64)
        rest = dl - start
        values = {"w30": within[at_risk], "rest": rest[at_risk]}
        n, sums, pop_n, pop_sums = _customer_and_population(
            codes_all[s][at_risk], paid[s][at_risk], values, codes, t
        )
        pop_share = np.where(pop_n > 0, pop_sums["w30"] / np.maximum(pop_n, 1), 0.5)
        pop_rest = np.where(pop_n > 0, pop_sums["rest"] / np.maximum(pop_n, 1), 30.0)
        share[:, b] = (sums["w30"] + PRIOR_WEIGHT * pop_share) / (n + PRIOR_WEIGHT)
        resid[:, b] = (sums["rest"] + PRIOR_WEIGHT * pop_rest) / (n + PRIOR_WEIGHT)
        count[:, b] = n
    pick = np.arange(len(rows)), bucket
    col = {name: base[:, FEATURE_NAMES.index(name)].astype(np.float64) for name in FEATURE_NAMES}
    # "has the customer stopped paying?": payments lately vs invoices falling due
    n_pay_60 = _count_in_window(codes_all[s], paid[s], codes, t, 60)
    n_due_60 = _count_in_window(codes_all, due, codes, t, 60)
    n_settled = np.expm1(col["n_settled_log"])
    usual_gap = col["tenure_days"] / np.maximum(n_settled, 1.0)
    extra = np.column_stack(
        [
            mean_dl,
            col["days_to_due"] + mean_dl,
            share[pick],
            resid[pick],
            np.log1p(count[pick]),
            np.log1p(n_pay_60),
            np.log1p(n_due_60),
            np.clip(col["days_since_last_payment"] / np.maximum(usual_gap, 7.0), 0.0, 100.0),
            col["n_overdue"] / np.maximum(col["n_open"], 1.0),
        ]
    )
    X = np.concatenate([base, extra.astype(np.float32)], axis=1)
    np.nan_to_num(X, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return X


def _customer_and_population(codes, days, values: dict, query_codes, t):
    """Count and sums of ``values`` with day <= t: per customer, and for everyone."""
    from .features import _Stream

    ones = np.ones(len(codes))
    stream = _Stream(codes, days, {"one": ones, **values})
    lo, hi = stream.bounds(query_codes, t)
    n = (hi - lo).astype(np.float64)
    sums = {k: stream.total(k, lo, hi) for k in values}
    order = np.argsort(days, kind="stable")
    pop_cnt = np.searchsorted(days[order], t, side="right")
    pop_sums = {
        k: np.concatenate(([0.0], np.cumsum(np.asarray(v, float)[order])))[pop_cnt]
        for k, v in values.items()
    }
    return n, sums, pop_cnt.astype(np.float64), pop_sums


def _count_in_window(codes, days, query_codes, t, window: int) -> np.ndarray:
    """Number of the customer's events dated in ``(t - window, t]``."""
    from .features import _Stream

    stream = _Stream(codes, days, {"one": np.ones(len(codes))})
    lo, hi = stream.bounds(query_codes, t)
    _, hi_before = stream.bounds(query_codes, t - window)
    return (hi - np.maximum(hi_before, lo)).astype(np.float64)


def _customer_mean(codes, days, values, query_codes, t) -> np.ndarray:
    """Customer's plain mean of ``values`` up to ``t`` (population mean if none, else 0)."""
    n, sums, pop_n, pop_sums = _customer_and_population(codes, days, {"v": values}, query_codes, t)
    pop = np.where(pop_n > 0, pop_sums["v"] / np.maximum(pop_n, 1), 0.0)
    return np.where(n > 0, sums["v"] / np.maximum(n, 1), pop)


# --------------------------------------------------------------------------- #
# Training set: weekly snapshots, person-period rows, right-censoring
# --------------------------------------------------------------------------- #
@dataclass
class SnapshotSet:
    """Snapshots of open invoices and what was observed after each one.

    ``event_week`` is the week after the snapshot in which the invoice was paid
    (``(s + 7(k-1), s + 7k]``), or a huge value when not paid by the training
    date; ``observed_weeks`` the number of whole weeks between the snapshot and
    the training date (later weeks are censored).
    """

    rows: np.ndarray
    snapshot_days: np.ndarray
    event_week: np.ndarray
    observed_weeks: np.ndarray


_NEVER = np.int64(1 << 30)


def build_snapshots(
    history: pd.DataFrame,
    as_of,
    step_days: int = SNAPSHOT_STEP_DAYS,
    max_rows: int = MAX_PERIOD_ROWS,
    seed: int = 0,
) -> SnapshotSet:
    """Weekly snapshots ``as_of - step, as_of - 2 step, ...`` of every invoice open then.

    Only what ``history`` knew at ``as_of`` is used: an invoice paid after
    ``as_of`` is unpaid (censored) here. When the person-period rows would
    exceed ``max_rows``, a uniform random sample of snapshots is kept.
    """
    t_end = _days(np.array([pd.Timestamp(as_of).normalize().to_datetime64()]))[0]
    inv, paid = _days(history["invoice_date"]), _days(history["paid_date"])
    paid = np.where(paid <= t_end, paid, _NEVER)
    # snapshot s = t_end - step * i (i >= 1), with inv <= s < paid
    last = np.minimum(paid - 1, t_end - step_days)
    i_lo = -((last - t_end) // step_days)  # ceil((t_end - last) / step)
    i_hi = (t_end - inv) // step_days
    count = np.maximum(i_hi - i_lo + 1, 0)
    rows = np.repeat(np.arange(len(inv)), count)
    first = np.repeat(np.cumsum(count) - count, count)
    i = np.repeat(i_lo, count) + (np.arange(len(rows)) - first)
    snap = t_end - step_days * i
    event = np.where(paid[rows] < _NEVER, -((snap - paid[rows]) // WEEK_DAYS), _NEVER)
    observed = (t_end - snap) // WEEK_DAYS
    periods = np.minimum(np.minimum(event, observed), TRAIN_WEEKS)
    total = int(periods.sum())
    if total > max_rows:
        keep = np.random.default_rng(seed).random(len(rows)) < max_rows / total
        rows, snap, event, observed = rows[keep], snap[keep], event[keep], observed[keep]
    return SnapshotSet(rows, snap, event, observed)


def _interval_values(to_due: np.ndarray, habit: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The three interval features of 0-based week ``j`` (broadcast, last axis of 3).

    float32 arithmetic, exactly as the ONNX graph computes them (a gathered
    column times a sign plus a per-week offset), so that scikit-learn and the
    graph feed the trees identical values.
    """
    j = np.asarray(j, dtype=np.float32)
    step = np.float32(WEEK_DAYS)
    week_ahead = np.minimum(j + 1, np.float32(TRAIN_WEEKS)) + np.float32(0) * to_due
    return np.stack([week_ahead, -to_due + step * j, habit - step * j], axis=-1).astype(np.float32)


def interval_columns(X: np.ndarray, weeks: int) -> np.ndarray:
    """The interval features of weeks 1..``weeks`` for every row (n x weeks x 3)."""
    X = np.asarray(X, dtype=np.float32)
    to_due = X[:, TTP_FEATURE_NAMES.index("days_to_due")][:, None]
    habit = X[:, TTP_FEATURE_NAMES.index("habit_days_to_pay")][:, None]
    return _interval_values(to_due, habit, np.arange(weeks)[None, :])


@dataclass
class PeriodSet:
    """Person-period rows: snapshot features + interval features, and the label."""

    X: np.ndarray
    y: np.ndarray
    snapshot_days: np.ndarray


def person_periods(X_snap: np.ndarray, snaps: SnapshotSet) -> PeriodSet:
    """One row per (snapshot, week at risk and observed), label = paid that week."""
    periods = np.minimum(np.minimum(snaps.event_week, snaps.observed_weeks), TRAIN_WEEKS)
    periods = np.maximum(periods, 0).astype(np.int64)
    idx = np.repeat(np.arange(len(periods)), periods)
    first = np.repeat(np.cumsum(periods) - periods, periods)
    j = np.arange(len(idx)) - first  # 0-based week
    inter = _interval_values(
        X_snap[idx, TTP_FEATURE_NAMES.index("days_to_due")],
        X_snap[idx, TTP_FEATURE_NAMES.index("habit_days_to_pay")],
        j,
    )
    X = np.concatenate([X_snap[idx], inter], axis=1)
    y = (snaps.event_week[idx] == j + 1).astype(np.int8)
    return PeriodSet(X, y, snaps.snapshot_days[idx])


# --------------------------------------------------------------------------- #
# Fitting
# --------------------------------------------------------------------------- #
@dataclass
class HazardHead:
    """The fitted hazard classifier: ``gbm``, ``logistic`` or ``blend`` of both.

    ``blend`` averages the two models' log-odds: the trees rank sharply within
    the situations they have seen, the linear model extrapolates smoothly to
    those they have not (debts older than any seen in training).
    """

    kind: str
    model: object
    #: logistic part: weights on raw features (standardization folded in)
    coef: np.ndarray | None = None
    intercept: float = 0.0

    def logit(self, X_periods: np.ndarray) -> np.ndarray:
        X_periods = np.asarray(X_periods, dtype=np.float32)
        parts = []
        if self.kind in ("logistic", "blend"):
            parts.append(
                _logistic_design(X_periods).astype(np.float64) @ self.coef + self.intercept
            )
        if self.kind in ("gbm", "blend"):
            p = np.clip(self.model.predict_proba(X_periods)[:, 1], _EPS, 1 - _EPS)
            parts.append(np.log(p / (1 - p)))
        return sum(parts) / len(parts)

    def hazard(self, X_periods: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(X_periods)))


def recency_weights(snapshot_days: np.ndarray) -> np.ndarray:
    """Training weight of each row: newer snapshots weigh more (time constant RECENCY_TAU_DAYS).

    Payment behaviour drifts (customers slide into distress, stop paying); the
    latest snapshots tell most about the weeks to come.
    """
    days = np.asarray(snapshot_days, dtype=np.float64)
    return np.exp((days - days.max()) / RECENCY_TAU_DAYS) if len(days) else np.ones(0)


def _logistic_design(X: np.ndarray) -> np.ndarray:
    """Logistic-hazard inputs: the period features plus one-hot age buckets.

    A linear model cannot bend with the age of the debt on its own; the
    buckets of days overdue at the interval start give it a piecewise hazard.
    """
    overdue = X[:, -2:-1]
    edges = np.array([-30, -7, 0, 7, 15, 30, 60, 90, 180], dtype=np.float32)
    onehot = (overdue >= edges[None, :]).astype(np.float32)
    return np.concatenate([X, onehot], axis=1)


def fit_hazard(
    periods: PeriodSet, kind: str = DEFAULT_KIND, seed: int = 0, max_rounds: int = GBM_MAX_ROUNDS
) -> HazardHead:
    """Fit the weekly hazard on person-period rows (single-threaded, see training.py).

    Rows are weighted by :func:`recency_weights`. ``gbm``: a
    HistGradientBoostingClassifier (log loss), rounds chosen by early
    stopping on the time-later 20% of rows. ``logistic``: an L2 logistic
    regression on standardized features plus age buckets.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _fit_hazard(periods, kind, seed, max_rounds)


def _fit_hazard(periods: PeriodSet, kind: str, seed: int, max_rounds: int) -> HazardHead:
    from .training import _round_thresholds_to_float32

    X, y = periods.X, periods.y
    if kind not in ("gbm", "logistic", "blend"):
        raise ValueError(f"unknown hazard model kind {kind!r} (gbm, logistic or blend)")
    coef, intercept = None, 0.0
    w = recency_weights(periods.snapshot_days)
    if kind in ("logistic", "blend"):
        from sklearn.linear_model import LogisticRegression

        Xd = _logistic_design(X).astype(np.float64)
        mu, sd = Xd.mean(axis=0), Xd.std(axis=0)
        sd = np.where(sd > 1e-9, sd, 1.0)
        clf = LogisticRegression(C=0.1, max_iter=3000).fit((Xd - mu) / sd, y, sample_weight=w)
        coef = clf.coef_[0] / sd
        intercept = float(clf.intercept_[0] - mu @ coef)
        if kind == "logistic":
            return HazardHead("logistic", clf, coef, intercept)
    from sklearn.ensemble import HistGradientBoostingClassifier

    order = np.argsort(periods.snapshot_days, kind="stable")
    cut = int(len(order) * 0.8)
    fit_idx, val_idx = np.sort(order[:cut]), np.sort(order[cut:])
    clf = HistGradientBoostingClassifier(
        max_iter=max_rounds,
        learning_rate=0.1,
        max_leaf_nodes=31,
        min_samples_leaf=max(40, len(fit_idx) // 2000),
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    if len(val_idx) >= 200 and len(np.unique(y[val_idx])) == 2:
        # rounds chosen on the time-later slice; the model keeps the older 80%
        clf.set_params(early_stopping=True, n_iter_no_change=10)
        clf.fit(
            X[fit_idx],
            y[fit_idx],
            sample_weight=w[fit_idx],
            X_val=X[val_idx],
            y_val=y[val_idx],
            sample_weight_val=w[val_idx],
        )
    else:
        clf.fit(X, y, sample_weight=w)
    _round_thresholds_to_float32(clf)
    return HazardHead(kind, clf, coef, intercept)


def curve_from_hazards(h: np.ndarray) -> dict[str, np.ndarray]:
    """Survival curve and fixed-horizon probabilities from weekly hazards (N x K)."""
    h = np.clip(np.asarray(h, dtype=np.float64), _EPS, 1 - _EPS)
    logq = np.log1p(-h)
    out = {"hazard": h, "survival": np.exp(np.cumsum(logq, axis=1))}
    W = _horizon_weights(h.shape[1])
    logp = logq @ W
    for k, days in enumerate(PAID_WITHIN_DAYS):
        out[f"p_paid_{days}d"] = 1.0 - np.exp(logp[:, k])
    return out


def _horizon_weights(weeks: int) -> np.ndarray:
    """K x 3 weights: log S(d) = sum_j w_j(d) log(1 - h_j), constant hazard in a week."""
    start = WEEK_DAYS * np.arange(weeks, dtype=np.float64)
    return np.column_stack([np.clip((d - start) / WEEK_DAYS, 0.0, 1.0) for d in PAID_WITHIN_DAYS])


def predict_curve_sklearn(head: HazardHead, X: np.ndarray, weeks: int = HORIZON_WEEKS) -> dict:
    """What the exported graph computes, with scikit-learn (for parity checks)."""
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    tiled = np.repeat(X[:, None, :], weeks, axis=1)
    full = np.concatenate([tiled, interval_columns(X, weeks)], axis=2).reshape(n * weeks, -1)
    h = head.hazard(full).reshape(n, weeks) if n else np.zeros((0, weeks))
    return curve_from_hazards(h)


# --------------------------------------------------------------------------- #
# ONNX export
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class TTPMetadata:
    """What a time-to-payment model file says about itself."""

    version: str
    engine_version: str
    kind: str
    feature_names: tuple[str, ...]
    horizon_weeks: int
    trained_at: str
    train_end: str
    n_snapshots: int
    n_periods: int
    #: Company-average (median) snapshot features, used by the reasons.
    reference_values: tuple[float, ...] = ()
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["feature_names"] = list(self.feature_names)
        data["reference_values"] = list(self.reference_values)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TTPMetadata:
        try:
            return cls(
                version=str(data["version"]),
                engine_version=str(data.get("engine_version", "")),
                kind=str(data.get("kind", "gbm")),
                feature_names=tuple(str(n) for n in data["feature_names"]),
                horizon_weeks=int(data["horizon_weeks"]),
                trained_at=str(data.get("trained_at", "")),
                train_end=str(data.get("train_end", "")),
                n_snapshots=int(data.get("n_snapshots", 0)),
                n_periods=int(data.get("n_periods", 0)),
                reference_values=tuple(float(v) for v in data.get("reference_values") or ()),
                metrics=dict(data.get("metrics") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise TTPModelError(f"model metadata is incomplete or invalid: {error}") from error


def export_ttp_onnx(head: HazardHead, metadata: TTPMetadata) -> bytes:
    """One ONNX graph: ``features`` (N x F) -> curve and probabilities.

    Inside the graph: tile the features over the K weeks (N x K x F), append
    the interval features (a gathered column times a sign plus a per-week
    offset), flatten to (N*K) rows, score the hazards, then
    ``log(1 - h) @ U`` (U upper-triangular ones) is the log-survival curve and
    ``log(1 - h) @ W`` the log-survival at 7, 30 and 90 days.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    K = metadata.horizon_weeks
    F = len(TTP_FEATURE_NAMES)
    nodes, inits = [], []

    def const(name: str, array, dtype=np.float32) -> str:
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name))
        return name

    node = helper.make_node
    j = np.arange(K, dtype=np.float32)
    gather_idx = [
        TTP_FEATURE_NAMES.index("days_to_due"),
        TTP_FEATURE_NAMES.index("days_to_due"),
        TTP_FEATURE_NAMES.index("habit_days_to_pay"),
    ]
    sign = np.array([0.0, -1.0, 1.0], dtype=np.float32).reshape(1, 1, 3)
    offsets = np.stack(
        [np.minimum(j + 1, TRAIN_WEEKS), WEEK_DAYS * j, -WEEK_DAYS * j], axis=1
    ).reshape(1, K, 3)
    nodes += [
        node("Unsqueeze", [INPUT_NAME, const("ax1", [1], np.int64)], ["x3"]),
        node("Mul", ["x3", const("ones_k", np.ones((1, K, 1)))], ["tiled"]),
        node("Gather", [INPUT_NAME, const("gather_idx", gather_idx, np.int64)], ["g"], axis=1),
        node("Unsqueeze", ["g", "ax1"], ["g3"]),
        node("Mul", ["g3", const("sign", sign)], ["gs"]),
        node("Add", ["gs", const("offsets", offsets)], ["interval"]),
        node("Concat", ["tiled", "interval"], ["full"], axis=2),
        node("Reshape", ["full", const("flat_shape", [-1, F + 3], np.int64)], ["periods"]),
    ]
    logits = []
    if head.kind in ("logistic", "blend"):
        edges = np.array([-30, -7, 0, 7, 15, 30, 60, 90, 180], dtype=np.float32)
        od_lo, od_hi = const("od_lo", [F + 1], np.int64), const("od_hi", [F + 2], np.int64)
        nodes += [
            node("Slice", ["periods", od_lo, od_hi, "ax1"], ["od"]),
            node("GreaterOrEqual", ["od", const("edges", edges.reshape(1, -1))], ["ge"]),
            node("Cast", ["ge"], ["onehot"], to=TensorProto.FLOAT),
            node("Concat", ["periods", "onehot"], ["design"], axis=1),
            node("MatMul", ["design", const("coef", head.coef.reshape(-1, 1))], ["z0"]),
            node("Add", ["z0", const("intercept", head.intercept)], ["z_lin"]),
        ]
        logits.append("z_lin")
    if head.kind in ("gbm", "blend"):
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType

        onx = convert_sklearn(
            head.model,
            initial_types=[("periods_in", FloatTensorType([None, F + 3]))],
            options={id(head.model): {"zipmap": False}},
            target_opset={"": ONNX_OPSET, "ai.onnx.ml": ONNX_ML_OPSET},
        )
        sub = onnx.compose.add_prefix(onx, "hz_")
        nodes.append(node("Identity", ["periods"], ["hz_periods_in"]))
        nodes += list(sub.graph.node)
        inits += list(sub.graph.initializer)
        p_lo, p_hi = const("p_lo", [1], np.int64), const("p_hi", [2], np.int64)
        nodes += [
            node("Slice", ["hz_probabilities", p_lo, p_hi, "ax1"], ["p_tree"]),
            node("Clip", ["p_tree", const("t_lo", _EPS), const("t_hi", 1 - _EPS)], ["p_tc"]),
            node("Sub", [const("t_one", 1.0), "p_tc"], ["q_tree"]),
            node("Div", ["p_tc", "q_tree"], ["odds_tree"]),
            node("Log", ["odds_tree"], ["z_tree"]),
        ]
        logits.append("z_tree")
    nodes += [
        node("Sum", logits, ["z_sum"]),
        node("Mul", ["z_sum", const("z_scale", 1.0 / len(logits))], ["z"]),
        node("Sigmoid", ["z"], ["h1"]),
    ]
    upper = np.triu(np.ones((K, K)))
    nodes += [
        node("Reshape", ["h1", const("curve_shape", [-1, K], np.int64)], ["h_raw"]),
        node("Clip", ["h_raw", const("eps", _EPS), const("one_m_eps", 1 - _EPS)], ["hazard"]),
        node("Sub", [const("one", 1.0), "hazard"], ["q"]),
        node("Log", ["q"], ["logq"]),
        node("MatMul", ["logq", const("upper", upper)], ["logs"]),
        node("Exp", ["logs"], ["survival"]),
        node("MatMul", ["logq", const("horizons", _horizon_weights(K))], ["logp"]),
        node("Exp", ["logp"], ["s_h"]),
        node("Sub", ["one", "s_h"], ["p_h"]),
    ]
    for k, days in enumerate(PAID_WITHIN_DAYS):
        nodes += [
            node("Gather", ["p_h", const(f"col{k}", k, np.int64)], [f"p_paid_{days}d"], axis=1)
        ]
    graph = helper.make_graph(
        nodes,
        "ar_ai_collections_time_to_payment",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, F])],
        [
            *(
                helper.make_tensor_value_info(f"p_paid_{d}d", TensorProto.FLOAT, [None])
                for d in PAID_WITHIN_DAYS
            ),
            helper.make_tensor_value_info("survival", TensorProto.FLOAT, [None, K]),
            helper.make_tensor_value_info("hazard", TensorProto.FLOAT, [None, K]),
        ],
        initializer=inits,
    )
    from .training import serialize_graph

    return serialize_graph(graph, METADATA_KEY, metadata.to_dict())


@dataclass
class TrainedTTPModel:
    """An exported time-to-payment model and its fitted head (head not serialized)."""

    onnx_bytes: bytes
    metadata: TTPMetadata
    head: HazardHead = field(repr=False)


def train_ttp_model(
    history: pd.DataFrame,
    as_of=None,
    kind: str = DEFAULT_KIND,
    version: str | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    trained_at: str | None = None,
    max_period_rows: int = MAX_PERIOD_ROWS,
    max_rounds: int = GBM_MAX_ROUNDS,
) -> TrainedTTPModel:
    """Train the weekly hazard on what ``history`` knew at ``as_of`` and export it.

    Deterministic for a given history, ``seed`` and ``trained_at`` (a fixed
    ``trained_at`` makes the ONNX bytes reproducible).

    :raise NotEnoughHistoryError: fewer than 50 payments observed in the
        snapshots, or no snapshot left unpaid a week.
    """
    from .training import MIN_TRAINING_ROWS, NotEnoughHistoryError, default_as_of

    say = progress or (lambda _msg: None)
    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    snaps = build_snapshots(history, as_of, max_rows=max_period_rows, seed=seed)
    say(f"{len(snaps.rows)} weekly snapshots of open invoices up to {as_of.date()}")
    X_snap = ttp_features(history, snaps.rows, snaps.snapshot_days)
    periods = person_periods(X_snap, snaps)
    n_events = int(periods.y.sum())
    if n_events < MIN_TRAINING_ROWS or n_events == len(periods.y):
        raise NotEnoughHistoryError(
            f"not enough history to train a time-to-payment model at {as_of.date()}: "
            f"{n_events} payments in {len(periods.y)} invoice-weeks "
            f"(at least {MIN_TRAINING_ROWS} payments and some unpaid weeks needed)"
        )
    say(f"fitting the weekly hazard ({kind}) on {len(periods.y)} invoice-weeks")
    head = fit_hazard(periods, kind=kind, seed=seed, max_rounds=max_rounds)
    metadata = TTPMetadata(
        version=version or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S"),
        engine_version=__version__,
        kind=kind,
        feature_names=TTP_FEATURE_NAMES,
        horizon_weeks=HORIZON_WEEKS,
        trained_at=trained_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        train_end=str(as_of.date()),
        n_snapshots=len(snaps.rows),
        n_periods=len(periods.y),
        reference_values=tuple(round(float(v), 6) for v in np.median(X_snap, axis=0)),
        metrics={"weekly_payment_rate": round(float(periods.y.mean()), 6)},
    )
    return TrainedTTPModel(export_ttp_onnx(head, metadata), metadata, head)


# --------------------------------------------------------------------------- #
# Scoring (onnxruntime only)
# --------------------------------------------------------------------------- #
@dataclass
class TTPScores:
    """Time-to-payment of the invoices open on ``as_of`` (arrays aligned).

    ``predicted_pay_date`` is the median of the payment-date distribution,
    ``pay_date_low``/``pay_date_high`` its 10th and 90th percentiles; all three
    are after ``as_of`` (an open invoice is paid at the earliest the next day)
    and at most :data:`MAX_DAYS_AHEAD` days later. ``expected_days_late`` is
    ``predicted_pay_date - due_date`` in days. ``survival[:, k]`` is the
    probability of being still unpaid ``7 (k + 1)`` days after ``as_of``.
    """

    as_of: pd.Timestamp
    frame: pd.DataFrame
    survival: np.ndarray
    X: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


class TTPModel:
    """A validated ONNX time-to-payment model, ready to score."""

    def __init__(self, session, metadata: TTPMetadata, onnx_bytes: bytes):
        self._session = session
        self.metadata = metadata
        self.onnx_bytes = onnx_bytes

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> TTPModel:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise TTPModelError(f"cannot read model file {path}: {error}") from error
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes, max_bytes: int | None = None) -> TTPModel:
        """Load a model after :mod:`.model_guard` accepted it (size ``max_bytes``)."""
        from . import model_guard
        from .scoring import _session

        if not data:
            raise TTPModelError("not a valid ONNX file: it is empty")
        max_bytes = model_guard.DEFAULT_MAX_MODEL_BYTES if max_bytes is None else max_bytes
        try:
            model_guard.check_model_bytes(data, max_bytes, INPUT_NAME, OUTPUT_NAMES)
        except ModelSignatureError as error:
            raise TTPModelError(f"not a usable time-to-payment model: {error}") from error
        try:
            session = _session(bytes(data), threads=1)
        except Exception as error:
            raise TTPModelError(f"not a valid ONNX file ({error})") from error
        props = session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in props:
            raise TTPModelError(
                f"not an AI Collections time-to-payment model: no '{METADATA_KEY}' metadata"
            )
        try:
            metadata = TTPMetadata.from_dict(json.loads(props[METADATA_KEY]))
        except (ValueError, AttributeError) as error:
            raise TTPModelError(f"model metadata is not valid JSON: {error}") from error
        if metadata.feature_names != TTP_FEATURE_NAMES:
            raise TTPModelError(
                "model feature list does not match this engine's time-to-payment features"
            )
        outputs = {o.name for o in session.get_outputs()}
        missing = [o for o in OUTPUT_NAMES if o not in outputs]
        if missing:
            raise TTPModelError(f"model outputs lack {missing}")
        model = cls(session, metadata, bytes(data))
        model._check_trial_prediction()
        return model

    def _check_trial_prediction(self) -> None:
        """Refuse a model whose probe-batch curves are not probabilities."""
        from . import model_guard

        probe = model_guard.probe_batch(self.metadata.reference_values, len(TTP_FEATURE_NAMES))
        try:
            out = self.predict(probe)
        except Exception as error:
            raise TTPModelError(f"the trial prediction failed ({error})") from error
        paid_within = [f"p_paid_{days}d" for days in PAID_WITHIN_DAYS]
        curves = ("survival", "hazard")
        try:
            model_guard.check_trial_outputs(out, len(probe), dict.fromkeys(paid_within, (0.0, 1.0)))
            model_guard.check_trial_outputs(
                out, len(probe), dict.fromkeys(curves, (0.0, 1.0)), self.metadata.horizon_weeks
            )
        except ModelSignatureError as error:
            raise TTPModelError(str(error)) from error
        cumulative = np.stack([out[name] for name in paid_within])
        if (np.diff(cumulative, axis=0) < -1e-6).any():
            raise TTPModelError("the trial prediction gave P(paid) decreasing with the horizon")

    def predict(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Graph outputs (float64): ``p_paid_7d/30d/90d`` (N), ``survival``, ``hazard`` (N x K)."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != len(TTP_FEATURE_NAMES):
            raise ValueError(
                f"expected a 2-D array with {len(TTP_FEATURE_NAMES)} columns, got {X.shape}"
            )
        K = self.metadata.horizon_weeks
        if not len(X):
            return {
                n: np.zeros((0, K)) if n in ("survival", "hazard") else np.zeros(0)
                for n in OUTPUT_NAMES
            }
        values = self._session.run(list(OUTPUT_NAMES), {INPUT_NAME: X})
        return {
            n: np.asarray(v, dtype=np.float64) for n, v in zip(OUTPUT_NAMES, values, strict=True)
        }

    def score_rows(
        self, history: pd.DataFrame, rows: np.ndarray, as_of, reasons: bool = False
    ) -> TTPScores:
        """Score ``history`` rows (positions of invoices open on ``as_of``)."""
        as_of = pd.Timestamp(as_of).normalize()
        rows = np.asarray(rows, dtype=np.int64)
        t = np.full(len(rows), _days(np.array([as_of.to_datetime64()]))[0], dtype=np.int64)
        X = (
            ttp_features(history, rows, t)
            if len(rows)
            else np.zeros((0, len(TTP_FEATURE_NAMES)), np.float32)
        )
        out = self.predict(X)
        due = history["due_date"].to_numpy(dtype="datetime64[ns]")[rows].astype("datetime64[D]")
        frame = history.iloc[rows][
            ["invoice_id", "customer_id", "due_date", "amount", "currency"]
        ].reset_index(drop=True)
        derived = summarize_curve(out["survival"], due, as_of)
        for days in PAID_WITHIN_DAYS:
            frame[f"p_paid_{days}d"] = out[f"p_paid_{days}d"]
        for key, value in derived.items():
            frame[key] = value
        if reasons and len(rows):
            frame["reasons"] = ["; ".join(r) for r in explain_ttp(self, X)]
        return TTPScores(as_of, frame, out["survival"], X)

    def score(self, history: pd.DataFrame, as_of, reasons: bool = False) -> TTPScores:
        """Score every invoice open on ``as_of`` (overdue ones included)."""
        from .features import open_mask

        return self.score_rows(history, np.flatnonzero(open_mask(history, as_of)), as_of, reasons)


def load_default_ttp_model() -> TTPModel:
    """The bundled time-to-payment model trained on generated data."""
    return TTPModel.from_path(DEFAULT_TTP_MODEL_PATH)


def survival_days(survival: np.ndarray, days: np.ndarray) -> np.ndarray:
    """P(unpaid ``days`` after the scoring day) read off weekly curves (N x K).

    Log-survival is linear inside a week (constant hazard); beyond the curve
    the last week's hazard continues. ``days <= 0`` gives 1.
    """
    S = np.clip(np.asarray(survival, dtype=np.float64), 1e-300, 1.0)
    n, K = S.shape
    logS = np.concatenate([np.zeros((n, 1)), np.log(S)], axis=1)  # logS[:, k] at 7k days
    d = np.clip(np.asarray(days, dtype=np.float64), 0.0, None)
    k = np.minimum((d // WEEK_DAYS).astype(np.int64), K - 1)
    frac = (d - WEEK_DAYS * k) / WEEK_DAYS
    r = np.arange(n)
    step = logS[r, k + 1] - logS[r, k]
    return np.exp(logS[r, k] + frac * step)


def survival_quantile_days(survival: np.ndarray, q: float) -> np.ndarray:
    """Days after the scoring day by which the invoice is paid with probability ``q``.

    Continuous (log-linear inside a week), beyond the curve the last week's
    hazard continues; capped at :data:`MAX_DAYS_AHEAD`.
    """
    S = np.clip(np.asarray(survival, dtype=np.float64), 1e-300, 1.0)
    n, K = S.shape
    if not n:
        return np.zeros(0)
    logS = np.concatenate([np.zeros((n, 1)), np.log(S)], axis=1)
    target = np.log1p(-q)
    below = logS <= target
    crossed = below.any(axis=1)
    k = np.where(crossed, below.argmax(axis=1), K)  # first index with logS <= target
    r = np.arange(n)
    prev = logS[r, np.maximum(k - 1, 0)]
    cur = logS[r, np.minimum(k, K)]
    within = np.where(cur < prev, (prev - target) / np.where(cur < prev, prev - cur, 1.0), 1.0)
    days_in = WEEK_DAYS * (np.maximum(k - 1, 0) + np.clip(within, 0.0, 1.0))
    last_logq = logS[:, K] - logS[:, K - 1]
    tail = WEEK_DAYS * K + WEEK_DAYS * (target - logS[:, K]) / np.minimum(last_logq, -1e-12)
    return np.minimum(np.where(crossed, days_in, tail), MAX_DAYS_AHEAD)


def summarize_curve(survival: np.ndarray, due: np.ndarray, as_of) -> dict[str, np.ndarray]:
    """Dates, days late and P(default) of each curve scored on ``as_of``.

    Dates are ``as_of`` + ceil(quantile days), at least one day after ``as_of``.
    """
    as_day = np.datetime64(pd.Timestamp(as_of).date(), "D")
    due = np.asarray(due, dtype="datetime64[D]")
    out: dict[str, np.ndarray] = {}
    names = ("pay_date_low", "predicted_pay_date", "pay_date_high")
    for name, q in zip(names, DATE_QUANTILES, strict=True):
        days = np.maximum(np.ceil(survival_quantile_days(survival, q) - 1e-9), 1).astype(np.int64)
        out[name] = (as_day + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    out["expected_days_late"] = (
        (out["predicted_pay_date"].astype("datetime64[D]") - due).astype(np.int64).astype(float)
    )
    to_default = (due + np.timedelta64(DEFAULT_AFTER_DUE_DAYS, "D") - as_day).astype(np.int64)
    out["p_default"] = np.where(
        to_default <= 0, 1.0, survival_days(survival, to_default) if len(due) else 0.0
    )
    return out


# --------------------------------------------------------------------------- #
# Reasons: the model's own attributions, relative to the company average
# --------------------------------------------------------------------------- #
#: Minimum change of logit P(not paid within 30 days) for a feature to count.
MIN_EFFECT = 0.05
_CHUNK_ROWS = 2_000


def driver_effects_ttp(model: TTPModel, X: np.ndarray) -> np.ndarray:
    """Rise of logit P(not paid within 30 days) due to each feature (N x F).

    Each feature is reset in turn to the company average (the median training
    snapshot, in the model metadata) and the graph re-scores; the effect is how
    much the invoice's actual value delays payment compared with an average one.
    """
    X = np.asarray(X, dtype=np.float32)
    n, f = X.shape
    ref = np.asarray(model.metadata.reference_values, dtype=np.float32)
    if ref.shape != (f,):
        ref = np.median(X, axis=0).astype(np.float32)
    effects = np.zeros((n, f))
    cols = np.arange(f)
    for start in range(0, n, _CHUNK_ROWS):
        block = X[start : start + _CHUNK_ROWS]
        m = len(block)
        pert = np.repeat(block[:, None, :], f + 1, axis=1)
        pert[:, cols + 1, cols] = ref
        p = model.predict(pert.reshape(m * (f + 1), f))["p_paid_30d"].reshape(m, f + 1)
        p = np.clip(p, 1e-7, 1 - 1e-7)
        z = np.log((1 - p) / p)  # logit of NOT paid within 30 days
        effects[start : start + m] = z[:, :1] - z[:, 1:]
    return effects


def phrase_ttp(name: str, row: dict) -> str | None:
    """A sentence for a feature that delays payment (risk features via reasons.phrase)."""
    from .reasons import phrase

    v = float(row[name])
    if name == "cust_mean_days_late":
        return f"pays {v:.0f} days after the due date on average" if v > 0 else None
    if name == "cust_share_paid_30d_at_age":
        return f"at this age, this customer paid only {v * 100:.0f}% of invoices within 30 days"
    if name == "cust_residual_days_at_age":
        return f"at this age, this customer's invoices took {v:.0f} more days to be paid"
    if name == "cust_n_at_age_log":
        return None
    if name == "habit_days_to_pay":
        return f"the customer usually pays in {v:.0f} days from today" if v > 0 else None
    return phrase(name, row)


def explain_ttp(model: TTPModel, X: np.ndarray, top: int = 3) -> list[list[str]]:
    """Top ``top`` reasons delaying each invoice's payment.

    Features that only restate the invoice's age (:data:`AGE_ONLY_FEATURES`)
    are used only when no other feature passes :data:`MIN_EFFECT`.
    """
    if not len(X):
        return []
    effects = driver_effects_ttp(model, X)
    names = TTP_FEATURE_NAMES
    age_cols = np.array([n in AGE_ONLY_FEATURES for n in names])
    order = np.argsort(-effects, axis=1)
    out: list[list[str]] = []
    for i in range(len(X)):
        row = dict(zip(names, X[i].astype(float), strict=True))
        strong = effects[i] >= MIN_EFFECT
        allow_age = not (strong & ~age_cols).any()
        texts: list[str] = []
        for j in order[i]:
            if len(texts) >= top or not strong[j]:
                break
            if age_cols[j] and not allow_age:
                continue
            text = phrase_ttp(names[j], row)
            if text and text not in texts:
                texts.append(text)
        out.append(texts)
    return out


# --------------------------------------------------------------------------- #
# Bands and per-company calibration
# --------------------------------------------------------------------------- #
#: Lower bounds (%) of P(not paid within 30 days) for medium, high, critical.
DEFAULT_TTP_BAND_THRESHOLDS = (35.0, 60.0, 85.0)


def ttp_bands(p_not_paid_30d: np.ndarray, thresholds=DEFAULT_TTP_BAND_THRESHOLDS) -> np.ndarray:
    """Risk band of each invoice from P(not paid within 30 days).

    A probability, not an expected loss (amount x probability): the band says
    how the invoice behaves, whatever its size; ranking by money at stake is
    the worklist's job (it multiplies by the amount), and a band that moved
    with the amount would put every small invoice of a defaulting customer in
    "low". Same band names and threshold convention as the risk model.
    """
    from .scoring import risk_bands

    return risk_bands(p_not_paid_30d, thresholds)


@dataclass(frozen=True)
class Calibration:
    """A monotone map from a raw probability to a calibrated one (isotonic).

    Stored as knots (``x`` ascending, ``y`` non-decreasing) applied with linear
    interpolation, so it needs numpy only and fits in a settings field as JSON.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    n: int

    def apply(self, p: np.ndarray) -> np.ndarray:
        if len(self.x) < 2:
            return np.asarray(p, dtype=np.float64)
        return np.interp(np.asarray(p, dtype=np.float64), self.x, self.y)

    def to_json(self) -> str:
        return json.dumps({"x": list(self.x), "y": list(self.y), "n": self.n})

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        return cls(tuple(data["x"]), tuple(data["y"]), int(data.get("n", 0)))


def fit_calibration(p: np.ndarray, y: np.ndarray, min_rows: int = 100) -> Calibration:
    """Isotonic calibration of probabilities ``p`` against outcomes ``y`` (0/1).

    Fewer than ``min_rows`` outcomes (or a single class): the identity.
    """
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(p) < min_rows or y.min(initial=0) == y.max(initial=0):
        return Calibration((0.0, 1.0), (0.0, 1.0), len(p))
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y)
    return Calibration(
        tuple(float(v) for v in iso.X_thresholds_),
        tuple(float(v) for v in iso.y_thresholds_),
        len(p),
    )


def calibrate_company(
    model: TTPModel,
    history: pd.DataFrame,
    as_of=None,
    window_days: int = 180,
    step_days: int = 14,
) -> Calibration:
    """Calibrate P(paid within 30 days) on the company's latest window.

    Scores every invoice open on each date ``as_of - 30 - step, ...`` back
    ``window_days`` (every outcome 30 days later is known by ``as_of``) and fits
    an isotonic map from the model's P(paid within 30 days) to the observed
    frequency. Apply it to ``p_paid_30d`` (and to ``1 - p`` for the bands).
    """
    from .features import open_mask
    from .training import default_as_of

    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    last = as_of - pd.Timedelta(days=30)
    p_all, y_all = [], []
    paid = history["paid_date"]
    for k in range(window_days // step_days):
        cut = last - pd.Timedelta(days=step_days * k)
        rows = np.flatnonzero(open_mask(history, cut))
        if not len(rows):
            continue
        scores = model.score_rows(history, rows, cut)
        p_all.append(scores.frame["p_paid_30d"].to_numpy())
        settle = paid.iloc[rows]
        y_all.append((settle.notna() & (settle <= cut + pd.Timedelta(days=30))).to_numpy())
    if not p_all:
        return Calibration((0.0, 1.0), (0.0, 1.0), 0)
    return fit_calibration(np.concatenate(p_all), np.concatenate(y_all).astype(float))


# --------------------------------------------------------------------------- #
# The score export
# --------------------------------------------------------------------------- #
#: Columns the time-to-payment model adds to a score export.
TTP_SCORE_COLUMNS = ("p_paid_7d", "p_paid_30d", "p_paid_90d")
#: Columns of a score export it replaces (dates after the scoring day, days late
#: consistent with the predicted date).
TTP_REPLACED_COLUMNS = ("expected_days_late", "predicted_pay_date", "pay_date_low", "pay_date_high")


def merge_time_to_payment(
    scores: pd.DataFrame, history: pd.DataFrame, as_of, model: TTPModel | None = None
) -> pd.DataFrame:
    """The risk scores of the invoices open on ``as_of`` with time-to-payment columns.

    Adds :data:`TTP_SCORE_COLUMNS` and takes :data:`TTP_REPLACED_COLUMNS` from
    the time-to-payment model, matched on ``invoice_id``.
    """
    model = model or load_default_ttp_model()
    ttp = model.score(history, as_of).frame.set_index("invoice_id")
    out = scores.copy()
    keys = out["invoice_id"]
    for col in (*TTP_SCORE_COLUMNS, *TTP_REPLACED_COLUMNS):
        out[col] = ttp[col].reindex(keys).to_numpy()
    return out
