"""VAT on receipts and the lifecycle status 212 "Encaissée" (DOMAIN.md §6,
docs/E-INVOICING.md): which payments the seller must report to the platform, with which
amount per VAT rate, and how a payment changed after its status went out is undone.

The rule, and where it comes from:
- For services, French VAT falls due when the price is received, unless the seller opted
  for VAT on debits (CGI art. 269-2-c; the invoice then says "Option pour le paiement de
  la taxe d'après les débits"). Under the e-invoicing reform the seller reports each
  receipt on an invoice that went through the platform as a lifecycle status 212
  "Encaissée" (XP Z12-012; DGFiP external specifications, lifecycle chapter).
- BR-FR-CDV-14 (France RFE CDAR rules V1.4.0, fatal): a 212 carries at least one block
  MDG-43 of type MEN, each with an amount (MDT-215) and a VAT rate (MDT-224). A payment on
  an invoice with several rates is split in proportion to each rate's share of the total
  incl. VAT; the cents left by rounding go to the last rate, so the shares add up to the
  payment exactly.
- XP Z12-012 annex A, management rules P1.15 and P1.17: a 212 with a positive amount is a
  receipt, with a negative amount a disbursement (money given back, or a receipt recorded
  in error), with its reason in the comment (MDT-126). So a payment corrected or deleted
  after its 212 went out is undone by a 212 of the opposite amount, then the corrected
  payment is reported as a new receipt; the user sees a finding saying so.
- Not yet: a 212 is a status *of an invoice the platform holds*. Of the four statuses
  every platform must pass on to the tax authority (200 « Déposée », 210 « Refusée »,
  212 « Encaissée », 213 « Rejetée »: DGFiP external specifications, lifecycle), 200 says
  the platform took the invoice in after its checks, and 213 that it did not: a rejected
  invoice never reached the client. So a 212 waits until the platform's own statuses (pulled by
  `statuses`) show the invoice deposited; while it has none, or while its current status
  is 213 (to be corrected and submitted again, when its new 200 lets the 212 go), the
  receipt is listed as waiting, with why. The BR-FR-CDV rules (France RFE CDAR V1.4.0)
  check each message alone and say nothing of the order; the order is the platform's
  check (a 212 on an invoice it does not hold is refused: XP Z12-013 reason
  InvoiceLCStatusError).
- Never a 212 for: an invoice the client refused (210: listed as withheld, for good);
  a payment not applied to an invoice (a client's credit, reported when applied); a credit
  note's refund (a credit note is no receipt); a company under VAT on debits, or an
  invoice whose mention says so; goods (VAT due on delivery); an invoice under the
  small-business exemption (no VAT at all); an invoice not (yet) transmitted. Undoing a
  212 that did go out stays possible whatever the invoice became (money given back).

Pure: records in, statuses to send out; the job reads the workbook and the ledger.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pyfuncs.domain.money import ZERO, to_cents

PAID = "212"
REFUSED, REJECTED = "210", "213"


@dataclass(frozen=True)
class RateShare:
    """The part of a receipt that falls under one VAT rate (MDG-43, type MEN).

    Attributes:
      rate: the VAT rate in percent (MDT-224), e.g. Decimal("20").
      amount: the amount received at that rate, incl. VAT (MDT-215), in cents.
    """

    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceFacts:
    """What the rule needs to know about one issued document.

    Attributes:
      number: the document number.
      issue_date: its issue date (the CDAR's MDG-35).
      kind: "invoice", "deposit" or "credit_note".
      nature: "services", "goods" or "both".
      vat_on_debits: the document carries the "option pour les débits" mention.
      exempt: no VAT at all (franchise en base).
      total: total incl. VAT.
      rates: (rate in percent, base, VAT) per rate, as on the document.
      transmitted: the platform took it (the ledger says sent).
      status: its current lifecycle status code from the platform ("" while the
        platform has sent none: not yet deposited).
    """

    number: str
    issue_date: date
    kind: str
    nature: str
    vat_on_debits: bool
    exempt: bool
    total: Decimal
    rates: tuple[tuple[Decimal, Decimal, Decimal], ...]
    transmitted: bool
    status: str = ""


@dataclass(frozen=True)
class Receipt:
    """One payment row of the Paiements table.

    Attributes:
      key: its identity (see ``receipt_keys``).
      row: its index in the table, for findings.
      invoice: the invoice number it is applied to ("" for none).
      on: the date received.
      amount: the amount received, incl. VAT.
    """

    key: str
    row: int
    invoice: str
    on: date
    amount: Decimal


@dataclass(frozen=True)
class Reported:
    """A 212 already handed to the platform (or about to be: the ledger's word).

    Attributes:
      key: the receipt it reports.
      seq: 0 for the receipt, 1, 2... for the statuses that undo or redo it.
      number: the invoice.
      amount: the amount reported (negative to undo).
    """

    key: str
    seq: int
    number: str
    amount: Decimal


@dataclass(frozen=True)
class Status212:
    """A 212 to send.

    Attributes:
      key, seq: the receipt it is about and its sequence (its identity in the ledger).
      number, issue_date: the invoice.
      on: the date of the receipt (or of the correction).
      amount: the amount, negative for a disbursement that undoes an earlier 212.
      shares: the amount split by VAT rate.
      row: the Paiements row (None when the payment is gone).
      undo: True for a corrective 212.
    """

    key: str
    seq: int
    number: str
    issue_date: date
    on: date
    amount: Decimal
    shares: tuple[RateShare, ...]
    row: int | None
    undo: bool = False

    @property
    def message_key(self) -> str:
        return f"{self.key}#{self.seq}"


def receipt_keys(rows: Iterable[tuple[str, date, Decimal, str]]) -> list[str]:
    """A stable identity for each payment row (invoice, date, amount, reference): the
    table has no id column, and rows move. Identical rows are told apart by their
    order of appearance. A change to any of the four makes a new payment."""
    seen: Counter[str] = Counter()
    keys = []
    for invoice, on, amount, reference in rows:
        base = f"{invoice}|{on.isoformat()}|{to_cents(amount)}|{reference}"
        keys.append(f"{base}|{seen[base]}")
        seen[base] += 1
    return keys


def split_by_rate(amount: Decimal, total: Decimal,
                  rates: Sequence[tuple[Decimal, Decimal, Decimal]]) -> tuple[RateShare, ...]:
    """``amount`` in proportion to each rate's share of ``total`` incl. VAT (BR-FR-CDV-14);
    the last rate takes what rounding left, so the shares add up to ``amount``."""
    rows = [(rate, base + vat) for rate, base, vat in rates if base + vat != ZERO]
    if not rows or total == ZERO:
        rate = rates[0][0] if rates else ZERO
        return (RateShare(rate, to_cents(amount)),)
    out: list[RateShare] = []
    left = to_cents(amount)
    for rate, gross in rows[:-1]:
        part = to_cents(amount * gross / total)
        out.append(RateShare(rate, part))
        left -= part
    out.append(RateShare(rows[-1][0], left))
    return tuple(out)


def why_not(inv: InvoiceFacts, vat_on_debits: bool) -> str:
    """Why a receipt on ``inv`` is not reported by a 212 ("" when it is)."""
    if vat_on_debits or inv.vat_on_debits:
        return "vat_on_debits"
    if inv.kind == "credit_note":
        return "credit_note"
    if inv.nature == "goods":
        return "goods"
    if inv.exempt:
        return "exempt"
    if not inv.transmitted:
        return "not_transmitted"
    if inv.status in (REFUSED, REJECTED):
        return "refused" if inv.status == REFUSED else "rejected"
    if not inv.status:
        return "not_deposited"
    return ""


#: why a receipt on an invoice the platform has is held: waiting for its 200 (or, after
#: a 213, for the corrected invoice's 200), or withheld for good after a refusal (210)
WAITING = ("not_deposited", "rejected")
WITHHELD = ("refused",)


@dataclass(frozen=True)
class Held:
    """A receipt whose 212 does not go (yet), and why (``WAITING`` or ``WITHHELD``).

    Attributes:
      key: the receipt; row: its Paiements row; number: the invoice;
      on, amount: the receipt still to report (the amount not yet reported);
      why: "not_deposited", "rejected" or "refused".
    """

    key: str
    row: int
    number: str
    on: date
    amount: Decimal
    why: str

    @property
    def waiting(self) -> bool:
        return self.why in WAITING


@dataclass(frozen=True)
class Plan:
    """The 212s to send, the corrections among them (each one a finding), and the
    receipts held back (waiting for the platform's 200, or withheld after a 210)."""

    send: tuple[Status212, ...]
    corrections: tuple[Status212, ...]
    held: tuple[Held, ...] = ()


def plan_statuses(invoices: Iterable[InvoiceFacts], receipts: Iterable[Receipt],
                  reported: Iterable[Reported], *, vat_on_debits: bool,
                  today: date) -> Plan:
    """The 212s due: for each receipt on an eligible invoice the platform has deposited
    whose amount is not already reported, one status (held, with why, while the invoice
    is not deposited, rejected or refused); for each earlier 212 whose payment is gone or changed, the
    status that undoes it (P1.15/P1.17). Each receipt's reported net is then its amount
    (or zero once it is gone): the platform's total per invoice is what was received."""
    facts = {inv.number: inv for inv in invoices}
    net: dict[str, Decimal] = defaultdict(lambda: ZERO)
    seqs: dict[str, int] = defaultdict(int)
    number_of: dict[str, str] = {}
    for r in reported:
        net[r.key] += r.amount
        seqs[r.key] = max(seqs[r.key], r.seq + 1)
        number_of[r.key] = r.number
    send: list[Status212] = []
    corrections: list[Status212] = []
    held: list[Held] = []
    present: set[str] = set()
    for rc in receipts:
        present.add(rc.key)
        inv = facts.get(rc.invoice)
        if inv is None or rc.amount == ZERO or net[rc.key] == to_cents(rc.amount):
            continue
        amount = to_cents(rc.amount) - net[rc.key]
        if why := why_not(inv, vat_on_debits):
            if why in WAITING + WITHHELD:
                held.append(Held(rc.key, rc.row, inv.number, rc.on, amount, why))
            continue
        send.append(Status212(rc.key, seqs[rc.key], inv.number, inv.issue_date, rc.on,
                              amount, split_by_rate(amount, inv.total, inv.rates), rc.row))
    for key, amount in net.items():
        if key in present or amount == ZERO:
            continue
        inv = facts.get(number_of[key])
        if inv is None:
            continue  # the invoice itself is gone from the workbook: the check reports it
        status = Status212(key, seqs[key], inv.number, inv.issue_date, today, -amount,
                           split_by_rate(-amount, inv.total, inv.rates), None, undo=True)
        corrections.append(status)
    # undoing first: the platform's running total never goes above what was received
    return Plan(tuple(corrections) + tuple(send), tuple(corrections), tuple(held))
