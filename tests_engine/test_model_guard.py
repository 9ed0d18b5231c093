"""The model guard: malicious or foreign ONNX files are refused before onnxruntime runs them."""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np
import pytest
from onnx import TensorProto, helper

from ar_ai_collections import cli, model_guard, training
from ar_ai_collections.features import FEATURE_NAMES
from ar_ai_collections.generator import generate_ledger
from ar_ai_collections.scoring import (
    DEFAULT_MODEL_PATH,
    OUTPUT_NAMES,
    ModelSignatureError,
    RiskModel,
)

SECRET = np.array([1234.5], dtype=np.float32).tobytes()


@pytest.fixture(scope="module")
def trained():
    history = generate_ledger(customers=30, months=14, seed=3, end_date=dt.date(2026, 6, 30))
    return training.train_model(history.history, as_of="2026-06-30", version="guard")


@pytest.fixture(scope="module")
def metadata():
    return RiskModel.from_path(DEFAULT_MODEL_PATH).metadata


def _constant(name: str, value: float) -> TensorProto:
    return helper.make_tensor(name, TensorProto.FLOAT, [], [value])


def _external(tensor: TensorProto, location: str) -> TensorProto:
    """Move ``tensor``'s values to ``location`` (what an attacker writes)."""
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "4")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _model(
    metadata,
    p_late: float = 0.3,
    days: float = 5.0,
    days_tensor: TensorProto | None = None,
    extra_nodes=(),
    outputs=OUTPUT_NAMES,
    opset: int = 17,
    props: dict | None = None,
    sigmoid: bool = True,
) -> bytes:
    """An engine-shaped graph: constant outputs, only allowed operators.

    ``days_late`` = row sum of ``features * 0`` + the ``days`` initializer, so a
    tensor read from elsewhere comes out in the scores, as in the finding.
    """
    logit = float(np.log(p_late / (1 - p_late))) if sigmoid else p_late
    nodes = [
        helper.make_node("Mul", ["features", "zero"], ["z"]),
        helper.make_node("ReduceSum", ["z", "axes"], ["s"], keepdims=0),
        helper.make_node("Add", ["s", "logit"], ["lin"]),
        helper.make_node("Sigmoid" if sigmoid else "Identity", ["lin"], [outputs[0]]),
        helper.make_node("Identity", [outputs[0]], [outputs[1]]),
        helper.make_node("Add", ["s", "days"], [outputs[2]]),
        *extra_nodes,
    ]
    inits = [
        _constant("zero", 0.0),
        helper.make_tensor("axes", TensorProto.INT64, [1], [1]),
        _constant("logit", logit),
        days_tensor if days_tensor is not None else _constant("days", days),
    ]
    graph = helper.make_graph(
        nodes,
        "risk",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, len(FEATURE_NAMES)])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None]) for name in outputs],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    helper.set_model_props(
        model, props or {"ar_ai_collections": json.dumps(metadata.to_dict(), default=str)}
    )
    return model.SerializeToString()


def _refused(data: bytes, match: str, **kwargs) -> str:
    with pytest.raises(ModelSignatureError, match=match) as caught:
        RiskModel.from_bytes(data, **kwargs)
    return str(caught.value)


def test_engine_shaped_test_model_is_accepted(metadata):
    model = RiskModel.from_bytes(_model(metadata))
    p_late, p_default, days = model.predict(np.zeros((3, len(FEATURE_NAMES))))
    assert np.allclose(p_late, 0.3) and np.allclose(p_default, 0.3) and np.allclose(days, 5.0)


def test_trained_model_uses_only_allowed_operators(trained):
    """The allowlist is what the export emits: every head kind passes the guard."""
    from onnx import ModelProto

    from ar_ai_collections.training import ClassifierHead, LinearHead, RegressorHead

    proto = ModelProto.FromString(trained.onnx_bytes)
    opsets = {o.domain: o.version for o in proto.opset_import}
    assert opsets == model_guard.MAX_OPSET_VERSIONS
    used = {(n.domain, n.op_type) for n in proto.graph.node}
    heads = trained.estimators
    # The other branches of the export: constant heads and a tree classifier.
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.random.default_rng(0).normal(size=(200, len(FEATURE_NAMES))).astype(np.float32)
    trees = HistGradientBoostingClassifier(max_iter=3).fit(X, X[:, 0] > 0)
    variants = [
        {**heads, "late": ClassifierHead(None, 1.0, 0.0, constant=0.2)},
        {**heads, "default": ClassifierHead(trees, 1.0, 0.0)},
        {**heads, "days": RegressorHead(None, constant=3.0)},
    ]
    assert isinstance(heads["late"], LinearHead) and heads["days"].model is not None
    for variant in variants:
        data = training.export_onnx(variant, trained.metadata)
        RiskModel.from_bytes(data)
        used |= {(n.domain, n.op_type) for n in ModelProto.FromString(data).graph.node}
    # The bundled time-to-payment model is a blend: its graph holds both hazard heads.
    used |= {(n.domain, n.op_type) for n in ModelProto.FromString(_ttp_bytes()).graph.node}
    allowed = {(d, op) for d, ops in model_guard.ALLOWED_OPERATORS.items() for op in ops}
    assert used == allowed, "ALLOWED_OPERATORS must be exactly what the exports emit"
    assert len(proto.graph.node) < model_guard.MAX_GRAPH_NODES


def test_external_initializer_with_relative_location_is_refused(metadata, tmp_path, monkeypatch):
    """Finding 1: a relative location would be read from the working directory."""
    (tmp_path / "secret.bin").write_bytes(SECRET)
    monkeypatch.chdir(tmp_path)
    evil = _model(metadata, days_tensor=_external(_constant("days", 0.0), "secret.bin"))
    message = _refused(evil, "uses external data")
    assert "secret" not in message and str(tmp_path) not in message
    # The same bytes, absent file or absolute path: the same message, nothing about files.
    for location in ("missing.bin", str(tmp_path / "secret.bin"), "../secret.bin"):
        evil = _model(metadata, days_tensor=_external(_constant("days", 0.0), location))
        assert _refused(evil, "uses external data") == message


def test_external_data_entries_alone_are_refused(metadata):
    tensor = _constant("days", 0.0)
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "secret.bin"
    _refused(_model(metadata, days_tensor=tensor), "uses external data")


def test_external_constant_attribute_is_refused(metadata):
    constant = helper.make_node(
        "Constant", [], ["leak"], value=_external(_constant("v", 0.0), "secret.bin")
    )
    _refused(_model(metadata, extra_nodes=[constant]), "uses external data")


def test_external_sparse_initializer_is_refused(metadata):
    from onnx import ModelProto

    proto = ModelProto.FromString(_model(metadata))
    values = _external(helper.make_tensor("sv", TensorProto.FLOAT, [1], [0.0]), "secret.bin")
    indices = helper.make_tensor("si", TensorProto.INT64, [1], [0])
    proto.graph.sparse_initializer.append(helper.make_sparse_tensor(values, indices, [4]))
    _refused(proto.SerializeToString(), "uses external data")


def test_external_tensor_in_subgraph_is_refused(metadata):
    branch = helper.make_graph(
        [helper.make_node("Identity", ["hidden"], ["out"])],
        "branch",
        [],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [])],
        initializer=[_external(_constant("hidden", 0.0), "secret.bin")],
    )
    node = helper.make_node("If", ["cond"], ["r"], then_branch=branch, else_branch=branch)
    _refused(_model(metadata, extra_nodes=[node]), "uses external data")


def test_size_limit(metadata, tmp_path):
    data = _model(metadata)
    _refused(data, "limit is", max_bytes=len(data) - 1)
    assert RiskModel.from_bytes(data, max_bytes=len(data)).metadata == metadata
    path = tmp_path / "big.onnx"
    path.write_bytes(data + b"\0" * 100)
    with pytest.raises(ModelSignatureError, match="limit is"):
        RiskModel.from_path(path, max_bytes=len(data))


def test_unknown_operator_opset_and_graph_size_are_refused(metadata):
    cos = helper.make_node("Cos", ["s"], ["c"])
    _refused(_model(metadata, extra_nodes=[cos]), "operator 'Cos'")
    custom = helper.make_node("Exfiltrate", ["s"], ["c"], domain="com.evil")
    _refused(_model(metadata, extra_nodes=[custom]), "operator 'com.evil.Exfiltrate'")
    _refused(_model(metadata, opset=18), "opset 18")
    chain = [
        helper.make_node("Identity", ["s" if i == 0 else f"c{i - 1}"], [f"c{i}"])
        for i in range(model_guard.MAX_GRAPH_NODES)
    ]
    _refused(_model(metadata, extra_nodes=chain), "nodes, at most")


def test_oversized_metadata_is_refused(metadata):
    md = json.dumps(metadata.to_dict())
    huge = {"ar_ai_collections": md, "notes": "x" * (model_guard.MAX_METADATA_CHARS + 1)}
    _refused(_model(metadata, props=huge), "characters, at most")
    many = {
        "ar_ai_collections": md,
        **{f"k{i}": "v" for i in range(model_guard.MAX_METADATA_ENTRIES)},
    }
    _refused(_model(metadata, props=many), "metadata entries")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"days": float("nan")}, "non-finite days_late"),
        ({"days": 1e6}, "days_late from 1e\\+06"),
        ({"p_late": 1.5, "sigmoid": False}, "p_late from 1.5"),
        ({"p_late": -0.1, "sigmoid": False}, "p_late from -0.1"),
    ],
)
def test_trial_prediction_refuses_absurd_outputs(metadata, kwargs, match):
    _refused(_model(metadata, **kwargs), f"trial prediction gave {match}")


def test_trial_prediction_refuses_wrong_shapes(metadata):
    from onnx import ModelProto

    proto = ModelProto.FromString(_model(metadata))
    # days_late of shape (N, 29): features + days, one value per feature
    proto.graph.node[-1].input[0] = "features"
    proto.graph.output[2].type.tensor_type.ClearField("shape")
    _refused(proto.SerializeToString(), "days_late of shape")


def test_wrong_output_names_foreign_and_corrupt_files_are_refused(metadata):
    _refused(_model(metadata, outputs=("p_late", "p_default", "days")), "outputs")
    add = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["c"])],
        "add",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("a", "b")],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [1])],
    )
    foreign = helper.make_model(add, opset_imports=[helper.make_opsetid("", 17)])
    _refused(foreign.SerializeToString(), "expected \\['features'\\]")
    _refused(b"\x08\x07\x12\xff\xff\xff\xff\x0f", "not a valid ONNX file")
    _refused(DEFAULT_MODEL_PATH.read_bytes()[:1000], "not a valid ONNX file")


def test_without_onnx_models_are_refused_not_unchecked(metadata, monkeypatch):
    """The guard needs onnx to parse; without it nothing loads (fail closed)."""
    monkeypatch.setitem(sys.modules, "onnx", None)
    _refused(_model(metadata), "needs the 'onnx' package")


def test_cli_score_refuses_external_data_model(metadata, tmp_path, monkeypatch, capsys):
    (tmp_path / "secret.bin").write_bytes(SECRET)
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.onnx"
    evil.write_bytes(_model(metadata, days_tensor=_external(_constant("days", 0.0), "secret.bin")))
    history = tmp_path / "h.csv"
    history.write_text(
        "invoice_id,customer_id,invoice_date,due_date,amount,paid_date\n"
        "I1,C1,2026-01-01,2026-01-31,100,\n"
    )
    code = cli.main(
        [
            *("score", "--history", str(history), "--model", str(evil)),
            *("--as-of", "2026-02-01", "--out", str(tmp_path / "s.csv")),
        ]
    )
    assert code == cli.EXIT_MODEL
    assert "uses external data" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


# ---------------------------------------------------------------------------
# The time-to-payment model goes through the same guard
# ---------------------------------------------------------------------------
def _ttp_bytes() -> bytes:
    from ar_ai_collections import survival

    return survival.DEFAULT_TTP_MODEL_PATH.read_bytes()


def test_bundled_ttp_model_passes_the_guard():
    from ar_ai_collections import ttp_model

    model = ttp_model.TTPModel.from_bytes(_ttp_bytes())
    assert model.metadata.kind == "blend"


def test_ttp_model_with_external_data_is_refused(tmp_path, monkeypatch):
    from onnx import ModelProto

    from ar_ai_collections import survival, ttp_model

    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(64, dtype=np.float32).tobytes())
    monkeypatch.chdir(tmp_path)
    proto = ModelProto.FromString(_ttp_bytes())
    tensor = proto.graph.initializer[0]
    _external(tensor, "secret.bin")
    with pytest.raises(survival.TTPModelError, match="external data") as error:
        ttp_model.TTPModel.from_bytes(proto.SerializeToString())
    assert "secret" not in str(error.value)


def test_ttp_model_giving_no_probabilities_is_refused():
    from onnx import ModelProto, numpy_helper

    from ar_ai_collections import survival, ttp_model

    proto = ModelProto.FromString(_ttp_bytes())
    # Weights that are not numbers: the curves stop being finite.
    for index, tensor in enumerate(proto.graph.initializer):
        values = numpy_helper.to_array(tensor)
        if values.dtype == np.float32 and values.size > 1:
            doctored = numpy_helper.from_array(np.full_like(values, np.nan), tensor.name)
            proto.graph.initializer[index].CopyFrom(doctored)
    with pytest.raises(survival.TTPModelError, match="trial prediction"):
        ttp_model.TTPModel.from_bytes(proto.SerializeToString())
