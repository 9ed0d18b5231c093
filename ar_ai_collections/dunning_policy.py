"""Dunning policy maths: which follow-up level is due, and the guards.

Plain numpy, no Odoo. The Odoo dunning run selects its candidates in SQL, then
calls these vectorized functions once per batch instead of deciding invoice by
invoice in Python.

Levels are described by three parallel arrays, ordered by sequence:

* ``level_days``: days relative to the due date at which the level becomes due
  (negative = courtesy reminder before the due date);
* ``level_bands``: boolean matrix (n_levels x len(RISK_BANDS)), True when the
  level applies to invoices of that risk band;
* the level's position (0..n_levels-1) is its rank on the escalation ladder.

An invoice's ``last_rank`` is the rank of the last level executed for it (-1
when none). The next level due is the highest-ranked applicable level whose
``days`` have been reached and whose rank is above ``last_rank``: an invoice
that missed a level (e.g. created very late) jumps straight to the level its age
calls for, it never receives a backlog of reminders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .constants import RISK_BANDS

NO_LEVEL = -1
DEFAULT_BAND = "medium"

# Default guards (per company, editable in Settings).
DEFAULT_MAX_CONTACTS_7D = 2
DEFAULT_BUSINESS_HOUR_START = 8.0
DEFAULT_BUSINESS_HOUR_END = 18.0
DEFAULT_MIN_OVERDUE_AMOUNT = 0.0
DEFAULT_REVIEW_AMOUNT = 50000.0
DEFAULT_PAYMENT_WINDOW_DAYS = 14


def band_index(bands: Sequence[str | None] | np.ndarray) -> np.ndarray:
    """Map risk band names to their column in ``RISK_BANDS``.

    Unknown or empty bands (invoice not scored yet) count as ``DEFAULT_BAND``.
    """
    lookup = {band: i for i, band in enumerate(RISK_BANDS)}
    default = lookup[DEFAULT_BAND]
    return np.fromiter(
        (lookup.get(b, default) if isinstance(b, str) else default for b in bands),
        dtype=np.int64,
        count=len(bands),
    )


def next_level_rank(
    days_overdue: np.ndarray,
    bands: Sequence[str | None] | np.ndarray,
    last_rank: np.ndarray,
    level_days: np.ndarray,
    level_bands: np.ndarray,
) -> np.ndarray:
    """Return, per invoice, the rank of the next level due, or ``NO_LEVEL``.

    :param days_overdue: int array (n,), today minus due date (negative before due)
    :param bands: risk band per invoice (n,)
    :param last_rank: int array (n,), rank of the last level executed, -1 if none
    :param level_days: int array (L,), ordered by rank
    :param level_bands: bool array (L, len(RISK_BANDS))
    """
    days_overdue = np.asarray(days_overdue, dtype=np.int64)
    last_rank = np.asarray(last_rank, dtype=np.int64)
    level_days = np.asarray(level_days, dtype=np.int64)
    level_bands = np.asarray(level_bands, dtype=bool)
    n, n_levels = days_overdue.shape[0], level_days.shape[0]
    if n == 0 or n_levels == 0:
        return np.full(n, NO_LEVEL, dtype=np.int64)
    band_col = band_index(bands)
    # (n, L) eligibility: age reached, band applies, above the last executed rank.
    reached = days_overdue[:, None] >= level_days[None, :]
    applies = level_bands[:, band_col].T
    above = np.arange(n_levels)[None, :] > last_rank[:, None]
    eligible = reached & applies & above
    # Highest eligible rank: argmax over the reversed columns.
    any_eligible = eligible.any(axis=1)
    highest = n_levels - 1 - np.argmax(eligible[:, ::-1], axis=1)
    return np.where(any_eligible, highest, NO_LEVEL).astype(np.int64)


def next_level_date_offset(
    bands: Sequence[str | None] | np.ndarray,
    last_rank: np.ndarray,
    level_days: np.ndarray,
    level_bands: np.ndarray,
) -> np.ndarray:
    """Days after the due date at which the next level (after ``last_rank``) falls due.

    Returns a float array with NaN where no further level applies (end of ladder).
    """
    last_rank = np.asarray(last_rank, dtype=np.int64)
    level_days = np.asarray(level_days, dtype=np.float64)
    level_bands = np.asarray(level_bands, dtype=bool)
    n, n_levels = last_rank.shape[0], level_days.shape[0]
    if n == 0 or n_levels == 0:
        return np.full(n, np.nan)
    applies = level_bands[:, band_index(bands)].T
    above = np.arange(n_levels)[None, :] > last_rank[:, None]
    days = np.where(applies & above, level_days[None, :], np.inf)
    first = days.min(axis=1)
    return np.where(np.isfinite(first), first, np.nan)


# ----------------------------------------------------------------------
# Guards: each returns a boolean mask, True = the action may go ahead.
# ----------------------------------------------------------------------


def frequency_cap_ok(
    contacts_last_7d: np.ndarray, planned_before: np.ndarray | None, max_contacts: int
) -> np.ndarray:
    """True where one more contact keeps the customer within ``max_contacts`` per 7 days.

    :param contacts_last_7d: contacts already made in the rolling 7 days (per customer)
    :param planned_before: contacts already planned earlier in the same run (or None)
    :param max_contacts: cap; 0 or less disables the cap
    """
    contacts = np.asarray(contacts_last_7d, dtype=np.int64)
    if planned_before is not None:
        contacts = contacts + np.asarray(planned_before, dtype=np.int64)
    if max_contacts <= 0:
        return np.ones(contacts.shape[0], dtype=bool)
    return contacts < max_contacts


def local_hours(now_utc: datetime, tz_names: Sequence[str | None], default_tz: str = "UTC"):
    """Local decimal hour (e.g. 13.5) and ISO weekday (1..7) of ``now_utc`` per time zone."""
    cache: dict[str, tuple[float, int]] = {}
    hours = np.empty(len(tz_names), dtype=np.float64)
    weekdays = np.empty(len(tz_names), dtype=np.int64)
    for i, name in enumerate(tz_names):
        key = name or default_tz
        if key not in cache:
            try:
                zone = ZoneInfo(key)
            except (ZoneInfoNotFoundError, ValueError):
                zone = ZoneInfo(default_tz)
            local = now_utc.astimezone(zone)
            cache[key] = (local.hour + local.minute / 60.0, local.isoweekday())
        hours[i], weekdays[i] = cache[key]
    return hours, weekdays


def business_hours_ok(
    now_utc: datetime,
    tz_names: Sequence[str | None],
    start_hour: float,
    end_hour: float,
    weekdays_only: bool = True,
    default_tz: str = "UTC",
) -> np.ndarray:
    """True where ``now_utc`` falls in business hours in the customer's time zone.

    ``now_utc`` must be timezone-aware. ``start_hour >= end_hour`` disables the
    hour check (always open).
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    hours, weekdays = local_hours(now_utc, tz_names, default_tz)
    if start_hour < end_hour:
        ok = (hours >= start_hour) & (hours < end_hour)
    else:
        ok = np.ones(hours.shape[0], dtype=bool)
    if weekdays_only:
        ok &= weekdays <= 5
    return ok


def min_amount_ok(overdue_amount: np.ndarray, min_amount: float) -> np.ndarray:
    """True where the customer's overdue amount reaches the minimum."""
    return np.asarray(overdue_amount, dtype=np.float64) >= float(min_amount or 0.0)


def needs_review(
    open_amount: np.ndarray, sensitive: np.ndarray, review_amount: float
) -> np.ndarray:
    """True where a human must approve: sensitive customer or amount above the threshold.

    ``review_amount`` of 0 or less disables the amount trigger.
    """
    amount = np.asarray(open_amount, dtype=np.float64)
    flagged = np.asarray(sensitive, dtype=bool)
    if review_amount and review_amount > 0:
        return flagged | (amount >= review_amount)
    return flagged.copy()
