"""Number series: patterns, allocation, seeding (DOMAIN.md §2), and the register's digests."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfuncs.domain.numbering import (
    BR_FR_NUMBER,
    ChronologyError,
    PatternError,
    SeriesPattern,
    SeriesState,
    next_number,
    parse_pattern,
    seed_states,
    valid_number,
)
from pyfuncs.domain.register import GENESIS, canonical_json, content_digest, link_digest

DAY = date(2026, 3, 15)


@pytest.mark.parametrize("text, yearly, example", [
    ("FAC{YYYY}-{NNNN}", True, "FAC2026-0007"),
    ("AV{YY}/{MM}-{NNN}", True, "AV26/03-007"),
    ("F+{YYYY}_{NNNNNN}", False, "F+2026_000007"),
    ("{N}", False, "7"),
    ("{YYYY}{NNNN}", True, "20260007"),
    ("{NNNN}-{MM}{YY}", True, "0007-0326"),
    ("A" * 24 + "{YYYY}{N}", False, "A" * 24 + "20267"),  # 24 + 4 + 7 = 35: just fits
])
def test_valid_patterns_are_accepted_and_format_numbers(text, yearly, example) -> None:
    pattern = parse_pattern(text, yearly)
    assert pattern == SeriesPattern(text, yearly)
    assert pattern.text == text and pattern.yearly_reset is yearly
    assert pattern.format(DAY, 7) == example
    assert valid_number(example)


@pytest.mark.parametrize("text, yearly, fr, en", [
    ("", False, "vide", "empty"),
    ("FAC{YYYY}-{NNNN}-{Q}", True, "{Q}, inconnu", "{Q}, unknown"),
    ("FAC{yyyy}-{NNNN}", True, "{yyyy}, inconnu", "upper case"),
    ("FAC{YYYY}", True, "pas de compteur", "no counter"),
    ("FAC{NN}-{NNNN}", False, "plusieurs compteurs", "several counters"),
    ("FAC {YYYY}-{NNNN}", True, "contient un espace", "holds a space"),
    ("FAC.{YYYY}-{NNNN}", True, "« . »", '"."'),
    ("FACTURÉ{YYYY}-{NNNN}", True, "« É »", "BR-FR-02"),
    ("FAC{YYYY-{NNNN}", True, "accolade", "brace"),
    ("FAC}{NNNN}", False, "accolade", "brace"),
    ("A" * 25 + "{YYYY}{N}", False, "36 caractères", "36 characters"),
    ("AB{YYYY}" + "{" + "N" * 30 + "}", False, "36 caractères", "counter of 30 digits"),
    ("FAC-{NNNN}", True, "répéteraient", "would repeat"),
    ("FAC{MM}-{NNNN}", True, "répéteraient", "would repeat"),
])
def test_each_bad_pattern_is_refused_with_its_reason_in_french_and_english(
        text, yearly, fr, en) -> None:
    with pytest.raises(PatternError) as caught:
        parse_pattern(text, yearly)
    assert fr in caught.value.fr
    assert en in caught.value.en
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == caught.value.fr
    assert caught.value.text("en") == caught.value.en


def test_the_space_message_names_the_rule_as_the_user_would_read_it() -> None:
    with pytest.raises(PatternError) as caught:
        parse_pattern("FAC {YYYY}", False)
    assert caught.value.fr.startswith("La série « FAC {YYYY} »")  # no counter is found later
    with pytest.raises(PatternError) as caught:
        parse_pattern("FAC {YYYY}-{N}", False)
    assert caught.value.fr == ("La série « FAC {YYYY}-{N} » contient un espace : seuls A-Z a-z "
                               "0-9 + - _ / sont permis (règle BR-FR-02).")


def test_a_pattern_without_year_is_fine_when_the_counter_never_resets() -> None:
    pattern = parse_pattern("FAC-{NNNN}", yearly_reset=False)
    assert pattern.key(date(2026, 1, 1)) == pattern.key(date(2027, 1, 1)) == "FAC-{NNNN}"


def test_yearly_reset_keys_the_counter_by_year_and_otherwise_runs_across_years() -> None:
    yearly = parse_pattern("FAC{YYYY}-{NNNN}", True)
    running = parse_pattern("FAC{YYYY}-{NNNN}", False)
    assert yearly.key(date(2026, 12, 31)) == "FAC{YYYY}-{NNNN}@2026"
    assert yearly.key(date(2027, 1, 1)) == "FAC{YYYY}-{NNNN}@2027"
    assert running.key(date(2026, 12, 31)) == running.key(date(2027, 1, 1)) == "FAC{YYYY}-{NNNN}"
    # the running counter still prints the year of the issue
    number, counter = next_number(running, date(2027, 1, 1), SeriesState(41, date(2026, 12, 31)))
    assert (number, counter) == ("FAC2027-0042", 42)


def test_format_and_parse_round_trip() -> None:
    pattern = parse_pattern("AV{YY}/{MM}-{NNN}", True)
    number = pattern.format(date(2026, 11, 3), 42)
    assert number == "AV26/11-042"
    assert pattern.parse(number) == ("AV{YY}/{MM}-{NNN}@2026", 42, date(2026, 11, 1))


def test_a_counter_may_outgrow_its_width() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", True)
    assert pattern.format(DAY, 12345) == "FAC2026-12345"
    assert pattern.parse("FAC2026-12345") == ("FAC{YYYY}-{NNNN}@2026", 12345, date(2026, 1, 1))


def test_a_counter_overflowing_the_35_characters_is_refused_not_truncated() -> None:
    pattern = parse_pattern("A" * 24 + "{YYYY}{N}", False)
    assert len(pattern.format(DAY, 9_999_999)) == 35
    with pytest.raises(PatternError) as caught:
        pattern.format(DAY, 10_000_000)
    assert "36" in caught.value.fr and "BR-FR-01" in caught.value.en


def test_counters_start_at_one() -> None:
    with pytest.raises(ValueError):
        parse_pattern("FAC{YYYY}-{NNNN}", True).format(DAY, 0)


def test_parse_reads_only_numbers_of_its_own_series() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", True)
    assert pattern.parse("AV2026-0001") is None
    assert pattern.parse("FAC2026-") is None
    assert pattern.parse("FAC2026-0000") is None          # no counter 0
    assert pattern.parse("FAC26-0001") is None
    assert pattern.parse("FAC2026-0001-bis") is None
    monthly = parse_pattern("F{YYYY}{MM}-{NN}", True)
    assert monthly.parse("F202613-01") is None             # no month 13
    both = parse_pattern("F{YYYY}-{YY}-{N}", True)
    assert both.parse("F2026-26-3") == ("F{YYYY}-{YY}-{N}@2026", 3, date(2026, 1, 1))
    assert both.parse("F2026-25-3") is None                # the two years disagree


def test_parse_forgives_case_spaces_and_padding_so_seeding_never_reissues_a_number() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", True)
    key = "FAC{YYYY}-{NNNN}@2026"
    assert pattern.parse("fac2026-0007") == (key, 7, date(2026, 1, 1))
    assert pattern.parse("  FAC2026-0007 ") == (key, 7, date(2026, 1, 1))
    assert pattern.parse("FAC2026-00007") == (key, 7, date(2026, 1, 1))  # wider, old width
    assert pattern.parse("FAC2026-7") == (key, 7, date(2026, 1, 1))


def test_parse_with_a_two_digit_year_reads_the_21st_century_and_without_year_no_date() -> None:
    assert parse_pattern("F{YY}-{NN}", True).parse("F27-05") == ("F{YY}-{NN}@2027", 5,
                                                                  date(2027, 1, 1))
    assert parse_pattern("F-{NN}", False).parse("F-05") == ("F-{NN}", 5, None)
    assert parse_pattern("F{MM}-{NN}", False).parse("F11-05") == ("F{MM}-{NN}", 5, None)


def test_a_counter_next_to_the_year_is_read_unambiguously() -> None:
    pattern = parse_pattern("{NNNN}{YYYY}", True)
    assert pattern.format(DAY, 12345) == "123452026"
    assert pattern.parse("123452026") == ("{NNNN}{YYYY}@2026", 12345, date(2026, 1, 1))


def test_next_number_starts_at_one_then_follows_the_state() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", True)
    assert next_number(pattern, DAY, None) == ("FAC2026-0001", 1)
    assert next_number(pattern, DAY, SeriesState(1, DAY)) == ("FAC2026-0002", 2)
    assert next_number(pattern, DAY, SeriesState(8, None)) == ("FAC2026-0009", 9)


def test_an_issue_dated_before_the_series_last_date_is_refused() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", True)
    with pytest.raises(ChronologyError) as caught:
        next_number(pattern, date(2026, 3, 14), SeriesState(5, DAY))
    assert "15/03/2026" in caught.value.fr and "14/03/2026" in caught.value.fr
    assert "2026-03-15" in caught.value.en
    assert isinstance(caught.value, ValueError)


def test_seed_states_keeps_the_highest_counter_and_latest_date_per_key() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", True)
    existing = [
        ("FAC2025-0040", date(2025, 12, 30)),
        ("FAC2026-0002", date(2026, 1, 20)),
        ("FAC2026-0003", date(2026, 1, 19)),   # out of order in the workbook: latest date wins
        ("FAC2026-0001", date(2026, 1, 5)),
        ("fac2026-0004", None),                 # typed by hand, no date
        ("AV2026-0009", date(2026, 2, 1)),      # another series
        ("BROUILLON", date(2026, 2, 1)),
    ]
    assert seed_states(pattern, existing) == {
        "FAC{YYYY}-{NNNN}@2025": SeriesState(40, date(2025, 12, 30)),
        "FAC{YYYY}-{NNNN}@2026": SeriesState(4, date(2026, 1, 20)),
    }
    state = seed_states(pattern, existing)["FAC{YYYY}-{NNNN}@2026"]
    assert next_number(pattern, date(2026, 2, 1), state) == ("FAC2026-0005", 5)


def test_seed_states_without_yearly_reset_continues_across_printed_years() -> None:
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", False)
    states = seed_states(pattern, [("FAC2025-0040", None), ("FAC2026-0041", date(2026, 1, 2))])
    assert states == {"FAC{YYYY}-{NNNN}": SeriesState(41, date(2026, 1, 2))}


def test_valid_number_follows_br_fr_01_and_02() -> None:
    assert valid_number("FAC2026-0001") and valid_number("A/B_C+D-1")
    assert valid_number("A" * 35)
    assert not valid_number("A" * 36)
    assert not valid_number("FAC 2026")
    assert not valid_number("FACÉ1")
    assert not valid_number("")


days = st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(steps=days, start=st.integers(min_value=300, max_value=364),
       yearly=st.booleans(), text=st.sampled_from(["FAC{YYYY}-{NNNN}", "F{YY}{MM}{N}",
                                                   "{YYYY}/{NN}", "AV_{YYYY}-{MM}-{NNN}"]))
def test_allocating_in_date_order_gives_unique_continuous_chronological_valid_numbers(
        steps, start, yearly, text) -> None:
    pattern = parse_pattern(text, yearly)
    day = date(2026, 1, 1) + timedelta(days=start)   # late 2026, so the run crosses into 2027
    states: dict[str, SeriesState] = {}
    issued: dict[str, list[tuple[int, date, str]]] = defaultdict(list)
    numbers = []
    for step in steps:
        day += timedelta(days=step)
        key = pattern.key(day)
        number, counter = next_number(pattern, day, states.get(key))
        states[key] = SeriesState(counter, day)
        issued[key].append((counter, day, number))
        numbers.append(number)
        assert BR_FR_NUMBER.fullmatch(number)
        parsed_key, parsed_counter, encoded = pattern.parse(number)
        assert (parsed_key, parsed_counter) == (key, counter)
        assert encoded is None or encoded.year == day.year
    assert len(set(numbers)) == len(numbers)
    for key, run in issued.items():
        assert [counter for counter, _, _ in run] == list(range(1, len(run) + 1))
        assert [d for _, d, _ in run] == sorted(d for _, d, _ in run)
        if yearly:
            assert len({d.year for _, d, _ in run}) == 1
    if not yearly:
        assert len(issued) == 1
    # and seeding from what was issued continues exactly where allocation stands
    assert seed_states(pattern, [(n, None) for n in numbers]) == {
        key: SeriesState(state.counter, None) for key, state in states.items()}


literal = st.text(alphabet="ABCXYZabc019+-_/", min_size=0, max_size=5)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.one_of(literal, st.sampled_from(["{YYYY}", "{YY}", "{MM}"])),
                      max_size=4),
       at=st.integers(min_value=0, max_value=4), width=st.integers(min_value=1, max_value=6),
       counter=st.integers(min_value=1, max_value=9_999_999),
       day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_accepted_pattern_parses_back_what_it_formats(parts, at, width, counter,
                                                          day) -> None:
    parts.insert(min(at, len(parts)), "{" + "N" * width + "}")
    text = "".join(parts)
    try:
        pattern = parse_pattern(text, yearly_reset=False)
    except PatternError:
        return  # too long: refused, which the other tests check
    number = pattern.format(day, counter)
    assert valid_number(number)
    key, parsed, encoded = pattern.parse(number)
    assert (key, parsed) == (text, counter)
    if "{YY" in text:
        assert encoded is not None and encoded.year == day.year
        assert encoded.month == (day.month if "{MM}" in text else 1)


# The register's fingerprints (pyfuncs.domain.register): pure, so tested here.

def test_canonical_json_is_sorted_compact_and_keeps_decimals_and_dates_as_text() -> None:
    content = {"total": Decimal("120.00"), "lines": [{"qty": 2, "label": "Étude"}],
               "issued": date(2026, 3, 15), "at": datetime(2026, 3, 15, 9, 30), "po": None,
               "paid": False}
    assert canonical_json(content) == (
        '{"at":"2026-03-15T09:30:00","issued":"2026-03-15","lines":[{"label":"Étude",'
        '"qty":2}],"paid":false,"po":null,"total":"120.00"}')


def test_content_read_back_from_json_hashes_as_it_did_when_recorded() -> None:
    content = {"b": Decimal("-10.50"), "a": (date(2026, 1, 2), Decimal("0.20"))}
    again = json.loads(canonical_json(content))
    assert canonical_json(again) == canonical_json(content)
    assert content_digest(again) == content_digest(content)
    assert len(content_digest(content)) == 64


def test_digests_tell_amounts_apart_to_the_cent_and_by_order_of_keys_not() -> None:
    assert content_digest({"a": 1, "b": 2}) == content_digest({"b": 2, "a": 1})
    assert content_digest({"t": Decimal("10.00")}) != content_digest({"t": Decimal("10.01")})


@pytest.mark.parametrize("bad", [{"t": 1.5}, {1: "x"}, {"t": Decimal("NaN")}, {"t": {1, 2}}])
def test_floats_and_other_ambiguous_values_cannot_be_hashed(bad) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(bad)


def test_the_chain_hash_covers_the_previous_hash_the_content_and_the_columns() -> None:
    digest = content_digest({"x": 1})
    base = link_digest(GENESIS, digest, {"number": "F1"})
    assert base != link_digest("1" * 64, digest, {"number": "F1"})
    assert base != link_digest(GENESIS, content_digest({"x": 2}), {"number": "F1"})
    assert base != link_digest(GENESIS, digest, {"number": "F2"})


@settings(max_examples=150, deadline=None)
@given(pattern=st.sampled_from(["FAC{YYYY}-{NNNN}", "AV{YY}{MM}-{NNN}", "F-{NNNNN}",
                                "{YYYY}/{MM}/{NNNN}"]), yearly=st.booleans(),
       numbers=st.lists(st.tuples(
           st.one_of(st.from_regex(r"\A ?(FAC|fac|AV|F-)?(20)?2[5-7][/-]?(0[1-9]|1[0-2])?"
                                   r"[/-]?\d{1,6} ?\Z"), st.integers(), st.none()),
           st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31)))),
           max_size=40))
def test_seed_states_reads_each_number_as_parse_does(pattern, yearly, numbers) -> None:
    """Seeding reads a prefix once and only the counter per number: the same states as
    parsing every number on its own."""
    p = parse_pattern(pattern, yearly and "{YY" in pattern)
    naive: dict[str, SeriesState] = {}
    for number, day in numbers:
        parsed = p.parse(number) if isinstance(number, str) else None
        if parsed is None:
            continue
        key, counter, _ = parsed
        old = naive.get(key)
        dates = [d for d in ((old.last_date if old else None), day) if d is not None]
        naive[key] = SeriesState(max(counter, old.counter if old else 0),
                                 max(dates) if dates else None)
    assert seed_states(p, numbers) == naive
