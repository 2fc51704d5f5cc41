"""SMTP settings from Paramètres and the environment; messages refuse header injection."""
from __future__ import annotations

import pytest

from pyfuncs.adapters.mailer import (
    HeaderInjection,
    MailError,
    build_message,
    smtp_settings,
)

SETTINGS = {"smtp_host": "smtp.example.fr", "smtp_port": 587, "smtp_user": "compta@alti.fr",
            "smtp_tls": "yes", "smtp_sender": "relances@alti.fr"}


def test_the_environment_overrides_each_smtp_setting_of_the_workbook():
    cfg = smtp_settings(SETTINGS, {"FACTURIER_SMTP_HOST": "127.0.0.1",
                                   "FACTURIER_SMTP_PORT": "2525", "FACTURIER_SMTP_TLS": "none",
                                   "FACTURIER_SMTP_USER": "bot", "FACTURIER_SMTP_PASSWORD": "pw"},
                        keyring_lookup=lambda user: None)
    assert (cfg.host, cfg.port, cfg.tls, cfg.user, cfg.password, cfg.sender) == \
        ("127.0.0.1", 2525, "none", "bot", "pw", "relances@alti.fr")


def test_tls_follows_the_workbook_flag_and_port_465_means_ssl():
    assert smtp_settings(SETTINGS, {}, lambda u: None).tls == "starttls"
    assert smtp_settings(dict(SETTINGS, smtp_port=465), {}, lambda u: None).tls == "ssl"
    assert smtp_settings(dict(SETTINGS, smtp_tls="no"), {}, lambda u: None).tls == "none"
    with pytest.raises(MailError, match="FACTURIER_SMTP_TLS"):
        smtp_settings(SETTINGS, {"FACTURIER_SMTP_TLS": "maybe"}, lambda u: None)


def test_the_password_comes_from_the_environment_or_the_keyring_never_the_workbook():
    workbook = dict(SETTINGS, smtp_password="in-the-workbook")
    assert smtp_settings(workbook, {}, lambda u: None).password is None
    cfg = smtp_settings(workbook, {}, lambda user: f"kr-{user}")
    assert cfg.password == "kr-compta@alti.fr"
    assert "kr-compta" not in repr(cfg) and "***" in repr(cfg)


def test_no_smtp_host_at_all_is_unusable():
    with pytest.raises(MailError, match="SMTP"):
        smtp_settings({}, {}, lambda u: None)


@pytest.mark.parametrize("field", ["to", "cc", "subject"])
def test_a_message_refuses_a_line_break_or_a_second_address_in_a_header(field):
    values = {"to": "a@b.example", "cc": [], "subject": "Rappel"}
    values[field] = {"to": "a@b.c\nBcc: x@y.z", "cc": ["a@b.c, x@y.z"],
                     "subject": "Rappel\r\nBcc: x@y.z"}[field]
    with pytest.raises(HeaderInjection):
        build_message("me@alti.fr", values["to"], values["cc"], values["subject"], "t", None)
