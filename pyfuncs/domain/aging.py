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
from datetime import date, timedelta
from decimal import Decimal
from itertools import compress, groupby, islice, repeat
from operator import eq, ge, is_, itemgetter, le, not_

from pyfuncs.domain.computed import CREDITABLE, reminder_sent
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.kpis import receivable_kpis
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
    return 1 + bisect_right([b + 0 for b in bounds], days_past_due - 1)


@dataclass(frozen=True)
class OpenItem:
    """An invoice or credit note still open at the as-of date (one row of the detail).

    Attributes: client, number, issue_date, due_date, currency, total (in its currency),
    paid, open (in its currency: total - paid + credited), open_base (converted), days
    (past due), bucket, dispute, row (sheet row of the invoice), credited (the totals of
    the credit notes applied to it, negative).
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
        cents = lambda a: str(to_cents(a))
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
    rows = rows or list(range(len(totals)))

    # Issued invoices known at the date, by normalised number (the last row wins).
    numbers = invoices["number"]
    known_rows = [i for i, (number, status, issue) in enumerate(zip(numbers, invoices["status"],
                                                                  invoices["issue_date"]))
                  if number and issue is not None and issue <= as_of and status != "draft"]  # type: ignore[operator]
    known_numbers = list(map(numbers.__getitem__, known_rows))
    # each known number as ``issued`` keys it: text (the usual case) folded by C-level maps
    texts = set(map(type, known_numbers)) <= {str}
    if texts:
        keys = list(map(str.casefold, map(str.strip, known_numbers)))
    else:
        keys = [n.strip().casefold() if n.__class__ is str else str(n) for n in known_numbers]
    issued: dict[str, int] = dict(zip(keys, known_rows))

    # Credit notes applied to an invoice: the invoice's credit, and where their payments go
    # (``redirects``: a credit note's key -> its invoice's row).
    credit, redirects, credit_days = _applied_credit_notes(invoices, totals, issued)
    pay_to = {**issued, **redirects} if redirects else issued

    # The invoice row each payment counts for: a number paid as an invoice has it typed
    # finds it in ``row_of`` (typed number -> pay_to[its key], one C-level map); the few
    # others (empty, spelled otherwise, not issued by the date) are folded one by one.
    if texts and len(issued) == len(known_rows):
        # every known number has its own key, so each typed one is its own row's (the
        # usual book): no look-up to make, but the applied credit notes' redirections
        row_of = dict(zip(known_numbers, known_rows))
        for key, j in redirects.items():
            row_of[numbers[issued[key]]] = j
    else:
        folded = dict(zip(known_numbers, keys))  # number as typed -> its key
        row_of = dict(zip(folded, map(pay_to.__getitem__, folded.values())))
    pay_numbers = payments["invoice"]
    rows_paid = list(map(row_of.get, pay_numbers, repeat(-1)))
    for k in compress(range(len(rows_paid)), map(eq, rows_paid, repeat(-1))):
        number = pay_numbers[k]
        rows_paid[k] = pay_to.get(_fold_number(number), -1) if number else -1
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
    # per day, for the KPIs: issued (total incl. VAT) and received on invoices
    issued_total: dict[date, Decimal] = {}
    issued_on = issued_total.get
    credit_of = credit.get
    # invoice row -> the day it was settled, for the late averages: only a day in their
    # window counts, so older settlements are not recorded
    settled: dict[int, date] = {}
    since = as_of - LATE_WINDOW
    issue_dates, due_dates, inv_clients = (invoices["issue_date"], invoices["due_date"],
                                           invoices["client"])
    rate_on: dict[str, Decimal | None] = {}  # currency -> its rate at the date
    bucket_on: dict[int, int] = {}  # days past due -> bucket
    rows_issued = list(issued.values())
    issued_totals = list(map(totals.__getitem__, rows_issued))
    # Issued per day, total and count: invoices come in date order mostly, so summed per
    # run of one day (C-level) and the runs added up (exact: sums of amounts in cents).
    issued_count: dict[date, int] = {}
    for day, run in groupby(zip(map(issue_dates.__getitem__, rows_issued), issued_totals),
                            itemgetter(0)):
        amounts = list(map(itemgetter(1), run))
        issued_total[day] = issued_on(day, ZERO) + sum(amounts, ZERO)
        issued_count[day] = issued_count.get(day, 0) + len(amounts)
    # every invoice paid at the date is an issued one
    for i, total, pays in zip(rows_issued, issued_totals,
                              map(completion.__getitem__, rows_issued)):
        if pays is None:
            got = ZERO
            open_amount = total
        elif len(pays) == 1:  # the usual case: one transfer
            when, got = pays[0]
            open_amount = total - got
            if when > since and got >= total > 0 and i not in credit_days:
                settled[i] = when
        elif len(pays) == 2:  # next most usual: _settle_day inlined, its sums reused
            (day1, amount1), (day2, amount2) = pays
            first = ZERO + amount1
            got = first + amount2
            open_amount = total - got
            # the day payments first covered the total (credit notes: below); one of
            # these days, so not looked for when both were too old to count
            if total > 0 and i not in credit_days and (day1 > since or day2 > since):
                # _settle_day's rule: each day's total counts, its payments together
                if day1 == day2:
                    if got >= total:
                        settled[i] = day1
                elif day1 < day2:
                    if first >= total:
                        settled[i] = day1
                    elif got >= total:
                        settled[i] = day2
                elif ZERO + amount2 >= total:
                    settled[i] = day2
                elif got >= total:
                    settled[i] = day1
        else:
            got = ZERO
            for _, amount in pays:
                got += amount
            open_amount = total - got
            if total > 0 and i not in credit_days:  # (as above)
                on = _settle_day(pays, total)
                if on is not None:
                    settled[i] = on
        credited = credit_of(i)
        if credited is not None:
            open_amount += credited
        if not open_amount:
            continue
        client = str(inv_clients[i])
        due = due_dates[i] or issue_dates[i]
        days = (as_of - due).days  # type: ignore[operator]
        cur = str(cur_col[i] or currency).upper()
        rate = rate_on.get(cur, conv)  # ``conv``: not asked yet (one rate per currency)
        if rate is conv:
            rate = rate_on[cur] = conv.rate(cur, as_of)
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
        b = bucket_on.get(days)
        if b is None:
            b = bucket_on[days] = bucket_of(days, bounds)
        disputed = dispute_col[i] == "yes"
        items.append(OpenItem(client, str(numbers[i]), issue_dates[i],
                              due, cur, total, got, open_amount, base,
                              max(days, 0), b, disputed, rows[i], credited or ZERO))
        cb = balances.get(client) or balance_of(client)
        cb.amounts[b] += base
        cb.by_currency[cur] = cb.by_currency.get(cur, ZERO) + open_amount
        if disputed:
            cb.disputed += base
        if open_amount > 0 and (cb.oldest_due is None or due < cb.oldest_due):  # type: ignore[operator]
            cb.oldest_due = due  # type: ignore[assignment]
    for client, amount in unapplied.items():
        if amount:
            balance_of(client).unapplied += amount
    for client, day in last_payment.items():
        if client in balances:
            balances[client].last_payment = day

    if credit_days:
        with_credits = _with_credits({i: completion[i] for i in credit_days if completion[i]},
                                     credit_days)
        settled.update(settled_on(totals, issued, {i: with_credits[i] for i in credit_days}))
    late_days = _late_averages(invoices, settled, as_of, balances)
    if reminders:
        latest: dict[str, date] = {}
        for day, client, level, sent in zip(reminders["date"], reminders["client"],
                                            reminders["level"], reminder_sent(reminders)):
            if sent and client in balances and day is not None and day <= as_of and \
                    day >= latest.get(client, day):  # type: ignore[operator]
                latest[client] = day  # type: ignore[index, assignment]
                balances[client].last_reminder_level = level  # type: ignore[assignment]

    if left_out:
        _mark_incomplete(balances, balance_of, left_out, findings, lang)
    ordered = sorted(balances.values(), key=lambda c: (-c.overdue, -c.total, c.client))
    result = AgedBalance(as_of, currency, bucket_labels(bounds, lang), bounds, ordered, items,
                         {}, findings)
    invoiced = {day: (amount, issued_count[day]) for day, amount in issued_total.items()}
    result.kpis = receivable_kpis(invoiced, received, result, reminders, late_days)
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
    days, clients, amounts = payments["date"], payments["client"], payments["amount"]
    completion: list[list[tuple[date, Decimal]] | None] = [None] * n_rows
    unapplied: dict[str, Decimal] = defaultdict(Decimal)
    received: dict[date, Decimal] = {}
    if not _in_date_order(days) or any(map(is_, amounts, repeat(None))):
        last_payment: dict[object, date] = {}
        for day, client, i, amount in zip(days, clients, rows_paid, amounts):
            if day is None or amount is None or day > as_of:  # type: ignore[operator]
                continue
            if i >= 0:
                who = inv_clients[i]
                pays = completion[i]
                if pays is None:
                    completion[i] = [(day, amount)]  # type: ignore[list-item]
                else:
                    pays.append((day, amount))  # type: ignore[arg-type]
                received[day] = received.get(day, ZERO) + amount  # type: ignore[index, operator]
            else:
                who = client or ""
                unapplied[str(who)] += amount  # type: ignore[operator]
            if who:
                seen = last_payment.get(who)
                if seen is None or day > seen:  # type: ignore[operator]
                    last_payment[who] = day  # type: ignore[index, assignment]
        return completion, unapplied, last_payment, received
    # A register kept in date order (the usual one): the payments that count are the
    # first ``end``; a client's latest payment is its last one (a dict keeps the last
    # value per key); the payments of one day are a run, summed in C.
    end = bisect_right(days, as_of)  # type: ignore[arg-type]
    rows_paid, days, amounts = rows_paid[:end], days[:end], amounts[:end]
    for i, day, amount, client in zip(rows_paid, days, amounts, clients):
        if i >= 0:
            pays = completion[i]
            if pays is None:
                completion[i] = [(day, amount)]  # type: ignore[list-item]
            else:
                pays.append((day, amount))  # type: ignore[arg-type]
        else:
            unapplied[str(client or "")] += amount  # type: ignore[operator]
    applied = list(map(ge, rows_paid, repeat(0)))
    who = list(map([*inv_clients, None].__getitem__, rows_paid))  # -1: set below
    for k in compress(range(end), map(not_, applied)):
        who[k] = clients[k] or ""
    last_payment = dict(zip(compress(who, who), compress(days, who)))
    for day, run in groupby(compress(zip(days, amounts), applied), itemgetter(0)):
        received[day] = received.get(day, ZERO) + sum(map(itemgetter(1), run), ZERO)  # type: ignore[index]
    return completion, unapplied, last_payment, received


def _in_date_order(days: Sequence[object]) -> bool:
    """Every day present and none before the one above it."""
    try:
        return not any(map(is_, days, repeat(None))) and \
            all(map(le, days, islice(days, 1, None)))  # type: ignore[arg-type]
    except TypeError:  # a date next to a datetime, or something else
        return False


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


def _with_credits(completion: Mapping[int, list[tuple[date, Decimal]]],
                  credit_days: Mapping[int, list[tuple[date, Decimal]]]
                  ) -> Mapping[int, list[tuple[date, Decimal]]]:
    """Payments and applied credit notes together: a credit note settles like a payment
    on its issue date (not merged into ``completion``, which the KPIs count as cash)."""
    if not credit_days:
        return completion
    merged = dict(completion)
    for i, credits in credit_days.items():
        merged[i] = [*completion.get(i, ()), *credits]
    return merged


# The late averages count the invoices settled in the 12 months up to the date.
LATE_WINDOW = timedelta(days=365)


def _late_averages(invoices: Columns, settled: Mapping[int, date], as_of: date,
                   balances: dict[str, ClientBalance]) -> list[int]:
    """Average days late of the invoices settled in the 12 months up to the date, per
    client; returns every such invoice's days late (the dashboard's average)."""
    since = as_of - LATE_WINDOW
    sums: dict[str, list[int]] = defaultdict(list)
    due_dates, issue_dates, clients = (invoices["due_date"], invoices["issue_date"],
                                       invoices["client"])
    everyone: list[int] = []
    by_client: dict[object, list[int]] = defaultdict(list)  # str() once per client, below
    for i, day in settled.items():
        if since < day <= as_of:
            late = (day - (due_dates[i] or issue_dates[i])).days  # type: ignore[operator]
            if late < 0:  # noqa: PLR1730 - max(late, 0) without its call, 70k times a year
                late = 0
            by_client[clients[i]].append(late)
            everyone.append(late)
    for client, days in by_client.items():
        sums[str(client)] += days
    for client, days in sums.items():
        if client in balances:
            balances[client].avg_days_late = to_cents(Decimal(sum(days)) / len(days))
    return everyone


def _settle_day(pays: list[tuple[date, Decimal]], total: Decimal) -> date | None:
    """The first day at whose end the (day, amount) pairs paid so far reach ``total``: a
    day counts with all its payments (a refund the same day included), whatever their
    order in the register."""
    running = ZERO
    for day, run in groupby(sorted(pays, key=itemgetter(0)), itemgetter(0)):
        for _, amount in run:
            running += amount
        if running >= total:
            return day
    return None


def settled_on(totals: Sequence[Decimal], issued: Mapping[str, int],
               completion: Mapping[int, list[tuple[date, Decimal]]]) -> dict[int, date]:
    """Invoice index -> the date its payments first covered its total."""
    out: dict[int, date] = {}
    for i, pays in completion.items():
        total = totals[i]
        if total <= 0:
            continue
        on = _settle_day(pays, total)
        if on is not None:
            out[i] = on
    return out


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
