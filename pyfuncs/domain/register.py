"""The register's fingerprints: canonical JSON, content digests and the hash chain.

The journal (pyfuncs.adapters.journal) keeps each issued document's content with its
digest, and chains every entry to the one before, so that a document edited or deleted
afterwards -- in the workbook or in the journal itself -- shows. The check job recomputes
a workbook invoice's digest with ``content_digest`` and compares it with the journal's, so
these functions are a format: changing their output breaks every journal already written.

Canonical JSON, exactly:
  - keys sorted, separators "," and ":" with no spaces, UTF-8 text (not \\u-escaped);
  - Decimal as a JSON string of ``str(value)``: Decimal("12.50") -> "12.50" (round money
    with ``to_cents`` first: 12.5 and 12.50 are different texts);
  - datetime and date as JSON strings of ``isoformat()``;
  - tuples as lists; str, int, bool and None as JSON has them;
  - floats, NaN/infinite Decimals, non-string keys and other types are refused
    (TypeError/ValueError): a float's binary value is not the amount the user typed.
Since Decimals and dates become strings, content read back from JSON hashes as it did when
recorded: canonical_json(json.loads(canonical_json(c))) == canonical_json(c).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first entry


def canonical_json(content: dict[str, Any] | list[Any]) -> str:
    """The one text of ``content`` that is hashed (see the module's rules)."""
    return canonical_form(content)[1]


def canonical_form(content: dict[str, Any] | list[Any]) -> tuple[Any, str]:
    """``content`` as JSON reads it back (Decimals and dates as text, tuples as lists) and
    its canonical JSON, in one pass: the journal keeps both, and parsing the text again
    to get the first cost as much as making it."""
    plain = _plain(content)
    return plain, _ENCODER.encode(plain)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def content_digest(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the UTF-8 canonical JSON of ``content``."""
    return sha256_hex(canonical_json(content))


def link_digest(prev_hash: str, content_hash: str, header: dict[str, Any]) -> str:
    """An entry's chain hash: SHA-256 of prev_hash + content_hash + canonical JSON of header.

    ``header`` holds the entry's own columns (number, counter, date, amounts, sources...),
    so that editing one of them breaks the chain as editing the content does.
    """
    return sha256_hex(prev_hash + content_hash + canonical_json(header))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: object) -> object:
    kind = type(value)
    if kind in _AS_IS:  # the common case first, by exact type (bool is no int subclass here)
        return value
    if kind is dict:
        plain = {}
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str and not isinstance(key, str):
                raise TypeError(f"content keys are text, not {key!r}")
            plain[key] = item if type(item) in _AS_IS else _plain(item)
        return plain
    if kind is list or kind is tuple:
        return [item if type(item) in _AS_IS else _plain(item)
                for item in value]  # type: ignore[attr-defined]
    if kind is Decimal:
        if not value.is_finite():  # type: ignore[attr-defined]
            raise ValueError(f"{value!r} is not an amount")
        return str(value)
    if kind is date or kind is datetime:
        return value.isoformat()  # type: ignore[attr-defined]
    return _plain_subclass(value)


_AS_IS = frozenset({str, int, bool, type(None)})


def _plain_subclass(value: object) -> object:
    """Subclasses of the accepted types (a str enum, an OrderedDict...), as their base."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        return _plain(Decimal(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return _plain(dict(value))
    if isinstance(value, (list, tuple)):
        return _plain(list(value))
    raise TypeError(f"{type(value).__name__} {value!r} cannot be in a register entry "
                    "(money is Decimal, dates are date)")
