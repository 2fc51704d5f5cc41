"""The demo's clients: about one for twenty invoices, French mostly, one German and one
Swiss, two who must be given a PO number, some paused for reminders, one private person;
and the clients who buy goods (demo/goods.py)."""
from __future__ import annotations

import random
from itertools import accumulate
from typing import Any

from pyfuncs.demo import goods
from pyfuncs.demo.generator import Generator
from pyfuncs.demo.identity import (
    SELLER_DOMAIN,
    ascii_text,
    ch_vat,
    de_vat,
    email_of,
    fr_iban,
    fr_vat,
    local_part,
    siren_from,
    siret_from,
    slug,
)
from pyfuncs.demo.records import Client
from pyfuncs.demo.vocabulary import (
    ACTIVITIES,
    BRAND_A,
    BRAND_B,
    CITIES,
    FAMILIES,
    FIRST,
    HOUSES,
    R0,
    R20,
    STAFF,
    STREETS,
)


class ClientSteps(Generator):
    def clients(self) -> None:
        rng, n = self.rng, max(40, self.n // 20)
        names: set[str] = set()
        sirens: set[str] = set()
        self.cl = []
        rows = self.tables["Clients"]
        paused = {9 + 100 * k for k in range(max(1, n // 100))}
        english = {5, 17} | {i for i in range(40, n) if i % 23 == 0}
        for i in range(n):
            c = Client()
            c.i, c.id = i, f"C{i + 1:04d}"
            city, postcode = rng.choice(CITIES)
            form = rng.choices(("SAS", "SARL", "SA"), (60, 25, 15))[0]
            name = self._company_name(rng, i, names, city)
            if i in (0, 1):
                form = "SA"
            siren = siren_from(rng.randint(30_000_000, 99_999_999))
            while siren in sirens:
                siren = siren_from(rng.randint(30_000_000, 99_999_999))
            sirens.add(siren)
            first, civ = rng.choice(FIRST)
            last = rng.choice(FAMILIES)
            domain = slug(name) + ".example"
            row: dict[str, Any] = {"id": c.id, "name": name, "legal_form": form, "siren": siren,
                   "siret": siret_from(siren, rng.choice((1, 1, 1, 2, 3))),
                   "vat_number": fr_vat(siren), "country": "FR",
                   "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                   "postcode": postcode, "city": city,
                   "electronic_address": siren if rng.random() < 0.7 else None,
                   "billing_contact": f"{civ} {first} {last}",
                   "billing_email": rng.choice(("factures", "compta.fournisseurs",
                                                local_part(f"{first} {last}"))) + "@" + domain,
                   "accounting_email": ("comptabilite@" + domain) if rng.random() < 0.5
                   else None,
                   "terms": rng.choices(("30d", "45d_eom", "60d", "on_receipt", "45d"),
                                        (60, 15, 15, 5, 5))[0],
                   "payment_mode": rng.choices(("transfer", "direct_debit", "cheque", "card"),
                                               (78, 10, 10, 2))[0],
                   "language": "en" if i in english else "fr",
                   "po_required": "yes" if i in (0, 1) or (i >= 40 and i % 97 == 0) else "no",
                   "reminders_paused": "yes" if i in paused else "no",
                   "owner": email_of(STAFF[i % len(STAFF)], SELLER_DOMAIN),
                   # the account most clients pay from, known for two in three
                   "iban": fr_iban(30004 + i % 7, 100 + i, 10_000_000_000 + i * 7919)
                   if i % 3 else None, "private": None, "nature": None, "delivery_address": None,
                   "delivery_postcode": None, "delivery_city": None}
            if i == 7:
                row.update(name="Kessler Automation GmbH", legal_form="GmbH", siren=None,
                           siret=None, vat_number=de_vat(rng.randint(10_000_000, 99_999_999)),
                           country="DE", address="Industriestraße 14", postcode="70565",
                           city="Stuttgart", electronic_address=None, language="en",
                           billing_contact="Ms Anna Keller",
                           billing_email="invoices@kessler-automation.example",
                           terms="30d", payment_mode="transfer")
            elif i == 13:
                row.update(name="Lémanix Systèmes SA", legal_form="SA", siren=None, siret=None,
                           vat_number=ch_vat(rng.randint(10_000_000, 99_999_999)),
                           country="CH", address="Chemin de Bellerive 12", postcode="1007",
                           city="Lausanne", electronic_address=None,
                           billing_email="comptabilite@lemanix.example", terms="30d",
                           payment_mode="transfer")
            c.name, c.lang, c.terms, c.mode = row["name"], row["language"], row["terms"], \
                row["payment_mode"]
            c.rate = R0 if row["country"] != "FR" else R20
            c.po, c.paused = row["po_required"] == "yes", row["reminders_paused"] == "yes"
            c.profile = 2 if c.paused else rng.choices((0, 1, 2, 3), (45, 33, 16, 6))[0]
            c.email, c.bank = str(row["billing_email"]), ascii_text(c.name).upper()
            rows.append(row)
            self.cl.append(c)
        miss = self.cl[21]
        rows[21]["siren"] = rows[21]["siret"] = None
        self._plant("missing_siren", "Clients", 21, "siren", miss.id,
                    f"French client {miss.name} has no SIREN (mandatory on invoices from "
                    "September 2026).")
        weights = [12 if i < 2 else rng.choice((1, 1, 2, 3, 5)) for i in range(n)]
        self.cum = list(accumulate(weights))  # big accounts get more quotes and invoices
        self.n_clients = n
        self._private_person(rows, weights, paused | english | {0, 1, 7, 13, 21})

    def _private_person(self, rows: list[dict[str, Any]], weights: list[int],
                        taken: set[int]) -> None:
        """One client is a private person (Clients › Particulier): the billing contact of
        the busiest French client left, buying for their home. No SIREN, VAT number nor
        electronic address: their invoices carry their email as the buyer's address (EM)
        and are e-reported (B2C), with their payments, instead of going to the platform.
        Chosen after the draws, so the rest of the demo stays as it was."""
        i = max((k for k in range(2, len(rows)) if k not in taken and
                 rows[k]["po_required"] == "no"), key=lambda k: (weights[k], -k))
        row, c = rows[i], self.cl[i]
        person = str(row["billing_contact"]).split(" ", 1)[1]  # "M. Paul Martin" -> name
        row.update(name=person, legal_form=None, private="yes", siren=None, siret=None,
                   vat_number=None, electronic_address=None, accounting_email=None,
                   billing_email=local_part(person) + "@courriel.example")
        c.name, c.email, c.bank = person, str(row["billing_email"]), ascii_text(person).upper()

    @staticmethod
    def _company_name(rng: random.Random, i: int, names: set[str], city: str) -> str:
        if i == 0:
            name = "Groupe Hélios Énergies"
        elif i == 1:
            name = "Armorique Distribution"
        else:
            pattern = rng.random()
            if pattern < 0.45:
                name = f"{rng.choice(FAMILIES)} {rng.choice(ACTIVITIES)}"
            elif pattern < 0.7:
                name = f"{rng.choice(HOUSES)} {rng.choice(FAMILIES)}"
            else:
                name = (rng.choice(BRAND_A) + rng.choice(BRAND_B)).capitalize()
            if name in names:
                name = f"{name} {city}"
            k = 2
            base = name
            while name in names:
                name, k = f"{base} {k}", k + 1
        names.add(name)
        return name

    def goods(self) -> None:
        """The clients who buy goods (pyfuncs/demo/goods.py): two in France (one with their
        installation) delivered to another site than their billing address, one in
        Germany and one in Switzerland, billed at 0 %; invoiced on delivery or a few days
        after, with the delivery day as the date of the supply. Their own random generator:
        the other clients' invoices stay as they were; they are never picked for other
        invoices."""
        rng = goods.seeded(self.seed)
        rows = self.tables["Clients"]
        self.cum += [self.cum[-1]] * len(goods.CLIENTS)  # weight 0: never picked
        for k, fields in enumerate(goods.CLIENTS):
            c = Client()
            c.i = len(self.cl)
            c.id = f"C{c.i + 1:04d}"
            siren = siren_from(rng.randint(30_000_000, 99_999_999))
            domain = slug(fields["name"]) + ".example"
            row = dict(rows[-1], **goods.record(fields, siren, siret_from(siren),
                                                 fr_vat(siren)),
                       id=c.id, billing_email="factures@" + domain, accounting_email=None,
                       terms="30d", payment_mode="transfer", po_required="no",
                       reminders_paused="no",
                       owner=email_of(STAFF[c.i % len(STAFF)], SELLER_DOMAIN),
                       iban=fr_iban(30004, 900 + k, 20_000_000_000 + k * 7919))
            c.name, c.lang, c.terms, c.mode = str(row["name"]), str(row["language"]), \
                "30d", "transfer"
            c.rate, c.po, c.paused, c.profile = R20 if row["country"] == "FR" else R0, \
                False, False, k % 2
            c.email, c.bank = str(row["billing_email"]), ascii_text(c.name).upper()
            rows.append(row)
            self.cl.append(c)
            li = 0 if c.lang == "fr" else 1
            for delivered, day in goods.days(rng, self.workdays, goods.INVOICES[k]):
                inv = self._inv("invoice", c, day, [
                    (label, qty, unit, price, c.rate, None)
                    for label, qty, unit, price in goods.lines(rng, li, fields["nature"]
                                                               == "both")])
                inv.served = (delivered, delivered)
