"""Excel Tables read as Arrow columns through fastexcel, for adapters/xlsx_read.py.

fastexcel parses a sheet's XML in Rust (the same calamine parser as python-calamine)
into Arrow columns, without a Python object per cell and without holding the GIL, so
the reader loads the next tables in worker threads while Python types the current one.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class TablePrefetch:
    """Excel Tables loaded by fastexcel in worker threads, ahead of their turn.

    fastexcel parses a sheet's XML in Rust without holding the GIL, so while Python types
    one table's columns, the workers parse the next ones (two workers: two cores parse at
    once). Each worker has its own reader over the file, all closed by ``close`` (no file
    handle stays open for the writer that replaces the file). A table asked for that was not
    announced is loaded on the spot. ``frame`` raises what the load raised (a column
    mixing types under strict coercion): the caller reads that table's grid instead.
    """

    def __init__(self, path: Path, names: list[str],
                 text_columns: dict[str, set[int]] | None = None) -> None:
        import fastexcel
        import polars  # to_polars needs it
        self._string = polars.String
        # an all-blank column is read as text, with a warning nobody needs to see
        logging.getLogger("fastexcel").setLevel(logging.ERROR)
        self._open = fastexcel.read_excel
        self.path = str(path)
        self.readers: list = []  # every reader opened, dropped (file closed) by close()
        self.local = threading.local()
        self.text_columns = text_columns or {}
        # opening a reader parses the shared strings holding the GIL: one at a time, so
        # the first worker is parsing its table (GIL released) while the second opens
        self.opening = threading.Lock()
        workers = max(1, min(2, os.cpu_count() or 1))
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="facturier-read")
        self.futures = {name: self.pool.submit(self._load, name) for name in names}

    def _load(self, name: str) -> tuple[int, int, list[list], set[int]]:
        """(width, height, columns, positions of the text columns given stripped).

        Columns come as the grid gives them, except the text columns named in
        ``text_columns`` (plain text or codes, for the reader) when they hold only text:
        those are stripped here, None for a blank, as the reader would do in Python.
        The columns are turned into Python lists here, in the worker: the main thread is
        mostly waiting for the parse, so the GIL is free for it."""
        reader = getattr(self.local, "reader", None)
        if reader is None:
            with self.opening:
                # from the path: twice as fast to open as from the file's bytes in memory
                reader = self.local.reader = self._open(self.path)
                self.readers.append(reader)
        frame = reader.load_table(name, schema_sample_rows=None,
                                  dtype_coercion="strict").to_polars()
        wanted = self.text_columns.get(name, ())
        columns, stripped = [], set()
        for j, series in enumerate(frame.get_columns()):
            if j in wanted and series.dtype == self._string:
                columns.append(stripped_text(series))
                stripped.add(j)
            else:
                columns.append(as_grid_values(series))
        return frame.width, frame.height, columns, stripped

    def frame(self, name: str) -> tuple[int, int, list[list], set[int]]:
        future = self.futures.pop(name, None)
        if future is None:
            return self._load(name)
        try:
            return future.result()
        finally:
            # a load that failed raises here, and its traceback holds this frame: without
            # this, frame -> future -> exception -> frame would be a cycle keeping the
            # worker's frame, and its reader (an open file) alive until a GC pass
            future = None

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.pool.shutdown(wait=True)
        self.futures.clear()
        self.readers.clear()  # with the threads' references below, the last ones: the
        self.local = threading.local()  # file is closed now, the writer may replace it


# what str.strip() strips: every character str.isspace() accepts (Rust's whitespace lacks
# the four information separators U+001C..U+001F); a unit test checks the list
WHITESPACE = ("\x09\x0a\x0b\x0c\x0d\x1c\x1d\x1e\x1f\x20\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def stripped_text(series) -> list:  # a polars String Series
    """``[v.strip() or None for v in column]`` computed in Rust: None for a blank cell or
    one holding only spaces."""
    shared = _through_distinct(series, _stripped)
    if shared is not None:
        return shared
    return series.str.strip_chars(WHITESPACE).replace("", None).to_list()


def _stripped(values: list) -> list:
    return [v.strip() or None for v in values] + [None]


def _as_grid_text(values: list) -> list:
    return values + [""]


def _through_distinct(series, values_of) -> list | None:  # a polars String Series
    """A text column of few distinct values (a status, a unit, a client code), as
    ``values_of(distinct texts)`` maps them: each distinct text is made a Python string
    (and stripped) once, and every row points to it, instead of one new string a row.
    Faster in the worker, and the reader's dict of distinct values then finds each cell
    by identity. ``values_of`` returns one value more, for a blank cell. None for a column
    of mostly distinct texts (a reference, a label), where this would be slower."""
    import polars as pl

    filled = len(series) - series.null_count()
    if filled < SHARED_MIN_ROWS:
        return None
    head = series.head(1024).drop_nulls()
    if head.n_unique() * SHARED_RATIO > len(head):  # a sample first: mostly distinct?
        return None
    distinct = series.drop_nulls().unique()
    if len(distinct) * SHARED_RATIO > filled:
        return None
    codes = series.cast(pl.Enum(distinct)).to_physical()
    if codes.null_count():
        codes = codes.fill_null(len(distinct))  # the blank's value, last in the list
    return list(map(values_of(distinct.to_list()).__getitem__, codes.to_list()))


SHARED_MIN_ROWS = 256  # a column shorter than this is not worth it
SHARED_RATIO = 4  # at most one distinct text per four cells


def as_grid_values(series) -> list:  # a polars Series
    """A column as the sheet grid holds it: '' for a blank, a date for a date at midnight
    (a datetime otherwise), every number a float."""
    import polars as pl

    dtype = series.dtype
    if dtype == pl.String:
        shared = _through_distinct(series, _as_grid_text)
        if shared is not None:
            return shared
        return series.fill_null("").to_list()
    if dtype == pl.Datetime:
        day = series.dt.truncate("1d")
        if bool((day == series).all()):
            series = series.cast(pl.Date)
    elif dtype.is_integer():
        series = series.cast(pl.Float64)
    values = series.to_list()
    if series.null_count():
        values = ["" if v is None else v for v in values]
    return values
