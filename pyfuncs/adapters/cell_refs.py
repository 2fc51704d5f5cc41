"""A1 references: column letters <-> 0-based column indexes."""
from __future__ import annotations


def col_index(letters: str) -> int:
    """Column letters -> 0-based index (A -> 0, AA -> 26); lower case read as upper."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letter(index: int) -> str:
    """0-based column index -> letters (0 -> A, 26 -> AA)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
