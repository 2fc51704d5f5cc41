"""The record of an issued document that both the PDF layout and the Factur-X XML read:
seller and client (``Party``), lines, VAT rows, totals and mentions (``InvoiceDoc``).
``documents/model.py`` builds them from the tables; the rules they follow are stated
there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.domain.vat import EXEMPTIONS

TYPE_CODES = {"invoice": "380", "credit_note": "381", "deposit": "386"}
NATURE_LETTER = {"services": "S", "goods": "B", "both": "M"}


@dataclass(frozen=True)
class Party:
    """Seller or client as the document shows them.

    Attributes: name, legal_form, capital (seller), address, postcode, city, country
    (ISO code), siren, siret, vat (VAT number), rcs (seller), email, phone, iban, bic,
    address_scheme and address_id (the electronic invoicing address, BT-34 / BT-49),
    code (the client's code in the workbook), private (a client who is a private person:
    Clients › Particulier)."""

    name: str
    address: str
    postcode: str
    city: str
    country: str
    siren: str = ""
    siret: str = ""
    vat: str = ""
    legal_form: str = ""
    capital: Decimal | None = None
    rcs: str = ""
    email: str = ""
    phone: str = ""
    iban: str = ""
    bic: str = ""
    address_scheme: str = ""
    address_id: str = ""
    code: str = ""
    private: bool = False


@dataclass(frozen=True)
class DocLine:
    """A line as shown: quantity, unit and unit price excl. VAT, rate, net amount, and
    the date or period of its service (start, end; end == start for one day; both None
    for a deduction, which follows its document)."""

    label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    net: Decimal
    category: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class VatRow:
    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass
class InvoiceDoc:
    """One issued document, everything its PDF and its XML show.

    Amounts are as the document shows them (a credit note's are positive);
    ``sign`` (-1 for a credit note) turns them back into the workbook's."""

    kind: str
    number: str
    issue_date: date
    due_date: date | None
    terms: str
    seller: Party
    buyer: Party
    lines: list[DocLine]
    vat_rows: list[VatRow]
    net: Decimal
    vat: Decimal
    total: Decimal
    sign: int
    lang: str
    currency: str = "EUR"
    po: str = ""
    quote: str = ""
    credited: str = ""
    credited_date: date | None = None
    deducted: list[tuple[str, date | None]] = field(default_factory=list)
    penalty_rate: Decimal | None = None
    indemnity: Decimal = Decimal(40)
    discount: str = ""
    vat_on_debits: bool = False
    nature: str = "services"
    # the legal reason of the first exempt VAT row (domain.vat.EXEMPTIONS), or ""
    exemption: str = ""
    payment_mode: str = ""
    logo: Path | None = None
    delivery: Party | None = None  # where goods go, when not the billing address
    row: int = 0  # index in Factures, for findings

    @property
    def service(self) -> tuple[date, date]:
        """The date (start == end) or period of the service of the whole document."""
        dated = [(ln.start, ln.end) for ln in self.lines if ln.start and ln.end]
        if not dated:
            return self.issue_date, self.issue_date
        return min(s for s, _ in dated), max(e for _, e in dated)

    @property
    def per_line(self) -> bool:
        """True when the lines' dates differ: each line states its own."""
        return len({(ln.start, ln.end) for ln in self.lines if ln.start and ln.end}) > 1

    @property
    def exemptions(self) -> list[str]:
        """The legal reasons of the exempt VAT rows ("reverse_charge", "intra_eu_supply",
        "outside_eu", "export", "franchise"), in the rows' order: a mixed invoice to an
        EU business has two, reverse charge for its services and the intra-Community
        supply of its goods."""
        out: list[str] = []
        for row in self.vat_rows:
            key = EXEMPTIONS.get(row.category)
            if key and key not in out:
                out.append(key)
        return out

    @property
    def type_code(self) -> str:
        return TYPE_CODES[self.kind]

    @property
    def billing_mode(self) -> str:
        """BT-23 (French rules): S1/B1/M1, or S4/B4/M4 for a final invoice after deposits."""
        final = self.kind == "invoice" and bool(self.deducted)
        return NATURE_LETTER.get(self.nature, "S") + ("4" if final else "1")
