"""A journal copied whole into another (the SQLite file of one PC into the PostgreSQL
database of a team), in one transaction of the target: an interruption leaves the target
as it was, and a rerun copies only what it does not hold yet. Nothing is renumbered:
every row keeps its entry number and its hashes, so the chain is verified on arrival
exactly as it was verified at the source."""
from __future__ import annotations

from dataclasses import dataclass

from pyfuncs.adapters.journal.errors import JournalMismatch
from pyfuncs.adapters.journal.platform import TABLES as PLATFORM_TABLES
from pyfuncs.adapters.journal.store import Journal

DOCUMENTS = ("seq", "number", "series_key", "counter", "kind", "issue_date", "client", "net",
             "vat", "total", "content", "content_hash", "prev_hash", "chain_hash", "state",
             "recorded_at")
# table -> (columns copied, order, conflict target)
OTHERS = {
    "sources": (("source", "number"), "source"),
    "reminder_messages": (("message_id", "kind", "client", "level", "recipients", "subject",
                           "as_of", "sent_at", "content", "logged"), "rowid"),
    "reminded": (("invoice", "step", "kind", "level", "message_id"), "invoice, step, kind, level"),
    "bank_entries": (("entry_key", "reference", "account", "booking_date", "amount",
                      "currency", "text", "payer", "iban", "source", "imported_at", "state",
                      "booking", "booked_at", "logged", "suggested"), "rowid"),
}
# the approved platform's ledgers: what was sent, claimed or received goes along
OTHERS.update({table: (columns, ", ".join(columns[:keys]))
               for table, (_old, columns, keys) in PLATFORM_TABLES.items()})


@dataclass
class Copied:
    """What a copy added to the target (zeros on a rerun that found it all there)."""

    documents: int = 0
    sources: int = 0
    reminder_messages: int = 0
    reminded: int = 0
    bank_entries: int = 0
    platform_flows: int = 0
    platform_statuses: int = 0
    platform_sync: int = 0
    platform_receipts: int = 0
    platform_reports: int = 0


def copy_journal(source: Journal, target: Journal) -> Copied:
    """Copy every row of ``source`` that ``target`` lacks, in one target transaction.

    Refused (JournalMismatch, nothing written) when the target holds a document that the
    source does not hold identically: it is another journal, not an earlier copy.
    """
    src, dst = source.backend, target.backend
    done = Copied()
    rows = src.execute(f"SELECT {', '.join(DOCUMENTS)} FROM documents ORDER BY seq"
                       ).fetchall()
    chain = {row[0]: row[13] for row in rows}
    with target.transaction():
        there = dst.execute("SELECT seq, number, chain_hash FROM documents ORDER BY seq"
                            ).fetchall()
        for seq, number, chain_hash in there:
            if chain.get(seq) != chain_hash:
                raise JournalMismatch(
                    f"Le journal {target.where} tient déjà l'entrée {seq} ({number}), "
                    f"différente de celle de {source.where} : ce n'est pas une copie "
                    "interrompue de ce journal. Choisir une base vide.",
                    f"The journal {target.where} already holds entry {seq} ({number}), "
                    f"which differs from {source.where}'s: it is not an interrupted copy of "
                    "this journal. Choose an empty database.")
        have = {seq for seq, _, _ in there}
        new = [row for row in rows if row[0] not in have]
        if new:
            dst.executemany(f"INSERT INTO documents ({', '.join(DOCUMENTS)}) VALUES "
                            f"({', '.join('?' * len(DOCUMENTS))})", new)
        done.documents = len(new)
        written = [(row[1].casefold(),) for row in rows if row[14] == "written"]
        dst.executemany(f"UPDATE documents SET state = 'written' WHERE "
                        f"{dst.number_key} = ? AND state = 'pending'", written)
        for table, (columns, order) in OTHERS.items():
            values = src.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
                                 ).fetchall()
            before = dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            dst.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                            f"({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING", values)
            setattr(done, table, dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    - before)
        for key, counter, last_date in src.execute("SELECT key, counter, last_date FROM series"):
            dst.execute("INSERT INTO series (key, counter, last_date) VALUES (?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET counter = excluded.counter, "
                        "last_date = excluded.last_date WHERE series.counter <= "
                        "excluded.counter", (key, counter, last_date))
        dst.note_seq(max(src.high_seq(), dst.high_seq()))
    return done
