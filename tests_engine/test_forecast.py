"""Cash forecast sums and bands, the backtest report, and the CLI forecast/score columns."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import cli
from ar_ai_collections import ttp_calibration as tcal
from ar_ai_collections import ttp_model as tm
from ar_ai_collections.forecast import (
    DETAIL_COLUMNS,
    FORECAST_COLUMNS,
    OTHER_CUSTOMERS,
    cash_forecast,
    forecast_collections,
    named_customers,
    weekly_pmf,
)
from ar_ai_collections.generator import generate_ledger
from ar_ai_collections.history import write_history
from ar_ai_collections.ttp_backtest import backtest_time_to_payment, km_curves

AS_OF = pd.Timestamp("2026-05-29")


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    h = generate_ledger(50, 14, 9, dt.date(2026, 6, 30)).history
    # a second currency, to check the split (amounts stay in company currency)
    h.loc[h.index % 5 == 0, "currency"] = "USD"
    return h


@pytest.fixture(scope="module")
def scores(history) -> tm.TTPScores:
    return tm.load_default_ttp_model().score(history, AS_OF)


def test_weekly_pmf_of_a_known_curve():
    S = np.array([[0.5, 0.25, 0.125]])
    np.testing.assert_allclose(weekly_pmf(S, 3), [[0.5, 0.25, 0.125]])
    # beyond the curve the last hazard (0.5) continues
    np.testing.assert_allclose(weekly_pmf(S, 5)[0, 3:], [0.0625, 0.03125])


def test_forecast_sums_and_bands(scores):
    fc = cash_forecast(scores, weeks=13)
    total = fc.total
    assert list(total.columns) == list(FORECAST_COLUMNS)
    assert list(total["week"]) == list(range(1, 14))
    assert total["start"].iloc[0] == AS_OF + pd.Timedelta(days=1)
    assert total["end"].iloc[0] == AS_OF + pd.Timedelta(days=7)
    assert (
        total["start"].iloc[1:].to_numpy()
        == total["end"].iloc[:-1].to_numpy() + np.timedelta64(1, "D")
    ).all()
    open_amount = scores.frame["amount"].sum()
    assert fc.open_amount == pytest.approx(open_amount)
    assert total["expected"].sum() <= open_amount + 1e-6
    assert total["expected"].sum() > 0.3 * open_amount
    assert (total["p10"] <= total["expected"] + 1e-9).all()
    assert (total["expected"] <= total["p90"] + 1e-9).all()
    assert (total["p10"] >= 0).all() and (total["p90"] <= open_amount + 1e-6).all()
    # the splits add up to the total, week by week
    for split in (fc.by_currency, fc.by_band, fc.by_customer):
        per_week = split.groupby("week")["expected"].sum().reindex(total["week"], fill_value=0)
        np.testing.assert_allclose(per_week.to_numpy(), total["expected"].to_numpy(), rtol=1e-9)
    assert set(fc.by_currency["currency"]) == {"EUR", "USD"}
    assert set(fc.by_band["band"]) <= {"low", "medium", "high", "critical"}


def test_forecast_detail_rows(scores):
    fc = cash_forecast(scores, weeks=13, band_thresholds=(10.0, 20.0, 30.0))
    detail = fc.detail
    assert list(detail.columns) == list(DETAIL_COLUMNS)
    # one row per currency, customer, band and week; they add up to the total
    keys = ["currency", "customer_id", "band", "week"]
    assert not detail.duplicated(keys).any()
    per_week = detail.groupby("week")["expected"].sum().reindex(fc.total["week"], fill_value=0)
    np.testing.assert_allclose(per_week.to_numpy(), fc.total["expected"].to_numpy(), rtol=1e-9)
    assert (detail["p10"] <= detail["expected"] + 1e-9).all()
    assert (detail["expected"] <= detail["p90"] + 1e-9).all()
    assert (detail["p90"] <= detail["open_amount"] + 1e-6).all()
    # a group's weeks never forecast more than its open amount
    group = detail.groupby(["currency", "customer_id", "band"])
    assert (group["expected"].sum() <= group["open_amount"].first() + 1e-6).all()
    # the thresholds drive the bands
    expected = tcal.ttp_bands(1.0 - scores.frame["p_paid_30d"].to_numpy(), (10.0, 20.0, 30.0))
    assert set(detail["band"]) <= set(expected)
    # each open invoice's band, to split what it pays later by that band
    assert list(fc.invoices["invoice_id"]) == list(scores.frame["invoice_id"])
    assert list(fc.invoices["band"]) == list(expected)
    starts = detail.set_index("week")["start"]
    assert (starts.loc[1] == AS_OF + pd.Timedelta(days=1)).all()


def test_forecast_detail_names_the_largest_customers_and_groups_the_rest(scores):
    full = cash_forecast(scores, weeks=13, max_named_customers=10**6)
    fc = cash_forecast(scores, weeks=13, max_named_customers=2)
    named = set(fc.detail["customer_id"]) - {OTHER_CUSTOMERS}
    assert len(named) == 2 and OTHER_CUSTOMERS in set(fc.detail["customer_id"])
    # the two named are the largest expected amounts over the horizon
    largest = full.by_customer.groupby("customer_id")["expected"].sum().nlargest(2)
    assert named == set(largest.index)
    # grouping moves amounts between rows, never changes the sums
    for detail in (full.detail, fc.detail):
        per_week = detail.groupby("week")["expected"].sum()
        np.testing.assert_allclose(per_week.to_numpy(), fc.total["expected"].to_numpy())
        assert (detail["p10"] <= detail["expected"] + 1e-9).all()
        assert (detail["expected"] <= detail["p90"] + 1e-9).all()
    assert len(fc.detail) < len(full.detail)
    # each invoice knows its group
    grouped = fc.invoices["group_customer_id"]
    assert set(grouped) == named | {OTHER_CUSTOMERS}
    assert ((grouped == fc.invoices["customer_id"]) == fc.invoices["customer_id"].isin(named)).all()


def test_named_customers_cover_the_share():
    customers = np.array([1, 2, 3, 4, 1])
    expected = np.array([50.0, 30.0, 15.0, 5.0, 0.0])
    assert list(named_customers(customers, expected, share=0.8, limit=3)) == [1, 2]
    assert list(named_customers(customers, expected, share=0.95, limit=3)) == [1, 2, 3]
    assert list(named_customers(customers, expected, share=0.95, limit=1)) == [1]
    # A book within the limit names every customer: each form shows its own weeks.
    assert list(named_customers(customers, expected, share=0.8, limit=4)) == [1, 2, 3, 4]


def test_forecast_of_nothing_open(history):
    fc = forecast_collections(history, pd.Timestamp("2000-01-01"), weeks=4)
    assert len(fc.total) == 4 and (fc.total["expected"] == 0).all()
    assert fc.by_customer.empty


def test_km_baseline_curves_are_survival_curves(history):
    curves = km_curves(history, AS_OF, weeks=20)
    assert curves.shape == (5, 20)
    assert ((curves >= 0) & (curves <= 1)).all()
    assert (np.diff(curves, axis=1) <= 1e-12).all()


def test_backtest_reports_model_and_both_baselines(history):
    report = backtest_time_to_payment(history, step_days=28, model=tm.load_default_ttp_model())
    data = report.to_dict()
    assert data["n_rows"] > 0 and data["n_paid"] > 0
    for metric in ("mae_days", "auc_30d", "ece_30d", "wape_13w"):
        assert set(data["figures"][metric]) == {"model", "customer_mean", "km"}
        assert data["figures"][metric]["model"] is not None
    assert "payment-date MAE" in report.summary()
    json.dumps(data)


# --------------------------------------------------------------------------- #
# CLI
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def history_csv(tmp_path_factory, history):
    path = tmp_path_factory.mktemp("ttp_cli") / "h.csv"
    write_history(history, path)
    return path


def test_cli_forecast_writes_weekly_rows(history_csv, tmp_path, capsys):
    out = tmp_path / "f.csv"
    args = ["forecast", "--history", str(history_csv), "--as-of", "2026-05-29"]
    code = cli.main([*args, "--weeks", "6", "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == list(FORECAST_COLUMNS)
    assert list(frame["week"]) == [1, 2, 3, 4, 5, 6]
    assert frame["start"].iloc[0] == "2026-05-30" and frame["end"].iloc[5] == "2026-07-10"
    assert (frame["p10"] <= frame["expected"]).all() and (frame["expected"] <= frame["p90"]).all()
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["expected"] <= summary["open_amount"]
    assert cli.main([*args, "--weeks", "0", "--out", str(out)]) == cli.EXIT_USAGE


def test_cli_score_has_time_to_payment_columns(history_csv, history, tmp_path):
    out = tmp_path / "s.csv"
    args = ["score", "--history", str(history_csv), "--as-of", "2026-05-29", "--out", str(out)]
    code = cli.main([*args, "--no-reasons"])
    assert code == 0
    frame = pd.read_csv(out, parse_dates=["predicted_pay_date", "pay_date_low", "pay_date_high"])
    assert {"p_paid_7d", "p_paid_30d", "p_paid_90d"} <= set(frame.columns)
    assert len(frame) == int(
        ((history["invoice_date"] <= AS_OF) & ~(history["paid_date"] <= AS_OF)).sum()
    )
    assert (frame["p_paid_7d"] <= frame["p_paid_30d"]).all()
    assert (frame["p_paid_30d"] <= frame["p_paid_90d"]).all()
    day_after = AS_OF + pd.Timedelta(days=1)
    for col in ("predicted_pay_date", "pay_date_low", "pay_date_high"):
        assert (frame[col] >= day_after).all(), col
    # overdue invoices are scored too
    due = frame["invoice_id"].map(history.set_index("invoice_id")["due_date"])
    assert (due < AS_OF).any()


def test_cli_score_refuses_a_risk_model_as_ttp_model(history_csv, tmp_path):
    from ar_ai_collections.scoring import DEFAULT_MODEL_PATH

    args = ["score", "--history", str(history_csv), "--as-of", "2026-05-29"]
    code = cli.main(
        [*args, "--out", str(tmp_path / "s.csv"), "--ttp-model", str(DEFAULT_MODEL_PATH)]
    )
    assert code == cli.EXIT_MODEL


def test_cli_evaluate_reports_the_time_to_payment_backtest(history_csv, tmp_path, capsys):
    report = tmp_path / "e.json"
    code = cli.main(["evaluate", "--history", str(history_csv), "--report", str(report)])
    assert code == 0
    data = json.loads(report.read_text())["time_to_payment"]
    assert set(data["figures"]["wape_13w"]) == {"model", "customer_mean", "km"}
    assert "13-week WAPE" in capsys.readouterr().out
    skipped = tmp_path / "s.json"
    args = ["evaluate", "--history", str(history_csv), "--report", str(skipped)]
    assert cli.main([*args, "--no-time-to-payment"]) == 0
    assert "time_to_payment" not in json.loads(skipped.read_text())
