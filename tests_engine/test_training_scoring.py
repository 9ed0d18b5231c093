"""Training, ONNX export, parity with scikit-learn, model validation, scoring."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import scoring, training
from ar_ai_collections.constants import RISK_BANDS
from ar_ai_collections.features import FEATURE_NAMES, build_features
from ar_ai_collections.generator import generate_ledger

END = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def history():
    return generate_ledger(customers=40, months=15, seed=11, end_date=END).history


@pytest.fixture(scope="module")
def trained(history):
    return training.train_model(history, as_of="2026-06-30", version="t1")


@pytest.fixture(scope="module")
def model(trained):
    return scoring.RiskModel.from_bytes(trained.onnx_bytes)


def test_metadata_round_trip(trained, model):
    md = model.metadata
    assert md == trained.metadata
    assert md.version == "t1"
    assert md.feature_names == FEATURE_NAMES
    assert md.train_end == "2026-06-30" and md.late_days == 0 and md.horizon_days == 90
    assert md.n_rows > 100
    assert len(md.reference_values) == len(FEATURE_NAMES)
    assert 0.5 < md.metrics["auc"] <= 1.0
    assert scoring.ModelMetadata.from_dict(json.loads(json.dumps(md.to_dict()))) == md


def test_onnx_matches_sklearn(trained, model, history):
    X = np.vstack(
        [build_features(history, d).X for d in ("2026-01-15", "2026-04-01", "2026-06-30")]
    )
    assert len(X) > 50
    onnx_out = model.predict(X)
    sk_out = training.predict_sklearn(trained.estimators, X)
    for name, a, b in zip(("p_late", "p_default", "days_late"), onnx_out, sk_out, strict=True):
        tol = 1e-4 if name != "days_late" else 1e-3  # days: float32 sums of ~200 trees
        assert np.abs(a - b).max() <= tol, name
    # the heads are real models, not constants
    assert trained.estimators["late"].model is not None
    assert np.std(onnx_out[0]) > 0.05


def test_probabilities_are_calibrated_enough(trained):
    assert trained.metadata.metrics["ece"] < 0.15
    assert trained.metadata.metrics["brier"] < 0.25


def test_score_batch(model, history):
    fm = build_features(history, "2026-06-30")
    batch = model.score(fm)
    frame = batch.to_frame()
    assert len(frame) == len(fm.frame)
    assert list(frame.columns[:9]) == [
        "invoice_id",
        "customer_id",
        "p_late",
        "p_default",
        "expected_days_late",
        "predicted_pay_date",
        "pay_date_low",
        "pay_date_high",
        "risk_band",
    ]
    assert frame["p_late"].between(0, 1).all() and frame["p_default"].between(0, 1).all()
    assert set(frame["risk_band"]) <= set(RISK_BANDS)
    as_of = pd.Timestamp("2026-06-30")
    assert (frame["predicted_pay_date"] >= as_of).all()
    assert (frame["pay_date_low"] <= frame["predicted_pay_date"]).all()
    assert (frame["predicted_pay_date"] <= frame["pay_date_high"]).all()
    # overdue invoices are riskier than the ones not yet due
    overdue = fm.frame["days_to_due"].to_numpy() < -30
    assert batch.p_late[overdue].mean() > batch.p_late[~overdue].mean()
    no_reasons = model.score(fm, reasons=False)
    np.testing.assert_array_equal(no_reasons.p_late, batch.p_late)
    assert no_reasons.reasons == []


def test_single_invoice_matches_batch(model, history):
    fm = build_features(history, "2026-06-30")
    p_all = model.predict(fm.X)[0]
    p_one = model.predict(fm.X[3:4])[0]
    assert p_one[0] == pytest.approx(p_all[3], abs=1e-6)


def test_big_batches_score_like_small_ones(model, history, monkeypatch):
    """The multi-thread bulk session gives the one-thread session's scores."""
    X = build_features(history, as_of="2026-06-30").X
    X = np.tile(X, (int(np.ceil(4000 / len(X))), 1))[:4000]
    small = model.predict(X)
    assert model._bulk_session is None, "below BULK_ROWS: the one-thread session"
    monkeypatch.setattr(scoring, "BULK_ROWS", 1000)
    monkeypatch.setattr(scoring, "BULK_THREADS", 2)
    big = model.predict(X)
    assert model._bulk_session is not None
    for a, b in zip(big, small, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_risk_bands():
    bands = scoring.risk_bands(np.array([0.0, 0.349, 0.35, 0.6, 0.79, 0.8, 1.0]))
    assert list(bands) == ["low", "low", "medium", "high", "high", "critical", "critical"]
    custom = scoring.risk_bands(np.array([0.15, 0.25]), thresholds=(10, 20, 30))
    assert list(custom) == ["medium", "high"]


def test_corrupt_bytes_refused():
    with pytest.raises(scoring.ModelSignatureError, match="not a valid ONNX file"):
        scoring.RiskModel.from_bytes(b"this is not onnx")
    with pytest.raises(scoring.ModelSignatureError, match="not a valid ONNX file"):
        scoring.RiskModel.from_bytes(b"")


def _tiny_onnx(metadata: dict | None, n_features: int = len(FEATURE_NAMES)) -> bytes:
    from onnx import TensorProto, helper

    # Only operators of the engine's export (the model guard refuses others):
    # p_late = p_default = sigmoid(0) = 0.5, days_late = 0.
    nodes = [
        helper.make_node("Mul", ["features", "zero"], ["z"]),
        helper.make_node("ReduceSum", ["z", "axes"], ["days_late"], keepdims=0),
        helper.make_node("Sigmoid", ["days_late"], ["p_late"]),
        helper.make_node("Sigmoid", ["days_late"], ["p_default"]),
    ]
    graph = helper.make_graph(
        nodes,
        "foreign",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, n_features])],
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, [None])
            for n in ("p_late", "p_default", "days_late")
        ],
        initializer=[
            helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
            helper.make_tensor("axes", TensorProto.INT64, [1], [1]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if metadata is not None:
        helper.set_model_props(model, {"ar_ai_collections": json.dumps(metadata)})
    return model.SerializeToString()


def test_foreign_onnx_refused(trained):
    with pytest.raises(scoring.ModelSignatureError, match="not an AI Collections model"):
        scoring.RiskModel.from_bytes(_tiny_onnx(None))
    # with valid metadata the same graph is accepted (the check is the metadata)
    ok = scoring.RiskModel.from_bytes(_tiny_onnx(trained.metadata.to_dict()))
    assert ok.metadata.version == "t1"


def test_wrong_feature_list_refused(trained):
    md = trained.metadata.to_dict()
    md["feature_names"] = [*FEATURE_NAMES[:-1], "shoe_size"]
    with pytest.raises(scoring.ModelSignatureError) as err:
        scoring.RiskModel.from_bytes(_tiny_onnx(md))
    assert f"missing features: {FEATURE_NAMES[-1]}" in str(err.value)
    assert "unknown features: shoe_size" in str(err.value)
    md["feature_names"] = list(reversed(FEATURE_NAMES))
    with pytest.raises(scoring.ModelSignatureError, match="different order"):
        scoring.RiskModel.from_bytes(_tiny_onnx(md))


def test_wrong_inputs_refused(trained):
    md = trained.metadata.to_dict()
    with pytest.raises(scoring.ModelSignatureError, match="columns"):
        scoring.RiskModel.from_bytes(_tiny_onnx(md, n_features=5))
    with pytest.raises(scoring.ModelSignatureError, match="incomplete"):
        scoring.RiskModel.from_bytes(_tiny_onnx({"version": "x"}))


def test_not_enough_history(history):
    small = history.sort_values("invoice_date").head(20)
    with pytest.raises(training.NotEnoughHistoryError, match="not enough history"):
        training.train_model(small)


def test_censoring_of_labels(history):
    as_of = pd.Timestamp("2026-03-31")
    ts = training.build_training_set(history, as_of)
    rows = history.iloc[ts.rows]
    known_default = np.isfinite(ts.default)
    assert (rows["due_date"][known_default] + pd.Timedelta(days=90) <= as_of).all()
    known_days = np.isfinite(ts.days_late)
    assert (rows["paid_date"][known_days] <= as_of).all()
    # no cohort bias: a late label only once the deadline passed, even for invoices
    # already paid on time (keeping only those would teach "recent = on time")
    known_late = np.isfinite(ts.late)
    assert (rows["due_date"][known_late] < as_of).all()
    paid_early_recent = np.flatnonzero(
        ((history["paid_date"] <= as_of) & (history["due_date"] >= as_of)).to_numpy()
    )
    assert len(paid_early_recent) and not np.isin(ts.rows[known_late], paid_early_recent).any()
    window = pd.Timedelta(days=training.DAYS_LATE_WINDOW)
    assert (rows["due_date"][known_days] + window <= as_of).all()
    snap = pd.to_datetime(ts.snapshot_days, unit="D", origin="1900-01-01")
    assert (snap <= as_of).all()
    paid = rows["paid_date"].to_numpy()
    assert not (paid <= snap.to_numpy()).any()  # every snapshot is of an open invoice


def test_default_model_loads():
    model = scoring.load_default_model()
    assert model.metadata.feature_names == FEATURE_NAMES
    assert model.metadata.n_rows > 1000
