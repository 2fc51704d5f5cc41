"""What Facturier asks of an approved platform, whatever its API: submit one flow, find
flows updated after a time (or by the tracking id we gave), read one flow's metadata or
file, and say whether it is up. Errors are ``PlatformError`` with the platform's reason
codes, so a job turns them into findings; nothing here knows the workbook."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Reason:
    """One reason the platform gave (XP Z12-013 AcknowledgementDetail or Error).

    Attributes:
      code: the reason code (``InvalidSchema``, ``ChecksumMismatch``, a rule id...).
      message: the platform's text.
      item: what it is about (a rule, a field), when the platform says.
      level: "Error" or "Warning".
    """

    code: str
    message: str = ""
    item: str = ""
    level: str = "Error"


@dataclass(frozen=True)
class Flow:
    """A flow as the platform describes it (XP Z12-013 ``Flow`` / ``FullFlowInfo``).

    Attributes:
      flow_id: the platform's identifier.
      tracking_id: ours, given at submission.
      flow_type: CustomerInvoice, CustomerInvoiceLC...
      direction: "Out" (we sent it) or "In" (the platform sent it to us).
      ack: Pending, Ok or Error (the platform's technical acknowledgement).
      updated_at, submitted_at: ISO 8601 date-times as the platform wrote them.
      reasons: why an Error (or warnings).
    """

    flow_id: str
    tracking_id: str = ""
    flow_type: str = ""
    direction: str = ""
    ack: str = ""
    updated_at: str = ""
    submitted_at: str = ""
    syntax: str = ""
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


class PlatformError(Exception):
    """The platform did not take the request.

    ``transient``: worth trying again later (5xx, 429, timeout, connection refused) once
    the client's own retries are spent; otherwise (4xx) the request itself is at fault and
    ``reasons`` say why. ``status`` is the HTTP status (0 when no answer came)."""

    def __init__(self, message: str, *, status: int = 0, transient: bool = False,
                 reasons: tuple[Reason, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.reasons = reasons


class Platform(Protocol):
    """An approved platform as the jobs use it."""

    name: str

    def submit(self, content: bytes, *, filename: str, tracking_id: str, sha256: str,
               syntax: str, processing_rule: str) -> Flow: ...

    def search(self, *, updated_after: str | None = None, tracking_id: str | None = None,
               flow_types: tuple[str, ...] = (), direction: str | None = None
               ) -> Iterator[Flow]: ...

    def flow(self, flow_id: str) -> Flow: ...

    def download(self, flow_id: str, doc_type: str = "Original") -> bytes: ...

    def healthy(self) -> bool: ...
