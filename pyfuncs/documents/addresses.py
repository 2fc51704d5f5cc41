"""Electronic invoicing addresses (BT-34 seller, BT-49 buyer): the CEF EAS scheme of an
address made of a VAT number, and the characters the French rules allow in one
(BR-FR-23, BR-FR-25).
"""
from __future__ import annotations

import re

# VAT number prefix -> the CEF EAS scheme of an electronic address made of that number,
# used when a client outside France has no electronic address of its own (BT-49).
VAT_EAS = {"AT": "9914", "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928",
           "CZ": "9929", "DE": "9930", "EE": "9931", "GB": "9932", "EL": "9933",
           "GR": "9933", "HR": "9934", "IE": "9935", "LT": "9937", "LU": "9938",
           "LV": "9939", "MC": "9940", "MT": "9943", "NL": "9944", "PL": "9945",
           "PT": "9946", "RO": "9947", "SI": "9949", "SK": "9950", "ES": "9920",
           "HU": "9910", "FR": "9957"}
ADDRESS_CHARS = re.compile(r"^[A-Za-z0-9+\-_.]{1,125}$")  # BR-FR-23, BR-FR-25


def electronic_address(typed: str, siren: str, vat: str) -> tuple[str, str]:
    """(scheme, id) of an electronic invoicing address: "SCHEME:ID" as typed, a typed
    id alone (scheme 0225, the French directory's SIREN-based addressing), else the
    SIREN, else the VAT number under its country's EAS scheme; ("", "") if none."""
    typed = typed.strip()
    match = re.fullmatch(r"([A-Za-z0-9]{2,4}):(.+)", typed)
    if match:
        return match[1].upper(), match[2].strip()
    if typed:
        return "0225", typed
    if siren:
        return "0225", siren
    compact = re.sub(r"[^A-Za-z0-9]", "", vat).upper()
    if compact[:2] in VAT_EAS:
        return VAT_EAS[compact[:2]], compact
    if compact[:3] == "CHE":
        return VAT_EAS["CH"], compact
    return "", ""
