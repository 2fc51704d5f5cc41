"""Invoice number series: patterns, allocation and seeding (DOMAIN.md §2).

A series is typed in the settings as a pattern such as ``FAC{YYYY}-{NNNN}``: literal text
plus tokens for the year (``{YYYY}``, ``{YY}``), the month (``{MM}``) and exactly one
counter (``{N}`` to ``{NNNNNN}``, zero-padded to at least that many digits). French law
wants numbers unique, continuous and chronological; the e-invoice rules BR-FR-01/02 want at
most 35 characters from A-Z a-z 0-9 + - _ /. A pattern that could break either is refused
when it is read, not when the first invoice of a busy year overflows.

The counter a number increments is identified by a *key*: with a yearly reset, the pattern
and the year (``FAC{YYYY}-{NNNN}@2026``); without, the pattern alone, so the counter runs
across years even when the year is printed. Two settings with the same pattern text (the
deposit series defaults to the invoice series) share one counter, as they share numbers.

This module only computes; the journal (pyfuncs.adapters.journal) keeps the counters and
makes an allocation durable before a number becomes visible.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pyfuncs.domain.findings import BilingualError

BR_FR_NUMBER = re.compile(r"[A-Za-z0-9+\-_/]{1,35}")
MAX_LENGTH = 35
# Patterns are measured with a counter of this many digits: ten million documents in one
# series is beyond any small company, so a pattern that fits here fits for its lifetime.
COUNTER_ROOM = 7

_TOKEN = re.compile(r"\{([^{}]*)\}")
_COUNTER = re.compile(r"N+")
_WIDTHS = {"YYYY": 4, "YY": 2, "MM": 2}
_KNOWN_FR = "{YYYY} (année), {YY}, {MM} (mois), {N} à {NNNNNN} (compteur)"
_KNOWN_EN = "{YYYY} (year), {YY}, {MM} (month), {N} to {NNNNNN} (counter)"


def valid_number(text: str) -> bool:
    """True when ``text`` is a number the e-invoice rules BR-FR-01/02 accept."""
    return bool(BR_FR_NUMBER.fullmatch(text))


class NumberingError(BilingualError, ValueError):
    """A numbering rule would be broken; ``fr`` and ``en`` say which and how to fix it."""


class PatternError(NumberingError):
    """A series pattern cannot produce valid numbers (or a number overflowed it)."""


class ChronologyError(NumberingError):
    """An issue date earlier than the last one of its series."""


@dataclass(frozen=True)
class SeriesPattern:
    """A validated number pattern; build it with ``parse_pattern``.

    Attributes:
      text: the pattern as typed in the settings, e.g. "FAC{YYYY}-{NNNN}".
      yearly_reset: True when the counter starts again at 1 each year.
      width: the counter's minimum number of digits ({NNNN} -> 4).
    """

    text: str
    yearly_reset: bool
    width: int = field(init=False, repr=False)
    # (kind, value): ("lit", "FAC"), ("YYYY", ""), ("N", "") ... in pattern order.
    _parts: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts, width = _split(self.text, self.yearly_reset)
        object.__setattr__(self, "_parts", parts)
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "_regex", _regex(parts))

    @property
    def has_year(self) -> bool:
        return any(kind in ("YYYY", "YY") for kind, _ in self._parts)

    def key(self, day: date) -> str:
        """The counter an issue on ``day`` increments."""
        return self._key(day.year)

    def _key(self, year: int) -> str:
        return f"{self.text}@{year}" if self.yearly_reset else self.text

    def format(self, day: date, counter: int) -> str:
        """The number for ``counter`` (>= 1) issued on ``day``."""
        if counter < 1:
            raise ValueError(f"a counter starts at 1, not {counter}")
        values = {"YYYY": f"{day.year:04d}", "YY": f"{day.year % 100:02d}",
                  "MM": f"{day.month:02d}", "N": f"{counter:0{self.width}d}"}
        number = "".join(value if kind == "lit" else values[kind] for kind, value in self._parts)
        if not valid_number(number):
            raise PatternError(
                f"Le compteur {counter} de la série « {self.text} » donne le numéro {number} "
                f"de {len(number)} caractères : {MAX_LENGTH} au plus (règle BR-FR-01). "
                "Ouvrir une nouvelle série au préfixe plus court.",
                f"Counter {counter} of series \"{self.text}\" gives number {number} of "
                f"{len(number)} characters: at most {MAX_LENGTH} (rule BR-FR-01). Start a new "
                "series with a shorter prefix.")
        return number

    def parse(self, number: str) -> tuple[str, int, date | None] | None:
        """(key, counter, encoded year/month) when ``number`` belongs to this series.

        Used to seed counters from numbers already in a workbook, so it errs on the side
        of recognising a number: case and surrounding spaces are ignored (the checks fold
        case too) and so is the counter's zero-padding (FAC2026-00012 or FAC2026-12 hold
        counter 12, as after a change of width). A number missed here would be issued
        again; one recognised too eagerly only raises the counter. The date is the first
        of the encoded month (January without {MM}), or None without a year token.
        """
        match = self._regex.fullmatch(number.strip())
        if match is None:
            return None
        counter = 0
        months: set[int] = set()
        years: set[int] = set()
        short_years: set[int] = set()
        for (kind, _), value in zip([p for p in self._parts if p[0] != "lit"], match.groups()):
            if kind == "N":
                counter = int(value)
            else:
                {"MM": months, "YYYY": years, "YY": short_years}[kind].add(int(value))
        if len(months) > 1 or len(years) > 1 or len(short_years) > 1:
            return None  # a token repeated with two values: not one of our numbers
        if years and short_years and short_years != {next(iter(years)) % 100}:
            return None
        year = years.pop() if years else (2000 + short_years.pop() if short_years else None)
        month = months.pop() if months else None
        if counter < 1 or (month is not None and not 1 <= month <= 12) or year == 0:
            return None
        if year is None:
            return self.text, counter, None  # yearly reset needs a year: refused earlier
        return self._key(year), counter, date(year, month or 1, 1)


def parse_pattern(text: str, yearly_reset: bool) -> SeriesPattern:
    """The pattern typed in the settings, validated; raises PatternError."""
    return SeriesPattern(text, yearly_reset)


def _split(text: str, yearly_reset: bool) -> tuple[tuple[tuple[str, str], ...], int]:
    def refuse(fr: str, en: str) -> PatternError:
        return PatternError(f"La série « {text} » {fr}", f"Series \"{text}\" {en}")

    if not text:
        raise PatternError("La série est vide : saisir un modèle de numéro comme "
                           "FAC{YYYY}-{NNNN}.",
                           "The series is empty: enter a number pattern such as "
                           "FAC{YYYY}-{NNNN}.")
    parts: list[tuple[str, str]] = []
    at = 0
    for match in _TOKEN.finditer(text):
        if match.start() > at:
            parts.append(("lit", text[at:match.start()]))
        token = match.group(1)
        if _COUNTER.fullmatch(token):
            parts.append(("N", token))
        elif token in _WIDTHS:
            parts.append((token, ""))
        else:
            raise refuse(f"contient {{{token}}}, inconnu : repères permis, en majuscules : "
                         f"{_KNOWN_FR}.",
                         f"holds {{{token}}}, unknown: allowed tokens, in upper case: "
                         f"{_KNOWN_EN}.")
        at = match.end()
    if at < len(text):
        parts.append(("lit", text[at:]))

    literal = "".join(value for kind, value in parts if kind == "lit")
    if "{" in literal or "}" in literal:
        raise refuse("contient une accolade { ou } sans sa paire.",
                     "holds a brace { or } without its pair.")
    bad = sorted({c for c in literal if not BR_FR_NUMBER.fullmatch(c)})
    if bad:
        if bad == [" "]:
            fr, en = "contient un espace", "holds a space"
        else:
            shown = " ".join("espace" if c == " " else f"« {c} »" for c in bad)
            fr, en = f"contient {shown}", "holds " + " ".join(
                "a space" if c == " " else f"\"{c}\"" for c in bad)
        raise refuse(f"{fr} : seuls A-Z a-z 0-9 + - _ / sont permis (règle BR-FR-02).",
                     f"{en}: only A-Z a-z 0-9 + - _ / are allowed (rule BR-FR-02).")

    counters = [value for kind, value in parts if kind == "N"]
    if not counters:
        raise refuse("n'a pas de compteur : ajouter {NNNN} (numéro sur 4 chiffres).",
                     "has no counter: add {NNNN} (a 4-digit number).")
    if len(counters) > 1:
        raise refuse("a plusieurs compteurs : un seul {N…} par série.",
                     "has several counters: one {N…} per series.")
    width = len(counters[0])

    longest = len(literal) + sum(_WIDTHS.get(kind, 0) for kind, _ in parts) + \
        max(COUNTER_ROOM, width)
    if longest > MAX_LENGTH:
        raise refuse(f"peut produire des numéros de {longest} caractères (compteur à "
                     f"{max(COUNTER_ROOM, width)} chiffres) : {MAX_LENGTH} au plus (règle "
                     "BR-FR-01). Raccourcir le préfixe.",
                     f"can produce numbers of {longest} characters (counter of "
                     f"{max(COUNTER_ROOM, width)} digits): at most {MAX_LENGTH} (rule "
                     "BR-FR-01). Shorten the prefix.")
    if yearly_reset and not any(kind in ("YYYY", "YY") for kind, _ in parts):
        raise refuse("repart à 1 chaque année sans contenir l'année : les numéros se "
                     "répéteraient. Ajouter {YYYY} ou désactiver la remise à zéro annuelle.",
                     "starts again at 1 each year but does not hold the year: numbers would "
                     "repeat. Add {YYYY} or turn the yearly reset off.")
    return tuple((kind, value if kind == "lit" else "") for kind, value in parts), width


def _regex(parts: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    pieces = {"YYYY": r"(\d{4})", "YY": r"(\d{2})", "MM": r"(\d{2})", "N": r"(\d+)"}
    # One counter and fixed-width date tokens: the counter's digits are whatever the
    # fixed parts leave, so a match is never ambiguous even with {YYYY}{NNNN}.
    return re.compile("".join(re.escape(value) if kind == "lit" else pieces[kind]
                              for kind, value in parts), re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class SeriesState:
    """Where one counter stands.

    Attributes:
      counter: the last counter allocated (0 before the first).
      last_date: the latest issue date in the series, or None when unknown.
    """

    counter: int
    last_date: date | None


def next_number(pattern: SeriesPattern, day: date,
                state: SeriesState | None) -> tuple[str, int]:
    """The number and counter to allocate for an issue on ``day``.

    ``state`` is the current state of ``pattern.key(day)`` (None for a new counter).
    Raises ChronologyError when ``day`` is before the series' last date: numbers follow
    issue order, so a backdated invoice would break the chronology.
    """
    if state is not None and state.last_date is not None and day < state.last_date:
        last, shown = state.last_date, f"{state.last_date:%d/%m/%Y}"
        raise ChronologyError(
            f"Émission datée du {day:%d/%m/%Y} alors que la série « {pattern.text} » a déjà "
            f"une pièce du {shown} : les dates suivent l'ordre des numéros. Émettre à une "
            f"date au {shown} ou après.",
            f"Issue dated {day.isoformat()} while series \"{pattern.text}\" already has a "
            f"document of {last.isoformat()}: dates follow the numbers' order. Issue on "
            f"{last.isoformat()} or later.")
    counter = (state.counter if state is not None else 0) + 1
    return pattern.format(day, counter), counter


def seed_states(pattern: SeriesPattern,
                numbers_and_dates: Iterable[tuple[str, date | None]]) -> dict[str, SeriesState]:
    """The highest counter and latest date per key among numbers that fit ``pattern``.

    Seeds the journal from a workbook used before Facturier (or numbered by hand), so
    the next allocation continues after them instead of issuing their numbers again.
    Numbers of other series are ignored.
    """
    best: dict[str, list[Any]] = {}  # key -> [highest counter, latest date or None]
    for key, counter, day in _parsed(pattern, numbers_and_dates):
        seen = best.get(key)
        if seen is None:
            best[key] = [counter, day]
            continue
        seen[0] = max(seen[0], counter)
        if day is not None and (seen[1] is None or day > seen[1]):
            seen[1] = day
    return {key: SeriesState(counter, day) for key, (counter, day) in best.items()}


def _parsed(pattern: SeriesPattern, numbers_and_dates: Iterable[tuple[str, date | None]]
            ) -> Iterator[tuple[str, int, date | None]]:
    """(key, counter, date) of each number that fits ``pattern``, as ``pattern.parse``
    gives them; 100k numbers share a few prefixes, so each prefix (every token but the
    counter) is interpreted once and only the counter is read per number."""
    kinds = [kind for kind, _ in pattern._parts if kind != "lit"]
    if kinds.count("N") != 1:
        for number, day in numbers_and_dates:
            parsed = pattern.parse(number) if isinstance(number, str) else None
            if parsed is not None:
                yield parsed[0], parsed[1], day
        return
    at = kinds.index("N")
    fullmatch = pattern._regex.fullmatch
    keys: dict[tuple[str, ...], str | None] = {}
    for number, day in numbers_and_dates:
        if number.__class__ is not str:
            continue
        match = fullmatch(number.strip())
        if match is None:
            continue
        groups = match.groups()
        shape = groups[:at] + groups[at + 1:]
        if shape not in keys:
            parsed = pattern.parse(number)
            keys[shape] = None if parsed is None else parsed[0]
        key = keys[shape]
        if key is not None:
            yield key, int(groups[at]), day
