"""Aged balance (balance âgée) as of any date, and the receivables KPIs (DOMAIN.md §8).

As of a date, only invoices issued and payments received on or before it count: an
invoice paid after the date is still open at it (the year-end figure). Age is counted from
the due date. A credit note issued by the date that credits an invoice of the same client
issued by then (issued or cancelled) is applied to it: it reduces that invoice's open
amount (below zero when it credits more than was left: money owed back to the client),
counts as a payment on its issue date for settlement dates and days late, and its own
payments count as the invoice's (the same rule as the workbook's "Reste dû" column,
computed.invoice_balances). Any other credit note is a credit of the client in the bucket
of its own due date. A payment applied to no invoice, or to a number that was not issued
by that date, is a credit of the client shown apart. Invoices in another currency
are converted at the latest rate of the Taux table on or before the date.

Pure: columns in, records out. Plain loops over columns: 100k invoices and 150k payments
take well under half a second (benchmarks/aging.py).
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from pyfuncs.domain import limitation
from pyfuncs.domain.computed import CREDITABLE, reminder_sent
from pyfuncs.domain.context import is_yes
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.kpis import receivable_kpis
from pyfuncs.domain.lateness import late_days, settle_day, settled_on, with_credits
from pyfuncs.domain.money import ZERO, to_cents

Columns = Mapping[str, Sequence[object]]


def parse_buckets(text: object) -> tuple[int, ...]:
    """'30,60,90' -> (30, 60, 90): upper bounds in days past due of the middle buckets."""
    bounds = tuple(sorted({int(p) for p in str(text or "").replace(";", ",").split(",")
                           if p.strip().lstrip("-").isdigit() and int(p) > 0}))
    return bounds or (30, 60, 90)


def bucket_labels(bounds: Sequence[int], lang: str = "fr") -> list[str]:
    labels = ["Non échu" if lang == "fr" else "Not yet due"]
    low = 1
    for high in bounds:
        labels.append(f"{low}–{high} j" if lang == "fr" else f"{low}–{high} d")
        low = high + 1
    labels.append(f"> {bounds[-1]} j" if lang == "fr" else f"> {bounds[-1]} d")
    return labels


def bucket_of(days_past_due: int, bounds: Sequence[int]) -> int:
    """0 = not yet due; i = the i-th bound reached; len(bounds)+1 = beyond the last."""
    if days_past_due <= 0:
        return 0
    return 1 + bisect_right(bounds, days_past_due - 1)


@dataclass(frozen=True)
class OpenItem:
    """An invoice or credit note still open at the as-of date (one row of the detail).

    Attributes: client, number, issue_date, due_date, currency, total (in its currency),
    paid, open (in its currency: total - paid + credited), open_base (converted), days
    (past due), bucket, dispute, row (sheet row of the invoice), credited (the totals of
    the credit notes applied to it, negative), acknowledged (the latest of its last payment
    and of the interruption recorded in Factures, by the date: the acknowledgement its
    limitation runs from, domain/limitation.py).
    """

    client: str
    number: str
    issue_date: date | None
    due_date: date | None
    currency: str
    total: Decimal
    paid: Decimal
    open: Decimal
    open_base: Decimal
    days: int
    bucket: int
    dispute: bool
    row: int
    credited: Decimal = ZERO
    acknowledged: date | None = None  # see above (limitation.py)


@dataclass
class ClientBalance:
    client: str
    name: str
    amounts: list[Decimal]
    unapplied: Decimal = ZERO
    disputed: Decimal = ZERO
    oldest_due: date | None = None
    last_payment: date | None = None
    last_reminder_level: int | None = None
    avg_days_late: Decimal | None = None
    by_currency: dict[str, Decimal] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)  # rows not counted: incomplete

    @property
    def complete(self) -> bool:
        return not self.left_out

    @property
    def invoiced(self) -> Decimal:
        return sum(self.amounts, ZERO)

    @property
    def total(self) -> Decimal:
        return self.invoiced - self.unapplied

    @property
    def overdue(self) -> Decimal:
        return sum(self.amounts[1:], ZERO)


@dataclass
class AgedBalance:
    as_of: date
    currency: str
    labels: list[str]
    bounds: tuple[int, ...]
    clients: list[ClientBalance]
    items: list[OpenItem]
    kpis: dict[str, object]
    findings: list[Finding]

    @property
    def totals(self) -> list[Decimal]:
        return [sum((c.amounts[i] for c in self.clients), ZERO)
                for i in range(len(self.labels))]

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.clients), ZERO)

    def currency_totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for item in self.items:
            out[item.currency] += item.open
        return dict(out)

    def as_json(self) -> dict[str, object]:
        """Every amount with its two decimals, as the sheet shows it ("250.00", not "250.0":
        a payment typed 250 is read as Decimal('250.0'))."""
        def cents(amount: Decimal) -> str:
            return str(to_cents(amount))

        return {
            "as_of": self.as_of.isoformat(), "currency": self.currency,
            "buckets": self.labels,
            "rows": [{"client": c.client, "name": c.name,
                      "amounts": [cents(a) for a in c.amounts], "unapplied": cents(c.unapplied),
                      "disputed": cents(c.disputed), "total": cents(c.total),
                      "complete": c.complete, "left_out": c.left_out}
                     for c in self.clients],
            "totals": {"amounts": [cents(a) for a in self.totals],
                       "unapplied": cents(sum((c.unapplied for c in self.clients), ZERO)),
                       "total": cents(self.total),
                       "by_currency": {k: cents(v) for k, v in self.currency_totals().items()}},
            "kpis": {k: (str(v) if isinstance(v, Decimal) else v)
                     for k, v in self.kpis.items()},
        }


class Rates:
    """Conversion to the base currency at the latest rate on or before a date."""

    def __init__(self, base: str, rates: Columns | None):
        self.base = base
        self.table: dict[str, tuple[list[date], list[Decimal]]] = {}
        if rates:
            pairs: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
            for cur, day, rate in zip(rates["currency"], rates["date"], rates["rate"]):
                if cur and day and rate:
                    pairs[str(cur).upper()].append((day, rate))  # type: ignore[arg-type]
            for cur, seq in pairs.items():
                seq.sort()
                self.table[cur] = ([d for d, _ in seq], [r for _, r in seq])

    def rate(self, currency: str, on: date) -> Decimal | None:
        if not currency or currency.upper() == self.base.upper():
            return Decimal(1)
        days, values = self.table.get(currency.upper(), ([], []))
        i = bisect_right(days, on)
        return values[i - 1] if i else None


def aged_balance(invoices: Columns, totals: Sequence[Decimal], payments: Columns,
                 clients: Columns, as_of: date, *, rows: Sequence[int] | None = None,
                 bounds: Sequence[int] = (30, 60, 90), currency: str = "EUR",
                 rates: Columns | None = None, reminders: Columns | None = None,
                 lang: str = "fr", sheet: str = "Factures",
                 left_out: Mapping[str, Sequence[tuple[str, int | None, str]]] | None = None
                 ) -> AgedBalance:
    """The aged balance at the end of ``as_of``; see the module's docstring for the rules.

    ``left_out``: client code (normalised) -> the rows that could not be read and were
    left out of its balance, (sheet, row, cell): its balance is marked incomplete, with
    an error naming them, rather than silently computed without them."""
    bounds = tuple(bounds)
    conv = Rates(currency, rates)
    findings: list[Finding] = []
    names = dict(zip(clients["id"], clients["name"]))
    private = {client for client, yes in zip(clients["id"], clients.get("private") or ())
               if is_yes(yes)}
    rows = rows or list(range(len(totals)))

    # Issued invoices known at the date, by normalised number (the last row wins).
    numbers = invoices["number"]
    known_rows = [i for i, (number, status, issue) in enumerate(zip(numbers, invoices["status"],
                                                                  invoices["issue_date"]))
                  if number and issue is not None and issue <= as_of and status != "draft"]  # type: ignore[operator]
    known_numbers = list(map(numbers.__getitem__, known_rows))
    keys = list(map(_fold_number, known_numbers))
    issued: dict[str, int] = dict(zip(keys, known_rows))

    # Credit notes applied to an invoice: the invoice's credit, and where their payments go
    # (``redirects``: a credit note's key -> its invoice's row).
    credit, redirects, credit_days = _applied_credit_notes(invoices, totals, issued)
    pay_to = {**issued, **redirects} if redirects else issued

    # The invoice row each payment counts for, or -1: none issued by the date.
    rows_paid = [pay_to.get(_fold_number(number), -1) if number else -1
                 for number in payments["invoice"]]
    completion, unapplied, last_payment, received = _counted_payments(
        payments, rows_paid, invoices["client"], as_of, len(totals))

    balances: dict[str, ClientBalance] = {}

    def balance_of(client: str) -> ClientBalance:
        if client not in balances:
            balances[client] = ClientBalance(client, str(names.get(client) or ""),
                                             [ZERO] * (len(bounds) + 2))
        return balances[client]

    items: list[OpenItem] = []
    cur_col = invoices.get("currency") or [None] * len(totals)
    dispute_col = invoices.get("dispute") or [None] * len(totals)
    interrupted_col = invoices.get("interrupted") or [None] * len(totals)
    # per day, for the KPIs: issued (total incl. VAT) and received on invoices
    issued_total: dict[date, Decimal] = {}
    # invoice row -> the day its payments first covered it, for the late averages
    settled: dict[int, date] = {}
    # the reader gives a date column dates or None (a bad cell is a finding, left empty)
    issue_dates = cast("Sequence[date | None]", invoices["issue_date"])
    due_dates = cast("Sequence[date | None]", invoices["due_date"])
    inv_clients = invoices["client"]
    rows_issued = list(issued.values())
    issued_totals = list(map(totals.__getitem__, rows_issued))
    issued_count: dict[date, int] = defaultdict(int)
    for i, total in zip(rows_issued, issued_totals):
        issued_on = cast(date, issue_dates[i])  # an issued invoice has its date (known_rows)
        issued_total[issued_on] = issued_total.get(issued_on, ZERO) + total
        issued_count[issued_on] += 1
    # every invoice paid at the date is an issued one
    for i, total, pays in zip(rows_issued, issued_totals,
                              map(completion.__getitem__, rows_issued)):
        if pays is None:
            got = ZERO
            open_amount = total
        else:
            got = sum((amount for _, amount in pays), ZERO)
            open_amount = total - got
            if total > 0 and i not in credit_days:  # (credit notes: below)
                on = settle_day(pays, total)
                if on is not None:
                    settled[i] = on
        credited = credit.get(i)
        if credited is not None:
            open_amount += credited
        if not open_amount:
            continue
        # the last payment: the debtor's acknowledgement the limitation runs from
        paid_on = None if pays is None else \
            max((day for day, amount in pays if amount > 0), default=None)
        client = str(inv_clients[i])
        due = cast(date, due_dates[i] or issue_dates[i])  # an issued invoice has its date
        days = (as_of - due).days
        cur = str(cur_col[i] or currency).upper()
        rate = conv.rate(cur, as_of)
        if rate is None:
            findings.append(Finding(
                "AGING-RATE", WARNING, sheet, rows[i], "", str(numbers[i]),
                (f"Pas de taux pour {cur} au {as_of:%d/%m/%Y} : facture comptée sans "
                 "conversion." if lang == "fr" else
                 f"No {cur} rate on or before {as_of}: invoice counted unconverted."),
                "Ajouter le taux dans la feuille Taux." if lang == "fr" else
                "Add the rate to the Taux sheet."))
            rate = Decimal(1)
        base = to_cents(open_amount * rate)
        b = bucket_of(days, bounds)
        disputed = dispute_col[i] == "yes"
        # a written acknowledgement or a claim in court, recorded by the date
        typed = interrupted_col[i]
        interrupted = typed if isinstance(typed, date) and typed <= as_of else None
        items.append(OpenItem(client, str(numbers[i]), issue_dates[i],
                              due, cur, total, got, open_amount, base,
                              max(days, 0), b, disputed, rows[i], credited or ZERO,
                              limitation.latest(paid_on, interrupted)))
        if open_amount > 0:
            late = limitation.finding(str(numbers[i]), rows[i], open_amount, cur, due,
                                      client in private, paid_on, interrupted, as_of, lang,
                                      sheet)
            if late is not None:
                findings.append(late)
        cb = balance_of(client)
        cb.amounts[b] += base
        cb.by_currency[cur] = cb.by_currency.get(cur, ZERO) + open_amount
        if disputed:
            cb.disputed += base
        if open_amount > 0 and (cb.oldest_due is None or due < cb.oldest_due):
            cb.oldest_due = due
    for client, amount in unapplied.items():
        if amount:
            balance_of(client).unapplied += amount
    for who, paid_on in last_payment.items():
        if who in balances:
            balances[who].last_payment = paid_on

    if credit_days:
        credited_too = with_credits(
            {i: pays for i in credit_days if (pays := completion[i])}, credit_days)
        settled.update(settled_on(totals, issued, {i: credited_too[i] for i in credit_days}))
    late_by_client = late_days(invoices, settled, as_of)
    for client, lates in late_by_client.items():
        if client in balances:
            balances[client].avg_days_late = to_cents(Decimal(sum(lates)) / len(lates))
    late_everyone = [late for lates in late_by_client.values() for late in lates]
    if reminders:
        latest: dict[object, date] = {}
        for day, who, level, sent in zip(cast("Sequence[date | None]", reminders["date"]),
                                         reminders["client"], reminders["level"],
                                         reminder_sent(reminders)):
            if sent and who in balances and day is not None and day <= as_of and \
                    day >= latest.get(who, day):
                latest[who] = day
                balances[who].last_reminder_level = cast("int | None", level)

    if left_out:
        _mark_incomplete(balances, balance_of, left_out, findings, lang)
    ordered = sorted(balances.values(), key=lambda c: (-c.overdue, -c.total, c.client))
    result = AgedBalance(as_of, currency, bucket_labels(bounds, lang), bounds, ordered, items,
                         {}, findings)
    invoiced = {day: (amount, issued_count[day]) for day, amount in issued_total.items()}
    result.kpis = receivable_kpis(invoiced, received, result, reminders, late_everyone)
    return result


def _counted_payments(payments: Columns, rows_paid: list[int], inv_clients: Sequence[object],
                      as_of: date, n_rows: int
                      ) -> tuple[list[list[tuple[date, Decimal]] | None], dict[str, Decimal],
                                 dict[object, date], dict[date, Decimal]]:
    """The payments that count at the date (dated on or before it, with an amount).

    ``rows_paid``: per payment, the invoice row it is applied to, or -1. Returns
    (completion: per invoice row, its payments in sheet order, or None; unapplied: client
    -> the payments applied to no invoice; last_payment: client -> the latest payment day;
    received: day -> the payments applied to invoices that day).
    """
    # the reader gives a date column dates or None, a money column Decimals or None
    days = cast("Sequence[date | None]", payments["date"])
    clients = payments["client"]
    amounts = cast("Sequence[Decimal | None]", payments["amount"])
    completion: list[list[tuple[date, Decimal]] | None] = [None] * n_rows
    unapplied: dict[str, Decimal] = defaultdict(Decimal)
    received: dict[date, Decimal] = {}
    last_payment: dict[object, date] = {}
    for day, client, i, amount in zip(days, clients, rows_paid, amounts):
        if day is None or amount is None or day > as_of:
            continue
        if i >= 0:
            who = inv_clients[i]
            pays = completion[i]
            if pays is None:
                completion[i] = [(day, amount)]
            else:
                pays.append((day, amount))
            received[day] = received.get(day, ZERO) + amount
        else:
            who = client or ""
            unapplied[str(who)] += amount
        if who:
            seen = last_payment.get(who)
            if seen is None or day > seen:
                last_payment[who] = day
    return completion, unapplied, last_payment, received


def _applied_credit_notes(invoices: Columns, totals: Sequence[Decimal],
                          issued: dict[str, int]
                          ) -> tuple[dict[int, Decimal], dict[str, int],
                                     dict[int, list[tuple[date, Decimal]]]]:
    """The credit notes known at the date applied to an invoice known at the date.

    Returns (row -> credit: the sum of the credit notes' totals on an invoice, minus its
    own total on an applied credit note so that it is never open; each applied credit
    note's number, as ``issued`` keys it -> the row of its invoice, where its payments
    count; invoice row -> [(credit note's issue date, amount it credits)]).
    """
    credited_col = invoices.get("credited")
    notes = [i for i, ref in enumerate(credited_col or ()) if ref]
    if not notes:
        return {}, {}, {}
    types, statuses, clients = invoices["type"], invoices["status"], invoices["client"]
    numbers, issue_dates = invoices["number"], invoices["issue_date"]
    credit: dict[int, Decimal] = {}
    days: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    pay_to: dict[str, int] = {}
    for i in notes:
        if types[i] != "credit_note" or statuses[i] != "issued":
            continue
        number = _fold_number(numbers[i])
        if not number or issued.get(number) != i:  # not issued by the date
            continue
        j = issued.get(_fold_number(credited_col[i]), -1)  # type: ignore[index]
        if j < 0 or types[j] == "credit_note" or statuses[j] not in CREDITABLE or \
                _fold(clients[j]) != _fold(clients[i]):
            continue
        total = totals[i]
        credit[j] = credit.get(j, ZERO) + total
        credit[i] = -total
        days[j].append((issue_dates[i], -total))  # type: ignore[arg-type]
        pay_to[number] = j
    return credit, pay_to, days


def _fold(value: object) -> object:
    return value.strip().casefold() if isinstance(value, str) else value


def _fold_number(number: object) -> str:
    """How ``issued`` keys a number."""
    return number.strip().casefold() if isinstance(number, str) else str(number or "")


def _mark_incomplete(balances: dict[str, ClientBalance],
                     balance_of: Callable[[str], ClientBalance],
                     left_out: Mapping[str, Sequence[tuple[str, int | None, str]]],
                     findings: list[Finding], lang: str) -> None:
    """One error per client whose balance leaves rows out, naming them and their cell."""
    by_key = {str(c).strip().casefold(): c for c in balances}
    fr = lang == "fr"
    anyone = list(left_out.get("", ()))
    if anyone:  # rows no client can be told for: any balance may be short of them
        shown = [f"{s} {'ligne' if fr else 'row'} {r}" + (f" ({c})" if c else "")
                 for s, r, c in anyone]
        for cb in balances.values():
            cb.left_out = cb.left_out + shown
        sheet, row, cell = anyone[0]
        findings.append(Finding(
            "AGING-INCOMPLETE", ERROR, sheet, row, "", "",
            (f"{len(anyone)} ligne(s) illisible(s) sans client lisible ({', '.join(shown)}) : "
             "toute balance peut en dépendre, aucune n'est sûre ni relancée."
             if fr else
             f"{len(anyone)} unreadable row(s) with no readable client ({', '.join(shown)}): "
             "any balance may depend on them; none is trusted nor reminded."),
            ("Corriger les cellules indiquées." if fr else "Fix the cells named."), cell))
    for key, rows in sorted(left_out.items()):
        if not key:
            continue
        client = by_key.get(key)
        cb = balance_of(client if client is not None else key.upper())
        cb.left_out = [f"{s} {'ligne' if fr else 'row'} {r}" + (f" ({c})" if c else "")
                       for s, r, c in rows]
        sheet, row, cell = rows[0]
        who = cb.client or ("(client illisible)" if fr else "(client unreadable)")
        where = ", ".join(cb.left_out)
        findings.append(Finding(
            "AGING-INCOMPLETE", ERROR, sheet, row, "", cb.client,
            (f"Balance du client {who} incomplète : {len(rows)} ligne(s) illisible(s) "
             f"laissée(s) de côté ({where}), ni son solde ni ses relances ne sont sûrs."
             if fr else
             f"Balance of client {who} incomplete: {len(rows)} unreadable row(s) left out "
             f"({where}); neither its balance nor its reminders can be trusted."),
            ("Corriger les cellules indiquées ; le client n'est pas relancé d'ici là."
             if fr else "Fix the cells named; the client is not reminded until then."),
            cell))
