"""Recurring billing through `run_generate` on real workbook files and a real journal:
each due contract period issued once, a rerun or a lost journal bills nothing again, a
workbook made before the Contrats sheet existed still generates, and the check job
reports the periods left unbilled."""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.template import build_workbook
from tests.unit.test_checks import clean_settings, clean_tables, invoice, line

TODAY = date(2026, 11, 23)


def workbook(tmp_path: Path) -> Path:
    t = copy.deepcopy(clean_tables())
    t["Contrats"] = [
        {"id": "K1", "client": "C1", "label": "Maintenance", "amount": D(1000), "vat_rate": D("0.2"),
             "period": "monthly", "billing_day": 1, "timing": "advance", "start": date(2026, 9, 15),
             "status": "active"},
        {"id": "K2", "client": "C1", "label": "Hébergement", "amount": D(600), "period": "quarterly",
             "billing_day": 5, "timing": "arrears", "start": date(2025, 7, 1), "status": "active",
             "index": "Syntec", "base_index": D("280.2"), "revision_month": 7},
        {"id": "K3", "client": "C1", "label": "Support", "amount": D(99), "period": "monthly",
             "timing": "advance", "start": date(2026, 1, 1), "status": "suspended"},
    ]
    t["Indices"] = [{"name": "Syntec", "month": date(2026, 7, 1), "value": D("289.7")}]
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    return path


def contract_lines(path: Path) -> list[dict]:
    rows = [r._asdict() for r in read_workbook(path).tables["LignesFacture"].records()]
    return [r for r in rows if (r["source"] or "").startswith("contrat:")]


def test_generate_bills_each_due_contract_period_once_even_with_the_journal_lost(tmp_path):
    path = workbook(tmp_path)
    dry = run_generate(path, TODAY, dry_run=True)
    mine = [i for i in dry.issued if i.sources[0].startswith("contrat:")]
    # K1: September (prorated 16/30 of 1000 = 533.33), October, November, in advance.
    # K2 in arrears: Q3 2025 (due 05/10/2025) and Q4 2025, Q1 2026, Q2 2026 at 600; Q3
    # 2026 (due 05/10/2026) revised in July 2026: 600 x 289.7 / 280.2 = 620.342 -> 620.34.
    assert sorted((i.sources[0], i.net) for i in mine) == [
        ("contrat:k1:2026-09-01", D("533.33")), ("contrat:k1:2026-10-01", D("1000.00")),
        ("contrat:k1:2026-11-01", D("1000.00")),
        ("contrat:k2:2025-07-01", D("600.00")), ("contrat:k2:2025-10-01", D("600.00")),
        ("contrat:k2:2026-01-01", D("600.00")), ("contrat:k2:2026-04-01", D("600.00")),
        ("contrat:k2:2026-07-01", D("620.34"))]
    assert contract_lines(path) == []  # a dry run writes nothing

    first = run_generate(path, TODAY)
    issued = [i for i in first.issued if i.sources[0].startswith("contrat:")]
    assert [(i.number, i.sources) for i in issued] == [(i.number, i.sources) for i in mine]
    assert all(i.due_date == date(2026, 12, 23) for i in issued)
    lines = contract_lines(path)
    assert sorted(ln["source"] for ln in lines) == sorted(i.sources[0] for i in issued)
    k2q3 = next(ln for ln in lines if ln["source"] == "contrat:k2:2026-07-01")
    assert k2q3["label"] == "Hébergement – juillet 2026 – septembre 2026"
    assert k2q3["unit_price"] == D("620.34")

    assert run_generate(path, TODAY).issued == []  # a rerun: the journal refuses them
    for journal in tmp_path.glob("*.sqlite*"):
        journal.unlink()
    assert run_generate(path, TODAY).issued == []  # journal lost: the lines still tell

    # December: K1's month is due on the 1st, nothing else
    dec = run_generate(path, date(2026, 12, 1))
    assert [i.sources for i in dec.issued if i.sources[0].startswith("contrat:")] == \
        [["contrat:k1:2026-12-01"]]


def test_the_check_reports_unbilled_periods_until_generate_bills_them(tmp_path):
    path = workbook(tmp_path)
    codes = [f.code for f in run_check(path, TODAY).findings]
    # K1: September, October, November (due more than 15 days ago); K2: five quarters
    assert codes.count("LEAK-CONTRACT") == 8
    run_generate(path, TODAY)
    assert "LEAK-CONTRACT" not in [f.code for f in run_check(path, TODAY).findings]


def test_a_workbook_made_before_the_contracts_sheet_still_generates(tmp_path):
    path = workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["Contrats"], wb["Indices"]
    wb.save(path)
    result = run_generate(path, TODAY)
    assert result.issued and not any(s.startswith("contrat:") for i in result.issued
                                     for s in i.sources)


def test_a_contract_with_lines_and_a_po_is_issued_with_both_on_a_real_workbook(tmp_path):
    t = copy.deepcopy(clean_tables())
    t["Contrats"] = [{"id": "K9", "client": "C2", "label": "Infogérance", "period": "monthly",
                      "billing_day": 1, "timing": "advance", "start": date(2026, 11, 1),
                      "status": "active", "po": "4500012345", "vat_rate": D("0.2")}]
    t["LignesContrat"] = [
        {"contract": "K9", "label": "Supervision", "quantity": D(3), "unit": "serveur",
         "unit_price": D("45.00")},
        {"contract": "K9", "label": "Astreinte", "quantity": D(1), "unit_price": D("250.00"),
         "vat_rate": D("0.2")}]
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    issued = [i for i in run_generate(path, TODAY).issued
              if i.sources[0].startswith("contrat:")]
    assert [(i.sources, i.net, i.total) for i in issued] == \
        [(["contrat:k9:2026-11-01"], D("385.00"), D("462.00"))]  # 3 x 45 + 250, VAT 77
    data = read_workbook(path)
    invoice = next(r._asdict() for r in data.tables["Factures"].records()
                   if r.number == issued[0].number)
    assert invoice["po"] == "4500012345"
    assert [(ln["label"], ln["quantity"], ln["unit"], ln["unit_price"])
            for ln in contract_lines(path)] == [
        ("Supervision – novembre 2026", D(3), "serveur", D("45.00")),
        ("Astreinte – novembre 2026", D(1), None, D("250.00"))]


def test_a_workbook_without_the_contract_lines_sheet_bills_contract_amounts(tmp_path):
    path = workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["Lignes de contrat"]
    wb.save(path)
    issued = [i for i in run_generate(path, TODAY).issued
              if i.sources[0].startswith("contrat:")]
    assert len(issued) == 8 and issued[0].net == D("533.33")


def test_a_contract_whose_line_the_reader_skipped_is_not_billed_short(tmp_path):
    """A line with a missing price or a quantity typed as text is skipped by the reader;
    the contract must then wait, not be issued (and numbered for good) without it."""
    t = copy.deepcopy(clean_tables())
    t["Contrats"] = [{"id": "K9", "client": "C1", "label": "Infogérance", "period": "monthly",
                      "billing_day": 1, "timing": "advance", "start": date(2026, 11, 1),
                      "status": "active"},
                     {"id": "K8", "client": "C1", "label": "Sauvegarde", "amount": D(90),
                      "period": "monthly", "billing_day": 1, "timing": "advance",
                      "start": date(2026, 11, 1), "status": "active"}]
    t["LignesContrat"] = [
        {"contract": "K9", "label": "Supervision", "quantity": D(3), "unit_price": D(45)},
        {"contract": "K9", "label": "Astreinte", "quantity": D(1), "unit_price": D(250)}]
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    wb = openpyxl.load_workbook(path)
    wb["Lignes de contrat"]["C3"] = "une"  # Astreinte's quantity, as text
    wb.save(path)
    result = run_generate(path, TODAY)
    assert [i.sources for i in result.issued if i.sources[0].startswith("contrat:")] == \
        [["contrat:k8:2026-11-01"]]
    found = {(f.code, f.sheet, f.row, f.ref) for f in result.findings}
    assert ("CELL-TYPE", "Lignes de contrat", 3, "K9") in found
    assert ("GEN-CONTRACT-LINE", "Contrats", 2, "K9") in found


def test_the_leak_check_names_an_unreadable_line_instead_of_pricing_the_rest(tmp_path):
    """A contract or quote with a line the reader skipped cannot be billed, and what it
    leaves unbilled is unknown: the check says so, naming the rows, rather than a leak
    amount from the lines that remain (K9 would show 135.00 a month, not 385.00)."""
    t = copy.deepcopy(clean_tables())
    t["Contrats"] = [{"id": "K9", "client": "C1", "label": "Infogérance", "period": "monthly",
                      "billing_day": 1, "timing": "advance", "start": date(2026, 9, 1),
                      "status": "active"},
                     {"id": "K8", "client": "C1", "label": "Sauvegarde", "amount": D(90),
                      "period": "monthly", "billing_day": 1, "timing": "advance",
                      "start": date(2026, 9, 1), "status": "active"}]
    t["LignesContrat"] = [
        {"contract": "K9", "label": "Supervision", "quantity": D(3), "unit_price": D(45)},
        {"contract": "K9", "label": "Astreinte", "quantity": D(1), "unit_price": D(250)}]
    t["Devis"].append({"number": "D2026-0011", "version": 1, "client": "C1",
                       "date": date(2026, 9, 2), "status": "accepted",
                       "delivered": date(2026, 10, 1)})
    t["LignesDevis"] += [
        {"quote": "D2026-0011", "version": 1, "label": "Livres", "quantity": D(2),
         "unit_price": D("1.00"), "vat_rate": D("0.055")},
        {"quote": "D2026-0011", "version": 1, "label": "Conseil", "quantity": D(3),
         "unit_price": D("333.33"), "vat_rate": D("0.2")}]
    # a deposit of 500.00 issued on it: more than the Livres line left readable (2.00)
    t["Factures"].append(invoice("F40", "FAC2026-0009", date(2026, 11, 20), "C1",
                                 type_="deposit", quote="D2026-0011", version=1))
    t["LignesFacture"].append(line("F40", "Acompte", 1, "500"))
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    wb = openpyxl.load_workbook(path)
    wb["Lignes de contrat"]["C3"] = "une"  # Astreinte's quantity, as text
    ws = wb["Lignes de devis"]
    conseil = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "D2026-0011"
                   and ws.cell(r, 3).value == "Conseil")
    ws.cell(conseil, 6).value = None  # Conseil's unit price, emptied
    wb.save(path)
    found = run_check(path, TODAY).findings
    leaks = {(f.code, f.ref): f for f in found if f.code.startswith(("LEAK", "QUOTE-REM"))}
    contract = leaks[("LEAK-CONTRACT-LINE", "K9")]
    assert (contract.severity, contract.sheet, contract.row) == ("warning", "Contrats", 2)
    assert "3 période(s)" in contract.message and "lignes 3 de la feuille" in \
        contract.message and "135" not in contract.message
    assert not [k for k in leaks if k[0] == "LEAK-CONTRACT" and k[1] == "K9"]
    assert ("LEAK-CONTRACT", "K8") in leaks  # its lines are fine: still priced
    quote = leaks[("LEAK-QUOTE-LINE", "D2026-0011")]
    assert quote.sheet == "Devis" and f"lignes {conseil} de la feuille" in quote.message
    assert "500,00" in quote.message  # what was billed; what is left is not priced
    # nor is the deposit called more than the quote: its total is not known
    assert not [f for f in found if f.code == "QUOTE-OVERBILLED"]
    assert ("LEAK-QUOTE", "D2026-0011") not in leaks
    assert ("QUOTE-REMAINING", "D2026-0011") not in leaks
