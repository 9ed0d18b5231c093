"""Collections KPIs against values computed by hand on a ten-invoice ledger.

The ledger (report date 2025-03-31, company Acme, EUR company currency, USD
converted at 0.8; every amount below in EUR):

EUR  E1  1000  issued 01-05 due 02-04  paid 02-04                     (Ann)
     E2   500  issued 01-10 due 01-25  200 on 02-10, rest 03-15       (Ann)
     E3   800  issued 01-20 due 02-19  credit note 100 on 02-25, rest 03-05;
                dispute "pricing" 02-01 -> 02-25                      (Ann)
     E4  1200  issued 02-03 due 03-05  open; promised 03-20 (broken)  (Bob)
     E5   300  issued 02-15 due 02-15  paid 03-11; promised 03-10 (kept, 2 days grace)
     E6   400  issued 03-10 due 04-09  150 on 03-20, open             (Bob)
USD  U1   800  issued 01-15 due 02-14  paid 02-20
     U2   400  issued 02-01 due 02-28  fully credited 03-10; dispute "billing_error"
                02-20 -> 03-10
     U3   200  issued 02-20 due 03-22  open
     U4   100  issued 03-25 due 04-24  open

Month ends (R = receivables, S = net credit sales, N = days):

EUR Jan: S 2300, R 2300 (current E1+E3 1800, 1-30 E2 500), collected 0
    Feb: S 1500-100=1400, collected E1 1000 + E2 200 = 1200;
         R 2500: E4 1200 current, E3 700 + E5 300 in 1-30, E2 300 in 31-60
    Mar: S 400, collected 700+300+300+150 = 1450; R 1450: E6 250 current, E4 1200 1-30
USD Jan: S 800, R 800 current; Feb: S 600, collected 800, R 600 current;
    Mar: S 100-400 = -300, collected 0, R 300 (U4 100 current, U3 200 1-30)
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections.cli import main
from ar_ai_collections.generator import generate_ledger
from ar_ai_collections.history import HistoryError, load_history
from ar_ai_collections.kpis import (
    ContactCosts,
    add_ledger_detail,
    compute_kpis,
    countback_dso,
)

LEDGER = """\
invoice_id,customer_id,invoice_date,due_date,amount,paid_date,currency,company,amount_company_currency,first_payment_date,first_payment_amount,credit_note_date,credit_note_amount,promise_date,dispute_date,dispute_resolved_date,dispute_category,collector,emails_sent,calls_made
E1,C1,2025-01-05,2025-02-04,1000,2025-02-04,EUR,Acme,1000,,,,,,,,,Ann,,
E2,C2,2025-01-10,2025-01-25,500,2025-03-15,EUR,Acme,500,2025-02-10,200,,,,,,,Ann,2,
E3,C3,2025-01-20,2025-02-19,800,2025-03-05,EUR,Acme,800,,,2025-02-25,100,,2025-02-01,2025-02-25,pricing,Ann,,
E4,C1,2025-02-03,2025-03-05,1200,,EUR,Acme,1200,,,,,2025-03-20,,,,Bob,3,1
E5,C4,2025-02-15,2025-02-15,300,2025-03-11,EUR,Acme,300,,,,,2025-03-10,,,,Bob,,
E6,C2,2025-03-10,2025-04-09,400,,EUR,Acme,400,2025-03-20,150,,,,,,,Bob,,
U1,C5,2025-01-15,2025-02-14,1000,2025-02-20,USD,Acme,800,,,,,,,,,,,
U2,C5,2025-02-01,2025-02-28,500,2025-03-10,USD,Acme,400,,,2025-03-10,500,,2025-02-20,2025-03-10,billing_error,,,
U3,C6,2025-02-20,2025-03-22,250,,USD,Acme,200,,,,,,,,,,,
U4,C6,2025-03-25,2025-04-24,125,,USD,Acme,100,,,,,,,,,,,
"""
COSTS = ContactCosts(email=0.5, letter=2.0, call=5.0)
CENT = 0.005


@pytest.fixture(scope="module")
def report():
    return compute_kpis(load_history(io.StringIO(LEDGER)), as_of="2025-03-31", costs=COSTS)


def row(report, currency: str, month: str) -> pd.Series:
    m = report.monthly
    return m[(m["currency"] == currency) & (m["month"] == month)].iloc[0]


def test_one_row_per_currency_and_month_plus_all_currencies(report):
    m = report.monthly
    assert list(zip(m["currency"], m["month"], strict=True)) == [
        (c, mo) for c in ("ALL", "EUR", "USD") for mo in ("2025-01", "2025-02", "2025-03")
    ]
    assert set(m["amount_basis"]) == {"company"}
    assert list(m["days_in_period"]) == [31, 28, 31] * 3


@pytest.mark.parametrize(
    ("currency", "month", "expected"),
    [
        # invoiced, credit_notes, credit_sales, collected, receivables begin/end
        ("EUR", "2025-01", (2300, 0, 2300, 0, 0, 2300)),
        ("EUR", "2025-02", (1500, 100, 1400, 1200, 2300, 2500)),
        ("EUR", "2025-03", (400, 0, 400, 1450, 2500, 1450)),
        ("USD", "2025-01", (800, 0, 800, 0, 0, 800)),
        ("USD", "2025-02", (600, 0, 600, 800, 800, 600)),
        ("USD", "2025-03", (100, 400, -300, 0, 600, 300)),
        ("ALL", "2025-02", (2100, 100, 2000, 2000, 3100, 3100)),
        ("ALL", "2025-03", (500, 400, 100, 1450, 3100, 1750)),
    ],
)
def test_sales_collections_and_receivables_to_the_cent(report, currency, month, expected):
    r = row(report, currency, month)
    columns = (
        "invoiced",
        "credit_notes",
        "credit_sales",
        "collected",
        "receivables_begin",
        "receivables_end",
    )
    assert [r[c] for c in columns] == pytest.approx(expected, abs=CENT)


@pytest.mark.parametrize(
    ("currency", "month", "buckets"),
    [
        ("EUR", "2025-01", (1800, 500, 0, 0, 0)),
        ("EUR", "2025-02", (1200, 1000, 300, 0, 0)),
        ("EUR", "2025-03", (250, 1200, 0, 0, 0)),
        ("USD", "2025-02", (600, 0, 0, 0, 0)),  # U2 due on the month end: still current
        ("USD", "2025-03", (100, 200, 0, 0, 0)),
    ],
)
def test_aging_buckets(report, currency, month, buckets):
    r = row(report, currency, month)
    names = ("current", "1_30", "31_60", "61_90", "over_90")
    assert [r[f"aging_{b}"] for b in names] == pytest.approx(buckets, abs=CENT)
    assert r["pct_current"] == pytest.approx(buckets[0] / sum(buckets) * 100)


@pytest.mark.parametrize(
    ("currency", "month", "dso", "countback", "best", "cei"),
    [
        ("EUR", "2025-01", 31.0, 31.0, 1800 / 2300 * 31, 0.0),
        ("EUR", "2025-02", 50.0, 28 + 1100 / 2300 * 31, 24.0, 48.0),
        ("EUR", "2025-03", 112.375, 52.0, 19.375, 1450 / 2650 * 100),
        ("USD", "2025-01", 31.0, 31.0, 31.0, math.nan),  # nothing was collectable
        ("USD", "2025-02", 28.0, 28.0, 28.0, 100.0),
        ("USD", "2025-03", math.nan, 31 + 14.0, math.nan, 0.0),  # net sales negative
        ("ALL", "2025-02", 43.4, 39.0, 25.2, 2000 / 3300 * 100),
        ("ALL", "2025-03", 542.5, 54.1, 108.5, 1450 / 2850 * 100),
    ],
)
def test_dso_countback_best_possible_add_and_cei(
    report, currency, month, dso, countback, best, cei
):
    r = row(report, currency, month)
    assert r["dso"] == pytest.approx(dso, nan_ok=True)
    assert r["dso_countback"] == pytest.approx(countback)
    assert r["best_possible_dso"] == pytest.approx(best, nan_ok=True)
    assert r["add"] == pytest.approx(dso - best, nan_ok=True)
    assert r["cei"] == pytest.approx(cei, nan_ok=True)


def test_recovery_rates_by_bucket_and_horizon(report):
    jan, feb, mar = (row(report, "EUR", m) for m in ("2025-01", "2025-02", "2025-03"))
    # Jan 31 + 30 days = Mar 2: E1 paid (1000 of 1800 current), E2's 200 of 500.
    assert jan["recovery_current_30d"] == pytest.approx(1000 / 1800)
    assert jan["recovery_1_30_30d"] == pytest.approx(0.4)
    assert math.isnan(jan["recovery_31_60_30d"])  # empty bucket
    assert math.isnan(jan["recovery_current_60d"])  # Apr 1 is after the report date
    assert feb["recovery_current_30d"] == 0.0  # E4 still open
    assert feb["recovery_1_30_30d"] == pytest.approx(1.0)
    assert feb["recovery_31_60_30d"] == pytest.approx(1.0)
    assert mar[[c for c in mar.index if c.startswith("recovery_")]].isna().all()
    usd = row(report, "USD", "2025-02")
    assert usd["recovery_current_30d"] == 0.0  # a credit note is not a collection


def test_promises_disputes_collectors_and_costs(report):
    mar = row(report, "EUR", "2025-03")
    assert (mar["promises_due"], mar["promises_kept"], mar["promise_kept_rate"]) == (2, 1, 0.5)
    assert math.isnan(row(report, "EUR", "2025-02")["promise_kept_rate"])
    feb = row(report, "EUR", "2025-02")
    assert (feb["disputes_opened"], feb["disputes_resolved"], feb["dispute_resolve_days"]) == (
        1,
        1,
        24,
    )
    usd_mar = row(report, "USD", "2025-03")
    assert (usd_mar["disputes_resolved"], usd_mar["dispute_resolve_days"]) == (1, 18)
    d = report.disputes.set_index(["currency", "month", "category"])
    assert d.loc[("USD", "2025-02", "billing_error"), "disputes_opened"] == 1
    assert d.loc[("USD", "2025-03", "billing_error"), "dispute_resolve_days"] == 18
    c = report.collectors.set_index(["currency", "month", "collector"])["collected"]
    assert c[("EUR", "2025-02", "Ann")] == pytest.approx(1200)
    assert c[("EUR", "2025-03", "Ann")] == pytest.approx(1000)
    assert c[("EUR", "2025-03", "Bob")] == pytest.approx(450)
    assert c[("USD", "2025-02", "(none)")] == pytest.approx(800)
    # E2: 2 emails (settled in March); E4: 3 emails + 1 call (open: booked in March)
    assert mar["contact_cost"] == pytest.approx(7.5)
    assert mar["cost_per_unit_collected"] == pytest.approx(7.5 / 1450)
    assert "cost_per_unit_collected" in report.notes  # letters_sent column absent


def test_missing_columns_give_nan_with_a_note_not_an_error():
    minimal = "\n".join(
        ",".join(line.split(",")[:7]) for line in LEDGER.splitlines() if line
    )  # up to currency: no detail at all
    report = compute_kpis(load_history(io.StringIO(minimal)), as_of="2025-03-31")
    m = report.monthly
    assert set(m["currency"]) == {"EUR", "USD"}  # no company amounts: no ALL row
    assert m["promise_kept_rate"].isna().all()
    assert m["dispute_resolve_days"].isna().all()
    assert m["cost_per_unit_collected"].isna().all()
    assert report.collectors.empty
    for kpi in ("promise_kept_rate", "dispute_resolve_days", "cost_per_unit_collected"):
        assert kpi in report.notes
    # Without partial payments, E2's 200 and E3's credit note are not seen until paid.
    assert row(report, "EUR", "2025-02")["receivables_end"] == pytest.approx(2800)


def test_inconsistent_detail_is_refused_with_its_line():
    bad = LEDGER.replace("2025-02-25,100,,2025-02-01", "2025-02-25,900,,2025-02-01")
    with pytest.raises(HistoryError, match=r"line 4, column 'credit_note_amount'"):
        compute_kpis(load_history(io.StringIO(bad)))


def test_malformed_detail_cells_are_all_listed_by_line():
    bad = LEDGER.replace("2025-03-20,,,,Bob,3,1", "2025-03-32,,,,Bob,three,1")
    with pytest.raises(HistoryError) as caught:
        compute_kpis(load_history(io.StringIO(bad)))
    listed = [(e.row, e.column) for e in caught.value.errors]
    assert listed == [(5, "emails_sent"), (5, "promise_date")]


def test_countback_stops_at_the_first_month_when_history_runs_out():
    out = countback_dso(np.array([500.0]), np.array([100.0]), np.array([30.0]))
    assert out == pytest.approx([30.0])


def test_generated_ledger_balances_every_month():
    ledger = generate_ledger(120, 18, seed=5, end_date=pd.Timestamp("2025-06-30").date())
    history = add_ledger_detail(ledger.history, ledger.payments, ledger.credit_notes)
    m = compute_kpis(history).monthly
    # what was owed + net sales - what is owed = cash collected, every month
    flow = m["receivables_begin"] + m["credit_sales"] - m["receivables_end"]
    assert np.allclose(flow, m["collected"], atol=0.01)
    assert np.allclose(
        m[[c for c in m if c.startswith("aging_")]].sum(axis=1), m["receivables_end"]
    )
    assert ((m["cei"].dropna() >= 0) & (m["cei"].dropna() <= 100.0001)).all()


def test_cli_writes_one_row_per_month_and_currency(tmp_path, capsys):
    (tmp_path / "h.csv").write_text(LEDGER)
    code = main(
        [
            "kpis",
            "--history",
            str(tmp_path / "h.csv"),
            "--out",
            str(tmp_path / "k.csv"),
            "--as-of",
            "2025-03-31",
            "--cost-email",
            "0.5",
            "--cost-call",
            "5",
        ]
    )
    assert code == 0
    out = pd.read_csv(tmp_path / "k.csv")
    assert len(out) == 9
    assert out.loc[(out["currency"] == "EUR") & (out["month"] == "2025-02"), "dso"].item() == 50
    assert "collected:Ann" in out and "disputes_opened:pricing" in out
    assert json.loads(capsys.readouterr().out)["rows"] == 9
