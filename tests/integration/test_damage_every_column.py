"""Proof, column by column: for every input column of the tables an issued document
lives in, each damage that applies to it (a wrong type, a value outside the list, a
required cell blanked, an error cell) in one filled cell leaves check, the aged balance
and generate's plan naming that cell, billing nothing twice, changing no balance
silently, and exiting 1 (tests/support/damage.py judges). The invoices are those the
journal does not know; tests/integration/test_damaged_rows.py covers those it knows."""
from __future__ import annotations

import random
from datetime import date

import pytest

from pyfuncs.demo.job import build_demo
from tests.support.damage import KINDS, TABLES, Workbook, judge, run_jobs

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return Workbook(build_demo(tmp_path_factory.mktemp("small"), 12, TODAY)[0])


@pytest.mark.parametrize("table", TABLES)
def test_one_bad_cell_in_any_input_column_is_named_and_moves_no_money(small, tmp_path,
                                                                        table):
    intact = run_jobs(small.path, TODAY)
    rng = random.Random(table)
    wrong, tried = [], 0
    for kind in KINDS:
        columns = {col.key: col for _, col in small.candidates(table, kind)}
        for key, col in columns.items():
            rows = [i for i, c in small.candidates(table, kind) if c.key == key]
            damage = small.damage_at(rng, table, rng.choice(rows), col, kind)
            got = run_jobs(small.write(damage, tmp_path / "damaged.xlsx"), TODAY)
            wrong += [f"{damage}: {w}" for w in judge(intact, damage, got)]
            tried += 1
    if table != "Echeances":  # the small demo has no milestone
        assert tried >= 3
    assert wrong == []
