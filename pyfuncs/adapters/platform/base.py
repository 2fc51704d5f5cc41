"""What Facturier asks of an approved platform, whatever its API: submit one flow, find
flows updated after a time (or by the tracking id we gave), read one flow's metadata or
file, and say whether it is up; and of its directory: the lines (electronic addresses)
where a company receives its e-invoices. Errors are ``PlatformError`` with the platform's reason
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


@dataclass(frozen=True)
class DirectoryLine:
    """One line of the e-invoicing directory: an address where a company receives its
    invoices (XP Z12-013 Directory Service ``directory line``).

    Attributes:
      address: the addressing identifier, the buyer's electronic address BT-49 under
        scheme 0225: SIREN, SIREN_SIRET, SIREN_SUFFIX or SIREN_SIRET_ROUTINGCODE.
      siren, siret, suffix, routing_id: the mesh the line is defined at.
      status: Enabled, Disabled or Upcoming ("" when the platform does not say).
      platform_type: WK (an approved platform) or DFH, as the directory says.
      name: the company's name when the platform includes it.
    """

    address: str
    siren: str
    siret: str = ""
    suffix: str = ""
    routing_id: str = ""
    status: str = ""
    platform_type: str = ""
    name: str = ""

    @property
    def reachable(self) -> bool:
        """Invoices can go to it now. A line without a status (Directory Service before
        1.3.0 did not give it on a single line) is taken as enabled: it is in the
        directory."""
        return self.status in ("", "Enabled")


class Directory(Protocol):
    """The directory of the e-invoicing circuit as the jobs use it; errors are
    ``PlatformError`` (a line that is not there is not an error: empty / None)."""

    def lines_of_siret(self, siret: str) -> list[DirectoryLine]: ...

    def line(self, address: str) -> DirectoryLine | None: ...
