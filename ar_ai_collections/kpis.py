"""Collections KPIs per company, currency and month, from the invoice history.

Every figure is computed at each month end ``t`` (the last month ends at the
report date ``as_of``) from what the ledger says happened up to ``t``.

The ledger of one invoice is at most four dated events: it is issued
(``amount`` at ``invoice_date``), it may receive a credit note
(``credit_note_amount`` at ``credit_note_date``) and a first, partial payment
(``first_payment_amount`` at ``first_payment_date``), and it is settled at
``paid_date`` by a last payment of whatever remains. Those detail columns are
optional extras of the history CSV (:data:`~.constants.LEDGER_DETAIL_DATE_COLUMNS`
and siblings); without them an invoice's balance stays whole until it is paid.
The balance of an invoice at ``t`` is its amount minus the events dated up to ``t``.

Definitions (R = receivables at a period end, S = net credit sales of the
period, i.e. invoiced minus credit notes, N = days in the period):

* **DSO** (days sales outstanding, standard method)
  ``R_end / S x N`` (Credit Research Foundation; Hill & Sartoris, *Short-Term
  Financial Management*).
* **Countback DSO**: walk back month by month from the period, removing each
  month's net credit sales from ``R_end`` while they fit, counting the days of
  those months, then add ``remainder / S_month x N_month`` of the month where
  it stops. Unlike the standard method it does not move when sales swing.
  If the receivables exceed every month's sales on record, the count stops at
  the first month (a lower bound).
* **Best possible DSO** ``current receivables / S x N``: the DSO if every
  customer paid on the due date (CRF).
* **Average days delinquent** ``ADD = DSO - best possible DSO``.
* **CEI** (collection effectiveness index, CRF) ``(R_begin + S - R_end) /
  (R_begin + S - current R_end) x 100``: what was collected over what could
  have been collected; 100 means every due amount was collected.
* **Aging buckets** of ``R_end`` by days past due at ``t``: current (not yet
  due), 1-30, 31-60, 61-90, over 90; **% current** = current / ``R_end``.
* **Recovery rate** of a bucket within ``h`` days (30/60/90): payments
  received in ``(t, t + h]`` on the invoices of that bucket over the bucket's
  amount at ``t``. Credit notes are not collections. NaN while ``t + h`` is
  after ``as_of`` (not observed yet).
* **Promise-kept rate**: promises whose date (``promise_date``) plus the grace
  period fell in the month and that were paid in full by then, over those promises.
* **Disputes**: opened in the month (``dispute_date``), and mean days from
  ``dispute_date`` to ``dispute_resolved_date`` of those resolved in the month,
  in total and per ``dispute_category``.
* **Collected per collector**: payments of the month by the invoice's ``collector``.
* **Cost per unit collected** ``(emails x cost_email + letters x cost_letter +
  calls x cost_call) / collected``; contact counts are per invoice (not dated),
  so they are booked in the month the invoice is settled (or the last month
  while it is open).

Amounts are in company currency when the history gives ``amount_company_currency``
on every row (the invoice's rate then applies to its credit note and payments);
rows are still one per invoice currency, plus one ``ALL`` row per company and
month summing every currency. A KPI the input cannot support is NaN, and
:attr:`KpiReport.notes` says why; nothing raises for a missing column.

Vectorized: the invoices are expanded into (invoice, month end) pairs only
for the month ends they are open at, and every sum is one ``np.bincount``.
A million invoices take a few seconds (``benchmarks/bench_kpis.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .constants import (
    AGING_BUCKET_UPPER_DAYS,
    AGING_BUCKETS,
    DEFAULT_PROMISE_GRACE_DAYS,
    LEDGER_DETAIL_DATE_COLUMNS,
    LEDGER_DETAIL_NUMBER_COLUMNS,
    LEDGER_DETAIL_TEXT_COLUMNS,
    RECOVERY_HORIZONS_DAYS,
)
from .history import HistoryError, RowError, parse_extra_columns

#: Currency label of the row summing every currency of a company.
ALL_CURRENCIES = "ALL"
#: Tolerance (currency units) of the "payments and credit notes fit the amount" check.
_CENT = 0.005
#: A day number later than any real date ("never", "not yet").
_NEVER = np.int64(1 << 40)

#: Additive quantities summed per (company, currency, month); the KPIs are ratios of them.
_SUMS = (
    "invoiced",
    "credit_notes",
    "collected",
    "receivables_end",
    *(f"aging_{b}" for b in AGING_BUCKETS),
    *(f"recovered_{b}_{h}d" for b in AGING_BUCKETS for h in RECOVERY_HORIZONS_DAYS),
    "promises_due",
    "promises_kept",
    "disputes_opened",
    "disputes_resolved",
    "dispute_resolve_days_total",
    "contact_cost",
)


@dataclass(frozen=True)
class ContactCosts:
    """Cost of one contact of each kind, in company currency."""

    email: float
    letter: float
    call: float


@dataclass
class KpiReport:
    """KPIs of a history.

    Attributes:
        monthly: one row per ``company, currency, month`` (see :data:`KPI_COLUMNS`).
        disputes: ``company, currency, month, category, disputes_opened,
            disputes_resolved, dispute_resolve_days``.
        collectors: ``company, currency, month, collector, collected``.
        notes: KPI (column) name -> why it is NaN or approximate.
    """

    monthly: pd.DataFrame
    disputes: pd.DataFrame
    collectors: pd.DataFrame
    notes: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """``monthly`` with one column per dispute category and per collector (for CSV)."""
        keys = ["company", "currency", "month"]
        out = self.monthly
        for frame, column, value in (
            (self.disputes, "category", "disputes_opened"),
            (self.disputes, "category", "dispute_resolve_days"),
            (self.collectors, "collector", "collected"),
        ):
            if frame.empty:
                continue
            wide = frame.pivot_table(index=keys, columns=column, values=value, aggfunc="sum")
            wide.columns = [f"{value}:{c}" for c in wide.columns]
            out = out.merge(wide.reset_index(), on=keys, how="left")
        return out


#: Columns of :attr:`KpiReport.monthly`, in order.
KPI_COLUMNS = (
    "company",
    "currency",
    "month",
    "period_end",
    "days_in_period",
    "amount_basis",
    "invoiced",
    "credit_notes",
    "credit_sales",
    "collected",
    "receivables_begin",
    "receivables_end",
    *(f"aging_{b}" for b in AGING_BUCKETS),
    "pct_current",
    "dso",
    "dso_countback",
    "best_possible_dso",
    "add",
    "cei",
    *(f"recovery_{b}_{h}d" for b in AGING_BUCKETS for h in RECOVERY_HORIZONS_DAYS),
    "promises_due",
    "promises_kept",
    "promise_kept_rate",
    "disputes_opened",
    "disputes_resolved",
    "dispute_resolve_days",
    "contact_cost",
    "cost_per_unit_collected",
)


def _day(values) -> np.ndarray:
    """Day numbers (int64) of a datetime column, ``_NEVER`` for NaT."""
    days = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = _NEVER
    return out


def _ledger_detail(history: pd.DataFrame) -> tuple[pd.DataFrame, frozenset[str]]:
    """Typed detail columns, checked against the invoice amounts (errors by CSV line)."""
    h, present = parse_extra_columns(
        history,
        LEDGER_DETAIL_DATE_COLUMNS,
        LEDGER_DETAIL_NUMBER_COLUMNS,
        LEDGER_DETAIL_TEXT_COLUMNS,
    )
    errors: list[RowError] = []
    amount = h["amount"].to_numpy()
    credit = h["credit_note_amount"].fillna(0.0).to_numpy()
    first = h["first_payment_amount"].fillna(0.0).to_numpy()
    for mask, column, message in (
        (
            credit + first > amount + _CENT,
            "credit_note_amount",
            "credit note plus first payment exceed the amount",
        ),
        (
            (credit > 0) & h["credit_note_date"].isna().to_numpy(),
            "credit_note_date",
            "a credit note amount needs its date",
        ),
        (
            (h["credit_note_date"] > h["paid_date"]).to_numpy(),
            "credit_note_date",
            "credit note dated after the paid date",
        ),
        (
            (h["credit_note_date"] < h["invoice_date"]).to_numpy(),
            "credit_note_date",
            "credit note dated before the invoice date",
        ),
        (
            (first > 0) & h["first_payment_date"].isna().to_numpy(),
            "first_payment_date",
            "a first payment amount needs its date",
        ),
    ):
        errors += [RowError(int(i) + 2, column, message) for i in np.flatnonzero(mask)]
    if errors:
        raise HistoryError(errors)
    return h, present


@dataclass
class _Calendar:
    """The report's months and the (company, currency) group of every invoice.

    Day numbers are ``int64`` days since 1970; ``_NEVER`` marks an event that
    did not happen by the report date.
    """

    group: np.ndarray  # group code of each invoice
    keys: pd.MultiIndex  # (company, currency) of each group code
    months: np.ndarray  # datetime64[M], first month to the report date's
    starts: np.ndarray  # first day of each month
    ends: np.ndarray  # last day of each month, the report date for the last one
    end: int  # the report date

    @property
    def size(self) -> int:
        return len(self.keys) * len(self.months)

    def month(self, days: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts, days, side="right") - 1

    def total(self, days: np.ndarray, weights, mask=None) -> np.ndarray:
        """Sum of ``weights`` per (group, month of ``days``), events by the report date."""
        ok = days < _NEVER if mask is None else (days < _NEVER) & mask
        w = weights[ok] if isinstance(weights, np.ndarray) else np.full(ok.sum(), weights)
        key = self.group[ok] * len(self.months) + self.month(days[ok])
        return np.bincount(key, w, self.size)

    def by_label(self, days, label, weights, what: str, column: str) -> pd.DataFrame:
        """Long frame: ``weights`` summed per company, currency, month of ``days`` and ``label``."""
        ok = days < _NEVER
        w = weights[ok] if isinstance(weights, np.ndarray) else np.full(ok.sum(), float(weights))
        frame = pd.DataFrame(
            {"g": self.group[ok], "k": self.month(days[ok]), column: label[ok], "value": w}
        )
        frame = frame.groupby(["g", "k", column], as_index=False)["value"].sum()
        frame.insert(0, "company", self.keys.get_level_values(0).to_numpy(dtype=object)[frame["g"]])
        frame.insert(
            1, "currency", self.keys.get_level_values(1).to_numpy(dtype=object)[frame["g"]]
        )
        frame.insert(
            2, "month", np.datetime_as_string(self.months[frame["k"].to_numpy()], unit="M")
        )
        frame["what"] = what
        return frame.drop(columns=["g", "k"])


@dataclass
class _Events:
    """Day and amount (company currency when known) of each invoice's ledger events."""

    issue: np.ndarray
    due: np.ndarray
    paid: np.ndarray
    amount: np.ndarray
    credit_day: np.ndarray
    credit: np.ndarray
    first_day: np.ndarray
    first: np.ndarray
    last: np.ndarray  # the payment at ``paid``: what credit note and first payment left


def compute_kpis(
    history: pd.DataFrame,
    as_of=None,
    costs: ContactCosts | None = None,
    promise_grace_days: int = DEFAULT_PROMISE_GRACE_DAYS,
) -> KpiReport:
    """KPIs of every month from the first invoice to ``as_of`` (default: the last date seen).

    ``history`` is a canonical history (:func:`~.history.load_history`), with the
    optional ledger detail columns described in the module docstring. Events dated
    after ``as_of`` are ignored. ``costs`` prices the contacts (cost per unit
    collected is NaN without it).
    """
    h, present = _ledger_detail(history)
    notes: dict[str, str] = {}
    date_columns = ["invoice_date", "paid_date", "first_payment_date", *LEDGER_DETAIL_DATE_COLUMNS]
    last_seen = max(_day(h[c])[_day(h[c]) < _NEVER].max(initial=0) for c in date_columns)
    end = last_seen if as_of is None else _day([pd.Timestamp(as_of).normalize()])[0]
    issued = _day(h["invoice_date"]) <= end
    if not issued.all():  # a copy of a million rows only when some are dropped
        h = h[issued].reset_index(drop=True)
    if h.empty:
        raise HistoryError([RowError(None, "invoice_date", "no invoice issued by the report date")])

    def day(column: str) -> np.ndarray:
        """Day of an event, ``_NEVER`` when absent or after the report date."""
        d = _day(h[column])
        return np.where(d <= end, d, _NEVER)

    company_amounts = bool(h["amount_company_currency"].notna().all())
    if "amount_company_currency" in present and not company_amounts:
        notes["amount_basis"] = "amount_company_currency is not on every row: invoice currency used"
    ev = _events(h, day, company_amounts, notes)
    group, keys = _groups(h["company"], h["currency"])
    months = np.arange(
        ev.issue.min().astype("datetime64[D]").astype("datetime64[M]"),
        np.datetime64(int(end), "D").astype("datetime64[M]") + 1,
    )
    starts = months.astype("datetime64[D]").astype(np.int64)
    ends = np.minimum((months + 1).astype("datetime64[D]").astype(np.int64) - 1, end)
    cal = _Calendar(group, keys, months, starts, ends, int(end))

    sums = {name: np.zeros(cal.size) for name in _SUMS}
    sums["invoiced"] = cal.total(ev.issue, ev.amount)
    sums["credit_notes"] = cal.total(ev.credit_day, ev.credit)
    sums["collected"] = cal.total(ev.first_day, ev.first) + cal.total(ev.paid, ev.last)
    sums.update(_month_end_balances(cal, ev))
    if "promise_date" in present:
        deadline = day("promise_date") + promise_grace_days
        deadline = np.where(deadline <= end, deadline, _NEVER)
        sums["promises_due"] = cal.total(deadline, 1.0)
        sums["promises_kept"] = cal.total(deadline, 1.0, ev.paid <= deadline)
    else:
        notes["promise_kept_rate"] = "no promise_date column: the number of promises is unknown"
    disputes = _disputes(cal, h, present, day, sums, notes)
    costs_known = costs is not None and any(c in present for c in _CONTACT_COLUMNS)
    if costs_known:
        prices = (costs.email, costs.letter, costs.call)
        cost = sum(
            h[c].fillna(0.0).to_numpy() * p for c, p in zip(_CONTACT_COLUMNS, prices, strict=True)
        )
        sums["contact_cost"] = cal.total(np.minimum(ev.paid, end), cost)
        missing = [c for c in _CONTACT_COLUMNS if c not in present]
        if missing:
            notes["cost_per_unit_collected"] = f"no {', '.join(missing)} column: counted as none"
    else:
        notes["cost_per_unit_collected"] = (
            "no contact costs given"
            if costs is None
            else "no emails_sent/letters_sent/calls_made column"
        )
    if "collector" in present:
        label = np.where(h["collector"] == "", "(none)", h["collector"]).astype(object)
        parts = [
            cal.by_label(ev.first_day, label, ev.first, "collected", "collector"),
            cal.by_label(ev.paid, label, ev.last, "collected", "collector"),
        ]
        collectors = (
            pd.concat(parts)
            .groupby(["company", "currency", "month", "collector"], as_index=False)["value"]
            .sum()
            .rename(columns={"value": "collected"})
        )
    else:
        notes["collected_by_collector"] = "no collector column"
        collectors = pd.DataFrame(
            columns=["company", "currency", "month", "collector", "collected"]
        )

    table = _sum_table(cal, sums, company_amounts, first_month=cal.month(ev.issue))
    monthly = _ratios(table, cal, notes, costs_known)
    monthly["amount_basis"] = "company" if company_amounts else "invoice"
    monthly = monthly[list(KPI_COLUMNS)].sort_values(["company", "currency", "month"])
    return KpiReport(monthly.reset_index(drop=True), disputes, collectors, notes)


_CONTACT_COLUMNS = ("emails_sent", "letters_sent", "calls_made")


def _groups(company: pd.Series, currency: pd.Series) -> tuple[np.ndarray, pd.MultiIndex]:
    """Code of each row's (company, currency) pair in order of appearance, and the pairs.

    As ``pd.factorize`` of the pairs' MultiIndex, without building a million tuples.
    """
    company_code, companies = pd.factorize(company)
    currency_code, currencies = pd.factorize(currency)
    group, pairs = pd.factorize(company_code * len(currencies) + currency_code)
    keys = pd.MultiIndex.from_arrays(
        [companies[pairs // len(currencies)], currencies[pairs % len(currencies)]]
    )
    return group, keys


def _events(h: pd.DataFrame, day, company_amounts: bool, notes: dict[str, str]) -> _Events:
    """The ledger events of every invoice, with amounts at the invoice's rate."""
    amount = h["amount"].to_numpy(dtype=np.float64)
    rate = np.ones(len(h))
    if company_amounts:
        given = h["amount_company_currency"].to_numpy(dtype=np.float64)
        rate = np.divide(given, amount, out=np.ones(len(h)), where=amount > 0)
    paid = day("paid_date")
    credit_day = day("credit_note_date")
    credit = np.where(credit_day < _NEVER, h["credit_note_amount"].fillna(0.0).to_numpy(), 0.0)
    first_day = day("first_payment_date")
    first = np.where(first_day < _NEVER, h["first_payment_amount"].fillna(0.0).to_numpy(), 0.0)
    unknown_partial = h["first_payment_date"].notna() & h["first_payment_amount"].isna()
    if (unknown_partial.to_numpy() & (paid != _day(h["first_payment_date"]))).any():
        notes["receivables_end"] = (
            "some partial payments have no first_payment_amount: those balances stay whole "
            "until the invoice is paid"
        )
    last = np.where(paid < _NEVER, np.maximum(amount - credit - first, 0.0), 0.0)
    return _Events(
        issue=day("invoice_date"),
        due=_day(h["due_date"]),  # a due date after the report date is simply not due yet
        paid=paid,
        amount=amount * rate,
        credit_day=credit_day,
        credit=credit * rate,
        first_day=np.where(first > 0, first_day, _NEVER),
        first=first * rate,
        last=last * rate,
    )


def _month_end_balances(cal: _Calendar, ev: _Events) -> dict[str, np.ndarray]:
    """Receivables, aging buckets and later recoveries at every month end.

    Each invoice is expanded into one (invoice, month end) pair per month end
    it is open at (issued by then, not settled by then): a few pairs per
    invoice, so the whole ledger is a handful of vectorized passes.
    """
    k0 = cal.month(ev.issue)
    k1 = np.searchsorted(cal.ends, ev.paid, side="left") - 1  # last month end before settlement
    count = np.maximum(k1 - k0 + 1, 0)
    inv = np.repeat(np.arange(len(count)), count)
    k = k0[inv] + np.arange(len(inv)) - np.repeat(np.cumsum(count) - count, count)
    t = cal.ends[k]
    balance = (
        ev.amount[inv]
        - ev.credit[inv] * (ev.credit_day[inv] <= t)
        - ev.first[inv] * (ev.first_day[inv] <= t)
    )
    bucket = np.searchsorted(np.asarray(AGING_BUCKET_UPPER_DAYS), t - ev.due[inv], side="left")
    key = cal.group[inv] * len(cal.months) + k
    out = {"receivables_end": np.bincount(key, balance, cal.size)}
    for b, name in enumerate(AGING_BUCKETS):
        in_bucket = bucket == b
        i, t_b = inv[in_bucket], t[in_bucket]
        out[f"aging_{name}"] = np.bincount(key[in_bucket], balance[in_bucket], cal.size)
        for horizon in RECOVERY_HORIZONS_DAYS:
            # payments in (t, t + horizon]; the last one is after t by construction
            got = ev.first[i] * ((ev.first_day[i] > t_b) & (ev.first_day[i] <= t_b + horizon))
            got += ev.last[i] * (ev.paid[i] <= t_b + horizon)
            out[f"recovered_{name}_{horizon}d"] = np.bincount(key[in_bucket], got, cal.size)
    return out


def _disputes(cal: _Calendar, h, present, day, sums, notes) -> pd.DataFrame:
    """Fill the dispute sums; return the per-category frame."""
    category = np.where(h["dispute_category"] == "", "other", h["dispute_category"]).astype(object)
    if "dispute_date" in present:
        opened = day("dispute_date")
        resolved = np.where(opened < _NEVER, day("dispute_resolved_date"), _NEVER)
        days = np.where(resolved < _NEVER, resolved - opened, 0).astype(np.float64)
        if "dispute_resolved_date" not in present:
            notes["dispute_resolve_days"] = "no dispute_resolved_date column"
    else:
        opened = np.where(h["disputed"].to_numpy(dtype=bool), day("invoice_date"), _NEVER)
        resolved, days = np.full(len(h), _NEVER), np.zeros(len(h))
        notes["disputes_opened"] = (
            "no dispute_date column: disputed invoices counted by invoice month"
        )
        notes["dispute_resolve_days"] = "no dispute_date column"
    sums["disputes_opened"] = cal.total(opened, 1.0)
    sums["disputes_resolved"] = cal.total(resolved, 1.0)
    sums["dispute_resolve_days_total"] = cal.total(resolved, days)
    parts = [
        cal.by_label(opened, category, 1.0, "disputes_opened", "category"),
        cal.by_label(resolved, category, 1.0, "disputes_resolved", "category"),
        cal.by_label(resolved, category, days, "days", "category"),
    ]
    frame = pd.concat(parts).pivot_table(
        index=["company", "currency", "month", "category"],
        columns="what",
        values="value",
        aggfunc="sum",
        fill_value=0.0,
    )
    frame = frame.reindex(columns=["disputes_opened", "disputes_resolved", "days"], fill_value=0.0)
    resolved_n = frame["disputes_resolved"]
    frame["dispute_resolve_days"] = frame.pop("days") / resolved_n.where(resolved_n > 0)
    frame.columns.name = None
    return frame.reset_index()


def _sum_table(cal: _Calendar, sums, company_amounts: bool, first_month) -> pd.DataFrame:
    """The sums as rows (company, currency, month index), from each group's first month,
    plus an ``ALL`` currency row per company and month when amounts are in company currency.
    """
    n_months, n_groups = len(cal.months), len(cal.keys)
    table = pd.DataFrame(
        {
            "company": np.repeat(cal.keys.get_level_values(0).to_numpy(dtype=object), n_months),
            "currency": np.repeat(cal.keys.get_level_values(1).to_numpy(dtype=object), n_months),
            "k": np.tile(np.arange(n_months), n_groups),
            **sums,
        }
    )
    group_start = np.full(n_groups, n_months)
    np.minimum.at(group_start, cal.group, first_month)
    table = table[table["k"].to_numpy() >= np.repeat(group_start, n_months)]
    currencies = table.groupby("company")["currency"].nunique()
    several = currencies.index[currencies > 1]
    if company_amounts and len(several):
        total = table[table["company"].isin(several)]
        total = total.groupby(["company", "k"], as_index=False)[list(_SUMS)].sum()
        total.insert(1, "currency", ALL_CURRENCIES)
        table = pd.concat([table, total], ignore_index=True)
    return table


def _ratios(table: pd.DataFrame, cal: _Calendar, notes, costs_known: bool) -> pd.DataFrame:
    """KPIs (ratios) from the additive sums of every (company, currency, month)."""
    months, starts, period_end, end = cal.months, cal.starts, cal.ends, cal.end
    out = table.sort_values(["company", "currency", "k"]).reset_index(drop=True)
    k = out["k"].to_numpy()
    out["month"] = np.datetime_as_string(months[k], unit="M")
    out["period_end"] = np.datetime_as_string(period_end[k].astype("datetime64[D]"), unit="D")
    days = (period_end[k] - starts[k] + 1).astype(np.float64)
    out["days_in_period"] = days
    sales = out["invoiced"] - out["credit_notes"]
    out["credit_sales"] = sales
    same_group = (out[["company", "currency"]] == out[["company", "currency"]].shift()).all(axis=1)
    out["receivables_begin"] = out["receivables_end"].shift().where(same_group, 0.0)
    ar, current = out["receivables_end"], out["aging_current"]
    per_day = (sales / days).where(sales > 0)
    out["dso"] = ar / per_day
    out["best_possible_dso"] = current / per_day
    out["add"] = out["dso"] - out["best_possible_dso"]
    if (sales <= 0).any():
        notes["dso"] = "NaN in months without positive net credit sales"
    could = out["receivables_begin"] + sales - current
    out["cei"] = ((out["receivables_begin"] + sales - ar) / could * 100).where(could > 0)
    out["pct_current"] = (current / ar * 100).where(ar > 0)
    out["dso_countback"] = np.nan
    for _, idx in out.groupby(["company", "currency"], sort=False).indices.items():
        out.loc[out.index[idx], "dso_countback"] = countback_dso(
            ar.to_numpy()[idx], sales.to_numpy()[idx], days[idx]
        )
    for bucket in AGING_BUCKETS:
        amount = out[f"aging_{bucket}"]
        for horizon in RECOVERY_HORIZONS_DAYS:
            observed = period_end[k] + horizon <= end
            rate = out[f"recovered_{bucket}_{horizon}d"] / amount.where(amount > 0)
            out[f"recovery_{bucket}_{horizon}d"] = rate.where(observed)
    notes.setdefault(
        "recovery", "NaN where the horizon ends after the report date or the bucket is empty"
    )
    out["promise_kept_rate"] = out["promises_kept"] / out["promises_due"].where(
        out["promises_due"] > 0
    )
    resolved = out["disputes_resolved"].where(out["disputes_resolved"] > 0)
    out["dispute_resolve_days"] = out["dispute_resolve_days_total"] / resolved
    if costs_known:
        out["cost_per_unit_collected"] = out["contact_cost"] / out["collected"].where(
            out["collected"] > 0
        )
    else:
        out["contact_cost"] = out["cost_per_unit_collected"] = np.nan
    return out


def countback_dso(receivables: np.ndarray, sales: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Countback DSO of each month of one series (arrays in month order).

    For month ``m`` with receivables ``R``: months ``m, m-1, ...`` whose net
    credit sales fit in ``R`` count all their days; the month where ``R`` runs
    out counts ``remaining / sales x days``. Negative monthly sales (credit
    notes above invoicing) count as zero. Vectorized over months with a
    ``searchsorted`` into cumulative sales.
    """
    sales = np.maximum(np.asarray(sales, dtype=np.float64), 0.0)
    receivables = np.asarray(receivables, dtype=np.float64)
    cum_sales = np.concatenate(([0.0], np.cumsum(sales)))
    cum_days = np.concatenate(([0.0], np.cumsum(days)))
    m = np.arange(len(sales))
    target = cum_sales[m + 1] - receivables
    # first month a whose sales through m all fit in R: cum_sales[a] >= target
    a = np.clip(np.searchsorted(cum_sales, target - 1e-9, side="left"), 0, m + 1)
    full_days = cum_days[m + 1] - cum_days[a]
    remaining = receivables - (cum_sales[m + 1] - cum_sales[a])
    prev = np.maximum(a - 1, 0)
    partial = np.where(
        (a > 0) & (sales[prev] > 0), remaining / np.where(sales[prev] > 0, sales[prev], 1.0), 0.0
    )
    return full_days + partial * np.where(a > 0, days[prev], 0.0)


def add_ledger_detail(
    history: pd.DataFrame, payments: pd.DataFrame, credit_notes: pd.DataFrame
) -> pd.DataFrame:
    """History with the ledger detail columns filled from payment and credit-note lines.

    ``payments`` and ``credit_notes`` have ``invoice_id, date, amount`` (as the
    generator's, or an ERP's reconciliation lines). The first payment of an
    invoice gives ``first_payment_date``/``first_payment_amount``; credit notes
    of an invoice are summed, dated by the last one. Later payments are what
    ``paid_date`` settles, so a third instalment is booked at ``paid_date``.
    """
    out = history.copy()
    ordered = payments.sort_values(["invoice_id", "date"], kind="stable")
    first = ordered.drop_duplicates("invoice_id").set_index("invoice_id")
    notes = credit_notes.groupby("invoice_id").agg(date=("date", "max"), amount=("amount", "sum"))
    ids = out["invoice_id"]
    out["first_payment_date"] = ids.map(first["date"]).astype("datetime64[ns]")
    out["first_payment_amount"] = ids.map(first["amount"]).astype("float64")
    out["credit_note_date"] = ids.map(notes["date"]).astype("datetime64[ns]")
    out["credit_note_amount"] = ids.map(notes["amount"]).astype("float64")
    return out


def add_cli_command(sub) -> None:
    """Register ``kpis --history H.csv --out K.csv`` (one row per month and currency)."""
    from pathlib import Path

    from .cli import EXIT_OK, _date, _load

    def run(args, say) -> int:
        costs = None
        if any(c is not None for c in (args.cost_email, args.cost_letter, args.cost_call)):
            costs = ContactCosts(
                args.cost_email or 0.0, args.cost_letter or 0.0, args.cost_call or 0.0
            )
        report = compute_kpis(_load(args.history, say), as_of=args.as_of, costs=costs)
        frame = report.to_frame()
        frame.to_csv(args.out, index=False, float_format="%.4f")
        say(f"{len(frame)} rows written to {args.out}")
        for kpi, why in report.notes.items():
            say(f"note: {kpi}: {why}")
        print(json.dumps({"rows": len(frame), "notes": report.notes}))
        return EXIT_OK

    p = sub.add_parser("kpis", help="collections KPIs per company, currency and month")
    p.add_argument("--history", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--as-of", type=_date, default=None, help="report date (default: last date)")
    p.add_argument("--cost-email", type=float, default=None)
    p.add_argument("--cost-letter", type=float, default=None)
    p.add_argument("--cost-call", type=float, default=None)
    p.set_defaults(func=run)
