"""ISO 20022 camt.053 statements, read with lxml.

Element by element, by local name within the namespace of any version from
camt.053.001.02 to .001.08 (the ones French banks deliver over EBICS): the fields read
here did not move between those versions. Only booked credits (CdtDbtInd CRDT, status
BOOK, <Sts><Cd>BOOK</Cd></Sts> from .001.08, or no status at all) are payments; every
other entry is counted and ignored. A statement whose totals (TxsSummry) do not count
the entries it holds is refused whole.

Files are not validated against the ISO 20022 schemas at import: the reader takes the
elements it needs by name, and banks' real files break the schemas on points that do not
matter for a payment (text lengths, proprietary codes, optional elements out of order);
refusing them would send users back to typing payments by hand. What is refused is what
cannot be read at all (not XML, not a camt.053 Document, no statement in it). The files
the product writes (the demo's) are checked against the official schemas in the tests
(tests/fixtures/iso20022).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pyfuncs.adapters.statements_base import Statement, StatementError

if TYPE_CHECKING:  # lxml is imported where a statement is read
    from lxml.etree import _Element

CAMT_NAMESPACES = tuple(f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{v:02d}"
                        for v in range(2, 9))


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: _Element | None, *path: str) -> _Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el: _Element | None, *path: str) -> str:
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else ""


def _all(el: _Element, name: str) -> list[_Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _date(el: _Element | None) -> date | None:
    raw = _text(el, "Dt") or _text(el, "DtTm")
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _party(ntry: _Element, role: str) -> tuple[str, str]:
    """(name, IBAN) of the entry's debtor ("Dbtr") or creditor ("Cdtr"): the first
    transaction that names one."""
    for tx in _all(ntry, "TxDtls") or [ntry]:
        parties = _child(tx, "RltdPties")
        if parties is not None:
            name = _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")
            iban = _text(parties, f"{role}Acct", "Id", "IBAN")
            if name or iban:
                return name, iban
    return "", ""


def _count(stmt: _Element, *path: str) -> int | None:
    raw = _text(stmt, "TxsSummry", *path, "NbOfNtries")
    return int(raw) if raw.isdigit() else None


def _check_totals(path: Path, stmt: _Element, ntries: list[_Element]) -> None:
    """The statement's own totals (TxsSummry) must count the entries it holds: a file
    cut or merged by hand is refused, not read in part."""
    credits = sum(1 for n in ntries if _text(n, "CdtDbtInd") == "CRDT")
    debits = len(ntries) - credits
    where = f"{path.name}: statement {_text(stmt, 'Id') or '?'}"
    for told, found, what in ((_count(stmt, "TtlNtries"), len(ntries), "entries"),
                              (_count(stmt, "TtlCdtNtries"), credits, "credit entries"),
                              (_count(stmt, "TtlDbtNtries"), debits, "debit entries")):
        if told is not None and told != found:
            raise StatementError(f"{where}: the statement announces {told} {what} "
                                 f"(TxsSummry) and holds {found}: the file is not whole; "
                                 "nothing imported")


def _reference(ntry: _Element, details: list[_Element]) -> tuple[str, str]:
    """(reference the bank makes unique, the one earlier versions used).

    The bank's AcctSvcrRef, of the entry or of its single transaction. Not NtryRef
    (numbered from 1 again in each statement), and not the EndToEndId: the payer chooses
    it (often the invoice number, or "NOTPROVIDED"), so two payments of one payer, or of
    two payers, may carry the same one in different statements."""
    own = _text(ntry, "AcctSvcrRef")
    single = details[0] if len(details) == 1 and details[0] is not ntry else None
    tx_ref = _text(single, "Refs", "AcctSvcrRef") if single is not None else ""
    old = own or _text(ntry, "NtryRef") or next(
        (r for r in (_text(tx, "Refs", "AcctSvcrRef") for tx in details) if r), "")
    return own or tx_ref, old


def read_camt053(path: Path) -> Statement:
    from lxml import etree
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True,
                                                      huge_tree=True))
    except etree.XMLSyntaxError as err:
        raise StatementError(f"{path.name}: not well-formed XML ({err})") from None
    root = tree.getroot()
    ns = etree.QName(root).namespace or ""
    if ns not in CAMT_NAMESPACES:
        found = f"namespace {ns}" if ns else "no namespace"
        raise StatementError(f"{path.name}: not a camt.053 statement (root element "
                             f"<{etree.QName(root).localname}>, {found}; camt.053.001.02 "
                             "to .001.08 are read)")
    statements = _all(root, "Stmt")
    if not statements:
        raise StatementError(f"{path.name}: a camt.053 Document with no statement in it "
                             "(no <Stmt> element)")
    out = Statement(path, "camt.053")
    for stmt in statements:
        acct = _child(stmt, "Acct", "Id")
        account = _text(acct, "IBAN") or _text(acct, "Othr", "Id")
        # the account's currency, or (when the bank leaves Acct/Ccy out) its balances'
        ccy = _text(stmt, "Acct", "Ccy") or next(
            (a.get("Ccy", "") for a in (_child(b, "Amt") for b in stmt
                                        if _local(b.tag) == "Bal") if a is not None), "")
        out.account = out.account or account
        if account and account not in out.accounts:
            out.accounts.append(account)
        if ccy and out.currency and ccy != out.currency:
            raise StatementError(f"{path.name}: accounts in {out.currency} and {ccy} in one "
                                 "file: nothing imported")
        out.currency = out.currency or ccy
        ntries = [c for c in stmt if _local(c.tag) == "Ntry"]
        _check_totals(path, stmt, ntries)
        for n, ntry in enumerate(ntries, 1):
            where = f"{path.name}, entry {n}" + (
                f" (line {ntry.sourceline})" if ntry.sourceline else "")
            # camt.053.001.08 and later: <Sts><Cd>BOOK</Cd></Sts>; before: <Sts>BOOK</Sts>;
            # none at all: a statement (camt.053, unlike camt.052) reports booked entries
            status = (_text(ntry, "Sts", "Cd") or _text(ntry, "Sts") or "BOOK").upper()
            side = _text(ntry, "CdtDbtInd")
            if status != "BOOK":
                out.skip(f"not booked ({status})")
                continue
            if _text(ntry, "RvslInd").lower() == "true":
                out.skip("reversal")
                continue
            amt = _child(ntry, "Amt")
            try:
                amount = Decimal((amt.text or "").strip())  # type: ignore[union-attr]
            except (InvalidOperation, AttributeError):
                out.refuse(f"{where}: amount "
                           f"{(amt.text or '') if amt is not None else ''!r} "
                           "unreadable: not imported")
                continue
            if side == "DBIT":
                out.skip("debit")
                name, iban = _party(ntry, "Cdtr")
                out.debits.append((name, iban, abs(amount)))
                continue
            if side != "CRDT":
                out.refuse(f"{where}: CdtDbtInd {side!r} is neither CRDT nor DBIT: "
                           "not imported")
                continue
            if amount <= 0:
                out.refuse(f"{where}: a credit of {amount} (not a positive amount): not "
                           "imported; ask the bank what it is")
                continue
            currency = amt.get("Ccy", "") if amt is not None else ""
            currency = currency or ccy or out.currency or "EUR"
            when = _date(_child(ntry, "BookgDt")) or _date(_child(ntry, "ValDt"))
            if when is None:
                out.refuse(f"{where}: no readable booking date: not imported")
                continue
            details = _all(ntry, "TxDtls") or [ntry]
            ref, old = _reference(ntry, details)
            texts = []
            payer, iban = _party(ntry, "Dbtr")
            for tx in details:
                texts += [t.text.strip() for t in _all(tx, "Ustrd") if t.text]
                texts += [t.text.strip() for t in _all(tx, "Ref") if t.text
                          and _local(cast("_Element", t.getparent()).tag) == "CdtrRefInf"]
            texts.append(_text(ntry, "AddtlNtryInf"))
            text = " ".join(t for t in texts if t)
            out.credit(account=account, reference=ref, when=when, amount=amount,
                       currency=currency, text=text, payer=payer, iban=iban, legacy=old)
    return out
