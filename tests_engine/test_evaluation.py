"""Evaluation: time split, baselines on the same rows, weekly backtest, metrics."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import evaluation, training
from ar_ai_collections.generator import generate_ledger


@pytest.fixture(scope="module")
def history():
    return generate_ledger(customers=60, months=18, seed=21, end_date=dt.date(2026, 6, 30)).history


def test_metrics_known_values():
    y = np.array([0, 0, 1, 1])
    assert training.roc_auc(y, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert training.roc_auc(y, np.array([1, 2, 3, 4])) == 1.0
    assert np.isnan(training.roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))
    assert training.brier(y, np.array([0, 0, 1, 1])) == 0.0
    assert training.ece(y, np.array([0.5] * 4)) == pytest.approx(0.0)
    assert training.ece(y, np.array([1.0] * 4)) == pytest.approx(0.5)
    assert training.pr_auc(y, np.array([0.1, 0.2, 0.9, 0.8])) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def larger_history():
    # 300 customers: ~1,500 test invoices, enough for AUC differences to mean something
    return generate_ledger(customers=300, months=24, seed=5, end_date=dt.date(2026, 6, 30)).history


def test_evaluate_time_split(larger_history):
    report = evaluation.evaluate(larger_history, split_date="2026-01-31")
    data = report.to_dict()
    assert data["split_date"] == "2026-01-31" and data["n_test"] > 1000
    for key in ("auc", "pr_auc", "brier", "ece", "mae_days"):
        assert data["model"][key] is not None and data["baseline"][key] is not None
    assert data["model"]["auc"] > data["baseline"]["auc"] + 0.02
    assert data["model"]["brier"] < data["baseline"]["brier"]
    assert data["model"]["mae_days"] < data["baseline"]["mae_days"]
    assert data["model"]["mae_days"] < data["baseline"]["mae_days_due_date"]
    text = report.summary()
    assert "AUC" in text and "customer late share" in text


def test_naive_baselines_are_point_in_time(history):
    rows = np.arange(len(history))
    t = np.full(len(rows), np.datetime64("2025-12-31", "ns"))
    days = (t.astype("datetime64[D]") - np.datetime64("1900-01-01")).astype(np.int64)
    share, mean_dl = evaluation.naive_baselines(history, rows, days)
    cut = pd.Timestamp("2025-12-31")
    settled = history[history["paid_date"] <= cut]
    expected = (
        ((settled["paid_date"] - settled["due_date"]).dt.days > 0)
        .groupby(settled["customer_id"])
        .mean()
    )
    got = pd.Series(share, index=history["customer_id"]).groupby(level=0).first()
    pd.testing.assert_series_equal(
        got.loc[expected.index], expected, check_names=False, check_index_type=False
    )
    assert np.isfinite(mean_dl).all()


def test_weekly_backtest(history):
    report = evaluation.weekly_backtest(history, "2025-12-31")
    data = report.to_dict()
    assert data["protocol"] == "weekly backtest"
    assert data["n_test"] > 50 and data["weeks"] >= 10
    assert data["model"]["auc"] > 0.6
    assert data["baseline"]["mae_days"] is not None


def test_split_after_end_refused(history):
    with pytest.raises(training.NotEnoughHistoryError):
        evaluation.evaluate(history, split_date="2030-01-01")
