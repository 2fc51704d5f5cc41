"""Routing through the platform's directory, against the local platform of
tests/support/pa_server.py and its Directory Service (tests/support/pa_directory.py,
validated against the reconstructed Annex B subset): a client without an electronic
address in Clients is looked up by SIRET, then SIREN; the answer is kept with its date;
a client not in the directory is an error on its Clients row and its documents stay."""
from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import facturx
import openpyxl
import pytest
from lxml import etree

from pyfuncs.adapters.platform.config import platform_settings
from pyfuncs.adapters.platform.directory import XpZ12013Directory
from pyfuncs.adapters.platform.directory_cache import DirectoryCache, cache_path
from pyfuncs.cli import main
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.einvoicing import run_transmit
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_platform import B2B, SECRET, TODAY, book
from tests.support.pa_server import PlatformServer, PlatformState, environ
from tests.unit.test_checks import C1, C2, clean_settings, clean_tables, siret_of

SIRET1 = siret_of(C1)


def quick(settings, env):
    """The directory client without waiting between retries."""
    return XpZ12013Directory(platform_settings(settings, env), backoff=0)


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        server.state.directory.open = False  # only the lines a test seeds
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def asked(server: PlatformServer) -> int:
    """The Directory Service calls the platform received."""
    return sum(1 for _m, path, _r in server.state.requests
               if path.startswith("/v1/directory-line"))


def numbers_of(path: Path, client: str) -> list[str]:
    from pyfuncs.adapters.xlsx_read import read_workbook
    inv = read_workbook(path).tables["Factures"]
    return sorted(str(n) for n, c in zip(inv.cols["number"], inv.cols["client"], strict=True)
                  if c == client and str(n) in B2B)


def buyer_addresses(server: PlatformServer) -> dict[str, str]:
    """Each invoice flow's buyer electronic address (BT-49, "SCHEME:ID"), by number."""
    out = {}
    for flow in server.state.invoices().values():
        _name, xml = facturx.get_xml_from_pdf(server.state.files[flow["flowId"]],
                                              check_xsd=False)
        root = etree.fromstring(xml)
        uri = root.find(".//{*}BuyerTradeParty/{*}URIUniversalCommunication/{*}URIID")
        number = root.findtext(".//{*}ExchangedDocument/{*}ID")
        out[str(number)] = f"{uri.get('schemeID')}:{uri.text}"
    return out


def preview_rows(path: Path) -> dict[str, list[object]]:
    ws = openpyxl.load_workbook(path)["Aperçu transmission"]
    return {str(r[0]): list(r) for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}


def test_a_client_without_an_address_goes_to_its_directory_line_at_its_siret_then_siren(
        tmp_path, platform):
    lines = platform.state.directory
    at_siret = lines.add(C1, siret=SIRET1, name="Alpha SAS")
    lines.add(C1, siret=SIRET1, routing="ACHATS")  # a service code: the client names it
    lines.add(C2)  # Beta has no SIRET in Clients: its SIREN's line
    path = book(tmp_path)
    env = environ(platform)

    preview = run_transmit(path, TODAY, send=False, environ=env)
    routes = {d.number: (d.routing, d.routing_source) for d in preview.documents
              if d.rule == "B2B"}
    assert {routes[n] for n in numbers_of(path, "C1")} == {(f"0225:{at_siret}", "directory")}
    assert {routes[n] for n in numbers_of(path, "C2")} == {(f"0225:{C2}", "directory")}
    rows = preview_rows(path)
    assert {rows[n][7] for n in numbers_of(path, "C1")} == {f"0225:{C1}_{SIRET1}"}
    assert {rows[n][8] for n in B2B} == {f"Annuaire du {TODAY:%d/%m/%Y}"}
    assert preview.findings == [] and platform.state.submissions == 0

    sent = run_transmit(path, TODAY, environ=env)
    assert sorted(d.number for d in sent.documents if d.status == "sent") == sorted(B2B)
    flows = buyer_addresses(platform)  # what the platform routes on: the directory's
    assert {flows[n] for n in numbers_of(path, "C1")} == {f"0225:{at_siret}"}
    assert {flows[n] for n in numbers_of(path, "C2")} == {f"0225:{C2}"}


def test_a_typed_address_wins_and_the_directory_is_not_asked(tmp_path, platform):
    tables = copy.deepcopy(clean_tables())
    for client in tables["Clients"]:
        if client["country"] == "FR":
            client["electronic_address"] = f"{client['siren']}_FACTURES"
    path = book(tmp_path, tables)
    sent = run_transmit(path, TODAY, environ=environ(platform))
    assert sorted(d.number for d in sent.documents if d.status == "sent") == sorted(B2B)
    assert {d.routing_source for d in sent.documents if d.rule == "B2B"} == {"typed"}
    assert asked(platform) == 0
    assert set(buyer_addresses(platform).values()) == {f"0225:{C1}_FACTURES",
                                                       f"0225:{C2}_FACTURES"}


def test_a_client_not_in_the_directory_is_an_error_on_its_row_and_its_documents_stay(
        tmp_path, platform):
    platform.state.directory.add(C2)  # Alpha (C1) is nowhere in the directory
    path = book(tmp_path)
    env = environ(platform)
    first = numbers_of(path, "C1")
    result = run_transmit(path, TODAY, environ=env)
    assert sorted(d.number for d in result.documents if d.status == "unrouted") == first
    assert sorted(d.number for d in result.documents if d.status == "sent") == \
        sorted(set(B2B) - set(first))
    assert not set(first) & set(buyer_addresses(platform))
    [finding] = [f for f in result.findings if f.code == "EINV-DIRECTORY"]
    assert (finding.severity, finding.sheet, finding.column, finding.ref) == \
        ("error", "Clients", "Adresse électronique", "C1")
    assert finding.row is not None and finding.cell.endswith(str(finding.row))
    assert "n'est pas dans l'annuaire" in finding.message and C1 in finding.message
    assert "Adresse électronique" in finding.fix and "SIREN" in finding.fix
    rows = preview_rows(path)
    assert {rows[n][9] for n in first} == {"Non transmise : pas d'adresse de routage"}

    # the client joins the directory: asked again the next day, its documents go
    platform.state.directory.add(C1)
    later = run_transmit(path, TODAY + timedelta(days=1), environ=env)
    assert sorted(d.number for d in later.documents if d.status == "sent") == first
    assert not [f for f in later.findings if f.code == "EINV-DIRECTORY"]


def test_check_says_which_clients_the_directory_did_not_route_without_asking_it(
        tmp_path, platform, monkeypatch):
    platform.state.directory.add(C2)  # Alpha (C1) is nowhere in the directory
    path = book(tmp_path)
    env = environ(platform)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert not [f for f in run_check(path, TODAY, write=False).findings
                if f.code == "EINV-DIRECTORY"]  # never asked: nothing known yet
    run_transmit(path, TODAY, send=False, environ=env)
    before = asked(platform)
    found = [f for f in run_check(path, TODAY, write=False).findings
             if f.code == "EINV-DIRECTORY"]
    assert asked(platform) == before  # the check asks nobody
    assert [(f.severity, f.sheet, f.column, f.ref) for f in found] == [
        ("error", "Clients", "Adresse électronique", "C1")]  # once, for all its documents
    assert "n'est pas dans l'annuaire" in found[0].message


def test_an_answer_is_kept_for_its_days_then_asked_again(tmp_path, platform):
    platform.state.directory.add(C1)
    platform.state.directory.add(C2)
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, send=False, environ=env)
    first = asked(platform)
    assert first >= 2  # Alpha by its SIRET then its SIREN, Beta by its SIREN
    with DirectoryCache(cache_path(path)) as cache:
        kept = cache.get(C1, SIRET1)
        assert kept is not None and kept.asked_on == TODAY
        assert (kept.routing.address, kept.routing.by) == (C1, "siren")

    run_transmit(path, TODAY + timedelta(days=29), send=False, environ=env)  # kept
    assert asked(platform) == first

    run_transmit(path, TODAY + timedelta(days=30), send=False, environ=env)  # expired
    assert asked(platform) == 2 * first
    with DirectoryCache(cache_path(path)) as cache:
        assert cache.get(C2, "").asked_on == TODAY + timedelta(days=30)

    sent = run_transmit(path, TODAY + timedelta(days=31), environ=env)  # --send: kept
    assert asked(platform) == 2 * first
    assert sorted(d.number for d in sent.documents if d.status == "sent") == sorted(B2B)


def test_the_days_an_answer_is_kept_is_a_setting(tmp_path, platform):
    platform.state.directory.add(C1)
    platform.state.directory.add(C2)
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=copy.deepcopy(clean_tables()),
                   settings=dict(clean_settings(), pa_directory_days=7), today=TODAY)
    env = environ(platform)
    run_transmit(path, TODAY, send=False, environ=env)
    first = asked(platform)
    run_transmit(path, TODAY + timedelta(days=6), send=False, environ=env)
    assert asked(platform) == first
    run_transmit(path, TODAY + timedelta(days=7), send=False, environ=env)
    assert asked(platform) == 2 * first


def test_a_disabled_or_upcoming_line_is_not_routed_to(tmp_path, platform):
    platform.state.directory.add(C1, status="Upcoming")
    platform.state.directory.add(C2, status="Disabled")
    path = book(tmp_path)
    result = run_transmit(path, TODAY, environ=environ(platform))
    assert {d.status for d in result.documents if d.rule == "B2B"} == {"unrouted"}
    assert platform.state.submissions == 0
    found = {f.ref: f for f in result.findings if f.code == "EINV-DIRECTORY"}
    assert sorted(found) == ["C1", "C2"]
    assert "« à venir »" in found["C1"].message and "« désactivée »" in found["C2"].message


def test_a_directory_that_does_not_answer_leaves_its_clients_waiting_and_the_rest_goes(
        tmp_path, platform):
    platform.state.directory.add(C2)
    tables = copy.deepcopy(clean_tables())
    tables["Clients"][1]["electronic_address"] = C2  # Beta typed: it does not need the directory
    path = book(tmp_path, tables)
    platform.state.fail("/v1/directory-line", "503", times=20)
    result = run_transmit(path, TODAY, environ=environ(platform), directory_factory=quick)
    alpha = numbers_of(path, "C1")
    assert sorted(d.number for d in result.documents if d.status == "failed") == alpha
    assert sorted(d.number for d in result.documents if d.status == "sent") == \
        sorted(set(B2B) - set(alpha))
    assert asked(platform) == 5  # one look-up, its four retries, then no more this run
    [finding] = [f for f in result.findings if f.code == "EINV-DIRECTORY"]
    assert finding.severity == "warning" and finding.ref == "C1"
    assert "n'a pas répondu" in finding.message and "503" in finding.message
    with DirectoryCache(cache_path(path)) as cache:
        assert cache.get(C1, SIRET1) is None  # nothing learnt, nothing kept


def test_a_busy_directory_is_waited_for_as_it_asks(tmp_path, platform):
    platform.state.directory.add(C1)
    platform.state.directory.add(C2)
    path = book(tmp_path)
    platform.state.fail("/v1/directory-line", "429", times=2)  # Retry-After: 0
    result = run_transmit(path, TODAY, environ=environ(platform), directory_factory=quick)
    assert sorted(d.number for d in result.documents if d.status == "sent") == sorted(B2B)
    assert not result.findings


def test_a_refused_token_stops_the_look_ups_without_a_traceback(tmp_path, platform):
    path = book(tmp_path)
    env = dict(environ(platform), FACTURIER_PA_SECRET="not-the-secret")
    result = run_transmit(path, TODAY, send=False, environ=env, directory_factory=quick)
    assert {d.status for d in result.documents if d.rule == "B2B"} == {"failed"}
    assert {f.severity for f in result.findings if f.code == "EINV-DIRECTORY"} == {"warning"}
    assert asked(platform) == 0


def test_without_a_platform_the_preview_keeps_the_siren_and_says_so(tmp_path):
    path = book(tmp_path)
    result = run_transmit(path, TODAY, send=False, environ={})
    assert {d.routing_source for d in result.documents if d.rule == "B2B"} == {"siren"}
    assert {r[8] for r in preview_rows(path).values() if r[6] == "B2B"} == \
        {"SIREN du client (annuaire non consulté)"}
    assert not cache_path(path).exists()


def test_the_command_line_preview_shows_the_directory_address(tmp_path, platform,
                                                              monkeypatch, capsys):
    platform.state.directory.add(C1, siret=SIRET1)
    path = book(tmp_path)
    for key, value in environ(platform).items():
        monkeypatch.setenv(key, value)
    assert main(["transmit", str(path)]) == 1  # Beta is not in the directory: an error
    out = capsys.readouterr().out
    assert f"0225:{C1}_{SIRET1}" in out and "unrouted" in out
    assert "n'est pas dans l'annuaire" in out
