"""The approved platform's ledgers in the journal: what was handed to the platform (each
document's flow, each 212 "Encaissée", each e-reporting file), the lifecycle statuses it
sent back, and the bookmarks of the pulls, on the journal's backend, SQLite or a team's
PostgreSQL: the jobs talk to these ledgers and never to a backend.

Exactly once, across processes and PCs: a flow is *claimed* before it goes. The claim
holds the flow's lock (``Backend.hold``: a PostgreSQL advisory lock of the connection, or
the SQLite journal's sending lock) and then, in one write transaction, finds its row:

- none: a row "sending" (trackingId, sha256) is committed, and the run sends (NEW);
- "sending", its lock free: the run that wrote it ended before hearing back; the platform
  is searched for its trackingId before anything goes again (ORPHAN);
- "sent" or "refused": another run settled it since this one looked (DONE);

and a flow whose lock another live run holds is being sent right now: skipped (BUSY).
The lock is let go once the platform's answer is recorded ("sent", its flowId, or
"refused", its reasons), or by the server when the connection ends, however the run
ends. Nothing secret is ever written here.

Earlier versions kept these ledgers in a SQLite file beside the workbook
(``WORKBOOK.facturier-platform.sqlite``, adapters/platform/ledger.py): ``import_legacy``
brings it into the journal on first use, in one transaction, once per content (a rerun
or a second PC adds nothing twice); the file stays, untouched.
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.journal.base import Backend
from pyfuncs.adapters.platform.ledger import (
    BUSY,
    DONE,
    NEW,
    ORPHAN,
    REFUSED,
    SENDING,
    SENT,
    ReceiptRow,
    ReportRow,
    Status,
    Submission,
)

__all__ = ["BUSY", "DONE", "NEW", "ORPHAN", "REFUSED", "SENDING", "SENT", "FlowLedger",
           "PlatformLedgers", "ReceiptLedger", "ReportLedger", "import_legacy", "ledgers"]

# journal table -> (the legacy file's table, columns, key columns); the columns are the
# legacy file's, one for one
TABLES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "platform_flows": ("flows", ("number", "attempt", "tracking_id", "sha256", "state",
                                 "flow_id", "prepared_at", "settled_at", "reason"), 2),
    "platform_statuses": ("statuses", ("message_id", "number", "code", "at", "reason",
                                       "flow_id", "received_at"), 1),
    "platform_sync": ("sync", ("key", "value"), 1),
    "platform_receipts": ("receipts", ("message_key", "receipt", "seq", "number",
                                       "received_on", "amount", "tracking_id", "sha256",
                                       "state", "flow_id", "prepared_at", "settled_at",
                                       "reason"), 1),
    "platform_reports": ("reports", ("report", "flow_type", "tracking_id", "sha256", "state",
                                     "flow_id", "ack", "reason", "prepared_at",
                                     "settled_at"), 1),
}
#: the tables whose rows are flows: what settles a "sending" row when a file says so
SETTLED = {"platform_flows": ("state", "flow_id", "settled_at", "reason"),
           "platform_receipts": ("state", "flow_id", "settled_at", "reason"),
           "platform_reports": ("state", "flow_id", "settled_at", "reason", "ack")}


def _stamp(now: Callable[[], datetime]) -> str:
    return now().astimezone(UTC).isoformat(timespec="seconds")


@contextmanager
def _write(db: Backend) -> Iterator[None]:
    """One write transaction under the journal's write lock."""
    db.begin_write()
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    db.commit()


class _Claims:
    """What the three ledgers share: the claim before sending, the settlement after."""

    TABLE = ""

    def __init__(self, db: Backend, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._held: set[str] = set()

    def _hold(self, tracking_id: str) -> bool:
        if tracking_id in self._held:
            return True
        if not self._db.hold(tracking_id):
            return False
        self._held.add(tracking_id)
        return True

    def release(self, tracking_id: str) -> None:
        """This run no longer sends the flow: another may claim it (a row left "sending"
        is then searched for on the platform)."""
        if tracking_id in self._held:
            self._held.discard(tracking_id)
            self._db.let_go(tracking_id)

    def _claim(self, where: str, key: tuple, tracking_id: str, insert: str,
               values: tuple) -> str:
        if not self._hold(tracking_id):
            return BUSY
        try:
            with _write(self._db):
                row = self._db.execute(f"SELECT state FROM {self.TABLE} WHERE {where}",
                                       key).fetchone()
                if row is None:
                    self._db.execute(insert, values)
                    outcome = NEW
                else:
                    outcome = ORPHAN if row[0] == SENDING else DONE
        except BaseException:
            self.release(tracking_id)
            raise
        if outcome == DONE:
            self.release(tracking_id)
        return outcome

    def take_over(self, tracking_id: str) -> bool:
        """Claim a row found "sending": True when its run has ended and this run now holds
        it (search the platform for it, then ``sent``, or send it again); False when a
        live run holds it or it was settled meanwhile."""
        if not self._hold(tracking_id):
            return False
        row = self._db.execute(f"SELECT state FROM {self.TABLE} WHERE tracking_id = ?",
                               (tracking_id,)).fetchone()
        if row is None or row[0] != SENDING:
            self.release(tracking_id)
            return False
        return True

    def _settle(self, sets: str, values: tuple, tracking_id: str) -> None:
        with _write(self._db):
            self._db.execute(f"UPDATE {self.TABLE} SET {sets} WHERE tracking_id = ?",
                             (*values, tracking_id))
        self.release(tracking_id)

    def resend(self, tracking_id: str, sha256: str) -> None:
        """A "sending" row the platform never got: the fingerprint of the file sent now."""
        self._db.execute(f"UPDATE {self.TABLE} SET sha256 = ? WHERE tracking_id = ? AND "
                         "state = ?", (sha256, tracking_id, SENDING))

    def sent(self, tracking_id: str, flow_id: str) -> None:
        self._settle("state = ?, flow_id = ?, settled_at = ?",
                     (SENT, flow_id, _stamp(self._now)), tracking_id)

    def refused(self, tracking_id: str, reason: str, flow_id: str = "") -> None:
        """The platform refused the flow for good (a 4xx or an Error acknowledgement, its
        reasons kept)."""
        self._settle("state = ?, flow_id = ?, reason = ?, settled_at = ?",
                     (REFUSED, flow_id, reason, _stamp(self._now)), tracking_id)


class FlowLedger(_Claims):
    """The documents' flows (number, attempt), their lifecycle statuses, the bookmarks."""

    TABLE = "platform_flows"

    def latest(self) -> dict[str, Submission]:
        """Each document's last submission, by number."""
        rows = self._db.execute(
            "SELECT number, attempt, tracking_id, sha256, state, COALESCE(flow_id, ''), reason "
            "FROM platform_flows ORDER BY number, attempt").fetchall()
        return {r[0]: Submission(*r) for r in rows}

    def claim(self, number: str, attempt: int, tracking_id: str, sha256: str) -> str:
        """Claim the document's submission before the call: NEW, ORPHAN, BUSY or DONE."""
        return self._claim(
            "number = ? AND attempt = ?", (number, attempt), tracking_id,
            "INSERT INTO platform_flows (number, attempt, tracking_id, sha256, state, "
            "prepared_at) VALUES (?, ?, ?, ?, ?, ?)",
            (number, attempt, tracking_id, sha256, SENDING, _stamp(self._now)))

    def record_status(self, status: Status) -> bool:
        """Record a lifecycle status once; False when it was already recorded."""
        cur = self._db.execute(
            "INSERT INTO platform_statuses (message_id, number, code, at, reason, flow_id, "
            "received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (status.message_id, status.number, status.code, status.at, status.reason,
             status.flow_id, _stamp(self._now)))
        return cur.rowcount == 1

    def statuses(self) -> list[Status]:
        rows = self._db.execute("SELECT message_id, number, code, at, reason, flow_id FROM "
                                "platform_statuses ORDER BY number, at, message_id").fetchall()
        return [Status(*r) for r in rows]

    def get(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM platform_sync WHERE key = ?",
                               (key,)).fetchone()
        return row[0] if row else ""

    def put(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO platform_sync (key, value) VALUES (?, ?) ON CONFLICT "
                         "(key) DO UPDATE SET value = excluded.value", (key, value))


class ReceiptLedger(_Claims):
    """The 212 "Encaissée" statuses, one per receipt and sequence (``key#seq``)."""

    TABLE = "platform_receipts"

    def rows(self) -> list[ReceiptRow]:
        out = self._db.execute(
            "SELECT message_key, receipt, seq, number, received_on, amount, tracking_id, "
            "sha256, state, flow_id, reason FROM platform_receipts "
            "ORDER BY prepared_at, message_key").fetchall()
        return [ReceiptRow(r[0], r[1], r[2], r[3], r[4], Decimal(r[5]), r[6], r[7], r[8],
                           r[9], r[10]) for r in out]

    def claim(self, message_key: str, receipt: str, seq: int, number: str,
              received_on: str, amount: Decimal, tracking_id: str, sha256: str) -> str:
        """Claim the 212 before the call: NEW, ORPHAN, BUSY or DONE."""
        return self._claim(
            "message_key = ?", (message_key,), tracking_id,
            "INSERT INTO platform_receipts (message_key, receipt, seq, number, received_on, "
            "amount, tracking_id, sha256, state, prepared_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_key, receipt, seq, number, received_on, str(amount), tracking_id, sha256,
             SENDING, _stamp(self._now)))

    def forget(self, tracking_id: str) -> None:
        """A "sending" row the platform never got (searched by its trackingId): gone, so
        the status is planned and claimed afresh, under the same identity."""
        with _write(self._db):
            self._db.execute("DELETE FROM platform_receipts WHERE tracking_id = ? AND "
                             "state = ?", (tracking_id, SENDING))
        self.release(tracking_id)


class ReportLedger(_Claims):
    """The e-reporting files, one per report id, with the platform's acknowledgement."""

    TABLE = "platform_reports"

    def rows(self) -> dict[str, ReportRow]:
        out = self._db.execute("SELECT report, flow_type, tracking_id, sha256, state, "
                               "flow_id, ack, reason FROM platform_reports").fetchall()
        return {r[0]: ReportRow(*r) for r in out}

    def claim(self, report: str, flow_type: str, tracking_id: str, sha256: str) -> str:
        """Claim the report before the call: NEW, ORPHAN, BUSY or DONE."""
        return self._claim(
            "report = ?", (report,), tracking_id,
            "INSERT INTO platform_reports (report, flow_type, tracking_id, sha256, state, "
            "prepared_at) VALUES (?, ?, ?, ?, ?, ?)",
            (report, flow_type, tracking_id, sha256, SENDING, _stamp(self._now)))

    def acknowledged(self, tracking_id: str, ack: str, reason: str) -> None:
        self._db.execute("UPDATE platform_reports SET ack = ?, reason = ? WHERE "
                         "tracking_id = ?", (ack, reason, tracking_id))


@dataclass
class PlatformLedgers:
    """The three ledgers of one journal."""

    flows: FlowLedger
    receipts: ReceiptLedger
    reports: ReportLedger

    def empty(self) -> bool:
        """Nothing was ever handed to the platform nor received from it."""
        db = self.flows._db
        return not any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                       for table in ("platform_flows", "platform_statuses",
                                     "platform_receipts", "platform_reports"))


def ledgers(db: Backend, now: Callable[[], datetime]) -> PlatformLedgers:
    return PlatformLedgers(FlowLedger(db, now), ReceiptLedger(db, now), ReportLedger(db, now))


# ----------------------------------------------------------------- earlier versions' file
def legacy_rows(legacy: Path) -> dict[str, list[tuple]]:
    """The rows of a platform ledger file of an earlier version, by journal table (a
    table it never had is empty); read-only."""
    try:
        conn = sqlite3.connect(f"{legacy.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        conn = sqlite3.connect(str(legacy), timeout=30)
    try:
        have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                           "WHERE type = 'table'")}
        out: dict[str, list[tuple]] = {}
        for table, (old, columns, keys) in TABLES.items():
            out[table] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {old} ORDER BY "
                f"{', '.join(columns[:keys])}").fetchall() if old in have else []
        return out
    finally:
        conn.close()


def _digest(rows: dict[str, list[tuple]]) -> str:
    return hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()[:32]


def import_legacy(db: Backend, legacy: Path) -> int:
    """Bring the ledger file of an earlier version into the journal: every row the
    journal lacks, and the settlement of a flow it holds as "sending" where the file says
    sent or refused; in one transaction, recorded as done for this content (meta
    ``platform_import:DIGEST``), so a rerun adds nothing and an interrupted import is
    simply done again. The number of rows added."""
    if not legacy.exists():
        return 0
    rows = legacy_rows(legacy)
    marker = f"platform_import:{_digest(rows)}"
    if db.execute("SELECT 1 FROM meta WHERE key = ?", (marker,)).fetchone():
        return 0
    added = 0
    with _write(db):
        for table, (_old, columns, _keys) in TABLES.items():
            values = rows[table]
            if not values:
                continue
            before = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING",
                           [tuple(r) for r in values])
            added += db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
            settled = SETTLED.get(table)
            if settled:
                where = {c: k for k, c in enumerate(columns)}
                db.executemany(
                    f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in settled)} "
                    "WHERE tracking_id = ? AND state = 'sending'",
                    [(*(r[where[c]] for c in settled), r[where["tracking_id"]])
                     for r in values if r[where["state"]] != SENDING])
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                   (marker, str(legacy)))
    return added


def copy_rows(source: Backend, target: Backend) -> None:
    """Every platform row of ``source`` into ``target`` (an empty in-memory journal, for a
    preview that reads the shared journal without writing to it)."""
    for table, (_old, columns, keys) in TABLES.items():
        values = source.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY "
                                f"{', '.join(columns[:keys])}").fetchall()
        target.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' * len(columns))})", [tuple(r) for r in values])


@contextmanager
def read_ledgers(db: Backend | None, legacy: Path | None,
                 now: Callable[[], datetime]) -> Iterator[PlatformLedgers]:
    """The ledgers as a preview reads them, writing nothing anywhere: the journal's
    platform rows (``db``, opened read-only; none before its schema holds them) and a file
    of an earlier version not yet imported, gathered in a journal in memory."""
    from pyfuncs.adapters.journal import sqlite

    memory = sqlite.connect(Path(":memory:"))
    try:
        if db is not None and db.schema_version() >= sqlite.PLATFORM_VERSION:
            copy_rows(db, memory)
        if legacy is not None:
            import_legacy(memory, legacy)
        yield ledgers(memory, now)
    finally:
        memory.close()
