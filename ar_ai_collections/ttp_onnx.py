"""The time-to-payment model file's metadata and its ONNX graph.

:func:`export_ttp_onnx` turns a fitted weekly hazard
(:class:`~ar_ai_collections.survival.HazardHead`) into one ONNX graph giving the
survival curve, the hazards and P(paid within 7/30/90 days);
:func:`short_horizon_graph` cuts that graph to the weeks one probability reads
(the reasons re-score only that). Training is in
:mod:`~ar_ai_collections.ttp_model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import ONNX_ML_OPSET, ONNX_OPSET
from .scoring import excluded_attributes_of, metadata_dict
from .survival import (
    HAZARD_EPS,
    INPUT_NAME,
    METADATA_KEY,
    PAID_WITHIN_DAYS,
    TRAIN_WEEKS,
    TTP_FEATURE_NAMES,
    WEEK_DAYS,
    HazardHead,
    TTPModelError,
    horizon_weights,
)


@dataclass(frozen=True)
class TTPMetadata:
    """What a time-to-payment model file says about itself."""

    version: str
    engine_version: str
    kind: str
    feature_names: tuple[str, ...]
    horizon_weeks: int
    trained_at: str
    train_end: str
    n_snapshots: int
    n_periods: int
    #: Company-average (median) snapshot features, used by the reasons.
    reference_values: tuple[float, ...] = ()
    metrics: dict = field(default_factory=dict)
    #: Fairness attributes kept out of the model (:data:`~.features.ATTRIBUTE_FEATURES`).
    excluded_attributes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return metadata_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TTPMetadata:
        try:
            return cls(
                version=str(data["version"]),
                engine_version=str(data.get("engine_version", "")),
                kind=str(data.get("kind", "gbm")),
                feature_names=tuple(str(n) for n in data["feature_names"]),
                horizon_weeks=int(data["horizon_weeks"]),
                trained_at=str(data.get("trained_at", "")),
                train_end=str(data.get("train_end", "")),
                n_snapshots=int(data.get("n_snapshots", 0)),
                n_periods=int(data.get("n_periods", 0)),
                reference_values=tuple(float(v) for v in data.get("reference_values") or ()),
                metrics=dict(data.get("metrics") or {}),
                excluded_attributes=excluded_attributes_of(data),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise TTPModelError(f"model metadata is incomplete or invalid: {error}") from error


def export_ttp_onnx(head: HazardHead, metadata: TTPMetadata) -> bytes:
    """One ONNX graph: ``features`` (N x F) -> curve and probabilities.

    Inside the graph: tile the features over the K weeks (N x K x F), append
    the interval features (a gathered column times a sign plus a per-week
    offset), flatten to (N*K) rows, score the hazards, then
    ``log(1 - h) @ U`` (U upper-triangular ones) is the log-survival curve and
    ``log(1 - h) @ W`` the log-survival at 7, 30 and 90 days.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    K = metadata.horizon_weeks
    F = len(TTP_FEATURE_NAMES)
    nodes, inits = [], []

    def const(name: str, array, dtype=np.float32) -> str:
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name))
        return name

    node = helper.make_node
    j = np.arange(K, dtype=np.float32)
    gather_idx = [
        TTP_FEATURE_NAMES.index("days_to_due"),
        TTP_FEATURE_NAMES.index("days_to_due"),
        TTP_FEATURE_NAMES.index("habit_days_to_pay"),
    ]
    sign = np.array([0.0, -1.0, 1.0], dtype=np.float32).reshape(1, 1, 3)
    offsets = np.stack(
        [np.minimum(j + 1, TRAIN_WEEKS), WEEK_DAYS * j, -WEEK_DAYS * j], axis=1
    ).reshape(1, K, 3)
    nodes += [
        node("Unsqueeze", [INPUT_NAME, const("ax1", [1], np.int64)], ["x3"]),
        node("Mul", ["x3", const("ones_k", np.ones((1, K, 1)))], ["tiled"]),
        node("Gather", [INPUT_NAME, const("gather_idx", gather_idx, np.int64)], ["g"], axis=1),
        node("Unsqueeze", ["g", "ax1"], ["g3"]),
        node("Mul", ["g3", const("sign", sign)], ["gs"]),
        node("Add", ["gs", const("offsets", offsets)], ["interval"]),
        node("Concat", ["tiled", "interval"], ["full"], axis=2),
        node("Reshape", ["full", const("flat_shape", [-1, F + 3], np.int64)], ["periods"]),
    ]
    logits = []
    if head.kind in ("logistic", "blend"):
        edges = np.array([-30, -7, 0, 7, 15, 30, 60, 90, 180], dtype=np.float32)
        od_lo, od_hi = const("od_lo", [F + 1], np.int64), const("od_hi", [F + 2], np.int64)
        nodes += [
            node("Slice", ["periods", od_lo, od_hi, "ax1"], ["od"]),
            node("GreaterOrEqual", ["od", const("edges", edges.reshape(1, -1))], ["ge"]),
            node("Cast", ["ge"], ["onehot"], to=TensorProto.FLOAT),
            node("Concat", ["periods", "onehot"], ["design"], axis=1),
            node("MatMul", ["design", const("coef", head.coef.reshape(-1, 1))], ["z0"]),
            node("Add", ["z0", const("intercept", head.intercept)], ["z_lin"]),
        ]
        logits.append("z_lin")
    if head.kind in ("gbm", "blend"):
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType

        onx = convert_sklearn(
            head.model,
            initial_types=[("periods_in", FloatTensorType([None, F + 3]))],
            options={id(head.model): {"zipmap": False}},
            target_opset={"": ONNX_OPSET, "ai.onnx.ml": ONNX_ML_OPSET},
        )
        sub = onnx.compose.add_prefix(onx, "hz_")
        nodes.append(node("Identity", ["periods"], ["hz_periods_in"]))
        nodes += list(sub.graph.node)
        inits += list(sub.graph.initializer)
        p_lo, p_hi = const("p_lo", [1], np.int64), const("p_hi", [2], np.int64)
        nodes += [
            node("Slice", ["hz_probabilities", p_lo, p_hi, "ax1"], ["p_tree"]),
            node(
                "Clip",
                ["p_tree", const("t_lo", HAZARD_EPS), const("t_hi", 1 - HAZARD_EPS)],
                ["p_tc"],
            ),
            node("Sub", [const("t_one", 1.0), "p_tc"], ["q_tree"]),
            node("Div", ["p_tc", "q_tree"], ["odds_tree"]),
            node("Log", ["odds_tree"], ["z_tree"]),
        ]
        logits.append("z_tree")
    nodes += [
        node("Sum", logits, ["z_sum"]),
        node("Mul", ["z_sum", const("z_scale", 1.0 / len(logits))], ["z"]),
        node("Sigmoid", ["z"], ["h1"]),
    ]
    upper = np.triu(np.ones((K, K)))
    nodes += [
        node("Reshape", ["h1", const("curve_shape", [-1, K], np.int64)], ["h_raw"]),
        node(
            "Clip",
            ["h_raw", const("eps", HAZARD_EPS), const("one_m_eps", 1 - HAZARD_EPS)],
            ["hazard"],
        ),
        node("Sub", [const("one", 1.0), "hazard"], ["q"]),
        node("Log", ["q"], ["logq"]),
        node("MatMul", ["logq", const("upper", upper)], ["logs"]),
        node("Exp", ["logs"], ["survival"]),
        node("MatMul", ["logq", const("horizons", horizon_weights(K))], ["logp"]),
        node("Exp", ["logp"], ["s_h"]),
        node("Sub", ["one", "s_h"], ["p_h"]),
    ]
    for k, days in enumerate(PAID_WITHIN_DAYS):
        nodes += [
            node("Gather", ["p_h", const(f"col{k}", k, np.int64)], [f"p_paid_{days}d"], axis=1)
        ]
    graph = helper.make_graph(
        nodes,
        "ar_ai_collections_time_to_payment",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, F])],
        [
            *(
                helper.make_tensor_value_info(f"p_paid_{d}d", TensorProto.FLOAT, [None])
                for d in PAID_WITHIN_DAYS
            ),
            helper.make_tensor_value_info("survival", TensorProto.FLOAT, [None, K]),
            helper.make_tensor_value_info("hazard", TensorProto.FLOAT, [None, K]),
        ],
        initializer=inits,
    )
    from .training import serialize_graph

    return serialize_graph(graph, METADATA_KEY, metadata.to_dict())


def short_horizon_graph(onnx_bytes: bytes, horizon: int) -> bytes:
    """The graph of ``onnx_bytes`` cut to the weeks that P(paid within
    ``PAID_WITHIN_DAYS[horizon]`` days) reads, with that single output.

    The week count K appears only in the constants of :func:`export_ttp_onnx`
    (tiling, interval offsets, curve shape, the cumulative matrices); each
    week's hazard depends on its own interval features only, so the cut graph
    gives the full graph's probability (tested).
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(onnx_bytes)
    days = PAID_WITHIN_DAYS[horizon]
    weeks = -(-days // WEEK_DAYS)
    graph = model.graph
    cuts = {
        "ones_k": lambda a: a[:, :weeks],
        "offsets": lambda a: a[:, :weeks],
        "curve_shape": lambda a: np.array([-1, weeks], dtype=a.dtype),
        "upper": lambda a: a[:weeks, :weeks],
        "horizons": lambda a: a[:weeks],
    }
    for init in graph.initializer:
        if init.name in cuts:
            init.CopyFrom(
                numpy_helper.from_array(cuts[init.name](numpy_helper.to_array(init)), init.name)
            )
    keep = [o for o in graph.output if o.name == f"p_paid_{days}d"]
    del graph.output[:]
    graph.output.extend(keep)
    return model.SerializeToString()
