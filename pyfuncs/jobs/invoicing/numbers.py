"""Numbers allocated through the journal: the series of each document type (refused when
it could break BR-FR-01/02), counters never below the numbers already in the workbook, and
every document recorded (number, legal content, what the workbook must show, sources) in
one transaction before any cell is written. A dry run computes the same numbers and
records nothing."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import cast

from pyfuncs.adapters.journal import Entry, Journal, NewDocument, Transaction
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import Ctx, Message, text
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.invoicing import Document, document_content
from pyfuncs.domain.numbering import (
    ChronologyError,
    PatternError,
    SeriesPattern,
    SeriesState,
    next_number,
    parse_pattern,
    seed_states,
)
from pyfuncs.jobs.invoicing.payload import IdMaker, write_payload
from pyfuncs.jobs.invoicing.result import GenerateResult, Issued

SERIES_SETTING = {"invoice": "invoice_series", "deposit": "deposit_series",
                  "credit_note": "credit_note_series"}


def series_patterns(ctx: Ctx) -> dict[str, SeriesPattern]:
    """The series of each document type, refused (a finding on its Paramètres row) when
    a number it makes could break BR-FR-01/02 or repeat."""
    reset = ctx.setting("yearly_reset")
    yearly = reset is True or text(reset).casefold() in ("yes", "oui", "true", "1")
    out: dict[str, SeriesPattern] = {}
    for kind, key in SERIES_SETTING.items():
        typed = text(ctx.setting(key)) or str(S.SETTINGS_BY_KEY[key].default)
        try:
            out[kind] = parse_pattern(typed, yearly)
        except PatternError as err:
            msg = (err.fr, "Corriger la série dans Paramètres.", err.en,
                   "Correct the series in Settings.")
            ctx.add_setting("SERIES-PATTERN", ERROR, key, cast(Message, tuple(m.replace(
                "{", "{{").replace("}", "}}") for m in msg)))
    return out


def workbook_seeds(ctx: Ctx,
                   patterns: dict[str, SeriesPattern]) -> dict[str, SeriesState]:
    """Counters implied by the numbers already in the workbook (issued before the journal
    existed, or with the journal lost): allocation never goes below them."""
    pairs = [(text(n), d if isinstance(d, date) else None)
             for n, d, p in zip(ctx.inv_number, ctx.col("Factures", "issue_date"), ctx.posted)
             if p]
    pairs += [(d.number, d.day) for d in damage(ctx).docs if d.whole]  # taken all the same
    out: dict[str, SeriesState] = {}
    for pattern in {p.text: p for p in patterns.values()}.values():
        for key, state in seed_states(pattern, pairs).items():
            old = out.get(key)
            if old is None or state.counter > old.counter:
                out[key] = state
    return out


def _allocate(doc: Document, patterns: dict[str, SeriesPattern], state_of, ctx: Ctx,
              result: GenerateResult) -> tuple[str, str, int] | None:
    pattern = patterns[doc.kind]
    key = pattern.key(doc.issue_date)
    try:
        number, counter = next_number(pattern, doc.issue_date, state_of(key))
    except (ChronologyError, PatternError) as err:
        where = ("Factures", doc.draft, "issue_date") if doc.draft is not None else \
            ("Factures", None, "")
        ctx.add("GEN-CHRONOLOGY", ERROR, where[0], where[1], where[2], doc.subject,
                (err.fr.replace("{", "{{").replace("}", "}}"),
                 "Émettre à une date égale ou postérieure à la dernière pièce de la série.",
                 err.en.replace("{", "{{").replace("}", "}}"),
                 "Issue on a date on or after the series' last document."))
        result.findings.append(ctx.findings.pop())
        return None
    return number, key, counter


def _numbered(tx: Transaction, docs: list[Document], patterns: dict[str, SeriesPattern],
              first_state: Callable[[str], SeriesState | None], ctx: Ctx,
              result: GenerateResult) -> Iterator[tuple[Document, str, str, int]]:
    """Each document not billed yet, with the next number of its series: (document,
    number, series key, counter). Counters start from ``first_state`` and advance in
    memory; a document that cannot be numbered is a finding in ``result``, skipped."""
    states: dict[str, SeriesState | None] = {}

    def state_of(key: str) -> SeriesState | None:
        if key not in states:
            states[key] = first_state(key)
        return states[key]
    done = tx.billed([s for d in docs for s in d.sources])
    for doc in docs:
        if any(s in done for s in doc.sources):
            continue  # billed by an earlier run whose workbook write was replayed
        got = _allocate(doc, patterns, state_of, ctx, result)
        if got is None:
            continue
        number, key, counter = got
        states[key] = SeriesState(counter, doc.issue_date)
        yield doc, number, key, counter


def _issued(doc: Document, number: str) -> Issued:
    net, vat, total = doc.totals()
    return Issued(number, doc.kind, doc.issue_date, doc.client, net, vat, total,
                  doc.sources, doc.subject, doc.due_date)


def expected_documents(book: Journal, docs: list[Document],
                       patterns: dict[str, SeriesPattern], ctx: Ctx,
                       result: GenerateResult) -> list[Issued]:
    """The numbers the documents would get, for a dry run: allocated in memory from the
    journal's counters and the workbook's, nothing recorded."""
    seeds = workbook_seeds(ctx, patterns)
    with book.transaction() as tx:
        def first_state(key: str) -> SeriesState | None:
            mine, seed = tx.state(key), seeds.get(key)
            return seed if mine is None or (seed and seed.counter > mine.counter) else mine
        return [_issued(doc, number) for doc, number, _, _ in
                _numbered(tx, docs, patterns, first_state, ctx, result)]


def record_documents(book: Journal, docs: list[Document],
                     patterns: dict[str, SeriesPattern], ctx: Ctx, data: WorkbookData,
                     result: GenerateResult, time_rows: dict[str, list[int]] | None = None,
                     replay: Iterable[Entry] = ()) -> list[Entry]:
    """Allocate and record the documents; ``time_rows`` receives the sheet rows of the
    time entries they bill, by key (so writing them needs no index of every entry).
    ``replay``: entries about to be written too, whose row refs are taken."""
    ids = IdMaker(ctx.col("Factures", "id"), ctx.keys("Factures", "id"))
    for e in replay:
        ids.reserve(text((e.content.get("write") or {}).get("row", {}).get("id")))
    new: list[NewDocument] = []
    with book.transaction() as tx:
        for key, state in workbook_seeds(ctx, patterns).items():
            tx.seed(key, state)
        # Counters advance in memory inside the transaction (it holds the journal's write
        # lock); record_many checks the whole run against the journal again and writes it
        # in one statement per table.
        for doc, number, key, counter in _numbered(tx, docs, patterns, tx.state, ctx, result):
            issued = _issued(doc, number)
            content = {"legal": document_content(
                number, doc.kind, doc.issue_date, doc.client, doc.credited,
                [(ln.label, ln.quantity, ln.unit_price, ln.vat_rate) for ln in doc.lines]),
                "write": write_payload(doc, ctx, ids, number, time_rows)}
            new.append(NewDocument(number, key, counter, doc.kind, doc.issue_date,
                                   doc.client, issued.net, issued.vat, issued.total, content,
                                   tuple(doc.sources)))
            result.issued.append(issued)
        entries = tx.record_many(new)
    return entries
