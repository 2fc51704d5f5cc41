"""The workbook's schema: every sheet, table and column, described once.

The builder (workbook template and demo), the reader and the writer all use this module;
nothing else names a sheet, a table or a column label. Columns are found by their header
label (French or English), never by their letter, so a user may reorder columns or add
their own.

A formula is written with placeholders: ``{qty}`` is this row's cell of column ``qty`` in
the same table, ``{Paiements.amount}`` is the whole ``amount`` column of table
``Paiements``. ``render_formula`` turns it into the structured reference the file format
stores (``Factures[[#This Row],[Montant HT]]``), which Excel and LibreOffice both compute.
"""
from __future__ import annotations

import re
from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

LANGS = ("fr", "en")

# Column types. The reader turns each cell into the Python type given here.
TEXT = "text"      # str
ID = "id"          # str, stripped, a key or a reference to a key
MONEY = "money"    # Decimal, 2 decimals
NUMBER = "number"  # Decimal (quantities, index values)
RATE = "rate"      # Decimal fraction: 0.2 for 20 %
DATE = "date"      # datetime.date
INT = "int"        # int
BOOL = "bool"      # bool ("Oui"/"Non", "Yes"/"No")
CHOICE = "choice"  # str: the canonical key of one of the allowed values
EMAIL = "email"    # str: exactly one address, no line break

FMT_MONEY = '#,##0.00 [$€-40C];-#,##0.00 [$€-40C]'
FMT_DATE = "dd/mm/yyyy"
FMT_RATE = "0.0%"
FMT_NUMBER = "#,##0.00"
FMT_INT = "0"

DEFAULT_FORMATS = {MONEY: FMT_MONEY, DATE: FMT_DATE, RATE: FMT_RATE, NUMBER: FMT_NUMBER,
                   INT: FMT_INT}

# VAT rates in force in metropolitan France; the invoice formulas compute VAT per rate
# for these (BR-CO-17). A line at another rate is reported by the checks.
VAT_RATES = (Decimal("0.2"), Decimal("0.1"), Decimal("0.055"), Decimal("0.021"), Decimal(0))

# Allowed values: canonical key -> (French label, English label).
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "yesno": {"yes": ("Oui", "Yes"), "no": ("Non", "No")},
    "lang": {"fr": ("fr", "fr"), "en": ("en", "en")},
    "quote_status": {
        "draft": ("Brouillon", "Draft"),
        "sent": ("Envoyé", "Sent"),
        "accepted": ("Accepté", "Accepted"),
        "refused": ("Refusé", "Refused"),
        "superseded": ("Remplacé", "Superseded"),
    },
    "milestone_status": {
        "planned": ("Prévue", "Planned"),
        "ready": ("Prête à facturer", "Ready to invoice"),
        "invoiced": ("Facturée", "Invoiced"),
    },
    "invoice_type": {
        "invoice": ("Facture", "Invoice"),
        "credit_note": ("Avoir", "Credit note"),
        "deposit": ("Acompte", "Deposit"),
    },
    "invoice_status": {
        "draft": ("Brouillon", "Draft"),
        "to_issue": ("À émettre", "To issue"),
        "issued": ("Émise", "Issued"),
        "cancelled": ("Annulée", "Cancelled"),
    },
    "payment_mode": {
        "transfer": ("Virement", "Transfer"),
        "cheque": ("Chèque", "Cheque"),
        "direct_debit": ("Prélèvement", "Direct debit"),
        "card": ("Carte", "Card"),
        "cash": ("Espèces", "Cash"),
    },
    "terms": {
        "on_receipt": ("À réception", "On receipt"),
        "30d": ("30 jours", "30 days"),
        "45d": ("45 jours", "45 days"),
        "45d_eom": ("45 jours fin de mois", "45 days end of month"),
        "60d": ("60 jours", "60 days"),
    },
    "eom_convention": {
        "eom_then_days": ("Fin de mois puis +N jours", "End of month then +N days"),
        "days_then_eom": ("+N jours puis fin de mois", "+N days then end of month"),
    },
    "severity": {
        "error": ("Erreur", "Error"),
        "warning": ("Avertissement", "Warning"),
        "info": ("Info", "Info"),
    },
    "tone": {
        "courtesy": ("Courtois", "Courteous"),
        "firm": ("Ferme", "Firm"),
        "formal": ("Mise en demeure", "Formal notice"),
        "internal": ("Interne", "Internal"),
    },
    "vat_regime": {  # the e-reporting cadence (domain/ereporting.py CADENCE)
        "rn_monthly": ("Réel normal (mensuel)", "Normal, monthly returns"),
        "rn_quarterly": ("Réel normal (trimestriel)", "Normal, quarterly returns"),
        "simplified": ("Réel simplifié", "Simplified"),
        "franchise": ("Franchise en base", "Small-business exemption"),
    },
    "nature": {
        "services": ("Prestations de services", "Services"),
        "goods": ("Livraisons de biens", "Goods"),
        "both": ("Biens et services", "Goods and services"),
    },
    "line_nature": {
        "services": ("Service", "Service"),
        "goods": ("Bien", "Goods"),
    },
    "reminder_status": {
        "preview": ("Aperçu", "Preview"),
        "sent": ("Envoyée", "Sent"),
        "failed": ("Échec", "Failed"),
    },
    "contract_period": {
        "monthly": ("Mensuelle", "Monthly"),
        "quarterly": ("Trimestrielle", "Quarterly"),
        "half_yearly": ("Semestrielle", "Half-yearly"),
        "yearly": ("Annuelle", "Yearly"),
    },
    "billing_timing": {
        "advance": ("À échoir", "In advance"),
        "arrears": ("Échu", "In arrears"),
    },
    "contract_status": {
        "active": ("Actif", "Active"),
        "suspended": ("Suspendu", "Suspended"),
        "ended": ("Terminé", "Ended"),
    },
    "prorata": {
        "prorate": ("Au prorata des jours", "Prorate by days"),
        "full": ("Période entière", "Full period"),
    },
}


@dataclass(frozen=True)
class Column:
    """One column of an Excel Table.

    Attributes:
      key: stable identifier used by the code.
      fr, en: header label in each language; the reader accepts either.
      type: one of the column types above.
      required: a row without a value here is reported and skipped.
      choices: name of an entry of CHOICES, for CHOICE columns.
      ref: "Table" or "Table.key" whose values this column must match (a foreign key).
      formula: calculated-column formula with placeholders, or None for an input.
      unique: values must not repeat within the table.
      width: column width in characters.
      fmt: number format (defaults by type).
      help_fr, help_en: the input message shown when the cell is selected.
    """

    key: str
    fr: str
    en: str
    type: str = TEXT
    required: bool = False
    choices: str | None = None
    ref: str | None = None
    formula: str | None = None
    unique: bool = False
    width: int = 14
    fmt: str | None = None
    help_fr: str = ""
    help_en: str = ""

    def label(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en

    @property
    def number_format(self) -> str | None:
        return self.fmt or DEFAULT_FORMATS.get(self.type)

    @property
    def computed(self) -> bool:
        return self.formula is not None


@dataclass(frozen=True)
class Table:
    """An Excel Table (ListObject) on a sheet.

    Attributes:
      name: the table's name in the file (ASCII, used in structured references).
      sheet: key of the sheet it stands on.
      columns: its columns, in their default order.
      key: the columns that identify a row (unique together), or ().
      first_col: 0-based column where the table starts (tables may share a sheet).
      doc_fr, doc_en: what the table is for, for the README and the sheet's note.
    """

    name: str
    sheet: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    first_col: int = 0
    doc_fr: str = ""
    doc_en: str = ""

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.name} has no column {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)


@dataclass(frozen=True)
class Sheet:
    """A sheet of the workbook. Output sheets are written by the tool, input sheets by users.

    Attributes:
      key: stable identifier.
      fr, en: the sheet's name in each language.
      output: True for sheets the tool owns and rewrites whole.
      columns: for output sheets, the columns written (tables live in TABLES).
      doc_fr, doc_en: what the sheet is for.
    """

    key: str
    fr: str
    en: str
    output: bool = False
    columns: tuple[Column, ...] = ()
    doc_fr: str = ""
    doc_en: str = ""

    def label(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


@dataclass(frozen=True)
class Setting:
    """One row of the Paramètres table: a named value with its default."""

    key: str
    fr: str
    en: str
    type: str = TEXT
    default: object = None
    choices: str | None = None
    required: bool = False
    help_fr: str = ""
    help_en: str = ""

    def label(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


C = Column  # short alias for the tables below

# --------------------------------------------------------------------------- settings
SETTINGS: tuple[Setting, ...] = (
    Setting("seller_name", "Raison sociale", "Company name", required=True,
            help_fr="Nom légal du vendeur, tel qu'au RCS."),
    Setting("seller_legal_form", "Forme juridique", "Legal form", default="SAS"),
    Setting("seller_capital", "Capital social", "Share capital", MONEY),
    Setting("seller_address", "Adresse", "Address", required=True),
    Setting("seller_postcode", "Code postal", "Postcode", required=True),
    Setting("seller_city", "Ville", "City", required=True),
    Setting("seller_country", "Pays (ISO)", "Country (ISO)", default="FR"),
    Setting("seller_siren", "SIREN", "SIREN", ID, required=True),
    Setting("seller_siret", "SIRET", "SIRET", ID),
    Setting("seller_vat", "N° TVA intracommunautaire", "VAT number", ID, required=True),
    Setting("seller_rcs", "RCS", "Trade register (RCS)"),
    Setting("seller_iban", "IBAN", "IBAN", ID),
    Setting("seller_bic", "BIC", "BIC", ID),
    Setting("seller_email", "Email", "Email", EMAIL),
    Setting("seller_phone", "Téléphone", "Phone"),
    Setting("seller_electronic_address", "Adresse électronique (facturation)",
            "Electronic invoicing address", help_fr="BT-34, ex. SIREN sur la plateforme."),
    Setting("seller_logo", "Logo (chemin du fichier)", "Logo (file path)"),
    Setting("vat_on_debits", "TVA sur les débits", "VAT on debits", BOOL, default="no",
            choices="yesno"),
    Setting("vat_franchise", "Franchise en base de TVA (art. 293 B du CGI)",
            "VAT exemption for small businesses (art. 293 B CGI)", BOOL, default="no",
            choices="yesno",
            help_fr="Oui : factures sans TVA, avec la mention « TVA non applicable, art. 293 B "
                    "du CGI ».",
            help_en="Yes: invoices without VAT, with the mention \"TVA non applicable, art. 293 "
                    "B du CGI\"."),
    Setting("operation_nature", "Nature des opérations", "Nature of the supplies", CHOICE,
            default="services", choices="nature",
            help_fr="Mention obligatoire (biens, services ou les deux) ; donne aussi le cadre de "
                    "facturation Factur-X (BT-23 : S1, B1, M1 ; S4… pour une facture de solde "
                    "après acompte).",
            help_en="A mandatory mention (goods, services or both); also gives the Factur-X "
                    "billing mode (BT-23: S1, B1, M1; S4... for a final invoice after deposits)."),
    Setting("invoice_series", "Série des factures", "Invoice series",
            default="FAC{YYYY}-{NNNN}",
            help_fr="{YYYY} année, {NNNN} numéro sur 4 chiffres. 35 caractères au plus, "
                    "A-Z a-z 0-9 + - _ / seulement."),
    Setting("credit_note_series", "Série des avoirs", "Credit note series",
            default="AV{YYYY}-{NNNN}"),
    Setting("deposit_series", "Série des acomptes", "Deposit series", default="FAC{YYYY}-{NNNN}",
            help_fr="Par défaut la série des factures : un acompte est une facture."),
    Setting("yearly_reset", "Numérotation remise à zéro chaque année", "Yearly reset", BOOL,
            default="yes", choices="yesno"),
    Setting("default_terms", "Conditions de paiement par défaut", "Default payment terms",
            CHOICE, default="30d", choices="terms"),
    Setting("eom_convention", "Calcul « fin de mois »", "End-of-month convention", CHOICE,
            default="days_then_eom", choices="eom_convention"),
    Setting("penalty_rate", "Taux de pénalités contractuel", "Contractual penalty rate", RATE,
            help_fr="Vide : taux BCE + 10 points (table Taux de pénalités)."),
    Setting("recovery_indemnity", "Indemnité forfaitaire de recouvrement",
            "Fixed recovery indemnity", MONEY, default=Decimal(40)),
    Setting("formal_notice_days", "Délai accordé par la mise en demeure (jours)",
            "Formal notice deadline (days)", INT, default=8,
            help_fr="Délai de paiement donné au client dans la mise en demeure (8 ou 15 j).",
            help_en="Time given to the client by the formal notice (8 or 15 days)."),
    Setting("early_payment_discount", "Escompte pour paiement anticipé",
            "Early payment discount",
            default="Pas d'escompte pour paiement anticipé."),
    Setting("leak_days", "Délai avant alerte « non facturé » (jours)",
            "Days before a billing leak is reported", INT, default=15,
            help_fr="Un devis livré, une échéance prête ou des temps validés d'un mois clos "
                    "non facturés après ce délai sont signalés (Contrôles, tableau de bord).",
            help_en="Delivered quotes, ready milestones and validated time of a closed month "
                    "still not invoiced after this many days are reported."),
    Setting("prorata", "Période incomplète d'un contrat", "Partial contract period", CHOICE,
            default="prorate", choices="prorata",
            help_fr="Première ou dernière période d'un contrat (début ou fin en cours de "
                    "période) : facturée au prorata des jours, ou en entier.",
            help_en="A contract's first or last period (starting or ending mid-period): "
                    "billed in proportion to its days, or in full."),
    Setting("aging_buckets", "Tranches de la balance âgée (jours)", "Aging buckets (days)",
            default="30,60,90"),
    Setting("language", "Langue", "Language", CHOICE, default="fr", choices="lang"),
    Setting("currency", "Devise", "Currency", default="EUR"),
    Setting("smtp_host", "Serveur SMTP", "SMTP host"),
    Setting("smtp_port", "Port SMTP", "SMTP port", INT, default=587),
    Setting("smtp_user", "Utilisateur SMTP", "SMTP user",
            help_fr="Le mot de passe n'est jamais dans le classeur : variable "
                    "d'environnement FACTURIER_SMTP_PASSWORD."),
    Setting("smtp_sender", "Expéditeur", "Sender", EMAIL),
    Setting("smtp_tls", "TLS", "TLS", BOOL, default="yes", choices="yesno"),
    Setting("statement_age_days", "Relevé bancaire : ancienneté maximale (jours)",
            "Bank statement: maximum age (days)", INT, default=7,
            help_fr="Préparer les relances avertit quand le dernier relevé importé est plus "
                    "ancien : des paiements reçus depuis ne sont pas encore comptés.",
            help_en="Preparing reminders warns when the last statement imported is older: "
                    "payments received since are not counted yet."),
    Setting("bank_tolerance", "Écart toléré au rapprochement (frais bancaires)",
            "Reconciliation tolerance (bank fees)", MONEY, default=Decimal("5.00"),
            help_fr="Un virement inférieur au reste dû d'au plus ce montant solde la facture ; "
                    "l'écart est enregistré à part dans Paiements.",
            help_en="A transfer short of the balance by at most this amount settles the "
                    "invoice; the gap is booked apart in Payments."),
    Setting("bank_csv_date", "Relevé CSV : colonne date", "CSV statement: date column",
            default="Date",
            help_fr="Chaque colonne du relevé CSV se nomme par son en-tête ; quand deux "
                    "colonnes portent le même (deux « Solde »), « Solde#1 » désigne la "
                    "première, « Solde#2 » la deuxième.",
            help_en="Each column of the CSV statement is named by its header; when two "
                    "columns share one (two \"Solde\"), \"Solde#1\" is the first, "
                    "\"Solde#2\" the second."),
    Setting("bank_csv_amount", "Relevé CSV : colonne montant", "CSV statement: amount column",
            default="Montant",
            help_fr="Montant signé ; à défaut la colonne crédit ci-dessous.",
            help_en="Signed amount; otherwise the credit column below."),
    Setting("bank_csv_credit", "Relevé CSV : colonne crédit", "CSV statement: credit column",
            default="Crédit"),
    Setting("bank_csv_label", "Relevé CSV : colonne libellé", "CSV statement: label column",
            default="Libellé"),
    Setting("bank_csv_reference", "Relevé CSV : colonne référence",
            "CSV statement: reference column", default="Référence"),
    Setting("bank_csv_payer", "Relevé CSV : colonne émetteur", "CSV statement: payer column",
            default="Tiers"),
    Setting("bank_csv_iban", "Relevé CSV : colonne IBAN", "CSV statement: IBAN column",
            default="IBAN"),
    Setting("bank_csv_decimal", "Relevé CSV : séparateur décimal",
            "CSV statement: decimal separator", default=","),
    Setting("bank_csv_date_format", "Relevé CSV : format de date",
            "CSV statement: date format", default="%d/%m/%Y",
            help_fr="Format Python : %d/%m/%Y pour 31/12/2026, %Y-%m-%d pour 2026-12-31.",
            help_en="Python format: %d/%m/%Y for 31/12/2026, %Y-%m-%d for 2026-12-31."),
    # the approved e-invoicing platform (docs/E-INVOICING.md); each overridden by the
    # environment (FACTURIER_PA_NAME, _URL, _TOKEN_URL, _CLIENT_ID); the secret never here
    Setting("pa_name", "Plateforme agréée", "Approved platform"),
    Setting("pa_url", "URL de l'API de la plateforme", "Platform API URL",
            help_fr="Base du Flow Service XP Z12-013 (sous laquelle est /v1/flows).",
            help_en="The XP Z12-013 Flow Service base (under which /v1/flows lies)."),
    Setting("pa_token_url", "URL du jeton (OAuth2)", "Token URL (OAuth2)"),
    Setting("pa_directory_url", "URL de l'annuaire de la plateforme",
            "Platform directory URL",
            help_fr="Base du Directory Service XP Z12-013 (sous laquelle est "
                    "/v1/directory-line) ; vide : l'URL de l'API ci-dessus.",
            help_en="The XP Z12-013 Directory Service base (under which /v1/directory-line "
                    "lies); empty: the API URL above."),
    Setting("pa_directory_days", "Validité d'une réponse de l'annuaire (jours)",
            "Days a directory answer is kept", INT, default=30,
            help_fr="L'adresse électronique d'un client trouvée dans l'annuaire sert ce "
                    "nombre de jours sans redemander ; un client absent est redemandé le "
                    "lendemain.",
            help_en="A client's electronic address found in the directory is used this many "
                    "days without asking again; a client not found is asked again the next "
                    "day."),
    Setting("pa_transmit_days", "Délai de transmission à la plateforme (jours)",
            "Days to transmit to the platform", INT, default=2,
            help_fr="Une pièce B2B émise depuis plus longtemps et pas transmise est signalée.",
            help_en="A B2B document issued longer ago and not transmitted is reported."),
    Setting("pa_client_id", "Identifiant client de la plateforme", "Platform client id",
            help_fr="Le secret n'est jamais dans le classeur : variable d'environnement "
                    "FACTURIER_PA_SECRET ou trousseau du système.",
            help_en="The secret is never in the workbook: FACTURIER_PA_SECRET or the "
                    "system keyring."),
    Setting("pa_registration", "Matricule de la plateforme", "Platform registration number",
            help_fr="4 caractères, donné par la plateforme : émetteur des fichiers "
                    "d'e-reporting.",
            help_en="4 characters, given by the platform: the sender of e-reporting files."),
    Setting("vat_regime", "Régime de TVA", "VAT regime", CHOICE, default="simplified",
            choices="vat_regime",
            help_fr="Donne le rythme de l'e-reporting (ventes à l'étranger et aux "
                    "particuliers, paiements) : décade, mois ou deux mois.",
            help_en="Sets the e-reporting cadence (sales abroad and to private persons, "
                    "payments): ten days, a month or two months."),
    Setting("journal_path", "Journal", "Journal",
            help_fr="Vide : NOM_DU_CLASSEUR.facturier-journal.sqlite à côté du classeur "
                    "(un poste). Un chemin : relatif au dossier du classeur. En équipe : "
                    "l'adresse PostgreSQL sans mot de passe, postgresql://UTILISATEUR@SERVEUR"
                    "/BASE (mot de passe : FACTURIER_JOURNAL_PASSWORD, ~/.pgpass ou le "
                    "trousseau). Registre des pièces émises : à sauvegarder.",
            help_en="Blank: WORKBOOK_NAME.facturier-journal.sqlite beside the workbook (one "
                    "PC). A path: relative to the workbook's folder. For a team: the "
                    "PostgreSQL URL without password, postgresql://USER@SERVER/DATABASE "
                    "(password: FACTURIER_JOURNAL_PASSWORD, ~/.pgpass or the keyring). The "
                    "register of issued documents: back it up."),
)

# --------------------------------------------------------------------------- tables
def _vat_formula(lines: str, criteria: str) -> str:
    """VAT per rate on the total of the lines at that rate, one ROUND per rate."""
    parts = []
    for rate in VAT_RATES:
        if rate == 0:
            continue
        parts.append(f"ROUND(SUMIFS({{{lines}.net}},{criteria},{{{lines}.vat_rate}},{rate})"
                     f"*{rate},2)")
    return "+".join(parts)


TABLES: tuple[Table, ...] = (
    Table("Parametres", "settings", (
        C("key", "Clé", "Key", ID, required=True, unique=True, width=24),
        C("label", "Paramètre", "Setting", width=40),
        C("value", "Valeur", "Value", width=36),
        C("help", "Aide", "Help", width=50),
    ), key=("key",), doc_fr="Identité du vendeur, numérotation, conditions, envoi.",
        doc_en="Seller identity, numbering, terms, sending."),
    Table("NiveauxRelance", "settings", (
        C("level", "Niveau", "Level", INT, required=True, unique=True, width=8),
        C("days", "Jours après échéance", "Days after due", INT, required=True, width=12),
        C("tone", "Ton", "Tone", CHOICE, required=True, choices="tone", width=16),
        C("template", "Modèle", "Template", required=True, width=22),
        C("attach_invoice", "Joindre la facture", "Attach invoice", BOOL, choices="yesno",
          width=10),
        C("cc_owner", "Copie au responsable", "Cc owner", BOOL, choices="yesno", width=10),
    ), key=("level",), first_col=5, doc_fr="Niveaux de relance.", doc_en="Reminder levels."),
    Table("TauxPenalite", "settings", (
        C("start", "Du", "From", DATE, required=True, width=12),
        C("end", "Au", "To", DATE, required=True, width=12),
        C("ecb_rate", "Taux BCE", "ECB rate", RATE, required=True, width=10, fmt="0.00%"),
        C("penalty_rate", "Taux de pénalités", "Penalty rate", RATE, required=True, width=12,
          fmt="0.00%"),
        C("legal_rate", "Taux d'intérêt légal", "Legal interest rate", RATE, width=12,
          fmt="0.00%"),
    ), key=("start",), first_col=12, doc_fr="Taux BCE + 10 points par semestre.",
        doc_en="ECB rate + 10 points per half-year."),
    Table("Clients", "clients", (
        C("id", "Code client", "Client code", ID, required=True, unique=True, width=12),
        C("name", "Raison sociale", "Company name", required=True, width=30),
        C("legal_form", "Forme juridique", "Legal form", width=10),
        C("siren", "SIREN", "SIREN", ID, width=12),
        C("siret", "SIRET", "SIRET", ID, width=16),
        C("vat_number", "N° TVA", "VAT number", ID, width=16),
        C("country", "Pays", "Country", ID, required=True, width=7,
          help_fr="Code ISO à 2 lettres : FR, DE, CH..."),
        C("address", "Adresse", "Address", width=30),
        C("postcode", "Code postal", "Postcode", width=10),
        C("city", "Ville", "City", width=16),
        C("electronic_address", "Adresse électronique", "Electronic address", width=20,
          help_fr="BT-49 : adresse de réception des factures électroniques."),
        C("billing_contact", "Contact facturation", "Billing contact", width=20),
        C("billing_email", "Email facturation", "Billing email", EMAIL, width=26),
        C("accounting_email", "Email comptabilité", "Accounting email", EMAIL, width=26),
        C("terms", "Conditions de paiement", "Payment terms", CHOICE, choices="terms",
          width=20),
        C("payment_mode", "Mode de paiement", "Payment mode", CHOICE, choices="payment_mode",
          width=12),
        C("language", "Langue", "Language", CHOICE, choices="lang", width=8),
        C("po_required", "Bon de commande exigé", "PO required", BOOL, choices="yesno",
          width=10),
        C("reminders_paused", "Relances suspendues", "Reminders paused", BOOL,
          choices="yesno", width=10),
        C("owner", "Responsable interne", "Internal owner", EMAIL, width=24),
        C("iban", "IBAN", "IBAN", ID, width=30,
          help_fr="Compte(s) d'où le client paie, séparés par des virgules : ses virements "
                  "sont reconnus au rapprochement bancaire.",
          help_en="Account(s) the client pays from, comma-separated: its transfers are "
                  "recognised when reconciling the bank statement."),
        C("nature", "Nature des opérations", "Nature of supplies", CHOICE, choices="nature",
          width=18,
          help_fr="Biens, services ou les deux, mention des factures ; vide : celle des "
                  "Paramètres.",
          help_en="Goods, services or both, stated on the invoices; blank: the one in "
                  "Settings."),
        C("delivery_address", "Adresse de livraison", "Delivery address", width=30,
          help_fr="Lieu de livraison des biens quand il diffère de l'adresse de facturation "
                  "(mention des factures) ; vide : l'adresse de facturation.",
          help_en="Where goods are delivered when it differs from the billing address "
                  "(stated on the invoices); blank: the billing address."),
        C("delivery_postcode", "CP de livraison", "Delivery postcode", width=10),
        C("delivery_city", "Ville de livraison", "Delivery city", width=16),
    ), key=("id",), doc_fr="Les clients et leurs conditions.",
        doc_en="Clients and their terms."),
    Table("Devis", "quotes", (
        C("number", "N° devis", "Quote no.", ID, required=True, width=14),
        C("version", "Version", "Version", INT, required=True, width=8),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("title", "Objet", "Subject", width=30),
        C("status", "Statut", "Status", CHOICE, required=True, choices="quote_status",
          width=11),
        C("valid_until", "Valable jusqu'au", "Valid until", DATE, width=11),
        C("delivered", "Livré le", "Delivered on", DATE, width=11,
          help_fr="Fin de la prestation : la facture de solde (ou la facture complète) est "
                  "émise à partir de cette date.",
          help_en="Work completed: the final (or full) invoice is issued from this date."),
        C("deposit_pct", "Acompte %", "Deposit %", RATE, width=9),
        C("po", "N° commande client", "Client PO no.", TEXT, width=12,
          help_fr="Repris sur les factures du devis (mention obligatoire quand le client "
                  "en émet un)."),
        C("net", "Total HT", "Net total", MONEY, width=13, formula=(
            "SUMIFS({LignesDevis.net},{LignesDevis.quote},{number},"
            "{LignesDevis.version},{version})")),
        C("vat", "TVA", "VAT", MONEY, width=12, formula=_vat_formula(
            "LignesDevis", "{LignesDevis.quote},{number},{LignesDevis.version},{version}")),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13,
          formula="{net}+{vat}"),
    ), key=("number", "version"), doc_fr="Devis, une ligne par version.",
        doc_en="Quotes, one row per version."),
    Table("LignesDevis", "quote_lines", (
        C("quote", "N° devis", "Quote no.", ID, required=True, ref="Devis.number", width=14),
        C("version", "Version", "Version", INT, required=True, width=8),
        C("label", "Désignation", "Description", required=True, width=40),
        C("quantity", "Quantité", "Quantity", NUMBER, required=True, width=10),
        C("unit", "Unité", "Unit", width=8),
        C("unit_price", "Prix unitaire HT", "Unit price", MONEY, required=True, width=13),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, required=True, width=9),
        C("net", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{unit_price},2)"),
    ), doc_fr="Lignes des devis.", doc_en="Quote lines."),
    Table("Echeances", "milestones", (
        C("quote", "N° devis", "Quote no.", ID, required=True, ref="Devis.number", width=14),
        C("label", "Jalon", "Milestone", required=True, width=30),
        C("pct", "% du devis", "% of quote", RATE, width=9),
        C("amount", "Montant HT", "Net amount", MONEY, width=13),
        C("planned_date", "Date prévue", "Planned date", DATE, width=11),
        C("status", "Statut", "Status", CHOICE, required=True, choices="milestone_status",
          width=16),
        C("invoice", "N° facture", "Invoice no.", ID, width=14),
    ), doc_fr="Échéances (jalons) des devis ; « Prête à facturer » quand le chef de projet "
              "la valide.", doc_en="Quote milestones."),
    Table("Temps", "time", (
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("project", "Projet / devis", "Project / quote", ID, width=14),
        C("consultant", "Consultant", "Consultant", required=True, width=16),
        C("quantity", "Jours", "Days", NUMBER, required=True, width=8),
        C("rate", "Taux journalier HT", "Daily rate", MONEY, required=True, width=12),
        C("amount", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{rate},2)"),
        C("validated", "Validé", "Validated", BOOL, choices="yesno", width=9),
        C("invoice", "N° facture", "Invoice no.", ID, width=14),
    ), doc_fr="Temps passés (régie).", doc_en="Time entries (time and materials)."),
    Table("Factures", "invoices", (
        C("id", "Réf.", "Ref.", ID, required=True, unique=True, width=10,
          help_fr="Référence interne de la pièce ; le numéro légal est attribué à "
                  "l'émission."),
        C("type", "Type", "Type", CHOICE, required=True, choices="invoice_type", width=9),
        C("number", "N° facture", "Invoice no.", ID, unique=True, width=14),
        C("issue_date", "Date", "Date", DATE, width=11),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("quote", "N° devis", "Quote no.", ID, width=14),
        C("quote_version", "Version devis", "Quote version", INT, width=8),
        C("po", "N° commande", "PO no.", TEXT, width=12),
        C("credited", "Facture d'origine", "Credited invoice", ID, width=14),
        C("terms", "Conditions", "Terms", CHOICE, choices="terms", width=14),
        C("due_date", "Échéance", "Due date", DATE, width=11),
        C("currency", "Devise", "Currency", width=7),
        C("net", "Total HT", "Net total", MONEY, width=13, formula=(
            "SUMIFS({LignesFacture.net},{LignesFacture.invoice},{id})")),
        C("vat", "TVA", "VAT", MONEY, width=12, formula=_vat_formula(
            "LignesFacture", "{LignesFacture.invoice},{id}")),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13, formula="{net}+{vat}"),
        C("paid", "Réglé", "Paid", MONEY, width=12, formula=(
            'IF({number}="",0,SUMIFS({Paiements.amount},{Paiements.invoice},{number}))')),
        # An issued credit note naming an issued (or cancelled) invoice of the same client
        # is applied to it: its total and its own payments fold into that invoice's
        # balance (negative when over-credited) and its own balance is 0. One naming no
        # such invoice stays a credit of the client. Mirrored by computed.invoice_balances.
        C("balance", "Reste dû", "Balance due", MONEY, width=12, formula=(
            'IF({number}="",0,'
            'IF(AND({type}="@credit_note",{status}="@issued",{credited}<>""),'
            'IF(COUNTIFS({Factures.number},{credited},{Factures.client},{client},'
            '{Factures.type},"<>"&"@credit_note",{Factures.status},"@issued")'
            '+COUNTIFS({Factures.number},{credited},{Factures.client},{client},'
            '{Factures.type},"<>"&"@credit_note",{Factures.status},"@cancelled")>0,'
            '0,{total}-{paid}),'
            '{total}-{paid}+IF(AND({type}<>"@credit_note",'
            'OR({status}="@issued",{status}="@cancelled")),'
            'SUMIFS({Factures.total},{Factures.credited},{number},{Factures.client},{client},'
            '{Factures.type},"@credit_note",{Factures.status},"@issued")'
            '-SUMIFS({Factures.paid},{Factures.credited},{number},{Factures.client},{client},'
            '{Factures.type},"@credit_note",{Factures.status},"@issued"),0)))')),
        C("days_late", "Jours de retard", "Days late", INT, width=9, formula=(
            'IF(AND({balance}>0,ISNUMBER({due_date})),MAX(0,TODAY()-{due_date}),0)')),
        C("status", "Statut", "Status", CHOICE, required=True, choices="invoice_status",
          width=10),
        C("dispute", "Litige", "Dispute", BOOL, choices="yesno", width=8),
        C("promise_date", "Promesse de paiement", "Promise to pay", DATE, width=11),
        C("sent_date", "Envoyée le", "Sent on", DATE, width=11),
    ), key=("id",), doc_fr="Factures, avoirs (montants négatifs) et acomptes.",
        doc_en="Invoices, credit notes (negative amounts) and deposits."),
    Table("LignesFacture", "invoice_lines", (
        C("invoice", "Réf. facture", "Invoice ref.", ID, required=True, ref="Factures",
          width=10),
        C("label", "Désignation", "Description", required=True, width=40),
        C("quantity", "Quantité", "Quantity", NUMBER, required=True, width=10),
        C("unit", "Unité", "Unit", width=8),
        C("unit_price", "Prix unitaire HT", "Unit price", MONEY, required=True, width=13),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, required=True, width=9),
        C("net", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{unit_price},2)"),
        C("source", "Origine", "Source", width=18),
        C("service_start", "Prestation du", "Service from", DATE, width=11,
          help_fr="Date (ou début de la période) de la prestation, si elle diffère de la "
                  "date d'émission (CGI ann. II art. 242 nonies A) ; vide : le jour "
                  "d'émission.",
          help_en="Date (or start of the period) of the service, when it differs from the "
                  "issue date; blank: the issue date."),
        C("service_end", "Prestation au", "Service to", DATE, width=11,
          help_fr="Fin de la période de la prestation (vide : un seul jour).",
          help_en="End of the service period (blank: a single day)."),
        C("nature", "Nature", "Nature", CHOICE, choices="line_nature", width=9,
          help_fr="Bien ou service : à remplir pour un client « Biens et services » hors "
                  "de France (livraison exonérée ou prestation autoliquidée / hors champ) ; "
                  "vide : la nature du client.",
          help_en="Goods or service: fill it in for a \"Goods and services\" client outside "
                  "France (exempt supply of goods, or reverse-charged / out-of-scope "
                  "service); blank: the client's nature."),
    ), doc_fr="Lignes des factures et avoirs.", doc_en="Invoice and credit note lines."),
    Table("Paiements", "payments", (
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("client", "Client", "Client", ID, ref="Clients", width=10),
        C("invoice", "N° facture", "Invoice no.", ID, width=14,
          help_fr="Vide : paiement non affecté (crédit du client)."),
        C("amount", "Montant", "Amount", MONEY, required=True, width=13),
        C("mode", "Mode", "Mode", CHOICE, choices="payment_mode", width=11),
        C("reference", "Référence", "Reference", width=24),
    ), doc_fr="Règlements reçus.", doc_en="Payments received."),
    Table("Taux", "rates", (
        C("currency", "Devise", "Currency", ID, required=True, width=9),
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("rate", "Valeur en EUR", "Value in EUR", NUMBER, required=True, width=12,
          fmt="0.000000", help_fr="Valeur d'une unité de la devise en euros."),
    ), key=("currency", "date"), doc_fr="Taux de change pour la balance âgée.",
        doc_en="Exchange rates for the aged balance."),
    Table("Relances", "reminders", (
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("level", "Niveau", "Level", INT, required=True, width=7),
        C("invoices", "Factures", "Invoices", width=30),
        C("to", "Destinataire", "To", width=26),
        C("subject", "Objet", "Subject", width=40),
        C("status", "Statut", "Status", CHOICE, choices="reminder_status", width=10),
        C("message_id", "Message-ID", "Message-ID", width=30),
    ), doc_fr="Journal des relances envoyées.", doc_en="Log of reminders sent."),
    Table("Echeancier", "payment_plan", (
        C("invoice", "N° facture", "Invoice no.", ID, required=True, ref="Factures.number",
          width=14),
        C("date", "Date de l'échéance", "Instalment date", DATE, required=True, width=12),
        C("amount", "Montant TTC", "Amount incl. VAT", MONEY, required=True, width=13),
        C("note", "Commentaire", "Note", width=30),
    ), key=("invoice", "date"),
        doc_fr="Échéancier de paiement accordé : chaque échéance est relancée à sa date, au "
               "lieu de l'échéance de la facture.",
        doc_en="Agreed payment plan: each instalment is reminded on its own date instead of "
               "the invoice's due date."),
    Table("Contrats", "contracts", (
        C("id", "Réf. contrat", "Contract ref.", ID, required=True, unique=True, width=12,
          help_fr="Identifie le contrat sur ses factures (Origine) : ne plus la changer une "
                  "fois une période facturée.",
          help_en="Names the contract on its invoices (Source): do not change it once a "
                  "period is billed."),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("label", "Libellé", "Description", required=True, width=30),
        C("amount", "Montant HT par période", "Net amount per period", MONEY, width=13,
          help_fr="Prix de base P0, avant révision. Vide si le contrat a ses lignes dans "
                  "la feuille Lignes de contrat.",
          help_en="Base price P0, before revision. Blank when the contract has its lines "
                  "in the Contract lines sheet."),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, width=9,
          help_fr="Vide : 20 %.", help_en="Blank: 20%."),
        C("period", "Périodicité", "Period", CHOICE, required=True, choices="contract_period",
          width=13, help_fr="Périodes civiles : mois, trimestres, semestres, années.",
          help_en="Calendar periods: months, quarters, half-years, years."),
        C("billing_day", "Jour de facturation", "Billing day", INT, width=9,
          help_fr="Jour du mois (1 à 31, vide : 1).", help_en="Day of the month (1-31, "
                  "blank: 1)."),
        C("timing", "Terme", "Billed", CHOICE, required=True, choices="billing_timing",
          width=11, help_fr="À échoir : facturé au début de la période ; échu : le mois "
                            "suivant sa fin.",
          help_en="In advance: billed at the period's start; in arrears: the month after "
                  "its end."),
        C("start", "Début", "Start date", DATE, required=True, width=11),
        C("end", "Fin", "End date", DATE, width=11),
        C("status", "Statut", "Status", CHOICE, required=True, choices="contract_status",
          width=10),
        C("po", "N° de commande client", "Client PO no.", width=14,
          help_fr="Reporté sur chaque facture du contrat ; obligatoire si le client exige "
                  "un N° de commande.",
          help_en="Carried to each invoice of the contract; required when the client "
                  "requires a PO number."),
        C("notice_months", "Préavis (mois)", "Notice (months)", INT, width=9,
          help_fr="Préavis de résiliation du contrat, en mois.",
          help_en="The contract's termination notice, in months."),
        C("notice_date", "Résiliation notifiée le", "Notice given on", DATE, width=11,
          help_fr="Date de la lettre de résiliation : la fin doit tomber au moins un préavis "
                  "plus tard.",
          help_en="Date of the termination letter: the end must fall at least one notice "
                  "period later."),
        C("index", "Indice de révision", "Revision index", ID, width=12,
          help_fr="Ex. Syntec ; ses valeurs dans la feuille Indices. Vide : pas de révision.",
          help_en="E.g. Syntec; its values in the Indices sheet. Blank: no revision."),
        C("base_index", "Indice de base S0", "Base index S0", NUMBER, width=10),
        C("revision_month", "Mois de révision", "Revision month", INT, width=9,
          help_fr="1 à 12 : P1 = P0 × S1 / S0, S1 l'indice de ce mois, chaque année.",
          help_en="1-12: P1 = P0 x S1 / S0, S1 the index of that month, each year."),
    ), key=("id",), doc_fr="Contrats facturés chaque période (abonnements, maintenance).",
        doc_en="Contracts billed every period (subscriptions, maintenance)."),
    Table("LignesContrat", "contract_lines", (
        C("contract", "Réf. contrat", "Contract ref.", ID, required=True, ref="Contrats",
          width=12),
        C("label", "Désignation", "Description", required=True, width=40),
        C("quantity", "Quantité", "Quantity", NUMBER, required=True, width=10),
        C("unit", "Unité", "Unit", width=8),
        C("unit_price", "Prix unitaire HT", "Unit price", MONEY, required=True, width=13,
          help_fr="Par période, avant révision (P0).",
          help_en="Per period, before revision (P0)."),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, width=9,
          help_fr="Vide : celui du contrat.", help_en="Blank: the contract's."),
        C("net", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{unit_price},2)"),
    ), doc_fr="Lignes des contrats facturés en plusieurs lignes (un contrat sans ligne est "
              "facturé de son montant).",
        doc_en="Lines of contracts billed in several lines (a contract without lines is "
               "billed its amount)."),
    Table("Indices", "indices", (
        C("name", "Indice", "Index", ID, required=True, width=12),
        C("month", "Mois", "Month", DATE, required=True, width=11,
          help_fr="Le 1er du mois.", help_en="The 1st of the month."),
        C("value", "Valeur", "Value", NUMBER, required=True, width=10, fmt="0.0###"),
    ), key=("name", "month"), doc_fr="Valeurs des indices de révision (Syntec...).",
        doc_en="Revision index values (Syntec...)."),
)

# --------------------------------------------------------------------------- sheets
SHEETS: tuple[Sheet, ...] = (
    Sheet("dashboard", "Tableau de bord", "Dashboard", output=True, columns=(
        # fixed layout: the template's charts read the bucket and DSO blocks in place
        C("indicator", "Indicateur", "Indicator", width=42),
        C("value", "Valeur", "Value", width=16),
        C("gap1", "", "", width=3),
        C("bucket", "Tranche", "Bucket", width=12),
        C("amount", "Montant dû", "Amount due", MONEY, width=14),
        C("gap2", "", "", width=3),
        C("month", "Mois", "Month", width=9),
        C("dso", "DSO (j)", "DSO (d)", NUMBER, width=9),
    ), doc_fr="Synthèse : créances, retards, état des travaux.", doc_en="Summary."),
    Sheet("settings", "Paramètres", "Settings",
          doc_fr="Identité du vendeur, numérotation, conditions, relances, SMTP.",
          doc_en="Seller identity, numbering, terms, reminders, SMTP."),
    Sheet("clients", "Clients", "Clients", doc_fr="Clients.", doc_en="Clients."),
    Sheet("quotes", "Devis", "Quotes", doc_fr="Devis.", doc_en="Quotes."),
    Sheet("quote_lines", "Lignes de devis", "Quote lines", doc_fr="Lignes de devis.",
          doc_en="Quote lines."),
    Sheet("milestones", "Échéances", "Milestones", doc_fr="Jalons de facturation.",
          doc_en="Billing milestones."),
    Sheet("time", "Temps", "Time", doc_fr="Temps passés.", doc_en="Time entries."),
    Sheet("invoices", "Factures", "Invoices", doc_fr="Factures.", doc_en="Invoices."),
    Sheet("invoice_lines", "Lignes de facture", "Invoice lines",
          doc_fr="Lignes de facture.", doc_en="Invoice lines."),
    Sheet("payments", "Paiements", "Payments", doc_fr="Paiements.", doc_en="Payments."),
    Sheet("reminders", "Relances", "Reminders", doc_fr="Relances.", doc_en="Reminders."),
    Sheet("payment_plan", "Échéancier", "Payment plan",
          doc_fr="Échéanciers de paiement accordés.", doc_en="Agreed payment plans."),
    Sheet("rates", "Taux", "Rates", doc_fr="Taux de change.", doc_en="Exchange rates."),
    Sheet("contracts", "Contrats", "Contracts", doc_fr="Contrats récurrents.",
          doc_en="Recurring contracts."),
    Sheet("contract_lines", "Lignes de contrat", "Contract lines",
          doc_fr="Lignes des contrats.", doc_en="Contract lines."),
    Sheet("indices", "Indices", "Indices", doc_fr="Indices de révision.",
          doc_en="Revision indices."),
    Sheet("aging", "Balance âgée", "Aged balance", output=True, columns=(
        # the bucket columns (from the aging_buckets setting) come between name and total
        C("client", "Client", "Client", ID, width=10),
        C("name", "Raison sociale", "Company name", width=30),
        C("total", "Total dû", "Total due", MONEY, width=14),
        C("disputed", "dont litige", "of which disputed", MONEY, width=13),
        C("unapplied", "Crédits non affectés", "Unapplied credits", MONEY, width=13),
        C("oldest_due", "Plus ancienne échéance", "Oldest due date", DATE, width=12),
        C("last_payment", "Dernier paiement", "Last payment", DATE, width=12),
        C("last_reminder", "Dernier niveau de relance", "Last reminder level", INT,
          width=10),
        C("avg_days_late", "Retard moyen 12 mois (j)", "Average days late, 12 months",
          NUMBER, width=11),
    ), doc_fr="Créances par client et par ancienneté, les plus en retard d'abord.",
        doc_en="Receivables by client and age, most overdue first."),
    Sheet("aging_detail", "Détail balance", "Aging detail", output=True, columns=(
        C("client", "Client", "Client", ID, width=10),
        C("name", "Raison sociale", "Company name", width=30),
        C("number", "N° facture", "Invoice no.", ID, width=14),
        C("issue_date", "Date", "Date", DATE, width=11),
        C("due_date", "Échéance", "Due date", DATE, width=11),
        C("currency", "Devise", "Currency", width=7),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13),
        C("paid", "Réglé", "Paid", MONEY, width=12),
        C("credited", "Avoirs imputés", "Credited", MONEY, width=12,
          help_fr="Avoirs imputés sur la facture : Total TTC − Réglé − Avoirs = Reste dû.",
          help_en="Credit notes applied to the invoice: total − paid − credited = open."),
        C("open", "Reste dû", "Open", MONEY, width=12),
        C("open_base", "Reste dû (EUR)", "Open (EUR)", MONEY, width=12),
        C("days", "Jours de retard", "Days late", INT, width=9),
        C("bucket", "Tranche", "Bucket", width=10),
        C("dispute", "Litige", "Dispute", width=8),
    ), doc_fr="Une ligne par facture ouverte à la date.", doc_en="One row per open invoice."),
    Sheet("billing_preview", "Aperçu facturation", "Billing preview", output=True, columns=(
        C("kind", "Type", "Type", width=12),
        C("number", "N° prévu", "Expected no.", width=16),
        C("date", "Date", "Date", DATE, width=11),
        C("client", "Client", "Client", ID, width=10),
        C("name", "Raison sociale", "Company name", width=28),
        C("source", "Origine", "Source", width=30),
        C("label", "Objet", "Subject", width=46),
        C("net", "Total HT", "Net total", MONEY, width=13),
        C("vat", "TVA", "VAT", MONEY, width=12),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13),
        C("due_date", "Échéance", "Due date", DATE, width=11),
    ), doc_fr="Ce que « Générer les factures » émettrait, avant toute numérotation.",
        doc_en="What \"Generate invoices\" would issue, before anything is numbered."),
    Sheet("register", "Registre", "Register", output=True, columns=(
        C("seq", "N° d'ordre", "Seq.", INT, width=8),
        C("number", "N° pièce", "Document no.", ID, width=16),
        C("kind", "Type", "Type", width=10),
        C("date", "Date", "Date", DATE, width=11),
        C("client", "Client", "Client", ID, width=10),
        C("net", "Total HT", "Net total", MONEY, width=13),
        C("vat", "TVA", "VAT", MONEY, width=12),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13),
        C("credited", "Facture d'origine", "Credited invoice", ID, width=16),
        C("sources", "Origine", "Source", width=34),
        C("hash", "Empreinte (SHA-256)", "Fingerprint (SHA-256)", width=24),
        C("chain", "Chaînage", "Chain", width=24),
        C("recorded", "Enregistrée le", "Recorded on", width=20),
    ), doc_fr="Registre des pièces émises, copie du journal (lecture seule).",
        doc_en="Register of issued documents, a copy of the journal (read only)."),
    Sheet("reminders_outbox", "Relances à envoyer", "Reminders to send", output=True,
          columns=(
        C("send", "Envoyer", "Send", width=9,
          help_fr="Oui / Non : « Non » et la relance n'est pas envoyée.",
          help_en="Yes / No: \"No\" and the reminder is not sent."),
        C("kind", "Type", "Type", width=12),
        C("client", "Client", "Client", ID, width=10),
        C("name", "Raison sociale", "Company name", width=26),
        C("level", "Niveau", "Level", INT, width=7),
        C("to", "Destinataire", "To", width=28),
        C("cc", "Copie", "Cc", width=24),
        C("subject", "Objet", "Subject", width=46),
        C("invoices", "Factures", "Invoices", width=30),
        C("amount", "Reste dû", "Amount due", MONEY, width=13),
        C("penalties", "Pénalités et indemnités", "Penalties and indemnities", MONEY,
          width=13),
        C("status", "Statut", "Status", width=12),
        C("file", "Fichier .eml", ".eml file", width=30),
        C("key", "Clé", "Key", width=22),
    ), doc_fr="Relances préparées : une ligne par email, « Envoyer » modifiable (Oui/Non).",
        doc_en="Reminders prepared: one row per email, \"Send\" editable (Yes/No)."),
    Sheet("reconciliation", "Rapprochement", "Reconciliation", output=True, columns=(
        C("confirm", "Valider", "Confirm", width=9,
          help_fr="Oui : la prochaine importation enregistre le paiement tel qu'indiqué.",
          help_en="Yes: the next import books the payment as shown."),
        C("date", "Date", "Date", DATE, width=11),
        C("amount", "Montant", "Amount", MONEY, width=13),
        C("payer", "Émetteur", "Payer", width=26),
        C("text", "Libellé", "Label", width=46),
        C("client", "Client", "Client", ID, width=10),
        C("invoices", "N° facture(s)", "Invoice no(s).", width=26,
          help_fr="Modifiable ; vide : crédit non affecté du client.",
          help_en="Editable; blank: an unapplied credit of the client."),
        C("reason", "Raison", "Reason", width=22),
        C("confidence", "Confiance", "Confidence", RATE, width=10, fmt="0%"),
        C("open", "Reste dû des factures", "Invoices' balance", MONEY, width=13),
        C("reference", "Référence bancaire", "Bank reference", width=24),
        C("key", "Clé", "Key", width=30),
    ), doc_fr="Crédits du relevé à confirmer : « Valider » Oui, facture modifiable.",
        doc_en="Statement credits to confirm: \"Confirm\" Yes, invoice editable."),
    Sheet("checks", "Contrôles", "Checks", output=True, columns=(
        C("severity", "Gravité", "Severity", width=13),
        C("code", "Code", "Code", width=14),
        C("sheet", "Feuille", "Sheet", width=16),
        C("row", "Ligne", "Row", INT, width=7),
        C("column", "Colonne", "Column", width=18),
        C("ref", "Pièce", "Reference", width=14),
        C("message", "Problème", "Problem", width=70),
        C("fix", "Correction", "How to fix", width=60),
        C("link", "Aller à", "Go to", width=12),
    ), doc_fr="Anomalies trouvées, avec un lien vers la cellule.",
        doc_en="Problems found, with a link to the cell."),
)

SHEETS_BY_KEY = {s.key: s for s in SHEETS}
TABLES_BY_NAME = {t.name: t for t in TABLES}
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


def sheet_name(sheet_key: str, lang: str) -> str:
    return SHEETS_BY_KEY[sheet_key].label(lang)


def table(name: str) -> Table:
    return TABLES_BY_NAME[name]


def tables_on(sheet_key: str) -> list[Table]:
    return [t for t in TABLES if t.sheet == sheet_key]


def choice_label(choices: str, key: str, lang: str) -> str:
    fr, en = CHOICES[choices][key]
    return fr if lang == "fr" else en


def choice_labels(choices: str, lang: str) -> list[str]:
    return [fr if lang == "fr" else en for fr, en in CHOICES[choices].values()]


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a label, for matching headers and choices."""
    import unicodedata
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9%]+", " ", text.lower()).strip()


@cache
def choice_lookup(choices: str) -> dict[str, str]:
    """Folded French or English label (or the key itself) -> canonical key."""
    out: dict[str, str] = {}
    for key, (fr, en) in CHOICES[choices].items():
        out[_fold(key)] = key
        out[_fold(fr)] = key
        out[_fold(en)] = key
    if choices == "yesno":
        for word in ("true", "vrai", "1", "x", "o", "y"):
            out[word] = "yes"
        for word in ("false", "faux", "0", "n"):
            out[word] = "no"
    return out


def header_lookup(tbl: Table) -> dict[str, str]:
    """Folded header label in either language (or the key) -> column key."""
    out: dict[str, str] = {}
    for col in tbl.columns:
        for label in (col.fr, col.en, col.key):
            out.setdefault(_fold(label), col.key)
    return out


fold = _fold

_PLACEHOLDER = re.compile(r"\{(?:(\w+)\.)?(\w+)\}")


def _escape_label(label: str) -> str:
    return re.sub(r"([\[\]#'])", r"'\1", label)


def render_formula(tbl: Table, col: Column, lang: str) -> str:
    """The calculated-column formula as the file stores it, without the leading '='.

    ``{x}`` -> ``Table[[#This Row],[Label of x]]``; ``{Other.x}`` -> ``Other[Label]``;
    ``"@key"`` inside a formula -> the label of that choice in the column's language
    (used to compare a status cell with a value).
    """
    assert col.formula is not None

    def sub(match: re.Match[str]) -> str:
        other, key = match.group(1), match.group(2)
        if other:
            label = TABLES_BY_NAME[other].column(key).label(lang)
            return f"{other}[{_escape_label(label)}]"
        label = tbl.column(key).label(lang)
        return f"{tbl.name}[[#This Row],[{_escape_label(label)}]]"

    text = _PLACEHOLDER.sub(sub, col.formula)

    def choice(match: re.Match[str]) -> str:
        # "@key" refers to a choice of the status column of this table
        for c in tbl.columns:
            if c.choices and match.group(1) in CHOICES[c.choices]:
                return '"' + choice_label(c.choices, match.group(1), lang) + '"'
        raise KeyError(match.group(1))

    return re.sub(r'"@(\w+)"', choice, text)


@cache
def record_type(table_name: str) -> type:
    """A NamedTuple type for the rows of a table: its column keys, plus ``row``."""
    tbl = TABLES_BY_NAME[table_name]
    return namedtuple(table_name + "Row", ("row",) + tbl.keys)


def settings_defaults(lang: str = "fr") -> dict[str, object]:
    return {s.key: s.default for s in SETTINGS}


# Reminder levels and penalty rates shipped with a new workbook (DOMAIN.md §3, §7).
DEFAULT_REMINDER_LEVELS = (
    # level, days after due, tone, template, attach invoice, cc owner
    (0, -3, "courtesy", "niveau0_courtoisie", "no", "no"),
    (1, 1, "courtesy", "niveau1_rappel", "yes", "no"),
    (2, 7, "courtesy", "niveau2_relance", "yes", "no"),
    (3, 15, "firm", "niveau3_ferme", "yes", "yes"),
    (4, 30, "formal", "niveau4_mise_en_demeure", "yes", "yes"),
    (5, 45, "internal", "niveau5_contentieux", "no", "yes"),
)

DEFAULT_PENALTY_RATES = (
    # start, end, ECB main refinancing rate, penalty rate, legal interest rate (professionals)
    ("2025-01-01", "2025-06-30", "0.0315", "0.1315", "0.0371"),
    ("2025-07-01", "2025-12-31", "0.0215", "0.1215", "0.0276"),
    ("2026-01-01", "2026-06-30", "0.0215", "0.1215", "0.0262"),
    ("2026-07-01", "2026-12-31", "0.0215", "0.1215", None),
)


# Where the dashboard's charts read: data rows start at row 4 (title, note, header above).
DASHBOARD_FIRST_ROW = 4
DASHBOARD_BUCKETS = 5     # default buckets: not due, 1-30, 31-60, 61-90, > 90
DASHBOARD_MONTHS = 12
DASHBOARD_ROWS = 22       # KPI rows (with checks and the 5 clients most not invoiced)


def input_tables() -> list[Table]:
    return list(TABLES)


def output_sheets() -> list[Sheet]:
    return [s for s in SHEETS if s.output]


def all_labels_unique() -> bool:
    """Every table's headers are distinct in each language (the reader relies on it)."""
    for tbl in TABLES:
        for lang in LANGS:
            labels = [_fold(c.label(lang)) for c in tbl.columns]
            if len(labels) != len(set(labels)):
                return False
    return True

