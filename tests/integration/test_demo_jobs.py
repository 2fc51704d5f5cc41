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


def test_the_demo_transmits_to_the_local_stand_in_and_pulls_the_statuses(
        tmp_path: Path, capsys, monkeypatch) -> None:
    """`facturier demo` starts the stand-in platform on 127.0.0.1, transmits the issued
    documents, pulls their statuses, sends the payments' 212s once the 200s are in,
    reports one e-reporting period and pulls its acknowledgements, and says what each
    step did; the secret stays out of the workbook and the journal."""
    from pyfuncs.cli import main
    from pyfuncs.demo import platform
    from tests.support.ledgers import ledgers_of
    secret = "demo-secret-not-to-be-kept-0123456789"
    monkeypatch.setattr(platform.secrets, "token_urlsafe", lambda _n: secret)
    assert main(["demo", "--dir", str(tmp_path), "--date", TODAY.isoformat(),
                 "--invoices", "80"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Platform ("))
    assert "local stand-in, not a real PA" in line and "see the E-facturation sheet" in line
    assert ("transmit --send, statuses, transmit --send (212), ereport --send, statuses."
            in out)
    book = tmp_path / "Facturation-demo.xlsx"
    preview = sheet(book, "Aperçu transmission")[3:]  # title, blank, headers
    # the preview sheet is the last transmit's: the 212s it sent, and the documents
    # e-reported instead (the documents it sent before are in E-facturation)
    receipt_rows = [r for r in preview if r[1] == "Encaissement (212)"]
    ereporting = sum(r[6] in ("B2BInt", "B2C") for r in preview)
    efact = [r for r in sheet(book, "E-facturation")[3:] if r[0]]
    with ledgers_of(book) as led:  # the demo folder's own journal
        flows = led.flows.latest()
        receipts = [r for r in led.receipts.rows() if r.state == "sent"]
        reports = led.reports.rows()
    sent = set(flows)
    assert sent and ereporting and sent == {r[0] for r in efact}
    assert len(receipt_rows) == len(receipts) and {r[9] for r in receipt_rows} == {"Transmise"}
    assert {(str(r[4]), r[5]) for r in efact} == {("200", "Déposée")}
    assert f"{len(flows)} document(s) transmitted, {ereporting} for e-reporting" in line
    assert f"200 Déposée for {len(flows)}, 0 rejected (213)" in line
    # every 212 the journal holds as sent, on a deposited invoice, and said so
    assert receipts and {r.number for r in receipts} <= sent
    assert f"Payments: {len(receipts)} status(es) 212 « Encaissée » sent." in out
    # the period's reports: sent once each and acknowledged by the platform
    period = next(x for x in out.splitlines() if x.strip().startswith("E-reporting "))
    assert reports and all(r.state == "sent" and r.ack == "Ok" for r in reports.values())
    assert f"{len(reports)} file(s) sent, {len(reports)} acknowledged Ok." in period
    assert {str(r[0]) for r in sheet(book, "E-reporting")[3:] if r[0]} == \
        {period.split()[1].rstrip(":")}
    # the throwaway secret: passed in the environment mapping, never written
    with zipfile.ZipFile(book) as z:
        assert not any(secret.encode() in z.read(n) for n in z.namelist())
    for f in tmp_path.rglob("*"):
        assert not f.is_file() or secret.encode() not in f.read_bytes(), f


def test_the_demo_without_the_platform_transmits_nothing(tmp_path: Path, capsys) -> None:
    from pyfuncs.cli import main
    assert main(["demo", "--dir", str(tmp_path), "--date", TODAY.isoformat(),
                 "--invoices", "40", "--no-platform"]) == 0
    out = capsys.readouterr().out
    assert "Platform" not in out and "transmit" not in out
    names = python_calamine.CalamineWorkbook.from_path(
        str(tmp_path / "Facturation-demo.xlsx")).sheet_names
    assert "E-facturation" not in names and "Aperçu transmission" not in names


def test_without_the_checkouts_stand_in_the_platform_step_says_it_is_skipped(
        tmp_path: Path, monkeypatch) -> None:
    """An installed Facturier has no tests/support: one line says why, nothing is sent."""
    from pyfuncs.demo.platform import run_platform
    monkeypatch.setitem(sys.modules, "tests.support.pa_server", None)  # import fails
    run = run_platform(tmp_path / "absent.xlsx", TODAY)
    assert run.skipped and run.transmitted == 0
    assert run.text("fr").startswith("Platform: skipped (the local stand-in platform lives "
                                     "in the project's checkout")


def test_the_command_of_an_editable_install_finds_the_stand_in_of_its_checkout(
        tmp_path: Path) -> None:
    """`facturier demo`, the README's command, runs as a console script: neither the
    checkout nor the current folder is on its import path. The stand-in is still found in
    the checkout beside the package. Run here as a fresh interpreter in another folder,
    the package found through the install (skipped where it is not installed)."""
    import os

    import pytest
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = ("import sys; from pyfuncs.demo import platform as p; "
            "assert 'tests' not in sys.modules; print(p.stand_in_module().__file__)")
    probe = subprocess.run([sys.executable, "-c", "import pyfuncs"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("pyfuncs is not installed: only PYTHONPATH finds it here")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    from pyfuncs.demo.platform import CHECKOUT
    assert Path(done.stdout.strip()) == CHECKOUT / "tests" / "support" / "pa_server.py"
