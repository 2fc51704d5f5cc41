"""Property: whatever a user types in any input cell of any table (text, a number, a
boolean, a date, an error, a formula with or without a cached value), the jobs read it
cleanly or report it on that cell, and never raise. Real files through the real reader
(hypothesis chooses the cell and its content; tests/support/damage.py writes it in the
sheet's XML of a small demo workbook)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyfuncs.demo.job import build_demo
from tests.support.damage import TABLES, Workbook, run_jobs

TODAY = date(2026, 12, 6)
EXCEL_EPOCH = date(1899, 12, 30)

_xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=24)
_special = st.sampled_from(["nan", "NaN", "-nan", "inf", "-Infinity", "1e999", "n/a", "NA",
                            "null", "None", "#N/A", "=1+1", "@SUM(A1)", "1 234,56 €",
                            "31/02/2026", "2026-13-01", "TRUE", "VRAI", " ", "0x1F"])
CONTENTS = st.one_of(
    st.tuples(st.just("text"), _special),  # the spellings that fooled a reader, often
    st.tuples(st.just("text"), _special),
    st.tuples(st.just("text"), _xml_text),
    st.tuples(st.just("number"), st.floats(allow_nan=False, allow_infinity=False)
              | st.integers(-10**15, 10**15)),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("number"), st.dates(date(1900, 3, 1), date(9999, 12, 31)).map(
        lambda d: (d - EXCEL_EPOCH).days)),
    st.tuples(st.just("error"), st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!",
                                                 "#NAME?", "#NUM!", "#NULL!"])),
    st.tuples(st.just("formula"), st.tuples(
        st.sampled_from(["1+1", "A1", "TODAY()", "1/0", "\"x\"&\"y\""]),
        st.none() | st.floats(allow_nan=False, allow_infinity=False) | _xml_text)),
    st.tuples(st.just("blank"), st.none()),
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return Workbook(build_demo(tmp_path_factory.mktemp("small"), 12, TODAY)[0])


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("typed") / "typed.xlsx"


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data())
def test_any_content_of_any_input_cell_is_read_or_reported_on_that_cell_never_raised(
        small, out, data):
    table = data.draw(st.sampled_from(TABLES))
    cells = small.candidates(table, "error")  # every filled input cell of the table
    if not cells:
        return
    i, col = data.draw(st.sampled_from(cells))
    kind, value = data.draw(CONTENTS)
    tv = small.data.tables[table]
    row = tv.rows[i]
    cell = f"{tv.col_letters[col.key]}{row}"
    got = run_jobs(small.write_cell(tv.sheet, cell, kind, value, out), TODAY)
    named = [f for f in got.findings if f.sheet == tv.sheet and f.cell == cell]
    read = row in got.tables[table].rows
    assert named or read, (table, cell, kind, value)
    codes = {f.code for f in named}
    if kind == "error":  # its own finding, not "required and empty"
        assert "CELL-ERROR" in codes, (table, cell, value, codes)
    if kind == "formula" and value[1] is None and col.required:  # never computed
        assert "CELL-UNCOMPUTED" in codes and "CELL-REQUIRED" not in codes, \
            (table, cell, value, codes)
    shown = value[1] if kind == "formula" else value  # a formula shows its cached value
    if kind != "blank" and shown is not None and str(shown).strip():
        assert "CELL-REQUIRED" not in codes, (table, cell, kind, value)
