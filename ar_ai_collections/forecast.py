"""13-week cash forecast: how much cash comes in each week from the open invoices.

Each open invoice ``i`` of amount ``a_i`` has, from the time-to-payment model
(:mod:`~ar_ai_collections.survival`), a probability ``p_ik`` of being paid in
week ``k`` after the forecast date: ``S(k-1) - S(k)`` on its survival curve.
Week ``k`` covers the days after ``as_of + 7(k-1)`` up to ``as_of + 7k``
(both ends as dates: ``start = as_of + 7(k-1) + 1``, ``end = as_of + 7k``).

* Expected collections of week ``k``: ``sum_i a_i p_ik``. Over all weeks the
  sum is at most the open amount (the rest is expected later, or never).
* P10 / P90 band: each invoice is paid in week ``k`` or not (a Bernoulli), so
  the week's total has variance ``sum_i a_i^2 p_ik (1 - p_ik)``; a normal
  approximation gives ``expected -/+ 1.2816 sd``, floored at 0 and capped at
  the open amount. This assumes invoices pay independently; invoices of one
  customer tend to move together, so the true band is wider for a book
  dominated by a few customers.

Amounts are in the company currency (the history's ``amount``); the split
``by currency`` groups by the invoice's original ``currency`` code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .survival import WEEK_DAYS
from .ttp_model import (
    DEFAULT_TTP_BAND_THRESHOLDS,
    TTPModel,
    TTPScores,
    load_default_ttp_model,
    ttp_bands,
)

#: Weeks forecast by default (a quarter).
DEFAULT_FORECAST_WEEKS = 13
#: z-score of the 10th / 90th percentiles of a normal distribution.
Z_P90 = 1.2815515655446004
#: Columns of the company-level forecast (``forecast`` CLI output).
FORECAST_COLUMNS = ("week", "start", "end", "expected", "p10", "p90")
#: Columns of the detailed forecast (one row per currency, customer, band and week).
DETAIL_COLUMNS = ("currency", "customer_id", "band", *FORECAST_COLUMNS, "open_amount")


def weekly_pmf(survival: np.ndarray, weeks: int) -> np.ndarray:
    """P(paid in week k) for k = 1..``weeks`` (N x weeks) from survival curves (N x K).

    Beyond the curve's length the last week's hazard continues.
    """
    S = np.asarray(survival, dtype=np.float64)
    n, K = S.shape
    if weeks > K:
        last = S[:, -1:] / np.maximum(S[:, -2:-1], 1e-300) if K > 1 else S[:, -1:]
        extra = S[:, -1:] * np.cumprod(np.repeat(np.clip(last, 0, 1), weeks - K, axis=1), axis=1)
        S = np.concatenate([S, extra], axis=1)
    prev = np.concatenate([np.ones((n, 1)), S[:, : weeks - 1]], axis=1)
    return np.clip(prev - S[:, :weeks], 0.0, 1.0)


@dataclass
class CashForecast:
    """Expected collections per week from the invoices open on ``as_of``.

    * ``total``: one row per week (company currency): FORECAST_COLUMNS;
    * ``by_currency``: the same per original ``currency`` code;
    * ``by_band``: expected per week and risk band (P(not paid within 30 days));
    * ``by_customer``: expected per week and customer (rows with expected > 0);
    * ``detail``: DETAIL_COLUMNS, one row per currency, customer, band and week
      (rows with expected > 0), P10/P90 of that group alone and its open amount;
    * ``invoices``: the band of each open invoice (``invoice_id``,
      ``customer_id``, ``currency``, ``band``), so that what is collected later
      can be split by the band the invoice had when forecast.
    """

    as_of: pd.Timestamp
    weeks: int
    total: pd.DataFrame
    by_currency: pd.DataFrame
    by_band: pd.DataFrame
    by_customer: pd.DataFrame
    open_amount: float
    detail: pd.DataFrame
    invoices: pd.DataFrame


def _week_frame(as_of: pd.Timestamp, weeks: int) -> pd.DataFrame:
    k = np.arange(1, weeks + 1)
    return pd.DataFrame(
        {
            "week": k,
            "start": as_of + pd.to_timedelta(WEEK_DAYS * (k - 1) + 1, unit="D"),
            "end": as_of + pd.to_timedelta(WEEK_DAYS * k, unit="D"),
        }
    )


def _bands(expected: np.ndarray, variance: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray]:
    sd = np.sqrt(np.maximum(variance, 0.0))
    return np.maximum(expected - Z_P90 * sd, 0.0), np.minimum(expected + Z_P90 * sd, cap)


def cash_forecast(
    scores: TTPScores,
    weeks: int = DEFAULT_FORECAST_WEEKS,
    band_thresholds=DEFAULT_TTP_BAND_THRESHOLDS,
) -> CashForecast:
    """Weekly collections forecast from scored open invoices (see module doc).

    ``band_thresholds``: lower bounds (%) of P(not paid within 30 days) of the
    medium, high and critical bands (:func:`~.survival.ttp_bands`).
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    frame = scores.frame
    amount = frame["amount"].to_numpy(dtype=np.float64)
    pmf = weekly_pmf(scores.survival, weeks) if len(frame) else np.zeros((0, weeks))
    cash = pmf * amount[:, None]
    var = pmf * (1 - pmf) * (amount**2)[:, None]
    calendar = _week_frame(scores.as_of, weeks)
    open_amount = float(amount.sum())

    total = calendar.copy()
    total["expected"] = cash.sum(axis=0)
    total["p10"], total["p90"] = _bands(total["expected"].to_numpy(), var.sum(axis=0), open_amount)

    currency = frame["currency"].fillna("").astype(str).to_numpy() if len(frame) else np.array([])
    parts = []
    for code in sorted(set(currency)):
        sel = currency == code
        part = calendar.copy()
        part.insert(0, "currency", code)
        part["expected"] = cash[sel].sum(axis=0)
        part["p10"], part["p90"] = _bands(
            part["expected"].to_numpy(), var[sel].sum(axis=0), float(amount[sel].sum())
        )
        parts.append(part)
    by_currency = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["currency", *FORECAST_COLUMNS])
    )

    band = (
        ttp_bands(1.0 - frame["p_paid_30d"].to_numpy(), band_thresholds)
        if len(frame)
        else np.array([])
    )
    long = pd.DataFrame(
        {
            "row": np.repeat(np.arange(len(frame)), weeks),
            "week": np.tile(np.arange(1, weeks + 1), len(frame)),
            "expected": cash.reshape(-1),
            "variance": var.reshape(-1),
            "open_amount": np.repeat(amount, weeks),
        }
    )
    long["band"] = np.repeat(band, weeks)
    long["customer_id"] = np.repeat(frame["customer_id"].to_numpy(), weeks)
    long["currency"] = np.repeat(currency, weeks)
    by_band = long.groupby(["currency", "week", "band"], as_index=False)["expected"].sum()
    by_customer = long.groupby(["currency", "customer_id", "week"], as_index=False)[
        "expected"
    ].sum()
    by_customer = by_customer[by_customer["expected"] > 0].reset_index(drop=True)
    detail = long.groupby(["currency", "customer_id", "band", "week"], as_index=False)[
        ["expected", "variance", "open_amount"]
    ].sum()
    detail = detail[detail["expected"] > 0].merge(calendar, on="week", how="left")
    p10, p90 = _bands(
        detail["expected"].to_numpy(),
        detail["variance"].to_numpy(),
        detail["open_amount"].to_numpy(),
    )
    detail = detail.assign(p10=p10, p90=p90)[list(DETAIL_COLUMNS)].reset_index(drop=True)
    invoices = pd.DataFrame(
        {
            "invoice_id": frame["invoice_id"].to_numpy(),
            "customer_id": frame["customer_id"].to_numpy(),
            "currency": currency,
            "band": band,
        }
    )
    return CashForecast(
        scores.as_of, weeks, total, by_currency, by_band, by_customer, open_amount, detail, invoices
    )


def forecast_collections(
    history: pd.DataFrame,
    as_of,
    weeks: int = DEFAULT_FORECAST_WEEKS,
    model: TTPModel | None = None,
    band_thresholds=DEFAULT_TTP_BAND_THRESHOLDS,
) -> CashForecast:
    """Score the invoices open on ``as_of`` and forecast their weekly collections."""
    model = model or load_default_ttp_model()
    return cash_forecast(model.score(history, as_of), weeks, band_thresholds)


def write_forecast(forecast: CashForecast, path) -> None:
    """Write the company-level forecast CSV (FORECAST_COLUMNS, ISO dates, 2 decimals)."""
    out = forecast.total[list(FORECAST_COLUMNS)].copy()
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.2f")
