"""OFX statements (1.x SGML as French banks still export it, or 2.x XML), read by
ofxtools, which knows the format's many dialects; a positive amount is a credit.

Each account of the file (STMTRS, CCSTMTRS) is kept apart, and one without movements is
fine. The date of an entry is DTPOSTED as the bank wrote it, in the bank's own time zone
(``20261201000000[+1:CET]`` is the 1 December): ofxtools turns it into UTC, which moves
a credit posted at midnight to the day before, so the date is taken from the file's
text. What ofxtools warns of does not reach the console: it becomes a note of the
statement (a finding).

Banks write OFX that ofxtools' strict model refuses (an empty <TRNUID>, a bank id longer
than the specification allows, two transaction lists in one account). Such a file is
read element by element instead (every STMTTRN of every STMTRS), and says so in a note;
only a file with no statement in it at all is refused.
"""
from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyfuncs.adapters.statements_base import Statement, StatementError, one_line

# French banks put the payer in NAME behind the operation's label
_OFX_LABEL = re.compile(r"^(?:VIR(?:EMENT)?(?:\s+SEPA)?(?:\s+RECU)?(?:\s+/?DE)?|VRT)\s+",
                        re.IGNORECASE)
_DTPOSTED = re.compile(rb"<DTPOSTED>\s*(\d{8})", re.IGNORECASE)
_STMT = re.compile(r"<(CC)?STMTRS>(.*?)</(?:CC)?STMTRS>", re.IGNORECASE | re.DOTALL)
_TRN = re.compile(r"<STMTTRN>(.*?)</STMTTRN>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class _Line:
    """One STMTTRN as read, whichever way."""

    account: str
    currency: str
    when: date | None
    old_date: date | None
    amount: str
    fitid: str
    name: str
    memo: str
    currency_of_line: str = ""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _day(raw: str) -> date | None:
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except (ValueError, IndexError):
        return None


def _with_ofxtools(path: Path, notes: list[str]) -> list[tuple[str, str, list[_Line]]]:
    from ofxtools.Parser import OFXTree
    tree = OFXTree()
    log, handler = logging.getLogger("ofxtools"), _Collect()
    log.addHandler(handler)
    propagate, log.propagate = log.propagate, False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tree.parse(str(path))
            ofx = tree.convert()
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
    for message in dict.fromkeys([str(w.message) for w in caught] + handler.messages):
        notes.append(f"{path.name}: the OFX reader warns: {' '.join(message.split())}")
    posted = [_day(m.group(1).decode()) for m in _DTPOSTED.finditer(path.read_bytes())]
    # bank and card accounts; an investment account (INVSTMTRS) holds no payments
    statements = [s for s in ofx.statements or []
                  if type(s).__name__ in ("STMTRS", "CCSTMTRS")]
    count = sum(len(list(getattr(s, "banktranlist", None) or [])) for s in statements)
    local = posted if len(posted) == count else None  # else ofxtools' date, in UTC
    out, k = [], 0
    for stmt in statements:
        account = "".join(str(getattr(stmt.account, a, "") or "")
                          for a in ("bankid", "branchid", "acctid"))
        ccy = str(stmt.curdef or "")
        lines = []
        for tx in list(getattr(stmt, "banktranlist", None) or []):
            utc = tx.dtposted.date() if tx.dtposted else None
            lines.append(_Line(account, ccy, local[k] if local else utc, utc,
                               str(tx.trnamt), str(tx.fitid or ""),
                               str(tx.name or getattr(tx, "payee", None) or ""),
                               str(tx.memo or ""),
                               str(getattr(getattr(tx, "currency", None), "cursym", "") or "")))
            k += 1
        out.append((account, ccy, lines))
    return out


def _field(block: str, tag: str) -> str:
    found = re.search(rf"<{tag}>\s*([^<\r\n]*)", block, re.IGNORECASE)
    return found.group(1).strip() if found else ""


def _element_by_element(path: Path) -> list[tuple[str, str, list[_Line]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    out = []
    for found in _STMT.finditer(text):
        block = found.group(2)
        account = "".join(_field(block, t) for t in ("BANKID", "BRANCHID", "ACCTID"))
        ccy = _field(block, "CURDEF")
        lines = [_Line(account, ccy, _day(_field(t, "DTPOSTED")), _day(_field(t, "DTPOSTED")),
                       _field(t, "TRNAMT"), _field(t, "FITID"), _field(t, "NAME"),
                       _field(t, "MEMO"), _field(t, "CURSYM"))
                 for t in _TRN.findall(block)]
        out.append((account, ccy, lines))
    return out


def read_ofx(path: Path) -> Statement:
    """OFX 1.x (SGML) or 2.x (XML): a positive TRNAMT is a credit; FITID is the bank's
    reference."""
    out = Statement(path, "ofx")
    try:
        accounts = _with_ofxtools(path, out.notes)
    except Exception as err:  # noqa: BLE001 - ofxtools raises many kinds on bad input
        accounts = _element_by_element(path)
        if not accounts:
            raise StatementError(f"{path.name}: not a readable OFX file ({one_line(err)}), "
                                 "and no statement (STMTRS) in it") from None
        out.notes.append(f"{path.name}: read element by element, the strict OFX reader "
                         f"refusing it ({one_line(err)})")
    if not accounts:
        raise StatementError(f"{path.name}: an OFX file with no bank or card statement "
                             "in it (no STMTRS): nothing imported")
    for account, ccy, lines in accounts:
        if out.currency and ccy and ccy != out.currency:
            raise StatementError(f"{path.name}: accounts in {out.currency} and {ccy} in one "
                                 "file: nothing imported")
        out.currency = out.currency or ccy
        out.account = out.account or account
        if account and account not in out.accounts:
            out.accounts.append(account)
        for n, line in enumerate(lines, 1):
            _entry(out, line, f"{path.name}, account {account or '?'}, transaction {n}")
    return out


def _entry(out: Statement, line: _Line, where: str) -> None:
    try:
        amount = Decimal(line.amount.replace(",", ".").replace("+", ""))
    except InvalidOperation:
        out.refuse(f"{where} (FITID {line.fitid or '?'}): amount {line.amount!r} "
                   "unreadable: not imported")
        return
    if amount < 0:
        out.skip("debit")
        out.debits.append((_OFX_LABEL.sub("", line.name).strip(), "", -amount))
        return
    if amount == 0:
        out.skip("zero amount")
        return
    if line.when is None:
        out.refuse(f"{where} (FITID {line.fitid or '?'}): no readable DTPOSTED: not imported")
        return
    text = " ".join(t for t in (line.name, line.memo) if t)
    out.credit(account=line.account, reference=line.fitid, when=line.when, amount=amount,
               currency=line.currency_of_line or line.currency or "EUR", text=text,
               payer=_OFX_LABEL.sub("", line.name).strip(), iban="", legacy=line.fitid,
               old_date=line.old_date)
