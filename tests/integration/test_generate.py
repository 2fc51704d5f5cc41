"""`facturier generate` end to end on real workbook files, a real SQLite journal, real
processes, and LibreOffice recalculating what was written."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.template import build_workbook
from tests.support.libreoffice import convert, needs_libreoffice
from tests.unit.test_checks import clean_settings, clean_tables, invoice, qline

TODAY = date(2026, 11, 23)


def workbook(tmp_path: Path, extra: bool = True, settings: dict | None = None) -> Path:
    """The check tests' clean workbook, plus work to bill: a delivered quote with a
    deposit billed, a quote to bill with a deposit, October time, a credit note to issue."""
    t = copy.deepcopy(clean_tables())
    if extra:
        t["Devis"] += [
            {"number": "D2026-0010", "version": 1, "client": "C1", "date": date(2026, 11, 2),
                 "status": "accepted", "deposit_pct": D("0.3")},
            {"number": "D2026-0011", "version": 1, "client": "C1", "date": date(2026, 9, 2),
                 "status": "accepted", "delivered": date(2026, 11, 20)},
        ]
        t["LignesDevis"] += [qline("D2026-0010", 1, "Étude", 1, "1000"),
                             qline("D2026-0011", 1, "Livres", 2, "1.00", D("0.055")),
                             qline("D2026-0011", 1, "Conseil", 3, "333.33")]
        t["Temps"] += [
            {"date": date(2026, 10, 6), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
                 "quantity": D(2), "rate": D(800), "validated": "yes"},
            {"date": date(2026, 10, 7), "client": "C1", "project": "TMA-C1", "consultant": "Paul",
                 "quantity": D("0.5"), "rate": D(650), "validated": "yes"},
        ]
        t["Factures"].append(invoice("F30", None, None, "C1", type_="credit_note",
                                     credited="FAC2026-0008", status="to_issue"))
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=settings or clean_settings(), today=TODAY)
    return path


def rows_of(path: Path, table: str) -> list[dict]:
    return [r._asdict() for r in read_workbook(path).tables[table].records()]


def test_generate_issues_numbers_writes_the_workbook_and_a_rerun_issues_nothing(tmp_path):
    path = workbook(tmp_path)
    dry = run_generate(path, TODAY, dry_run=True)
    assert not (tmp_path / "book.facturier-journal.sqlite").exists()
    result = run_generate(path, TODAY)
    assert [(d.number, d.kind, d.total) for d in result.issued] == \
        [(d.number, d.kind, d.total) for d in dry.issued]
    numbers = {d.number: d for d in result.issued}
    # the clean book ends at FAC2026-0008 and AV2026-0001: the series go on from there
    assert sorted(numbers) == ["AV2026-0002", "FAC2026-0009", "FAC2026-0010", "FAC2026-0011",
                               "FAC2026-0012"]
    assert numbers["AV2026-0002"].total == D("-960.00")
    final = next(d for d in result.issued if d.subject == "Devis D2026-0011")
    # 5.5 %: 2.00 -> 0.11; 20 %: 999.99 -> 200.00 (199.998)
    assert (final.net, final.vat, final.total) == (D("1001.99"), D("200.11"), D("1202.10"))
    invoices = {r["number"]: r for r in rows_of(path, "Factures") if r["number"]}
    assert invoices["AV2026-0002"]["id"] == "F30"  # the draft itself, now issued
    assert invoices["AV2026-0002"]["status"] == "issued"
    assert invoices["AV2026-0002"]["credited"] == "FAC2026-0008"
    for number in numbers:
        assert invoices[number]["issue_date"] == TODAY and invoices[number]["due_date"]
    milestone = [r for r in rows_of(path, "Echeances") if r["label"] == "Livraison en recette"]
    assert milestone[0]["status"] == "invoiced" and milestone[0]["invoice"] in numbers
    time = [r for r in rows_of(path, "Temps") if r["date"].month == 10 and r["validated"]
            == "yes" and r["invoice"] != "FAC2026-0008"]
    assert {r["invoice"] for r in time} == {next(n for n, d in numbers.items()
                                                 if d.subject.startswith("Régie"))}
    with Journal(tmp_path / "book.facturier-journal.sqlite") as book:
        assert [e.number for e in book.entries()] == [d.number for d in result.issued]
        assert not book.pending() and not book.verify()
    again = run_generate(path, TODAY)
    assert again.issued == [] and not again.errors
    register = read_workbook(path).sheet_names
    assert "Registre" in register.values() or "Registre" in register


def test_the_check_job_finds_an_issued_invoice_edited_or_deleted_afterwards(tmp_path):
    path = workbook(tmp_path)
    run_generate(path, TODAY)
    assert not [f for f in run_check(path, TODAY).findings if f.code.startswith("REGISTER")]
    data = read_workbook(path)
    lines = data.tables["LignesFacture"]
    k = next(i for i, r in enumerate(lines.records()) if r.invoice == "F30")
    writer = WorkbookWriter(path)
    writer.set_cells("LignesFacture", [(lines.rows[k], lines.labels["unit_price"], D(700))])
    writer.commit()
    found = [f for f in run_check(path, TODAY).findings if f.code == "REGISTER-EDITED"]
    assert len(found) == 1 and found[0].ref == "AV2026-0002"
    assert "lignes" in found[0].message and found[0].sheet == "Factures"


def test_cli_generate_json_and_dry_run(tmp_path):
    path = workbook(tmp_path)
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "generate", str(path),
                           "--date", "2026-11-23", "--dry-run", "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out["issued"]) == 5 and out["dry_run"] is True
    first = out["issued"][0]
    assert set(first) >= {"number", "type", "date", "client", "net", "vat", "total", "sources"}
    assert not (tmp_path / "book.facturier-journal.sqlite").exists()
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "generate", str(path),
                           "--date", "2026-11-20"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "issued 5 document(s)" in done.stdout  # on the 20th the quote is delivered
    data = read_workbook(path).tables["Factures"]
    f10 = data.rows[[r.id for r in data.records()].index("F10")]
    writer = WorkbookWriter(path)  # the draft F10 is now to be issued, but on the 19th
    writer.set_cells("Factures", [(f10, data.labels["status"], "À émettre")])
    writer.commit()
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "generate", str(path),
                           "--date", "2026-11-19", "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr  # before the series' last date: refused, named
    out = json.loads(done.stdout)
    assert out["issued"] == []
    finding, = out["findings"]
    assert finding["code"] == "GEN-CHRONOLOGY" and "20/11/2026" in finding["message"]


def test_two_processes_generating_at_once_issue_each_document_once(tmp_path):
    path = workbook(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "pyfuncs.cli", "generate", str(path),
                               "--date", "2026-11-23", "--json"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    issued = [d["number"] for out, _ in outs for d in json.loads(out)["issued"]]
    assert sorted(issued) == ["AV2026-0002", "FAC2026-0009", "FAC2026-0010", "FAC2026-0011",
                              "FAC2026-0012"]
    numbers = [r["number"] for r in rows_of(path, "Factures") if r["number"]]
    assert len(numbers) == len(set(numbers))


def test_a_crash_between_journal_and_workbook_is_replayed_by_the_next_run(tmp_path,
                                                                          monkeypatch):
    path = workbook(tmp_path)

    def crash(self, *args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(WorkbookWriter, "commit", crash)
    with pytest.raises(OSError):
        run_generate(path, TODAY)
    monkeypatch.undo()
    with Journal(tmp_path / "book.facturier-journal.sqlite") as book:
        pending = [e.number for e in book.pending()]
    assert len(pending) == 5
    assert not [r for r in rows_of(path, "Factures") if r["number"] in pending]
    result = run_generate(path, TODAY)
    assert result.issued == [] and sorted(result.replayed) == sorted(pending)
    numbers = [r["number"] for r in rows_of(path, "Factures") if r["number"]]
    assert set(pending) <= set(numbers) and len(numbers) == len(set(numbers))
    # the replayed documents find their time entries again (from the journal's keys,
    # indexing every entry not yet billed): the same as a run that never crashed
    (tmp_path / "straight").mkdir()
    straight = workbook(tmp_path / "straight")
    run_generate(straight, TODAY)
    billed = [r["invoice"] for r in rows_of(path, "Temps")]
    assert any(billed) and billed == [r["invoice"] for r in rows_of(straight, "Temps")]


@needs_libreoffice
def test_libreoffice_recomputes_the_issued_totals_to_the_cent(tmp_path):
    path = workbook(tmp_path)
    result = run_generate(path, TODAY)
    out = convert(path, tmp_path / "lo")
    data = read_workbook(out).tables["Factures"]
    assert data.cached, "LibreOffice wrote no cached formula values"
    index = {n: i for i, n in enumerate(data.cols["number"]) if n}
    for doc in result.issued:
        i = index[doc.number]
        assert D(str(data.cached["net"][i])) == doc.net
        assert D(str(data.cached["vat"][i])) == doc.vat
        assert D(str(data.cached["total"][i])) == doc.total


def test_a_workbook_open_in_excel_is_refused_before_any_number_is_allocated(tmp_path):
    from pyfuncs.adapters.xlsx_write import WorkbookLocked
    path = workbook(tmp_path)
    lock = tmp_path / ("~$" + path.name)
    lock.write_text("owner")
    with pytest.raises(WorkbookLocked):
        run_generate(path, TODAY)
    journal = tmp_path / "book.facturier-journal.sqlite"
    assert not journal.exists() or Journal(journal).entries() == []
    lock.unlink()
    assert len(run_generate(path, TODAY).issued) == 5


def test_a_quote_whose_line_the_reader_skipped_is_held_back_not_billed_short(tmp_path):
    """A quote line with its quantity typed as text, or its price left empty, is skipped
    by the reader: the quote's final invoice (or its deposit) would then be issued, and
    numbered for good, without it. The quote waits, with one error on its row naming the
    lines; the other documents are issued."""
    path = workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Lignes de devis"]
    rows = {(ws.cell(r, 1).value, ws.cell(r, 3).value): r for r in range(2, ws.max_row + 1)}
    ws.cell(rows[("D2026-0011", "Conseil")], 4).value = "trois"  # Quantité, as text
    ws.cell(rows[("D2026-0010", "Étude")], 6).value = None  # Prix unitaire HT, emptied
    wb.save(path)
    result = run_generate(path, TODAY)
    subjects = [d.subject for d in result.issued]
    assert not [s for s in subjects if "D2026-0010" in s or "D2026-0011" in s]
    assert any(s.startswith("Régie") for s in subjects)  # the rest is still issued
    held = [f for f in result.findings if f.code == "GEN-QUOTE-LINE"]
    assert [(f.severity, f.sheet, f.row, f.column, f.ref) for f in held] == [
        ("error", "Devis", 7, "N° devis", "D2026-0010"),
        ("error", "Devis", 8, "N° devis", "D2026-0011")]
    assert f"ligne(s) {rows[('D2026-0011', 'Conseil')]} de la feuille Lignes de devis" \
        in held[1].message
    skipped = {(f.sheet, f.row) for f in result.findings if f.code.startswith("CELL-")}
    assert ("Lignes de devis", rows[("D2026-0011", "Conseil")]) in skipped
    # once the line is fixed, the quote is billed in full, by the same run as ever
    wb = openpyxl.load_workbook(path)
    wb["Lignes de devis"].cell(rows[("D2026-0011", "Conseil")], 4).value = 3
    wb.save(path)
    again = run_generate(path, TODAY)
    final = next(d for d in again.issued if d.subject == "Devis D2026-0011")
    assert final.net == D("1001.99")
    assert [f.ref for f in again.findings if f.code == "GEN-QUOTE-LINE"] == ["D2026-0010"]
    # billed in full, a line unreadable later changes nothing: no finding, nothing issued
    wb = openpyxl.load_workbook(path)
    wb["Lignes de devis"].cell(rows[("D2026-0011", "Conseil")], 4).value = "trois"
    wb.save(path)
    third = run_generate(path, TODAY)
    assert [f.ref for f in third.findings if f.code == "GEN-QUOTE-LINE"] == ["D2026-0010"]
    assert not [d for d in third.issued if "D2026-0011" in d.subject]
