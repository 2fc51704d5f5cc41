"""Documents the reader could not read whole: a row skipped for a bad cell is not a row
that does not exist.

An issued invoice whose row (or one of whose lines) holds a bad cell is left out of the
tables the rules see, and its error names that cell. What could be read of it still
counts wherever it can only make Facturier more careful (ARCHITECTURE.md, principle 5:
a bad cell never loses a row):

- its number is taken: no gap before it, no reuse of it (DOMAIN.md §2);
- it is still in the sheet for the register and for the payments that name it;
- what it may have billed (its quote, the sources on its readable lines) is not billed
  again, nor reported as a billing leak: where the amount it billed is needed, the job
  holds the source back until the cell is fixed, with one finding naming that cell.

A draft without a number has billed nothing and takes no number: it is not a damaged
document (its own error says it is not issued).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import compress

from pyfuncs.domain.context import Ctx, message, norm, text

# the Origine prefixes that name a quote: "devis:D2026-0008", "jalon:…", "acompte:…"
QUOTE_SOURCES = ("devis:", "jalon:", "acompte:", "solde:")

HELD_BACK = message(
    "Devis {quote} : la pièce {number} qui le facture n'a pas pu être lue en entier "
    "(cellule {cell} de la feuille {sheet}) : ce qu'elle a facturé est inconnu, le devis "
    "n'est pas facturé tant que la cellule n'est pas corrigée.",
    "Corriger la cellule {cell} de la feuille {sheet} (voir son erreur).",
    "Quote {quote}: document {number}, which bills it, could not be read whole (cell {cell} "
    "of sheet {sheet}): what it billed is unknown, so the quote is not billed until that "
    "cell is fixed.",
    "Fix cell {cell} of sheet {sheet} (see its error).")


HELD_BACK_CONTRACT = message(
    "Contrat {contract} : la pièce {number} du client n'a pas pu être lue en entier (cellule "
    "{cell} de la feuille {sheet}) : la période qu'elle facture est inconnue, le contrat "
    "n'est pas facturé tant que la cellule n'est pas corrigée.",
    "Corriger la cellule {cell} de la feuille {sheet} (voir son erreur).",
    "Contract {contract}: a document of the client, {number}, could not be read whole (cell "
    "{cell} of sheet {sheet}): the period it bills is unknown, so the contract is not "
    "billed until that cell is fixed.",
    "Fix cell {cell} of sheet {sheet} (see its error).")


@dataclass
class DamagedDoc:
    """An issued document with a skipped row (its own, or one of its lines).

    Attributes:
      number: its number as typed.
      client: its client code as typed ('' when unreadable).
      quote: the normalised number of the quote it bills ('' when none is known).
      quote_unknown: its quote cell could not be read (it may bill any of the client's).
      sources: the normalised Origine values of the lines that could be read.
      sheet, row, column, cell: the first bad cell that made it skipped.
      whole: the document's own row is skipped (not only one of its lines).
      day: its issue date, when it could be read.
      unsent: issued and not sent (its "Envoyée le" empty): it would be sent next.
      index: its row index in the Factures table read, when only a line is skipped (its
        totals, short of that line, are not its real totals).
    """

    number: str
    client: str
    quote: str
    quote_unknown: bool
    sources: set[str] = field(default_factory=set)
    sheet: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    whole: bool = False
    day: date | None = None
    index: int | None = None
    unsent: bool = False
    source_unknown: bool = False

    @property
    def where(self) -> str:
        return self.cell or (f"{self.column} {self.row}" if self.row else self.column)


class Damage:
    """The damaged documents of a workbook, with the lookups the rules and jobs need."""

    def __init__(self, docs: list[DamagedDoc]) -> None:
        self.docs = docs
        self.numbers = {norm(d.number): d for d in docs if d.number}
        self.by_quote: dict[str, DamagedDoc] = {}
        self.by_client: dict[str, list[DamagedDoc]] = defaultdict(list)
        self.sources: set[str] = set()
        self.short = {d.index for d in docs if d.index is not None}  # totals short of a line
        # clients with a line whose Origine cannot be read: any of their contract periods
        # may be billed by it ('' when the client cannot be told either)
        self.unknown_sources = {norm(d.client): d for d in docs if d.source_unknown}
        for d in docs:
            self.by_client[norm(d.client)].append(d)
            self.sources |= d.sources
            for quote in {d.quote} | {s.split(":", 2)[1] for s in d.sources
                                      if s.startswith(QUOTE_SOURCES)}:
                if quote:
                    self.by_quote.setdefault(quote, d)

    def __bool__(self) -> bool:
        return bool(self.docs)

    def on_quote(self, quote: str, client: object) -> DamagedDoc | None:
        """The damaged document that may have billed this quote (normalised number):
        one naming it, or one of its client whose quote cell could not be read."""
        doc = self.by_quote.get(quote)
        if doc is not None:
            return doc
        return next((d for d in self.by_client.get(norm(client), ()) if d.quote_unknown),
                    None)


def damage(ctx: Ctx) -> Damage:
    """The workbook's damaged documents, found once per run (kept on ``ctx``)."""
    memo = ctx.__dict__.get("_damage")
    if memo is None:
        memo = ctx.__dict__["_damage"] = Damage(_find(ctx))
    return memo


def _skipped(ctx: Ctx, table: str):  # type: ignore[no-untyped-def]
    tv = ctx.tables.get(table)
    return getattr(tv, "skipped", None) if tv is not None else None


def _find(ctx: Ctx) -> list[DamagedDoc]:
    if not ctx.has("Factures"):
        return []
    inv, lines = _skipped(ctx, "Factures"), _skipped(ctx, "LignesFacture")
    if not inv and not lines:
        return []
    sheet = ctx.tables["Factures"].sheet
    by_id: dict[str, DamagedDoc] = {}
    out: list[DamagedDoc] = []
    drafts: set[str] = set()  # ids of skipped drafts: their lines billed nothing
    if inv:
        c = inv.cols
        for k, row in enumerate(inv.rows):
            number = text(c["number"][k])
            unreadable = inv.bad[k][0] == ctx.tables["Factures"].labels.get("number")
            if c["status"][k] == "draft" or not (number or unreadable):
                drafts.add(norm(c["id"][k]))
                continue
            quote = norm(c["quote"][k])
            credited = c.get("credited", [None] * len(inv.rows))[k]
            if not quote and c["type"][k] in ("credit_note", None) and text(credited):
                j = ctx.posted_by_number(credited)
                quote = ctx.keys("Factures", "quote")[j] if j is not None else ""
            column, cell = inv.bad[k]
            client = text(c["client"][k]) if _known(ctx, c["client"][k]) else \
                _client_of(ctx, number, quote)
            doc = DamagedDoc(number, client, quote,
                             quote_unknown=column == ctx.tables["Factures"].labels.get("quote"),
                             sheet=sheet, row=row, column=column, cell=cell, whole=True,
                             day=_day(c["issue_date"][k]),
                             unsent=c["status"][k] in ("issued", None) and
                             not c.get("sent_date", [None] * len(inv.rows))[k])
            out.append(doc)
            if norm(c["id"][k]):
                by_id[norm(c["id"][k])] = doc
    if ctx.has("LignesFacture"):
        source = ctx.col("LignesFacture", "source")
        for k, owner in enumerate(ctx.keys("LignesFacture", "invoice")):
            whole = by_id.get(owner)
            if whole is not None and source[k]:
                whole.sources.add(norm(source[k]))
    if lines:
        lsheet = ctx.tables["LignesFacture"].sheet
        for k, row in enumerate(lines.rows):
            owner = norm(lines.cols["invoice"][k])
            found = by_id.get(owner)
            if found is not None:
                doc = found
            else:
                i = ctx.inv_by_id.get(owner)
                column, cell = lines.bad[k]
                if i is None and owner not in drafts and \
                        column == ctx.tables["LignesFacture"].labels.get("invoice"):
                    i = _short_of_a_line(ctx)
                    if i is None:  # its invoice cannot be told: any may be short of it
                        doc = DamagedDoc("", "", "", False, set(), lsheet, row, column, cell)
                        out.append(doc)
                        if lines.cols["source"][k]:
                            doc.sources.add(norm(lines.cols["source"][k]))
                        continue
                if i is None or not ctx.posted[i]:
                    continue  # a draft's line: nothing billed
                doc = by_id[owner] = DamagedDoc(
                    ctx.inv_ref(i), text(ctx.col("Factures", "client")[i]),
                    ctx.invoice_quote(i), False,
                    {norm(s) for s in (ctx.col("LignesFacture", "source")[m]
                                       for m in ctx.lines(i)) if s},
                    lsheet, row, column, cell,
                    day=_day(ctx.col("Factures", "issue_date")[i]), index=i)
                out.append(doc)
            if lines.cols["source"][k]:
                doc.sources.add(norm(lines.cols["source"][k]))
            elif lines.bad[k][0] == ctx.tables["LignesFacture"].labels.get("source"):
                doc.quote_unknown = doc.source_unknown = True  # it may bill any of them
    return out


def held_contract(hurt: Damage, client: object) -> DamagedDoc | None:
    """The damaged document that may have billed a period of this client's contracts."""
    return hurt.unknown_sources.get(norm(client)) or hurt.unknown_sources.get("")


def _known(ctx: Ctx, client: object) -> bool:
    """A client code the Clients sheet holds (any, when that sheet was not read, or when
    one of its rows is skipped for an unreadable code: the code may be that row's)."""
    if not text(client):
        return False
    if "Clients" not in ctx.tables or norm(client) in ctx.client_by_id:
        return True
    lost = _skipped(ctx, "Clients")
    return lost is not None and any(code is None for code in lost.cols.get("id", ()))


def _client_of(ctx: Ctx, number: str, quote: str) -> str:
    """The client of an invoice whose client cell cannot be read: the one its payments,
    the time it billed or its quote name ('' when none does)."""
    for table in ("Paiements", "Temps"):
        if number and ctx.has(table):
            names = ctx.keys(table, "invoice")
            clients = ctx.col(table, "client")
            for k, n in enumerate(names):
                if n == norm(number) and _known(ctx, clients[k]):
                    return text(clients[k])
    if quote and ctx.has("Devis"):
        for k, q in enumerate(ctx.keys("Devis", "number")):
            if q == quote:
                return text(ctx.col("Devis", "client")[k])
    return ""


def _short_of_a_line(ctx: Ctx) -> int | None:
    """The one issued invoice whose net total, as the file last computed it, is more
    than its readable lines add up to: the invoice a line of unreadable reference
    belongs to. None when no single invoice tells."""
    tv = ctx.tables["Factures"]
    cached = getattr(tv, "cached", {}).get("net")
    if not cached:
        return None
    net = ctx.col("Factures", "net")
    short = [i for i, (was, now) in enumerate(zip(cached, net))
             if was is not None and now is not None and was != now and ctx.posted[i]]
    return short[0] if len(short) == 1 else None


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


@dataclass(frozen=True)
class LeftOut:
    """A row the aged balance cannot count, as the client's balance names it.

    Attributes:
      client: the client code as typed ('' when it could not be read).
      sheet, row, cell: the row left out and its first bad cell.
      number: the invoice it is (or the payment names), '' when none.
    """

    client: str
    sheet: str
    row: int | None
    cell: str
    number: str


@dataclass
class Incomplete:
    """What the aged balance must leave out: the rows it cannot count, and the invoice
    and payment rows read whole whose amount depends on them (an invoice short of a
    skipped line, the credit notes and payments of a skipped invoice), by row index in
    the tables read."""

    rows: list[LeftOut] = field(default_factory=list)
    invoices: set[int] = field(default_factory=set)
    payments: set[int] = field(default_factory=set)

    def by_client(self) -> dict[str, list[LeftOut]]:
        out: dict[str, list[LeftOut]] = defaultdict(list)
        for r in self.rows:
            out[norm(r.client)].append(r)
        return out


def incomplete(ctx: Ctx) -> Incomplete:
    """The rows an aged balance as of any date cannot count, and what depends on them:
    a client's balance without them would silently be wrong, so it is marked
    incomplete instead (DOMAIN.md §8), naming them."""
    out = Incomplete()
    hurt = damage(ctx)
    numbers = set(hurt.numbers)
    for d in hurt.docs:
        out.rows.append(LeftOut(d.client, d.sheet, d.row, d.cell, d.number))
        if d.index is not None:
            out.invoices.add(d.index)
    if numbers and ctx.has("Factures"):
        credited = ctx.keys("Factures", "credited")
        for i in compress(range(len(credited)), credited):
            if credited[i] in numbers:
                out.invoices.add(i)
                numbers.add(ctx.keys("Factures", "number")[i])
    if ctx.has("Paiements"):
        p_numbers = ctx.keys("Paiements", "invoice")
        if numbers:
            gone = {ctx.keys("Factures", "number")[i] for i in out.invoices} | numbers
            gone.discard("")
            out.payments = {k for k, n in enumerate(p_numbers) if n in gone}
        bad = _skipped(ctx, "Paiements")
        if bad:
            sheet = ctx.tables["Paiements"].sheet
            inv_client = ctx.col("Factures", "client") if ctx.has("Factures") else []
            for k, row in enumerate(bad.rows):
                client = text(bad.cols["client"][k])
                if not _known(ctx, client):
                    client = ""  # a code no client has: the invoice tells, or nobody
                number = text(bad.cols["invoice"][k])
                if not client and number:
                    j = ctx.posted_by_number(number) if ctx.has("Factures") else None
                    doc = hurt.numbers.get(norm(number))
                    client = text(inv_client[j]) if j is not None else \
                        doc.client if doc is not None else ""
                out.rows.append(LeftOut(client, sheet, row, bad.bad[k][1], number))
    return out
