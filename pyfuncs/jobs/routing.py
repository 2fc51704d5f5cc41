"""Transmit's routing: the electronic address (BT-49) each document to a French company
goes to (docs/E-INVOICING.md, « Routage »).

- The address typed in Clients › Adresse électronique, when there is one: the user's word
  wins, nothing is asked.
- Otherwise the platform's directory (XP Z12-013 Directory Service), by the client's SIRET,
  then its SIREN (adapters/platform/directory.py). The answer is kept with its date
  (adapters/platform/directory_cache.py) and used for « Validité d'une réponse de
  l'annuaire » days (30) without asking again; a client not found is asked again the
  next day, so one who joins the directory is routed at the next run.
- A client the directory does not have, or whose line is not enabled (Disabled,
  Upcoming), is an error on its Clients row saying what to do, and its documents are not
  sent (« unrouted »). A directory that does not answer (after the flow client's retries)
  or refuses our token leaves the documents of the clients it was to be asked about
  waiting for the next run (« failed »); the other documents go.
- Without a platform set up (no URL, no secret) the directory cannot be asked: the
  documents keep the SIREN-based address under scheme 0225 as before, and the preview
  says where it came from.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from pyfuncs.adapters.platform.base import Directory, PlatformError
from pyfuncs.adapters.platform.directory import SCHEME, Routing, lookup, routable
from pyfuncs.adapters.platform.directory_cache import DirectoryCache
from pyfuncs.documents.record import InvoiceDoc
from pyfuncs.domain.context import Ctx, message, text
from pyfuncs.domain.findings import ERROR, WARNING

log = logging.getLogger(__name__)
DEFAULT_DAYS = 30

NOT_FOUND = message(
    "{client} ({name}) n'est pas dans l'annuaire de la facturation électronique (SIREN "
    "{siren}{siret}, annuaire consulté le {day}) : ses pièces ne sont pas transmises.",
    "Demander au client son adresse électronique de facturation et la saisir dans Clients "
    "› Adresse électronique, ou vérifier son SIREN / SIRET ; puis « Transmettre à la "
    "plateforme ».",
    "{client} ({name}) is not in the e-invoicing directory (SIREN {siren}{siret}, directory "
    "asked on {day}): its documents are not transmitted.",
    "Ask the client for its electronic invoicing address and type it in Clients › "
    "Electronic address, or check its SIREN / SIRET; then transmit again.")
NOT_ENABLED = message(
    "{client} ({name}) : son adresse {address} dans l'annuaire de la facturation "
    "électronique est « {status} » (annuaire consulté le {day}) : ses pièces ne sont pas "
    "transmises.",
    "Transmettre à nouveau quand l'adresse sera active, ou demander au client l'adresse où "
    "il reçoit ses factures et la saisir dans Clients › Adresse électronique.",
    "{client} ({name}): its address {address} in the e-invoicing directory is "
    "« {status} » (directory asked on {day}): its documents are not transmitted.",
    "Transmit again once the address is active, or ask the client where it receives its "
    "invoices and type it in Clients › Electronic address.")
REFUSED = message(
    "{client} ({name}) : l'annuaire de la plateforme refuse la recherche ({why}) : ses "
    "pièces ne sont pas transmises.",
    "Vérifier le SIREN / SIRET du client, ou saisir son adresse électronique dans Clients.",
    "{client} ({name}): the platform's directory refuses the look-up ({why}): its "
    "documents are not transmitted.",
    "Check the client's SIREN / SIRET, or type its electronic address in Clients.")
DOWN = message(
    "{client} ({name}) : l'annuaire de la plateforme n'a pas répondu ({why}) : ses pièces "
    "attendent la prochaine transmission.",
    "« Transmettre à la plateforme » plus tard ; ou saisir l'adresse électronique du "
    "client dans Clients pour ne pas dépendre de l'annuaire.",
    "{client} ({name}): the platform's directory did not answer ({why}): its documents wait "
    "for the next transmission.",
    "Transmit again later; or type the client's electronic address in Clients so as not "
    "to depend on the directory.")
STATUS_WORDS = {"Disabled": ("désactivée", "disabled"), "Upcoming": ("à venir", "upcoming")}


@dataclass(frozen=True)
class Route:
    """Where a document goes and why.

    Attributes:
      source: "typed" (Clients), "directory", "siren" (the directory not asked: no
        platform set up), "" (no SIREN: the document's own address is kept).
      address: the identifier under scheme 0225 when from the directory.
      asked_on: the day the directory gave it.
      outcome: "" (it can go), "unrouted" (no address: not sent), "failed" (the directory
        did not answer: it waits).
      detail: the reason, for the preview sheet.
    """

    source: str
    address: str = ""
    asked_on: date | None = None
    outcome: str = ""
    detail: str = ""


class Router:
    """The routes of one run, a client asked once; findings go into ``ctx``."""

    def __init__(self, ctx: Ctx, directory: Directory | None, cache: DirectoryCache | None,
                 days: int = DEFAULT_DAYS) -> None:
        self.ctx, self.directory, self.cache, self.days = ctx, directory, cache, days
        self._routes: dict[int, Route] = {}
        self._down = ""  # why the directory is not asked again in this run
        self.asked = 0  # clients looked up in the directory in this run

    def _client(self, i: int) -> tuple[int, str, str, str]:
        c = self.ctx.inv_client[i]
        col = lambda key: text(self.ctx.col("Clients", key)[c]).replace(" ", "")
        return c, text(self.ctx.col("Clients", "electronic_address")[c]), col("siren"), \
            col("siret")

    def route(self, i: int, doc: InvoiceDoc) -> Route:
        """The route of the document at Factures row ``i``; its buyer's address is set to
        the directory's when that is where it goes."""
        c, typed, siren, siret = self._client(i)
        if c not in self._routes:
            self._routes[c] = self._find(c, typed, siren, siret)
        found = self._routes[c]
        if found.source == "directory" and not found.outcome:
            doc.buyer = replace(doc.buyer, address_scheme=SCHEME, address_id=found.address)
        return found

    def remembered(self, i: int, doc: InvoiceDoc) -> None:
        """A document already with the platform: the address the directory last gave
        for its client, if any, without asking (what its 212 statuses name)."""
        _c, typed, siren, siret = self._client(i)
        if typed or self.cache is None or not routable(siren):
            return
        if (kept := self.cache.get(siren, siret)) is not None and kept.routing.found:
            doc.buyer = replace(doc.buyer, address_scheme=SCHEME,
                                address_id=kept.routing.address)

    def kept(self, i: int) -> None:
        """The directory's last answer for the client of Factures row ``i``, from the cache
        alone (the check asks nobody): a client it did not find, or whose address is not
        enabled, is the same finding as at transmit, once per client."""
        c, typed, siren, siret = self._client(i)
        if typed or self.cache is None or not routable(siren) or c in self._routes:
            return
        if (kept := self.cache.get(siren, siret)) is not None:
            self._routes[c] = self._answer(c, siren, siret, kept.routing, kept.asked_on)

    def _find(self, c: int, typed: str, siren: str, siret: str) -> Route:
        if typed:
            return Route("typed")
        if not routable(siren):
            return Route("")
        if self.directory is None:
            return Route("siren", siren)
        today = self.ctx.today
        kept = self.cache.get(siren, siret) if self.cache is not None else None
        if kept is not None and (today - kept.asked_on).days < (
                self.days if kept.routing.found else 1):
            return self._answer(c, siren, siret, kept.routing, kept.asked_on)
        if self._down:
            return self._unreachable(c, self._down)
        try:
            self.asked += 1
            answer = lookup(self.directory, siren, siret)
        except PlatformError as err:
            if err.transient or err.status in (0, 401, 403):
                self._down = str(err)
                log.warning("directory unreachable, clients without an address wait: %s", err)
                return self._unreachable(c, self._down)
            why = "; ".join(f"{r.code} {r.message}".strip() for r in err.reasons) or str(err)
            self._add(c, ERROR, REFUSED, why=why[:300])
            return Route("directory", outcome="unrouted", detail=why[:300])
        if self.cache is not None:
            self.cache.put(siren, siret, answer, today)
        return self._answer(c, siren, siret, answer, today)

    def _answer(self, c: int, siren: str, siret: str, answer: Routing, day: date) -> Route:
        shown = f"{day:%d/%m/%Y}"
        if not answer.found:
            self._add(c, ERROR, NOT_FOUND, siren=siren, day=shown,
                      siret=f", SIRET {siret}" if siret else "")
            return Route("directory", asked_on=day, outcome="unrouted",
                         detail=("absent de l'annuaire" if self.ctx.fr else
                                 "not in the directory") + f" ({shown})")
        if not answer.reachable:
            fr, en = STATUS_WORDS.get(answer.status, (answer.status, answer.status))
            status = fr if self.ctx.fr else en
            self._add(c, ERROR, NOT_ENABLED, address=answer.address, status=status, day=shown)
            return Route("directory", answer.address, day, "unrouted",
                         f"{SCHEME}:{answer.address} {status}")
        return Route("directory", answer.address, day)

    def _unreachable(self, c: int, why: str) -> Route:
        self._add(c, WARNING, DOWN, why=why[:300])
        return Route("directory", outcome="failed", detail=why[:300])

    def _add(self, c: int, severity: str, msg: tuple[str, str, str, str],
             **values: object) -> None:
        code = text(self.ctx.col("Clients", "id")[c])
        self.ctx.add("EINV-DIRECTORY", severity, "Clients", c, "electronic_address", code,
                     msg, client=code, name=text(self.ctx.col("Clients", "name")[c]),
                     **values)


def directory_days(value: object) -> int:
    """« Validité d'une réponse de l'annuaire (jours) », at least one day."""
    return max(1, int(value)) if isinstance(value, (int, float)) else DEFAULT_DAYS
