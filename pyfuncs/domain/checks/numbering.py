"""Numbering and credit notes (DOMAIN.md §2).

A series is what a number has before its trailing run of digits: FAC2026-0007 is number
7 of series "FAC2026-", so invoices, credit notes (AV2026-) and each year of a yearly
series are checked apart, and a credit note numbered in the invoice series counts in it,
as it should. Within a series numbers are unique, continuous and chronological. The
workbook may start in the middle of a series (history kept elsewhere), so only the gaps
between the numbers present are reported, except at the start of a yearly series whose
year the workbook fully covers: there the series must start at 1.

Only issued documents (a number, not a draft) are in a series. A duplicate is reported
whatever the status, since two documents cannot share a number. An issued invoice edited
or deleted afterwards is found against the journal, the register of issued documents
(checks/register.py), not here.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from itertools import compress, repeat
from operator import eq, is_not, lt
from typing import Any

from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO

NUMBER_OK = re.compile(r"[A-Za-z0-9+\-_/]{1,35}")
DIGITS = "0123456789"
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

DUPLICATE = message("Le numéro {number} est déjà utilisé ligne {first} : un numéro ne sert qu'une "
                    "fois.",
                    "Garder le numéro sur la pièce émise la première ; l'autre doit recevoir le "
                    "numéro suivant de la série lors de son émission.",
                    "Number {number} is already used on row {first}: a number is used only once.",
                    "Keep the number on the document issued first; the other gets the next number "
                    "of the series when issued.")
GAP = message("Trou dans la série {series} : {missing} manquant(s) avant {number}.",
              "Retrouver la pièce manquante (supprimée ?) : une facture émise ne se supprime pas, "
              "elle s'annule par un avoir. Sinon, documenter le numéro perdu pour le contrôle.",
              "Gap in series {series}: {missing} missing before {number}.",
              "Find the missing document (deleted?): an issued invoice is never deleted, it is "
              "cancelled by a credit note. Otherwise, document the lost number for an audit.")
ORDER = message("{number} est daté du {day}, avant {previous} daté du {previous_day} : les dates "
                "doivent suivre l'ordre des numéros.",
                "Corriger la date erronée ; les numéros s'attribuent dans l'ordre des émissions.",
                "{number} is dated {day}, before {previous} dated {previous_day}: dates must "
                "follow the numbers' order.",
                "Correct the wrong date; numbers are allocated in issue order.")
FORMAT = message("Le numéro « {number} » {why} (règles BR-FR-01/02 : 35 caractères au plus, "
                 "seulement A-Z a-z 0-9 + - _ /).",
                 "Renuméroter avant émission (une facture émise se corrige par un avoir).",
                 "Number \"{number}\" {why} (rules BR-FR-01/02: at most 35 characters, only A-Z "
                 "a-z 0-9 + - _ /).",
                 "Renumber before issuing (an issued invoice is corrected with a credit note).")
NO_COUNTER = message("Le numéro « {number} » ne se termine pas par un compteur : impossible de "
                     "vérifier la continuité de sa série.",
                     "Utiliser un numéro de la forme PRÉFIXE + compteur (FAC2026-0007).",
                     "Number \"{number}\" does not end with a counter: its series' continuity "
                     "cannot be checked.",
                     "Use a number made of a prefix and a counter (FAC2026-0007).")
MISSING = message("Pièce au statut « Émise » sans numéro.",
                  "Émettre la pièce par « Générer les factures », qui attribue le numéro suivant.",
                  "Document with status \"Issued\" but no number.",
                  "Issue it with \"Generate invoices\", which allocates the next number.")
NO_DATE = message("Pièce émise {number} sans date d'émission (mention obligatoire).",
                  "Saisir la date d'émission.",
                  "Issued document {number} has no issue date (a mandatory mention).",
                  "Enter the issue date.")
DRAFT_NUMBER = message("Le brouillon porte déjà le numéro {number} : un numéro n'est attribué "
                       "qu'à l'émission, sinon supprimer le brouillon laisse un trou.",
                       "Vider le numéro ; il sera attribué à l'émission.",
                       "The draft already has number {number}: a number is allocated only when "
                       "issued, or deleting the draft leaves a gap.",
                       "Clear the number; it is allocated when the document is issued.")
CREDIT_NO_REF = message("L'avoir ne cite pas la facture qu'il corrige.",
                        "Saisir le numéro de la facture d'origine (colonne {column}).",
                        "The credit note does not name the invoice it corrects.",
                        "Enter the original invoice's number ({column} column).")
CREDIT_UNKNOWN = message("L'avoir cite la facture {credited}, qui n'est pas une facture émise.",
                         "Corriger le numéro de la facture d'origine.",
                         "The credit note names invoice {credited}, which is not an issued "
                         "invoice.",
                         "Correct the original invoice's number.")
CREDIT_CLIENT = message("L'avoir est au client {client} alors que la facture {credited} est au "
                        "client {other}.",
                        "Établir l'avoir au client de la facture d'origine.",
                        "The credit note is for client {client} while invoice {credited} is for "
                        "client {other}.",
                        "Make the credit note out to the original invoice's client.")
CREDIT_OVER = message("Les avoirs sur la facture {credited} totalisent {credits} pour une facture "
                      "de {total} TTC.",
                      "Réduire ou annuler l'avoir en trop.",
                      "Credit notes on invoice {credited} total {credits} for an invoice of "
                      "{total} incl. VAT.",
                      "Reduce or cancel the excess credit note.")
SIGN = message("{kind} de {total} TTC : un avoir est négatif, une facture positive.",
               "Saisir les quantités de l'avoir en négatif, ou changer le type de la pièce.",
               "{kind} of {total} incl. VAT: a credit note is negative, an invoice positive.",
               "Enter the credit note's quantities as negative, or change the document's type.")


def split_number(number: str) -> tuple[str, int, int] | None:
    """'FAC2026-0007' -> ('FAC2026-', 7, 4): series prefix, counter, counter width."""
    prefix = number.rstrip(DIGITS)
    width = len(number) - len(prefix)
    if not width:
        return None
    return prefix, int(number[len(prefix):]), width


def check_numbering(ctx: Ctx) -> None:
    if not ctx.has("Factures"):
        return
    _formats_and_duplicates(ctx)
    _series(ctx)
    _credit_notes(ctx)


def _formats_and_duplicates(ctx: Ctx) -> None:
    """Column-wise filters first: on a correct workbook almost nothing passes them."""
    rows = ctx.tables["Factures"].rows
    issue = ctx.col("Factures", "issue_date")
    numbers, status = ctx.inv_number, ctx.inv_status
    keys = ctx.keys("Factures", "number")
    indexes = range(len(keys))
    drafts = list(compress(indexes, map(eq, status, repeat("draft"))))
    if "" in keys:  # a row without a number (a C scan decides the usual case)
        for i in [i for i, key in enumerate(keys) if not key and status[i] == "issued"]:
            ctx.add("NUM-MISSING", ERROR, "Factures", i, "number", ctx.inv_ref(i), MISSING)
    for same in ctx.inv_by_number.values():  # only the numbers used more than once
        for i in same[1:]:
            ctx.add("NUM-DUPLICATE", ERROR, "Factures", i, "number", text(numbers[i]),
                    DUPLICATE, number=text(numbers[i]), first=rows[same[0]])
    ok = NUMBER_OK.fullmatch
    for i in [] if _all_well_formed(numbers) else \
            [i for i, n in enumerate(numbers) if n and not ok(str(n))]:
        shown = text(numbers[i])
        if not shown:
            continue
        why = []
        if len(shown) > 35:
            why.append(f"a {len(shown)} caractères" if ctx.fr else
                       f"has {len(shown)} characters")
        bad = sorted({c for c in shown if not ok(c)})
        if bad:
            chars = " ".join(repr(c) for c in bad)
            why.append(f"contient {chars}" if ctx.fr else f"contains {chars}")
        ctx.add("NUM-FORMAT", ERROR, "Factures", i, "number", shown, FORMAT, number=shown,
                why=(" et " if ctx.fr else " and ").join(why))
    for i in [i for i in drafts if keys[i]]:
        shown = text(numbers[i])
        ctx.add("NUM-DRAFT", WARNING, "Factures", i, "number", shown, DRAFT_NUMBER,
                number=shown)
    posted = ctx.posted
    # rows whose issue date is not exactly a date (C loops), then the issued ones
    for i in [i for i in compress(indexes, map(is_not, map(type, issue), repeat(date)))
              if posted[i]]:
        if not isinstance(issue[i], date):
            shown = text(numbers[i])
            ctx.add("MENTION-DATE", ERROR, "Factures", i, "issue_date", shown, NO_DATE,
                    number=shown)


def _all_well_formed(numbers: list[Any]) -> bool:
    """Whether every non-empty number is text that NUMBER_OK accepts, tested by one regex
    over the numbers joined by line feeds (a C loop) instead of one match per row. False
    also when a number is not text or holds a line feed itself: the caller then tests
    row by row."""
    texts = list(filter(None, numbers))
    if not texts:
        return True
    try:
        joined = "\n".join(texts)
    except TypeError:
        return False
    return joined.count("\n") == len(texts) - 1 and \
        _ALL_OK.fullmatch(joined + "\n") is not None


_ALL_OK = re.compile(rf"(?:{NUMBER_OK.pattern}\n)*")


def _series(ctx: Ctx) -> None:
    issue = [d if isinstance(d, date) else None for d in ctx.col("Factures", "issue_date")]
    series: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    names: dict[str, str] = {}
    posted = ctx.posted
    dated = [d for d, p in zip(issue, posted) if p and isinstance(d, date)]
    earliest = min(dated) if dated else None
    numbers = ctx.inv_number
    # without a yearly reset the counter runs across years (FAC2026-0041, FAC2027-0042):
    # the years printed in a number are then not part of its series
    yearly = ctx.setting("yearly_reset") not in (False, "no")
    key_of: dict[str, str] = {}  # prefix -> its series key (a few prefixes, 100k rows)
    for i in compress(range(len(posted)), posted):
        number = numbers[i]  # text() and split_number, inlined: they run 100k times
        number = number.strip() if number.__class__ is str else text(number)
        prefix = number.rstrip(DIGITS)
        width = len(number) - len(prefix)
        if not width:
            ctx.add("NUM-FORMAT", WARNING, "Factures", i, "number", number, NO_COUNTER,
                    number=number)
            continue
        counter = int(number[len(prefix):])
        key = key_of.get(prefix)
        if key is None:
            key = key_of[prefix] = prefix.casefold() if yearly else \
                YEAR.sub("{YYYY}", prefix).casefold()
            names.setdefault(key, prefix)
        series[key].append((counter, i, width))
    # a number on a row skipped for a bad cell is in the sheet all the same: no gap
    # before it (its row's own error says what to fix); -1 marks it below
    for doc in damage(ctx).docs if damage(ctx) else ():
        parts = split_number(doc.number) if doc.whole else None
        if parts is not None:
            prefix, counter, width = parts
            key = prefix.casefold() if yearly else YEAR.sub("{YYYY}", prefix).casefold()
            names.setdefault(key, prefix)
            series[key].append((counter, -1, width))
    for key, members in series.items():
        members.sort()
        prefix = names[key]
        if yearly:
            _start(ctx, prefix, members, earliest)
        p_counter, p_i, _ = members[0]
        for counter, i, width in members[1:]:
            if counter > p_counter + 1:
                _gap(ctx, prefix, p_counter + 1, counter - 1, width, i)
            if i < 0 or p_i < 0:  # a skipped row's date is not compared
                p_counter, p_i = counter, i
                continue
            p_day, day = issue[p_i], issue[i]
            if day is not None and p_day is not None and day < p_day \
                    and counter != p_counter:
                ctx.add("NUM-ORDER", ERROR, "Factures", i, "issue_date", ctx.inv_ref(i),
                        ORDER, number=ctx.inv_ref(i), day=ctx.day(day),
                        previous=ctx.inv_ref(p_i), previous_day=ctx.day(p_day))
            p_counter, p_i = counter, i


def _start(ctx: Ctx, prefix: str, members: list[tuple[int, int, int]],
           earliest: date | None) -> None:
    """A yearly series whose whole year is in the workbook must start at 1."""
    years = YEAR.findall(prefix)
    first, i, width = members[0]
    i = next((m[1] for m in members if m[1] >= 0), -1)
    if first <= 1 or not years or earliest is None:
        return
    if earliest < date(int(years[-1]), 1, 1):
        _gap(ctx, prefix, 1, first - 1, width, i)


def _gap(ctx: Ctx, prefix: str, low: int, high: int, width: int, i: int) -> None:
    """A gap found before row i (-1: before a skipped row, reported on no row)."""
    a, b = f"{prefix}{low:0{width}d}", f"{prefix}{high:0{width}d}"
    missing = a if low == high else (f"{a} à {b} ({high - low + 1})" if ctx.fr else
                                     f"{a} to {b} ({high - low + 1})")
    number = ctx.inv_ref(i) if i >= 0 else f"{prefix}{high + 1:0{width}d}"
    ctx.add("NUM-GAP", ERROR, "Factures", i if i >= 0 else None, "number", number, GAP,
            series=prefix, missing=missing, number=number)


def _credit_suspects(types: list[Any], totals: list[Any]) -> list[int] | range:
    """The rows _credit_notes must look at, in order: credit notes, and negative totals
    (an invoice with one has the wrong sign); a positive invoice can give no finding.
    Found by C loops; every row when a total is empty or not a number."""
    rows = range(len(types))
    try:
        negative = set(compress(rows, map(lt, totals, repeat(ZERO))))
    except TypeError:
        return rows
    negative.update(compress(rows, map(eq, types, repeat("credit_note"))))
    return sorted(negative)


def _credit_notes(ctx: Ctx) -> None:
    credited = ctx.col("Factures", "credited")
    clients = ctx.col("Factures", "client")
    totals = ctx.col("Factures", "total")
    label = ctx.tables["Factures"].labels.get("credited", "credited")
    credits: dict[int, list[int]] = defaultdict(list)
    types = ctx.inv_type
    for i in _credit_suspects(types, totals):
        kind = types[i]
        total = totals[i]
        if ctx.live[i] and total is not None and total != 0 and \
                (kind == "credit_note") == (total > 0) and kind in ("credit_note", "invoice"):
            what = ("Avoir", "Credit note") if kind == "credit_note" else ("Facture", "Invoice")
            ctx.add("CREDIT-SIGN", ERROR if kind == "credit_note" else WARNING, "Factures", i,
                    "total", ctx.inv_ref(i), SIGN, kind=what[0] if ctx.fr else what[1],
                    total=ctx.money(total))
        if kind != "credit_note" or not ctx.live[i]:
            continue
        ref = ctx.inv_ref(i)
        if not text(credited[i]):
            ctx.add("CREDIT-REF", ERROR, "Factures", i, "credited", ref, CREDIT_NO_REF,
                    column=label)
            continue
        j = ctx.posted_by_number(credited[i])
        if j is None or j == i:
            ctx.add("CREDIT-REF", ERROR, "Factures", i, "credited", ref, CREDIT_UNKNOWN,
                    credited=text(credited[i]))
            continue
        if norm(clients[i]) != norm(clients[j]):
            ctx.add("CREDIT-REF", ERROR, "Factures", i, "client", ref, CREDIT_CLIENT,
                    client=text(clients[i]), credited=ctx.inv_ref(j), other=text(clients[j]))
        if ctx.posted[i]:
            credits[j].append(i)
    for j, notes in credits.items():
        total = totals[j]
        credit = -sum((totals[i] or ZERO for i in notes), ZERO)
        if total is not None and total > 0 and credit > total:
            last = max(notes, key=lambda i: (ctx.inv_date(i), i))
            ctx.add("CREDIT-OVER", ERROR, "Factures", last, "total", ctx.inv_ref(last),
                    CREDIT_OVER, credited=ctx.inv_ref(j), credits=ctx.money(credit),
                    total=ctx.money(total))

