"""What the reminder job writes into the workbook: the "Relances à envoyer" sheet (the
preview the user decides on) and the Relances log, and the counts it reports.
"""
from __future__ import annotations

from datetime import date, datetime

from pyfuncs.adapters.workbook_file import Writer
from pyfuncs.domain import schema as S
from pyfuncs.domain.reminders import BARRED
from pyfuncs.jobs.reminder_records import Outgoing, RemindResult
from pyfuncs.jobs.sheets import sheet_columns as _columns
from pyfuncs.jobs.sheets import stamp as _stamp

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
            m.open, m.penalties if m.professional else None,
            STATUS_LABELS[out.status][0 if fr else 1],
            str(out.file) if out.file else None, m.key])
    emails = len(rows)
    held = "Retenue" if fr else "Held"
    barred = "Prescrite : plus relancée" if fr else "Time-barred: no longer reminded"
    for d in result.held:  # what a platform status or the limitation holds, and why
        why = barred if d.hold == BARRED else d.hold
        rows.append([no, held, d.client, None, None, None, None, why, d.invoice,
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

