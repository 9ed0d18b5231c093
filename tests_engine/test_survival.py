"""Time-to-payment model: point-in-time features, censoring, ONNX parity, outputs."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import reasons
from ar_ai_collections import survival as sv
from ar_ai_collections import ttp_calibration as tcal
from ar_ai_collections import ttp_curves as tc
from ar_ai_collections import ttp_model as tm
from ar_ai_collections.features import FEATURE_NAMES, _days, open_mask
from ar_ai_collections.generator import generate_ledger
from ar_ai_collections.scoring import DEFAULT_MODEL_PATH, ModelSignatureError

AS_OF = pd.Timestamp("2026-03-31")


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return generate_ledger(60, 15, 4, dt.date(2026, 6, 30)).history


@pytest.fixture(scope="module")
def trained(history) -> tm.TrainedTTPModel:
    # a small model (few rows, few rounds): the tests check mechanics, not skill
    return tm.train_ttp_model(
        history, as_of=AS_OF, kind="blend", seed=1, max_period_rows=15_000, max_rounds=25
    )


@pytest.fixture(scope="module")
def model(trained) -> tm.TTPModel:
    return tm.TTPModel.from_bytes(trained.onnx_bytes)


@pytest.fixture(scope="module")
def scores(model, history) -> tm.TTPScores:
    return model.score(history, AS_OF, reasons=True)


def _day(ts) -> int:
    return int(_days(np.array([pd.Timestamp(ts).to_datetime64()]))[0])


def _perturb_future(history: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Same past, different future: later payments moved, new invoices, flags flipped."""
    rng = np.random.default_rng(0)
    h = history.copy()
    later = h["paid_date"] > as_of
    h.loc[later, "paid_date"] = as_of + pd.to_timedelta(rng.integers(1, 200, later.sum()), "D")
    unpaid_at = h["paid_date"].isna() | later
    h.loc[unpaid_at, "disputed"] = ~h.loc[unpaid_at, "disputed"]
    h.loc[unpaid_at, "broken_promise"] = ~h.loc[unpaid_at, "broken_promise"]
    fp_later = h["first_payment_date"] > as_of
    h.loc[fp_later, "first_payment_date"] = pd.NaT
    new = h[h["invoice_date"] > as_of - pd.Timedelta(days=200)].head(40).copy()
    new["invoice_id"] = "NEW/" + new["invoice_id"]
    new["invoice_date"] = as_of + pd.Timedelta(days=3)
    new["due_date"] = as_of + pd.Timedelta(days=33)
    new["paid_date"] = as_of + pd.Timedelta(days=20)
    h = h[h["invoice_date"] <= as_of + pd.Timedelta(days=400)]
    return pd.concat([h, new], ignore_index=True)


def test_snapshot_features_ignore_the_future(history):
    rows = np.flatnonzero(open_mask(history, AS_OF))
    t = np.full(len(rows), _day(AS_OF))
    before = sv.ttp_features(history, rows, t)
    changed = _perturb_future(history, AS_OF)
    # the same invoices sit at the same positions (new rows appended at the end)
    assert (changed["invoice_id"].iloc[rows].to_numpy() == history["invoice_id"].iloc[rows]).all()
    after = sv.ttp_features(changed, rows, t)
    # equal up to the rounding of running sums (they also run over later events)
    np.testing.assert_allclose(before, after, rtol=1e-6, atol=1e-6)
    # and the check can fail: a past payment does move the features
    past = history.copy()
    settled = np.flatnonzero((past["paid_date"] <= AS_OF).to_numpy())
    past.loc[settled[-50:], "paid_date"] = past.loc[settled[-50:], "due_date"] + pd.Timedelta(
        days=60
    )
    past.loc[settled[-50:], "paid_date"] = past.loc[settled[-50:], "paid_date"].clip(upper=AS_OF)
    assert not np.allclose(before, sv.ttp_features(past, rows, t), rtol=1e-6, atol=1e-6)


def test_training_rows_ignore_the_future(history):
    snaps = sv.build_snapshots(history, AS_OF)
    changed = _perturb_future(history, AS_OF)
    snaps2 = sv.build_snapshots(changed, AS_OF)
    np.testing.assert_array_equal(snaps.rows, snaps2.rows)
    np.testing.assert_array_equal(snaps.event_week, snaps2.event_week)
    X1 = sv.ttp_features(history, snaps.rows, snaps.snapshot_days)
    X2 = sv.ttp_features(changed, snaps2.rows, snaps2.snapshot_days)
    np.testing.assert_allclose(X1, X2, rtol=1e-6, atol=1e-6)


def test_dispute_known_only_from_its_date(history):
    rows = np.flatnonzero(open_mask(history, AS_OF))
    t = np.full(len(rows), _day(AS_OF))
    col = FEATURE_NAMES.index("in_dispute")
    h = history.copy()
    h.loc[h.index[rows[:4]], "disputed"] = True
    assert sv.ttp_features(h, rows, t)[:4, col].sum() == 0  # no date: unknown while open
    h[sv.DISPUTE_DATE_COLUMN] = pd.NaT
    h.loc[h.index[rows[:2]], sv.DISPUTE_DATE_COLUMN] = AS_OF - pd.Timedelta(days=1)
    h.loc[h.index[rows[2:4]], sv.DISPUTE_DATE_COLUMN] = AS_OF + pd.Timedelta(days=1)
    np.testing.assert_array_equal(sv.ttp_features(h, rows, t)[:4, col], [1, 1, 0, 0])


def test_censoring_of_snapshots_and_periods(history):
    snaps = sv.build_snapshots(history, AS_OF)
    t_end = _day(AS_OF)
    inv = _days(history["invoice_date"])[snaps.rows]
    paid = _days(history["paid_date"])[snaps.rows]
    assert (inv <= snaps.snapshot_days).all()
    assert (snaps.snapshot_days <= t_end - sv.SNAPSHOT_STEP_DAYS).all()
    # open at the snapshot, as known at AS_OF
    assert ((paid > snaps.snapshot_days) | (paid > t_end)).all()
    paid_later = paid > t_end
    assert (snaps.event_week[paid_later] == sv._NEVER).all()  # censored: no event
    known = ~paid_later
    week = snaps.event_week[known]
    assert (snaps.snapshot_days[known] + 7 * (week - 1) < paid[known]).all()
    assert (paid[known] <= snaps.snapshot_days[known] + 7 * week).all()

    X = sv.ttp_features(history, snaps.rows, snaps.snapshot_days)
    periods = sv.person_periods(X, snaps)
    per_snapshot = np.minimum(np.minimum(snaps.event_week, snaps.observed_weeks), sv.TRAIN_WEEKS)
    assert len(periods.y) == per_snapshot.sum()
    j = periods.X[:, len(sv.TTP_FEATURE_NAMES)]  # week_ahead (1-based)
    # every labelled week ended by AS_OF: later weeks are censored, not "unpaid"
    assert (periods.snapshot_days + 7 * j <= t_end).all()
    # one payment at most per snapshot, in its last row
    events = np.bincount(np.repeat(np.arange(len(per_snapshot)), per_snapshot), periods.y)
    assert events.max() <= 1
    assert events.sum() == (snaps.event_week <= np.minimum(snaps.observed_weeks, 13)).sum()


@pytest.mark.parametrize("kind", ["blend", "gbm", "logistic"])
def test_onnx_parity_every_output(history, trained, kind):
    if kind == "blend":
        result = trained
    else:
        result = tm.train_ttp_model(
            history, as_of=AS_OF, kind=kind, max_period_rows=15_000, max_rounds=25
        )
    model = tm.TTPModel.from_bytes(result.onnx_bytes)
    rows = np.flatnonzero(open_mask(history, AS_OF))
    X = sv.ttp_features(history, rows, np.full(len(rows), _day(AS_OF)))
    onnx_out = model.predict(X)
    ref = sv.predict_curve_sklearn(result.head, X)
    assert set(onnx_out) == set(sv.OUTPUT_NAMES)
    for name in sv.OUTPUT_NAMES:
        assert onnx_out[name].shape == ref[name].shape, name
        np.testing.assert_allclose(onnx_out[name], ref[name], atol=2e-5, err_msg=name)


def test_predict_in_bounded_chunks_gives_the_same_curves(history, model, monkeypatch):
    """Big batches run through the graph a few invoices at a time (its working
    memory grows with invoices x weeks): same outputs, rows in order."""
    rows = np.flatnonzero(open_mask(history, AS_OF))
    X = sv.ttp_features(history, rows, np.full(len(rows), _day(AS_OF)))
    whole = model.predict(X)
    weeks = model.metadata.horizon_weeks
    monkeypatch.setattr(tm, "PREDICT_GRAPH_ROWS", 7 * weeks)  # 7 invoices per call
    assert len(X) > 14, "at least three calls"
    chunked = model.predict(X)
    for name in sv.OUTPUT_NAMES:
        assert chunked[name].shape == whole[name].shape, name
        np.testing.assert_allclose(chunked[name], whole[name], atol=1e-6, err_msg=name)


def test_probabilities_monotonic(scores):
    f = scores.frame
    p7, p30, p90 = (f[f"p_paid_{d}d"].to_numpy() for d in (7, 30, 90))
    assert ((p7 >= 0) & (p90 <= 1)).all()
    assert (p7 <= p30).all() and (p30 <= p90).all()
    S = scores.survival
    assert (np.diff(S, axis=1) <= 1e-7).all()
    np.testing.assert_allclose(1 - S[:, 0], p7, atol=1e-6)


def test_dates_after_scoring_day_and_consistent(scores, history):
    f = scores.frame
    assert len(f) == open_mask(history, AS_OF).sum()
    assert (pd.to_datetime(f["due_date"]) < AS_OF).any()  # overdue invoices are scored
    day_after = AS_OF + pd.Timedelta(days=1)
    assert (f["pay_date_low"] >= day_after).all()
    assert (f["pay_date_low"] <= f["predicted_pay_date"]).all()
    assert (f["predicted_pay_date"] <= f["pay_date_high"]).all()
    assert (f["pay_date_high"] <= AS_OF + pd.Timedelta(days=sv.MAX_DAYS_AHEAD)).all()
    days_late = (f["predicted_pay_date"] - f["due_date"]).dt.days
    np.testing.assert_array_equal(f["expected_days_late"].to_numpy(), days_late.to_numpy())
    long_overdue = (AS_OF - f["due_date"]).dt.days >= sv.DEFAULT_AFTER_DUE_DAYS
    assert long_overdue.any()
    assert (f.loc[long_overdue, "p_default"] == 1.0).all()
    assert ((f["p_default"] >= 0) & (f["p_default"] <= 1)).all()


def test_curve_readers_on_a_known_curve():
    # constant weekly hazard 0.5: S(k) = 0.5 ** k
    S = 0.5 ** np.arange(1, 53, dtype=float)[None, :]
    np.testing.assert_allclose(tc.survival_days(S, np.array([7.0])), [0.5])
    np.testing.assert_allclose(tc.survival_days(S, np.array([3.5])), [0.5**0.5])
    np.testing.assert_allclose(tc.survival_days(S, np.array([0.0])), [1.0])
    np.testing.assert_allclose(tc.survival_quantile_days(S, 0.5), [7.0])
    np.testing.assert_allclose(tc.survival_quantile_days(S, 0.75), [14.0])
    # a curve that never reaches its quantile: tail extrapolated, then capped
    flat = np.full((1, 52), 0.99)
    assert tc.survival_quantile_days(flat, 0.5)[0] == sv.MAX_DAYS_AHEAD
    out = tc.summarize_curve(S, np.array(["2026-03-20"], dtype="datetime64[D]"), AS_OF)
    assert out["predicted_pay_date"][0] == np.datetime64("2026-04-07")
    assert out["expected_days_late"][0] == 18


def test_reasons_relative_to_company_average(model, scores):
    effects = reasons.driver_effects_ttp(model, scores.X[:20])
    assert effects.shape == (20, len(sv.TTP_FEATURE_NAMES))
    texts = scores.frame["reasons"]
    assert texts.str.len().gt(0).any()
    # age is named only when nothing else delays the payment
    strong = effects >= reasons.MIN_EFFECT
    age_cols = np.array([n in sv.AGE_ONLY_FEATURES for n in sv.TTP_FEATURE_NAMES])
    other = (strong & ~age_cols).any(axis=1)
    for i in np.flatnonzero(other):
        text = texts.iloc[i]
        assert not re.search(r"days past due|^due in|; due in|issued \d+ days ago", text), text


def test_bands_and_company_calibration(model, history):
    bands = tcal.ttp_bands(np.array([0.1, 0.4, 0.7, 0.9]))
    assert list(bands) == ["low", "medium", "high", "critical"]
    cal = tcal.calibrate_company(model, history, as_of=AS_OF, window_days=84)
    assert cal.n > 0
    p = np.linspace(0, 1, 11)
    mapped = cal.apply(p)
    assert (np.diff(mapped) >= 0).all() and (mapped >= 0).all() and (mapped <= 1).all()
    assert tcal.Calibration.from_json(cal.to_json()) == cal
    identity = tcal.fit_calibration(np.array([0.2, 0.3]), np.array([0.0, 1.0]))
    np.testing.assert_allclose(identity.apply(p), p)
    # a model systematically 20 points too high is pulled back down
    rng = np.random.default_rng(0)
    truth = rng.random(5000)
    y = (rng.random(5000) < truth).astype(float)
    fitted = tcal.fit_calibration(np.clip(truth + 0.2, 0, 1), y)
    # (a logistic map only approximates an additive shift: 0.7 maps near 0.4)
    assert abs(fitted.apply(np.array([0.7]))[0] - 0.5) < 0.15
    # a model overconfident by one unit of log-odds is put back exactly
    logit = np.log(truth / (1 - truth))
    shifted = tcal.fit_calibration(1 / (1 + np.exp(-(logit + 1.0))), y)
    for true_p in (0.2, 0.5, 0.8):
        raw = 1 / (1 + np.exp(-(np.log(true_p / (1 - true_p)) + 1.0)))
        assert abs(shifted.apply(np.array([raw]))[0] - true_p) < 0.04
    # strictly increasing: distinct probabilities stay distinct (no isotonic steps)
    grid = np.linspace(0.001, 0.999, 500)
    assert (np.diff(fitted.apply(grid)) > 0).all()
    # an under-confident model (true log-odds twice its own) is shifted, not
    # sharpened: its tail is not squeezed towards 0 (displayed ties), and the
    # mean probability still matches the outcomes
    timid = 1 / (1 + np.exp(-(logit / 2 - 0.5)))
    capped = tcal.fit_calibration(timid, y)
    z_grid = np.log(grid / (1 - grid))
    z_mapped = np.log(capped.apply(grid) / (1 - capped.apply(grid)))
    assert (np.diff(z_mapped) > 0).all()
    # (knots interpolated linearly in probability: local slopes within 5%)
    assert (np.diff(z_mapped) <= np.diff(z_grid) * tcal.MAX_CALIBRATION_SLOPE * 1.05).all()
    assert abs(capped.apply(timid).mean() - y.mean()) < 0.01
    tail = np.array([1e-3, 2e-3, 4e-3])
    assert (np.diff(np.round(100 * capped.apply(tail), 2)) > 0).all()


def test_calibrated_scores_of_the_demo_ledger_rarely_tie():
    # The demo's ledger (80 customers, 24 months, seed 7), its own model and
    # calibration: at most 5% of the open invoices share one displayed
    # P(paid in 30 days) (percent, 2 decimals); an uncapped slope made it 15%.
    # No band holds more than 40% of them, and every date is after the scoring day.
    end = pd.Timestamp("2026-11-27")
    history = generate_ledger(customers=80, months=24, seed=7, end_date=end.date()).history
    trained = tm.train_ttp_model(history, as_of=end, version="demo", trained_at="demo")
    company_model = tm.TTPModel.from_bytes(trained.onnx_bytes)
    company_model.calibration = tcal.calibrate_company(company_model, history, as_of=end)
    frame = company_model.score(history, end).frame
    shown = np.round(100 * frame["p_paid_30d"], 2)
    assert len(shown) > 100
    assert shown.value_counts().max() <= 0.05 * len(shown)
    bands = pd.Series(tcal.ttp_bands(1 - frame["p_paid_30d"].to_numpy()))
    assert bands.value_counts(normalize=True).max() <= 0.40
    assert (pd.to_datetime(frame["pay_date_low"]) > end).all()


def test_company_calibration_reads_nothing_after_its_date(model, history):
    # the backtest calibrates at its training cut: a payment after that date
    # (here moved a year later) must not change the calibration
    later = history.copy()
    after = later["paid_date"] > AS_OF
    assert after.any()
    for column in ("paid_date", "first_payment_date"):
        moved = later[column] > AS_OF
        later.loc[moved, column] = later.loc[moved, column] + pd.Timedelta(days=365)
    cal = tcal.calibrate_company(model, history, as_of=AS_OF, window_days=84)
    assert tcal.calibrate_company(model, later, as_of=AS_OF, window_days=84) == cal


def test_refuses_other_files(tmp_path):
    with pytest.raises(sv.TTPModelError, match="time-to-payment"):
        tm.TTPModel.from_path(DEFAULT_MODEL_PATH)
    with pytest.raises(ModelSignatureError, match="empty"):
        tm.TTPModel.from_bytes(b"")
    with pytest.raises(sv.TTPModelError, match="cannot read"):
        tm.TTPModel.from_path(tmp_path / "missing.onnx")


def test_bundled_default_model_scores(history):
    model = tm.load_default_ttp_model()
    assert sv.DEFAULT_TTP_MODEL_PATH.stat().st_size < 2_000_000
    frame = model.score(history, AS_OF).frame
    assert len(frame) and frame["p_paid_90d"].between(0, 1).all()


def test_training_is_deterministic(history):
    def train() -> bytes:
        return tm.train_ttp_model(
            history,
            as_of=AS_OF,
            seed=3,
            trained_at="2026-03-31T00:00:00+00:00",
            version="t",
            max_period_rows=8_000,
            max_rounds=10,
        ).onnx_bytes

    assert train() == train()
