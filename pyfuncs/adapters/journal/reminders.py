"""The reminders the journal keeps: one row per email the SMTP server accepted, one per
(invoice, instalment, level) it carried, so a rerun never sends a level twice."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta

from pyfuncs.adapters.journal.base import Backend
from pyfuncs.domain.register import canonical_json

#: a claim older than this is taken as abandoned (its run died before sending): one SMTP
#: conversation takes seconds, so a live sender is never overtaken
STALE_CLAIM = timedelta(minutes=10)


def _item(kind: str, invoice: str, step: str, level: int | None) -> str:
    return "\x1f".join((kind, invoice.casefold(), step, str(level)))


class ReminderJournal:
    """The reminder half of ``Journal`` (store.py gives it ``_db``, ``_now``,
    ``transaction``)."""

    _db: Backend
    _now: Callable[[], datetime]
    transaction: Callable[[], AbstractContextManager]

    def reminded_levels(self, kind: str = "client") -> dict[tuple[str, str], int]:
        """{(invoice number casefolded, step): highest level sent} for one kind of message
        ('client' reminders, 'owner' hand-overs, 'digest' with level 0)."""
        return {(invoice.casefold(), step): level for invoice, step, level in self._db.execute(
            "SELECT lower(invoice), step, MAX(level) FROM reminded WHERE kind = ? "
            "GROUP BY lower(invoice), step", (kind,))}

    def record_reminder(self, message_id: str, kind: str, client: str, level: int | None,
                        recipients: Iterable[str], subject: str, as_of: date,
                        items: Iterable[tuple[str, str, int]], content: dict) -> None:
        """Record one email the SMTP server accepted and every (invoice, step, level) it
        carried, in one transaction. An item already recorded is kept as it was (a
        message listing an invoice again does not make it sent twice)."""
        sent_at = self._now().astimezone(UTC).isoformat(timespec="seconds")
        with self.transaction():
            self._db.execute(
                "INSERT INTO reminder_messages (message_id, kind, client, level, recipients, "
                "subject, as_of, sent_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, kind, client, level, ", ".join(recipients), subject,
                 as_of.isoformat(), sent_at, canonical_json(content)))
            self._db.executemany(
                "INSERT INTO reminded (invoice, step, kind, level, message_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(invoice, step, kind, lvl, message_id) for invoice, step, lvl in items])

    def unlogged_reminders(self, kinds: Iterable[str] | None = None) -> list[dict]:
        """Emails sent but not yet shown in the workbook (a crash in between), oldest
        first, of the given kinds (all by default): {message_id, kind, client, level,
        recipients, subject, as_of, sent_at, content}. Reminders are shown in Relances;
        invoices sent (kind "invoice") as the sent date of Factures."""
        return self._messages("WHERE logged = 0", kinds)

    def sent_messages(self, kinds: Iterable[str] | None = None) -> list[dict]:
        """Every email the journal recorded, whichever copy of the workbook sent it and
        whether or not that copy logged it, oldest first (as ``unlogged_reminders``): a
        copy catches up on those its own log lacks (jobs/catchup.py)."""
        return self._messages("", kinds)

    def _messages(self, where: str, kinds: Iterable[str] | None) -> list[dict]:
        rows = self._db.execute(
            "SELECT message_id, kind, client, level, recipients, subject, as_of, sent_at, "
            f"content FROM reminder_messages {where} ORDER BY rowid").fetchall()
        if kinds is not None:
            wanted = set(kinds)
            rows = [row for row in rows if row[1] in wanted]
        keys = ("message_id", "kind", "client", "level", "recipients", "subject", "as_of",
                "sent_at", "content")
        out = []
        for row in rows:
            item = dict(zip(keys, row))
            try:
                item["content"] = json.loads(item["content"])
            except ValueError:
                item["content"] = {}
            out.append(item)
        return out

    def mark_reminders_logged(self, message_ids: Iterable[str]) -> None:
        """These emails are in the workbook's Relances table now."""
        with self.transaction():
            self._db.executemany("UPDATE reminder_messages SET logged = 1 WHERE message_id = ?",
                                 [(m,) for m in message_ids])

    def claim_sending(self, message_id: str, kind: str,
                      items: Iterable[tuple[str, str, int]]) -> bool:
        """Claim an email before it goes to the SMTP server: True when this run may send
        it; False when one of its (invoice, step, level) was sent already or is claimed
        by another message, less than STALE_CLAIM ago, by a colleague's run working at the
        same moment on the same journal. Checked and claimed under the journal's write
        lock, so two runs never both get True."""
        items = list(items)
        now = self._now().astimezone(UTC)
        with self.transaction():
            for invoice, step, level in items:
                if self._db.execute(
                        "SELECT 1 FROM reminded WHERE lower(invoice) = ? AND step = ? AND "
                        "kind = ? AND level = ?",
                        (invoice.casefold(), step, kind, level)).fetchone():
                    return False
            keys = [_item(kind, invoice, step, level) for invoice, step, level in items]
            for key in keys:
                row = self._db.execute("SELECT message_id, claimed_at FROM sending_claims "
                                       "WHERE item = ?", (key,)).fetchone()
                if row and row[0] != message_id and \
                        now - datetime.fromisoformat(row[1]) < STALE_CLAIM:
                    return False
            self._db.executemany(
                "INSERT INTO sending_claims (item, message_id, claimed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (item) DO UPDATE SET message_id = excluded.message_id, "
                "claimed_at = excluded.claimed_at",
                [(key, message_id, now.isoformat(timespec="seconds")) for key in keys])
        return True

    def release_sending(self, message_id: str) -> None:
        """The SMTP server refused this email: its items may be claimed again."""
        with self.transaction():
            self._db.execute("DELETE FROM sending_claims WHERE message_id = ?", (message_id,))

