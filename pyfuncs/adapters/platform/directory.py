"""The XP Z12-013 Directory Service client (AFNOR, Annex B): where a client receives its
e-invoices, looked up by its SIRET, then by its SIREN.

Written from the contract as far as it could be established: the official Annex B was not
available, so the routes and fields follow a reconstruction from public sources
(tests/fixtures/platform/AFNOR-Directory_Service-1.3.0-subset.json and its SOURCES.md):

- ``POST /v1/directory-line/search`` with ``{"filters": {"siret": {"op": "strict",
  "value": SIRET}}, "limit": 100, "ignore": 0}``: the lines defined at that facility; an
  empty ``results`` (or a 204, as before 1.3.0) is no line;
- ``GET /v1/directory-line/code:{SIREN}``: the line at the company's SIREN (its
  addressing identifier is the SIREN itself); a 404 is "not in the directory";
- the same OAuth2 token, ``X-Request-Id``, retries with backoff on 5xx / 429 / timeouts,
  and ``PlatformError`` on a refusal, as the Flow Service client (xpz12013.py): the calls
  go through it, under the Directory Service's base URL.

The choice of the line is ``lookup``: a line at the client's SIRET (not a routing-code
line, which the client must name itself), else the line at its SIREN. The address is the
line's addressing identifier, scheme 0225: the French rule BR-FR-21 wants the buyer's
electronic address of a B2B invoice to start with its SIREN, under that scheme.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pyfuncs.adapters.platform.base import Directory, DirectoryLine, PlatformError
from pyfuncs.adapters.platform.config import PlatformSettings
from pyfuncs.adapters.platform.xpz12013 import PAGE, XpZ12013Platform

SCHEME = "0225"  # the French directory's SIREN-based addressing (BR-FR-21, BR-FR-23)
SIREN = re.compile(r"^[0-9]{9}$")
SIRET = re.compile(r"^[0-9]{14}$")


def line_of(payload: dict[str, Any]) -> DirectoryLine:
    routing = payload.get("routingCode") or {}
    unit = payload.get("legalUnit") or {}
    return DirectoryLine(
        address=str(payload.get("addressingIdentifier") or ""),
        siren=str(payload.get("siren") or ""), siret=str(payload.get("siret") or ""),
        suffix=str(payload.get("addressingSuffix") or ""),
        routing_id=str(payload.get("routingIdentifier") or (
            routing.get("routingIdentifier") if isinstance(routing, dict) else "") or ""),
        status=str(payload.get("directoryLineStatus") or ""),
        platform_type=str(payload.get("platformType") or ""),
        name=str(unit.get("businessName") or "") if isinstance(unit, dict) else "")


class XpZ12013Directory:
    """The Directory Service of an approved platform speaking XP Z12-013."""

    def __init__(self, settings: PlatformSettings, *,
                 transport: XpZ12013Platform | None = None, **options: Any) -> None:
        self.name = settings.name
        self._base = settings.directory_url or settings.base_url
        self._http = transport or XpZ12013Platform(settings, **options)

    def lines_of_siret(self, siret: str) -> list[DirectoryLine]:
        body = {"filters": {"siret": {"op": "strict", "value": siret}}, "limit": PAGE,
                "ignore": 0}
        lines: list[DirectoryLine] = []
        while True:
            answer = self._http.call("POST", "/v1/directory-line/search", base=self._base,
                                     json=body)
            if answer.status_code == 204 or not answer.content:
                return lines
            results = [r for r in answer.json().get("results") or [] if isinstance(r, dict)]
            lines += [line_of(r) for r in results]
            if len(results) < PAGE:
                return lines
            body["ignore"] = len(lines)

    def line(self, address: str) -> DirectoryLine | None:
        try:
            answer = self._http.call("GET", f"/v1/directory-line/code:{address}",
                                     base=self._base)
        except PlatformError as err:
            if err.status == 404:
                return None
            raise
        return line_of(answer.json())


@dataclass(frozen=True)
class Routing:
    """Where a client's invoices go, as the directory answered.

    Attributes:
      found: the directory has a line for the client.
      address: the line's addressing identifier (BT-49, scheme ``SCHEME``), "" if none.
      status: the line's status (Enabled, Disabled, Upcoming, "" unsaid).
      platform_type: WK (an approved platform) or DFH, as the directory says.
      by: "siret" or "siren": the mesh the line was found at.
      others: the other addresses seen for the SIRET (routing codes), to name in a message.
    """

    found: bool
    address: str = ""
    status: str = ""
    platform_type: str = ""
    by: str = ""
    others: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reachable(self) -> bool:
        return self.found and self.status in ("", "Enabled")


def lookup(directory: Directory, siren: str, siret: str = "") -> Routing:
    """The client's line: at its SIRET when it has one there, else at its SIREN.
    ``PlatformError`` passes through (the caller says what it means for the run)."""
    others: tuple[str, ...] = ()
    if SIRET.match(siret) and siret.startswith(siren):
        lines = [ln for ln in directory.lines_of_siret(siret) if ln.siret == siret
                 and ln.address.startswith(siren)]
        plain = [ln for ln in lines if not ln.routing_id]
        others = tuple(ln.address for ln in lines if ln.routing_id)
        if plain:
            best = next((ln for ln in plain if ln.reachable), plain[0])
            return Routing(True, best.address, best.status, best.platform_type, "siret",
                           others)
    found = directory.line(siren)
    if found is None or not found.address.startswith(siren):
        return Routing(False, others=others)
    return Routing(True, found.address, found.status, found.platform_type, "siren", others)


def routable(siren: str) -> bool:
    """A SIREN the directory can be asked about (nine digits)."""
    return bool(SIREN.match(siren))
