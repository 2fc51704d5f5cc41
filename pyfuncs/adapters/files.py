"""Files Facturier writes beside the workbook (the workbook itself, invoice PDFs, the
outbox's emails): written through a temporary file in the same folder and renamed over
the target, so a reader never sees half a file; an error says which file, even a full
disk, whose error names none of its own.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def naming(exc: OSError, path: Path) -> OSError:
    """An error writing ``path`` as one that names it (a full disk says no name of its
    own); the file was left as it was."""
    if exc.filename is not None:
        return exc
    what = exc.strerror or str(exc)
    return type(exc)(exc.errno, f"{what} (while writing it; the file was left as it was)",
                     str(path))


def write_atomically(path: Path, data: bytes) -> Path:
    """``data`` into ``path``: a temporary file beside it, renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise naming(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
