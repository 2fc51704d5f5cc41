"""What a journal backend gives the journal: one connection, SQL with ``?`` placeholders,
an exclusive write transaction, and the few things SQLite and PostgreSQL say differently.

The journal's rules (no gap, no reuse, the hash chain, exactly once) are written once, in
store.py and transaction.py, against this interface; sqlite.py and postgres.py only
connect, create the schema and translate their errors into the journal's own.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    # a row, or None: Any, since each query knows the shape of its own rows
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[tuple]: ...

    def __iter__(self) -> Iterator[tuple]: ...


class Backend(Protocol):
    """One open connection to a journal (a SQLite file, a PostgreSQL database)."""

    #: what the user knows the journal by: the file's path, or the URL without password
    where: str
    #: the SQL expression a number is compared by (numbers are unique whatever their case);
    #: the values compared with it are casefolded
    number_key: str

    def execute(self, sql: str, args: Iterable = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[tuple]) -> Cursor: ...

    def hold(self, key: str) -> bool:
        """Hold ``key`` for this connection while a flow goes to the platform: False when
        another live connection holds it. Let go by ``let_go`` or when the connection
        ends (the process crashed or was killed)."""

    def let_go(self, key: str) -> None: ...

    def begin_write(self) -> None:
        """Start a transaction that holds the journal's write lock from its first
        statement: two writers never read the same counter or chain the same entry."""

    def commit(self) -> None: ...

    def rollback(self) -> None:
        """Roll back after an error; an error of the rollback itself is not reported."""

    def close(self) -> None: ...

    def high_seq(self) -> int:
        """The highest entry number ever allocated, deleted entries included."""

    def note_seq(self, seq: int) -> None:
        """Inside a write transaction: ``seq`` is now the highest entry number."""

    def trigger_names(self) -> set[str]:
        """The guards (triggers) the journal's tables have now."""

    def schema_version(self) -> int: ...
