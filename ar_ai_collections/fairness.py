"""Fairness audit of risk scores and collection treatment across customer groups.

For each attribute (country, industry, customer size, customer age) and each
of its groups, :func:`audit` reports:

* the score distribution (mean, median, 90th percentile of ``p_late``) and
  the share of invoices scored "high" (band ``high`` or ``critical``, or
  ``p_late`` at or above the high band's threshold when no band is given);
* error rates at that threshold against the realized outcome (paid more than
  ``late_days`` after due, or still unpaid after it): false positive rate
  ``FP / (FP + TN)`` (on-time payers treated as high risk) and false negative
  rate ``FN / (FN + TP)``;
* treatment: contacts per customer, share of customers sent to review and
  to an agency (when the scores carry ``contacts`` and ``action`` columns).

Rules, against the *best-treated* group of the attribute (the judged group
least often scored high):

* **four-fifths rule** (US EEOC Uniform Guidelines, 29 CFR 1607.4(D)): the
  rate of favourable treatment (not scored high, not sent to review, not sent
  to an agency) of a group divided by the best group's is flagged below
  :data:`~.constants.FAIRNESS_MIN_RATIO` (0.8); for contacts per customer
  (fewer is better) the ratio is best / group;
* **error-rate gap** (equalized odds, Hardt et al. 2016): a false positive or
  false negative rate more than :data:`~.constants.FAIRNESS_ERROR_RATE_MARGIN`
  away from the best group's is flagged.

Groups with fewer than :data:`~.constants.FAIRNESS_MIN_GROUP_SIZE` invoices are
reported but neither judged nor used as the reference. Customer size is the
quartile of the customer's total invoiced amount; customer age is the time
from the customer's first invoice to the scored invoice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .constants import (
    DEFAULT_BAND_THRESHOLDS,
    DEFAULT_LATE_DAYS,
    FAIRNESS_ERROR_RATE_MARGIN,
    FAIRNESS_MIN_GROUP_SIZE,
    FAIRNESS_MIN_RATIO,
    RISK_BANDS,
)
from .history import invoices_of

#: Bands counted as "high" risk (the high band and above).
HIGH_BANDS = RISK_BANDS[RISK_BANDS.index("high") :]
#: Customer age groups: (upper bound in days, label).
CUSTOMER_AGE_GROUPS = ((180, "<6 months"), (365, "6-12 months"), (730, "1-2 years"))
CUSTOMER_AGE_OLDEST = "2+ years"
SIZE_QUARTILES = ("Q1 smallest", "Q2", "Q3", "Q4 largest")
#: Treatments judged by the four-fifths rule: (adverse share column, ratio name).
_TREATMENTS = (
    ("share_high", "not_high_ratio"),
    ("share_review", "not_review_ratio"),
    ("share_agency", "not_agency_ratio"),
)


@dataclass
class GroupStats:
    """Scores, errors and treatment of one group of one attribute (NaN = not measurable)."""

    attribute: str
    group: str
    n_invoices: int
    n_customers: int
    judged: bool
    mean_score: float
    median_score: float
    p90_score: float
    share_high: float
    n_outcomes: int
    false_positive_rate: float
    false_negative_rate: float
    contacts_per_customer: float
    share_review: float
    share_agency: float
    ratios: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FairnessFlag:
    """A group treated worse than the best-treated group of its attribute."""

    attribute: str
    group: str
    reference: str
    metric: str
    value: float
    limit: float
    message: str


@dataclass
class FairnessReport:
    groups: list[GroupStats]
    flags: list[FairnessFlag]
    notes: dict[str, str]
    settings: dict

    def to_dict(self) -> dict:
        def clean(value):
            if isinstance(value, float) and not np.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        by_attribute: dict[str, list[dict]] = {}
        for g in self.groups:
            by_attribute.setdefault(g.attribute, []).append(
                {k: clean(v) for k, v in asdict(g).items() if k != "attribute"}
            )
        return {
            "settings": self.settings,
            "attributes": by_attribute,
            "flags": [{k: clean(v) for k, v in asdict(f).items()} for f in self.flags],
            "notes": self.notes,
        }


def customer_attributes(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Country, industry, size quartile and age group of each row of ``rows``.

    ``rows`` has ``customer_id`` and ``invoice_date`` (the scored invoices).
    """
    first = history.groupby("customer_id")["invoice_date"].min()
    total = history.groupby("customer_id")["amount"].sum()
    static = history.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    ids = rows["customer_id"]
    ranks = total.rank(method="first", pct=True)
    quartile = np.minimum((ranks * 4).apply(np.ceil).astype(int), 4) - 1
    age = (rows["invoice_date"] - ids.map(first)).dt.days.to_numpy()
    bounds = np.array([b for b, _ in CUSTOMER_AGE_GROUPS])
    age_labels = np.array([label for _, label in CUSTOMER_AGE_GROUPS] + [CUSTOMER_AGE_OLDEST])
    return pd.DataFrame(
        {
            "country": ids.map(static["country"]).fillna("").to_numpy(),
            "industry": ids.map(static["industry"]).fillna("").to_numpy(),
            "customer_size": np.asarray(SIZE_QUARTILES, dtype=object)[ids.map(quartile).to_numpy()],
            "customer_age": age_labels[np.searchsorted(bounds, age, side="right")],
        },
        index=rows.index,
    )


def audit(
    history: pd.DataFrame,
    scores: pd.DataFrame,
    late_days: int = DEFAULT_LATE_DAYS,
    as_of=None,
    min_ratio: float = FAIRNESS_MIN_RATIO,
    error_margin: float = FAIRNESS_ERROR_RATE_MARGIN,
    min_group_size: int = FAIRNESS_MIN_GROUP_SIZE,
    high_threshold: float = DEFAULT_BAND_THRESHOLDS[1] / 100.0,
) -> FairnessReport:
    """Audit ``scores`` (``invoice_id, p_late`` and optionally ``risk_band``,
    ``contacts``, ``action``) of invoices of ``history`` (see module docstring).

    Outcomes are known for invoices whose due date plus ``late_days`` is before
    ``as_of`` (default: the history's last date).
    """
    notes: dict[str, str] = {}
    missing = [c for c in ("invoice_id", "p_late") if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lack column(s): {', '.join(missing)}")
    s = scores.reset_index(drop=True).copy()
    inv = invoices_of(history, s["invoice_id"], "scored")
    s["customer_id"] = inv["customer_id"].to_numpy()
    s["invoice_date"] = inv["invoice_date"].to_numpy()
    p = pd.to_numeric(s["p_late"], errors="coerce").to_numpy(dtype=np.float64)
    if "risk_band" in s.columns:
        high = s["risk_band"].isin(HIGH_BANDS).to_numpy()
    else:
        high = p >= high_threshold
    last = pd.concat([history["invoice_date"], history["paid_date"].dropna()]).max()
    end = last if as_of is None else pd.Timestamp(as_of)
    deadline = inv["due_date"].to_numpy() + np.timedelta64(late_days, "D")
    paid = inv["paid_date"].to_numpy()
    known = deadline < np.datetime64(end)
    late = ~(paid <= deadline)  # NaT (unpaid) compares False: late
    contacts = (
        pd.to_numeric(s["contacts"], errors="coerce").fillna(0.0).to_numpy()
        if "contacts" in s.columns
        else None
    )
    action = s["action"].fillna("").astype(str).str.lower().to_numpy() if "action" in s else None
    if contacts is None:
        notes["contacts_per_customer"] = "no contacts column in the scores"
    if action is None:
        notes["share_review"] = notes["share_agency"] = "no action column in the scores"
    attributes = customer_attributes(history, s)
    groups: list[GroupStats] = []
    flags: list[FairnessFlag] = []
    for attribute in attributes.columns:
        labels = attributes[attribute].to_numpy(dtype=object)
        if (labels == "").all():
            notes[attribute] = f"no {attribute} in the history"
            continue
        stats = [
            _group_stats(
                attribute,
                str(label),
                labels == label,
                s["customer_id"].to_numpy(),
                p,
                high,
                known,
                late,
                contacts,
                action,
                min_group_size,
            )
            for label in sorted(set(labels))
        ]
        flags += _judge(stats, min_ratio, error_margin)
        groups += stats
    settings = {
        "late_days": late_days,
        "as_of": str(pd.Timestamp(end).date()),
        "high": "risk_band in " + "/".join(HIGH_BANDS)
        if "risk_band" in s.columns
        else f"p_late >= {high_threshold:.2f}",
        "min_ratio": min_ratio,
        "error_margin": error_margin,
        "min_group_size": min_group_size,
    }
    return FairnessReport(groups, flags, notes, settings)


def _group_stats(attribute, label, mask, customer, p, high, known, late, contacts, action, min_n):
    """Statistics of the invoices in ``mask``."""
    customers = pd.unique(customer[mask])
    k = mask & known
    negatives, positives = k & ~late, k & late
    n_neg, n_pos = int(negatives.sum()), int(positives.sum())

    def per_customer_share(flag: np.ndarray) -> float:
        return float(pd.Series(flag[mask]).groupby(customer[mask]).any().mean())

    return GroupStats(
        attribute=attribute,
        group=label,
        n_invoices=int(mask.sum()),
        n_customers=len(customers),
        judged=bool(mask.sum() >= min_n),
        mean_score=float(np.nanmean(p[mask])),
        median_score=float(np.nanmedian(p[mask])),
        p90_score=float(np.nanpercentile(p[mask], 90)),
        share_high=float(high[mask].mean()),
        n_outcomes=n_neg + n_pos,
        false_positive_rate=float((high & negatives).sum() / n_neg) if n_neg else np.nan,
        false_negative_rate=float((~high & positives).sum() / n_pos) if n_pos else np.nan,
        contacts_per_customer=float(contacts[mask].sum() / len(customers))
        if contacts is not None
        else np.nan,
        share_review=per_customer_share(action == "review") if action is not None else np.nan,
        share_agency=per_customer_share(action == "agency") if action is not None else np.nan,
    )


def _judge(stats: list[GroupStats], min_ratio: float, margin: float) -> list[FairnessFlag]:
    """Fill each group's ratios against the best-treated judged group; return the flags."""
    judged = [g for g in stats if g.judged]
    if len(judged) < 2:
        return []
    best = min(judged, key=lambda g: (g.share_high, g.group))
    flags = []

    def flag(g: GroupStats, metric: str, value: float, limit: float, message: str) -> None:
        flags.append(FairnessFlag(g.attribute, g.group, best.group, metric, value, limit, message))

    for g in judged:
        for share, name in _TREATMENTS:
            favourable = 1.0 - getattr(g, share)
            top = max(1.0 - getattr(o, share) for o in judged)
            ratio = favourable / top if top > 0 else np.nan
            g.ratios[name] = ratio
            if ratio < min_ratio:
                flag(
                    g,
                    name,
                    ratio,
                    min_ratio,
                    f"{g.attribute} {g.group}: {1 - favourable:.0%} {share.removeprefix('share_')}"
                    f", {ratio:.2f} times the best group's favourable rate (below {min_ratio})",
                )
        fewest = min(o.contacts_per_customer for o in judged)
        ratio = fewest / g.contacts_per_customer if g.contacts_per_customer > 0 else np.nan
        g.ratios["contacts_ratio"] = ratio
        if ratio < min_ratio:
            flag(
                g,
                "contacts_ratio",
                ratio,
                min_ratio,
                f"{g.attribute} {g.group}: {g.contacts_per_customer:.1f} contacts per customer, "
                + (f"{1 / ratio:.2f} times the fewest" if ratio > 0 else "where a group had none"),
            )
        for rate in ("false_positive_rate", "false_negative_rate"):
            gap = getattr(g, rate) - getattr(best, rate)
            g.ratios[rate.replace("_rate", "_gap")] = gap
            if abs(gap) > margin:
                flag(
                    g,
                    rate,
                    getattr(g, rate),
                    margin,
                    f"{g.attribute} {g.group}: {rate.replace('_', ' ')} {getattr(g, rate):.0%} vs "
                    f"{getattr(best, rate):.0%} for {best.group} (more than {margin:.0%} apart)",
                )
    return flags


def add_cli_command(sub) -> None:
    """Register ``audit --history H.csv --scores S.csv --out A.json``."""
    from pathlib import Path

    from .cli import EXIT_OK, _load, _UsageError, _write_json

    def run(args, say) -> int:
        history = _load(args.history, say)
        try:
            scores = pd.read_csv(args.scores, dtype={"invoice_id": str, "customer_id": str})
        except FileNotFoundError as error:
            raise _UsageError(f"scores file not found: {args.scores}") from error
        report = audit(history, scores, late_days=args.late_days)
        _write_json(args.out, report.to_dict())
        say(f"audit written to {args.out}")
        print(json.dumps({"groups": len(report.groups), "flags": len(report.flags)}))
        return EXIT_OK

    p = sub.add_parser("audit", help="fairness audit of scores across customer groups")
    p.add_argument("--history", type=Path, required=True)
    p.add_argument("--scores", type=Path, required=True, help="as written by the score command")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--late-days", type=int, default=DEFAULT_LATE_DAYS)
    p.set_defaults(func=run)
