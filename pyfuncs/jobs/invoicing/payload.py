"""What a journal entry holds for the workbook: the row, lines, milestones and time
entries a document writes, so a replay after a crash needs nothing but the journal."""
from __future__ import annotations

import operator
import re
from collections import Counter
from datetime import date
from decimal import Decimal

from pyfuncs.domain.context import Ctx, norm, text
from pyfuncs.domain.invoicing import Document, entry_digest

_ID = re.compile(r"([A-Za-z_-]*)(\d+)")
_GROUP1 = operator.itemgetter(1)


class IdMaker:
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


def write_payload(doc: Document, ctx: Ctx, ids: IdMaker, number: str,
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
    time = [time_key(ctx, k) for k in doc.time_entries]
    if time_rows is not None:
        sheet_rows = ctx.tables["Temps"].rows
        for key, k in zip(time, doc.time_entries):
            time_rows.setdefault(key, []).append(sheet_rows[k])
    return {"draft": doc.draft is not None, "row": {k: _jsonable(v) for k, v in row.items()},
            "lines": lines, "milestones": milestones, "time": time}


def time_key(ctx: Ctx, k: int) -> str:
    col = lambda key: ctx.col("Temps", key)[k]
    return entry_digest(col("date"), norm(col("client")), norm(col("project")),
                        norm(col("consultant")), col("quantity"), col("rate"))
