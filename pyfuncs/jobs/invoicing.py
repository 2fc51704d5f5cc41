"""The "Générer les factures" job: plan, number through the journal, write the workbook.

Exactly once (ARCHITECTURE.md principle 7): the whole job holds the workbook's lock, so
two runs never interleave; every document is recorded in the journal (number, content,
sources, hash chained to the previous entry) in one transaction *before* the workbook is
written; then the workbook is written in one atomic commit; then the entries are marked
written. A crash between the two leaves entries "pending", which the next run writes to
the workbook first (a replay), so nothing is issued twice and no number is lost.

Each journal entry holds the document's legal content (what the register fingerprints
and the check job compares with the workbook) and what the workbook needs to show it (the
rows to write), so a replay needs nothing but the journal.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import cast

from pyfuncs.adapters.journal import Entry, Journal, NewDocument, is_url, journal_exists
from pyfuncs.adapters.workbook_file import WorkbookSource, Writer, as_source
from pyfuncs.adapters.xlsx_read import WorkbookData, WorkbookError
from pyfuncs.domain import schema as S
from pyfuncs.domain.checks import collector_paused
from pyfuncs.domain.context import Ctx, Message, norm, text
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import ERROR, Finding
from pyfuncs.domain.invoicing import Document, document_content, entry_digest, plan_invoices
from pyfuncs.domain.numbering import (
    ChronologyError,
    PatternError,
    SeriesPattern,
    SeriesState,
    next_number,
    parse_pattern,
    seed_states,
)
from pyfuncs.jobs.load import journal_path, load, open_journal, skipped_lines
from pyfuncs.jobs.sheets import sheet_columns as _columns
from pyfuncs.jobs.sheets import stamp as _stamp

Progress = Callable[[str], None]
SERIES_SETTING = {"invoice": "invoice_series", "deposit": "deposit_series",
                  "credit_note": "credit_note_series"}


# What issuing reads: not the payments, reminders or rates (a third of a big workbook).
GENERATE_TABLES = ["Parametres", "Clients", "Devis", "LignesDevis", "Echeances", "Temps",
                   "Factures", "LignesFacture", "Contrats", "LignesContrat", "Indices"]
# Sheets added after workbooks were already in use: a workbook without them is read without.
LATER_TABLES = ("Contrats", "LignesContrat", "Indices")


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Issued:
    """A document issued (or, in a dry run, that would be, with its expected number)."""

    number: str
    kind: str
    date: date
    client: str
    net: Decimal
    vat: Decimal
    total: Decimal
    sources: list[str]
    subject: str = ""
    due_date: dt.date | None = None  # (``date`` is the field above)

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "type": self.kind, "date": self.date.isoformat(),
                "client": self.client, "net": str(self.net), "vat": str(self.vat),
                "total": str(self.total), "sources": self.sources,
                "subject": self.subject,
                "due_date": self.due_date.isoformat() if self.due_date else None}


@dataclass
class GenerateResult:
    path: Path
    dry_run: bool
    issued: list[Issued] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)


class SettingsError(Exception):
    """A numbering setting that would make illegal numbers: nothing can be issued."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


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


# ----------------------------------------------------------------------------- the job
def run_generate(path: WorkbookSource | Path, day: date, *, dry_run: bool = False, preview: bool = False,
                 progress: Progress = _quiet, journal: Path | str | None = None) -> GenerateResult:
    """Issue every document due on ``day`` (see domain/invoicing/).

    ``dry_run``: list them, with the numbers they would get, allocating nothing; with
    ``preview`` the list is also written to the "Aperçu facturation" sheet, for the
    accountant to read before confirming.
    """
    source = as_source(path)
    # A year of contracts is 16,000 documents, their lines, contents and rows: no cycle
    # among them, but the cyclic collector's full passes rescanned them (and the workbook
    # read) a dozen times, a third of the job. Memory is still freed by reference counts.
    with collector_paused():
        return _generate(source, day, dry_run, preview, progress, journal)


def _generate(source: WorkbookSource, day: date, dry_run: bool, preview: bool,
              progress: Progress, journal: Path | str | None) -> GenerateResult:
    path = source.path
    with source.lock():
        loaded = _load(source, day, progress)
        data = loaded.data
        ctx = Ctx(data.tables, loaded.computed, data.settings, day, data.lang,
                  skipped=skipped_lines(data))
        patterns = series_patterns(ctx)
        if len(patterns) < len(SERIES_SETTING):
            raise SettingsError(ctx.findings)
        progress("plan")
        plan = plan_invoices(ctx, day)
        # a bad cell (a time entry whose days are text...) is not billed: say so
        result = GenerateResult(path, dry_run, findings=loaded.findings + ctx.findings)
        where = journal or journal_path(data)
        if dry_run:
            # a dry run creates no journal file
            with (tempfile.TemporaryDirectory() as empty,
                  Journal(where if journal_exists(where) else Path(empty) / "none.sqlite")
                  as book):
                result.issued = _expected(book, plan.documents, patterns, ctx, result)
            if preview:
                writer = source.writer()
                _write_preview(writer, data, result, datetime.now())
                writer.commit()
            return result
        with open_journal(data, where) as book:
            in_book = set(ctx.keys("Factures", "number"))  # norm of each, built once
            in_book.discard("")
            in_book |= set(damage(ctx).numbers)  # in the sheet, though not read whole
            pending = book.pending()
            # A shared journal also holds what the team issued from the workbook since
            # this copy was read: written into it too, so every copy shows every document.
            known = book.entries() if is_url(where) else pending
            replay = [e for e in known if norm(e.number) not in in_book]
            # refused now, before any number is allocated, if Excel holds the file
            writer = source.writer()
            progress("number")
            time_rows: dict[str, list[int]] = {}  # time entries this run bills, by key
            entries = _record(book, plan.documents, patterns, ctx, data, result, time_rows,
                              replay)
            todo = replay + entries
            progress("write")
            _apply(writer, data, ctx, todo, time_rows)
            when = datetime.now()
            _write_register(writer, data, book.entries(known=entries), when)
            if S.sheet_name("billing_preview", data.lang) in writer.sheet_names():
                _write_preview(writer, data, GenerateResult(path, True), when)
            writer.commit()
            book.mark_written([e.number for e in pending] + [e.number for e in entries])
            result.replayed = [e.number for e in replay]
    return result


def _load(source: WorkbookSource, day: date, progress: Progress):
    """The tables issuing reads; a workbook made before the Contrats and Indices sheets
    existed is read without them (and bills no contract)."""
    tables = list(GENERATE_TABLES)
    while True:
        try:
            return load(source, day, progress, checks=False, tables=tables, formulas=False)
        except WorkbookError as err:
            later = [t for t in LATER_TABLES if t in tables and f"table {t} " in str(err)]
            if not later:
                raise
            tables.remove(later[0])


def _seeds(ctx: Ctx, patterns: dict[str, SeriesPattern]) -> dict[str, SeriesState]:
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


def _expected(book: Journal, docs: list[Document], patterns: dict[str, SeriesPattern],
              ctx: Ctx, result: GenerateResult) -> list[Issued]:
    seeds = _seeds(ctx, patterns)
    states: dict[str, SeriesState | None] = {}
    with book.transaction() as tx:
        def state_of(key: str) -> SeriesState | None:
            if key not in states:
                mine, seed = tx.state(key), seeds.get(key)
                states[key] = seed if mine is None or (seed and seed.counter > mine.counter) \
                    else mine
            return states[key]
        done = tx.billed([s for d in docs for s in d.sources])
        out = []
        for doc in docs:
            if any(s in done for s in doc.sources):
                continue
            got = _allocate(doc, patterns, state_of, ctx, result)
            if got is None:
                continue
            number, key, counter = got
            states[key] = SeriesState(counter, doc.issue_date)
            net, vat, total = doc.totals()
            out.append(Issued(number, doc.kind, doc.issue_date, doc.client, net, vat, total,
                              doc.sources, doc.subject, doc.due_date))
    return out


def _record(book: Journal, docs: list[Document], patterns: dict[str, SeriesPattern],
            ctx: Ctx, data: WorkbookData, result: GenerateResult,
            time_rows: dict[str, list[int]] | None = None,
            replay: Iterable[Entry] = ()) -> list[Entry]:
    """Allocate and record the documents; ``time_rows`` receives the sheet rows of the
    time entries they bill, by key (so writing them needs no index of every entry).
    ``replay``: entries about to be written too, whose row refs are taken."""
    ids = _IdMaker(ctx.col("Factures", "id"), ctx.keys("Factures", "id"))
    for e in replay:
        ids.reserve(text((e.content.get("write") or {}).get("row", {}).get("id")))
    new: list[NewDocument] = []
    with book.transaction() as tx:
        for key, state in _seeds(ctx, patterns).items():
            tx.seed(key, state)
        # Counters advance in memory inside the transaction (it holds the journal's write
        # lock); record_many checks the whole run against the journal again and writes it
        # in one statement per table.
        states: dict[str, SeriesState | None] = {}

        def state_of(key: str) -> SeriesState | None:
            if key not in states:
                states[key] = tx.state(key)
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
            net, vat, total = doc.totals()
            content = {"legal": document_content(
                number, doc.kind, doc.issue_date, doc.client, doc.credited,
                [(ln.label, ln.quantity, ln.unit_price, ln.vat_rate) for ln in doc.lines]),
                "write": _write_payload(doc, ctx, ids, number, time_rows)}
            new.append(NewDocument(number, key, counter, doc.kind, doc.issue_date,
                                   doc.client, net, vat, total, content, tuple(doc.sources)))
            result.issued.append(Issued(number, doc.kind, doc.issue_date, doc.client, net,
                                        vat, total, doc.sources, doc.subject, doc.due_date))
        entries = tx.record_many(new)
    return entries


_ID = re.compile(r"([A-Za-z_-]*)(\d+)")
_GROUP1 = operator.itemgetter(1)


class _IdMaker:
    """Internal refs (Réf.) for new rows, following the workbook's own: F000123 -> F000124."""

    def __init__(self, ids: list, keys: list[str]) -> None:
        """``ids``: the Réf. column as read; ``keys``: the same as matching keys (norm)."""
        # 100k refs: matched, split and compared by C-level maps, not a Python loop
        found = list(filter(None, map(_ID.fullmatch, map(text, ids))))
        heads = list(map(_GROUP1, found))
        prefix = Counter(heads).most_common(1)
        self.prefix = prefix[0][0] if prefix else "F"
        same = [m[2] for m, h in zip(found, heads) if h == self.prefix]
        self.width = max(map(len, same), default=5)
        self.next = max(map(int, same), default=0) + 1
        self.taken = set(keys)
        self.taken.discard("")

    def reserve(self, ref: str) -> None:
        """A ref another row is about to take (a document replayed from the journal)."""
        if not ref:
            return
        self.taken.add(norm(ref))
        m = _ID.fullmatch(ref)
        if m and m[1] == self.prefix:
            self.next = max(self.next, int(m[2]) + 1)

    def __call__(self) -> str:
        while True:
            ref = f"{self.prefix}{self.next:0{self.width}d}"
            self.next += 1
            if norm(ref) not in self.taken:
                self.taken.add(norm(ref))
                return ref


def _jsonable(value: object) -> object:
    if isinstance(value, (date, Decimal)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def _write_payload(doc: Document, ctx: Ctx, ids: _IdMaker, number: str,
                   time_rows: dict[str, list[int]] | None = None) -> dict:
    """What the workbook must show for this document, from the journal alone."""
    ref = text(ctx.col("Factures", "id")[doc.draft]) if doc.draft is not None else ids()
    row = {"id": ref, "type": doc.kind, "number": number, "issue_date": doc.issue_date,
           "client": doc.client, "quote": doc.quote, "quote_version": doc.quote_version,
           "po": doc.po, "credited": doc.credited, "terms": doc.terms,
           "due_date": doc.due_date, "currency": doc.currency, "status": "issued"}
    lines = None if doc.draft_lines else [
        [ln.label, str(ln.quantity), ln.unit, str(ln.unit_price), str(ln.vat_rate), ln.source,
         _jsonable(ln.service_start), _jsonable(ln.service_end)]
        for ln in doc.lines]
    milestones = [[text(ctx.col("Echeances", "quote")[m]),
                   text(ctx.col("Echeances", "label")[m])] for m in doc.milestones]
    time = [_time_key(ctx, k) for k in doc.time_entries]
    if time_rows is not None:
        sheet_rows = ctx.tables["Temps"].rows
        for key, k in zip(time, doc.time_entries):
            time_rows.setdefault(key, []).append(sheet_rows[k])
    return {"draft": doc.draft is not None, "row": {k: _jsonable(v) for k, v in row.items()},
            "lines": lines, "milestones": milestones, "time": time}


def _time_key(ctx: Ctx, k: int) -> str:
    col = lambda key: ctx.col("Temps", key)[k]
    return entry_digest(col("date"), norm(col("client")), norm(col("project")),
                        norm(col("consultant")), col("quantity"), col("rate"))


# ----------------------------------------------------------------------------- writing
def _row_cells(table: str, lang: str) -> Callable[[dict], dict]:
    """A row of JSON values from the journal back to the cells' types, choices as their
    labels; each column's conversion looked up once (a run writes thousands of rows)."""
    labels: dict[str, dict[str, object]] = {}
    for col in S.table(table).columns:
        if col.choices:
            labels[col.key] = {v: S.choice_label(col.choices, v, lang)
                               for v in S.CHOICES[col.choices]}
    kinds = {col.key: col.type for col in S.table(table).columns}

    def convert(row: dict) -> dict:
        out: dict[str, object] = {}
        for key, value in row.items():
            if value is None or value == "":
                out[key] = None
                continue
            kind = kinds[key]
            if kind == S.DATE:
                value = date.fromisoformat(str(value))
            elif kind in (S.MONEY, S.NUMBER, S.RATE):
                value = Decimal(str(value))
            elif kind == S.INT:
                value = int(value)
            names = labels.get(key)
            if names is not None and value.__class__ is str and value in names:
                value = names[value]
            out[key] = value
        return out
    return convert


def _apply(writer: Writer, data: WorkbookData, ctx: Ctx, entries: list[Entry],
           known_time: dict[str, list[int]] | None = None) -> None:
    """Write the documents of these journal entries into the workbook's tables.

    ``known_time``: the rows of the time entries this run's documents bill, by key; a
    replayed entry's time entries are found by indexing every entry not yet billed."""
    lang = data.lang
    inv = data.tables["Factures"]
    labels = inv.labels
    by_id = {norm(i): row for i, row in zip(inv.cols["id"], inv.rows)}
    invoice_cells = _row_cells("Factures", lang)
    new_rows, new_lines, updates = [], [], []
    ms_updates, time_updates = [], []
    ms_index: dict[tuple[str, str], list[int]] = {}
    if "Echeances" in data.tables:
        ms = data.tables["Echeances"]
        for row, q, lab in zip(ms.rows, ms.cols["quote"], ms.cols["label"]):
            ms_index.setdefault((norm(q), " ".join(text(lab).split()).casefold()), []).append(row)
    wanted = Counter(key for e in entries for key in e.content["write"]["time"])
    known = known_time or {}
    if all(len(known.get(key, ())) >= n for key, n in wanted.items()):
        time_index = known
    else:
        time_index = {}
        tm = data.tables["Temps"]
        billed = tm.cols["invoice"]
        for k, row in enumerate(tm.rows):
            if not text(billed[k]):  # only entries no invoice has billed yet can match
                time_index.setdefault(_time_key(ctx, k), []).append(row)
    for entry in entries:
        w = entry.content["write"]
        cells = invoice_cells(w["row"])
        draft_row = by_id.get(norm(w["row"]["id"])) if w["draft"] else None
        if draft_row is not None:
            for key in ("number", "issue_date", "due_date", "terms", "credited", "status"):
                if key in labels and cells.get(key) is not None:
                    updates.append((draft_row, labels[key], cells[key]))
        else:
            new_rows.append({labels[k]: v for k, v in cells.items() if k in labels})
        for line in w["lines"] or ():
            label, qty, unit, price, rate, source, *served = line  # dates: since 2026-12
            start, end = (served + [None, None])[:2]
            values = {"invoice": w["row"]["id"], "label": label, "quantity": Decimal(qty),
                      "unit": unit or None, "unit_price": Decimal(price),
                      "vat_rate": Decimal(rate), "source": source or None,
                      "service_start": date.fromisoformat(start) if start else None,
                      "service_end": date.fromisoformat(end) if end else None}
            ll = data.tables["LignesFacture"].labels
            new_lines.append({ll[k]: v for k, v in values.items() if k in ll})
        for quote, label in w["milestones"]:
            for r in ms_index.get((norm(quote), " ".join(label.split()).casefold()), ()):
                ms_updates += [(r, data.tables["Echeances"].labels["invoice"], entry.number),
                               (r, data.tables["Echeances"].labels["status"],
                                S.choice_label("milestone_status", "invoiced", lang))]
        counts: Counter[str] = Counter()
        for key in w["time"]:
            rows = time_index.get(key, [])
            if counts[key] < len(rows):
                time_updates.append((rows[counts[key]], data.tables["Temps"].labels["invoice"],
                                     entry.number))
            counts[key] += 1
    if updates:
        writer.set_cells("Factures", updates)
    if new_rows:
        writer.append_rows("Factures", new_rows)
    if new_lines:
        writer.append_rows("LignesFacture", new_lines)
    if ms_updates:
        writer.set_cells("Echeances", ms_updates)
    if time_updates:
        writer.set_cells("Temps", time_updates)


def _write_register(writer: Writer, data: WorkbookData, entries: list[Entry],
                    when: datetime) -> None:
    lang = data.lang
    sheet = S.SHEETS_BY_KEY["register"]
    rows = []
    for e in entries:
        row = e.content.get("write", {}).get("row", {})
        rows.append([e.seq, e.number, S.choice_label("invoice_type", e.kind, lang),
                     e.issue_date, e.client, e.net, e.vat, e.total, row.get("credited") or None,
                     ", ".join(_sources_of(e)), e.content_hash[:16], e.chain_hash[:16],
                     str(e.recorded_at)[:19]])
    writer.replace_sheet(sheet.label(lang), title=_stamp(lang, sheet.label(lang), when),
                         columns=_columns(sheet, lang), rows=rows, protect=True,
                         before=S.sheet_name("checks", lang)
                         if S.sheet_name("checks", lang) in writer.sheet_names() else None)


def _sources_of(entry: Entry) -> list[str]:
    out = []
    for line in entry.content.get("write", {}).get("lines") or ():
        if line[5] and line[5] not in out and not line[5].startswith("déduction"):
            out.append(line[5])
    return out


def _write_preview(writer: Writer, data: WorkbookData, result: GenerateResult,
                   when: datetime) -> None:
    lang = data.lang
    sheet = S.SHEETS_BY_KEY["billing_preview"]
    names = {}
    if "Clients" in data.tables:
        names = {norm(i): n for i, n in zip(data.tables["Clients"].cols["id"],
                                            data.tables["Clients"].cols["name"])}
    rows = [[S.choice_label("invoice_type", d.kind, lang), d.number, d.date, d.client,
             names.get(norm(d.client)), ", ".join(sorted({s.rsplit(":", 1)[0] if
                                                         s.startswith("temps:") else s
                                                         for s in d.sources})),
             d.subject, d.net, d.vat, d.total, d.due_date] for d in result.issued]
    title = sheet.label(lang) if result.issued else (
        f"{sheet.label(lang)} : rien à émettre" if lang == "fr" else
        f"{sheet.label(lang)}: nothing to issue")
    writer.replace_sheet(sheet.label(lang), title=_stamp(lang, title, when),
                         columns=_columns(sheet, lang), rows=rows,
                         before=S.sheet_name("checks", lang)
                         if S.sheet_name("checks", lang) in writer.sheet_names() else None)
