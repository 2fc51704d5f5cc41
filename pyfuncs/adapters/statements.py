"""Bank statements: ISO 20022 camt.053, OFX, MT940 and mapped CSV exports, read into
statement entries.

``read_statement`` tells the format by the file's content and hands it to its reader,
one module per format family: statements_camt (camt.053, lxml), statements_csv (bank
exports mapped by Paramètres), statements_ofx (ofxtools), statements_mt940 (mt-940);
what they all give (Statement, StatementEntry, the entry's identity) is in
statements_base. The names are re-exported here: the rest of the product imports this
module only.

What is refused, with one line naming the file and the problem, is what cannot be read
at all (not XML, not a camt.053 Document, no statement in it, a binary file, UTF-16 other
than a camt.053) and what is not whole (MT940 balances that do not add up, camt.053 totals
that do not count the entries, two currencies in one file); an entry that cannot be used
(an amount or a date unreadable, a credit with a negative amount) is not imported and
named in ``Statement.problems`` with its place in the file. The format is told by the
content, not the name: an MT940 behind a bank's header lines ("ABNANL2A / 940") is an
MT940, not a CSV.
"""
from __future__ import annotations

import re
from pathlib import Path

from pyfuncs.adapters.statements_base import (
    Statement,
    StatementEntry,
    StatementError,
)
from pyfuncs.adapters.statements_camt import CAMT_NAMESPACES, read_camt053
from pyfuncs.adapters.statements_csv import CsvLayout, read_csv
from pyfuncs.adapters.statements_mt940 import read_mt940
from pyfuncs.adapters.statements_ofx import read_ofx

__all__ = ["CAMT_NAMESPACES", "CsvLayout", "Statement", "StatementEntry", "StatementError",
           "read_camt053", "read_csv", "read_mt940", "read_ofx",
           "read_statement"]


_MT940 = re.compile(rb"^:20:.*?^:6[01][FM]?:", re.MULTILINE | re.DOTALL)


def read_statement(path: Path, layout: CsvLayout | None = None) -> Statement:
    """A statement file by its content: camt.053 XML, OFX, MT940 or a CSV export."""
    path = Path(path)
    try:
        raw = path.read_bytes()[:8192]
    except OSError as err:
        raise StatementError(f"{path.name}: cannot be read ({err.strerror})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte order mark: lxml reads an XML file so written as it is
        text = raw.decode("utf-16", errors="replace").lstrip("\ufeff \r\n\t")
        if text.startswith("<") and "camt.053" in text:
            return read_camt053(path)
        raise StatementError(f"{path.name}: a text file in UTF-16, read only for camt.053: "
                             "export it from the bank in UTF-8 (or save it as UTF-8)")
    head = raw[:512].lstrip(b"\xef\xbb\xbf \r\n\t")
    if not head:
        raise StatementError(f"{path.name}: empty file")
    if b"\x00" in raw or raw.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise StatementError(f"{path.name}: a binary file (a PDF, a spreadsheet?), not a "
                             "statement: export camt.053, OFX, MT940 or CSV from the bank")
    if head.upper().startswith(b"OFXHEADER") or b"<OFX>" in head.upper() or \
            b"<?OFX" in head.upper():
        return read_ofx(path)
    if head.startswith(b"<"):
        return read_camt053(path)
    if _MT940.search(raw):
        return read_mt940(path)
    return read_csv(path, layout or CsvLayout())
