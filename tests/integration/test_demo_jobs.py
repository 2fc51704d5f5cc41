"""`facturier demo` end to end: the workbook is built, the jobs run, results land in it."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import python_calamine

from pyfuncs.demo.job import run_demo
from pyfuncs.jobs.aging import run_age

TODAY = date(2026, 11, 23)


def sheet(path: Path, name: str) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its part in the package (parts are numbered in sheet order)."""
    import re
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = dict(re.findall(r'<Relationship Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    target.update({a: b for b, a in re.findall(r'<Relationship Target="([^"]+)"[^>]*Id="'
                                               r'([^"]+)"', rels)})
    return {name: "xl/" + target[rid].removeprefix("/xl/")
            for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="([^"]+)"', book)}


def test_demo_writes_every_planted_mistake_to_the_checks_sheet(tmp_path: Path) -> None:
    summary = run_demo(tmp_path, today=TODAY)
    rows = sheet(summary.workbook, "Contrôles")
    assert rows[0][0].startswith("Contrôles : écrit par Facturier le")
    codes = {r[1] for r in rows[3:]}
    for code in ("MENTION-CLIENT", "QUOTE-OVERBILLED", "QUOTE-LINE", "PAY-UNKNOWN",
                 "LEAK-MILESTONE"):
        assert code in codes
    errors = [r for r in rows[3:] if r[0] == "Erreur"]
    assert len(errors) == summary.findings["error"] == 4
    # every job that exists ran: reminders previewed, invoices printed
    count, outbox = summary.reminders
    assert count >= 3 and len(list(outbox.glob("*.eml"))) == count
    assert len(sheet(summary.workbook, "Relances à envoyer")) - 3 == count
    pdfs, folder = summary.pdfs
    assert pdfs > 200 and len(list(folder.glob("*.pdf"))) == pdfs
    preview = sheet(summary.workbook, "Aperçu facturation")
    assert len(preview) - 3 == summary.to_issue >= 1  # listed, numbered by nobody yet
    assert preview[3][1].startswith("FAC2026-")
    # the journal holds the bank statement's entries, and no number: nothing was issued
    from pyfuncs.adapters.journal import Journal, journal_path
    with Journal(journal_path(summary.workbook)) as journal:
        assert journal.entries() == [] and len(journal.bank_entries()) == 8
    # the last month's statement: certain matches booked, the rest to confirm
    bank = summary.bank
    assert summary.statement.exists() and bank.new == 8
    assert sum(s.ignored for s in bank.statements) == 3  # refund, URSSAF, card
    assert bank.refunds == 1  # the credit note refunded to its client
    assert sorted(b.reason for b in bank.booked) == [
        "iban+amount", "iban+number-typo", "number", "number", "number+partial", "numbers"]
    # one transfer for several invoices of a client (three when a client has three open)
    assert [len(b.as_json()["invoices"]) >= 2 for b in bank.booked
            if b.reason == "numbers"] == [True]
    assert [b.gap for b in bank.booked if b.gap] == [Decimal("3.50")]
    assert sorted(s.reason for s in bank.waiting) == ["name+amount", "unknown"]
    assert bank.booked_amount + bank.unmatched_amount == bank.credits
    waiting = sheet(summary.workbook, "Rapprochement")
    assert len(waiting) - 3 == 2 and {r[0] for r in waiting[3:]} == {"Non"}
    assert "Bank: statement" in summary.text() and "waiting" in summary.text()
    # what the statement paid in full is neither owed in the aged balance nor reminded
    paid = {n for b in bank.booked if b.reason != "number+partial"
            for n in b.as_json()["invoices"]}
    several = next(len(b.as_json()["invoices"]) for b in bank.booked if b.reason == "numbers")
    assert len(paid) == several + 4  # the transfer for several, and four of one invoice
    reminded = " ".join(str(r[8]) for r in sheet(summary.workbook, "Relances à envoyer")[3:])
    assert not any(n in reminded for n in paid)
    rows_ = sheet(summary.workbook, "Détail balance")
    at = rows_[2].index("N° facture")
    detail = {r[at] for r in rows_[3:] if r[at]}
    assert len(detail) > 10 and not paid & detail
    partial = next(b for b in bank.booked if b.reason == "number+partial")
    assert partial.as_json()["invoices"][0] in detail  # still owed, less the deposit
    dashboard = sheet(summary.workbook, "Tableau de bord")
    labels = [r[0] for r in dashboard]
    assert "Encours clients TTC" in labels and "DSO, méthode comptable, 90 jours (j)" in labels
    # the money left on the table: the leaks' total and the clients behind it, by name
    total = next(r for r in dashboard if r[0] == "Travaux non facturés HT")
    clients = [r for r in dashboard if str(r[0]).startswith("   dont ")]
    assert total[1] > 0 and clients and sum(r[1] for r in clients) == total[1]
    leaks = [r for r in rows[3:] if str(r[1]).startswith("LEAK-")]
    assert len(leaks) >= len(clients)


def test_a_job_keeps_every_part_it_does_not_own_byte_for_byte(tmp_path: Path) -> None:
    summary = run_demo(tmp_path, today=TODAY, run=False)
    before = {i.filename: zipfile.ZipFile(summary.workbook).read(i.filename)
              for i in zipfile.ZipFile(summary.workbook).infolist()}
    run_age(summary.workbook, TODAY)
    after = {i.filename: zipfile.ZipFile(summary.workbook).read(i.filename)
             for i in zipfile.ZipFile(summary.workbook).infolist()}
    changed = {name for name in before if before[name] != after.get(name)}
    # the aging, detail and dashboard sheets, workbook.xml (calcPr, filter names), styles;
    # and the invoices' cached days late (TODAY() is the clock's day, not the demo's)
    parts = sheet_parts(summary.workbook)
    owned = {parts["Tableau de bord"], parts["Balance âgée"], parts["Détail balance"],
             "xl/workbook.xml", "xl/styles.xml"}
    if date.today() != TODAY:
        owned.add(parts["Factures"])
    assert changed <= owned, changed - owned
    assert "xl/charts/chart1.xml" in after and after["xl/charts/chart1.xml"] == \
        before["xl/charts/chart1.xml"]
    assert (tmp_path / "Facturation-demo.bak.xlsx").exists()


def test_age_json_gives_the_documented_shape_as_of_a_past_date(tmp_path: Path) -> None:
    summary = run_demo(tmp_path, today=TODAY, run=False)
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "age", str(summary.workbook),
                           "--as-of", "2026-06-30", "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["as_of"] == "2026-06-30"
    assert len(out["buckets"]) == 5
    total = sum(float(r["total"]) for r in out["rows"])
    assert abs(total - float(out["totals"]["total"])) < 0.01


def test_the_english_demo_bills_its_contracts_in_their_clients_language_as_the_planner_does(
        tmp_path: Path) -> None:
    """The contract periods the demo's "previous runs" billed are labelled in the client's
    language (the language of its documents), like the periods the planner bills next:
    one contract never mixes "– octobre 2026" and "– November 2026" lines, and a French
    client of an English workbook gets no English month."""
    from pyfuncs.adapters.xlsx_read import read_workbook
    from pyfuncs.demo.job import build_demo
    from pyfuncs.jobs.invoicing import run_generate

    path, _ = build_demo(tmp_path, None, TODAY, "en")
    data = read_workbook(path)
    assert data.lang == "en"
    clients, contracts = data.tables["Clients"].cols, data.tables["Contrats"].cols
    lang = dict(zip(clients["id"], clients["language"]))
    client = dict(zip(contracts["id"], contracts["client"]))
    billed = [r for r in data.tables["LignesFacture"].records()
              if (r.source or "").startswith("contrat:")]
    french = {"janvier", "octobre", "novembre", "décembre"}
    english = {"January", "October", "November", "December"}
    seen = set()
    for r in billed:
        ref = r.source.split(":")[1].upper()
        fr = (lang[client[ref]] or "fr") == "fr"
        words = set(r.label.replace("–", " ").split())
        assert not words & (english if fr else french), r.label
        seen.add(fr)
    assert billed and True in seen  # the demo's contract clients are French
    fr1 = (lang[client["CT-001"]] or "fr") == "fr"
    planned = [d for d in run_generate(path, TODAY, dry_run=True).issued
               if d.sources[0].startswith("contrat:ct-001")]
    assert [d.subject for d in planned] == [
        "Maintenance applicative – novembre 2026" if fr1 else
        "Application maintenance – November 2026"]
