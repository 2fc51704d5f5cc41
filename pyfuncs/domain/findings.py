"""Findings: every problem in the data is a record, never an exception; and how a finding
shows an amount or a date (`shown_money`, `shown_day`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in the workbook.

    Attributes:
      code: stable identifier, e.g. "CELL-TYPE" or "VAT-RATE".
      severity: "error", "warning" or "info".
      sheet: the sheet's name as the user sees it ("" when not about a sheet).
      row: the sheet row number (1-based, as Excel shows it), or None.
      column: the column's header label as the user sees it, or "".
      ref: the invoice, quote or client the finding is about, or "".
      message: what is wrong, in the workbook's language.
      fix: how to fix it, in the workbook's language.
      cell: the cell address ("D12") when known, for a link in the Contrôles sheet.
    """

    code: str
    severity: str
    sheet: str
    row: int | None
    column: str
    ref: str
    message: str
    fix: str = ""
    cell: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def location(self) -> str:
        """'Clients, row 12, column SIREN' -- the one-line place a user can go to."""
        parts = [self.sheet] if self.sheet else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


class BilingualError(Exception):
    """An error whose message exists in French and in English (``str()`` is the French,
    the product's default language); ``text(lang)`` picks one."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(fr)
        self.fr = fr
        self.en = en

    def text(self, lang: str = "fr") -> str:
        return self.en if lang == "en" else self.fr


def shown_money(amount: object, fr: bool, currency: str = "EUR") -> str:
    """An amount as a finding shows it: 1 234,56 € (fr), 1,234.56 EUR (en); another
    currency by its code."""
    if not isinstance(amount, Decimal):
        return str(amount)
    body = f"{amount:,.2f}"
    if fr:  # narrow no-break space between thousands, no-break space before the sign
        sign = "€" if currency == "EUR" else currency
        return body.replace(",", "\u202f").replace(".", ",") + "\u00a0" + sign
    return body + "\u00a0" + currency


def shown_day(value: object, fr: bool) -> str:
    """A date as a finding shows it: 01/12/2026 (fr), 2026-12-01 (en)."""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}" if fr else value.isoformat()
    return "" if value is None else str(value)
