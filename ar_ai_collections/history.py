"""Read, validate and write the canonical invoice-history CSV.

The history is the one input every other part of the engine works from: one
row per customer invoice, with when it was issued, when it fell due, how much
it was for and when (if ever) it was fully settled. Any ERP can export it::

    invoice_id,customer_id,invoice_date,due_date,amount,paid_date
    INV/2024/00001,C00042,2024-01-05,2024-02-04,1250.00,2024-02-10
    INV/2024/00002,C00007,2024-01-06,2024-01-21,310.40,

Required columns are :data:`~ar_ai_collections.constants.REQUIRED_COLUMNS`,
optional ones :data:`~ar_ai_collections.constants.OPTIONAL_COLUMNS`. Dates are
ISO ``YYYY-MM-DD``; an empty ``paid_date`` means the invoice is still open.

Validation is *all or nothing, with every problem reported at once*: rather
than stopping at the first bad cell, :func:`validate_history` evaluates each
rule as a vectorized mask over the whole column, collects one
:class:`RowError` per offending cell and raises a single :class:`HistoryError`
listing them by CSV line number (the header is line 1, the first data row is
line 2), so a user can fix the file in one pass. The valid path contains no
per-row Python loop: a million-row history validates in about a second.

The validated ("canonical") frame has stable dtypes the feature code relies on:

=====================================================  ===================
column                                                 dtype
=====================================================  ===================
invoice_id, customer_id, currency, country, industry   ``object`` (str)
invoice_date, due_date, paid_date, first_payment_date  ``datetime64[ns]``
amount, payment_terms_days, credit_limit               ``float64``
disputed, broken_promise                               ``bool``
=====================================================  ===================

Optional columns absent from the input are added with neutral values (empty
string, ``NaN``, ``NaT``, ``False``) so downstream code never has to test for
their presence. Extra, unknown columns are kept untouched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from .constants import (
    DATE_COLUMNS,
    MAX_HISTORY_AMOUNT,
    MAX_HISTORY_YEAR,
    MIN_HISTORY_YEAR,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
)

#: Text columns of the canonical frame (kept as Python ``str``).
TEXT_COLUMNS = ("invoice_id", "customer_id", "currency", "country", "industry")
#: Numeric columns; ``amount`` is mandatory, the others may be empty (``NaN``).
FLOAT_COLUMNS = ("amount", "payment_terms_days", "credit_limit")
#: Money columns, refused above ``MAX_HISTORY_AMOUNT``.
MONEY_COLUMNS = ("amount", "credit_limit")
#: Yes/no columns (absent or empty = no).
BOOL_COLUMNS = ("disputed", "broken_promise")
#: Accepted spellings of the yes/no flags (case-insensitive; empty = no).
TRUE_VALUES = frozenset({"1", "true", "yes", "y", "t"})
FALSE_VALUES = frozenset({"0", "false", "no", "n", "f", ""})
#: How many errors ``str(HistoryError)`` lists before summarising the rest.
MAX_LISTED_ERRORS = 20

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_REQUIRED_DATES = ("invoice_date", "due_date")
_FIRST_DAY = pd.Timestamp(MIN_HISTORY_YEAR, 1, 1)
_LAST_DAY = pd.Timestamp(MAX_HISTORY_YEAR, 12, 31)
_YEARS = f"{MIN_HISTORY_YEAR}-{MAX_HISTORY_YEAR}"


@dataclass(frozen=True)
class RowError:
    """One problem found in the history.

    ``row`` is the CSV line number (header = 1, first data row = 2) or ``None``
    for a file-level problem; ``column`` names the offending column, if any.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class HistoryError(ValueError):
    """The history cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[RowError]):
        self.errors: list[RowError] = sorted(
            errors, key=lambda e: (e.row if e.row is not None else 0, e.column or "")
        )
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.errors)
        head = f"Invalid invoice history ({n} error{'s' if n != 1 else ''}):"
        lines = [head] + [f"  - {e}" for e in self.errors[:MAX_LISTED_ERRORS]]
        if n > MAX_LISTED_ERRORS:
            lines.append(f"  ... and {n - MAX_LISTED_ERRORS} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._render()


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #
def load_history(source: str | os.PathLike | IO[str]) -> pd.DataFrame:
    """Read a history CSV (path or text stream) and return the canonical frame.

    The file is read as UTF-8 (a leading byte-order mark, as written by Excel,
    is tolerated) with every cell as text, so that validation, not the CSV
    parser, decides what a valid date or amount is and can say *where* a value
    is wrong. Blank lines are skipped but still counted, so reported line
    numbers match what an editor shows.

    Raises:
        HistoryError: the file is empty, unreadable as CSV, or fails
            :func:`validate_history`.
    """
    try:
        raw = pd.read_csv(
            source,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        raise HistoryError([RowError(None, None, "the file is empty")]) from None
    except pd.errors.ParserError as exc:
        hint = _semicolon_hint(_header_line(source))
        raise HistoryError([*hint, RowError(None, None, f"not a valid CSV file: {exc}")]) from None
    except UnicodeDecodeError as exc:
        raise HistoryError([_encoding_error(source, exc)]) from None
    # A text stream keeps its BOM (encoding only applies to paths/bytes).
    raw.columns = [str(c).lstrip("\ufeff").strip() for c in raw.columns]
    if len(raw.columns) == 1 and _semicolon_hint(raw.columns[0]):
        raise HistoryError(_semicolon_hint(raw.columns[0]))
    lines = np.arange(len(raw), dtype=np.int64) + 2
    if len(raw):
        blank = (raw == "").all(axis=1).to_numpy()
        if blank.any():
            raw = raw.loc[~blank].reset_index(drop=True)
            lines = lines[~blank]
    return _validate(raw, lines)


def _header_line(source: str | os.PathLike | IO[str]) -> str:
    """The first line of ``source`` read again (error path), ``""`` if it cannot be."""
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, encoding="utf-8-sig", errors="replace") as handle:
                return handle.readline()
        source.seek(0)
        return source.readline()
    except (OSError, ValueError, AttributeError):
        return ""


def _semicolon_hint(header: str) -> list[RowError]:
    """A hint when the header is separated by semicolons (Excel in many locales)."""
    if header.count(";") > header.count(","):
        return [RowError(1, None, "the file looks semicolon-separated; use commas")]
    return []


def _encoding_error(source: str | os.PathLike | IO[str], error: UnicodeDecodeError) -> RowError:
    """The error naming the line of the first byte that is not UTF-8.

    pandas decodes in chunks, so ``error.start`` is relative to a chunk: the
    file is decoded again in one piece (error path only) to find the line.
    """
    if isinstance(source, (str, os.PathLike)):
        data = Path(source).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as full:
            line = data.count(b"\n", 0, full.start) + 1
            byte = data[full.start]
            return RowError(line, None, f"byte 0x{byte:02x} is not UTF-8 text; save as UTF-8")
    return RowError(None, None, f"the file is not UTF-8 text: {error}")


def validate_history(df: pd.DataFrame) -> pd.DataFrame:
    """Check a history frame and return a canonical copy (see module doc).

    ``df`` may hold raw text (as read from a CSV) or already-typed columns
    (datetimes, floats, booleans, e.g. from the generator or an ERP query).
    Row ``i`` (0-based position) is reported as CSV line ``i + 2``.

    Rules: required columns present; at least one row; ``invoice_id`` and
    ``customer_id`` non-empty and ``invoice_id`` unique; ``invoice_date`` and
    ``due_date`` present and ISO dates, other date columns ISO or empty, every
    date within the years 1900-2200; ``amount`` a non-negative number;
    ``payment_terms_days``/``credit_limit`` numbers or empty; ``amount`` and
    ``credit_limit`` at most ``MAX_HISTORY_AMOUNT`` (1e12); ``due_date``,
    ``paid_date`` and ``first_payment_date`` not before ``invoice_date``;
    ``first_payment_date`` not after ``paid_date``; ``disputed`` and
    ``broken_promise`` one of 1/0/true/false/yes/no or empty.

    Raises:
        HistoryError: listing every violation with its line and column.
    """
    return _validate(df, np.arange(len(df), dtype=np.int64) + 2)


def _validate(df: pd.DataFrame, lines: np.ndarray) -> pd.DataFrame:
    """Validate ``df`` whose rows come from CSV ``lines`` (same length)."""
    df = df.rename(columns=lambda c: str(c).strip()).reset_index(drop=True)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise HistoryError(
            [RowError(1, c, f"required column {c!r} is missing from the header") for c in missing]
        )
    if df.columns.duplicated().any():
        dupes = sorted(set(df.columns[df.columns.duplicated()]))
        raise HistoryError([RowError(1, c, "column appears more than once") for c in dupes])
    if len(df) == 0:
        raise HistoryError([RowError(None, None, "the history has no invoice rows")])

    errors: list[RowError] = []
    out = df.copy()

    def report(mask: np.ndarray, column: str, message) -> None:
        """Add one error per True in ``mask``; ``message`` may format the raw value."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        shown = df[column]
        for i in idx:  # error path only: bounded by the number of bad cells
            text = message(shown.iloc[i]) if callable(message) else message
            errors.append(RowError(int(lines[i]), column, text))

    # Text columns: identifiers must be present; others default to "".
    for col in TEXT_COLUMNS:
        if col not in out.columns:
            out[col] = ""
            continue
        text = _as_text(out[col])
        out[col] = text
        if col in ("invoice_id", "customer_id"):
            report((text == "").to_numpy(), col, "value is empty")
    dup = out["invoice_id"].duplicated(keep="first") & (out["invoice_id"] != "")
    if dup.any():
        first_line = pd.Series(lines, index=out.index).groupby(out["invoice_id"]).transform("first")
        for i in np.flatnonzero(dup.to_numpy()):
            errors.append(
                RowError(
                    int(lines[i]),
                    "invoice_id",
                    f"duplicate invoice_id {out['invoice_id'].iloc[i]!r}"
                    f" (first seen on line {int(first_line.iloc[i])})",
                )
            )

    # Dates: ISO YYYY-MM-DD, empty allowed except for the two mandatory ones.
    for col in DATE_COLUMNS:
        if col not in out.columns:
            out[col] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
            continue
        parsed, empty, bad = _parse_dates(out[col])
        out[col] = parsed
        report(bad, col, _bad_date_message)
        outside = ((parsed < _FIRST_DAY) | (parsed > _LAST_DAY)).to_numpy()
        report(outside, col, lambda v: f"{str(v)[:10]!r} is outside the years {_YEARS}")
        if col in _REQUIRED_DATES:
            report(empty, col, "value is empty")

    # Numbers.
    for col in FLOAT_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
            continue
        values, empty, bad = _parse_floats(out[col])
        out[col] = values
        report(bad, col, lambda v: f"{v!r} is not a number")
        if col == "amount":
            report(empty, col, "value is empty")
            report((values < 0).to_numpy(), col, lambda v: f"{v!r} is negative")
        elif col == "payment_terms_days":
            report((values < 0).to_numpy(), col, lambda v: f"{v!r} is negative")
        if col in MONEY_COLUMNS:
            report(
                (values > MAX_HISTORY_AMOUNT).to_numpy(),
                col,
                lambda v: f"{v!r} is above the maximum {MAX_HISTORY_AMOUNT:g}",
            )

    # Yes/no flags.
    for col in BOOL_COLUMNS:
        if col in out.columns:
            flags, bad = _parse_bools(out[col])
            out[col] = flags
            report(bad, col, lambda v: f"{v!r} is not one of 1/0/true/false/yes/no")
        else:
            out[col] = False

    # Date ordering (NaT compares False, so empty or invalid cells never fire).
    order_rules = (
        ("due_date", "<", "invoice_date", "due date {} is before the invoice date {}"),
        ("paid_date", "<", "invoice_date", "paid date {} is before the invoice date {}"),
        (
            "first_payment_date",
            "<",
            "invoice_date",
            "first payment date {} is before the invoice date {}",
        ),
        ("first_payment_date", ">", "paid_date", "first payment date {} is after the paid date {}"),
    )
    for col, op, other, template in order_rules:
        left, right = out[col], out[other]
        mask = (left < right) if op == "<" else (left > right)
        for i in np.flatnonzero(mask.to_numpy()):
            text = template.format(f"{left.iloc[i]:%Y-%m-%d}", f"{right.iloc[i]:%Y-%m-%d}")
            errors.append(RowError(int(lines[i]), col, text))

    if errors:
        raise HistoryError(errors)
    ordered = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    return out[ordered + [c for c in out.columns if c not in ordered]]


def _bad_date_message(value) -> str:
    """Why a date cell was refused: its format, or a year pandas cannot hold."""
    text = str(value).strip()
    if re.match(_ISO_DATE, text):
        return f"{text!r} is not a valid date within the years {_YEARS}"
    return f"{value!r} is not a date in YYYY-MM-DD format"


def _per_unique(series: pd.Series, func) -> np.ndarray:
    """Apply a vectorized ``func`` to the distinct values of ``series`` only.

    Histories repeat values a lot (a few hundred dates, a few thousand
    customers for a million rows), so parsing the distinct values and
    broadcasting back with their codes is several times faster than parsing
    every cell.
    """
    codes, uniques = pd.factorize(series)
    mapped = np.asarray(func(pd.Index(uniques)))
    return mapped[codes]


def _as_text(series: pd.Series) -> pd.Series:
    """Stripped ``str`` values, with missing values as ``""``."""
    if series.isna().any():
        series = series.astype(object).where(series.notna(), "")
    text = _per_unique(series, lambda u: u.astype(str).str.strip().to_numpy(dtype=object))
    return pd.Series(text, index=series.index, dtype=object)


def _parse_dates(series: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Return (datetime64[ns] series, empty mask, invalid mask)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.dt.tz_localize(None) if series.dt.tz is not None else series
        values = values.astype("datetime64[ns]")
        empty = values.isna().to_numpy()
        return values, empty, np.zeros(len(series), dtype=bool)
    if series.dtype == object and len(series) and _all_dates(series):
        values = pd.to_datetime(series, errors="coerce").astype("datetime64[ns]")
        empty = series.isna().to_numpy()
        return values, empty, ~empty & values.isna().to_numpy()
    text = _as_text(series)
    empty = (text == "").to_numpy()

    def parse(uniques: pd.Index) -> np.ndarray:
        parsed = pd.to_datetime(uniques, format="%Y-%m-%d", errors="coerce")
        shaped = uniques.str.match(_ISO_DATE)
        return np.where(shaped, parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))

    values = pd.Series(_per_unique(text, parse), index=series.index, dtype="datetime64[ns]")
    bad = ~empty & values.isna().to_numpy()
    return values, empty, bad


def _all_dates(series: pd.Series) -> bool:
    """True when an object column holds only date/datetime objects or nulls."""
    non_null = series.dropna()
    if non_null.empty:
        return False
    kinds = non_null.map(type).unique()
    return all(issubclass(k, dt.date) for k in kinds)


def _parse_floats(series: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Return (float64 series, empty mask, invalid mask)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        return values, values.isna().to_numpy(), np.zeros(len(series), dtype=bool)
    text = _as_text(series)
    empty = (text == "").to_numpy()
    values = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64")
    bad = ~empty & (values.isna().to_numpy() | ~np.isfinite(values.fillna(0).to_numpy()))
    return values.where(~pd.Series(bad, index=series.index)), empty, bad


def _parse_bools(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Return (bool series, invalid mask); empty means ``False``."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series):
        filled = series.fillna(0)
        bad = ~filled.isin([0, 1]).to_numpy()
        return filled.astype(bool) & ~pd.Series(bad, index=series.index), bad
    text = _as_text(series).str.lower()
    truthy = text.isin(TRUE_VALUES)
    bad = ~(truthy | text.isin(FALSE_VALUES)).to_numpy()
    return truthy.astype(bool), bad


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #
def invoices_of(history: pd.DataFrame, invoice_ids: pd.Series, what: str) -> pd.DataFrame:
    """The history rows of ``invoice_ids``, in their order, indexed by invoice id.

    Raises:
        ValueError: some ids are not in the history; the message counts the
            ``what`` invoices (e.g. "scored") that are unknown and names the first.
    """
    h = history.set_index("invoice_id")
    unknown = ~invoice_ids.isin(h.index)
    if unknown.any():
        raise ValueError(
            f"{int(unknown.sum())} {what} invoice(s) not in the history, "
            f"first {invoice_ids[unknown].iloc[0]!r}"
        )
    return h.loc[invoice_ids]


def write_history(df: pd.DataFrame, dest: str | os.PathLike | IO[str]) -> None:
    """Write a history frame as canonical CSV to a path or text stream.

    Dates are written as ``YYYY-MM-DD`` (empty for ``NaT``), yes/no flags as
    ``1``/``0``, whole-day payment terms without a decimal part and empty
    cells for missing numbers, so that ``load_history(write_history(df))``
    round-trips exactly. Required columns come first, in canonical order.
    """
    out = df.copy()
    for col in DATE_COLUMNS:
        if col in out.columns:
            days = pd.to_datetime(out[col]).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            out[col] = np.where(np.isnat(days), "", days.astype(str)).astype(object)
    for col in BOOL_COLUMNS:
        if col in out.columns:
            out[col] = out[col].fillna(False).astype(bool).astype(int)
    if "payment_terms_days" in out.columns:
        terms = pd.to_numeric(out["payment_terms_days"], errors="coerce")
        if (terms.dropna() % 1 == 0).all():
            out["payment_terms_days"] = terms.astype("Int64")
    ordered = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in out.columns]
    ordered += [c for c in out.columns if c not in ordered]
    kwargs = {"index": False, "na_rep": "", "lineterminator": "\n", "quoting": csv.QUOTE_MINIMAL}
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "w", encoding="utf-8", newline="") as fh:
            out[ordered].to_csv(fh, **kwargs)
    else:
        out[ordered].to_csv(dest, **kwargs)


def history_to_csv(df: pd.DataFrame) -> str:
    """Return the canonical CSV text of ``df`` (convenience for uploads/tests)."""
    buf = io.StringIO()
    write_history(df, buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- #
# Extra typed columns (read by the KPIs; not part of the canonical frame)
# --------------------------------------------------------------------------- #
def parse_extra_columns(
    df: pd.DataFrame,
    dates: Iterable[str] = (),
    numbers: Iterable[str] = (),
    texts: Iterable[str] = (),
) -> tuple[pd.DataFrame, frozenset[str]]:
    """Type extra columns of a history, with the same rules as the canonical ones.

    :func:`load_history` keeps unknown columns as text; a consumer that needs some
    of them typed (the KPIs read credit notes, promises...) calls this. Dates are
    ISO or empty (``NaT``), numbers finite, non-negative or empty (``NaN``), texts
    stripped (``""``). Absent columns are added with those neutral values.

    Returns the typed copy and the names of the columns that were present.

    Raises:
        HistoryError: every bad cell, by CSV line (row ``i`` is line ``i + 2``).
    """
    out = df.copy()
    present = frozenset(c for c in (*dates, *numbers, *texts) if c in df.columns)
    errors: list[RowError] = []
    for col in dates:
        if col not in present:
            out[col] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
            continue
        out[col], _, bad = _parse_dates(out[col])
        errors += [
            RowError(int(i) + 2, col, "not a date in YYYY-MM-DD format")
            for i in np.flatnonzero(bad)
        ]
    for col in numbers:
        if col not in present:
            out[col] = np.nan
            continue
        out[col], _, bad = _parse_floats(out[col])
        bad = bad | (out[col] < 0).to_numpy()
        errors += [
            RowError(int(i) + 2, col, "not a non-negative number") for i in np.flatnonzero(bad)
        ]
    for col in texts:
        out[col] = _as_text(out[col]) if col in present else ""
    if errors:
        raise HistoryError(errors)
    return out, present
