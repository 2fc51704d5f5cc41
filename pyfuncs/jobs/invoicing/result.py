"""What "Générer les factures" reports: the documents issued (or, in a dry run, that would
be, with their expected numbers), the replayed ones and the findings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.domain.findings import Finding
from pyfuncs.jobs.result import JobResult


@dataclass(frozen=True)
class Issued:
    """A document issued (or, in a dry run, that would be, with its expected number)."""

    number: str
    kind: str
    date: date
    client: str
    net: Decimal
    vat: Decimal
    total: Decimal
    sources: list[str]
    subject: str = ""
    due_date: dt.date | None = None  # (``date`` is the field above)

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "type": self.kind, "date": self.date.isoformat(),
                "client": self.client, "net": str(self.net), "vat": str(self.vat),
                "total": str(self.total), "sources": self.sources,
                "subject": self.subject,
                "due_date": self.due_date.isoformat() if self.due_date else None}


@dataclass
class GenerateResult(JobResult):
    path: Path
    dry_run: bool
    issued: list[Issued] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class SettingsError(Exception):
    """A numbering setting that would make illegal numbers: nothing can be issued."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings
