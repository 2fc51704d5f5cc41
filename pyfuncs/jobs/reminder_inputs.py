"""What the reminder job reads from the workbook and the journal: the levels, the
contacts, the payment plans, the levels already sent, the user's yes/no decisions, and
how old the last bank statement is (DOMAIN.md §7).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.workbook_file import WorkbookSource
from pyfuncs.adapters.xlsx_read import WorkbookError
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import is_yes, message, text
from pyfuncs.domain.einvoicing import is_private
from pyfuncs.domain.findings import WARNING, Finding
from pyfuncs.domain.reminders import (
    Contact,
    Instalment,
    Level,
    fold,
)
from pyfuncs.jobs.load import load
from pyfuncs.jobs.reminder_records import NO_WORDS, REMIND_TABLES, Progress


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
        out.append(Level(int(lv), int(days), str(tone), text(tpl), is_yes(att), is_yes(cc)))
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
            is_yes(c["reminders_paused"][k]), text(c["owner"][k]) or None, row,
            is_private(c["private"][k]))
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


