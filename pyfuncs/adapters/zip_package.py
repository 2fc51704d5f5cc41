"""The zip plumbing of the surgical writer (adapters/xlsx_write.py): the package's
central directory read as it is, parts deflated as they are written (in pieces, by worker
threads), DOS timestamps. Every entry the writer does not own is copied from the old
file byte for byte; only the parts it owns pass through here."""
from __future__ import annotations

import os
import struct
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyfuncs.adapters.deflate import zlib

CHUNK = 1 << 20


class PackageError(Exception):
    """The file is not a package this writer can change safely."""


@dataclass
class Entry:
    name: str
    central: bytes   # the central directory record, copied with only its offset patched
    offset: int
    flags: int
    method: int
    csize: int

    @property
    def usize(self) -> int:
        """Its size inflated, as the central directory says."""
        return int.from_bytes(self.central[24:28], "little")


class Blob:
    """A part deflated as it is written, so a 100k-row sheet never sits in memory as text.

    A big part is cut into 1 MB pieces deflated by two worker threads at once (zlib works
    without the GIL) while Python builds the next rows, as pigz does: each piece ends on a
    byte boundary (a sync flush), primed with the 32 KB before it, so the pieces laid end
    to end are one valid deflate stream that back-references across them. Rewriting the
    sheets of 100k invoices spends as long deflating as building; this halves that part.
    Pieces are written in order; at most a few wait, so memory stays bounded.

    The part's CRC is chained over the pieces in one more worker thread, in their order
    (zlib.crc32 releases the GIL too): in the caller's thread it was 0.3 s of the 1.3 s the
    refresh of the 100k-invoice demo spends rewriting its 298 MB Factures sheet.
    """

    PIECE = 1 << 20
    WINDOW = 1 << 15
    WAITING = 6
    THREADS = max(1, min(2, os.cpu_count() or 1))  # deflating at once
    _pool: ThreadPoolExecutor | None = None
    _crc_pool: ThreadPoolExecutor | None = None  # one thread: the pieces' CRC in order

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=64 << 20)  # noqa: SIM115 - lives on
        self.crc = self.usize = self.csize = 0
        self._buf = bytearray()
        self._prev = b""  # the last 32 KB of the previous piece: the next one's dictionary
        self._waiting: deque[Future] = deque()
        self._crc_job: Future | None = None  # the last piece's CRC update

    @classmethod
    def _workers(cls) -> ThreadPoolExecutor:
        if cls._pool is None:
            cls._pool = ThreadPoolExecutor(cls.THREADS,
                                           thread_name_prefix="facturier-deflate")
        return cls._pool

    @classmethod
    def _crc_worker(cls) -> ThreadPoolExecutor:
        if cls._crc_pool is None:
            cls._crc_pool = ThreadPoolExecutor(1, thread_name_prefix="facturier-crc")
        return cls._crc_pool

    @classmethod
    def _forget_workers(cls) -> None:
        """In a forked child the pools' threads do not exist: make new pools there."""
        cls._pool = cls._crc_pool = None

    def _crc_update(self, piece: bytes) -> None:
        self.crc = zlib.crc32(piece, self.crc)  # (one thread, in the pieces' order)

    @staticmethod
    def _deflate(piece: bytes, primer: bytes, last: bool) -> bytes:
        z = (zlib.compressobj(3, zlib.DEFLATED, -15, zdict=primer) if primer else
             zlib.compressobj(3, zlib.DEFLATED, -15))  # 3: 3x faster than 6, 4% larger
        return z.compress(piece) + z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    def _submit(self, piece: bytes, last: bool) -> None:
        self._crc_job = self._crc_worker().submit(self._crc_update, piece)
        self._waiting.append(self._workers().submit(self._deflate, piece, self._prev, last))
        self._prev = piece[-self.WINDOW:]
        while len(self._waiting) > self.WAITING or (self._waiting and self._waiting[0].done()):
            self.file.write(self._waiting.popleft().result())

    def write(self, data: bytes | memoryview) -> None:
        self.usize += len(data)
        self._buf += data
        while len(self._buf) >= self.PIECE:
            piece = bytes(self._buf[:self.PIECE])
            del self._buf[:self.PIECE]
            self._submit(piece, last=False)

    def close(self) -> Blob:
        if self._waiting or self._prev:
            self._submit(bytes(self._buf), last=True)
        else:  # a small part: deflated on the spot (no piece before it: no CRC job)
            self.crc = zlib.crc32(self._buf, self.crc)
            self.file.write(self._deflate(bytes(self._buf), b"", True))
        self._buf = bytearray()
        while self._waiting:
            self.file.write(self._waiting.popleft().result())  # raises what a worker raised
        if self._crc_job is not None:
            self._crc_job.result()  # self.crc is whole (and raises what the worker raised)
            self._crc_job = None
        self.csize = self.file.tell()
        return self

    @classmethod
    def deflated(cls, path: Path, crc: int, usize: int) -> Blob:
        """A part another process deflated whole (a raw deflate stream) into ``path``,
        copied in: the file may go once this returns."""
        blob = cls()
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                blob.file.write(chunk)
        blob.crc, blob.usize, blob.csize = crc, usize, blob.file.tell()
        return blob

    def raw(self, size: int = CHUNK) -> Iterator[bytes]:
        self.file.seek(0)
        while chunk := self.file.read(size):
            yield chunk

    def chunks(self) -> Iterator[bytes]:
        z = zlib.decompressobj(-15)
        for chunk in self.raw(1 << 16):
            yield z.decompress(chunk)
        yield z.flush()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=Blob._forget_workers)


def inflated(path: Path, offset: int, csize: int, method: int, name: str,
             piece: int = 1 << 16) -> Iterator[bytes]:
    """A stored (0) or deflated (8) member's bytes as they are read: its ``csize`` bytes
    after its local header at ``offset``, ``piece`` bytes of them at a time. No CRC pass:
    zipfile's costs as much as a third of the inflating (the reader's scans of a 620 MB
    package); the writer copies the CRCs it does not recompute, and fastexcel, which
    parses every sheet, checks them."""
    with path.open("rb") as f:
        f.seek(offset)
        header = f.read(30)
        nlen, elen = struct.unpack("<HH", header[26:30])
        f.seek(offset + 30 + nlen + elen)
        z, left = zlib.decompressobj(-15) if method == 8 else None, csize
        while left:
            data = f.read(min(left, piece))
            if not data:
                raise PackageError(f"{path}: {name} is truncated")
            left -= len(data)
            yield z.decompress(data) if z else data
        if z:
            yield z.flush()


def text_blob(text: str) -> Blob:
    blob = Blob()
    blob.write(text.encode("utf-8"))
    return blob.close()


def read_directory(path: Path) -> tuple[dict[str, Entry], bytes]:
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 65557))
            tail = f.read()
            i = tail.rfind(b"PK\x05\x06")
            if i < 0 or size < 22:
                raise PackageError(f"{path}: not an .xlsx/.xlsm package (no zip directory; "
                                   "password-protected or an old .xls?)")
            _, disk, cd_disk, _, count, cd_size, cd_off, clen = struct.unpack(
                "<IHHHHIIH", tail[i:i + 22])
            if count == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_off) or \
                    tail[max(0, i - 20):i - 16] == b"PK\x06\x07":
                raise PackageError(f"{path}: ZIP64 packages (over 4 GB) are not supported")
            if disk or cd_disk:
                raise PackageError(f"{path}: multi-disk zip files are not supported")
            f.seek(cd_off)
            cd = f.read(cd_size)
    except OSError as exc:
        raise PackageError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    entries: dict[str, Entry] = {}
    p = 0
    for _ in range(count):
        if cd[p:p + 4] != b"PK\x01\x02":
            raise PackageError(f"{path}: damaged zip directory")
        f_ = struct.unpack("<IHHHHHHIIIHHHHHII", cd[p:p + 46])
        flags, method, csize, usize, nlen, elen, clen2, off = (
            f_[3], f_[4], f_[8], f_[9], f_[10], f_[11], f_[12], f_[16])
        if 0xFFFFFFFF in (csize, usize, off):
            raise PackageError(f"{path}: ZIP64 entries are not supported")
        raw_name = cd[p + 46:p + 46 + nlen]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        end = p + 46 + nlen + elen + clen2
        entries[name] = Entry(name, cd[p:end], off, flags, method, csize)
        p = end
    return entries, tail[i + 22:i + 22 + clen]


def dos_now() -> tuple[int, int]:
    t = time.localtime()
    return (t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2,
            (t.tm_year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday)
