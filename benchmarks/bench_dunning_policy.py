#!/usr/bin/env python3
"""Speed of the dunning run plan (reproducible, seeded; not a test).

On a generated book of ``--invoices`` open invoices over ``--customers``
customers (default 100,000 / 5,000, with histories, answers and flags), measures
:func:`ar_ai_collections.dunning_policy.plan_run` (target: well under 1 s), then,
in the same run, a naive Python loop deciding invoice by invoice then customer by
customer on the invoices of a ``--sample`` of the customers, checks both agree
on that sample and extrapolates the loop to the full book.

Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_dunning_policy.py [--sample 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections import dunning_policy as policy  # noqa: E402
from ar_ai_collections.constants import RISK_BANDS  # noqa: E402

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", None)
LEVELS = pd.DataFrame(
    {
        "days": [-5, 7, 15, 30, 45],
        "band_low": [False, True, False, True, True],
        "band_medium": [False, True, False, True, True],
        "band_high": [True, True, True, True, True],
        "band_critical": [True, True, True, True, True],
        "spacing_days": [7, 7, 7, 7, 10],
    }
)


def generate(n_invoices: int, n_customers: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    customer = np.sort(rng.integers(1, n_customers + 1, n_invoices))
    days = rng.integers(-10, 200, n_invoices)
    last_rank = np.where(rng.random(n_invoices) < 0.5, rng.integers(-1, 5, n_invoices), -1)
    last_rank = np.minimum(last_rank, np.where(days > 7, 4, 0))
    since = rng.integers(0, 40, n_invoices)

    def some_dates(share, size, spread=30):
        """Python dates and None, as the database driver returns them."""
        offsets = rng.integers(0, spread, size).astype("timedelta64[D]")
        dates = pd.Series(np.datetime64(TODAY) - offsets).dt.date.astype(object)
        return dates.where(rng.random(size) < share, None)

    invoices = pd.DataFrame(
        {
            "customer_id": customer,
            "invoice_id": np.arange(1, n_invoices + 1),
            "currency": rng.choice(np.array(["EUR", "USD", "GBP"]), n_invoices),
            "amount_residual": rng.integers(10, 2_000, n_invoices).astype(float),
            "days_overdue": days,
            "band": rng.choice(np.array([*RISK_BANDS, None], dtype=object), n_invoices),
            "last_rank": last_rank,
            "last_date": pd.Series(np.datetime64(TODAY) - since.astype("timedelta64[D]"))
            .dt.date.astype(object)
            .where(last_rank >= 0, None),
            "blocked": rng.random(n_invoices) < 0.01,
            "dispute_open": rng.random(n_invoices) < 0.03,
            "plan_active": rng.random(n_invoices) < 0.02,
            "promise_open": rng.random(n_invoices) < 0.05,
            "promise_broken_date": some_dates(0.02, n_invoices),
            "last_payment_date": some_dates(0.05, n_invoices),
        }
    )
    ids = np.arange(1, n_customers + 1)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "tz": rng.choice(np.array(ZONES, dtype=object), n_customers),
            "last_contact_date": some_dates(0.6, n_customers, 20),
            "contacts_7d": rng.integers(0, 3, n_customers),
            "last_reply_date": some_dates(0.05, n_customers),
            "last_call_date": some_dates(0.05, n_customers),
            "excluded": rng.random(n_customers) < 0.01,
            "do_not_contact": rng.random(n_customers) < 0.01,
            "manual_mode": rng.random(n_customers) < 0.02,
            "sensitive": rng.random(n_customers) < 0.02,
            "unreconciled_payment": rng.random(n_customers) < 0.03,
        }
    )
    return invoices, customers


def naive_plan(invoices: pd.DataFrame, customers: pd.DataFrame, params: policy.RunParams):
    """The same rules, one invoice then one customer at a time (the baseline)."""
    levels = LEVELS.to_dict("records")
    window = params.today - dt.timedelta(days=params.engagement_window_days)

    def day(value):
        return None if pd.isna(value) else pd.Timestamp(value).date()

    per_customer = {}
    for inv in invoices.itertuples(index=False):
        band = inv.band if inv.band in RISK_BANDS else policy.DEFAULT_BAND
        last_date, broken_date, paid = (
            day(inv.last_date),
            day(inv.promise_broken_date),
            day(inv.last_payment_date),
        )
        broken = (
            not inv.promise_open
            and broken_date is not None
            and (last_date is None or broken_date >= last_date)
        )
        due = -1
        for rank, level in enumerate(levels):
            if rank <= inv.last_rank or not level[f"band_{band}"]:
                continue
            if inv.days_overdue <= 0:
                if level["days"] <= 0 and inv.days_overdue >= level["days"]:
                    due = rank
            elif level["days"] > 0:
                if inv.days_overdue >= level["days"] or broken:
                    due = rank
                break
        spaced = (
            last_date is None
            or broken
            or (params.today - last_date).days >= levels[due]["spacing_days"]
        )
        part_paid = (
            paid is not None
            and paid >= max(last_date or window, window)
            and paid <= params.today
            and not (broken_date is not None and paid <= broken_date)
        )
        held = inv.blocked or inv.dispute_open or inv.plan_active or inv.promise_open or part_paid
        state = per_customer.setdefault(
            inv.customer_id, {"floor": -1, "trigger": -1, "overdue": 0.0, "open": 0.0}
        )
        state["floor"] = max(state["floor"], inv.last_rank)
        state["open"] += inv.amount_residual
        if due >= 0 and spaced and not held:
            state["trigger"] = max(state["trigger"], due)
        if not held and inv.days_overdue > 0:
            state["overdue"] += inv.amount_residual
    decisions = {}
    for cust in customers.itertuples(index=False):
        state = per_customer.get(cust.customer_id)
        if state is None:
            continue
        contact = day(cust.last_contact_date)
        answered = any(
            event is not None
            and window <= event <= params.today
            and (contact is None or event >= contact)
            for event in (day(cust.last_reply_date), day(cust.last_call_date))
        )
        local = NOW.astimezone(policy.ZoneInfo(cust.tz or params.default_tz))
        hour = local.hour + local.minute / 60
        rank = max(state["trigger"], state["floor"]) if state["trigger"] >= 0 else -1
        blocked = (
            cust.excluded
            or cust.do_not_contact
            or cust.manual_mode
            or contact == params.today
            or answered
            or cust.unreconciled_payment
            or rank < 0
            or 0 < state["overdue"] < params.min_overdue_amount
            or cust.contacts_7d >= params.max_contacts_7d
            or not (params.hour_start <= hour < params.hour_end and local.isoweekday() <= 5)
        )
        review = cust.sensitive or state["open"] >= params.review_amount
        if rank >= 0:
            review = review or levels[rank].get("manual_review", False)
        decisions[cust.customer_id] = (
            rank,
            "skip" if blocked else ("review" if review else "send"),
        )
    return decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=500, help="customers for the naive loop")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    invoices, customers = generate(args.invoices, args.customers)
    params = policy.RunParams(today=TODAY, now_utc=NOW, min_overdue_amount=50.0)
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        plan = policy.plan_run(invoices, customers, LEVELS, params)
        timings.append(time.perf_counter() - t0)
    vectorized = statistics.median(timings)
    print(
        f"plan_run: {len(invoices):,} invoices / {plan.summary['customers']:,} customers "
        f"in {vectorized * 1000:.0f} ms (median of {args.repeat}); {plan.summary}"
    )
    sample_ids = customers["customer_id"].iloc[: args.sample]
    sample = invoices[invoices["customer_id"].isin(sample_ids)]
    t0 = time.perf_counter()
    naive = naive_plan(sample, customers[customers["customer_id"].isin(sample_ids)], params)
    loop = time.perf_counter() - t0
    expected = plan.customers.set_index("customer_id").loc[list(naive)]
    got = pd.DataFrame.from_dict(naive, orient="index", columns=["rank", "action"])
    mismatches = int((expected[["rank", "action"]].to_numpy() != got.to_numpy()).any(axis=1).sum())
    loop_full = loop / len(sample) * len(invoices)
    print(
        f"naive loop: {len(sample):,} invoices ({len(naive):,} customers) in {loop * 1000:.0f} ms, "
        f"extrapolated to {len(invoices):,}: {loop_full:.2f} s; "
        f"speed-up x{loop_full / vectorized:.0f}; decisions differing on the sample: {mismatches}"
    )
    if mismatches:
        raise SystemExit("the naive loop and plan_run disagree")


if __name__ == "__main__":
    main()
