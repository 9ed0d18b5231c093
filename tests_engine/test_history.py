"""Tests of the canonical history reader, validator and writer."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from ar_ai_collections.constants import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from ar_ai_collections.history import (
    MAX_LISTED_ERRORS,
    HistoryError,
    RowError,
    history_to_csv,
    load_history,
    validate_history,
    write_history,
)

HEADER = "invoice_id,customer_id,invoice_date,due_date,amount,paid_date"
VALID = (
    "invoice_id,customer_id,invoice_date,due_date,amount,paid_date,disputed,"
    "payment_terms_days,credit_limit,currency,country,industry,first_payment_date\n"
    "INV/1,C1,2024-01-05,2024-02-04,1250.50,2024-02-10,yes,30,5000,EUR,BE,Retail,2024-01-20\n"
    "INV/2,C1,2024-01-06,2024-01-21,310.40,,0,15,,EUR,BE,Retail,\n"
    "INV/3,C2,2024-02-01,2024-02-01,99,2024-02-01,False,0,1000,EUR,FR,,2024-02-01\n"
)


def _load(text: str) -> pd.DataFrame:
    return load_history(io.StringIO(text))


def _errors(text: str) -> list[RowError]:
    with pytest.raises(HistoryError) as info:
        _load(text)
    return info.value.errors


def _only_error(text: str) -> RowError:
    errors = _errors(text)
    assert len(errors) == 1, errors
    return errors[0]


def test_valid_file_gives_canonical_dtypes():
    df = _load(VALID)
    assert list(df.columns) == [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    assert len(df) == 3
    for col in ("invoice_date", "due_date", "paid_date", "first_payment_date"):
        assert df[col].dtype == "datetime64[ns]", col
    for col in ("amount", "payment_terms_days", "credit_limit"):
        assert df[col].dtype == "float64", col
    assert df["disputed"].dtype == bool
    assert df["disputed"].tolist() == [True, False, False]
    assert df["invoice_id"].tolist() == ["INV/1", "INV/2", "INV/3"]
    assert pd.isna(df.loc[1, "paid_date"])
    assert np.isnan(df.loc[1, "credit_limit"])
    assert df.loc[0, "amount"] == pytest.approx(1250.5)
    assert df.loc[2, "industry"] == ""


def test_round_trip_through_csv(tmp_path):
    df = _load(VALID)
    path = tmp_path / "history.csv"
    write_history(df, path)
    text = path.read_text(encoding="utf-8")
    assert ",2024-01-06,2024-01-21,310.4,,EUR," in text  # empty paid_date, ISO dates
    assert "\n" in text and "\r" not in text
    again = load_history(path)
    pd.testing.assert_frame_equal(again, df)
    assert history_to_csv(again) == text


def test_minimal_columns_get_neutral_optional_columns():
    df = _load(HEADER + "\nA,C,2024-03-01,2024-03-31,10,\n")
    assert df.loc[0, "disputed"] is np.False_ or df.loc[0, "disputed"] == False  # noqa: E712
    assert df.loc[0, "currency"] == ""
    assert pd.isna(df.loc[0, "first_payment_date"])
    assert np.isnan(df.loc[0, "payment_terms_days"])


def test_bom_and_padding_are_tolerated(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n A , C ,2024-03-01,2024-03-31, 10.5 ,\r\n").encode())
    df = load_history(path)
    assert df.loc[0, "invoice_id"] == "A"
    assert df.loc[0, "customer_id"] == "C"
    assert df.loc[0, "amount"] == 10.5
    # A text stream that still carries the BOM.
    assert _load("\ufeff" + HEADER + "\nA,C,2024-03-01,2024-03-31,10,\n").shape[0] == 1


def test_empty_file():
    error = _only_error("")
    assert error.row is None
    assert "empty" in error.message


def test_header_only_has_no_rows():
    error = _only_error(HEADER + "\n")
    assert "no invoice rows" in error.message


def test_missing_columns_are_all_named():
    errors = _errors("invoice_id,customer_id,invoice_date,amount\nA,C,2024-01-01,5\n")
    assert {(e.row, e.column) for e in errors} == {(1, "due_date"), (1, "paid_date")}


@pytest.mark.parametrize(
    ("row", "column", "needle"),
    [
        ("A,C,2024-02-30,2024-03-31,10,", "invoice_date", "'2024-02-30'"),
        ("A,C,05/01/2024,2024-03-31,10,", "invoice_date", "'05/01/2024'"),
        ("A,C,2024-03-01,2024-3-31,10,", "due_date", "'2024-3-31'"),
        ("A,C,2024-03-01,,10,", "due_date", "empty"),
        ("A,C,2024-03-01,2024-03-31,10,yesterday", "paid_date", "'yesterday'"),
        ("A,C,2024-03-01,2024-03-31,ten,", "amount", "'ten'"),
        ("A,C,2024-03-01,2024-03-31,,", "amount", "empty"),
        ("A,C,2024-03-01,2024-03-31,-3,", "amount", "negative"),
        ("A,C,2024-03-01,2024-03-31,inf,", "amount", "not a number"),
        ("A,C,2024-03-01,2024-02-28,10,", "due_date", "before the invoice date"),
        ("A,C,2024-03-01,2024-03-31,10,2024-02-01", "paid_date", "before the invoice date"),
        (",C,2024-03-01,2024-03-31,10,", "invoice_id", "empty"),
        ("A,,2024-03-01,2024-03-31,10,", "customer_id", "empty"),
    ],
)
def test_malformed_cell_is_reported_with_line_and_column(row, column, needle):
    good = "G,C,2024-01-01,2024-01-31,5,2024-01-20"
    # Bad row on line 4 (header = 1, two good rows first).
    text = f"{HEADER}\n{good}\n{good.replace('G,', 'H,')}\n{row}\n"
    error = _only_error(text)
    assert (error.row, error.column) == (4, column)
    assert needle in error.message
    assert f"line 4, column '{column}'" in str(HistoryError([error]))


@pytest.mark.parametrize("column", ["disputed", "broken_promise"])
def test_flag_spellings(column):
    head = HEADER + f",{column}\n"
    ok = _load(
        head
        + "".join(
            f"I{i},C,2024-01-01,2024-01-31,5,,{v}\n"
            for i, v in enumerate(["1", "0", "TRUE", "false", "Yes", "no", ""])
        )
    )
    assert ok[column].tolist() == [True, False, True, False, True, False, False]
    error = _only_error(head + "A,C,2024-01-01,2024-01-31,5,,maybe\n")
    assert (error.row, error.column) == (2, column)
    assert "'maybe'" in error.message


def test_first_payment_date_after_paid_date():
    text = HEADER + ",first_payment_date\nA,C,2024-01-01,2024-01-31,5,2024-01-10,2024-01-12\n"
    error = _only_error(text)
    assert (error.row, error.column) == (2, "first_payment_date")
    assert "after the paid date" in error.message


def test_duplicate_invoice_id_names_first_line():
    text = f"{HEADER}\nA,C,2024-01-01,2024-01-31,5,\nB,C,2024-01-01,2024-01-31,5,\n"
    text += "A,D,2024-01-02,2024-01-31,7,\n"
    error = _only_error(text)
    assert (error.row, error.column) == (4, "invoice_id")
    assert "first seen on line 2" in error.message


def test_blank_lines_keep_line_numbers():
    text = f"{HEADER}\nA,C,2024-01-01,2024-01-31,5,\n\nB,C,2024-01-01,2024-01-31,x,\n"
    error = _only_error(text)
    assert (error.row, error.column) == (4, "amount")


def test_all_errors_are_collected_and_listing_is_capped():
    rows = "".join(f"I{i},C,2024-01-01,2024-01-31,bad{i},\n" for i in range(30))
    with pytest.raises(HistoryError) as info:
        _load(HEADER + "\n" + rows)
    err = info.value
    assert [e.row for e in err.errors] == list(range(2, 32))
    text = str(err)
    assert "30 errors" in text
    assert "line 21, column 'amount'" in text  # the 20th listed
    assert "line 22," not in text
    assert f"and {30 - MAX_LISTED_ERRORS} more" in text
    assert isinstance(err, ValueError)


def test_validate_typed_frame():
    df = pd.DataFrame(
        {
            "invoice_id": ["A", "B"],
            "customer_id": ["C", "C"],
            "invoice_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "due_date": pd.to_datetime(["2024-01-31", "2024-01-01"]),
            "amount": [10.0, 20.0],
            "paid_date": pd.to_datetime(["2024-01-20", None]),
            "disputed": [True, False],
        }
    )
    with pytest.raises(HistoryError) as info:
        validate_history(df)
    assert [(e.row, e.column) for e in info.value.errors] == [(3, "due_date")]
    df.loc[1, "due_date"] = pd.Timestamp("2024-02-01")
    out = validate_history(df)
    assert out["disputed"].tolist() == [True, False]
    assert out["paid_date"].dtype == "datetime64[ns]"


def test_unparseable_csv_is_a_history_error():
    with pytest.raises(HistoryError, match="not a valid CSV"):
        _load(HEADER + '\nA,C,2024-01-01,2024-01-31,5,"unterminated\n')


def test_python_dates_numeric_flags_and_extra_columns():
    df = pd.DataFrame(
        {
            "invoice_id": [1001, 1002],  # numeric ids become text
            "customer_id": ["C", "C"],
            "invoice_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)],
            "due_date": [dt.date(2024, 1, 31), dt.date(2024, 2, 1)],
            "amount": [10, 20],
            "paid_date": [None, dt.date(2024, 1, 15)],
            "disputed": [0, 1],
            "salesperson": ["ann", "bob"],
        }
    )
    out = validate_history(df)
    assert out["invoice_id"].tolist() == ["1001", "1002"]
    assert out["invoice_date"].dtype == "datetime64[ns]"
    assert pd.isna(out.loc[0, "paid_date"])
    assert out["disputed"].tolist() == [False, True]
    assert out["amount"].dtype == "float64"
    assert out.columns[-1] == "salesperson"  # extra columns kept, after canonical ones
    df.loc[1, "disputed"] = 2
    with pytest.raises(HistoryError) as info:
        validate_history(df)
    assert [(e.row, e.column) for e in info.value.errors] == [(3, "disputed")]


def test_short_row_reports_empty_required_cells():
    errors = _errors(HEADER + "\nA,C,2024-01-01\n")
    assert {(e.row, e.column) for e in errors} == {(2, "due_date"), (2, "amount")}


def test_file_level_error_message():
    err = HistoryError([RowError(None, None, "the file is empty")])
    assert str(err) == "Invalid invoice history (1 error):\n  - the file is empty"


@pytest.mark.parametrize(
    ("row", "column", "needle"),
    [
        ("A,C,2024-01-01,2024-01-31,1.7e308,", "amount", "above the maximum 1e+12"),
        ("A,C,2024-01-01,2024-01-31,1000000000001,", "amount", "above the maximum"),
        ("A,C,1899-12-31,2024-01-31,5,", "invoice_date", "outside the years 1900-2200"),
        ("A,C,2024-01-01,2201-01-01,5,", "due_date", "outside the years 1900-2200"),
        ("A,C,2024-01-01,2024-01-31,5,2263-01-01", "paid_date", "within the years 1900-2200"),
    ],
)
def test_absurd_amounts_and_dates_are_refused_by_line(row, column, needle):
    error = _only_error(f"{HEADER}\nG,C,2024-01-01,2024-01-31,5,\n{row}\n")
    assert (error.row, error.column) == (3, column)
    assert needle in error.message


def test_bounds_apply_to_typed_frames_and_credit_limit():
    frame = _load(VALID)
    frame.loc[1, "credit_limit"] = 5e12
    frame.loc[2, "paid_date"] = pd.Timestamp("1850-01-01")
    with pytest.raises(HistoryError) as info:
        validate_history(frame)
    found = {(e.row, e.column) for e in info.value.errors}
    assert {(3, "credit_limit"), (4, "paid_date")} <= found
    # Python dates beyond what pandas holds are errors, not silently "unpaid".
    frame = _load(VALID).astype({"paid_date": object})
    frame["paid_date"] = [dt.date(2024, 2, 10), None, dt.date(2999, 1, 1)]
    with pytest.raises(HistoryError) as info:
        validate_history(frame)
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "paid_date")]
    assert validate_history(_load(VALID).assign(amount=1e12))["amount"].max() == 1e12


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\nA,C,2024-01-01,2024-01-31,5,\nB,Café,2024-01-01,2024-01-31,5,\n".encode(
            "latin-1"
        )
    )
    with pytest.raises(HistoryError) as info:
        load_history(path)
    [error] = info.value.errors
    assert error.row == 3 and "0xe9 is not UTF-8" in error.message


@pytest.mark.parametrize(
    "rows",
    ["A;C;2024-01-01;2024-01-31;5;\n", "A;C;2024-01-01;2024-01-31;5,5;\nB;C;x;y;1,25;\n"],
)
def test_semicolon_separated_file_gets_a_hint(rows, tmp_path):
    text = HEADER.replace(",", ";") + "\n" + rows
    for source in (io.StringIO(text), tmp_path / "semi.csv"):
        if not isinstance(source, io.StringIO):
            source.write_text(text)
        with pytest.raises(HistoryError) as info:
            load_history(source)
        assert "looks semicolon-separated; use commas" in str(info.value)
        assert info.value.errors[0].row == 1


def test_invoices_of_keeps_the_order_and_names_unknown_ids():
    from ar_ai_collections.history import invoices_of

    history = pd.DataFrame({"invoice_id": ["A", "B", "C"], "amount": [1.0, 2.0, 3.0]})
    rows = invoices_of(history, pd.Series(["C", "A", "C"]), "scored")
    assert rows["amount"].tolist() == [3.0, 1.0, 3.0]
    with pytest.raises(ValueError, match=r"2 scored invoice\(s\) not in the history, first 'X'"):
        invoices_of(history, pd.Series(["A", "X", "Y"]), "scored")
