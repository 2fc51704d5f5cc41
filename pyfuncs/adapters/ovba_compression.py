"""The compression of a VBA project's streams, as MS-OVBA 2.4.1 states it.

A compressed container is the signature byte 0x01 followed by chunks, each holding at most
4,096 bytes of the original. A chunk starts with a two-byte header (its size minus three in
bits 0-11, the signature 0b011 in bits 12-14, and bit 15 set when the chunk is compressed)
and is either the 4,096 bytes as they are (a raw chunk, used when compression would not make
it smaller) or a sequence of token groups: a flag byte whose bit *i* says whether the *i*-th
of the following eight tokens is a literal byte (0) or a two-byte copy token (1).

A copy token points back into the same chunk: ``offset`` bytes back, ``length`` bytes long
(the copy may overlap the bytes it produces, so a run of one byte costs one token). How the
16 bits are split between offset and length depends on where the token sits in the chunk
(2.4.1.3.19.1): the more bytes already decompressed in the chunk, the more bits the offset
needs and the fewer remain for the length. This split is the rule the compressor of
ms-ovba-compression 1.0.1 broke (it wrote lengths its position could not hold), and it is
stated once here, in :func:`_copy_token_help`, for both directions.
"""
from __future__ import annotations

import struct

CHUNK = 4096
_SIGNATURE = 0x01
_MIN_COPY = 3
# how many earlier positions with the same three bytes are tried for each match: enough for
# source text (the result stays valid whatever the limit, only less compressed)
_CANDIDATES = 64


class CompressionError(ValueError):
    """The bytes are not a compressed container as MS-OVBA 2.4.1 defines it."""


def _copy_token_help(difference: int) -> tuple[int, int, int]:
    """(bit count of the offset, length mask, maximum length) for a copy token written after
    ``difference`` bytes of its chunk (MS-OVBA 2.4.1.3.19.1, CopyToken Help)."""
    bit_count = max((difference - 1).bit_length(), 4)
    length_mask = 0xFFFF >> bit_count
    return bit_count, length_mask, length_mask + 3


def compress(data: bytes) -> bytes:
    """``data`` as a compressed container (MS-OVBA 2.4.1.3.6)."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start:start + CHUNK])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = _token_sequences(chunk)
    if len(body) > CHUNK:
        # a raw chunk: size field 4095 (4,098 bytes with the header), flag bit clear. The
        # last chunk may be shorter than 4,096 bytes: decoders read a raw chunk up to the end
        # of the container (source text compresses, so this is for incompressible bytes)
        return struct.pack("<H", 0x3000 | (CHUNK + 2 - 3)) + chunk
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body


def _token_sequences(chunk: bytes) -> bytes:
    out = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos, end = 0, len(chunk)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(chunk, pos, seen)
            if length >= _MIN_COPY:
                bit_count, _mask, _max = _copy_token_help(pos)
                out += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                flags |= 1 << bit
                step = length
            else:
                out.append(chunk[pos])
                step = 1
            for k in range(pos, pos + step):
                if k + _MIN_COPY <= end:
                    seen.setdefault(chunk[k:k + _MIN_COPY], []).append(k)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def _longest_match(chunk: bytes, pos: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    """The longest earlier copy of the bytes at ``pos`` that a token at ``pos`` can hold
    (MS-OVBA 2.4.1.3.19.4, Matching): the nearest wins a tie."""
    if pos == 0 or pos + _MIN_COPY > len(chunk):
        return 0, 0
    _bits, _mask, maximum = _copy_token_help(pos)
    limit = min(maximum, len(chunk) - pos)
    best_length, best_offset = 0, 0
    for candidate in reversed(seen.get(chunk[pos:pos + _MIN_COPY], [])[-_CANDIDATES:]):
        length = _MIN_COPY
        while length < limit and chunk[candidate + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, pos - candidate
            if length == limit:
                break
    return best_offset, best_length


def decompress(container: bytes) -> bytes:
    """The original bytes of a compressed container (MS-OVBA 2.4.1.3.1); a container that
    breaks the format raises :class:`CompressionError` saying where."""
    if not container or container[0] != _SIGNATURE:
        raise CompressionError("a compressed container starts with the byte 0x01")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise CompressionError(f"chunk header cut at byte {pos}")
        (header,) = struct.unpack_from("<H", container, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise CompressionError(f"chunk at byte {pos}: signature is not 0b011")
        chunk_end = min(pos + size, len(container))
        start = len(out)
        pos += 2
        if not header & 0x8000:  # raw
            out += container[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags >> bit & 1:
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise CompressionError(f"copy token cut at byte {pos}")
                (token,) = struct.unpack_from("<H", container, pos)
                pos += 2
                bit_count, length_mask, _max = _copy_token_help(len(out) - start)
                length = (token & length_mask) + 3
                offset = (token >> (16 - bit_count)) + 1
                if offset > len(out) - start:
                    raise CompressionError(f"copy token at byte {pos - 2} points before its "
                                           "chunk")
                source = len(out) - offset
                for k in range(length):
                    out.append(out[source + k])
        if len(out) - start > CHUNK:
            raise CompressionError(f"chunk ending at byte {pos} holds more than 4096 bytes")
    return bytes(out)
