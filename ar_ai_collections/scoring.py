"""Score invoices with an ONNX payment-risk model (onnxruntime only).

A model is ONE ONNX graph with input ``features`` (float32, N x F, columns in
:data:`~ar_ai_collections.features.FEATURE_NAMES` order) and three outputs:
``p_late`` (calibrated probability of paying more than ``late_days`` after the
due date), ``p_default`` (probability of still being unpaid ``horizon_days``
after the due date) and ``days_late`` (expected payment date minus due date,
in days). Its ``metadata_props`` carry a JSON :class:`ModelMetadata` under the
key :data:`METADATA_KEY`; :meth:`RiskModel.from_bytes` refuses anything else
with a :class:`ModelSignatureError` that says what is wrong.

scikit-learn and skl2onnx are NOT needed here.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .constants import DEFAULT_BAND_THRESHOLDS, RISK_BANDS
from .features import FEATURE_NAMES, FeatureMatrix, excluded_features, neutralize_attributes

METADATA_KEY = "ar_ai_collections"
INPUT_NAME = "features"
#: Batches from this many rows are scored on ``BULK_THREADS`` threads.
BULK_ROWS = 20_000
BULK_THREADS = min(os.cpu_count() or 1, 4)
OUTPUT_NAMES = ("p_late", "p_default", "days_late")
DEFAULT_MODEL_PATH = Path(__file__).parent / "data" / "default_model.onnx"


class ModelSignatureError(ValueError):
    """The bytes are not a usable AI Collections risk model (reason in the message)."""


@dataclass(frozen=True)
class ModelMetadata:
    """What a model file says about itself."""

    version: str
    engine_version: str
    feature_names: tuple[str, ...]
    trained_at: str
    train_start: str | None
    train_end: str | None
    n_rows: int
    late_days: int
    horizon_days: int
    metrics: dict = field(default_factory=dict)
    #: Reference (population median) value of each feature, used by the reasons.
    reference_values: tuple[float, ...] = ()
    #: Fairness attributes kept out of the model (:data:`~.features.ATTRIBUTE_FEATURES`).
    excluded_attributes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return metadata_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelMetadata:
        try:
            return cls(
                version=str(data["version"]),
                engine_version=str(data.get("engine_version", "")),
                feature_names=tuple(str(n) for n in data["feature_names"]),
                trained_at=str(data.get("trained_at", "")),
                train_start=data.get("train_start"),
                train_end=data.get("train_end"),
                n_rows=int(data.get("n_rows", 0)),
                late_days=int(data.get("late_days", 0)),
                horizon_days=int(data.get("horizon_days", 90)),
                metrics=dict(data.get("metrics") or {}),
                reference_values=tuple(float(v) for v in data.get("reference_values") or ()),
                excluded_attributes=excluded_attributes_of(data),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelSignatureError(
                f"model metadata is incomplete or invalid: {error}"
            ) from error


def metadata_dict(metadata) -> dict:
    """A model file's metadata dataclass as the plain dict stored in the file (its
    tuples as lists, as JSON reads them back)."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in asdict(metadata).items()
    }


def excluded_attributes_of(metadata: dict) -> tuple[str, ...]:
    """The ``excluded_attributes`` of a metadata dict (absent in older model files).

    :raise ValueError: an attribute this engine does not know.
    """
    names = tuple(str(a) for a in metadata.get("excluded_attributes") or ())
    excluded_features(names)
    return names


def risk_bands(p_late: np.ndarray, thresholds=DEFAULT_BAND_THRESHOLDS) -> np.ndarray:
    """Band of each probability (``p_late`` in [0, 1], ``thresholds`` in %).

    ``thresholds`` are the lower bounds of every band but the first, ascending.
    """
    p = np.asarray(p_late, dtype=np.float64) * 100.0
    edges = np.asarray(sorted(float(x) for x in thresholds), dtype=np.float64)
    idx = np.searchsorted(edges, np.nan_to_num(p, nan=0.0), side="right")
    return np.asarray(RISK_BANDS, dtype=object)[np.clip(idx, 0, len(RISK_BANDS) - 1)]


@dataclass
class ScoreBatch:
    """Scores of a batch of invoices (arrays aligned with ``invoice_ids``)."""

    invoice_ids: np.ndarray
    customer_ids: np.ndarray
    p_late: np.ndarray
    p_default: np.ndarray
    expected_days_late: np.ndarray
    predicted_pay_date: np.ndarray
    pay_date_low: np.ndarray
    pay_date_high: np.ndarray
    risk_band: np.ndarray
    reasons: list[list[str]]

    def to_frame(self) -> pd.DataFrame:
        reasons = self.reasons if self.reasons else [[] for _ in range(len(self.invoice_ids))]
        return pd.DataFrame(
            {
                "invoice_id": self.invoice_ids,
                "customer_id": self.customer_ids,
                "p_late": self.p_late,
                "p_default": self.p_default,
                "expected_days_late": self.expected_days_late,
                "predicted_pay_date": self.predicted_pay_date,
                "pay_date_low": self.pay_date_low,
                "pay_date_high": self.pay_date_high,
                "risk_band": self.risk_band,
                "reasons": ["; ".join(r) for r in reasons],
            }
        )


#: Columns of a score export (``score`` CLI, Odoo's empty result), in this order.
SCORE_COLUMNS = (
    "invoice_id",
    "customer_id",
    "p_late",
    "p_default",
    "expected_days_late",
    "predicted_pay_date",
    "risk_band",
    "reasons",
    "pay_date_low",
    "pay_date_high",
)


def _session(data: bytes, threads: int):
    """An onnxruntime CPU session on ``threads`` threads that never spin.

    Spinning threads were measured 2x slower on a busy 2-core machine (Odoo
    workers, PostgreSQL); idle threads sleep instead.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


class RiskModel:
    """A validated ONNX risk model, ready to score."""

    def __init__(self, session, metadata: ModelMetadata, onnx_bytes: bytes):
        self._session = session
        self._bulk_session = None
        self.metadata = metadata
        self.onnx_bytes = onnx_bytes

    def _session_for(self, rows: int):
        """The one-thread session, or for big batches one using every core.

        Small batches and single invoices stay on one thread (Odoo runs several
        workers; a thread pool only adds latency there). From ``BULK_ROWS`` rows
        the tree ensemble's work is split over the cores: on 2 cores, 200,000
        rows score in 0.44 s instead of 0.75 s (benchmarks/bench_engine_speed.py).
        """
        if rows < BULK_ROWS or BULK_THREADS < 2:
            return self._session
        if self._bulk_session is None:
            self._bulk_session = _session(self.onnx_bytes, threads=BULK_THREADS)
        return self._bulk_session

    @classmethod
    def from_path(cls, path: str | os.PathLike, max_bytes: int | None = None) -> RiskModel:
        from . import model_guard

        max_bytes = model_guard.DEFAULT_MAX_MODEL_BYTES if max_bytes is None else max_bytes
        try:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)  # one byte more reveals an oversized file
        except OSError as error:
            raise ModelSignatureError(f"cannot read model file {path}: {error}") from error
        return cls.from_bytes(data, max_bytes=max_bytes)

    @classmethod
    def from_bytes(cls, data: bytes, max_bytes: int | None = None) -> RiskModel:
        """Load a model after :mod:`.model_guard` accepted it (size ``max_bytes``)."""
        from . import model_guard

        if not data:
            raise ModelSignatureError("not a valid ONNX file: it is empty")
        max_bytes = model_guard.DEFAULT_MAX_MODEL_BYTES if max_bytes is None else max_bytes
        model_guard.check_model_bytes(data, max_bytes=max_bytes)
        try:
            session = _session(bytes(data), threads=1)
        except Exception as error:
            raise ModelSignatureError(f"not a valid ONNX file ({error})") from error
        props = session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in props:
            raise ModelSignatureError(
                "not an AI Collections model: the ONNX file has no "
                f"'{METADATA_KEY}' metadata (feature list, version, training window)"
            )
        try:
            raw = json.loads(props[METADATA_KEY])
        except ValueError as error:
            raise ModelSignatureError(f"model metadata is not valid JSON: {error}") from error
        if not isinstance(raw, dict):
            raise ModelSignatureError("model metadata is not a JSON object")
        metadata = ModelMetadata.from_dict(raw)
        inputs = session.get_inputs()
        if len(inputs) != 1 or inputs[0].name != INPUT_NAME:
            raise ModelSignatureError(
                f"unexpected model inputs {[i.name for i in inputs]}, expected ['{INPUT_NAME}']"
            )
        outputs = [o.name for o in session.get_outputs()]
        missing_out = [o for o in OUTPUT_NAMES if o not in outputs]
        if missing_out:
            raise ModelSignatureError(
                f"model outputs {outputs} lack {missing_out} (expected {list(OUTPUT_NAMES)})"
            )
        shape = inputs[0].shape
        width = shape[1] if len(shape) == 2 else None
        check_feature_names(metadata.feature_names)
        if isinstance(width, int) and width != len(FEATURE_NAMES):
            raise ModelSignatureError(
                f"model input has {width} columns, this engine builds {len(FEATURE_NAMES)}"
            )
        model_guard.check_trial_prediction(session, metadata)
        return cls(session, metadata, bytes(data))

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(p_late, p_default, expected_days_late)`` as float64 arrays."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != len(self.metadata.feature_names):
            raise ValueError(
                f"expected a 2-D array with {len(self.metadata.feature_names)} columns, "
                f"got shape {X.shape}"
            )
        X = neutralize_attributes(X, self.metadata.feature_names, self.metadata.excluded_attributes)
        if len(X) == 0:
            empty = np.zeros(0, dtype=np.float64)
            return empty, empty.copy(), empty.copy()
        p_late, p_default, days = self._session_for(len(X)).run(list(OUTPUT_NAMES), {INPUT_NAME: X})
        return (
            np.asarray(p_late, dtype=np.float64).reshape(-1),
            np.asarray(p_default, dtype=np.float64).reshape(-1),
            np.asarray(days, dtype=np.float64).reshape(-1),
        )

    def score(
        self,
        features: FeatureMatrix,
        band_thresholds=DEFAULT_BAND_THRESHOLDS,
        reasons: bool = True,
    ) -> ScoreBatch:
        """Score every invoice of ``features``."""
        p_late, p_default, days = self.predict(features.X)
        frame = features.frame
        due = frame["due_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        as_of = np.datetime64(pd.Timestamp(features.as_of).date(), "D")
        rounded = np.rint(days).astype(np.int64)
        predicted = np.maximum(due + rounded.astype("timedelta64[D]"), as_of)
        spread = round(float(self.metadata.metrics.get("mae_days", 0.0) or 0.0))
        low = np.maximum(predicted - np.timedelta64(spread, "D"), as_of)
        high = predicted + np.timedelta64(spread, "D")
        texts: list[list[str]] = []
        if reasons and len(frame):
            from .reasons import explain

            texts = explain(self, features)
        return ScoreBatch(
            invoice_ids=frame["invoice_id"].to_numpy(),
            customer_ids=frame["customer_id"].to_numpy(),
            p_late=p_late,
            p_default=p_default,
            expected_days_late=days,
            predicted_pay_date=predicted.astype("datetime64[ns]"),
            pay_date_low=low.astype("datetime64[ns]"),
            pay_date_high=high.astype("datetime64[ns]"),
            risk_band=risk_bands(p_late, band_thresholds),
            reasons=texts,
        )


def check_feature_names(names) -> None:
    """Raise ModelSignatureError when ``names`` differ from this engine's features."""
    names = tuple(names)
    if names == FEATURE_NAMES:
        return
    missing = [n for n in FEATURE_NAMES if n not in names]
    unknown = [n for n in names if n not in FEATURE_NAMES]
    parts = []
    if missing:
        parts.append(f"missing features: {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown features: {', '.join(unknown)}")
    if not parts:
        parts.append("same features in a different order")
    raise ModelSignatureError(
        "model feature list does not match this engine (" + "; ".join(parts) + ")"
    )


def load_default_model() -> RiskModel:
    """The bundled model trained on generated data (for companies with little history)."""
    return RiskModel.from_path(DEFAULT_MODEL_PATH)
