"""Model monitoring: metrics on constructed data, and a drift drill on the generator's ledger."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections.cli import main
from ar_ai_collections.generator import generate_ledger
from ar_ai_collections.history import write_history
from ar_ai_collections.monitoring import (
    MIN_OUTCOMES,
    Thresholds,
    alerts,
    forecast_wape,
    monitor_performance,
    performance,
    psi,
    realized_outcomes,
)
from ar_ai_collections.monitoring_drill import drift_drill, inject_payment_delay
from ar_ai_collections.prediction_log import judged_log, log_ttp_predictions
from ar_ai_collections.ttp_calibration import ttp_bands
from ar_ai_collections.ttp_model import load_default_ttp_model


def test_psi_is_zero_for_the_same_population_and_matches_the_formula():
    reference = np.arange(1000.0)
    assert psi(reference, reference) == pytest.approx(0.0)
    # all of the current sample in the reference's five lowest deciles
    current = np.arange(0.0, 500.0)
    expected = 5 * (0.2 - 0.1) * math.log(2) + 5 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert psi(reference, current) == pytest.approx(expected)


def tiny_history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice_id": ["A", "B", "C", "D"],
            "customer_id": ["C1", "C2", "C3", "C4"],
            "invoice_date": pd.to_datetime(["2025-01-01"] * 4),
            "due_date": pd.to_datetime(["2025-01-31", "2025-01-31", "2025-02-15", "2025-01-20"]),
            "amount": [100.0, 200.0, 300.0, 400.0],
            "paid_date": pd.to_datetime(["2025-01-30", None, None, "2025-01-25"]),
        }
    )


def test_realized_outcomes_and_per_month_metrics():
    log = pd.DataFrame(
        {
            "invoice_id": ["A", "B", "C", "D"],
            "snapshot_date": ["2025-01-01"] * 4,
            "p_late": [0.2, 0.9, 0.5, 0.6],
            "band": ["low", "critical", "medium", "high"],
        }
    )
    out = realized_outcomes(log, tiny_history(), "2025-02-10")
    assert out["outcome"].tolist()[:2] == [0.0, 1.0] and math.isnan(out["outcome"][2])
    assert out["outcome"][3] == 1.0  # paid after its due date
    perf = performance(out)
    assert perf["month"].tolist() == ["2025-01"] and perf["n"].tolist() == [3]
    assert perf["auc"][0] == pytest.approx(1.0)  # 0.2 on time below 0.6 and 0.9 late
    assert perf["brier"][0] == pytest.approx((0.2**2 + 0.1**2 + 0.4**2) / 3)
    by_band = performance(out, by=("month", "band")).set_index("band")
    assert by_band["n"].to_dict() == {"critical": 1, "high": 1, "low": 1}
    assert by_band.loc["low", "brier"] == pytest.approx(0.04)
    paid_30 = realized_outcomes(
        log.assign(p_paid_30=0.5), tiny_history(), "2025-02-10", target="p_paid_30"
    )
    assert paid_30["outcome"].tolist() == [1.0, 0.0, 0.0, 1.0]


def test_forecast_wape_by_week():
    history = tiny_history().iloc[:3].copy()
    history["paid_date"] = pd.to_datetime(["2025-01-09", "2025-01-22", "2025-01-23"])
    log = pd.DataFrame(
        {
            "invoice_id": ["A", "B", "C"],
            "snapshot_date": ["2025-01-06"] * 3,
            "expected_date": pd.to_datetime(["2025-01-08", "2025-01-15", "2025-01-22"]),
        }
    )
    # weeks of Jan 6, 13, 20: forecast 100/200/300, actual 100/0/500
    out = forecast_wape(log, history, "2025-02-02")
    assert out["periods"][0] == 3
    assert forecast_wape(log, history, "2025-01-25")["periods"][0] == 2  # week of Jan 20 not over
    assert out["wape"][0] == pytest.approx((0 + 200 + 200) / 600)


def test_alerts_apply_the_thresholds():
    monthly = pd.DataFrame(
        {
            "month": ["2025-01", "2025-02", "2025-03"],
            "n": [100, 100, MIN_OUTCOMES - 1],
            "auc": [0.75, 0.78, 0.5],
            "ece": [0.12, 0.05, 0.5],
        }
    )
    found = alerts(monthly, 0.82, {"2025-02": {"n_overdue": 0.3, "amount_log": 0.2}})
    assert [(a.kind, a.month, a.subject) for a in found] == [
        ("auc_drop", "2025-01", "model"),
        ("ece", "2025-01", "model"),
        ("psi", "2025-02", "n_overdue"),
    ]
    assert found[0].threshold == pytest.approx(0.77)
    # Each threshold moves its own breach, the minimum outcomes included.
    looser = Thresholds(auc_drop=0.10, psi_limit=0.35, ece_limit=0.15, min_outcomes=MIN_OUTCOMES)
    assert alerts(monthly, 0.82, {"2025-02": {"n_overdue": 0.3}}, looser) == []
    stricter = Thresholds(psi_limit=0.15, ece_limit=0.04, min_outcomes=MIN_OUTCOMES - 1)
    found = alerts(monthly, 0.82, {"2025-02": {"amount_log": 0.2}}, stricter, subject="ttp")
    assert [(a.kind, a.month, a.subject) for a in found] == [
        ("auc_drop", "2025-01", "ttp"),
        ("ece", "2025-01", "ttp"),
        ("ece", "2025-02", "ttp"),
        ("psi", "2025-02", "amount_log"),
        ("auc_drop", "2025-03", "ttp"),
        ("ece", "2025-03", "ttp"),
    ]
    assert found[0].message.startswith("2025-01: ttp realized AUC 0.750")


def test_time_to_payment_log_is_judged_on_paid_within_30_days():
    """The TTP answers at issue: calibrated probabilities, a median date after the
    issue, bands on P(not paid in 30 days); judged per month and band, and worse
    once a segment stops paying on time."""
    ledger = generate_ledger(150, 24, seed=5, end_date=dt.date(2025, 6, 30))
    history = ledger.history
    model = load_default_ttp_model()
    log = log_ttp_predictions(model, history, "2024-07-01", "2025-06-30")
    assert len(log) == int((history["invoice_date"] >= "2024-07-01").sum())
    assert log["p_paid_30"].between(0.0, 1.0).all()
    assert (log["expected_date"] > log["snapshot_date"]).all()
    expected_bands = ttp_bands(1.0 - log["p_paid_30"].to_numpy())
    assert log["band"].tolist() == list(expected_bands)
    report = monitor_performance(log, history, "2025-06-30", None, target="p_paid_30")
    assert "2025-06" in report.monthly["month"].tolist()
    assert set(report.by_band["band"]) <= {"low", "medium", "high", "critical"}
    assert report.by_band["n"].sum() == report.monthly.set_index("month").loc["2025-06", "n"]
    judged = report.monthly[report.monthly["n"] >= MIN_OUTCOMES]
    assert (judged["auc"] > 0.6).all(), judged
    everyone = ledger.customers["customer_id"]
    stopped = inject_payment_delay(history, everyone, "2025-03-01", 45)
    late_log = log_ttp_predictions(model, stopped, "2024-07-01", "2025-06-30")
    late = monitor_performance(late_log, stopped, "2025-06-30", None, target="p_paid_30")
    month = late.monthly.set_index("month").loc["2025-05"]
    assert (
        month["positive_rate"] < report.monthly.set_index("month").loc["2025-05", "positive_rate"]
    )
    assert month["ece"] > 0.1


def test_cli_judges_a_prediction_log(tmp_path, capsys):
    """``monitor`` judges an ERP's own log as the library does; a malformed log is
    refused with its line, and nothing is written."""
    ledger = generate_ledger(60, 12, seed=5, end_date=dt.date(2025, 6, 30))
    log = log_ttp_predictions(load_default_ttp_model(), ledger.history, "2025-01-01", "2025-06-30")
    write_history(ledger.history, tmp_path / "h.csv")
    log.to_csv(tmp_path / "p.csv", index=False, date_format="%Y-%m-%d")
    args = ["monitor", "--history", str(tmp_path / "h.csv"), "--as-of", "2025-06-30"]
    args += ["--target", "p_paid_30", "--validation-auc", "0.999"]
    out = tmp_path / "m.json"
    assert main([*args, "--predictions", str(tmp_path / "p.csv"), "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    expected = monitor_performance(log, ledger.history, "2025-06-30", 0.999, "p_paid_30")
    assert [m["month"] for m in data["monthly"]] == expected.monthly["month"].tolist()
    assert [m["auc"] for m in data["monthly"]] == pytest.approx(expected.monthly["auc"].tolist())
    assert "auc_drop" in [a["kind"] for a in data["alerts"]]  # 0.999 is out of reach
    assert [a["month"] for a in data["alerts"]] == [a.month for a in expected.alerts]
    assert json.loads(capsys.readouterr().out) == {
        "months": len(expected.monthly),
        "alerts": len(expected.alerts),
    }
    bad = log.astype({"p_paid_30": object})
    bad.loc[3, "p_paid_30"] = 1.7
    bad.to_csv(tmp_path / "bad.csv", index=False, date_format="%Y-%m-%d")
    out.unlink()
    assert main([*args, "--predictions", str(tmp_path / "bad.csv"), "--out", str(out)]) == 2
    assert "bad.csv line 5: p_paid_30 must be a probability" in capsys.readouterr().err
    log.drop(columns="snapshot_date").to_csv(tmp_path / "short.csv", index=False)
    assert main([*args, "--predictions", str(tmp_path / "short.csv"), "--out", str(out)]) == 2
    assert "missing column(s) snapshot_date" in capsys.readouterr().err
    assert main([*args, "--predictions", str(tmp_path / "none.csv"), "--out", str(out)]) == 2
    assert (
        main([*args[:-1], "1.5", "--predictions", str(tmp_path / "p.csv"), "--out", str(out)]) == 2
    )
    assert not out.exists()


def logged_rows(**columns) -> pd.DataFrame:
    """A scoring runs' log (all :data:`LOGGED_COLUMNS`) for the tiny history."""
    base = {
        "risk_model": "risk-v2",
        "ttp_model": "ttp-v3",
        "expected_date": "2025-02-01",
        "band": "medium",
        "p_late": 0.5,
        "p_paid_30": 0.5,
    }
    return pd.DataFrame({**base, **columns})


def test_judged_log_takes_production_answers_at_issue_and_keeps_the_rest_reconstructed():
    """A's first logged answer (day 3) replaces its reconstruction, with the model
    that gave it; B's first answer came 20 days after issue (logged after the
    fact: not an answer at issue); E is outside the judged window."""
    reconstructed = pd.DataFrame(
        {
            "invoice_id": ["A", "B", "C", "D"],
            "snapshot_date": pd.to_datetime(["2025-01-01"] * 4),
            "model": "today",
            "p_late": [0.2, 0.9, 0.5, 0.6],
            "expected_date": pd.to_datetime(["2025-01-31"] * 4),
            "band": ["low", "critical", "medium", "high"],
        }
    )
    logged = logged_rows(
        invoice_id=["A", "A", "B", "E"],
        snapshot_date=["2025-01-09", "2025-01-04", "2025-01-21", "2025-01-02"],
        p_late=[0.05, 0.95, 0.01, 0.3],
        p_paid_30=[0.1, 0.2, 0.3, 0.4],
        band=["low", "critical", "low", "low"],
    )
    judged = judged_log(reconstructed, logged, tiny_history())
    by_invoice = judged.set_index("invoice_id")
    assert list(by_invoice.index) == ["B", "C", "D", "A"]  # sorted by snapshot date
    assert by_invoice["logged"].to_dict() == {"A": True, "B": False, "C": False, "D": False}
    assert by_invoice.loc["A", "p_late"] == 0.95  # the first answer, day 3
    assert by_invoice.loc["A", "snapshot_date"] == pd.Timestamp("2025-01-04")
    assert by_invoice.loc["A", "model"] == "risk-v2"
    assert by_invoice.loc["A", "band"] == "critical"  # banded on p_late like a reconstruction
    assert by_invoice.loc["B", "p_late"] == 0.9  # reconstructed
    ttp = judged_log(
        reconstructed.rename(columns={"p_late": "p_paid_30"}),
        logged,
        tiny_history(),
        target="p_paid_30",
    ).set_index("invoice_id")
    assert ttp.loc["A", ["p_paid_30", "model", "band"]].tolist() == [0.2, "ttp-v3", "critical"]
    outcomes = realized_outcomes(judged, tiny_history(), "2025-02-10")
    assert performance(outcomes)["n_logged"].tolist() == [1]
    assert performance(realized_outcomes(reconstructed, tiny_history(), "2025-02-10"))[
        "n_logged"
    ].tolist() == [0]
    assert judged_log(reconstructed, logged.iloc[:0], tiny_history())["logged"].sum() == 0
    numbered = tiny_history().assign(invoice_id=["1", "2", "3", "4"])
    by_number = judged_log(
        reconstructed.assign(invoice_id=["1", "2", "3", "4"]),
        logged.assign(invoice_id=[1, 1, 2, 5]),  # an ERP's numeric ids
        numbered,
    )
    assert by_number.loc[by_number["logged"], "invoice_id"].tolist() == ["1"]
    with pytest.raises(ValueError, match="expected_date"):
        judged_log(reconstructed, logged.drop(columns="expected_date"), tiny_history())


@pytest.fixture(scope="module")
def drill():
    ledger = generate_ledger(500, 30, seed=4, end_date=dt.date(2025, 6, 30))
    customers = ledger.customers
    segment = customers.loc[customers["country"].isin(["BE", "FR"]), "customer_id"]
    return drift_drill(
        ledger.history, segment, "2024-10-01", delay_days=30, runs=2, followup_runs=3
    )


def test_drill_flags_the_change_within_two_runs_and_not_the_control(drill):
    runs = drill.runs.set_index(["scenario", "run"])
    for run in (1, 2):
        assert {"auc_drop", "psi"} <= set(runs.loc[("drift", run), "alerts"])
        assert runs.loc[("control", run), "alerts"] == []
        assert runs.loc[("drift", run), "auc"] < drill.validation_auc - 0.05
        assert runs.loc[("drift", run), "max_psi"] > 0.25 > runs.loc[("control", run), "max_psi"]


def test_drill_retraining_restores_auc_and_calibration(drill):
    judged = drill.retraining[drill.retraining["n"] >= MIN_OUTCOMES]
    assert len(judged) >= 2
    # back within the alert margin of the validation AUC, and calibrated again
    assert (judged["auc_retrained"] >= drill.validation_auc - 0.05).all()
    assert (judged["ece_retrained"] < judged["ece_first"]).all()
