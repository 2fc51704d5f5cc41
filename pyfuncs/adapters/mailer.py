"""Email out: MIME messages, the .eml outbox, and SMTP through yagmail.

Messages are built here with the standard library (multipart/alternative text + HTML,
attachments, our own Message-ID), so the .eml written to the outbox at preview is the
message the server gets, and the Message-ID is known before sending (the journal keys on
it). yagmail opens the connection (SSL, STARTTLS or plain, login) once per batch; each
message then goes over that one connection with ``sendmail``. (yagmail's own ``send``
logs in again for every message and retries a lost connection by sending the message
again, which could send it twice.)

The password comes only from the environment (FACTURIER_SMTP_PASSWORD) or the system
keyring (service "facturier", the SMTP user), never from the workbook; it is kept out of
``repr``, and scrubbed from every error text this module raises.
"""
from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from functools import partial
from pathlib import Path
from typing import Any, Self

from pyfuncs.adapters.environment import environment, keyring_secret, overridden
from pyfuncs.adapters.files import write_atomically

ENV = "FACTURIER_SMTP_"
TLS_MODES = ("none", "starttls", "ssl")
KEYRING_SERVICE = "facturier"


class MailError(Exception):
    """A message or a connection refused; the text never holds the password."""


class ConnectError(MailError):
    """The server cannot be reached or refused the login: no message can go this batch."""


class HeaderInjection(ValueError):
    """A header value with a line break, or an address list where one address is allowed."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    tls: str
    sender: str
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        shown = "***" if self.password else None
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, "
                f"tls={self.tls!r}, sender={self.sender!r}, password={shown})")


_keyring_password = partial(keyring_secret, KEYRING_SERVICE)  # the system keyring


def smtp_settings(settings: Mapping[str, object], environ: Mapping[str, str] | None = None,
                  keyring_lookup: Callable[[str | None], str | None] = _keyring_password
                  ) -> SmtpSettings:
    """Paramètres' SMTP values, each overridden by FACTURIER_SMTP_HOST, _PORT, _USER,
    _PASSWORD, _TLS (none, starttls, ssl). Raises MailError when no host is known or a
    value is unusable."""
    env = environment(environ)

    def pick(key: str) -> str:
        return overridden(settings, env, ENV + key.upper(), "smtp_" + key)

    host = pick("host")
    if not host:
        raise MailError("no SMTP server: set smtp_host in Paramètres or FACTURIER_SMTP_HOST")
    tls = (env.get(ENV + "TLS") or "").strip().casefold()
    port_text = pick("port")
    try:
        port = int(port_text) if port_text else 0
    except ValueError:
        raise MailError(f"SMTP port {port_text!r} is not a number") from None
    if tls:
        if tls not in TLS_MODES:
            raise MailError(f"FACTURIER_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
    else:
        flag = settings.get("smtp_tls")
        on = flag is True or str(flag).casefold() in ("yes", "oui", "true", "1")
        tls = ("ssl" if port == 465 else "starttls") if on else "none"
    port = port or {"ssl": 465, "starttls": 587, "none": 25}[tls]
    user = pick("user") or None
    password = env.get(ENV + "PASSWORD") or keyring_lookup(user) or None
    sender = str(settings.get("smtp_sender") or settings.get("seller_email") or user or "")
    if not single_address(sender):
        raise MailError("no sender address: set smtp_sender (or the seller's email) in "
                        "Paramètres")
    return SmtpSettings(host, port, user, tls, sender, password)


_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$")


def single_address(value: object) -> bool:
    return isinstance(value, str) and bool(_ADDRESS.match(value)) and \
        "\n" not in value and "\r" not in value


def _header(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise HeaderInjection(f"line break in a header value: {value[:60]!r}")
    return value


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "facturier.invalid"


def build_message(sender: str, to: str, cc: Sequence[str], subject: str, text: str,
                  html: str | None, attachments: Sequence[tuple[str, bytes, str]] = (),
                  message_id: str | None = None, when: datetime | None = None,
                  headers: Mapping[str, str] | None = None) -> EmailMessage:
    """One message: text, HTML alternative, attachments (name, bytes, MIME type).
    Every address must be exactly one address and no header may hold a line break."""
    for address in (sender, to, *cc):
        if not single_address(address):
            raise HeaderInjection(f"not a single email address: {address[:60]!r}")
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = _header(subject)
    msg["Date"] = format_datetime((when or datetime.now()).astimezone())
    msg["Message-ID"] = _header(message_id or make_msgid("facturier", domain_of(sender)))
    for key, value in (headers or {}).items():
        msg[_header(key)] = _header(value)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=_header(name))
    return msg


def recipients(msg: EmailMessage) -> list[str]:
    out = [str(msg["To"])]
    if msg["Cc"]:
        out += [a.strip() for a in str(msg["Cc"]).split(",") if a.strip()]
    return out


def write_eml(folder: Path, name: str, msg: EmailMessage) -> Path:
    """Write the message as ``folder/name`` (.eml), atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_atomically(folder / name, msg.as_bytes())


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "message"


class SmtpSender:
    """One SMTP connection for a batch: ``with SmtpSender(cfg) as s: s.send(msg)``.

    ``send`` returns when the server accepted the message for its To address, and raises
    MailError otherwise (refused, connection lost...). After a lost connection the next
    ``send`` connects again; a message whose fate is unknown is never resent here.
    """

    def __init__(self, cfg: SmtpSettings, timeout: float = 30) -> None:
        self.cfg = cfg
        self.timeout = timeout
        self._client: Any = None  # a yagmail.SMTP once connected
        self._broken = False

    def _scrub(self, text: str) -> str:
        if self.cfg.password:
            text = text.replace(self.cfg.password, "***")
        return text

    def _error(self, what: str, err: BaseException) -> MailError:
        detail = str(err) or type(err).__name__
        if isinstance(err, smtplib.SMTPResponseException):
            msg = err.smtp_error
            detail = f"{err.smtp_code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
        return MailError(self._scrub(f"{what}: {type(err).__name__}: {detail}"[:400]))

    def connect(self) -> None:
        import yagmail
        cfg = self.cfg
        login = bool(cfg.user and cfg.password)
        try:
            client = yagmail.SMTP(
                user=cfg.user or cfg.sender, password=cfg.password if login else None,
                host=cfg.host, port=cfg.port, smtp_ssl=cfg.tls == "ssl",
                smtp_starttls=cfg.tls == "starttls", smtp_skip_login=not login,
                soft_email_validation=False, timeout=self.timeout)
            client.set_logging(None)  # yagmail's own log says nothing we need
            client.login()
        except (smtplib.SMTPException, OSError) as err:
            err2 = self._error(f"cannot connect to {cfg.host}:{cfg.port}", err)
            raise ConnectError(str(err2)) from None
        self._client = client
        self._broken = False

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):  # closing a dead connection
                self._client.close()
            self._client = None

    def send(self, msg: EmailMessage) -> None:
        if self._client is None or self._broken:
            self.close()
            self.connect()
        to = recipients(msg)
        try:
            refused = self._client.smtp.sendmail(self.cfg.sender, to,
                                                 msg.as_bytes())
        except smtplib.SMTPServerDisconnected as err:
            self._broken = True
            raise self._error("connection lost", err) from None
        except (smtplib.SMTPException, OSError) as err:
            if isinstance(err, OSError):
                self._broken = True
            raise self._error("message refused", err) from None
        if to[0] in (refused or {}):
            raise MailError(self._scrub(f"recipient refused: {refused[to[0]]}"))
