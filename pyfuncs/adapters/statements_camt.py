"""ISO 20022 camt.053 statements, read with lxml.

Element by element, by local name within the namespace of any version from
camt.053.001.02 to .001.08 (the ones French banks deliver over EBICS): the fields read
here did not move between those versions. Only booked credits (CdtDbtInd CRDT, status
BOOK, or <Sts><Cd>BOOK</Cd></Sts> from .001.08) are payments; every other entry is
counted and ignored.

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

from pyfuncs.adapters.statements_base import Statement, StatementEntry, StatementError, identity

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
        out.account = out.account or account
        out.currency = out.currency or _text(stmt, "Acct", "Ccy")
        for n, ntry in enumerate((c for c in stmt if _local(c.tag) == "Ntry"), 1):
            status = _text(ntry, "Sts") or _text(ntry, "Sts", "Cd")
            side = _text(ntry, "CdtDbtInd")
            if side != "CRDT" or status != "BOOK" or \
                    _text(ntry, "RvslInd").lower() == "true":
                out.ignored += 1
                if side == "DBIT" and status == "BOOK":
                    name, iban = _party(ntry, "Cdtr")
                    try:
                        out.debits.append((name, iban, abs(Decimal(_text(ntry, "Amt")))))
                    except InvalidOperation:
                        pass
                continue
            where = f"{path.name}, entry {n}" + (
                f" (line {ntry.sourceline})" if ntry.sourceline else "")
            amt = _child(ntry, "Amt")
            try:
                amount = Decimal((amt.text or "").strip())  # type: ignore[union-attr]
            except (InvalidOperation, AttributeError):
                out.ignored += 1
                out.problems.append(f"{where}: amount "
                                    f"{(amt.text or '') if amt is not None else ''!r} "
                                    "unreadable: not imported")
                continue
            currency = amt.get("Ccy", "") if amt is not None else ""
            currency = currency or out.currency or "EUR"
            when = _date(_child(ntry, "BookgDt")) or _date(_child(ntry, "ValDt"))
            if when is None or amount <= 0:
                out.ignored += 1
                if when is None:
                    out.problems.append(f"{where}: no readable booking date: not imported")
                continue
            ref = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")
            details = _all(ntry, "TxDtls") or [ntry]
            texts = []
            payer, iban = _party(ntry, "Dbtr")
            for tx in details:
                texts += [t.text.strip() for t in _all(tx, "Ustrd") if t.text]
                texts += [t.text.strip() for t in _all(tx, "Ref") if t.text
                          and _local(cast("_Element", t.getparent()).tag) == "CdtrRefInf"]
                if not ref:
                    ref = _text(tx, "Refs", "AcctSvcrRef")
            texts.append(_text(ntry, "AddtlNtryInf"))
            text = " ".join(t for t in texts if t)
            key, reference = identity(account, ref, when, amount, text)
            out.entries.append(StatementEntry(key, reference, account, when, amount, currency,
                                              text, payer, iban, path.name))
    return out
