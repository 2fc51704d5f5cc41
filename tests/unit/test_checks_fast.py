"""The shortcuts the check rules take for speed give what the slow way gives.

Each test states the equivalence a rule relies on, as a property over generated data.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.fr import siren, siret, tva

from pyfuncs.domain import checks_ids

DIGITS = st.text("0123456789", min_size=0, max_size=16)
ID_CHARS = st.text("0123456789FR .-٣", min_size=0, max_size=16)


def _stdnum(module, value: str) -> str | None:
    try:
        return module.validate(value)
    except ValidationError:
        return None


@settings(max_examples=3000, deadline=None)
@given(DIGITS)
def test_luhn_is_stdnum_luhn(digits: str) -> None:
    if digits:
        assert checks_ids._luhn(digits) == luhn.is_valid(digits)


@settings(max_examples=3000, deadline=None)
@given(ID_CHARS, DIGITS)
def test_fast_identifier_paths_agree_with_stdnum(value: str, digits: str) -> None:
    """A fast path answers only for a valid number, and then as stdnum does."""
    key = f"{(12 + 3 * (int(digits[:9] or 0) % 97)) % 97:02d}"
    for module, candidate in ((siren, value), (siren, digits), (siret, value),
                              (siret, digits), (siret, "356000000" + digits[:5]),
                              (tva, value), (tva, "FR" + digits[:11]),
                              (tva, "FR" + key + digits[:9]),
                              (tva, "FR" + key + "000" + digits[:6])):
        fast = checks_ids._FAST[module](candidate)
        if fast is not None:
            assert fast == _stdnum(module, candidate)


def test_fast_paths_accept_the_usual_numbers() -> None:
    assert checks_ids._validate(siren, "732829320") == ("732829320", None)
    assert checks_ids._fast_siren("732829320") == "732829320"
    assert checks_ids._fast_siret("73282932000074") == "73282932000074"
    assert checks_ids._fast_tva("FR44732829320") == "44732829320"
    assert checks_ids._fast_tva(checks_ids.french_vat_for("732829320")) == \
        tva.validate(checks_ids.french_vat_for("732829320"))
