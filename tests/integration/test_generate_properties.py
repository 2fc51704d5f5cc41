"""Property (hypothesis): any sequence of issuing invoices, cancelling them by credit note
and rerunning, on a real workbook file with a real journal, over a year end, keeps every
series gapless, chronological and unique, and the register equal to the workbook."""
from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.domain.checks.numbering import split_number
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.template import build_workbook
from tests.unit.test_checks import clean_settings, clean_tables

START = date(2026, 11, 23)
counter = itertools.count()

steps = st.lists(st.tuples(st.sampled_from(["invoice", "invoice", "credit", "rerun"]),
                           st.integers(0, 25), st.integers(1, 500_000)),
                 min_size=1, max_size=6)


def add_draft(path, kind: str, amount: int, credited: str | None = None) -> None:
    data = read_workbook(path, ["Factures", "LignesFacture"])
    inv, lines = data.tables["Factures"], data.tables["LignesFacture"]
    ref = f"P{next(counter):05d}"
    row = {"id": ref, "type": "Avoir" if kind == "credit" else "Facture", "client": "C1",
           "status": "À émettre", "credited": credited}
    writer = WorkbookWriter(path)
    writer.append_rows("Factures", [{inv.labels[k]: v for k, v in row.items()}])
    if kind == "invoice":
        writer.append_rows("LignesFacture", [{
            lines.labels["invoice"]: ref, lines.labels["label"]: "Prestation",
            lines.labels["quantity"]: D(1), lines.labels["unit_price"]: D(amount) / 100,
            lines.labels["vat_rate"]: D("0.2")}])
    writer.commit(backup=False)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=steps)
def test_issue_cancel_and_rerun_keep_every_series_gapless_chronological_and_unique(
        tmp_path_factory, ops):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "book.xlsx"
    build_workbook(path, data=copy.deepcopy(clean_tables()), settings=clean_settings(),
                   today=START)
    day = START
    for op, gap, amount in ops:
        day += timedelta(days=gap)
        if op == "invoice":
            add_draft(path, "invoice", amount)
        elif op == "credit":
            data = read_workbook(path, ["Factures"]).tables["Factures"]
            issued = [r.number for r in data.records() if r.number and r.type == "invoice"]
            add_draft(path, "credit", 0, credited=issued[-1])
        result = run_generate(path, day)
        assert not [f for f in result.findings if f.code == "GEN-CHRONOLOGY"]
    rows = [r for r in read_workbook(path, ["Factures"]).tables["Factures"].records()
            if r.number]
    numbers = [r.number for r in rows]
    assert len(numbers) == len(set(numbers))
    series: dict[str, list[tuple[int, date]]] = defaultdict(list)
    for r in rows:
        prefix, n, _ = split_number(r.number)
        series[prefix].append((n, r.issue_date))
    for prefix, members in series.items():
        members.sort()
        counters = [n for n, _ in members]
        assert counters == list(range(counters[0], counters[0] + len(counters))), prefix
        dates = [d for _, d in members]
        assert dates == sorted(dates), prefix
        if prefix.startswith(("FAC2027", "AV2027")):
            assert counters[0] == 1  # the yearly reset
    with Journal(folder / "book.facturier-journal.sqlite") as book:
        assert not book.verify() and not book.pending()
        recorded = {e.number for e in book.entries()}
    assert recorded <= set(numbers)
    assert run_generate(path, day).issued == []  # a rerun issues nothing more
