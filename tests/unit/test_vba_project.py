"""The buttons' VBA project, checked by decoders we did not write (oletools' olevba and
decompressor, olefile) and against MS-OVBA / MS-CFB as the tests state them."""
from __future__ import annotations

import io
import struct

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import decompress_stream

from pyfuncs.adapters.compound_file import Storage, write_compound_file
from pyfuncs.adapters.ovba_compression import CompressionError, compress, decompress
from pyfuncs.adapters.paths import macro_sources
from pyfuncs.adapters.vba_project import (
    VbaModule,
    VbaSourceError,
    build_project,
    buttons_project,
    read_modules,
)
from tests.support.vba import ROOT, assert_modules_match_sources, olevba_modules

CHUNK = 4096


def oletools_decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


def max_copy_length(difference: int) -> int:
    """MS-OVBA 2.4.1.3.19.1, stated again here: the bits a copy token has for its length
    after ``difference`` bytes of its chunk."""
    bit_count = 4
    while (1 << bit_count) < difference:
        bit_count += 1
    return (0xFFFF >> bit_count) + 3


def copy_tokens(container: bytes):
    """(position in the chunk, length) of every copy token of a container, read with the
    spec's layout (not the module's code)."""
    pos = 1
    while pos < len(container):
        (header,) = struct.unpack_from("<H", container, pos)
        end, pos = pos + (header & 0xFFF) + 3, pos + 2
        if not header & 0x8000:
            pos += CHUNK
            continue
        produced = 0
        while pos < end:
            flags, pos = container[pos], pos + 1
            for bit in range(8):
                if pos >= end:
                    break
                if flags >> bit & 1:
                    (token,) = struct.unpack_from("<H", container, pos)
                    limit = max_copy_length(produced)
                    bit_count = 16 - (limit - 3).bit_length()
                    length = (token & (0xFFFF >> bit_count)) + 3
                    yield produced, length
                    produced, pos = produced + length, pos + 2
                else:
                    produced, pos = produced + 1, pos + 1


texts = st.one_of(
    st.binary(max_size=9000),
    st.text(alphabet="ab \r\n'\"()Sub End", max_size=12000).map(lambda t: t.encode()),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(0, 9000)),
    # a repeat placed at every offset around the chunk boundary
    st.builds(lambda head, rep, n: head + rep * n, st.binary(min_size=CHUNK - 40,
              max_size=CHUNK + 40), st.binary(min_size=3, max_size=300), st.integers(1, 40)),
)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_what_the_compressor_writes_oletools_decompresses_to_the_input(data):
    container = compress(data)
    assert oletools_decompress(container) == data
    assert decompress(container) == data
    for produced, length in copy_tokens(container):
        assert length <= max_copy_length(produced)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 15, 16, 17, 4094, 4095, 4096, 4097, 8192,
                                  8193, 46514])
def test_a_run_of_one_byte_of_any_length_round_trips_with_tokens_that_fit(size):
    data = b" " * size
    container = compress(data)
    assert oletools_decompress(container) == data
    for produced, length in copy_tokens(container):
        assert length <= max_copy_length(produced)


def test_the_decompressor_refuses_a_broken_container_saying_where():
    with pytest.raises(CompressionError, match="0x01"):
        decompress(b"\x00abc")
    good = compress(b"abcabcabcabc" * 20)
    with pytest.raises(CompressionError):
        decompress(good[:1] + b"\x00\x00" + good[3:])  # signature bits of the header
    with pytest.raises(CompressionError, match="points before"):
        decompress(b"\x01" + struct.pack("<H", 0xB000 | (3 + 2 - 3)) + b"\x01\x00\x20")


def test_the_xlwings_module_compresses_as_the_issue_found_it_broken_no_more():
    """ms-ovba-compression wrote a 47-byte copy where 34 fit; every token fits here."""
    source = (ROOT / "macros" / "Facturier.bas").read_bytes()
    from pathlib import Path

    import xlwings
    source += (Path(xlwings.__file__).parent / "xlwings.bas").read_bytes()
    container = compress(source)
    assert oletools_decompress(container) == source
    assert all(length <= max_copy_length(p) for p, length in copy_tokens(container))


def red_black_ok(ole_bytes: bytes) -> None:
    """The directory of a compound file: each storage's children a red-black tree ordered
    by (name length, upper-case name), no red node with a red child, equal black height."""
    (first_dir,) = struct.unpack_from("<I", ole_bytes, 48)
    ole = olefile.OleFileIO(io.BytesIO(ole_bytes))
    entries = {}
    for sid, entry in enumerate(ole.direntries):
        if entry is not None:
            entries[sid] = entry

    def key(sid):
        name = entries[sid].name
        return len(name), name.upper()

    def walk(sid, lo, hi, parent_red):
        if sid == olefile.NOSTREAM:
            return 1
        e = entries[sid]
        assert (lo is None or key(sid) > lo) and (hi is None or key(sid) < hi), e.name
        red = e.color == 0  # MS-CFB: 0x00 red, 0x01 black
        assert not (red and parent_red), f"two red nodes in a row at {e.name}"
        left = walk(e.sid_left, lo, key(sid), red)
        right = walk(e.sid_right, key(sid), hi, red)
        assert left == right, f"black height differs under {e.name}"
        return left + (0 if red else 1)

    for e in entries.values():
        if e.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            walk(e.sid_child, None, None, False)
    assert first_dir > 0


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 12, 31])
def test_the_compound_file_gives_back_every_stream_under_a_red_black_directory(n):
    import random
    rng = random.Random(n)
    inner = Storage({f"M{'x' * rng.randint(0, 9)}{k}": rng.randbytes(rng.choice(
        [0, 1, 63, 64, 65, 4095, 4096, 5000, 20000])) for k in range(n)})
    root = Storage({"VBA": inner, "PROJECT": b"ID=\r\n", "PROJECTwm": b"\0\0"})
    data = write_compound_file(root)
    assert write_compound_file(root) == data
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    for name, value in inner.entries.items():
        assert ole.openstream(["VBA", name]).read() == value
    assert ole.openstream("PROJECT").read() == b"ID=\r\n"
    red_black_ok(data)


def decrypt(hex_text: str, project_id: str) -> bytes:
    """MS-OVBA 2.4.3.3, data decryption, as a reader of CMG, DPB and GC performs it."""
    enc = bytes.fromhex(hex_text)
    seed, version_enc, proj_key_enc = enc[0], enc[1], enc[2]
    assert seed ^ version_enc == 2
    proj_key = seed ^ proj_key_enc
    assert proj_key == sum(project_id.encode("cp1252")) & 0xFF
    unenc_1, enc_1, enc_2 = proj_key, proj_key_enc, version_enc
    out = []
    for byte_enc in enc[3:]:
        byte = byte_enc ^ ((enc_2 + unenc_1) & 0xFF)
        out.append(byte)
        enc_2, enc_1, unenc_1 = enc_1, byte_enc, byte
    ignored = (seed & 6) // 2
    rest = bytes(out[ignored:])
    (length,) = struct.unpack_from("<I", rest)
    assert len(rest) == 4 + length
    return rest[4:]


def project_lines(data: bytes) -> list[str]:
    ole = olefile.OleFileIO(io.BytesIO(data))
    return ole.openstream("PROJECT").read().decode("cp1252").split("\r\n")


def test_the_project_says_unprotected_no_password_visible_in_its_encrypted_properties():
    data = buttons_project(macro_sources())
    lines = project_lines(data)
    props = dict(line.split("=", 1) for line in lines if "=" in line and not
                 line.startswith("&H"))
    ident = props["ID"].strip('"')
    assert decrypt(props["CMG"].strip('"'), ident) == bytes(4)
    assert decrypt(props["DPB"].strip('"'), ident) == b"\0"
    assert decrypt(props["GC"].strip('"'), ident) == b"\xff"
    assert [line for line in lines if line.startswith(("Document=", "Module=", "Class="))] == [
        "Document=ThisWorkbook/&H00000000", "Module=Facturier", "Module=xlwings",
        "Class=Dictionary"]
    assert "[Host Extender Info]" in lines


def test_the_built_project_decodes_with_olevba_to_its_sources_line_for_line():
    data = buttons_project(macro_sources())
    assert buttons_project(macro_sources()) == data  # deterministic
    assert_modules_match_sources(olevba_modules(data))
    red_black_ok(data)
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert ole.openstream("VBA/_VBA_PROJECT").read()[2:4] == b"\xff\xff"  # no compiled code


def test_the_code_page_is_declared_and_the_accents_are_written_in_it():
    from oletools.olevba import VBA_Parser
    data = buttons_project(macro_sources())
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        list(parser.extract_macros())
        assert parser.vba_projects  # parsed the dir stream
    finally:
        parser.close()
    ole = olefile.OleFileIO(io.BytesIO(data))
    module = oletools_decompress(ole.openstream("VBA/Facturier").read())
    assert "Importer un relevé bancaire".encode("cp1252") in module
    assert "Relevés".encode() not in module
    assert olevba_modules(data)["Facturier"].count("Importer un relevé bancaire") == 1


def test_our_reader_gives_back_what_we_wrote_and_reads_xlwings_own_project():
    modules = [VbaModule("ThisWorkbook", "document", 'Attribute VB_Name = "ThisWorkbook"\r\n'),
               VbaModule("Un", "procedural", 'Attribute VB_Name = "Un"\r\nSub A()\r\n'
                                             'MsgBox "Générer à l\'écran"\r\nEnd Sub\r\n'),
               VbaModule("Deux", "class", 'Attribute VB_Name = "Deux"\r\n')]
    assert read_modules(build_project(modules)) == modules


def test_a_module_the_project_cannot_hold_is_refused_with_its_name_and_line():
    euro = VbaModule("M", "procedural", 'Attribute VB_Name = "M"\nx = "€ Œ"\n')
    assert "€ Œ" in read_modules(build_project([euro]))[0].source  # both are in Windows-1252
    with pytest.raises(VbaSourceError, match="module M, line 2: '中' is not in"):
        build_project([VbaModule("M", "procedural", 'Attribute VB_Name = "M"\nx = "中"\n')])
    with pytest.raises(VbaSourceError, match="cannot name"):
        build_project([VbaModule("a b", "procedural", "")])
    with pytest.raises(VbaSourceError, match="share a name"):
        build_project([VbaModule("A", "procedural", ""), VbaModule("a", "procedural", "")])


# MS-OVBA 2.3.4.2: the dir stream's records, in the order the specification gives them
# (optional ones in brackets are not written by Facturier, so not expected here)
PROJECT_INFORMATION = [0x0001, 0x0002, 0x0014, 0x0003, 0x0004, 0x0005, 0x0040, 0x0006,
                       0x003D, 0x0007, 0x0008, 0x0009, 0x000C, 0x003C]
REFERENCE = [0x0016, 0x003E, 0x000D]
MODULE = [0x0019, 0x0047, 0x001A, 0x0032, 0x001C, 0x0048, 0x0031, 0x001E, 0x002C]


def dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """The records of a decompressed dir stream, read as the specification lays them out:
    Id (2 bytes), Size (4 bytes), Size bytes; PROJECTVERSION's Size field says 4 and six
    bytes follow."""
    out, pos = [], 0
    while pos < len(data):
        ident, size = struct.unpack_from("<HI", data, pos)
        if ident == 0x0009:
            assert size == 4, "PROJECTVERSION's Reserved field is 4"
            size = 6
        out.append((ident, data[pos + 6:pos + 6 + size]))
        pos += 6 + size
        if ident == 0x0010:
            assert pos == len(data), "nothing follows the dir stream's terminator"
            assert size == 0
    return out


def test_the_dir_stream_has_the_records_of_the_specification_and_agrees_with_the_streams():
    data = buttons_project(macro_sources())
    ole = olefile.OleFileIO(io.BytesIO(data))
    records = dir_records(oletools_decompress(ole.openstream("VBA/dir").read()))
    ids = [i for i, _ in records]
    payload = dict(records[:len(PROJECT_INFORMATION)])
    assert ids[:len(PROJECT_INFORMATION)] == PROJECT_INFORMATION
    codepage = struct.unpack("<H", payload[0x0003])[0]
    assert codepage == 1252
    assert payload[0x0004] == b"VBAProject"
    pos = len(PROJECT_INFORMATION)
    references = []
    while ids[pos] == 0x0016:
        assert ids[pos:pos + 3] == REFERENCE
        name = records[pos][1].decode("cp1252")
        assert records[pos + 1][1].decode("utf-16-le") == name
        libid = records[pos + 2][1]
        (size,) = struct.unpack_from("<I", libid)
        assert libid[4 + size:] == bytes(6) and len(libid) == 4 + size + 6
        references.append((name, libid[4:4 + size].decode("cp1252")))
        pos += 3
    assert [n for n, _ in references] == ["stdole", "Office"]
    assert all(lib.startswith("*\\G{") for _, lib in references)
    assert ids[pos:pos + 2] == [0x000F, 0x0013]
    (count,) = struct.unpack("<H", records[pos][1])
    pos += 2
    modules = []
    for _ in range(count):
        assert ids[pos:pos + len(MODULE)] == MODULE
        fields = dict(records[pos:pos + len(MODULE)])
        name = fields[0x0019].decode("cp1252")
        assert fields[0x0047].decode("utf-16-le") == name
        stream = fields[0x001A].decode("cp1252")
        assert fields[0x0032].decode("utf-16-le") == stream
        (offset,) = struct.unpack("<I", fields[0x0031])
        pos += len(MODULE)
        kind = ids[pos]
        assert kind in (0x0021, 0x0022) and records[pos][1] == b""
        pos += 1
        assert ids[pos] == 0x002B
        pos += 1
        raw = ole.openstream(["VBA", stream]).read()
        assert offset <= len(raw)
        source = oletools_decompress(raw[offset:]).decode(f"cp{codepage}")
        assert source.startswith(f'Attribute VB_Name = "{name}"')
        modules.append((name, kind))
    assert ids[pos:] == [0x0010]
    lines = project_lines(data)
    declared = [(line.split("=", 1)[1].split("/")[0], line.split("=")[0]) for line in lines
                if line.startswith(("Document=", "Module=", "Class="))]
    kinds = {"Document": 0x0022, "Module": 0x0021, "Class": 0x0022}
    assert [(n, kinds[k]) for n, k in declared] == modules
    wm = ole.openstream("PROJECTwm").read()
    expected_wm = b"".join(n.encode("cp1252") + b"\0" + n.encode("utf-16-le") + b"\0\0"
                           for n, _ in modules) + b"\0\0"
    assert wm == expected_wm
    streams = {tuple(p) for p in ole.listdir()}
    assert streams == {("PROJECT",), ("PROJECTwm",), ("VBA", "_VBA_PROJECT"), ("VBA", "dir")} \
        | {("VBA", n) for n, _ in modules}
