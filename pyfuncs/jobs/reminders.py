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

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from pyfuncs.adapters.journal import Journal, journal_exists
from pyfuncs.adapters.mailer import (
    ConnectError,
    HeaderInjection,
    MailError,
    SmtpSender,
    SmtpSettings,
    build_message,
    domain_of,
    safe_name,
    smtp_settings,
    write_eml,
)
from pyfuncs.adapters.workbook_file import WorkbookSource, Writer, as_source
from pyfuncs.adapters.xlsx_read import WorkbookError
from pyfuncs.documents.render import Renderer, RenderError, text_pdf
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import message, text
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.money import ZERO
from pyfuncs.domain.penalties import RateTable, rate_rows, recovery_indemnity
from pyfuncs.domain.reminders import (
    FORMAL,
    Contact,
    Due,
    Instalment,
    Level,
    Mailing,
    Where,
    fold,
    plan_reminders,
)
from pyfuncs.jobs.aging import aging_of
from pyfuncs.jobs.lifecycle import reminder_holds
from pyfuncs.jobs.load import journal_path, load, open_journal
from pyfuncs.jobs.result import MailResult
from pyfuncs.jobs.sheets import sheet_columns as _columns
from pyfuncs.jobs.sheets import stamp as _stamp

log = logging.getLogger("facturier.remind")

Progress = Callable[[str], None]
Attach = Callable[[str], "bytes | None"]
REMIND_TABLES = ["Parametres", "NiveauxRelance", "TauxPenalite", "Clients", "Factures",
                 "LignesFacture", "Paiements", "Relances", "Taux", "Echeancier"]
DIGEST_TEMPLATE = "interne_synthese"
LETTER_TEMPLATE = "lettre_mise_en_demeure"
NO_WORDS = {"non", "no", "n", "false", "faux", "0"}


# the journal's email kinds that the Relances table logs (invoices sent are not reminders)
REMINDER_KINDS = ("client", "owner", "digest")


def _quiet(_: str) -> None:
    return None


class RemindInputError(Exception):
    """Nothing can be planned or sent (no levels, no SMTP server...): exit 2."""


@dataclass
class Outgoing:
    """One email of the run and what became of it.

    Attributes: mailing (what and whom), message (the MIME message, None when it could
    not be made), status ("preview", "sent", "failed", "skipped" by the user, "error":
    not made), error (why), file (its .eml at preview).
    """

    mailing: Mailing
    message: EmailMessage | None
    subject: str = ""
    status: str = "preview"
    error: str = ""
    file: Path | None = None

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]) if self.message is not None else ""

    def as_json(self) -> dict[str, object]:
        m = self.mailing
        return {"key": m.key, "kind": m.kind, "client": m.client, "level":
                m.level.level if m.level else None, "to": m.to, "cc": list(m.cc),
                "subject": self.subject, "invoices": m.invoices, "amount": str(m.open),
                "penalties": str(m.penalties), "status": self.status, "error": self.error,
                "message_id": self.message_id, "file": str(self.file) if self.file else None}


@dataclass
class RemindResult(MailResult[Outgoing]):
    as_of: date = field(kw_only=True)
    held: list[Due] = field(default_factory=list)  # overdue, held by a platform status


# ----------------------------------------------------------------------------- reading
def _load(path: WorkbookSource | Path, as_of: date, progress: Progress):
    """The tables reminding reads; a workbook made before the Échéancier sheet existed
    is read without it."""
    try:
        return load(path, as_of, progress, checks=False, tables=REMIND_TABLES)
    except WorkbookError as err:
        if "Echeancier" not in str(err):
            raise
        return load(path, as_of, progress, checks=False,
                    tables=[t for t in REMIND_TABLES if t != "Echeancier"])


STATEMENT_OLD = message(
    "Le dernier relevé bancaire importé s'arrête au {last} ({days} jours avant le {as_of}) : "
    "les paiements reçus depuis ne sont pas comptés, un client qui a payé pourrait être "
    "relancé.",
    "Importer les relevés récents (facturier bank) avant d'envoyer les relances.",
    "The last bank statement imported ends on {last} ({days} days before {as_of}): payments "
    "received since are not counted, a client who paid could be reminded.",
    "Import the recent statements (facturier bank) before sending the reminders.")


def _statement_age(book, data, as_of: date) -> list[Finding]:
    """A warning when statements are imported but the last is older than the setting (a
    workbook whose payments are typed by hand gets none)."""
    last = book.last_statement_date() if book is not None else None
    limit = data.settings.get("statement_age_days")
    limit = limit if isinstance(limit, int) and limit >= 0 else 7
    if last is None or (as_of - last).days <= limit:
        return []
    fr = data.lang != "en"
    msg, fix = (STATEMENT_OLD[0], STATEMENT_OLD[1]) if fr else (STATEMENT_OLD[2],
                                                               STATEMENT_OLD[3])
    show = (lambda d: f"{d:%d/%m/%Y}") if fr else (lambda d: d.isoformat())
    return [Finding("REMIND-STATEMENT", WARNING, data.sheet_names.get("payments", "Paiements"),
                    None, "", "", msg.format(last=show(last), days=(as_of - last).days,
                                             as_of=show(as_of)), fix)]


def _is_yes(value: object) -> bool:
    return value is True or text(value).casefold() in ("yes", "oui", "true", "1")


def _levels(loaded) -> list[Level]:
    tbl = loaded.data.tables.get("NiveauxRelance")
    if tbl is None:
        return []
    c = tbl.cols
    out = []
    for lv, days, tone, tpl, att, cc in zip(c["level"], c["days"], c["tone"], c["template"],
                                            c["attach_invoice"], c["cc_owner"]):
        if lv is None or days is None or not tone or not tpl:
            continue
        out.append(Level(int(lv), int(days), str(tone), text(tpl), _is_yes(att), _is_yes(cc)))
    return out


def _contacts(loaded, lang: str) -> tuple[dict[str, Contact], dict[str, dict]]:
    tbl = loaded.data.tables["Clients"]
    c = tbl.cols
    contacts, details = {}, {}
    for k, row in enumerate(tbl.rows):
        cid = text(c["id"][k])
        if not cid:
            continue
        contacts[cid] = Contact(
            cid, text(c["name"][k]), text(c["billing_email"][k]) or None,
            text(c["billing_contact"][k]) or None, text(c["language"][k]) or lang,
            _is_yes(c["reminders_paused"][k]), text(c["owner"][k]) or None, row)
        details[cid] = {"id": cid, "name": text(c["name"][k]),
                        "address": text(c["address"][k]), "postcode": text(c["postcode"][k]),
                        "city": text(c["city"][k]), "country": text(c["country"][k])}
    return contacts, details


def _plans(loaded) -> dict[str, list[Instalment]]:
    tbl = loaded.data.tables.get("Echeancier")
    out: dict[str, list[Instalment]] = defaultdict(list)
    if tbl is None:
        return out
    for inv, day, amount in zip(tbl.cols["invoice"], tbl.cols["date"], tbl.cols["amount"]):
        if inv and isinstance(day, date) and isinstance(amount, Decimal):
            out[fold(inv)].append(Instalment(text(inv), day, amount))
    return out


def _logged_levels(loaded, as_of: date) -> dict[tuple[str, str], int]:
    """Levels the Relances table says were sent up to the date: reminders sent by hand
    or by another tool before Facturier's journal existed count as sent too."""
    tbl = loaded.data.tables.get("Relances")
    out: dict[tuple[str, str], int] = {}
    if tbl is None:
        return out
    c = tbl.cols
    for day, level, invoices, status in zip(c["date"], c["level"], c["invoices"],
                                            c["status"]):
        if level is None or status not in (None, "sent") or \
                (isinstance(day, date) and day > as_of):
            continue
        for number in text(invoices).replace(";", ",").split(","):
            if number.strip():
                key = (fold(number), "")
                out[key] = max(int(level), out.get(key, -1))
    return out


def _seller(settings: Mapping[str, object]) -> dict[str, str]:
    keys = ("name", "address", "postcode", "city", "email", "phone", "iban", "bic", "siren")
    return {k: text(settings.get("seller_" + k)) for k in keys}


def _decisions(source: WorkbookSource, sheet: str) -> dict[str, bool]:
    """The "Relances à envoyer" sheet as the user left it: key -> send (yes/no)."""
    try:
        grid = source.sheet_values(sheet)
    except Exception:  # noqa: BLE001 - unreadable here means the reader said so already
        return {}
    if grid is None:
        return {}
    if len(grid) < 3:
        return {}
    spec = S.SHEETS_BY_KEY["reminders_outbox"]
    wanted = {S.fold(c.fr): c.key for c in spec.columns} | \
        {S.fold(c.en): c.key for c in spec.columns}
    where = {wanted.get(S.fold(str(h))): j for j, h in enumerate(grid[2]) if h != ""}
    if "send" not in where or "key" not in where:
        return {}
    out = {}
    for row in grid[3:]:
        key = text(row[where["key"]]) if where["key"] < len(row) else ""
        if key:
            answer = text(row[where["send"]]).casefold() if where["send"] < len(row) else ""
            out[key] = answer not in NO_WORDS
    return out


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
        progress("plan")
        balance = aging_of(loaded, as_of)
        # a client whose balance leaves unreadable rows out is not reminded until fixed
        held = {c.client for c in balance.clients if not c.complete}
        result.findings += [f for f in balance.findings if f.code == "AGING-INCOMPLETE"]
        items = [i for i in balance.items if i.client not in held] if held else balance.items
        contacts, details = _contacts(loaded, lang)
        platform = reminder_holds(path, lang)  # refused, disputed, suspended (210/207/208)
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
        where_journal = journal or journal_path(data)
        book = open_journal(data, where_journal) if (send or journal_exists(where_journal)) \
            else None
        try:
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
            result.held = [d for d in plan.held if d.hold in platform.values()]
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
                replay = book.unlogged_reminders(REMINDER_KINDS) if book else []
                _append_log(writer, data, replay, [])
                writer.commit()
                if book and replay:
                    book.mark_reminders_logged([r["message_id"] for r in replay])
                result.replayed = len(replay)
                return result
            assert book is not None and cfg is not None
            outbox_sheet = data.sheet_names.get("reminders_outbox",
                                                S.sheet_name("reminders_outbox", lang))
            decisions = _decisions(source, outbox_sheet)
            writer = source.writer()  # refuses now, before sending, if Excel holds it
            progress("send")
            _send_all(result, cfg, sender_factory, book, decisions)
            progress("write")
            replay = book.unlogged_reminders(REMINDER_KINDS)
            failed = [o for o in result.emails if o.status == "failed"]
            _append_log(writer, data, replay, failed)
            _write_outbox(writer, data, result, datetime.now())
            writer.commit()
            book.mark_reminders_logged([r["message_id"] for r in replay])
            result.replayed = sum(1 for r in replay if r["message_id"] not in
                                  {o.message_id for o in result.emails})
        finally:
            if book is not None:
                book.close()
    return result


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


# ----------------------------------------------------------------------------- composing
@dataclass
class _Context:
    settings: Mapping[str, object]
    as_of: date
    rates: RateTable
    indemnity: Decimal
    names: Mapping[str, str]
    details: Mapping[str, dict]
    lang: str

    def values(self, m: Mailing) -> dict[str, object]:
        items = [self.item(d) for d in m.items]
        currencies = {d.currency for d in m.items}
        currency = currencies.pop() if len(currencies) == 1 else str(
            self.settings.get("currency") or "EUR")
        total = sum((d.open for d in m.items), ZERO)
        extra = sum((d.penalty.amount + d.indemnity for d in m.items if d.days_late > 0),
                    ZERO)
        days = self.settings.get("formal_notice_days")
        deadline = self.as_of + timedelta(days=int(days) if isinstance(days, int) and
                                          days > 0 else 8)
        return {
            "kind": m.kind, "level": m.level.level if m.level else None,
            "tone": m.level.tone if m.level else "internal",
            "client": self.details.get(m.client, {"id": m.client, "name": m.name}),
            "contact": m.contact, "seller": _seller(self.settings), "items": items,
            "many": len(items) > 1, "numbers": ", ".join(m.invoices), "total": total,
            "currency": currency, "grand_total": total + extra, "as_of": self.as_of,
            "rate": self.rates.rate_on(self.as_of)[0] or Decimal(0),
            "indemnity": self.indemnity, "deadline": deadline,
        }

    def item(self, d: Due) -> dict[str, object]:
        return {"invoice": d.invoice, "instalment": bool(d.step), "client": d.client,
                "client_name": self.names.get(d.client, ""), "issue_date": d.issue_date,
                "due_date": d.due_date, "total": d.total, "open": d.open,
                "currency": d.currency, "days_late": d.days_late, "level": d.level,
                "penalty": d.penalty.amount, "penalty_rate": d.penalty.rate or Decimal(0),
                "indemnity": d.indemnity, "hold": d.hold}


def _compose(m: Mailing, renderer: Renderer, ctx: _Context, sender: str,
             attach: Attach | None, result: RemindResult) -> Outgoing:
    values = ctx.values(m)
    lang = m.lang if m.lang in S.LANGS else ctx.lang
    template = m.level.template if m.level else DIGEST_TEMPLATE
    fr = ctx.lang != "en"
    try:
        rendered = renderer.email(template, lang, values)
        attachments: list[tuple[str, bytes, str]] = []
        if m.kind == "client" and m.level and m.level.attach_invoice and attach is not None:
            for number in m.invoices:
                try:
                    pdf = attach(number)
                except Exception as err:  # noqa: BLE001 - a renderer's failure is a finding
                    pdf = None
                    result.findings.append(Finding(
                        "REMIND-ATTACH", WARNING, "", None, "", number,
                        (f"PDF de {number} non joint : {err}" if fr else
                         f"PDF of {number} not attached: {err}")[:300]))
                if pdf:
                    attachments.append((f"{safe_name(number)}.pdf", pdf, "application/pdf"))
        if m.kind == "client" and m.level and m.level.tone == FORMAL:
            letter = renderer.render(renderer.email_name(LETTER_TEMPLATE, lang), dict(
                values, lang=lang))
            name = f"mise-en-demeure-{safe_name(m.client)}-{ctx.as_of.isoformat()}.pdf"
            attachments.append((name, text_pdf(letter, rendered.subject), "application/pdf"))
        message = build_message(sender, m.to, m.cc, rendered.subject, rendered.text,
                                rendered.html, attachments,
                                make_msgid("relance", domain_of(sender)),
                                headers={"X-Facturier-Reminder": m.key})
    except RenderError as err:
        result.findings.append(Finding(
            "REMIND-TEMPLATE", ERROR, "", None, "", m.key,
            (f"Modèle {err.template} refusé : {err.reason}" if fr else
             f"Template {err.template} refused: {err.reason}"),
            ("Corriger le modèle (variables permises seulement, rien de Python)." if fr else
             "Correct the template (allowed variables only, nothing of Python).")))
        return Outgoing(m, None, "", "error", str(err))
    except HeaderInjection as err:
        result.findings.append(Finding("REMIND-EMAIL", ERROR, "", None, "", m.key, str(err)))
        return Outgoing(m, None, "", "error", str(err))
    return Outgoing(m, message, rendered.subject)


# ----------------------------------------------------------------------------- writing
STATUS_LABELS = {
    "preview": ("À envoyer", "To send"), "sent": ("Envoyée", "Sent"),
    "failed": ("Échec", "Failed"), "skipped": ("Non envoyée", "Not sent"),
    "error": ("Erreur", "Error")}
KIND_LABELS = {"client": ("Client", "Client"), "owner": ("Contentieux", "Collection"),
               "digest": ("Synthèse", "Digest")}


def _write_outbox(writer: Writer, data, result: RemindResult,
                  when: datetime) -> None:
    lang = data.lang
    fr = lang == "fr"
    sheet = S.SHEETS_BY_KEY["reminders_outbox"]
    name = data.sheet_names.get("reminders_outbox", sheet.label(lang))
    yes, no = S.choice_label("yesno", "yes", lang), S.choice_label("yesno", "no", lang)
    rows = []
    for out in result.emails:
        m = out.mailing
        rows.append([
            no if out.status in ("skipped", "error") else yes,
            KIND_LABELS[m.kind][0 if fr else 1], m.client or None,
            m.name or ", ".join(m.clients), m.level.level if m.level else None, m.to,
            ", ".join(m.cc) or None, out.subject or out.error, ", ".join(m.invoices),
            m.open, sum((d.penalty.amount + d.indemnity for d in m.items), ZERO),
            STATUS_LABELS[out.status][0 if fr else 1],
            str(out.file) if out.file else None, m.key])
    emails = len(rows)
    held = "Retenue" if fr else "Held"
    for d in result.held:  # what a platform status holds, and why: no email
        rows.append([no, held, d.client, None, None, None, None, d.hold, d.invoice,
                     d.open, None, held, None, f"hold:{d.invoice}"])
    title = (f"{sheet.label(lang)} au {result.as_of:%d/%m/%Y}" if fr else
             f"{sheet.label(lang)} as of {result.as_of.isoformat()}")
    if not emails:
        title += " : aucune relance" if fr else ": no reminder"
    checks = S.sheet_name("checks", lang)
    writer.replace_sheet(name, title=_stamp(lang, title, when), columns=_columns(sheet, lang),
                         rows=rows, before=checks if checks in writer.sheet_names() and
                         name not in writer.sheet_names() else None)


def _append_log(writer: Writer, data, replay: list[dict],
                failed: list[Outgoing]) -> None:
    """Relances rows: the emails the journal holds but the workbook does not yet (sent),
    and this run's failures. Digests are internal and have no client: journal only."""
    tbl = data.tables.get("Relances")
    if tbl is None:
        return
    lang = data.lang
    labels = tbl.labels
    rows = []
    for r in replay:
        if r["kind"] == "digest":
            continue
        content = r.get("content") or {}
        rows.append({"date": date.fromisoformat(r["sent_at"][:10]), "client": r["client"],
                     "level": r["level"], "invoices": ", ".join(content.get("invoices", [])),
                     "to": r["recipients"], "subject": r["subject"],
                     "status": S.choice_label("reminder_status", "sent", lang),
                     "message_id": r["message_id"]})
    for out in failed:
        m = out.mailing
        if m.kind == "digest":
            continue
        rows.append({"date": date.today(), "client": m.client,
                     "level": m.level.level if m.level else None,
                     "invoices": ", ".join(m.invoices), "to": ", ".join([m.to, *m.cc]),
                     "subject": out.subject,
                     "status": S.choice_label("reminder_status", "failed", lang),
                     "message_id": None})
    if rows:
        writer.append_rows("Relances", [{labels[k]: v for k, v in row.items() if k in labels}
                                        for row in rows])


def sent_summary(result: RemindResult) -> dict[str, int]:
    return {s: result.count(s) for s in ("preview", "sent", "failed", "skipped", "error")}

