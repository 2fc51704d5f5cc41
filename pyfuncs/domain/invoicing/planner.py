"""What every source of documents shares when planning "Générer les factures": the
clients as billing sees them, the terms, the VAT rate and the documents planned so far.

The sources themselves are modules beside this one (drafts, quotes, time_entries,
contracts), each a function over a ``Planner``.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pyfuncs.domain.context import Ctx, norm, text
from pyfuncs.domain.invoicing.document import Document, NewLine
from pyfuncs.domain.money import ZERO
from pyfuncs.domain.terms import TERM_DAYS, due_date
from pyfuncs.domain.vat import reverse_charged

DEFAULT_VAT = Decimal("0.2")
ONE = Decimal(1)


class Clients:
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


class Planner:
    """The state one planning run shares: the tables, the date, the documents so far."""

    def __init__(self, ctx: Ctx, day: date) -> None:
        self.ctx = ctx
        self.day = day
        self.fr = ctx.fr
        self.clients = Clients(ctx)
        self.default_terms = text(ctx.setting("default_terms")) or "30d"
        self.convention = text(ctx.setting("eom_convention")) or "days_then_eom"
        self.currency = text(ctx.setting("currency")) or "EUR"
        self.documents: list[Document] = []
        self.unreadable = ctx.skipped.get("LignesContrat", {})
        self.unreadable_quotes = ctx.skipped.get("LignesDevis", {})

    def terms(self, c: int | None, typed: object = None) -> str:
        """The payment terms: as typed on the document, else the client's, else the
        default of Paramètres, else 30 days."""
        for value in (typed, self.clients.terms[c] if c is not None else None,
                      self.default_terms):
            if text(value) in TERM_DAYS:
                return text(value)
        return "30d"

    def vat(self, c: int, rate: Decimal | None) -> Decimal:
        """The VAT rate of a line made for client c: 0 when reverse-charged, else the
        rate given, else the standard rate."""
        if self.clients.reverse_charge(c):
            return ZERO
        return DEFAULT_VAT if rate is None else rate

    def new(self, kind: str, c: int, client: str, subject: str, lines: list[NewLine],
            sources: list[str], **extra: object) -> Document:
        """Plan a document of this run, dated the run's day, due by the client's terms."""
        terms = self.terms(c)
        doc = Document(kind, client, subject, lines, sources, self.day, terms,
                       due_date(self.day, terms, self.convention), currency=self.currency,
                       **extra)  # type: ignore[arg-type]
        self.documents.append(doc)
        return doc

