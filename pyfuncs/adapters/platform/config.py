"""Where the platform is and who we are on it: Paramètres (platform name, API base URL,
token URL, client id, Directory Service URL), each overridden by the environment as for
SMTP (adapters/environment.py): FACTURIER_PA_NAME, FACTURIER_PA_URL (the Flow Service base,
under which ``/v1/flows`` lies), FACTURIER_PA_DIRECTORY_URL (the Directory Service base,
under which ``/v1/directory-line`` lies; the Flow Service base when empty), FACTURIER_PA_TOKEN_URL (the OAuth2 client-credentials
token endpoint), FACTURIER_PA_CLIENT_ID. The client secret comes from FACTURIER_PA_SECRET
or the system keyring (service "facturier-pa", the client id) only: never from the
workbook, and it is kept out of ``repr`` so no log or error text can carry it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from pyfuncs.adapters.environment import environment, keyring_secret, overridden

ENV = "FACTURIER_PA_"
KEYRING_SERVICE = "facturier-pa"


class PlatformConfigError(Exception):
    """The platform cannot be reached as configured (no URL, no secret...): one line."""


@dataclass(frozen=True)
class PlatformSettings:
    name: str
    base_url: str
    token_url: str
    client_id: str
    secret: str = field(repr=False)
    timeout: float = 30.0
    directory_url: str = ""  # the Directory Service base; empty: base_url


_keyring_secret = partial(keyring_secret, KEYRING_SERVICE)  # the system keyring


def platform_settings(settings: Mapping[str, object],
                      environ: Mapping[str, str] | None = None,
                      keyring_lookup: Callable[[str], str | None] = _keyring_secret
                      ) -> PlatformSettings:
    env = environment(environ)

    def pick(key: str, setting: str) -> str:
        return overridden(settings, env, ENV + key, setting)

    name = pick("NAME", "pa_name") or "XP Z12-013"
    base = pick("URL", "pa_url").rstrip("/")
    token = pick("TOKEN_URL", "pa_token_url")
    client = pick("CLIENT_ID", "pa_client_id")
    if not base:
        raise PlatformConfigError("no platform URL: set « URL de l'API de la plateforme » in "
                                  "Paramètres or FACTURIER_PA_URL")
    if not token or not client:
        raise PlatformConfigError("no token URL or client id: set them in Paramètres or "
                                  "FACTURIER_PA_TOKEN_URL / FACTURIER_PA_CLIENT_ID")
    secret = env.get(ENV + "SECRET") or keyring_lookup(client) or ""
    if not secret:
        raise PlatformConfigError("no client secret: set FACTURIER_PA_SECRET or store it in "
                                  f"the keyring (service {KEYRING_SERVICE}, user = client id)")
    directory = pick("DIRECTORY_URL", "pa_directory_url").rstrip("/")
    return PlatformSettings(name, base, token, client, secret, directory_url=directory or base)
