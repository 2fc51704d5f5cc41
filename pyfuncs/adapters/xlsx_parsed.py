"""A table's rows as the reader types them, before the kept ones become TableData: the
cells converted, the rows to skip and why; and what is checked across them once every table
is read (references between tables, the settings' values).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from operator import is_

from pyfuncs.adapters import cells as C
from pyfuncs.adapters.cells import BAD
from pyfuncs.adapters.workbook_data import Skipped
from pyfuncs.domain import schema as S
from pyfuncs.domain.findings import ERROR, INFO, WARNING, Finding


def ref_keys(tbl: S.Table) -> tuple[str, ...]:
    """The columns naming a row in findings: its key, else the document it belongs to."""
    return tbl.key or tuple(c.key for c in tbl.columns if c.ref)[:1]


@dataclass
class Parsed:
    """A table's candidate rows (non-blank), converted; ``drop`` holds rows to skip."""

    tbl: S.Table
    sheet: str
    labels: dict[str, str]
    letters: dict[str, str]
    extra: list[str]
    rows: list[int]
    cols: dict[str, list]
    raw: dict[str, list]
    cached: dict[str, list]
    drop: set[int] = field(default_factory=set)
    why: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> first bad cell

    def ref(self, i: int) -> str:
        """The row's key (or the document it belongs to), for the finding's ref."""
        parts = []
        for k in ref_keys(self.tbl):
            v = self.cols[k][i]
            parts.append("" if v is None else str(self.raw[k][i]).strip() if v is BAD else str(v))
        return " / ".join(p for p in parts if p)


def folded(values: list) -> list:
    """Keys compare case-insensitively, as SUMIFS and Excel's lookups do."""
    try:
        return list(map(str.casefold, values))
    except TypeError:
        return [v.casefold() if v.__class__ is str else v for v in values]


def skipped(p: Parsed) -> Skipped | None:
    """What could be read of the rows ``p`` skips (None when it skips none)."""
    if not p.drop:
        return None
    gone = sorted(p.drop)
    cols = {k: [None if v[i] is BAD else v[i] for i in gone] for k, v in p.cols.items()}
    return Skipped([p.rows[i] for i in gone], cols, [p.why.get(i, ("", "")) for i in gone])


def check_duplicates(p: Parsed, lang: str,
                     report: Callable[[Parsed, int, str, C.Issue], None]) -> None:
    """A key seen again (case-insensitive, as SUMIFS and lookups compare) is reported
    on its second occurrence, which is skipped, even when the first is skipped for
    another reason: every problem of a row is reported at once."""
    sets = [p.tbl.key] if p.tbl.key else []
    sets += [(c.key,) for c in p.tbl.columns if c.unique and (c.key,) != p.tbl.key]
    for keys in sets:
        norm = [folded(p.cols[k]) for k in keys]
        flat = norm[0] if len(keys) == 1 else list(zip(*norm))
        distinct = set(flat)
        if len(keys) == 1 and (None in distinct or BAD in distinct):
            missing = sum(map(is_, flat, repeat(None))) + sum(map(is_, flat, repeat(BAD)))
            if len(distinct) - (None in distinct) - (BAD in distinct) == len(flat) - missing:
                continue
        elif len(distinct) == len(flat):
            continue  # the usual case, decided in C
        seen: dict[object, int] = {}
        for i, key in enumerate(flat):
            if any(v is None or v is BAD for v in (key if len(keys) > 1 else (key,))):
                continue
            if key in seen:
                shown = " / ".join(str(p.cols[k][i]) for k in keys)
                report(p, i, keys[0], C.duplicate_issue(shown, seen[key], lang))
            else:
                seen[key] = p.rows[i]


def check_refs(parsed: dict[str, Parsed], lang: str,
               report: Callable[[Parsed, int, str, C.Issue], None]) -> None:
    """Foreign keys, once every table is read, against every key the target holds,
    even on a row skipped for another reason: one mistake is not reported twice.
    A reference to a table that was not read is not checked. One unknown value is one
    finding, on its first row, telling how many rows name it (a deleted client code is
    one mistake, not one per document): every such row is still skipped."""
    groups: dict[tuple[str, object], list[tuple[Parsed, int, str, C.Issue]]] = {}
    for p in parsed.values():
        for col in p.tbl.columns:
            target, _, tkey = (col.ref or "").partition(".")
            if target not in parsed:
                continue
            tp = parsed[target]
            tkey = tkey or tp.tbl.key[0]
            valid = set(tp.cols[tkey])
            values = p.cols[col.key]
            unknown = set(values) - valid - {None, BAD}
            if not unknown:
                continue
            by_fold = {str(k).casefold(): k for k in valid if k is not None and k is not BAD}
            for i, v in enumerate(values):
                if v in unknown:
                    hint = by_fold.get(str(v).casefold())
                    groups.setdefault((target, folded([v])[0]), []).append(
                        (p, i, col.key, C.unknown_ref_issue(
                            v, tp.labels[tkey], tp.sheet, hint, lang)))
    for rows in groups.values():
        p, i, key, (code, message, fix) = rows[0]
        if len(rows) > 1:
            message += C.also_named(
                [f"{q.sheet} {q.rows[k]}" for q, k, _, _ in rows[1:]], lang)
        report(p, i, key, (code, message, fix))
        for q, k, key, _ in rows[1:]:
            q.drop.add(k)
            q.why.setdefault(k, (q.labels[key], f"{q.letters[key]}{q.rows[k]}"
                                 if key in q.letters else ""))


def typed_settings(p: Parsed | None, lang: str, date1904: bool,
                   findings: list[Finding]) -> dict[str, object]:
    """Paramètres rows -> {setting key: typed value}; blank -> the default."""
    values = {s.key: s.default for s in S.SETTINGS}
    if p is None:
        return values
    rows: dict[str, int] = {}
    for i, key in enumerate(p.cols["key"]):
        if i not in p.drop and key is not None:
            rows.setdefault(key.casefold(), i)

    def note(severity: str, i: int | None, key: str, col: str, issue: C.Issue,
             tail: str = "") -> None:
        row = None if i is None else p.rows[i]
        cell = f"{p.letters[col]}{row}" if row is not None and col in p.letters else ""
        findings.append(Finding(issue[0], severity, p.sheet, row, p.labels[col], key,
                                     issue[1] + tail, issue[2], cell))

    for s in S.SETTINGS:
        at = rows.pop(s.key.casefold(), None)
        raw = "" if at is None else p.raw["value"][at]
        if (raw.strip() if isinstance(raw, str) else raw) == "":
            if s.required:
                note(WARNING, at, s.key, "value",
                     C.setting_issue("SETTING-MISSING", s.label(lang), lang))
            continue
        out, issues = C.convert_column([raw], C.converter(s.type, lang, s.choices,
                                                          date1904))
        if issues:
            note(ERROR, at, s.key, "value", issues[0], C.default_used(lang))
        else:
            values[s.key] = out[0]
    for i in rows.values():
        key = p.cols["key"][i]
        note(INFO, i, key, "key", C.setting_issue("SETTING-UNKNOWN", key, lang))
    return values
