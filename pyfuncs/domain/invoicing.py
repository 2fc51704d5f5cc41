"""What "Générer les factures" would issue, and what each document holds.

Pure: the tables as read in, documents and findings out. Numbers are not allocated here
(the job does it through the journal, once the plan is confirmed), so a dry run and the
real run plan the same documents.

Sources of documents, in this order:
- hand-typed drafts of Factures with status "À émettre" (invoices, deposits, and credit
  notes naming the invoice they credit: with no lines of their own, a full cancellation
  whose lines are the invoice's, negated);
- accepted quotes, latest accepted version only: a deposit invoice (deposit % of the
  quote) once accepted; an invoice per milestone "ready to invoice"; once the quote is
  delivered ("Livré le" on or before the date), the final invoice: every quote line in
  full, less what was billed on the quote before (each earlier document deducted per VAT
  rate), so the quote is billed exactly once in total. A quote without deposit or
  milestones is billed in full by that same final invoice;
- validated time entries of closed months not yet invoiced: one invoice per client,
  project and month, one line per consultant and daily rate;
- contract periods due and not billed (domain/recurring.py): one invoice per contract and
  period, "contrat:<ref>:<period start>" as its source.
A quote whose number is a time entry's project is billed by its time, not by the rules
above (as the leak checks count it).

Each document lists its sources ("acompte:DEV-2026-0012", "jalon:DEV-2026-0012:recette",
"temps:<digest>"...): the journal refuses a source already billed, so a rerun, a crash or
two runs at once never bill the same share twice. A source that cannot be billed (bad
data) is a finding; the others are still issued.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pyfuncs.domain.context import Ctx, fold_label, message, norm, text
from pyfuncs.domain.damaged import HELD_BACK, damage
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO, line_net, to_cents, vat_by_rate
from pyfuncs.domain.recurring import Period, due_periods
from pyfuncs.domain.terms import TERM_DAYS, due_date, latest_legal_due
from pyfuncs.domain.vat import reverse_charged

DEFAULT_VAT = Decimal("0.2")
ONE = Decimal(1)
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


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


# ----------------------------------------------------------------------------- messages
NO_LINES = message("La pièce à émettre {doc} n'a aucune ligne.",
                   "Saisir ses lignes dans « Lignes de facture » (colonne Réf. facture = {doc}).",
                   "Document {doc} to issue has no lines.",
                   "Enter its lines in \"Invoice lines\" (Invoice ref. column = {doc}).")
UNKNOWN_CLIENT = message("Client {client} inconnu : la pièce ne peut pas être émise.",
                         "Créer le client dans la feuille Clients ou corriger le code.",
                         "Unknown client {client}: the document cannot be issued.",
                         "Create the client in the Clients sheet or correct the code.")
CREDIT_TARGET = message("L'avoir à émettre cite « {credited} », qui n'est pas une facture émise.",
                        "Saisir dans « Facture d'origine » le numéro d'une facture émise.",
                        "The credit note to issue names \"{credited}\", which is not an issued "
                        "invoice.",
                        "Enter an issued invoice's number in \"Credited invoice\".")
CREDIT_OVER = message("L'avoir de {amount} dépasse ce qui reste à créditer sur {credited} "
                      "({room}).",
                      "Réduire l'avoir : on ne crédite pas plus que la facture.",
                      "The credit note of {amount} exceeds what is left to credit on "
                      "{credited} ({room}).",
                      "Reduce the credit note: no more than the invoice can be credited.")
CREDIT_SIGN = message("L'avoir à émettre {doc} totalise {amount} : un avoir est négatif.",
                      "Saisir ses quantités en négatif.",
                      "Credit note {doc} to issue totals {amount}: a credit note is negative.",
                      "Enter its quantities as negative.")
INVOICE_SIGN = message("La facture à émettre {doc} totalise {amount} : une facture est positive "
                       "(pour créditer, émettre un avoir).",
                       "Corriger les lignes, ou changer le type en Avoir.",
                       "Invoice {doc} to issue totals {amount}: an invoice is positive (to "
                       "credit, issue a credit note).",
                       "Correct the lines, or change the type to Credit note.")
DUE_ILLEGAL = message("Échéance du {due} au-delà du maximum légal ({latest}) : la pièce n'est "
                      "pas émise.",
                      "Ramener l'échéance à 60 jours date de facture ou 45 jours fin de mois "
                      "au plus (L441-10).",
                      "Due date {due} beyond the legal maximum ({latest}): not issued.",
                      "Bring the due date within 60 days of the invoice date or 45 days end of "
                      "month (L441-10).")
DATE_AFTER = message("La pièce {doc} est datée du {day}, après la date d'émission {today}.",
                     "Vider la date (elle sera celle de l'émission) ou émettre à cette date.",
                     "Document {doc} is dated {day}, after the issue date {today}.",
                     "Clear the date (it becomes the issue date) or issue on that date.")
PO_MISSING = message("Le client {client} exige un N° de commande, absent du devis {quote} : la "
                     "facture n'est pas émise.",
                     "Saisir le N° de commande du client dans la feuille Devis.",
                     "Client {client} requires a PO number, missing on quote {quote}: no "
                     "invoice issued.",
                     "Enter the client's PO number in the Quotes sheet.")
PO_CONTRACT = message("Le client {client} exige un N° de commande, absent du contrat {contract} : "
                      "ses périodes ne sont pas facturées.",
                      "Saisir le N° de commande du client dans la feuille Contrats.",
                      "Client {client} requires a PO number, missing on contract {contract}: "
                      "its periods are not billed.",
                      "Enter the client's PO number in the Contracts sheet.")
CONTRACT_LINE_UNREADABLE = message(
    "Contrat {contract} : une de ses lignes (feuille Lignes de contrat) est illisible et a "
    "été ignorée ; le contrat n'est pas facturé, pour ne pas émettre une facture incomplète.",
    "Corriger la ligne signalée dans la feuille Lignes de contrat.",
    "Contract {contract}: one of its lines (Contract lines sheet) is unreadable and was "
    "skipped; the contract is not billed, so as not to issue an incomplete invoice.",
    "Correct the line reported in the Contract lines sheet.")
QUOTE_LINE_UNREADABLE = message(
    "Devis {quote} : ligne(s) {rows} de la feuille Lignes de devis illisible(s), ignorée(s) "
    "à la lecture ; le devis n'est pas facturé (ni acompte, ni échéance, ni solde), pour ne "
    "pas émettre une facture incomplète.",
    "Corriger la ou les lignes signalées dans la feuille Lignes de devis.",
    "Quote {quote}: row(s) {rows} of the Quote lines sheet unreadable, skipped by the "
    "reader; the quote is not billed (no deposit, milestone or final invoice), so as not to "
    "issue an incomplete invoice.",
    "Correct the line(s) reported in the Quote lines sheet.")
PO_DRAFT = message("Le client {client} exige un N° de commande, absent de la pièce {doc}.",
                   "Saisir le N° de commande avant l'émission.",
                   "Client {client} requires a PO number, missing on document {doc}.",
                   "Enter the PO number before issuing.")
EMPTY_QUOTE = message("Le devis {quote} (version {version}) n'a aucune ligne : rien à facturer.",
                      "Saisir les lignes du devis.",
                      "Quote {quote} (version {version}) has no lines: nothing to invoice.",
                      "Enter the quote's lines.")
MILESTONE_AMOUNT = message("L'échéance « {label} » du devis {quote} n'a ni % ni montant.",
                           "Saisir le % du devis ou le montant HT de l'échéance.",
                           "Milestone \"{label}\" of quote {quote} has neither % nor amount.",
                           "Enter the milestone's % of the quote or its net amount.")
MILESTONE_OVER = message("L'échéance « {label} » ({amount} HT) dépasse ce qui reste à facturer "
                         "sur le devis {quote} ({room} HT) : non émise.",
                         "Corriger le % ou le montant de l'échéance.",
                         "Milestone \"{label}\" ({amount} excl. VAT) exceeds what is left to "
                         "invoice on quote {quote} ({room}): not issued.",
                         "Correct the milestone's % or amount.")
TIME_CLIENT = message("Temps du {day} : client {client} inconnu, non facturé.",
                      "Corriger le code client.",
                      "Time entry of {day}: unknown client {client}, not invoiced.",
                      "Correct the client code.")


# ----------------------------------------------------------------------------- helpers
def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, in cents, summing exactly to it:
    each share rounded, the rounding remainder on the largest weight."""
    total = sum(weights, ZERO)
    if not weights or total == 0:
        return [ZERO] * len(weights)
    shares = [to_cents(amount * w / total) for w in weights]
    largest = max(range(len(weights)), key=lambda k: abs(weights[k]))
    shares[largest] += amount - sum(shares, ZERO)
    return shares


def entry_digest(*values: object) -> str:
    """A stable short digest naming a row that has no key of its own (a time entry)."""
    raw = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def month_label(day: date, lang: str) -> str:
    names = MONTHS_FR if lang == "fr" else MONTHS_EN
    return f"{names[day.month - 1]} {day.year}"


def period_label(p: Period, lang: str) -> str:
    """A contract period as its invoice lines name it: "novembre 2026", "juillet 2026 –
    septembre 2026", with the days covered when the contract starts or ends inside it."""
    months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month
    when = month_label(p.start, lang) if months == 0 else \
        f"{month_label(p.start, lang)} – {month_label(p.end, lang)}"
    if p.partial:
        when += (f" (du {p.first:%d/%m/%Y} au {p.last:%d/%m/%Y})" if lang == "fr" else
                 f" ({p.first.isoformat()} to {p.last.isoformat()})")
    return when


def _shown(day: object, fr: bool) -> str:
    """A date inside a line's label: 01/12/2026 in French, 2026-12-01 in English."""
    if not isinstance(day, date):
        return "" if day is None else str(day)
    return f"{day:%d/%m/%Y}" if fr else day.isoformat()


def _fmt_rate(rate: Decimal, fr: bool) -> str:
    body = format((rate * 100).normalize(), "f")
    return body.replace(".", ",") + " %" if fr else body + "%"


class _Clients:
    """What generation needs to know of each client."""

    def __init__(self, ctx: Ctx) -> None:
        self.index = ctx.client_by_id if ctx.has("Clients") else {}
        self.terms = ctx.col("Clients", "terms") if ctx.has("Clients") else []
        self.po = ctx.col("Clients", "po_required") if ctx.has("Clients") else []
        self.country = ctx.col("Clients", "country") if ctx.has("Clients") else []
        self.vat = ctx.col("Clients", "vat_number") if ctx.has("Clients") else []
        self.language = ctx.col("Clients", "language") if ctx.has("Clients") else []
        self.default_lang = "fr" if ctx.fr else "en"
        self._reverse: dict[int, bool] = {}

    def lang(self, c: int) -> str:
        """The language of the client's documents: the words Facturier adds to a line
        (months, periods, deductions) follow it, as the document's own texts do."""
        typed = text(self.language[c]) if c < len(self.language) else ""
        return typed if typed in ("fr", "en") else self.default_lang

    def find(self, client: object) -> int | None:
        return self.index.get(norm(client))

    def reverse_charge(self, c: int) -> bool:
        """An EU business client outside France with a valid VAT number: services are
        reverse-charged (0 %, "Autoliquidation")."""
        known = self._reverse.get(c)
        if known is None:  # asked once per document: a year of contracts asks it thousands
            known = self._reverse[c] = reverse_charged(text(self.country[c]),
                                                       text(self.vat[c]))
        return known

    def po_required(self, c: int) -> bool:
        return bool(self.po[c] == "yes")


class _Planner:
    def __init__(self, ctx: Ctx, day: date) -> None:
        self.ctx = ctx
        self.day = day
        self.fr = ctx.fr
        self.clients = _Clients(ctx)
        self.default_terms = text(ctx.setting("default_terms")) or "30d"
        self.convention = text(ctx.setting("eom_convention")) or "days_then_eom"
        self.currency = text(ctx.setting("currency")) or "EUR"
        self.documents: list[Document] = []
        self.unreadable = ctx.skipped.get("LignesContrat", {})
        self.unreadable_quotes = ctx.skipped.get("LignesDevis", {})

    # ------------------------------------------------------------------ common
    def _terms(self, c: int | None, typed: object = None) -> str:
        for value in (typed, self.clients.terms[c] if c is not None else None,
                      self.default_terms):
            if text(value) in TERM_DAYS:
                return text(value)
        return "30d"

    def _vat(self, c: int, rate: Decimal | None) -> Decimal:
        if self.clients.reverse_charge(c):
            return ZERO
        return DEFAULT_VAT if rate is None else rate

    def _new(self, kind: str, c: int, client: str, subject: str, lines: list[NewLine],
             sources: list[str], **extra: object) -> Document:
        terms = self._terms(c)
        doc = Document(kind, client, subject, lines, sources, self.day, terms,
                       due_date(self.day, terms, self.convention), currency=self.currency,
                       **extra)  # type: ignore[arg-type]
        self.documents.append(doc)
        return doc

    # ------------------------------------------------------------------ hand drafts
    def drafts(self) -> None:
        ctx = self.ctx
        if not ctx.has("Factures"):
            return
        status, types = ctx.inv_status, ctx.inv_type
        numbers = ctx.col("Factures", "number")
        for i in range(len(status)):
            if status[i] == "to_issue" and not text(numbers[i]):
                self._draft(i, types[i] or "invoice")

    def _draft(self, i: int, kind: str) -> None:
        ctx = self.ctx
        col: Callable[[str], Any] = lambda key: ctx.col("Factures", key)[i]
        ref = text(col("id"))
        client = text(col("client"))
        c = self.clients.find(client)
        if c is None:
            ctx.add("GEN-CLIENT", ERROR, "Factures", i, "client", ref, UNKNOWN_CLIENT,
                    client=client)
            return
        lines = [NewLine(text(ctx.col("LignesFacture", "label")[k]),
                         ctx.col("LignesFacture", "quantity")[k] or ZERO,
                         text(ctx.col("LignesFacture", "unit")[k]),
                         ctx.col("LignesFacture", "unit_price")[k] or ZERO,
                         ctx.col("LignesFacture", "vat_rate")[k] or ZERO,
                         text(ctx.col("LignesFacture", "source")[k]), *_service(ctx, k))
                 for k in ctx.lines(i)]
        own_lines = bool(lines)
        credited, credited_date = text(col("credited")), None
        if kind == "credit_note":
            j = ctx.posted_by_number(credited) if credited else None
            if j is None or ctx.inv_type[j] == "credit_note":
                ctx.add("GEN-CREDIT", ERROR, "Factures", i, "credited", ref, CREDIT_TARGET,
                        credited=credited)
                return
            credited = text(ctx.inv_number[j])
            credited_date = ctx.col("Factures", "issue_date")[j]
            if not lines:  # a full cancellation: the invoice's lines, negated
                lines = [NewLine(text(ctx.col("LignesFacture", "label")[k]),
                                 -(ctx.col("LignesFacture", "quantity")[k] or ZERO),
                                 text(ctx.col("LignesFacture", "unit")[k]),
                                 ctx.col("LignesFacture", "unit_price")[k] or ZERO,
                                 ctx.col("LignesFacture", "vat_rate")[k] or ZERO,
                                 f"avoir:{credited}", *_service(ctx, k))
                         for k in ctx.lines(j)]
            amount = Document("credit_note", client, "", lines, [], self.day, "", None
                              ).totals()[2]
            room = self._left_to_credit(j)
            if amount >= 0:
                ctx.add("GEN-SIGN", ERROR, "Factures", i, "total", ref, CREDIT_SIGN,
                        doc=ref, amount=ctx.money(amount))
                return
            if -amount > room:
                ctx.add("GEN-CREDIT-OVER", ERROR, "Factures", i, "total", ref, CREDIT_OVER,
                        amount=ctx.money(-amount), credited=credited, room=ctx.money(room))
                return
        if not lines:
            ctx.add("GEN-NO-LINES", ERROR, "Factures", i, "id", ref, NO_LINES, doc=ref)
            return
        if kind != "credit_note":
            amount = Document(kind, client, "", lines, [], self.day, "", None).totals()[2]
            if amount <= 0:
                ctx.add("GEN-SIGN", ERROR, "Factures", i, "total", ref, INVOICE_SIGN,
                        doc=ref, amount=ctx.money(amount))
                return
            if self.clients.po_required(c) and not text(col("po")):
                ctx.add("GEN-PO", ERROR, "Factures", i, "po", ref, PO_DRAFT, client=client,
                        doc=ref)
                return
        typed_date = col("issue_date")
        day = self.day
        if isinstance(typed_date, date):
            if typed_date > self.day:
                ctx.add("GEN-DATE", ERROR, "Factures", i, "issue_date", ref, DATE_AFTER,
                        doc=ref, day=ctx.day(typed_date), today=ctx.day(self.day))
                return
            day = typed_date
        terms = self._terms(c, col("terms"))
        due = col("due_date")
        if not isinstance(due, date):
            due = due_date(day, terms, self.convention)
        elif due > latest_legal_due(day):
            ctx.add("GEN-TERMS", ERROR, "Factures", i, "due_date", ref, DUE_ILLEGAL,
                    due=ctx.day(due), latest=ctx.day(latest_legal_due(day)))
            return
        what = {"invoice": ("Facture", "Invoice"), "deposit": ("Acompte", "Deposit"),
                "credit_note": ("Avoir", "Credit note")}[kind][0 if self.fr else 1]
        subject = f"{what} {ref}" + (f" → {credited}" if credited else "")
        version = col("quote_version")
        self.documents.append(Document(
            kind, client, subject, lines, [f"brouillon:{norm(ref)}"], day, terms, due,
            quote=text(col("quote")), quote_version=version if isinstance(version, int) else
            None, po=text(col("po")), credited=credited, credited_date=credited_date,
            currency=text(col("currency")) or self.currency, draft=i, draft_lines=own_lines))

    def _left_to_credit(self, j: int) -> Decimal:
        """What may still be credited on issued invoice j: its total less the credit notes
        already issued on it and those planned in this run."""
        ctx = self.ctx
        total = ctx.col("Factures", "total")[j] or ZERO
        number = norm(ctx.inv_number[j])
        credited = ctx.keys("Factures", "credited")
        done = sum((ctx.col("Factures", "total")[k] or ZERO
                    for k, p in enumerate(ctx.posted)
                    if p and credited[k] == number and ctx.inv_type[k] == "credit_note"), ZERO)
        planned = sum((d.totals()[2] for d in self.documents
                       if d.kind == "credit_note" and norm(d.credited) == number), ZERO)
        return total + done + planned

    # ------------------------------------------------------------------ quotes
    def quotes(self) -> None:
        ctx = self.ctx
        if not ctx.has("Devis", "LignesDevis"):
            return
        by_time = set(ctx.keys("Temps", "project")) if ctx.has("Temps") else set()
        milestones: dict[str, list[int]] = defaultdict(list)
        if ctx.has("Echeances"):
            for k, quote in enumerate(ctx.keys("Echeances", "quote")):
                milestones[quote].append(k)
        drafted: dict[str, Decimal] = defaultdict(Decimal)  # hand drafts about to be issued
        for d in self.documents:
            if d.quote:
                drafted[norm(d.quote)] += d.totals()[0]
        for quote, t in ctx.quote_target.items():
            if quote in by_time:
                continue
            before = len(self.documents)
            self._quote(quote, t, milestones.get(quote, []), drafted[quote])
            c = self.clients.find(ctx.col("Devis", "client")[t])
            if len(self.documents) > before and c is not None and \
                    self.clients.po_required(c) and not text(ctx.col("Devis", "po")[t]):
                del self.documents[before:]  # the client would reject it
                number = text(ctx.col("Devis", "number")[t])
                ctx.add("GEN-PO", ERROR, "Devis", t, "po", number, PO_MISSING,
                        client=text(ctx.col("Devis", "client")[t]), quote=number)

    def _quote(self, quote: str, t: int, milestones: list[int], drafted: Decimal) -> None:
        ctx = self.ctx
        q: Callable[[str], Any] = lambda key: ctx.col("Devis", key)[t]
        number, version, client = text(q("number")), q("version"), text(q("client"))
        billed_docs = ctx.billed_on_quote.get(quote, [])
        delivered = q("delivered")
        done = isinstance(delivered, date) and delivered <= self.day
        pct = q("deposit_pct")
        plain = not (pct and pct > 0 and not done and not billed_docs and not drafted) and \
            not (milestones and not done and self._any_ready(milestones))
        if plain and not done:
            return  # nothing due yet: most quotes, decided before any arithmetic
        held = damage(ctx).on_quote(quote, client)
        if held is not None:
            # a document of this quote could not be read whole: what it billed is unknown
            if f"devis:{quote}" not in held.sources and not (plain and
                                                               ctx.finally_billed(quote)):
                ctx.add("GEN-DAMAGED", ERROR, "Devis", t, "number", number, HELD_BACK,
                        quote=number, number=held.number, sheet=held.sheet, cell=held.where)
            return
        skipped = self.unreadable_quotes.get(quote)
        if skipped and not (plain and ctx.finally_billed(quote)):
            # something may be due, but billing it now would leave that line out (and the
            # quote's total, short of it, could even look billed in full)
            ctx.add("GEN-QUOTE-LINE", ERROR, "Devis", t, "number", number,
                    QUOTE_LINE_UNREADABLE, quote=number,
                    rows=", ".join(str(r) for r in sorted(set(skipped))))
            return
        if plain:
            total = ctx.col("Devis", "net")[t]
            if total is not None and sum((ctx.col("Factures", "net")[i] or ZERO
                                          for i in billed_docs), drafted) >= total:
                return  # delivered and billed in full
        c = self.clients.find(client)
        if c is None:
            ctx.add("GEN-CLIENT", ERROR, "Devis", t, "client", number, UNKNOWN_CLIENT,
                    client=client)
            return
        qlines = ctx.quote_lines(t)
        if not qlines:
            ctx.add("GEN-QUOTE-EMPTY", WARNING, "Devis", t, "number", number, EMPTY_QUOTE,
                    quote=number, version=version)
            return
        label = ctx.col("LignesDevis", "label")
        qty = ctx.col("LignesDevis", "quantity")
        unit = ctx.col("LignesDevis", "unit")
        price = ctx.col("LignesDevis", "unit_price")
        rate = ctx.col("LignesDevis", "vat_rate")
        nets = [line_net(qty[k] or ZERO, price[k] or ZERO) for k in qlines]
        reverse = self.clients.reverse_charge(c)
        rates = [ZERO if reverse else (DEFAULT_VAT if rate[k] is None else rate[k])
                 for k in qlines]
        q_net = sum(nets, ZERO)
        billed = sum((ctx.col("Factures", "net")[i] or ZERO for i in billed_docs), ZERO)
        billed += drafted
        po = text(q("po"))
        extra = {"quote": number, "quote_version": version if isinstance(version, int) else
                 None, "po": po}
        fr = self.fr
        # a deposit, once accepted, while nothing is billed and the work is not delivered
        if pct and pct > 0 and not done and not billed_docs and not drafted:
            amount = to_cents(q_net * pct)
            bases: dict[Decimal, Decimal] = defaultdict(Decimal)
            for n, r in zip(nets, rates):
                bases[r] += n
            keys = sorted(bases, reverse=True)
            shares = allocate(amount, [bases[r] for r in keys])
            word = "Acompte" if fr else "Deposit"
            head = (f"{word} de {_fmt_rate(pct, fr)} sur le devis {number}" if fr else
                    f"{word} of {_fmt_rate(pct, fr)} on quote {number}")
            lines = [NewLine(head + (f" (TVA {_fmt_rate(r, fr)})" if len(keys) > 1 else ""),
                             ONE, "", s, r, f"acompte:{number}")
                     for r, s in zip(keys, shares) if s]
            self._new("deposit", c, client, head, lines, [f"acompte:{norm(number)}"],
                      **extra)
            billed += amount
        # milestones ready to invoice
        ms_label = ctx.col("Echeances", "label") if milestones else []
        ms_status = ctx.col("Echeances", "status") if milestones else []
        ms_invoice = ctx.col("Echeances", "invoice") if milestones else []
        ms_pct = ctx.col("Echeances", "pct") if milestones else []
        ms_amount = ctx.col("Echeances", "amount") if milestones else []
        open_ms = [m for m in milestones if not text(ms_invoice[m])]
        for m in open_ms:
            if ms_status[m] != "ready" or done:
                continue
            ms_due = ms_amount[m] if ms_amount[m] is not None else (
                to_cents(q_net * ms_pct[m]) if ms_pct[m] is not None else None)
            m_label = text(ms_label[m])
            if ms_due is None or ms_due <= 0:
                ctx.add("GEN-MILESTONE", ERROR, "Echeances", m, "pct", number,
                        MILESTONE_AMOUNT, label=m_label, quote=number)
                continue
            if billed + ms_due > q_net:
                ctx.add("GEN-MILESTONE", ERROR, "Echeances", m, "amount", number,
                        MILESTONE_OVER, label=m_label, quote=number, amount=ctx.money(ms_due),
                        room=ctx.money(max(ZERO, q_net - billed)))
                continue
            shares = allocate(ms_due, nets)
            planned = ctx.col("Echeances", "planned_date")[m]
            reached = planned if isinstance(planned, date) and planned <= self.day else None
            lines = [NewLine(f"{m_label} – {text(label[k])}", ONE, "", s, r,
                             f"jalon:{number}", reached)
                     for k, s, r in zip(qlines, shares, rates) if s]
            subject = (f"Échéance « {m_label} » du devis {number}" if fr else
                       f"Milestone \"{m_label}\" of quote {number}")
            self._new("invoice", c, client, subject, lines,
                      [f"jalon:{norm(number)}:{fold_label(m_label)}"], milestones=[m],
                      **extra)
            billed += ms_due
        # the final invoice, once delivered: the quote in full, less what was billed
        if not done or billed >= q_net:
            return
        lines = [NewLine(text(label[k]), qty[k] or ZERO, text(unit[k]), price[k] or ZERO, r,
                         f"devis:{number}", delivered)
                 for k, r in zip(qlines, rates)]
        lines += self._deductions(billed_docs, c)
        full = not billed_docs
        subject = ((f"Devis {number}" if fr else f"Quote {number}") if full else
                   (f"Solde du devis {number}" if fr else f"Balance of quote {number}"))
        self._new("invoice", c, client, subject, lines, [f"solde:{norm(number)}"],
                  milestones=[m for m in open_ms if ms_status[m] != "invoiced"], **extra)

    def _any_ready(self, milestones: list[int]) -> bool:
        status = self.ctx.col("Echeances", "status")
        invoice = self.ctx.col("Echeances", "invoice")
        return any(status[m] == "ready" and not text(invoice[m]) for m in milestones)

    def _deductions(self, docs: list[int], c: int) -> list[NewLine]:
        """One negative line per earlier document and VAT rate: what it billed."""
        ctx = self.ctx
        out = []
        l_net = ctx.col("LignesFacture", "net")
        l_rate = ctx.col("LignesFacture", "vat_rate")
        dates = ctx.col("Factures", "issue_date")
        for i in docs:
            bases: dict[Decimal, Decimal] = defaultdict(Decimal)
            for k in ctx.lines(i):
                bases[l_rate[k] or ZERO] += l_net[k] or ZERO
            number = text(ctx.inv_number[i])
            fr = self.clients.lang(c) == "fr"
            when = _shown(dates[i], fr)
            if ctx.inv_type[i] == "deposit":
                what = (f"Acompte {number} du {when} déduit" if fr else
                        f"Deposit {number} of {when} deducted")
            else:
                what = (f"Déjà facturé : {number} du {when}" if fr else
                        f"Already invoiced: {number} of {when}")
            several = len([b for b in bases.values() if b]) > 1
            for r in sorted(bases, reverse=True):
                if bases[r]:
                    out.append(NewLine(what + (f" (TVA {_fmt_rate(r, fr)})"
                                               if several else ""),
                                       -ONE, "", bases[r], r, f"déduction:{number}"))
        return out

    # ------------------------------------------------------------------ time
    def time(self) -> None:
        ctx = self.ctx
        if not ctx.has("Temps"):
            return
        first_of_month = self.day.replace(day=1)
        dates = ctx.col("Temps", "date")
        clients = ctx.col("Temps", "client")
        projects = ctx.col("Temps", "project")
        consultants = ctx.col("Temps", "consultant")
        qty = ctx.col("Temps", "quantity")
        rates = ctx.col("Temps", "rate")
        validated = ctx.col("Temps", "validated")
        invoice = ctx.col("Temps", "invoice")
        groups: dict[tuple[str, str, date], list[int]] = defaultdict(list)
        names: dict[tuple[str, str, date], tuple[str, str]] = {}
        for k, day in enumerate(dates):
            if validated[k] != "yes" or text(invoice[k]) or not isinstance(day, date) \
                    or day >= first_of_month or qty[k] is None or rates[k] is None:
                continue
            key = (norm(clients[k]), norm(projects[k]), day.replace(day=1))
            groups[key].append(k)
            names.setdefault(key, (text(clients[k]), text(projects[k])))
        seen: dict[str, int] = defaultdict(int)
        for key in sorted(groups, key=lambda g: (g[2], g[0], g[1])):
            entries = groups[key]
            client, project = names[key]
            c = self.clients.find(client)
            if c is None:
                k = entries[0]
                ctx.add("GEN-CLIENT", ERROR, "Temps", k, "client", client, TIME_CLIENT,
                        day=ctx.day(dates[k]), client=client)
                continue
            month = month_label(key[2], self.clients.lang(c))
            per: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
            order: list[tuple[str, Decimal]] = []
            for k in entries:
                who = (text(consultants[k]), rates[k])
                if who not in per:
                    order.append(who)
                per[who] += qty[k]
            vat = self._vat(c, None)
            suffix = f" – {project}" if project else ""
            unit = "jour" if self.clients.lang(c) == "fr" else "day"
            worked = {who: [dates[k] for k in entries
                            if (text(consultants[k]), rates[k]) == who] for who in order}
            lines = [NewLine(f"{who} – {month}{suffix}", per[(who, rate)], unit, rate, vat,
                             f"temps:{key[2]:%Y-%m}", min(worked[(who, rate)]),
                             max(worked[(who, rate)]))
                     for who, rate in order]
            sources = []
            for k in entries:
                digest = entry_digest(dates[k], norm(clients[k]), norm(projects[k]),
                                      norm(consultants[k]), qty[k], rates[k])
                seen[digest] += 1  # two identical entries are two entries
                sources.append(f"temps:{digest}:{seen[digest]}")
            subject = (f"Régie {month}{suffix}" if self.fr else f"Time and materials, "
                       f"{month}{suffix}")
            self._new("invoice", c, client, subject, lines, sources, time_entries=entries,
                      po=project if ctx.has("Devis") and project and norm(project) not in
                      ctx.quote_versions else "")

    # ------------------------------------------------------------------ contracts
    def contracts(self) -> None:
        """One invoice per contract period due and not billed (domain/recurring.py); the
        periods already in the workbook's lines are skipped here, those in the journal
        by the job."""
        ctx = self.ctx
        labels = ctx.col("Contrats", "label") if ctx.has("Contrats") else []
        refused: set[int] = set()
        for due in due_periods(ctx, self.day):
            if due.amount is None or due.index in refused:
                continue  # index value missing: reported by due_periods
            if norm(due.ref) in self.unreadable:
                ctx.add("GEN-CONTRACT-LINE", ERROR, "Contrats", due.index, "id", due.ref,
                        CONTRACT_LINE_UNREADABLE, contract=due.ref)
                refused.add(due.index)
                continue
            c = self.clients.find(due.client)
            if c is None:
                ctx.add("GEN-CLIENT", ERROR, "Contrats", due.index, "client", due.ref,
                        UNKNOWN_CLIENT, client=due.client)
                refused.add(due.index)
                continue
            if self.clients.po_required(c) and not due.po:
                ctx.add("GEN-PO", ERROR, "Contrats", due.index, "po", due.ref, PO_CONTRACT,
                        client=due.client, contract=due.ref)
                refused.add(due.index)  # the client would reject it: one finding per contract
                continue
            when = period_label(due.period, self.clients.lang(c))
            lines = [NewLine(f"{ln.label} – {when}", ln.quantity, ln.unit, ln.unit_price,
                             self._vat(c, ln.vat_rate), due.source, due.period.first,
                             due.period.last) for ln in due.lines]
            self._new("invoice", c, due.client, f"{text(labels[due.index])} – {when}", lines,
                      [due.source], po=due.po)


def _service(ctx: Ctx, k: int) -> tuple[date | None, date | None]:
    """The service date or period typed on invoice line k (dates only)."""
    got = [ctx.col("LignesFacture", key)[k] for key in ("service_start", "service_end")]
    return tuple(v if isinstance(v, date) else None for v in got)  # type: ignore[return-value]


def plan_invoices(ctx: Ctx, day: date) -> Plan:
    """Every document "Générer les factures" would issue on ``day``, and the findings
    about what cannot be billed.

    A contract or quote with a line the reader skipped (a bad or missing cell, reported
    there; ``ctx.skipped``) waits until it is fixed: billing it would issue, and number
    for good, an invoice missing that line (a deposit, a milestone or a final invoice is
    computed from the quote's lines too). The reader names a skipped quote line by its
    quote number only (its version cell may be the bad one), so every version waits.
    """
    planner = _Planner(ctx, day)
    planner.drafts()
    planner.quotes()
    planner.time()
    planner.contracts()
    return Plan(planner.documents, ctx.findings)


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
