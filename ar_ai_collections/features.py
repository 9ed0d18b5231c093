"""Point-in-time features for payment-risk scoring.

Every feature of an invoice at a date ``as_of`` uses only what was known at
that date: settlements dated after ``as_of`` are unknown, an invoice paid
after ``as_of`` is still *open* at ``as_of``, invoices issued after ``as_of``
do not exist yet. The same code path serves scoring (one ``as_of`` for all
rows, :func:`build_features`) and training (one ``as_of`` per row,
:func:`build_snapshot_features`), so the model sees identical features in both.

Vectorized, no Python loop per invoice: the history is turned into a few
per-customer event streams (settlements, issues, due dates...) sorted by
``(customer, day)`` with cumulative sums; the state of a customer at any date
is then a ``searchsorted`` into those streams. A million invoices take a few
seconds.

Cold start: a customer with little or no settled history gets its behaviour
statistics shrunk toward the population (as known at the same date) with
:data:`PRIOR_WEIGHT` pseudo-invoices, so features are always finite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Feature names, in the order of the model input columns.
FEATURE_NAMES: tuple[str, ...] = (
    "n_settled_log",
    "share_late",
    "mean_days_late_recent_weighted",
    "std_days_late",
    "max_days_late",
    "mean_days_late_last12",
    "late_trend",
    "mean_days_to_pay",
    "share_partial",
    "share_disputed",
    "share_broken_promises",
    "open_amount_log",
    "overdue_amount_log",
    "n_open",
    "n_overdue",
    "mean_overdue_age",
    "credit_utilization",
    "amount_log",
    "amount_vs_usual_log",
    "terms_days",
    "days_to_due",
    "invoice_age",
    "month_sin",
    "month_cos",
    "tenure_days",
    "days_since_last_payment",
    "partially_paid",
    "n_invoices_90d",
    "in_dispute",
)

#: Fairness-audit attributes (:mod:`~ar_ai_collections.fairness`) -> the model
#: inputs that encode them. Customer age is the tenure; customer size is in the
#: absolute amounts (the invoice, the open and the overdue balance), not in the
#: ratios ``amount_vs_usual_log`` and ``credit_utilization``, which compare a
#: customer with itself. Country and industry are never an input.
ATTRIBUTE_FEATURES: dict[str, tuple[str, ...]] = {
    "customer_age": ("tenure_days",),
    "customer_size": ("amount_log", "open_amount_log", "overdue_amount_log"),
    "country": (),
    "industry": (),
}
#: Value every excluded column is set to (see :func:`neutralize_attributes`).
NEUTRAL_VALUE = 0.0

#: Pseudo-invoices of population behaviour mixed into every customer's stats.
PRIOR_WEIGHT = 3.0
#: Half-life-like time constant (days) of the recency weighting.
RECENCY_TAU_DAYS = 180.0
#: Fallback population priors when nothing at all is settled yet.
DEFAULT_PRIOR_SHARE_LATE = 0.3
DEFAULT_PRIOR_DAYS_LATE = 5.0
DEFAULT_PRIOR_DAYS_TO_PAY = 35.0
#: Caps that keep features in a sane range.
MAX_DAYS = 3650.0

_KEY_SHIFT = np.int64(1 << 22)  # room for ~11,000 years of day numbers per customer
_DAY_ORIGIN = np.datetime64("1900-01-01", "D")


@dataclass(frozen=True)
class FeatureMatrix:
    """Features of a set of invoices at a date.

    ``frame`` holds ``invoice_id, customer_id, invoice_date, due_date, amount``
    plus one column per feature; ``X`` is the float32 model input (n x F).
    """

    frame: pd.DataFrame
    X: np.ndarray
    feature_names: tuple[str, ...]
    as_of: pd.Timestamp


def excluded_features(attributes: Iterable[str]) -> tuple[str, ...]:
    """Model inputs encoding ``attributes`` (keys of :data:`ATTRIBUTE_FEATURES`).

    :raise ValueError: an attribute the audit does not know.
    """
    unknown = sorted(set(attributes) - set(ATTRIBUTE_FEATURES))
    if unknown:
        raise ValueError(
            f"unknown attribute(s) {', '.join(unknown)}: expected {', '.join(ATTRIBUTE_FEATURES)}"
        )
    return tuple(f for a in sorted(set(attributes)) for f in ATTRIBUTE_FEATURES[a])


def neutralize_attributes(
    X: np.ndarray, feature_names: tuple[str, ...], attributes: Iterable[str]
) -> np.ndarray:
    """``X`` with the columns encoding ``attributes`` set to :data:`NEUTRAL_VALUE`.

    A constant column carries no information, so no model can use it, while the
    ONNX input keeps its width (one graph signature for every model): a
    gradient-boosted tree never splits on a constant (it has a single bin), and
    the logistic heads standardize it with scale 1 (zero variance) to an
    all-zero column whose L2-penalized weight stays 0. Training and scoring
    both call this, so an excluded value never reaches the model. Returns a
    copy when a column changes, ``X`` itself otherwise.
    """
    columns = [feature_names.index(f) for f in excluded_features(attributes) if f in feature_names]
    if not columns:
        return X
    X = np.array(X, copy=True)
    X[:, columns] = NEUTRAL_VALUE
    return X


def _days(values) -> np.ndarray:
    """datetime64 array/Series -> int64 days since 1900 (NaT -> a huge value)."""
    arr = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = (arr - _DAY_ORIGIN).astype(np.int64)
    out[np.isnat(arr)] = np.int64(1 << 21)
    return out


class _Stream:
    """Events of one kind sorted by (customer, day), with cumulative sums."""

    def __init__(self, codes: np.ndarray, days: np.ndarray, values: dict[str, np.ndarray]):
        keys = codes.astype(np.int64) * _KEY_SHIFT + days
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.codes = codes[order]
        self.days = days[order]
        self.cum = {
            name: np.concatenate(([0.0], np.cumsum(np.asarray(v, dtype=np.float64)[order])))
            for name, v in values.items()
        }
        self.sorted_values = {
            name: np.asarray(v, dtype=np.float64)[order] for name, v in values.items()
        }

    def bounds(self, codes: np.ndarray, day_le: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index range [lo, hi) of each customer's events with day <= ``day_le``."""
        base = codes.astype(np.int64) * _KEY_SHIFT
        lo = np.searchsorted(self.keys, base, side="left")
        hi = np.searchsorted(self.keys, base + day_le, side="right")
        return lo, np.maximum(hi, lo)

    def total(self, name: str, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        cum = self.cum[name]
        return cum[hi] - cum[lo]

    def group_cum(self, name: str, how: str) -> np.ndarray:
        """Per-customer inclusive cumulative ``sum`` or ``max`` (sorted order)."""
        grouped = pd.Series(self.sorted_values[name]).groupby(self.codes, sort=False)
        return (grouped.cumsum() if how == "sum" else grouped.cummax()).to_numpy()


def _at(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray, empty: float) -> np.ndarray:
    """Value of a per-customer inclusive cumulative array at the last event (hi - 1)."""
    if len(arr) == 0:
        return np.full(len(hi), empty, dtype=np.float64)
    idx = np.clip(hi - 1, 0, len(arr) - 1)
    return np.where(hi > lo, arr[idx], empty)


def _shrink(total: np.ndarray, n: np.ndarray, prior: np.ndarray) -> np.ndarray:
    return (total + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)


def build_snapshot_features(
    history: pd.DataFrame, rows: np.ndarray, as_of_days: np.ndarray
) -> np.ndarray:
    """Feature matrix (float32, len(rows) x F) of ``history`` rows at per-row dates.

    ``rows`` are positional indices into ``history``; ``as_of_days`` the
    matching as-of dates as day numbers (see :func:`_days`) or datetimes.
    Only events dated on or before each row's as-of date are used.
    """
    if np.issubdtype(np.asarray(as_of_days).dtype, np.datetime64):
        as_of_days = _days(as_of_days)
    t = np.asarray(as_of_days, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    n_rows = len(rows)
    codes_all, _ = pd.factorize(history["customer_id"], sort=False)
    codes_all = codes_all.astype(np.int64)
    inv = _days(history["invoice_date"])
    due = _days(history["due_date"])
    paid = _days(history["paid_date"])
    is_paid = history["paid_date"].notna().to_numpy()
    first_pay = _days(history["first_payment_date"])
    amount = history["amount"].to_numpy(dtype=np.float64)
    disputed = history["disputed"].to_numpy(dtype=bool)
    # Newer optional column: frames built before it existed simply have no broken promise.
    broken_promise = (
        history["broken_promise"].to_numpy(dtype=bool)
        if "broken_promise" in history.columns
        else np.zeros(len(history), dtype=bool)
    )

    # --- settled stream: behaviour of the customer --------------------------
    s = is_paid
    days_late = np.clip((paid[s] - due[s]).astype(np.float64), -MAX_DAYS, MAX_DAYS)
    rel = paid[s] - pd.Series(paid[s]).groupby(codes_all[s]).transform("min").to_numpy()
    weight = np.exp(np.minimum(rel / RECENCY_TAU_DAYS, 600.0))
    settled = _Stream(
        codes_all[s],
        paid[s],
        {
            "one": np.ones(int(s.sum())),
            "late": (days_late > 0).astype(np.float64),
            "dl": days_late,
            "dl_pos": np.maximum(days_late, 0.0),
            "to_pay": np.clip((paid[s] - inv[s]).astype(np.float64), 0, MAX_DAYS),
            "partial": (first_pay[s] < paid[s]).astype(np.float64),
            "disputed": disputed[s].astype(np.float64),
            "broken_promise": broken_promise[s].astype(np.float64),
            "w": weight,
            "w_dl": weight * days_late,
            "w_dl2": weight * days_late**2,
        },
    )
    codes = codes_all[rows]
    lo, hi = settled.bounds(codes, t)
    n = (hi - lo).astype(np.float64)

    # population priors as known at each as-of date (all customers together)
    pop_days = np.sort(paid[s])
    pop_order = np.argsort(paid[s], kind="stable")
    pop_cnt = np.searchsorted(pop_days, t, side="right")

    def pop_mean(values: np.ndarray, default: float) -> np.ndarray:
        cum = np.concatenate(([0.0], np.cumsum(values[pop_order])))
        return np.where(pop_cnt > 0, cum[pop_cnt] / np.maximum(pop_cnt, 1), default)

    prior_late = pop_mean((days_late > 0).astype(np.float64), DEFAULT_PRIOR_SHARE_LATE)
    prior_dl = pop_mean(days_late, DEFAULT_PRIOR_DAYS_LATE)
    to_pay_all = np.clip((paid[s] - inv[s]).astype(np.float64), 0, MAX_DAYS)
    prior_pay = pop_mean(to_pay_all, DEFAULT_PRIOR_DAYS_TO_PAY)

    share_late = _shrink(settled.total("late", lo, hi), n, prior_late)
    g_w = settled.group_cum("w", "sum")
    g_wdl = settled.group_cum("w_dl", "sum")
    g_wdl2 = settled.group_cum("w_dl2", "sum")
    sw = _at(g_w, lo, hi, 0.0)
    # recency-weighted mean, shrunk: the pseudo-invoices weigh like an average one
    w_unit = np.where(n > 0, sw / np.maximum(n, 1.0), 1.0)
    swdl = _at(g_wdl, lo, hi, 0.0)
    wmean = (swdl + PRIOR_WEIGHT * w_unit * prior_dl) / (sw + PRIOR_WEIGHT * w_unit)
    wvar = np.maximum(
        _at(g_wdl2, lo, hi, 0.0) / np.maximum(sw, 1e-300) - (swdl / np.maximum(sw, 1e-300)) ** 2,
        0.0,
    )
    wstd = np.where(n > 1, np.sqrt(wvar), 0.0)
    max_dl = _at(settled.group_cum("dl_pos", "max"), lo, hi, 0.0)
    last12_lo = np.maximum(hi - 12, lo)
    n12 = (hi - last12_lo).astype(np.float64)
    mean12 = _shrink(settled.total("dl", last12_lo, hi), n12, prior_dl)
    last6_lo = np.maximum(hi - 6, lo)
    n6 = (hi - last6_lo).astype(np.float64)
    n_old = (last6_lo - lo).astype(np.float64)
    recent = settled.total("dl", last6_lo, hi) / np.maximum(n6, 1.0)
    older = settled.total("dl", lo, last6_lo) / np.maximum(n_old, 1.0)
    trend = np.where((n6 > 0) & (n_old > 0), recent - older, 0.0)
    mean_to_pay = _shrink(settled.total("to_pay", lo, hi), n, prior_pay)
    share_partial = _shrink(settled.total("partial", lo, hi), n, 0.1)
    share_disputed = _shrink(settled.total("disputed", lo, hi), n, 0.03)
    share_broken = _shrink(settled.total("broken_promise", lo, hi), n, 0.0)
    if len(settled.days):
        last_paid = np.where(hi > lo, settled.days[np.clip(hi - 1, 0, len(settled.days) - 1)], -1)
    else:
        last_paid = np.full(n_rows, -1, dtype=np.int64)

    # --- exposure at the as-of date -----------------------------------------
    issued = _Stream(codes_all, inv, {"one": np.ones(len(inv)), "amount": amount})
    ilo, ihi = issued.bounds(codes, t)
    n_issued = (ihi - ilo).astype(np.float64)
    sum_issued = issued.total("amount", ilo, ihi)
    _, ihi90 = issued.bounds(codes, t - 90)
    n_90d = (ihi - np.maximum(ihi90, ilo)).astype(np.float64)
    first_inv = np.where(ihi > ilo, issued.days[np.clip(ilo, 0, len(inv) - 1)], t)
    paid_stream = _Stream(
        codes_all[s], paid[s], {"one": np.ones(int(s.sum())), "amount": amount[s]}
    )
    plo, phi = paid_stream.bounds(codes, t)
    n_open = np.maximum(n_issued - (phi - plo), 0.0)
    open_amount = np.maximum(sum_issued - paid_stream.total("amount", plo, phi), 0.0)
    due_stream = _Stream(
        codes_all, due, {"one": np.ones(len(due)), "amount": amount, "due": due.astype(np.float64)}
    )
    dlo, dhi = due_stream.bounds(codes, t - 1)
    settle_od = np.maximum(paid[s], due[s] + 1)
    od_stream = _Stream(
        codes_all[s],
        settle_od,
        {"one": np.ones(int(s.sum())), "amount": amount[s], "due": due[s].astype(np.float64)},
    )
    olo, ohi = od_stream.bounds(codes, t)
    n_overdue = np.maximum((dhi - dlo) - (ohi - olo), 0).astype(np.float64)
    overdue_amount = np.maximum(
        due_stream.total("amount", dlo, dhi) - od_stream.total("amount", olo, ohi), 0.0
    )
    sum_due_od = due_stream.total("due", dlo, dhi) - od_stream.total("due", olo, ohi)
    mean_od_age = np.where(n_overdue > 0, t - sum_due_od / np.maximum(n_overdue, 1.0), 0.0)

    credit = history["credit_limit"].to_numpy(dtype=np.float64)[rows]
    util = np.where(
        np.isfinite(credit) & (credit > 0), open_amount / np.where(credit > 0, credit, 1.0), 0.0
    )

    # --- the invoice itself --------------------------------------------------
    amt = amount[rows]
    usual = np.where(n_issued > 0, sum_issued / np.maximum(n_issued, 1.0), amt)
    amount_ratio = np.log(np.maximum(amt, 0.01) / np.maximum(usual, 0.01))
    terms = np.clip((due[rows] - inv[rows]).astype(np.float64), -MAX_DAYS, MAX_DAYS)
    to_due = np.clip((due[rows] - t).astype(np.float64), -MAX_DAYS, MAX_DAYS)
    age = np.clip((t - inv[rows]).astype(np.float64), 0, MAX_DAYS)
    month = pd.DatetimeIndex(history["invoice_date"].to_numpy()[rows]).month.to_numpy()
    angle = 2 * np.pi * (month - 1) / 12.0
    tenure = np.clip((t - first_inv).astype(np.float64), 0, MAX_DAYS)
    since_pay = np.where(last_paid >= 0, np.clip(t - last_paid, 0, MAX_DAYS), tenure)
    partially = (first_pay[rows] <= t).astype(np.float64)

    cols = [
        np.log1p(n),
        share_late,
        wmean,
        wstd,
        max_dl,
        mean12,
        trend,
        mean_to_pay,
        share_partial,
        share_disputed,
        share_broken,
        np.log1p(open_amount),
        np.log1p(overdue_amount),
        n_open,
        n_overdue,
        mean_od_age,
        np.clip(util, 0.0, 20.0),
        np.log1p(np.maximum(amt, 0.0)),
        amount_ratio,
        terms,
        to_due,
        age,
        np.sin(angle),
        np.cos(angle),
        tenure,
        since_pay,
        partially,
        n_90d,
        disputed[rows].astype(np.float64),
    ]
    X = np.empty((n_rows, len(FEATURE_NAMES)), dtype=np.float32)
    for j, col in enumerate(cols):
        X[:, j] = col
    np.nan_to_num(X, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return X


def open_mask(history: pd.DataFrame, as_of) -> np.ndarray:
    """Rows of ``history`` open at ``as_of`` (issued by then, not settled by then)."""
    as_of = pd.Timestamp(as_of).normalize()
    paid = history["paid_date"]
    return ((history["invoice_date"] <= as_of) & (paid.isna() | (paid > as_of))).to_numpy()


def build_features(
    history: pd.DataFrame, as_of, invoice_ids: Iterable[str] | None = None
) -> FeatureMatrix:
    """Features of the invoices open at ``as_of``, from what was known at ``as_of``."""
    as_of = pd.Timestamp(as_of).normalize()
    mask = open_mask(history, as_of)
    if invoice_ids is not None:
        mask &= history["invoice_id"].isin(list(invoice_ids)).to_numpy()
    rows = np.flatnonzero(mask)
    t = np.full(len(rows), _days(np.array([as_of.to_datetime64()]))[0], dtype=np.int64)
    if len(rows):
        X = build_snapshot_features(history, rows, t)
    else:
        X = np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    base = history.iloc[rows][
        ["invoice_id", "customer_id", "invoice_date", "due_date", "amount"]
    ].reset_index(drop=True)
    frame = pd.concat([base, pd.DataFrame(X, columns=list(FEATURE_NAMES))], axis=1)
    return FeatureMatrix(frame=frame, X=X, feature_names=FEATURE_NAMES, as_of=as_of)


def customer_summary(history: pd.DataFrame, as_of) -> pd.DataFrame:
    """Per-customer figures at ``as_of`` (from what was known then).

    Columns: ``customer_id, avg_days_late, share_late, open_amount,
    overdue_amount, n_open, n_overdue, dso_days``. ``dso_days`` is the
    amount-weighted mean days-to-pay of invoices settled in the last 365 days
    (0 when none).
    """
    as_of = pd.Timestamp(as_of).normalize()
    h = history[history["invoice_date"] <= as_of]
    paid = h["paid_date"]
    settled = paid.notna() & (paid <= as_of)
    is_open = ~settled
    overdue = is_open & (h["due_date"] < as_of)
    days_late = (paid - h["due_date"]).dt.days.where(settled)
    to_pay = (paid - h["invoice_date"]).dt.days.where(
        settled & (paid > as_of - pd.Timedelta(days=365))
    )
    w_amount = h["amount"].where(to_pay.notna())
    frame = pd.DataFrame(
        {
            "customer_id": h["customer_id"],
            "days_late": days_late,
            "late": (days_late > 0).astype(float).where(settled),
            "open_amount": h["amount"].where(is_open, 0.0),
            "overdue_amount": h["amount"].where(overdue, 0.0),
            "n_open": is_open.astype(int),
            "n_overdue": overdue.astype(int),
            "wpay": (to_pay * w_amount).fillna(0.0),
            "w": w_amount.fillna(0.0),
        }
    )
    g = frame.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "avg_days_late": g["days_late"].mean().fillna(0.0),
            "share_late": g["late"].mean().fillna(0.0),
            "open_amount": g["open_amount"].sum(),
            "overdue_amount": g["overdue_amount"].sum(),
            "n_open": g["n_open"].sum().astype(int),
            "n_overdue": g["n_overdue"].sum().astype(int),
        }
    )
    w = g["w"].sum()
    out["dso_days"] = (g["wpay"].sum() / w.where(w > 0)).fillna(0.0)
    return out.reset_index()
