"""The prediction log: what the models answered for each invoice at its issue date.

One row per invoice (``invoice_id, snapshot_date, model``, the answer,
``expected_date``, ``band``): the risk model's P(late) (:func:`log_predictions`)
and the time-to-payment model's P(paid within 30 days)
(:func:`log_ttp_predictions`), which :mod:`.monitoring` judges once the outcomes
are known; and the open book of a day (:func:`score_book`), its drift population.

Those functions *reconstruct* the answers: today's model re-scores each invoice
as of its issue date, which is all there is for invoices issued before a
scoring run logged them. Where production did log its answer (the Odoo addon
keeps every scoring run's snapshot), :func:`judged_log` puts that answer, from
the model that gave it, in place of the reconstruction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ttp_calibration import DEFAULT_TTP_BAND_THRESHOLDS

#: A logged answer stands for the answer at issue when it was given at most this
#: many days after the invoice date: invoices are often entered a few days after
#: their date, and the nightly scoring sees them the next day.
ISSUE_LAG_DAYS = 7
#: Columns of a scoring runs' log, as :func:`judged_log` reads it.
LOGGED_COLUMNS = (
    "invoice_id",
    "snapshot_date",
    "risk_model",
    "ttp_model",
    "p_late",
    "p_paid_30",
    "expected_date",
    "band",
)


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


def judged_log(
    reconstructed: pd.DataFrame,
    logged: pd.DataFrame | None,
    history: pd.DataFrame,
    target: str = "p_late",
    max_lag_days: int = ISSUE_LAG_DAYS,
) -> pd.DataFrame:
    """The answers at issue a monitoring run judges: production's own where it logged them.

    ``reconstructed`` is :func:`log_predictions` (``target="p_late"``) or
    :func:`log_ttp_predictions` (``"p_paid_30"``); ``logged`` holds the scoring
    runs' answers (:data:`LOGGED_COLUMNS`, probabilities in [0, 1]). An invoice's
    first logged answer replaces its reconstructed row when it was given within
    ``max_lag_days`` of the invoice date; later first answers (invoices issued
    before logging began) are not answers at issue and are left out. The model is
    the one that answered (``risk_model`` or ``ttp_model``); the band is the
    risk model's on ``p_late`` (as :func:`log_predictions` bands it) and the
    logged invoice band for ``p_paid_30``. Adds ``logged`` (bool).
    """
    from .scoring import risk_bands

    if target not in ("p_late", "p_paid_30"):
        raise ValueError(f"unknown target {target!r} (p_late or p_paid_30)")
    judged = reconstructed.assign(logged=False)
    if logged is None or logged.empty:
        return judged
    missing = set(LOGGED_COLUMNS) - set(logged.columns)
    if missing:
        raise ValueError(f"prediction log without column(s) {sorted(missing)}")
    first = logged.assign(
        # ids as text, like the canonical history's (an ERP's log may hold numbers)
        invoice_id=logged["invoice_id"].astype(str),
        snapshot_date=pd.to_datetime(logged["snapshot_date"]),
    )
    first = first.sort_values("snapshot_date", kind="stable").drop_duplicates("invoice_id")
    first = first[first["invoice_id"].isin(judged["invoice_id"])]
    issued = history.set_index("invoice_id")["invoice_date"].reindex(first["invoice_id"])
    lag = first["snapshot_date"].to_numpy() - issued.to_numpy()
    at_issue = (lag >= np.timedelta64(0, "D")) & (lag <= np.timedelta64(max_lag_days, "D"))
    first = first[at_issue]
    answer = first[target].to_numpy(dtype=np.float64)
    rows = pd.DataFrame(
        {
            "invoice_id": first["invoice_id"].to_numpy(),
            "snapshot_date": first["snapshot_date"].to_numpy(),
            "model": first["risk_model" if target == "p_late" else "ttp_model"].to_numpy(),
            target: answer,
            "expected_date": pd.to_datetime(first["expected_date"]).to_numpy(),
            "band": risk_bands(answer) if target == "p_late" else first["band"].to_numpy(),
            "logged": True,
        }
    )
    kept = judged[~judged["invoice_id"].isin(rows["invoice_id"])]
    merged = pd.concat([kept, rows[judged.columns]], ignore_index=True)
    return merged.sort_values(["snapshot_date", "invoice_id"], kind="stable", ignore_index=True)
