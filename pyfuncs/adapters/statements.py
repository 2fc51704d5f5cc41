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


def read_camt053(path: Path) -> Statement:
    from lxml import etree
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True,
                                                      huge_tree=True))
    except etree.XMLSyntaxError as err:
        raise StatementError(f"{path.name}: not well-formed XML ({err})") from None
    root = tree.getroot()
    ns = root.tag.partition("}")[0].lstrip("{")
    if ns not in CAMT_NAMESPACES:
        raise StatementError(f"{path.name}: not a camt.053 statement (namespace {ns!r}; "
                             f"versions .001.02 to .001.08 are read)")
    out = Statement(path, "camt.053")
    for stmt in _all(root, "Stmt"):
        acct = _child(stmt, "Acct", "Id")
        account = _text(acct, "IBAN") or _text(acct, "Othr", "Id")
        out.account = out.account or account
        for ntry in (c for c in stmt if _local(c.tag) == "Ntry"):
            status = _text(ntry, "Sts") or _text(ntry, "Sts", "Cd")
            if _text(ntry, "CdtDbtInd") != "CRDT" or status != "BOOK" or \
                    _text(ntry, "RvslInd").lower() == "true":
                out.ignored += 1
                continue
            amt = _child(ntry, "Amt")
            try:
                amount = Decimal((amt.text or "").strip())  # type: ignore[union-attr]
            except (InvalidOperation, AttributeError):
                out.ignored += 1
                continue
            currency = amt.get("Ccy", "EUR") if amt is not None else "EUR"
            when = _date(_child(ntry, "BookgDt")) or _date(_child(ntry, "ValDt"))
            if when is None or amount <= 0:
                out.ignored += 1
                continue
            ref = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")
            details = _all(ntry, "TxDtls") or [ntry]
            texts, payer, iban = [], "", ""
            for tx in details:
                texts += [t.text.strip() for t in _all(tx, "Ustrd") if t.text]
                texts += [t.text.strip() for t in _all(tx, "Ref") if t.text
                          and _local(t.getparent().tag) == "CdtrRefInf"]
                parties = _child(tx, "RltdPties")
                if parties is not None:
                    payer = payer or _text(parties, "Dbtr", "Nm") or \
                        _text(parties, "Dbtr", "Pty", "Nm")
                    iban = iban or _text(parties, "DbtrAcct", "Id", "IBAN")
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
        content = raw.decode("cp1252")
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

    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        amount = _money(cell(row, c_amount if c_amount is not None else c_credit),
                        layout.decimal)
        try:
            when = datetime.strptime(cell(row, c_date), layout.date_format).date()
        except ValueError:
            when = None
        if amount is None or amount <= 0 or when is None:
            out.ignored += 1
            continue
        text = cell(row, c_label)
        key, reference = identity(layout.account, cell(row, c_ref), when, amount, text)
        out.entries.append(StatementEntry(key, reference, layout.account, when, amount, "EUR",
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
        raise StatementError(f"{path.name}: not a readable OFX file ({err})") from None
    out = Statement(path, "ofx")
    for stmt in ofx.statements:
        acct = stmt.account
        account = "".join(str(getattr(acct, k, "") or "") for k in ("bankid", "branchid",
                                                                     "acctid"))
        out.account = out.account or account
        for tx in stmt.transactions:
            amount = Decimal(str(tx.trnamt))
            if amount <= 0:
                out.ignored += 1
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
    import mt940
    try:
        transactions = mt940.parse(str(path))
    except Exception as err:  # noqa: BLE001 - the parser raises many kinds on bad input
        raise StatementError(f"{path.name}: not a readable MT940 file ({err})") from None
    account = str(transactions.data.get("account_identification") or "")
    out = Statement(path, "mt940", account=account)
    for tx in transactions:
        d = tx.data
        amount = d["amount"].amount if d.get("amount") is not None else Decimal(0)
        if d.get("status") != "C" or amount <= 0:
            out.ignored += 1
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


def read_statement(path: Path, layout: CsvLayout | None = None) -> Statement:
    """A statement file by its content: camt.053 XML or a CSV export."""
    path = Path(path)
    head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.upper().startswith(b"OFXHEADER") or b"<OFX>" in head.upper() or \
            b"<?OFX" in head.upper():
        return read_ofx(path)
    if head.startswith(b"<"):
        return read_camt053(path)
    if head.startswith((b":20:", b"{1:", b":940:")) or b"\n:20:" in head[:80]:
        return read_mt940(path)
    return read_csv(path, layout or CsvLayout())
