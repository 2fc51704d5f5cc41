"""Excel Tables read as Arrow columns through fastexcel, for adapters/xlsx_read.py.

fastexcel parses a sheet's XML in Rust (the same calamine parser as python-calamine)
into Arrow columns, without a Python object per cell and without holding the GIL, so
the reader loads the next tables in worker threads while Python types the current one.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pyfuncs.adapters.xlsx_errors import SheetScan, reported_cells
from pyfuncs.adapters.xlsx_locate import ColumnKinds

# where a table stands on its sheet: (sheet, first data row, rows, first column, last
# column), rows and columns counted from 0
Span = tuple[str, int, int, int, int]


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
                 columns: Mapping[str, ColumnKinds] | None = None,
                 texts_if_mixed: frozenset[str] = frozenset(),
                 after: Mapping[str, Callable[[], object]] | None = None,
                 spans: Mapping[str, Span] | None = None) -> None:
        import fastexcel

        # an all-blank column is read as text, with a warning nobody needs to see
        logging.getLogger("fastexcel").setLevel(logging.ERROR)
        self._open = fastexcel.read_excel
        self.path = str(path)
        self.readers: list = []  # every reader opened, dropped (file closed) by close()
        self.local = threading.local()
        # {table: its columns by kind}: text stripped here, formula columns loaded as
        # numbers and the user's own as text (see ``_load`` and ``_cells``)
        self.columns = dict(columns or {})
        # tables whose cells, when they mix types, are still loaded as texts (see ``texts``)
        self.texts_if_mixed = texts_if_mixed
        self.texts: dict[str, list[list]] = {}
        # opening a reader parses the shared strings holding the GIL: one at a time, so
        # the first worker is parsing its table (GIL released) while the second opens
        self.opening = threading.Lock()
        workers = max(1, min(2, os.cpu_count() or 1))
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="facturier-read")
        # where each table stands on its sheet: loaded as that block of the sheet, so that
        # fastexcel also says which cells it could not type (see ``_cells``)
        self.spans = dict(spans or {})
        # {table: its cells fastexcel read as blank although they hold something}, as
        # fastexcel reported them (see ``_cells``)
        self.unread: dict[str, SheetScan] = {}
        # work to do in the same worker when a table cannot be loaded so, or when fastexcel
        # cannot say which cells it left blank (the scan of its sheet's XML for error
        # cells: zlib inflates without the GIL, beside the other worker's parse)
        self.after = dict(after or {})
        self.done: dict[str, object] = {}
        self.futures = {name: self.pool.submit(self._load, name) for name in names}
        # polars (0.09 s to import, holding the GIL) once the first worker is opening the
        # file: its table's parse (GIL released) then starts 0.09 s sooner. The workers
        # need polars only once a table is parsed (import's lock makes them wait for it).
        import polars  # noqa: F401 - imported here, see above

    def _load(self, name: str) -> tuple[int, int, list[list | Coded], dict[int, bool]]:
        """(width, height, columns, {position of a text column given stripped: whether
        it holds a None}).

        Columns come as the grid gives them, except the text columns named in
        ``columns`` (plain text or codes, for the reader) when they hold only text:
        those are stripped here, None for a blank, as the reader would do in Python.
        The columns are turned into Python lists here, in the worker: the main thread is
        mostly waiting for the parse, so the GIL is free for it."""
        reader = getattr(self.local, "reader", None)
        if reader is None:
            with self.opening:
                # from the path: twice as fast to open as from the file's bytes in memory
                reader = self.local.reader = self._open(self.path)
                self.readers.append(reader)
        then = self.after.pop(name, None)
        try:
            frame = self._cells(reader, name)
            if frame is None:  # no span, no pyarrow: the sheet's XML says what is unread
                if then is not None:
                    self.done[name] = then()
                frame = reader.load_table(name, schema_sample_rows=None,
                                          dtype_coercion="strict").to_polars()
        except Exception:
            if then is not None:  # the grid reads this table: its sheet's XML scanned
                self.done[name] = then()
            if name in self.texts_if_mixed:
                # every cell as fastexcel writes it as text (None when empty): with the
                # cell types from the sheet's XML, the reader rebuilds the typed cells
                # without opening the grid (see xlsx_read._typed_rows)
                texts = reader.load_table(name, dtypes="string").to_polars()
                self.texts[name] = [series.to_list() for series in texts.get_columns()]
            raise
        import polars as pl  # not before the parse: the main thread may be importing it

        kinds = self.columns.get(name)
        wanted = kinds.text if kinds is not None else ()
        columns: list[list | Coded] = []
        stripped: dict[int, bool] = {}
        for j, series in enumerate(frame.get_columns()):
            if j in wanted and series.dtype == pl.String:
                column, stripped[j] = stripped_column(series)
                columns.append(column)
            else:
                columns.append(grid_column(series))
        return frame.width, frame.height, columns, stripped

    def _cells(self, reader, name: str):  # -> a polars DataFrame, or None
        """The table's block of its sheet, typed by fastexcel, with the cells it typed as
        blank although they hold something noted in ``unread``: an error cell (#N/A), a
        date beyond any calendar, a text such as "n/a" in a column of numbers. fastexcel
        says so from the parse itself, so the sheet's XML is not inflated and searched a
        second time (1.2-1.5 s of a 9 s refresh at 100,000 invoices, measured). None when
        the table's span is unknown or pyarrow (which fastexcel needs for that report) is
        missing: the caller loads the Table and scans the XML.

        The calculated columns (money and whole days, every one a number) are loaded as
        numbers, and the user's own columns (which the reader does not read) as text, not
        typed by fastexcel's look at their cells. An error value there comes from a formula
        (#NAME? where the application that last calculated the workbook lacks a function,
        or a name mistyped; #REF! after a deleted column), and a #NAME? in a column whose
        type fastexcel must guess stops the load: the whole table then went through the
        grid, a refresh 2 s slower at 100,000 invoices (measured). Told the type, fastexcel
        reports it like any other error value."""
        span = self.spans.get(name)
        if span is None:
            return None
        sheet, first, height, c1, c2 = span
        if importlib.util.find_spec("pyarrow") is None:  # fastexcel's report needs it
            return None
        import polars as pl

        kinds = self.columns.get(name) or ColumnKinds(set(), set(), set())
        dtypes = {**{c1 + j: "float" for j in kinds.calculated},
                  **{c1 + j: "string" for j in kinds.own}}
        block = reader.load_sheet(sheet, header_row=None, skip_rows=first, n_rows=height,
                                  use_columns=list(range(c1, c2 + 1)),
                                  schema_sample_rows=None, dtype_coercion="strict",
                                  dtypes=dtypes or None)
        batch, errors = block.to_arrow_with_errors()
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        if frame.height < height:  # the table's last rows are blank, past the sheet's end
            frame = pl.DataFrame([s.extend_constant(None, height - frame.height)
                                  for s in frame.get_columns()])
        found = reported_cells([] if errors is None else
                               [(e.offset_position, e.detail) for e in errors.errors],
                               first, c1)
        # "NaN" or "nan" typed in a column of numbers comes as a float NaN, unreported (no
        # number in a sheet is NaN): a text, for the grid to read as typed
        found.null_like = found.null_like or any(
            s.dtype == pl.Float64 and bool(s.is_nan().any()) for s in frame.get_columns())
        self.unread[name] = found
        return frame

    def frame(self, name: str) -> tuple[int, int, list[list | Coded], dict[int, bool]]:
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


class Coded:
    """A column of few distinct cells, as codes: row i holds ``values[codes[i]]``, every
    value held by some row.

    The reader converts each distinct value once and maps the codes, with no dict of
    cells to build; ``decode`` gives the plain column. Its length is the column's."""
    __slots__ = ("codes", "values")

    def __init__(self, values: list, codes: list) -> None:
        self.values, self.codes = values, codes

    def __len__(self) -> int:
        return len(self.codes)

    def decode(self) -> list:
        return list(map(self.values.__getitem__, self.codes))


def stripped_column(series) -> tuple[list, bool]:  # a polars String Series
    """``[v.strip() or None for v in column]`` (None for a blank cell or one holding only
    spaces), computed in Rust or through the distinct texts, and whether it holds a None
    (known here without a scan)."""
    coded = _coded(series)
    if coded is not None:  # few distinct texts: each stripped once, by str.strip
        values = [v.strip() or None for v in coded.values]  # a blank ('') gives None
        return list(map(values.__getitem__, coded.codes)), None in values
    stripped = series.str.strip_chars(WHITESPACE).replace("", None)
    return stripped.to_list(), bool(stripped.null_count())


def _coded(series) -> Coded | None:  # a polars Series
    """The column as codes over its distinct values ('' last, when a cell is empty)
    when it holds few of them (a status, a unit, a client code, a VAT rate, a date): each
    distinct value is made a Python object once and every row points to it, instead of a
    new object a row. None for a column of mostly distinct values (a reference, a label),
    where this would be slower.

    Texts are coded through an Enum of their distinct values; numbers and dates by their
    dense rank, which indexes their sorted distinct values (polars sorts and ranks them in
    one order). A column holding NaN or -0.0 is not coded: the rank would merge -0.0 with
    0.0, equal in Python too but not written alike."""
    import polars as pl

    filled = len(series) - series.null_count()
    if filled < SHARED_MIN_ROWS:
        return None
    head = series.head(1024).drop_nulls()
    if head.n_unique() * SHARED_RATIO > len(head):  # a sample first: mostly distinct?
        return None
    if series.dtype == pl.String:
        distinct = series.drop_nulls().unique()
        if len(distinct) * SHARED_RATIO > filled:
            return None
        values = distinct.to_list()
        codes = series.cast(pl.Enum(distinct)).to_physical()
    else:
        if series.dtype == pl.Float64 and bool(
                (series.is_nan() | ((series == 0) & (1.0 / series < 0))).any()):
            return None  # NaN, or -0.0 (== 0.0, yet not written alike): cell by cell
        distinct = series.drop_nulls().unique()
        if len(distinct) * SHARED_RATIO > filled:
            return None
        values = distinct.sort().to_list()
        codes = series.rank("dense").cast(pl.Int64) - 1
    if codes.null_count():
        codes = codes.fill_null(len(values))  # the blank's value, last in the list
        values.append("")
    return Coded(values, codes.to_list())


SHARED_MIN_ROWS = 256  # a column shorter than this is not worth it
SHARED_RATIO = 4  # at most one distinct value per four cells


def grid_column(series) -> list | Coded:  # a polars Series
    """A column as the sheet grid holds it ('' for a blank, a date for a date at midnight,
    a datetime otherwise, every number a float), as codes when it has few distinct
    values (see ``_coded``)."""
    import polars as pl

    dtype = series.dtype
    if dtype == pl.Datetime:
        day = series.dt.truncate("1d")
        if bool((day == series).all()):
            series = series.cast(pl.Date)
    elif dtype.is_integer():
        series = series.cast(pl.Float64)
    if series.dtype in (pl.String, pl.Float64, pl.Date, pl.Datetime):
        coded = _coded(series)
        if coded is not None:
            return coded
    values = series.to_list()
    if series.null_count():
        values = ["" if v is None else v for v in values]
    return values
