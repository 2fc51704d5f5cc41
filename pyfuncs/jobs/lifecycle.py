"""What the platform's lifecycle statuses do to the rest of the workbook
(domain/lifecycle.py says what each means): the reminders they hold, the dispute a 207 sets
on its Factures row (once per status message), the « Cycle de vie » sheet (every status,
in the order it happened), and the platform's counts on the dashboard. All read the
platform's ledger in the workbook's journal (read-only); none needs the platform itself."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pyfuncs.adapters.journal.platform import FlowLedger
from pyfuncs.adapters.platform.ledger import REFUSED, Status
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.domain import einvoicing as E
from pyfuncs.domain import lifecycle as L
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import Ctx, norm
from pyfuncs.jobs.ledgers import platform_ledgers

DISPUTE_APPLIED = "dispute_applied:"  # + number: the 207 message already set the dispute


@dataclass(frozen=True)
class Current:
    """A document's current status, whatever order its statuses came in."""

    number: str
    code: str
    at: str
    reason: str
    message_id: str


def current(book: FlowLedger) -> dict[str, Current]:
    history: dict[str, list[Status]] = {}
    for s in book.statuses():
        history.setdefault(s.number, []).append(s)
    out = {}
    for number, statuses in history.items():
        by_id = {s.message_id: s for s in statuses}
        best = E.latest([(s.at, s.code, s.message_id) for s in statuses])
        assert best is not None  # a history has one status at least
        last = by_id[best[2]]
        out[number] = Current(number, last.code, last.at, last.reason, last.message_id)
    return out


def reminder_holds(data: WorkbookData, lang: str,
                   journal: Path | str | None = None) -> dict[str, str]:
    """Folded document number -> why reminders hold on it (210, 207, 208), from the
    platform's ledger; nothing when there is none."""
    with platform_ledgers(data, write=False, journal=journal) as ledgers:
        if ledgers is None:
            return {}
        now = current(ledgers.flows)
    return {n.strip().casefold(): hold for n, c in now.items()
            if (hold := L.reminder_hold(c.code, lang))}


def dispute_updates(ctx: Ctx, book: FlowLedger, lang: str) -> list[tuple[int, str, object]]:
    """The Factures cells (sheet row, header, value) a 207 sets: « Litige » = Oui on the
    invoice the client disputes on the platform, once per 207 message (a user who clears
    it after settling the dispute is not overruled by the next pull). Recorded in the
    ledger by ``mark_disputes`` once the workbook is written."""
    table = ctx.tables.get("Factures")
    if table is None or "dispute" not in table.labels:
        return []
    yes = S.choice_label("yesno", "yes", lang)
    out: list[tuple[int, str, object]] = []
    for number, c in current(book).items():
        if c.code != L.DISPUTED or book.get(DISPUTE_APPLIED + number) == c.message_id:
            continue
        i = ctx.posted_by_number(number)
        if i is None or ctx.col("Factures", "dispute")[i] == "yes":
            continue
        out.append((table.rows[i], table.labels["dispute"], yes))
    return out


def mark_disputes(book: FlowLedger) -> None:
    for number, c in current(book).items():
        if c.code == L.DISPUTED:
            book.put(DISPUTE_APPLIED + number, c.message_id)


def _when(at: str) -> str:
    return at.replace("T", " ").rstrip("Z")


def lifecycle_rows(book: FlowLedger, ctx: Ctx, lang: str) -> list[list[object]]:
    """« Cycle de vie »: every status of every document, oldest first per document."""
    clients = {}
    for number in {s.number for s in book.statuses()}:
        i = ctx.posted_by_number(number)
        clients[number] = str(ctx.col("Factures", "client")[i] or "") if i is not None \
            else ""
    rows: list[list[object]] = []
    for s in sorted(book.statuses(), key=lambda s: (s.number, s.at, s.code, s.message_id)):
        code, _ = L.split_reason(s.reason)
        rows.append([s.number, clients.get(s.number) or None, s.flow_id or None, s.code,
                     E.status_label(s.code, lang), _when(s.at), code or None,
                     L.reason_text(s.reason, lang) or None, s.message_id])
    return rows


def efacturation_rows(book: FlowLedger, ctx: Ctx, lang: str) -> list[list[object]]:
    """« E-facturation »: each document handed to the platform, its current status, its
    date, the reason and the action it calls for."""
    now = current(book)
    rows: list[list[object]] = []
    for number, sub in sorted(book.latest().items()):
        c = now.get(number)
        code, at, reason = (c.code, c.at, c.reason) if c else ("", "", "")
        if not code and sub.state == REFUSED:
            reason = sub.reason
        i = ctx.posted_by_number(number)
        client = str(ctx.col("Factures", "client")[i]) if i is not None else ""
        label = E.status_label(code, lang) if code else sub.state
        todo = L.action(code, lang) if code else (
            L.action(L.REJECTED, lang) if sub.state == REFUSED else "")
        rows.append([number, client, "B2B", sub.flow_id, code, label, _when(at),
                     L.reason_text(reason, lang), todo or None])
    return rows


def waiting(book: FlowLedger | None, ctx: Ctx, days: int) -> list[tuple[str, str]]:
    """(number, why) of each document waiting for the seller: rejected or refused by the
    platform, refused by the client, disputed, suspended, or a B2B document issued more
    than ``days`` days ago that the platform does not have."""
    lang = "fr" if ctx.fr else "en"
    out: list[tuple[str, str]] = []
    transmitted: set[str] = set()
    if book is not None:
        now = current(book)
        for number, sub in sorted(book.latest().items()):
            if sub.state != REFUSED:
                transmitted.add(number)
            c = now.get(number)
            if c is not None and c.code in L.ACTIONS:
                why = f"{c.code} {E.status_label(c.code, lang)} : {L.action(c.code, lang)}"
                out.append((number, why))
            elif c is None and sub.state == REFUSED:
                why = ("refusée par la plateforme : corriger puis retransmettre" if lang == "fr"
                       else "refused by the platform: correct, then transmit again")
                out.append((number, why))
    for number, day in unsent(ctx, transmitted, days):
        out.append((number, f"non transmise depuis le {day:%d/%m/%Y}" if lang == "fr" else
                    f"not transmitted since {day.isoformat()}"))
    return out


def unsent(ctx: Ctx, transmitted: set[str], days: int) -> list[tuple[str, date]]:
    """Issued documents to a French company (rule B2B) older than ``days`` days that the
    platform does not have."""
    if "Clients" not in ctx.tables:
        return []
    clients = ctx.tables["Clients"].cols
    issued = ctx.col("Factures", "issue_date")
    seller = str(ctx.setting("seller_country") or "FR")
    out = []
    for i, status in enumerate(ctx.inv_status):
        number = str(ctx.col("Factures", "number")[i] or "")
        day = issued[i]
        if status != "issued" or not number or number in transmitted or \
                not isinstance(day, date) or (ctx.today - day).days <= days:
            continue
        c = ctx.client_by_id.get(norm(ctx.col("Factures", "client")[i]))
        if c is None:
            continue
        private = E.is_private(clients["private"][c])
        if E.processing_rule(seller, str(clients["country"][c] or "FR"), private) == "B2B":
            out.append((number, day))
    return out


def transmit_days(settings: Mapping[str, object]) -> int:
    days = settings.get("pa_transmit_days")
    return int(days) if isinstance(days, (int, float)) else 2


def dashboard_rows(data: WorkbookData, ctx: Ctx, settings: Mapping[str, object],
                   environ: Mapping[str, str]) -> list[tuple[str, object]]:
    """The dashboard's platform lines: documents per current status, then those waiting
    for the seller (at most ``SHOWN``, the rest counted). Nothing without a platform
    (nothing in the ledger, no URL)."""
    configured = bool(settings.get("pa_url") or environ.get("FACTURIER_PA_URL"))
    fr = ctx.fr
    lang = "fr" if fr else "en"
    rows: list[tuple[str, object]] = []
    with platform_ledgers(data, write=False) as ledgers:
        if ledgers is None or ledgers.empty():
            if not configured:
                return []
            counts: Counter[str] = Counter()
            pending = waiting(None, ctx, transmit_days(settings))
        else:
            now = current(ledgers.flows)
            counts = Counter(c.code for c in now.values())
            pending = waiting(ledgers.flows, ctx, transmit_days(settings))
    rows.append(("Plateforme : pièces par statut" if fr else "Platform: documents by status",
                 sum(counts.values())))
    for code in sorted(counts):
        rows.append((f"   {code} {E.status_label(code, lang)}", counts[code]))
    rows.append(("Plateforme : en attente d'une action" if fr else
                 "Platform: waiting for an action", len(pending)))
    for number, why in pending[:SHOWN]:
        rows.append((f"   {number}", why))
    if len(pending) > SHOWN:
        rows.append(("   …", f"{len(pending) - SHOWN} de plus : voir E-facturation" if fr else
                     f"{len(pending) - SHOWN} more: see E-invoicing"))
    return rows


SHOWN = 8
