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

Stored detail (:attr:`CashForecast.detail`): one row per currency, band and
week for each *named* customer, the others summed in one "Other customers"
group (``customer_id`` :data:`OTHER_CUSTOMERS`). A book of at most
:data:`MAX_NAMED_CUSTOMERS` customers names them all (its rows are few, and each
customer's form shows its own weeks); a larger one names the customers with the
largest expected amounts over the horizon, as many as make up
:data:`NAMED_CUSTOMER_SHARE` of it, at most :data:`MAX_NAMED_CUSTOMERS`. Why:
a treasurer reads the forecast by week and band, and by customer only for the
few that move the total; receivables are long-tailed (45,833 customers for
100,000 open invoices: one row per customer, band and week was ~600,000 rows,
a 5-minute refresh and a slow graph), while the tail's customers each weigh
a fraction of a percent. Rows stay at most currencies x bands x weeks x
(MAX_NAMED_CUSTOMERS + 1) whatever the book's size, and the sums are
unchanged (the tail is grouped, never dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .survival import WEEK_DAYS
from .ttp_calibration import DEFAULT_TTP_BAND_THRESHOLDS, ttp_bands
from .ttp_model import TTPModel, TTPScores, load_default_ttp_model

#: Weeks forecast by default (a quarter).
DEFAULT_FORECAST_WEEKS = 13
#: z-score of the 10th / 90th percentiles of a normal distribution.
Z_P90 = 1.2815515655446004
#: Share of the horizon's expected amount covered by named customers in the detail.
NAMED_CUSTOMER_SHARE = 0.95
#: At most this many named customers in the detail (the rest: "Other customers").
MAX_NAMED_CUSTOMERS = 200
#: ``customer_id`` of the "Other customers" group of the detail.
OTHER_CUSTOMERS = 0
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
    * ``detail``: DETAIL_COLUMNS, one row per currency, named customer (or
      OTHER_CUSTOMERS), band and week (rows with expected > 0), P10/P90 of
      that group alone and its open amount (see module doc);
    * ``invoices``: the band of each open invoice (``invoice_id``,
      ``customer_id``, ``currency``, ``band``) and its detail group's
      ``group_customer_id``, so that what is collected later can be split by
      the band the invoice had when forecast.
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


def named_customers(
    customer_id: np.ndarray,
    expected: np.ndarray,
    share: float = NAMED_CUSTOMER_SHARE,
    limit: int = MAX_NAMED_CUSTOMERS,
) -> np.ndarray:
    """Customers named in the detail: all of them when they are at most ``limit``,
    else the largest expected amounts (``expected`` per invoice over the horizon) up
    to ``share`` of their total, at most ``limit``."""
    if not len(customer_id):
        return np.array([], dtype=customer_id.dtype)
    totals = pd.Series(expected).groupby(customer_id).sum().sort_values(ascending=False)
    if len(totals) <= limit:
        return totals.index.to_numpy()
    covered = totals.cumsum().to_numpy()
    # the first customers whose cumulated amount reaches the share, the one crossing it included
    count = int(np.searchsorted(covered, share * covered[-1], side="left")) + 1
    return totals.index.to_numpy()[: min(count, limit)]


def cash_forecast(
    scores: TTPScores,
    weeks: int = DEFAULT_FORECAST_WEEKS,
    band_thresholds=DEFAULT_TTP_BAND_THRESHOLDS,
    max_named_customers: int = MAX_NAMED_CUSTOMERS,
) -> CashForecast:
    """Weekly collections forecast from scored open invoices (see module doc).

    ``band_thresholds``: lower bounds (%) of P(not paid within 30 days) of the
    medium, high and critical bands (:func:`~.ttp_calibration.ttp_bands`).
    ``max_named_customers``: customers kept by name in ``detail`` (at most).
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
    customer = frame["customer_id"].to_numpy()
    named = named_customers(customer, cash.sum(axis=1), limit=max_named_customers)
    group_customer = np.where(np.isin(customer, named), customer, OTHER_CUSTOMERS)
    long["customer_id"] = np.repeat(customer, weeks)
    long["group_customer_id"] = np.repeat(group_customer, weeks)
    long["currency"] = np.repeat(currency, weeks)
    by_band = long.groupby(["currency", "week", "band"], as_index=False)["expected"].sum()
    by_customer = long.groupby(["currency", "customer_id", "week"], as_index=False)[
        "expected"
    ].sum()
    by_customer = by_customer[by_customer["expected"] > 0].reset_index(drop=True)
    detail = (
        long.groupby(["currency", "group_customer_id", "band", "week"], as_index=False)[
            ["expected", "variance", "open_amount"]
        ]
        .sum()
        .rename(columns={"group_customer_id": "customer_id"})
    )
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
            "customer_id": customer,
            "currency": currency,
            "band": band,
            "group_customer_id": group_customer,
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
    max_named_customers: int = MAX_NAMED_CUSTOMERS,
) -> CashForecast:
    """Score the invoices open on ``as_of`` and forecast their weekly collections."""
    model = model or load_default_ttp_model()
    return cash_forecast(model.score(history, as_of), weeks, band_thresholds, max_named_customers)


def write_forecast(forecast: CashForecast, path) -> None:
    """Write the company-level forecast CSV (FORECAST_COLUMNS, ISO dates, 2 decimals)."""
    out = forecast.total[list(FORECAST_COLUMNS)].copy()
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.2f")
