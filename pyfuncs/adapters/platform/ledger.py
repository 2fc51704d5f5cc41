"""What was handed to the platform, as the jobs see it: each flow's states, the rows the
ledgers give (a document's submission, a lifecycle status, a 212 "Encaissée", an
e-reporting file), and where the ledger of earlier versions lived.

The ledgers themselves are tables of the journal (adapters/journal/platform.py), on
SQLite beside the workbook or on the PostgreSQL database a team shares: every flow is
claimed there before it goes to the platform, so two senders never send one twice.
Earlier versions kept them in a file of their own beside the workbook
(``WORKBOOK.facturier-platform.sqlite``), imported into the journal on first use.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

SENDING, SENT, REFUSED = "sending", "sent", "refused"
#: what a claim before sending finds: the flow is this run's to send (NEW), left
#: "sending" by a run that ended (ORPHAN: search the platform for it first), being sent
#: right now by another run (BUSY), or settled meanwhile by another run (DONE)
NEW, ORPHAN, BUSY, DONE = "new", "orphan", "busy", "done"


def ledger_path(workbook: Path) -> Path:
    """The platform ledger file of earlier versions, beside the workbook."""
    return workbook.with_name(f"{workbook.stem}.facturier-platform.sqlite")


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


@dataclass(frozen=True)
class ReceiptRow:
    """A 212 "Encaissée": the receipt it reports and its sequence (``key#seq``, see
    domain/encaissement.py); the amount as a Decimal (stored as text, never a float)."""

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


@dataclass(frozen=True)
class ReportRow:
    """An e-reporting file, with the platform's acknowledgement once known."""

    report: str
    flow_type: str
    tracking_id: str
    sha256: str
    state: str
    flow_id: str
    ack: str
    reason: str
