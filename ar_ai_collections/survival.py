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
the curve, is ONE ONNX graph
(:func:`~ar_ai_collections.ttp_onnx.export_ttp_onnx`): the features are tiled
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

This module holds the method (features, snapshots, person-period rows, the
hazard fit); :mod:`~ar_ai_collections.ttp_model` holds the model file (ONNX
export, training, loading, scoring, reasons, bands).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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
#: Hazards are clipped to [HAZARD_EPS, 1 - HAZARD_EPS] (logs stay finite).
HAZARD_EPS = 1e-6

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
            p = np.clip(self.model.predict_proba(X_periods)[:, 1], HAZARD_EPS, 1 - HAZARD_EPS)
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
    h = np.clip(np.asarray(h, dtype=np.float64), HAZARD_EPS, 1 - HAZARD_EPS)
    logq = np.log1p(-h)
    out = {"hazard": h, "survival": np.exp(np.cumsum(logq, axis=1))}
    W = horizon_weights(h.shape[1])
    logp = logq @ W
    for k, days in enumerate(PAID_WITHIN_DAYS):
        out[f"p_paid_{days}d"] = 1.0 - np.exp(logp[:, k])
    return out


def horizon_weights(weeks: int) -> np.ndarray:
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
