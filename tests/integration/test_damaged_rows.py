"""A row skipped for a bad cell still counts for what could be read of it, on copies of
the demo workbook: its number, its place in the register, the payments naming it, and
what it billed (domain/damaged.py)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest

from pyfuncs.demo.job import build_demo
from pyfuncs.jobs.aging import run_age
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.reminders import run_remind
from pyfuncs.jobs.sending import run_send_invoices

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return build_demo(folder, None, TODAY)[0]


def copy(demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(demo, path)
    return path


def damage(path: Path, sheet: str, key_col: str, key: str, col: str, value: object) -> str:
    """Type ``value`` in column ``col`` of the first row of ``sheet`` whose ``key_col``
    is ``key``; returns the cell's reference."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    heads = [c.value for c in ws[1]]
    kc, cc = heads.index(key_col) + 1, heads.index(col) + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, kc).value == key:
            ws.cell(r, cc).value = value
            wb.save(path)
            return ws.cell(r, cc).coordinate
    raise AssertionError(f"{key} not in {sheet}")


def invoice_id(path: Path, number: str) -> str:
    ws = openpyxl.load_workbook(path)["Factures"]
    return next(r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == number)


class Pick(NamedTuple):
    number: str
    row: int
    client: str
    quote: str


@pytest.fixture(scope="module")
def picks(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pick]:
    """Two invoices billed from a quote, found in the demo rather than named (its random
    draw decides them): "late", still open, of a client the reminders write to; "paid",
    settled, of another client who still has something open."""
    folder = tmp_path_factory.mktemp("picks")
    path = folder / "Facturation.xlsx"
    shutil.copy(demo, path)
    reminded = {o.mailing.client for o in run_remind(path, TODAY, outbox=folder / "o").emails}
    balance = run_age(path, TODAY, write=False)
    items = {i.number: i for i in balance.items}
    listed = {c.client for c in balance.clients}
    ws = openpyxl.load_workbook(demo)["Factures"]
    rows = [Pick(r[2].value, r[0].row, r[4].value, r[5].value)
            for r in ws.iter_rows(min_row=2)
            if r[1].value == "Facture" and r[5].value and r[18].value == "Émise"]
    late = next(p for p in rows if p.number in items and p.client in reminded)
    paid = next(p for p in rows if p.number not in items and p.client in listed
                and p.client != late.client)
    return {"late": late, "paid": paid}


def codes(findings, code: str) -> list:  # type: ignore[no-untyped-def]
    return [f for f in findings if f.code == code]


def test_an_invoice_with_a_bad_terms_cell_keeps_its_number_and_its_quote_billed(
        demo, picks, tmp_path):
    late, _, _, quote = picks["late"]
    path = copy(demo, tmp_path)
    before = run_generate(path, TODAY, dry_run=True)
    last = max(r[0] for r in openpyxl.load_workbook(path)["Factures"].iter_rows(
        min_row=2, min_col=3, max_col=3, values_only=True) if str(r[0]).startswith("FAC2026"))
    assert [d.number for d in before.issued][:1] == [f"FAC2026-{int(last[-4:]) + 1:04d}"]
    cell = damage(path, "Factures", "N° facture", late, "Conditions", "90 jours")
    plan = run_generate(path, TODAY, dry_run=True)
    # the quote it billed is not billed again, and the rest is still issued
    assert not [d for d in plan.issued if quote in d.subject]
    assert [d.subject for d in plan.issued] == [d.subject for d in before.issued]
    assert late not in [d.number for d in plan.issued]
    held = codes(plan.findings, "GEN-DAMAGED")
    assert [(f.sheet, f.column, f.ref) for f in held] == [("Devis", "N° devis", quote)]
    assert cell in held[0].message and late in held[0].message
    assert [(f.code, f.cell) for f in plan.findings if f.sheet == "Factures"] == [
        ("CELL-CHOICE", cell)]
    # the checks: the bad cell is the error; no gap, no leak "billed 0.00" that follow
    check = run_check(path, TODAY, write=False)
    assert [f.cell for f in codes(check.findings, "CELL-CHOICE")] == [cell]
    assert not [f for f in codes(check.findings, "NUM-GAP") if late[-4:] in f.message]
    assert not [f for f in check.findings if f.ref == quote]


def test_an_invoice_with_an_unreadable_line_quantity_holds_its_quote_back(
        demo, picks, tmp_path):
    paid, _, _, quote = picks["paid"]
    path = copy(demo, tmp_path)
    ref = invoice_id(path, paid)
    cell = damage(path, "Lignes de facture", "Réf. facture", ref, "Quantité", "27 OOO")
    plan = run_generate(path, TODAY, dry_run=True)
    assert not [d for d in plan.issued if quote in d.subject]
    held = codes(plan.findings, "GEN-DAMAGED")
    assert [f.ref for f in held] == [quote] and cell in held[0].message
    check = run_check(path, TODAY, write=False)
    # its total is short of the line: its payments are not "too much"
    assert not [f for f in codes(check.findings, "PAY-OVER") if f.ref == paid]
    assert [f.cell for f in codes(check.findings, "CELL-TYPE")] == [cell]


def test_payments_naming_an_invoice_skipped_for_its_date_are_not_unknown(demo, tmp_path):
    path = copy(demo, tmp_path)
    wb = openpyxl.load_workbook(path)
    paid = {r[2] for r in wb["Paiements"].iter_rows(min_row=2, values_only=True)}
    number = next(r[2] for r in wb["Factures"].iter_rows(min_row=2, values_only=True)
                  if r[2] in paid and r[18] == "Émise")
    cell = damage(path, "Factures", "N° facture", number, "Date", "32/13/2026")
    check = run_check(path, TODAY, write=False)
    assert [f.cell for f in check.findings if f.sheet == "Factures" and f.cell == cell]
    assert not [f for f in codes(check.findings, "PAY-UNKNOWN") if f.ref == number]
    assert not [f for f in codes(check.findings, "NUM-GAP") if number in f.message]


def test_an_issued_invoice_the_journal_knows_is_not_deleted_nor_replayed_for_a_bad_cell(
        demo, tmp_path):
    path = copy(demo, tmp_path)
    first = run_generate(path, TODAY)
    issued = [d.number for d in first.issued]
    assert issued
    cell = damage(path, "Factures", "N° facture", issued[0], "Conditions", "90 jours")
    check = run_check(path, TODAY, write=False)
    assert not codes(check.findings, "REGISTER-DELETED")
    assert not [f for f in codes(check.findings, "REGISTER-EDITED")]
    assert [f.cell for f in check.findings if f.code == "CELL-CHOICE"] == [cell]
    again = run_generate(path, TODAY)
    assert again.issued == [] and again.replayed == []
    numbers = [r[2] for r in openpyxl.load_workbook(path)["Factures"].iter_rows(
        min_row=2, values_only=True) if r[2]]
    assert len(numbers) == len(set(numbers))  # nothing written twice


def balances(path: Path) -> dict:  # type: ignore[type-arg]
    return {c.client: c for c in run_age(path, TODAY, write=False).clients}


def test_the_aged_balance_of_a_client_with_an_unreadable_invoice_is_marked_incomplete(
        demo, picks, tmp_path):
    late, late_row, client, _ = picks["late"]
    path = copy(demo, tmp_path)
    whole = balances(path)[client]
    assert whole.complete and whole.total > 0
    cell = damage(path, "Factures", "N° facture", late, "Conditions", "90 jours")
    balance = run_age(path, TODAY, write=False)
    c = {c.client: c for c in balance.clients}[client]
    assert not c.complete and c.left_out == [f"Factures ligne {late_row} ({cell})"]
    assert c.unapplied == whole.unapplied  # its payments are not turned into a credit
    found = [f for f in balance.findings if f.code == "AGING-INCOMPLETE"]
    assert [(f.severity, f.ref, f.cell) for f in found] == [("error", client, cell)]
    # every other client is as before
    others = {k: v.total for k, v in balances(path).items() if k != client}
    assert others == {k: v.total for k, v in balances(copy_again(demo, tmp_path)).items()
                      if k != client}
    out = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "age", str(path), "--as-of",
                          TODAY.isoformat(), "--json"], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 1
    row = next(r for r in json.loads(out.stdout)["rows"] if r["client"] == client)
    assert row["complete"] is False and row["left_out"] == c.left_out


def copy_again(demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "intact.xlsx"
    shutil.copy(demo, path)
    return path


def test_payments_of_an_invoice_with_a_bad_date_do_not_become_an_unapplied_credit(
        demo, tmp_path):
    path = copy(demo, tmp_path)
    wb = openpyxl.load_workbook(path)
    pays = list(wb["Paiements"].iter_rows(min_row=2, values_only=True))
    paid = {r[2] for r in pays}
    listed = balances(path)  # a client with something open: it is in the aged balance
    number, client = next((r[2], r[4]) for r in wb["Factures"].iter_rows(
        min_row=2, values_only=True) if r[2] in paid and r[18] == "Émise" and r[4] in listed)
    before = listed[client]
    damage(path, "Factures", "N° facture", number, "Date", "32/13/2026")
    after = balances(path)[client]
    assert after.unapplied == before.unapplied and not after.complete


def test_a_line_with_a_bad_unit_price_leaves_its_invoice_out_not_negative(
        demo, picks, tmp_path):
    paid, _, client, _ = picks["paid"]
    path = copy(demo, tmp_path)
    ref = invoice_id(path, paid)
    cell = damage(path, "Lignes de facture", "Réf. facture", ref, "Prix unitaire HT", "abc")
    balance = run_age(path, TODAY, write=False)
    assert not [i for i in balance.items if i.number == paid]
    c = {c.client: c for c in balance.clients}[client]
    assert not c.complete and cell in c.left_out[0]
    assert all(a >= 0 for a in c.amounts)


def test_remind_sends_nothing_to_a_client_whose_balance_is_incomplete(
        demo, picks, tmp_path):
    late, _, client, _ = picks["late"]
    path = copy(demo, tmp_path)
    before = run_remind(path, TODAY, outbox=tmp_path / "out0")
    assert client in {o.mailing.client for o in before.emails}
    cell = damage(path, "Factures", "N° facture", late, "Conditions", "90 jours")
    after = run_remind(path, TODAY, outbox=tmp_path / "out1")
    assert client not in {o.mailing.client for o in after.emails}
    assert {o.mailing.client for o in after.emails} == \
        {o.mailing.client for o in before.emails} - {client}
    assert [f.cell for f in after.findings if f.code == "AGING-INCOMPLETE"] == [cell]
    assert after.errors


def test_send_invoices_refuses_a_document_whose_cells_cannot_be_read(demo, picks,
                                                                   tmp_path):
    late, paid = picks["late"].number, picks["paid"].number
    path = copy(demo, tmp_path)
    for number in (paid, late):
        damage(path, "Factures", "N° facture", number, "Envoyée le", None)
    before = run_send_invoices(path, TODAY, outbox=tmp_path / "o0")
    assert {paid, late} <= {o.number for o in before.emails}
    line = damage(path, "Lignes de facture", "Réf. facture", invoice_id(path, paid),
                  "Quantité", "27 OOO")
    row = damage(path, "Factures", "N° facture", late, "Conditions", "90 jours")
    after = run_send_invoices(path, TODAY, outbox=tmp_path / "o1")
    assert not {paid, late} & {o.number for o in after.emails}
    refused = sorted((f.ref, f.cell) for f in after.findings if f.code == "SEND-DAMAGED")
    assert refused == [(paid, line), (late, row)]
    assert after.errors
