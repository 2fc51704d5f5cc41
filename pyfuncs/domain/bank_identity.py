"""The identity of a bank statement entry: what makes it imported once, and only once.

An entry is known by the bank's own reference only where the bank makes that reference
unique to the entry: camt.053 AcctSvcrRef, OFX FITID, the account servicer's reference
after // in an MT940 :61: line, a CSV's reference column. A placeholder ("NOTPROVIDED",
"NONREF", Rabobank's literal "EREF") is no reference, and neither is a camt NtryRef,
which banks number from 1 again in every statement, nor an end-to-end reference or an
MT940 customer reference, which the payer chooses (often the invoice number) and which
two payments in two statements may share.

Otherwise the entry is what it is: account, booking date, amount and text, hashed, plus
its ordinal among the identical entries of the same file, so that two identical credits
of one statement (two 10,000.00 EUR transfers of one payer on one day) are two entries,
and a second import of the same file finds both again.

The first of identical entries keeps the key earlier versions gave it (no ordinal), so a
journal written before keeps recognising what it imported. Where earlier versions took
a reference that is not unique (``legacy``), the entry also carries that old key: the
journal takes an entry as already imported when its old key is there with the same date,
amount and text, once per old key.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# what banks write where a reference would be, and which identifies nothing
PLACEHOLDERS = frozenset({"", "NOTPROVIDED", "NOT PROVIDED", "NONREF", "NONE", "NOREF",
                          "N/A", "NA", "EREF", "KREF", "MREF", "CRED", "SVWZ", "0",
                          "NOTAVAILABLE", "UNKNOWN"})


def real_reference(reference: object) -> str:
    """The reference as given, or "" when it is a placeholder identifying nothing."""
    ref = " ".join(str(reference or "").split())
    return "" if ref.upper().rstrip("+") in PLACEHOLDERS else ref


def _account(account: str) -> str:
    return re.sub(r"\s", "", account).upper()


def _digest(account: str, when: date, amount: Decimal, text: str) -> str:
    return hashlib.sha256("|".join((account, when.isoformat(), str(amount.normalize()),
                                    " ".join(text.split()))).encode()).hexdigest()


def base_identity(account: str, reference: str, when: date, amount: Decimal,
                  text: str) -> tuple[str, str]:
    """(key, shown reference) of an entry before its ordinal: the bank's reference when
    it has one, else a hash of what the entry is."""
    account = _account(account)
    if reference:
        return f"{account}|{reference}", reference
    digest = _digest(account, when, amount, text)
    return f"{account}|#{digest}", "H" + digest[:15].upper()


@dataclass
class Identities:
    """Gives the entries of one file their keys, in file order (one per file)."""

    seen: Counter[str] = field(default_factory=Counter)

    def key(self, account: str, reference: str, when: date, amount: Decimal, text: str,
            legacy: str = "", old_date: date | None = None) -> tuple[str, str, str]:
        """(key, shown reference, legacy key) of the next entry: ``reference`` is a
        reference the bank makes unique (or ""); ``legacy`` the reference earlier versions
        identified the entry by, when it is not unique; ``old_date`` the date they took
        when it was another (MT940's value date, OFX's date in UTC)."""
        key, shown = base_identity(account, real_reference(reference), when, amount, text)
        self.seen[key] += 1
        n = self.seen[key]
        if n > 1:
            key, shown = f"{key}#{n}", f"{shown}/{n}"
        legacy = (legacy or "").strip()
        old = f"{_account(account)}|{legacy}" if legacy and legacy != reference else ""
        if not legacy and old_date is not None and old_date != when:
            old = base_identity(account, "", old_date, amount, text)[0]
        return key, shown, old
