"""Plain-language reasons for every score, computed from the ONNX model itself.

For each invoice, every feature is in turn reset to its reference value (the
population median stored in the model metadata) and the model re-scores: the
features whose reset lowers ``p_late`` the most are the drivers of the score.
All N x F perturbed rows go through ONE batched onnxruntime call (chunked for
very large batches), so the reasons always agree with the score and cost a
single vectorized inference. Only drivers that RAISE the risk are phrased.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .features import FEATURE_NAMES, FeatureMatrix, excluded_features
from .survival import AGE_ONLY_FEATURES, TTP_FEATURE_NAMES

if TYPE_CHECKING:
    from .ttp_model import TTPModel

#: Minimum drop of logit(p_late), or of logit P(not paid within 30 days) for the
#: time-to-payment model, for a feature to count as a driver (0.05 is about 1
#: percentage point around p = 50%).
MIN_EFFECT = 0.05
_P_EPS = 1e-7
_CHUNK_CELLS = 400_000
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Features phrased by the same sentence share a group (only the strongest is kept).
_GROUP = {"month_cos": "month_sin", "open_amount_log": "open", "n_open": "open"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _money(value: float) -> str:
    return f"{value:,.0f}"


def phrase(name: str, row: dict) -> str | None:
    """One sentence about feature ``name`` with the row's actual values (or None)."""
    v = float(row[name])
    n_settled = max(round(np.expm1(row["n_settled_log"])), 0)
    if name == "n_settled_log":
        if n_settled == 0:
            return "new customer: no settled invoice yet"
        return f"little payment history: only {_plural(n_settled, 'settled invoice')}"
    if name == "share_late":
        return f"paid late on {v * 100:.0f}% of past invoices" if v >= 0.1 else None
    if name == "mean_days_late_recent_weighted":
        return f"pays {v:.0f} days late on average, recent invoices weighing most"
    if name == "std_days_late":
        return f"irregular payer: payment dates vary by about {v:.0f} days"
    if name == "max_days_late":
        return f"has paid as late as {v:.0f} days after the due date"
    if name == "mean_days_late_last12":
        k = min(n_settled, 12)
        if k == 0:
            return None
        return f"pays {v:.0f} days late on average over the last {_plural(k, 'invoice')}"
    if name == "late_trend":
        return f"recently paying {v:.0f} days later than before" if v >= 1 else None
    if name == "mean_days_to_pay":
        return f"takes {v:.0f} days to pay on average"
    if name == "share_partial":
        return f"paid in instalments {v * 100:.0f}% of the time" if v >= 0.05 else None
    if name == "share_disputed":
        return f"disputed {v * 100:.0f}% of past invoices" if v >= 0.05 else None
    if name == "share_broken_promises":
        return f"broke promises to pay on {v * 100:.0f}% of past invoices" if v >= 0.05 else None
    if name in ("open_amount_log", "n_open"):
        count = _plural(int(row["n_open"]), "open invoice")
        if "open_amount_log" not in row:  # customer size kept out of the model
            return count
        return f"{count} totalling {_money(np.expm1(row['open_amount_log']))}"
    if name == "overdue_amount_log":
        return f"{_money(np.expm1(v))} already overdue"
    if name == "n_overdue":
        n = int(v)
        return f"{n} invoice{'s' if n != 1 else ''} already overdue" if n else None
    if name == "mean_overdue_age":
        return f"overdue invoices are {v:.0f} days past due on average" if v > 0 else None
    if name == "credit_utilization":
        return f"uses {v * 100:.0f}% of the credit limit"
    if name == "amount_log":
        return f"large invoice ({_money(np.expm1(v))})"
    if name == "amount_vs_usual_log":
        ratio = float(np.exp(v))
        if ratio >= 1.5:
            return f"invoice is {ratio:.1f}x the usual amount"
        if ratio <= 0.67:
            return f"invoice is {ratio:.1f}x the usual amount (unusually small)"
        return None
    if name == "terms_days":
        return f"payment terms of {v:.0f} days"
    if name == "days_to_due":
        if v < 0:
            return f"already {-v:.0f} days past due"
        return f"due in {v:.0f} days"
    if name == "invoice_age":
        return f"issued {v:.0f} days ago"
    if name in ("month_sin", "month_cos"):
        angle = np.arctan2(row["month_sin"], row["month_cos"])
        month = round(float(angle) / (2 * np.pi) * 12) % 12
        return f"invoices issued in {_MONTHS[month]} tend to be paid later"
    if name == "tenure_days":
        return f"customer for only {v:.0f} days"
    if name == "days_since_last_payment":
        return f"no payment received for {v:.0f} days"
    if name == "partially_paid":
        return "only partly paid so far" if v > 0 else None
    if name == "n_invoices_90d":
        return f"{_plural(int(v), 'invoice')} issued in the last 90 days"
    if name == "in_dispute":
        return "the customer disputes this invoice" if v > 0 else None
    return None


def driver_effects(model, X: np.ndarray) -> np.ndarray:
    """Drop of logit(p_late) when each feature is reset to its reference (N x F).

    Measured on the log-odds scale so that a near-certain score still shows
    which features carry it (on the probability scale a saturated score moves
    by less than any threshold when a single feature is reset).
    """
    X = np.asarray(X, dtype=np.float32)
    n, f = X.shape
    ref = np.asarray(model.metadata.reference_values, dtype=np.float32)
    if ref.shape != (f,):
        ref = np.median(X, axis=0).astype(np.float32) if n else np.zeros(f, np.float32)
    effects = np.zeros((n, f), dtype=np.float64)
    chunk = max(1, _CHUNK_CELLS // (f + 1))
    cols = np.arange(f)
    for start in range(0, n, chunk):
        block = X[start : start + chunk]
        m = len(block)
        pert = np.repeat(block[:, None, :], f + 1, axis=1)  # m x (F+1) x F
        pert[:, cols + 1, cols] = ref  # row 0 of each invoice is the original
        p, _, _ = model.predict(pert.reshape(m * (f + 1), f))
        p = np.clip(p.reshape(m, f + 1).astype(np.float64), _P_EPS, 1 - _P_EPS)
        z = np.log(p / (1 - p))
        effects[start : start + m] = z[:, :1] - z[:, 1:]
    return effects


def _hide_excluded(effects: np.ndarray, names, metadata) -> set[str]:
    """Features of the model's excluded attributes, made never a driver in ``effects``.

    Scoring already neutralizes them (effect 0); this keeps a reason from ever
    naming one or quoting its value, whatever the model file.
    """
    hidden = set(excluded_features(metadata.excluded_attributes))
    columns = [j for j, name in enumerate(names) if name in hidden]
    effects[:, columns] = -np.inf
    return hidden


def explain(model, features: FeatureMatrix, top: int = 3) -> list[list[str]]:
    """Top ``top`` reasons raising the late-payment risk of each invoice."""
    X = features.X
    if not len(X):
        return []
    names = features.feature_names or FEATURE_NAMES
    effects = driver_effects(model, X)
    hidden = _hide_excluded(effects, names, model.metadata)
    order = np.argsort(-effects, axis=1)[:, : top + 4]
    frame = features.frame
    values = {name: frame[name].to_numpy() for name in names if name not in hidden}
    out: list[list[str]] = []
    for i in range(len(X)):
        row = None
        texts: list[str] = []
        groups: set[str] = set()
        for j in order[i]:
            if effects[i, j] < MIN_EFFECT or len(texts) >= top:
                break
            name = names[j]
            group = _GROUP.get(name, name)
            if group in groups:
                continue
            if row is None:
                row = {k: v[i] for k, v in values.items()}
            text = phrase(name, row)
            if text:
                groups.add(group)
                texts.append(text)
        out.append(texts)
    return out


# --------------------------------------------------------------------------- #
# Time-to-payment reasons: the model's own attributions, relative to the company
# average (MIN_EFFECT on the logit of P(not paid within 30 days))
# --------------------------------------------------------------------------- #
#: Perturbed rows per batched call (each becomes five weekly rows in the graph).
_TTP_CHUNK_ROWS = 100_000


def driver_effects_ttp(model: TTPModel, X: np.ndarray) -> np.ndarray:
    """Rise of logit P(not paid within 30 days) due to each feature (N x F).

    Each feature is reset in turn to the company average (the median training
    snapshot, in the model metadata) and the graph re-scores; the effect is how
    much the invoice's actual value delays payment compared with an average one.

    Vectorized: only cells that differ from the average are re-scored (a reset
    to the same value changes nothing: effect 0), all through the 30-day graph
    (:meth:`~ar_ai_collections.ttp_model.TTPModel.predict_paid_within_30d`) in a
    few batched calls.
    """
    X = np.asarray(X, dtype=np.float32)
    n, f = X.shape
    ref = np.asarray(model.metadata.reference_values, dtype=np.float32)
    if ref.shape != (f,):
        ref = np.median(X, axis=0).astype(np.float32)
    rows, cols = np.nonzero(ref != X)
    p = np.empty(n + len(rows))
    for start in range(0, len(p), _TTP_CHUNK_ROWS):
        stop = min(start + _TTP_CHUNK_ROWS, len(p))
        # positions < n are the invoices themselves, the others one reset cell each
        own = np.arange(start, min(stop, n))
        cells = np.arange(max(start, n), stop) - n
        block = np.concatenate([X[own], X[rows[cells]]])
        block[len(own) + np.arange(len(cells)), cols[cells]] = ref[cols[cells]]
        p[start:stop] = model.predict_paid_within_30d(block)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    z = np.log((1 - p) / p)  # logit of NOT paid within 30 days
    effects = np.zeros((n, f))
    effects[rows, cols] = z[rows] - z[n:]
    return effects


def phrase_ttp(name: str, row: dict) -> str | None:
    """A sentence for a feature that delays payment (risk features via :func:`phrase`)."""
    v = float(row[name])
    if name == "cust_mean_days_late":
        return f"pays {v:.0f} days after the due date on average" if v > 0 else None
    if name == "cust_share_paid_30d_at_age":
        return f"at this age, this customer paid only {v * 100:.0f}% of invoices within 30 days"
    if name == "cust_residual_days_at_age":
        return f"at this age, this customer's invoices took {v:.0f} more days to be paid"
    if name == "cust_n_at_age_log":
        return None
    if name == "habit_days_to_pay":
        return f"the customer usually pays in {v:.0f} days from today" if v > 0 else None
    return phrase(name, row)


def explain_ttp(model: TTPModel, X: np.ndarray, top: int = 3) -> list[list[str]]:
    """Top ``top`` reasons delaying each invoice's payment.

    Features that only restate the invoice's age (:data:`AGE_ONLY_FEATURES`)
    are used only when no other feature passes :data:`MIN_EFFECT`.
    """
    if not len(X):
        return []
    names = TTP_FEATURE_NAMES
    effects = driver_effects_ttp(model, X)
    hidden = _hide_excluded(effects, names, model.metadata)
    age_cols = np.array([n in AGE_ONLY_FEATURES for n in names])
    order = np.argsort(-effects, axis=1)
    out: list[list[str]] = []
    for i in range(len(X)):
        row = {n: v for n, v in zip(names, X[i].astype(float), strict=True) if n not in hidden}
        strong = effects[i] >= MIN_EFFECT
        allow_age = not (strong & ~age_cols).any()
        texts: list[str] = []
        for j in order[i]:
            if len(texts) >= top or not strong[j]:
                break
            if age_cols[j] and not allow_age:
                continue
            text = phrase_ttp(names[j], row)
            if text and text not in texts:
                texts.append(text)
        out.append(texts)
    return out
