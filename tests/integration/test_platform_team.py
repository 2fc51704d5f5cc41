"""The approved platform's flows claimed in the journal, on both backends: a team on one
PostgreSQL journal transmitting from several copies of its workbook at once sends each
document and each 212 once; the ledger file of an earlier version is imported; a preview
against a shared journal nobody has used writes nothing to it."""
from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pyfuncs.adapters.journal import Journal, journal_path
from pyfuncs.adapters.journal.platform import BUSY, DONE, NEW, ORPHAN, import_legacy
from pyfuncs.adapters.platform.ledger import SENDING, SENT, ledger_path
from pyfuncs.jobs.einvoicing import run_statuses, run_transmit
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.journal_migrate import run_journal_migrate
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_encaissee import PAID, statuses_sent
from tests.integration.test_platform import B2B, SECRET, TODAY, flows_by_number
from tests.support.ledgers import ledgers_of
from tests.support.pa_server import PlatformServer, PlatformState, environ
from tests.support.postgres import (  # noqa: F401 - fixtures
    PostgresServer,
    journal_where,
    pg_server,
    pg_url,
)
from tests.unit.test_checks import clean_settings, clean_tables

ROOT = Path(__file__).resolve().parents[2]

# the ledger file of earlier versions, as they created it
LEGACY_SCHEMA = """
CREATE TABLE flows (number TEXT NOT NULL, attempt INTEGER NOT NULL,
    tracking_id TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, state TEXT NOT NULL,
    flow_id TEXT, prepared_at TEXT NOT NULL, settled_at TEXT,
    reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (number, attempt));
CREATE TABLE statuses (message_id TEXT PRIMARY KEY, number TEXT NOT NULL,
    code TEXT NOT NULL, at TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    flow_id TEXT NOT NULL DEFAULT '', received_at TEXT NOT NULL);
CREATE TABLE sync (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE receipts (message_key TEXT PRIMARY KEY, receipt TEXT NOT NULL,
    seq INTEGER NOT NULL, number TEXT NOT NULL, received_on TEXT NOT NULL,
    amount TEXT NOT NULL, tracking_id TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    state TEXT NOT NULL, flow_id TEXT NOT NULL DEFAULT '', prepared_at TEXT NOT NULL,
    settled_at TEXT, reason TEXT NOT NULL DEFAULT '');
CREATE TABLE reports (report TEXT PRIMARY KEY, flow_type TEXT NOT NULL,
    tracking_id TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, state TEXT NOT NULL,
    flow_id TEXT NOT NULL DEFAULT '', ack TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '', prepared_at TEXT NOT NULL, settled_at TEXT);
"""
AT = "2026-11-20T10:00:00+00:00"


def legacy_file(path: Path, receipts: bool = True) -> Path:
    """A ledger file as an earlier version left it: one document sent, one left "sending"
    by a crash, a status, a 212 sent (``receipts``), an e-reporting file acknowledged,
    the bookmark."""
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_SCHEMA)
        db.executemany("INSERT INTO flows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            ("FAC2026-0001", 1, "t-0001", "a" * 64, SENT, "flow-1", AT, AT, ""),
            ("FAC2026-0002", 1, "t-0002", "b" * 64, SENDING, None, AT, None, "")])
        db.execute("INSERT INTO statuses VALUES ('flow-9#0', 'FAC2026-0001', '200', ?, '', "
                   "'flow-9', ?)", (AT, AT))
        db.execute("INSERT INTO sync VALUES ('statuses_updated_after', ?)", (AT,))
        if receipts:
            db.execute("INSERT INTO receipts VALUES ('R1#1', 'R1', 1, 'FAC2026-0001', "
                       "'2026-11-02', '14160.00', 't-r1', ?, 'sent', 'flow-r1', ?, ?, '')",
                       ("c" * 64, AT, AT))
        db.execute("INSERT INTO reports VALUES ('S-2026-10-F101', "
                   "'UnitaryCustomerTransactionReport', 't-e1', ?, 'sent', 'flow-e1', 'Ok', "
                   "'', ?, ?)", ("d" * 64, AT, AT))
    return path


def counts(where: Path | str) -> dict[str, int]:
    with Journal(where) as journal:
        db = journal.backend
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "platform_flows", "platform_statuses", "platform_sync", "platform_receipts",
            "platform_reports")}


def test_an_earlier_ledger_file_is_imported_whole_once_and_again_after_an_interruption(
        tmp_path: Path, journal_where: Path | str) -> None:  # noqa: F811
    legacy = legacy_file(tmp_path / "book.facturier-platform.sqlite")
    before = legacy.read_bytes()
    with Journal(journal_where) as journal:
        db = journal.backend
        real = db.executemany

        def cut(sql: str, rows):  # the connection lost in the middle of the import
            if "platform_reports" in sql:
                raise OSError("connection lost")
            return real(sql, rows)

        db.executemany = cut  # type: ignore[method-assign]
        with pytest.raises(OSError):
            import_legacy(db, legacy)
        db.executemany = real  # type: ignore[method-assign]
    assert set(counts(journal_where).values()) == {0}  # whole or absent
    with Journal(journal_where) as journal:
        assert import_legacy(journal.backend, legacy) == 6
        assert import_legacy(journal.backend, legacy) == 0  # once per content
        led = journal.platform()
        assert {n: s.state for n, s in led.flows.latest().items()} == {
            "FAC2026-0001": SENT, "FAC2026-0002": SENDING}
        assert led.flows.get("statuses_updated_after") == AT
        assert [s.code for s in led.flows.statuses()] == ["200"]
        assert [(r.message_key, str(r.amount)) for r in led.receipts.rows()] == \
            [("R1#1", "14160.00")]
        assert led.reports.rows()["S-2026-10-F101"].ack == "Ok"
    assert legacy.read_bytes() == before  # the file stays, as it was


def test_a_claim_is_taken_once_and_a_sending_row_is_left_to_its_live_run(
        journal_where: Path | str) -> None:  # noqa: F811
    with Journal(journal_where) as first:
        mine = first.platform().flows
        assert mine.claim("FAC2026-0001", 1, "t-1", "a" * 64) == NEW
        if isinstance(journal_where, str):  # PostgreSQL: another PC's connection
            with Journal(journal_where) as second:
                theirs = second.platform().flows
                assert theirs.claim("FAC2026-0001", 1, "t-1", "a" * 64) == BUSY
                assert not theirs.take_over("t-1")
                mine.sent("t-1", "flow-1")
                assert theirs.claim("FAC2026-0001", 1, "t-1", "a" * 64) == DONE
        else:  # SQLite: one PC, whose senders take turns on the journal's sending lock
            mine.sent("t-1", "flow-1")
            assert mine.claim("FAC2026-0001", 1, "t-1", "a" * 64) == DONE
        assert mine.claim("FAC2026-0002", 1, "t-2", "b" * 64) == NEW
    with Journal(journal_where) as later:  # the run that claimed it ended, unanswered
        assert later.platform().flows.claim("FAC2026-0002", 1, "t-2", "b" * 64) == ORPHAN


def test_transmit_imports_the_earlier_ledger_and_sends_only_what_it_lacks(tmp_path: Path,
                                                                        platform) -> None:
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=copy.deepcopy(clean_tables()), settings=clean_settings(),
                   today=TODAY)
    legacy_file(ledger_path(path), receipts=False)
    env = environ(platform)
    preview = run_transmit(path, TODAY, send=False, environ=env)
    listed = {d.number for d in preview.documents if d.status == "preview"}
    assert listed == set(B2B) - {"FAC2026-0001"}  # the file read as it is, unimported
    assert not journal_path(path).exists()  # a preview creates no journal
    sent = run_transmit(path, TODAY, environ=env)
    assert sorted(d.number for d in sent.documents if d.status == "sent") == \
        sorted(set(B2B) - {"FAC2026-0001"})  # the one left "sending" was not found: sent
    assert "FAC2026-0001" not in flows_by_number(platform)
    with ledgers_of(path) as led:
        assert led.flows.latest()["FAC2026-0002"].tracking_id == "t-0002"
        assert [s.message_id for s in led.flows.statuses()] == ["flow-9#0"]


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def facturier(*args: str | Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pyfuncs.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def team_copies(tmp_path: Path, url: str, n: int) -> list[Path]:
    first = tmp_path / "pc1" / "book.xlsx"
    first.parent.mkdir()
    build_workbook(first, data=copy.deepcopy(clean_tables()),
                   settings={**clean_settings(), "journal_path": url}, today=TODAY)
    out = [first]
    for k in range(2, n + 1):
        other = tmp_path / f"pc{k}" / "book.xlsx"
        other.parent.mkdir()
        shutil.copy2(first, other)
        out.append(other)
    return out


@pytest.mark.parametrize("senders", [2, 4])
def test_several_pcs_transmitting_at_once_send_each_document_and_each_212_once(
        tmp_path: Path, pg_url: str, platform, senders: int) -> None:  # noqa: F811
    copies = team_copies(tmp_path, pg_url, senders)
    platform.state.delay = 0.3  # each submission in flight long enough to overlap
    runs = [facturier("transmit", book, "--send", env=environ(platform)) for book in copies]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * senders, outputs
    # the invoices went; their 212s wait for the platform's 200, which one colleague's
    # « statuses » brings into the shared journal; then everyone transmits again at once
    assert statuses_sent(platform) == []
    pull = facturier("statuses", copies[0], env=environ(platform))
    assert pull.communicate(timeout=600) and pull.returncode == 0
    runs = [facturier("transmit", book, "--send", env=environ(platform)) for book in copies]
    outputs += [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * senders, outputs
    assert not [out for out in outputs if "trying again" in out], outputs  # no retry
    # counted on the platform: every POST, answered or refused
    assert sorted(platform.state.posted.values()) == [1] * len(platform.state.posted), \
        outputs
    assert flows_by_number(platform) == {n: 1 for n in B2B}
    assert len(statuses_sent(platform)) == 5 and platform.state.received == PAID
    assert not [line for out in outputs for line in out.splitlines()
                if line.strip().startswith(("refused", "failed"))]
    with ledgers_of(copies[0], pg_url) as led:
        assert {s.state for s in led.flows.latest().values()} == {SENT}
        assert len(led.receipts.rows()) == 5
    again = facturier("transmit", copies[-1], "--send", env=environ(platform))
    again.communicate(timeout=600)
    assert sum(platform.state.posted.values()) == len(B2B) + 5  # nothing more


def tables_in(server: PostgresServer, url: str) -> list[str]:
    return server.admin("SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                        url.rsplit("/", 1)[1]).split()


def test_previews_against_a_shared_journal_nobody_used_create_nothing(
        tmp_path: Path, pg_server: PostgresServer, pg_url: str, platform) -> None:  # noqa: F811
    book = team_copies(tmp_path, pg_url, 1)[0]
    env = environ(platform)
    assert len(run_generate(book, TODAY, dry_run=True).issued) > 0
    assert run_transmit(book, TODAY, send=False, environ=env).documents
    for args in (["generate", book, "--dry-run"], ["transmit", book],
                 ["send-invoices", book], ["remind", book]):
        run = facturier(*args, env=env)
        out = run.communicate(timeout=600)[0]
        assert run.returncode in (0, 1), out
    assert tables_in(pg_server, pg_url) == []  # not even the schema
    assert platform.state.posted == {}


def test_journal_migrate_carries_the_platform_ledgers(
        tmp_path: Path, pg_url: str, platform) -> None:  # noqa: F811
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=copy.deepcopy(clean_tables()), settings=clean_settings(),
                   today=TODAY)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    run_statuses(path, TODAY, environ=env)  # the 200s: the 212s may go now
    run_transmit(path, TODAY, environ=env)
    posted = sum(platform.state.posted.values())
    legacy_file(ledger_path(path), receipts=False)  # an earlier version's file beside it
    result = run_journal_migrate(path, pg_url)
    assert result.copied.platform_flows == len(B2B) and result.copied.platform_receipts == 5
    # its status and report; its two documents and the bookmark of the pulls were in the
    # journal already (the statuses were pulled since)
    assert result.platform_imported == 2
    moved = counts(pg_url)
    assert moved["platform_flows"] == len(B2B)
    assert moved["platform_receipts"] == 5 and moved["platform_reports"] == 1
    again = run_transmit(path, TODAY, environ=env)
    assert [d for d in again.documents if d.status not in ("e-reporting",)] == []
    assert sum(platform.state.posted.values()) == posted  # nothing sent twice
