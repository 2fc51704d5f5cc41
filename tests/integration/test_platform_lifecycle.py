"""What the platform's lifecycle statuses do to the workbook, against the local XP Z12-013
platform (tests/support/pa_server.py) and real workbook files: a refused, disputed or
suspended invoice is not reminded and the reminder preview says why, a dispute sets the
invoice's « Litige » once, every status lands once on « Cycle de vie » in the order it
happened, the dashboard counts documents by status and lists those waiting for an
action."""
from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.documents import french_rules
from pyfuncs.jobs.check import run_check, run_refresh
from pyfuncs.jobs.einvoicing import default_platform, pull_statuses, run_statuses, run_transmit
from pyfuncs.jobs.lifecycle import current
from pyfuncs.jobs.reminders import run_remind
from pyfuncs.jobs.template import build_workbook
from tests.support.ledgers import ledgers_of
from tests.support.pa_server import PlatformServer, PlatformState, cdar, environ
from tests.unit.test_checks import clean_settings, clean_tables

TODAY = datetime(2026, 11, 23).date()
SECRET = "pa-Secret-lifecycle-41c9"
OVERDUE = "FAC2026-0007"  # the clean workbook's one invoice reminded at TODAY (client C1)


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=copy.deepcopy(clean_tables()), settings=clean_settings(),
                   today=TODAY)
    return path


def sheet_rows(path: Path, name: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[name]
    return [list(r) for r in ws.iter_rows(min_row=4, values_only=True) if any(r)]


def dispute_of(path: Path, number: str) -> object:
    table = read_workbook(path).tables["Factures"]
    return table.cols["dispute"][table.cols["number"].index(number)]


def reminded(path: Path) -> set[str]:
    preview = run_remind(path, TODAY)
    return {n for e in preview.emails if e.mailing.kind == "client"
            for n in e.mailing.invoices}


@pytest.mark.parametrize(("code", "reason", "why"), [
    ("210", "Commande inconnue", "refusée par le client sur la plateforme (210)"),
    ("207", "Quantité contestée", "en litige sur la plateforme (207)"),
    ("208", "Bon de commande attendu", "suspendue par le client sur la plateforme (208)"),
])
def test_an_invoice_refused_disputed_or_suspended_on_the_platform_is_not_reminded_and_the_preview_says_why(
        tmp_path, platform, code, reason, why):
    path = book(tmp_path)
    env = environ(platform)
    assert OVERDUE in reminded(path)
    run_transmit(path, TODAY, environ=env)
    platform.state.push_status(OVERDUE, code, reason=reason)
    run_statuses(path, TODAY, environ=env)
    assert OVERDUE not in reminded(path)
    held = [r for r in sheet_rows(path, "Relances à envoyer") if r[1] == "Retenue"]
    assert [(r[0], r[8], r[11]) for r in held] == [("Non", OVERDUE, "Retenue")]
    assert held[0][7].startswith(why)
    # the platform moves on (the client approves it): reminded again
    platform.state.push_status(OVERDUE, "205",
                               at=datetime.now(UTC) + timedelta(days=1))
    run_statuses(path, TODAY, environ=env)
    if code != "207":  # a dispute also set « Litige », which the user clears when settled
        assert OVERDUE in reminded(path)


def test_a_dispute_on_the_platform_sets_the_invoice_dispute_once(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    assert dispute_of(path, OVERDUE) is None
    platform.state.push_status(OVERDUE, "207", reason="Prix unitaire")
    result = run_statuses(path, TODAY, environ=env)
    assert result.disputes == 1 and dispute_of(path, OVERDUE) == "yes"
    aged = run_refresh(path, TODAY).balance  # the aged balance counts it disputed
    assert aged is not None
    assert any(c.disputed > 0 for c in aged.clients if c.client == "C1")
    # settled with the client, the user clears « Litige »: the next pull leaves it alone
    table = read_workbook(path).tables["Factures"]
    writer = WorkbookWriter(path)
    writer.set_cells("Factures", [(table.rows[table.cols["number"].index(OVERDUE)],
                                   table.labels["dispute"], "Non")])
    writer.commit()
    assert run_statuses(path, TODAY, environ=env).disputes == 0
    assert dispute_of(path, OVERDUE) == "no"
    # a new dispute message sets it again
    platform.state.push_status(OVERDUE, "207", reason="Quantité",
                               at=datetime.now(UTC) + timedelta(days=2))
    assert run_statuses(path, TODAY, environ=env).disputes == 1
    assert dispute_of(path, OVERDUE) == "yes"


def test_every_status_lands_once_on_the_lifecycle_sheet_in_the_order_it_happened(
        tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    now = datetime.now(UTC)
    platform.state.push_status("FAC2026-0001", "212", at=now + timedelta(days=3))
    platform.state.push_status("FAC2026-0001", "204", at=now + timedelta(days=1))  # late
    platform.state.push_status("FAC2026-0001", "205", at=now + timedelta(days=2))  # late
    platform.state.push_status("FAC2026-0002", "210", reason="Commande inconnue")
    run_statuses(path, TODAY, environ=env)
    run_statuses(path, TODAY, environ=env)  # a second pull adds nothing
    rows = sheet_rows(path, "Cycle de vie")
    first = [r for r in rows if r[0] == "FAC2026-0001"]
    assert [r[3] for r in first] == ["200", "204", "205", "212"]
    assert [r[4] for r in first] == ["Déposée", "Prise en charge", "Approuvée", "Encaissée"]
    assert all(first[k][5] < first[k + 1][5] for k in range(3))
    refused = [r for r in rows if r[0] == "FAC2026-0002"]
    assert [(r[3], r[6]) for r in refused] == [("200", None), ("210", "NON_CONFORME")]
    assert refused[1][7] == "facture non conforme : Commande inconnue"
    assert refused[1][1] == "C2" and refused[1][2]  # client and flow id
    assert len({r[8] for r in rows}) == len(rows) == 7 + 4  # one row per status message
    current_sheet = {r[0]: r for r in sheet_rows(path, "E-facturation")}
    assert current_sheet["FAC2026-0001"][4:7] == ["212", "Encaissée", first[-1][5]]
    assert current_sheet["FAC2026-0002"][8] == "Émettre un avoir"


def test_a_rejection_says_what_to_correct_and_how_it_goes_again(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    platform.state.push_status("FAC2026-0005", "213", reason="BR-FR-12 adresse du client",
                               at=datetime.now(UTC) + timedelta(days=1))
    run_statuses(path, TODAY, environ=env)
    found = [f for f in run_check(path, TODAY, write=False).findings if f.code == "EINV-213"]
    assert len(found) == 1 and found[0].ref == "FAC2026-0005"
    assert "règle sémantique non respectée : BR-FR-12 adresse du client" in found[0].message
    assert "même numéro" in found[0].fix and found[0].sheet == "Factures" and found[0].row
    row = {r[0]: r for r in sheet_rows(path, "E-facturation")}["FAC2026-0005"]
    assert row[4:6] == ["213", "Rejetée"] and row[8] == "Corriger puis retransmettre"


def test_the_dashboard_counts_documents_by_status_and_lists_those_waiting_for_an_action(
        tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    later = datetime.now(UTC) + timedelta(days=1)
    platform.state.push_status("FAC2026-0001", "213", reason="BR-FR-12", at=later)
    platform.state.push_status("FAC2026-0002", "210", reason="Commande inconnue", at=later)
    platform.state.push_status("FAC2026-0005", "207", reason="Quantité", at=later)
    platform.state.push_status("FAC2026-0006", "205", at=later)
    run_statuses(path, TODAY, environ=env)
    board = {str(r[0]).strip(): r[1] for r in sheet_rows(path, "Tableau de bord") if r[0]}
    assert board["Plateforme : pièces par statut"] == 7
    assert board["200 Déposée"] == 3
    assert (board["205 Approuvée"], board["207 En litige"], board["210 Refusée"],
            board["213 Rejetée"]) == (1, 1, 1, 1)
    assert board["Plateforme : en attente d'une action"] == 3
    assert board["FAC2026-0001"] == "213 Rejetée : Corriger puis retransmettre"
    assert board["FAC2026-0002"] == "210 Refusée : Émettre un avoir"
    assert board["FAC2026-0005"] == "207 En litige : Régler le litige avec le client"


def test_the_dashboard_lists_b2b_documents_not_transmitted_in_time(tmp_path, platform,
                                                                    monkeypatch):
    path = book(tmp_path)
    monkeypatch.setenv("FACTURIER_PA_URL", platform.url)  # a platform is set up
    run_refresh(path, TODAY)
    board = {str(r[0]).strip(): r[1] for r in sheet_rows(path, "Tableau de bord") if r[0]}
    assert board["Plateforme : pièces par statut"] == 0
    assert board["Plateforme : en attente d'une action"] == 7
    assert board["FAC2026-0001"] == "non transmise depuis le 02/02/2026"
    monkeypatch.delenv("FACTURIER_PA_URL")
    run_refresh(path, TODAY)  # no platform: no platform lines
    assert not any(str(r[0]).startswith("Plateforme")
                   for r in sheet_rows(path, "Tableau de bord") if r[0])


CODES = st.sampled_from(["200", "204", "205", "207", "208", "210", "211", "212", "213"])


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.tuples(st.integers(0, 20), CODES), min_size=1, max_size=12,
                        unique_by=lambda h: h[0]),
       seed=st.integers(0, 2**16), batches=st.integers(1, 4))
def test_no_status_is_lost_or_recorded_twice_whatever_the_order_and_the_repeats(
        tmp_path_factory, history, seed, batches):
    """Statuses pushed in a random order, pulled in several batches, with pulls repeated
    from the start (a platform answering a flow twice, a crash before the sync point):
    the ledger holds each status exactly once and the current one is the latest by the
    status's own time."""
    rnd = random.Random(seed)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    order = list(history)
    rnd.shuffle(order)
    folder = tmp_path_factory.mktemp("ledger")
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server, \
            Journal(folder / "l.sqlite") as journal:
        led = journal.platform().flows
        client = default_platform({}, environ(server))
        cut = sorted(rnd.sample(range(len(order) + 1), min(batches, len(order) + 1)))
        start = 0
        for end in [*cut, len(order)]:
            for minutes, code in order[start:end]:
                server.state.push_status("FAC2026-0001", code,
                                         at=base + timedelta(minutes=minutes))
            start = end
            pull_statuses(client, led)
            if rnd.random() < 0.5:
                led.put("statuses_updated_after", "")  # everything comes again
                assert pull_statuses(client, led) == 0
        recorded = [(s.at, s.code) for s in led.statuses()]
        assert len(recorded) == len(history) == len(set(recorded))
        latest = max(history)
        assert current(led)["FAC2026-0001"].code == latest[1]
        assert current(led)["FAC2026-0001"].at.startswith(
            (base + timedelta(minutes=latest[0])).strftime("%Y-%m-%dT%H:%M"))
        assert server.state.violations == []


def test_the_ledger_keeps_the_reason_code_with_the_reason(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    platform.state.push_status("FAC2026-0005", "208", reason="Bon de commande")
    run_statuses(path, TODAY, environ=env)
    with ledgers_of(path) as led:
        assert current(led.flows)["FAC2026-0005"].reason == "[JUSTIF_ABS] Bon de commande"


def test_a_status_message_breaking_the_cdar_rules_is_recorded_and_reported(tmp_path,
                                                                           platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    platform.state.push_status("FAC2026-0002", "210")  # a refusal without its reason
    result = run_statuses(path, TODAY, environ=env)
    assert {r[0]: r[4] for r in sheet_rows(path, "E-facturation")}["FAC2026-0002"] == "210"
    found = [f for f in result.findings if f.code == "EINV-CDAR"]
    assert [f.ref for f in found] == ["FAC2026-0002"]
    assert "BR-FR-CDV-15" in found[0].message and found[0].sheet == "Factures"
    assert found[0].row and found[0].severity == "warning"


def test_the_product_checks_lifecycle_messages_against_the_cdar_schema_and_rules():
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    good = cdar("FAC2026-0001", "207", "En litige", at, "Quantité", "732829320")
    assert french_rules.cdar_breaches(good) == []
    no_reason = cdar("FAC2026-0001", "207", "En litige", at, "", "732829320")
    assert {b.rule for b in french_rules.cdar_breaches(no_reason)} >= {"BR-FR-CDV-15_MDT-113"}
    root = etree.fromstring(good)
    doc_id = root.find(".//{*}ExchangedDocument/{*}ID")
    doc_id.addnext(etree.Element(doc_id.tag.replace("}ID", "}Colour")))  # not in D22B
    broken = french_rules.cdar_breaches(etree.tostring(root))
    assert broken and {b.rule for b in broken} == {"XSD"} and broken[0].location
    assert [b.rule for b in french_rules.cdar_breaches(b"<not xml")] == ["XML"]
