"""Engine tests of the dunning policy maths (no Odoo)."""

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import dunning_policy as policy
from ar_ai_collections.constants import RISK_BANDS

# Ladder: courtesy (-5, high/critical), first (7, all), call (15, high/critical), final (45, all)
LEVEL_DAYS = np.array([-5, 7, 15, 45])
ALL = [True] * len(RISK_BANDS)
RISKY = [band in ("high", "critical") for band in RISK_BANDS]
LEVEL_BANDS = np.array([RISKY, ALL, RISKY, ALL])


def test_next_level_days_follows_the_graduated_ladder():
    # low: first (7) then final (45); high: first, call (15), final.
    out = policy.next_level_days(
        np.array([3, 10, 10, 60, 50]),
        ["low", "low", "high", "low", "low"],
        np.array([-1, 1, 1, 3, 1]),
        np.array([np.nan, 2, 2, 1, 1]),
        LEVEL_DAYS,
        LEVEL_BANDS,
        np.array([7, 7, 7, 7]),
    )
    assert out[0] == 4  # first reminder at +7: four days to go
    assert out[1] == 35  # low skips the call level: final at +45
    assert out[2] == 5  # call at +15, spacing (7 - 2) waits as long
    assert np.isnan(out[3])  # end of the ladder
    assert out[4] == 6  # final is due by age, spacing waits 7 - 1 days
    empty = policy.next_level_days(
        np.array([]), [], np.array([]), np.array([]), LEVEL_DAYS, LEVEL_BANDS, np.ones(4)
    )
    assert empty.size == 0


def test_frequency_cap():
    ok = policy.frequency_cap_ok(np.array([0, 1, 2, 1]), np.array([0, 0, 0, 1]), 2)
    assert ok.tolist() == [True, True, False, False]
    assert policy.frequency_cap_ok(np.array([9]), None, 0).tolist() == [True]


def test_business_hours_in_customer_time_zone():
    # Monday 2026-11-23 15:00 UTC = 10:00 in New York, 00:00 in Tokyo (Tuesday)
    now = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
    ok = policy.business_hours_ok(now, ["America/New_York", "Asia/Tokyo", None, "Bad/Zone"], 8, 18)
    assert ok.tolist() == [True, False, True, True]
    # Saturday
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert policy.business_hours_ok(saturday, ["UTC"], 8, 18).tolist() == [False]
    assert policy.business_hours_ok(saturday, ["UTC"], 8, 18, weekdays_only=False).tolist() == [
        True
    ]
    with pytest.raises(ValueError):
        policy.business_hours_ok(datetime(2026, 11, 23, 12), ["UTC"], 8, 18)


def test_min_amount_and_review():
    assert policy.min_amount_ok(np.array([10.0, 50.0]), 50).tolist() == [False, True]
    review = policy.needs_review(
        np.array([100.0, 60000.0, 10.0]), np.array([False, False, True]), 50000
    )
    assert review.tolist() == [False, True, True]
    assert policy.needs_review(np.array([1e9]), np.array([False]), 0).tolist() == [False]


# ----------------------------------------------------------------------
# Run plan (plan_run): one conversation per customer, graduated and idempotent.
# ----------------------------------------------------------------------

TODAY = date(2026, 11, 23)  # a Monday
COURTESY, FIRST, CALL, FINAL = range(4)


def ladder(**overrides):
    frame = pd.DataFrame(
        {
            "days": LEVEL_DAYS,
            **{f"band_{band}": LEVEL_BANDS[:, i] for i, band in enumerate(RISK_BANDS)},
        }
    )
    for column, value in overrides.items():
        frame[column] = value
    return frame


def invoice(customer, number, days, band="medium", last=-1, last_date=None, **extra):
    return {
        "customer_id": customer,
        "invoice_id": number,
        "currency": extra.pop("currency", "EUR"),
        "amount_residual": extra.pop("amount", 1000.0),
        "days_overdue": days,
        "band": band,
        "last_rank": last,
        "last_date": last_date,
        **extra,
    }


def plan(invoices, customers=None, levels=None, **params):
    invoices = pd.DataFrame(invoices)
    if customers is None:
        customers = pd.DataFrame({"customer_id": invoices["customer_id"].unique()})
    params.setdefault("today", TODAY)
    return policy.plan_run(
        invoices,
        pd.DataFrame(customers),
        ladder() if levels is None else levels,
        policy.RunParams(**params),
    )


def customer_row(result, customer_id):
    rows = result.customers[result.customers["customer_id"] == customer_id]
    assert len(rows) == 1
    return rows.iloc[0]


def invoice_row(result, invoice_id):
    return result.invoices.set_index("invoice_id").loc[invoice_id]


def days_ago(n):
    return TODAY - timedelta(days=n)


def test_one_conversation_per_customer_at_its_most_advanced_invoice():
    result = plan(
        [
            invoice(1, 10, 60, last=FIRST, last_date=days_ago(20), currency="EUR", amount=100.0),
            invoice(1, 11, 10, currency="USD", amount=70.0),
            invoice(1, 12, 9, currency="EUR", amount=30.0),
            invoice(1, 13, 2, currency="EUR", amount=5.0),  # overdue, no level due yet
            invoice(2, 20, -3, band="high"),  # courtesy only
        ]
    )
    assert result.customers["customer_id"].tolist() == [1, 2]
    first = customer_row(result, 1)
    assert (first["rank"], first["action"], first["reason"]) == (FINAL, "send", "")
    assert first["n_listed"] == 4
    # Each invoice keeps its own level: the new ones start at the first reminder.
    assert result.invoices.set_index("invoice_id")["new_rank"].to_dict() == {
        10: FINAL,
        11: FIRST,
        12: FIRST,
        13: -1,
        20: COURTESY,
    }
    assert not invoice_row(result, 13)["reached"] and invoice_row(result, 13)["listed"]
    totals = result.totals[result.totals["customer_id"] == 1].set_index("currency")
    assert totals["amount_residual"].to_dict() == {"EUR": 135.0, "USD": 70.0}
    assert totals["n_invoices"].to_dict() == {"EUR": 3, "USD": 1}
    assert customer_row(result, 2)["rank"] == COURTESY
    assert result.summary["send"] == 2 and result.summary["invoices_reached"] == 4


def test_first_contact_is_never_beyond_the_first_overdue_reminder():
    # An existing ledger planned for the first time: every age, every band.
    rows = [
        invoice(c, c, days, band)
        for c, (days, band) in enumerate(
            [(d, b) for d in (8, 16, 46, 200, 900) for b in RISK_BANDS], start=1
        )
    ]
    result = plan(rows)
    assert (result.invoices["new_rank"] == FIRST).all()
    assert (result.customers["rank"] == FIRST).all()
    # A courtesy level sent before the due date does not count as the first overdue contact.
    result = plan([invoice(1, 1, 200, "high", last=COURTESY, last_date=days_ago(205))])
    assert invoice_row(result, 1)["new_rank"] == FIRST


def test_ladder_climbs_one_applicable_level_at_a_time():
    # High risk: first -> call -> final, even when the age calls for the final notice.
    result = plan([invoice(1, 1, 100, "high", last=FIRST, last_date=days_ago(30))])
    assert invoice_row(result, 1)["new_rank"] == CALL
    # Medium risk: the call level does not apply, the next applicable one is final.
    result = plan([invoice(1, 1, 100, "medium", last=FIRST, last_date=days_ago(30))])
    assert invoice_row(result, 1)["new_rank"] == FINAL
    # The next level's own days are still required.
    result = plan([invoice(1, 1, 30, "medium", last=FIRST, last_date=days_ago(30))])
    assert invoice_row(result, 1)["due_rank"] == -1
    assert customer_row(result, 1)["reason"] == "nothing_due"


def test_spacing_between_levels_per_level():
    rows = [invoice(1, 1, 100, "high", last=FIRST, last_date=days_ago(6))]
    result = plan(rows)
    assert invoice_row(result, 1)["due_rank"] == CALL
    assert not invoice_row(result, 1)["reached"]
    assert invoice_row(result, 1)["reason"] == "spacing"
    assert customer_row(result, 1)["reason"] == "spacing"
    rows[0]["last_date"] = days_ago(policy.DEFAULT_DUNNING_LEVEL_SPACING_DAYS)
    assert invoice_row(plan(rows), 1)["new_rank"] == CALL
    # A level's own spacing overrides the default.
    levels = ladder(spacing_days=[7, 7, 14, 7])
    assert invoice_row(plan(rows, levels=levels), 1)["reason"] == "spacing"
    rows[0]["last_date"] = days_ago(14)
    assert invoice_row(plan(rows, levels=levels), 1)["new_rank"] == CALL


def test_tone_never_steps_down_for_a_new_invoice():
    final_sent = invoice(1, 1, 70, last=FINAL, last_date=days_ago(20))
    result = plan([final_sent, invoice(1, 2, 8)])
    row = customer_row(result, 1)
    assert (row["rank"], row["floor_rank"], row["trigger_rank"]) == (FINAL, FINAL, FIRST)
    assert invoice_row(result, 2)["new_rank"] == FIRST
    # Once the invoice at the final notice is paid (it leaves the ledger), the floor goes.
    assert customer_row(plan([invoice(1, 2, 8)]), 1)["rank"] == FIRST


class Ledger:
    """A customer ledger run day by day, feeding the executed log back to the policy."""

    def __init__(self, invoices, customers):
        self.invoices = pd.DataFrame(invoices)
        self.customers = pd.DataFrame(customers)
        self.contacts = []  # (customer, day, rank)

    def frames(self, today):
        inv = self.invoices.copy()
        cust = self.customers.copy()
        contacts = pd.DataFrame(self.contacts, columns=["customer_id", "day", "rank"])
        recent = contacts[contacts["day"] > today - timedelta(days=7)]
        cust["contacts_7d"] = cust["customer_id"].map(recent["customer_id"].value_counts())
        cust["last_contact_date"] = cust["customer_id"].map(
            contacts.groupby("customer_id")["day"].max()
        )
        return inv, cust

    def plan(self, today, **params):
        inv, cust = self.frames(today)
        return policy.plan_run(inv, cust, ladder(), policy.RunParams(today=today, **params))

    def execute(self, result, today, customers=None):
        """Record what the run did for ``customers`` (all by default)."""
        done = result.customers[result.customers["action"] != "skip"]
        if customers is not None:
            done = done[done["customer_id"].isin(customers)]
        for row in done.itertuples():
            self.contacts.append((row.customer_id, today, row.rank))
        reached = result.invoices[
            result.invoices["reached"] & result.invoices["customer_id"].isin(done["customer_id"])
        ].set_index("invoice_id")
        mask = self.invoices["invoice_id"].isin(reached.index)
        ids = self.invoices.loc[mask, "invoice_id"]
        self.invoices.loc[mask, "last_rank"] = ids.map(reached["new_rank"]).to_numpy()
        self.invoices.loc[mask, "last_date"] = today
        return done

    def age(self):
        self.invoices["days_overdue"] += 1


def random_ledger(n_customers, seed=0, per_customer=4):
    rng = np.random.default_rng(seed)
    rows = [
        invoice(
            c,
            c * 100 + k,
            int(rng.integers(-10, 120)),
            RISK_BANDS[int(rng.integers(0, 4))],
            amount=float(rng.integers(50, 5000)),
            currency=("EUR", "USD")[int(rng.integers(0, 2))],
        )
        for c in range(1, n_customers + 1)
        for k in range(int(rng.integers(1, per_customer + 1)))
    ]
    return Ledger(rows, {"customer_id": list(range(1, n_customers + 1))}), rng


def test_no_tone_regression_over_daily_runs():
    ledger, rng = random_ledger(40, seed=1)
    next_id = 10_000
    day = TODAY
    sends = 0
    for _ in range(60):
        inv, _cust = ledger.frames(day)
        floor = inv.groupby("customer_id")["last_rank"].max()
        result = ledger.plan(day, max_contacts_7d=3)
        done = ledger.execute(result, day)
        sends += len(done)
        for row in done.itertuples():
            # Never milder than a level an unpaid invoice of the customer already reached.
            assert row.rank >= floor[row.customer_id], (day, row.customer_id)
        assert result.customers["customer_id"].is_unique
        # Some invoices are paid, new ones arrive, time passes.
        paid = rng.random(len(ledger.invoices)) < 0.02
        ledger.invoices = ledger.invoices[~paid].reset_index(drop=True)
        new = [
            invoice(int(c), (next_id := next_id + 1), -5, "high")
            for c in rng.choice(ledger.customers["customer_id"], 2)
        ]
        ledger.invoices = pd.concat([ledger.invoices, pd.DataFrame(new)], ignore_index=True)
        ledger.age()
        day += timedelta(days=1)
    assert sends > 60  # the simulation exercised the ladder


def test_same_day_rerun_adds_nothing():
    ledger, _rng = random_ledger(200, seed=2)
    first = ledger.plan(TODAY)
    done = ledger.execute(first, TODAY)
    assert len(done) > 100
    again = ledger.plan(TODAY)
    assert again.summary["send"] == again.summary["review"] == 0
    assert again.summary["invoices_reached"] == 0
    rerun = again.customers.set_index("customer_id").loc[done["customer_id"]]
    assert (rerun["reason"] == "already_contacted_today").all()


def test_contacted_today_blocks_a_new_level_even_without_spacing():
    # Levels without spacing: only the customer's last contact stops a second mail today.
    levels = ladder(spacing_days=0)
    rows = [
        invoice(1, 1, 50, last=FIRST, last_date=TODAY),
        invoice(1, 2, 8),  # due but was not on this morning's mail
    ]
    customers = [{"customer_id": 1, "last_contact_date": TODAY}]
    result = plan(rows, customers, levels)
    assert customer_row(result, 1)["reason"] == "already_contacted_today"
    assert not result.invoices["reached"].any()


def test_crash_mid_run_then_resume():
    ledger, _rng = random_ledger(1000, seed=3)
    first = ledger.plan(TODAY)
    to_contact = first.customers[first.customers["action"] != "skip"]["customer_id"]
    crashed_after = to_contact.iloc[: len(to_contact) // 2]
    ledger.execute(first, TODAY, customers=crashed_after)
    resumed = ledger.plan(TODAY)
    before = first.customers.set_index("customer_id")
    after = resumed.customers.set_index("customer_id")
    assert (after.loc[crashed_after, "reason"] == "already_contacted_today").all()
    rest = before.index.difference(crashed_after)
    pd.testing.assert_frame_equal(after.loc[rest], before.loc[rest])
    assert after["action"].ne("skip").sum() == len(to_contact) - len(crashed_after)


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        ({"promise_open": True}, "promise_open"),
        ({"dispute_open": True}, "dispute_open"),
        ({"plan_active": True}, "plan_active"),
        ({"last_payment_date": days_ago(3)}, "engaged"),  # partial payment
        ({"blocked": True}, "no_followup"),
    ],
)
def test_invoice_answers_take_the_invoice_off_the_ladder(flags, reason):
    held = invoice(1, 1, 60, last=FIRST, last_date=days_ago(10), **flags)
    result = plan([held])
    assert invoice_row(result, 1)["reason"] == reason
    assert customer_row(result, 1)["reason"] == reason
    # The customer's other invoices go on; the held one is not listed.
    result = plan([held, invoice(1, 2, 9)])
    assert customer_row(result, 1)["action"] == "send"
    assert not invoice_row(result, 1)["reached"] and not invoice_row(result, 1)["listed"]
    assert invoice_row(result, 2)["reached"]


def test_part_payment_counts_only_since_the_last_level_and_within_the_window():
    base = {"days": 60, "last": FIRST, "last_date": days_ago(10)}
    old = invoice(1, 1, **base, last_payment_date=days_ago(12))  # before the last level
    assert invoice_row(plan([old]), 1)["reached"]
    base["last_date"] = days_ago(40)
    stale = invoice(1, 1, **base, last_payment_date=days_ago(20))  # outside 14 days
    assert invoice_row(plan([stale]), 1)["reached"]
    assert not invoice_row(plan([stale], engagement_window_days=30), 1)["reached"]


@pytest.mark.parametrize("column", ["last_reply_date", "last_call_date"])
def test_reply_or_call_takes_the_customer_off_the_ladder(column):
    rows = [invoice(1, 1, 60, last=FIRST, last_date=days_ago(10)), invoice(1, 2, 9)]
    result = plan(
        rows, [{"customer_id": 1, "last_contact_date": days_ago(10), column: days_ago(2)}]
    )
    assert customer_row(result, 1)["reason"] == "engaged"
    assert not result.invoices["reached"].any()
    # An answer older than our last contact, or out of the window, does not hold.
    for contact, when in ((days_ago(10), days_ago(11)), (days_ago(20), days_ago(15))):
        customers = [{"customer_id": 1, "last_contact_date": contact, column: when}]
        assert customer_row(plan(rows, customers), 1)["action"] == "send"
    customers = [{"customer_id": 1, "last_contact_date": days_ago(20), column: days_ago(15)}]
    assert customer_row(plan(rows, customers, engagement_window_days=30), 1)["reason"] == "engaged"


def test_payment_on_account_takes_the_customer_off_the_ladder():
    rows = [invoice(1, 1, 60, last=FIRST, last_date=days_ago(10))]
    result = plan(rows, [{"customer_id": 1, "unreconciled_payment": True}])
    assert customer_row(result, 1)["reason"] == "unreconciled_payment"


def test_broken_promise_resumes_at_the_next_level():
    # High risk at the first reminder, 100 days late: by age the final notice is due.
    promise = {"last": FIRST, "last_date": days_ago(2), "promise_broken_date": days_ago(1)}
    result = plan([invoice(1, 1, 100, "high", **promise)])
    # Next level at once (spacing waived), not back to the first, not the final.
    assert invoice_row(result, 1)["new_rank"] == CALL
    # Days waived too: 10 days overdue, the call level (15 days) goes now.
    assert invoice_row(plan([invoice(1, 1, 10, "high", **promise)]), 1)["new_rank"] == CALL
    # A break recorded before the last level was executed is already answered.
    promise["promise_broken_date"] = days_ago(3)
    assert invoice_row(plan([invoice(1, 1, 100, "high", **promise)]), 1)["reason"] == "spacing"
    # A payment made towards the broken promise does not hold the invoice.
    promise.update(promise_broken_date=days_ago(1), last_payment_date=days_ago(1))
    assert invoice_row(plan([invoice(1, 1, 100, "high", **promise)]), 1)["reached"]


def test_guard_order_records_the_first_guard_that_holds():
    monday_3am_utc = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
    customer = {
        "customer_id": 1,
        "excluded": True,
        "do_not_contact": True,
        "manual_mode": True,
        "last_contact_date": TODAY,
        "last_reply_date": TODAY,
        "unreconciled_payment": True,
        "contacts_7d": 5,
        "sensitive": True,
        "tz": "UTC",
    }
    held = {
        "blocked": True,
        "dispute_open": True,
        "plan_active": True,
        "promise_open": True,
        "last_payment_date": days_ago(1),
    }
    row = invoice(1, 1, 60, last=FIRST, last_date=days_ago(2), amount=10.0, **held)
    undo = [
        ("excluded", customer, "excluded", False),
        ("do_not_contact", customer, "do_not_contact", False),
        ("manual_mode", customer, "manual_mode", False),
        ("already_contacted_today", customer, "last_contact_date", days_ago(8)),
        ("engaged", customer, "last_reply_date", None),
        ("unreconciled_payment", customer, "unreconciled_payment", False),
        ("no_followup", row, "blocked", False),
        ("dispute_open", row, "dispute_open", False),
        ("plan_active", row, "plan_active", False),
        ("promise_open", row, "promise_open", False),
        ("engaged", row, "last_payment_date", None),
        ("spacing", row, "last_date", days_ago(30)),
        ("below_min_amount", row, "amount_residual", 10_000.0),
        ("frequency_cap", customer, "contacts_7d", 0),
        ("outside_business_hours", customer, "tz", "Europe/Paris"),  # 04:00 there
        ("outside_business_hours", customer, "tz", "America/Los_Angeles"),  # Sunday 19:00
        ("outside_business_hours", customer, "tz", "Asia/Tokyo"),  # Monday 12:00
        ("review", customer, "sensitive", False),
    ]
    seen = []
    for expected, record, column, value in undo:
        result = plan(
            [row],
            [customer],
            now_utc=monday_3am_utc,
            min_overdue_amount=100.0,
            max_contacts_7d=2,
        )
        got = customer_row(result, 1)
        assert (got["reason"], got["action"] != "send") == (expected, True), column
        seen.append(expected)
        record[column] = value
    result = plan([row], [customer], now_utc=monday_3am_utc)
    assert customer_row(result, 1)["action"] == "send"
    # The recorded order is the documented one.
    assert list(dict.fromkeys(seen)) == [
        r for r in policy.DUNNING_REASONS if r not in ("nothing_due",)
    ]


def test_business_hours_in_each_customers_time_zone():
    now = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # Monday
    rows = [invoice(c, c, 20) for c in (1, 2, 3)]
    customers = [
        {"customer_id": 1, "tz": "America/New_York"},  # 10:00 Monday
        {"customer_id": 2, "tz": "Asia/Tokyo"},  # 00:00 Tuesday
        {"customer_id": 3, "tz": None},  # company zone
    ]
    result = plan(rows, customers, now_utc=now, default_tz="Australia/Sydney")  # 02:00
    assert result.customers.set_index("customer_id")["reason"].to_dict() == {
        1: "",
        2: "outside_business_hours",
        3: "outside_business_hours",
    }
    # No clock given ("Run now"): the guard is bypassed.
    assert (plan(rows, customers).customers["action"] == "send").all()


def test_review_amount_sensitive_and_level_flag():
    rows = [invoice(1, 1, 20, amount=60_000.0), invoice(2, 2, 20), invoice(3, 3, 20)]
    customers = [{"customer_id": 2, "sensitive": True}, {"customer_id": 3}]
    result = plan(rows, customers, review_amount=50_000.0)
    assert result.customers["action"].tolist() == ["review", "review", "send"]
    # Reserved for the reviewer: the invoice's level counts as reached.
    assert invoice_row(result, 1)["reached"]
    levels = ladder(manual_review=[False, True, False, False])
    assert plan([invoice(3, 3, 20)], levels=levels).customers["action"].tolist() == ["review"]


def test_minimum_amount_spares_courtesy_messages():
    result = plan(
        [invoice(1, 1, 20, amount=10.0), invoice(2, 2, -3, "high", amount=10.0)],
        min_overdue_amount=100.0,
    )
    assert result.customers["reason"].tolist() == ["below_min_amount", ""]


def test_bad_input_names_the_row():
    with pytest.raises(ValueError, match="missing columns"):
        plan([{"customer_id": 1, "invoice_id": 1}])
    with pytest.raises(ValueError, match=r"row 1.*days_overdue"):
        plan([invoice(1, 1, 20), invoice(1, 2, None)])
    with pytest.raises(ValueError, match=r"row 0.*last_rank"):
        plan([invoice(1, 1, 20, last=7)])
    with pytest.raises(ValueError, match="invoice_id listed twice"):
        plan([invoice(1, 1, 20), invoice(2, 1, 20)])
    with pytest.raises(ValueError, match="customers: row 1"):
        plan([invoice(1, 1, 20)], [{"customer_id": 1}, {"customer_id": 1}])


def test_strategy_per_customer_timing_and_ladder():
    """Same ledger, three strategies: risk-aware (the band picks the levels), age-only
    (every level by age, like a classic ladder), and an arm's own set of levels."""
    levels = ladder(level_id=[100, 101, 102, 103])
    rows = [
        invoice(customer, customer * 10, 100, "medium", last=FIRST, last_date=days_ago(30))
        for customer in (1, 2, 3)
    ] + [invoice(customer, customer * 10 + 1, -3, "low") for customer in (4, 5)]
    customers = [
        {"customer_id": 1, "timing": "risk_aware"},
        {"customer_id": 2, "timing": "age_only"},
        {"customer_id": 3, "timing": None},  # the company's timing
        {"customer_id": 4, "timing": "risk_aware"},
        {"customer_id": 5, "timing": "age_only"},
    ]
    result = plan(rows, customers, levels)
    assert invoice_row(result, 10)["new_rank"] == FINAL  # medium: no call level
    assert invoice_row(result, 20)["new_rank"] == CALL  # by age: the call level applies
    assert invoice_row(result, 30)["new_rank"] == FINAL  # company default: risk-aware
    assert customer_row(result, 4)["reason"] == "nothing_due"  # courtesy is for risky bands
    assert customer_row(result, 5)["rank"] == COURTESY  # age-only: courtesy for everyone
    # The company's timing is age-only: customer 3 follows it, 1 keeps its own.
    result = plan(rows, customers, levels, timing="age_only")
    assert invoice_row(result, 10)["new_rank"] == FINAL
    assert invoice_row(result, 30)["new_rank"] == CALL
    # An arm's ladder without the call level: age-only customer 2 goes to the final notice;
    # an empty ladder means the whole ladder.
    customers[1]["ladder"] = [101, 103]
    customers[2]["ladder"] = []
    result = plan(rows, customers, levels, timing="age_only")
    assert invoice_row(result, 20)["new_rank"] == FINAL
    assert invoice_row(result, 30)["new_rank"] == CALL
    assert invoice_row(result, 10)["new_rank"] == FINAL


def test_strategy_bad_input_names_the_row():
    with pytest.raises(ValueError, match=r"customers: row 1: timing must be one of"):
        plan(
            [invoice(1, 1, 20), invoice(2, 2, 20)],
            [{"customer_id": 1}, {"customer_id": 2, "timing": "fast"}],
        )
    with pytest.raises(ValueError, match="level_id"):
        plan([invoice(1, 1, 20)], [{"customer_id": 1, "ladder": [1]}])
