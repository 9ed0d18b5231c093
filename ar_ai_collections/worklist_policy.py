"""Collector worklist policy: who to call this week, who gets a reminder, who to watch.

Pure maths over DataFrames (no Odoo import). The addon extracts one row per open
customer invoice with SQL, then:

1. :func:`no_pay_probability` gives, per invoice, the probability that it will
   not be paid without a contact: P(not paid within 30 days) when the
   time-to-payment model answered for the invoice (a call is worth what it can
   bring in this month: money that arrives within 30 days anyway gains nothing
   from it), else the model's default probability, else an ageing prior (the
   older the debt, the less likely it pays by itself).
2. :func:`customer_lines` aggregates per customer: overdue amount, amount at
   risk (open residual not covered by an open dispute or promise), expected value
   of acting now (sum of amount at risk x no-pay probability), the amount-weighted
   no-pay probability and the priority (expected value x ageing urgency).
3. :func:`assign_tiers` fills each collector's weekly call capacity with the
   highest-priority overdue customers worth a call ("Call now"); other customers
   worth a call are "Follow up", including those with nothing overdue yet (their
   amount at risk is not yet due: a personal email before the due date, never a
   call); customers likely to pay anyway or worth less than a call get an
   "Automated reminder" (when overdue) or are watched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .constants import (
    DEFAULT_LIKELY_PAY_PROBABILITY,
    DEFAULT_MIN_CALL_VALUE,
    DEFAULT_WEEKLY_CALL_CAPACITY,
    WORKLIST_TIERS,
)

CALL_NOW, FOLLOW_UP, AUTOMATED, WATCH = WORKLIST_TIERS

# Ageing prior when an invoice is not scored: P(no payment without contact)
# grows from PRIOR_BASE (not yet due) to PRIOR_MAX (PRIOR_DAYS overdue and more).
PRIOR_BASE = 0.05
PRIOR_MAX = 0.6
PRIOR_DAYS = 120.0
# Priority urgency: expected value x (1 + URGENCY_WEIGHT x min(days overdue, URGENCY_DAYS)
# / URGENCY_DAYS): older debt is harder to collect, act on it sooner.
URGENCY_WEIGHT = 0.5
URGENCY_DAYS = 90.0

# A customer reached by a collector this recently is not called again (days).
CONTACT_COOLDOWN_DAYS = 7

# Next action suggested per tier, and the delay (days) before it is due.
NEXT_ACTIONS = {
    CALL_NOW: ("call", 0),
    FOLLOW_UP: ("email", 2),
    AUTOMATED: ("reminder", 0),
    WATCH: ("wait", 7),
}
NEXT_ACTION_LABELS = {
    "call": "Call the customer",
    "email": "Personal follow-up email",
    "reminder": "Automated reminder (dunning)",
    "wait": "Watch",
    "check_promise": "Check the promised payment",
}

INVOICE_COLUMNS = (
    "customer_id",
    "residual",
    "days_overdue",
    "default_probability",
    "risk_score",
    "in_dispute",
    "has_promise",
)
#: Optional invoice column: P(paid within 30 days) in %, NaN where the
#: time-to-payment model did not answer.
P_PAID_30D_COLUMN = "p_paid_30d"
LINE_COLUMNS = (
    "customer_id",
    "overdue_amount",
    "open_amount",
    "at_risk_amount",
    "expected_value",
    "no_pay_probability",
    "max_days_overdue",
    "priority",
)


@dataclass(frozen=True)
class WorklistParams:
    """Company policy knobs (from the Odoo settings)."""

    min_call_value: float = DEFAULT_MIN_CALL_VALUE
    # Probability (%) of not paying without contact below which no call is made.
    likely_pay: float = DEFAULT_LIKELY_PAY_PROBABILITY
    # Weekly calls of a collector missing from the capacity mapping (and of the
    # "unassigned" pool, collector 0).
    default_capacity: int = DEFAULT_WEEKLY_CALL_CAPACITY
    # Personal follow-ups (emails) a collector handles per call slot: customers
    # worth a call beyond the call and follow-up slots get the automated reminder.
    follow_up_per_call: float = 3.0
    # The call tier ("Call now") is used; off, worth-a-call customers get follow-ups.
    call_tier: bool = True


def no_pay_probability(
    default_probability: np.ndarray,
    risk_score: np.ndarray,
    days_overdue: np.ndarray,
    p_paid_30d: np.ndarray | None = None,
) -> np.ndarray:
    """Probability (0..1) that each invoice is not paid without a contact.

    All inputs in % (the invoice fields). With the time-to-payment answer
    (``p_paid_30d`` not NaN): ``1 - P(paid within 30 days)``. Otherwise an
    invoice is considered scored when ``default_probability`` or ``risk_score``
    is positive and uses the default probability (for an invoice already
    overdue the late probability is moot: it *is* late); unscored invoices use
    the ageing prior.
    """
    default_probability = np.asarray(default_probability, dtype=float)
    risk_score = np.asarray(risk_score, dtype=float)
    days = np.clip(np.asarray(days_overdue, dtype=float), 0.0, None)
    prior = PRIOR_BASE + (PRIOR_MAX - PRIOR_BASE) * np.minimum(days / PRIOR_DAYS, 1.0)
    scored = (default_probability > 0) | (risk_score > 0)
    p = np.where(scored, np.clip(default_probability / 100.0, 0.0, 1.0), prior)
    if p_paid_30d is None:
        return p
    p30 = np.asarray(p_paid_30d, dtype=float)
    return np.where(np.isnan(p30), p, np.clip(1.0 - p30 / 100.0, 0.0, 1.0))


def customer_lines(invoices: pd.DataFrame) -> pd.DataFrame:
    """Aggregate open invoices (``INVOICE_COLUMNS``) into one line per customer.

    Amounts covered by an open dispute are open and overdue but not *at risk*: the
    dispute is being handled, a call would not change it. So are amounts under an
    open promise, unless the frame has a ``promise_break_rate`` column (0..1: the
    share of the customer's past promises that were not kept, 0 without history):
    that share of a promised amount stays at risk, so customers who break their
    promises are not parked on a new one. Returns ``LINE_COLUMNS`` (index reset),
    ``no_pay_probability`` in %.
    """
    if invoices.empty:
        return pd.DataFrame({col: pd.Series(dtype=float) for col in LINE_COLUMNS})
    residual = invoices["residual"].to_numpy(dtype=float)
    days = invoices["days_overdue"].to_numpy(dtype=float)
    p = no_pay_probability(
        invoices["default_probability"].to_numpy(dtype=float),
        invoices["risk_score"].to_numpy(dtype=float),
        days,
        invoices[P_PAID_30D_COLUMN].to_numpy(dtype=float)
        if P_PAID_30D_COLUMN in invoices
        else None,
    )
    in_dispute = invoices["in_dispute"].to_numpy(dtype=bool)
    promised = invoices["has_promise"].to_numpy(dtype=bool)
    if "promise_break_rate" in invoices:
        break_rate = np.clip(invoices["promise_break_rate"].fillna(0.0).to_numpy(float), 0, 1)
    else:
        break_rate = np.zeros(len(invoices))
    at_risk = np.where(in_dispute, 0.0, np.where(promised, residual * break_rate, residual))
    frame = pd.DataFrame(
        {
            "customer_id": invoices["customer_id"].to_numpy(),
            "overdue_amount": np.where(days > 0, residual, 0.0),
            "open_amount": residual,
            "at_risk_amount": at_risk,
            "expected_value": at_risk * p,
            "weighted_p": at_risk * p,
            "max_days_overdue": np.where(at_risk > 0, days, 0.0),
        }
    )
    lines = frame.groupby("customer_id", sort=False).agg(
        overdue_amount=("overdue_amount", "sum"),
        open_amount=("open_amount", "sum"),
        at_risk_amount=("at_risk_amount", "sum"),
        expected_value=("expected_value", "sum"),
        max_days_overdue=("max_days_overdue", "max"),
    )
    at_risk_total = lines["at_risk_amount"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(
            at_risk_total > 0, lines["expected_value"].to_numpy() / at_risk_total, 0.0
        )
    lines["no_pay_probability"] = 100.0 * weighted
    urgency = 1.0 + URGENCY_WEIGHT * np.minimum(
        np.clip(lines["max_days_overdue"].to_numpy(), 0.0, None) / URGENCY_DAYS, 1.0
    )
    lines["priority"] = lines["expected_value"].to_numpy() * urgency
    return lines.reset_index()[list(LINE_COLUMNS)]


def assign_tiers(
    lines: pd.DataFrame,
    capacity: Mapping[int, int] | None = None,
    params: WorklistParams | None = None,
) -> pd.Series:
    """Tier of every line (a Series of ``WORKLIST_TIERS`` values aligned on ``lines``).

    ``lines`` needs ``collector_id`` (int, 0 = unassigned), ``priority``,
    ``expected_value``, ``no_pay_probability`` (%), ``overdue_amount`` and may have
    booleans ``snoozed``, ``escalated``, ``contacted`` (reached recently, see
    ``CONTACT_COOLDOWN_DAYS``) and ``call_tier`` (the customer's strategy uses
    calls; missing or None: ``params.call_tier``). ``capacity`` maps collector ids to their
    weekly call capacity (missing: ``params.default_capacity``).

    - snoozed lines are watched and use no capacity;
    - lines without the call tier are never "Call now" (escalated or not) and use
      no capacity; worth a call, they compete for the follow-up slots;
    - escalated lines are "Call now" first, whatever their value;
    - overdue lines worth a call (expected value >= ``min_call_value`` and no-pay
      probability >= ``likely_pay``) fill their collector's remaining capacity by
      decreasing priority (customers reached recently are not called twice the
      same week); the next ``follow_up_per_call`` x capacity of the lines worth a
      call, by priority, are "Follow up" (a personal email; the only contact for a
      customer with nothing overdue), the rest get the automated reminder (when
      overdue) or are watched;
    - other overdue lines get an automated reminder, the rest are watched.
    """
    params = params or WorklistParams()
    capacity = capacity or {}
    n = len(lines)
    if n == 0:
        return pd.Series([], index=lines.index, dtype=object)
    snoozed = _bool_column(lines, "snoozed")
    escalated = _bool_column(lines, "escalated") & ~snoozed
    contacted = _bool_column(lines, "contacted") & ~escalated
    collector = lines["collector_id"].fillna(0).to_numpy(dtype=np.int64)
    priority = lines["priority"].to_numpy(dtype=float)
    worth_call = (
        (lines["expected_value"].to_numpy(dtype=float) >= params.min_call_value)
        & (lines["no_pay_probability"].to_numpy(dtype=float) >= params.likely_pay)
        & ~snoozed
    )
    overdue = lines["overdue_amount"].to_numpy(dtype=float) > 0

    tiers = np.where(overdue, AUTOMATED, WATCH).astype(object)
    caps = _capacities(collector, capacity, params.default_capacity)
    # Call slots: escalated first, then by priority, within each collector.
    candidates = ((worth_call & overdue & ~contacted) | escalated) & _bool_column(
        lines, "call_tier", params.call_tier
    )
    order = np.lexsort((-priority, ~escalated, collector))
    order = order[candidates[order]]
    rank = _rank_within(collector[order])
    call_now = np.zeros(n, dtype=bool)
    call_now[order] = (rank < caps[order]) | escalated[order]
    tiers[call_now] = CALL_NOW
    # Follow-up slots: the rest of the lines worth a call, by priority.
    follow_caps = np.floor(caps * params.follow_up_per_call)
    rest = worth_call & ~call_now
    order = np.lexsort((-priority, collector))
    order = order[rest[order]]
    rank = _rank_within(collector[order])
    follow = order[rank < follow_caps[order]]
    tiers[follow] = FOLLOW_UP
    tiers[snoozed] = WATCH
    return pd.Series(tiers, index=lines.index, dtype=object)


def next_actions(
    tiers: pd.Series,
    today: pd.Timestamp,
    promise_dates: pd.Series | None = None,
    snooze_dates: pd.Series | None = None,
    grace_days: int = 0,
) -> pd.DataFrame:
    """Suggested next action and its date per line (columns ``next_action``, ``next_action_date``).

    A watched line with an open promise waits for the promised date (plus the grace
    days), a snoozed line for the end of its snooze.
    """
    today = pd.Timestamp(today).normalize()
    action = tiers.map(lambda t: NEXT_ACTIONS[t][0])
    delay = tiers.map(lambda t: NEXT_ACTIONS[t][1]).astype(int)
    dates = today + pd.to_timedelta(delay, unit="D")
    watch = (tiers == WATCH).to_numpy()
    if promise_dates is not None:
        promised = pd.to_datetime(promise_dates).reindex(tiers.index)
        has_promise = watch & promised.notna().to_numpy()
        action = action.mask(has_promise, "check_promise")
        dates = dates.mask(has_promise, promised + pd.Timedelta(days=grace_days))
    if snooze_dates is not None:
        snoozed_until = pd.to_datetime(snooze_dates).reindex(tiers.index)
        snoozed = watch & (snoozed_until > today).fillna(False).to_numpy(dtype=bool)
        dates = dates.mask(snoozed, snoozed_until)
    return pd.DataFrame({"next_action": action, "next_action_date": dates}, index=tiers.index)


def _capacities(collector: np.ndarray, capacity: Mapping[int, int], default: int) -> np.ndarray:
    """Weekly call capacity of each line's collector (>= 0)."""
    caps = pd.Series(collector).map(lambda c: capacity.get(int(c), default))
    return np.clip(caps.to_numpy(dtype=float), 0.0, None)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element within its group (input already ordered)."""
    return pd.Series(groups).groupby(groups).cumcount().to_numpy()


def _bool_column(frame: pd.DataFrame, name: str, default: bool = False) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), default, dtype=bool)
    values = frame[name].to_numpy(dtype=object)
    values[pd.isna(values)] = default
    return values.astype(bool)
