"""OFX statements (1.x SGML as French banks still export it, or 2.x XML), read by
ofxtools, which knows the format's many dialects; a positive amount is a credit.

Each account of the file (STMTRS, CCSTMTRS) is kept apart, and one without movements is
fine. The date of an entry is DTPOSTED as the bank wrote it, in the bank's own time zone
(``20261201000000[+1:CET]`` is the 1 December): ofxtools turns it into UTC, which moves
a credit posted at midnight to the day before, so the date is taken from the file's
text. What ofxtools warns of does not reach the console: it becomes a note of the
statement (a finding).
"""
from __future__ import annotations

import logging
import re
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.statements_base import Statement, StatementError, one_line

# French banks put the payer in NAME behind the operation's label
_OFX_LABEL = re.compile(r"^(?:VIR(?:EMENT)?(?:\s+SEPA)?(?:\s+RECU)?(?:\s+/?DE)?|VRT)\s+",
                        re.IGNORECASE)
_DTPOSTED = re.compile(rb"<DTPOSTED>\s*(\d{8})", re.IGNORECASE)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def read_ofx(path: Path) -> Statement:
    """OFX 1.x (SGML) or 2.x (XML) through ofxtools: a positive TRNAMT is a credit; FITID
    is the bank's reference."""
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
    except Exception as err:  # noqa: BLE001 - ofxtools raises many kinds on bad input
        raise StatementError(f"{path.name}: not a readable OFX file "
                             f"({one_line(err)})") from None
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
    out = Statement(path, "ofx")
    for message in dict.fromkeys([str(w.message) for w in caught] + handler.messages):
        out.notes.append(f"{path.name}: the OFX reader warns: {' '.join(message.split())}")
    posted = [date(int(d[:4]), int(d[4:6]), int(d[6:8]))
              for d in (m.group(1).decode() for m in _DTPOSTED.finditer(path.read_bytes()))]
    statements = list(ofx.statements or [])
    if not statements:
        raise StatementError(f"{path.name}: an OFX file with no bank or card statement "
                             "in it (no STMTRS): nothing imported")
    count = sum(len(list(getattr(s, "banktranlist", None) or [])) for s in statements)
    local = posted if len(posted) == count else None  # else ofxtools' date, in UTC
    k = 0
    for stmt in statements:
        acct = stmt.account
        account = "".join(str(getattr(acct, a, "") or "") for a in ("bankid", "branchid",
                                                                      "acctid"))
        ccy = str(stmt.curdef or "")
        if out.currency and ccy and ccy != out.currency:
            raise StatementError(f"{path.name}: accounts in {out.currency} and {ccy} in one "
                                 "file: nothing imported")
        out.currency = out.currency or ccy
        out.account = out.account or account
        if account and account not in out.accounts:
            out.accounts.append(account)
        for tx in list(getattr(stmt, "banktranlist", None) or []):
            when = local[k] if local else tx.dtposted.date()
            k += 1
            amount = Decimal(str(tx.trnamt))
            name = str(tx.name or getattr(tx, "payee", None) or "")
            if amount < 0:
                out.skip("debit")
                out.debits.append((_OFX_LABEL.sub("", name).strip(), "", -amount))
                continue
            if amount == 0:
                out.skip("zero amount")
                continue
            currency = str(getattr(getattr(tx, "currency", None), "cursym", "") or ccy or "")
            text = " ".join(t for t in (name, str(tx.memo or "")) if t)
            fitid = str(tx.fitid or "")
            out.credit(account=account, reference=fitid, when=when, amount=amount,
                       currency=currency or "EUR", text=text,
                       payer=_OFX_LABEL.sub("", name).strip(), iban="", legacy=fitid,
                       old_date=tx.dtposted.date())
    return out
