"""An issued document as the journal holds it, and the columns its hash chain covers."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from pyfuncs.domain.register import GENESIS, canonical_json

PENDING = "pending"
WRITTEN = "written"


@dataclass(frozen=True)
class Entry:
    """One issued document as the journal holds it.

    Attributes:
      seq: its place in the journal (1, 2, ... with no gap).
      number: the document's number, e.g. "FAC2026-0007".
      series_key: the counter it incremented (SeriesPattern.key).
      counter: its counter in that series.
      kind: "invoice", "credit_note", "deposit"...
      issue_date: its issue date.
      client: the client's id or name as the job recorded it.
      net, vat, total: its amounts (None when not given).
      content: the full document as recorded (Decimals and dates as text).
      content_hash: SHA-256 of the content's canonical JSON (register.content_digest).
      chain_hash: the hash chaining this entry to the previous one.
      state: "pending" (recorded, not yet in the workbook) or "written".
      prev_hash: the previous entry's chain_hash ("0" * 64 for the first).
      sources: what the document bills ("devis:DEV-2026-001:v2:acompte", "temps:<hash>").
      recorded_at: when it was recorded (ISO 8601, UTC).
    """

    seq: int
    number: str
    series_key: str
    counter: int
    kind: str
    issue_date: date
    client: str
    net: Decimal | None
    vat: Decimal | None
    total: Decimal | None
    content: dict
    content_hash: str
    chain_hash: str
    state: str
    prev_hash: str = GENESIS
    sources: tuple[str, ...] = ()
    recorded_at: str = ""


class NewDocument(NamedTuple):
    """A document to record (see ``Transaction.record`` for what is checked)."""

    number: str
    series_key: str
    counter: int
    kind: str
    issue_date: date
    client: str
    net: Decimal | None
    vat: Decimal | None
    total: Decimal | None
    content: dict
    sources: tuple[str, ...] = ()


def header(entry: Entry) -> dict:
    """The entry's own columns, as chained (see register.link_digest)."""
    return header_of(entry.number, entry.series_key, entry.counter, entry.kind,
                      entry.issue_date, entry.client, entry.net, entry.vat, entry.total,
                      entry.sources, entry.recorded_at)


def header_of(number: str, series_key: str, counter: int, kind: str, issue_date: date,
               client: str, net: Decimal | None, vat: Decimal | None, total: Decimal | None,
               sources: Iterable[str], recorded_at: str) -> dict:
    return {"number": number, "series_key": series_key, "counter": counter, "kind": kind,
            "issue_date": issue_date, "client": client, "net": net, "vat": vat,
            "total": total, "sources": sorted(sources), "recorded_at": recorded_at}


def text_of(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def is_canonical(text: str) -> bool:
    try:
        return canonical_json(json.loads(text)) == text
    except ValueError:
        return False


def entry_of(row: tuple, sources: tuple[str, ...]) -> Entry:
    (seq, number, key, counter, kind, issue, client, net, vat, total, content, content_hash,
     chain_hash, state, prev_hash, recorded_at) = row
    try:
        loaded = json.loads(content)
    except ValueError:
        loaded = {}  # verify() reports it; reading must not crash on a damaged row
    return Entry(seq, number, key, counter, kind, date.fromisoformat(issue), client,
                 amount_of(net), amount_of(vat), amount_of(total), loaded, content_hash, chain_hash,
                 state, prev_hash, sources, recorded_at)


def amount_of(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
