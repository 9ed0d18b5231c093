"""Dunning ladder maths: which level an invoice climbs to next, and when.

Plain numpy, no Odoo. Levels are described by parallel arrays ordered by rank
(``level_days``: days relative to the due date, negative for a courtesy reminder;
``level_bands``: levels x ``RISK_BANDS`` applicability; ``level_spacing``: days
after the previous level). An invoice's ``last_rank`` is the rank of the last level
executed for it (-1 when none). The ladder is graduated: one applicable level at a
time, each spaced from the previous one.

A level applies to an invoice when its band allows it (risk-aware timing) and
it belongs to the customer's ladder. With age-only timing (``age_only`` True
for the invoice) the band is ignored: every level of the ladder applies, by age
alone, as on a classic age-based ladder. ``ladder`` (invoices x levels, True
where the level belongs to the invoice customer's ladder) restricts the levels,
e.g. to an experiment arm's set; None means every level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .constants import DUNNING_TIMINGS, RISK_BANDS

NO_LEVEL = -1
DEFAULT_BAND = "medium"


def band_index(bands: Sequence[str | None] | np.ndarray) -> np.ndarray:
    """Map risk band names to their column in ``RISK_BANDS``.

    Unknown or empty bands (invoice not scored yet) count as ``DEFAULT_BAND``.
    """
    codes = pd.Categorical(np.asarray(bands, dtype=object), categories=RISK_BANDS).codes
    return np.where(codes >= 0, codes, RISK_BANDS.index(DEFAULT_BAND)).astype(np.int64)


def applicable_levels(
    bands: Sequence[str | None] | np.ndarray,
    level_bands: np.ndarray,
    age_only: np.ndarray | None = None,
    ladder: np.ndarray | None = None,
) -> np.ndarray:
    """Invoices x levels: True where the level applies to the invoice (see the module)."""
    applicable = np.asarray(level_bands, dtype=bool)[:, band_index(bands)].T
    if age_only is not None:
        applicable = applicable | np.asarray(age_only, dtype=bool)[:, None]
    if ladder is not None:
        applicable = applicable & np.asarray(ladder, dtype=bool)
    return applicable


def _ladder_arrays(days_overdue, rank, days_since_last, level_days, level_bands, level_spacing):
    """The ladder functions' inputs as arrays: ints for days and ranks, floats (NaN:
    never executed) for the days since the last level and the spacing."""
    return (
        np.asarray(days_overdue, dtype=np.int64),
        np.asarray(rank, dtype=np.int64),
        np.asarray(days_since_last, dtype=np.float64),
        np.asarray(level_days, dtype=np.int64),
        np.asarray(level_bands, dtype=bool),
        np.asarray(level_spacing, dtype=np.float64),
    )


def graduated_next_rank(
    days_overdue: np.ndarray,
    bands: Sequence[str | None] | np.ndarray,
    last_rank: np.ndarray,
    days_since_last: np.ndarray,
    level_days: np.ndarray,
    level_bands: np.ndarray,
    level_spacing: np.ndarray,
    promise_broken: np.ndarray | None = None,
    age_only: np.ndarray | None = None,
    ladder: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Next level of each invoice on a graduated ladder, and whether spacing allows it.

    The ladder is climbed one applicable level at a time (never a jump to the
    level the invoice's age alone would call for):

    * before the due date (``days_overdue <= 0``) the next level is the highest
      courtesy level (``days <= 0``) reached, applicable and above ``last_rank``;
    * once overdue, courtesy levels are past: the next level is the lowest
      applicable overdue level above ``last_rank``, due when its ``days`` are
      reached. So the first contact of an invoice is never beyond the first
      overdue reminder, however old the invoice (a first run on an existing
      ledger starts everyone at the first reminder);
    * spacing: a level is reached only ``level_spacing[level]`` days or more after
      the previous execution for the invoice (``days_since_last``, NaN when none:
      no spacing to respect);
    * a broken promise releases the invoice to the next level at once (its days
      and spacing waived): the ladder resumes where it stood, one step up;
    * ``age_only`` and ``ladder``: which levels apply (:func:`applicable_levels`).

    :return: ``(due_rank, spaced)``: ``due_rank`` is ``NO_LEVEL`` where nothing is
        due by age; ``spaced`` is True where the spacing lets ``due_rank`` go now.
    """
    days_overdue, last_rank, since, level_days, level_bands, spacing = _ladder_arrays(
        days_overdue, last_rank, days_since_last, level_days, level_bands, level_spacing
    )
    n, n_levels = days_overdue.shape[0], level_days.shape[0]
    broken = np.zeros(n, dtype=bool) if promise_broken is None else np.asarray(promise_broken, bool)
    if n == 0 or n_levels == 0:
        return np.full(n, NO_LEVEL, dtype=np.int64), np.zeros(n, dtype=bool)
    ranks = np.arange(n_levels)
    applicable = applicable_levels(bands, level_bands, age_only, ladder)
    open_levels = applicable & (ranks[None, :] > last_rank[:, None])
    courtesy = level_days <= 0
    overdue = days_overdue > 0
    # Before due: highest courtesy level reached (argmax over reversed columns).
    pre_due = open_levels & (days_overdue[:, None] >= level_days[None, :]) & ~overdue[:, None]
    pre_rank = np.where(pre_due.any(axis=1), n_levels - 1 - np.argmax(pre_due[:, ::-1], 1), -1)
    # Overdue: lowest applicable overdue level above the last one.
    upcoming = open_levels & ~courtesy[None, :] & overdue[:, None]
    next_rank = np.where(upcoming.any(axis=1), np.argmax(upcoming, axis=1), -1)
    age_reached = days_overdue >= level_days[next_rank.clip(0)]
    due_rank = np.where(
        overdue, np.where((next_rank >= 0) & (age_reached | broken), next_rank, -1), pre_rank
    )
    wait = spacing[due_rank.clip(0)]
    spaced = np.isnan(since) | (since >= wait) | broken
    return due_rank.astype(np.int64), spaced & (due_rank >= 0)


def next_level_days(
    days_overdue: np.ndarray,
    bands: Sequence[str | None] | np.ndarray,
    rank: np.ndarray,
    days_since_last: np.ndarray,
    level_days: np.ndarray,
    level_bands: np.ndarray,
    level_spacing: np.ndarray,
    age_only: np.ndarray | None = None,
    ladder: np.ndarray | None = None,
) -> np.ndarray:
    """Days from today until the next level of each invoice may be reached.

    The next level is the one :func:`graduated_next_rank` climbs to after ``rank``:
    the lowest applicable overdue level above it, reached when both its ``days``
    after the due date and its spacing after the last execution have passed.

    :return: float array, 0 when due now, NaN at the end of the ladder
    """
    days_overdue, rank, since, level_days, level_bands, spacing = _ladder_arrays(
        days_overdue, rank, days_since_last, level_days, level_bands, level_spacing
    )
    n, n_levels = rank.shape[0], level_days.shape[0]
    if n == 0 or n_levels == 0:
        return np.full(n, np.nan)
    ranks = np.arange(n_levels)
    upcoming = (
        applicable_levels(bands, level_bands, age_only, ladder)
        & (ranks[None, :] > rank[:, None])
        & (level_days[None, :] > 0)
    )
    found = upcoming.any(axis=1)
    nxt = np.argmax(upcoming, axis=1)
    by_age = (level_days[nxt] - days_overdue).astype(np.float64)
    by_spacing = np.where(np.isnan(since), 0.0, spacing[nxt] - since)
    wait = np.maximum(np.maximum(by_age, by_spacing), 0.0)
    return np.where(found, wait, np.nan)


def customer_strategy(
    invoice_customers: pd.Series,
    customers: pd.DataFrame,
    level_ids: Sequence[int] | None,
    default_timing: str,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per invoice, its customer's ``age_only`` flag and ``ladder`` mask (invoices x levels).

    ``customers`` may carry ``timing`` (a ``DUNNING_TIMINGS`` value; missing or
    None: ``default_timing``) and ``ladder`` (the ids of the levels of the
    customer's ladder, matched against ``level_ids``; missing, None or empty: every
    level). The ladder mask is None when no customer has its own ladder.
    """
    by_customer = customers.set_index("customer_id")
    timing = invoice_customers.map(by_customer["timing"]) if "timing" in by_customer else None
    timing = (
        pd.Series(default_timing, index=invoice_customers.index)
        if timing is None
        else timing.where(timing.notna(), default_timing)
    )
    unknown = ~timing.isin(DUNNING_TIMINGS)
    if unknown.any():
        position = by_customer.index.get_loc(invoice_customers[unknown.idxmax()])
        raise ValueError(
            f"customers: row {customers.index[position]!r}: timing must be one of {DUNNING_TIMINGS}"
        )
    age_only = (timing == "age_only").to_numpy()
    own = by_customer["ladder"].dropna() if "ladder" in by_customer else pd.Series(dtype=object)
    own = own[own.map(len) > 0].map(lambda ids: tuple(sorted(ids)))
    if own.empty:
        return age_only, None
    if level_ids is None:
        raise ValueError("levels: column 'level_id' is required when a customer has a ladder")
    codes, ladders = pd.factorize(own)
    table = np.vstack(
        [np.ones(len(level_ids), dtype=bool)] + [np.isin(level_ids, ids) for ids in ladders]
    )
    rows = invoice_customers.map(pd.Series(codes + 1, index=own.index)).fillna(0)
    return age_only, table[rows.to_numpy(dtype=np.int64)]
