"""What the demo's clients paid (on time, late, in instalments, or not: each client has a
profile), a few payments applied to no invoice, one naming an invoice that does not
exist, and the reminders the previous runs sent."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import cast

from pyfuncs.demo.dates import next_weekday, weekday
from pyfuncs.demo.generator import Generator
from pyfuncs.demo.identity import SELLER_DOMAIN
from pyfuncs.demo.records import Client, Inv
from pyfuncs.demo.vocabulary import amounts
from pyfuncs.domain import schema as S
from pyfuncs.domain.money import to_cents


class PaymentSteps(Generator):
    def _reference(self, client: Client, mode: str, number: str | None) -> str:
        if mode == "cheque":
            return f"CHQ {self.rng.randint(1_000_000, 9_999_999)}"
        if mode == "direct_debit":
            return f"PRLV SEPA {number or client.id}"
        if mode == "card":
            return f"CB {number or client.id}"
        return f"VIR SEPA {client.bank} {number or 'REGLEMENT'}"

    def payments(self) -> None:
        rng, today = self.rng, self.today
        rows = self.tables["Paiements"]
        delays = ((-8, 5), (0, 25), (10, 70), (30, 150))
        shares = (Decimal("0.3"), Decimal("0.4"), Decimal("0.5"), Decimal("0.6"))
        one_day = timedelta(days=1)

        def pay(day: date, client: Client, number: str | None, amount: Decimal,
                mode: str | None, reference: str) -> dict[str, object]:
            row = {"date": day, "client": client.id, "invoice": number, "amount": amount,
                   "mode": mode, "reference": reference}
            rows.append(row)
            return row

        for inv in self.ordered:
            if inv.status != "issued":
                continue
            client = inv.client
            if inv.type == "credit_note":
                assert inv.credited is not None  # a credit note names its invoice
                ref = f"Compensation avoir {inv.number}"
                pay(inv.day, client, inv.credited.number, -inv.total, None, ref)
                pay(inv.day, client, inv.number, inv.total, None, ref)
                inv.settled = inv.day
                if inv.credited.comp == "full":
                    inv.credited.settled = inv.day
                continue
            if inv.comp == "full" or inv.open is True:
                continue
            due = inv.total - inv.credit
            if inv.open == "partial":
                day = min(today, inv.day + timedelta(days=rng.randint(5, 30)))
                pay(day, client, inv.number, to_cents(due * shares[1]), client.mode,
                    self._reference(client, client.mode, inv.number))
                continue
            lo, hi = delays[client.profile]
            if client.profile == 3 and rng.random() < 0.12:
                continue  # a bad debt
            assert inv.due is not None  # an issued invoice is due on a day
            last = max(inv.day + one_day, weekday(inv.due + timedelta(days=rng.randint(lo,
                                                                                      hi))))
            r = rng.random()
            if r < 0.45:
                plan = [(last, due)]
            elif r < 0.9:
                first = to_cents(due * rng.choice(shares))
                plan = [(max(inv.day + one_day, last - timedelta(days=rng.randint(15, 35))),
                         first), (last, due - first)]
            else:
                third = to_cents(due / 3)
                plan = [(max(inv.day + one_day, last - timedelta(days=40)), third),
                        (max(inv.day + one_day, last - timedelta(days=20)), third),
                        (last, due - 2 * third)]
            merged: dict[date, Decimal] = {}
            for day, amount in plan:  # instalments that fall on one day are one transfer
                merged[day] = merged.get(day, Decimal(0)) + amount
            plan = sorted(merged.items())
            mode = client.mode
            for day, amount in plan:
                if day <= today:
                    pay(day, client, inv.number, amount, mode,
                        self._reference(client, mode, inv.number))
            if last <= today:
                inv.settled = last
        self._unapplied(pay)
        rows.sort(key=itemgetter("date"))
        if self.unknown_row is not None:
            k = next(k for k, row in enumerate(rows) if row is self.unknown_row)
            self._plant("payment_unknown_invoice", "Paiements", k, "invoice",
                        self.unknown_row["invoice"],
                        f"Payment of {self.unknown_row['amount']} EUR on "
                        f"{self.unknown_row['date'].isoformat()} names invoice "
                        f"{self.unknown_row['invoice']}, which does not exist.")

    def _unapplied(self, pay) -> None:
        rng, today = self.rng, self.today
        recent = self.workdays[-120:]
        for client in self._pick_clients(max(2, self.n // 150)):
            amount = rng.choice(amounts(500, 1000, 1500, 2400, 3000))
            pay(rng.choice(recent), client, None, amount, "transfer",
                f"VIR SEPA {client.bank} ACOMPTE")
        self.unknown_row = None
        target = next((i for i in self.ordered if i.open is True and cast(date, i.due) < today
                       and i.type == "invoice" and i.dispute is None), None)
        if target is not None:
            number = f"FAC{self.start.year - 1}-{rng.randint(100, 400):04d}"
            day = max(target.day + timedelta(days=1), weekday(today - timedelta(days=6)))
            self.unknown_row = pay(min(day, today), target.client, number, target.total,
                                   "transfer", self._reference(target.client, "transfer",
                                                               number))

    # ----------------------------------------------------------------------- reminders
    def reminders(self) -> None:
        today = self.today
        since = today - timedelta(days=45)
        steps = [(lvl, days) for lvl, days, *_ in S.DEFAULT_REMINDER_LEVELS if 0 < lvl < 5]
        oldest = since - timedelta(days=max(days for _, days in steps))
        groups: dict[tuple[date, str, int], list[Inv]] = {}
        for inv in self.ordered:
            if (inv.status != "issued" or inv.type == "credit_note" or inv.dispute
                    or inv.client.paused or not oldest <= cast(date, inv.due) < today):
                continue
            assert inv.due is not None  # (an issued invoice is due on a day)
            for level, days in steps:
                day = next_weekday(inv.due + timedelta(days=days))
                if since <= day < today and (inv.settled is None or day < inv.settled):
                    groups.setdefault((day, inv.client.id, level), []).append(inv)
        rows = self.tables["Relances"]
        by_id = {c.id: c for c in self.cl}
        for (day, cid, level), invs in sorted(groups.items()):
            client = by_id[cid]
            numbers = ", ".join(cast(str, i.number) for i in invs)
            subject = (f"Relance : facture(s) {numbers} échue(s)" if client.lang == "fr" else
                       f"Reminder: invoice(s) {numbers} overdue")
            rows.append({"date": day, "client": cid, "level": level, "invoices": numbers,
                         "to": client.email, "subject": subject, "status": "sent",
                         "message_id": f"<relance.{day:%Y%m%d}.{cid}.{level}@{SELLER_DOMAIN}>"})
