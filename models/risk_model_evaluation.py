"""How a registered model fares on the company's own recent invoices, to decide
whether a challenger replaces the champion of its type (``ai.risk.model``).

Both comparisons score invoices open at a past date whose outcome is known by
the comparison date, with each model as registered (the time-to-payment one with
its company calibration), and report the AUC (0.5 when one outcome is missing).
"""

import numpy as np
import pandas as pd

from odoo import fields


def _auc(y, score):
    from ..ar_ai_collections import training as engine_training

    auc = engine_training.roc_auc(y, score)
    return 0.5 if np.isnan(auc) else auc


def compare_risk(challenger, champion, history):
    """AUC of the risk models ``challenger`` and ``champion`` on the same snapshot.

    The held-out snapshot is the set of invoices open at the end of the
    challenger's training window whose outcome (late or not) is known today.
    """
    from ..ar_ai_collections import features as engine_features

    challenger.ensure_one()
    start = pd.Timestamp(challenger.train_end or fields.Date.today())
    matrix = engine_features.build_features(history, start)
    frame = matrix.frame[["invoice_id"]].merge(
        history[["invoice_id", "due_date", "paid_date"]], on="invoice_id", how="left"
    )
    today = pd.Timestamp(fields.Date.today())
    deadline = frame["due_date"] + pd.Timedelta(days=challenger.company_id.ai_risk_late_days)
    paid = frame["paid_date"]
    known = paid.notna() | (deadline < today)
    late = (paid.isna() & (deadline < today)) | (paid > deadline)
    mask = known.to_numpy()
    y = late.to_numpy()[mask]
    result = {"start": start.date(), "n": int(mask.sum())}
    for key, record in (("challenger_auc", challenger), ("champion_auc", champion)):
        p_late = record._load_risk_model().predict(matrix.X)[0]
        result[key] = _auc(y, np.asarray(p_late)[mask])
    return result


def compare_ttp(record, history, model=None, cut=None):
    """AUC of the time-to-payment model ``record``'s (calibrated) P(paid within
    30 days) on the invoices open 30 days before ``cut`` (default: its training
    end), whose outcome is known by then: ``{"start", "n", "auc"}``.

    :param model: the engine model of ``record`` when already loaded
    """
    from ..ar_ai_collections import features as engine_features

    record.ensure_one()
    end = pd.Timestamp(cut or record.train_end or fields.Date.today())
    start = end - pd.Timedelta(days=30)
    rows = np.flatnonzero(engine_features.open_mask(history, start))
    model = model or record._load_risk_model()
    p30 = model.score_rows(history, rows, start).frame["p_paid_30d"].to_numpy()
    paid = history["paid_date"].iloc[rows]
    y = (paid.notna() & (paid <= end)).to_numpy()
    return {"start": start.date(), "n": len(rows), "auc": _auc(y, p30)}
