"""Tests of the synthetic ledger generator.

The generator is what the demo, the model tests and the benchmarks learn from,
so these tests pin the *behaviour* the models rely on, not just the shapes.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections.constants import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from ar_ai_collections.generator import BEHAVIOURS, GeneratedLedger, generate_ledger
from ar_ai_collections.history import history_to_csv, load_history, validate_history

END = dt.date(2025, 6, 30)
END_TS = pd.Timestamp(END)


@pytest.fixture(scope="module")
def ledger() -> GeneratedLedger:
    return generate_ledger(customers=80, months=24, seed=7, end_date=END)


@pytest.fixture(scope="module")
def big() -> GeneratedLedger:
    """Enough customers per behaviour for stable statistics (still < 0.1 s)."""
    return generate_ledger(customers=400, months=24, seed=11, end_date=END)


def _with_behaviour(led: GeneratedLedger) -> pd.DataFrame:
    return led.history.merge(led.customers[["customer_id", "behaviour"]], on="customer_id")


def test_deterministic_for_a_seed(ledger):
    again = generate_ledger(customers=80, months=24, seed=7, end_date=END)
    pd.testing.assert_frame_equal(again.history, ledger.history)
    pd.testing.assert_frame_equal(again.customers, ledger.customers)
    pd.testing.assert_frame_equal(again.payments, ledger.payments)
    pd.testing.assert_frame_equal(again.credit_notes, ledger.credit_notes)


def test_different_seeds_differ(ledger):
    other = generate_ledger(customers=80, months=24, seed=8, end_date=END)
    assert not other.history["amount"].equals(ledger.history["amount"])
    assert other.customers["behaviour"].tolist() != ledger.customers["behaviour"].tolist()


def test_size_and_period(ledger):
    h = ledger.history
    assert 1200 <= len(h) <= 2800  # about one invoice per customer per month
    assert h["invoice_date"].max() <= END_TS
    assert h["invoice_date"].min() >= END_TS - pd.Timedelta(days=24 * 31)
    assert h["paid_date"].max() <= END_TS
    assert h["invoice_id"].is_unique
    assert set(h["customer_id"]) <= set(ledger.customers["customer_id"])


def test_output_is_canonical_and_round_trips(ledger):
    h = ledger.history
    assert list(h.columns) == [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    validated = validate_history(h)
    pd.testing.assert_frame_equal(validated, h)
    again = load_history(io.StringIO(history_to_csv(h)))
    pd.testing.assert_frame_equal(again, h)


def test_customers_frame(ledger):
    c = ledger.customers
    assert list(c.columns) == [
        "customer_id",
        "name",
        "email",
        "behaviour",
        "country",
        "industry",
        "payment_terms_days",
        "credit_limit",
    ]
    assert len(c) == 80
    assert c["customer_id"].is_unique
    assert c["name"].is_unique
    assert set(c["behaviour"]) == set(BEHAVIOURS)  # every behaviour is represented
    assert set(c["payment_terms_days"]) <= {0, 15, 30, 45, 60}
    assert (c["email"] == "").any()  # some customers have no e-mail
    with_mail = c.loc[c["email"] != "", "email"]
    assert with_mail.str.fullmatch(r"[a-z]+@[a-z0-9]+\.[a-z.]+").all()
    assert (c["credit_limit"] >= 1000).all()


def test_amounts_are_cents_and_positive(ledger):
    amount = ledger.history["amount"]
    assert (amount > 0).all()
    assert np.allclose(amount, amount.round(2))


def test_late_share_of_settled_invoices_is_realistic(ledger, big):
    for led in (ledger, big):
        settled = led.history[led.history["paid_date"].notna()]
        late = (settled["paid_date"] > settled["due_date"]).mean()
        assert 0.25 <= late <= 0.40, late


def test_behaviours_order_lateness(big):
    h = _with_behaviour(big)
    settled = h[h["paid_date"].notna()]
    share = (settled["paid_date"] > settled["due_date"]).groupby(settled["behaviour"]).mean()
    assert share["prompt"] < 0.12
    assert share["prompt"] < share["regular"] < share["chronic_late"]
    assert share["chronic_late"] > 0.6


def test_distress_lateness_increases_over_time(big):
    h = _with_behaviour(big)
    d = h[h["behaviour"] == "distress"].copy()
    end_of_first_year = END_TS - pd.Timedelta(days=365)
    early = d[d["invoice_date"] < end_of_first_year]
    late_period = d[(d["invoice_date"] >= END_TS - pd.Timedelta(days=200))]
    early_late = (early["paid_date"] > early["due_date"]).mean()
    # Recent invoices: late if paid late or still unpaid past due.
    recent_due = late_period[late_period["due_date"] < END_TS]
    recent_late = (
        (recent_due["paid_date"] > recent_due["due_date"]) | recent_due["paid_date"].isna()
    ).mean()
    assert recent_late > early_late + 0.3
    # ... and the last invoices of most of them stay unpaid, past due.
    h["stuck"] = h["paid_date"].isna() & (h["due_date"] < END_TS - pd.Timedelta(days=30))
    stuck = h.groupby(["behaviour", "customer_id"])["stuck"].any().groupby(level=0).mean()
    assert stuck["distress"] > 0.4, stuck
    assert stuck[["prompt", "regular"]].max() < 0.1, stuck


def _season_lift(h: pd.DataFrame, behaviour: str) -> float:
    """Median over customers of: late rate in year 2 during the three
    consecutive months that were worst in year 1, minus the rest of year 2
    (customers with at least 10 settled invoices in year 1)."""
    s = h[(h["behaviour"] == behaviour) & h["paid_date"].notna()].copy()
    s["late"] = s["paid_date"] > s["due_date"]
    s["month"] = s["invoice_date"].dt.month - 1
    split = END_TS - pd.Timedelta(days=365)
    year1, year2 = s[s["invoice_date"] < split], s[s["invoice_date"] >= split]
    lifts = []
    for customer, first in year1.groupby("customer_id"):
        if len(first) < 10:  # too few invoices to locate a season
            continue
        late = np.bincount(first["month"], weights=first["late"], minlength=12)
        count = np.bincount(first["month"], minlength=12)
        window = [(m + np.arange(3)) % 12 for m in range(12)]
        rates = [late[w].sum() / max(count[w].sum(), 1) for w in window]
        worst = window[int(np.argmax(rates))]
        second = year2[year2["customer_id"] == customer]
        in_season = second["month"].isin(worst)
        if in_season.sum() and (~in_season).sum():
            lifts.append(
                second.loc[in_season, "late"].mean() - second.loc[~in_season, "late"].mean()
            )
    return float(np.median(lifts))


def test_seasonal_customers_are_late_in_the_same_months_every_year(big):
    h = _with_behaviour(big)
    assert _season_lift(h, "seasonal") > 0.3
    assert abs(_season_lift(h, "regular")) < 0.2  # control: no season


def test_bigger_invoices_are_paid_late_more_often(big):
    h = big.history[big.history["paid_date"].notna()].copy()
    ratio = h["amount"] / h.groupby("customer_id")["amount"].transform("median")
    late = h["paid_date"] > h["due_date"]
    assert late[ratio > 2].mean() > late[ratio < 0.5].mean() + 0.1


def test_defaults_have_long_unpaid_invoices(ledger, big):
    for led in (ledger, big):
        h = _with_behaviour(led)
        h["long_unpaid"] = h["paid_date"].isna() & (h["due_date"] < END_TS - pd.Timedelta(days=90))
        per_customer = h.groupby(["behaviour", "customer_id"])["long_unpaid"].any()
        share = per_customer.groupby(level=0).mean()
        assert share["default"] == 1.0, share
        assert share[["prompt", "regular"]].max() < 0.1, share
        # and they stopped buying
        last = h[h["behaviour"] == "default"].groupby("customer_id")["invoice_date"].max()
        assert (last < END_TS - pd.Timedelta(days=60)).all()


def test_open_invoices_mix_not_due_and_overdue(ledger):
    h = ledger.history
    open_ = h[h["paid_date"].isna()]
    overdue_days = (END_TS - open_["due_date"]).dt.days
    assert (overdue_days <= 0).sum() >= 20  # not yet due
    assert ((overdue_days > 0) & (overdue_days <= 30)).sum() >= 5
    assert (overdue_days > 90).sum() >= 5  # long overdue
    # Nearly everything old is settled.
    old = h[h["invoice_date"] < END_TS - pd.Timedelta(days=365)]
    assert old["paid_date"].notna().mean() > 0.97


def test_payments_and_credit_notes_settle_paid_invoices(ledger):
    h = ledger.history.set_index("invoice_id")
    paid_sum = ledger.payments.groupby("invoice_id")["amount"].sum()
    credit_sum = ledger.credit_notes.groupby("invoice_id")["amount"].sum()
    settled = h[h["paid_date"].notna()]
    total = paid_sum.reindex(settled.index, fill_value=0) + credit_sum.reindex(
        settled.index, fill_value=0
    )
    np.testing.assert_allclose(total.to_numpy(), settled["amount"].to_numpy(), atol=0.005)
    # The invoice is settled on the day of its last payment or credit note.
    last = pd.concat([ledger.payments, ledger.credit_notes]).groupby("invoice_id")["date"].max()
    assert (last.reindex(settled.index) == settled["paid_date"]).all()
    # Open invoices are never fully paid.
    open_ = h[h["paid_date"].isna()]
    partly = paid_sum.reindex(open_.index, fill_value=0) + credit_sum.reindex(
        open_.index, fill_value=0
    )
    assert (partly < open_["amount"] - 0.005).all()
    assert (ledger.payments["amount"] > 0).all()
    assert (ledger.payments["date"] <= END_TS).all()


def test_partial_payments_exist_and_match_first_payment_date(ledger):
    pays = ledger.payments
    counts = pays.groupby("invoice_id").size()
    assert (counts > 1).sum() >= 20
    h = ledger.history.set_index("invoice_id")
    first = pays.groupby("invoice_id")["date"].min()
    pd.testing.assert_series_equal(
        h.loc[h["first_payment_date"].notna(), "first_payment_date"].sort_index(),
        first.reindex(h.index[h["first_payment_date"].notna()]).sort_index(),
        check_names=False,
    )
    assert h.loc[h.index.difference(first.index), "first_payment_date"].isna().all()
    # Some open invoices are partly paid (customers in trouble pay what they can).
    open_ids = h.index[h["paid_date"].isna()]
    assert first.index.isin(open_ids).sum() >= 1


def test_credit_notes_only_on_disputed_invoices(ledger):
    cn = ledger.credit_notes
    assert len(cn) >= 5
    h = ledger.history.set_index("invoice_id")
    assert h.loc[cn["invoice_id"], "disputed"].all()
    assert (cn["amount"] > 0).all()
    assert (cn["amount"].to_numpy() <= h.loc[cn["invoice_id"], "amount"].to_numpy() + 1e-9).all()
    assert (cn["date"].to_numpy() >= h.loc[cn["invoice_id"], "invoice_date"].to_numpy()).all()
    # A dispute is only known once raised (3 days or more after the invoice).
    h = ledger.history
    assert (h["invoice_date"] > END_TS - pd.Timedelta(days=7)).any()
    assert (h.loc[h["disputed"], "invoice_date"] <= END_TS - pd.Timedelta(days=3)).all()
    # Disputes are concentrated on disputers.
    hb = _with_behaviour(ledger)
    rate = hb.groupby("behaviour")["disputed"].mean()
    assert rate["disputer"] > 2 * rate.drop("disputer").max(), rate


def test_business_days(ledger):
    h = ledger.history
    assert (h["invoice_date"].dt.dayofweek < 5).all()
    assert (ledger.payments["date"].dt.dayofweek < 5).all()


def test_default_end_date_is_today():
    led = generate_ledger(customers=3, months=2, seed=1)
    assert led.history["invoice_date"].max() <= pd.Timestamp(dt.date.today())


def test_tiny_and_invalid_arguments():
    tiny = generate_ledger(customers=1, months=1, seed=3, end_date=END)
    assert len(tiny.customers) == 1
    assert tiny.history["customer_id"].eq(tiny.customers.loc[0, "customer_id"]).all()
    with pytest.raises(ValueError):
        generate_ledger(customers=0)
    with pytest.raises(ValueError):
        generate_ledger(months=0)
