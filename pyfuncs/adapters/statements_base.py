"""What every bank statement reader gives: the statement, its credits, their identity.

A statement is read whole or refused whole: every entry of the file is a credit to import
(``entries``), an entry that is not a payment and is counted (``ignored``: debits, entries
not booked, reversals), or an entry that cannot be used, named with its place in the
file and why (``problems``); ``seen`` counts them all, so the counts add up. The
identity of an entry is domain/bank_identity.py.
"""
from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.domain.bank_identity import Identities


class StatementError(Exception):
    """A file that is not a statement this reader understands, or that is not whole."""


@dataclass(frozen=True)
class StatementEntry:
    """One booked credit of a statement.

    Attributes:
      key: identity within all statements (domain/bank_identity.py).
      reference: what Paiements shows (the bank reference, or "H" + part of the hash).
      account: the account (IBAN or the bank's number) the entry was booked on.
      date: booking date, in the bank's own calendar.
      amount: positive.
      currency: ISO code.
      text: remittance information (unstructured and structured, joined).
      payer: debtor's name.
      iban: debtor's IBAN.
      source: the file's name.
      legacy_key: the key an earlier version gave the entry, when it differs.
      legacy_date: the date an earlier version gave it (MT940's value date, OFX's UTC).
    """

    key: str
    reference: str
    account: str
    date: date
    amount: Decimal
    currency: str
    text: str
    payer: str
    iban: str
    source: str
    legacy_key: str = ""
    legacy_date: datetime.date | None = None  # (``date`` is a field's name here)


@dataclass
class Statement:
    """What a file held: its credits, the other entries counted, the unusable ones named."""

    path: Path
    format: str
    entries: list[StatementEntry] = field(default_factory=list)
    ignored: int = 0
    account: str = ""
    currency: str = ""
    problems: list[str] = field(default_factory=list)   # entries that could not be used
    # booked debits (ignored, among ``ignored``): (counterparty's name, IBAN, amount), so
    # that refunds to clients can be counted apart
    debits: list[tuple[str, str, Decimal]] = field(default_factory=list)
    seen: int = 0                    # every entry of the file
    why_ignored: Counter = field(default_factory=Counter)  # reason -> count
    notes: list[str] = field(default_factory=list)         # what the reader warned of
    accounts: list[str] = field(default_factory=list)      # every account of the file
    ids: Identities = field(default_factory=Identities)

    def skip(self, why: str) -> None:
        """An entry that is not a payment to import (a debit, not booked...): counted."""
        self.seen += 1
        self.ignored += 1
        self.why_ignored[why] += 1

    def refuse(self, message: str) -> None:
        """An entry that cannot be used: named, with where and why."""
        self.seen += 1
        self.problems.append(message)

    def credit(self, *, account: str, reference: str, when: date, amount: Decimal,
               currency: str, text: str, payer: str, iban: str, legacy: str = "",
               old_date: date | None = None) -> None:
        """A credit to import, its identity given in file order."""
        self.seen += 1
        key, shown, old = self.ids.key(account, reference, when, amount, text, legacy,
                                       old_date)
        self.entries.append(StatementEntry(key, shown, account, when, amount, currency,
                                           text, payer, iban, self.path.name, old,
                                           old_date if old else None))
        if account and account not in self.accounts:
            self.accounts.append(account)

    @property
    def adds_up(self) -> bool:
        return self.seen == len(self.entries) + self.ignored + len(self.problems)


def one_line(err: BaseException) -> str:
    """An exception's message on one line, cut to 160 characters."""
    text = " ".join(str(err).split())
    return text[:160] + ("…" if len(text) > 160 else "")
