"""Identifiers (DOMAIN.md §5), with python-stdnum.

SIREN (9 digits, Luhn), SIRET (14 digits, Luhn, starting with the SIREN), VAT numbers
(the EU member state's own rule; for a French number, the key must match the SIREN:
key = (12 + 3 x (SIREN mod 97)) mod 97, or the newer alphanumeric keys), the seller's
IBAN (ISO 7064 mod 97-10). A checksum proves the form, not that the company exists:
that needs VIES, online, and is not done by a pure check.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stdnum import iban as std_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva
from stdnum.util import get_cc_module

if TYPE_CHECKING:  # a Protocol python-stdnum declares for type checkers only
    from stdnum.util import NumberValidationModule

from pyfuncs.domain.context import Ctx, Message, message, text
from pyfuncs.domain.findings import ERROR, WARNING

INVALID = message("{what} « {value} » invalide : {why}.",
                  "Recopier le numéro depuis un document officiel (extrait Kbis, annuaire des "
                  "entreprises, VIES pour la TVA).",
                  "Invalid {what} \"{value}\": {why}.",
                  "Copy the number from an official source (company register, VIES for VAT).")
SIRET_SIREN = message("Le SIRET {siret} ne commence pas par le SIREN {siren}.",
                      "Le SIRET est le SIREN suivi de 5 chiffres : corriger l'un des deux.",
                      "SIRET {siret} does not start with SIREN {siren}.",
                      "A SIRET is the SIREN followed by 5 digits: correct one of them.")
VAT_SIREN = message("Le N° de TVA {vat} ne correspond pas au SIREN {siren} (attendu : {expected}).",
                    "Le N° de TVA français est FR + clé + SIREN : corriger l'un des deux.",
                    "VAT number {vat} does not match SIREN {siren} (expected: {expected}).",
                    "A French VAT number is FR + key + SIREN: correct one of them.")
VAT_COUNTRY = message("Le N° de TVA {vat} est d'un autre pays ({prefix}) que celui du client "
                      "({country}).",
                      "Vérifier le pays du client ou son N° de TVA (le N° d'immatriculation dans "
                      "son pays).",
                      "VAT number {vat} is from another country ({prefix}) than the client's "
                      "({country}).",
                      "Check the client's country or its VAT number.")

WHY = {
    "InvalidChecksum": ("la clé de contrôle est fausse", "the check digits are wrong"),
    "InvalidLength": ("mauvais nombre de caractères", "wrong number of characters"),
    "InvalidFormat": ("format incorrect", "wrong format"),
    "InvalidComponent": ("une partie du numéro est impossible",
                         "a part of the number is impossible"),
}
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


def _why(ctx: Ctx, exc: ValidationError) -> str:
    fr, en = WHY.get(type(exc).__name__, ("numéro invalide", "invalid number"))
    return fr if ctx.fr else en


def _validate(module: NumberValidationModule, value: str
              ) -> tuple[str | None, ValidationError | None]:
    """python-stdnum's validation: the number compacted, or the reason it is refused."""
    try:
        return module.validate(value), None
    except ValidationError as exc:
        return None, exc


def french_vat_for(siren: str) -> str:
    """The numeric-key French VAT number of a SIREN."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


class _Where:
    """Where an identifier's findings go: a client row, or a seller setting."""

    def __init__(self, ctx: Ctx, i: int | None, ref: str, keys: dict[str, str]) -> None:
        self.ctx, self.i, self.ref, self.keys = ctx, i, ref, keys

    def add(self, code: str, severity: str, field: str, msg: Message, **values: object) -> None:
        if self.i is None:
            self.ctx.add_setting(code, severity, self.keys[field], msg, **values)
        else:
            self.ctx.add(code, severity, "Clients", self.i, self.keys[field], self.ref, msg,
                         **values)


def check_ids(ctx: Ctx) -> None:
    if ctx.has("Clients"):
        keys = {"siren": "siren", "siret": "siret", "vat": "vat_number"}
        cols = [ctx.col("Clients", k) for k in ("id", "siren", "siret", "vat_number",
                                                 "country")]
        for i, (cid, siren, siret, vat, country) in enumerate(zip(*cols)):
            if siren or siret or vat:
                _identity(ctx, _Where(ctx, i, text(cid), keys), text(siren), text(siret),
                          text(vat), text(country).upper())
    keys = {"siren": "seller_siren", "siret": "seller_siret", "vat": "seller_vat"}
    _identity(ctx, _Where(ctx, None, "", keys), text(ctx.setting("seller_siren")),
              text(ctx.setting("seller_siret")), text(ctx.setting("seller_vat")),
              text(ctx.setting("seller_country") or "FR").upper())
    iban = text(ctx.setting("seller_iban"))
    if iban:
        _, exc = _validate(std_iban, iban)
        if exc is not None:
            ctx.add_setting("ID-IBAN", ERROR, "seller_iban", INVALID, what="IBAN", value=iban,
                            why=_why(ctx, exc))


def _identity(ctx: Ctx, where: _Where, siren: str, siret: str, vat: str,
              country: str) -> None:
    good_siren = None
    if siren:
        good_siren, exc = _validate(fr_siren, siren)
        if exc is not None:
            where.add("ID-SIREN", ERROR, "siren", INVALID, what="SIREN", value=siren,
                      why=_why(ctx, exc))
    if siret:
        good_siret, exc = _validate(fr_siret, siret)
        if exc is not None:
            where.add("ID-SIRET", ERROR, "siret", INVALID, what="SIRET", value=siret,
                      why=_why(ctx, exc))
        elif good_siren and good_siret and not good_siret.startswith(good_siren):
            where.add("ID-SIRET", ERROR, "siret", SIRET_SIREN, siret=siret, siren=siren)
    if vat:
        _vat(ctx, where, vat, good_siren, country)


def _vat(ctx: Ctx, where: _Where, vat: str, siren: str | None, country: str) -> None:
    what = "N° de TVA" if ctx.fr else "VAT number"
    upper = vat.upper()
    prefix = upper[:2]
    if len(prefix) < 2 or not prefix.isalnum():  # the usual "FR12..." needs no scan
        prefix = "".join(ch for ch in upper if ch.isalnum())[:2]
    module: NumberValidationModule | None
    if prefix == "FR":
        module = fr_tva  # what eu_vat would dispatch to, without guessing the country
    elif prefix.isalpha() and (prefix.lower() in eu_vat.MEMBER_STATES or prefix == "EL"):
        module = eu_vat
    else:
        module = get_cc_module(country.lower(), "vat") if country.isalpha() else None
        if module is None:
            return  # a country python-stdnum does not know: nothing to check offline
        prefix = ""
    number, exc = _validate(module, vat)
    if exc is not None:
        where.add("ID-VAT", ERROR, "vat", INVALID, what=what, value=vat, why=_why(ctx, exc))
        return
    if not prefix:
        return
    home = VAT_PREFIX_COUNTRY.get(prefix, prefix)
    if country and home != country and not (prefix == "FR" and country == "MC"):
        where.add("ID-VAT", WARNING, "vat", VAT_COUNTRY, vat=vat, prefix=prefix,
                  country=country)
    if prefix == "FR" and siren and number is not None:
        body = fr_tva.compact(number)
        if body[2:] != siren:
            where.add("ID-VAT", ERROR, "vat", VAT_SIREN, vat=vat, siren=siren,
                      expected=french_vat_for(siren))
