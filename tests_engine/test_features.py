"""Point-in-time features: no leakage, cold start, shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections.features import (
    FEATURE_NAMES,
    PRIOR_WEIGHT,
    build_features,
    build_snapshot_features,
    customer_summary,
)


def _frame(rows):
    df = pd.DataFrame(
        rows,
        columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount", "paid_date"],
    )
    for col in ("invoice_date", "due_date", "paid_date"):
        df[col] = pd.to_datetime(df[col])
    df["first_payment_date"] = df["paid_date"]
    df["disputed"] = False
    df["credit_limit"] = 10000.0
    df["payment_terms_days"] = 30.0
    for col in ("currency", "country", "industry"):
        df[col] = ""
    return df


@pytest.fixture
def history():
    return _frame(
        [
            ("I1", "A", "2025-01-01", "2025-01-31", 100.0, "2025-02-20"),  # 20 days late
            ("I2", "A", "2025-02-01", "2025-03-03", 200.0, "2025-03-01"),  # early
            ("I3", "A", "2025-03-01", "2025-03-31", 300.0, "2025-05-10"),  # paid after as_of
            ("I4", "B", "2025-01-15", "2025-02-14", 50.0, None),
            ("I5", "A", "2025-04-01", "2025-05-01", 1200.0, None),
        ]
    )


def _get(fm, invoice_id, name):
    row = fm.frame.set_index("invoice_id").loc[invoice_id]
    return float(row[name])


def test_open_invoices_and_point_in_time_state(history):
    fm = build_features(history, "2025-04-15")
    assert set(fm.frame["invoice_id"]) == {"I3", "I4", "I5"}  # I3 paid after as_of: open
    assert fm.X.shape == (3, len(FEATURE_NAMES)) and fm.X.dtype == np.float32
    assert fm.feature_names == FEATURE_NAMES
    # customer A: 2 settled by then (I1 late 20 days, I2 early), I3 and I5 open, I3 overdue
    assert _get(fm, "I5", "n_settled_log") == pytest.approx(np.log1p(2))
    assert _get(fm, "I5", "n_open") == 2
    assert _get(fm, "I5", "n_overdue") == 1
    assert _get(fm, "I5", "mean_overdue_age") == 15
    assert _get(fm, "I5", "max_days_late") == 20
    assert _get(fm, "I3", "days_to_due") == -15
    assert _get(fm, "I5", "overdue_amount_log") == pytest.approx(np.log1p(300), rel=1e-6)
    # I5 is 4x the customer's usual (mean of 100, 200, 300, 1200 = 450)
    assert _get(fm, "I5", "amount_vs_usual_log") == pytest.approx(np.log(1200 / 450), rel=1e-5)
    assert (
        _get(fm, "I5", "days_since_last_payment")
        == (pd.Timestamp("2025-04-15") - pd.Timestamp("2025-03-01")).days
    )


def test_no_leakage_when_later_rows_are_appended(history):
    as_of = "2025-04-15"
    before = build_features(history, as_of)
    later = history.copy()
    # I3 and I5 get paid later, new invoices arrive later, all after as_of
    later.loc[later["invoice_id"] == "I5", "paid_date"] = pd.Timestamp("2025-04-20")
    later.loc[later["invoice_id"] == "I4", "paid_date"] = pd.Timestamp("2025-09-01")
    extra = _frame(
        [
            ("I6", "A", "2025-05-01", "2025-05-31", 999.0, "2025-06-30"),
            ("I7", "C", "2025-04-16", "2025-05-16", 10.0, "2025-04-17"),
            ("I8", "B", "2025-06-01", "2025-07-01", 10.0, None),
        ]
    )
    later = pd.concat([extra, later], ignore_index=True)  # order must not matter either
    after = build_features(later, as_of)
    a = before.frame.sort_values("invoice_id").reset_index(drop=True)
    b = after.frame.sort_values("invoice_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_generated_ledger_no_leakage():
    import datetime as dt

    from ar_ai_collections.generator import generate_ledger

    h = generate_ledger(customers=25, months=12, seed=3, end_date=dt.date(2026, 6, 30)).history
    as_of = pd.Timestamp("2026-02-01")
    full = build_features(h, as_of).frame.sort_values("invoice_id").reset_index(drop=True)
    known = h[h["invoice_date"] <= as_of].copy()
    # forget everything that happened after as_of
    known.loc[known["paid_date"] > as_of, "paid_date"] = pd.NaT
    known.loc[known["first_payment_date"] > as_of, "first_payment_date"] = pd.NaT
    cut = build_features(known, as_of).frame.sort_values("invoice_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(full, cut)


def test_cold_start_is_finite(history):
    new = _frame([("N1", "NEW", "2025-04-10", "2025-05-10", 500.0, None)])
    h = pd.concat([history, new], ignore_index=True)
    fm = build_features(h, "2025-04-15", invoice_ids=["N1"])
    assert list(fm.frame["invoice_id"]) == ["N1"]
    assert np.isfinite(fm.X).all()
    # no history: shrunk fully to the population prior (customer A's 1 of 2 late)
    assert _get(fm, "N1", "share_late") == pytest.approx(0.5)
    assert _get(fm, "N1", "n_settled_log") == 0
    # a ledger with nothing settled at all still gives finite features
    alone = build_features(new, "2025-04-15")
    assert np.isfinite(alone.X).all() and len(alone.X) == 1


def test_empty_selection(history):
    fm = build_features(history, "2024-01-01")
    assert fm.X.shape == (0, len(FEATURE_NAMES))
    assert list(fm.frame.columns[:5]) == [
        "invoice_id",
        "customer_id",
        "invoice_date",
        "due_date",
        "amount",
    ]


def test_snapshot_path_matches_scoring_path(history):
    fm = build_features(history, "2025-04-15")
    rows = np.flatnonzero(history["invoice_id"].isin(fm.frame["invoice_id"]).to_numpy())
    dates = np.full(len(rows), np.datetime64("2025-04-15", "ns"))
    X = build_snapshot_features(history, rows, dates)
    order = history.iloc[rows]["invoice_id"].to_numpy()
    expected = fm.frame.set_index("invoice_id").loc[order, list(FEATURE_NAMES)].to_numpy()
    np.testing.assert_allclose(X, expected, rtol=1e-6)


def test_customer_summary(history):
    s = customer_summary(history, "2025-04-15").set_index("customer_id")
    assert s.loc["A", "n_open"] == 2
    assert s.loc["A", "n_overdue"] == 1
    assert s.loc["A", "open_amount"] == 1500
    assert s.loc["A", "share_late"] == 0.5
    assert s.loc["A", "avg_days_late"] == pytest.approx((20 - 2) / 2)
    assert s.loc["B", "overdue_amount"] == 50
    assert {"dso_days", "overdue_amount"} <= set(s.columns)


def test_broken_promises_count_once_settled_and_own_dispute_flag(history):
    """A broken promise on I1 counts from I1's settlement on; I3's is not known before."""
    history["broken_promise"] = history["invoice_id"].isin(["I1", "I3"])
    history.loc[history["invoice_id"] == "I5", "disputed"] = True
    before = build_features(history, "2025-02-10")  # I1 still open
    after = build_features(history, "2025-04-15")  # I1, I2 settled; I3 open
    assert _get(before, "I1", "share_broken_promises") == 0.0
    # 1 broken of 2 settled, shrunk toward no broken promise with PRIOR_WEIGHT pseudo-invoices
    assert _get(after, "I5", "share_broken_promises") == pytest.approx(1 / (2 + PRIOR_WEIGHT))
    assert _get(after, "I5", "in_dispute") == 1.0 and _get(after, "I3", "in_dispute") == 0.0
    # without the column (frames from older exports), no broken promise at all
    legacy = build_features(history.drop(columns="broken_promise"), "2025-04-15")
    assert _get(legacy, "I5", "share_broken_promises") == 0.0
