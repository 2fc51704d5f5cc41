"""The workbooks the proof of "a bad cell never moves money" damages: small demo
workbooks (pyfuncs/demo) with milestones, built from a fixed seed so that every input
table holds rows of issued documents.

Two kinds:
- ``unknown_book``: every document was issued before Facturier (no journal), the case of
  a workbook that starts using it, where only the sheet says what was billed;
- ``known_book``: the same activity, but the last month's time-and-materials invoices and
  one milestone invoice are left for Facturier to issue, then ``facturier generate``
  issues them through the journal, and a payment of one of them is recorded: damaging
  those documents' rows tests what the journal remembers.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs import cli
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.demo.data import DemoData, demo_data
from pyfuncs.domain import schema as S
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.template import build_workbook

# a seed whose small demo has milestones, invoiced and planned, and ends on time invoices
SEED = 10
INVOICES = 12
BOOK = "Facturation.xlsx"


def _data(today: date) -> DemoData:
    data = demo_data(today, INVOICES, seed=SEED)
    assert data.tables["Echeances"], "the seed's demo must have milestones"
    return data


def _build(directory: Path, data: DemoData, today: date) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return build_workbook(directory / BOOK, data=data.tables, settings=data.settings,
                          today=today)


def unknown_book(directory: Path, today: date) -> Path:
    """The small demo with milestones: every document issued, none known to a journal."""
    return _build(directory, _data(today), today)


@dataclass
class KnownBook:
    """A workbook whose last documents the journal (beside it) issued.

    Attributes:
      path: the workbook, its journal beside it (WORKBOOK.facturier-journal.sqlite).
      journal: the journal's file.
      numbers: the numbers of the documents the journal issued.
      keys: per input table, the (folded) values of its key column that belong to those
        documents: their numbers, invoice ids, quotes, contracts and clients.
    """
    path: Path
    journal: Path
    numbers: list[str]
    keys: dict[str, set[str]] = field(default_factory=dict)


# the column of each table that ties a row to an issued document
LINK = {"Factures": "number", "LignesFacture": "invoice", "Paiements": "invoice",
        "Devis": "number", "LignesDevis": "quote", "Echeances": "invoice",
        "Temps": "invoice", "Contrats": "id", "Clients": "id"}


def known_book(directory: Path, today: date) -> KnownBook:
    """The small demo whose last month of time invoices and one milestone invoice are
    issued by ``facturier generate`` (the journal records them), one of them then paid."""
    data = _data(today)
    t = data.tables
    # the last time-and-materials invoices (the highest numbers: no gap once removed)
    last = [r for r in t["Factures"] if r["number"]][-3:]
    assert all(r["issue_date"] and r["issue_date"].month == today.month - 1 for r in last)
    gone = {r["number"] for r in last}
    ids = {r["id"] for r in last}
    t["Factures"] = [r for r in t["Factures"] if r["number"] not in gone]
    t["LignesFacture"] = [r for r in t["LignesFacture"] if r["invoice"] not in ids]
    t["Paiements"] = [r for r in t["Paiements"] if r["invoice"] not in gone]
    t["Relances"] = [r for r in t["Relances"]
                     if not set(str(r["invoices"]).split(", ")) & gone]
    for row in t["Temps"]:
        if row["invoice"] in gone:
            row["invoice"] = None
    # a planned milestone of a quote still running, declared ready to invoice
    ready = next(r for r in t["Echeances"] if r["status"] == "planned")
    ready["status"] = "ready"
    path = _build(directory, data, today)
    plan = run_generate(path, today, dry_run=True)
    assert not plan.errors, [f.message for f in plan.findings]
    paid = next(d for d in plan.issued if d.kind == "invoice")
    t["Paiements"].append({"date": today, "client": paid.client, "invoice": paid.number,
                           "amount": Decimal(str(paid.total)), "mode": "transfer",
                           "reference": f"VIR {paid.number}"})
    path = _build(directory, data, today)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["generate", str(path), "--date", today.isoformat()])
    assert code == 0, out.getvalue()
    numbers = [d.number for d in plan.issued]
    journal = path.with_name(f"{path.stem}.facturier-journal.sqlite")
    assert journal.exists()
    return KnownBook(path, journal, numbers, _keys(data, plan.issued))


def issued_rows(built: KnownBook, data: WorkbookData) -> dict[str, set[int]]:
    """Per input table, the row indexes (as read) that belong to the documents the journal
    issued: their rows, their lines, their payment, what they billed, their clients."""
    invoices = data.tables["Factures"]
    ids = {S.fold(i) for i, n in zip(invoices.cols["id"], invoices.cols["number"])
           if n and S.fold(n) in built.keys["Factures"]}
    keys = {**built.keys, "LignesFacture": ids}
    rows = {}
    for table, key in LINK.items():
        column = data.tables[table].cols[key]
        rows[table] = {i for i, v in enumerate(column) if v and S.fold(str(v)) in keys[table]}
        assert rows[table], f"no row of {table} belongs to a document the journal issued"
    return rows


def _keys(data: DemoData, issued: list) -> dict[str, set[str]]:  # type: ignore[type-arg]
    numbers = {S.fold(d.number) for d in issued}
    quotes, contracts = set(), set()
    for d in issued:
        for source in d.sources:
            kind, _, rest = source.partition(":")
            if kind in ("solde", "jalon", "acompte", "devis"):
                quotes.add(S.fold(rest.split(":")[0]))
            elif kind == "contrat":
                contracts.add(S.fold(rest.split(":")[0]))
    clients = {S.fold(d.client) for d in issued}
    ids = set()  # the ids the generator gives the new rows are read back from the sheet
    return {"Factures": numbers, "LignesFacture": ids, "Paiements": numbers,
            "Devis": quotes, "LignesDevis": quotes, "Echeances": numbers, "Temps": numbers,
            "Contrats": contracts, "Clients": clients}
