"""Reason codes: consistent with the score, phrased with actual values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ar_ai_collections import reasons, scoring, training, ttp_model
from ar_ai_collections.features import FEATURE_NAMES, build_features
from ar_ai_collections.generator import generate_ledger


@pytest.fixture(scope="module")
def setup():
    history = generate_ledger(
        customers=40, months=15, seed=11, end_date=dt.date(2026, 6, 30)
    ).history
    trained = training.train_model(history, as_of="2026-06-30")
    model = scoring.RiskModel.from_bytes(trained.onnx_bytes)
    return history, model


def test_effects_match_single_perturbations(setup):
    history, model = setup
    fm = build_features(history, "2026-06-30")
    X = fm.X[:5]
    effects = reasons.driver_effects(model, X)
    ref = np.asarray(model.metadata.reference_values, dtype=np.float32)

    def logit(p):
        p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
        return np.log(p / (1 - p))

    z0 = logit(model.predict(X)[0])
    for j in (1, 13, 19):
        Xj = X.copy()
        Xj[:, j] = ref[j]
        np.testing.assert_allclose(effects[:, j], z0 - logit(model.predict(Xj)[0]), atol=1e-6)


def test_extreme_feature_shows_up(setup):
    history, model = setup
    fm = build_features(history, "2026-06-30")
    i = int(np.argmin(model.predict(fm.X)[0]))  # the safest invoice
    X = fm.X[i : i + 1].copy()
    j = FEATURE_NAMES.index("days_to_due")
    X[0, j] = -120.0  # make it long overdue
    frame = fm.frame.iloc[[i]].reset_index(drop=True).copy()
    frame["days_to_due"] = -120.0
    extreme = build_features.__globals__["FeatureMatrix"](
        frame=frame, X=X, feature_names=FEATURE_NAMES, as_of=fm.as_of
    )
    texts = reasons.explain(model, extreme)[0]
    assert "already 120 days past due" in texts
    assert model.predict(X)[0][0] > model.predict(fm.X[i : i + 1])[0][0]


def test_reasons_only_positive_and_at_most_three(setup):
    history, model = setup
    fm = build_features(history, "2026-06-30")
    batch = model.score(fm)
    assert len(batch.reasons) == len(fm.frame)
    assert all(len(r) <= 3 for r in batch.reasons)
    effects = reasons.driver_effects(model, fm.X)
    # an invoice whose features all push risk down gets no reason
    none_positive = (effects < reasons.MIN_EFFECT).all(axis=1)
    for i in np.flatnonzero(none_positive):
        assert batch.reasons[i] == []
    # risky invoices do get reasons
    risky = batch.p_late > 0.8
    assert risky.any()
    assert all(batch.reasons[i] for i in np.flatnonzero(risky))


def test_phrases_use_actual_values():
    row = dict.fromkeys(FEATURE_NAMES, 0.0)
    row.update(
        n_settled_log=float(np.log1p(12)),
        mean_days_late_last12=18.0,
        n_overdue=3.0,
        amount_vs_usual_log=float(np.log(4.0)),
    )
    assert reasons.phrase("mean_days_late_last12", row) == (
        "pays 18 days late on average over the last 12 invoices"
    )
    assert reasons.phrase("n_overdue", row) == "3 invoices already overdue"
    assert reasons.phrase("amount_vs_usual_log", row) == "invoice is 4.0x the usual amount"
    row["n_settled_log"] = 0.0
    assert reasons.phrase("n_settled_log", row) == "new customer: no settled invoice yet"
    for name in FEATURE_NAMES:  # every feature can be phrased without error
        reasons.phrase(name, row)


def _reference_ttp_effects(model, X):
    """The definition: reset each feature in turn, re-score with the full graph."""
    p0 = model.predict(X)["p_paid_30d"]
    effects = np.zeros(X.shape)
    ref = np.asarray(model.metadata.reference_values, dtype=np.float32)

    def logit_not_paid(p):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return np.log((1 - p) / p)

    for j in range(X.shape[1]):
        Xj = X.copy()
        Xj[:, j] = ref[j]
        effects[:, j] = logit_not_paid(p0) - logit_not_paid(model.predict(Xj)["p_paid_30d"])
    return effects


def test_ttp_vectorized_effects_equal_the_reference(setup):
    history, _ = setup
    model = ttp_model.load_default_ttp_model()
    scores = model.score(history, "2026-06-30")
    X = scores.X[:60]
    assert len(X) == 60
    # the 30-day graph gives the full graph's probability
    np.testing.assert_allclose(
        model.predict_paid_within_30d(X), model.predict(X)["p_paid_30d"], rtol=1e-6, atol=1e-7
    )
    fast = reasons.driver_effects_ttp(model, X)
    np.testing.assert_allclose(fast, _reference_ttp_effects(model, X), atol=1e-4)
    assert (np.abs(fast) >= reasons.MIN_EFFECT).any()
    # chunk boundaries (invoices and reset cells split across calls) change nothing
    chunk = reasons._TTP_CHUNK_ROWS
    try:
        reasons._TTP_CHUNK_ROWS = 37
        np.testing.assert_allclose(reasons.driver_effects_ttp(model, X), fast, atol=1e-5)
    finally:
        reasons._TTP_CHUNK_ROWS = chunk
