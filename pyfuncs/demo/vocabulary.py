"""The demo's words and prices: the towns, streets, names and brands its clients are made
of, its staff, and the catalogue its quotes and other invoices are drawn from (labels in
French and English, units, prices and quantities)."""
from __future__ import annotations

from decimal import Decimal

from pyfuncs.domain.money import CENT

R20, R10, R55, R0 = Decimal("0.2"), Decimal("0.1"), Decimal("0.055"), Decimal(0)
ONE, HALF = Decimal(1), Decimal("0.5")

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


def amounts(*values: object) -> tuple[Decimal, ...]:
    return tuple(Decimal(str(v)).quantize(CENT) for v in values)


def quantities(lo: int, hi: int) -> tuple[Decimal, ...]:
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
         "day", amounts(950), quantities(2, 6), 0.8, None),
        ("Développement – {x}", "Development – {x}", "lump",
         amounts(*range(6000, 30001, 500)), (ONE,), 1.0, None),
        ("Recette et mise en production", "Acceptance testing and go-live", "day",
         amounts(850), quantities(2, 5), 0.8, None),
        ("Conduite de projet", "Project management", "day", amounts(1000), quantities(1, 4),
         0.6, None))),
    "audit": (("Audit de sécurité – {x}", "Security audit – {x}"), (
        ("Audit de sécurité – {x}", "Security audit – {x}", "day", amounts(1100),
         quantities(3, 8), 1.0, None),
        ("Test d'intrusion externe", "External penetration test", "day", amounts(1200),
         quantities(2, 4), 0.5, None),
        ("Rapport et restitution", "Report and debriefing", "lump",
         amounts(1500, 2000, 2500, 3000), (ONE,), 1.0, None))),
    "licence": (("Déploiement {x}", "{x} roll-out"), (
        ("Licence {x} – abonnement annuel", "{x} licence – annual subscription", "licence",
         amounts(180, 240, 360), quantities(5, 50), 1.0, None),
        ("Paramétrage et mise en service", "Configuration and commissioning", "day",
         amounts(850), quantities(1, 3), 0.9, None),
        ("Formation des administrateurs", "Administrator training", "session",
         amounts(1400), (ONE,), 0.4, None))),
    "training": (("Formation {x}", "Training: {x}"), (
        ("Formation {x} (1 jour, 8 stagiaires max.)", "{x} training (1 day, up to 8)",
         "session", amounts(1400, 1650), quantities(1, 3), 1.0, None),
        ("Ouvrage de référence « {x} » (livre)", "Reference book: {x}", "book",
         amounts("42.00", "38.50"), quantities(8, 12), 0.03, R55))),
}
KIND_WEIGHTS = (("project", 45), ("audit", 15), ("licence", 20), ("training", 20))
# Invoices outside quotes and time: support, hosting, call-outs, expenses.
FILL_MAIN = (
    ("Support et maintenance applicative – {m}", "Application support – {m}", "month",
     amounts(450, 650, 900, 1200, 1800), (ONE,)),
    ("Hébergement et infogérance – {m}", "Hosting and managed services – {m}", "month",
     amounts(290, 480, 750), (ONE,)),
    ("Développement évolutif – ticket n° {n}", "Enhancement – ticket #{n}", "day",
     amounts(850, 950), (HALF, ONE, Decimal("1.5"), Decimal(2), Decimal(3))),
)
FILL_EXTRA = (
    ("Intervention sur site (demi-journée)", "On-site intervention (half day)", "halfday",
     amounts(480, 520), quantities(1, 3)),
    ("Frais de déplacement", "Travel expenses", "lump", amounts(85, 120, 240), (ONE,)),
    ("Pack assistance téléphonique 10 h", "Phone support pack, 10 h", "pack", amounts(750),
     (ONE,)),
    ("Développement évolutif – ticket n° {n}", "Enhancement – ticket #{n}", "day",
     amounts(850, 950), (HALF, ONE, Decimal(2))),
)
BACKUP_PRICE = amounts("33.33")[0]  # 3 seats: VAT 20.00 per rate, 3 x 6.67 per line
