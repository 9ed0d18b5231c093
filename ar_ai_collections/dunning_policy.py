"""Dunning policy: the whole decision of a run, one conversation per customer.

Plain numpy/pandas, no Odoo. The Odoo dunning run selects its candidates in SQL,
then calls :func:`plan_run` once per batch instead of deciding invoice by invoice
in Python. The ladder maths are in ``dunning_ladder``, the guards in
``dunning_guards``; both are re-exported here.

:func:`plan_run` decides a whole run at once and is what a run should call: one
communication per customer at most (at its most advanced invoice's level, tone
never stepping down), a graduated ladder (one level at a time, spaced, first
contact at the first overdue reminder at most), idempotent given the executed
log, answers (promise, dispute, plan, payment, reply, call) holding the ladder,
and the guards in one documented order. See its docstring for the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from .constants import (
    DEFAULT_DUNNING_LEVEL_SPACING_DAYS,
    DEFAULT_DUNNING_TIMING,
    DUNNING_REASONS,
    RISK_BANDS,
)
from .dunning_guards import (
    DEFAULT_BUSINESS_HOUR_END,
    DEFAULT_BUSINESS_HOUR_START,
    DEFAULT_MAX_CONTACTS_7D,
    DEFAULT_MIN_OVERDUE_AMOUNT,
    DEFAULT_PAYMENT_WINDOW_DAYS,
    DEFAULT_REVIEW_AMOUNT,
    business_hours_ok,
    frequency_cap_ok,
    local_hours,
    min_amount_ok,
    needs_review,
)
from .dunning_ladder import (
    NO_LEVEL,
    band_index,
    customer_strategy,
    graduated_next_rank,
    next_level_days,
)

__all__ = [
    "DEFAULT_PAYMENT_WINDOW_DAYS",
    "NO_LEVEL",
    "REVIEW",
    "SEND",
    "SKIP",
    "RunParams",
    "RunPlan",
    "band_index",
    "business_hours_ok",
    "customer_strategy",
    "frequency_cap_ok",
    "graduated_next_rank",
    "local_hours",
    "min_amount_ok",
    "needs_review",
    "next_level_days",
    "plan_run",
]

# ----------------------------------------------------------------------
# Run plan: the whole decision of a run, one conversation per customer.
# ----------------------------------------------------------------------

SEND, REVIEW, SKIP = "send", "review", "skip"

# Invoice frame: one row per OPEN invoice of every planned customer (not only the
# ones due: the invoices already at a level keep the customer's tone, see plan_run).
INVOICE_COLUMNS = (
    "customer_id",
    "invoice_id",
    "currency",
    "amount_residual",  # in the invoice currency (listed and totalled per currency)
    "days_overdue",  # today minus due date, negative before it
    "band",  # risk band, None when not scored (counts as DEFAULT_BAND)
    "last_rank",  # rank of the last level executed for the invoice, -1 if none
    "last_date",  # date of that execution, NaT if none
)
INVOICE_DEFAULTS = {
    "amount_company": None,  # company currency; defaults to amount_residual
    "blocked": False,  # "no follow-up" set on the invoice
    "dispute_open": False,
    "plan_active": False,  # covered by an active payment plan
    "promise_open": False,  # open or confirmed promise to pay
    "promise_broken_date": None,  # last promise on the invoice broken (or partly kept)
    "last_payment_date": None,  # last (partial) payment received on the invoice
}
CUSTOMER_DEFAULTS = {
    "tz": None,
    "last_contact_date": None,  # last dunning communication sent to the customer
    "contacts_7d": 0,  # communications sent in the rolling 7 days
    "last_reply_date": None,  # last classified reply from the customer
    "last_call_date": None,  # last call logged with the customer
    "excluded": False,
    "do_not_contact": False,
    "manual_mode": False,
    "sensitive": False,
    "unreconciled_payment": False,  # payment or credit on account, not matched yet
    # Strategy (an experiment arm's), see dunning_ladder.customer_strategy:
    "timing": None,  # "risk_aware" / "age_only"; None: RunParams.timing
    "ladder": None,  # ids of the levels of its ladder (levels' level_id); None: all
}
LEVEL_DEFAULTS = {
    "spacing_days": DEFAULT_DUNNING_LEVEL_SPACING_DAYS,
    "manual_review": False,
    "send_email": True,
    "print_letter": False,
    "create_activity": False,
    **{f"band_{band}": True for band in RISK_BANDS},
}
LEVEL_CHANNELS = ("send_email", "print_letter", "create_activity")
# Invoice holds, strongest first: the reason a customer gets when none of its
# invoices may advance is the strongest hold among the invoices that had a level due.
INVOICE_HOLDS = ("no_followup", "dispute_open", "plan_active", "promise_open", "engaged", "spacing")
REASON_ORDER = {reason: i for i, reason in enumerate(DUNNING_REASONS)}


@dataclass(frozen=True)
class RunParams:
    """Company settings and clock of one run.

    :param today: the run's date (company calendar): days overdue, spacing and
        "already contacted today" are counted against it
    :param now_utc: timezone-aware instant for the business-hours guard; None
        bypasses the guard ("Run now" by a user, demo set-up)
    :param max_contacts_7d: communications per customer in any rolling 7 days (0: no cap)
    :param engagement_window_days: an answer (reply, call, payment) this recent
        holds the ladder
    :param review_amount: open balance (company currency) from which a human
        approves (0: never on amount)
    :param force_manual: also plan customers in manual follow-up
    :param timing: the company's dunning timing (``DUNNING_TIMINGS``) for the
        customers without their own ``timing``
    """

    today: date
    now_utc: datetime | None = None
    max_contacts_7d: int = DEFAULT_MAX_CONTACTS_7D
    hour_start: float = DEFAULT_BUSINESS_HOUR_START
    hour_end: float = DEFAULT_BUSINESS_HOUR_END
    weekdays_only: bool = True
    default_tz: str = "UTC"
    min_overdue_amount: float = DEFAULT_MIN_OVERDUE_AMOUNT
    review_amount: float = DEFAULT_REVIEW_AMOUNT
    engagement_window_days: int = DEFAULT_PAYMENT_WINDOW_DAYS
    force_manual: bool = False
    timing: str = DEFAULT_DUNNING_TIMING


@dataclass(frozen=True)
class RunPlan:
    """What a run does, decided before anything is executed.

    * ``customers``: one row per customer: ``customer_id``, ``rank`` (the
      conversation level, ``NO_LEVEL`` when nothing is due), ``action``
      (``send``, ``review`` or ``skip``), ``reason`` (``""`` when sent, else a
      code of ``DUNNING_REASONS``), ``floor_rank`` (highest level already reached
      by an unpaid invoice), ``trigger_rank`` (highest level an invoice reaches
      now: one-off level actions such as a fee belong to it, the tone to
      ``rank``), the level's channel flags, ``n_listed``,
      ``overdue_amount`` and ``open_amount`` (company currency);
    * ``invoices``: one row per invoice: ``invoice_id``, ``customer_id``,
      ``last_rank``, ``due_rank`` (next level by age, ``NO_LEVEL`` if none),
      ``new_rank`` (level after this run: ``due_rank`` when reached, else
      ``last_rank``), ``reached`` (a level is executed for it now), ``listed``
      (shown in the customer's communication, with ``new_rank``), ``reason``;
    * ``totals``: per customer communicated and currency, the listed invoices'
      ``amount_residual`` and count;
    * ``summary``: counts (customers, send, review, skip, invoices reached,
      invoices listed, and one ``reason:<code>`` per skip reason).
    """

    customers: pd.DataFrame
    invoices: pd.DataFrame
    totals: pd.DataFrame
    summary: dict[str, int] = field(default_factory=dict)


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Dates (date, datetime, string, NaT/None) -> float day numbers, NaN when missing."""
    stamps = pd.to_datetime(values, errors="coerce")
    nanoseconds = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64)
    days = np.floor_divide(nanoseconds, 86_400 * 10**9).astype(np.float64)
    days[stamps.isna().to_numpy()] = np.nan
    return days


def _with_defaults(frame: pd.DataFrame, defaults: dict) -> pd.DataFrame:
    """Add the missing optional columns; fill the missing flags and counts."""
    frame = frame.copy()
    for column, default in defaults.items():
        if column not in frame:
            frame[column] = default
        elif isinstance(default, bool):
            values = frame[column].to_numpy(dtype=object)
            values[pd.isna(values)] = default
            frame[column] = values.astype(bool)
        elif isinstance(default, int):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(default)
    return frame


def _check_numbers(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Raise a ValueError naming the first row whose number is missing or not finite."""
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            row = frame.index[np.argmax(bad)]
            raise ValueError(f"{name}: row {row!r}: {column} must be a finite number")


def _prepare_levels(levels: pd.DataFrame):
    if "days" not in levels:
        raise ValueError("levels: column 'days' is required")
    levels = _with_defaults(levels.reset_index(drop=True), LEVEL_DEFAULTS)
    _check_numbers(levels, ("days", "spacing_days"), "levels")
    band_flags = levels[[f"band_{band}" for band in RISK_BANDS]].to_numpy(dtype=bool)
    return levels, band_flags


def _prepare_invoices(invoices: pd.DataFrame, n_levels: int) -> pd.DataFrame:
    missing = [column for column in INVOICE_COLUMNS if column not in invoices]
    if missing:
        raise ValueError(f"invoices: missing columns {missing}")
    inv = _with_defaults(invoices.reset_index(drop=True), INVOICE_DEFAULTS)
    amount_company = pd.to_numeric(inv["amount_company"], errors="coerce")
    inv["amount_company"] = amount_company.fillna(inv["amount_residual"])
    _check_numbers(
        inv,
        ("customer_id", "invoice_id", "amount_residual", "amount_company", "days_overdue"),
        "invoices",
    )
    last = pd.to_numeric(inv["last_rank"], errors="coerce").fillna(NO_LEVEL)
    bad = (last < NO_LEVEL) | (last >= n_levels)
    if bad.any():
        row = inv.index[np.argmax(bad.to_numpy())]
        raise ValueError(f"invoices: row {row!r}: last_rank must be -1..{n_levels - 1}")
    inv["last_rank"] = last.astype(np.int64)
    if inv["invoice_id"].duplicated().any():
        row = inv.index[np.argmax(inv["invoice_id"].duplicated().to_numpy())]
        raise ValueError(f"invoices: row {row!r}: invoice_id listed twice")
    return inv


def _first_reason(checks: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    """Per row, the code of the first check (in list order) whose mask holds, else ""."""
    reason = np.full(n, "", dtype=object)
    for code, mask in checks:
        reason[(reason == "") & mask] = code
    return reason


def plan_run(
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    levels: pd.DataFrame,
    params: RunParams,
) -> RunPlan:
    """Decide a whole dunning run: at most one communication per customer.

    **One conversation per customer.** Each invoice climbs its own ladder
    (:func:`graduated_next_rank`); a customer with at least one invoice reaching
    a level gets ONE communication, at the level of its most advanced invoice,
    listing every overdue invoice on the ladder with its own level and amount
    (totals per currency). Its tone never steps down: the conversation level is at
    least ``floor_rank``, the highest level already reached by any of its unpaid
    invoices (a paid invoice leaves the frame, and with it its level), so a
    customer who had a final notice never gets a milder reminder while the
    invoice it was about stays unpaid (held invoices count: a disputed invoice at
    the final notice keeps the customer's tone, it does not trigger a message).
    Held invoices are not listed; overdue invoices whose next level is not due
    (or not spaced yet) are listed at their current level.

    **Idempotence.** The inputs carry what was executed: per invoice
    ``last_rank``/``last_date``, per customer ``last_contact_date``. A customer
    contacted ``today`` is ``already_contacted_today``; an invoice whose level was
    executed today is held by spacing. Re-planning the same day, or after a run
    killed half way (done customers recorded, the others not), adds nothing for
    those done and plans the others as the first attempt would have.

    **Answers close the loop.** Per invoice: an open dispute, an active payment
    plan, an open promise, a part payment since its last level within the
    engagement window. Per customer: a reply or a call since the last contact
    within the window (``engaged``), a payment on account not matched yet
    (``unreconciled_payment``). A broken promise releases its invoice to the next
    level at once (one step, not back to the start and not skipping).

    **Guard order** (``DUNNING_REASONS``; the first that holds is the reason):

    1. customer settings: ``excluded``, ``do_not_contact``, ``manual_mode``:
       decided by people, they overrule everything and never change in a run;
    2. ``already_contacted_today``: before any other check so that a rerun or a
       resumed run reports the customer as done, not as some transient reason;
    3. the customer's answers: ``engaged`` (reply, call), ``unreconciled_payment``:
       the customer is talking or may have paid, the ladder waits for the whole
       conversation;
    4. the invoices: when none may advance, the strongest hold among those with a
       level due (``no_followup``, ``dispute_open``, ``plan_active``,
       ``promise_open``, ``engaged``, ``spacing``), else ``nothing_due``;
    5. ``below_min_amount``: the overdue amount listed (company currency) is too
       small to chase (a courtesy-only message has no overdue amount and passes);
    6. ``frequency_cap`` then ``outside_business_hours``: quota before clock
       because the clock clears within the day: a customer reported outside
       business hours is one a later run today will contact;
    7. ``review``: last, so a human only approves what would go out now (a
       sensitive customer, an open balance from ``review_amount``, a level
       marked for review). The level is reserved (``action="review"``).

    Every guard is a boolean mask over all customers (or invoices): the set of
    customers contacted does not depend on the order, only the reason recorded does.

    :param invoices: ``INVOICE_COLUMNS`` plus optional ``INVOICE_DEFAULTS`` columns
    :param customers: ``customer_id`` plus optional ``CUSTOMER_DEFAULTS`` columns;
        a customer missing from it takes the defaults. ``timing`` and ``ladder``
        are its strategy: age-only timing ignores the risk band (every level
        applies by age), a ladder keeps only its levels
    :param levels: one row per level ordered by rank: ``days`` plus optional
        ``LEVEL_DEFAULTS`` columns (``band_<band>`` flags, ``spacing_days``,
        ``manual_review``, channel flags)
    :raises ValueError: a missing column, or a row with a bad number (row named)
    """
    levels, level_bands = _prepare_levels(levels)
    n_levels = len(levels)
    inv = _prepare_invoices(invoices, n_levels)
    if "customer_id" not in customers:
        raise ValueError("customers: column 'customer_id' is required")
    repeated = customers["customer_id"].duplicated().to_numpy()
    if repeated.any():
        raise ValueError(f"customers: row {customers.index[np.argmax(repeated)]!r}: listed twice")
    today = float(np.datetime64(params.today, "D").astype(np.int64))
    window_start = today - params.engagement_window_days

    # --- Invoices: the next level by age, and what holds it. ---
    last_day = _day_numbers(inv["last_date"])
    broken_day = _day_numbers(inv["promise_broken_date"])
    paid_day = _day_numbers(inv["last_payment_date"])
    promise_open = inv["promise_open"].to_numpy(bool)
    # A promise broken since the last level (NaN compares False: none broken).
    broken = ~promise_open & ~(broken_day < last_day) & ~np.isnan(broken_day)
    age_only, ladder = customer_strategy(
        inv["customer_id"],
        customers,
        levels["level_id"].to_numpy() if "level_id" in levels else None,
        params.timing,
    )
    due_rank, spaced = graduated_next_rank(
        inv["days_overdue"].to_numpy(),
        inv["band"].to_numpy(dtype=object),
        inv["last_rank"].to_numpy(),
        today - last_day,
        levels["days"].to_numpy(),
        level_bands,
        levels["spacing_days"].to_numpy(),
        broken,
        age_only,
        ladder,
    )
    # Part payment: since the last level, within the window, and after any broken
    # promise (the promise check already judged the payments made towards it).
    part_paid = (
        (paid_day >= np.fmax(last_day, window_start))
        & (paid_day <= today)
        & ~(paid_day <= broken_day)
    )
    hold = _first_reason(
        [
            ("no_followup", inv["blocked"].to_numpy(bool)),
            ("dispute_open", inv["dispute_open"].to_numpy(bool)),
            ("plan_active", inv["plan_active"].to_numpy(bool)),
            ("promise_open", promise_open),
            ("engaged", part_paid),
        ],
        len(inv),
    )
    on_ladder = hold == ""
    invoice_reason = np.where(on_ladder & (due_rank >= 0) & ~spaced, "spacing", hold)
    invoice_reason[on_ladder & (due_rank < 0)] = "nothing_due"
    advancing = (due_rank >= 0) & spaced & on_ladder

    # --- Customers: aggregate the invoices (codes follow first appearance). ---
    codes, customer_ids = pd.factorize(inv["customer_id"])
    n_customers = customer_ids.size
    cust = pd.DataFrame({"customer_id": customer_ids})
    cust = _with_defaults(cust.merge(customers, on="customer_id", how="left"), CUSTOMER_DEFAULTS)

    def per_customer(values, how, initial):
        out = np.full(n_customers, initial, dtype=np.asarray(values).dtype)
        getattr(np, how).at(out, codes, values)
        return out

    floor_rank = per_customer(inv["last_rank"].to_numpy(), "maximum", NO_LEVEL)
    trigger_rank = per_customer(np.where(advancing, due_rank, NO_LEVEL), "maximum", NO_LEVEL)
    rank = np.where(trigger_rank >= 0, np.maximum(trigger_rank, floor_rank), NO_LEVEL)
    days_overdue = inv["days_overdue"].to_numpy(np.int64)
    listable = on_ladder & ((days_overdue > 0) | advancing)
    amount_company = inv["amount_company"].to_numpy(np.float64)
    overdue_amount = per_customer(
        np.where(listable & (days_overdue > 0), amount_company, 0.0), "add", 0.0
    )
    open_amount = per_customer(amount_company, "add", 0.0)
    # Strongest invoice hold among invoices with a level due (priority index).
    priority = pd.Series(invoice_reason).map(REASON_ORDER).fillna(REASON_ORDER["nothing_due"])
    priority = np.where(due_rank >= 0, priority.to_numpy(np.int64), REASON_ORDER["nothing_due"])
    customer_hold = per_customer(priority, "minimum", REASON_ORDER["nothing_due"])

    contact_day = _day_numbers(cust["last_contact_date"])
    answered = np.zeros(n_customers, dtype=bool)
    for column in ("last_reply_date", "last_call_date"):
        event = _day_numbers(cust[column])
        answered |= (event >= window_start) & (event <= today) & ~(event < contact_day)
    if params.now_utc is None:
        open_hours = np.ones(n_customers, dtype=bool)
    else:
        open_hours = business_hours_ok(
            params.now_utc,
            cust["tz"].tolist(),
            params.hour_start,
            params.hour_end,
            params.weekdays_only,
            params.default_tz,
        )
    checks = [
        ("excluded", cust["excluded"].to_numpy(bool)),
        ("do_not_contact", cust["do_not_contact"].to_numpy(bool)),
        ("manual_mode", cust["manual_mode"].to_numpy(bool) & (not params.force_manual)),
        ("already_contacted_today", contact_day >= today),
        ("engaged", answered),
        ("unreconciled_payment", cust["unreconciled_payment"].to_numpy(bool)),
    ]
    reason = _first_reason(checks, n_customers)
    held = (reason == "") & (rank < 0)
    reason[held] = np.array(DUNNING_REASONS, dtype=object)[customer_hold[held]]
    pending = reason == ""
    late = _first_reason(
        [
            (
                "below_min_amount",
                ~min_amount_ok(overdue_amount, params.min_overdue_amount) & (overdue_amount > 0),
            ),
            (
                "frequency_cap",
                ~frequency_cap_ok(cust["contacts_7d"].to_numpy(), None, params.max_contacts_7d),
            ),
            ("outside_business_hours", ~open_hours),
        ],
        n_customers,
    )
    reason[pending] = late[pending]
    level_of = rank.clip(0)
    review = (
        needs_review(open_amount, cust["sensitive"].to_numpy(bool), params.review_amount)
        | levels["manual_review"].to_numpy(bool)[level_of]
    ) & (reason == "")
    reason[review] = "review"
    action = np.where(reason == "", SEND, np.where(review, REVIEW, SKIP))
    contacted = action != SKIP

    # --- Invoices: what this run does to each. ---
    reached = advancing & contacted[codes]
    listed = listable & contacted[codes]
    new_rank = np.where(reached, due_rank, inv["last_rank"].to_numpy())
    # An invoice that would have advanced carries its customer's reason.
    invoice_reason = np.where(advancing & ~contacted[codes], reason[codes], invoice_reason)
    invoice_reason = np.where(reached, "", invoice_reason)
    invoice_rows = pd.DataFrame(
        {
            "invoice_id": inv["invoice_id"].to_numpy(),
            "customer_id": inv["customer_id"].to_numpy(),
            "currency": inv["currency"].to_numpy(),
            "amount_residual": inv["amount_residual"].to_numpy(np.float64),
            "days_overdue": days_overdue,
            "last_rank": inv["last_rank"].to_numpy(),
            "due_rank": due_rank,
            "new_rank": new_rank,
            "reached": reached,
            "listed": listed,
            "reason": invoice_reason,
        }
    )
    customer_rows = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "rank": rank,
            "action": action,
            "reason": reason,
            "floor_rank": floor_rank,
            "trigger_rank": np.where(contacted, trigger_rank, NO_LEVEL),
            **{
                channel: levels[channel].to_numpy(bool)[level_of] & (rank >= 0)
                for channel in LEVEL_CHANNELS
            },
            "n_listed": per_customer(listed.astype(np.int64), "add", 0),
            "overdue_amount": overdue_amount,
            "open_amount": open_amount,
        }
    )
    totals = (
        invoice_rows[listed]
        .groupby(["customer_id", "currency"], sort=True)["amount_residual"]
        .agg(amount_residual="sum", n_invoices="size")
        .reset_index()
    )
    summary = {
        "customers": n_customers,
        SEND: int((action == SEND).sum()),
        REVIEW: int((action == REVIEW).sum()),
        SKIP: int((action == SKIP).sum()),
        "invoices_reached": int(reached.sum()),
        "invoices_listed": int(listed.sum()),
        **{
            f"reason:{code}": int(count)
            for code, count in zip(
                *np.unique(reason[action == SKIP], return_counts=True), strict=True
            )
        },
    }
    return RunPlan(customer_rows, invoice_rows, totals, summary)
