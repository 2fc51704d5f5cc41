"""E-reporting (flow 10): the sales that do not go through e-invoicing, reported to the
tax authority through the platform (DOMAIN.md §6, docs/E-INVOICING.md).

Who: sales to a company abroad (international B2B: processing rule B2BInt) and to a
private person (B2C: a client with neither SIREN nor VAT number in Clients), see
domain/einvoicing.processing_rule. What (CGI annexe II art. 242 nonies M for B2C, 242
nonies J via L for B2BInt; DGFiP external specifications, flows 10.1 to 10.4; XP Z12-013
FlowType):
- transactions: international B2B invoice by invoice (10.1,
  UnitaryCustomerTransactionReport); B2C aggregated per day, category and VAT rate
  with the number of transactions (10.3, AggregatedCustomerTransactionReport);
- payments, for services under VAT on receipts (no option for debits, French VAT
  charged: not reverse-charged nor out of scope): international B2B invoice by invoice
  (10.2, UnitaryCustomerPaymentReport), B2C aggregated per day and rate (10.4,
  AggregatedCustomerPaymentReport); the amounts received incl. VAT split by rate as for
  the 212 (domain/encaissement.split_by_rate).
When (Paramètres › Régime de TVA), after decree 2022-1299 of 7 Oct 2022 (CGI annexe II
art. 242 nonies O) and the DGFiP external specifications: ``CADENCE`` below, the one place
to update. The 2026 finance law's changes to these deadlines could not be read in the
sources available here: searched again (stored public pages and documentation: « loi de
finances 2026 e-reporting calendrier ... »), the only texts found on the cadence are
summaries of decree 2022-1299 (legifiscal.fr) and general e-reporting guides, none with
a 2026 change; the table stays the decree's, to be checked against the law's text
(docs/E-INVOICING.md).

Pure: records in, reports and deadlines out.
"""
from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.domain import schema as S
from pyfuncs.domain.context import Ctx, message
from pyfuncs.domain.encaissement import RateShare, split_by_rate
from pyfuncs.domain.findings import WARNING
from pyfuncs.domain.money import ZERO, to_cents

#: the PPF's own registration number (scheme 0238): BR-FR-CDV-02 of the France RFE CDAR
#: rules (V1.4.0) names it; a file sent with it would claim the PPF as its sender
PPF_REGISTRATION = "0000"


def registration_problem(value: object) -> str:
    """What is wrong with Paramètres › Matricule de la plateforme for the sender of an
    e-reporting file (Flux10 G6.22: the approved platform's registration number, scheme
    0238, exactly 4 characters): "default" (empty, or the PPF's « 0000 »), "length",
    or "" when it can go."""
    text = str(value or "").strip()
    if text in ("", PPF_REGISTRATION):
        return "default"
    return "" if len(text) == 4 else "length"


REGISTRATION = message(
    "Le matricule de la plateforme agréée ({setting}) {why} : c'est l'émetteur des "
    "fichiers d'e-reporting (4 caractères, règle G6.22 du flux 10), et « 0000 » est celui "
    "du PPF ; la plateforme refuserait les fichiers.",
    "Saisir le matricule à 4 caractères que la plateforme vous a donné, dans Paramètres, "
    "ligne « {setting} », colonne Valeur.",
    "The approved platform's registration number ({setting}) {why}: it is the sender of "
    "the e-reporting files (4 characters, flow 10 rule G6.22), and « 0000 » is the PPF's; "
    "the platform would refuse the files.",
    "Type the 4-character registration number your platform gave you, in Settings, row "
    "« {setting} », column Value.")
_WHY = {"default": ("est vide ou vaut « 0000 »", "is empty or « 0000 »"),
        "length": ("n'a pas 4 caractères", "is not 4 characters long")}


def registration_finding(ctx: Ctx, severity: str = WARNING) -> bool:
    """A finding on Paramètres › Matricule de la plateforme when it cannot go as the
    sender of an e-reporting file (``registration_problem``); True when one was added."""
    problem = registration_problem(ctx.setting("pa_registration"))
    if problem:
        label = S.SETTINGS_BY_KEY["pa_registration"]
        ctx.add_setting("EREP-MATRICULE", severity, "pa_registration", REGISTRATION,
                        why=_WHY[problem][0 if ctx.fr else 1],
                        setting=label.label("fr" if ctx.fr else "en"))
    return bool(problem)


RN_MONTHLY, RN_QUARTERLY, SIMPLIFIED, FRANCHISE = (
    "rn_monthly", "rn_quarterly", "simplified", "franchise")
REGIMES = (RN_MONTHLY, RN_QUARTERLY, SIMPLIFIED, FRANCHISE)
# regime -> (transaction period: "decade" | "month" | "bimonth", days after the period's
# end for the transactions, payment period, day of the following month for payments)
CADENCE: dict[str, tuple[str, int, str, int]] = {
    RN_MONTHLY: ("decade", 10, "month", 10),
    RN_QUARTERLY: ("month", 10, "month", 10),
    SIMPLIFIED: ("month", 10, "month", 10),
    FRANCHISE: ("bimonth", 10, "bimonth", 10),
}
# Declared like einvoicing.SHEET: it appears at the first `facturier ereport`.
SHEET = S.Sheet("ereporting", "E-reporting", "E-reporting", output=True, columns=(
    S.Column("period", "Période", "Period", width=12),
    S.Column("flow", "Flux", "Flow", width=6),
    S.Column("type", "Type de flux", "Flow type", width=34),
    S.Column("items", "Lignes", "Items", S.INT, width=8),
    S.Column("deadline", "À transmettre avant le", "Deadline", S.DATE, width=14),
    S.Column("action", "Transmission", "Transmission", width=60),
    S.Column("report", "Identifiant de transmission", "Transmission id", width=30),
    S.Column("replaces", "Remplace", "Replaces", width=30),
    S.Column("status", "État", "Status", width=22),
    S.Column("flow_id", "Identifiant du flux", "Flow id", width=38),
    S.Column("file", "Fichier", "File", width=34),
    S.Column("reason", "Motif du refus", "Refusal reason", width=60),
), doc_fr="Rapports d'e-reporting (ventes à l'étranger et aux particuliers, paiements), "
          "leur échéance et ce qui part : nouveau (IN), rectificatif (RE) et ce qu'il "
          "remplace, inchangé, en attente de correction après un refus.",
    doc_en="E-reporting files (sales abroad and to private persons, payments), their "
           "deadline and what goes: new (IN), rectificative (RE) and what it replaces, "
           "unchanged, waiting for correction after a refusal.")
CATEGORY = {"services": "TPS1", "goods": "TLB1", "both": "TPS1"}  # TT-81 (Flux10 list)


@dataclass(frozen=True)
class Period:
    """A reporting period (both ends included) and its kind."""

    start: date
    end: date
    kind: str

    @property
    def label(self) -> str:
        if self.kind == "decade":
            return f"{self.start:%Y-%m}-D{(self.start.day - 1) // 10 + 1}"
        if self.kind == "bimonth":
            return f"{self.start:%Y}-B{(self.start.month + 1) // 2}"
        return f"{self.start:%Y-%m}"


def regime_of(value: object) -> str:
    """The regime key from the setting (its key or its French or English label)."""
    text = str(value or "").strip().casefold()
    for key in REGIMES:
        if text == key:
            return key
    if "franchise" in text:
        return FRANCHISE
    if "simplif" in text:
        return SIMPLIFIED
    if "trimes" in text or "quarter" in text:
        return RN_QUARTERLY
    if "norm" in text or "mens" in text or "month" in text:
        return RN_MONTHLY
    return SIMPLIFIED


def _month(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]),
                  "month")


def parse_period(text: str, regime: str) -> Period | None:
    """``YYYY-MM`` (a month; two months under the franchise: the one it falls in),
    ``YYYY-MM-D1|D2|D3`` (a decade) or ``YYYY-Bn`` (a two-month period); None if
    unreadable."""
    t = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            return None
        if CADENCE[regime][2] == "bimonth":
            first = month - (month - 1) % 2
            return Period(date(year, first, 1), _month(year, first + 1).end, "bimonth")
        return _month(year, month)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-D([123])", t):
        year, month, k = int(m[1]), int(m[2]), int(m[3])
        if not 1 <= month <= 12:
            return None
        end = _month(year, month).end if k == 3 else date(year, month, 10 * k)
        return Period(date(year, month, 10 * (k - 1) + 1), end, "decade")
    if m := re.fullmatch(r"(\d{4})-B([1-6])", t):
        year, k = int(m[1]), int(m[2])
        return Period(date(year, 2 * k - 1, 1), _month(year, 2 * k).end, "bimonth")
    return None


def transaction_periods(period: Period, regime: str) -> list[Period]:
    """The transaction reports a period holds under the regime: its three decades when
    the regime reports by decade and a month is asked, else the period itself."""
    if CADENCE[regime][0] == "decade" and period.kind == "month":
        y, m = period.start.year, period.start.month
        return [p for k in (1, 2, 3) if (p := parse_period(f"{y:04d}-{m:02d}-D{k}", regime))]
    return [period]


def transaction_deadline(period: Period, regime: str) -> date:
    return period.end + timedelta(days=CADENCE[regime][1])


def payment_deadline(period: Period, regime: str) -> date:
    nxt = period.end + timedelta(days=1)
    return date(nxt.year, nxt.month, CADENCE[regime][3])


def next_deadline(today: date, regime: str) -> tuple[date, str, Period]:
    """The next deadline on or after ``today``: (date, "transactions" | "payments",
    the period it is for)."""
    out: list[tuple[date, str, Period]] = []
    for back in range(3):
        y, m = today.year, today.month - back
        while m < 1:
            y, m = y - 1, m + 12
        month = parse_period(f"{y:04d}-{m:02d}", regime)
        if month is None:
            continue
        for p in transaction_periods(month, regime):
            out.append((transaction_deadline(p, regime), "transactions", p))
        out.append((payment_deadline(month, regime), "payments", month))
    return min((d for d in out if d[0] >= today), key=lambda d: (d[0], d[1]))


@dataclass(frozen=True)
class Sale:
    """An issued document outside e-invoicing, as the reports need it.

    Attributes:
      number, issue_date, kind ("invoice", "deposit", "credit_note"), rule ("B2BInt" or
      "B2C"), nature, currency, due_date;
      buyer_country, buyer_vat, buyer_siren: the client (B2BInt);
      rates: (rate in percent, base, VAT, VAT category code) per rate, signed;
      net, vat, total: signed totals;
      reverse_charge_or_outside: no French VAT (autoliquidation, outside the EU);
      vat_on_debits, exempt (franchise): as for the 212.
    """

    number: str
    issue_date: date
    kind: str
    rule: str
    nature: str
    currency: str
    due_date: date | None
    buyer_country: str
    buyer_vat: str
    buyer_siren: str
    rates: tuple[tuple[Decimal, Decimal, Decimal, str], ...]
    net: Decimal
    vat: Decimal
    total: Decimal
    exemption: str = ""
    exemption_text: str = ""
    vat_on_debits: bool = False
    credited: str = ""
    credited_date: date | None = None


@dataclass(frozen=True)
class DayTotal:
    """B2C transactions of one day and category: counts and amounts per rate."""

    day: date
    category: str
    count: int
    rates: tuple[tuple[Decimal, Decimal, Decimal], ...]  # rate, base, VAT

    @property
    def net(self) -> Decimal:
        return sum((b for _r, b, _v in self.rates), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((v for _r, _b, v in self.rates), ZERO)


@dataclass(frozen=True)
class PaymentLine:
    """A payment reported: per invoice (B2BInt: number and issue date) or per day (B2C)."""

    day: date
    shares: tuple[RateShare, ...]
    number: str = ""
    issue_date: date | None = None


@dataclass
class Reports:
    """What one period holds: the four flows, each possibly empty."""

    period: Period
    transactions: list[tuple[Period, list[Sale], list[DayTotal]]] = field(default_factory=list)
    b2bint_payments: list[PaymentLine] = field(default_factory=list)
    b2c_payments: list[PaymentLine] = field(default_factory=list)


def _in(day: date, p: Period) -> bool:
    return p.start <= day <= p.end


def day_totals(sales: Iterable[Sale]) -> list[DayTotal]:
    """B2C sales per day and category, with their count and amounts per rate (the
    document's own per-rate amounts: no rounding here)."""
    by: dict[tuple[date, str], dict[Decimal, list[Decimal]]] = defaultdict(dict)
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for s in sales:
        key = (s.issue_date, CATEGORY.get(s.nature, "TPS1"))
        counts[key] += 1
        for rate, base, vat, _cat in s.rates:
            acc = by[key].setdefault(rate, [ZERO, ZERO])
            acc[0] += base
            acc[1] += vat
    return [DayTotal(d, c, counts[(d, c)], tuple((r, b, v) for r, (b, v) in
                                                 sorted(by[(d, c)].items())))
            for d, c in sorted(by)]


def reports(period: Period, regime: str, sales: Iterable[Sale],
            receipts: Iterable[tuple[str, date, Decimal]], *,
            vat_on_debits: bool) -> Reports:
    """The period's transaction reports (one per transaction sub-period) and its payment
    reports (when the period is a payment period of the regime), from the issued
    ``sales`` and the ``receipts`` (invoice number, date, amount)."""
    sales = list(sales)
    out = Reports(period)
    for p in transaction_periods(period, regime):
        mine = [s for s in sales if _in(s.issue_date, p)]
        out.transactions.append((p, [s for s in mine if s.rule == "B2BInt"],
                                 day_totals(s for s in mine if s.rule == "B2C")))
    if period.kind != CADENCE[regime][2]:
        return out  # a decade: no payment report of its own
    by_number = {s.number: s for s in sales}
    b2c: dict[date, dict[Decimal, Decimal]] = defaultdict(dict)
    for number, day, amount in receipts:
        s = by_number.get(number)
        if s is None or not _in(day, period) or amount == ZERO or not _on_receipts(
                s, vat_on_debits):
            continue
        shares = split_by_rate(amount, s.total, [(r, b, v) for r, b, v, _c in s.rates])
        if s.rule == "B2BInt":
            out.b2bint_payments.append(PaymentLine(day, shares, s.number, s.issue_date))
        else:
            for share in shares:
                b2c[day][share.rate] = b2c[day].get(share.rate, ZERO) + share.amount
    out.b2c_payments = [PaymentLine(d, tuple(RateShare(r, to_cents(a)) for r, a in
                                             sorted(b2c[d].items())))
                        for d in sorted(b2c)]
    return out


def _on_receipts(s: Sale, vat_on_debits: bool) -> bool:
    """A payment is reported for services whose French VAT falls due on receipt."""
    return (not vat_on_debits and not s.vat_on_debits and s.kind != "credit_note"
            and s.nature != "goods" and s.exemption == "")
