"""The workbook side of issuing: the documents of journal entries written into Factures,
Lignes de facture, Échéances and Temps, the Registre sheet and the Aperçu facturation
sheet."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from pyfuncs.adapters.journal import Entry
from pyfuncs.adapters.workbook_file import Writer
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import Ctx, norm, text
from pyfuncs.jobs.invoicing.payload import time_key
from pyfuncs.jobs.invoicing.result import GenerateResult
from pyfuncs.jobs.sheets import sheet_columns as _columns
from pyfuncs.jobs.sheets import stamp as _stamp


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


def apply_entries(writer: Writer, data: WorkbookData, ctx: Ctx, entries: list[Entry],
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
                time_index.setdefault(time_key(ctx, k), []).append(row)
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


def write_register(writer: Writer, data: WorkbookData, entries: list[Entry],
                    when: datetime) -> None:
    """The Registre sheet: a read-only copy of the journal's issued documents."""
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


def write_preview(writer: Writer, data: WorkbookData, result: GenerateResult,
                   when: datetime) -> None:
    """The Aperçu facturation sheet: what a dry run would issue, with expected numbers."""
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
