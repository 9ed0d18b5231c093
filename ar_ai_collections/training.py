"""Train the payment-risk models and export them as ONE ONNX graph.

Training rows are *snapshots*: an invoice seen at a date when it was still
open (its issue date, and for a sample also 30 and 60 days later), with the
features it had then (:func:`~ar_ai_collections.features.build_snapshot_features`)
and the outcome observed later. Outcomes are censored honestly at ``as_of``:

* ``late``: paid more than ``late_days`` after due; known once paid, or once
  the deadline has passed unpaid;
* ``default``: still unpaid ``horizon_days`` after due; known only for
  invoices whose ``due + horizon_days <= as_of``;
* ``days_late``: payment date minus due date, for invoices settled by ``as_of``.

Outcomes enter training only once their window has closed for the whole
cohort (due + late_days passed for ``late``; due + 60 days for ``days_late``),
so recent invoices are not kept only when they were paid early.

Heads: recency-weighted logistic regressions on standardized features (late,
default), calibrated with a Platt scaling fitted on the most recent 20% of
rows (a time-later slice), and a HistGradientBoostingRegressor (days late,
absolute error) whose number of rounds is chosen by early stopping on that
same later slice. On time splits the linear heads beat gradient boosting,
which memorizes period-specific patterns of small ledgers (see
``benchmarks/bench_engine_quality.py``). The heads are merged into a single
ONNX graph with input ``features`` and outputs ``p_late``, ``p_default``,
``days_late``; the metadata JSON rides in ``metadata_props``.

scikit-learn, skl2onnx and onnx are imported lazily, inside the functions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import __version__
from .constants import DEFAULT_HORIZON_DAYS, DEFAULT_LATE_DAYS, ONNX_ML_OPSET, ONNX_OPSET
from .features import FEATURE_NAMES, _days, build_snapshot_features, neutralize_attributes
from .scoring import INPUT_NAME, METADATA_KEY, ModelMetadata

#: Fewer labelled training rows than this: refuse to train.
MIN_TRAINING_ROWS = 50
#: Snapshot offsets (days after the issue date); beyond 0 only a sample is kept.
SNAPSHOT_OFFSETS = (0, 30, 60)
LATER_SNAPSHOT_SHARE = 0.35
#: Below this many training rows, fit single-threaded: Odoo servers run several
#: workers, and OpenMP threads that spin on busy cores cost far more than they
#: save (see benchmarks/bench_engine_speed.py).
SINGLE_THREAD_ROWS = 5_000_000
#: Cap on rows per head (random sample, for speed on very large ledgers).
MAX_TRAIN_ROWS = 600_000
DAYS_LATE_CLIP = (-60.0, 365.0)
#: Days after due before a payment delay is used as a regression target (same
#: reason as for the late label: avoid keeping only the early payers of a cohort).
DAYS_LATE_WINDOW = 60
CALIBRATION_SHARE = 0.2
#: Time constant (days) of the recency weighting of training snapshots.
RECENCY_TAU_DAYS = 120.0
#: Inverse L2 regularization of the logistic heads (features standardized).
LOGISTIC_C = 0.1
_EPS = 1e-6


class NotEnoughHistoryError(ValueError):
    """The history has too few settled invoices (or a single outcome) to train."""


@dataclass
class TrainingSet:
    """Snapshot rows with features and censored labels (NaN = unknown)."""

    X: np.ndarray
    snapshot_days: np.ndarray
    rows: np.ndarray
    late: np.ndarray
    default: np.ndarray
    days_late: np.ndarray


@dataclass
class TrainedModel:
    """An exported model, its metadata and the training report."""

    onnx_bytes: bytes
    metadata: ModelMetadata
    report: dict
    #: The fitted scikit-learn heads (for parity tests); not serialized.
    estimators: dict = field(default_factory=dict, repr=False)


def default_as_of(history: pd.DataFrame) -> pd.Timestamp:
    dates = pd.concat([history["invoice_date"], history["paid_date"].dropna()])
    return pd.Timestamp(dates.max()).normalize()


def build_training_set(
    history: pd.DataFrame,
    as_of=None,
    late_days: int = DEFAULT_LATE_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    seed: int = 0,
    offsets=SNAPSHOT_OFFSETS,
) -> TrainingSet:
    """Snapshots of invoices issued by ``as_of`` with what was known at each snapshot."""
    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    t_end = _days(np.array([as_of.to_datetime64()]))[0]
    inv = _days(history["invoice_date"])
    due = _days(history["due_date"])
    paid = _days(history["paid_date"])
    is_paid = history["paid_date"].notna().to_numpy() & (paid <= t_end)
    rng = np.random.default_rng(seed)
    rows_list, snap_list = [], []
    for off in offsets:
        snap = inv + off
        ok = (inv <= t_end) & (snap <= t_end) & (~is_paid | (paid > snap))
        if off:
            ok &= rng.random(len(inv)) < LATER_SNAPSHOT_SHARE
        idx = np.flatnonzero(ok)
        rows_list.append(idx)
        snap_list.append(snap[idx])
    rows = np.concatenate(rows_list)
    snaps = np.concatenate(snap_list)
    deadline = due[rows] + late_days
    p = paid[rows]
    settled = is_paid[rows]
    late = np.full(len(rows), np.nan)
    # An outcome is used only once its window has closed for EVERY invoice of
    # the cohort: keeping the recent invoices already paid on time (and not
    # their late siblings) would teach the model that "recent" means "on time".
    known_late = deadline < t_end
    late[known_late] = (~settled[known_late] | (p[known_late] > deadline[known_late])).astype(float)
    default = np.full(len(rows), np.nan)
    horizon = due[rows] + horizon_days
    known_def = horizon <= t_end
    default[known_def] = (~settled[known_def] | (p[known_def] > horizon[known_def])).astype(float)
    days_known = settled & (due[rows] + DAYS_LATE_WINDOW <= t_end)
    days_late = np.where(
        days_known, np.clip((p - due[rows]).astype(float), *DAYS_LATE_CLIP), np.nan
    )
    keep = known_late | known_def | days_known
    rows, snaps = rows[keep], snaps[keep]
    X = (
        build_snapshot_features(history, rows, snaps)
        if len(rows)
        else np.zeros((0, len(FEATURE_NAMES)), np.float32)
    )
    return TrainingSet(X, snaps, rows, late[keep], default[keep], days_late[keep])


# --------------------------------------------------------------------------- #
# Fitting
# --------------------------------------------------------------------------- #
def _split(days: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``mask`` rows split in time: older 80% to fit, later 20% to calibrate."""
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(days[idx], kind="stable")]
    cut = int(len(idx) * (1 - CALIBRATION_SHARE))
    return idx[:cut], idx[cut:]


def _cap(idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if len(idx) > MAX_TRAIN_ROWS:
        idx = np.sort(rng.choice(idx, MAX_TRAIN_ROWS, replace=False))
    return idx


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass
class ClassifierHead:
    """A gradient-boosted classifier followed by a Platt scaling (or a constant)."""

    model: object | None
    a: float
    b: float
    constant: float | None = None

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if self.constant is not None:
            return np.full(len(X), self.constant)
        z = _logit(self.model.predict_proba(X)[:, 1])
        return 1.0 / (1.0 + np.exp(-(self.a * z + self.b)))


@dataclass
class LinearHead:
    """A logistic regression on standardized features, then a Platt scaling.

    The standardization is folded into ``coef``/``intercept`` (raw features in),
    so the ONNX graph is one MatMul + Add + Sigmoid.
    """

    model: object
    coef: np.ndarray
    intercept: float
    a: float = 1.0
    b: float = 0.0
    constant: float | None = None

    def logit(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.coef + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * self.logit(X) + self.b)))


@dataclass
class RegressorHead:
    model: object | None
    constant: float | None = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.constant is not None:
            return np.full(len(X), self.constant)
        return self.model.predict(X)


def recency_weights(days: np.ndarray) -> np.ndarray:
    """Weights decaying with the age of each snapshot (newest = 1)."""
    if not len(days):
        return np.ones(0)
    return np.exp((days - days.max()) / RECENCY_TAU_DAYS)


def _fit_classifier(X, y, days, mask, rng, seed) -> tuple[ClassifierHead | LinearHead, np.ndarray]:
    """Recency-weighted logistic regression, Platt-calibrated on a time-later slice.

    Measured on time splits (benchmarks/bench_engine_quality.py), the linear
    model generalizes to later periods better than gradient boosting, which
    memorizes period-specific patterns of small ledgers (tenure, season).
    """
    from sklearn.linear_model import LogisticRegression

    fit_idx, cal_idx = _split(days, mask)
    fit_idx = _cap(fit_idx, rng)
    labels = y[fit_idx]
    if len(fit_idx) == 0 or labels.min() == labels.max() or len(cal_idx) == 0:
        rate = float(np.nanmean(y[mask])) if mask.any() else 0.0
        return ClassifierHead(None, 1.0, 0.0, constant=rate), cal_idx
    Xf = X[fit_idx].astype(np.float64)
    mu = Xf.mean(axis=0)
    sd = Xf.std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    clf = LogisticRegression(C=LOGISTIC_C, max_iter=2000)
    clf.fit((Xf - mu) / sd, labels.astype(int), sample_weight=recency_weights(days[fit_idx]))
    coef = clf.coef_[0] / sd
    head = LinearHead(clf, coef, float(clf.intercept_[0] - mu @ coef))
    y_cal = y[cal_idx].astype(int)
    if y_cal.min() == y_cal.max():
        return head, cal_idx
    z = head.logit(X[cal_idx]).reshape(-1, 1)
    platt = LogisticRegression(C=1e4).fit(z, y_cal)
    head.a, head.b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    return head, cal_idx


def _fit_regressor(X, y, days, mask, rng, seed) -> tuple[RegressorHead, np.ndarray]:
    from sklearn.ensemble import HistGradientBoostingRegressor

    fit_idx, val_idx = _split(days, mask)
    fit_idx = _cap(fit_idx, rng)
    if len(fit_idx) < 10:
        return RegressorHead(None, float(np.nanmean(y[mask])) if mask.any() else 0.0), val_idx
    # Boosting rounds chosen by early stopping on the time-LATER slice; leaves
    # scale with the data so small ledgers get a few coarse trees.
    reg = HistGradientBoostingRegressor(
        loss="absolute_error",
        max_iter=150,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=max(20, len(fit_idx) // 100),
        early_stopping=len(val_idx) >= 20,
        n_iter_no_change=20,
        random_state=seed,
    )
    if len(val_idx) >= 20:
        reg.fit(
            X[fit_idx],
            y[fit_idx],
            sample_weight=recency_weights(days[fit_idx]),
            X_val=X[val_idx],
            y_val=y[val_idx],
        )
    else:
        reg.fit(X[fit_idx], y[fit_idx], sample_weight=recency_weights(days[fit_idx]))
    _round_thresholds_to_float32(reg)
    return RegressorHead(reg), val_idx


def _round_thresholds_to_float32(model) -> None:
    """Round every split threshold DOWN to the nearest float32.

    scikit-learn compares float32 features with float64 thresholds; ONNX tree
    ensembles with float32 thresholds. A threshold that float32 rounds up would
    send a feature value lying between the two down the other branch in ONNX.
    For float32 inputs, ``x <= t`` and ``x <= floor32(t)`` are the same test (no
    float32 lies in between), so this changes nothing in scikit-learn and makes
    the exported graph take exactly the same branches.
    """
    for predictors in model._predictors:
        for predictor in predictors:
            thresholds = predictor.nodes["num_threshold"]
            as32 = thresholds.astype(np.float32)
            down = np.where(
                as32.astype(np.float64) > thresholds,
                np.nextafter(as32, np.float32(-np.inf)),
                as32,
            )
            predictor.nodes["num_threshold"] = down.astype(np.float64)


# --------------------------------------------------------------------------- #
# ONNX export
# --------------------------------------------------------------------------- #


def _sub_graph(estimator, prefix: str):
    """Convert ``estimator`` and prefix all its names; return the ModelProto."""
    import onnx.compose
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    options = {id(estimator): {"zipmap": False}} if hasattr(estimator, "classes_") else None
    onx = convert_sklearn(
        estimator,
        initial_types=[(INPUT_NAME, FloatTensorType([None, len(FEATURE_NAMES)]))],
        options=options,
        target_opset={"": ONNX_OPSET, "ai.onnx.ml": ONNX_ML_OPSET},
    )
    return onnx.compose.add_prefix(onx, prefix)


def _head_nodes(head, prefix: str, out_name: str):
    """Nodes and initializers computing one 1-D output from ``features``."""
    import onnx
    from onnx import TensorProto, helper

    nodes, inits = [], []

    def const(name: str, value: float):
        inits.append(helper.make_tensor(prefix + name, TensorProto.FLOAT, [], [float(value)]))
        return prefix + name

    if head.constant is not None:
        # constant head: ReduceSum(features * 0, axis 1) + c
        zero = const("zero", 0.0)
        axes = prefix + "axes"
        inits.append(helper.make_tensor(axes, TensorProto.INT64, [1], [1]))
        nodes += [
            helper.make_node("Mul", [INPUT_NAME, zero], [prefix + "z"]),
            helper.make_node("ReduceSum", [prefix + "z", axes], [prefix + "s"], keepdims=0),
            helper.make_node("Add", [prefix + "s", const("c", head.constant)], [out_name]),
        ]
        return nodes, inits
    if isinstance(head, LinearHead):
        w = prefix + "w"
        inits.append(
            helper.make_tensor(w, TensorProto.FLOAT, [len(head.coef), 1], head.coef.tolist())
        )
        shape = prefix + "shape"
        inits.append(helper.make_tensor(shape, TensorProto.INT64, [1], [-1]))
        nodes += [
            helper.make_node("MatMul", [INPUT_NAME, w], [prefix + "xw"]),
            helper.make_node("Reshape", [prefix + "xw", shape], [prefix + "xw1"]),
            helper.make_node("Mul", [prefix + "xw1", const("a", head.a)], [prefix + "axw"]),
            helper.make_node(
                "Add",
                [prefix + "axw", const("ab", head.a * head.intercept + head.b)],
                [prefix + "lin"],
            ),
            helper.make_node("Sigmoid", [prefix + "lin"], [out_name]),
        ]
        return nodes, inits
    sub = _sub_graph(head.model, prefix)
    nodes.append(helper.make_node("Identity", [INPUT_NAME], [prefix + INPUT_NAME]))
    nodes += list(sub.graph.node)
    inits += list(sub.graph.initializer)
    shape = prefix + "shape"
    inits.append(helper.make_tensor(shape, TensorProto.INT64, [1], [-1]))
    if isinstance(head, ClassifierHead):
        probs = prefix + "probabilities"
        starts, ends, axes = prefix + "st", prefix + "en", prefix + "ax"
        inits += [
            helper.make_tensor(starts, TensorProto.INT64, [1], [1]),
            helper.make_tensor(ends, TensorProto.INT64, [1], [2]),
            helper.make_tensor(axes, TensorProto.INT64, [1], [1]),
        ]
        lo, hi = const("lo", _EPS), const("hi", 1 - _EPS)
        one = const("one", 1.0)
        nodes += [
            helper.make_node("Slice", [probs, starts, ends, axes], [prefix + "p1"]),
            helper.make_node("Clip", [prefix + "p1", lo, hi], [prefix + "pc"]),
            helper.make_node("Sub", [one, prefix + "pc"], [prefix + "q"]),
            helper.make_node("Div", [prefix + "pc", prefix + "q"], [prefix + "odds"]),
            helper.make_node("Log", [prefix + "odds"], [prefix + "logit"]),
            helper.make_node("Mul", [prefix + "logit", const("a", head.a)], [prefix + "az"]),
            helper.make_node("Add", [prefix + "az", const("b", head.b)], [prefix + "lin"]),
            helper.make_node("Sigmoid", [prefix + "lin"], [prefix + "p"]),
            helper.make_node("Reshape", [prefix + "p", shape], [out_name]),
        ]
    else:
        nodes.append(helper.make_node("Reshape", [prefix + "variable", shape], [out_name]))
    del onnx
    return nodes, inits


def export_onnx(heads: dict, metadata: ModelMetadata) -> bytes:
    """One ONNX graph from the three heads, with ``metadata`` in metadata_props."""
    from onnx import TensorProto, helper

    nodes, inits = [], []
    for key, prefix, out in (
        ("late", "late_", "p_late"),
        ("default", "default_", "p_default"),
        ("days", "days_", "days_late"),
    ):
        n, i = _head_nodes(heads[key], prefix, out)
        nodes += n
        inits += i
    graph = helper.make_graph(
        nodes,
        "ar_ai_collections_risk",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, len(FEATURE_NAMES)])],
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, [None])
            for name in ("p_late", "p_default", "days_late")
        ],
        initializer=inits,
    )
    return serialize_graph(graph, METADATA_KEY, metadata.to_dict())


def serialize_graph(graph, metadata_key: str, metadata: dict) -> bytes:
    """The bytes of an engine model: ``graph`` with the engine's opsets and
    producer, ``metadata`` as JSON under ``metadata_key``, checked by onnx."""
    import onnx
    from onnx import helper

    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", ONNX_OPSET),
            helper.make_opsetid("ai.onnx.ml", ONNX_ML_OPSET),
        ],
        producer_name="ar_ai_collections",
        producer_version=__version__,
    )
    model.ir_version = 8
    helper.set_model_props(model, {metadata_key: json.dumps(metadata, default=str)})
    onnx.checker.check_model(model)
    return model.SerializeToString()


# --------------------------------------------------------------------------- #
# Metrics (numpy only; shared with evaluation)
# --------------------------------------------------------------------------- #
def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (ties handled by mid-ranks); NaN if one class."""
    y = np.asarray(y, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(score, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pr_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    hits = y[order]
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / hits.sum())


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2)) if len(y) else 0.0


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 0, 1)
    if not len(y):
        return 0.0
    idx = np.minimum((p * bins).astype(int), bins - 1)
    count = np.bincount(idx, minlength=bins)
    gap = np.abs(np.bincount(idx, p, bins) - np.bincount(idx, y, bins))
    return float(gap.sum() / max(count.sum(), 1))


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #
def fit_heads(
    ts: TrainingSet, seed: int = 0, progress: Callable[[str], None] | None = None
) -> tuple[dict, dict]:
    """Fit the three heads on a training set; return (heads, validation metrics)."""
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    # OpenMP/BLAS threads only spin and contend on a busy machine (measured 50x
    # slower for 20k invoices on a loaded 2-core box); huge sets keep every core.
    with threadpool_limits(limits=1 if len(ts.X) < SINGLE_THREAD_ROWS else None):
        return _fit_heads(ts, seed, progress)


def _fit_heads(ts: TrainingSet, seed: int, progress) -> tuple[dict, dict]:
    say = progress or (lambda _msg: None)
    rng = np.random.default_rng(seed)
    X, days = ts.X, ts.snapshot_days
    say(f"fitting late-payment classifier on {int(np.isfinite(ts.late).sum())} rows")
    late, late_val = _fit_classifier(X, ts.late, days, np.isfinite(ts.late), rng, seed)
    say(f"fitting default classifier on {int(np.isfinite(ts.default).sum())} rows")
    default, _ = _fit_classifier(X, ts.default, days, np.isfinite(ts.default), rng, seed)
    say(f"fitting days-late regressor on {int(np.isfinite(ts.days_late).sum())} rows")
    reg, reg_val = _fit_regressor(X, ts.days_late, days, np.isfinite(ts.days_late), rng, seed)
    heads = {"late": late, "default": default, "days": reg}
    metrics: dict = {"n_validation": len(late_val)}
    if len(late_val):
        y = ts.late[late_val].astype(bool)
        p = late.predict_proba(X[late_val])
        base = X[late_val, FEATURE_NAMES.index("share_late")]
        metrics.update(
            auc=roc_auc(y, p),
            baseline_auc=roc_auc(y, base),
            pr_auc=pr_auc(y, p),
            brier=brier(y, p),
            ece=ece(y, p),
            late_rate=float(y.mean()),
        )
    if len(reg_val):
        y = ts.days_late[reg_val]
        pred = reg.predict(X[reg_val])
        base = X[reg_val, FEATURE_NAMES.index("mean_days_late_last12")]
        metrics.update(
            mae_days=float(np.mean(np.abs(pred - y))),
            baseline_mae_days=float(np.mean(np.abs(base - y))),
        )
    return heads, {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in metrics.items()
    }


def train_model(
    history: pd.DataFrame,
    as_of=None,
    late_days: int = DEFAULT_LATE_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    version: str | None = None,
    progress: Callable[[str], None] | None = None,
    seed: int = 0,
    excluded_attributes: tuple[str, ...] = (),
) -> TrainedModel:
    """Train on what ``history`` knew at ``as_of`` (default: its last date) and export.

    ``excluded_attributes`` (keys of :data:`~.features.ATTRIBUTE_FEATURES`) are
    kept out of the model: their input columns are neutralized in training and,
    from the metadata, in every scoring.

    :raise NotEnoughHistoryError: too few labelled rows, or a single outcome.
    """
    say = progress or (lambda _msg: None)
    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    say(f"building training snapshots as of {as_of.date()} from {len(history)} invoices")
    excluded_attributes = tuple(sorted(set(excluded_attributes)))
    ts = build_training_set(history, as_of, late_days, horizon_days, seed=seed)
    ts.X = neutralize_attributes(ts.X, FEATURE_NAMES, excluded_attributes)
    n_late = int(np.isfinite(ts.late).sum())
    if n_late < MIN_TRAINING_ROWS:
        raise NotEnoughHistoryError(
            f"not enough history to train: {n_late} invoices with a known outcome at "
            f"{as_of.date()}, at least {MIN_TRAINING_ROWS} needed"
        )
    known = ts.late[np.isfinite(ts.late)]
    if known.min() == known.max():
        raise NotEnoughHistoryError(
            "not enough history to train: every invoice has the same outcome "
            f"({'late' if known[0] else 'on time'})"
        )
    heads, metrics = fit_heads(ts, seed=seed, progress=say)
    inv_dates = history["invoice_date"].iloc[ts.rows]
    reference = np.median(ts.X[np.isfinite(ts.late)], axis=0)
    metadata = ModelMetadata(
        version=version or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S"),
        engine_version=__version__,
        feature_names=FEATURE_NAMES,
        trained_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        train_start=str(inv_dates.min().date()) if len(inv_dates) else None,
        train_end=str(as_of.date()),
        n_rows=len(ts.rows),
        late_days=int(late_days),
        horizon_days=int(horizon_days),
        metrics=metrics,
        reference_values=tuple(round(float(v), 6) for v in reference),
        excluded_attributes=excluded_attributes,
    )
    say("exporting to ONNX")
    onnx_bytes = export_onnx(heads, metadata)
    report = {"metadata": metadata.to_dict(), "metrics": metrics}
    say("done: " + ", ".join(f"{k}={v:.3f}" for k, v in metrics.items() if isinstance(v, float)))
    return TrainedModel(onnx_bytes, metadata, report, estimators=heads)


def predict_sklearn(heads: dict, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the exported graph computes, with scikit-learn (for parity checks)."""
    X = np.asarray(X, dtype=np.float32)
    return (
        heads["late"].predict_proba(X),
        heads["default"].predict_proba(X),
        heads["days"].predict(X),
    )
