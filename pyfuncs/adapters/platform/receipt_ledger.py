"""The 212 "Encaissée" statuses handed to the platform, durably, so each goes exactly
once (the same protocol as the documents' flows in ledger.py, in the same file beside
the workbook, in a table of its own).

A status is identified by the receipt it reports and its sequence (``key#seq``, see
domain/encaissement.py): ``prepare`` (amount, trackingId, sha256) is committed before the
HTTP call, ``sent`` (flowId) after. A row left "sending" is settled on the next run by a
search of the platform for its trackingId, never by sending blindly. The amounts are
stored as text (Decimal), never as floats.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Self

from pyfuncs.adapters.platform.ledger import REFUSED, SENDING, SENT

SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    message_key TEXT PRIMARY KEY,
    receipt TEXT NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    received_on TEXT NOT NULL,
    amount TEXT NOT NULL,
    tracking_id TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    flow_id TEXT NOT NULL DEFAULT '',
    prepared_at TEXT NOT NULL,
    settled_at TEXT,
    reason TEXT NOT NULL DEFAULT ''
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ReceiptRow:
    message_key: str
    receipt: str
    seq: int
    number: str
    received_on: str
    amount: Decimal
    tracking_id: str
    sha256: str
    state: str
    flow_id: str
    reason: str


class ReceiptLedger:
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

    def rows(self) -> list[ReceiptRow]:
        out = self._db.execute(
            "SELECT message_key, receipt, seq, number, received_on, amount, tracking_id, "
            "sha256, state, flow_id, reason FROM receipts ORDER BY prepared_at, message_key"
        ).fetchall()
        return [ReceiptRow(r[0], r[1], r[2], r[3], r[4], Decimal(r[5]), r[6], r[7], r[8],
                           r[9], r[10]) for r in out]

    def prepare(self, message_key: str, receipt: str, seq: int, number: str,
                received_on: str, amount: Decimal, tracking_id: str, sha256: str) -> None:
        self._db.execute(
            "INSERT INTO receipts (message_key, receipt, seq, number, received_on, amount, "
            "tracking_id, sha256, state, prepared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_key, receipt, seq, number, received_on, str(amount), tracking_id, sha256,
             SENDING, _now()))

    def resend(self, tracking_id: str, sha256: str) -> None:
        self._db.execute("UPDATE receipts SET sha256 = ? WHERE tracking_id = ? AND state = ?",
                         (sha256, tracking_id, SENDING))

    def forget(self, tracking_id: str) -> None:
        """A "sending" row the platform never got (searched by its trackingId): gone, so
        the status is planned and recorded afresh, under the same identity."""
        self._db.execute("DELETE FROM receipts WHERE tracking_id = ? AND state = ?",
                         (tracking_id, SENDING))

    def sent(self, tracking_id: str, flow_id: str) -> None:
        self._db.execute("UPDATE receipts SET state = ?, flow_id = ?, settled_at = ? "
                         "WHERE tracking_id = ?", (SENT, flow_id, _now(), tracking_id))

    def refused(self, tracking_id: str, reason: str, flow_id: str = "") -> None:
        """The platform refused the status for good (its reason codes kept): it does not
        count as reported, and the finding says why."""
        self._db.execute("UPDATE receipts SET state = ?, flow_id = ?, reason = ?, "
                         "settled_at = ? WHERE tracking_id = ?",
                         (REFUSED, flow_id, reason, _now(), tracking_id))
