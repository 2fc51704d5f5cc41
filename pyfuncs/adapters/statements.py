"""Bank statements: ISO 20022 camt.053, OFX, MT940 and mapped CSV exports, read into
statement entries.

camt.053 is read with lxml, element by element, by local name within the namespace of
any version from camt.053.001.02 to .001.08 (the ones French banks deliver over EBICS):
the fields read here did not move between those versions. Only booked credits
(CdtDbtInd CRDT, status BOOK, or <Sts><Cd>BOOK</Cd></Sts> from .001.08) are payments;
every other entry is counted and ignored.

CSV exports have no standard: their column names, decimal separator and date format are
settings of Paramètres (French-bank defaults: "Date", "Montant" or "Crédit", "Libellé",
";" or ",", 31/12/2026).

OFX (1.x SGML as French banks still export it, or 2.x XML) is read by ofxtools, which
knows the format's many dialects; a positive amount is a credit. MT940 is read by mt-940
(status C is a credit, the bank reference after // the entry's identity).

Files are not validated against the ISO 20022 schemas at import: the reader takes the
elements it needs by name, and banks' real files break the schemas on points that do not
matter for a payment (text lengths, proprietary codes, optional elements out of order);
refusing them would send users back to typing payments by hand. What is refused, with
one line naming the file and the problem, is what cannot be read at all (not XML, not a
camt.053 Document, no statement in it, a binary file); an entry that cannot be used (an
amount or a date unreadable) is not imported and named in ``Statement.problems``. The
files the product writes (the demo's) are checked against the official schemas in the
tests (tests/fixtures/iso20022).

An entry's identity is the bank's own reference (AcctSvcrRef, then NtryRef; FITID in OFX)
within the account, or, when the bank gives none, a hash of account, date, amount and
text.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

CAMT_NAMESPACES = tuple(f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{v:02d}"
                        for v in range(2, 9))


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


# ----------------------------------------------------------------------------- camt.053
def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: object, *path: str) -> object | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)  # type: ignore[attr-defined]
    return el


def _text(el: object, *path: str) -> str:
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else ""  # type: ignore[attr-defined]


def _all(el: object, name: str) -> list:
    return [c for c in el.iter() if _local(c.tag) == name]  # type: ignore[attr-defined]


def _date(el: object) -> date | None:
    raw = _text(el, "Dt") or _text(el, "DtTm")
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _party(ntry: object, role: str) -> tuple[str, str]:
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
                          and _local(t.getparent().tag) == "CdtrRefInf"]
                if not ref:
                    ref = _text(tx, "Refs", "AcctSvcrRef")
            texts.append(_text(ntry, "AddtlNtryInf"))
            text = " ".join(t for t in texts if t)
            key, reference = identity(account, ref, when, amount, text)
            out.entries.append(StatementEntry(key, reference, account, when, amount, currency,
                                              text, payer, iban, path.name))
    return out


# ----------------------------------------------------------------------------- CSV
@dataclass(frozen=True)
class CsvLayout:
    """The columns of a bank's CSV export (Paramètres), by header name."""

    date: str = "Date"
    amount: str = "Montant"
    credit: str = "Crédit"
    label: str = "Libellé"
    reference: str = "Référence"
    payer: str = "Tiers"
    iban: str = "IBAN"
    decimal: str = ","
    date_format: str = "%d/%m/%Y"
    account: str = ""


def _fold(s: str) -> str:
    import unicodedata
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _money(raw: str, decimal: str) -> Decimal | None:
    raw = raw.replace("\u00a0", "").replace(" ", "").replace("€", "").strip()
    if not raw:
        return None
    if decimal == ",":
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def read_csv(path: Path, layout: CsvLayout) -> Statement:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
    lines = content.splitlines()
    # banks put a few lines of account details above the header: start at the header
    want = _fold(layout.date)
    start = next((i for i, line in enumerate(lines) if want and any(
        _fold(cell) == want for cell in re.split(r"[;,\t]", line))), None)
    if start is None:
        raise StatementError(f"{path.name}: no header with a column {layout.date!r} "
                             "(Paramètres: colonnes du relevé CSV)")
    body = "\n".join(lines[start:])
    delimiter = max(";\t,", key=lambda d: lines[start].count(d))
    rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    where = {_fold(h): j for j, h in enumerate(rows[0])}

    def col(name: str) -> int | None:
        return where.get(_fold(name)) if name else None

    c_date, c_amount, c_credit = col(layout.date), col(layout.amount), col(layout.credit)
    if c_amount is None and c_credit is None:
        raise StatementError(f"{path.name}: no column {layout.amount!r} nor "
                             f"{layout.credit!r} (Paramètres: colonnes du relevé CSV)")
    c_label, c_ref = col(layout.label), col(layout.reference)
    c_payer, c_iban = col(layout.payer), col(layout.iban)
    out = Statement(path, "csv", account=layout.account)

    def cell(row: list[str], j: int | None) -> str:
        return row[j].strip() if j is not None and j < len(row) else ""

    header = rows[0]
    for n, row in enumerate(rows[1:], start + 2):
        if not any(c.strip() for c in row):
            continue
        j = c_amount if c_amount is not None else c_credit
        raw_amount = cell(row, j)
        amount = _money(raw_amount, layout.decimal)
        try:
            when = datetime.strptime(cell(row, c_date), layout.date_format).date()
        except ValueError:
            when = None
        if amount is None or amount <= 0 or when is None:
            out.ignored += 1
            if raw_amount and amount is None:
                out.problems.append(f"{path.name}, line {n}, column {header[j]!r}: amount "
                                    f"{raw_amount!r} unreadable: not imported")
            elif amount is not None and amount < 0:
                out.debits.append((cell(row, c_payer), cell(row, c_iban), -amount))
            elif amount is not None and amount > 0:
                out.problems.append(
                    f"{path.name}, line {n}, column {header[c_date]!r}: date "  # type: ignore[index]
                    f"{cell(row, c_date)!r} is not {layout.date_format}: not imported")
            continue
        text = cell(row, c_label)
        key, reference = identity(layout.account, cell(row, c_ref), when, amount, text)
        # a CSV export states no currency: the account's, taken as the workbook's
        out.entries.append(StatementEntry(key, reference, layout.account, when, amount, "",
                                          text, cell(row, c_payer), cell(row, c_iban),
                                          path.name))
    return out


# ----------------------------------------------------------------------------- OFX
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
                             f"({_one_line(err)})") from None
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


# ----------------------------------------------------------------------------- MT940
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
            f" ({_one_line(err)})")) from None
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


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:160] + ("…" if len(text) > 160 else "")


def read_statement(path: Path, layout: CsvLayout | None = None) -> Statement:
    """A statement file by its content: camt.053 XML, OFX, MT940 or a CSV export."""
    path = Path(path)
    try:
        raw = path.read_bytes()[:4096]
    except OSError as err:
        raise StatementError(f"{path.name}: cannot be read ({err.strerror})") from None
    head = raw[:512].lstrip(b"\xef\xbb\xbf \r\n\t")
    if not head:
        raise StatementError(f"{path.name}: empty file")
    if b"\x00" in raw or raw.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise StatementError(f"{path.name}: a binary file (a PDF, a spreadsheet?), not a "
                             "statement: export camt.053, OFX, MT940 or CSV from the bank")
    if head.upper().startswith(b"OFXHEADER") or b"<OFX>" in head.upper() or \
            b"<?OFX" in head.upper():
        return read_ofx(path)
    if head.startswith(b"<"):
        return read_camt053(path)
    if head.startswith((b":20:", b"{1:", b":940:")) or b"\n:20:" in head[:80]:
        return read_mt940(path)
    return read_csv(path, layout or CsvLayout())
