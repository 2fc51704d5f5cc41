"""A damaged journal or a full disk, as the user meets them: `facturier generate` on real
files, a journal truncated or overwritten for real, and a real full file system (a tiny
tmpfs mounted for the test)."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_generate import TODAY, workbook
from tests.unit.test_checks import clean_settings


def facturier(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=300, env=env)


def generate(book: Path) -> subprocess.CompletedProcess[str]:
    return facturier("generate", book, "--date", TODAY.isoformat())


@pytest.fixture
def issued(tmp_path: Path) -> tuple[Path, Path]:
    """A workbook that issued through Facturier, and its journal (closed, checkpointed)."""
    book = workbook(tmp_path)
    done = generate(book)
    assert done.returncode == 0, done.stderr
    journal = tmp_path / "book.facturier-journal.sqlite"
    assert journal.stat().st_size > 8192
    return book, journal


def assert_held(result: subprocess.CompletedProcess[str], journal: Path) -> None:
    """One line, naming the file, saying numbering is held and how to restore it."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert "unexpected error" not in line and "DatabaseError" not in line
    assert str(journal) in line
    assert "numérotation est suspendue" in line
    assert "dernière copie saine" in line
    assert f'sqlite3 "{journal}" "PRAGMA integrity_check"' in line


@pytest.mark.parametrize("keep", [0.5, 0.1], ids=["half", "a-tenth"])
def test_a_truncated_journal_stops_generate_naming_the_file_and_how_to_restore_it(
        issued: tuple[Path, Path], keep: float) -> None:
    book, journal = issued
    before = book.read_bytes()
    with journal.open("r+b") as f:
        f.truncate(int(journal.stat().st_size * keep) // 4096 * 4096 + 100)
    result = generate(book)
    assert_held(result, journal)
    assert book.read_bytes() == before  # nothing written, nothing numbered


def test_a_journal_overwritten_by_something_else_stops_generate_the_same_way(
        issued: tuple[Path, Path]) -> None:
    book, journal = issued
    size = journal.stat().st_size
    journal.write_bytes(b"PK\x03\x04 a sync client's conflicted copy " * (size // 40))
    assert_held(generate(book), journal)


def test_a_journal_with_a_damaged_page_stops_generate_the_same_way(
        issued: tuple[Path, Path], tmp_path: Path) -> None:
    book, journal = issued
    data = bytearray(journal.read_bytes())
    for page in range(1, len(data) // 4096):
        data[page * 4096:page * 4096 + 8] = b"\xff" * 8  # each b-tree page's header
    journal.write_bytes(bytes(data))
    assert_held(generate(book), journal)


def test_check_says_the_same_for_a_damaged_journal(issued: tuple[Path, Path]) -> None:
    book, journal = issued
    with journal.open("r+b") as f:
        f.truncate(journal.stat().st_size // 2)
    result = facturier("check", book, "--date", TODAY.isoformat())
    assert_held(result, journal)


@contextlib.contextmanager
def tiny_disk(where: Path, kib: int) -> Iterator[Path]:
    """A real file system of ``kib`` KiB (tmpfs): writing past it fails with ENOSPC."""
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tiny tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(where)],
                          check=False, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine refuses to mount a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk but ``leave`` bytes (rounded to tmpfs pages)."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    (disk / "ballast").write_bytes(b"\0" * max(0, free - leave))


def test_a_full_disk_under_the_journal_names_the_journal_and_records_nothing(
        tmp_path: Path) -> None:
    settings = clean_settings()
    with tiny_disk(tmp_path / "disk", 512) as disk:
        journal = disk / "compta.facturier-journal.sqlite"
        settings["journal_path"] = str(journal)
        book = workbook(tmp_path, settings=settings)
        before = book.read_bytes()
        fill(disk, 0)
        result = generate(book)
        assert result.returncode != 0
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1 and "unexpected error" not in line, line
        assert str(journal) in line and "Plus de place sur le disque" in line
        assert book.read_bytes() == before
        (disk / "ballast").unlink()
        again = generate(book)  # space freed: the same run issues, from the first number
        assert again.returncode == 0, again.stderr
        assert "issued 5 document(s)" in again.stdout


def test_a_full_disk_under_the_workbook_names_the_workbook_and_leaves_it_whole(
        tmp_path: Path) -> None:
    settings = clean_settings()
    settings["journal_path"] = str(tmp_path / "journal.sqlite")  # on a disk with room
    built = workbook(tmp_path, settings=settings)
    with tiny_disk(tmp_path / "disk", 4 * (built.stat().st_size // 1024) + 64) as disk:
        book = disk / built.name
        shutil.copy2(built, book)
        fill(disk, 16 * 1024)  # the workbook can be read, not written again
        before = book.read_bytes()
        result = generate(book)
        assert result.returncode != 0
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1 and "unexpected error" not in line, line
        assert line.startswith(f"facturier: {book}: No space left on device"), line
        assert book.read_bytes() == before
        # no half-written copy left behind (the lock file stays, as after every job)
        assert {p.name for p in disk.iterdir()} == {"ballast", book.name,
                                                    f".{book.name}.facturier-lock"}


def test_a_full_disk_under_the_invoice_pdfs_names_the_pdf_and_leaves_no_half_file(
        issued: tuple[Path, Path], tmp_path: Path) -> None:
    book, _ = issued
    with tiny_disk(tmp_path / "disk", 256) as disk:
        fill(disk, 0)
        result = facturier("pdf", book, "--out", disk)
        assert result.returncode != 0
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1 and "unexpected error" not in line, line
        assert line.startswith(f"facturier: {disk}/") and ".pdf: No space left on device" \
            in line, line
        assert {p.name for p in disk.iterdir()} == {"ballast"}  # no partial PDF, no temp
