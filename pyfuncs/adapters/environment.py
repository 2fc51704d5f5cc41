"""Paramètres overridden by the environment, and secrets kept out of the workbook.

A value of Paramètres (the SMTP server, the platform's URL, a user name) may be overridden
by an environment variable (FACTURIER_SMTP_HOST, FACTURIER_PA_URL...): the variable wins
when it holds something other than blanks, else the setting; either stripped. A secret
(the SMTP password, the platform's client secret, the shared journal's password) is never
read from the workbook: the caller asks its environment variable first, then the system
keyring through ``keyring_secret`` (the optional ``keyring`` package), else goes without.
"""
from __future__ import annotations

import os
from collections.abc import Mapping


def environment(environ: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """The variables to read: those given (a test, a job run for someone else), else the
    process's own."""
    return os.environ if environ is None else environ


def overridden(settings: Mapping[str, object], env: Mapping[str, str], variable: str,
               key: str) -> str:
    """The environment's ``variable`` when it is not blank, else the setting ``key`` of
    Paramètres; "" when neither is given."""
    value = env.get(variable)
    if value is not None and value.strip():
        return value.strip()
    setting = settings.get(key)
    return "" if setting is None else str(setting).strip()


def keyring_secret(service: str, user: str | None) -> str | None:
    """The secret the system keyring holds for ``user`` under ``service``; None without a
    user, without the keyring package, or without a usable keyring backend."""
    if not user:
        return None
    try:
        import keyring
    except ImportError:
        return None
    try:
        return keyring.get_password(service, user)
    except Exception:  # noqa: BLE001 - no usable keyring backend is "no secret"
        return None
