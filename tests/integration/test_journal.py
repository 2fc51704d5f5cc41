"""The journal on both backends, a real SQLite file and a real PostgreSQL server: exactly
once, no gap, tamper-evident, multi-process."""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs.adapters.journal import (
    SCHEMA_VERSION,
    Journal,
    JournalBusy,
    JournalConflict,
    JournalError,
    journal_path,
    workbook_lock,
)
from pyfuncs.adapters.journal.store import is_url
from pyfuncs.domain.numbering import SeriesState, next_number, parse_pattern
from pyfuncs.domain.register import GENESIS, content_digest, link_digest
from tests.support.postgres import journal_where, pg_server, pg_url  # noqa: F401 - fixtures

PATTERN = parse_pattern("FAC{YYYY}-{NNNN}", yearly_reset=True)
DAY = date(2026, 3, 15)
KEY = PATTERN.key(DAY)


def clock() -> datetime:
    return datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


def content(number: str, total: str = "120.00") -> dict:
    return {"number": number, "client": "CL-001", "issue_date": DAY,
            "lines": [{"label": "Audit", "qty": Decimal(1), "unit_price": Decimal("100.00"),
                       "vat_rate": Decimal("0.20")}],
            "total": Decimal(total)}


def issue(journal: Journal, day: date = DAY, sources: list[str] | None = None,
          client: str = "CL-001") -> str:
    """What the generation job does for one document: allocate and record, atomically."""
    with journal.transaction() as tx:
        key = PATTERN.key(day)
        number, counter = next_number(PATTERN, day, tx.state(key))
        tx.record(number, key, counter, "invoice", day, client, Decimal("100.00"),
                  Decimal("20.00"), Decimal("120.00"), content(number),
                  sources if sources is not None else [f"temps:{number}"])
    return number


GUARDED = {"documents_no_delete": "documents", "documents_no_edit": "documents",
           "sources_no_change": "sources"}


def raw(where: Path | str):
    """A user (or a tool) opening the journal behind Facturier's back."""
    if is_url(where):
        import psycopg
        return psycopg.connect(str(where), autocommit=True,
                               password=os.environ["FACTURIER_JOURNAL_PASSWORD"])
    return sqlite3.connect(str(where), isolation_level=None)


def refused(where: Path | str) -> tuple[type[Exception], ...]:
    """What the database raises when its guards refuse a statement."""
    if is_url(where):
        import psycopg
        return (psycopg.Error,)
    return (sqlite3.DatabaseError,)


def tamper(where: Path | str, *statements: str) -> None:
    db = raw(where)
    for name, table in GUARDED.items():  # the guards must go first: they refuse edits
        db.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if is_url(where) else ""))
    for statement in statements:
        db.execute(statement)
    db.close()


@pytest.fixture
def path(journal_where: Path | str) -> Path | str:  # noqa: F811 - the imported fixture
    """The journal under test, on each backend in turn."""
    return journal_where


def test_the_journal_lives_beside_the_workbook_named_after_it(tmp_path: Path) -> None:
    assert journal_path(tmp_path / "Facturation.xlsm") == \
        tmp_path / "Facturation.facturier-journal.sqlite"


def test_a_recorded_document_is_read_back_exactly_after_reopening(path: Path) -> None:
    with Journal(path, now=clock) as journal, journal.transaction() as tx:
        entry = tx.record("FAC2026-0001", KEY, 1, "invoice", DAY, "CL-001",
                          Decimal("100.00"), Decimal("20.00"), Decimal("120.00"),
                          content("FAC2026-0001"), ["devis:DEV-2026-001:v2:acompte"])
    assert entry.seq == 1 and entry.prev_hash == GENESIS and entry.state == "pending"
    with Journal(path) as journal:
        (again,) = journal.entries()
        with journal.transaction() as tx:
            assert tx.state(KEY) == SeriesState(1, DAY)
            assert tx.billed(["devis:DEV-2026-001:v2:acompte", "temps:x"]) == {
                "devis:DEV-2026-001:v2:acompte": "FAC2026-0001"}
    assert again == entry
    assert (again.number, again.series_key, again.counter, again.kind, again.issue_date,
            again.client) == ("FAC2026-0001", KEY, 1, "invoice", DAY, "CL-001")
    assert (again.net, again.vat, again.total) == (Decimal("100.00"), Decimal("20.00"),
                                                   Decimal("120.00"))
    assert again.content["total"] == "120.00" and again.content["issue_date"] == "2026-03-15"
    assert again.content_hash == content_digest(content("FAC2026-0001"))
    assert again.sources == ("devis:DEV-2026-001:v2:acompte",)
    assert again.recorded_at == "2026-03-15T09:00:00+00:00"
    db = raw(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == \
        (str(SCHEMA_VERSION),)
    if is_url(path):
        assert db.execute("SELECT pg_typeof(total)::text, total FROM documents").fetchone() \
            == ("text", "120.00")                            # money is never a float
    else:
        assert db.execute("SELECT typeof(total), total FROM documents").fetchone() == \
            ("text", "120.00")                               # money is never a float
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_each_entry_is_chained_to_the_one_before(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        issue(journal)
        first, second = journal.entries()
    assert second.prev_hash == first.chain_hash != GENESIS
    assert second.seq == 2 and second.counter == 2 and second.number == "FAC2026-0002"


def test_a_number_already_recorded_is_refused_whatever_its_case(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        for number in ("FAC2026-0001", "fac2026-0001"):
            with pytest.raises(JournalConflict) as caught, journal.transaction() as tx:
                tx.record(number, "other", 1, "invoice", DAY, "CL-001", None, None, None, {},
                          [])
            assert "FAC2026-0001" in caught.value.en or "fac2026-0001" in caught.value.en
        assert [e.number for e in journal.entries()] == ["FAC2026-0001"]


def test_a_source_already_billed_is_refused_so_a_rerun_never_bills_twice(path: Path) -> None:
    with Journal(path) as journal:
        first = issue(journal, sources=["devis:DEV-2026-001:v1:solde"])
        with pytest.raises(JournalConflict) as caught:
            issue(journal, sources=["temps:abc", "devis:DEV-2026-001:v1:solde"])
        assert "devis:DEV-2026-001:v1:solde → " + first in caught.value.fr
        # the refused transaction left nothing behind: not its number, not its other source
        assert len(journal.entries()) == 1
        with journal.transaction() as tx:
            assert tx.billed(["temps:abc"]) == {}
            assert tx.state(KEY) == SeriesState(1, DAY)


@pytest.mark.parametrize("counter", [3, 1, 0])
def test_a_counter_that_is_not_the_next_one_is_refused(path: Path, counter: int) -> None:
    with Journal(path) as journal:
        issue(journal)
        with pytest.raises(JournalConflict) as caught, journal.transaction() as tx:
            tx.record(f"FAC2026-{counter:04d}X", KEY, counter, "invoice", DAY, "CL-001", None,
                      None, None, {}, [])
        assert "(2)" in caught.value.en
        assert issue(journal) == "FAC2026-0002"


def test_the_first_record_of_a_series_must_be_counter_one(path: Path) -> None:
    with Journal(path) as journal, pytest.raises(JournalConflict), journal.transaction() as tx:
        tx.record("FAC2026-0005", KEY, 5, "invoice", DAY, "CL-001", None, None, None, {}, [])


def test_a_document_dated_before_the_last_of_its_series_is_refused(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        with pytest.raises(JournalConflict) as caught, journal.transaction() as tx:
            tx.record("FAC2026-0002", KEY, 2, "invoice", date(2026, 3, 14), "CL-001", None,
                      None, None, {}, [])
        assert "14/03/2026" in caught.value.fr and "15/03/2026" in caught.value.fr


def test_an_invalid_number_is_refused(path: Path) -> None:
    with Journal(path) as journal, pytest.raises(ValueError), journal.transaction() as tx:
        tx.record("FAC 2026-0001", KEY, 1, "invoice", DAY, "CL-001", None, None, None, {}, [])


def test_seeding_raises_a_counter_and_never_lowers_it(path: Path) -> None:
    with Journal(path) as journal:
        with journal.transaction() as tx:
            assert tx.seed(KEY, SeriesState(40, date(2026, 3, 1))) == \
                SeriesState(40, date(2026, 3, 1))
            assert tx.seed(KEY, SeriesState(12, date(2026, 3, 10))) == \
                SeriesState(40, date(2026, 3, 10))
            assert tx.seed(KEY, SeriesState(41, None)) == SeriesState(41, date(2026, 3, 10))
        assert issue(journal) == "FAC2026-0042"
        with journal.transaction() as tx:
            assert tx.seed(KEY, SeriesState(5, None)) == SeriesState(42, DAY)


def test_an_exception_inside_the_transaction_rolls_everything_back(path: Path) -> None:
    with Journal(path) as journal:
        with pytest.raises(RuntimeError, match="crash"), journal.transaction() as tx:
            tx.record("FAC2026-0001", KEY, 1, "invoice", DAY, "CL-001", None, None, None, {},
                      ["temps:1"])
            raise RuntimeError("crash before commit")
        assert journal.entries() == []
        assert issue(journal) == "FAC2026-0001"


def test_pending_entries_survive_a_crash_until_marked_written(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        issue(journal)
    # the process died here, between the journal and the workbook
    with Journal(path) as journal:
        assert [e.number for e in journal.pending()] == ["FAC2026-0001", "FAC2026-0002"]
        journal.mark_written(["FAC2026-0001"])
        assert [e.number for e in journal.pending()] == ["FAC2026-0002"]
        journal.mark_written(["FAC2026-0002", "FAC2026-0001"])  # twice is harmless
        assert journal.pending() == []
        assert [e.state for e in journal.entries()] == ["written", "written"]
        with pytest.raises(JournalError):
            journal.mark_written(["FAC2026-0099"])
        assert journal.verify() == []  # the state is not part of the chain


def test_the_database_itself_refuses_edits_and_deletions(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        journal.mark_written(["FAC2026-0001"])
    db = raw(path)
    for statement in ("UPDATE documents SET total = '1.00'",
                      "DELETE FROM documents",
                      "UPDATE documents SET state = 'pending'",
                      "DELETE FROM sources",
                      "UPDATE series SET counter = 0"):
        with pytest.raises(refused(path)):
            db.execute(statement)
    db.close()
    with Journal(path) as journal:
        assert journal.verify() == []


def test_verify_finds_content_altered_behind_the_programs_back(path: Path) -> None:
    with Journal(path) as journal:
        for _ in range(3):
            issue(journal)
        assert journal.verify() == []
    tamper(path, "UPDATE documents SET content = replace(content, '120.00', '12.00') "
                 "WHERE seq = 2")
    with Journal(path) as journal:
        problems = journal.verify(lang="en")
    assert "Entry 2 (FAC2026-0002): its content was changed after it was recorded." in problems
    assert any("guard documents_no_edit" in p for p in problems)
    assert not any(p.startswith(("Entry 1 ", "Entry 3 ")) for p in problems)


def test_verify_finds_a_content_hash_recomputed_to_match_the_edit(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        issue(journal)
    forged = content_digest(content("FAC2026-0001", total="12.00"))
    tamper(path, "UPDATE documents SET content = replace(content, '120.00', '12.00'), "
                 f"content_hash = '{forged}' WHERE seq = 1")
    with Journal(path) as journal:
        assert "Entry 1 (FAC2026-0001): its columns (number, date, amounts, sources) or its " \
               "hash were changed." in journal.verify(lang="en")


def test_verify_finds_an_amount_column_or_a_source_changed(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
        issue(journal)
    tamper(path, "UPDATE documents SET total = '1.00' WHERE seq = 1",
           "DELETE FROM sources WHERE number = 'FAC2026-0002'")
    with Journal(path) as journal:
        problems = [p for p in journal.verify(lang="en") if p.startswith("Entry")]
    changed = "its columns (number, date, amounts, sources) or its hash were changed."
    assert problems == [f"Entry 1 (FAC2026-0001): {changed}", f"Entry 2 (FAC2026-0002): {changed}"]


def test_verify_finds_a_deleted_entry_in_the_middle(path: Path) -> None:
    with Journal(path) as journal:
        for _ in range(4):
            issue(journal)
    tamper(path, "DELETE FROM sources WHERE number = 'FAC2026-0002'",
           "DELETE FROM documents WHERE seq = 2")
    with Journal(path) as journal:
        problems = journal.verify(lang="en")
        french = journal.verify()
    assert "Entry(ies) 2 deleted from the journal before entry 3 (FAC2026-0003)." in problems
    assert any("supprimée(s)" in p for p in french)


def test_verify_finds_the_last_entries_deleted(path: Path) -> None:
    with Journal(path) as journal:
        for _ in range(4):
            issue(journal)
    tamper(path, "DELETE FROM sources WHERE number IN ('FAC2026-0003', 'FAC2026-0004')",
           "DELETE FROM documents WHERE seq >= 3")
    with Journal(path) as journal:
        assert "Last entry(ies) 3-4 deleted from the journal." in journal.verify(lang="en")


def test_verify_finds_a_link_rewritten_after_an_edit(path: Path) -> None:
    with Journal(path) as journal:
        for _ in range(3):
            issue(journal)
        first = journal.entries()[0]
    # a careful forger recomputes entry 1's hashes, but entry 2 still points at the old one
    forged_content = content_digest(content("FAC2026-0001", total="12.00"))
    header = {"number": first.number, "series_key": first.series_key,
              "counter": first.counter, "kind": first.kind, "issue_date": first.issue_date,
              "client": first.client, "net": first.net, "vat": first.vat,
              "total": first.total, "sources": list(first.sources),
              "recorded_at": first.recorded_at}
    forged_chain = link_digest(GENESIS, forged_content, header)
    tamper(path, "UPDATE documents SET content = replace(content, '120.00', '12.00'), "
                 f"content_hash = '{forged_content}', chain_hash = '{forged_chain}' "
                 "WHERE seq = 1")
    with Journal(path) as journal:
        problems = [p for p in journal.verify(lang="en") if p.startswith("Entry")]
    assert problems == [("Entry 2 (FAC2026-0002): its link to the previous entry is broken "
                         "(the previous entry was changed or replaced).")]


def test_reopening_an_up_to_date_journal_changes_nothing(path: Path) -> None:
    with Journal(path) as journal:
        issue(journal)
    with Journal(path) as journal:
        assert len(journal.entries()) == 1 and journal.verify() == []


def test_a_journal_from_a_newer_facturier_is_not_touched(path: Path) -> None:
    Journal(path).close()
    db = raw(path)
    db.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(JournalError) as caught:
        Journal(path)
    assert "999" in caught.value.en


# Two real processes. Module-level functions: the "spawn" context imports them afresh, as
# Windows always does.

def _allocate(where: str, workbook: str, worker: str, count: int, use_lock: bool,
              start) -> None:
    start.wait()
    with Journal(where if is_url(where) else Path(where)) as journal:
        for _ in range(count):
            if use_lock:
                with workbook_lock(Path(workbook)):
                    issue(journal, client=worker, sources=[])
            else:
                issue(journal, client=worker, sources=[])


@pytest.mark.parametrize("use_lock", [True, False], ids=["workbook_lock", "transaction_only"])
def test_two_processes_allocating_at_once_get_distinct_continuous_numbers(
        tmp_path: Path, path: Path | str, use_lock: bool) -> None:
    workbook = tmp_path / "Facturation.xlsx"
    Journal(path).close()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    workers = [ctx.Process(target=_allocate, args=(str(path), str(workbook), name, 50,
                                                   use_lock, start))
               for name in ("A", "B")]
    for process in workers:
        process.start()
    start.set()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    with Journal(path) as journal:
        entries = journal.entries()
        problems = journal.verify()
    numbers = [e.number for e in entries]
    assert len(set(numbers)) == 100
    assert [e.counter for e in entries] == list(range(1, 101))
    assert numbers == [f"FAC2026-{n:04d}" for n in range(1, 101)]
    assert sorted(e.client for e in entries) == ["A"] * 50 + ["B"] * 50
    assert problems == []  # the chain held under concurrency


def _hold_lock(workbook: str, held, release) -> None:
    with workbook_lock(Path(workbook)):
        held.set()
        release.wait(30)


def test_a_second_job_waiting_too_long_for_the_workbook_gets_journal_busy(
        tmp_path: Path) -> None:
    workbook = tmp_path / "Facturation.xlsx"
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(workbook), held, release))
    holder.start()
    try:
        assert held.wait(60)
        with pytest.raises(JournalBusy) as caught, workbook_lock(workbook, timeout=0.2):
            pass
        assert "Facturation.xlsx" in caught.value.en and "try again" in caught.value.en
        assert "Facturation.xlsx" in caught.value.fr
    finally:
        release.set()
        holder.join(timeout=60)
    with workbook_lock(workbook, timeout=5):  # free again once the other job ends
        pass
    assert (tmp_path / ".Facturation.xlsx.facturier-lock").exists()


def _batch(numbers: list[int], sources: list[str]) -> list:
    from pyfuncs.adapters.journal import NewDocument
    return [NewDocument(f"FAC2026-{n:04d}", KEY, n, "invoice", DAY, "CL-001",
                        Decimal("100.00"), Decimal("20.00"), Decimal("120.00"),
                        content(f"FAC2026-{n:04d}"), (source,))
            for n, source in zip(numbers, sources)]


def test_a_batch_recorded_at_once_chains_exactly_as_one_by_one(
        tmp_path: Path, path: Path | str, request: pytest.FixtureRequest) -> None:
    if is_url(path):  # a second database on the same server
        server = request.getfixturevalue("pg_server")
        one_by_one, batch = path, server.url(server.new_database())
    else:
        one_by_one, batch = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with Journal(one_by_one, now=clock) as journal:
        for doc in _batch([1, 2, 3], ["s1", "s2", "s3"]):
            with journal.transaction() as tx:
                tx.record(*doc)
        expected = journal.entries()
    with Journal(batch, now=clock) as journal:
        with journal.transaction() as tx:
            returned = tx.record_many(_batch([1, 2, 3], ["s1", "s2", "s3"]))
        assert journal.entries() == returned == expected
        assert journal.verify() == []
        with journal.transaction() as tx:
            assert tx.state(KEY) == SeriesState(3, DAY)
            assert tx.billed(["s2"]) == {"s2": "FAC2026-0002"}


@pytest.mark.parametrize(("numbers", "sources", "says"), [
    ([1, 2, 2], ["s1", "s2", "s3"], "FAC2026-0002 is already in the journal"),
    ([1, 2, 4], ["s1", "s2", "s3"], "Counter 4 of FAC2026-0004 is not the next"),
    ([1, 2, 3], ["s1", "s2", "s1"], "Already billed: s1 → FAC2026-0001"),
])
def test_one_conflict_inside_a_batch_refuses_the_whole_batch(
        path: Path, numbers: list[int], sources: list[str], says: str) -> None:
    with Journal(path) as journal:
        with pytest.raises(JournalConflict) as caught, journal.transaction() as tx:
            tx.record_many(_batch(numbers, sources))
        assert says in caught.value.en
        assert journal.entries() == []
        with journal.transaction() as tx:
            assert tx.state(KEY) is None and tx.billed(["s1"]) == {}


def test_entries_reuse_the_content_just_recorded_only_when_the_file_holds_it(path: Path) -> None:
    with Journal(path, now=clock) as journal:
        issue(journal)
        with journal.transaction() as tx:
            mine = tx.record_many(_batch([2, 3], ["s2", "s3"]))
        assert journal.entries(known=mine) == journal.entries()
        assert journal.entries(known=mine)[1].content is mine[0].content  # not parsed again
        other = dataclasses.replace(mine[1], content_hash="0" * 64)  # not what the file has
        read = journal.entries(known=[mine[0], other])
        assert read == journal.entries() and read[2].content is not other.content
