"""The prediction log: what the models answered for each invoice, as production scored it.

One row per invoice scored at its issue date (``invoice_id, snapshot_date, model``,
the answer, ``expected_date``, ``band``): the risk model's P(late)
(:func:`log_predictions`) and the time-to-payment model's P(paid within 30 days)
(:func:`log_ttp_predictions`), which :mod:`.monitoring` judges once the outcomes
are known; and the open book of a day (:func:`score_book`), its drift population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ttp_calibration import DEFAULT_TTP_BAND_THRESHOLDS


def _issued_rows(history: pd.DataFrame, start, end) -> np.ndarray:
    """Positions of the invoices issued in ``[start, end]``."""
    issued = history["invoice_date"]
    return np.flatnonzero((issued >= pd.Timestamp(start)) & (issued <= pd.Timestamp(end)))


def log_predictions(model, history: pd.DataFrame, start, end) -> tuple[pd.DataFrame, np.ndarray]:
    """Score every invoice issued in ``[start, end]`` at its issue date, as production logs it.

    Returns the prediction log (``invoice_id, snapshot_date, model, p_late,
    expected_date, band``) and the feature matrix (rows aligned with the log),
    for backfills, drills and the reference sample of :func:`.monitoring.monitor`.
    """
    from .features import _days, build_snapshot_features
    from .scoring import risk_bands

    issued = history["invoice_date"]
    rows = _issued_rows(history, start, end)
    X = build_snapshot_features(history, rows, _days(issued.iloc[rows]))
    p_late, _, days_late = model.predict(X)
    due = history["due_date"].to_numpy()[rows]
    log = pd.DataFrame(
        {
            "invoice_id": history["invoice_id"].to_numpy()[rows],
            "snapshot_date": issued.to_numpy()[rows],
            "model": model.metadata.version,
            "p_late": p_late,
            "expected_date": due + np.rint(days_late).astype("timedelta64[D]"),
            "band": risk_bands(p_late),
        }
    )
    return log, X


def log_ttp_predictions(
    model, history: pd.DataFrame, start, end, band_thresholds=DEFAULT_TTP_BAND_THRESHOLDS
) -> pd.DataFrame:
    """The time-to-payment answers of every invoice issued in ``[start, end]``, at issue.

    ``invoice_id, snapshot_date, model, p_paid_30`` (calibrated when the model
    carries its company's calibration), ``expected_date`` (the median payment
    date) and ``band`` (on P(not paid within 30 days)): the log
    :func:`realized_outcomes` judges with ``target="p_paid_30"``.
    """
    from .features import _days
    from .survival import ttp_features
    from .ttp_calibration import ttp_bands
    from .ttp_curves import survival_quantile_days

    issued = history["invoice_date"]
    rows = _issued_rows(history, start, end)
    out = model.predict(ttp_features(history, rows, _days(issued.iloc[rows])))
    p_paid_30 = out["p_paid_30d"]
    if model.calibration is not None:
        p_paid_30 = model.calibration.apply(p_paid_30)
    # an invoice is paid at the earliest the day after the snapshot, as in scoring
    days = np.maximum(np.ceil(survival_quantile_days(out["survival"], 0.5) - 1e-9), 1)
    return pd.DataFrame(
        {
            "invoice_id": history["invoice_id"].to_numpy()[rows],
            "snapshot_date": issued.to_numpy()[rows],
            "model": model.metadata.version,
            "p_paid_30": p_paid_30,
            "expected_date": issued.to_numpy()[rows] + days.astype("timedelta64[D]"),
            "band": ttp_bands(1.0 - p_paid_30, band_thresholds),
        }
    )


def score_book(model, history: pd.DataFrame, as_of) -> tuple[np.ndarray, np.ndarray]:
    """``(p_late, features)`` of the invoices open at ``as_of``, as the daily scoring sees them.

    The open book is the population to watch for drift: it is what the model
    scores every day, and a change in how customers pay shows in it (more
    overdue invoices, older balances) before the outcomes come in.
    """
    from .features import build_features

    features = build_features(history[history["invoice_date"] <= pd.Timestamp(as_of)], as_of)
    return model.predict(features.X)[0], features.X
