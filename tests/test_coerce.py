"""The cell parsers, table-driven: what people type, what it is read as, and what is reported."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from xl_bdg.reading.coerce import coerce, is_empty, parse_date_text, parse_number, serial_to_date

D = dt.date


@pytest.mark.parametrize(
    ("text", "whole", "expected"),
    [
        ("1.234.567", False, (1234567, None)),
        ("1.234,5", False, (1234.5, None)),
        (" 12 ", False, (12, None)),
        ("1,5", False, (1.5, None)),
        ("0,125", False, (0.125, None)),
        ("12.5", False, (12.5, None)),
        ("1,234,567", False, (1234567, None)),
        ("1,234.5", False, (1234.5, None)),
        ("1 234 567", False, (1234567, None)),
        ("1\u00a0234", False, (1234, None)),
        ("-3", False, (-3, None)),
        ("\u22121", False, (-1, None)),
        ("+7", False, (7, None)),
        ("1000000000000000", True, (10**15, None)),
        # A single separator before exactly three digits reads either way: whole types take the whole reading.
        ("1.234", False, (None, "ambiguous")),
        ("1,234", False, (None, "ambiguous")),
        ("1.234", True, (1234, None)),
        ("1,234", True, (1234, None)),
        ("abc", False, (None, "invalid")),
        ("1.23.4", False, (None, "invalid")),
        ("1.234,5,6", False, (None, "invalid")),
        ("12 34", False, (None, "invalid")),
        ("1..2", False, (None, "invalid")),
        ("", False, (None, "invalid")),
        ("-", False, (None, "invalid")),
        ("1e5", False, (None, "invalid")),
    ],
)
def test_parse_number(text: str, whole: bool, expected: tuple) -> None:
    value, problem = parse_number(text, whole=whole)
    assert (value, problem) == expected
    if value is not None:
        assert type(value) is type(expected[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/11/2026", (D(2026, 11, 15), None)),
        ("15-11-2026", (D(2026, 11, 15), None)),
        ("15.11.2026", (D(2026, 11, 15), None)),
        ("5/1/2026", (D(2026, 1, 5), None)),
        ("05/11/2026", (D(2026, 11, 5), None)),  # day first: never read as 11 May
        (" 15/11/26 ", (D(2026, 11, 15), None)),
        ("2026-11-15", (D(2026, 11, 15), None)),
        ("ngày 15 tháng 11 năm 2026", (D(2026, 11, 15), None)),
        ("Ngày 5 tháng 1 năm 2026", (D(2026, 1, 5), None)),
        ("11/15/2026", (None, "month-first")),
        ("30/02/2026", (None, "invalid")),
        ("31/13/2026", (None, "invalid")),
        ("15/11-2026", (None, "invalid")),
        ("15/11", (None, "invalid")),
        ("hôm qua", (None, "invalid")),
    ],
)
def test_parse_date_text(text: str, expected: tuple) -> None:
    assert parse_date_text(text) == expected


NFD_CO = unicodedata.normalize("NFD", "Có")


@pytest.mark.parametrize(
    ("raw", "ftype", "value", "code", "keeps_raw"),
    [
        # cells holding the right type: no finding, no raw
        (12.0, "count", 12, None, False),
        (12, "count", 12, None, False),
        (2.5, "count", 2.5, None, False),  # not whole: the validation stage reports it (a range, not a type)
        (-1.0, "count", -1, None, False),  # negative: the validation stage's range check
        (1e15, "count", 10**15, None, False),
        (1500000.0, "money", 1500000, None, False),
        (12.5, "number", 12.5, None, False),
        (45, "percent", 45.0, None, False),
        (D(2026, 11, 15), "date", D(2026, 11, 15), None, False),
        (dt.datetime(2026, 11, 15, 0, 0), "date", D(2026, 11, 15), None, False),
        ("Truyền thông", "list", "Truyền thông", None, False),
        # text that people type: read with a warning, raw kept
        ("1.234.567", "count", 1234567, "text-number", True),
        (" 12 ", "count", 12, "text-number", True),
        ("5.000.000 đ", "money", 5000000, "text-number", True),
        ("1.234,5", "number", 1234.5, "text-number", True),
        ("45,5%", "percent", 45.5, "text-number", True),
        ("15/11/2026", "date", D(2026, 11, 15), "text-date", True),
        ("15-11-2026", "date", D(2026, 11, 15), "text-date", True),
        (46341.0, "date", D(2026, 11, 15), None, True),  # a serial number in a date cell is that date
        (NFD_CO, "yesno", "Có", "text-normalized", True),
        (" Ngân sách  tỉnh ", "list", "Ngân sách tỉnh", None, True),
        ("  Báo cáo  ", "text", "Báo cáo", None, True),
        (912345678.0, "text", "912345678", None, True),
        (D(2026, 10, 20), "text", "20/10/2026", None, True),
        # what cannot be read is an error with the value found
        ("mười hai", "count", None, "type-error", True),
        ("1.234", "percent", None, "ambiguous-number", True),
        ("12%", "count", None, "type-error", True),
        ("5.000 đ", "count", None, "type-error", True),
        (True, "count", None, "type-error", True),
        (D(2026, 1, 1), "money", None, "type-error", True),
        ("#DIV/0!", "number", None, "type-error", True),
        ("11/15/2026", "date", None, "date-month-first", True),
        ("30/02/2026", "date", None, "type-error", True),
        (5.0, "date", None, "type-error", True),  # 5 January 1900 is a typo, not a report date
        (True, "date", None, "type-error", True),
        # empty
        (None, "count", None, None, False),
        ("", "date", None, None, False),
        ("   ", "text", None, None, True),
    ],
)
def test_coerce(raw: object, ftype: str, value: object, code: str | None, keeps_raw: bool) -> None:
    res = coerce(raw, ftype)
    assert (res.value, res.code) == (value, code)
    assert type(res.value) is type(value)
    assert (res.raw is not None) == keeps_raw
    if keeps_raw:
        assert res.raw == raw


def test_type_error_says_what_was_expected_in_both_languages() -> None:
    res = coerce("abc", "date")
    assert "15/11/2026" in res.params["expected_vi"] and "15/11/2026" in res.params["expected_en"]
    assert res.params["expected_vi"] != res.params["expected_en"]


def test_text_warnings_carry_the_value_read() -> None:
    assert coerce("1.234.567", "count").params == {"read": 1234567}
    assert coerce("15.11.2026", "date").params == {"read": D(2026, 11, 15)}


def test_is_empty_and_serials() -> None:
    assert is_empty(None) and is_empty("") and is_empty(" \u00a0 ") and not is_empty(0) and not is_empty("0")
    assert serial_to_date(46341) == D(2026, 11, 15)
    assert serial_to_date(1) is None and serial_to_date(float("nan")) is None and serial_to_date(1e300) is None
