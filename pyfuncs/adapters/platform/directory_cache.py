"""The directory's answers, kept with their date so a run does not ask again what an
earlier one learnt (docs/E-INVOICING.md, « Durée de validité de l'annuaire »).

One table, ``directory_cache``, in a small SQLite file of its own beside the workbook
(``WORKBOOK.facturier-directory.sqlite``, see ``cache_path``): a cache, not a record, so
each PC of a team keeps its own and nothing is lost when it goes (the platform's flows, the
record, are in the journal). Behind a narrow interface (``get``, ``put``). The file is
created only when there is an answer to keep: a workbook that never asked the directory
gets no file from here. Nothing secret is written: a SIREN, a SIRET, the address the
directory gave and its status.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Self

from pyfuncs.adapters.platform.directory import Routing

SCHEMA = """
CREATE TABLE IF NOT EXISTS directory_cache (
    siren TEXT NOT NULL,
    siret TEXT NOT NULL,
    found INTEGER NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    platform_type TEXT NOT NULL,
    found_by TEXT NOT NULL,
    asked_on TEXT NOT NULL,
    PRIMARY KEY (siren, siret)
);
"""


def cache_path(workbook: Path) -> Path:
    """The cache's file, named after the workbook like the journal."""
    return workbook.with_name(f"{workbook.stem}.facturier-directory.sqlite")


@dataclass(frozen=True)
class Cached:
    routing: Routing
    asked_on: date


class DirectoryCache:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None and (create or self.path.exists()):
            self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(SCHEMA)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, siren: str, siret: str) -> Cached | None:
        db = self._open(create=False)
        if db is None:
            return None
        row = db.execute("SELECT found, address, status, platform_type, found_by, asked_on "
                         "FROM directory_cache WHERE siren = ? AND siret = ?",
                         (siren, siret)).fetchone()
        if row is None:
            return None
        return Cached(Routing(bool(row[0]), row[1], row[2], row[3], row[4]),
                      date.fromisoformat(row[5]))

    def put(self, siren: str, siret: str, routing: Routing, asked_on: date) -> None:
        db = self._open(create=True)
        assert db is not None
        db.execute("INSERT INTO directory_cache VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT(siren, siret) DO UPDATE SET found = excluded.found, "
                   "address = excluded.address, status = excluded.status, "
                   "platform_type = excluded.platform_type, found_by = excluded.found_by, "
                   "asked_on = excluded.asked_on",
                   (siren, siret, int(routing.found), routing.address, routing.status,
                    routing.platform_type, routing.by, asked_on.isoformat()))
