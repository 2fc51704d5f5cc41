"""The "Envoyer les factures" job: email each issued document not yet sent, its Factur-X
PDF attached, to the client's billing email; preview by default, exactly once.

Selection: issued invoices, deposits and credit notes (not cancelled ones) whose "Envoyée
le" is empty and that the journal has not recorded as sent. Preview: one .eml per email in
the outbox folder, nothing sent, nothing written. Sending: one SMTP connection; each
message is recorded in the journal as soon as the server accepts it, then the workbook's
"Envoyée le" is set for every message sent (and for any the journal knows of that a crash
kept out of the workbook). A refused message is reported and the batch goes on.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.mailer import (
    ConnectError,
    HeaderInjection,
    MailError,
    SmtpSender,
    SmtpSettings,
    build_message,
    recipients,
    single_address,
    smtp_settings,
    write_eml,
)
from pyfuncs.adapters.workbook_file import WorkbookSource, as_source
from pyfuncs.documents import pdf
from pyfuncs.documents.render import Renderer, RenderError, paragraphs
from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.damaged import DamagedDoc, damage
from pyfuncs.domain.findings import ERROR
from pyfuncs.jobs.documents import PDF_TABLES, build_documents
from pyfuncs.jobs.load import journal_path, load, open_journal, read_journal
from pyfuncs.jobs.result import MailResult

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
KIND = "invoice"  # the journal's email kind for a document sent
LABELS = {"invoice": ("Facture", "Invoice"), "deposit": ("Facture d'acompte", "Deposit invoice"),
          "credit_note": ("Avoir", "Credit note")}

NO_EMAIL = message("{number} : le client {client} n'a pas d'email de facturation valable "
                   "({email}) : la pièce n'est pas envoyée.",
                   "Saisir une seule adresse, sans retour à la ligne, dans Email facturation.",
                   "{number}: client {client} has no valid billing email ({email}): not sent.",
                   "Enter one address, with no line break, in Billing email.")
TEMPLATE = message("{number} : le modèle d'email {template} ne peut pas être utilisé ({reason}).",
                   "Corriger le modèle dans templates/invoices/.",
                   "{number}: email template {template} cannot be used ({reason}).",
                   "Correct the template in templates/invoices/.")

DAMAGED = message("{number} : la cellule {cell} de la feuille {sheet} ne peut pas être lue : la "
                  "pièce n'est pas envoyée (elle partirait incomplète).",
                  "Corriger la cellule {cell} (voir son erreur), puis envoyer à nouveau.",
                  "{number}: cell {cell} of sheet {sheet} cannot be read: the document is not "
                  "sent (it would go out incomplete).",
                  "Fix cell {cell} (see its error), then send again.")


class SendInputError(Exception):
    """Nothing can be sent (no SMTP host...): one line for the user."""


def _quiet(_: str) -> None:
    return None


@dataclass
class Outgoing:
    """One document's email: its number, recipient, message, and what became of it
    ("preview", "sent", "failed")."""

    number: str
    client: str
    to: str
    message: EmailMessage
    status: str = "preview"
    error: str = ""
    file: Path | None = None

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "client": self.client, "to": self.to,
                "subject": str(self.message["Subject"]), "status": self.status,
                "error": self.error, "file": str(self.file) if self.file else None}


@dataclass
class SendResult(MailResult[Outgoing]):
    def failures(self) -> int:
        return self.count("failed")


def run_send_invoices(path: WorkbookSource | Path, today: date, *, send: bool = False,
                      outbox: Path | None = None, environ: Mapping[str, str] | None = None,
                      sender_factory: Callable[[SmtpSettings], SmtpSender] = SmtpSender,
                      progress: Progress = _quiet, journal: Path | str | None = None) -> SendResult:
    source = as_source(path)
    path = source.path
    result = SendResult(path, send)
    with source.lock():
        loaded = load(source, today, progress, checks=False, tables=list(PDF_TABLES))
        data = loaded.data
        cfg = None
        if send:
            try:
                cfg = smtp_settings(data.settings, environ)
            except MailError as err:
                raise SendInputError(f"{path.name}: {err}") from None
        ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang)
        where = journal or journal_path(data)
        # the preview reads the journal there is, read-only: it creates nothing
        book = open_journal(data, where) if send else read_journal(data, where)
        try:
            done = {invoice for (invoice, _step) in book.reminded_levels(KIND)} if book \
                else set()
            progress("render")
            docs, _ = build_documents(ctx, None, Path(path).resolve().parent)
            sender = cfg.sender if cfg else (text(data.settings.get("smtp_sender")) or
                                            text(data.settings.get("seller_email")) or
                                            "facturier@localhost.invalid")
            renderer = Renderer([path.parent / "templates"])
            result.emails = _compose(ctx, docs, done, sender, renderer, result)
            if not send:
                result.outbox = Path(outbox) if outbox else path.parent / f"{path.stem}-factures"
                for out in result.emails:
                    out.file = write_eml(result.outbox, f"{out.number}.eml", out.message)
                return result
            assert book is not None and cfg is not None
            writer = source.writer()  # refuses now, before sending, if Excel holds the file
            progress("send")
            _send_all(result, cfg, sender_factory, book, today)
            progress("write")
            replay = book.unlogged_reminders([KIND])
            sent = {item["content"].get("number", "") for item in replay}
            inv = data.tables["Factures"]
            updates = []
            for number in sorted(n for n in sent if n):
                i = ctx.posted_by_number(number)
                if i is not None and not inv.cols["sent_date"][i]:
                    updates.append((inv.rows[i], inv.labels["sent_date"], today))
            if updates:
                writer.set_cells("Factures", updates)
                writer.commit()
            book.mark_reminders_logged([item["message_id"] for item in replay])
            result.replayed = len(sent - {o.number for o in result.emails
                                          if o.status == "sent"})
        finally:
            if book is not None:
                book.close()
    return result


def _refuse(ctx: Ctx, d: DamagedDoc) -> None:
    ctx.append("SEND-DAMAGED", ERROR, d.sheet, d.row, d.column, d.number, DAMAGED, d.cell,
               {"number": d.number, "cell": d.where, "sheet": d.sheet})


def _compose(ctx: Ctx, docs: list, done: set[str], sender: str, renderer: Renderer,
             result: SendResult) -> list[Outgoing]:
    inv = ctx.tables["Factures"]
    sent_dates = inv.cols["sent_date"]
    clients = ctx.tables["Clients"].cols
    by_client = ctx.client_by_id
    seller = {"name": text(ctx.setting("seller_name")), "email": text(ctx.setting(
        "seller_email")), "phone": text(ctx.setting("seller_phone")),
              "iban": text(ctx.setting("seller_iban")), "bic": text(ctx.setting("seller_bic"))}
    out = []
    damaged = damage(ctx)
    for d in damaged.docs:  # skipped by the reader: never sent as if it were whole
        if d.whole and d.unsent and norm(d.number) not in done and d.number not in done:
            _refuse(ctx, d)
    for doc in docs:
        i = ctx.posted_by_number(doc.number)
        if i is None or ctx.inv_status[i] != "issued" or sent_dates[i] or \
                norm(doc.number) in done or doc.number in done:
            continue
        hurt = damaged.numbers.get(norm(doc.number))
        if hurt is not None:  # a line could not be read: the PDF would leave it out
            _refuse(ctx, hurt)
            continue
        client = text(ctx.col("Factures", "client")[i])
        c = by_client.get(norm(client))
        email = text(clients["billing_email"][c]) if c is not None else ""
        if not single_address(email):
            ctx.add("SEND-EMAIL", ERROR, "Clients" if c is not None else "Factures",
                    c if c is not None else i, "billing_email" if c is not None else "client",
                    doc.number, NO_EMAIL, number=doc.number, client=client,
                    email=email or "vide" if ctx.fr else email or "empty")
            continue
        lang = doc.lang if doc.lang in ("fr", "en") else "fr"
        template = f"invoices/envoi.{lang}.txt"
        # (a single address was found above, so was the client: c is set)
        context = {"doc": doc, "seller": seller, "lang": lang,
                   "kind_label": LABELS.get(doc.kind, LABELS["invoice"])[0 if lang == "fr"
                                                                         else 1],
                   "client": {"name": doc.buyer.name,
                              "contact": text(clients["billing_contact"][cast(int, c)])}}
        try:
            parts = renderer.blocks(template, context)
            body = parts.get("body", "").strip() + "\n"
            subject = " ".join(parts.get("subject", "").split())
            pdf_bytes, _ = pdf.render(doc)
            msg = build_message(sender, email, [], subject, body, str(paragraphs(body)),
                                [(f"{doc.number}.pdf", pdf_bytes, "application/pdf")],
                                headers={"X-Facturier-Invoice": doc.number})
        except RenderError as err:
            ctx.add("SEND-TEMPLATE", ERROR, "Factures", i, "number", doc.number, TEMPLATE,
                    number=doc.number, template=template, reason=str(err))
            continue
        except HeaderInjection as err:
            ctx.add("SEND-EMAIL", ERROR, "Clients", c, "billing_email", doc.number, NO_EMAIL,
                    number=doc.number, client=client, email=str(err))
            continue
        out.append(Outgoing(doc.number, client, email, msg))
    result.findings += ctx.findings
    ctx.findings.clear()
    return out


ALREADY_SENDING = ("sent or being sent by another run on the same journal (a colleague's): "
                   "not sent twice")


def _send_all(result: SendResult, cfg: SmtpSettings,
              sender_factory: Callable[[SmtpSettings], SmtpSender], book: Journal,
              today: date) -> None:
    if not result.emails:
        return
    smtp = sender_factory(cfg)
    try:
        for k, out in enumerate(result.emails):
            message_id = str(out.message["Message-ID"])
            # claimed first: a colleague's run on the same journal skips it meanwhile
            if not book.claim_sending(message_id, KIND, [(out.number, "send", 0)]):
                out.status, out.error = "skipped", ALREADY_SENDING
                continue
            try:
                smtp.send(out.message)
            except ConnectError as err:  # unreachable or login refused: none can go now
                book.release_sending(message_id)
                for rest in result.emails[k:]:
                    rest.status, rest.error = "failed", str(err)
                log.warning("invoices not sent (%d): %s", len(result.emails) - k, err)
                break
            except MailError as err:
                book.release_sending(message_id)
                out.status, out.error = "failed", str(err)
                log.warning("invoice %s to %s not sent: %s", out.number, out.to, err)
                continue
            except BaseException:  # going down before the server took it: not sent
                book.release_sending(message_id)
                raise
            # accepted: recorded before anything else can fail
            book.record_reminder(message_id, KIND, out.client, None,
                                 recipients(out.message), str(out.message["Subject"]), today,
                                 [(out.number, "send", 0)], {"number": out.number,
                                                             "to": out.to})
            out.status = "sent"
    finally:
        smtp.close()
