"""A bad cell never moves money: seeded, bounded fuzzing of real workbook files.

A small demo workbook with milestones (tests/support/damage_books.py) is damaged one cell
at a time in its sheet's XML (tests/support/damage.py: a wrong type, a value outside the
list, a required cell blanked, an error cell), in every input table of an issued
document, and read by the real reader; check, the aged balance and generate's plan then
run on it. None may raise, bill a source the intact workbook would not bill, or change a
client's balance without marking it incomplete; the damaged cell must be named, and the
command exit 1.

Most workbooks hold documents the journal does not know (issued before Facturier: the
harder case, only the sheet says what they billed); one in four holds documents the
journal issued (``facturier generate``), its journal beside it, and is damaged on their
rows: there the register's checks and generate's dry run consult the journal.
"""
from __future__ import annotations

import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.support.damage import KINDS, TABLES, Outcome, Workbook, judge, run_jobs
from tests.support.damage_books import BOOK, issued_rows, known_book, unknown_book

TODAY = date(2026, 12, 6)
WORKBOOKS = 1000
KNOWN_EVERY = 4  # one workbook in four: documents the journal knows
SEED = 20261206


@dataclass
class Subject:
    book: Workbook
    intact: Outcome
    at: Path                           # where the damaged workbook is written
    rows: dict[str, set[int]] | None   # rows of documents the journal issued
    journal: bool


@pytest.fixture(scope="module")
def subjects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Subject]:
    unknown = Workbook(unknown_book(tmp_path_factory.mktemp("unknown"), TODAY))
    built = known_book(tmp_path_factory.mktemp("known"), TODAY)
    known = Workbook(built.path)
    there = tmp_path_factory.mktemp("known-damaged") / BOOK
    shutil.copy(built.journal, there.with_name(built.journal.name))
    return {"unknown": Subject(unknown, run_jobs(unknown.path, TODAY),
                               tmp_path_factory.mktemp("unknown-damaged") / BOOK, None,
                               False),
            "known": Subject(known, run_jobs(known.path, TODAY, journal=True), there,
                             issued_rows(built, known.data), True)}


def test_a_thousand_randomly_damaged_workbooks_bill_nothing_twice_and_move_no_balance(
        subjects, capsys):
    rng = random.Random(SEED)
    kinds: Counter[str] = Counter()
    tables: Counter[tuple[str, str]] = Counter()
    counts: Counter[str] = Counter()
    findings = 0
    wrong: list[str] = []
    start = time.perf_counter()
    while sum(kinds.values()) < WORKBOOKS:
        which = "known" if sum(kinds.values()) % KNOWN_EVERY == 0 else "unknown"
        s = subjects[which]
        table = rng.choice(TABLES)
        damage = s.book.damage(rng, table, rng.choice(KINDS),
                               s.rows[table] if s.rows else None)
        if damage is None:
            continue
        kinds[damage.kind] += 1
        tables[(which, damage.table)] += 1
        counts[which] += 1
        try:
            got = run_jobs(s.book.write(damage, s.at), TODAY, journal=s.journal)
        except Exception as exc:  # noqa: BLE001 - what the test counts
            counts["unexpected"] += 1
            wrong.append(f"{which} {damage}: unexpected {type(exc).__name__}: {exc}")
            continue
        findings += len(got.findings) - len(s.intact.findings)
        found = judge(s.intact, damage, got)
        counts["billed twice"] += any(w.startswith("billed again") for w in found)
        counts["silent balance"] += any("changed silently" in w for w in found)
        wrong += [f"{which} {damage}: {w}" for w in found]
    took = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n{WORKBOOKS} damaged workbooks in {took:.0f} s ({counts['known']} with "
              f"documents the journal knows, {counts['unknown']} without); damages "
              f"{dict(kinds)}; tables {dict(tables)}; {findings} findings more than the "
              f"intact workbooks; {counts['unexpected']} unexpected errors, "
              f"{counts['billed twice']} billed twice, {counts['silent balance']} silent "
              f"balance changes; {len(wrong)} wrong")
    assert wrong == [], "\n".join(wrong[:30])
    assert set(kinds) == set(KINDS)
    assert {t for w, t in tables if w == "unknown"} == set(TABLES)
    assert {t for w, t in tables if w == "known"} == set(TABLES)
