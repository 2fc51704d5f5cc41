"""The demo's bank statement: a camt.053 for the last 30 days of the demo, built from the
demo workbook's open invoices, with every case the bank matching handles.

The cases (``CASES``), each on invoices open in the demo, issued before the statement:
  three       one transfer paying three invoices of a client, their numbers in the text;
  no-prefix   an invoice number written without its prefix ("2026 0123");
  typo        a number one typo away, from a payer whose IBAN is in Clients;
  partial     a deposit on an invoice (40 %), named in the text;
  iban        a payer known only by its IBAN (no number, another name);
  name        a payer known only by a name close to a client's (waits for confirmation);
  fee         an invoice paid less bank fees within the tolerance (the gap booked apart);
  unknown     a payer nobody knows (waits, a credit of nobody);
  refund      an outgoing transfer refunding a client (a debit: ignored and counted),
              besides two ordinary debits (URSSAF, a card payment).
Same workbook, same day: same statement (no clock, no randomness).

The writer (``camt053``) shapes entries as French banks deliver them over EBICS (BNP
Paribas, Société Générale, Crédit Agricole exports): group header, one Stmt per account,
opening and closing balances, NtryRef, AcctSvcrRef, the CFONB proprietary code beside
the ISO bank transaction code, debtor and IBAN, remittance text. Every version from
.001.02 to .001.08 is valid against its ISO 20022 schema (tests/fixtures/iso20022).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from pyfuncs.domain.money import CENT

ACCOUNT = "FR7630006000011234567890189"
OWNER = "ALTIPLANO INGENIERIE"


@dataclass(frozen=True)
class Line:
    """One entry of a statement to write (amount positive; ``credit`` False: a debit)."""

    amount: str
    day: date
    text: str = ""
    payer: str = ""
    iban: str = ""
    ref: str | None = ""        # AcctSvcrRef; "": made from day and amount; None: none
    credit: bool = True
    status: str = "BOOK"
    currency: str = "EUR"
    case: str = ""              # the demo case it shows (not written)


def _entry(n: int, e: Line, version: int) -> str:
    sts = f"<Sts><Cd>{e.status}</Cd></Sts>" if version >= 7 else f"<Sts>{e.status}</Sts>"
    # the bank's own reference: the same entry keeps it in every statement it appears in
    ref = e.ref if e.ref != "" else f"{e.day:%Y%m%d}VIR{int(Decimal(e.amount) * 100):08d}"
    svcr = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref is not None else ""
    ntry_ref = f"<NtryRef>{n:08d}</NtryRef>" if ref is not None else ""
    party = "Dbtr" if e.credit else "Cdtr"
    code = ("RCDT", "ESCT", "05") if e.credit else ("ICDT", "ESCT", "06")
    name = escape(e.payer[:70])
    if version >= 7:  # a Party40Choice from .07 on
        debtor = f"<{party}><Pty><Nm>{name}</Nm></Pty></{party}>"
    else:
        debtor = f"<{party}><Nm>{name}</Nm></{party}>"
    acct = f"<{party}Acct><Id><IBAN>{e.iban}</IBAN></Id></{party}Acct>" if e.iban else ""
    amount = f'<Amt Ccy="{e.currency}">{Decimal(e.amount):.2f}</Amt>'
    side = "CRDT" if e.credit else "DBIT"
    # from .03 on a transaction states its own amount and side before the details
    tx_amount = f"{amount}<CdtDbtInd>{side}</CdtDbtInd>" if version >= 3 else ""
    return f"""
   <Ntry>
    {ntry_ref}
    {amount}
    <CdtDbtInd>{side}</CdtDbtInd>
    {sts}
    <BookgDt><Dt>{e.day.isoformat()}</Dt></BookgDt>
    <ValDt><Dt>{e.day.isoformat()}</Dt></ValDt>
    {svcr}
    <BkTxCd>
     <Domn><Cd>PMNT</Cd><Fmly><Cd>{code[0]}</Cd><SubFmlyCd>{code[1]}</SubFmlyCd></Fmly></Domn>
     <Prtry><Cd>{code[2]}</Cd><Issr>CFONB</Issr></Prtry>
    </BkTxCd>
    <NtryDtls>
     <TxDtls>
      <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>{tx_amount}
      <AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>
      <RltdPties>{debtor}{acct}</RltdPties>
      <RmtInf><Ustrd>{escape(e.text[:140])}</Ustrd></RmtInf>
     </TxDtls>
    </NtryDtls>
    <AddtlNtryInf>{"VIR SEPA RECU /DE" if e.credit else "VIR SEPA EMIS /A"} {name}</AddtlNtryInf>
   </Ntry>"""


def camt053(lines: list[Line], version: int = 2, account: str = ACCOUNT,
            stmt_id: str = "2026-11-RLV001", currency: str = "EUR",
            owner: str = OWNER) -> bytes:
    """A camt.053.001.0<version> statement of these entries (UTF-8 bytes)."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    first = min((e.day for e in lines), default=date(2026, 11, 1))
    last = max((e.day for e in lines), default=date(2026, 11, 30))
    moves = sum((Decimal(e.amount) if e.credit else -Decimal(e.amount) for e in lines
                 if e.status == "BOOK"), Decimal(0))
    opening = Decimal("12450.37")
    closing = opening + moves
    bic = "BICFI" if version >= 3 else "BIC"
    entries = "".join(_entry(n, e, version) for n, e in enumerate(lines, 1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <BkToCstmrStmt>
  <GrpHdr>
   <MsgId>CAMT053{stmt_id}</MsgId>
   <CreDtTm>{last.isoformat()}T06:12:44</CreDtTm>
   <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>
  </GrpHdr>
  <Stmt>
   <Id>{stmt_id}</Id>
   <ElctrncSeqNb>{last:%j}</ElctrncSeqNb>
   <CreDtTm>{last.isoformat()}T06:12:44</CreDtTm>
   <FrToDt><FrDtTm>{first.isoformat()}T00:00:00</FrDtTm><ToDtTm>{last.isoformat()}T23:59:59</ToDtTm></FrToDt>
   <Acct>
    <Id><IBAN>{account}</IBAN></Id>
    <Ccy>{currency}</Ccy>
    <Ownr><Nm>{escape(owner)}</Nm></Ownr>
    <Svcr><FinInstnId><{bic}>BNPAFRPPXXX</{bic}></FinInstnId></Svcr>
   </Acct>
   <Bal>
    <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
    <Amt Ccy="{currency}">{opening:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Dt><Dt>{first.isoformat()}</Dt></Dt>
   </Bal>
   <Bal>
    <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
    <Amt Ccy="{currency}">{abs(closing):.2f}</Amt>
    <CdtDbtInd>{"CRDT" if closing >= 0 else "DBIT"}</CdtDbtInd>
    <Dt><Dt>{last.isoformat()}</Dt></Dt>
   </Bal>
   <TxsSummry>
    <TtlNtries><NbOfNtries>{len(lines)}</NbOfNtries></TtlNtries>
   </TxsSummry>{entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>
""".encode()


# ----------------------------------------------------------------------------- the demo
CASES = ("three", "no-prefix", "typo", "partial", "iban", "name", "fee", "unknown",
         "refund")
FEE = Decimal("3.50")
STRANGER = "SCI LES TILLEULS"


@dataclass(frozen=True)
class OpenRef:
    """An invoice open in the demo: number, client, open amount incl. VAT, issue date."""

    number: str
    client: str
    open: Decimal
    issued: date


def _upper_ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.upper().split())


def _near_name(name: str) -> str:
    """The name as a bank may write it: capitals, no accents, its longest word one letter
    short (Laboratoires Novavia -> LABORATOIRE NOVAVIA)."""
    words = _upper_ascii(name).split()
    k = max(range(len(words)), key=lambda i: (len(words[i]), -i))
    words[k] = words[k][:-1]
    return " ".join(words)


def _typo(number: str) -> str:
    """The number with its last two digits swapped (FAC2026-0123 -> FAC2026-0132)."""
    return number[:-2] + number[-1] + number[-2]


def demo_statement(invoices: list[OpenRef], clients: list[dict], credit_notes: list[OpenRef],
                   today: date, exclude: frozenset[str] | set[str] = frozenset()) -> list[Line]:
    """The demo's statement entries, oldest first; each credit's ``case`` says which case
    of CASES it shows. Invoices are taken oldest first among those issued before the
    statement, one client per case; ``exclude`` (planted mistakes) is left alone."""
    start = today - timedelta(days=30)
    names = {c["id"]: str(c["name"]) for c in clients}
    ibans = {c["id"]: str(c["iban"]).replace(" ", "") for c in clients if c.get("iban")}
    all_digits = {re.sub(r"\D", "", i.number) for i in invoices}
    usable = sorted((i for i in invoices if i.issued < start and i.open >= 100
                     and i.number.startswith("FAC") and i.number not in exclude
                     and i.client not in exclude and i.client in names),
                    key=lambda i: (i.issued, i.number))
    mine: dict[str, list[OpenRef]] = {}
    for i in usable:
        mine.setdefault(i.client, []).append(i)
    opens_of: dict[str, list[Decimal]] = {}
    for i in invoices:
        opens_of.setdefault(i.client, []).append(i.open)
    used: set[str] = set()

    def pick(test, count: int = 1) -> list[OpenRef]:
        for client in sorted(mine):
            if client in used:
                continue
            found = [i for i in mine[client] if test(i)]
            if len(found) >= count:
                used.add(client)
                return found[:count]
        return []  # a small or young demo may lack the case: the statement goes without

    def unique_amount(i: OpenRef) -> bool:  # the only invoice of its client at that amount
        return sum(1 for o in opens_of[i.client] if Decimal(0) <= o - i.open <= 5) == 1

    lines: list[Line] = []
    day = iter(start + timedelta(days=2 + 3 * k) for k in range(12))

    # one transfer for several invoices: three when a client has them, else two
    three = pick(lambda i: True, 3) or pick(lambda i: True, 2)
    if three:
        lines.append(Line(str(sum((i.open for i in three), Decimal(0))), next(day),
                          "REGLEMENT FACTURES " + " ".join(i.number for i in three),
                          _upper_ascii(names[three[0].client]),
                          ibans.get(three[0].client, ""), case="three"))
    for nopre in pick(lambda i: True):
        lines.append(Line(str(nopre.open), next(day), "VIREMENT FACTURE "
                          + re.sub(r"^\D+", "", nopre.number).replace("-", " "),
                          _upper_ascii(names[nopre.client]), case="no-prefix"))
    for typo in pick(lambda i: i.client in ibans and unique_amount(i)
                     and re.sub(r"\D", "", _typo(i.number)) not in all_digits
                     and _typo(i.number) != i.number):
        lines.append(Line(str(typo.open), next(day), "PAIEMENT " + _typo(typo.number),
                          _upper_ascii(names[typo.client]), ibans[typo.client], case="typo"))
    for part in pick(lambda i: i.open >= 500):
        lines.append(Line(str((part.open * Decimal("0.4")).quantize(Decimal(1))), next(day),
                          f"ACOMPTE SUR FACTURE {part.number}",
                          _upper_ascii(names[part.client]), case="partial"))
    for by_iban in pick(lambda i: i.client in ibans and unique_amount(i)):
        lines.append(Line(str(by_iban.open), next(day), "VIREMENT FOURNISSEUR",
                          "SERVICE COMPTABILITE FOURNISSEURS", ibans[by_iban.client],
                          case="iban"))
    for by_name in pick(lambda i: i.client not in ibans and unique_amount(i)):
        lines.append(Line(str(by_name.open), next(day), "VIR SEPA REGLEMENT",
                          _near_name(names[by_name.client]), case="name"))
    for fee in pick(lambda i: i.open > FEE * 10):
        lines.append(Line(str(fee.open - FEE), next(day), f"REGLT {fee.number} FRAIS DEDUITS",
                          _upper_ascii(names[fee.client]), case="fee"))
    # (each case above is left out when the demo has no invoice for it)
    every = {o for opens in opens_of.values() for o in opens}
    stranger = Decimal("1234.56")
    while any(Decimal(0) <= o - stranger <= 5 for o in every):
        stranger += Decimal("7.77")
    lines.append(Line(str(stranger.quantize(CENT)), next(day), "VIREMENT SANS REFERENCE",
                      STRANGER, case="unknown"))
    # outgoing: a credit note refunded to its client, the social charges, a card payment
    refund = next((c for c in sorted(credit_notes, key=lambda c: c.number)
                   if c.client in names), None)
    when = next(day)
    if refund is not None:
        lines.append(Line(str(-refund.open if refund.open < 0 else refund.open), when,
                          f"REMBOURSEMENT AVOIR {refund.number}",
                          _upper_ascii(names[refund.client]), ibans.get(refund.client, ""),
                          credit=False, case="refund"))
    lines.append(Line("2184.00", when, "PRLV SEPA URSSAF COTISATIONS", "URSSAF ILE DE FRANCE",
                      credit=False, ref=f"{when:%Y%m%d}PRLV0001", case="refund"))
    lines.append(Line("64.90", next(day), "CB FOURNITURES BUREAU", "BUREAU VALLEE",
                      credit=False, ref=f"{when:%Y%m%d}CB000001", case="refund"))
    return sorted(lines, key=lambda e: e.day)
