"""The shapes of the schema: the cell types and their number formats, the VAT rates,
the lists of allowed values (choices), and what a column, a table, a sheet and a setting
are."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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

