"""The fake of xlwings used by the Excel tests cannot drift from xlwings: every public
name it offers, and every name the live adapter uses, exists on xlwings' real classes."""
from __future__ import annotations

import importlib
import re
import sys
import types
from pathlib import Path

import pytest
import xlwings.main as xl

from pyfuncs.adapters.workbook_live import USED
from tests.excel import fake_xlwings as fake

ROOT = Path(__file__).resolve().parents[2]
REAL = {"Book": xl.Book, "Sheets": xl.Sheets, "Sheet": xl.Sheet, "Range": xl.Range,
        "Table": xl.Table, "Tables": xl.Tables, "App": xl.App}
FAKE = {"Book": fake.FakeBook, "Sheets": fake.FakeSheets, "Sheet": fake.FakeSheet,
        "Range": fake.FakeRange, "Table": fake.FakeTable, "App": fake.FakeApp}
# test helpers of the fake that xlwings has no use for (not used by the product's code)
FAKE_ONLY = {"from_file", "put", "cells", "alerts", "answers", "status_history", "saves",
             "writes", "resizes", "book", "r1", "c1", "r2", "c2"}


def instances() -> dict[str, object]:
    book = fake.FakeBook(Path("x.xlsx"))
    sheet = book.sheets.add("s")
    return {"Book": book, "Sheets": book.sheets, "Sheet": sheet, "Range": sheet.range("A1"),
            "Table": fake.FakeTable(sheet, "T", 1, 1, 2, 2), "App": book.app}


def public(obj: object) -> set[str]:
    """Public names of an instance (its attributes too), and the protocols it supports."""
    return {n for n in dir(obj) if not n.startswith("_")} | \
        {n for n in ("__getitem__", "__iter__") if hasattr(obj, n)}


@pytest.mark.parametrize("name", sorted(USED))
def test_every_name_the_live_adapter_uses_exists_on_xlwings(name):
    missing = [attr for attr in USED[name] if not hasattr(REAL[name], attr)]
    assert not missing, f"xlwings.{name} has no {missing}"


@pytest.mark.parametrize("name", sorted(FAKE))
def test_every_name_the_fake_offers_exists_on_xlwings(name):
    offered = public(instances()[name]) - FAKE_ONLY
    missing = sorted(attr for attr in offered if not hasattr(REAL[name], attr))
    assert not missing, f"the fake {name} offers {missing}, which xlwings.{name} lacks"


@pytest.mark.parametrize("name", sorted(USED))
def test_the_fake_offers_every_name_the_live_adapter_uses(name):
    if name == "Tables":  # a list of FakeTable stands for it: iteration only
        assert USED[name] == ("__iter__",)
        return
    offered = public(instances()[name])
    missing = [attr for attr in USED[name] if attr not in offered]
    assert not missing, f"the fake {name} lacks {missing}"


def test_every_runpython_macro_resolves_to_a_function_of_pyfuncs():
    calls = []
    for bas in (ROOT / "macros").glob("*.bas"):
        calls += re.findall(r'RunPython "import ([\w.]+) as (\w+); \2\.(\w+)\((?:\)"|" & )',
                            bas.read_text(encoding="utf-8"))
    assert len(calls) == 9
    for module, _alias, func in calls:
        assert callable(getattr(importlib.import_module(module), func)), (module, func)


@pytest.fixture
def real_udf_decorators(monkeypatch):
    """xlwings' real UDF decorators (xlwings.udfs), importable here once its Windows
    modules are stubbed: they record the metadata Excel's function wizard shows."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["win32com.client"].Dispatch = object  # type: ignore[attr-defined]
    sys.modules["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    sys.modules["win32com"].client = sys.modules["win32com.client"]  # type: ignore[attr-defined]
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    udfs = importlib.import_module("xlwings.udfs")
    import xlwings
    monkeypatch.setattr(xlwings, "func", udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", udfs.xlret)
    import pyfuncs.udfs
    module = importlib.reload(pyfuncs.udfs)
    yield module
    monkeypatch.undo()
    importlib.reload(pyfuncs.udfs)


def test_the_worksheet_functions_carry_the_wizard_metadata(real_udf_decorators):
    module = real_udf_decorators
    for f in module.UDFS:
        meta = f.__xlfunc__
        assert f.__name__.startswith("FACT_")
        assert meta["category"] == "Facturier"
        assert meta["name"] == f.__name__ and meta["ret"]["doc"]  # the wizard's description
        assert meta["args"] and all(a["doc"] and not a["doc"].startswith("Positional")
                                    for a in meta["args"])
    spill = module.FACT_BALANCE_AGEE.__xlfunc__["ret"]["options"]  # a DataFrame, no index
    assert spill == {"index": False, "header": True}
    due = module.FACT_ECHEANCE.__xlfunc__
    assert [a["name"] for a in due["args"]] == ["date_facture", "conditions", "convention"]


def test_the_template_tells_xlwings_where_the_worksheet_functions_are():
    import python_calamine
    conf = python_calamine.CalamineWorkbook.from_path(
        str(ROOT / "workbook" / "Facturation.xlsx")).get_sheet_by_name("xlwings.conf")
    settings = {row[0]: row[1] for row in conf.to_python() if row and row[0]}
    modules = [m.strip() for m in settings["UDF Modules"].split(";") if m.strip()]
    assert modules == ["pyfuncs.udfs"]
    for name in modules:
        assert importlib.import_module(name).UDFS


def test_the_macro_enabled_template_carries_the_vba_project_and_buttons_wired_to_its_subs(
        tmp_path):
    import zipfile

    from pyfuncs.jobs.aging import run_age
    from pyfuncs.jobs.template import build_workbook, vba_project
    from tests.support.vba import assert_modules_match_sources, olevba_modules
    shipped = ROOT / "workbook" / "Facturation.xlsm"
    fresh = build_workbook(tmp_path / "Facturation.xlsm")
    with zipfile.ZipFile(fresh) as z:
        vba = z.read("xl/vbaProject.bin")
        vml = next(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
        types_ = z.read("[Content_Types].xml").decode()
    assert vba == vba_project()
    assert_modules_match_sources(olevba_modules(fresh))  # read from the .xlsm by olevba
    assert "macroEnabled" in types_
    subs = set(re.findall(r"^Sub (\w+)\(\)", (ROOT / "macros" / "Facturier.bas").read_text(
        encoding="utf-8"), re.MULTILINE))
    wired = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert len(wired) == 9 and set(wired) == subs
    # the shipped template holds the same buttons' module; its xlwings module is the one of
    # the xlwings it was built with (the one installed here when the versions agree)
    found = olevba_modules(shipped)
    assert found["Facturier"].replace("\r\n", "\n").rstrip() == (
        ROOT / "macros" / "Facturier.bas").read_text(encoding="utf-8").rstrip()
    version = re.search(r"^'Version: (\S+)", found["xlwings"], re.MULTILINE)[1]
    if version == __import__("xlwings").__version__:
        assert_modules_match_sources(found)
    run_age(fresh, __import__("datetime").date(2026, 11, 23))  # a job keeps macros, buttons
    with zipfile.ZipFile(fresh) as z:
        assert z.read("xl/vbaProject.bin") == vba
        assert next(z.read(n).decode() for n in z.namelist() if n.endswith(".vml")) == vml