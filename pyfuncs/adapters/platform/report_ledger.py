"""The e-reporting files handed to the platform, durably, so each goes exactly once
(the protocol of ledger.py: "about to send" before the HTTP call, the flowId after, a
row left "sending" settled by a search for its trackingId), in the same file beside the
workbook, in a table of its own; with the platform's acknowledgement once known.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from pyfuncs.adapters.platform.ledger import REFUSED, SENDING, SENT

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    report TEXT PRIMARY KEY,
    flow_type TEXT NOT NULL,
    tracking_id TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    flow_id TEXT NOT NULL DEFAULT '',
    ack TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    prepared_at TEXT NOT NULL,
    settled_at TEXT
);
"""
__all__ = ["REFUSED", "SENDING", "SENT", "ReportLedger", "ReportRow"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ReportRow:
    report: str
    flow_type: str
    tracking_id: str
    sha256: str
    state: str
    flow_id: str
    ack: str
    reason: str


class ReportLedger:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")  # "about to send" must survive a crash
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self) -> dict[str, ReportRow]:
        out = self._db.execute("SELECT report, flow_type, tracking_id, sha256, state, flow_id, "
                               "ack, reason FROM reports").fetchall()
        return {r[0]: ReportRow(*r) for r in out}

    def prepare(self, report: str, flow_type: str, tracking_id: str, sha256: str) -> None:
        self._db.execute("INSERT INTO reports (report, flow_type, tracking_id, sha256, state, "
                         "prepared_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (report, flow_type, tracking_id, sha256, SENDING, _now()))

    def resend(self, tracking_id: str, sha256: str) -> None:
        self._db.execute("UPDATE reports SET sha256 = ? WHERE tracking_id = ? AND state = ?",
                         (sha256, tracking_id, SENDING))

    def sent(self, tracking_id: str, flow_id: str) -> None:
        self._db.execute("UPDATE reports SET state = ?, flow_id = ?, settled_at = ? "
                         "WHERE tracking_id = ?", (SENT, flow_id, _now(), tracking_id))

    def refused(self, tracking_id: str, reason: str) -> None:
        self._db.execute("UPDATE reports SET state = ?, reason = ?, settled_at = ? "
                         "WHERE tracking_id = ?", (REFUSED, reason, _now(), tracking_id))

    def acknowledged(self, tracking_id: str, ack: str, reason: str) -> None:
        self._db.execute("UPDATE reports SET ack = ?, reason = ? WHERE tracking_id = ?",
                         (ack, reason, tracking_id))
