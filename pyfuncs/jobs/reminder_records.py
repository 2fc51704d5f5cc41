"""What the reminder job works with and gives back: the tables it reads, the emails it
writes (``Outgoing``) and its result.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from pyfuncs.domain.reminders import (
    Due,
    Mailing,
)
from pyfuncs.jobs.result import MailResult

log = logging.getLogger("facturier.remind")

Progress = Callable[[str], None]
Attach = Callable[[str], "bytes | None"]
REMIND_TABLES = ["Parametres", "NiveauxRelance", "TauxPenalite", "Clients", "Factures",
                 "LignesFacture", "Paiements", "Relances", "Taux", "Echeancier"]
DIGEST_TEMPLATE = "interne_synthese"
LETTER_TEMPLATE = "lettre_mise_en_demeure"
NO_WORDS = {"non", "no", "n", "false", "faux", "0"}


# the journal's email kinds that the Relances table logs (invoices sent are not reminders)
REMINDER_KINDS = ("client", "owner", "digest")


def _quiet(_: str) -> None:
    return None


class RemindInputError(Exception):
    """Nothing can be planned or sent (no levels, no SMTP server...): exit 2."""


@dataclass
class Outgoing:
    """One email of the run and what became of it.

    Attributes: mailing (what and whom), message (the MIME message, None when it could
    not be made), status ("preview", "sent", "failed", "skipped" by the user, "error":
    not made), error (why), file (its .eml at preview).
    """

    mailing: Mailing
    message: EmailMessage | None
    subject: str = ""
    status: str = "preview"
    error: str = ""
    file: Path | None = None

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]) if self.message is not None else ""

    def as_json(self) -> dict[str, object]:
        m = self.mailing
        return {"key": m.key, "kind": m.kind, "client": m.client, "level":
                m.level.level if m.level else None, "to": m.to, "cc": list(m.cc),
                "subject": self.subject, "invoices": m.invoices, "amount": str(m.open),
                "penalties": str(m.penalties), "status": self.status, "error": self.error,
                "message_id": self.message_id, "file": str(self.file) if self.file else None}


@dataclass
class RemindResult(MailResult[Outgoing]):
    as_of: date = field(kw_only=True)
    held: list[Due] = field(default_factory=list)  # overdue, held by a platform status


