"""The time-to-payment model: training, loading and scoring.

The method (snapshots, features, the weekly hazard) is in
:mod:`~ar_ai_collections.survival`, the model file's metadata and ONNX graph in
:mod:`~ar_ai_collections.ttp_onnx`, the answers read off weekly curves in
:mod:`~ar_ai_collections.ttp_curves`, bands and per-company calibration in
:mod:`~ar_ai_collections.ttp_calibration`. This module trains and exports in one
call (:func:`train_ttp_model`), loads a model through the model guard
(:class:`TTPModel`, onnxruntime only), scores open invoices with the model's own
reasons (:func:`~ar_ai_collections.reasons.explain_ttp`), and gives the columns
the ``score`` command adds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .features import _days, neutralize_attributes
from .reasons import explain_ttp
from .scoring import ModelSignatureError
from .survival import (
    DEFAULT_KIND,
    DEFAULT_TTP_MODEL_PATH,
    GBM_MAX_ROUNDS,
    HORIZON_WEEKS,
    INPUT_NAME,
    MAX_PERIOD_ROWS,
    METADATA_KEY,
    OUTPUT_NAMES,
    PAID_WITHIN_DAYS,
    TTP_FEATURE_NAMES,
    HazardHead,
    TTPModelError,
    build_snapshots,
    fit_hazard,
    person_periods,
    ttp_features,
)
from .ttp_calibration import Calibration
from .ttp_curves import summarize_curve
from .ttp_onnx import TTPMetadata, export_ttp_onnx, short_horizon_graph

#: Graph rows (invoices x weekly rows) per ONNX call. The graph expands each
#: invoice to its weeks, about 28 KB of working memory per invoice over 52 weeks:
#: 550,000 invoices at once (a year of monitoring at 1M invoices) took 15 GB.
PREDICT_GRAPH_ROWS = 1_000_000


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
    excluded_attributes: tuple[str, ...] = (),
) -> TrainedTTPModel:
    """Train the weekly hazard on what ``history`` knew at ``as_of`` and export it.

    ``excluded_attributes`` are kept out of the model as in
    :func:`~.training.train_model`. Deterministic for a given history, ``seed``
    and ``trained_at`` (a fixed ``trained_at`` makes the ONNX bytes reproducible).

    :raise NotEnoughHistoryError: fewer than 50 payments observed in the
        snapshots, or no snapshot left unpaid a week.
    """
    from .training import MIN_TRAINING_ROWS, NotEnoughHistoryError, default_as_of

    say = progress or (lambda _msg: None)
    as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of).normalize()
    snaps = build_snapshots(history, as_of, max_rows=max_period_rows, seed=seed)
    say(f"{len(snaps.rows)} weekly snapshots of open invoices up to {as_of.date()}")
    excluded_attributes = tuple(sorted(set(excluded_attributes)))
    X_snap = neutralize_attributes(
        ttp_features(history, snaps.rows, snaps.snapshot_days),
        TTP_FEATURE_NAMES,
        excluded_attributes,
    )
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
        excluded_attributes=excluded_attributes,
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
        X = self._model_input(X)
        if not len(X):
            return np.zeros(0)
        (p,) = self._p30_session.run(["p_paid_30d"], {INPUT_NAME: X})
        return np.asarray(p, dtype=np.float64)

    def _model_input(self, X: np.ndarray) -> np.ndarray:
        """``X`` as float32 with the model's excluded attributes neutralized."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2:
            return X
        return neutralize_attributes(
            X, self.metadata.feature_names, self.metadata.excluded_attributes
        )

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
        X = self._model_input(X)
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
        session = self._session_for(len(X))
        step = max(1, PREDICT_GRAPH_ROWS // K)
        chunks = [
            session.run(list(OUTPUT_NAMES), {INPUT_NAME: X[start : start + step]})
            for start in range(0, len(X), step)
        ]
        return {
            n: np.concatenate([np.asarray(chunk[i], dtype=np.float64) for chunk in chunks])
            for i, n in enumerate(OUTPUT_NAMES)
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


def load_default_ttp_model() -> TTPModel:
    """The bundled time-to-payment model trained on generated data."""
    return TTPModel.from_path(DEFAULT_TTP_MODEL_PATH)


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
