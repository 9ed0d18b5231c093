"""Answers read off weekly survival curves: P(unpaid after some days), the days by
which an invoice is paid with a given probability, and the dates, days late and
P(default) the screens show (:func:`summarize_curve`). numpy only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .survival import DATE_QUANTILES, DEFAULT_AFTER_DUE_DAYS, MAX_DAYS_AHEAD, WEEK_DAYS


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
