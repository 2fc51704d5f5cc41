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

from pyfuncs.adapters.statements_base import Statement, StatementError


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


# the forms a number takes with each decimal setting: 1234,56 / 1.234,56 / 1234.56 /
# 1,234.56; a number in the other form is read only where it cannot mean anything else
_FORMS = {",": re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"),
          ".": re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")}
_OTHER_DECIMAL = {",": re.compile(r"^[+-]?\d+\.(\d{1,2}|\d{4,})$"),
                  ".": re.compile(r"^[+-]?\d+,(\d{1,2}|\d{4,})$")}


_BALANCE_LINES = ("solde", "balance", "saldo", "ancien solde", "nouveau solde")


def _money(raw: str, decimal: str) -> Decimal | None:
    """The amount of a cell, or None when its form contradicts the decimal setting and
    could mean two amounts ("1.758" with "," is 1758; "1758.27" with "," can only be
    1758.27 and is read so; "1.758,27" with "." is refused)."""
    raw = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    raw = raw.replace("€", "").replace("EUR", "").strip()
    if not raw:
        return None
    decimal = "." if decimal == "." else ","
    other = "." if decimal == "," else ","
    if _FORMS[decimal].match(raw):
        number = raw.replace(other, "").replace(decimal, ".")
    elif _OTHER_DECIMAL[decimal].match(raw):
        number = raw.replace(other, ".")
    else:
        return None
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def _column(path: Path, header: list[str], name: str) -> int | None:
    """The position of a configured column: by its header, or "Solde#2" for the second
    column of that header; a header found twice without a position is refused."""
    if not name:
        return None
    wanted, nth = name, 0
    found = re.fullmatch(r"(.*?)\s*#\s*(\d+)", name)
    if found:
        wanted, nth = found.group(1), int(found.group(2))
    at = [j for j, h in enumerate(header) if _fold(h) == _fold(wanted)]
    if not at:
        return None
    if nth:
        if nth > len(at):
            raise StatementError(f"{path.name}: there are {len(at)} column(s) {wanted!r}, "
                                 f"not {nth} (Paramètres: colonnes du relevé CSV)")
        return at[nth - 1]
    if len(at) > 1:
        raise StatementError(
            f"{path.name}: {len(at)} columns are named {wanted!r} (columns "
            f"{', '.join(str(j + 1) for j in at)}): say which in Paramètres, e.g. "
            f"\"{wanted}#1\" for the first; nothing imported")
    return at[0]


def read_csv(path: Path, layout: CsvLayout) -> Statement:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
    lines = content.splitlines()
    # banks put a few lines of account details above the header: start at the header
    want = _fold(re.sub(r"\s*#\s*\d+$", "", layout.date))
    start = next((i for i, line in enumerate(lines) if want and any(
        _fold(cell) == want for cell in re.split(r"[;,\t]", line))), None)
    if start is None:
        raise StatementError(f"{path.name}: no header with a column {layout.date!r} "
                             "(Paramètres: colonnes du relevé CSV)")
    body = "\n".join(lines[start:])
    delimiter = max(";\t,", key=lambda d: lines[start].count(d))
    rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    header = rows[0]

    def col(name: str) -> int | None:
        return _column(path, header, name)

    c_date, c_amount, c_credit = col(layout.date), col(layout.amount), col(layout.credit)
    if c_amount is None and c_credit is None:
        raise StatementError(f"{path.name}: no column {layout.amount!r} nor "
                             f"{layout.credit!r} (Paramètres: colonnes du relevé CSV)")
    c_label, c_ref = col(layout.label), col(layout.reference)
    c_payer, c_iban = col(layout.payer), col(layout.iban)
    out = Statement(path, "csv", account=layout.account)

    def cell(row: list[str], j: int | None) -> str:
        return row[j].strip() if j is not None and j < len(row) else ""

    j = c_amount if c_amount is not None else c_credit
    for n, row in enumerate(rows[1:], start + 2):
        if not any(c.strip() for c in row):
            continue
        raw_amount = cell(row, j)
        amount = _money(raw_amount, layout.decimal)
        try:
            when = datetime.strptime(cell(row, c_date), layout.date_format).date()
        except ValueError:
            when = None
        if raw_amount and amount is None:
            out.refuse(f"{path.name}, line {n}, column {header[j]!r}: amount "  # type: ignore[index]
                       f"{raw_amount!r} is not a number written with the decimal "
                       f"separator {layout.decimal!r} (Paramètres): not imported")
        elif when is None and _fold(next((c for c in row if c.strip()), "")).startswith(
                _BALANCE_LINES):
            out.skip("balance line")  # "Solde en début de période;;;;500,00"
        elif amount is None or amount == 0:
            out.skip("no amount")
        elif amount < 0:
            out.skip("debit")
            out.debits.append((cell(row, c_payer), cell(row, c_iban), -amount))
        elif when is None:
            out.refuse(f"{path.name}, line {n}, column {header[c_date]!r}: date "  # type: ignore[index]
                       f"{cell(row, c_date)!r} is not {layout.date_format}: not imported")
        else:
            # a CSV export states no currency: the account's, taken as the workbook's
            out.credit(account=layout.account, reference=cell(row, c_ref), when=when,
                       amount=amount, currency="", text=cell(row, c_label),
                       payer=cell(row, c_payer), iban=cell(row, c_iban))
    return out
