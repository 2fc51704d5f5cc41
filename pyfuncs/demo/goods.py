"""The demo's clients who buy goods: one buys equipment only (nature "goods"), one buys
equipment with its installation (nature "both"); each has the goods delivered to a site
other than its billing address, so their invoices state the nature of the operation and
the delivery address (DOMAIN.md §1). Two more buy equipment from abroad: a German
business, whose deliveries are exempt intra-Community supplies (CGI art. 262 ter I), and
a Swiss one, whose are exempt exports (CGI art. 262 I); both billed at 0 %.

Their records and invoice lines, drawn from a random generator of their own so that
adding them leaves the rest of the demo as it was.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

# a client record's own fields; the generator adds identifiers, contacts and terms
# (``record``)
CLIENTS: tuple[dict[str, str], ...] = (
    {"name": "Imprimerie Vasseur", "legal_form": "SAS", "nature": "goods",
     "address": "12 rue des Frères Lumière", "postcode": "69008", "city": "Lyon",
     "delivery_address": "ZI des Platières, bâtiment C", "delivery_postcode": "69340",
     "delivery_city": "Francheville", "billing_contact": "Mme Hélène Vasseur"},
    {"name": "Laboratoires Morin", "legal_form": "SA", "nature": "both",
     "address": "5 quai de la Fosse", "postcode": "44000", "city": "Nantes",
     "delivery_address": "Site de production, 4 rue de l'Europe",
     "delivery_postcode": "44470", "delivery_city": "Carquefou",
     "billing_contact": "M. Paul Morin"},
    {"name": "Rheinwerk Messtechnik GmbH", "legal_form": "GmbH", "nature": "goods",
     "address": "Industriestraße 14", "postcode": "68169", "city": "Mannheim",
     "country": "DE", "vat_number": "DE814293714", "language": "en",
     "billing_contact": "Frau Anna Becker"},
    {"name": "Atelier Lémanique d'Instruments SA", "legal_form": "SA", "nature": "goods",
     "address": "Route des Acacias 21", "postcode": "1227", "city": "Carouge",
     "country": "CH", "vat_number": "CHE-129.588.371 TVA", "language": "fr",
     "billing_contact": "M. Luc Favre"},
)
# a French client's identifiers come from its SIREN; one abroad has its VAT number only,
# and its invoices are delivered where it is billed
ABROAD_BLANKS = {"siren": None, "siret": None, "electronic_address": None,
                 "delivery_address": None, "delivery_postcode": None, "delivery_city": None}
UNIT_PIECE = ("pièce", "piece")  # UN/ECE H87 in the Factur-X XML
UNIT_DAY = ("jour", "day")
EQUIPMENT = (
    ("Poste de travail portable 14 pouces", "14-inch laptop workstation",
     ("1150.00", "1290.00"), (1, 2, 3, 5)),
    ("Écran 27 pouces", "27-inch monitor", ("289.00",), (2, 4, 6)),
    ("Station d'accueil USB-C", "USB-C docking station", ("189.00",), (1, 2, 4)),
    ("Commutateur réseau 24 ports", "24-port network switch", ("640.00",), (1, 2)),
    ("Onduleur 1500 VA", "1500 VA UPS", ("420.00",), (1, 2)),
)
INSTALL = ("Installation et configuration sur site", "On-site installation and set-up",
           ("850.00",), (1, 2))
INVOICES = (6, 4, 3, 3)  # how many each client gets over the demo's 18 months


def record(fields: dict[str, str], siren: str, siret: str, vat: str) -> dict[str, object]:
    """A goods client's own fields and identifiers: a French client's SIREN, SIRET, VAT
    number and electronic address (its SIREN); a client abroad's VAT number alone."""
    if fields.get("country", "FR") != "FR":
        return {**ABROAD_BLANKS, "language": "fr", **fields}
    return {"language": "fr", **fields, "siren": siren, "siret": siret, "vat_number": vat,
            "country": "FR", "electronic_address": siren}


def seeded(seed: int) -> random.Random:
    return random.Random(seed * 31 + 7)


def lines(rng: random.Random, li: int, mixed: bool) -> list[tuple[str, Decimal, str, Decimal]]:
    """(label, quantity, unit, unit price) of one order: two or three items of equipment,
    and their installation for a mixed client."""
    out = []
    for fr, en, prices, qtys in rng.sample(EQUIPMENT, rng.choice((2, 3))):
        out.append(((fr, en)[li], Decimal(rng.choice(qtys)), UNIT_PIECE[li],
                    Decimal(rng.choice(prices))))
    if mixed:
        fr, en, prices, qtys = INSTALL
        out.append(((fr, en)[li], Decimal(rng.choice(qtys)), UNIT_DAY[li],
                    Decimal(rng.choice(prices))))
    return out


def days(rng: random.Random, workdays: list[date], count: int
         ) -> list[tuple[date, date]]:
    """(delivered, invoiced) pairs spread over the workdays: invoiced on delivery or up to
    four days later, never after the last workday."""
    step = max(1, len(workdays) // (count + 1))
    out = []
    for k in range(1, count + 1):
        delivered = workdays[min(len(workdays) - 1, k * step + rng.randint(-5, 5))]
        invoiced = min(workdays[-1], delivered + timedelta(days=rng.randint(0, 4)))
        while invoiced.weekday() >= 5:
            invoiced -= timedelta(days=1)
        out.append((delivered, max(delivered, invoiced)))
    return out
