"""The local platform's Directory Service (pa_server.py serves it beside the Flow
Service, under the same base URL and token): XP Z12-013 Annex B as reconstructed in
tests/fixtures/platform/AFNOR-Directory_Service-1.3.0-subset.json (SOURCES.md says from
what; it is not the official Annex B). It stands in for a platform's directory; it is
no directory.

Routes: ``GET /v1/directory-line/code:{addressing-identifier}``, ``POST
/v1/directory-line/search`` (filters siren, siret, addressingIdentifier,
routingIdentifier, addressingSuffix; ``limit`` / ``ignore`` paging), ``GET
/v1/siren/code-insee:{siren}``, ``GET /v1/siret/code-insee:{siret}``. Every request body
and path parameter is validated against that document with ``jsonschema``, as the flow
routes are against Annex A, and every answer against the schema the document names for
it; a mismatch is a violation that fails the test.

The lines: those a test seeds (``add``). A SIREN for which no line was seeded is, by
default (``open``), at one enabled line at its SIREN on an approved platform (WK): from
1 September 2026 every French VAT-registered company must be able to receive
e-invoices, so it is in the directory; ``open = False`` or ``absent`` make a SIREN
unknown (404 on its line, nothing found by a search).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from tests.support.pa_server import Contract, Handler

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "fixtures" / "platform" / "AFNOR-Directory_Service-1.3.0-subset.json"
PREFIXES = ("/v1/directory-line", "/v1/siren/", "/v1/siret/", "/v1/routing-code")
SIREN = re.compile(r"^[0-9]{9}$")


class DirectoryState:
    """The directory lines the local platform serves."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.lines: dict[str, dict[str, Any]] = {}  # by addressing identifier
        self.open = True
        self.absent: set[str] = set()  # SIRENs not in the directory, even when open

    def add(self, siren: str, *, siret: str = "", suffix: str = "", routing: str = "",
            status: str = "Enabled", platform_type: str = "WK", name: str = "") -> str:
        """A directory line; its addressing identifier (SIREN[_SIRET][_ROUTING] or
        SIREN_SUFFIX, as the directory builds them)."""
        address = "_".join(p for p in (siren, siret, routing or suffix) if p)
        line: dict[str, Any] = {"addressingIdentifier": address, "siren": siren,
                                "platformType": platform_type, "directoryLineStatus": status}
        if siret:
            line["siret"] = siret
        if suffix:
            line["addressingSuffix"] = suffix
        if routing:
            line["routingIdentifier"] = routing
            line["routingCode"] = {"routingIdentifier": routing, "routingIdentifierType": "0224",
                                   "routingCodeName": f"Service {routing}"}
        if name:
            line["legalUnit"] = {"siren": siren, "businessName": name}
        self.lines[address] = line
        self.absent.discard(siren)
        return address

    def of_siren(self, siren: str) -> list[dict[str, Any]]:
        """Every line of a company, the implicit one included."""
        if siren in self.absent:
            return []
        seeded = [ln for ln in self.lines.values() if ln["siren"] == siren]
        if seeded or not self.open or not SIREN.match(siren):
            return seeded
        return [{"addressingIdentifier": siren, "siren": siren, "platformType": "WK",
                 "directoryLineStatus": "Enabled"}]

    def all_lines(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        sirens = {ln["siren"] for ln in self.lines.values()}
        for key in ("siren", "siret"):
            value = (filters.get(key) or {}).get("value") or ""
            if value:
                sirens.add(value[:9])
        return [ln for s in sorted(sirens) for ln in self.of_siren(s)]


def _match(line: dict[str, Any], filters: dict[str, Any]) -> bool:
    for key, crit in filters.items():
        have, want = str(line.get(key) or ""), str(crit.get("value") or "")
        if crit.get("op") == "contains" and want not in have:
            return False
        if crit.get("op") != "contains" and have != want:
            return False
    return True


def handle_get(handler: Handler, path: str) -> None:
    state = handler.server.state
    directory = state.directory
    path = unquote(path)
    if m := re.fullmatch(r"/v1/directory-line/code:(.+)", path):
        address = m[1]
        if not _valid(handler, "AddressingIdentifier", address):
            return
        line = next((ln for ln in directory.of_siren(address.split("_")[0])
                     if ln["addressingIdentifier"] == address), None)
        if line is None:
            handler._error(404, "NOT_FOUND", f"no directory line {address}")
            return
        handler._json(200, line, "DirectoryLinePayload", directory.contract)
    elif m := re.fullmatch(r"/v1/siren/code-insee:(.+)", path):
        if not _valid(handler, "Siren", m[1]):
            return
        lines = directory.of_siren(m[1])
        if not lines:
            handler._error(404, "NOT_FOUND", f"SIREN {m[1]} is not in the directory")
            return
        name = next((ln["legalUnit"]["businessName"] for ln in lines if "legalUnit" in ln), "")
        handler._json(200, {"siren": m[1], "businessName": name or f"Entreprise {m[1]}",
                            "entityType": "PrivateVatRegistered", "administrativeStatus": "A"},
                      "LegalUnitPayload", directory.contract)
    elif m := re.fullmatch(r"/v1/siret/code-insee:(.+)", path):
        if not _valid(handler, "Siret", m[1]):
            return
        if not directory.of_siren(m[1][:9]):
            handler._error(404, "NOT_FOUND", f"SIRET {m[1]} is not in the directory")
            return
        handler._json(200, {"siret": m[1], "siren": m[1][:9], "name": f"Établissement {m[1]}",
                            "administrativeStatus": "A"}, "FacilityPayload",
                      directory.contract)
    else:
        handler._error(404, "MISSING_RESOURCE")


def handle_post(handler: Handler, path: str) -> None:
    state = handler.server.state
    directory = state.directory
    if path != "/v1/directory-line/search":
        handler._error(404, "MISSING_RESOURCE")
        return
    try:
        body = json.loads(handler._body() or b"{}")
    except ValueError:
        handler._error(400, "INVALID_JSON")
        return
    problems = directory.contract.errors("SearchDirectoryLine", body)
    if problems:
        state.violations += [f"request directory search: {p}" for p in problems]
        handler._error(400, "INVALID_CRITERIA", "; ".join(problems))
        return
    filters = body["filters"]
    found = [ln for ln in directory.all_lines(filters) if _match(ln, filters)]
    found.sort(key=lambda ln: ln["addressingIdentifier"])
    ignore, limit = int(body.get("ignore") or 0), int(body.get("limit") or 25)
    handler._json(200, {"search": body, "totalNumberOfResults": len(found),
                        "results": found[ignore:ignore + limit]},
                  "DirectoryLineSearchResponse", directory.contract)


def _valid(handler: Handler, schema: str, value: str) -> bool:
    state = handler.server.state
    problems = state.directory.contract.errors(schema, value)
    if problems:
        state.violations += [f"request path {schema}: {p}" for p in problems]
        handler._error(400, "INVALID_PARAMETER", "; ".join(problems))
        return False
    return True
