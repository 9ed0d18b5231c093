"""Checks an ONNX file must pass before it may score invoices.

An uploaded model is untrusted input that onnxruntime will *execute*. ONNX lets
a tensor keep its values outside the file (``data_location = EXTERNAL`` with an
``external_data`` entry ``location = "some/file"``): onnxruntime then reads
that file from the server, relative to its working directory, and the bytes
flow through the graph into the scores. Refusal messages of onnxruntime for
other locations also tell whether a file exists and how big it is. So the
protobuf is inspected *before* onnxruntime (or ``onnx.load`` with external
data) ever sees it, and anything this engine's own export never produces is
refused:

1. :func:`check_model_bytes` (static, on the bytes, every load: CLI, upload,
   promotion, scoring): size limit, no tensor stored as external data
   (anywhere: initializers, sparse initializers, ``Constant`` attributes,
   subgraphs, functions), only the operators, opsets and graph size of the
   engine's export, the engine's input and output names, bounded metadata;
2. :func:`check_trial_prediction` (on the onnxruntime session): a fixed probe
   batch must give one finite value per row and output, probabilities in
   [0, 1] and expected delays within :data:`MAX_TRIAL_ABS_DAYS`.

Every refusal raises :class:`~ar_ai_collections.scoring.ModelSignatureError`
whose message says what is wrong with the *model*, never anything about files.

The protobuf is parsed with onnx's generated class (``ModelProto.FromString``),
which reads the bytes only and never opens a file. ``onnx`` is therefore
required to load a model (it is in ``requirements.txt`` and the manifest's
``external_dependencies``); it is imported lazily so that importing the engine
stays light, and a missing ``onnx`` refuses the model rather than skipping the
checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .constants import DEFAULT_MAX_MODEL_MB, ONNX_ML_OPSET, ONNX_OPSET
from .features import FEATURE_NAMES
from .scoring import INPUT_NAME, OUTPUT_NAMES, ModelMetadata, ModelSignatureError

if TYPE_CHECKING:
    from google.protobuf.message import Message
    from onnx import ModelProto
    from onnxruntime import InferenceSession

#: Default size limit of a model file (the Odoo company setting overrides it).
DEFAULT_MAX_MODEL_BYTES = DEFAULT_MAX_MODEL_MB * 1_000_000

#: The operators the engine's exports emit, per ONNX domain ("" = the default
#: domain): the constant, logistic and calibrated heads in
#: ``training._head_nodes``, the weekly hazard curve of ``survival`` and what
#: skl2onnx converts the gradient-boosted trees to. ``tests_engine/
#: test_model_guard.py`` checks freshly trained models of both kinds against
#: this list, so a new head that needs another operator fails there.
ALLOWED_OPERATORS: dict[str, frozenset[str]] = {
    "": frozenset(
        {
            "Add",
            "Cast",
            "Clip",
            "Concat",
            "Div",
            "Exp",
            "Gather",
            "GreaterOrEqual",
            "Identity",
            "Log",
            "MatMul",
            "Mul",
            "ReduceSum",
            "Reshape",
            "Sigmoid",
            "Slice",
            "Sub",
            "Sum",
            "Unsqueeze",
        }
    ),
    "ai.onnx.ml": frozenset({"TreeEnsembleClassifier", "TreeEnsembleRegressor"}),
}
#: Highest opset version accepted per domain (the engine's exports use these).
MAX_OPSET_VERSIONS: dict[str, int] = {"": ONNX_OPSET, "ai.onnx.ml": ONNX_ML_OPSET}
#: The engine's graph has about 30 nodes (a tree ensemble is ONE node).
MAX_GRAPH_NODES = 200
#: ``metadata_props`` entries; the engine writes one.
MAX_METADATA_ENTRIES = 16
#: Longest metadata string (key, value, producer, doc strings); the engine's
#: JSON metadata is about 1.3 kB.
MAX_METADATA_CHARS = 64 * 1024
#: Largest |expected days late| a trial prediction may give (ten years).
MAX_TRIAL_ABS_DAYS = 3650.0
#: Rows of the probe batch; each scales the model's reference feature values.
PROBE_ROWS = 64

_ALIASES = {"ai.onnx": ""}


def check_model_bytes(
    data: bytes,
    max_bytes: int = DEFAULT_MAX_MODEL_BYTES,
    input_name: str = INPUT_NAME,
    output_names: Sequence[str] = OUTPUT_NAMES,
) -> None:
    """Refuse ``data`` unless it looks like a model this engine exports.

    Runs on the raw bytes only: no file is opened and onnxruntime is not
    involved, so it is safe on anything a user uploads. ``input_name`` and
    ``output_names`` are the signature of the expected kind of model (the
    payment-risk model by default, the time-to-payment model in ``survival``).

    Raises:
        ModelSignatureError: what is wrong, in terms of the model.
    """
    if len(data) > max_bytes:
        raise ModelSignatureError(
            f"the model file is {len(data):,} bytes, the limit is {max_bytes:,} bytes"
        )
    model = _parse(data)
    _refuse_external_data(model)
    _check_operators(model)
    _check_signature(model, input_name, output_names)
    _check_metadata(model)


def check_trial_prediction(session: InferenceSession, metadata: ModelMetadata) -> None:
    """Score a fixed probe batch with ``session`` and refuse absurd outputs.

    The probe rows are the model's own reference values (feature medians of
    its training data, or zeros) scaled by fixed factors from 0 to 10, so a
    genuine model sees plausible invoices and a doctored one has to give
    plausible answers to all of them.
    """
    probe = probe_batch(metadata.reference_values, len(FEATURE_NAMES))
    try:
        outputs = session.run(list(OUTPUT_NAMES), {INPUT_NAME: probe})
    except Exception as error:
        raise ModelSignatureError(f"the trial prediction failed ({error})") from error
    ranges = dict.fromkeys(OUTPUT_NAMES, (0.0, 1.0))
    ranges["days_late"] = (-MAX_TRIAL_ABS_DAYS, MAX_TRIAL_ABS_DAYS)
    check_trial_outputs(dict(zip(OUTPUT_NAMES, outputs, strict=True)), len(probe), ranges)


def check_trial_outputs(
    outputs: Mapping[str, np.ndarray],
    rows: int,
    ranges: Mapping[str, tuple[float, float]],
    width: int = 1,
) -> None:
    """Refuse trial outputs that are not ``rows`` x ``width`` finite values in range.

    ``ranges`` maps each output name to its accepted ``(low, high)``; a
    ``width`` of 1 also accepts a flat vector of ``rows`` values.
    """
    for name, (low, high) in ranges.items():
        values = np.asarray(outputs[name])
        expected = (rows,) if width == 1 else (rows, width)
        if values.shape not in (expected, (rows, width)):
            raise ModelSignatureError(
                f"the trial prediction gave {name} of shape {values.shape}, expected {expected}"
            )
        values = values.astype(np.float64).reshape(-1)
        if not np.isfinite(values).all():
            raise ModelSignatureError(f"the trial prediction gave non-finite {name} values")
        if values.min() < low or values.max() > high:
            raise ModelSignatureError(
                f"the trial prediction gave {name} from {values.min():.6g} to "
                f"{values.max():.6g}, outside [{low:g}, {high:g}]"
            )


def probe_batch(reference_values: Sequence[float], width: int) -> np.ndarray:
    """The fixed float32 probe batch (``PROBE_ROWS`` x ``width``) of a model.

    Rows scale the model's reference feature values (zeros when it has none
    of that width) by factors from 0 to 10.
    """
    reference = np.zeros(width, dtype=np.float64)
    if len(reference_values) == width:
        reference = np.nan_to_num(np.asarray(reference_values, dtype=np.float64))
    factors = np.linspace(0.0, 10.0, PROBE_ROWS).reshape(-1, 1)
    return np.ascontiguousarray(factors * reference, dtype=np.float32)


def _parse(data: bytes) -> ModelProto:
    """The ``ModelProto`` of ``data``, parsed without loading external data."""
    try:
        from onnx import ModelProto
    except ImportError as error:
        raise ModelSignatureError(
            "checking a model needs the 'onnx' package (see requirements.txt)"
        ) from error
    from google.protobuf.message import DecodeError

    try:
        return ModelProto.FromString(bytes(data))
    except (DecodeError, RecursionError, ValueError) as error:
        raise ModelSignatureError(f"not a valid ONNX file ({error})") from error


def _messages(root: Message) -> Iterator[Message]:
    """Every protobuf message nested in ``root`` (depth first), ``root`` included.

    Walking the message tree generically, rather than the fields known today,
    also reaches tensors in sparse initializers, node attributes, subgraphs,
    local functions and training information.
    """
    stack = [root]
    while stack:
        message = stack.pop()
        yield message
        for descriptor, value in message.ListFields():
            if descriptor.type != descriptor.TYPE_MESSAGE:
                continue
            if descriptor.label == descriptor.LABEL_REPEATED:
                stack.extend(value)
            else:
                stack.append(value)


def _refuse_external_data(model: ModelProto) -> None:
    from onnx import TensorProto

    for message in _messages(model):
        if isinstance(message, TensorProto) and (
            message.data_location == TensorProto.EXTERNAL or len(message.external_data)
        ):
            raise ModelSignatureError(
                f"the model uses external data (tensor {message.name[:80]!r}): "
                "every tensor must be stored inside the ONNX file"
            )


def _check_operators(model: ModelProto) -> None:
    if model.functions:
        raise ModelSignatureError("the model defines local functions, which the engine never uses")
    for opset in model.opset_import:
        domain = _ALIASES.get(opset.domain, opset.domain)
        if domain not in MAX_OPSET_VERSIONS:
            raise ModelSignatureError(f"the model imports the unknown operator set {domain!r}")
        if not 1 <= opset.version <= MAX_OPSET_VERSIONS[domain]:
            raise ModelSignatureError(
                f"the model uses opset {opset.version} of {domain or 'ai.onnx'!r}, "
                f"at most {MAX_OPSET_VERSIONS[domain]} is accepted"
            )
    nodes = model.graph.node
    if len(nodes) > MAX_GRAPH_NODES:
        raise ModelSignatureError(
            f"the model has {len(nodes)} nodes, at most {MAX_GRAPH_NODES} are accepted"
        )
    for node in nodes:
        domain = _ALIASES.get(node.domain, node.domain)
        if node.op_type not in ALLOWED_OPERATORS.get(domain, ()):
            raise ModelSignatureError(
                f"the model uses the operator {(domain + '.' if domain else '') + node.op_type!r},"
                " which the engine's models never contain"
            )
        if any(a.HasField("g") or len(a.graphs) for a in node.attribute):
            raise ModelSignatureError("the model contains subgraphs, which the engine never uses")


def _check_signature(model: ModelProto, input_name: str, output_names: Sequence[str]) -> None:
    inputs = [i.name for i in model.graph.input]
    outputs = sorted(o.name for o in model.graph.output)
    if inputs != [input_name] or outputs != sorted(output_names):
        raise ModelSignatureError(
            f"the model has inputs {inputs[:5]} and outputs {outputs[:5]}, expected "
            f"['{input_name}'] and {list(output_names)}"
        )


def _check_metadata(model: ModelProto) -> None:
    props = model.metadata_props
    if len(props) > MAX_METADATA_ENTRIES:
        raise ModelSignatureError(
            f"the model has {len(props)} metadata entries, at most {MAX_METADATA_ENTRIES}"
        )
    strings = {
        "producer name": model.producer_name,
        "producer version": model.producer_version,
        "domain": model.domain,
        "documentation": model.doc_string,
        "graph name": model.graph.name,
        "graph documentation": model.graph.doc_string,
    }
    for prop in props:
        strings[f"metadata key {prop.key[:40]!r}"] = prop.key
        strings[f"metadata {prop.key[:40]!r}"] = prop.value
    for label, text in strings.items():
        if len(text) > MAX_METADATA_CHARS:
            raise ModelSignatureError(
                f"the model's {label} has {len(text)} characters, at most {MAX_METADATA_CHARS}"
            )
