"""VAT in France (DOMAIN.md §4): the rates in force on a date, and the territories.

Metropolitan France and Monaco are the French VAT territory (Monaco by the Franco-Monegasque
convention); the French overseas departments are not. A business in another member state
of the EU is billed without VAT under reverse charge (CGI art. 283-2) for services; goods
delivered to it are an exempt intra-Community supply (CGI art. 262 ter I). Services to a
client outside the EU are outside the scope of French VAT (CGI art. 259-1); goods sent
there are an exempt export (CGI art. 262 I).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from stdnum.eu import vat as eu_vat

R = Decimal
RATES_2014 = frozenset((R("0.2"), R("0.1"), R("0.055"), R("0.021"), R("0")))
RATES_2012 = frozenset((R("0.196"), R("0.07"), R("0.055"), R("0.021"), R("0")))
RATES_OLD = frozenset((R("0.196"), R("0.055"), R("0.021"), R("0")))
# the rates the invoice and quote VAT formulas of the workbook sum over (all but 0 %)
FORMULA_RATES = frozenset((R("0.2"), R("0.1"), R("0.055"), R("0.021")))
SINCE_2014 = date(2014, 1, 1)

EU = frozenset(("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "GR", "EL",
                "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO",
                "SE", "SI", "SK"))
DOMESTIC = frozenset(("FR", "MC"))


def allowed_rates(day: date) -> frozenset[Decimal]:
    """The rates in force on a day: 20, 10, 5.5, 2.1 and 0 % since 1 January 2014."""
    if day >= SINCE_2014:
        return RATES_2014
    return RATES_2012 if day >= date(2012, 1, 1) else RATES_OLD


def reverse_charged(country: str, vat_number: str) -> bool:
    """Services to this client are reverse-charged (0 %, "Autoliquidation", DOMAIN.md
    §4): a business in another EU member state, with a VAT number whose form and check
    digits are valid. A number that fails its checksum is no number: French VAT applies,
    as for a client without one."""
    country = country.strip().upper()
    number = vat_number.strip()
    return country in EU and country not in DOMESTIC and bool(number) and \
        eu_vat.is_valid(number)


# the legal reason of each exempt VAT category (EN 16931 / UNCL5305), the key of its
# wording in templates/invoice/labels.toml
EXEMPTIONS = {"AE": "reverse_charge", "O": "outside_eu", "E": "franchise",
              "K": "intra_eu_supply", "G": "export"}


def zero_rate_category(country: str, vat_number: str, goods: bool, franchise: bool) -> str:
    """The VAT category of a line billed at 0 % (EN 16931 / UNCL5305), or "" when 0 %
    has no legal reason: E for a seller under the franchise (CGI art. 293 B); for a
    business in another EU member state with a valid VAT number, K for goods (an
    intra-Community supply, CGI art. 262 ter I) and AE for services (reverse charge);
    outside the EU, G for goods (an export, CGI art. 262 I) and O for services (CGI art.
    259-1). A French client, or an EU client without a valid VAT number, owes French
    VAT: no category."""
    if franchise:
        return "E"
    country = country.strip().upper()
    if country in DOMESTIC:
        return ""
    if country in EU:
        return ("K" if goods else "AE") if reverse_charged(country, vat_number) else ""
    return "G" if goods else "O"
