"""Fairness audit on constructed scores whose ratios and error rates are known.

One invoice per customer, due 2024-02-01, paid the day before (on time) or on
2024-03-15 (late). Per country (on-time / late invoices; scored high among them):

BE  50 / 50, high 10 / 10  -> 20% high, FPR 0.20, FNR 0.80, 1 contact, no agency
FR  50 / 50, high 25 / 20  -> 45% high, FPR 0.50, FNR 0.60, 2 contacts, 30 at the agency
NL  60 / 40, high 14 /  8  -> 22% high, FPR 0.2333, FNR 0.80, 1.2 contacts
LU   5 /  5  (too small to be judged)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections.cli import main
from ar_ai_collections.fairness import audit

SPEC = {  # country: (on time, late, high on time, high late, contacts, agency)
    "BE": (50, 50, 10, 10, 1.0, 0),
    "FR": (50, 50, 25, 20, 2.0, 30),
    "NL": (60, 40, 14, 8, 1.2, 0),
    "LU": (5, 5, 5, 5, 1.0, 0),
}


def constructed() -> tuple[pd.DataFrame, pd.DataFrame]:
    history, scores = [], []
    for country, (on_time, late, high_on_time, high_late, contacts, agency) in SPEC.items():
        for i in range(on_time + late):
            is_late = i >= on_time
            high = (i < high_on_time) or (is_late and i - on_time < high_late)
            invoice = f"{country}{i:03d}"
            history.append(
                {
                    "invoice_id": invoice,
                    "customer_id": f"C{invoice}",
                    "invoice_date": pd.Timestamp("2024-01-02"),
                    "due_date": pd.Timestamp("2024-02-01"),
                    "amount": 100.0 + i,
                    "paid_date": pd.Timestamp("2024-03-15" if is_late else "2024-01-31"),
                    "country": country,
                    "industry": "",
                }
            )
            scores.append(
                {
                    "invoice_id": invoice,
                    "p_late": 0.7 if high else 0.2,
                    "risk_band": "high" if high else "low",
                    "contacts": contacts,
                    "action": "agency" if i < agency else "",
                }
            )
    return pd.DataFrame(history), pd.DataFrame(scores)


@pytest.fixture(scope="module")
def report():
    history, scores = constructed()
    return audit(history, scores)


def group(report, attribute, name):
    return next(g for g in report.groups if g.attribute == attribute and g.group == name)


def test_rates_and_ratios_match_the_construction(report):
    be, fr, nl = (group(report, "country", c) for c in ("BE", "FR", "NL"))
    assert (be.share_high, fr.share_high, nl.share_high) == pytest.approx((0.20, 0.45, 0.22))
    assert (be.false_positive_rate, be.false_negative_rate) == pytest.approx((0.2, 0.8))
    assert (fr.false_positive_rate, fr.false_negative_rate) == pytest.approx((0.5, 0.6))
    assert nl.false_positive_rate == pytest.approx(14 / 60)
    assert fr.ratios["not_high_ratio"] == pytest.approx(0.55 / 0.80)
    assert nl.ratios["not_high_ratio"] == pytest.approx(0.78 / 0.80)
    assert fr.ratios["not_agency_ratio"] == pytest.approx(0.7)
    assert fr.ratios["contacts_ratio"] == pytest.approx(0.5)
    assert nl.ratios["contacts_ratio"] == pytest.approx(1 / 1.2)
    assert fr.contacts_per_customer == 2.0 and fr.share_agency == pytest.approx(0.3)
    assert be.ratios["not_high_ratio"] == 1.0  # the best-treated group


def test_flags_four_fifths_and_error_gaps_only_where_due(report):
    flagged = {(f.group, f.metric) for f in report.flags if f.attribute == "country"}
    assert flagged == {
        ("FR", "not_high_ratio"),
        ("FR", "not_agency_ratio"),
        ("FR", "contacts_ratio"),
        ("FR", "false_positive_rate"),
        ("FR", "false_negative_rate"),
    }
    assert all(f.reference == "BE" for f in report.flags if f.attribute == "country")
    lu = group(report, "country", "LU")
    assert not lu.judged and lu.share_high == 1.0  # reported, never flagged
    assert "industry" in report.notes


def test_a_group_never_contacted_flags_the_others_without_failing():
    history, scores = constructed()
    scores.loc[scores["invoice_id"].str.startswith("BE"), "contacts"] = 0.0
    report = audit(history, scores)
    flags = {f.group: f for f in report.flags if f.metric == "contacts_ratio"}
    assert set(flags) == {"FR", "NL"}
    assert flags["FR"].value == 0.0 and "where a group had none" in flags["FR"].message


def test_customer_size_quartiles_and_age():
    history, scores = constructed()
    report = audit(history, scores)
    sizes = [g for g in report.groups if g.attribute == "customer_size"]
    assert [g.group for g in sizes] == ["Q1 smallest", "Q2", "Q3", "Q4 largest"]
    assert sum(g.n_customers for g in sizes) == len(history)
    assert np.ptp([g.n_customers for g in sizes]) <= 1
    ages = [g for g in report.groups if g.attribute == "customer_age"]
    assert [g.group for g in ages] == ["<6 months"]


def test_cli_writes_the_audit(tmp_path, capsys):
    history, scores = constructed()
    history.to_csv(tmp_path / "h.csv", index=False, date_format="%Y-%m-%d")
    scores.drop(columns=["contacts", "action"]).to_csv(tmp_path / "s.csv", index=False)
    args = ["audit", "--history", str(tmp_path / "h.csv"), "--scores", str(tmp_path / "s.csv")]
    assert main([*args, "--out", str(tmp_path / "a.json")]) == 0
    data = json.loads((tmp_path / "a.json").read_text())
    fr = next(g for g in data["attributes"]["country"] if g["group"] == "FR")
    assert fr["contacts_per_customer"] is None and "contacts_per_customer" in data["notes"]
    assert {f["metric"] for f in data["flags"] if f["group"] == "FR"} == {
        "not_high_ratio",
        "false_positive_rate",
        "false_negative_rate",
    }
    assert json.loads(capsys.readouterr().out)["flags"] == len(data["flags"])
