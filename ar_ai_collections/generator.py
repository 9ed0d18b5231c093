"""Synthetic but realistic accounts-receivable history, for demos, tests and benchmarks.

Real ledgers are confidential, so the demo database, the engine tests and the
benchmarks run on a generated one. For the models to have something real to
learn, the generator does not draw lateness at random: each customer follows a
*behaviour* whose payment habits depend on the same signals a credit
controller watches:

==============  ===========================================================
behaviour       what it does
==============  ===========================================================
prompt          pays on time, often early; a rare slip
regular         mostly on time, late now and then, a little more on big bills
chronic_late    pays most invoices late, by weeks
seasonal        on time, except in the same three months every year (their
                low season) when nearly everything slips
distress        starts like a regular customer, then lateness grows month
                after month; the last invoices stay unpaid, some part-paid
disputer        contests a share of invoices: those are paid very late,
                or settled (fully or partly) by a credit note
default         behaves, slows down, then stops paying altogether; the
                invoices after that date remain open, long overdue
==============  ===========================================================

On top of the customer's habit, an invoice is more likely to be late when it
is large *for that customer* (log of amount / customer's median), in December,
in some industries, and while the customer's cash position is poor (a slowly
drifting monthly AR(1) term, so recent behaviour tells more than the
all-time average). The chance of paying late is a logistic function of those
terms; the delay, when late, is exponential with a customer-specific scale
that grows with the same drivers. Roughly a third of settled invoices end up
late. The customer's past late share alone ranks invoices with an AUC of
about 0.75; the true probabilities reach about 0.85: that gap is what a
model using history, trend, invoice size and season can win, while no single
feature gives the answer away.

Other realism: payment terms of 0/15/30/45/60 days, lognormal invoice sizes per
customer, customers onboarded during the period, invoices and payments on
business days, partial payments (two instalments) and credit notes. Everything
after ``end_date`` is cut off, so the latest invoices are open: a mix of not
yet due, just overdue and (defaults, distress) long overdue.

Volume: about one invoice per customer per month (frequencies vary widely),
so 80 customers x 24 months give ~1,900 invoices and 44,000 customers ~1M.
The whole ledger is drawn with vectorized numpy (no per-invoice or
per-customer Python loop) from one :class:`numpy.random.Generator` seeded by
``seed``: the same arguments give the same ledger; 2,000 invoices take about
10 ms and a million about 5 s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .constants import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

#: Customer behaviours and their share of the customer base.
BEHAVIOURS = ("prompt", "regular", "chronic_late", "seasonal", "distress", "disputer", "default")
BEHAVIOUR_SHARES = (0.30, 0.24, 0.14, 0.10, 0.09, 0.08, 0.05)
#: Company currency of the generated ledger (amounts are in it).
CURRENCY = "EUR"

_TERMS = np.array([0, 15, 30, 45, 60])
_TERMS_P = np.array([0.06, 0.18, 0.46, 0.14, 0.16])

_COUNTRIES = np.array(["BE", "FR", "NL", "DE", "LU", "ES", "IT", "GB", "US"])
_COUNTRIES_P = np.array([0.30, 0.20, 0.12, 0.12, 0.06, 0.05, 0.05, 0.05, 0.05])
_TLD = {"BE": "be", "FR": "fr", "NL": "nl", "DE": "de", "LU": "lu", "ES": "es", "IT": "it"}
_TLD.update({"GB": "co.uk", "US": "com"})
_SUFFIX = {
    "BE": ("SA", "SRL", "NV", "BV"),
    "FR": ("SAS", "SARL", "SA"),
    "NL": ("BV", "NV"),
    "DE": ("GmbH", "AG", "KG"),
    "LU": ("SA", "SARL"),
    "ES": ("SL", "SA"),
    "IT": ("SRL", "SpA"),
    "GB": ("Ltd", "PLC"),
    "US": ("Inc.", "LLC", "Corp."),
}
# industry -> (word used in company names, lateness log-odds shift)
_INDUSTRIES = {
    "Wholesale": ("Trading", 0.0),
    "Retail": ("Stores", 0.1),
    "Construction": ("Construction", 0.45),
    "Manufacturing": ("Industries", 0.1),
    "Logistics": ("Logistics", 0.15),
    "Hospitality": ("Hospitality", 0.35),
    "Healthcare": ("Medical", 0.25),
    "IT services": ("Systems", -0.2),
    "Agriculture": ("Farms", 0.2),
    "Professional services": ("Consulting", -0.1),
}
_INDUSTRY_NAMES = np.array(list(_INDUSTRIES))
_INDUSTRY_WORD = np.array([v[0] for v in _INDUSTRIES.values()])
_INDUSTRY_SHIFT = np.array([v[1] for v in _INDUSTRIES.values()])
# fmt: off
_NAME_A = np.array(
    [
        "Northern", "Blue", "Golden", "Silver", "Royal", "Alpine", "Atlantic", "Central", "Green",
        "Red", "Grand", "United", "Eastern", "Western", "Coastal", "Bright", "Prime", "Rapid",
        "Solid", "Urban", "Delta", "Noble", "Swift", "Clear", "Summit", "Vertex", "Orion", "Nova",
        "Polar", "Sterling", "Crystal", "Iron", "Maple", "Cedar", "Falcon", "Horizon", "Liberty",
        "Meridian", "Pioneer", "Quantum", "Harbor", "Granite", "Emerald", "Sunrise", "Crown", "Oak",
        "Willow", "Lakeside", "Highland", "Riverside"
    ]
)
_NAME_B = np.array(
    [
        "Bridge", "Point", "Valley", "Ridge", "Stone", "Field", "Gate", "Wave", "Peak", "Line",
        "Bay", "Port", "Mill", "Brook", "Forge", "Hill", "Crest", "Works", "Way", "Star", "Tower",
        "Park", "Rock", "Wood", "Lane", "Dale", "Haven", "Shore", "Spring", "Vale", "Cross",
        "Mount", "Arch", "Light", "Land", "Path", "Hollow", "Grove", "Station", "Square", "Bank",
        "Hall", "Court", "Yard", "Wharf", "Moor", "Ford", "Leaf", "Dock"
    ]
)
# fmt: on
_MAILBOX = np.array(["accounts", "ap", "billing", "finance", "invoices", "accounting"])


@dataclass
class GeneratedLedger:
    """A generated ledger.

    Attributes:
        history: canonical invoice history (see :mod:`ar_ai_collections.history`).
        customers: one row per customer: ``customer_id, name, email, behaviour,
            country, industry, payment_terms_days, credit_limit``; ``email`` is
            ``""`` for customers without one.
        payments: ``invoice_id, date, amount``; several rows per invoice for
            partial payments. For every settled invoice, payments plus credit
            notes sum to its amount.
        credit_notes: ``invoice_id, date, amount``, only on disputed invoices.
    """

    history: pd.DataFrame
    customers: pd.DataFrame
    payments: pd.DataFrame
    credit_notes: pd.DataFrame


def generate_ledger(
    customers: int = 80,
    months: int = 24,
    seed: int = 7,
    end_date: dt.date | None = None,
) -> GeneratedLedger:
    """Generate ``months`` of invoices for ``customers`` customers, up to ``end_date``.

    About one invoice per customer per month on average (frequencies vary
    widely between customers). Deterministic for given arguments; ``end_date``
    defaults to today, so pass it explicitly for reproducible output.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    rng = np.random.default_rng(seed)
    end = np.datetime64(end_date or dt.date.today(), "D")
    span = round(months * 30.44)
    start = end - np.timedelta64(span, "D")
    cust = _draw_customers(customers, span, rng)
    inv = _draw_invoices(cust, start, end, span, rng)
    return _settle(cust, inv, start, end, span, rng)


# --------------------------------------------------------------------------- #
# Customers
# --------------------------------------------------------------------------- #
def _draw_customers(n: int, span: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-customer parameters (arrays of length ``n``)."""
    # Exact quotas (largest remainder) so every behaviour exists when n >= 7.
    shares = np.array(BEHAVIOUR_SHARES)
    quota = np.floor(shares * n).astype(int)
    rest = n - quota.sum()
    quota[np.argsort(-(shares * n - quota), kind="stable")[:rest]] += 1
    if n >= len(BEHAVIOURS):
        zero = np.flatnonzero(quota == 0)
        for z in zero:  # at most a handful of behaviours
            quota[np.argmax(quota)] -= 1
            quota[z] += 1
    behaviour = rng.permutation(np.repeat(np.arange(len(BEHAVIOURS)), quota))
    b = {name: behaviour == i for i, name in enumerate(BEHAVIOURS)}

    base = rng.normal(0.0, 0.45, n) + np.select(
        [b["prompt"], b["regular"], b["chronic_late"], b["seasonal"], b["distress"]],
        [-3.2, -1.4, 1.3, -2.3, -1.3],
        default=-1.0,  # disputer, default
    )
    late_scale = np.exp(rng.normal(0.0, 0.3, n)) * np.select(
        [b["prompt"], b["regular"], b["chronic_late"], b["seasonal"], b["distress"]],
        [4.0, 8.0, 24.0, 18.0, 10.0],
        default=12.0,
    )
    # Seasonal customers: a low season of 3 consecutive months.
    season_start = rng.integers(0, 12, n)
    season_len = np.full(n, 3)
    # Distress: lateness grows from distress_start to the end of the period.
    distress_start = (span * rng.uniform(0.35, 0.65, n)).astype(int)
    # Default: stops paying on default_day; invoicing stops a bit later.
    default_day = (span * rng.uniform(0.45, 0.75, n)).astype(int)
    # Some customers are onboarded during the period.
    onboard = np.where(rng.random(n) < 0.25, (span * rng.uniform(0, 0.55, n)).astype(int), 0)
    onboard = np.where(b["default"] | b["distress"], np.minimum(onboard, span // 4), onboard)
    stop = np.where(b["default"], default_day + rng.integers(20, 60, n), span)

    rate = np.exp(rng.normal(np.log(1.0) - 0.18, 0.6, n)).clip(0.2, 8.0)  # invoices / month
    rate = np.where(b["seasonal"], np.maximum(rate * 1.5, 1.0), rate)  # steady repeat buyers
    rate = np.where(b["default"] | b["distress"], np.maximum(rate, 1.0), rate)  # debts need volume
    median_amount = np.exp(rng.normal(np.log(1400.0), 0.9, n)).clip(60, 250_000)
    amount_sigma = rng.uniform(0.25, 0.8, n)
    terms = rng.choice(_TERMS, n, p=_TERMS_P)
    country = rng.choice(_COUNTRIES, n, p=_COUNTRIES_P)
    industry = rng.integers(0, len(_INDUSTRY_NAMES), n)
    monthly = rate * median_amount * np.exp(amount_sigma**2 / 2)
    credit_limit = np.maximum(1000.0, np.round(monthly * rng.uniform(1.5, 3.5, n), -3))
    dispute_rate = np.select([b["disputer"], b["distress"]], [0.30, 0.05], default=0.015)
    partial_rate = np.select(
        [b["chronic_late"], b["distress"], b["default"], b["prompt"]],
        [0.15, 0.30, 0.12, 0.01],
        default=0.05,
    )
    return {
        "behaviour": behaviour,
        "base": base,
        "late_scale": late_scale,
        "season_start": season_start,
        "season_len": season_len,
        "distress_start": distress_start,
        "default_day": default_day,
        "onboard": onboard,
        "stop": stop,
        "rate": rate,
        "median_amount": median_amount,
        "amount_sigma": amount_sigma,
        "terms": terms,
        "country": country,
        "industry": industry,
        "credit_limit": credit_limit,
        "dispute_rate": dispute_rate,
        "partial_rate": partial_rate,
    }


def _customer_frame(cust: dict[str, np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    """Names, e-mails and static attributes of the customers."""
    n = len(cust["behaviour"])
    a = rng.choice(_NAME_A, n)
    bb = rng.choice(_NAME_B, n)
    word = _INDUSTRY_WORD[cust["industry"]]
    country = cust["country"]
    suffix_pick = rng.random(n)
    suffix = np.array(
        [_SUFFIX[c][int(p * len(_SUFFIX[c]))] for c, p in zip(country, suffix_pick, strict=True)]
    )
    names = pd.Series(
        np.char.add(np.char.add(np.char.add(np.char.add(a, " "), bb), " "), word), dtype=object
    )
    # Keep names unique: a second "Blue Ridge Logistics" becomes "Blue Ridge Logistics 2".
    dup = names.groupby(names).cumcount()
    names = names.where(dup == 0, names + " " + (dup + 1).astype(str))
    names = names + " " + suffix
    slug = (pd.Series(a).str.lower() + pd.Series(bb).str.lower()).to_numpy(dtype=object)
    slug = np.where(dup.to_numpy() == 0, slug, slug + (dup + 1).astype(str).to_numpy())
    tld = np.array([_TLD[c] for c in country], dtype=object)
    mailbox = rng.choice(_MAILBOX, n).astype(object)
    email = mailbox + "@" + slug + "." + tld
    email = np.where(rng.random(n) < 0.1, "", email)  # some customers have no e-mail
    return pd.DataFrame(
        {
            "customer_id": _customer_ids(n),
            "name": names.to_numpy(dtype=object),
            "email": email.astype(object),
            "behaviour": np.array(BEHAVIOURS, dtype=object)[cust["behaviour"]],
            "country": country.astype(object),
            "industry": _INDUSTRY_NAMES[cust["industry"]].astype(object),
            "payment_terms_days": cust["terms"].astype("float64"),
            "credit_limit": cust["credit_limit"].astype("float64"),
        }
    )


def _customer_ids(n: int) -> np.ndarray:
    width = max(5, len(str(n)))
    return np.array([f"C{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


# --------------------------------------------------------------------------- #
# Invoices
# --------------------------------------------------------------------------- #
def _draw_invoices(
    cust: dict[str, np.ndarray],
    start: np.datetime64,
    end: np.datetime64,
    span: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Invoice dates, amounts and terms, with the index ``c`` of their customer."""
    active = np.maximum(cust["stop"] - cust["onboard"], 1)
    counts = rng.poisson(cust["rate"] * active / 30.44)
    c = np.repeat(np.arange(len(counts)), counts)
    day = cust["onboard"][c] + (rng.random(len(c)) * active[c]).astype(int)
    # A customer about to default buys on credit until cut off: at least one
    # more invoice, often a few, between a month before its default day and
    # its last order.
    is_default = cust["behaviour"] == BEHAVIOURS.index("default")
    burst_from = np.maximum(cust["default_day"] - 30, cust["onboard"])
    burst_len = np.maximum(cust["stop"] - burst_from, 1)
    burst = np.where(is_default, 1 + rng.poisson(burst_len / 30.44), 0)
    c_burst = np.repeat(np.arange(len(burst)), burst)
    day_burst = burst_from[c_burst] + (rng.random(len(c_burst)) * burst_len[c_burst]).astype(int)
    c = np.concatenate([c, c_burst])
    day = np.minimum(np.concatenate([day, day_burst]), span)
    inv_date = _business_day(start + day.astype("timedelta64[D]"), backwards=True)
    inv_date = np.minimum(inv_date, end)
    amount = cust["median_amount"][c] * np.exp(rng.normal(0, cust["amount_sigma"][c]))
    amount = np.round(np.maximum(amount, 10.0), 2)
    terms = cust["terms"][c]
    # A few invoices on non-standard terms (a one-off deal).
    odd = rng.random(len(c)) < 0.04
    terms = np.where(odd, rng.choice(_TERMS, len(c)), terms)
    due = inv_date + terms.astype("timedelta64[D]")
    return {"c": c, "invoice_date": inv_date, "due_date": due, "amount": amount, "terms": terms}


def _business_day(dates: np.ndarray, backwards: bool = False) -> np.ndarray:
    """Move weekend dates to the Friday before (``backwards``) or the Monday after."""
    return np.busday_offset(dates, 0, roll="backward" if backwards else "forward")


# --------------------------------------------------------------------------- #
# Payments
# --------------------------------------------------------------------------- #
def _settle(
    cust: dict[str, np.ndarray],
    inv: dict[str, np.ndarray],
    start: np.datetime64,
    end: np.datetime64,
    span: int,
    rng: np.random.Generator,
) -> GeneratedLedger:
    """Decide when and how every invoice is paid, then cut everything at ``end``."""
    c = inv["c"]
    n = len(c)
    beh = cust["behaviour"][c]
    is_ = {name: beh == i for i, name in enumerate(BEHAVIOURS)}
    inv_date, due, amount, terms = inv["invoice_date"], inv["due_date"], inv["amount"], inv["terms"]
    day = (inv_date - start).astype(int)
    month = (inv_date.astype("datetime64[M]").astype(int) % 12).astype(int)  # 0 = January

    # --- probability of paying late: logistic in the drivers ---------------
    size = np.log(amount / cust["median_amount"][c])
    logit = cust["base"][c] + 1.2 * size + _INDUSTRY_SHIFT[cust["industry"][c]]
    # Cash position drifts: a slowly varying (AR(1), monthly) shock shared by a
    # customer's invoices of the same period, so recent behaviour says more
    # than the all-time average.
    logit += _cash_drift(len(cust["base"]), span, rng)[c, day // 30]
    logit += np.where(month == 11, 0.5, 0.0)  # December: closed offices, tight cash
    in_season = ((month - cust["season_start"][c]) % 12) < cust["season_len"][c]
    logit += np.where(is_["seasonal"] & in_season, 4.5, 0.0)
    distress_span = np.maximum(span - cust["distress_start"][c], 1)
    progress = np.clip((day - cust["distress_start"][c]) / distress_span, 0.0, 1.0)
    progress = np.where(is_["distress"], progress, 0.0)
    logit += 5.0 * progress
    # Default customers slow down during the ~4 months before they stop paying.
    to_default = (cust["default_day"][c] - day).astype(float)
    ramp = np.where(is_["default"], np.clip(1 - to_default / 120.0, 0.0, 1.0), 0.0)
    logit += 3.0 * ramp
    late = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))

    scale = cust["late_scale"][c] * (1 + 0.35 * np.maximum(size, 0))
    scale *= 1 + 3.0 * progress + 1.5 * ramp + np.where(is_["seasonal"] & in_season, 0.8, 0.0)
    days_late = np.ceil(rng.exponential(scale)).astype(int) + 1
    early_frac = np.where(is_["prompt"], 0.7, 0.3)
    days_early = np.floor(rng.beta(1.0, 2.5, n) * terms * early_frac).astype(int)
    # Payments land on business days: an on-time payment due on a Saturday is
    # made on the Friday before, a late one on the Monday after (or later).
    settle = np.where(
        late,
        _business_day(due + days_late.astype("timedelta64[D]")),
        _business_day(due - days_early, backwards=True),
    )
    settle = np.maximum(settle, inv_date)

    # --- never paid: defaults from their default day on, distress at the end
    default_date = start + cust["default_day"][c].astype("timedelta64[D]")
    never = is_["default"] & ((due >= default_date - 10) | (settle >= default_date))
    p_never = np.clip((progress - 0.6) * 2.0, 0.0, 0.8)
    never |= rng.random(n) < p_never

    # --- disputes: paid very late, or settled (fully or partly) by a credit note
    disputed = rng.random(n) < cust["dispute_rate"][c]
    # Raised within the payment terms (or soon after): a dispute the customer
    # has not raised by ``end`` is not in the ledger yet.
    raised = inv_date + rng.integers(3, terms + 20).astype("timedelta64[D]")
    r = rng.random(n)
    resolve = inv_date + (terms + rng.integers(20, 100, n)).astype("timedelta64[D]")
    resolve = _business_day(resolve)
    full_credit = disputed & (r < 0.3)
    part_credit = disputed & (r >= 0.3) & (r < 0.55)
    paid_late_dispute = disputed & (r >= 0.55)
    settle = np.where(paid_late_dispute, np.maximum(settle, resolve), settle)
    credit_amount = np.where(full_credit, amount, 0.0)
    credit_amount = np.where(
        part_credit, np.round(amount * rng.uniform(0.1, 0.5, n), 2), credit_amount
    )
    has_credit = full_credit | part_credit
    # The remainder of a partly credited invoice is paid a little after the credit note.
    settle = np.where(
        part_credit,
        _business_day(resolve + rng.integers(0, 21, n).astype("timedelta64[D]")),
        settle,
    )
    settle = np.where(full_credit, resolve, settle)
    never &= ~full_credit

    # --- partial payments: two instalments, or one on an invoice never settled
    to_pay = np.round(amount - credit_amount, 2)
    gap = (settle - inv_date).astype(int)
    partial = (rng.random(n) < cust["partial_rate"][c]) & (gap >= 4) & (to_pay > 0) & ~never
    never_partial = never & (rng.random(n) < 0.3)
    first_frac = rng.uniform(0.25, 0.7, n)
    first_amount = np.round(to_pay * first_frac, 2)
    first_date = inv_date + np.maximum(1, (gap * rng.uniform(0.2, 0.8, n)).astype(int)).astype(
        "timedelta64[D]"
    )
    never_first = inv_date + (terms + rng.integers(0, 45, n)).astype("timedelta64[D]")
    # Defaulting customers pay nothing after their default day.
    never_partial &= ~is_["default"] | (never_first < default_date)
    first_date = np.where(never_partial, never_first, first_date)
    first_date = _business_day(first_date.astype("datetime64[D]"))

    # Assemble payments (before cut-off).
    single = ~never & ~partial & (to_pay > 0)
    idx = np.arange(n)
    p_inv = np.concatenate([idx[single], idx[partial], idx[partial], idx[never_partial]])
    p_date = np.concatenate(
        [settle[single], first_date[partial], settle[partial], first_date[never_partial]]
    )
    p_amount = np.concatenate(
        [
            to_pay[single],
            first_amount[partial],
            np.round(to_pay[partial] - first_amount[partial], 2),
            first_amount[never_partial],
        ]
    )
    keep = p_date <= end
    p_inv, p_date, p_amount = p_inv[keep], p_date[keep], p_amount[keep]
    cn_keep = has_credit & (resolve <= end)

    paid = ~never & (settle <= end)
    paid_date = np.where(paid, settle, np.datetime64("NaT"))
    first_pay = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if len(p_inv):
        order = np.lexsort((p_date, p_inv))
        s_inv, s_date = p_inv[order], p_date[order]
        is_first = np.r_[True, s_inv[1:] != s_inv[:-1]]
        first_pay[s_inv[is_first]] = s_date[is_first]

    # A customer reached while badly late sometimes promises a date and misses it:
    # known once the invoice is settled (or still open a month past its due date).
    # Drawn from a spawned stream, so that every other draw of the ledger is the
    # same as without it.
    lateness = np.where(paid, settle - due, end - due).astype("timedelta64[D]").astype(int)
    reached = lateness > np.where(paid, 20, 30)
    broken_promise = reached & (rng.spawn(1)[0].random(n) < np.where(is_["distress"], 0.6, 0.3))

    # --- frames -------------------------------------------------------------
    customers_df = _customer_frame(cust, rng)
    cid = customers_df["customer_id"].to_numpy()
    order = np.lexsort((c, inv_date))  # chronological numbering
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    years = inv_date.astype("datetime64[Y]").astype(int) + 1970
    seq = _sequence_in_year(years, rank)
    width = max(5, len(str(int(seq.max(initial=0)))))
    invoice_id = np.char.add(
        np.char.add("INV/", years.astype(str)),
        np.char.add("/", np.char.zfill(seq.astype(str), width)),
    ).astype(object)
    history = pd.DataFrame(
        {
            "invoice_id": invoice_id,
            "customer_id": cid[c],
            "invoice_date": inv_date.astype("datetime64[ns]"),
            "due_date": due.astype("datetime64[D]").astype("datetime64[ns]"),
            "amount": amount.astype("float64"),
            "paid_date": paid_date.astype("datetime64[ns]"),
            "currency": np.full(n, CURRENCY, dtype=object),
            "country": cust["country"][c].astype(object),
            "industry": _INDUSTRY_NAMES[cust["industry"][c]].astype(object),
            "payment_terms_days": terms.astype("float64"),
            "disputed": disputed & (raised <= end),
            "broken_promise": broken_promise,
            "credit_limit": cust["credit_limit"][c].astype("float64"),
            "first_payment_date": first_pay.astype("datetime64[ns]"),
        }
    )
    history = history.iloc[order].reset_index(drop=True)
    history = history[[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]]
    pay_order = np.lexsort((p_date, rank[p_inv]))
    payments = pd.DataFrame(
        {
            "invoice_id": invoice_id[p_inv[pay_order]],
            "date": p_date[pay_order].astype("datetime64[ns]"),
            "amount": p_amount[pay_order].astype("float64"),
        }
    )
    cn_idx = np.flatnonzero(cn_keep)
    cn_idx = cn_idx[np.argsort(rank[cn_idx], kind="stable")]
    credit_notes = pd.DataFrame(
        {
            "invoice_id": invoice_id[cn_idx],
            "date": resolve[cn_idx].astype("datetime64[ns]"),
            "amount": credit_amount[cn_idx].astype("float64"),
        }
    )
    return GeneratedLedger(history, customers_df, payments, credit_notes)


def _cash_drift(
    n_customers: int, span: int, rng: np.random.Generator, rho: float = 0.85, sd: float = 0.5
) -> np.ndarray:
    """Per-customer AR(1) series on 30-day steps (``n_customers x periods``).

    Stationary with standard deviation ``sd`` and lag-one correlation ``rho``;
    looped over periods (a few dozen), vectorized over customers.
    """
    periods = span // 30 + 1
    shocks = rng.normal(0.0, sd * np.sqrt(1 - rho**2), (n_customers, periods))
    drift = np.empty_like(shocks)
    drift[:, 0] = rng.normal(0.0, sd, n_customers)
    for t in range(1, periods):
        drift[:, t] = rho * drift[:, t - 1] + shocks[:, t]
    return drift


def _sequence_in_year(years: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """1-based position of each invoice, by ``rank``, among invoices of its year."""
    order = np.lexsort((rank, years))
    y_sorted = years[order]
    starts = np.r_[0, np.flatnonzero(y_sorted[1:] != y_sorted[:-1]) + 1]
    pos = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    seq = np.empty(len(order), dtype=np.int64)
    seq[order] = pos + 1
    return seq
