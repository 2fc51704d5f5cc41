"""OFX statements (1.x SGML as French banks still export it, or 2.x XML), read by
ofxtools, which knows the format's many dialects; a positive amount is a credit."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.statements_base import (
    Statement,
    StatementEntry,
    StatementError,
    identity,
    one_line,
)

# French banks put the payer in NAME behind the operation's label
_OFX_LABEL = re.compile(r"^(?:VIR(?:EMENT)?(?:\s+SEPA)?(?:\s+RECU)?(?:\s+/?DE)?|VRT)\s+",
                        re.IGNORECASE)


def read_ofx(path: Path) -> Statement:
    """OFX 1.x (SGML) or 2.x (XML) through ofxtools: a positive TRNAMT is a credit; FITID
    is the bank's reference."""
    from ofxtools.Parser import OFXTree
    tree = OFXTree()
    try:
        tree.parse(str(path))
        ofx = tree.convert()
    except Exception as err:  # noqa: BLE001 - ofxtools raises many kinds on bad input
        raise StatementError(f"{path.name}: not a readable OFX file "
                             f"({one_line(err)})") from None
    out = Statement(path, "ofx")
    for stmt in ofx.statements:
        acct = stmt.account
        account = "".join(str(getattr(acct, k, "") or "") for k in ("bankid", "branchid",
                                                                     "acctid"))
        out.account = out.account or account
        out.currency = out.currency or str(stmt.curdef or "")
        for tx in stmt.transactions:
            amount = Decimal(str(tx.trnamt))
            if amount <= 0:
                out.ignored += 1
                if amount < 0:
                    name = str(tx.name or getattr(tx, "payee", None) or "")
                    out.debits.append((_OFX_LABEL.sub("", name).strip(), "", -amount))
                continue
            when = tx.dtposted.date()
            name = str(tx.name or getattr(tx, "payee", None) or "")
            text = " ".join(t for t in (name, str(tx.memo or "")) if t)
            key, reference = identity(account, str(tx.fitid or ""), when, amount, text)
            out.entries.append(StatementEntry(
                key, reference, account, when, amount, str(stmt.curdef or "EUR"), text,
                _OFX_LABEL.sub("", name).strip(), "", path.name))
    return out
