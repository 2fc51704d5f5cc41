"""What every bank statement reader gives: the statement, its credits, their identity.

An entry's identity is the bank's own reference (AcctSvcrRef, then NtryRef in camt.053;
FITID in OFX; the reference after // in MT940) within the account, or, when the bank
gives none, a hash of account, date, amount and text.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path


class StatementError(Exception):
    """A file that is not a statement this reader understands."""


@dataclass(frozen=True)
class StatementEntry:
    """One booked credit of a statement.

    Attributes:
      key: identity within all statements (account + bank reference, or a hash).
      reference: what Paiements shows (the bank reference, or "H" + part of the hash).
      account: the statement's account (IBAN) or "".
      date: booking date.
      amount: positive.
      currency: ISO code.
      text: remittance information (unstructured and structured, joined).
      payer: debtor's name.
      iban: debtor's IBAN.
      source: the file's name.
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


@dataclass
class Statement:
    """What a file held: its credits, and how many entries were not credits."""

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


def identity(account: str, reference: str, when: date, amount: Decimal,
             text: str) -> tuple[str, str]:
    """(key, reference) of an entry: the bank's reference when it has one, else a hash."""
    account = re.sub(r"\s", "", account).upper()
    if reference:
        return f"{account}|{reference}", reference
    digest = hashlib.sha256("|".join((account, when.isoformat(), str(amount.normalize()),
                                      " ".join(text.split()))).encode()).hexdigest()
    return f"{account}|#{digest}", "H" + digest[:15].upper()


def one_line(err: BaseException) -> str:
    """An exception's message on one line, cut to 160 characters."""
    text = " ".join(str(err).split())
    return text[:160] + ("…" if len(text) > 160 else "")
