"""SWIFT MT940 statements, read by mt-940: status C is a credit, the bank reference
after // the entry's identity."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.statements_base import (
    Statement,
    StatementEntry,
    StatementError,
    identity,
    one_line,
)

# the payer in :86: as French banks write it ("/DE ALPHA SAS /MOTIF ...") or in the
# structured SEPA subfields ("?32ALPHA SAS", "/NAME/ALPHA SAS/")
_MT940_PAYER = re.compile(r"(?:/DE\s+|/NAME/|\?3[23])([^/?]+)")


def read_mt940(path: Path) -> Statement:
    """SWIFT MT940 through mt-940: status C is a credit (RC, a reversed debit, and debits
    are ignored); the bank reference after // identifies the entry."""
    import logging

    import mt940
    quiet = logging.getLogger("mt940")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # it logs every regex it tries; the message says it
    try:
        transactions = mt940.parse(str(path))
    except Exception as err:  # noqa: BLE001 - the parser raises many kinds on bad input
        bad = err.args[2] if len(err.args) > 2 and isinstance(err.args[2], str) else ""
        raise StatementError(f"{path.name}: not a readable MT940 file" + (
            f" (unreadable field: {bad.strip()[:60]!r})" if bad else
            f" ({one_line(err)})")) from None
    finally:
        quiet.setLevel(level)
    account = str(transactions.data.get("account_identification") or "")
    out = Statement(path, "mt940", account=account,
                    currency=str(transactions.data.get("currency") or ""))
    for tx in transactions:
        d = tx.data
        amount = d["amount"].amount if d.get("amount") is not None else Decimal(0)
        if d.get("status") != "C" or amount <= 0:
            out.ignored += 1
            if d.get("status") == "D":
                details = " ".join(str(d.get(k) or "") for k in ("transaction_details",
                                                                  "extra_details"))
                party = _MT940_PAYER.search(details)
                out.debits.append((party.group(1).strip() if party else "", "", abs(amount)))
            continue
        when = date(d["date"].year, d["date"].month, d["date"].day)
        ref = next((str(r) for r in (d.get("bank_reference"), d.get("customer_reference"))
                    if r and str(r).upper() != "NONREF"), "")
        text = " ".join(str(d.get(k) or "") for k in ("transaction_details",
                                                       "extra_details")).strip()
        payer = _MT940_PAYER.search(text)
        key, reference = identity(account, ref, when, amount, text)
        out.entries.append(StatementEntry(
            key, reference, account, when, amount, str(d.get("currency") or "EUR"), text,
            payer.group(1).strip() if payer else "", "", path.name))
    return out
