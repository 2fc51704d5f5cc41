"""Proof, column by column: for every input column of the tables an issued document lives
in (Factures, Lignes de facture, Paiements, Devis, Lignes de devis, Échéances, Temps,
Contrats, Clients), each damage that applies to it (a wrong type, a value outside the
list, a required cell blanked, an error cell) in one cell of an issued document's row,
then `facturier generate --dry-run`, `age`, `remind` (a preview) and `check` on the real
file: nothing billed twice, no balance changed silently, the damaged cell named, exit 1
(tests/support/damage_cli.py judges each job).

Twice: on documents the journal does not know (issued before Facturier: only the sheet
says what they billed) and on documents it knows (issued by `facturier generate`, one of
them paid), the small demo built with milestones (tests/support/damage_books.py).
"""
from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from pyfuncs.domain import schema as S
from tests.support.damage import KINDS, TABLES, Damage, Workbook
from tests.support.damage_books import BOOK, issued_rows, known_book, unknown_book
from tests.support.damage_cli import Run, judge_cli, run_cli

TODAY = date(2026, 12, 6)


@dataclass
class Subject:
    """A workbook to damage, its journal (or None), the intact run, and per table the rows
    of issued documents a damage may hit (None: any row holds an issued document)."""
    book: Workbook
    journal: Path | None
    intact: Run
    rows: dict[str, set[int] | None]


def run_on_copy(book: Workbook, journal: Path | None, folder: Path,
                damage: Damage | None = None) -> Run:
    """The four commands on a copy of the workbook (damaged if asked) in ``folder``, with a
    copy of its journal beside it when it has one."""
    folder.mkdir()
    path = folder / BOOK
    if damage is None:
        shutil.copy(book.path, path)
    else:
        book.write(damage, path)
    if journal is not None:
        shutil.copy(journal, path.with_name(f"{path.stem}.facturier-journal.sqlite"))
    return run_cli(path, TODAY, folder / "outbox")


@pytest.fixture(scope="module")
def unknown(tmp_path_factory: pytest.TempPathFactory) -> Subject:
    book = Workbook(unknown_book(tmp_path_factory.mktemp("unknown"), TODAY))
    intact = run_on_copy(book, None, tmp_path_factory.mktemp("unknown-intact") / "run")
    return Subject(book, None, intact, dict.fromkeys(TABLES))


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> Subject:
    built = known_book(tmp_path_factory.mktemp("known"), TODAY)
    book = Workbook(built.path)
    intact = run_on_copy(book, built.journal, tmp_path_factory.mktemp("known-intact") / "run")
    rows = issued_rows(built, book.data)
    return Subject(book, built.journal, intact, rows)


def damages(subject: Subject, table: str) -> list[Damage]:
    """One damage per column and kind that applies to it, on a row of an issued document
    (seeded: the same cells every run)."""
    rng = random.Random(f"{table}-{subject.journal is not None}")
    rows = subject.rows[table]
    out = []
    for kind in KINDS:
        by_column: dict[str, list[tuple[int, S.Column]]] = {}
        for i, col in subject.book.candidates(table, kind, rows):
            by_column.setdefault(col.key, []).append((i, col))
        for choices in by_column.values():
            i, col = rng.choice(choices)
            out.append(subject.book.damage_at(rng, table, i, col, kind))
    return out


def intact_is_sound(subject: Subject) -> None:
    """The intact workbook runs clean where it matters: the comparison means something."""
    run = subject.intact
    assert run.stderr == "" and run.codes["generate"] == run.codes["age"] == \
        run.codes["remind"] == 0, (run.codes, run.stderr)
    # (where the journal issued the last documents, nothing is left to bill: a damaged
    # workbook must not find anything either)
    assert (run.issued or subject.journal) and run.rows and run.mails
    assert all(row[3] for row in run.rows.values())


@pytest.mark.parametrize("journal", ["unknown", "known"])
@pytest.mark.parametrize("table", TABLES)
def test_one_bad_cell_of_an_issued_document_is_named_by_every_job_and_moves_no_money(
        request: pytest.FixtureRequest, tmp_path: Path, table: str, journal: str) -> None:
    subject: Subject = request.getfixturevalue(journal)
    intact_is_sound(subject)
    todo = damages(subject, table)
    assert {d.kind for d in todo} >= {"type", "blank", "error"} or table == "LignesDevis", \
        {d.kind for d in todo}
    assert len({d.column for d in todo}) >= 3
    wrong, held = [], 0
    for n, damage in enumerate(todo):
        got = run_on_copy(subject.book, subject.journal, tmp_path / f"case{n}", damage)
        wrong += [f"{damage.cell} {damage.column} ({damage.kind}: {damage.value!r}): {w}"
                  for w in judge_cli(subject.intact, damage, got)]
        held += any(not row[3] for row in got.rows.values())
    assert wrong == [], "\n".join(wrong)
    if table in ("Factures", "LignesFacture", "Paiements"):  # an amount the balance needs
        assert held, "no damage left a balance incomplete: the proof proves nothing"
