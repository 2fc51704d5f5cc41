"""What every job's result shares: its findings, and how many of them are errors, the
number a command's exit code 1 and a button's message give. A job that acts on the world
(sends an email, transmits an invoice) adds what it failed to do (``failures``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from pyfuncs.domain.findings import ERROR, Finding


class _HasStatus(Protocol):
    status: str


Email = TypeVar("Email", bound=_HasStatus)


class JobResult:
    """The base of the jobs' results (each a dataclass with a ``findings`` field)."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        """The findings that are errors, and the run's failures (exit code 1)."""
        return sum(1 for f in self.findings if f.severity == ERROR) + self.failures()

    def failures(self) -> int:
        """What this run failed to do in the world; none for a job that only reads and
        writes the workbook."""
        return 0


@dataclass
class MailResult(JobResult, Generic[Email]):
    """The result of a job that writes emails (reminders, invoices sent): each email
    previewed into the outbox or sent, and those a crashed run had left to send."""

    path: Path
    send: bool
    emails: list[Email] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    replayed: int = 0
    outbox: Path | None = None

    def count(self, status: str) -> int:
        return sum(1 for e in self.emails if e.status == status)
