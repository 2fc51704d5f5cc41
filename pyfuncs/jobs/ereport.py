"""E-reporting (``facturier ereport WORKBOOK --period P [--send]``): the transaction and
payment reports of a period for the sales outside e-invoicing (clients abroad, private
persons), on the cadence of Paramètres › Régime de TVA (domain/ereporting.py).

Each report's next step comes from the journal's report ledger (``plan``): a first
transmission (TT-4 IN), a rectificative of the one that stands when the period's data
changed since (RE, the whole report again, an empty one when nothing is left), nothing
when unchanged, nothing either while the platform's refusal stands and the data are
those it refused (an error with its reason), the correction once they changed (IN when
nothing of the report counted yet, else RE). Without ``--send`` the files that would go
are written beside the workbook (WORKBOOK-ereporting/) and the « E-reporting » sheet and
the command line say, per report, which of these it is; with it each goes exactly once
(claimed before the call, the answer recorded after, a lost answer found by its
trackingId, a report a colleague's run is sending left to it). The platform's
acknowledgement comes back with ``facturier statuses`` (``pull_acks``).
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from pyfuncs.adapters.files import write_atomically
from pyfuncs.adapters.journal.platform import ReportLedger
from pyfuncs.adapters.platform import ereport_xml as X
from pyfuncs.adapters.platform.base import Platform, PlatformError
from pyfuncs.adapters.platform.config import PlatformConfigError, platform_settings
from pyfuncs.adapters.platform.ledger import BUSY, DONE, ORPHAN, SENT, ReportRow
from pyfuncs.adapters.platform.xpz12013 import XpZ12013Platform
from pyfuncs.adapters.workbook_file import WorkbookSource, as_source
from pyfuncs.documents.model import build_documents
from pyfuncs.documents.record import InvoiceDoc
from pyfuncs.domain import einvoicing as E
from pyfuncs.domain import ereporting as R
from pyfuncs.domain.context import Ctx, message, text
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.jobs.documents import PDF_TABLES
from pyfuncs.jobs.encaissee import receipts_of
from pyfuncs.jobs.ereport_plan import (
    CORRECT,
    NEW,
    NOTHING,
    RECTIFY,
    SENDING_NOW,
    TO_SEND,
    UNCHANGED,
    WAITING,
    Plan,
    counted,
    plan,
)
from pyfuncs.jobs.ledgers import platform_ledgers
from pyfuncs.jobs.load import Progress, load, quiet
from pyfuncs.jobs.sheets import sheet_columns, stamp

TRACKING_FRR = uuid.UUID("9a4c7e52-1d3b-4f08-b6e9-2c5d8a0f7e41")  # uuid5 namespace
# the FlowType enum of the XP Z12-013 OpenAPI (1.1.0); its description calls 10.1
# "IndividualCustomerTransactionReport", the enum (what is validated) "Unitary..."
FLOWS = {"10.1": ("UnitaryCustomerTransactionReport", "B2BInt"),
         "10.3": ("AggregatedCustomerTransactionReport", "B2C"),
         "10.2": ("UnitaryCustomerPaymentReport", "B2BInt"),
         "10.4": ("AggregatedCustomerPaymentReport", "B2C")}


PlatformFactory = Callable[[Mapping[str, object], Mapping[str, str] | None], Platform]


class EreportInputError(Exception):
    """The period cannot be read, or no platform to send to: one line for the user."""


def default_platform(settings: Mapping[str, object],
                     environ: Mapping[str, str] | None) -> Platform:
    return XpZ12013Platform(platform_settings(settings, environ))


@dataclass
class ReportFile:
    """One report of the period and what became of it: "written" (the preview), "sent",
    "already" (the transmission that stands says what the data say), "claimed" (another
    run was sending it at that moment), "refused" (the platform refused it just now),
    "waiting" (refused earlier, the data not corrected since), "nothing" (refused, never
    counted, and nothing left to report), "failed". ``action`` is its plan (``plan``:
    new, rectify, correct, unchanged, waiting, sending, nothing) and ``label`` says it
    in the workbook's language."""

    report: str  # transmission id (TT-1): SIREN-period-flow, then -R1, -R2... (see plan)
    flow: str  # 10.1 ... 10.4
    period: str
    deadline: date
    items: int
    path: Path
    status: str = "written"
    flow_id: str = ""
    error: str = ""  # the platform's reason for a refusal, or the failure
    type_code: str = "IN"  # TT-4: IN initial, RE rectificative (Flux10 G8.01)
    base: str = ""  # the report's first id, which its later transmissions extend
    action: str = ""
    replaces: str = ""  # the transmission a RE replaces
    refused: str = ""  # the refused transmission a correction follows
    label: str = ""

    def as_json(self) -> dict[str, object]:
        return {**self.__dict__, "deadline": self.deadline.isoformat(), "path": str(self.path)}


class Maker(Protocol):
    """Makes a report's XML under a transmission id and type (TT-1, TT-4)."""

    def __call__(self, report_id: str, *, type_code: str) -> bytes: ...


Content = tuple[ReportFile, bytes, Maker]
RECTIFIED = message(
    "Les données de la période {period} (flux {flow}) ont changé depuis leur transmission : "
    "une transmission rectificative ({report}, type RE) les a remplacées ({file}).",
    "Rien à faire si la correction est voulue.",
    "The data of period {period} (flow {flow}) changed since they were transmitted: a "
    "rectificative transmission ({report}, type RE) replaced them ({file}).",
    "Nothing to do if the correction is intended.")
EMPTIED = message(
    "La période {period} (flux {flow}) n'a plus aucune ligne depuis sa transmission : une "
    "transmission rectificative vide ({report}, type RE) a remplacé {replaces} ({file}). "
    "Le schéma du flux 10 permet un rapport sans ligne et aucune règle Flux10 n'en exige "
    "une.",
    "Rien à faire si la période n'a en effet plus rien à déclarer.",
    "Period {period} (flow {flow}) has no line any more since it was transmitted: an empty "
    "rectificative transmission ({report}, type RE) replaced {replaces} ({file}). The flow "
    "10 schema allows a report without lines and no Flux10 rule asks for one.",
    "Nothing to do if the period has indeed nothing left to report.")
WAITING_FIX = message(
    "La plateforme a refusé le rapport {report} (période {period}, flux {flow}) : {reason}. "
    "Il n'a pas compté et rien n'est renvoyé tant que les données sont celles refusées.",
    "Corriger dans le classeur ce que dit le motif, puis relancer « facturier ereport "
    "--period {period} --send » : la transmission corrigée part alors ({then}).",
    "The platform refused report {report} (period {period}, flow {flow}): {reason}. It did "
    "not count, and nothing is sent again while the data are those it refused.",
    "Correct in the workbook what the reason says, then run « facturier ereport --period "
    "{period} --send » again: the corrected transmission then goes ({then}).")
_THEN = {"IN": ("initiale, IN : rien de ce rapport n'a encore été accepté",
                "initial, IN: nothing of this report was accepted yet"),
         "RE": ("rectificative, RE, de {replaces}", "rectificative, RE, of {replaces}")}


@dataclass
class EreportResult:
    path: Path
    period: str
    regime: str
    files: list[ReportFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    next_deadline: tuple[date, str, str] | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR) + sum(
            1 for r in self.files if r.status in ("failed", "refused"))


def _sale(ctx: Ctx, doc: InvoiceDoc, rule: str) -> R.Sale:
    i = ctx.posted_by_number(doc.number)
    kind = str(ctx.inv_type[i]) if i is not None else "invoice"
    return R.Sale(
        doc.number, doc.issue_date, kind, rule, doc.nature, doc.currency or "EUR",
        doc.due_date, doc.buyer.country, doc.buyer.vat, doc.buyer.siren,
        tuple((v.rate * 100, v.base, v.vat, v.category) for v in doc.vat_rows),
        doc.net, doc.vat, doc.total, doc.exemption, "", doc.vat_on_debits,
        doc.credited, doc.credited_date)


def tracking_id(report: str) -> str:
    return str(uuid.uuid5(TRACKING_FRR, report))


def run_ereport(path: WorkbookSource | Path, today: date, period: str, *, send: bool = False,
                environ: Mapping[str, str] | None = None,
                platform_factory: PlatformFactory = default_platform,
                progress: Progress = quiet, out_dir: Path | None = None,
                journal: Path | str | None = None,
                after_prepare: Callable[[str], None] | None = None) -> EreportResult:
    source = as_source(path)
    with source.lock():
        loaded = load(source, today, progress, checks=False,
                      tables=[*PDF_TABLES, "Paiements"])
        data = loaded.data
        ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang)
        regime = R.regime_of(ctx.setting("vat_regime"))
        wanted = R.parse_period(period, regime)
        if wanted is None:
            raise EreportInputError(f"{period}: not a period (2026-11, 2026-11-D2, 2026-B6)")
        result = EreportResult(source.path, wanted.label, regime)
        deadline = R.next_deadline(today, regime)
        result.next_deadline = (deadline[0], deadline[1], deadline[2].label)
        platform = None
        # the sender of every file is the platform's registration number (Flux10 G6.22):
        # a preview writes files with « 0000 » and says so; nothing goes with it
        if R.registration_finding(ctx, ERROR if send else WARNING) and send:
            bad = ctx.findings[-1]
            raise EreportInputError(f"{source.path.name}: {bad.location()}: {bad.message} "
                                    f"{bad.fix}")
        if send:
            try:
                platform = platform_factory(data.settings, environ)
            except PlatformConfigError as err:
                raise EreportInputError(f"{source.path.name}: {err}") from None
        writer = source.writer()
        progress("render")
        docs, _ = build_documents(ctx, None, source.path.resolve().parent)
        seller_country = str(ctx.setting("seller_country") or "FR")
        sales = []
        for doc in docs:
            i = ctx.posted_by_number(doc.number)
            if i is None or ctx.inv_status[i] not in ("issued", "cancelled"):
                continue  # a cancelled invoice was issued: it is reported with its credit
            rule = E.processing_rule(seller_country, doc.buyer.country, doc.buyer.private)
            if rule != "B2B":
                sales.append(_sale(ctx, doc, rule))
        receipts = [(r.invoice, r.on, r.amount) for r in receipts_of(ctx, docs)]
        debits = ctx.setting("vat_on_debits")
        reports = R.reports(wanted, regime, sales, receipts, vat_on_debits=debits is True or
                            text(debits).casefold() in ("yes", "oui", "true", "1"))
        siren = str(ctx.setting("seller_siren") or "").replace(" ", "")
        who = X.Declarant(siren, str(ctx.setting("seller_name") or ""),
                          str(ctx.setting("seller_vat") or ""), seller_country,
                          (text(ctx.setting("pa_registration")) or "0000")[:4].rjust(4, "0"),
                          text(ctx.setting("pa_name")))
        folder = out_dir or source.path.with_name(f"{source.path.stem}-ereporting")
        created = datetime.now().replace(microsecond=0)
        contents: list[Content] = []

        def add(flow: str, p: R.Period, due: date, items: int, xml: Maker) -> None:
            report = f"{siren}-{p.label}-F{flow.replace('.', '')}"  # G1.104: no dot
            target = folder / f"ereporting-{p.label}-{flow}.xml"
            contents.append((ReportFile(report, flow, p.label, due, items, target, base=report),
                             xml(report, type_code="IN"), xml))

        for p, b2bint, days in reports.transactions:
            due = R.transaction_deadline(p, regime)
            add("10.1", p, due, len(b2bint), partial(X.transactions, who=who, period=p,
                                                     sales=b2bint, days=[], created=created))
            add("10.3", p, due, len(days), partial(X.transactions, who=who, period=p,
                                                   sales=[], days=days, created=created))
        if wanted.kind == R.CADENCE[regime][2]:
            due = R.payment_deadline(wanted, regime)
            add("10.2", wanted, due, len(reports.b2bint_payments),
                partial(X.payments, who=who, period=wanted,
                        lines=reports.b2bint_payments, created=created))
            add("10.4", wanted, due, len(reports.b2c_payments),
                partial(X.payments, who=who, period=wanted, lines=reports.b2c_payments,
                        created=created))
        progress("write")
        lang = data.lang
        # the journal says what each report's next step is: the preview reads it, --send
        # writes to it (and plans each report again at its claim, see _send)
        with platform_ledgers(data, write=send, journal=journal) as ledgers:
            known = ledgers.reports.rows() if ledgers is not None else {}
            planned: list[Content] = []
            for item, xml, maker in contents:
                step = plan(known, item.base, X.fingerprint(xml), item.items)
                if step is None:
                    continue  # nothing to report, nothing ever sent
                take(item, step)
                planned.append((item, maker(item.report, type_code=item.type_code)
                                if item.report != item.base or item.type_code != "IN"
                                else xml, maker))
            contents = planned
            if any(item.action != NOTHING for item, _xml, _maker in contents):
                folder.mkdir(parents=True, exist_ok=True)
            for item, xml, _maker in contents:
                if item.action != NOTHING:  # refused, never counted, nothing left: no file
                    write_atomically(item.path, xml)
                result.files.append(item)
            if send:
                assert platform is not None and ledgers is not None
                progress("send")
                _send(platform, ledgers.reports, contents, after_prepare)
        for item in result.files:
            item.label = action_label(item, lang)
            values = {"file": item.path.name, "period": item.period, "flow": item.flow,
                      "report": item.report, "replaces": item.replaces,
                      "reason": item.error}
            if item.type_code == "RE" and item.status == "sent":
                ctx.append("EREP-EMPTY" if item.items == 0 else "EREP-RE", WARNING,
                           R.SHEET.label(lang), None, "", item.report,
                           EMPTIED if item.items == 0 else RECTIFIED, "", values)
            if item.action == WAITING:
                then = _THEN["RE" if item.replaces else "IN"][0 if lang == "fr" else 1]
                ctx.append("EREP-REFUSED", ERROR, R.SHEET.label(lang), None, "", item.report,
                           WAITING_FIX, "", {**values, "then": then.format(**values)})
        when = datetime.now()
        names = writer.sheet_names()
        rows = [[f.period, f.flow, FLOWS[f.flow][0] + (" (RE)" if f.type_code == "RE" else ""),
                 f.items, f.deadline, f.label, f.report, f.replaces,
                 STATUS[f.status][0 if lang == "fr" else 1], f.flow_id, f.path.name, f.error]
                for f in result.files]
        writer.replace_sheet(R.SHEET.label(lang), title=stamp(lang, R.SHEET.label(lang), when),
                             columns=sheet_columns(R.SHEET, lang), rows=rows,
                             before="xlwings.conf" if "xlwings.conf" in names else None)
        writer.commit()
    result.findings += ctx.findings
    return result


def take(item: ReportFile, step: Plan) -> None:
    """The report takes its plan: the id and type it goes or stands under, and why."""
    item.action, item.report, item.type_code = step.action, step.report, step.type_code
    item.replaces, item.refused = step.replaces, step.refused
    item.flow_id, item.error = step.flow_id, step.reason


#: the « État » column: what became of each report in this run (fr, en)
STATUS = {"written": ("Aperçu (rien envoyé)", "Preview (nothing sent)"),
          "sent": ("Envoyé", "Sent"), "already": ("Déjà transmis", "Already sent"),
          "claimed": ("En cours d'envoi ailleurs", "Being sent by another run"),
          "refused": ("Refusé", "Refused"), "failed": ("Échec", "Failed"),
          "waiting": ("En attente de correction", "Waiting for correction"),
          "nothing": ("Rien à envoyer", "Nothing to send")}
_ACTION = {
    NEW: ("Nouveau rapport : transmission initiale (IN)",
          "New report: initial transmission (IN)"),
    RECTIFY: (("Rectificative (RE) : les données ont changé depuis {replaces}, qu'elle "
               "remplace"),
              "Rectificative (RE): the data changed since {replaces}, which it replaces"),
    (CORRECT, "IN"): (("Correction après refus de {refused} : initiale (IN), la "
                       "transmission refusée n'ayant pas compté"),
                      ("Correction after {refused} was refused: initial (IN), the refused "
                       "transmission not having counted")),
    (CORRECT, "RE"): (("Correction après refus de {refused} : rectificative (RE) de "
                       "{replaces}"),
                      "Correction after {refused} was refused: rectificative (RE) of {replaces}"),
    UNCHANGED: ("Inchangé : {report} déjà transmis, rien à faire",
                "Unchanged: {report} already sent, nothing to do"),
    WAITING: (("En attente de correction : {report} refusé par la plateforme, données "
               "non corrigées depuis"),
              ("Waiting for correction: {report} refused by the platform, data not "
               "corrected since")),
    SENDING_NOW: ("En cours d'envoi : {report}", "Being sent: {report}"),
    NOTHING: (("Rien à transmettre : {refused} refusé n'a pas compté et la période n'a "
               "plus de ligne"),
              ("Nothing to send: the refused {refused} did not count and the period has "
               "no line any more")),
}


def action_label(item: ReportFile, lang: str) -> str:
    """What the report's plan means, for the sheet and the command line; an empty report
    that goes as a RE says so."""
    key = (CORRECT, item.type_code) if item.action == CORRECT else item.action
    fr, en = _ACTION.get(key, ("", ""))
    text_ = (fr if lang == "fr" else en).format(report=item.report, replaces=item.replaces,
                                                refused=item.refused)
    if item.items == 0 and item.action in (RECTIFY, CORRECT):
        text_ += " ; rapport vide" if lang == "fr" else "; empty report"
    return text_


def _send(platform: Platform, book: ReportLedger, contents: list[Content],
          after_prepare: Callable[[str], None] | None) -> None:
    """Each report as its plan says (``plan``), planned again from the ledger as it is
    now: once, claimed before the call and settled after; a rerun sends nothing new."""
    known = book.rows()
    for k, (item, xml, maker) in enumerate(contents):
        content = X.fingerprint(xml)
        step = plan(known, item.base, content, item.items)
        if step is not None and step.type_code == "RE" and step.action in (RECTIFY, CORRECT) \
                and _acknowledge(platform, book, known[step.replaces]):
            # the transmission a RE would rectify had no acknowledgement yet: now it
            # has; refused, it never counted, and the plan changes (IN, not RE)
            known = book.rows()
            step = plan(known, item.base, content, item.items)
        if step is None:
            item.status = "nothing"
            continue
        take(item, step)
        if step.action not in TO_SEND:
            item.status = {UNCHANGED: "already", WAITING: "waiting"}.get(step.action,
                                                                        "nothing")
            continue
        xml = maker(item.report, type_code=item.type_code)
        write_atomically(item.path, xml)  # the file on disk is the one sent
        digest = hashlib.sha256(xml).hexdigest()
        tid = tracking_id(item.report)
        try:
            claim = book.claim(item.report, FLOWS[item.flow][0], tid, content)
            if claim == BUSY:  # a colleague's run is sending it right now
                item.status = "claimed"
                continue
            if claim == DONE:  # settled by another run since this one looked
                now = book.rows()[item.report]
                item.status = "already" if counted(now) else "refused"
                item.flow_id, item.error = now.flow_id, "" if counted(now) else now.reason
                continue
            if claim == ORPHAN:  # left "sending" by a run that ended: did it land?
                landed = next(platform.search(tracking_id=tid), None)
                if landed is not None:
                    book.sent(tid, landed.flow_id)
                    item.status, item.flow_id = "already", landed.flow_id
                    continue
                book.resend(tid, content)
            if after_prepare is not None:
                after_prepare(item.report)
            flow = platform.submit(xml, filename=item.path.name, tracking_id=tid,
                                   sha256=digest, syntax="FRR",
                                   processing_rule=FLOWS[item.flow][1])
        except PlatformError as err:
            if err.transient or err.status in (401, 403):
                book.release(tid)
                for rest, _x, _m in contents[k:]:
                    rest.status, rest.error = "failed", str(err)
                return
            reasons = "; ".join(f"{r.code} {r.message}".strip() for r in err.reasons) or \
                str(err)
            book.refused(tid, reasons)
            item.status, item.error = "refused", reasons
            continue
        book.sent(tid, flow.flow_id)
        item.status, item.flow_id = "sent", flow.flow_id


def _acknowledge(platform: Platform, book: ReportLedger, row: ReportRow) -> bool:
    """Look up the acknowledgement of one transmission sent and not yet acknowledged, and
    record it; True when one came (a platform that cannot say now: False, it counts)."""
    if row.state != SENT or row.ack in ("Ok", "Error") or not row.flow_id:
        return False
    try:
        flow = platform.flow(row.flow_id)
    except PlatformError:
        return False
    if flow.ack not in ("Ok", "Error"):
        return False
    book.acknowledged(row.tracking_id, flow.ack,
                      "; ".join(f"{r.code} {r.message}".strip() for r in flow.reasons))
    return True


def pull_acks(platform: Platform, book: ReportLedger) -> dict[str, tuple[str, str]]:
    """The platform's acknowledgement of each report sent and not yet acknowledged
    (Ok, or Error with its reasons), recorded in the ledger; report -> (ack, reasons)."""
    out: dict[str, tuple[str, str]] = {}
    for report, row in book.rows().items():
        if row.state != SENT or row.ack in ("Ok", "Error"):
            continue
        flow = platform.flow(row.flow_id)
        reasons = "; ".join(f"{r.code} {r.message}".strip() for r in flow.reasons)
        if flow.ack in ("Ok", "Error"):
            book.acknowledged(row.tracking_id, flow.ack, reasons)
            out[report] = (flow.ack, reasons)
    return out
