"""SWIFT MT940 statements, read statement by statement (each :20: block) by mt-940.

Each block is checked whole before any of it is used: opening balance (:60F:/:60M:)
plus its movements must give its closing balance (:62F:/:62M:), else the file was cut
or edited (an amount cut short reads as another amount) and is refused. Each block keeps
its own account (:25:), so a file of many accounts books every entry under its own.
The date of an entry is its booking date (the optional MMDD after the value date in
:61:, in the bank's calendar), the value date only when the bank gives no other. Status
C is a credit; D a debit; RC and RD, reversals, are counted and not imported. The
reference after // is the bank's own and identifies the entry; the customer reference
before it (Rabobank writes the literal EREF there) does not.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.statements_base import Statement, StatementError, one_line

# the payer in :86: as French banks write it ("/DE ALPHA SAS /MOTIF ...") or in the
# structured SEPA subfields ("?32ALPHA SAS", "/NAME/ALPHA SAS/")
_MT940_PAYER = re.compile(r"(?:/DE\s+|/NAME/|\?3[23])([^/?]+)")
_BLOCK = re.compile(r"^(?=:20:)", re.MULTILINE)
_SIGN = {"C": 1, "RD": 1, "D": -1, "RC": -1}


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _balance(data: dict, kind: str) -> tuple[Decimal, str] | None:
    for key in (f"final_{kind}_balance", f"intermediate_{kind}_balance", f"{kind}_balance"):
        found = data.get(key)
        if found is not None and getattr(found, "amount", None) is not None:
            return Decimal(str(found.amount.amount)), str(found.amount.currency or "")
    return None


def _parse(path: Path, n: int, block: str) -> object:
    import mt940
    quiet = logging.getLogger("mt940")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # it logs every regex it tries; the message says it
    try:
        return mt940.parse(block)
    except Exception as err:  # noqa: BLE001 - the parser raises many kinds on bad input
        bad = err.args[2] if len(err.args) > 2 and isinstance(err.args[2], str) else ""
        raise StatementError(f"{path.name}: statement {n}, not a readable MT940 statement" + (
            f" (unreadable field: {bad.strip()[:60]!r})" if bad else
            f" ({one_line(err)})")) from None
    finally:
        quiet.setLevel(level)


def read_mt940(path: Path) -> Statement:
    """Every :20: block of the file, checked whole, its entries under its own account."""
    text = _decode(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    # Citibank pads the absent booking date of :61: with four spaces
    text = re.sub(r"(?m)^(:61:\d{6}) {4}(?=R?[CD])", r"\1", text)
    blocks = [b for b in _BLOCK.split(text) if b.startswith(":20:")]
    if not blocks:
        raise StatementError(f"{path.name}: no MT940 statement in it (no :20: field)")
    out = Statement(path, "mt940")
    line = 1 + text[:text.find(":20:")].count("\n")
    for n, block in enumerate(blocks, 1):
        first_line, line = line, line + block.count("\n")
        where = f"{path.name}: statement {n} (line {first_line})"
        transactions = _parse(path, n, block)
        data = transactions.data  # type: ignore[attr-defined]
        account = str(data.get("account_identification") or "").strip()
        opening, closing = _balance(data, "opening"), _balance(data, "closing")
        if opening is None or closing is None:
            raise StatementError(f"{where}: no {'opening' if opening is None else 'closing'} "
                                 "balance (:60F: / :62F:): the file is not whole; nothing "
                                 "imported")
        currency = opening[1] or closing[1]
        if out.currency and currency and currency != out.currency:
            raise StatementError(f"{where}: an account in {currency} after one in "
                                 f"{out.currency}: nothing imported")
        out.currency = out.currency or currency
        out.account = out.account or account
        if account and account not in out.accounts:
            out.accounts.append(account)
        moved = Decimal(0)
        for tx in transactions:  # type: ignore[attr-defined]
            d = tx.data
            if d.get("amount") is not None:
                moved += _SIGN.get(str(d.get("status")), 0) * abs(
                    Decimal(str(d["amount"].amount)))
        if opening[0] + moved != closing[0]:
            raise StatementError(
                f"{where}: opening balance {opening[0]} and the movements ({moved:+}) "
                f"do not give the closing balance {closing[0]}: the file was cut or "
                "edited; nothing imported")
        for tx in transactions:  # type: ignore[attr-defined]
            _entry(out, tx.data, account, currency)
    return out


def _entry(out: Statement, d: dict, account: str, currency: str) -> None:
    if d.get("amount") is None:
        return  # statement-level data, not a :61: line
    status = str(d.get("status") or "")
    amount = abs(Decimal(str(d["amount"].amount)))
    details = " ".join(str(d.get(k) or "") for k in ("transaction_details", "extra_details"))
    if status == "D":
        out.skip("debit")
        party = _MT940_PAYER.search(details)
        out.debits.append((party.group(1).strip() if party else "", "", amount))
        return
    if status != "C":
        out.skip("reversal")
        return
    if amount == 0:
        out.skip("zero amount")
        return
    booked = d.get("guessed_entry_date") or d["date"]
    when = date(booked.year, booked.month, booked.day)
    text = details.strip()
    payer = _MT940_PAYER.search(text)
    old = next((str(r) for r in (d.get("bank_reference"), d.get("customer_reference"))
                if r and str(r).upper() != "NONREF"), "")
    out.credit(account=account, reference=str(d.get("bank_reference") or "").strip(),
               when=when, amount=amount, currency=str(d.get("currency") or currency or ""),
               text=text, payer=payer.group(1).strip() if payer else "", iban="",
               legacy=old, old_date=date(d["date"].year, d["date"].month, d["date"].day))
