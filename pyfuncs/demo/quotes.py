"""The demo's quotes (about one for three invoices) and what billed them: a single
invoice on delivery, a deposit then the balance, or three milestones."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.demo.dates import weekday
from pyfuncs.demo.generator import Generator
from pyfuncs.demo.records import Client
from pyfuncs.demo.vocabulary import KIND_WEIGHTS, ONE, QUOTE_KINDS, R0, R20, R55, SUBJECTS, UNITS
from pyfuncs.domain.money import ZERO, line_net, to_cents

DEPOSIT_PCT = Decimal("0.3")


class QuoteSteps(Generator):
    def quotes(self) -> None:
        rng, today = self.rng, self.today
        nq = max(12, round(self.n / 3))
        days = sorted(rng.choice(self.workdays) for _ in range(nq))
        clients = self._pick_clients(nq)
        kinds = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS], k=nq)
        counters: dict[int, int] = {}
        self.singles = []
        book_done = superseded = deposit_done = milestones_done = False
        self.milestone_plant = None
        for k, (qday, client, kind) in enumerate(zip(days, clients, kinds)):
            counters[qday.year] = counters.get(qday.year, 0) + 1
            number = f"D{qday.year}-{counters[qday.year]:04d}"
            li = 0 if client.lang == "fr" else 1
            subject = rng.choice(SUBJECTS[kind])[li]
            title_pair, specs = QUOTE_KINDS[kind]
            title = title_pair[li].format(x=subject)
            lines = []
            for fr, en, unit, prices, qtys, prob, rate in specs:
                force_book = rate is R55 and not book_done and client.rate == R20
                if rng.random() < prob or force_book:
                    if rate is R55:
                        book_done = True
                    lines.append(((fr, en)[li].format(x=subject), rng.choice(qtys),
                                  UNITS[unit][li], rng.choice(prices),
                                  R0 if client.rate == R0 else (rate or R20)))
            age = (today - qday).days
            if age < 15 or k == nq - 1:
                status = "draft" if rng.random() < 0.3 or k == nq - 1 else "sent"
            elif age < 45:
                status = rng.choices(("sent", "accepted", "refused"), (40, 45, 15))[0]
            else:
                status = rng.choices(("accepted", "refused", "sent"), (60, 25, 15))[0]
            accept = weekday(qday + timedelta(days=rng.randint(3, 20)))
            if status == "accepted" and accept > today:
                status = "sent"
            version, vday = 1, qday
            if status == "accepted" and age >= 60 and (not superseded or rng.random() < 0.04):
                superseded = True
                self._quote_rows(number, 1, client, qday, title, "superseded", None, lines)
                top = max(range(len(lines)), key=lambda j: lines[j][3] * lines[j][1])
                label, qty, unit, price, rate = lines[top]
                lines = list(lines)
                lines[top] = (label, qty, unit, to_cents(price * Decimal("0.9")), rate)
                version, vday = 2, qday + timedelta(days=rng.randint(5, 12))
                accept = max(accept, vday + timedelta(days=2))
            uniform = len({line[4] for line in lines}) == 1
            net = sum((line_net(line[1], line[3]) for line in lines), ZERO)
            plan = "single"
            if status == "accepted" and kind == "project" and uniform:
                old = (today - accept).days > 120
                if net >= 8000 and ((not deposit_done and old) or rng.random() < 0.25):
                    plan, deposit_done = "deposit", deposit_done or old
                elif net >= 15000 and ((not milestones_done and old) or rng.random() < 0.5):
                    plan, milestones_done = "milestones", milestones_done or old
            self._quote_rows(number, version, client, vday, title, status,
                             DEPOSIT_PCT if plan == "deposit" else None, lines)
            if status == "accepted":
                self._bill_quote(number, version, client, kind, accept, lines, net, plan, li)

    def _quote_rows(self, number: str, version: int, client: Client, day: date, title: str,
                    status: str, deposit: Decimal | None, lines: list) -> None:
        self.tables["Devis"].append({
            "number": number, "version": version, "client": client.id, "date": day,
            "title": title, "status": status, "valid_until": day + timedelta(days=30),
            "deposit_pct": deposit, "po": None, "delivered": None})
        add = self.tables["LignesDevis"].append
        for label, qty, unit, price, rate in lines:
            add({"quote": number, "version": version, "label": label, "quantity": qty,
                 "unit": unit, "unit_price": price, "vat_rate": rate})

    def _bill_quote(self, number: str, version: int, client: Client, kind: str, accept: date,
                    lines: list, net: Decimal, plan: str, li: int) -> None:
        rng, today = self.rng, self.today
        span = {"project": (30, 100), "audit": (15, 45), "licence": (5, 20),
                "training": (10, 60)}[kind]
        deliver = weekday(accept + timedelta(days=rng.randint(*span)))
        po = self._po(client)
        self._quote_row(number, version)["po"] = po
        source = f"Devis {number} v{version}"
        copied = [(label, qty, unit, price, rate, source)
                  for label, qty, unit, price, rate in lines]
        if plan == "single":
            if deliver <= today:
                self._delivered(number, version, deliver)
                inv = self._inv("invoice", client, deliver, copied, number, version, po)
                inv.served = (deliver, deliver)
                if deliver <= today - timedelta(days=45) and client.rate == R20:
                    self.singles.append((inv, number))
            return
        rate = lines[0][4]
        if plan == "deposit":
            amount = to_cents(net * DEPOSIT_PCT)
            day = min(today, weekday(accept + timedelta(days=rng.randint(0, 3))))
            label = (f"Acompte de 30 % sur le devis {number}",
                     f"30% deposit on quote {number}")[li]
            dep = self._inv("deposit", client, day, [(label, ONE, UNITS["lump"][li], amount,
                                                      rate, f"Acompte {number}")],
                            number, version, po, "on_receipt")
            deliver = max(deliver, day + timedelta(days=1))
            if deliver <= today:
                self._delivered(number, version, deliver)
                # as the planner writes it: Origine "déduction:NUMBER", the deposit's number
                # and date in the label
                deduct = ((("Acompte {} du {} déduit", "Deposit {} of {} deducted")[li], dep),
                          -ONE, UNITS["lump"][li], amount, rate, ("déduction:{}", dep))
                final = self._inv("invoice", client, deliver, copied + [deduct], number,
                                  version, po)
                final.served = (deliver, deliver)
            return
        steps = (("Lancement du projet", "Project kick-off", Decimal("0.3"), 2, 7),
                 ("Livraison en recette", "Delivery for acceptance", Decimal("0.4"), 40, 70),
                 ("Mise en production", "Go-live", Decimal("0.3"), 80, 120))
        done = ZERO
        for k, (fr, en, pct, lo, hi) in enumerate(steps):
            amount = net - done if k == 2 else to_cents(net * pct)
            done += amount
            planned = weekday(accept + timedelta(days=rng.randint(lo, hi)))
            row = {"quote": number, "label": (fr, en)[li], "pct": pct, "amount": amount,
                   "planned_date": planned, "status": "planned", "invoice": None}
            self.tables["Echeances"].append(row)
            if planned > today:
                continue
            if planned > today - timedelta(days=10):
                row["status"] = "ready"
                continue
            if self.milestone_plant is None and k > 0 and planned <= today - timedelta(days=45):
                row["status"] = "ready"
                self.milestone_plant = row
                self._plant("milestone_not_invoiced", "Echeances",
                            len(self.tables["Echeances"]) - 1, "status", number,
                            f"Milestone '{row['label']}' of quote {number} has been ready to "
                            f"invoice since {planned.isoformat()} and was never invoiced.")
                continue
            label = (f"{fr} – {pct * 100:.0f} % du devis {number}",
                     f"{en} – {pct * 100:.0f}% of quote {number}")[li]
            inv = self._inv("invoice", client, min(today, planned + timedelta(days=rng.randint(
                0, 2))), [(label, ONE, UNITS["lump"][li], amount, rate, f"Échéance {number}")],
                number, version, po)
            inv.served = (planned, planned)
            row["status"], row["invoice"] = "invoiced", inv
            if k == len(steps) - 1:
                self._delivered(number, version, planned)

    def _quote_row(self, number: str, version: int) -> dict[str, object]:
        for row in reversed(self.tables["Devis"]):
            if row["number"] == number and row["version"] == version:
                return row
        raise KeyError((number, version))

    def _delivered(self, number: str, version: int, day: date) -> None:
        """The project manager marks the quote delivered ("Livré le") when the work ends."""
        self._quote_row(number, version)["delivered"] = day
