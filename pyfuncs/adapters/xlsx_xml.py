"""The XML text of a SpreadsheetML package, as the surgical writer (xlsx_write.py) splices
it: attributes, escaping (control characters in Excel's _xHHHH_ form), the top-level
elements of a fragment, cell references, and one cell's XML, whose text is always an
inline string so that '=1+1' typed by a user or read from a bank stays text.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pyfuncs.adapters.cells import col_index, col_letter
from pyfuncs.adapters.zip_package import PackageError

_ATTR = re.compile(r'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_TAG = re.compile(r'<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>'
                  r'|<(/?)([\w:.-]+)((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>', re.DOTALL)
_BAD = r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]"
_ESCAPE_NEEDED = re.compile(rf"[&<>\"]|{_BAD}|_x[0-9A-Fa-f]{{4}}_")


def _attrs(tag: str) -> dict[str, str]:
    return {m[1]: html.unescape(m[2] if m[2] is not None else m[3]) for m in _ATTR.finditer(tag)}


def _esc(text: str) -> str:
    """Escaped for XML text or attribute; control characters in Excel's _xHHHH_ form."""
    if not _ESCAPE_NEEDED.search(text):
        return text
    text = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)
    text = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
    return re.sub(_BAD, lambda m: f"_x{ord(m[0]):04X}_", text)


def _top_elements(fragment: str) -> list[tuple[str, str]]:
    """(local name, exact text) of each top-level element of a fragment, for splicing."""
    out, depth, start, name = [], 0, 0, ""
    for m in _TAG.finditer(fragment):
        if m[2] is None:
            continue
        self_closing = m[3].rstrip().endswith("/")
        if m[1]:
            depth -= 1
            if depth == 0:
                out.append((name, fragment[start:m.end()]))
        elif depth == 0:
            name, start = m[2].split(":")[-1], m.start()
            if self_closing:
                out.append((name, m[0]))
            else:
                depth = 1
        elif not self_closing:
            depth += 1
    return out


def _parse_ref(ref: str) -> tuple[int, int, int, int]:
    """'A1:K200' -> (first col, first row, last col, last row), columns 0-based."""
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", ref.strip())
    if m is None:
        raise PackageError(f"unsupported range {ref!r}")
    c1, r1 = col_index(m[1]), int(m[2])
    return (c1, r1, col_index(m[3]), int(m[4])) if m[3] else (c1, r1, c1, r1)


def _ref(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"


def _number(value: float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        raise ValueError(f"{value!r} cannot be written in a cell")
    return format(value, "f") if isinstance(value, Decimal) else repr(float(value))


@dataclass(frozen=True)
class Styled:
    """A value written with the style of another kind than its column's
    (a money amount in the dashboard's mixed "value" column, say)."""

    value: object
    kind: str


def cell_xml(ref: str, value: object, style: object = None, date1904: bool = False) -> str:
    """One cell. Text is always an inline string, so '=1+1' or '+33…' stays text."""
    s = f' s="{style}"' if style not in (None, 0, "0", "") else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
    if isinstance(value, date):
        base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        when = value if isinstance(value, datetime) else datetime(value.year, value.month,
                                                                  value.day)
        delta = when.replace(tzinfo=None) - base
        serial = delta.days + delta.seconds / 86400
        return f'<c r="{ref}"{s}><v>{serial:g}</v></c>' if serial == int(serial) else \
            f'<c r="{ref}"{s}><v>{serial!r}</v></c>'
    return (f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_esc(str(value))}'
            f"</t></is></c>")
