"""A compound file (MS-CFB, version 3: 512-byte sectors) written from a tree of streams:
the container of a VBA project (``xl/vbaProject.bin``).

What the format asks, and how it is met here:
- the header, then sectors; the file allocation table (FAT) chains every sector of a
  stream and marks its own sectors; the first 109 FAT sectors are listed in the header
  (enough for 7 MB, far more than a VBA project needs: more is refused);
- streams shorter than 4,096 bytes live in the mini stream (64-byte mini sectors chained by
  the mini FAT), itself stored as the root entry's stream;
- the directory is one 128-byte entry per storage or stream; the children of a storage form
  a red-black tree ordered by name length, then by the upper-case name. The tree built here
  is balanced by halving the sorted names, its deepest level red when that level is not
  full and every other node black, so every path holds the same number of black nodes;
- no time stamps (all zero, which the format allows), so the same tree gives the same bytes.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class Storage:
    """A storage (folder) of the compound file: its entries by name, each a Storage or the
    bytes of a stream."""

    entries: dict[str, Storage | bytes] = field(default_factory=dict)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def _flatten(root: Storage) -> list[_Entry]:
    entries = [_Entry("Root Entry", _ROOT)]

    def add(storage: Storage, parent: _Entry) -> None:
        children = []
        for name in sorted(storage.entries, key=_sort_key):
            if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
                raise ValueError(f"{name!r} cannot name a compound file entry")
            value = storage.entries[name]
            entry = _Entry(name, _STORAGE if isinstance(value, Storage) else _STREAM,
                           value if isinstance(value, bytes) else b"")
            entries.append(entry)
            children.append((len(entries) - 1, entry, value))
        parent.child = _tree([i for i, _e, _v in children], entries)
        for _i, entry, value in children:
            if isinstance(value, Storage):
                add(value, entry)

    add(root, entries[0])
    return entries


def _tree(ids: list[int], entries: list[_Entry]) -> int:
    """The root of a balanced red-black tree over ``ids`` (sorted), coloured as the module
    says."""
    if not ids:
        return NOSTREAM
    depth = len(ids).bit_length() - 1  # levels 0..depth-1 are full, depth may not be
    full = len(ids) == (1 << (depth + 1)) - 1

    def build(lo: int, hi: int, level: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = entries[ids[mid]]
        node.left = build(lo, mid, level + 1)
        node.right = build(mid + 1, hi, level + 1)
        node.color = _RED if level == depth and not full else _BLACK
        return ids[mid]

    return build(0, len(ids), 0)


def _chain(fat: list[int], first: int, count: int) -> None:
    for k in range(count):
        fat[first + k] = first + k + 1 if k < count - 1 else ENDOFCHAIN


def write_compound_file(root: Storage) -> bytes:
    """The bytes of a compound file holding ``root``'s storages and streams."""
    entries = _flatten(root)
    # the mini stream: every short stream, each padded to whole mini sectors
    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        entry.size = len(entry.data)
        if entry.kind == _STREAM and 0 < entry.size < MINI_CUTOFF:
            n = -(-entry.size // MINI_SECTOR)
            entry.start = len(mini_fat)
            mini_fat += [0] * n
            _chain(mini_fat, entry.start, n)
            mini_stream += entry.data.ljust(n * MINI_SECTOR, b"\0")
    big = [e for e in entries if e.kind == _STREAM and e.size >= MINI_CUTOFF]

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // SECTOR)

    n_dir = sectors(128 * len(entries))
    n_minifat = sectors(4 * len(mini_fat))
    n_ministream = sectors(len(mini_stream))
    n_data = n_dir + n_minifat + n_ministream + sum(sectors(e.size) for e in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_data:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("a VBA project this large needs DIFAT sectors, which are not written")
    fat = [FREESECT] * (n_fat * (SECTOR // 4))
    for k in range(n_fat):
        fat[k] = FATSECT
    at = n_fat
    dir_start = at
    _chain(fat, at, n_dir)
    at += n_dir
    minifat_start = at if n_minifat else ENDOFCHAIN
    _chain(fat, at, n_minifat)
    at += n_minifat
    root_entry = entries[0]
    root_entry.start, root_entry.size = (at, len(mini_stream)) if n_ministream else (
        ENDOFCHAIN, 0)
    _chain(fat, at, n_ministream)
    at += n_ministream
    for entry in big:
        entry.start = at
        _chain(fat, at, sectors(entry.size))
        at += sectors(entry.size)

    header = bytearray(_SIGNATURE + bytes(16))
    header += struct.pack("<HHHHH6sIIIIIIIII", 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6), 0,
                          n_fat, dir_start, 0, MINI_CUTOFF, minifat_start, n_minifat,
                          ENDOFCHAIN, 0)
    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    header += struct.pack("<109I", *difat)
    assert len(header) == SECTOR

    directory = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-16-le")
        directory += struct.pack("<64sHBBIII16sIQQIQ", name, len(name) + 2, entry.kind,
                                 entry.color, entry.left, entry.right, entry.child, bytes(16),
                                 0, 0, 0, entry.start if entry.kind != _STORAGE else 0,
                                 entry.size if entry.kind != _STORAGE else 0)
    while len(directory) % SECTOR:  # unused entries: no name, no siblings, no child
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM,
                                 NOSTREAM, bytes(16), 0, 0, 0, 0, 0)

    def padded(data: bytes) -> bytes:
        return data.ljust(sectors(len(data)) * SECTOR, b"\0")

    body = bytearray(struct.pack(f"<{len(fat)}I", *fat))
    body += directory
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    body += padded(mini_fat_bytes + b"\xff" * (-len(mini_fat_bytes) % SECTOR))
    body += padded(bytes(mini_stream))
    for entry in big:
        body += padded(entry.data)
    return bytes(header + body)
