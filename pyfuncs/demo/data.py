"""Demo data: 18 months of a small French IT/engineering services company, at any size.

``demo_data(today)`` is the demo workbook's content (about 40 clients, 80 quotes, 240
invoices); ``demo_data(today, invoices=100_000)`` is the benchmarks' workbook, made by the
same code with every count scaled. Same arguments, same data: one ``random.Random(seed)``,
no clock, no global state.

Values are what the builder and the reader use: str, int, Decimal (money to 2 decimals,
rates as fractions), date, canonical choice keys ("yes", "30d", "credit_note"), None for
an empty cell. Calculated columns are never given: the builder writes their formulas.
Identifiers are generated digits with check digits from python-stdnum, so they are valid
in form but belong to no company we know of. A few mistakes are planted on purpose, and
listed in ``DemoData.planted`` so the checks can be shown (and tested) to find them:
missing_siren, vat_rate_differs_from_quote, over_billing, payment_unknown_invoice,
milestone_not_invoiced; apart from these the data is clean.

Conventions a reader of the data may rely on:
- LignesFacture.source says where a line comes from: "Devis D2026-0012 v2" (a copy of that
  quote's line), "Acompte D..." (a deposit), "Acompte" (a deposit deducted, quantity -1),
  "Échéance D..." (a milestone), "Temps 2026-06" (validated time of that month), "Avoir"
  (a credit note's line, negative quantity), None (typed by hand);
- a credit note is settled against its invoice by two Paiements rows with no mode and the
  reference "Compensation avoir AV...": +amount on the invoice, -amount on the credit note;
- numbers are allocated by issue date: FAC{YYYY}-{NNNN} for invoices and deposits,
  AV{YYYY}-{NNNN} for credit notes, reset each year (5 digits past 9,999 a year).
"""
from __future__ import annotations

import gc
import random
import unicodedata
from bisect import bisect_left, bisect_right
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from operator import itemgetter
from typing import Any, cast

from stdnum import iban as _iban
from stdnum import luhn
from stdnum.ch import uid as _ch_uid
from stdnum.iso7064 import mod_11_10

from pyfuncs.demo import goods
from pyfuncs.domain import schema as S
from pyfuncs.domain.invoicing import period_label
from pyfuncs.domain.money import CENT, ZERO, line_net, to_cents
from pyfuncs.domain.recurring import MONTHS as MONTHS_OF
from pyfuncs.domain.recurring import periods, revision_month, source_of

DEFAULT_INVOICES = 240
SELLER_DOMAIN = "altiplano-ingenierie.example"
SERIES = {"invoice": "FAC", "deposit": "FAC", "credit_note": "AV"}  # matches the settings

R20, R10, R55, R0 = Decimal("0.2"), Decimal("0.1"), Decimal("0.055"), Decimal(0)
DEPOSIT_PCT = Decimal("0.3")
ONE, HALF = Decimal(1), Decimal("0.5")


@dataclass
class DemoData:
    """The demo workbook's content.

    Attributes:
      settings: Paramètres values by setting key (typed, canonical choice keys).
      tables: table name -> rows ({column key: value}); no calculated column.
      planted: the deliberate mistakes: kind, table, row (index in that table's list),
        column (key), ref (invoice/quote/client), problem (what is wrong).
    """

    settings: dict[str, object]
    tables: dict[str, list[dict[str, object]]]
    planted: list[dict[str, object]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


# --------------------------------------------------------------------------- vocabulary
CITIES = (
    ("Paris", "75002"), ("Paris", "75008"), ("Paris", "75011"), ("Paris", "75015"),
    ("Lyon", "69002"), ("Lyon", "69007"), ("Marseille", "13002"), ("Toulouse", "31000"),
    ("Nice", "06000"), ("Nantes", "44000"), ("Strasbourg", "67000"), ("Montpellier", "34000"),
    ("Bordeaux", "33000"), ("Lille", "59000"), ("Rennes", "35000"), ("Reims", "51100"),
    ("Grenoble", "38000"), ("Dijon", "21000"), ("Angers", "49000"),
    ("Clermont-Ferrand", "63000"), ("Le Mans", "72000"), ("Aix-en-Provence", "13100"),
    ("Brest", "29200"), ("Tours", "37000"), ("Limoges", "87000"), ("Amiens", "80000"),
    ("Annecy", "74000"), ("Metz", "57000"), ("Besançon", "25000"), ("Orléans", "45000"),
    ("Rouen", "76000"), ("Caen", "14000"), ("Nancy", "54000"), ("Mulhouse", "68100"),
    ("Poitiers", "86000"), ("Pau", "64000"), ("La Rochelle", "17000"), ("Valence", "26000"),
    ("Chambéry", "73000"), ("Saint-Étienne", "42000"), ("Villeurbanne", "69100"),
    ("Boulogne-Billancourt", "92100"), ("Nanterre", "92000"), ("Courbevoie", "92400"),
    ("Massy", "91300"), ("Vélizy-Villacoublay", "78140"), ("Valbonne", "06560"),
    ("Labège", "31670"), ("Mérignac", "33700"), ("Saint-Herblain", "44800"),
    ("Cesson-Sévigné", "35510"), ("Meylan", "38240"), ("Villeneuve-d'Ascq", "59650"),
    ("Nîmes", "30000"), ("Toulon", "83000"), ("Avignon", "84000"), ("Le Havre", "76600"),
    ("Troyes", "10000"), ("Niort", "79000"), ("Vannes", "56000"),
)
STREETS = ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo",
           "boulevard Gambetta", "rue Pasteur", "avenue de la Libération",
           "rue du Général Leclerc", "rue Nationale", "place de la Gare", "rue de l'Industrie",
           "avenue du Maréchal Foch", "rue Jean Moulin", "rue des Entrepreneurs",
           "allée des Tilleuls", "boulevard de la Liberté", "rue des Forges", "quai de la Loire",
           "chemin des Vignes", "rue du Moulin", "avenue des Sciences")
FAMILIES = ("Bertin", "Moreau", "Lefèvre", "Garnier", "Chevalier", "Fontaine", "Rousseau",
            "Blanchard", "Gauthier", "Perrin", "Marchand", "Dumont", "Aubert", "Vidal",
            "Fabre", "Mercier", "Boyer", "Brunet", "Lambert", "Girard", "Bonnet", "Clément",
            "Faure", "Roussel", "Renaud", "Picard", "Arnaud", "Colin", "Barbier", "Lemaire",
            "Carré", "Masson", "Huet", "Leroy", "Guérin", "Charpentier", "Baron", "Lacroix")
ACTIVITIES = ("Logistique", "Industrie", "Emballages", "Mécanique", "Énergies", "Bâtiment",
              "Distribution", "Ingénierie", "Agroalimentaire", "Plasturgie", "Robotique",
              "Environnement", "Conseil", "Immobilier", "Médical", "Aéronautique",
              "Électronique", "Services", "Équipements", "Transports")
HOUSES = ("Transports", "Laboratoires", "Établissements", "Groupe", "Imprimerie", "Fonderie",
          "Ateliers", "Brasserie", "Menuiserie", "Chaudronnerie")
BRAND_A = ("Nova", "Agri", "Medi", "Logi", "Thermo", "Hydro", "Electro", "Aéro", "Bio",
           "Proxi", "Techni", "Vita", "Opti", "Domo", "Indus", "Carto", "Pharma", "Sol")
BRAND_B = ("via", "lys", "stra", "mis", "gène", "lia", "dis", "nov", "sys", "line", "ance",
           "rys", "tec", "plex")
FIRST = (("Claire", "Mme"), ("Julien", "M."), ("Sophie", "Mme"), ("Nicolas", "M."),
         ("Isabelle", "Mme"), ("Thomas", "M."), ("Nathalie", "Mme"), ("Pierre", "M."),
         ("Céline", "Mme"), ("Laurent", "M."), ("Émilie", "Mme"), ("Mathieu", "M."),
         ("Sandrine", "Mme"), ("Antoine", "M."), ("Aurélie", "Mme"), ("Olivier", "M."),
         ("Camille", "Mme"), ("Hugo", "M."), ("Léa", "Mme"), ("Karim", "M."),
         ("Inès", "Mme"), ("François", "M."), ("Élodie", "Mme"), ("Yann", "M."))
STAFF = ("Camille Roux", "Julien Mercier", "Sophie Laurent", "Thomas Girard", "Nadia Benali")
MONTHS = (("janvier", "January"), ("février", "February"), ("mars", "March"),
          ("avril", "April"), ("mai", "May"), ("juin", "June"), ("juillet", "July"),
          ("août", "August"), ("septembre", "September"), ("octobre", "October"),
          ("novembre", "November"), ("décembre", "December"))
UNITS = {"day": ("jour", "day"), "lump": ("forfait", "lump sum"), "licence": ("licence",
         "licence"), "session": ("session", "session"), "book": ("livre", "book"),
         "month": ("mois", "month"), "halfday": ("demi-journée", "half day"),
         "unit": ("poste", "seat"), "pack": ("pack", "pack")}


def _money(*values: object) -> tuple[Decimal, ...]:
    return tuple(Decimal(str(v)).quantize(CENT) for v in values)


def _units(lo: int, hi: int) -> tuple[Decimal, ...]:
    """Quantities lo..hi in steps of 1 (as Decimal)."""
    return tuple(Decimal(n) for n in range(lo, hi + 1))


# Quote catalogue: kind -> (title fr/en, [(label fr, label en, unit, prices, quantities,
# probability, rate or None for the client's rate)]); "{x}" is the kind's subject.
SUBJECTS = {
    "project": (("portail client", "customer portal"), ("module de facturation",
                "billing module"), ("connecteur ERP", "ERP connector"),
                ("application mobile terrain", "field mobile app"),
                ("tableau de bord de production", "production dashboard"),
                ("API de réservation", "booking API"), ("extranet fournisseurs",
                "supplier extranet"), ("migration de données", "data migration"),
                ("entrepôt de données", "data warehouse"), ("outil de planification",
                "planning tool"), ("supervision IoT", "IoT monitoring")),
    "audit": (("infrastructure", "infrastructure"), ("applications web", "web applications"),
              ("messagerie", "email"), ("réseau industriel", "industrial network")),
    "licence": (("Altiplano Planning", "Altiplano Planning"), ("Altiplano GMAO",
                "Altiplano CMMS"), ("Altiplano Portail", "Altiplano Portal"),
                ("Altiplano Docs", "Altiplano Docs")),
    "training": (("Python pour l'ingénierie", "Python for engineers"),
                 ("sécurité des applications web", "web application security"),
                 ("Git et intégration continue", "Git and continuous integration"),
                 ("SQL avancé", "advanced SQL"), ("gestion de projet agile",
                 "agile project management"), ("conteneurs et Kubernetes",
                 "containers and Kubernetes")),
}
QUOTE_KINDS = {
    "project": (("Développement {x}", "Development: {x}"), (
        ("Cadrage et spécifications fonctionnelles", "Scoping and functional specifications",
         "day", _money(950), _units(2, 6), 0.8, None),
        ("Développement – {x}", "Development – {x}", "lump",
         _money(*range(6000, 30001, 500)), (ONE,), 1.0, None),
        ("Recette et mise en production", "Acceptance testing and go-live", "day",
         _money(850), _units(2, 5), 0.8, None),
        ("Conduite de projet", "Project management", "day", _money(1000), _units(1, 4),
         0.6, None))),
    "audit": (("Audit de sécurité – {x}", "Security audit – {x}"), (
        ("Audit de sécurité – {x}", "Security audit – {x}", "day", _money(1100),
         _units(3, 8), 1.0, None),
        ("Test d'intrusion externe", "External penetration test", "day", _money(1200),
         _units(2, 4), 0.5, None),
        ("Rapport et restitution", "Report and debriefing", "lump",
         _money(1500, 2000, 2500, 3000), (ONE,), 1.0, None))),
    "licence": (("Déploiement {x}", "{x} roll-out"), (
        ("Licence {x} – abonnement annuel", "{x} licence – annual subscription", "licence",
         _money(180, 240, 360), _units(5, 50), 1.0, None),
        ("Paramétrage et mise en service", "Configuration and commissioning", "day",
         _money(850), _units(1, 3), 0.9, None),
        ("Formation des administrateurs", "Administrator training", "session",
         _money(1400), (ONE,), 0.4, None))),
    "training": (("Formation {x}", "Training: {x}"), (
        ("Formation {x} (1 jour, 8 stagiaires max.)", "{x} training (1 day, up to 8)",
         "session", _money(1400, 1650), _units(1, 3), 1.0, None),
        ("Ouvrage de référence « {x} » (livre)", "Reference book: {x}", "book",
         _money("42.00", "38.50"), _units(8, 12), 0.03, R55))),
}
KIND_WEIGHTS = (("project", 45), ("audit", 15), ("licence", 20), ("training", 20))
# Invoices outside quotes and time: support, hosting, call-outs, expenses.
FILL_MAIN = (
    ("Support et maintenance applicative – {m}", "Application support – {m}", "month",
     _money(450, 650, 900, 1200, 1800), (ONE,)),
    ("Hébergement et infogérance – {m}", "Hosting and managed services – {m}", "month",
     _money(290, 480, 750), (ONE,)),
    ("Développement évolutif – ticket n° {n}", "Enhancement – ticket #{n}", "day",
     _money(850, 950), (HALF, ONE, Decimal("1.5"), Decimal(2), Decimal(3))),
)
FILL_EXTRA = (
    ("Intervention sur site (demi-journée)", "On-site intervention (half day)", "halfday",
     _money(480, 520), _units(1, 3)),
    ("Frais de déplacement", "Travel expenses", "lump", _money(85, 120, 240), (ONE,)),
    ("Pack assistance téléphonique 10 h", "Phone support pack, 10 h", "pack", _money(750),
     (ONE,)),
    ("Développement évolutif – ticket n° {n}", "Enhancement – ticket #{n}", "day",
     _money(850, 950), (HALF, ONE, Decimal(2))),
)
BACKUP_PRICE = _money("33.33")[0]  # 3 seats: VAT 20.00 per rate, 3 x 6.67 per line


# --------------------------------------------------------------------------- identifiers
def siren_from(payload8: int) -> str:
    body = f"{payload8:08d}"
    return body + luhn.calc_check_digit(body)


def siret_from(siren: str, establishment: int = 1) -> str:
    body = f"{siren}{establishment:04d}"
    return body + luhn.calc_check_digit(body)


def fr_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def fr_iban(bank: int, branch: int, account: int) -> str:
    key = 97 - (89 * bank + 15 * branch + 3 * account) % 97  # the French RIB key
    bban = f"{bank:05d}{branch:05d}{account:011d}{key:02d}"
    return "FR" + _iban.calc_check_digits("FR00" + bban) + bban


def de_vat(payload8: int) -> str:
    body = f"{payload8:08d}"
    return "DE" + body + mod_11_10.calc_check_digit(body)


def ch_vat(payload8: int) -> str:
    body = f"{payload8:08d}"
    check = _ch_uid.calc_check_digit(body)
    return f"CHE{body}{check}TVA" if len(check) == 1 else ch_vat(payload8 + 1)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in _ascii(text).lower()).strip("-").replace(
        "--", "-")


def _local(person: str) -> str:
    return _slug(person).replace("-", ".")


def _email(person: str, domain: str) -> str:
    return _local(person) + "@" + domain


def seller_settings() -> dict[str, object]:
    siren = siren_from(84215307)
    values: dict[str, object] = {s.key: s.default for s in S.SETTINGS}
    values.update({
        "seller_name": "Altiplano Ingénierie", "seller_legal_form": "SAS",
        "seller_capital": Decimal("50000.00"), "seller_address": "18 rue de la Villette",
        "seller_postcode": "69003", "seller_city": "Lyon", "seller_country": "FR",
        "seller_siren": siren, "seller_siret": siret_from(siren, 1),
        "seller_vat": fr_vat(siren),
        "seller_rcs": f"RCS Lyon {siren[:3]} {siren[3:6]} {siren[6:]}",
        "seller_iban": fr_iban(19870, 421, 30184725100), "seller_bic": "ALTPFRP1XXX",
        "seller_email": "facturation@" + SELLER_DOMAIN, "seller_phone": "+33 4 65 71 28 40",
        "seller_electronic_address": siren, "vat_on_debits": "no",
        "invoice_series": "FAC{YYYY}-{NNNN}", "credit_note_series": "AV{YYYY}-{NNNN}",
        "deposit_series": "FAC{YYYY}-{NNNN}", "yearly_reset": "yes", "default_terms": "30d",
        "eom_convention": "days_then_eom", "recovery_indemnity": Decimal("40.00"),
        "aging_buckets": "30,60,90", "language": "fr", "currency": "EUR", "smtp_port": 587,
        "smtp_sender": "facturation@" + SELLER_DOMAIN, "smtp_tls": "yes",
    })
    return values


# --------------------------------------------------------------------------- dates
def _weekday(day: date) -> date:
    """The day itself, or the Friday before a weekend."""
    wd = day.weekday()
    return day - timedelta(days=wd - 4) if wd > 4 else day


def _next_weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend."""
    wd = day.weekday()
    return day + timedelta(days=7 - wd) if wd > 4 else day


def _end_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def due_date(issue: date, terms: str) -> date:
    """Due date for the shipped settings (45 days end of month: +45 days, then month end)."""
    if terms == "on_receipt":
        return issue
    if terms == "45d_eom":
        return _end_of_month(issue + timedelta(days=45))
    return issue + timedelta(days={"30d": 30, "45d": 45, "60d": 60}[terms])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + n
    return k // 12, k % 12 + 1


# --------------------------------------------------------------------------- records
class _Client:
    __slots__ = ("bank", "email", "i", "id", "lang", "mode", "name", "paused", "po", "profile",
                 "rate", "terms")
    bank: str
    email: str
    i: int
    id: str
    lang: str
    mode: str
    name: str
    paused: bool
    po: bool
    profile: int
    rate: Decimal
    terms: str


class _Inv:
    """An invoice being generated; rows are written once numbers are allocated."""

    __slots__ = ("client", "comp", "credit", "credited", "day", "dispute", "due", "id", "lines",
                 "number", "open", "po", "promise", "quote", "qver", "seq", "served", "settled",
                 "status", "terms", "total", "type")
    comp: bool | str           # credited: False, "partial" or "full"
    credited: _Inv | None      # a credit note's invoice
    dispute: str | None
    due: date | None
    id: str | None
    number: str | None
    open: bool | str           # left open: False, True or "partial"
    promise: date | None
    settled: date | None

    def __init__(self, seq: int, type_: str, client: _Client, day: date,
                 lines: list, quote: str | None = None, qver: int | None = None,
                 po: str | None = None, terms: str | None = None) -> None:
        self.seq, self.type, self.client, self.day, self.lines = seq, type_, client, day, lines
        self.quote, self.qver, self.po = quote, qver, po
        self.terms = terms or client.terms
        self.credited = self.number = self.id = self.promise = None
        self.status, self.dispute, self.open, self.comp = "issued", None, False, False
        self.total = self.credit = ZERO
        self.due = self.settled = None
        # the date or period of the service its lines bill (Prestation du / au), as the
        # planner writes it; None: performed on the issue date (left blank)
        self.served: tuple[date, date] | None = None


def _shown(day: date, template: str) -> str:
    """A date inside a line's label, as the planner writes it (French or ISO)."""
    return f"{day:%d/%m/%Y}" if " du " in template else day.isoformat()


def _totals(lines: list) -> tuple[Decimal, Decimal]:
    """Net and total incl. VAT as the workbook's formulas compute them (VAT per rate)."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line[4]
        by_rate[rate] = by_rate.get(rate, ZERO) + line_net(line[1], line[3])
    net = sum(by_rate.values(), ZERO)
    return net, net + sum((to_cents(b * r) for r, b in by_rate.items() if r), ZERO)


# --------------------------------------------------------------------------- generator
class _Gen:
    def __init__(self, today: date, invoices: int, seed: int, lang: str = "fr") -> None:
        self.today, self.n, self.rng = today, invoices, random.Random(seed)
        self.seed = seed
        self.lang = lang  # the workbook's
        y, m = _add_months(today.year, today.month, -17)
        self.start = date(y, m, 1)
        self.months = [_add_months(y, m, k) for k in range(18)]
        day, self.workdays = self.start, []
        while day <= today:
            if day.weekday() < 5:
                self.workdays.append(day)
            day += timedelta(days=1)
        self.invoices: list[_Inv] = []
        self.tables: dict[str, list[dict[str, object]]] = {t.name: [] for t in S.TABLES
                                                            if t.name != "Parametres"}
        self.planted: list[dict[str, object]] = []

    def _inv(self, *args, **kw) -> _Inv:
        inv = _Inv(len(self.invoices), *args, **kw)
        self.invoices.append(inv)
        return inv

    def _plant(self, kind: str, table: str, row: int, column: str, ref: object,
               problem: str) -> None:
        self.planted.append({"kind": kind, "table": table, "row": row, "column": column,
                             "ref": ref, "problem": problem})

    # ----------------------------------------------------------------------- clients
    def clients(self) -> None:
        rng, n = self.rng, max(40, self.n // 20)
        names: set[str] = set()
        sirens: set[str] = set()
        self.cl: list[_Client] = []
        rows = self.tables["Clients"]
        paused = {9 + 100 * k for k in range(max(1, n // 100))}
        english = {5, 17} | {i for i in range(40, n) if i % 23 == 0}
        for i in range(n):
            c = _Client()
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
            domain = _slug(name) + ".example"
            row: dict[str, Any] = {"id": c.id, "name": name, "legal_form": form, "siren": siren,
                   "siret": siret_from(siren, rng.choice((1, 1, 1, 2, 3))),
                   "vat_number": fr_vat(siren), "country": "FR",
                   "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                   "postcode": postcode, "city": city,
                   "electronic_address": siren if rng.random() < 0.7 else None,
                   "billing_contact": f"{civ} {first} {last}",
                   "billing_email": rng.choice(("factures", "compta.fournisseurs",
                                                _local(f"{first} {last}"))) + "@" + domain,
                   "accounting_email": ("comptabilite@" + domain) if rng.random() < 0.5
                   else None,
                   "terms": rng.choices(("30d", "45d_eom", "60d", "on_receipt", "45d"),
                                        (60, 15, 15, 5, 5))[0],
                   "payment_mode": rng.choices(("transfer", "direct_debit", "cheque", "card"),
                                               (78, 10, 10, 2))[0],
                   "language": "en" if i in english else "fr",
                   "po_required": "yes" if i in (0, 1) or (i >= 40 and i % 97 == 0) else "no",
                   "reminders_paused": "yes" if i in paused else "no",
                   "owner": _email(STAFF[i % len(STAFF)], SELLER_DOMAIN),
                   # the account most clients pay from, known for two in three
                   "iban": fr_iban(30004 + i % 7, 100 + i, 10_000_000_000 + i * 7919)
                   if i % 3 else None, "nature": None, "delivery_address": None,
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
            c.email, c.bank = str(row["billing_email"]), _ascii(c.name).upper()
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

    def _pick_clients(self, k: int, exclude: frozenset[int] | set[int] = frozenset()
                      ) -> list[_Client]:
        out = self.rng.choices(self.cl, cum_weights=self.cum, k=k + k // 3 + 4)
        out = [c for c in out if c.i not in exclude]
        while len(out) < k:
            c = self.rng.choice(self.cl[:self.n_clients])  # the goods clients: never
            if c.i not in exclude:
                out.append(c)
        return out[:k]

    def _po(self, client: _Client) -> str | None:
        return f"45{self.rng.randint(0, 99_999_999):08d}" if client.po else None

    # ----------------------------------------------------------------------- quotes
    def quotes(self) -> None:
        rng, today = self.rng, self.today
        nq = max(12, round(self.n / 3))
        days = sorted(rng.choice(self.workdays) for _ in range(nq))
        clients = self._pick_clients(nq)
        kinds = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS], k=nq)
        counters: dict[int, int] = {}
        self.singles: list[tuple[_Inv, str]] = []
        book_done = superseded = deposit_done = milestones_done = False
        self.milestone_plant: dict[str, object] | None = None
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
            accept = _weekday(qday + timedelta(days=rng.randint(3, 20)))
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

    def _quote_rows(self, number: str, version: int, client: _Client, day: date, title: str,
                    status: str, deposit: Decimal | None, lines: list) -> None:
        self.tables["Devis"].append({
            "number": number, "version": version, "client": client.id, "date": day,
            "title": title, "status": status, "valid_until": day + timedelta(days=30),
            "deposit_pct": deposit, "po": None, "delivered": None})
        add = self.tables["LignesDevis"].append
        for label, qty, unit, price, rate in lines:
            add({"quote": number, "version": version, "label": label, "quantity": qty,
                 "unit": unit, "unit_price": price, "vat_rate": rate})

    def _bill_quote(self, number: str, version: int, client: _Client, kind: str, accept: date,
                    lines: list, net: Decimal, plan: str, li: int) -> None:
        rng, today = self.rng, self.today
        span = {"project": (30, 100), "audit": (15, 45), "licence": (5, 20),
                "training": (10, 60)}[kind]
        deliver = _weekday(accept + timedelta(days=rng.randint(*span)))
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
            day = min(today, _weekday(accept + timedelta(days=rng.randint(0, 3))))
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
            planned = _weekday(accept + timedelta(days=rng.randint(lo, hi)))
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

    # ----------------------------------------------------------------------- time
    def time_and_materials(self) -> None:
        rng, today = self.rng, self.today
        n_tm = max(4, round(self.n * 0.35 / 18))
        candidates = [c for c in self.cl[1:] if c.rate == R20 and c.i != 21]
        self.tm = [self.cl[0]] + rng.sample(candidates, min(n_tm - 1, len(candidates)))
        pool = [f"{f} {l}" for l in FAMILIES for f, _ in FIRST]
        pool = rng.sample(pool, max(8, min(len(pool), n_tm)))
        rates = _money(*range(650, 1101, 50))
        expenses = _money("86.40", "124.50", "212.80", "318.00", "455.20")
        window = set(self.months[-6:])
        temps = self.tables["Temps"]
        month_days = {}
        for y, m in self.months:
            lo = bisect_left(self.workdays, date(y, m, 1))
            hi = bisect_right(self.workdays, date(y, m, monthrange(y, m)[1]))
            month_days[(y, m)] = self.workdays[lo:hi]
        for client in self.tm:
            li = 0 if client.lang == "fr" else 1
            staff = [(name, rng.choice(rates)) for name in rng.sample(pool, rng.choice((1, 1,
                                                                                        2)))]
            project = f"TMA-{client.id}"
            pos: dict[int, str | None] = {}
            for y, m in self.months:
                last = _weekday(date(y, m, monthrange(y, m)[1]))
                billed = last <= today
                lines: list[tuple[Any, ...]] = []
                entries: list[dict[str, Any]] = []
                month = MONTHS[m - 1][li]
                for name, rate in staff:
                    if (y, m) in window:
                        days = month_days[(y, m)]
                        picked = sorted(rng.sample(days, min(len(days), rng.randint(6, 15))))
                        qty = ZERO
                        for day in picked:
                            q = HALF if rng.random() < 0.15 else ONE
                            qty += q
                            entries.append({"date": day, "client": client.id,
                                            "project": project, "consultant": name,
                                            "quantity": q, "rate": rate, "validated": "yes",
                                            "invoice": None})
                    else:
                        qty = Decimal(rng.randint(12, 36)) / 2
                    if qty:
                        lines.append(((f"Assistance technique – {name} – {month} {y}",
                                       f"Consulting – {name} – {month} {y}")[li], qty,
                                      UNITS["day"][li], rate, client.rate, f"Temps {y}-{m:02d}"))
                if lines and rng.random() < 0.6:
                    lines.append(((f"Frais de déplacement – {month} {y}",
                                   f"Travel expenses – {month} {y}")[li], ONE, UNITS["lump"][li],
                                  rng.choice(expenses), client.rate, None))
                if billed and lines:
                    if y not in pos:
                        pos[y] = self._po(client)
                    inv = self._inv("invoice", client, last, lines, po=pos[y])
                    inv.served = (date(y, m, 1), date(y, m, monthrange(y, m)[1]))
                    for e in entries:
                        e["invoice"] = inv
                else:
                    for e in entries:
                        e["validated"] = "yes" if e["date"] <= today - timedelta(days=5) \
                            else "no"
                temps += entries
        temps.sort(key=itemgetter("date"))

    # ----------------------------------------------------------------------- contracts
    def contracts(self) -> None:
        """Five recurring contracts, billed by the "previous runs" up to five
        days ago: monthly maintenance, quarterly hosting in two lines, a yearly licence
        revised each January by the Syntec index (values typed monthly, a client that
        requires a PO), one suspended three months ago, and one whose month three months
        back was never billed: the generate preview catches it up, the check calls it a
        leak. Amounts and labels are the planner's (same rules, same functions)."""
        today = self.today
        y, m = self.start.year, self.start.month
        ago = lambda n: date(*_add_months(today.year, today.month, -n), 1)
        # labels in the client's language, as a user types them for that client: the
        # planner copies them into the invoices it issues next, after the period in that
        # language too
        tr = lambda fr, en: (fr, en)  # chosen per contract, by its client's language
        specs: list[tuple[Any, ...]] = [
            ("CT-001", self.cl[2], tr("Maintenance applicative", "Application maintenance"),
             "monthly", 20, "advance", ago(12), Decimal("1450.00"), "active", None, None, ()),
            ("CT-002", self.cl[3], tr("Hébergement et infogérance", "Hosting and managed "
                                      "services"), "quarterly", 5, "advance",
             ago(12).replace(month=(ago(12).month - 1) // 3 * 3 + 1), None, "active", None,
             None, ((tr("Hébergement serveur dédié", "Dedicated server hosting"), Decimal(2),
                     tr("serveur", "server"), Decimal("650.00")),
                    (tr("Infogérance", "Managed services"), ONE, UNITS["lump"],
                     Decimal("1100.00")))),
            ("CT-003", self.cl[0], tr("Licence et support annuels", "Yearly licence and "
                                      "support"), "yearly", 15, "advance",
             ago(16), Decimal("9600.00"), "active", "4500012345", 1, ()),
            ("CT-004", self.cl[4], tr("Tierce maintenance matériel", "Third-party hardware "
                                      "maintenance"), "monthly", 1, "advance",
             ago(10), Decimal("320.00"), "suspended", None, None, ()),
            ("CT-005", self.cl[6], tr("Support utilisateurs", "User support"), "monthly", 10,
             "arrears", ago(8), Decimal("780.00"), "active", None, None, ()),
        ]
        index = {}
        for k in range(18):
            month = date(*_add_months(y, m, k), 1)
            index[month] = (Decimal("288.4") + Decimal("0.3") * k).quantize(Decimal("0.1"))
            self.tables["Indices"].append({"name": "Syntec", "month": month,
                                           "value": index[month]})
        rows, lines_table = self.tables["Contrats"], self.tables["LignesContrat"]
        billed_until, missed = today - timedelta(days=5), ago(3)
        for ref, client, label, period, day, timing, start, amount, status, po, rev, \
                lines in specs:
            li = 0 if client.lang == "fr" else 1
            label = label[li]
            lines = tuple((t[li], qty, u[li], price) for t, qty, u, price in lines)
            s0 = index[start] if rev else None
            rows.append({"id": ref, "client": client.id, "label": label, "amount": amount,
                         "vat_rate": client.rate, "period": period, "billing_day": day,
                         "timing": timing, "start": start, "end": None, "status": status,
                         "po": po, "notice_months": 3 if period != "monthly" else 1,
                         "notice_date": None, "index": "Syntec" if rev else None,
                         "base_index": s0, "revision_month": rev})
            for text_, qty, unit, price in lines:
                lines_table.append({"contract": ref, "label": text_, "quantity": qty,
                                    "unit": unit, "unit_price": price, "vat_rate": None})
            typed = lines or ((label, ONE, "", amount),)
            until = ago(3) if status == "suspended" else billed_until
            for p in periods(start, None, MONTHS_OF[period], day, timing == "advance",
                             until):
                if ref == "CT-005" and p.start == missed:
                    continue  # the month a run was skipped: still owed
                when_rev = revision_month(start, p.start, rev) if rev else None
                invoice_lines = []  # in the client's language, as the planner
                for text_, qty, unit, price in typed:
                    if when_rev is not None:  # P1 = P0 x S1 / S0, then the prorata
                        price = to_cents(price * index[when_rev] / s0)
                    if p.partial:
                        price = to_cents(price * p.fraction)
                    invoice_lines.append((f"{text_} – {period_label(p, client.lang)}", qty,
                                          unit or None, price, client.rate,
                                          source_of(ref, p.start)))
                inv = self._inv("invoice", client, p.due, invoice_lines, po=po)
                inv.served = (p.first, p.last)

    # ----------------------------------------------------------------------- goods
    def goods(self) -> None:
        """The clients who buy goods (pyfuncs/demo/goods.py): two in France (one with their
        installation) delivered to another site than their billing address, one in
        Germany and one in Switzerland, billed at 0 %; invoiced on delivery or a few days
        after, with the delivery day as the date of the supply. Their own random generator: the other
        clients' invoices stay as they were; they are never picked for other invoices."""
        rng = goods.seeded(self.seed)
        rows = self.tables["Clients"]
        self.cum += [self.cum[-1]] * len(goods.CLIENTS)  # weight 0: never picked
        for k, fields in enumerate(goods.CLIENTS):
            c = _Client()
            c.i = len(self.cl)
            c.id = f"C{c.i + 1:04d}"
            siren = siren_from(rng.randint(30_000_000, 99_999_999))
            domain = _slug(fields["name"]) + ".example"
            row = dict(rows[-1], **goods.record(fields, siren, siret_from(siren),
                                                 fr_vat(siren)),
                       id=c.id, billing_email="factures@" + domain, accounting_email=None,
                       terms="30d", payment_mode="transfer", po_required="no",
                       reminders_paused="no",
                       owner=_email(STAFF[c.i % len(STAFF)], SELLER_DOMAIN),
                       iban=fr_iban(30004, 900 + k, 20_000_000_000 + k * 7919))
            c.name, c.lang, c.terms, c.mode = str(row["name"]), str(row["language"]), \
                "30d", "transfer"
            c.rate, c.po, c.paused, c.profile = R20 if row["country"] == "FR" else R0, \
                False, False, k % 2
            c.email, c.bank = str(row["billing_email"]), _ascii(c.name).upper()
            rows.append(row)
            self.cl.append(c)
            li = 0 if c.lang == "fr" else 1
            for delivered, day in goods.days(rng, self.workdays, goods.INVOICES[k]):
                inv = self._inv("invoice", c, day, [
                    (label, qty, unit, price, c.rate, None)
                    for label, qty, unit, price in goods.lines(rng, li, fields["nature"]
                                                               == "both")])
                inv.served = (delivered, delivered)

    # ----------------------------------------------------------------------- other invoices
    def _fill_lines(self, client: _Client, day: date | None, backup: bool) -> list:
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
            day = min(today, _weekday(orig.day + timedelta(days=rng.randint(3, 30))))
            day = max(day, orig.day)
            if rng.random() < 0.6 and orig.lines[0][5] is None:
                orig.comp = "full"
                lines = [(label, -qty, unit, price, rate, "Avoir")
                         for label, qty, unit, price, rate, _ in orig.lines]
            else:
                orig.comp = "partial"
                net, _ = _totals(orig.lines)
                amount = min(to_cents(net * Decimal("0.1")), rng.choice(_money(50, 100, 150,
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
            quote_total = _totals(inv.lines)[1]
            li = 0 if inv.client.lang == "fr" else 1
            inv.lines.append((("Travaux supplémentaires hors devis",
                               "Additional work outside the quote")[li], Decimal(2),
                              UNITS["day"][li], _money(950)[0], R20, None))
            self.over = (inv, number, quote_total)
        if len(self.singles) > 1:
            inv, number = self.singles[1]
            k = next(k for k, line in enumerate(inv.lines) if line[4] == R20)
            line = inv.lines[k]
            inv.lines[k] = line[:4] + (R10,) + line[5:]
            self.vat = (inv, k, number)

    def amounts(self) -> None:
        for inv in self.ordered:
            inv.total = _totals(inv.lines)[1]
            if inv.day is not None:
                inv.due = due_date(inv.day, inv.terms)
            if inv.credited is not None:
                inv.credited.credit -= inv.total

    def choose_open(self) -> None:
        """Leave unpaid at least one invoice in every bucket of the aged balance, one in
        dispute and one with a promise to pay (more at larger sizes)."""
        rng, today = self.rng, self.today
        buckets: list[list[_Inv]] = [[], [], [], [], []]
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
            inv.open, inv.promise = True, _weekday(today + timedelta(days=10))

    # ----------------------------------------------------------------------- payments
    def _reference(self, client: _Client, mode: str, number: str | None) -> str:
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

        def pay(day: date, client: _Client, number: str | None, amount: Decimal,
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
            last = max(inv.day + one_day, _weekday(inv.due + timedelta(days=rng.randint(lo,
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
            amount = rng.choice(_money(500, 1000, 1500, 2400, 3000))
            pay(rng.choice(recent), client, None, amount, "transfer",
                f"VIR SEPA {client.bank} ACOMPTE")
        self.unknown_row = None
        target = next((i for i in self.ordered if i.open is True and cast(date, i.due) < today
                       and i.type == "invoice" and i.dispute is None), None)
        if target is not None:
            number = f"FAC{self.start.year - 1}-{rng.randint(100, 400):04d}"
            day = max(target.day + timedelta(days=1), _weekday(today - timedelta(days=6)))
            self.unknown_row = pay(min(day, today), target.client, number, target.total,
                                   "transfer", self._reference(target.client, "transfer",
                                                               number))

    # ----------------------------------------------------------------------- reminders
    def reminders(self) -> None:
        today = self.today
        since = today - timedelta(days=45)
        steps = [(lvl, days) for lvl, days, *_ in S.DEFAULT_REMINDER_LEVELS if 0 < lvl < 5]
        oldest = since - timedelta(days=max(days for _, days in steps))
        groups: dict[tuple[date, str, int], list[_Inv]] = {}
        for inv in self.ordered:
            if (inv.status != "issued" or inv.type == "credit_note" or inv.dispute
                    or inv.client.paused or not oldest <= cast(date, inv.due) < today):
                continue
            assert inv.due is not None  # (an issued invoice is due on a day)
            for level, days in steps:
                day = _next_weekday(inv.due + timedelta(days=days))
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

    # ----------------------------------------------------------------------- rows
    def emit(self) -> None:
        facts, lines = self.tables["Factures"], self.tables["LignesFacture"]
        vat_inv = self.vat[0] if self.vat else None
        for inv in self.ordered:
            issued = inv.status == "issued"
            facts.append({
                "id": inv.id, "type": inv.type, "number": inv.number, "issue_date": inv.day,
                "client": inv.client.id, "quote": inv.quote, "quote_version": inv.qver,
                "po": inv.po, "credited": inv.credited.number if inv.credited else None,
                "terms": inv.terms, "due_date": inv.due if issued else None,
                "currency": "EUR", "status": inv.status, "dispute": inv.dispute,
                "promise_date": inv.promise, "sent_date": inv.day if issued else None})
            if inv is vat_inv and self.vat is not None:
                k = len(lines) + self.vat[1]
                self._plant("vat_rate_differs_from_quote", "LignesFacture", k, "vat_rate",
                            inv.number, f"Line '{inv.lines[self.vat[1]][0]}' of invoice "
                            f"{inv.number} is at 10 % where quote {self.vat[2]} has 20 %.")
            start, end = inv.served or (None, None)
            for label, qty, unit, price, rate, source in inv.lines:
                deducted = source.__class__ is tuple
                if label.__class__ is tuple:
                    other = label[1]
                    label = label[0].format(other.number, _shown(other.day, label[0]))
                if deducted:
                    source = source[0].format(source[1].number)
                lines.append({"invoice": inv.id, "label": label, "quantity": qty,
                              "unit": unit, "unit_price": price, "vat_rate": rate,
                              "source": source, "service_start": None if deducted else start,
                              "service_end": None if deducted else end, "nature": None})
        if self.over:
            inv, number, quote_total = self.over
            self._plant("over_billing", "Factures", self.ordered.index(inv), "total",
                        inv.number, f"Invoice {inv.number} ({inv.total} EUR incl. VAT) "
                        f"exceeds its quote {number} ({quote_total} EUR incl. VAT).")
        for table in ("Echeances", "Temps"):
            for row in self.tables[table]:
                if row["invoice"] is not None:
                    row["invoice"] = cast(_Inv, row["invoice"]).number
        self.tables["NiveauxRelance"] = [
            dict(zip(("level", "days", "tone", "template", "attach_invoice", "cc_owner"), r))
            for r in S.DEFAULT_REMINDER_LEVELS]
        self.tables["TauxPenalite"] = [
            {"start": date.fromisoformat(a), "end": date.fromisoformat(b),
             "ecb_rate": Decimal(e), "penalty_rate": Decimal(p),
             "legal_rate": Decimal(legal) if legal else None}
            for a, b, e, p, legal in S.DEFAULT_PENALTY_RATES]
        self.planted.sort(key=lambda p: (p["table"], p["row"]))


def demo_data(today: date, invoices: int | None = None, seed: int = 2026,
              lang: str = "fr") -> DemoData:
    """The demo's settings and table rows as of ``today``: 18 months of activity.

    ``invoices``: how many rows Factures gets (invoices, deposits, credit notes, drafts),
    exactly from about 120 up; None for the demo's size (DEFAULT_INVOICES). Clients are
    max(40, invoices // 20), quotes about invoices / 3, time-and-materials clients about
    invoices / 50 with six months of time entries; about 2.5 lines and 1.5 payments per
    invoice. 100,000 invoices take about 4 s. ``lang``: the workbook's language ("fr" or
    "en"), in which the contracts and their invoices already billed are labelled, as
    the planner labels the periods it bills next.
    """
    n = DEFAULT_INVOICES if invoices is None else int(invoices)
    if n < 1:
        raise ValueError("invoices must be a positive number")
    collecting = gc.isenabled()
    gc.disable()  # a million acyclic rows: the cyclic collector would only rescan them
    try:
        gen = _Gen(today, n, seed, lang)
        for step in (gen.clients, gen.quotes, gen.time_and_materials, gen.contracts,
                     gen.goods, gen.other_invoices,
                     gen.credit_notes, gen.drafts, gen.plant_lines, gen.allocate, gen.amounts,
                     gen.choose_open, gen.payments, gen.reminders, gen.emit):
            step()
        return DemoData(seller_settings(), gen.tables, gen.planted)
    finally:
        if collecting:
            gc.enable()
