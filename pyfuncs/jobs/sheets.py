"""How a job lays out a sheet it writes: the columns of the schema, and the stamp that says
who wrote it and when."""
from __future__ import annotations

from datetime import datetime

from pyfuncs.domain import schema as S


def stamp(lang: str, title: str, when: datetime) -> str:
    if lang == "fr":
        return f"{title} : écrit par Facturier le {when:%d/%m/%Y à %H:%M}"
    return f"{title}: written by Facturier on {when:%Y-%m-%d at %H:%M}"


def sheet_columns(sheet: S.Sheet, lang: str) -> list[tuple[str, str, float]]:
    return [(c.label(lang), KINDS.get(c.type, "text"), float(c.width)) for c in sheet.columns]


KINDS = {S.MONEY: "money", S.DATE: "date", S.INT: "int", S.RATE: "rate", S.NUMBER: "number"}


