"""A document to issue (everything but its number) and the legal content an issued one
keeps: what the register fingerprints and may not change once issued."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pyfuncs.domain.money import ZERO, line_net, vat_by_rate


@dataclass(frozen=True)
class NewLine:
    """One line of a document to issue.

    Attributes: label, quantity, unit, unit_price (excl. VAT), vat_rate, source (what
    the line bills, written in the Origine column), service_start and service_end (the
    date or period of the service, CGI ann. II art. 242 nonies A: the time entries'
    days, the contract period, the milestone's or the delivery date; None for the issue
    date, or for a deduction, which follows its document).
    """

    label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    source: str = ""
    service_start: date | None = None
    service_end: date | None = None

    @property
    def net(self) -> Decimal:
        return line_net(self.quantity, self.unit_price)


@dataclass
class Document:
    """A document to issue: everything but its number.

    Attributes:
      kind: invoice, deposit or credit_note.
      client: the client's code as typed in Clients.
      subject: what it bills, for the preview and the register.
      lines: its lines (for a hand-typed draft, the lines already in the workbook).
      sources: what it bills, recorded in the journal so it is billed once.
      issue_date, terms, due_date: dates and terms (key of CHOICES["terms"]).
      quote, quote_version, po, credited (the number of the invoice a credit note
        credits), credited_date, currency.
      draft: index in Factures of the hand-typed draft it issues, else None.
      draft_lines: True when its lines are already in the workbook (hand-typed).
      milestones, time_entries: indexes (Echeances, Temps) to mark with its number.
    """

    kind: str
    client: str
    subject: str
    lines: list[NewLine]
    sources: list[str]
    issue_date: date
    terms: str
    due_date: date | None
    quote: str = ""
    quote_version: int | None = None
    po: str = ""
    credited: str = ""
    credited_date: date | None = None
    currency: str = "EUR"
    draft: int | None = None
    draft_lines: bool = False
    milestones: list[int] = field(default_factory=list)
    time_entries: list[int] = field(default_factory=list)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """Net, VAT (per rate on the totals, BR-CO-17) and total."""
        per_rate = vat_by_rate([(ln.net, ln.vat_rate) for ln in self.lines])
        net = sum((base for base, _ in per_rate.values()), ZERO)
        vat = sum((v for _, v in per_rate.values()), ZERO)
        return net, vat, net + vat


@dataclass
class Plan:
    documents: list[Document]
    findings: list[Any]


def document_content(number: str, kind: str, issue_date: date, client: str, credited: str,
                     lines: list[tuple[object, object, object, object]]) -> dict[str, Any]:
    """The legal content of an issued document, as the register fingerprints it: what may
    not change once issued (number, type, date, client, credited invoice, each line's
    label, quantity, unit price and VAT rate, and the totals they give). Status, payment,
    dispute and sending columns may change and are left out."""
    def dec(value: object) -> str:
        if value is None or value == "":
            return ""
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        body = format(d.normalize(), "f")
        return "0" if body in ("-0", "0") else body

    rows = [[" ".join(str(label or "").split()), dec(q), dec(p), dec(r)]
            for label, q, p, r in lines]
    per_rate = vat_by_rate([(line_net(Decimal(q or 0), Decimal(p or 0)), Decimal(r or 0))
                            for _, q, p, r in rows])
    net = sum((b for b, _ in per_rate.values()), ZERO)
    vat = sum((v for _, v in per_rate.values()), ZERO)
    return {"number": number, "kind": kind, "date": issue_date.isoformat(),
            "client": client.strip().casefold(), "credited": credited.strip().casefold(),
            "lines": rows, "net": dec(net), "vat": dec(vat), "total": dec(net + vat)}
