"""The fast columnar read (fastexcel, Arrow columns of an Excel Table) gives exactly what
the sheet-grid read (python-calamine) gives: same rows, values, cached formula results and
findings, on the demo workbook and on a workbook full of bad cells."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pyfuncs.adapters import xlsx_read as R
from pyfuncs.adapters.xlsx_arrow import WHITESPACE, Coded, grid_column, stripped_column
from pyfuncs.demo.job import build_demo
from pyfuncs.jobs.template import build_workbook


def stripped_text(series: pl.Series) -> list:
    return stripped_column(series)[0]


def as_grid_values(series: pl.Series) -> list:
    got = grid_column(series)
    return got.decode() if isinstance(got, Coded) else got


def _read(path, monkeypatch, fast: bool) -> R.WorkbookData:
    with monkeypatch.context() as m:
        calls: list[object] = []
        original = R._Reader.table_columns

        def spy(self, tbl, loc):
            got = original(self, tbl, loc) if fast else None
            calls.append(got is not None)
            return got

        m.setattr(R._Reader, "table_columns", spy)
        data = R.read_workbook(path)
    return data, calls


def _same(a: R.WorkbookData, b: R.WorkbookData) -> None:
    assert a.lang == b.lang and a.settings == b.settings
    assert a.findings == b.findings
    assert a.tables.keys() == b.tables.keys()
    for name, ta in a.tables.items():
        tb = b.tables[name]
        assert ta.rows == tb.rows, name
        assert ta.labels == tb.labels and ta.extra_headers == tb.extra_headers, name
        for key in ta.cols:
            assert ta.cols[key] == tb.cols[key], (name, key)
            # same types too: a Decimal stays a Decimal, a date a date
            assert [type(v) for v in ta.cols[key]] == [type(v) for v in tb.cols[key]], (name,
                                                                                         key)
        assert ta.cached == tb.cached, name


def test_demo_workbook_reads_the_same_both_ways(tmp_path, monkeypatch):
    path, _ = build_demo(tmp_path, invoices=600, today=date(2026, 11, 23))
    fast, calls = _read(path, monkeypatch, fast=True)
    slow, _ = _read(path, monkeypatch, fast=False)
    assert sum(calls) >= 10  # the big tables did take the fast path
    _same(fast, slow)


def test_bad_cells_give_the_same_findings_both_ways(tmp_path, monkeypatch):
    path = tmp_path / "bad.xlsx"
    build_workbook(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Paiements"]
    ws.append([datetime(2026, 3, 1), "C001", "FAC2026-0001", 120.5, "Virement", "ref"])
    ws.append(["31/02/2026", "C001", "FAC2026-0002", "douze", "Virement", "ref2"])
    ws.append([46000, "C001", None, 10, "Chèque", "=cmd"])
    ws.append([None, None, None, None, None, None])
    ws.append([datetime(2026, 3, 2, 15, 30), "C001", "FAC2026-0003", True, "Virement", 12])
    tbl = ws.tables["Paiements"]
    tbl.ref = f"A1:F{ws.max_row}"
    wb.save(path)
    fast, _ = _read(path, monkeypatch, fast=True)
    slow, _ = _read(path, monkeypatch, fast=False)
    _same(fast, slow)
    codes = {(f.sheet, f.row, f.code) for f in fast.findings if f.sheet == "Paiements"}
    assert ("Paiements", 3, "CELL-DATE") in codes and ("Paiements", 3, "CELL-TYPE") in codes


@pytest.mark.parametrize("values", [
    [3.0, 12.5, 0.1 + 0.2, 1e-7],                       # floats, one with a float artefact
    [datetime(2026, 1, 5), datetime(2026, 1, 5, 10, 30)],  # a time of day kept
    ["  a ", "", "b"],                                   # text, a blank string
    # every kind of space str.strip() strips (the fastexcel worker strips them in Rust)
    ["\u2029 x\u3000", "\xa0", " \t ", "\u2028y\x85", "z\u200b"],
])
def test_typed_columns_match_the_grid(tmp_path, monkeypatch, values):
    path = tmp_path / "typed.xlsx"
    build_workbook(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Paiements"]
    for k, v in enumerate(values):
        row = [datetime(2026, 3, 1), "C001", f"FAC2026-{k:04d}", 10, "Virement", v]
        ws.append(row)
    ws.tables["Paiements"].ref = f"A1:F{ws.max_row}"
    wb.save(path)
    fast, calls = _read(path, monkeypatch, fast=True)
    slow, _ = _read(path, monkeypatch, fast=False)
    assert any(calls)
    _same(fast, slow)


def test_the_worker_strips_what_str_strip_strips():
    assert set(WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}
    values = ["  a ", "", None, "\x1c b \x1f", "\u3000", "c\u200b", "\xa0d\t"]
    assert stripped_text(pl.Series(values, dtype=pl.String)) == [
        v.strip() or None if v is not None else None for v in values]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
def test_no_file_handle_stays_open_after_a_read(tmp_path):
    # the fastexcel workers open the file itself; the writer replaces it right after the
    # read (on Windows an open handle would make that fail)
    path, _ = build_demo(tmp_path, invoices=50, today=date(2026, 11, 23))
    R.read_workbook(path)
    fds = Path("/proc/self/fd")
    open_files = [os.readlink(fds / f) for f in os.listdir(fds) if (fds / f).exists()]
    assert str(path.resolve()) not in open_files


@pytest.mark.parametrize("strip", [True, False])
def test_few_distinct_texts_are_shared_and_equal(strip):
    """A column of few distinct texts (a status, a unit, a client code) is mapped through
    its distinct values in the worker: the same list as one string a cell, each distinct
    text one object."""
    base = ["Émise", " Payée ", None, "", "\u3000", "Brouillon\xa0", "émise"]
    values = base * 100
    got = (stripped_text if strip else as_grid_values)(pl.Series(values, dtype=pl.String))
    if strip:
        assert got == [v.strip() or None if v is not None else None for v in values]
    else:
        assert got == ["" if v is None else v for v in values]
    assert got[1] is got[1 + len(base)]  # one object for every "Payée"


@pytest.mark.parametrize("size", [10, 300, 5000])
def test_mostly_distinct_texts_still_read_right(size):
    values = [f" ref-{i % (size - 3)} " if i % 7 else None for i in range(size)]
    series = pl.Series(values, dtype=pl.String)
    assert stripped_text(series) == [v.strip() if v is not None else None for v in values]
    assert as_grid_values(series) == ["" if v is None else v for v in values]


@pytest.mark.parametrize("values", [
    ["a", " b "] * 200, ["a", None] * 200, ["a", "  "] * 200, ["x"] + ["\u3000"] * 299,
    [f"r{i}" for i in range(400)], [f"r{i}" if i else " " for i in range(400)],
    [f"r{i}" if i % 9 else None for i in range(400)]])
def test_the_worker_says_whether_a_stripped_column_holds_a_blank(values):
    column, has_none = stripped_column(pl.Series(values, dtype=pl.String))
    assert has_none == (None in column)
    assert column == [v.strip() or None if v is not None else None for v in values]


def _settings_workbook(path, values: dict[str, object], formats: dict[str, str]):
    build_workbook(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Paramètres"]
    for row in ws.iter_rows(min_row=2, max_row=60):
        key = row[0].value
        if key in values:
            row[2].value = values[key]
            if key in formats:
                row[2].number_format = formats[key]
    wb.save(path)


def _read_settings(path, monkeypatch, typed: bool):
    """The read, with the settings rebuilt from the XML and fastexcel's texts (typed) or
    from python-calamine's grid; and whether the grid was opened."""
    opened: list[bool] = []
    with monkeypatch.context() as m:
        original = R._calamine
        m.setattr(R, "_calamine", lambda p: opened.append(True) or original(p))
        if not typed:
            m.setattr(R._Reader, "typed_block", lambda self, loc: None)
        data = R.read_workbook(path)
    return data, bool(opened)


SETTINGS_CASES = {
    "types": ({"seller_capital": 50000, "penalty_rate": 0.12, "smtp_port": "587",
               "smtp_tls": True, "vat_on_debits": False, "formal_notice_days": 8.5,
               "seller_name": '="ACME"&" SAS"', "recovery_indemnity": 1e-7,
               "leak_days": "douze", "bank_tolerance": " 5,50 ", "seller_city": ""},
              {"penalty_rate": "0.00%"}, False),
    "a date": ({"leak_days": datetime(2026, 1, 5)}, {"leak_days": "dd/mm/yyyy"}, True),
    "an error": ({"bank_tolerance": "#N/A"}, {}, True),
}


@pytest.mark.parametrize("case", list(SETTINGS_CASES))
def test_settings_rebuilt_without_the_grid_read_as_the_grid_does(tmp_path, monkeypatch,
                                                                 case):
    values, formats, needs_grid = SETTINGS_CASES[case]
    path = tmp_path / "settings.xlsx"
    _settings_workbook(path, values, formats)
    typed, opened = _read_settings(path, monkeypatch, typed=True)
    grid, _ = _read_settings(path, monkeypatch, typed=False)
    assert opened == needs_grid  # a date or an error cell: the grid types it
    _same(typed, grid)
    if case == "types":  # and they were read, typed (a boolean cell is a yes)
        assert typed.settings["smtp_port"] == 587 and typed.settings["smtp_tls"] == "yes"
        assert any(f.code == "CELL-TYPE" for f in typed.findings)  # "douze" days


def test_settings_rows_keep_their_types():
    from pyfuncs.adapters.xlsx_locate import Loc, typed_rows

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = (f'<worksheet {ns}><sheetData><row r="2"><c r="A2" t="s"><v>0</v></c>'
           '<c r="B2"><v>40</v></c><c r="C2" t="b"><v>1</v></c></row><row r="3">'
           '<c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3" s="1"/>'
           '<c r="C3" t="str"><f>A3</f><v>x</v></c></row></sheetData></worksheet>').encode()
    loc = Loc("S", 0, 1, 2, 0, 2, ["a", "b", "c"], "T")
    texts = [["k", "x"], ["40", None], ["true", "x"]]
    assert typed_rows(xml, loc, texts) == [["k", 40.0, True], ["x", "", "x"]]
    assert typed_rows(xml, loc, [["k", "x"], ["41", None], ["true", "x"]]) is None
    assert typed_rows(xml, loc, [["k", "x"], ["40", "y"], ["true", "x"]]) is None
    assert typed_rows(xml, loc, [["k", "x"], ["2026-01-01 00:00:00", None],
                                  ["true", "x"]]) is None
    assert typed_rows(xml.replace(b' r="B2"', b""), loc, texts) is None  # no place
    assert typed_rows(xml[:-20], loc, texts) is None  # not XML
