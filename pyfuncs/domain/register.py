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

GENESIS = "0" * 64  # the "previous hash" of the first entry


def canonical_json(content: dict) -> str:
    """The one text of ``content`` that is hashed (see the module's rules)."""
    return json.dumps(_plain(content), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


def content_digest(content: dict) -> str:
    """SHA-256 (hex) of the UTF-8 canonical JSON of ``content``."""
    return sha256_hex(canonical_json(content))


def link_digest(prev_hash: str, content_hash: str, header: dict) -> str:
    """An entry's chain hash: SHA-256 of prev_hash + content_hash + canonical JSON of header.

    ``header`` holds the entry's own columns (number, counter, date, amounts, sources...),
    so that editing one of them breaks the chain as editing the content does.
    """
    return sha256_hex(prev_hash + content_hash + canonical_json(header))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: object) -> object:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} is not an amount")
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"content keys are text, not {key!r}")
            plain[key] = _plain(item)
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    raise TypeError(f"{type(value).__name__} {value!r} cannot be in a register entry "
                    "(money is Decimal, dates are date)")
