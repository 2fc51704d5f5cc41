"""The findings the approved platform's answers call for (docs/E-INVOICING.md): a
document the platform refused or rejected (213) is an error that says what to correct and
how it goes again; one the client refused (210) calls for a credit note; a dispute (207)
is a warning. Read from the platform's ledger in the journal, by the statuses job and by
the check (read-only)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from pyfuncs.adapters.environment import environment, overridden
from pyfuncs.adapters.journal.platform import FlowLedger
from pyfuncs.adapters.platform.directory_cache import DirectoryCache, cache_path
from pyfuncs.adapters.platform.ledger import REFUSED
from pyfuncs.domain import einvoicing as E
from pyfuncs.domain import ereporting as R
from pyfuncs.domain import lifecycle as L
from pyfuncs.domain.context import Ctx, message
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.jobs.ledgers import platform_ledgers
from pyfuncs.jobs.lifecycle import current, transmit_days, unsent
from pyfuncs.jobs.load import Loaded
from pyfuncs.jobs.routing import Router

REFUSED_BY_PLATFORM = message(
    "{number} : la plateforme a refusé la pièce ({reasons}).",
    "Corriger la pièce (ou la donnée du classeur en cause), puis « Transmettre à la "
    "plateforme » : elle repart sous le même numéro.",
    "{number}: the platform refused the document ({reasons}).",
    "Correct the document (or the workbook data at fault), then transmit again: it goes "
    "under the same number.")
REJECTED_213 = message(
    "{number} : rejetée par la plateforme (statut 213) le {at} : {reason}.",
    "La facture n'est pas émise : corriger ce que dit le motif, puis « Transmettre à la "
    "plateforme » : elle repart sous le même numéro.",
    "{number}: rejected by the platform (status 213) on {at}: {reason}.",
    "The invoice is not issued: correct what the reason says, then transmit again under "
    "the same number.")
REFUSED_BY_CLIENT = message(
    "{number} : refusée par le client (statut 210) le {at} : {reason}.",
    "Émettre un avoir pour l'annuler (une facture émise ne se supprime pas), puis une "
    "nouvelle facture si besoin ; elle n'est plus relancée.",
    "{number}: refused by the client (status 210) on {at}: {reason}.",
    "Issue a credit note to cancel it (an issued invoice is never deleted), then a new "
    "invoice if needed; it is no longer reminded.")

SUSPENDED = message(
    "{number} : suspendue par le client (statut 208) le {at} : {reason}.",
    "Fournir au client ce qu'il attend (justificatif, référence de commande...) ; les "
    "relances de la facture attendent.",
    "{number}: suspended by the client (status 208) on {at}: {reason}.",
    "Provide what the client waits for (a supporting document, the order reference...); "
    "the invoice's reminders wait.")
DISPUTED = message(
    "{number} : le client conteste la facture (statut 207) le {at} : {reason}.",
    "Traiter le litige avec le client ; « Litige » est mis à Oui sur la facture et ses "
    "relances attendent tant que la plateforme la dit en litige.",
    "{number}: the client disputes the invoice (status 207) on {at}: {reason}.",
    "Settle the dispute with the client; « Dispute » is set to Yes on the invoice and its "
    "reminders wait while the platform says it is disputed.")

UNSENT = message(
    "{number} : émise le {day} à une entreprise française, pas encore transmise à la "
    "plateforme agréée ({days} j).",
    "« Transmettre à la plateforme » : depuis la réforme, une facture B2B n'est émise "
    "qu'une fois déposée sur la plateforme.",
    "{number}: issued on {day} to a French company, not transmitted to the approved "
    "platform yet ({days} d).",
    "Transmit to the platform: since the reform a B2B invoice is issued only once lodged "
    "with the platform.")


def current_statuses(book: FlowLedger) -> dict[str, tuple[str, str, str]]:
    """Each document's current (at, code, reason), whatever order statuses came in."""
    return {n: (c.at, c.code, c.reason) for n, c in current(book).items()}


def status_findings(ctx: Ctx, book: FlowLedger) -> None:
    """The findings the platform's answers call for, into ``ctx``."""
    for number, sub in book.latest().items():
        i = ctx.posted_by_number(number)
        if sub.state == REFUSED and i is not None:
            ctx.add("EINV-REFUSED", ERROR, "Factures", i, "number", number,
                    REFUSED_BY_PLATFORM, number=number, reasons=sub.reason[:400])
    lang = "fr" if ctx.fr else "en"
    for number, (at, code, reason) in current_statuses(book).items():
        i = ctx.posted_by_number(number)
        if i is None:
            continue
        msg = {E.REJECTED: (REJECTED_213, ERROR, "EINV-213"),
               E.REFUSED: (REFUSED_BY_CLIENT, WARNING, "EINV-210"),
               E.DISPUTED: (DISPUTED, WARNING, "EINV-207"),
               L.SUSPENDED: (SUSPENDED, WARNING, "EINV-208")}.get(code)
        if msg is not None:
            ctx.add(msg[2], msg[1], "Factures", i, "number", number, msg[0], number=number,
                    at=at[:10], reason=L.reason_text(reason, lang)[:400] or "-")


def unsent_findings(ctx: Ctx, transmitted: set[str], days: int) -> None:
    """An issued document to a French company (rule B2B) older than ``days`` that the
    platform does not have."""
    for number, day in unsent(ctx, transmitted, days):
        ctx.add("EINV-UNSENT", WARNING, "Factures", ctx.posted_by_number(number), "number",
                number, UNSENT, number=number, day=f"{day:%d/%m/%Y}",
                days=(ctx.today - day).days)


def ledger_findings(loaded: Loaded, today: date,
                    environ: Mapping[str, str] | None = None) -> list[Finding]:
    """For the check: the platform's answers already pulled, the documents not
    transmitted in time, the clients of documents still to transmit that the directory's
    last answer (kept beside the workbook) did not route, and a platform registration
    number still at its default (the e-reporting files' sender); nothing when no platform
    is set up (nothing in the ledger, no URL)."""
    data = loaded.data
    configured = overridden(data.settings, environment(environ), "FACTURIER_PA_URL", "pa_url")
    ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang)
    transmitted: set[str] = set()
    with platform_ledgers(data, write=False) as ledgers:
        if ledgers is None or ledgers.empty():
            if not configured:
                return []
        else:
            book = ledgers.flows
            status_findings(ctx, book)
            transmitted = {n for n, sub in book.latest().items() if sub.state != REFUSED}
    unsent_findings(ctx, transmitted, transmit_days(data.settings))
    directory_findings(ctx, transmitted, data.path)
    R.registration_finding(ctx)  # e-reporting's sender: not the default « 0000 »
    return list(ctx.findings)


def directory_findings(ctx: Ctx, transmitted: set[str], workbook: Path) -> None:
    """Each client with a document still to transmit that the directory, when last asked,
    did not have or had with an address not enabled (jobs/routing.py): what transmit
    would refuse, said before it runs. Nothing is asked of the directory here."""
    where = cache_path(workbook)
    if not where.exists():
        return
    with DirectoryCache(where) as cache:
        router = Router(ctx, None, cache)
        for number, _day in unsent(ctx, transmitted, -1):
            i = ctx.posted_by_number(number)
            if i is not None:
                router.kept(i)
