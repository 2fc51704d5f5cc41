"""Damaging one input cell of a real workbook file, in its sheet's XML, and judging what
the jobs then do: the fuzz and proof tests of "a bad cell never moves money".

A damage is a wrong type ("27 OOO" in a quantity, "nan" in an amount, "32/13/2026" in a
date), a value outside the list ("90 jours", an unknown client code), a required cell
left blank, or an error cell (#N/A). Each leaves the cell unreadable: the jobs must name
it, bill nothing the intact workbook would not bill, and change no balance without
saying so (the client's balance marked incomplete).
"""
from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from pyfuncs.adapters.xlsx_locate import Package
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import Ctx
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.invoicing import plan_invoices
from pyfuncs.jobs.aging import aging_of
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.load import load, skipped_lines

# the input tables the proof covers, with the sheet each lives on
TABLES = ("Factures", "LignesFacture", "Paiements", "Devis", "LignesDevis", "Echeances",
          "Temps", "Contrats", "Clients")
WRONG_TYPE = {S.MONEY: ["27 OOO", "nan", "1e999", "n/a"], S.NUMBER: ["27 OOO", "-nan", "inf"],
              S.RATE: ["vingt", "NaN", "20"], S.INT: ["trois", "2,5", "nan"],
              S.DATE: ["32/13/2026", "nan", "n/a", "demain"],
              S.EMAIL: ["compta at client", "a@b.fr; c@d.fr"]}
OUTSIDE = ["90 jours", "Peut-être", "zzz"]
ERRORS = ["#N/A", "#DIV/0!", "#VALUE!"]
KINDS = ("type", "outside", "blank", "error")


@dataclass(frozen=True)
class Damage:
    table: str
    sheet: str
    row: int          # the sheet's row, 1-based
    column: str       # the column's label
    cell: str         # its reference, e.g. J217
    kind: str         # one of KINDS
    value: str | None  # what was typed (None: blanked)


class Workbook:
    """An intact workbook file held in memory, its parts ready to be written again with
    one cell changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as z:
            self.infos = z.infolist()
            self.parts = {i.filename: z.read(i.filename) for i in self.infos}
        self.sheet_parts = Package(path).parts
        self.data = read_workbook(path)

    def candidates(self, table: str, kind: str, rows: set[int] | None = None
                   ) -> list[tuple[int, S.Column]]:
        """(row index, column) of the table's input cells a damage of ``kind`` applies to
        (on the row indexes ``rows`` only, if given)."""
        tv = self.data.tables.get(table)
        if tv is None:
            return []
        out = []
        for col in tv.table.columns:
            if col.computed or col.key not in tv.col_letters or not _applies(col, kind):
                continue
            for i, value in enumerate(tv.cols[col.key]):
                if value is None or (rows is not None and i not in rows):
                    continue  # a filled cell: the one an issued document holds
                out.append((i, col))
        return out

    def damage(self, rng: random.Random, table: str, kind: str,
               rows: set[int] | None = None) -> Damage | None:
        choices = self.candidates(table, kind, rows)
        if not choices:
            return None
        i, col = rng.choice(choices)
        return self.damage_at(rng, table, i, col, kind)

    def damage_at(self, rng: random.Random, table: str, i: int, col: S.Column,
                  kind: str) -> Damage:
        """The damage of ``kind`` to row index ``i``, column ``col`` of the table."""
        tv = self.data.tables[table]
        value = {"type": lambda: rng.choice(WRONG_TYPE.get(col.type, OUTSIDE)),
                 "outside": lambda: rng.choice(OUTSIDE) if col.type in (S.CHOICE, S.BOOL)
                 else "ZZ-INCONNU",
                 "blank": lambda: None, "error": lambda: rng.choice(ERRORS)}[kind]()
        row = tv.rows[i]
        return Damage(table, tv.sheet, row, tv.labels[col.key],
                      f"{tv.col_letters[col.key]}{row}", kind, value)

    def write(self, damage: Damage, out: Path) -> Path:
        """The workbook with the damaged cell, written to ``out`` as a real package."""
        kind = {"blank": "blank", "error": "error"}.get(damage.kind, "text")
        return self.write_cell(damage.sheet, damage.cell, kind, damage.value, out)

    def write_cell(self, sheet: str, cell: str, kind: str, value: object,
                   out: Path) -> Path:
        """The workbook with ``cell`` of ``sheet`` holding ``value`` as a cell of ``kind``
        (blank, error, text, number, bool, formula: (formula, cached value or None)),
        the cell's style kept (a number in a date cell is a date)."""
        part = self.sheet_parts[sheet]
        xml = _set_cell(self.parts[part], cell, kind, value)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for info in self.infos:
                z.writestr(info.filename, xml if info.filename == part else
                           self.parts[info.filename])
        return out


def _applies(col: S.Column, kind: str) -> bool:
    if kind == "type":
        return col.type in WRONG_TYPE
    if kind == "outside":
        return col.type in (S.CHOICE, S.BOOL) or bool(col.ref)
    if kind == "blank":
        return col.required
    return True


def _set_cell(xml: bytes, ref: str, kind: str, value: object) -> bytes:
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)',
                         re.DOTALL)
    m = pattern.search(xml)
    if m is None:
        raise AssertionError(f"no cell {ref} in the sheet's XML")
    style = re.search(rb'\ss="\d+"', m.group("attrs"))
    s = style.group(0) if style else b""
    head = b'<c r="' + ref.encode() + b'"' + s
    if value is None or kind == "blank":
        new = head + b"/>"
    elif kind == "error":
        new = head + b' t="e"><v>' + str(value).encode() + b"</v></c>"
    elif kind == "number":
        new = head + b"><v>" + repr(value).encode() + b"</v></c>"
    elif kind == "bool":
        new = head + b' t="b"><v>' + (b"1" if value else b"0") + b"</v></c>"
    elif kind == "formula":
        formula, cached = value  # type: ignore[misc]
        f = b"<f>" + escape(formula).encode() + b"</f>"
        if cached is None:
            new = head + b">" + f + b"</c>"
        elif isinstance(cached, str):
            new = head + b' t="str">' + f + b"<v>" + escape(cached).encode() + b"</v></c>"
        else:
            new = head + b">" + f + b"<v>" + repr(cached).encode() + b"</v></c>"
    else:
        new = head + b' t="inlineStr"><is><t xml:space="preserve">' + \
            escape(str(value)).encode() + b"</t></is></c>"
    return xml[:m.start()] + new + xml[m.end():]


@dataclass
class Outcome:
    """What the jobs made of one workbook: the sources a dry run would bill, each client's
    balance (total, unapplied, complete), the findings and whether the jobs would exit 1."""
    sources: list[str]
    balances: dict[str, tuple[object, object, bool]]
    findings: list
    errors: bool
    tables: dict = field(default_factory=dict)  # the tables as read


def run_jobs(path: Path, today: date, journal: bool = False) -> Outcome:
    """check (the full read and every check, the register's against the journal beside
    the file if any), age and generate's plan, from one read: the same functions the
    commands call. ``journal``: the file has a journal, and generate's plan is the dry
    run's, which leaves out what the journal already issued (a second read)."""
    loaded = load(path, today)
    balance = aging_of(loaded, today)
    data = loaded.data
    ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang,
              skipped=skipped_lines(data))
    findings = loaded.findings + balance.findings
    if journal:
        dry = run_generate(path, today, dry_run=True)
        sources = [s for doc in dry.issued for s in doc.sources]
        findings += [f for f in dry.findings if f not in set(loaded.findings)]
    else:
        plan = plan_invoices(ctx, today)
        findings += ctx.findings
        sources = [s for doc in plan.documents for s in doc.sources]
    balances = {c.client: (sum(c.amounts), c.unapplied, c.complete) for c in balance.clients}
    return Outcome(sources, balances, findings, any(f.severity == ERROR for f in findings),
                   data.tables)


def judge(intact: Outcome, damage: Damage, got: Outcome) -> list[str]:
    """What went wrong with a damaged workbook; empty when the jobs did right."""
    wrong = []
    before = set(intact.sources)
    extra = [s for s in got.sources if s not in before]
    if extra or len(got.sources) != len(set(got.sources)):
        wrong.append(f"billed again: {extra}")
    anyone = [f for f in got.findings if f.code == "AGING-INCOMPLETE" and not f.ref]
    for client, (total, unapplied, _) in intact.balances.items():
        now = got.balances.get(client)
        if (now is not None and not now[2]) or anyone:
            continue  # marked incomplete (or every balance is): said, not silent
        if now is None and not total and not unapplied:
            continue
        if now is None or now[:2] != (total, unapplied):
            wrong.append(f"balance of {client} changed silently: {(total, unapplied)} -> "
                         f"{now and now[:2]}")
    if not [f for f in got.findings if f.sheet == damage.sheet and f.cell == damage.cell]:
        wrong.append("the damaged cell is not named")
    if not got.errors:
        wrong.append("no error: the command would exit 0")
    return wrong
