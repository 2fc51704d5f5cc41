"""Bank CSV exports, mapped by the settings of Paramètres.

CSV exports have no standard: their column names, decimal separator and date format are
settings (French-bank defaults: "Date", "Montant" or "Crédit", "Libellé", ";" or ",",
31/12/2026). A few lines of account details above the header are skipped.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

from pyfuncs.adapters.statements_base import Statement, StatementEntry, StatementError, identity


@dataclass(frozen=True)
class CsvLayout:
    """The columns of a bank's CSV export (Paramètres), by header name."""

    date: str = "Date"
    amount: str = "Montant"
    credit: str = "Crédit"
    label: str = "Libellé"
    reference: str = "Référence"
    payer: str = "Tiers"
    iban: str = "IBAN"
    decimal: str = ","
    date_format: str = "%d/%m/%Y"
    account: str = ""


def _fold(s: str) -> str:
    import unicodedata
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _money(raw: str, decimal: str) -> Decimal | None:
    raw = raw.replace("\u00a0", "").replace(" ", "").replace("€", "").strip()
    if not raw:
        return None
    if decimal == ",":
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def read_csv(path: Path, layout: CsvLayout) -> Statement:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
    lines = content.splitlines()
    # banks put a few lines of account details above the header: start at the header
    want = _fold(layout.date)
    start = next((i for i, line in enumerate(lines) if want and any(
        _fold(cell) == want for cell in re.split(r"[;,\t]", line))), None)
    if start is None:
        raise StatementError(f"{path.name}: no header with a column {layout.date!r} "
                             "(Paramètres: colonnes du relevé CSV)")
    body = "\n".join(lines[start:])
    delimiter = max(";\t,", key=lambda d: lines[start].count(d))
    rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    where = {_fold(h): j for j, h in enumerate(rows[0])}

    def col(name: str) -> int | None:
        return where.get(_fold(name)) if name else None

    c_date, c_amount, c_credit = col(layout.date), col(layout.amount), col(layout.credit)
    if c_amount is None and c_credit is None:
        raise StatementError(f"{path.name}: no column {layout.amount!r} nor "
                             f"{layout.credit!r} (Paramètres: colonnes du relevé CSV)")
    c_label, c_ref = col(layout.label), col(layout.reference)
    c_payer, c_iban = col(layout.payer), col(layout.iban)
    out = Statement(path, "csv", account=layout.account)

    def cell(row: list[str], j: int | None) -> str:
        return row[j].strip() if j is not None and j < len(row) else ""

    header = rows[0]
    for n, row in enumerate(rows[1:], start + 2):
        if not any(c.strip() for c in row):
            continue
        j = c_amount if c_amount is not None else c_credit
        raw_amount = cell(row, j)
        amount = _money(raw_amount, layout.decimal)
        try:
            when = datetime.strptime(cell(row, c_date), layout.date_format).date()
        except ValueError:
            when = None
        if amount is None or amount <= 0 or when is None:
            out.ignored += 1
            if raw_amount and amount is None:
                column = header[cast(int, j)]  # (text was read there: j is a column)
                out.problems.append(f"{path.name}, line {n}, column {column!r}: amount "
                                    f"{raw_amount!r} unreadable: not imported")
            elif amount is not None and amount < 0:
                out.debits.append((cell(row, c_payer), cell(row, c_iban), -amount))
            elif amount is not None and amount > 0:
                out.problems.append(
                    f"{path.name}, line {n}, column {header[c_date]!r}: date "  # type: ignore[index]
                    f"{cell(row, c_date)!r} is not {layout.date_format}: not imported")
            continue
        text = cell(row, c_label)
        key, reference = identity(layout.account, cell(row, c_ref), when, amount, text)
        # a CSV export states no currency: the account's, taken as the workbook's
        out.entries.append(StatementEntry(key, reference, layout.account, when, amount, "",
                                          text, cell(row, c_payer), cell(row, c_iban),
                                          path.name))
    return out
