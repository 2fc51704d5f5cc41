"""The bank statements the journal keeps: one row per credit ever imported, whatever
file it came in, so a statement imported twice or overlapping the previous one adds
nothing; 'open' (waiting in Rapprochement), then 'booked' with its Paiements rows,
recorded here before the workbook is written."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from decimal import Decimal

from pyfuncs.adapters.journal.base import Backend
from pyfuncs.domain.register import canonical_json


class BankJournal:
    """The bank half of ``Journal`` (store.py gives it ``_db``, ``_now``,
    ``transaction``)."""

    _db: Backend
    _now: Callable[[], datetime]
    transaction: Callable[[], AbstractContextManager]

    _BANK = ("entry_key", "reference", "account", "booking_date", "amount", "currency",
             "text", "payer", "iban", "source")

    def bank_import(self, entries: Iterable[dict]) -> list[str]:
        """Record statement credits not seen before (dicts with the _BANK keys, and
        optionally "legacy_key"); returns the keys of those that were new.

        An entry is already imported when its key is here, or when its legacy key (the
        identity an earlier version gave it, domain/bank_identity.py) is here with the
        same date (as that version dated it, "legacy_date"), amount and text, each legacy
        row standing for one entry."""
        now = self._now().astimezone(UTC).isoformat(timespec="seconds")
        new: list[str] = []
        claimed: set[str] = set()
        with self.transaction():
            for e in entries:
                legacy = str(e.get("legacy_key") or "")
                if legacy and legacy != e["entry_key"] and legacy not in claimed:
                    row = self._db.execute(
                        "SELECT booking_date, amount, text FROM bank_entries "
                        "WHERE entry_key = ?", (legacy,)).fetchone()
                    if row and (row[0], Decimal(row[1]), row[2]) == (
                            str(e.get("legacy_date") or e["booking_date"]),
                            Decimal(str(e["amount"])),
                            str(e["text"])) and \
                            self._db.execute("SELECT 1 FROM bank_entries WHERE entry_key = ?",
                                             (str(e["entry_key"]),)).fetchone() is None:
                        claimed.add(legacy)
                        continue
                cur = self._db.execute(
                    "INSERT INTO bank_entries (entry_key, reference, account, "
                    "booking_date, amount, currency, text, payer, iban, source, imported_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    tuple(str(e[k]) for k in self._BANK) + (now,))
                if cur.rowcount:
                    new.append(str(e["entry_key"]))
        return new

    def last_statement_date(self) -> date | None:
        """The latest booking date of the credits imported from bank statements (None when
        no statement was ever imported): how up to date the booked payments are."""
        row = self._db.execute("SELECT max(booking_date) FROM bank_entries").fetchone()
        return date.fromisoformat(row[0][:10]) if row and row[0] else None

    def bank_entries(self, state: str | None = None) -> list[dict]:
        """Imported credits (of one state, or all) in booking-date order."""
        where, args = ("WHERE state = ?", (state,)) if state else ("", ())
        rows = self._db.execute(
            f"SELECT {', '.join(self._BANK)}, state, booking, logged, suggested "
            f"FROM bank_entries {where} ORDER BY booking_date, rowid", args).fetchall()
        out = []
        for row in rows:
            item = dict(zip((*self._BANK, "state", "booking", "logged", "suggested"), row))
            item["booking"] = json.loads(item["booking"]) if item["booking"] else None
            item["suggested"] = json.loads(item["suggested"]) if item["suggested"] else None
            out.append(item)
        return out

    def bank_suggest(self, suggested: dict[str, dict]) -> None:
        """What this import suggests for credits still open (key -> {"client",
        "invoices"}), to tell next time a Rapprochement row the accountant changed."""
        with self.transaction():
            self._db.executemany(
                "UPDATE bank_entries SET suggested = ? WHERE entry_key = ? AND state = 'open'",
                [(json.dumps(v, ensure_ascii=False, sort_keys=True), k)
                 for k, v in suggested.items()])

    def bank_book(self, bookings: dict[str, list[dict]]) -> None:
        """Mark these credits booked with the Paiements rows they make, in one transaction;
        one already booked is refused (the journal's trigger)."""
        now = self._now().astimezone(UTC).isoformat(timespec="seconds")
        with self.transaction():
            for key, rows in bookings.items():
                self._db.execute(
                    "UPDATE bank_entries SET state = 'booked', booking = ?, booked_at = ? "
                    "WHERE entry_key = ? AND state = 'open'",
                    (canonical_json(rows), now, key))

    def bank_mark_logged(self, keys: Iterable[str]) -> None:
        """These bookings are in the workbook's Paiements table now."""
        with self.transaction():
            self._db.executemany("UPDATE bank_entries SET logged = 1 WHERE entry_key = ?",
                                 [(k,) for k in keys])
