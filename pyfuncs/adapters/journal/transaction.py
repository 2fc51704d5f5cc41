"""What a job does inside the journal's write lock: read where a series stands, seed it,
and record issued documents, each checked against the journal (no gap, no reuse, no
source billed twice, no date before the series' last) and chained to the one before."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from pyfuncs.adapters.journal.base import Backend
from pyfuncs.adapters.journal.entry import PENDING, Entry, NewDocument, header_of, text_of
from pyfuncs.adapters.journal.errors import JournalConflict
from pyfuncs.domain.numbering import SeriesState, valid_number
from pyfuncs.domain.register import GENESIS, canonical_form, link_digest, sha256_hex

_BATCH = 500  # host parameters per IN (...): far below SQLite's limit, few round trips


class Transaction:
    """What a job may do inside ``Journal.transaction()``; unusable once it ends."""

    def __init__(self, db: Backend, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._open = True

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("journal transaction already ended")

    def state(self, key: str) -> SeriesState | None:
        """Where the counter ``key`` stands, or None when nothing was allocated or seeded."""
        self._check_open()
        row = self._db.execute("SELECT counter, last_date FROM series WHERE key = ?",
                               (key,)).fetchone()
        if row is None:
            return None
        return SeriesState(row[0], date.fromisoformat(row[1]) if row[1] else None)

    def seed(self, key: str, state: SeriesState) -> SeriesState:
        """Raise ``key`` to at least ``state`` (numbers issued before the journal knew them).

        Never lowers a counter or a date: seeding from an older copy of the workbook must
        not hand out numbers again. Returns the resulting state.
        """
        self._check_open()
        old = self.state(key)
        if old is not None:
            dates = [d for d in (old.last_date, state.last_date) if d is not None]
            state = SeriesState(max(old.counter, state.counter), max(dates) if dates else None)
        if state != old:
            self._db.execute(
                "INSERT INTO series (key, counter, last_date) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET counter = excluded.counter, "
                "last_date = excluded.last_date",
                (key, state.counter, state.last_date.isoformat() if state.last_date else None))
        return state

    def billed(self, sources: Iterable[str]) -> dict[str, str]:
        """{source: number} for the sources some recorded document already bills."""
        self._check_open()
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(sources))
        for k in range(0, len(wanted), _BATCH):
            chunk = wanted[k:k + _BATCH]
            found.update(self._db.execute(
                f"SELECT source, number FROM sources WHERE source IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return {s: found[s] for s in wanted if s in found}

    def record(self, number: str, series_key: str, counter: int, kind: str, issue_date: date,
               client: str, net: Decimal | None, vat: Decimal | None, total: Decimal | None,
               content: dict, sources: Iterable[str] = ()) -> Entry:
        """Record an issued document, state "pending" until ``Journal.mark_written``.

        Raises JournalConflict for a number or a source already recorded, a counter that is
        not the next one of its series (a gap or a reuse), or a date before the series'
        last date; ValueError for a number the e-invoice rules refuse.
        """
        return self.record_many([NewDocument(number, series_key, counter, kind, issue_date,
                                             client, net, vat, total, content,
                                             tuple(sources))])[0]

    def record_many(self, documents: Iterable[NewDocument]) -> list[Entry]:
        """Record documents in this order, each checked as ``record`` checks one (against
        the journal and the documents before it in the batch), then written with one
        statement per table. One conflict refuses the whole batch (the transaction rolls
        back): the job then issues nothing rather than part of a run."""
        self._check_open()
        docs = [d._replace(sources=tuple(dict.fromkeys(d.sources))) for d in documents]
        if not docs:
            return []
        for d in docs:
            if not valid_number(d.number):
                raise ValueError(f"{d.number!r} is not a valid number (BR-FR-01/02)")
        taken: dict[str, int] = {}
        numbers = [d.number for d in docs]
        for k in range(0, len(numbers), _BATCH):
            chunk = numbers[k:k + _BATCH]
            for seq, number in self._db.execute(
                    f"SELECT seq, number FROM documents WHERE {self._db.number_key} IN "
                    f"({','.join('?' * len(chunk))})", [n.casefold() for n in chunk]):
                taken[number.casefold()] = seq
        billed = self.billed(s for d in docs for s in d.sources)
        states: dict[str, SeriesState | None] = {}
        top = self._db.execute("SELECT MAX(seq) FROM documents").fetchone()[0]
        seq = max(self._db.high_seq(), top or 0)
        prev = self._db.execute("SELECT chain_hash FROM documents ORDER BY seq DESC "
                                "LIMIT 1").fetchone()
        prev_hash = prev[0] if prev else GENESIS
        recorded_at = self._now().astimezone(UTC).isoformat(timespec="seconds")
        entries, rows, source_rows = [], [], []
        for d in docs:
            number = d.number
            if number.casefold() in taken:
                where = taken[number.casefold()]
                raise JournalConflict(f"Le numéro {number} est déjà dans le journal (entrée "
                                      f"{where}) : un numéro ne sert qu'une fois.",
                                      f"Number {number} is already in the journal (entry "
                                      f"{where}): a number is used only once.")
            again = {s: billed[s] for s in d.sources if s in billed}
            if again:
                shown = ", ".join(f"{s} → {n}" for s, n in again.items())
                raise JournalConflict(f"Déjà facturé : {shown}.", f"Already billed: {shown}.")
            if d.series_key not in states:
                states[d.series_key] = self.state(d.series_key)
            state = states[d.series_key]
            expected = (state.counter if state is not None else 0) + 1
            if d.counter != expected:
                raise JournalConflict(
                    f"Le compteur {d.counter} de {number} n'est pas le suivant de la série "
                    f"{d.series_key} ({expected}) : ni trou ni doublon.",
                    f"Counter {d.counter} of {number} is not the next of series "
                    f"{d.series_key} ({expected}): neither a gap nor a reuse.")
            last = state.last_date if state is not None else None
            if last is not None and d.issue_date < last:
                raise JournalConflict(
                    f"{number} est daté du {d.issue_date:%d/%m/%Y}, avant la dernière pièce "
                    f"de la série {d.series_key} ({last:%d/%m/%Y}).",
                    f"{number} is dated {d.issue_date.isoformat()}, before the last "
                    f"document of series {d.series_key} ({last.isoformat()}).")
            seq += 1
            plain, text = canonical_form(d.content)
            content_hash = sha256_hex(text)
            sources = tuple(sorted(d.sources))
            chain_hash = link_digest(prev_hash, content_hash, header_of(
                number, d.series_key, d.counter, d.kind, d.issue_date, d.client, d.net,
                d.vat, d.total, sources, recorded_at))
            entries.append(Entry(seq, number, d.series_key, d.counter, d.kind, d.issue_date,
                                 d.client, d.net, d.vat, d.total, plain, content_hash,
                                 chain_hash, PENDING, prev_hash, sources, recorded_at))
            rows.append((seq, number, d.series_key, d.counter, d.kind,
                         d.issue_date.isoformat(), d.client, text_of(d.net), text_of(d.vat),
                         text_of(d.total), text, content_hash, prev_hash, chain_hash, PENDING,
                         recorded_at))
            source_rows += [(source, number) for source in d.sources]
            taken[number.casefold()] = seq
            billed.update(dict.fromkeys(d.sources, number))
            states[d.series_key] = SeriesState(d.counter, d.issue_date)
            prev_hash = chain_hash
        self._db.executemany(
            "INSERT INTO documents (seq, number, series_key, counter, kind, issue_date, "
            "client, net, vat, total, content, content_hash, prev_hash, chain_hash, state, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._db.executemany("INSERT INTO sources (source, number) VALUES (?, ?)",
                             source_rows)
        self._db.executemany(
            "INSERT INTO series (key, counter, last_date) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET counter = excluded.counter, "
            "last_date = excluded.last_date",
            [(key, st.counter, st.last_date.isoformat()) for key, st in states.items()
             if st is not None and st.last_date is not None])
        self._db.note_seq(seq)
        return entries
