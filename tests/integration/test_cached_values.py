"""Every formula cell the jobs leave in the workbook caches the value a spreadsheet computes.

A program that reads cached values (pandas, Power Query, a viewer, LibreOffice with its
default settings) sees the workbook as the jobs left it. The demo is built and its jobs
run (bank statement, reminders, checks, aged balance), then invoices are generated on a
copy; after each, LibreOffice recalculates the workbook from scratch and every formula
cell's cached value is compared with LibreOffice's, to the cent.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs.adapters.workbook_file import FileWorkbook
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.demo.job import build_demo, run_demo
from pyfuncs.domain.computed import days_late
from pyfuncs.jobs.aging import run_age
from pyfuncs.jobs.check import run_refresh
from pyfuncs.jobs.invoicing import run_generate
from tests.support.libreoffice import convert, needs_libreoffice

CENT = Decimal("0.005")


def formulas_without_value(path: Path) -> list[str]:
    """The cells of every worksheet that hold a formula and no cached value."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                text = z.read(name).decode("utf-8")
                for m in re.finditer(r'<c r="([A-Z]+\d+)"[^>]*>(.*?)</c>', text):
                    if "<f" in m[2] and "<v>" not in m[2]:
                        out.append(f"{name}!{m[1]}")
    return out


def disagreements(ours: Path, recalculated: Path) -> tuple[int, list[str]]:
    """(cells compared, those whose cached values differ by a cent or more)."""
    mine, theirs = read_workbook(ours), read_workbook(recalculated)
    compared, wrong = 0, []
    for name, tbl in mine.tables.items():
        other = theirs.tables[name]
        assert tbl.rows == other.rows, name
        for key, values in tbl.cached.items():
            for row, got, want in zip(tbl.rows, values, other.cached[key]):
                compared += 1
                if got is None or want is None or abs(Decimal(got) - Decimal(want)) >= CENT:
                    wrong.append(f"{tbl.sheet}!{tbl.cell(key, row)}: cached {got}, "
                                 f"LibreOffice {want}")
    return compared, wrong


@pytest.fixture(scope="module")
def after_jobs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cached")
    # TODAY() in LibreOffice is the clock's day: the jobs run on it too
    today = date.today()
    summary = run_demo(folder / "demo", today=today)
    assert summary.bank.new > 0  # the statement paid invoices: their Réglé changed
    generated = folder / "generate" / summary.workbook.name
    generated.parent.mkdir()
    shutil.copyfile(summary.workbook, generated)
    before = len(read_workbook(generated, ["Factures"]).tables["Factures"])
    issued = run_generate(generated, today).issued
    assert issued and len(read_workbook(generated, ["Factures"]).tables["Factures"]) > before
    return {"demo jobs": summary.workbook, "generate": generated}


@needs_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("step", ["demo jobs", "generate"])
def test_every_formula_cell_caches_what_libreoffice_computes(after_jobs, step) -> None:
    path = after_jobs[step]
    assert formulas_without_value(path) == []
    compared, wrong = disagreements(path, convert(path, path.parent / "lo"))
    assert wrong == []
    assert compared > 2500


def test_a_workbook_with_true_cached_values_asks_for_no_recalculation_on_opening(
        after_jobs) -> None:
    for path in after_jobs.values():
        with zipfile.ZipFile(path) as z:
            calc = re.search(r"<calcPr\b[^>]*>", z.read("xl/workbook.xml").decode())[0]
        assert "fullCalcOnLoad" not in calc, path


def test_the_invoices_the_statement_paid_cache_their_payment(after_jobs) -> None:
    """What the bank job booked shows in the cached Réglé and Reste dû of each invoice."""
    data = read_workbook(after_jobs["demo jobs"], ["Factures", "Paiements"])
    invoices, payments = data.tables["Factures"], data.tables["Paiements"]
    paid: dict[str, Decimal] = {}
    for number, amount in zip(payments.cols["invoice"], payments.cols["amount"]):
        if number and amount is not None:
            paid[number.casefold()] = paid.get(number.casefold(), Decimal(0)) + amount
    credited = {c.casefold() for c in invoices.cols["credited"] if c}
    checked = 0
    for number, kind, cached_paid, total, balance in zip(
            invoices.cols["number"], invoices.cols["type"], invoices.cached["paid"],
            invoices.cached["total"], invoices.cached["balance"]):
        key = (number or "").casefold()
        if key in paid and key not in credited and kind != "credit_note":
            checked += 1
            assert cached_paid == paid[key], number
            assert balance == total - paid[key], number
    assert checked > 50


@needs_libreoffice
@pytest.mark.libreoffice
def test_a_job_writing_only_reports_brings_the_days_late_to_the_clock_s_day(tmp_path) -> None:
    """A workbook last written three days ago: the aged balance, which changes no input,
    re-caches the days late as TODAY() gives them now."""
    path, _ = build_demo(tmp_path, invoices=None, today=date.today() - timedelta(days=3))
    before = read_workbook(path, ["Factures"]).tables["Factures"].cached["days_late"]
    run_age(path, date.today())
    after = read_workbook(path, ["Factures"]).tables["Factures"].cached["days_late"]
    late = [(a, b) for a, b in zip(after, before) if b]
    assert len(late) > 5 and all(a == b + 3 for a, b in late)  # every late one moved on
    compared, wrong = disagreements(path, convert(path, tmp_path / "lo"))
    assert wrong == [] and compared > 2500


def test_a_workbook_whose_tables_cannot_be_read_asks_for_a_recalculation_instead(
        tmp_path) -> None:
    """The writer's own work stands; the spreadsheet is asked to recalculate on opening."""
    path, _ = build_demo(tmp_path, invoices=None, today=date.today())
    with zipfile.ZipFile(path) as z:  # the invoices' table loses its "Client" column name
        items = {n: z.read(n) for n in z.namelist()}
    table = next(n for n, data in items.items()
                 if n.startswith("xl/tables/") and b'displayName="Factures"' in data)
    items[table] = items[table].replace(b'name="Client"', b'name="Qui"', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)
    writer = WorkbookWriter(path)
    writer.append_rows("Paiements", [{"Date": date.today(), "Montant": Decimal("10.00")}])
    writer.commit()
    with zipfile.ZipFile(path) as z:
        assert 'fullCalcOnLoad="1"' in z.read("xl/workbook.xml").decode()


def test_a_report_job_caches_the_days_late_from_its_own_read_of_the_file(
        tmp_path, monkeypatch) -> None:
    """The refresh read the invoices once: the days late it caches come from that read, in
    the same write, not from a second read of the package (which would fail here)."""
    path, _ = build_demo(tmp_path, invoices=None, today=date.today() - timedelta(days=2))
    before = read_workbook(path, ["Factures"]).tables["Factures"].cached["days_late"]

    def no_second_read(*_args, **_kwargs):
        raise AssertionError("the package was read again")

    monkeypatch.setattr("pyfuncs.adapters.xlsx_cached.read_workbook", no_second_read)
    run_refresh(path, date.today())
    monkeypatch.undo()
    after = read_workbook(path, ["Factures"]).tables["Factures"].cached["days_late"]
    late = [(a, b) for a, b in zip(after, before) if b]
    assert len(late) > 5 and all(a == b + 2 for a, b in late)  # every late one moved on
    with zipfile.ZipFile(path) as z:
        assert "fullCalcOnLoad" not in z.read("xl/workbook.xml").decode()


def test_a_file_changed_since_the_job_read_it_is_read_again_for_its_days_late(
        tmp_path) -> None:
    """What a job read is trusted only for the very file it was read from: a workbook
    saved in between (another size or time) has its days late taken from the package."""
    path, _ = build_demo(tmp_path, invoices=None, today=date.today() - timedelta(days=2))
    data = read_workbook(path)
    os.utime(path, ns=(data.stamp[1] + 10**9, data.stamp[1] + 10**9))  # saved since
    writer = FileWorkbook(path).writer(read=data)
    assert writer._cache_days_late() is False
    writer.commit()
    after = read_workbook(path, ["Factures"]).tables["Factures"].cached["days_late"]
    today = days_late(data.tables["Factures"].cached["balance"],
                      data.tables["Factures"].cols["due_date"], date.today())
    assert after == today
