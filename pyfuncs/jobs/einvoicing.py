"""The e-invoicing jobs: "Transmettre à la plateforme" (``facturier transmit``) and "Mettre
à jour les statuts" (``facturier statuses``), with the company's approved platform
(docs/E-INVOICING.md).

Transmit: every issued invoice, deposit and credit note to a French company (processing
rule B2B; B2BInt and B2C are e-reported, not transmitted, and are listed as such) that
the ledger has not seen accepted goes as one Factur-X flow, exactly once: the ledger (in
the journal, shared by a team on PostgreSQL) records "about to send" (number, sha256,
trackingId) before the HTTP call and the flowId after; a submission left "about to send"
by a crash or a lost answer is looked up on the platform by its trackingId before
anything is sent again, and one a colleague's run is sending at that moment is left to
it ("claimed"). The trackingId is a stable id of (seller SIREN, document number,
attempt); a new attempt is made only for a document the platform refused and that has
changed since. Each document goes to its client's electronic address: the one typed in
Clients, else the platform's directory's (jobs/routing.py); a client without one is an
error and its documents stay here.

Statuses: the flows updated since the last pull (the platform's own ``updatedAt``, so no
clock of ours is trusted): the acknowledgement of each flow we sent, and each lifecycle
message (CDAR) about our invoices, recorded once in the ledger; then the "E-facturation"
sheet is rewritten with each document's current status, and the Contrôles sheet with the
findings of the check plus those the statuses call for (a rejected or refused document).
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.journal.platform import FlowLedger
from pyfuncs.adapters.platform.base import Directory, Platform, PlatformError
from pyfuncs.adapters.platform.cdar import CdarError, read_cdar
from pyfuncs.adapters.platform.config import PlatformConfigError, platform_settings
from pyfuncs.adapters.platform.directory import XpZ12013Directory
from pyfuncs.adapters.platform.directory_cache import DirectoryCache, cache_path
from pyfuncs.adapters.platform.ledger import BUSY, DONE, ORPHAN, REFUSED, SENDING, SENT, Status
from pyfuncs.adapters.platform.xpz12013 import XpZ12013Platform
from pyfuncs.adapters.workbook_file import WorkbookSource, Writer, as_source
from pyfuncs.documents import french_rules, pdf
from pyfuncs.documents.model import build_documents
from pyfuncs.documents.record import InvoiceDoc
from pyfuncs.domain import einvoicing as E
from pyfuncs.domain import einvoicing_sheets as ES
from pyfuncs.domain.context import Ctx, message
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.lifecycle import with_code
from pyfuncs.jobs import encaissee, ereport, lifecycle
from pyfuncs.jobs.aging import aging_of
from pyfuncs.jobs.check import SEVERITY_ORDER, write_checks
from pyfuncs.jobs.dashboard import write_dashboard
from pyfuncs.jobs.documents import PDF_TABLES
from pyfuncs.jobs.einvoicing_findings import current_statuses, status_findings
from pyfuncs.jobs.ledgers import platform_ledgers
from pyfuncs.jobs.load import Progress, load, quiet
from pyfuncs.jobs.result import JobResult
from pyfuncs.jobs.routing import Router, directory_days
from pyfuncs.jobs.sheets import sheet_columns, stamp

log = logging.getLogger(__name__)
TRACKING = uuid.UUID("0b9c1f4e-5a8d-4f3e-9c71-6d2f8e4a1b30")  # Facturier's uuid5 namespace
SYNC_KEY = "statuses_updated_after"
PlatformFactory = Callable[[Mapping[str, object], Mapping[str, str] | None], Platform]
DirectoryFactory = Callable[[Mapping[str, object], Mapping[str, str] | None], Directory]

DAMAGED = message(
    "{number} : une cellule de la pièce ne peut pas être lue ({cell}) : elle n'est pas "
    "transmise.", "Corriger la cellule, puis transmettre à nouveau.",
    "{number}: a cell of the document cannot be read ({cell}): it is not transmitted.",
    "Fix the cell, then transmit again.")


RULES_BROKEN = message(
    "{number} : la pièce enfreint les règles françaises de la facturation électronique "
    "({rules}) : elle n'est pas transmise.",
    "Corriger la donnée en cause (la règle dit laquelle : BT-49/BT-34 = adresses "
    "électroniques dans Clients et Paramètres, BT-1 = numéro...), puis « Transmettre à "
    "la plateforme » : une plateforme la rejetterait (statut 213).",
    "{number}: the document breaks the French e-invoicing rules ({rules}): it is not "
    "transmitted.",
    "Correct the data at fault (the rule says which: BT-49/BT-34 = electronic addresses "
    "in Clients and Settings, BT-1 = number...), then transmit again: a platform would "
    "reject it (status 213).")


CDAR_BROKEN = message(
    "{number} : le message de statut {flow} de la plateforme enfreint le schéma CDAR ou "
    "les règles BR-FR-CDV ({rules}) ; son statut est enregistré tel quel.",
    "Signaler le message à la plateforme agréée (identifiant du flux ci-dessus).",
    "{number}: the platform's status message {flow} breaks the CDAR schema or the "
    "BR-FR-CDV rules ({rules}); its status is recorded as it is.",
    "Report the message to the approved platform (flow id above).")


class TransmitInputError(Exception):
    """Nothing can be transmitted (no platform configured...): one line for the user."""


def default_platform(settings: Mapping[str, object],
                     environ: Mapping[str, str] | None) -> Platform:
    return XpZ12013Platform(platform_settings(settings, environ))


def default_directory(settings: Mapping[str, object],
                      environ: Mapping[str, str] | None) -> Directory:
    return XpZ12013Directory(platform_settings(settings, environ))


@dataclass
class Transmission:
    """One document and what became of it: "preview", "sent", "already" (the platform
    had it), "claimed" (another run was sending it at that moment), "refused", "failed"
    (platform or directory unreachable), "blocked" (breaks the French rules),
    "uncorrected" (refused or rejected by the platform and unchanged since), "unrouted"
    (no electronic address: the client is not in the directory), "e-reporting" (not for
    the platform's e-invoicing)."""

    number: str
    client: str
    rule: str
    status: str = "preview"
    tracking_id: str = ""
    flow_id: str = ""
    error: str = ""
    routing: str = ""  # the buyer's electronic address, "SCHEME:ID" (BT-49)
    routing_source: str = ""  # "typed" (Clients), "directory", "siren", "vat", "email"
    routing_date: date | None = None  # the day the directory gave the address
    kind: str = ""
    name: str = ""
    issue_date: date | None = None
    total: Decimal | None = None

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)

    @classmethod
    def of(cls, doc: InvoiceDoc, rule: str) -> Transmission:
        b = doc.buyer
        routing = f"{b.address_scheme}:{b.address_id}" if b.address_id else ""
        vat = "".join(ch for ch in b.vat if ch.isalnum()).upper()
        source = "" if not routing else "siren" if b.address_id == b.siren else \
            "vat" if vat and b.address_id == vat else \
            "email" if b.private and b.address_scheme == "EM" else "typed"
        return cls(doc.number, b.code or b.name, rule, routing=routing,
                   routing_source=source, kind=doc.kind, name=b.name,
                   issue_date=doc.issue_date, total=doc.total)


@dataclass
class TransmitResult(JobResult):
    path: Path
    send: bool
    documents: list[Transmission] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    settled: int = 0  # "about to send" rows of an earlier run settled by a search
    receipts: list[encaissee.ReceiptTransmission] = field(default_factory=list)  # 212s

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)

    def failures(self) -> int:
        return self.count("failed") + self.count("refused") + \
            sum(1 for r in self.receipts if r.status in ("failed", "refused"))


def tracking_id(siren: str, number: str, attempt: int) -> str:
    return str(uuid.uuid5(TRACKING, f"{siren}/{number}/{attempt}"))


def factur_x(doc: InvoiceDoc) -> tuple[bytes, bytes]:
    """The document's Factur-X and its CII XML, the same bytes whenever it is made from
    the same data (dated at its issue date), so its sha256 says whether it changed."""
    created = datetime.combine(doc.issue_date, time(12), UTC)
    return pdf.render(doc, created=created)


def _breaks_rules(ctx: Ctx, row: int, doc: InvoiceDoc, xml: bytes, item: Transmission,
                  workbook: str) -> bool:
    """Run the official French rules on the document about to leave: one that breaks a
    rule is an error on its Factures row and stays here (item "blocked")."""
    try:
        broken = french_rules.breaches(xml)
    except french_rules.RulesUnavailable as err:
        raise TransmitInputError(f"{workbook}: {err}; nothing is sent unchecked") from None
    if not broken:
        return False
    ids = ", ".join(dict.fromkeys(b.rule for b in broken))
    item.status, item.error = "blocked", ids
    ctx.add("EINV-RULES", ERROR, "Factures", row, "number", doc.number, RULES_BROKEN,
            number=doc.number, rules="; ".join(f"{b.rule} : {b.text}" for b in broken)[:600])
    return True


def _rule(doc: InvoiceDoc, seller_country: str) -> str:
    b = doc.buyer
    return E.processing_rule(seller_country, b.country, b.private)


def run_transmit(path: WorkbookSource | Path, today: date, *, send: bool = True,
                 environ: Mapping[str, str] | None = None,
                 platform_factory: PlatformFactory = default_platform,
                 directory_factory: DirectoryFactory = default_directory,
                 progress: Progress = quiet, journal: Path | str | None = None,
                 after_prepare: Callable[[str], None] | None = None,
                 render: Callable[[InvoiceDoc], tuple[bytes, bytes]] | None = None
                 ) -> TransmitResult:
    """Transmit the issued documents not yet with the platform (``send``), or list them,
    each with its routing address (the preview asks the directory too, when a platform
    is set up; it reads the journal and writes nothing to it). ``journal`` overrides
    Paramètres › Journal. ``after_prepare(number)`` runs between "about to send" and the
    call (tests crash there). ``render``: a document's Factur-X and CII (``factur_x``
    unless given: the demo hands over the PDFs it has just written)."""
    source = as_source(path)
    result = TransmitResult(source.path, send)
    with source.lock():
        loaded = load(source, today, progress, checks=False,
                      tables=[*PDF_TABLES, "Paiements"])
        data = loaded.data
        ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang)
        platform = None
        if send:
            try:
                platform = platform_factory(data.settings, environ)
            except PlatformConfigError as err:
                raise TransmitInputError(f"{source.path.name}: {err}") from None
        try:
            directory: Directory | None = directory_factory(data.settings, environ)
        except PlatformConfigError:  # no platform set up: the SIREN-based address
            directory = None
        writer = source.writer()  # refuses now, before anything leaves, if Excel holds it
        cache = DirectoryCache(cache_path(source.path))
        router = Router(ctx, directory, cache, directory_days(data.settings.get(
            "pa_directory_days")))
        with platform_ledgers(data, write=send, journal=journal) as ledgers, cache:
            book = ledgers.flows if ledgers is not None else None
            progress("render")
            docs, _ = build_documents(ctx, None, source.path.resolve().parent)
            known = book.latest() if book else {}
            rejected = {n for n, (_at, code, _r) in current_statuses(book).items()
                        if code == E.REJECTED} if book else set()
            siren = str(ctx.setting("seller_siren") or "").replace(" ", "")
            country = str(ctx.setting("seller_country") or "FR")
            hurt = damage(ctx).numbers
            queue: list[tuple[InvoiceDoc, Transmission, bytes, int]] = []
            for doc in docs:
                i = ctx.posted_by_number(doc.number)
                if i is None or ctx.inv_status[i] != "issued":
                    continue
                item = Transmission.of(doc, _rule(doc, country))
                if item.rule != "B2B":
                    item.status = "e-reporting"
                    result.documents.append(item)
                    continue
                if (d := hurt.get(doc.number.casefold())) is not None or \
                        (d := hurt.get(doc.number)) is not None:
                    ctx.add("EINV-DAMAGED", ERROR, "Factures", i, "number", doc.number,
                            DAMAGED, number=doc.number, cell=d.where)
                    continue
                last = known.get(doc.number)
                # refused by the platform (a 4xx, an Error acknowledgement, a 213): it goes
                # again only once corrected, as a new attempt under the same number
                refused = last is not None and (last.state == REFUSED or (
                    last.state == SENT and doc.number in rejected))
                if last is not None and last.state == SENT and not refused:
                    router.remembered(i, doc)
                    continue
                route = router.route(i, doc)
                item.routing_source = route.source or item.routing_source
                if route.source == "directory":
                    item.routing = f"0225:{route.address}" if route.address else ""
                    item.routing_date = route.asked_on
                if route.outcome:  # no address to send it to, or the directory is down
                    item.status, item.error = route.outcome, route.detail
                    result.documents.append(item)
                    continue
                content, xml = (render or factur_x)(doc)
                digest = hashlib.sha256(content).hexdigest()
                if refused and last is not None and last.sha256 == digest:
                    # unchanged: the finding stands, nothing to send; listed as waiting
                    item.status, item.error = "uncorrected", last.reason or E.REJECTED
                    result.documents.append(item)
                    continue
                if _breaks_rules(ctx, i, doc, xml, item, source.path.name):
                    result.documents.append(item)
                    continue
                attempt = last.attempt + 1 if refused and last is not None \
                    else last.attempt if last is not None else 1
                item.tracking_id = last.tracking_id if last is not None and \
                    last.state == SENDING else tracking_id(siren, doc.number, attempt)
                result.documents.append(item)
                queue.append((doc, item, content, attempt))
            if send:
                assert platform is not None and book is not None
                progress("send")
                _send(result, platform, book, queue, after_prepare)
            # the payments received on transmitted invoices: one 212 each (jobs/encaissee)
            result.receipts = encaissee.run(
                ctx, docs, book, ledgers.receipts if ledgers is not None else None,
                current_statuses(book) if book else {}, platform, after_prepare)
        progress("write")
        write_transmissions(writer, result, data.lang, datetime.now())
        writer.commit()
    result.findings += ctx.findings
    return result


def write_transmissions(writer: Writer, result: TransmitResult, lang: str,
                        when: datetime) -> None:
    """The « Aperçu transmission » sheet: each document of the run, its processing rule,
    its routing address and what became of it; then each 212 of the run (the receipt's
    date and amount), sent, waiting for the platform's 200 or withheld, and why."""
    sheet = ES.TRANSMIT
    rows = [[d.number, ES.label(ES.KINDS, d.kind, lang), d.client, d.name, d.issue_date,
             d.total, d.rule, d.routing or None,
             ES.routing_source(d.routing_source, d.routing_date, lang) or None,
             ES.label(ES.OUTCOMES, d.status, lang), d.error or d.flow_id or None]
            for d in result.documents]
    rows += [[r.number, ES.label(ES.KINDS, "disbursement" if r.amount < 0 else "receipt",
                                 lang), r.client or None, r.name or None, r.received_on,
              r.amount, "B2B", None, None, ES.label(ES.OUTCOMES, r.status, lang),
              r.error or r.flow_id or None] for r in result.receipts]
    title = sheet.label(lang)
    if not rows:
        title += " : rien à transmettre" if lang == "fr" else ": nothing to transmit"
    names = writer.sheet_names()
    writer.replace_sheet(sheet.label(lang), title=stamp(lang, title, when),
                         columns=sheet_columns(sheet, lang), rows=rows,
                         before="xlwings.conf" if "xlwings.conf" in names else None)


def _send(result: TransmitResult, platform: Platform, book: FlowLedger,
          queue: list[tuple[InvoiceDoc, Transmission, bytes, int]],
          after_prepare: Callable[[str], None] | None) -> None:
    for k, (doc, item, content, attempt) in enumerate(queue):
        digest = hashlib.sha256(content).hexdigest()
        try:
            claim = book.claim(doc.number, attempt, item.tracking_id, digest)
            if claim == BUSY:  # a colleague's run is sending it right now
                item.status = "claimed"
                continue
            if claim == DONE:  # settled by another run since this one looked
                now = book.latest().get(doc.number)
                item.status = "already" if now is None or now.state == SENT else "refused"
                item.flow_id = now.flow_id if now is not None else ""
                item.error = now.reason if now is not None and now.state == REFUSED else ""
                continue
            if claim == ORPHAN:
                # a run recorded "about to send" and never heard back: did it land?
                landed = next(platform.search(tracking_id=item.tracking_id), None)
                if landed is not None:
                    book.sent(item.tracking_id, landed.flow_id)
                    item.status, item.flow_id = "already", landed.flow_id
                    result.settled += 1
                    continue
                book.resend(item.tracking_id, digest)
            if after_prepare is not None:
                after_prepare(doc.number)
            flow = platform.submit(content, filename=f"{doc.number.replace('/', '_')}.pdf",
                                   tracking_id=item.tracking_id, sha256=digest,
                                   syntax="Factur-X", processing_rule=item.rule)
        except PlatformError as err:
            if err.transient or err.status in (401, 403):
                # unreachable, or we are not let in: the rest waits for the next run
                book.release(item.tracking_id)
                for _doc, rest, _c, _a in queue[k:]:
                    rest.status, rest.error = "failed", str(err)
                log.warning("platform unreachable, %d documents wait: %s",
                            len(queue) - k, err)
                return
            reasons = "; ".join(f"{r.code} {r.message}".strip() for r in err.reasons) or \
                str(err)
            book.refused(item.tracking_id, reasons)
            item.status, item.error = "refused", reasons
            continue
        book.sent(item.tracking_id, flow.flow_id)
        item.status, item.flow_id = "sent", flow.flow_id


# --------------------------------------------------------------------------- statuses
@dataclass
class StatusResult(JobResult):
    path: Path
    received: int = 0  # statuses recorded by this pull
    disputes: int = 0  # invoices whose « Litige » a 207 set
    reports: dict[str, tuple[str, str]] = field(default_factory=dict)  # e-reporting acks
    rows: list[list[object]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def pull_statuses(platform: Platform, book: FlowLedger,
                  invalid: list[tuple[str, str, str]] | None = None) -> int:
    """Record every acknowledgement and lifecycle status the platform has for us since
    the last pull; the count of new statuses. Each lifecycle message is checked against
    the CDAR schema and the BR-FR-CDV rules: one that breaks them is still recorded (a
    status is never dropped) and listed in ``invalid`` as (number, flow id, rules)."""
    since = book.get(SYNC_KEY) or None
    ours = {s.tracking_id: s for s in book.latest().values()}
    new, last = 0, since or ""
    for flow in platform.search(updated_after=since):
        last = max(last, flow.updated_at)
        if flow.direction == "Out" and flow.tracking_id in ours and flow.ack == "Error":
            reasons = "; ".join(f"{r.code} {r.message}".strip() for r in flow.reasons)
            book.refused(flow.tracking_id, reasons, flow.flow_id)
        if flow.flow_type != "CustomerInvoiceLC" or flow.direction == "Out":
            continue  # our own 212s are in the receipt ledger (jobs/encaissee.py)
        raw = platform.download(flow.flow_id, "Original")
        try:
            statuses = read_cdar(raw)
        except CdarError as err:
            log.warning("lifecycle flow %s unreadable: %s", flow.flow_id, err)
            continue
        broken = french_rules.cdar_breaches(raw)
        if broken:
            rules = ", ".join(dict.fromkeys(f"{b.rule} {b.location}".strip() for b in broken))
            log.warning("lifecycle flow %s breaks the CDAR rules: %s", flow.flow_id, rules)
            if invalid is not None:
                invalid += [(s.number, flow.flow_id, rules) for s in statuses]
        for k, s in enumerate(statuses):
            new += book.record_status(Status(f"{flow.flow_id}#{k}", s.number, s.code, s.at,
                                             with_code(s.reason_code, s.reason),
                                             flow.flow_id))
    if last:
        book.put(SYNC_KEY, last)  # after every status is recorded: a crash re-reads them
    return new


def run_statuses(path: WorkbookSource | Path, today: date, *,
                 environ: Mapping[str, str] | None = None,
                 platform_factory: PlatformFactory = default_platform,
                 progress: Progress = quiet, journal: Path | str | None = None
                 ) -> StatusResult:
    """Pull the platform's statuses, then write « E-facturation » (each document's current
    status and the action it calls for), « Cycle de vie » (every status), Contrôles, the
    dashboard, and « Litige » = Oui on an invoice the client disputes (207)."""
    source = as_source(path)
    result = StatusResult(source.path)
    with source.lock():
        loaded = load(source, today, progress)
        data = loaded.data
        lang = data.lang
        try:
            platform = platform_factory(data.settings, environ)
        except PlatformConfigError as err:
            raise TransmitInputError(f"{source.path.name}: {err}") from None
        writer = source.writer()  # refuses now if Excel holds the file
        with platform_ledgers(data, write=True, journal=journal) as ledgers:
            assert ledgers is not None
            book = ledgers.flows
            progress("pull")
            invalid: list[tuple[str, str, str]] = []
            try:
                result.received = pull_statuses(platform, book, invalid)
                # the e-reporting files' acknowledgements (jobs/ereport.py)
                result.reports = ereport.pull_acks(platform, ledgers.reports)
            except PlatformError as err:
                raise TransmitInputError(f"{platform.name}: {err}") from None
            except french_rules.RulesUnavailable as err:
                raise TransmitInputError(f"{source.path.name}: {err}") from None
            ctx = Ctx(data.tables, loaded.computed, data.settings, today, lang)
            status_findings(ctx, book)
            for number, flow_id, rules in invalid:
                ctx.add("EINV-CDAR", WARNING, "Factures", ctx.posted_by_number(number),
                        "number", number, CDAR_BROKEN, number=number, flow=flow_id,
                        rules=rules[:400])
            result.findings = list(ctx.findings)
            result.rows = lifecycle.efacturation_rows(book, ctx, lang)
            history = lifecycle.lifecycle_rows(book, ctx, lang)
            disputes = lifecycle.dispute_updates(ctx, book, lang)
            progress("write")
            when = datetime.now()
            names = writer.sheet_names()
            before = "xlwings.conf" if "xlwings.conf" in names else None
            for sheet, rows in ((E.SHEET, result.rows), (ES.LIFECYCLE, history)):
                writer.replace_sheet(sheet.label(lang), title=stamp(lang, sheet.label(lang),
                                                                    when),
                                     columns=sheet_columns(sheet, lang), rows=rows,
                                     before=before)
            if disputes:
                writer.set_cells("Factures", disputes)
            balance = aging_of(loaded, today)
            findings = loaded.findings + balance.findings + result.findings
            findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.sheet,
                                         f.row or 0, f.column))
            write_checks(writer, data, findings, when)
            counts = {sev: sum(1 for f in findings if f.severity == sev)
                      for sev in SEVERITY_ORDER}
            write_dashboard(writer, loaded, balance, today, counts, when)
            writer.commit()
            lifecycle.mark_disputes(book)  # after the workbook has it: a crash re-applies
            result.disputes = len(disputes)
    return result
