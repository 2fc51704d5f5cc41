"""Which reminders go out as of a date, to whom, at which level (DOMAIN.md §3, §7).

The rules, all pure (no template, no SMTP, no file):
- What is open comes from the aged balance as of the date (domain/aging.py): payments
  entered up to the date count, credit notes reduce the invoice they credit, so a paid or
  fully credited invoice is never open and never reminded.
- Holds: a client whose reminders are paused, an invoice the approved platform says is
  refused (210), disputed (207) or suspended (208) by the client (domain/lifecycle.py), an
  invoice in dispute, a promise to pay until a date (held up to and including it), an
  invoice (or instalment) time-barred (domain/limitation.py: the client may refuse to
  pay, and a reminder would threaten what the law no longer allows), and a
  payment plan: an invoice with
  instalments in Échéancier is reminded instalment by instalment, each on its own date,
  its payments covering the earliest instalments first.
- Level: the highest level of NiveauxRelance whose "days after due" the item has reached.
  The journal knows the highest level each item already got: an item whose level is not
  above it gives nothing new. A missed run therefore sends the current level once, never
  the levels it skipped.
- One email per client per run, at the highest level reached among its items, listing
  all its overdue items (only those not yet due when it is a courtesy note). An item
  reaching an "internal" level (handover to collection) is not emailed to the client:
  its internal owner is told instead.
- One digest per run to each internal owner, about the invoices that became overdue
  since they were last told.
- What a late item owes beyond its amount: the penalties of art. L441-10 C. com. and the
  fixed indemnity of art. D441-5, only when the client acts as a professional
  (domain/penalties.py ``owes_professional_penalties``): a private person's items owe
  neither, and their emails say so through the mailing's ``professional`` flag.
- Addresses: exactly one address per cell, no line break (a header injection such as
  "a@b.c\\nBcc: x@y.z" is refused with a finding naming the Clients row and column).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from pyfuncs.domain.aging import OpenItem
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.limitation import is_barred, last_day
from pyfuncs.domain.money import ZERO
from pyfuncs.domain.penalties import (
    Penalty,
    RateTable,
    late_penalty,
    owes_professional_penalties,
)

INTERNAL = "internal"
FORMAL = "formal"

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$")


def valid_address(value: object) -> bool:
    """Exactly one bare address: no line break, no second address, no display name."""
    return isinstance(value, str) and _ADDRESS.match(value) is not None and \
        "\n" not in value and "\r" not in value


def fold(number: object) -> str:
    return number.strip().casefold() if isinstance(number, str) else str(number or "")


@dataclass(frozen=True)
class Level:
    """One row of NiveauxRelance.

    Attributes: level (0, 1, ...), days (after the due date; negative: before it), tone
    (courtesy, firm, formal, internal), template (its name in templates/reminders/),
    attach_invoice, cc_owner.
    """

    level: int
    days: int
    tone: str
    template: str
    attach_invoice: bool = False
    cc_owner: bool = False

    @property
    def internal(self) -> bool:
        return self.tone == INTERNAL


@dataclass(frozen=True)
class Contact:
    """What reminding needs of a Clients row (``row`` is its sheet row; ``private``: a
    private person, Clients › Particulier)."""

    id: str
    name: str
    email: str | None
    contact: str | None = None
    lang: str = "fr"
    paused: bool = False
    owner: str | None = None
    row: int | None = None
    private: bool = False


BARRED = "barred"  # the hold of a time-barred invoice or instalment


@dataclass(frozen=True)
class Instalment:
    invoice: str
    day: date
    amount: Decimal


@dataclass(frozen=True)
class Due:
    """An invoice (``step`` "") or one instalment of its payment plan (``step`` its date)
    open at the date, with its level and what it owes beyond its amount."""

    invoice: str
    step: str
    client: str
    issue_date: date | None
    due_date: date
    total: Decimal
    open: Decimal
    currency: str
    days_late: int
    level: int | None
    penalty: Penalty
    indemnity: Decimal
    row: int
    hold: str = ""
    claim_until: date | None = None  # the last day it can be claimed (limitation.py)

    @property
    def key(self) -> tuple[str, str]:
        return fold(self.invoice), self.step


@dataclass
class Mailing:
    """One email to send.

    Attributes:
      kind: "client" (a reminder), "owner" (an invoice handed over to collection: the
        internal owner is told, the client is not), "digest" (invoices that became
        overdue, to the internal owner).
      key: stable identifier within a run ("client:C1", "owner:C1", "digest:a@b.c"): the
        row of "Relances à envoyer" it matches.
      level: the level it carries (None for a digest).
      items: what it lists; record: the (invoice, step, level) it sends for the first time.
      professional: the client owes the professionals' penalties and indemnity (a private
        person does not): what the templates state about late payment.
    """

    kind: str
    key: str
    client: str
    name: str
    lang: str
    to: str
    cc: tuple[str, ...]
    contact: str
    level: Level | None
    items: list[Due]
    record: list[tuple[str, str, int]]
    clients: list[str] = field(default_factory=list)
    professional: bool = True

    @property
    def open(self) -> Decimal:
        return sum((d.open for d in self.items), ZERO)

    @property
    def penalties(self) -> Decimal:
        return sum((d.penalty.amount + d.indemnity for d in self.items), ZERO)

    @property
    def invoices(self) -> list[str]:
        return list(dict.fromkeys(d.invoice for d in self.items))


@dataclass
class Plan:
    mailings: list[Mailing]
    held: list[Due]
    findings: list[Finding]


@dataclass(frozen=True)
class Where:
    """How findings name the user's cells: sheet names, header labels and column letters."""

    clients_sheet: str = "Clients"
    invoices_sheet: str = "Factures"
    rates_sheet: str = "Paramètres"
    labels: Mapping[str, str] = field(default_factory=dict)
    letters: Mapping[str, str] = field(default_factory=dict)
    lang: str = "fr"


def level_reached(days_late: int, levels: Sequence[Level]) -> Level | None:
    reached = [lv for lv in levels if days_late >= lv.days]
    return max(reached, key=lambda lv: lv.level) if reached else None


def instalment_dues(item: OpenItem, plan: Sequence[Instalment]) -> list[tuple[Instalment,
                                                                             Decimal]]:
    """Each instalment with what is left of it: what was paid or credited on the invoice
    covers the earliest instalments first."""
    covered = item.total - item.open
    out = []
    for inst in sorted(plan, key=lambda i: i.day):
        paid = min(inst.amount, max(covered, ZERO))
        covered -= paid
        out.append((inst, inst.amount - paid))
    return out


def plan_reminders(items: Sequence[OpenItem], clients: Mapping[str, Contact],
                   levels: Sequence[Level], as_of: date, *,
                   sent: Mapping[tuple[str, str], int],
                   told: Mapping[tuple[str, str], int] | None = None,
                   promises: Mapping[str, date] | None = None,
                   plans: Mapping[str, Sequence[Instalment]] | None = None,
                   rates: RateTable | None = None, indemnity: Decimal = Decimal(40),
                   fallback_owner: str | None = None,
                   where: Where | None = None,
                   holds: Mapping[str, str] | None = None) -> Plan:
    """The emails of one run as of ``as_of``; see the module's docstring for the rules.

    ``sent``: {(folded invoice number, step): highest level already sent} (the journal);
    ``told``: the same for the owners' digests; ``promises``: folded number -> promised
    date; ``plans``: folded number -> its instalments; ``holds``: folded number -> why
    the platform's status holds it.
    """
    where = where or Where()
    fr = where.lang != "en"
    told = told or {}
    promises = promises or {}
    plans = plans or {}
    holds = holds or {}
    rates = rates or RateTable(())
    levels = sorted(levels, key=lambda lv: lv.level)
    findings: list[Finding] = []
    dues: list[Due] = []
    held: list[Due] = []
    void_noted = missing_noted = False

    for item in items:
        if item.open <= 0 or not item.number or item.due_date is None:
            continue
        plan = plans.get(fold(item.number))
        parts: list[tuple[str, date, Decimal, Decimal]]
        if plan:
            parts = [(inst.day.isoformat(), inst.day, inst.amount, left)
                     for inst, left in instalment_dues(item, plan) if left > 0]
        else:
            parts = [("", item.due_date, item.total, item.open)]
        contact = clients.get(item.client)
        professional = contact is None or owes_professional_penalties(contact.private)
        hold = ""
        if contact is not None and contact.paused:
            hold = "paused"
        elif fold(item.number) in holds:
            hold = holds[fold(item.number)]
        elif item.dispute:
            hold = "dispute"
        elif (promise := promises.get(fold(item.number))) is not None and as_of <= promise:
            hold = "promise"
        first_late = True
        private = contact is not None and contact.private
        for step, due, amount, left in parts:
            days = (as_of - due).days
            held_as = hold or (BARRED if is_barred(due, private, item.acknowledged, as_of)
                               else "")
            lv = level_reached(days, levels)
            penalty = late_penalty(left, due, as_of, rates) if professional else \
                Penalty(left, ZERO)
            if penalty.void_contractual and not void_noted:
                void_noted = True
                findings.append(_rate_finding("REMIND-RATE-VOID", where, fr))
            if penalty.missing and not missing_noted:
                missing_noted = True
                findings.append(_rate_finding("REMIND-RATE-MISSING", where, fr,
                                              penalty.missing[0][0]))
            owed = indemnity if days > 0 and first_late and professional else ZERO
            first_late &= days <= 0
            due_item = Due(item.number, step, item.client, item.issue_date, due, amount, left,
                           item.currency, days, lv.level if lv else None, penalty, owed,
                           item.row, held_as, last_day(due, private, item.acknowledged))
            if held_as:
                if days > 0:
                    held.append(due_item)
            elif lv is not None:
                dues.append(due_item)
    by_level = {lv.level: lv for lv in levels}
    mailings: list[Mailing] = []
    by_client: dict[str, list[Due]] = defaultdict(list)
    for d in dues:
        by_client[d.client].append(d)
    for client_id in sorted(by_client):
        mine = by_client[client_id]
        contact = clients.get(client_id)
        if contact is None:
            first = mine[0]
            findings.append(Finding(
                "REMIND-CLIENT", ERROR, where.invoices_sheet, first.row,
                where.labels.get("inv_client", "Client"), first.invoice,
                (f"Le client {client_id} est introuvable dans Clients (ou sa ligne contient "
                 "une erreur) : aucune relance pour " + ", ".join(d.invoice for d in mine) + "."
                 if fr else f"Client {client_id} is not in Clients (or its row has an error): "
                 "no reminder for " + ", ".join(d.invoice for d in mine) + "."),
                "Corriger la ligne du client (voir Contrôles)." if fr else
                "Correct the client's row (see Checks)."))
            continue
        internal = [d for d in mine if by_level[d.level].internal]  # type: ignore[index]
        external = [d for d in mine if not by_level[d.level].internal]  # type: ignore[index]
        if any(d.level > sent.get(d.key, -1) for d in external):  # type: ignore[operator]
            mailing = _client_mailing(contact, external, by_level, sent, where, findings)
            if mailing is not None:
                mailings.append(mailing)
        if any(d.level > sent.get(d.key, -1) for d in internal):  # type: ignore[operator]
            top = by_level[max(cast("Iterator[int]", (d.level for d in internal)))]
            owner = _owner(contact, fallback_owner, where, findings)
            if owner is not None:
                mailings.append(Mailing(
                    "owner", f"owner:{contact.id}", contact.id, contact.name, where.lang,
                    owner, (), "", top, internal,
                    [(d.invoice, d.step, d.level) for d in internal  # type: ignore[misc]
                     if d.level > sent.get(d.key, -1)], [contact.id],  # type: ignore[operator]
                    owes_professional_penalties(contact.private)))
    mailings += _digests(dues + held, clients, told, fallback_owner, where)
    return Plan(mailings, held, findings)


def _client_mailing(contact: Contact, items: list[Due], by_level: Mapping[int, Level],
                    sent: Mapping[tuple[str, str], int], where: Where,
                    findings: list[Finding]) -> Mailing | None:
    top = max(cast("Iterator[int]", (d.level for d in items)))  # a due item has its level
    # a reminder lists what is overdue; a courtesy note (nothing overdue) what falls due
    overdue = [d for d in items if d.days_late > 0]
    listed = overdue or list(items)
    listed.sort(key=lambda d: (d.due_date, d.invoice, d.step))
    fr = where.lang != "en"
    if not contact.email:
        findings.append(_client_finding(
            "REMIND-NO-EMAIL", WARNING, contact, "billing_email", where,
            (f"Pas d'email de facturation pour {contact.id} : relance de niveau {top} non "
             "envoyée." if fr else f"No billing email for {contact.id}: level {top} reminder "
             "not sent."),
            "Saisir l'email de facturation du client." if fr else
            "Enter the client's billing email."))
        return None
    if not valid_address(contact.email):
        findings.append(_client_finding(
            "REMIND-EMAIL", ERROR, contact, "billing_email", where,
            (f"L'email de facturation de {contact.id} n'est pas une adresse unique (retour à "
             "la ligne, plusieurs adresses ou nom) : relance refusée." if fr else
             f"The billing email of {contact.id} is not one single address (line break, "
             "several addresses or a name): reminder refused."),
            "Une seule adresse par cellule, sans retour à la ligne." if fr else
            "One address per cell, no line break."))
        return None
    level = by_level[top]
    cc: tuple[str, ...] = ()
    if level.cc_owner and contact.owner:
        if valid_address(contact.owner):
            cc = (contact.owner,)
        else:
            findings.append(_owner_finding(contact, where))
    record = [(d.invoice, d.step, cast(int, d.level)) for d in listed
              if d.level > sent.get(d.key, -1)]  # type: ignore[operator]
    return Mailing("client", f"client:{contact.id}", contact.id, contact.name, contact.lang,
                   contact.email, cc, contact.contact or "", level, listed, record,
                   [contact.id], owes_professional_penalties(contact.private))


def _owner(contact: Contact, fallback: str | None, where: Where,
           findings: list[Finding]) -> str | None:
    if contact.owner:
        if valid_address(contact.owner):
            return contact.owner
        findings.append(_owner_finding(contact, where))
        return None
    if fallback and valid_address(fallback):
        return fallback
    fr = where.lang != "en"
    findings.append(_client_finding(
        "REMIND-NO-OWNER", WARNING, contact, "owner", where,
        (f"Pas de responsable interne pour {contact.id} : le passage au contentieux n'est "
         "signalé à personne." if fr else f"No internal owner for {contact.id}: the handover "
         "to collection is reported to no one."),
        "Saisir le responsable interne (ou l'email du vendeur dans Paramètres)." if fr else
        "Enter the internal owner (or the seller's email in Settings)."))
    return None


def _digests(items: list[Due], clients: Mapping[str, Contact],
             told: Mapping[tuple[str, str], int], fallback: str | None,
             where: Where) -> list[Mailing]:
    """Per owner, the items overdue since the last digest that told them."""
    per_owner: dict[str, list[Due]] = defaultdict(list)
    for d in items:
        if d.days_late <= 0 or d.key in told:
            continue
        contact = clients.get(d.client)
        if contact is None:
            continue
        owner = contact.owner if contact.owner and valid_address(contact.owner) else (
            fallback if not contact.owner and fallback and valid_address(fallback) else None)
        if owner:
            per_owner[owner].append(d)
    out = []
    for owner in sorted(per_owner):
        mine = sorted(per_owner[owner], key=lambda d: (d.client, d.due_date, d.invoice))
        out.append(Mailing("digest", f"digest:{owner}", "", "", where.lang, owner, (), "",
                           None, mine, [(d.invoice, d.step, 1) for d in mine],
                           sorted({d.client for d in mine})))
    return out


def _client_finding(code: str, severity: str, contact: Contact, key: str, where: Where,
                    message: str, fix: str) -> Finding:
    letter = where.letters.get(key, "")
    return Finding(code, severity, where.clients_sheet, contact.row,
                   where.labels.get(key, key), contact.id, message, fix,
                   f"{letter}{contact.row}" if letter and contact.row else "")


def _owner_finding(contact: Contact, where: Where) -> Finding:
    fr = where.lang != "en"
    return _client_finding(
        "REMIND-EMAIL", ERROR, contact, "owner", where,
        (f"Le responsable interne de {contact.id} n'est pas une adresse unique : il n'est "
         "pas mis en copie." if fr else f"The internal owner of {contact.id} is not one "
         "single address: not copied."),
        "Une seule adresse par cellule, sans retour à la ligne." if fr else
        "One address per cell, no line break.")


def _rate_finding(code: str, where: Where, fr: bool, day: date | None = None) -> Finding:
    if code == "REMIND-RATE-VOID":
        return Finding(code, WARNING, where.rates_sheet, None, "penalty_rate", "",
                       "Le taux de pénalités contractuel est inférieur à 3 fois le taux "
                       "d'intérêt légal : le taux légal (BCE + 10 points) est appliqué." if fr
                       else "The contractual penalty rate is below 3 x the legal interest "
                       "rate: the legal rate (ECB + 10 points) applies.",
                       "Relever le taux contractuel ou le laisser vide." if fr else
                       "Raise the contractual rate or leave it blank.")
    shown = (f"{day:%d/%m/%Y}" if fr else day.isoformat()) if day else ""
    return Finding(code, WARNING, where.rates_sheet, None, "TauxPenalite", "",
                   f"Pas de taux de pénalités pour le semestre du {shown} : pénalités de ce "
                   "semestre non comptées." if fr else
                   f"No penalty rate for the half-year of {shown}: penalties of that "
                   "half-year not counted.",
                   "Ajouter le semestre à la table des taux de pénalités (taux BCE + 10 "
                   "points)." if fr else
                   "Add the half-year to the penalty rates table (ECB rate + 10 points).")
