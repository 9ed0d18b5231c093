"""Dunning guards: each returns a boolean mask, True = the action may go ahead.

Plain numpy, no Odoo; ``dunning_policy.plan_run`` applies them in its documented order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

# Default guards (per company, editable in Settings).
DEFAULT_MAX_CONTACTS_7D = 2
DEFAULT_BUSINESS_HOUR_START = 8.0
DEFAULT_BUSINESS_HOUR_END = 18.0
DEFAULT_MIN_OVERDUE_AMOUNT = 0.0
DEFAULT_REVIEW_AMOUNT = 50000.0
DEFAULT_PAYMENT_WINDOW_DAYS = 14


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
    """Local decimal hour (e.g. 13.5) and ISO weekday (1..7) of ``now_utc`` per time zone.

    Each distinct zone is converted once (a run has thousands of customers, a few zones).
    """
    names = np.array([name or default_tz for name in tz_names], dtype=object)
    if names.size == 0:
        return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64)
    zones, inverse = np.unique(names.astype(str), return_inverse=True)
    zone_hours = np.empty(zones.size, dtype=np.float64)
    zone_weekdays = np.empty(zones.size, dtype=np.int64)
    for i, key in enumerate(zones):
        try:
            zone = ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(default_tz)
        local = now_utc.astimezone(zone)
        zone_hours[i], zone_weekdays[i] = local.hour + local.minute / 60.0, local.isoweekday()
    return zone_hours[inverse], zone_weekdays[inverse]


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
