"""The "Préparer les relances" / "Envoyer les relances" job (DOMAIN.md §7).

Preview (``send=False``): the reminders due as of a date (domain/reminders.py) rendered
from the templates, one .eml file each in the outbox folder and one row each in the
"Relances à envoyer" sheet, whose "Envoyer" column the user may set to "Non".

Send (``send=True``): the same plan, less the rows set to "Non", over one SMTP
connection. Exactly once (ARCHITECTURE.md principle 7): the job holds the workbook lock;
each email is recorded in the journal (with every invoice and level it carries) as soon
as the server accepts it, so a crash or a failure mid-batch followed by a rerun sends only
what is missing; a refused message is logged (status "Échec") and the batch goes on. The
Relances table then gets one row per email; emails the journal holds but the workbook
does not (a crash between the two) are added by the next run.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.mailer import (
    ConnectError,
    MailError,
    SmtpSender,
    SmtpSettings,
    safe_name,
    smtp_settings,
    write_eml,
)
from pyfuncs.adapters.workbook_file import WorkbookSource, as_source
from pyfuncs.documents.render import Renderer
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import text
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.penalties import RateTable, rate_rows, recovery_indemnity
from pyfuncs.domain.reminders import (
    BARRED,
    Where,
    fold,
    plan_reminders,
)
from pyfuncs.jobs.aging import aging_of
from pyfuncs.jobs.catchup import catch_up, missing_reminders
from pyfuncs.jobs.lifecycle import reminder_holds
from pyfuncs.jobs.load import journal_path, open_journal, read_journal
from pyfuncs.jobs.reminder_inputs import (
    _contacts,
    _decisions,
    _levels,
    _load,
    _logged_levels,
    _plans,
    _statement_age,
)
from pyfuncs.jobs.reminder_mail import _compose, _Context
from pyfuncs.jobs.reminder_records import (
    REMINDER_KINDS,
    Attach,
    Outgoing,
    Progress,
    RemindInputError,
    RemindResult,
    _quiet,
    log,
)
from pyfuncs.jobs.reminder_sheets import _append_log, _write_outbox, sent_summary


# ----------------------------------------------------------------------------- the job
def run_remind(path: WorkbookSource | Path, as_of: date, *, send: bool = False, outbox: Path | None = None,
               attach: Attach | None = None, environ: Mapping[str, str] | None = None,
               sender_factory: Callable[[SmtpSettings], SmtpSender] = SmtpSender,
               progress: Progress = _quiet, journal: Path | str | None = None) -> RemindResult:
    """Plan, render and preview (or send) the reminders due as of ``as_of``."""
    source = as_source(path)
    path = source.path
    with source.lock():
        loaded = _load(source, as_of, progress)
        data = loaded.data
        lang = data.lang
        result = RemindResult(path, send, as_of=as_of)
        sheets = {S.sheet_name(k, lang) for k in ("clients", "settings", "payment_plan")}
        result.findings += [f for f in data.findings if f.sheet in sheets and
                            f.severity in (ERROR, WARNING)]
        levels = _levels(loaded)
        if not levels:
            raise RemindInputError(f"{path.name}: no reminder level in the NiveauxRelance "
                                   "table of Paramètres")
        cfg = None
        if send:
            try:
                cfg = smtp_settings(data.settings, environ)
            except MailError as err:
                raise RemindInputError(f"{path.name}: {err}") from None
        where_journal = journal or journal_path(data)
        # the preview reads the journal there is, read-only: it creates nothing
        book = open_journal(data, where_journal) if send else read_journal(data, where_journal)
        try:
            return _remind(source, loaded, result, book, cfg, levels, as_of, send, outbox,
                           attach, sender_factory, progress, journal)
        finally:
            if book is not None:
                book.close()


def _remind(source: WorkbookSource, loaded, result: RemindResult, book: Journal | None,
            cfg: SmtpSettings | None, levels, as_of: date, send: bool, outbox: Path | None,
            attach: Attach | None, sender_factory: Callable[[SmtpSettings], SmtpSender],
            progress: Progress, journal: Path | str | None) -> RemindResult:
    path, data = source.path, loaded.data
    lang = data.lang
    progress("plan")
    # a payment booked from another copy's statement is a payment here too: its
    # invoice is not reminded, and the row is written to Paiements below
    caught = catch_up(data, book, reminders=False)
    balance = aging_of(loaded, as_of, caught)
    # a client whose balance leaves unreadable rows out is not reminded until fixed
    held = {c.client for c in balance.clients if not c.complete}
    result.findings += [f for f in balance.findings if f.code == "AGING-INCOMPLETE"]
    items = [i for i in balance.items if i.client not in held] if held else balance.items
    contacts, details = _contacts(loaded, lang)
    platform = reminder_holds(data, lang, journal)  # refused, disputed, suspended (210/207/208)
    inv = data.tables["Factures"]
    promises = {fold(n): d for n, d in zip(inv.cols["number"], inv.cols["promise_date"])
                if n and isinstance(d, date)}
    rates = rate_rows(*(data.tables["TauxPenalite"].cols[k] for k in
                        ("start", "end", "ecb_rate", "penalty_rate", "legal_rate"))) \
        if "TauxPenalite" in data.tables else []
    contractual = data.settings.get("penalty_rate")
    table = RateTable.of(rates, contractual if isinstance(contractual, Decimal) else None)
    indemnity = recovery_indemnity(data.settings.get("recovery_indemnity")
                                   if isinstance(data.settings.get("recovery_indemnity"),
                                                 Decimal) else None)
    sent: dict[tuple[str, str], int] = {}
    if book:  # a level handed over to the owner counts as sent for the invoice
        for kind in ("client", "owner"):
            for key, lv in book.reminded_levels(kind).items():
                sent[key] = max(lv, sent.get(key, -1))
    for key, lv in _logged_levels(loaded, as_of).items():
        sent[key] = max(lv, sent.get(key, -1))
    told = book.reminded_levels("digest") if book else {}
    cl = data.tables["Clients"]
    where = Where(cl.sheet, inv.sheet, data.sheet_names.get("settings", "Paramètres"),
                  {**cl.labels, "inv_client": inv.labels.get("client", "Client")},
                  cl.col_letters, lang)
    seller_email = text(data.settings.get("seller_email")) or None
    plan = plan_reminders(items, contacts, levels, as_of, sent=sent, told=told,
                          promises=promises, plans=_plans(loaded), rates=table,
                          indemnity=indemnity, fallback_owner=seller_email,
                          where=where, holds=platform)
    result.findings += plan.findings
    # listed in the outbox with why: what a platform status or the limitation holds
    result.held = [d for d in plan.held
                   if d.hold in platform.values() or d.hold == BARRED]
    result.findings += _statement_age(book, data, as_of)
    progress("render")
    sender = cfg.sender if cfg else (text(data.settings.get("smtp_sender")) or
                                    seller_email or "facturier@localhost.invalid")
    renderer = Renderer([path.parent / "templates"])
    names = {cid: c.name for cid, c in contacts.items()}
    ctx = _Context(data.settings, as_of, table, indemnity, names, details, lang)
    result.emails = [_compose(m, renderer, ctx, sender, attach, result)
                     for m in plan.mailings]
    if not send:
        result.outbox = Path(outbox) if outbox else \
            path.parent / f"{path.stem}-relances"
        for out in result.emails:
            if out.message is not None:
                out.file = write_eml(result.outbox, f"{as_of.isoformat()}-"
                                     f"{safe_name(out.mailing.key)}.eml", out.message)
        progress("write")
        writer = source.writer()
        _write_outbox(writer, data, result, datetime.now())
        # every reminder the journal holds and Relances lacks, whichever copy sent
        # it: the preview writes them to the workbook, and nothing to the journal
        caught.reminders = _unlogged(data, book)
        _append_log(writer, data, caught.reminders, [])
        caught.write(writer, data, reminders=False)
        writer.commit()
        result.replayed = len(caught.reminders)
        result.findings += caught.findings(data)
        return result
    assert book is not None and cfg is not None
    outbox_sheet = data.sheet_names.get("reminders_outbox",
                                        S.sheet_name("reminders_outbox", lang))
    decisions = _decisions(source, outbox_sheet)
    writer = source.writer()  # refuses now, before sending, if Excel holds it
    progress("send")
    _send_all(result, cfg, sender_factory, book, decisions)
    progress("write")
    # this run's emails and those sent from another copy (or before a crash)
    replay = _unlogged(data, book)
    failed = [o for o in result.emails if o.status == "failed"]
    _append_log(writer, data, replay, failed)
    _write_outbox(writer, data, result, datetime.now())
    caught.write(writer, data, reminders=False)
    writer.commit()
    book.mark_reminders_logged([r["message_id"] for r in replay])
    mine = {o.message_id for o in result.emails}
    caught.reminders = [r for r in replay if r["message_id"] not in mine]
    result.replayed = len(caught.reminders)
    result.findings += caught.findings(data)
    return result


def _unlogged(data, book: Journal | None) -> list[dict]:
    """The reminders the journal holds and this copy's Relances lacks (jobs/catchup.py)."""
    if book is None:
        return []
    return missing_reminders(data.tables.get("Relances"), book.sent_messages(REMINDER_KINDS))


ALREADY_SENDING = ("sent or being sent by another run on the same journal (a colleague's): "
                   "not sent twice")


def _send_all(result: RemindResult, cfg: SmtpSettings,
              sender_factory: Callable[[SmtpSettings], SmtpSender], book: Journal,
              decisions: Mapping[str, bool]) -> None:
    todo = []
    for out in result.emails:
        if out.message is None:
            continue
        if not decisions.get(out.mailing.key, True):
            out.status = "skipped"
            continue
        todo.append(out)
    if not todo:
        return
    smtp = sender_factory(cfg)
    try:
        for k, out in enumerate(todo):
            m = out.mailing
            # claimed first: a colleague's run on the same journal skips it meanwhile
            if not book.claim_sending(out.message_id, m.kind, m.record):
                out.status, out.error = "skipped", ALREADY_SENDING
                continue
            try:
                smtp.send(out.message)  # type: ignore[arg-type]
            except ConnectError as err:  # unreachable or login refused: none can go now
                book.release_sending(out.message_id)
                for rest in todo[k:]:
                    rest.status, rest.error = "failed", str(err)
                log.warning("reminders not sent (%d): %s", len(todo) - k, err)
                break
            except MailError as err:
                book.release_sending(out.message_id)
                out.status, out.error = "failed", str(err)
                log.warning("reminder %s to %s not sent: %s", out.mailing.key, out.mailing.to,
                            err)
                continue
            except BaseException:  # going down before the server took it: not sent
                book.release_sending(out.message_id)
                raise
            # accepted: recorded before anything else can fail
            book.record_reminder(
                out.message_id, m.kind, m.client or ",".join(m.clients),
                m.level.level if m.level else None, [m.to, *m.cc], out.subject,
                result.as_of, m.record, {
                    "invoices": m.invoices, "to": m.to, "cc": list(m.cc),
                    "amount": str(m.open), "client": m.client, "clients": m.clients})
            out.status = "sent"
    finally:
        smtp.close()




__all__ = ["Outgoing", "RemindInputError", "RemindResult", "run_remind", "sent_summary"]
