"""What was handed to the platform, durably, so each document goes exactly once.

A small SQLite file beside the workbook, named after it like the journal
(``WORKBOOK.facturier-platform.sqlite``). It is to move behind the journal's interface
(the journal is being split into SQLite and PostgreSQL backends); until then it keeps its
own file so the two never contend for a lock.

Protocol of a submission: ``prepare`` (number, sha256, trackingId) is committed *before*
the HTTP call; ``sent`` (flowId) after the platform's answer. A row left "sending" by a
crash is settled on the next run by searching the platform for its trackingId, never by
sending blindly. Lifecycle statuses are recorded once each, keyed by the platform's id of
the status message. Nothing secret is ever written here.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

SENDING, SENT, REFUSED = "sending", "sent", "refused"
SCHEMA = """
CREATE TABLE IF NOT EXISTS flows (
    number TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    tracking_id TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    flow_id TEXT,
    prepared_at TEXT NOT NULL,
    settled_at TEXT,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (number, attempt)
);
CREATE TABLE IF NOT EXISTS statuses (
    message_id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    code TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    flow_id TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def ledger_path(workbook: Path) -> Path:
    return workbook.with_name(f"{workbook.stem}.facturier-platform.sqlite")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Submission:
    number: str
    attempt: int
    tracking_id: str
    sha256: str
    state: str
    flow_id: str
    reason: str


@dataclass(frozen=True)
class Status:
    message_id: str
    number: str
    code: str
    at: str
    reason: str
    flow_id: str


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")  # "about to send" must survive a crash
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ submissions
    def latest(self) -> dict[str, Submission]:
        """Each document's last submission, by number."""
        rows = self._db.execute(
            "SELECT number, attempt, tracking_id, sha256, state, COALESCE(flow_id, ''), reason "
            "FROM flows ORDER BY number, attempt").fetchall()
        return {r[0]: Submission(*r) for r in rows}

    def prepare(self, number: str, attempt: int, tracking_id: str, sha256: str) -> None:
        self._db.execute("INSERT INTO flows (number, attempt, tracking_id, sha256, state, "
                         "prepared_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (number, attempt, tracking_id, sha256, SENDING, _now()))

    def resend(self, tracking_id: str, sha256: str) -> None:
        """A "sending" row the platform never got: the new file's fingerprint."""
        self._db.execute("UPDATE flows SET sha256 = ? WHERE tracking_id = ? AND state = ?",
                         (sha256, tracking_id, SENDING))

    def sent(self, tracking_id: str, flow_id: str) -> None:
        self._db.execute("UPDATE flows SET state = ?, flow_id = ?, settled_at = ? "
                         "WHERE tracking_id = ?", (SENT, flow_id, _now(), tracking_id))

    def refused(self, tracking_id: str, reason: str, flow_id: str = "") -> None:
        """The platform refused this submission for good (a 4xx or an Error
        acknowledgement): the document may go again, corrected, as a new attempt."""
        self._db.execute("UPDATE flows SET state = ?, flow_id = ?, reason = ?, settled_at = ? "
                         "WHERE tracking_id = ?", (REFUSED, flow_id, reason, _now(),
                                                   tracking_id))

    # ------------------------------------------------------------------ statuses
    def record_status(self, status: Status) -> bool:
        """Record a lifecycle status once; False when it was already recorded."""
        cur = self._db.execute("INSERT OR IGNORE INTO statuses VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (status.message_id, status.number, status.code, status.at,
                                status.reason, status.flow_id, _now()))
        return cur.rowcount == 1

    def statuses(self) -> list[Status]:
        rows = self._db.execute("SELECT message_id, number, code, at, reason, flow_id "
                                "FROM statuses ORDER BY number, at, message_id").fetchall()
        return [Status(*r) for r in rows]

    def get(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM sync WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def put(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO sync VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                         "value = excluded.value", (key, value))
