"""A VBA project (``xl/vbaProject.bin``) written from module source, as MS-OVBA states it.

The project is a compound file (:mod:`pyfuncs.adapters.compound_file`) holding:
- ``PROJECT``: the project's properties as text (2.3.1): its id, one line per module
  (``Document=``, ``Module=``, ``Class=``), name, and the protection, password and
  visibility states encrypted as 2.4.3 says (no protection, no password, visible);
- ``PROJECTwm``: each module's name in the code page and in UTF-16 (2.3.3);
- ``VBA/_VBA_PROJECT``: version 0xFFFF, the value 2.3.4.1 requires on write: there is no
  compiled code, so the host compiles the source when it opens the project;
- ``VBA/dir``: the records of 2.3.4.2 (system kind, locale, code page, name, references to
  OLE Automation and the Office library, then per module its name, stream name, source
  offset 0, type), compressed;
- ``VBA/<module>``: the module's source, compressed (2.4.1), in the declared code page
  (Windows-1252: accents are written as that code page has them).
The bytes depend only on the modules, so a rebuilt project is identical to the last one.

Why our own writer: the only VBA project writer on PyPI (ms-ovba, with
ms-ovba-compression) writes copy tokens longer than their place in the chunk allows, so the
modules it wrote decoded to garbage past their first lines; no maintained alternative
writes projects (oletools and olefile read them, and the tests use them to read ours).
The three modules here are small and each states one specification.
"""
from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyfuncs.adapters.compound_file import Storage, write_compound_file
from pyfuncs.adapters.ovba_compression import compress

CODEPAGE = 1252
ENCODING = "cp1252"
PROJECT_NAME = "VBAProject"
# Excel's own references of a new project: OLE Automation and the Office object library
REFERENCES = (
    ("stdole", ("*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")),
    ("Office", ("*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
               "Microsoft Office 16.0 Object Library")),
)
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
# the workbook's document module as Excel writes it: attributes, no code
THIS_WORKBOOK = ('Attribute VB_Name = "ThisWorkbook"\r\n'
                 'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\r\n'
                 "Attribute VB_GlobalNameSpace = False\r\n"
                 "Attribute VB_Creatable = False\r\n"
                 "Attribute VB_PredeclaredId = True\r\n"
                 "Attribute VB_Exposed = True\r\n"
                 "Attribute VB_TemplateDerived = False\r\n"
                 "Attribute VB_Customizable = True\r\n")

Kind = Literal["document", "procedural", "class"]


class VbaSourceError(ValueError):
    """A module that cannot go into the project as it is (its name or its characters)."""


@dataclass(frozen=True)
class VbaModule:
    """One module of the project: its name, its kind and its source (with its
    ``Attribute`` lines, as the VBA editor exports and stores them)."""

    name: str
    kind: Kind
    source: str

    def stored(self) -> bytes:
        """The source as the module stream holds it: CRLF lines in the code page."""
        text = self.source.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        try:
            return text.encode(ENCODING)
        except UnicodeEncodeError as e:
            line = text[:e.start].count("\n") + 1
            raise VbaSourceError(
                f"module {self.name}, line {line}: {text[e.start]!r} is not in the project's "
                f"code page (Windows-{CODEPAGE})") from None


def _record(ident: int, payload: bytes) -> bytes:
    return struct.pack("<HI", ident, len(payload)) + payload


def _u32(ident: int, value: int) -> bytes:
    return _record(ident, struct.pack("<I", value))


def _text_pair(ident: int, reserved: int, text: str) -> bytes:
    """A record with the text in the code page, then (after ``reserved``) in UTF-16."""
    return (_record(ident, text.encode(ENCODING))
            + _record(reserved, text.encode("utf-16-le")))


def dir_stream(modules: list[VbaModule]) -> bytes:
    """The uncompressed ``dir`` stream (MS-OVBA 2.3.4.2)."""
    out = bytearray()
    out += _u32(0x0001, 0x00000001)                      # PROJECTSYSKIND: 32-bit Windows
    out += _u32(0x0002, 0x00000409)                      # PROJECTLCID
    out += _u32(0x0014, 0x00000409)                      # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODEPAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, PROJECT_NAME.encode(ENCODING))  # PROJECTNAME
    out += _text_pair(0x0005, 0x0040, "")               # PROJECTDOCSTRING
    out += _text_pair(0x0006, 0x003D, "")               # PROJECTHELPFILEPATH
    out += _u32(0x0007, 0)                               # PROJECTHELPCONTEXT
    out += _u32(0x0008, 0)                               # PROJECTLIBFLAGS
    # PROJECTVERSION: its Reserved field is 4, then VersionMajor (4 bytes), VersionMinor (2)
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)
    out += _text_pair(0x000C, 0x003C, "")               # PROJECTCONSTANTS
    for name, libid in REFERENCES:
        out += _text_pair(0x0016, 0x003E, name)          # REFERENCENAME
        lib = libid.encode(ENCODING)                     # REFERENCEREGISTERED
        out += _record(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    out += _record(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _record(0x0013, struct.pack("<H", 0xFFFF))       # PROJECTCOOKIE
    for module in modules:
        out += _record(0x0019, module.name.encode(ENCODING))           # MODULENAME
        out += _record(0x0047, module.name.encode("utf-16-le"))        # MODULENAMEUNICODE
        out += _text_pair(0x001A, 0x0032, module.name)                # MODULESTREAMNAME
        out += _text_pair(0x001C, 0x0048, "")                          # MODULEDOCSTRING
        out += _u32(0x0031, 0)           # MODULEOFFSET: the source starts the stream
        out += _u32(0x001E, 0)                                         # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))              # MODULECOOKIE
        kind = 0x0021 if module.kind == "procedural" else 0x0022       # MODULETYPE
        out += struct.pack("<HI", kind, 0)
        out += struct.pack("<HI", 0x002B, 0)                           # terminator
    out += struct.pack("<HI", 0x0010, 0)                               # dir terminator
    return bytes(out)


def project_id(modules: Iterable[VbaModule]) -> str:
    """A GUID for the project, from its module names: the same project, the same id."""
    names = ",".join(m.name for m in modules)
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"facturier:vba:{names}")).upper() + "}"


def encrypt(data: bytes, project: str, seed: int) -> str:
    """MS-OVBA 2.4.3.2, data encryption: the hex text of CMG, DPB and GC."""
    proj_key = sum(project.encode(ENCODING)) & 0xFF
    version = 2
    out = [seed, seed ^ version, seed ^ proj_key]
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, out[2], out[1]

    def push(byte: int) -> None:
        nonlocal unencrypted_1, encrypted_1, encrypted_2
        enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte

    for _ in range((seed & 6) // 2):  # the ignored bytes: any value, here 0
        push(0)
    for byte in struct.pack("<I", len(data)) + data:
        push(byte)
    return "".join(f"{b:02X}" for b in out)


def project_stream(modules: list[VbaModule]) -> bytes:
    """The ``PROJECT`` stream (MS-OVBA 2.3.1)."""
    ident = project_id(modules)
    seed = hashlib.sha256(ident.encode()).digest()[0]
    lines = [f'ID="{ident}"']
    for m in modules:
        lines.append({"document": f"Document={m.name}/&H00000000", "procedural":
                      f"Module={m.name}", "class": f"Class={m.name}"}[m.kind])
    unprotected, no_password, visible = struct.pack("<I", 0), bytes([0]), bytes([0xFF])
    lines += [f'Name="{PROJECT_NAME}"', 'HelpContextID="0"',
              'VersionCompatible32="393222000"',
              f'CMG="{encrypt(unprotected, ident, seed)}"',
              f'DPB="{encrypt(no_password, ident, seed ^ 0x11)}"',
              f'GC="{encrypt(visible, ident, seed ^ 0x22)}"',
              "", "[Host Extender Info]", _HOST_EXTENDER, ""]
    return "\r\n".join(lines).encode(ENCODING) + b"\r\n"


def name_map(modules: list[VbaModule]) -> bytes:
    """The ``PROJECTwm`` stream (MS-OVBA 2.3.3)."""
    out = bytearray()
    for m in modules:
        out += m.name.encode(ENCODING) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def build_project(modules: list[VbaModule]) -> bytes:
    """The bytes of ``vbaProject.bin`` holding ``modules``, in their order."""
    names = [m.name for m in modules]
    for name in names:
        if not name.isidentifier() or not name.isascii() or len(name) > 31:
            raise VbaSourceError(f"{name!r} cannot name a VBA module (ASCII letters, digits "
                                 "and _, at most 31)")
    if len({n.upper() for n in names}) != len(names):
        raise VbaSourceError(f"two modules share a name: {', '.join(names)}")
    vba = Storage({"_VBA_PROJECT": bytes.fromhex("CC61FFFF000300"),
                   "dir": compress(dir_stream(modules))})
    for m in modules:
        vba.entries[m.name] = compress(m.stored())
    return write_compound_file(Storage({"VBA": vba, "PROJECT": project_stream(modules),
                                        "PROJECTwm": name_map(modules)}))


def read_modules(data: bytes) -> list[VbaModule]:
    """The modules of a VBA project, read back through its ``dir`` stream (each module's
    stream name, source offset and type) and its ``PROJECT`` stream (document or class):
    how Facturier takes a module out of a project it did not write."""
    import io

    import olefile  # type: ignore[import-untyped]

    from pyfuncs.adapters.ovba_compression import decompress

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        records = _records(decompress(ole.openstream("VBA/dir").read()))
        codepage = next((struct.unpack("<H", p)[0] for i, p in records if i == 0x0003),
                        CODEPAGE)
        encoding = f"cp{codepage}"
        classes = {line.split("=", 1)[1].strip() for line in ole.openstream("PROJECT").read()
                   .decode(encoding, "replace").splitlines() if line.startswith("Class=")}
        modules: list[VbaModule] = []
        current: dict[str, str | int] = {}
        for ident, payload in records:
            if ident == 0x0019:
                current = {"name": payload.decode(encoding)}
            elif ident == 0x001A:
                current["stream"] = payload.decode(encoding)
            elif ident == 0x0031:
                current["offset"] = struct.unpack("<I", payload)[0]
            elif ident in (0x0021, 0x0022):
                current["type"] = ident
            elif ident == 0x002B and current:
                raw = ole.openstream(f"VBA/{current['stream']}").read()
                source = decompress(raw[int(current["offset"]):]).decode(encoding)
                name = str(current["name"])
                kind: Kind = ("procedural" if current["type"] == 0x0021 else
                              "class" if name in classes else "document")
                modules.append(VbaModule(name, kind, source))
                current = {}
        return modules
    finally:
        ole.close()


def _records(dir_data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 6 <= len(dir_data):
        ident, size = struct.unpack_from("<HI", dir_data, pos)
        if ident == 0x0009:  # PROJECTVERSION: its size field says 4, six bytes follow
            size = 6
        out.append((ident, dir_data[pos + 6:pos + 6 + size]))
        pos += 6 + size
        if ident == 0x0010:
            break
    return out


def xlwings_modules() -> list[VbaModule]:
    """The standalone xlwings modules of the installed xlwings, as ``xlwings quickstart
    --standalone`` embeds them: ``xlwings.bas`` (RunPython; BSD-3-clause) and the
    ``Dictionary`` class it uses on the Mac (Tim Hall's VBA-Dictionary, MIT), taken from the
    standalone quickstart workbook xlwings ships (absent there, it is left out: Windows
    does not need it)."""
    import zipfile

    import xlwings

    folder = Path(xlwings.__file__).parent
    modules = [VbaModule("xlwings", "procedural",
                         (folder / "xlwings.bas").read_bytes().decode(ENCODING))]
    quickstart = folder / "quickstart_standalone.xlsm"
    if quickstart.is_file():
        with zipfile.ZipFile(quickstart) as z:
            shipped = read_modules(z.read("xl/vbaProject.bin"))
        modules += [m for m in shipped if m.name == "Dictionary" and m.kind == "class"]
    return modules


def buttons_project(macros: Iterable[Path]) -> bytes:
    """Facturier's VBA project: the workbook's document module, the buttons' modules
    (``macros``: the .bas files, UTF-8 in the repository) and xlwings' standalone modules."""
    modules = [VbaModule("ThisWorkbook", "document", THIS_WORKBOOK)]
    for path in sorted(macros):
        source = path.read_text(encoding="utf-8")
        modules.append(VbaModule(_vb_name(source, path), "procedural", source))
    return build_project(modules + xlwings_modules())


def _vb_name(source: str, path: Path) -> str:
    first = source.lstrip("\ufeff").split("\n", 1)[0].strip()
    prefix = 'Attribute VB_Name = "'
    if not (first.startswith(prefix) and first.endswith('"')):
        raise VbaSourceError(f"{path.name}: the first line must be {prefix}Name\"")
    return first[len(prefix):-1]
