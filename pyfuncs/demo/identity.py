"""Identifiers for the demo's companies, valid in form (check digits from python-stdnum)
but belonging to no company we know of; their names as e-mail addresses; and the seller's
settings (Paramètres)."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from stdnum import iban as _iban
from stdnum import luhn
from stdnum.ch import uid as _ch_uid
from stdnum.iso7064 import mod_11_10

from pyfuncs.domain import schema as S

SELLER_DOMAIN = "altiplano-ingenierie.example"


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


def ascii_text(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in ascii_text(text).lower()).strip("-").replace(
        "--", "-")


def local_part(person: str) -> str:
    return slug(person).replace("-", ".")


def email_of(person: str, domain: str) -> str:
    return local_part(person) + "@" + domain


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
        # the sender of e-reporting files is the platform's 4-character registration
        # number; the demo's stand-in platform is no PA and has none: a made-up one
        "pa_registration": "9999",
    })
    return values
