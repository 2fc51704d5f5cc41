"""A bad cell never moves money: seeded, bounded fuzzing of real workbook files.

A small demo workbook (pyfuncs/demo builds it at any size) is damaged one cell at a time
in its sheet's XML (tests/support/damage.py: a wrong type, a value outside the list, a
required cell blanked, an error cell), in every input table of an issued document, and
read by the real reader; check, the aged balance and generate's plan then run on it.
None may raise, bill a source the intact workbook would not bill, or change a client's
balance without marking it incomplete; the damaged cell must be named, and the command
exit 1. The journal is not consulted: the invoices are those it does not know, the
harder case (a journal only adds what it remembers).
"""
from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date

import pytest

from pyfuncs.demo.job import build_demo
from tests.support.damage import KINDS, TABLES, Workbook, judge, run_jobs

TODAY = date(2026, 12, 6)
WORKBOOKS = 1000
SEED = 20261206


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return Workbook(build_demo(tmp_path_factory.mktemp("small"), 12, TODAY)[0])


def test_a_thousand_randomly_damaged_workbooks_bill_nothing_twice_and_move_no_balance(
        small, tmp_path, capsys):
    intact = run_jobs(small.path, TODAY)
    rng = random.Random(SEED)
    kinds: Counter[str] = Counter()
    tables: Counter[str] = Counter()
    findings = 0
    wrong: list[str] = []
    start = time.perf_counter()
    out = tmp_path / "damaged.xlsx"
    while sum(kinds.values()) < WORKBOOKS:
        damage = small.damage(rng, rng.choice(TABLES), rng.choice(KINDS))
        if damage is None:
            continue
        kinds[damage.kind] += 1
        tables[damage.table] += 1
        try:
            got = run_jobs(small.write(damage, out), TODAY)
        except Exception as exc:  # noqa: BLE001 - what the test counts
            wrong.append(f"{damage}: unexpected {type(exc).__name__}: {exc}")
            continue
        findings += len(got.findings) - len(intact.findings)
        wrong += [f"{damage}: {w}" for w in judge(intact, damage, got)]
    took = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n{WORKBOOKS} damaged workbooks in {took:.0f} s; damages {dict(kinds)}; "
              f"tables {dict(tables)}; {findings} findings more than the intact workbook; "
              f"{len(wrong)} wrong")
    assert wrong == []
    assert set(kinds) == set(KINDS) and set(tables) == set(TABLES) - {"Echeances"} or \
        set(tables) == set(TABLES)
