"""Columns of few distinct values travel as codes (``xlsx_arrow.Coded``) from the fastexcel
worker to the reader: decoded, they are the column the plain path gives, and converted
by ``convert_coded`` they give what ``convert_column`` gives on the decoded column,
values, types, written forms and issues alike."""
from __future__ import annotations

from datetime import date, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfuncs.adapters.cells import convert_coded, convert_column, converter
from pyfuncs.adapters.xlsx_arrow import Coded, grid_column
from pyfuncs.domain import schema as S


def _plain(series: pl.Series) -> list:
    """The column without codes: what the reader got before (one object a cell)."""
    if series.dtype == pl.Datetime:
        day = series.dt.truncate("1d")
        if bool((day == series).all()):
            series = series.cast(pl.Date)
    return ["" if v is None else v for v in series.to_list()]


def _written(values: list) -> list:
    return [(type(v), repr(v)) for v in values]


FEW_FLOATS = st.sampled_from([0.0, -0.0, 1.5, 0.1, 0.2, 0.30000000000000004, 1e-7, 12.5,
                              -3.0, 250.0, float("nan")])
FEW_DATES = st.sampled_from([date(2026, 1, 1), date(2025, 12, 31), date(1900, 3, 1)])
FEW_TIMES = st.sampled_from([datetime(2026, 1, 1), datetime(2026, 1, 1, 10, 30),
                             datetime(2025, 6, 2)])
FEW_TEXTS = st.sampled_from(["Émise", " Payée ", "", "\u3000", "émise", "C001", "60",
                             "31/02/2026", "douze"])


@settings(max_examples=60, deadline=None)
@given(st.one_of(
    st.lists(st.none() | FEW_FLOATS, min_size=250, max_size=700),
    st.lists(st.none() | FEW_DATES, min_size=250, max_size=700),
    st.lists(st.none() | FEW_TIMES, min_size=250, max_size=700),
    st.lists(st.none() | FEW_TEXTS, min_size=250, max_size=700),
))
def test_a_coded_column_decodes_to_the_plain_column(values):
    series = pl.Series(values)
    got = grid_column(series)
    decoded = got.decode() if isinstance(got, Coded) else got
    assert _written(decoded) == _written(_plain(series))


def test_few_distinct_values_are_coded_and_many_are_not():
    assert isinstance(grid_column(pl.Series([0.2, 0.055, None] * 200)), Coded)
    assert isinstance(grid_column(pl.Series([date(2026, 1, k % 28 + 1) for k in range(900)])),
                      Coded)
    assert not isinstance(grid_column(pl.Series([float(k) for k in range(900)])), Coded)
    # -0.0 == 0.0 would be merged, yet they are not written alike: not coded
    assert not isinstance(grid_column(pl.Series([0.0, -0.0] * 200)), Coded)


CONVERTERS = [(S.MONEY, None), (S.RATE, None), (S.INT, None), (S.DATE, None),
              (S.TEXT, None), (S.ID, None), (S.CHOICE, "invoice_status"), (S.BOOL, None)]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([
    "", 0.2, 1.5, 12.0, 46000.0, -0.0, "douze", " 12,50 ", "31/02/2026", "05/01/2026",
    date(2026, 1, 5), datetime(2026, 1, 5, 10, 30), True, False, 1.0, 0.0, "Émise",
    " Oui ", "non", "C001 "]), min_size=1, max_size=12, unique_by=lambda v: (type(v), v)),
       st.lists(st.integers(0, 11), min_size=1, max_size=60),
       st.sampled_from(CONVERTERS), st.sampled_from(["fr", "en"]), st.booleans())
def test_converting_codes_gives_what_converting_the_column_gives(values, picks, kind,
                                                                 lang, plain_text):
    codes = list(range(len(values))) + [p % len(values) for p in picks]  # all used
    convert = converter(kind[0], lang, kind[1])
    column = [values[c] for c in codes]
    got, issues, has_none = convert_coded(values, codes, convert, plain_text)
    want, want_issues = convert_column(column, convert, plain_text)
    assert _written(got) == _written(want)
    assert issues == want_issues
    assert has_none == any(v is None for v in want)
