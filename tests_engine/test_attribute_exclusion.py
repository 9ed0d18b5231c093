"""Fairness attributes kept out of the models: training, scoring, reasons, metadata."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import cli, fairness, scoring, training
from ar_ai_collections import survival as sv
from ar_ai_collections import ttp_model as tm
from ar_ai_collections.features import (
    ATTRIBUTE_FEATURES,
    FEATURE_NAMES,
    FeatureMatrix,
    _days,
    build_features,
    excluded_features,
    neutralize_attributes,
    open_mask,
)
from ar_ai_collections.generator import generate_ledger
from ar_ai_collections.ttp_onnx import TTPMetadata

END = dt.date(2026, 6, 30)
AS_OF = "2026-06-30"
TENURE = FEATURE_NAMES.index("tenure_days")
SIZE_COLUMNS = [FEATURE_NAMES.index(f) for f in ATTRIBUTE_FEATURES["customer_size"]]


@pytest.fixture(scope="module")
def history():
    return generate_ledger(customers=40, months=15, seed=11, end_date=END).history


@pytest.fixture(scope="module")
def plain(history):
    return training.train_model(history, as_of=AS_OF, version="plain")


@pytest.fixture(scope="module")
def no_age(history):
    return training.train_model(
        history, as_of=AS_OF, version="no-age", excluded_attributes=("customer_age",)
    )


@pytest.fixture(scope="module")
def features(history):
    return build_features(history, AS_OF)


def _with_tenure(features: FeatureMatrix, tenure: np.ndarray) -> FeatureMatrix:
    """The same invoices, differing only in the customer's tenure."""
    X = features.X.copy()
    X[:, TENURE] = tenure
    frame = features.frame.copy()
    frame["tenure_days"] = tenure
    return dataclasses.replace(features, frame=frame, X=X)


def test_mapping_covers_the_audit_attributes():
    rows = pd.DataFrame({"customer_id": [1], "invoice_date": [pd.Timestamp(AS_OF)]})
    history = pd.DataFrame(
        {
            "customer_id": [1],
            "invoice_date": [pd.Timestamp(AS_OF)],
            "amount": [10.0],
            "country": ["BE"],
            "industry": ["retail"],
        }
    )
    assert set(fairness.customer_attributes(history, rows).columns) == set(ATTRIBUTE_FEATURES)
    assert ATTRIBUTE_FEATURES["country"] == ATTRIBUTE_FEATURES["industry"] == ()
    assert all(f in FEATURE_NAMES for fs in ATTRIBUTE_FEATURES.values() for f in fs)
    assert excluded_features(["customer_age"]) == ("tenure_days",)
    with pytest.raises(ValueError, match="postcode"):
        excluded_features(["postcode"])


def test_neutralize_sets_only_the_attribute_columns(features):
    X = features.X
    out = neutralize_attributes(X, FEATURE_NAMES, ("customer_size",))
    assert out is not X and np.isin(X[:, SIZE_COLUMNS], 0.0).mean() < 0.5
    assert (out[:, SIZE_COLUMNS] == 0.0).all()
    others = [j for j in range(len(FEATURE_NAMES)) if j not in SIZE_COLUMNS]
    np.testing.assert_array_equal(out[:, others], X[:, others])
    assert neutralize_attributes(X, FEATURE_NAMES, ("country",)) is X


def test_pipelines_ignore_a_constant_column(history, no_age, features):
    """Without scoring's own neutralization, the fitted heads already ignore tenure."""
    assert no_age.estimators["late"].coef[TENURE] == 0.0
    assert no_age.estimators["default"].coef[TENURE] == 0.0
    assert no_age.estimators["days"].model is not None
    for predictor in no_age.estimators["days"].model._predictors:
        nodes = predictor[0].nodes
        assert TENURE not in set(nodes["feature_idx"][nodes["is_leaf"] == 0])
    low = _with_tenure(features, np.zeros(len(features.X), np.float32))
    high = _with_tenure(features, np.full(len(features.X), 3000.0, np.float32))
    for a, b in zip(
        training.predict_sklearn(no_age.estimators, low.X),
        training.predict_sklearn(no_age.estimators, high.X),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_excluded_attribute_gives_identical_scores(plain, no_age, features):
    rng = np.random.default_rng(3)
    other = _with_tenure(features, rng.uniform(0, 3000, len(features.X)).astype(np.float32))
    model = scoring.RiskModel.from_bytes(no_age.onnx_bytes)
    a, b = model.score(features), model.score(other)
    np.testing.assert_array_equal(a.p_late, b.p_late)
    np.testing.assert_array_equal(a.p_default, b.p_default)
    np.testing.assert_array_equal(a.expected_days_late, b.expected_days_late)
    # the same change moves a model that uses tenure
    baseline = scoring.RiskModel.from_bytes(plain.onnx_bytes)
    assert np.abs(baseline.predict(features.X)[0] - baseline.predict(other.X)[0]).max() > 1e-3


def test_scoring_applies_the_metadata_exclusion(plain, features):
    """A graph that does use tenure, in a file saying it is excluded: scoring neutralizes it."""
    metadata = dataclasses.replace(plain.metadata, excluded_attributes=("customer_age",))
    model = scoring.RiskModel.from_bytes(training.export_onnx(plain.estimators, metadata))
    other = _with_tenure(features, np.full(len(features.X), 3000.0, np.float32))
    for a, b in zip(model.predict(features.X), model.predict(other.X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not any("customer for only" in r for rs in model.score(other).reasons for r in rs)


def test_reasons_never_cite_an_excluded_attribute(plain, history, features):
    # long tenure raises the risk on this ledger: a model using it cites it
    old = _with_tenure(features, np.full(len(features.X), 3000.0, np.float32))
    baseline = [
        r for rs in scoring.RiskModel.from_bytes(plain.onnx_bytes).score(old).reasons for r in rs
    ]
    assert any("customer for only" in r for r in baseline)
    assert any(_quotes_an_amount(r) for r in baseline)
    for attributes in (("customer_age",), ("customer_age", "customer_size")):
        trained = training.train_model(history, as_of=AS_OF, excluded_attributes=attributes)
        model = scoring.RiskModel.from_bytes(trained.onnx_bytes)
        texts = [r for rs in model.score(old).reasons for r in rs]
        assert texts and not any("customer for only" in r for r in texts)
        assert any(map(_quotes_an_amount, texts)) == ("customer_size" not in attributes)


def _quotes_an_amount(reason: str) -> bool:
    """Whether a reason states an invoice, open or overdue amount (customer size)."""
    return bool(
        "totalling" in reason
        or reason.startswith("large invoice")
        or re.fullmatch(r"[\d,]+ already overdue", reason)
    )


def test_metadata_round_trips_and_old_files_load(no_age):
    md = scoring.RiskModel.from_bytes(no_age.onnx_bytes).metadata
    assert md.excluded_attributes == ("customer_age",) == no_age.metadata.excluded_attributes
    data = json.loads(json.dumps(md.to_dict()))
    assert data["excluded_attributes"] == ["customer_age"]
    assert scoring.ModelMetadata.from_dict(data) == md
    del data["excluded_attributes"]
    assert scoring.ModelMetadata.from_dict(data).excluded_attributes == ()
    data["excluded_attributes"] = ["postcode"]
    with pytest.raises(scoring.ModelSignatureError, match="postcode"):
        scoring.ModelMetadata.from_dict(data)
    # the bundled model predates the field
    assert scoring.load_default_model().metadata.excluded_attributes == ()
    assert tm.load_default_ttp_model().metadata.excluded_attributes == ()


def test_time_to_payment_model_excludes_attributes(history):
    as_of = pd.Timestamp("2026-03-31")
    trained = tm.train_ttp_model(
        history,
        as_of=as_of,
        kind="blend",
        seed=1,
        max_period_rows=15_000,
        max_rounds=25,
        excluded_attributes=("customer_size", "customer_age"),
    )
    model = tm.TTPModel.from_bytes(trained.onnx_bytes)
    md = model.metadata
    assert md.excluded_attributes == ("customer_age", "customer_size")
    assert TTPMetadata.from_dict(json.loads(json.dumps(md.to_dict()))) == md
    old = md.to_dict()
    del old["excluded_attributes"]
    assert TTPMetadata.from_dict(old).excluded_attributes == ()
    rows = np.flatnonzero(open_mask(history, as_of))
    X = sv.ttp_features(history, rows, np.full(len(rows), _days(np.array([as_of]))[0]))
    columns = [sv.TTP_FEATURE_NAMES.index(f) for f in excluded_features(md.excluded_attributes)]
    varied = X.copy()
    varied[:, columns] = np.random.default_rng(5).uniform(1, 3000, (len(X), len(columns)))
    # the fitted hazard itself ignores them, and scoring neutralizes them too
    periods_a = sv.predict_curve_sklearn(trained.head, X)
    periods_b = sv.predict_curve_sklearn(trained.head, varied)
    for name in sv.OUTPUT_NAMES:
        np.testing.assert_array_equal(model.predict(X)[name], model.predict(varied)[name])
        np.testing.assert_allclose(periods_a[name], periods_b[name], rtol=0, atol=0)
    scores = model.score(history, as_of, reasons=True)
    texts = [r for rs in scores.frame["reasons"] for r in rs.split("; ") if r]
    assert texts and not any("customer for only" in r or "totalling" in r for r in texts)


def test_cli_train_excludes_attributes(tmp_path, history):
    path = tmp_path / "h.csv"
    history.to_csv(path, index=False)
    out = tmp_path / "m.onnx"
    argv = ["train", "--history", str(path), "--model-out", str(out), "--as-of", AS_OF]
    flags = ["--exclude-attribute", "customer_age", "--exclude-attribute", "customer_size"]
    assert cli.main([*argv, *flags]) == 0
    md = scoring.RiskModel.from_path(out).metadata
    assert md.excluded_attributes == ("customer_age", "customer_size")
    assert cli.main([*argv, "--exclude-attribute", "postcode"]) == 2
