"""The demo's other invoices (support, hosting, call-outs, expenses), credit notes and
drafts; then every number allocated in date order, the two planted mistakes in lines, the
totals and due dates, and the invoices left unpaid in each bucket of the aged balance."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.demo.dates import due_date, weekday
from pyfuncs.demo.generator import Generator
from pyfuncs.demo.records import Client, Inv, totals
from pyfuncs.demo.vocabulary import (
    BACKUP_PRICE,
    FILL_EXTRA,
    FILL_MAIN,
    MONTHS,
    ONE,
    R10,
    R20,
    UNITS,
    amounts,
)
from pyfuncs.domain.money import to_cents

SERIES = {"invoice": "FAC", "deposit": "FAC", "credit_note": "AV"}  # matches the settings


class InvoiceSteps(Generator):
    def _fill_lines(self, client: Client, day: date | None, backup: bool) -> list:
        rng = self.rng
        li = 0 if client.lang == "fr" else 1
        when = day or self.today
        month = f"{MONTHS[when.month - 1][li]} {when.year}"
        specs = [rng.choice(FILL_MAIN)] + [rng.choice(FILL_EXTRA)
                                           for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
        lines = []
        for fr, en, unit, prices, qtys in specs:
            label = (fr, en)[li]
            label = (label.format(n=rng.randint(1000, 9999)) if "{n}" in label else
                     label.format(m=month))
            lines.append((label, rng.choice(qtys), UNITS[unit][li], rng.choice(prices),
                          client.rate, None))
        if backup or rng.random() < 0.08:
            for seat in (1, 2, 3):
                lines.append(((f"Sauvegarde externalisée – poste {seat}",
                               f"Off-site backup – seat {seat}")[li], ONE, UNITS["unit"][li],
                              BACKUP_PRICE, client.rate, None))
        return lines

    def other_invoices(self) -> None:
        rng = self.rng
        self.n_credit = max(3, round(self.n * 0.012))
        self.n_draft = max(3, self.n // 400)
        count = max(0, self.n - len(self.invoices) - self.n_credit - self.n_draft)
        tm = {c.i for c in self.tm}
        clients = self._pick_clients(count, exclude=tm)
        days = [rng.choice(self.workdays) for _ in range(count)]
        for k, (client, day) in enumerate(zip(clients, days)):
            self._inv("invoice", client, day, self._fill_lines(client, day, k == 0),
                      po=self._po(client))

    def credit_notes(self) -> None:
        rng, today = self.rng, self.today
        old = [inv for inv in self.invoices if inv.type == "invoice" and inv.quote is None
               and inv.day <= today - timedelta(days=20)]
        pool = [inv for inv in old if inv.lines[0][5] is None]  # not billed from time
        chosen = rng.sample(pool, min(self.n_credit, len(pool)))
        if len(chosen) < self.n_credit:  # a small demo: few invoices outside time and quotes
            rest = [inv for inv in old if inv.lines[0][5] is not None]
            chosen += rng.sample(rest, min(self.n_credit - len(chosen), len(rest)))
        for orig in chosen:
            li = 0 if orig.client.lang == "fr" else 1
            day = min(today, weekday(orig.day + timedelta(days=rng.randint(3, 30))))
            day = max(day, orig.day)
            if rng.random() < 0.6 and orig.lines[0][5] is None:
                orig.comp = "full"
                lines = [(label, -qty, unit, price, rate, "Avoir")
                         for label, qty, unit, price, rate, _ in orig.lines]
            else:
                orig.comp = "partial"
                net, _ = totals(orig.lines)
                amount = min(to_cents(net * Decimal("0.1")), rng.choice(amounts(50, 100, 150,
                                                                               250)))
                lines = [((("Geste commercial sur la facture {}",
                             "Commercial discount on invoice {}")[li], orig), -ONE,
                          UNITS["lump"][li], amount, orig.lines[0][4], "Avoir")]
            note = self._inv("credit_note", orig.client, day, lines, po=orig.po,
                             terms="on_receipt")
            note.served = orig.served if orig.comp == "full" else None
            note.credited = orig

    def drafts(self) -> None:
        for k, client in enumerate(self._pick_clients(self.n_draft, {c.i for c in self.tm})):
            day = self.today if k == 0 else None
            inv = self._inv("invoice", client, day, self._fill_lines(client, day, False),
                            po=self._po(client))
            inv.status = "draft"

    # ----------------------------------------------------------------------- numbers
    def allocate(self) -> None:
        """Ids and numbers in chronological order, one continuous series per prefix/year."""
        issued = sorted((i for i in self.invoices if i.status == "issued"),
                        key=lambda i: (i.day, i.seq))
        drafts = [i for i in self.invoices if i.status == "draft"]
        counters: dict[tuple[str, int], int] = {}
        for inv in issued:
            key = (SERIES[inv.type], inv.day.year)
            counters[key] = counters.get(key, 0) + 1
            inv.number = f"{key[0]}{key[1]}-{counters[key]:04d}"
        self.ordered = issued + drafts
        width = max(5, len(str(len(self.ordered))))
        for k, inv in enumerate(self.ordered):
            inv.id = f"F{k + 1:0{width}d}"

    # ----------------------------------------------------------------------- planted lines
    def plant_lines(self) -> None:
        """Over-billing and a VAT rate unlike the quote's, on two quote-based invoices."""
        self.over = self.vat = None
        if self.singles:
            inv, number = self.singles[0]
            quote_total = totals(inv.lines)[1]
            li = 0 if inv.client.lang == "fr" else 1
            inv.lines.append((("Travaux supplémentaires hors devis",
                               "Additional work outside the quote")[li], Decimal(2),
                              UNITS["day"][li], amounts(950)[0], R20, None))
            self.over = (inv, number, quote_total)
        if len(self.singles) > 1:
            inv, number = self.singles[1]
            k = next(k for k, line in enumerate(inv.lines) if line[4] == R20)
            line = inv.lines[k]
            inv.lines[k] = line[:4] + (R10,) + line[5:]
            self.vat = (inv, k, number)

    def amounts(self) -> None:
        for inv in self.ordered:
            inv.total = totals(inv.lines)[1]
            if inv.day is not None:
                inv.due = due_date(inv.day, inv.terms)
            if inv.credited is not None:
                inv.credited.credit -= inv.total

    def choose_open(self) -> None:
        """Leave unpaid at least one invoice in every bucket of the aged balance, one in
        dispute and one with a promise to pay (more at larger sizes)."""
        rng, today = self.rng, self.today
        buckets: list[list[Inv]] = [[], [], [], [], []]
        for inv in self.ordered:
            if inv.status != "issued" or inv.type == "credit_note" or inv.comp:
                continue
            assert inv.due is not None  # an issued invoice is due on a day
            late = (today - inv.due).days
            b = 0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 \
                else 4 if late <= 365 else -1
            if b >= 0:
                buckets[b].append(inv)
        for b, group in enumerate(buckets):
            if group:
                rng.choice(group).open = "partial" if b == 3 else True
        pool = [i for i in buckets[2] or buckets[1] or buckets[3] if not i.open]
        for inv in rng.sample(pool, min(len(pool), max(1, self.n // 500))):
            inv.open, inv.dispute = True, "yes"
        pool = [i for i in buckets[1] or buckets[2] if not i.open]
        for inv in rng.sample(pool, min(len(pool), max(1, self.n // 300))):
            inv.open, inv.promise = True, weekday(today + timedelta(days=10))
