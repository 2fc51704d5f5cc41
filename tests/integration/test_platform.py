"""E-invoicing through an approved platform, against the local XP Z12-013 platform of
tests/support/pa_server.py (a real HTTP server checking the OpenAPI contract, the token,
the sha256, and the official EN 16931 and French BR-FR rules on every Factur-X)."""
from __future__ import annotations

import copy
import hashlib
import logging
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import facturx
import pytest
from lxml import etree

from pyfuncs.adapters.journal import journal_path
from pyfuncs.adapters.platform.directory_cache import cache_path
from pyfuncs.adapters.platform.ledger import SENDING, SENT
from pyfuncs.adapters.platform.xpz12013 import XpZ12013Platform
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.cli import main
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.einvoicing import default_platform, run_statuses, run_transmit
from pyfuncs.jobs.template import build_workbook
from tests.support import en16931
from tests.support.ledgers import ledgers_of
from tests.support.pa_server import CDAR, CDAR_XSD, PlatformServer, PlatformState, cdar, environ
from tests.unit.test_checks import clean_settings, clean_tables

TODAY = datetime(2026, 11, 23).date()
SECRET = "pa-Secret-7f3a91c2e5b8"
ROOT = Path(__file__).resolve().parents[2]
B2B = ["FAC2026-0001", "FAC2026-0002", "AV2026-0001", "FAC2026-0005", "FAC2026-0006",
       "FAC2026-0007", "FAC2026-0008"]  # the clean workbook's documents to French companies


def book(tmp_path: Path, tables: dict | None = None) -> Path:
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=tables or copy.deepcopy(clean_tables()),
                   settings=clean_settings(), today=TODAY)
    return path


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def flows_by_number(server: PlatformServer) -> dict[str, int]:
    """How many invoice flows the platform holds for each document number."""
    counts: dict[str, int] = {}
    for flow in server.state.invoices().values():
        number = server.state.number_of(server.state.files[flow["flowId"]])
        counts[number] = counts.get(number, 0) + 1
    return counts


def ledger_states(path: Path) -> dict[str, str]:
    with ledgers_of(path) as led:
        return {n: s.state for n, s in led.flows.latest().items()}


def efacturation(path: Path) -> dict[str, list[object]]:
    import openpyxl
    ws = openpyxl.load_workbook(path)["E-facturation"]
    return {str(r[0]): list(r) for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}


def test_every_issued_b2b_document_goes_once_and_its_status_comes_back(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    preview = run_transmit(path, TODAY, send=False, environ=env)
    assert sorted(d.number for d in preview.documents if d.status == "preview") == sorted(B2B)
    assert {d.number for d in preview.documents if d.status == "e-reporting"} == \
        {"FAC2026-0003", "FAC2026-0004"}  # clients abroad: e-reporting, not the platform
    # the preview sends nothing and writes no journal; the directory's answers for the
    # clients without an address are all it keeps, in its own cache beside the workbook
    assert platform.state.submissions == 0 and not journal_path(path).exists()
    assert cache_path(path).exists()

    sent = run_transmit(path, TODAY, environ=env)
    assert sorted(d.number for d in sent.documents if d.status == "sent") == sorted(B2B)
    assert flows_by_number(platform) == {n: 1 for n in B2B}
    assert set(ledger_states(path).values()) == {SENT}

    pulled = run_statuses(path, TODAY, environ=env)
    assert pulled.received == len(B2B)
    sheet = efacturation(path)
    assert sorted(sheet) == sorted(B2B)
    assert {row[4] for row in sheet.values()} == {"200"}
    assert {row[5] for row in sheet.values()} == {"Déposée"}
    flow_ids = {d.number: d.flow_id for d in sent.documents if d.flow_id}
    assert {n: row[3] for n, row in sheet.items()} == flow_ids

    again = run_transmit(path, TODAY, environ=env)
    assert [d for d in again.documents if d.status != "e-reporting"] == []
    assert run_statuses(path, TODAY, environ=env).received == 0  # nothing recorded twice
    assert platform.state.submissions == len(B2B)


def test_the_command_line_transmits_and_pulls_statuses(tmp_path, platform, monkeypatch,
                                                       capsys):
    path = book(tmp_path)
    for key, value in environ(platform).items():
        monkeypatch.setenv(key, value)
    assert main(["transmit", str(path)]) == 0  # the preview: nothing leaves
    assert main(["transmit", str(path), "--dry-run"]) == 0  # its older name
    assert platform.state.submissions == 0
    out = capsys.readouterr().out
    assert f"{len(B2B)} preview" in out and "0225:" in out
    assert main(["transmit", str(path), "--send", "--dry-run"]) == 2
    assert platform.state.submissions == 0
    assert main(["transmit", str(path), "--send"]) == 0
    assert f"{len(B2B)} sent" in capsys.readouterr().out
    assert main(["statuses", str(path), "--json"]) == 0
    assert '"received": 7' in capsys.readouterr().out


def preview_sheet(path: Path) -> dict[str, list[object]]:
    import openpyxl
    ws = openpyxl.load_workbook(path)["Aperçu transmission"]
    out: dict[str, list[object]] = {}
    for r in ws.iter_rows(min_row=4, values_only=True):  # the documents, then the 212s
        if r[0]:
            out.setdefault(str(r[0]), list(r))
    return out


def test_the_preview_sheet_lists_each_document_with_its_rule_and_routing_address(
        tmp_path, platform):
    tables = copy.deepcopy(clean_tables())
    tables["Clients"][0]["electronic_address"] = "0225:443061841_compta"  # a routing code
    path = book(tmp_path, tables)
    clients = read_workbook(path).tables["Clients"]
    typed = {str(i): str(a or "") for i, a in zip(clients.cols["id"],
                                                   clients.cols["electronic_address"],
                                                   strict=True)}
    sirens = {str(i): str(s or "").replace(" ", "") for i, s in
              zip(clients.cols["id"], clients.cols["siren"], strict=True)}
    run_transmit(path, TODAY, send=False, environ=environ(platform))
    sheet = preview_sheet(path)
    assert sorted(n for n, r in sheet.items() if r[6] == "B2B") == sorted(B2B)
    assert {n: r[9] for n, r in sheet.items() if r[6] == "B2B"} == \
        {n: "À transmettre" for n in B2B}
    assert {r[6] for n, r in sheet.items() if n in ("FAC2026-0003", "FAC2026-0004")} == \
        {"B2BInt"}
    assert "0225:443061841_compta" in {r[7] for r in sheet.values()}
    for row in sheet.values():
        if row[6] != "B2B":
            continue
        client = str(row[2])
        expected = typed[client] if typed[client] else "0225:" + sirens[client]
        assert row[7] == expected, row  # BT-49, what the platform routes on
        assert row[8] == ("Clients › Adresse électronique" if typed[client] else
                          f"Annuaire du {TODAY:%d/%m/%Y}")
    assert platform.state.submissions == 0
    run_transmit(path, TODAY, environ=environ(platform))
    assert {n: r[9] for n, r in preview_sheet(path).items() if r[6] == "B2B"} == \
        {n: "Transmise" for n in B2B}


def test_a_document_breaking_the_official_rules_never_leaves_and_names_its_row(
        tmp_path, platform):
    tables = copy.deepcopy(clean_tables())
    tables["Clients"][0]["electronic_address"] = "9999:443061841"  # no such scheme (EAS)
    path = book(tmp_path, tables)
    env = environ(platform)
    first = [str(n) for n, c in zip(read_workbook(path).tables["Factures"].cols["number"],
                                    read_workbook(path).tables["Factures"].cols["client"],
                                    strict=True) if c == "C1" and str(n) in B2B]
    assert first
    preview = run_transmit(path, TODAY, send=False, environ=env)
    assert sorted(d.number for d in preview.documents if d.status == "blocked") == \
        sorted(first)
    sent = run_transmit(path, TODAY, environ=env)
    assert sorted(d.number for d in sent.documents if d.status == "blocked") == sorted(first)
    assert sorted(flows_by_number(platform)) == sorted(set(B2B) - set(first))
    found = [f for f in sent.findings if f.code == "EINV-RULES"]
    assert sorted(f.ref for f in found) == sorted(first)
    factures = read_workbook(path).tables["Factures"]
    for f in found:
        assert f.sheet == "Factures" and f.column and f.severity == "error"
        row = factures.rows[factures.cols["number"].index(f.ref)]
        assert f.row == row and "FX-SCH-A-000031" in f.message
    assert {r[9] for n, r in preview_sheet(path).items() if n in first} == \
        {"Bloquée : règles françaises"}
    with ledgers_of(path) as led:
        assert not set(first) & set(led.flows.latest())  # never even "about to send"
    # corrected in Clients, they go
    clients = read_workbook(path).tables["Clients"]
    writer = WorkbookWriter(path)
    writer.set_cells("Clients", [(clients.rows[0], clients.labels["electronic_address"],
                                  "0225:443061841")])
    writer.commit()
    assert sorted(d.number for d in run_transmit(path, TODAY, environ=env).documents
                  if d.status == "sent") == sorted(first)
    assert flows_by_number(platform) == {n: 1 for n in B2B}


def test_a_crash_before_the_call_sends_each_document_once_on_the_rerun(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)

    def crash(number: str) -> None:
        if number == "FAC2026-0005":
            raise KeyboardInterrupt  # the process dies between "about to send" and the call

    with pytest.raises(KeyboardInterrupt):
        run_transmit(path, TODAY, environ=env, after_prepare=crash)
    assert ledger_states(path)["FAC2026-0005"] == SENDING
    rerun = run_transmit(path, TODAY, environ=env)
    assert rerun.settled == 0  # the platform never had it: sent now, same trackingId
    assert flows_by_number(platform) == {n: 1 for n in B2B}
    assert set(ledger_states(path).values()) == {SENT}


def test_a_process_killed_after_the_platform_took_the_flow_does_not_send_it_twice(
        tmp_path, platform):
    path = book(tmp_path)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from datetime import date
        from pyfuncs.jobs import einvoicing as J
        real = J.default_platform
        def factory(settings, environ):
            p = real(settings, environ)
            submit = p.submit
            def dying(content, **kw):
                flow = submit(content, **kw)
                if kw["filename"].startswith("FAC2026-0005"):
                    os._exit(9)  # killed: the platform has the flow, the ledger says "sending"
                return flow
            p.submit = dying
            return p
        J.run_transmit({str(path)!r}, date(2026, 11, 23), environ={environ(platform)!r},
                       platform_factory=factory)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          timeout=300, check=False)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert ledger_states(path)["FAC2026-0005"] == SENDING
    rerun = run_transmit(path, TODAY, environ=environ(platform))
    assert rerun.settled == 1
    assert [d.status for d in rerun.documents if d.number == "FAC2026-0005"] == ["already"]
    assert flows_by_number(platform) == {n: 1 for n in B2B}
    assert set(ledger_states(path).values()) == {SENT}


@pytest.mark.parametrize("fault", ["500", "503", "429"])
def test_a_platform_failing_for_a_while_is_retried_and_nothing_goes_twice(tmp_path, platform,
                                                                        fault):
    path = book(tmp_path)
    platform.state.fail("/v1/flows", fault, times=3)
    result = run_transmit(path, TODAY, environ=environ(platform))
    assert result.count("sent") == len(B2B) and result.errors == 0
    assert flows_by_number(platform) == {n: 1 for n in B2B}
    assert platform.state.faults == []  # every injected failure was met, then retried


def test_an_answer_lost_after_the_platform_took_the_flow_is_found_by_its_tracking_id(
        tmp_path, platform):
    path = book(tmp_path)
    platform.state.fail("/v1/flows", "drop")  # takes the first flow, then hangs up
    result = run_transmit(path, TODAY, environ=environ(platform))
    assert result.count("sent") == len(B2B)
    assert flows_by_number(platform) == {n: 1 for n in B2B}
    searched = [r for r in platform.state.requests if r[1] == "/v1/flows/search"]
    assert searched, "the lost answer was settled by a search by trackingId"


def test_a_platform_down_stops_cleanly_and_the_next_run_sends_the_rest(tmp_path, platform):
    path = book(tmp_path)
    platform.state.fail("/v1/flows", "503", times=50)
    down = run_transmit(path, TODAY, environ=environ(platform))
    assert down.count("failed") == len(B2B) and down.count("sent") == 0
    platform.state.faults.clear()
    later = run_transmit(path, TODAY, environ=environ(platform))
    assert later.count("sent") + later.count("already") == len(B2B)
    assert flows_by_number(platform) == {n: 1 for n in B2B}


def test_a_4xx_is_reported_with_the_platforms_reason_code(tmp_path, platform):
    path = book(tmp_path)

    def corrupt(settings, env):  # a fingerprint that is not the file's
        p = default_platform(settings, env)
        submit = p.submit
        p.submit = lambda content, **kw: submit(content, **{**kw, "sha256": "0" * 64})
        return p

    result = run_transmit(path, TODAY, environ=environ(platform), platform_factory=corrupt)
    assert result.count("refused") == len(B2B)
    assert all("ChecksumMismatch" in d.error for d in result.documents
               if d.status == "refused")
    assert platform.state.submissions == 0
    checked = run_check(path, TODAY, write=False)
    refused = [f for f in checked.findings if f.code == "EINV-REFUSED"]
    assert {f.ref for f in refused} == set(B2B)
    assert all(f.sheet == "Factures" and f.row and f.column for f in refused)
    # unchanged since, a refused document is not sent again
    assert run_transmit(path, TODAY, environ=environ(platform)).count("sent") == 0


def test_a_refused_token_sends_nothing_and_marks_nothing_refused(tmp_path, platform):
    path = book(tmp_path)
    env = {**environ(platform), "FACTURIER_PA_SECRET": "wrong"}
    result = run_transmit(path, TODAY, environ=env)
    assert result.count("failed") == len(B2B) and result.count("refused") == 0
    assert all("refused the client id facturier-test" in d.error
               for d in result.documents if d.status == "failed")
    assert platform.state.submissions == 0


def without_late_payment_note(settings, env):
    """The platform as reached through a broken Factur-X maker: the PMT note (the 40 EUR
    indemnity, BR-FR-05) taken out of the embedded CII before it leaves."""
    p = default_platform(settings, env)
    submit = p.submit

    def tampered(content: bytes, **kw):
        if kw.get("syntax") != "Factur-X":  # the 212 statuses go as they are
            return submit(content, **kw)
        _name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        root = etree.fromstring(xml)
        for note in root.iterfind(".//{*}IncludedNote"):
            if note.findtext("{*}SubjectCode") == "PMT":
                note.getparent().remove(note)
        out = facturx.generate_from_binary(content, etree.tostring(root), check_xsd=False)
        return submit(out, **{**kw, "sha256": hashlib.sha256(out).hexdigest()})

    p.submit = tampered
    return p


def test_a_document_breaking_a_french_rule_is_rejected_with_its_reason(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env, platform_factory=without_late_payment_note)
    run_statuses(path, TODAY, environ=env)
    sheet = efacturation(path)
    assert {n: row[4:6] for n, row in sheet.items()} == {n: ["213", "Rejetée"] for n in B2B}
    assert all("BR-FR-05" in str(row[7]) for row in sheet.values())
    flow = next(iter(platform.state.invoices().values()))
    assert flow["acknowledgement"]["status"] == "Error"
    assert any(d["reasonCode"].startswith("BR-FR-05")
               for d in flow["acknowledgement"]["details"])
    checked = run_check(path, TODAY, write=False)
    found = [f for f in checked.findings if f.code == "EINV-213"]
    assert {f.ref for f in found} == set(B2B)
    assert all(f.sheet == "Factures" and f.row and f.column for f in found)
    # unchanged, a rejected document is not sent again, and the preview says why
    unchanged = run_transmit(path, TODAY, environ=env)
    assert unchanged.count("sent") == 0 and unchanged.count("uncorrected") == len(B2B)
    assert {n: r[9] for n, r in preview_sheet(path).items() if r[6] == "B2B"} == \
        {n: "Rejetée : à corriger" for n in B2B}
    # corrected (here the discount mention is reworded in Paramètres, and the maker is
    # whole again), it goes again under the same number, as a new attempt
    settings = read_workbook(path).tables["Parametres"]
    row = settings.rows[settings.cols["key"].index("early_payment_discount")]
    writer = WorkbookWriter(path)
    writer.set_cells("Parametres", [(row, "Valeur", "Aucun escompte pour paiement anticipé.")])
    writer.commit()
    assert run_transmit(path, TODAY, environ=env).count("sent") == len(B2B)
    assert flows_by_number(platform) == {n: 2 for n in B2B}
    with ledgers_of(path) as led:
        assert {s.attempt for s in led.flows.latest().values()} == {2}


def test_statuses_out_of_order_keep_the_latest_and_a_refusal_is_a_finding(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    now = datetime.now(UTC)
    platform.state.push_status("FAC2026-0001", "212", at=now + timedelta(days=3))
    platform.state.push_status("FAC2026-0001", "205", at=now + timedelta(days=1))  # late
    platform.state.push_status("FAC2026-0002", "210", reason="Commande inconnue")
    platform.state.push_status("FAC2026-0005", "207", reason="Quantité contestée")
    result = run_statuses(path, TODAY, environ=env)
    assert result.received == len(B2B) + 4
    sheet = efacturation(path)
    assert sheet["FAC2026-0001"][4:6] == ["212", "Encaissée"]
    assert sheet["FAC2026-0002"][4:6] == ["210", "Refusée"]
    assert sheet["FAC2026-0002"][7] == "facture non conforme : Commande inconnue"  # NON_CONFORME
    codes = {f.code: f.ref for f in result.findings}
    assert codes == {"EINV-210": "FAC2026-0002", "EINV-207": "FAC2026-0005"}
    import openpyxl
    checks = openpyxl.load_workbook(path)["Contrôles"]
    assert "EINV-210" in [r[1] for r in checks.iter_rows(min_row=4, values_only=True)]


def test_the_lifecycle_messages_pass_the_cdar_schema_and_the_french_cdv_rules() -> None:
    xsd = etree.XMLSchema(etree.parse(str(CDAR_XSD)))
    rules = CDAR / "BR-FR-CDV-Schematron-CDAR.xslt"
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    for code, reason in [("200", ""), ("204", ""), ("205", ""), ("207", "Quantité"),
                         ("208", "Bon de commande attendu"),
                         ("210", "Commande inconnue"), ("212", ""), ("213", "BR-FR-12")]:
        xml = cdar("FAC2026-0001", code, PlatformState.LABELS[code], at, reason, "732829320")
        assert xsd.validate(etree.fromstring(xml)), (code, xsd.error_log)
        assert [f for f in en16931.failed_asserts(xml, rules) if f[1] == "fatal"] == [], code


def test_the_secret_is_never_in_the_workbook_the_ledger_or_the_logs(tmp_path, platform,
                                                                   caplog):
    caplog.set_level(logging.DEBUG)
    path = book(tmp_path)
    env = environ(platform)
    platform.state.fail("/v1/flows", "503")
    run_transmit(path, TODAY, environ=env)
    run_statuses(path, TODAY, environ=env)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert SECRET.encode() not in z.read(name), name
    for file in tmp_path.iterdir():
        assert SECRET.encode() not in file.read_bytes(), file
    with sqlite3.connect(journal_path(path)) as db:
        dump = "\n".join(db.iterdump())
    assert SECRET not in dump
    assert caplog.records and SECRET not in caplog.text
    assert all(tok not in caplog.text for tok in platform.state.tokens)
    client = XpZ12013Platform.__new__(XpZ12013Platform)
    assert SECRET not in repr(default_platform({}, env)._cfg) and client is not None


def test_the_client_pages_a_search_by_updated_after(tmp_path, platform):
    for k in range(230):
        platform.state.push_status(f"FAC2026-{k:04d}", "200")
    client = default_platform({}, environ(platform))
    flows = list(client.search(updated_after="2000-01-01T00:00:00Z"))
    assert len(flows) == 230 == len({f.flow_id for f in flows})
    pages = [r for r in platform.state.requests if r[1] == "/v1/flows/search"]
    assert len(pages) == 3
    assert client.healthy()


def test_check_reports_b2b_documents_not_transmitted_in_time_once_a_platform_is_set_up(
        tmp_path, platform, monkeypatch):
    path = book(tmp_path)
    monkeypatch.delenv("FACTURIER_PA_URL", raising=False)
    assert [f for f in run_check(path, TODAY, write=False).findings
            if f.code == "EINV-UNSENT"] == []  # no platform: nothing to say
    monkeypatch.setenv("FACTURIER_PA_URL", platform.url)
    unsent = {f.ref for f in run_check(path, TODAY, write=False).findings
              if f.code == "EINV-UNSENT"}
    issued = {str(n): d for n, d in zip(read_workbook(path).tables["Factures"].cols["number"],
                                        read_workbook(path).tables["Factures"].cols[
                                            "issue_date"], strict=True)}
    assert unsent == {n for n in B2B if (TODAY - issued[n]).days > 2}
    assert unsent  # the clean workbook has old invoices
    run_transmit(path, TODAY, environ=environ(platform))
    assert [f for f in run_check(path, TODAY, write=False).findings
            if f.code == "EINV-UNSENT"] == []
