"""The platform settings and the lifecycle rules, without a platform."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyfuncs.adapters.platform.config import PlatformConfigError, platform_settings
from pyfuncs.domain import einvoicing as E

SETTINGS = {"pa_name": "Ma PA", "pa_url": "https://pa.example/flow-service/",
            "pa_token_url": "https://pa.example/oauth2/token", "pa_client_id": "acme"}


def test_the_environment_overrides_parametres_and_the_secret_never_shows():
    cfg = platform_settings(SETTINGS, {"FACTURIER_PA_URL": "http://127.0.0.1:9",
                                       "FACTURIER_PA_SECRET": "s3cret"})
    assert cfg.base_url == "http://127.0.0.1:9" and cfg.client_id == "acme"
    assert cfg.token_url == "https://pa.example/oauth2/token" and cfg.name == "Ma PA"
    assert cfg.secret == "s3cret" and "s3cret" not in repr(cfg)


def test_the_secret_comes_from_the_keyring_when_not_in_the_environment():
    cfg = platform_settings(SETTINGS, {}, keyring_lookup=lambda user: f"kr-{user}")
    assert cfg.secret == "kr-acme"


def test_no_secret_or_no_url_is_one_line_naming_what_to_set():
    with pytest.raises(PlatformConfigError, match="FACTURIER_PA_SECRET"):
        platform_settings(SETTINGS, {}, keyring_lookup=lambda user: None)
    with pytest.raises(PlatformConfigError, match="FACTURIER_PA_URL"):
        platform_settings({}, {"FACTURIER_PA_SECRET": "x"})


def test_a_french_company_is_e_invoiced_others_are_e_reported():
    assert E.processing_rule("FR", "FR", False) == "B2B"
    assert E.processing_rule("FR", "BE", False) == "B2BInt"
    assert E.processing_rule("FR", "FR", True) == "B2C"
    assert E.processing_rule("FR", "DE", True) == "B2C"  # a private person abroad too


def test_only_clients_marked_private_are_private_persons():
    """Clients › Particulier, as the reader gives it (« yes ») or as typed."""
    assert all(E.is_private(v) for v in ("yes", "Oui", True, "1"))
    assert not any(E.is_private(v) for v in ("no", "", None, "Non", False))


STATUS = st.tuples(st.datetimes().map(lambda d: d.isoformat()), st.sampled_from(
    sorted(E.STATUSES)), st.text(max_size=5))


@given(st.lists(STATUS, min_size=1, max_size=20), st.randoms())
def test_the_current_status_does_not_depend_on_the_order_statuses_arrive_in(history, rnd):
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert E.latest(shuffled)[:2] == E.latest(history)[:2]
    assert E.latest(history)[0] == max(h[0] for h in history)
