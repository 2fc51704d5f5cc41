"""Words and numbers of a document, in the client's language: the labels and legal
mentions from templates/invoice/labels.toml (user-editable, rendered by a sandboxed
jinja2), and amounts, rates, quantities and dates formatted for the locale
(1 234,56 € and 01/12/2026 in French; €1,234.56 and 01 Dec 2026 in English).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from pyfuncs.adapters.paths import default_templates
from pyfuncs.documents.record import InvoiceDoc
from pyfuncs.domain import schema as S
from pyfuncs.domain.penalties import owes_professional_penalties
from pyfuncs.domain.vat import EXEMPTIONS

TEMPLATES = default_templates()
LABELS = TEMPLATES / "invoice" / "labels.toml"
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")
COUNTRIES = {"FR": ("France", "France"), "DE": ("Allemagne", "Germany"),
             "BE": ("Belgique", "Belgium"), "CH": ("Suisse", "Switzerland"),
             "ES": ("Espagne", "Spain"), "IT": ("Italie", "Italy"),
             "LU": ("Luxembourg", "Luxembourg"), "NL": ("Pays-Bas", "Netherlands"),
             "GB": ("Royaume-Uni", "United Kingdom"), "US": ("États-Unis", "United States"),
             "PT": ("Portugal", "Portugal"), "AT": ("Autriche", "Austria"),
             "IE": ("Irlande", "Ireland"), "MC": ("Monaco", "Monaco")}
NBSP, NNBSP = "\u00a0", "\u202f"


def money(value: Decimal, lang: str) -> str:
    body = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    if lang == "fr":
        return sign + body.replace(",", NNBSP).replace(".", ",") + NBSP + "€"
    return f"{sign}€{body}"


def quantity(value: Decimal, lang: str, places: int = 4) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-places)):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", NNBSP).replace(".", ",") if lang == "fr" else text


def price(value: Decimal, lang: str) -> str:
    """A unit price: at least 2 decimals, more when it has them (up to 6)."""
    places = max(2, min(6, -value.normalize().as_tuple().exponent))  # type: ignore[operator]
    text = f"{value:,.{places}f}"
    if lang == "fr":
        return text.replace(",", NNBSP).replace(".", ",") + NBSP + "€"
    return f"€{text}"


def rate(value: Decimal, lang: str) -> str:
    body = quantity(value * 100, lang, 2)
    return body + (NBSP + "%" if lang == "fr" else "%")


def day(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    if lang == "fr":
        return f"{value:%d/%m/%Y}"
    return f"{value.day:02d} {MONTHS_EN[value.month - 1]} {value.year}"


def country(code: str, lang: str) -> str:
    names = COUNTRIES.get(code.upper())
    return (names[0] if lang == "fr" else names[1]) if names else code


@dataclass(frozen=True)
class Labels:
    """The compiled texts of one language: ``labels("penalties", rate="12,15 %")``."""

    lang: str
    templates: dict

    def __call__(self, key: str, **values: object) -> str:
        return self.templates[key].render(**values)


@cache
def _compiled(path: str, mtime: float) -> dict[str, Labels]:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined,
                               keep_trailing_newline=False)
    return {lang: Labels(lang, {k: env.from_string(str(v)) for k, v in texts.items()})
            for lang, texts in raw.items()}


def labels(lang: str, path: Path = LABELS) -> Labels:
    """The texts of ``lang`` (recompiled only when the file changes)."""
    every = _compiled(str(path), path.stat().st_mtime)
    return every.get(lang) or every["fr"]


def texts(doc: InvoiceDoc, lab: Labels) -> dict[str, str]:
    """Every sentence the document prints besides its table, keyed by purpose; the
    Factur-X notes (PMT, PMD, AAB, TXD) reuse the same words."""
    lang = doc.lang
    s = doc.seller
    out: dict[str, str] = {}
    if doc.credited:
        out["credit_ref"] = lab("credit_ref", number=doc.credited,
                                date=day(doc.credited_date, lang))
    if doc.deducted:
        out["deducted_ref"] = lab("deducted_ref", refs=", ".join(
            f"{n} ({day(d, lang)})" if d else n for n, d in doc.deducted))
    if doc.exemptions:
        out["vat_mention"] = " ".join(lab(key, seller_vat=s.vat, buyer_vat=doc.buyer.vat)
                                      for key in doc.exemptions)
    if doc.vat_on_debits and not doc.exemption:  # only where the seller charges the VAT
        out["debits"] = lab("debits")
    out["nature"] = lab("nature", nature=S.choice_label("nature", doc.nature, lang)
                        if doc.nature in S.CHOICES["nature"] else doc.nature)
    terms = S.choice_label("terms", doc.terms, lang) if doc.terms in S.CHOICES["terms"] \
        else doc.terms or "-"
    out["terms"] = lab("terms", terms=terms, due=day(doc.due_date, lang))
    if s.iban and doc.kind != "credit_note":
        out["bank"] = lab("bank", iban=" ".join(s.iban[k:k + 4] for k in
                                                range(0, len(s.iban), 4)),
                          bic=s.bic, number=doc.number)
    default = str(S.SETTINGS_BY_KEY["early_payment_discount"].default)
    out["discount"] = doc.discount if doc.discount and (
        lang == "fr" or doc.discount != default) else lab("no_discount")
    if owes_professional_penalties(doc.buyer.private):
        out["penalties"] = lab("penalties", rate=rate(doc.penalty_rate or Decimal(0), lang))
        out["indemnity"] = lab("indemnity", amount=money(doc.indemnity, lang))
    else:
        # the mentions of L441-10 and D441-5 are due between professionals (L441-9): a
        # private person's page has none; its XML notes say what applies instead
        out["no_penalties"] = lab("no_penalties")
        out["no_indemnity"] = lab("no_indemnity")
    out["facturx"] = lab("facturx")
    return out


def exemption_reasons(doc: InvoiceDoc, lab: Labels) -> dict[str, str]:
    """The exemption reason text (BT-120) of each exempt VAT category of ``doc``:
    "Autoliquidation" for reverse charge, the article of the CGI for an intra-Community
    supply or an export (in English too on an English document), else the mention the
    page prints."""
    out: dict[str, str] = {}
    for row in doc.vat_rows:
        key = EXEMPTIONS.get(row.category)
        if key:
            out[row.category] = "Autoliquidation" if key == "reverse_charge" else \
                lab(f"{key}_reason") if key in ("intra_eu_supply", "export") else \
                lab(key, seller_vat=doc.seller.vat, buyer_vat=doc.buyer.vat)
    return out


def notes(t: dict[str, str]) -> dict[str, str]:
    """The French notes of the XML (BR-FR-05): PMT indemnity, PMD penalties, AAB
    discount; TXD for the VAT-on-debits option.

    BR-FR-05 asks the three of every document, whoever the buyer: for a private person,
    who owes neither the penalties of art. L441-10 C. com. nor the indemnity of art.
    D441-5, PMD and PMT say so, PMD with the legal interest that runs from a formal
    notice (art. 1231-6 and 1344-1 C. civ.)."""
    out = {"PMT": t["indemnity"] if "indemnity" in t else t["no_indemnity"],
           "PMD": t["penalties"] if "penalties" in t else t["no_penalties"],
           "AAB": t["discount"]}
    if "debits" in t:
        out["TXD"] = t["debits"]
    return out


def seller_description(doc: InvoiceDoc, lab: Labels) -> str:
    """BT-33, the seller's additional legal information: form, capital, RCS."""
    s = doc.seller
    return lab("seller_legal", form=s.legal_form, rcs=s.rcs,
               capital=money(s.capital, doc.lang) if s.capital else "")
