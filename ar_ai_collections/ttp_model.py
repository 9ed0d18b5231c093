"""The time-to-payment model file: ONNX export, training, loading and scoring.

The method (snapshots, features, the weekly hazard) is in
:mod:`~ar_ai_collections.survival`; this module turns a fitted hazard into one
ONNX graph (:func:`export_ttp_onnx`), trains and exports in one call
(:func:`train_ttp_model`), loads a model through the model guard
(:class:`TTPModel`, onnxruntime only) and reads the answers off the weekly
curves: dates and their interval (:func:`summarize_curve`), the model's own
reasons (:func:`~ar_ai_collections.reasons.explain_ttp`), bands and per-company calibration, and the
columns the ``score`` command adds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .constants import ONNX_ML_OPSET, ONNX_OPSET
from .features import _days
from .reasons import explain_ttp
from .scoring import ModelSignatureError
from .survival import (
    DATE_QUANTILES,
    DEFAULT_AFTER_DUE_DAYS,
    DEFAULT_KIND,
    DEFAULT_TTP_MODEL_PATH,
    GBM_MAX_ROUNDS,
    HAZARD_EPS,
    HORIZON_WEEKS,
    INPUT_NAME,
    MAX_DAYS_AHEAD,
    MAX_PERIOD_ROWS,
    METADATA_KEY,
    OUTPUT_NAMES,
    PAID_WITHIN_DAYS,
    TRAIN_WEEKS,
    TTP_FEATURE_NAMES,
    WEEK_DAYS,
    HazardHead,
    TTPModelError,
    build_snapshots,
    fit_hazard,
    horizon_weights,
    person_periods,
    ttp_features,
)


# --------------------------------------------------------------------------- #
# ONNX export
# --------------------------------------------------------------------------- #
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

    def to_dict(self) -> dict:
        data = asdict(self)
        data["feature_names"] = list(self.feature_names)
        data["reference_values"] = list(self.reference_values)
        return data

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


@dataclass
class TrainedTTPModel:
    """An exported time-to-payment model and its fitted head (head not serialized)."""

    onnx_bytes: bytes
    metadata: TTPMetadata
    head: HazardHead = field(repr=False)


def train_ttp_model(
    history: pd.DataFrame,
    as_of=None,
    kind: str = DEFAULT_KIND,
    version: str | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    trained_at: str | None = None,
    max_period_rows: int = MAX_PERIOD_ROWS,
    max_rounds: int = GBM_MAX_ROUNDS,
) -> TrainedTTPModel:
    """Train the weekly hazard on what ``history`` knew at ``as_of`` and export it.

    Deterministic for a given history, ``seed`` and ``trained_at`` (a fixed
    ``trained_at`` makes the ONNX bytes reproducible).

    :raise NotEnoughHistoryError: fewer than 50 payments observed in the
        snapshots, or no snapshot left unpaid a week.
    """
    from .training import MIN_TRAINING_ROWS, NotEnoughHistoryError, default_as_of

    say = progress or (lambda _msg: None)
    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    snaps = build_snapshots(history, as_of, max_rows=max_period_rows, seed=seed)
    say(f"{len(snaps.rows)} weekly snapshots of open invoices up to {as_of.date()}")
    X_snap = ttp_features(history, snaps.rows, snaps.snapshot_days)
    periods = person_periods(X_snap, snaps)
    n_events = int(periods.y.sum())
    if n_events < MIN_TRAINING_ROWS or n_events == len(periods.y):
        raise NotEnoughHistoryError(
            f"not enough history to train a time-to-payment model at {as_of.date()}: "
            f"{n_events} payments in {len(periods.y)} invoice-weeks "
            f"(at least {MIN_TRAINING_ROWS} payments and some unpaid weeks needed)"
        )
    say(f"fitting the weekly hazard ({kind}) on {len(periods.y)} invoice-weeks")
    head = fit_hazard(periods, kind=kind, seed=seed, max_rounds=max_rounds)
    metadata = TTPMetadata(
        version=version or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S"),
        engine_version=__version__,
        kind=kind,
        feature_names=TTP_FEATURE_NAMES,
        horizon_weeks=HORIZON_WEEKS,
        trained_at=trained_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        train_end=str(as_of.date()),
        n_snapshots=len(snaps.rows),
        n_periods=len(periods.y),
        reference_values=tuple(round(float(v), 6) for v in np.median(X_snap, axis=0)),
        metrics={"weekly_payment_rate": round(float(periods.y.mean()), 6)},
    )
    return TrainedTTPModel(export_ttp_onnx(head, metadata), metadata, head)


# --------------------------------------------------------------------------- #
# Scoring (onnxruntime only)
# --------------------------------------------------------------------------- #
@dataclass
class TTPScores:
    """Time-to-payment of the invoices open on ``as_of`` (arrays aligned).

    ``predicted_pay_date`` is the median of the payment-date distribution,
    ``pay_date_low``/``pay_date_high`` its 10th and 90th percentiles; all three
    are after ``as_of`` (an open invoice is paid at the earliest the next day)
    and at most :data:`MAX_DAYS_AHEAD` days later. ``expected_days_late`` is
    ``predicted_pay_date - due_date`` in days. ``survival[:, k]`` is the
    probability of being still unpaid ``7 (k + 1)`` days after ``as_of``.
    """

    as_of: pd.Timestamp
    frame: pd.DataFrame
    survival: np.ndarray
    X: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


class TTPModel:
    """A validated ONNX time-to-payment model, ready to score."""

    def __init__(self, session, metadata: TTPMetadata, onnx_bytes: bytes):
        self._session = session
        self._bulk_session = None
        self._p30_session = None
        self.metadata = metadata
        self.onnx_bytes = onnx_bytes
        #: The company's :class:`Calibration` of P(paid within 30 days), applied by
        #: :meth:`score_rows` (None: the graph's probabilities as they are).
        self.calibration: Calibration | None = None

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> TTPModel:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise TTPModelError(f"cannot read model file {path}: {error}") from error
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes, max_bytes: int | None = None) -> TTPModel:
        """Load a model after :mod:`.model_guard` accepted it (size ``max_bytes``)."""
        from . import model_guard
        from .scoring import _session

        if not data:
            raise TTPModelError("not a valid ONNX file: it is empty")
        max_bytes = model_guard.DEFAULT_MAX_MODEL_BYTES if max_bytes is None else max_bytes
        try:
            model_guard.check_model_bytes(data, max_bytes, INPUT_NAME, OUTPUT_NAMES)
        except ModelSignatureError as error:
            raise TTPModelError(f"not a usable time-to-payment model: {error}") from error
        try:
            session = _session(bytes(data), threads=1)
        except Exception as error:
            raise TTPModelError(f"not a valid ONNX file ({error})") from error
        props = session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in props:
            raise TTPModelError(
                f"not an AI Collections time-to-payment model: no '{METADATA_KEY}' metadata"
            )
        try:
            metadata = TTPMetadata.from_dict(json.loads(props[METADATA_KEY]))
        except (ValueError, AttributeError) as error:
            raise TTPModelError(f"model metadata is not valid JSON: {error}") from error
        if metadata.feature_names != TTP_FEATURE_NAMES:
            raise TTPModelError(
                "model feature list does not match this engine's time-to-payment features"
            )
        outputs = {o.name for o in session.get_outputs()}
        missing = [o for o in OUTPUT_NAMES if o not in outputs]
        if missing:
            raise TTPModelError(f"model outputs lack {missing}")
        model = cls(session, metadata, bytes(data))
        model._check_trial_prediction()
        return model

    def _check_trial_prediction(self) -> None:
        """Refuse a model whose probe-batch curves are not probabilities."""
        from . import model_guard

        probe = model_guard.probe_batch(self.metadata.reference_values, len(TTP_FEATURE_NAMES))
        try:
            out = self.predict(probe)
        except Exception as error:
            raise TTPModelError(f"the trial prediction failed ({error})") from error
        paid_within = [f"p_paid_{days}d" for days in PAID_WITHIN_DAYS]
        curves = ("survival", "hazard")
        try:
            model_guard.check_trial_outputs(out, len(probe), dict.fromkeys(paid_within, (0.0, 1.0)))
            model_guard.check_trial_outputs(
                out, len(probe), dict.fromkeys(curves, (0.0, 1.0)), self.metadata.horizon_weeks
            )
        except ModelSignatureError as error:
            raise TTPModelError(str(error)) from error
        cumulative = np.stack([out[name] for name in paid_within])
        if (np.diff(cumulative, axis=0) < -1e-6).any():
            raise TTPModelError("the trial prediction gave P(paid) decreasing with the horizon")

    def predict_paid_within_30d(self, X: np.ndarray) -> np.ndarray:
        """P(paid within 30 days) (float64, N), as :meth:`predict` gives it, faster.

        Runs a copy of the graph cut to the weeks the 30-day horizon reads
        (:func:`short_horizon_graph`): the hazards of the first weeks do not
        depend on the later ones, so the answer is the same for a tenth of the
        work. Without the ``onnx`` package the full graph answers.
        """
        if self._p30_session is None:
            try:
                data = short_horizon_graph(self.onnx_bytes, PAID_WITHIN_DAYS.index(30))
            except ImportError:
                data = self.onnx_bytes
            from .scoring import BULK_THREADS, _session

            # reasons send hundreds of thousands of rows at once: use the cores
            self._p30_session = _session(data, threads=BULK_THREADS)
        X = np.ascontiguousarray(X, dtype=np.float32)
        if not len(X):
            return np.zeros(0)
        (p,) = self._p30_session.run(["p_paid_30d"], {INPUT_NAME: X})
        return np.asarray(p, dtype=np.float64)

    def _session_for(self, rows: int):
        """The one-thread session, or from ``BULK_ROWS`` invoices (each K weekly
        rows in the graph) one using every core, as the risk model does."""
        from .scoring import BULK_ROWS, BULK_THREADS, _session

        if rows * self.metadata.horizon_weeks < BULK_ROWS or BULK_THREADS < 2:
            return self._session
        if self._bulk_session is None:
            self._bulk_session = _session(self.onnx_bytes, threads=BULK_THREADS)
        return self._bulk_session

    def predict(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Graph outputs (float64): ``p_paid_7d/30d/90d`` (N), ``survival``, ``hazard`` (N x K)."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != len(TTP_FEATURE_NAMES):
            raise ValueError(
                f"expected a 2-D array with {len(TTP_FEATURE_NAMES)} columns, got {X.shape}"
            )
        K = self.metadata.horizon_weeks
        if not len(X):
            return {
                n: np.zeros((0, K)) if n in ("survival", "hazard") else np.zeros(0)
                for n in OUTPUT_NAMES
            }
        values = self._session_for(len(X)).run(list(OUTPUT_NAMES), {INPUT_NAME: X})
        return {
            n: np.asarray(v, dtype=np.float64) for n, v in zip(OUTPUT_NAMES, values, strict=True)
        }

    def score_rows(
        self, history: pd.DataFrame, rows: np.ndarray, as_of, reasons: bool = False
    ) -> TTPScores:
        """Score ``history`` rows (positions of invoices open on ``as_of``)."""
        as_of = pd.Timestamp(as_of).normalize()
        rows = np.asarray(rows, dtype=np.int64)
        t = np.full(len(rows), _days(np.array([as_of.to_datetime64()]))[0], dtype=np.int64)
        X = (
            ttp_features(history, rows, t)
            if len(rows)
            else np.zeros((0, len(TTP_FEATURE_NAMES)), np.float32)
        )
        out = self.predict(X)
        if self.calibration is not None:
            # 7 <= 30 <= 90 days stays true around the calibrated 30-day figure
            p30 = self.calibration.apply(out["p_paid_30d"])
            out["p_paid_7d"] = np.minimum(out["p_paid_7d"], p30)
            out["p_paid_90d"] = np.maximum(out["p_paid_90d"], p30)
            out["p_paid_30d"] = p30
        due = history["due_date"].to_numpy(dtype="datetime64[ns]")[rows].astype("datetime64[D]")
        frame = history.iloc[rows][
            ["invoice_id", "customer_id", "due_date", "amount", "currency"]
        ].reset_index(drop=True)
        derived = summarize_curve(out["survival"], due, as_of)
        for days in PAID_WITHIN_DAYS:
            frame[f"p_paid_{days}d"] = out[f"p_paid_{days}d"]
        for key, value in derived.items():
            frame[key] = value
        if reasons and len(rows):
            frame["reasons"] = ["; ".join(r) for r in explain_ttp(self, X)]
        return TTPScores(as_of, frame, out["survival"], X)

    def score(self, history: pd.DataFrame, as_of, reasons: bool = False) -> TTPScores:
        """Score every invoice open on ``as_of`` (overdue ones included)."""
        from .features import open_mask

        return self.score_rows(history, np.flatnonzero(open_mask(history, as_of)), as_of, reasons)


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


def load_default_ttp_model() -> TTPModel:
    """The bundled time-to-payment model trained on generated data."""
    return TTPModel.from_path(DEFAULT_TTP_MODEL_PATH)


def survival_days(survival: np.ndarray, days: np.ndarray) -> np.ndarray:
    """P(unpaid ``days`` after the scoring day) read off weekly curves (N x K).

    Log-survival is linear inside a week (constant hazard); beyond the curve
    the last week's hazard continues. ``days <= 0`` gives 1.
    """
    S = np.clip(np.asarray(survival, dtype=np.float64), 1e-300, 1.0)
    n, K = S.shape
    logS = np.concatenate([np.zeros((n, 1)), np.log(S)], axis=1)  # logS[:, k] at 7k days
    d = np.clip(np.asarray(days, dtype=np.float64), 0.0, None)
    k = np.minimum((d // WEEK_DAYS).astype(np.int64), K - 1)
    frac = (d - WEEK_DAYS * k) / WEEK_DAYS
    r = np.arange(n)
    step = logS[r, k + 1] - logS[r, k]
    return np.exp(logS[r, k] + frac * step)


def survival_quantile_days(survival: np.ndarray, q: float) -> np.ndarray:
    """Days after the scoring day by which the invoice is paid with probability ``q``.

    Continuous (log-linear inside a week), beyond the curve the last week's
    hazard continues; capped at :data:`MAX_DAYS_AHEAD`.
    """
    S = np.clip(np.asarray(survival, dtype=np.float64), 1e-300, 1.0)
    n, K = S.shape
    if not n:
        return np.zeros(0)
    logS = np.concatenate([np.zeros((n, 1)), np.log(S)], axis=1)
    target = np.log1p(-q)
    below = logS <= target
    crossed = below.any(axis=1)
    k = np.where(crossed, below.argmax(axis=1), K)  # first index with logS <= target
    r = np.arange(n)
    prev = logS[r, np.maximum(k - 1, 0)]
    cur = logS[r, np.minimum(k, K)]
    within = np.where(cur < prev, (prev - target) / np.where(cur < prev, prev - cur, 1.0), 1.0)
    days_in = WEEK_DAYS * (np.maximum(k - 1, 0) + np.clip(within, 0.0, 1.0))
    last_logq = logS[:, K] - logS[:, K - 1]
    tail = WEEK_DAYS * K + WEEK_DAYS * (target - logS[:, K]) / np.minimum(last_logq, -1e-12)
    return np.minimum(np.where(crossed, days_in, tail), MAX_DAYS_AHEAD)


def summarize_curve(survival: np.ndarray, due: np.ndarray, as_of) -> dict[str, np.ndarray]:
    """Dates, days late and P(default) of each curve scored on ``as_of``.

    Dates are ``as_of`` + ceil(quantile days), at least one day after ``as_of``.
    """
    as_day = np.datetime64(pd.Timestamp(as_of).date(), "D")
    due = np.asarray(due, dtype="datetime64[D]")
    out: dict[str, np.ndarray] = {}
    names = ("pay_date_low", "predicted_pay_date", "pay_date_high")
    for name, q in zip(names, DATE_QUANTILES, strict=True):
        days = np.maximum(np.ceil(survival_quantile_days(survival, q) - 1e-9), 1).astype(np.int64)
        out[name] = (as_day + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    out["expected_days_late"] = (
        (out["predicted_pay_date"].astype("datetime64[D]") - due).astype(np.int64).astype(float)
    )
    to_default = (due + np.timedelta64(DEFAULT_AFTER_DUE_DAYS, "D") - as_day).astype(np.int64)
    out["p_default"] = np.where(
        to_default <= 0, 1.0, survival_days(survival, to_default) if len(due) else 0.0
    )
    return out


# --------------------------------------------------------------------------- #
# Bands and per-company calibration
# --------------------------------------------------------------------------- #
#: Lower bounds (%) of P(not paid within 30 days) for medium, high, critical.
DEFAULT_TTP_BAND_THRESHOLDS = (35.0, 60.0, 85.0)


def ttp_bands(p_not_paid_30d: np.ndarray, thresholds=DEFAULT_TTP_BAND_THRESHOLDS) -> np.ndarray:
    """Risk band of each invoice from P(not paid within 30 days).

    A probability, not an expected loss (amount x probability): the band says
    how the invoice behaves, whatever its size; ranking by money at stake is
    the worklist's job (it multiplies by the amount), and a band that moved
    with the amount would put every small invoice of a defaulting customer in
    "low". Same band names and threshold convention as the risk model.
    """
    from .scoring import risk_bands

    return risk_bands(p_not_paid_30d, thresholds)


@dataclass(frozen=True)
class Calibration:
    """A monotone map from a raw probability to a calibrated one.

    Stored as knots (``x`` ascending, ``y`` non-decreasing) applied with linear
    interpolation, so it needs numpy only and fits in a settings field as JSON.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    n: int

    def apply(self, p: np.ndarray) -> np.ndarray:
        if len(self.x) < 2:
            return np.asarray(p, dtype=np.float64)
        return np.interp(np.asarray(p, dtype=np.float64), self.x, self.y)

    def to_json(self) -> str:
        return json.dumps({"x": list(self.x), "y": list(self.y), "n": self.n})

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        return cls(tuple(data["x"]), tuple(data["y"]), int(data.get("n", 0)))


#: Knots of a stored calibration: a grid of log-odds (the map is smooth in them).
_CALIBRATION_LOGITS = np.linspace(-12.0, 12.0, 97)
#: Steepest calibration slope on the log-odds: a calibration shifts the model's
#: log-odds and may flatten them, never sharpens them (see fit_calibration).
MAX_CALIBRATION_SLOPE = 1.0


def _intercept_for_slope(z: np.ndarray, y: np.ndarray, slope: float) -> float:
    """Intercept ``b`` with mean(sigmoid(slope z + b)) = mean(y) (Newton, 0 < mean(y) < 1)."""
    b = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(slope * z + b)))
        step = float((y - p).sum() / max((p * (1 - p)).sum(), 1e-12))
        b += step
        if abs(step) < 1e-10:
            break
    return b


def fit_calibration(p: np.ndarray, y: np.ndarray, min_rows: int = 100) -> Calibration:
    """Calibration of probabilities ``p`` against outcomes ``y`` (0/1).

    Logistic on the log-odds (``sigmoid(a logit(p) + b)``, Platt scaling),
    stored as knots on a log-odds grid. Strictly increasing, unlike an isotonic
    map: isotonic steps gave 30 of the demo's 129 open invoices the very same
    P(paid within 30 days), and two parameters need far fewer outcomes than a
    step function. Fewer than ``min_rows`` outcomes, a single class or a fit
    that would reverse the order: the identity.

    The slope is at most :data:`MAX_CALIBRATION_SLOPE` (then the intercept is
    refitted so that the mean probability still matches the outcomes): a slope
    above 1 sharpens every log-odds, fitted where the outcomes are (the middle
    of the scale) and extrapolated to the tail; on the demo (slope 1.71) it
    turned the model's 0.1% into 0.0006%, figures a few thousand outcomes cannot
    tell apart, and 15% of the open invoices showed P(paid in 30 days) 0.00.
    Capped, the hopeless invoices keep the model's order and distinct figures
    (on the engine's copy of the demo ledger 3.2%, 4 of 125, share one: 0.09%),
    and the calibration still corrects the level.
    """
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    identity = Calibration((0.0, 1.0), (0.0, 1.0), len(p))
    if len(p) < min_rows or y.min(initial=0) == y.max(initial=0):
        return identity
    from sklearn.linear_model import LogisticRegression

    z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1 - 1e-6)).reshape(-1, 1)
    fit = LogisticRegression(C=1e6).fit(z, y.astype(int))
    slope, intercept = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    if slope <= 0:
        return identity
    if slope > MAX_CALIBRATION_SLOPE:
        slope = MAX_CALIBRATION_SLOPE
        intercept = _intercept_for_slope(z[:, 0], y, slope)
    x = 1.0 / (1.0 + np.exp(-_CALIBRATION_LOGITS))
    mapped = 1.0 / (1.0 + np.exp(-(slope * _CALIBRATION_LOGITS + intercept)))
    return Calibration(
        (0.0, *(float(v) for v in x), 1.0), (0.0, *(float(v) for v in mapped), 1.0), len(p)
    )


def calibrate_company(
    model: TTPModel,
    history: pd.DataFrame,
    as_of=None,
    window_days: int = 180,
    step_days: int = 14,
) -> Calibration:
    """Calibrate P(paid within 30 days) on the company's latest window.

    Scores every invoice open on each date ``as_of - 30 - step, ...`` back
    ``window_days`` (every outcome 30 days later is known by ``as_of``) and fits
    a logistic map (:func:`fit_calibration`) from the model's P(paid within 30
    days) to the observed frequency. Apply it to ``p_paid_30d`` (and to ``1 - p`` for the bands).
    """
    from .features import open_mask
    from .training import default_as_of

    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    last = as_of - pd.Timedelta(days=30)
    p_all, y_all = [], []
    paid = history["paid_date"]
    for k in range(window_days // step_days):
        cut = last - pd.Timedelta(days=step_days * k)
        rows = np.flatnonzero(open_mask(history, cut))
        if not len(rows):
            continue
        scores = model.score_rows(history, rows, cut)
        p_all.append(scores.frame["p_paid_30d"].to_numpy())
        settle = paid.iloc[rows]
        y_all.append((settle.notna() & (settle <= cut + pd.Timedelta(days=30))).to_numpy())
    if not p_all:
        return Calibration((0.0, 1.0), (0.0, 1.0), 0)
    return fit_calibration(np.concatenate(p_all), np.concatenate(y_all).astype(float))


# --------------------------------------------------------------------------- #
# The score export
# --------------------------------------------------------------------------- #
#: Columns the time-to-payment model adds to a score export.
TTP_SCORE_COLUMNS = ("p_paid_7d", "p_paid_30d", "p_paid_90d")
#: Columns of a score export it replaces (dates after the scoring day, days late
#: consistent with the predicted date).
TTP_REPLACED_COLUMNS = ("expected_days_late", "predicted_pay_date", "pay_date_low", "pay_date_high")


def merge_time_to_payment(
    scores: pd.DataFrame, history: pd.DataFrame, as_of, model: TTPModel | None = None
) -> pd.DataFrame:
    """The risk scores of the invoices open on ``as_of`` with time-to-payment columns.

    Adds :data:`TTP_SCORE_COLUMNS` and takes :data:`TTP_REPLACED_COLUMNS` from
    the time-to-payment model, matched on ``invoice_id``.
    """
    model = model or load_default_ttp_model()
    ttp = model.score(history, as_of).frame.set_index("invoice_id")
    out = scores.copy()
    keys = out["invoice_id"]
    for col in (*TTP_SCORE_COLUMNS, *TTP_REPLACED_COLUMNS):
        out[col] = ttp[col].reindex(keys).to_numpy()
    return out
