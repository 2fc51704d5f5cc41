"""Issued documents against the register (the journal of issued documents; DOMAIN.md §2).

An issued invoice is never edited or deleted (DOMAIN.md §2): it is cancelled by a credit
note. The journal keeps, for every document the tool issued, its legal content (number,
type, date, client, credited invoice, lines, totals). Each such document must still be in
the workbook with the same content; anything else is an error naming what changed.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.invoicing.document import document_content

DELETED = message("La pièce {number} du {day}, enregistrée au registre, n'est plus dans la "
                  "feuille Factures (ou n'y est plus émise).",
                  "Rétablir la ligne (et ses lignes de facture) telle qu'émise : une pièce émise "
                  "ne se supprime pas, elle s'annule par un avoir.",
                  "Document {number} of {day}, recorded in the register, is no longer in the "
                  "Invoices sheet (or no longer issued).",
                  "Restore the row (and its lines) as issued: an issued document is never "
                  "deleted, it is cancelled by a credit note.")
EDITED = message("La pièce {number} a été modifiée depuis son émission : {what} (registre : "
                 "{was} ; classeur : {now}).",
                 "Rétablir la pièce telle qu'émise (feuille Registre) ; pour la corriger, émettre "
                 "un avoir puis une nouvelle facture.",
                 "Document {number} was changed after it was issued: {what} (register: {was}; "
                 "workbook: {now}).",
                 "Restore it as issued (Register sheet); to correct it, issue a credit note and "
                 "a new invoice.")
CHAIN = message("Journal {journal} : {problem}",
                "Le journal a été altéré hors de Facturier : restaurer sa sauvegarde.",
                "Journal {journal}: {problem}",
                "The journal was altered outside Facturier: restore its backup.")
FIELDS = {"kind": ("type", "type"), "date": ("date", "date"), "client": ("client", "client"),
          "credited": ("facture d'origine", "credited invoice"),
          "lines": ("lignes", "lines"), "net": ("total HT", "net total"),
          "vat": ("TVA", "VAT"), "total": ("total TTC", "total")}


def workbook_content(ctx: Ctx, i: int) -> dict[str, Any] | None:
    """The legal content of Factures row i as the workbook holds it now."""
    day = ctx.col("Factures", "issue_date")[i]
    if day is None or not hasattr(day, "isoformat"):
        return None
    labels = ctx.col("LignesFacture", "label")
    qty = ctx.col("LignesFacture", "quantity")
    price = ctx.col("LignesFacture", "unit_price")
    rate = ctx.col("LignesFacture", "vat_rate")
    return document_content(text(ctx.inv_number[i]), text(ctx.inv_type[i]), day,
                            text(ctx.col("Factures", "client")[i]),
                            text(ctx.col("Factures", "credited")[i]),
                            [(labels[k], qty[k], price[k], rate[k]) for k in ctx.lines(i)])


def check_register(ctx: Ctx, recorded: Sequence[tuple[str, dict[str, Any]]],
                   broken: Sequence[str] = (), journal: str = "") -> None:
    """``recorded``: (number, legal content) of each document the journal says is in the
    workbook; ``broken``: the journal's own integrity problems (hash chain)."""
    for problem in broken:
        ctx.append("REGISTER-CHAIN", ERROR, "", None, "", "", CHAIN, "",
                   {"journal": journal, "problem": problem})
    if not recorded or not ctx.has("Factures"):
        return
    damaged = damage(ctx).numbers
    for number, legal in recorded:
        if norm(number) in damaged:
            continue  # in the sheet, not read whole: its bad cell's error says what to fix
        i = ctx.posted_by_number(number)
        day = legal.get("date", "")
        if i is None:
            ctx.add("REGISTER-DELETED", ERROR, "Factures", None, "number", number, DELETED,
                    number=number, day=_day(ctx, day))
            continue
        now = workbook_content(ctx, i)
        if now == legal:
            continue
        changed = [k for k in FIELDS if (now or {}).get(k) != legal.get(k)]
        if not changed:
            continue
        key = changed[0]
        what = ", ".join(FIELDS[k][0 if ctx.fr else 1] for k in changed)
        was, got = legal.get(key), (now or {}).get(key)
        if key == "lines":
            was, got = _lines_text(was), _lines_text(got)
        column = {"kind": "type", "date": "issue_date", "client": "client",
                  "credited": "credited"}.get(key, "total")
        ctx.add("REGISTER-EDITED", ERROR, "Factures", i, column, number, EDITED,
                number=number, what=what, was=_short(was), now=_short(got))


def _day(ctx: Ctx, iso: str) -> str:
    if len(iso) == 10 and ctx.fr:
        return f"{iso[8:]}/{iso[5:7]}/{iso[:4]}"
    return iso


def _lines_text(lines: object) -> str:
    if not isinstance(lines, list):
        return ""
    return "; ".join(" × ".join(str(v) for v in line[:3]) for line in lines)


def _short(value: object, size: int = 120) -> str:
    shown = "" if value is None else str(value)
    return shown if len(shown) <= size else shown[:size - 1] + "…"
