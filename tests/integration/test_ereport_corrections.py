"""E-reporting after the first transmission (`facturier ereport`): a report that became
empty, a report the platform refused, and what the preview says would go, end to end
against the local platform (tests/support/pa_server.py), which checks each file against
the flow 10 XSD and the Flux10 rules and its type (TT-4, IN or RE) against what it
accepted before (tests/support/pa_lifecycle.py)."""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from pyfuncs.cli import main
from pyfuncs.jobs.einvoicing import run_statuses
from pyfuncs.jobs.ereport import run_ereport
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_ereport import registered, set_cell, with_private_client
from tests.integration.test_platform import SECRET, TODAY, book
from tests.support import pa_lifecycle
from tests.support.ledgers import ledgers_of
from tests.support.pa_lifecycle import frr_problems
from tests.support.pa_server import PlatformServer, PlatformState, environ
from tests.unit.test_checks import clean_settings, clean_tables


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def frr_flows(platform: PlatformServer) -> list[dict]:
    return [f for f in platform.state.flows.values() if f["flowSyntax"] == "FRR"]


def sheet_rows(path: Path, sheet: str = "E-reporting") -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] in ("Période", "Period"))
    return [dict(zip(rows[head], r, strict=True)) for r in rows[head + 1:] if r[0]]


def test_a_payment_report_left_empty_after_it_went_is_replaced_by_an_empty_rectificative(
        tmp_path, platform):
    # the flow 10 XSD lets a PaymentsReport hold its ReportPeriod alone (Invoice and
    # Transactions minOccurs 0) and no Flux10 rule asks for a line: an empty RE is valid
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    first = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert {f.status for f in first.files} == {"sent"}
    # the 2,200.00 of 30 March was in fact received on 2 April: March has no payment left
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Date", date(2026, 4, 2))

    preview = run_ereport(path, TODAY, "2026-03")
    by_flow = {f.flow: f for f in preview.files}
    empty = by_flow["10.4"]
    assert (empty.action, empty.type_code, empty.items, empty.status) == \
        ("rectify", "RE", 0, "written")
    assert empty.report.endswith("-2026-03-F104-R1") and empty.replaces.endswith("-F104")
    assert empty.label.startswith("Rectificative (RE)") and "rapport vide" in empty.label
    assert {by_flow[f].action for f in ("10.1", "10.3")} == {"unchanged"}
    xml = empty.path.read_bytes()  # the file that would go
    assert frr_problems(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("ReportDocument/TypeCode") == "RE"
    assert [el.tag for el in root.find("PaymentsReport")] == ["ReportPeriod"]
    assert len(frr_flows(platform)) == 3  # the preview sent nothing
    rows = {r["Flux"]: r for r in sheet_rows(path)}
    assert rows["10.4"]["Transmission"].startswith("Rectificative (RE)")
    assert rows["10.4"]["Remplace"] == empty.replaces
    assert rows["10.4"]["État"] == "Aperçu (rien envoyé)"
    assert rows["10.1"]["Transmission"].startswith("Inchangé")

    sent = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    gone = {f.flow: f for f in sent.files}["10.4"]
    assert (gone.status, gone.type_code, gone.report) == ("sent", "RE", empty.report)
    flows = frr_flows(platform)
    assert len(flows) == 4 and platform.state.files[flows[-1]["flowId"]] == \
        gone.path.read_bytes()
    assert flows[-1]["flowType"] == "AggregatedCustomerPaymentReport"
    assert flows[-1]["acknowledgement"]["status"] == "Ok"
    said = [f for f in sent.findings if f.code == "EREP-EMPTY"]
    assert len(said) == 1 and "2026-03" in said[0].message and gone.report in said[0].message
    # exactly once: a rerun sends nothing and says the empty report stands
    again = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert {f.status for f in again.files} == {"already"}
    assert {f.report for f in again.files if f.flow == "10.4"} == {empty.report}
    assert len(frr_flows(platform)) == 4
    assert run_statuses(path, TODAY, environ=env).reports[empty.report][0] == "Ok"


PAYMENTS = "AggregatedCustomerPaymentReport"
REASON = "REJ_COH montants incohérents avec les transactions déclarées"


def test_a_report_refused_by_the_platform_waits_for_its_correction_then_goes_as_initial(
        tmp_path, platform, capsys, monkeypatch):
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    platform.state.refuse_reports.append((PAYMENTS, REASON))  # its acknowledgement: Error
    first = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=True,
                                            environ=env).files}
    refused = first["10.4"]
    assert (refused.status, refused.type_code) == ("sent", "IN")
    acks = run_statuses(path, TODAY, environ=env).reports
    assert acks[refused.report] == ("Error", f"AUTRE {REASON}")
    assert {acks[first[f].report][0] for f in ("10.1", "10.3")} == {"Ok"}

    # unchanged: listed as waiting with the platform's reason, nothing sent, each run
    for _ in range(2):
        waiting = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
        item = {f.flow: f for f in waiting.files}["10.4"]
        assert (item.action, item.status, item.report) == ("waiting", "waiting",
                                                          refused.report)
        assert REASON in item.error
        found = [f for f in waiting.findings if f.code == "EREP-REFUSED"]
        assert len(found) == 1 and found[0].severity == "error"
        assert "2026-03" in found[0].message and refused.report in found[0].message
        assert REASON in found[0].message and "initiale, IN" in found[0].fix
        assert {f.status for f in waiting.files if f.flow != "10.4"} == {"already"}
    assert len(frr_flows(platform)) == 3
    row = {r["Flux"]: r for r in sheet_rows(path)}["10.4"]
    assert row["Transmission"].startswith("En attente de correction")
    assert REASON in row["Motif du refus"] and row["État"] == "En attente de correction"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["ereport", str(path), "--period", "2026-03", "--send"]) == 1
    out = capsys.readouterr().out
    assert "En attente de correction" in out and REASON in out
    assert len(frr_flows(platform)) == 3

    # corrected: the refused transmission never counted, so the correction is initial
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Montant", 2000)
    preview = {f.flow: f for f in run_ereport(path, TODAY, "2026-03").files}
    item = preview["10.4"]
    assert (item.action, item.type_code, item.refused) == ("correct", "IN", refused.report)
    assert item.report == f"{refused.report}-R1" and item.replaces == ""
    assert "initiale (IN)" in item.label
    assert main(["ereport", str(path), "--period", "2026-03"]) == 0
    assert "initiale (IN)" in capsys.readouterr().out
    fixed = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=True,
                                            environ=env).files}
    item = fixed["10.4"]
    assert (item.status, item.type_code, item.report) == ("sent", "IN", f"{refused.report}-R1")
    assert etree.fromstring(item.path.read_bytes()).findtext("ReportDocument/TypeCode") == "IN"
    assert run_statuses(path, TODAY, environ=env).reports[item.report][0] == "Ok"
    assert {f.status for f in run_ereport(path, TODAY, "2026-03", send=True,
                                          environ=env).files} == {"already"}
    assert len(frr_flows(platform)) == 4
    with ledgers_of(path) as led:
        rows = led.reports.rows()
        assert (rows[refused.report].ack, rows[item.report].ack) == ("Error", "Ok")


def test_a_refused_report_whose_period_has_nothing_left_sends_nothing_and_writes_no_file(
        tmp_path, platform):
    """Refused on arrival, it never counted; the payment then moved to April: March has
    nothing to report, and nothing of it counted, so nothing goes and no file is left
    beside the workbook to be taken for one that went."""
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    platform.state.refuse_reports.append((PAYMENTS, REASON))
    refused = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=True,
                                              environ=env).files}["10.4"]
    run_statuses(path, TODAY, environ=env)
    refused.path.unlink()  # the refused file, which the user may have removed
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Date", date(2026, 4, 2))
    for send in (False, True):
        item = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=send,
                                               environ=env).files}["10.4"]
        assert (item.action, item.status) == ("nothing", "nothing" if send else "written")
        assert item.label.startswith("Rien à transmettre") and not item.path.exists()
    assert len(frr_flows(platform)) == 3


def test_a_refused_rectificative_is_corrected_by_another_rectificative_of_the_accepted_one(
        tmp_path, platform):
    path = registered(with_private_client(tmp_path))
    env = environ(platform)

    def payments(**kw: object) -> object:
        files = run_ereport(path, TODAY, "2026-03", **kw).files
        return {f.flow: f for f in files}["10.4"]

    initial = payments(send=True, environ=env)
    assert run_statuses(path, TODAY, environ=env).reports[initial.report][0] == "Ok"
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Montant", 2000)
    platform.state.refuse_reports.append((PAYMENTS, REASON))
    bad = payments(send=True, environ=env)
    assert (bad.status, bad.type_code, bad.report) == ("sent", "RE", f"{initial.report}-R1")
    assert run_statuses(path, TODAY, environ=env).reports[bad.report][0] == "Error"
    item = payments()
    assert (item.action, item.replaces) == ("waiting", initial.report)
    # back to the data the accepted initial report holds: it stands, nothing to send
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Montant", 2200)
    item = payments(send=True, environ=env)
    assert (item.action, item.status, item.report) == ("unchanged", "already",
                                                      initial.report)
    # a real change: a RE again, of the accepted initial, under the next id
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Montant", 2100)
    item = payments(send=True, environ=env)
    assert (item.status, item.type_code, item.report, item.replaces, item.refused) == \
        ("sent", "RE", f"{initial.report}-R2", initial.report, bad.report)
    assert run_statuses(path, TODAY, environ=env).reports[item.report][0] == "Ok"
    assert len(frr_flows(platform)) == 5


def test_the_platform_refuses_a_rectificative_of_nothing_and_a_second_initial(
        tmp_path, platform):
    path = registered(book(tmp_path))
    (item,) = run_ereport(path, TODAY, "2026-03").files
    xml = item.path.read_bytes()
    info = {"flowSyntax": "FRR", "processingRule": "B2BInt", "trackingId": "t-1"}

    def ack(content: bytes, tracking: str) -> dict:
        answer = pa_lifecycle.receive(platform.state, {**info, "trackingId": tracking},
                                      content)
        return platform.state.flows[answer["flowId"]]["acknowledgement"]

    as_re = xml.replace(b"<TypeCode>IN</TypeCode>", b"<TypeCode>RE</TypeCode>", 1)
    assert frr_problems(as_re) == []  # valid by the rules: refused for its sequence
    refused = ack(as_re, "t-1")
    assert refused["status"] == "Error" and refused["details"][0]["item"] == "TT-4"
    assert ack(xml, "t-2")["status"] == "Ok"
    second = ack(xml, "t-3")
    assert second["status"] == "Error" and "already accepted" in \
        second["details"][0]["reasonMessage"]
    assert ack(as_re, "t-4")["status"] == "Ok"


def test_the_preview_says_what_would_go_in_english_in_an_english_workbook(
        tmp_path, platform):
    tables = copy.deepcopy(clean_tables())
    for c in tables["Clients"]:  # as with_private_client: C3 a private person
        if c["id"] == "C3":
            c.update(vat_number=None, name="Anna Kessler", private="yes",
                     electronic_address=None, billing_email="anna.kessler@example.org")
    for line in tables["LignesFacture"]:
        if line["invoice"] == "F03":
            line["vat_rate"] = Decimal("0.2")
    path = tmp_path / "book-en.xlsx"
    build_workbook(path, "en", data=tables, settings={**clean_settings(),
                                                     "pa_registration": "P042"},
                   today=TODAY)
    preview = run_ereport(path, TODAY, "2026-03")
    assert {f.label for f in preview.files} == {"New report: initial transmission (IN)"}
    env = environ(platform)
    run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Amount", 2000)
    item = {f.flow: f for f in run_ereport(path, TODAY, "2026-03").files}["10.4"]
    assert item.label.startswith("Rectificative (RE): the data changed since")
    rows = {r["Flow"]: r for r in sheet_rows(path)}
    assert rows["10.4"]["Transmission"] == item.label
    assert rows["10.4"]["Replaces"] == item.replaces
    assert rows["10.4"]["Status"] == "Preview (nothing sent)"
    assert rows["10.1"]["Transmission"].startswith("Unchanged:")
    assert len(frr_flows(platform)) == 3


def test_a_crash_before_a_rectificative_goes_sends_it_once_on_the_rerun(tmp_path, platform):
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Montant", 2000)

    def crash(report: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ereport(path, TODAY, "2026-03", send=True, environ=env, after_prepare=crash)
    item = {f.flow: f for f in run_ereport(path, TODAY, "2026-03").files}["10.4"]
    assert (item.action, item.type_code) == ("sending", "RE")  # claimed, not settled
    assert item.label.startswith("En cours d'envoi")
    rerun = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=True,
                                            environ=env).files}
    assert (rerun["10.4"].status, rerun["10.4"].type_code) == ("sent", "RE")
    assert rerun["10.4"].report == item.report
    assert len(frr_flows(platform)) == 4
    assert {f.status for f in run_ereport(path, TODAY, "2026-03", send=True,
                                          environ=env).files} == {"already"}
    assert len(frr_flows(platform)) == 4


def test_statuses_says_which_e_reporting_file_the_platform_refused(
        tmp_path, platform, capsys, monkeypatch):
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    platform.state.refuse_reports.append((PAYMENTS, REASON))
    run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    main(["statuses", str(path)])
    out = capsys.readouterr().out
    assert f"-2026-03-F104: Error (AUTRE {REASON})" in out


def test_a_correction_looks_up_the_acknowledgement_it_would_rectify_before_going(
        tmp_path, platform):
    # refused on arrival, its acknowledgement not pulled yet: a RE of it would rectify
    # nothing (the platform refuses that too); the job asks first and sends an IN
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    platform.state.refuse_reports.append((PAYMENTS, REASON))
    first = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=True,
                                            environ=env).files}["10.4"]
    set_cell(path, "Paiements", "invoice", "FAC2026-0003", "Montant", 2000)
    preview = {f.flow: f for f in run_ereport(path, TODAY, "2026-03").files}["10.4"]
    assert (preview.action, preview.type_code) == ("rectify", "RE")  # as far as it knows
    item = {f.flow: f for f in run_ereport(path, TODAY, "2026-03", send=True,
                                           environ=env).files}["10.4"]
    assert (item.status, item.action, item.type_code, item.report) == \
        ("sent", "correct", "IN", f"{first.report}-R1")
    assert frr_flows(platform)[-1]["acknowledgement"]["status"] == "Ok"
    with ledgers_of(path) as led:
        assert led.reports.rows()[first.report].ack == "Error"


def test_a_transactions_report_left_empty_goes_as_an_empty_rectificative_of_its_flow(
        tmp_path, platform):
    # both clients abroad were in fact French companies: their invoices are domestic B2B
    # (e-invoicing), and March has no international sale left to report
    path = registered(book(tmp_path))
    env = environ(platform)
    (initial,) = run_ereport(path, TODAY, "2026-03", send=True, environ=env).files
    for client in ("C3", "C4"):
        set_cell(path, "Clients", "id", client, "Pays", "FR")
        set_cell(path, "Clients", "id", client, "N° TVA", "FR64443061841")
        set_cell(path, "Clients", "id", client, "SIREN", "443061841")
    (item,) = run_ereport(path, TODAY, "2026-03", send=True, environ=env).files
    assert (item.flow, item.items, item.status, item.type_code, item.replaces) == \
        ("10.1", 0, "sent", "RE", initial.report)
    root = etree.fromstring(item.path.read_bytes())
    assert [el.tag for el in root.find("TransactionsReport")] == ["ReportPeriod"]
    last = frr_flows(platform)[-1]  # a 10.1 still, told by its processing rule
    assert last["flowType"] == "UnitaryCustomerTransactionReport"
    assert last["acknowledgement"]["status"] == "Ok"
    assert [f.code for f in run_ereport(path, TODAY, "2026-03", send=True,
                                        environ=env).findings if f.code.startswith("EREP")] \
        == []
    assert len(frr_flows(platform)) == 2
